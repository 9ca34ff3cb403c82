//! The error of every contact-point method.

/// What stops a contact-point estimate. Preprocessing steps that need a contact point pass it
/// on whole (`PreprocessError::ContactPoint`, same message).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContactPointError {
    #[error("curve too short: needs at least {needed} samples in the loading part, found {found}")]
    CurveTooShort { needed: usize, found: usize },
    #[error("{channel} sample {index} is NaN or infinite")]
    NonFinite { channel: &'static str, index: usize },
    #[error("the force is constant over the approach: there is no contact to find")]
    ConstantForce,
    #[error("tip position ({other} samples) is shorter than the force ({force} samples)")]
    LengthMismatch { force: usize, other: usize },
    #[error("contact-point fit {method} failed: {reason}")]
    FitFailed { method: &'static str, reason: String },
    #[error("contact-point method {method} gave index {index}, outside the {len} samples")]
    OutOfRange { method: &'static str, index: i64, len: usize },
}
