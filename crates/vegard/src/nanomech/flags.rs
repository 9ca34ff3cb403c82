//! Why a curve's numbers are not to be trusted.
//!
//! Every flag is raised by default, each with a documented threshold that a setting can move
//! ([`super::NanomechSettings`]). A flagged curve keeps its numbers in the per-curve records
//! (for inspection) but is a masked pixel in every map (drawn white) and never enters a
//! summary statistic; it is never a failed batch.

use serde::{Deserialize, Serialize};

/// Why a curve's modulus is not to be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The curve could not be read from the file.
    ReadError,
    /// No spring constant (or force channel) to compute forces.
    MissingCalibration,
    /// The segment to fit is missing or empty.
    MissingSegment,
    /// Preprocessing failed (all NaN, too short, ...).
    PreprocessFailed,
    /// The force never leaves the baseline: no contact part to fit.
    NoContact,
    /// Fewer fit points than `min_fit_points`.
    TooFewPoints,
    /// The fitter did not converge.
    NoConvergence,
    /// Fitted modulus ≤ 0.
    ModulusNotPositive,
    /// Fitted modulus NaN or infinite.
    ModulusNotFinite,
    /// A fitted model parameter (the modulus, the work of adhesion) sits on its bound.
    ParameterAtBound,
    /// Fitted contact point outside the measured x range.
    ContactPointOutside,
    /// The fitted contact point lies below every fitted point: nothing was indented.
    NegativeIndentation,
    /// The deformation (peak-force position minus where the force leaves zero) is negative.
    NegativeDeformation,
    /// The largest indentation exceeds `max_indentation_ratio` × the model's validity length.
    BeyondValidity,
    /// R² below `min_r2` (or not a number).
    PoorFit,
}

impl Flag {
    pub fn key(self) -> &'static str {
        match self {
            Flag::ReadError => "read_error",
            Flag::MissingCalibration => "missing_calibration",
            Flag::MissingSegment => "missing_segment",
            Flag::PreprocessFailed => "preprocess_failed",
            Flag::NoContact => "no_contact",
            Flag::TooFewPoints => "too_few_points",
            Flag::NoConvergence => "no_convergence",
            Flag::ModulusNotPositive => "modulus_not_positive",
            Flag::ModulusNotFinite => "modulus_not_finite",
            Flag::ParameterAtBound => "parameter_at_bound",
            Flag::ContactPointOutside => "contact_point_outside",
            Flag::NegativeIndentation => "negative_indentation",
            Flag::NegativeDeformation => "negative_deformation",
            Flag::BeyondValidity => "beyond_validity",
            Flag::PoorFit => "poor_fit",
        }
    }

    /// What the flag means and its threshold (with the setting that moves it), for the
    /// report, `--help` and the docs.
    pub fn meaning(self) -> &'static str {
        match self {
            Flag::ReadError => "the curve could not be read from the file",
            Flag::MissingCalibration => "no spring constant or force channel: forces cannot be computed",
            Flag::MissingSegment => "the segment to fit (approach or retract) is missing or empty",
            Flag::PreprocessFailed => "tip position, force offset or tilt correction failed (too short, all NaN)",
            Flag::NoContact => {
                "the peak force is less than min_contact_snr (default 5) baseline-noise σ above the baseline: \
                 the ramp never reached the sample"
            }
            Flag::TooFewPoints => "fewer than min_fit_points (default 8) points in the fit window",
            Flag::NoConvergence => "the Levenberg–Marquardt fit did not converge",
            Flag::ModulusNotPositive => "the fitted modulus is ≤ 0",
            Flag::ModulusNotFinite => "the fitted modulus is not a finite number",
            Flag::ParameterAtBound => "a fitted model parameter (modulus, work of adhesion) sits on its bound",
            Flag::ContactPointOutside => "the fitted contact point lies outside the measured positions",
            Flag::NegativeIndentation => "the fitted contact point lies below every fitted point: nothing was indented",
            Flag::NegativeDeformation => {
                "negative deformation: the force leaves zero after (not before) the peak-force position"
            }
            Flag::BeyondValidity => {
                "the largest indentation exceeds max_indentation_ratio (default 1) × the model's validity length \
                 (R for spheres and paraboloids, a for the flat punch, min(R, h²/R) for thin films)"
            }
            Flag::PoorFit => "R² of the fit below min_r2 (default 0.9), or not a number",
        }
    }

    pub fn all() -> &'static [Flag] {
        &[
            Flag::ReadError,
            Flag::MissingCalibration,
            Flag::MissingSegment,
            Flag::PreprocessFailed,
            Flag::NoContact,
            Flag::TooFewPoints,
            Flag::NoConvergence,
            Flag::ModulusNotPositive,
            Flag::ModulusNotFinite,
            Flag::ParameterAtBound,
            Flag::ContactPointOutside,
            Flag::NegativeIndentation,
            Flag::NegativeDeformation,
            Flag::BeyondValidity,
            Flag::PoorFit,
        ]
    }

    /// Flags that mean the curve's data could not be used at all (not just a bad fit).
    pub fn is_data_failure(self) -> bool {
        matches!(self, Flag::ReadError | Flag::MissingCalibration | Flag::PreprocessFailed)
    }
}
