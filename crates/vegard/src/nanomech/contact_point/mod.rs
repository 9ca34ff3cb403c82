//! Contact-point (point-of-contact, POC) estimation on the approach of a force curve.
//!
//! The six classic methods reproduce nanite 4.2.3 (`nanite/poc.py`; Müller et al.,
//! "nanite: using machine learning to assess the quality of atomic force microscopy-enabled
//! nano-indentation data", BMC Bioinformatics 20, 465 (2019)) index for index; one file per
//! method documents its definition. [`ContactPointMethod::ModelBased`] is vegard's own
//! closed-form model search ([`model_based`]).
//!
//! Like nanite's `compute_poc`, every method first clips the force at its (first) maximum,
//! `F[0 .. argmax F]`, so only the loading part of the approach is searched; pass the force
//! from the start of the approach (nanite passes the whole approach + retract array, which
//! matters when the force keeps rising for a few samples after the piezo turns).

pub mod baseline_deviation;
mod error;
pub mod frechet;
pub mod gradient;
pub mod model_based;
mod nelder_mead;
pub mod piecewise_fit;

pub use error::ContactPointError;

use crate::numerics::numpy_compat;

/// Contact-point estimators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactPointMethod {
    /// First sample above the baseline mean by twice the baseline's largest deviation.
    DeviationFromBaseline,
    /// Piecewise fit constant + line.
    FitConstantLine,
    /// Piecewise fit constant + δ³/(aδ²+bδ+c).
    FitConstantPolynomial,
    /// Piecewise fit line + δ³/(aδ²+bδ+c) (tilted baselines).
    FitLinePolynomial,
    /// Smoothed gradient falls below 1 % of its maximum.
    GradientZeroCrossing,
    /// Farthest point below the diagonal of the normalised curve.
    FrechetDirectPath,
    /// Closed-form constant + power-law (p = 3/2) least squares over all candidates.
    ModelBased,
}

impl ContactPointMethod {
    /// Stable key (nanite's identifier for the six nanite methods).
    pub fn key(&self) -> &'static str {
        match self {
            Self::DeviationFromBaseline => "deviation_from_baseline",
            Self::FitConstantLine => "fit_constant_line",
            Self::FitConstantPolynomial => "fit_constant_polynomial",
            Self::FitLinePolynomial => "fit_line_polynomial",
            Self::GradientZeroCrossing => "gradient_zero_crossing",
            Self::FrechetDirectPath => "frechet_direct_path",
            Self::ModelBased => "model_based",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::all().iter().copied().find(|m| m.key() == key)
    }

    pub fn all() -> &'static [Self] {
        &[
            Self::DeviationFromBaseline,
            Self::FitConstantLine,
            Self::FitConstantPolynomial,
            Self::FitLinePolynomial,
            Self::GradientZeroCrossing,
            Self::FrechetDirectPath,
            Self::ModelBased,
        ]
    }

    /// Human-readable name (nanite's wording for its methods).
    pub fn name(&self) -> &'static str {
        match self {
            Self::DeviationFromBaseline => "Deviation from baseline",
            Self::FitConstantLine => "Piecewise fit with constant and line",
            Self::FitConstantPolynomial => "Piecewise fit with constant and polynomial",
            Self::FitLinePolynomial => "Piecewise fit with line and polynomial",
            Self::GradientZeroCrossing => "Gradient zero-crossing of indentation part",
            Self::FrechetDirectPath => "Fréchet distance to direct path",
            Self::ModelBased => "Model-based least squares (constant + power law 3/2)",
        }
    }
}

/// Contact exponent used by [`ContactPointMethod::ModelBased`] (Hertz sphere/paraboloid).
pub const MODEL_BASED_EXPONENT: f64 = 1.5;

/// Check the force and clip it at its first maximum (nanite `compute_preproc_clip_approach`).
fn clip_at_maximum(force: &[f64]) -> Result<&[f64], ContactPointError> {
    if force.is_empty() {
        return Err(ContactPointError::CurveTooShort { needed: 2, found: 0 });
    }
    if let Some(index) = force.iter().position(|v| !v.is_finite()) {
        return Err(ContactPointError::NonFinite { channel: "force", index });
    }
    let idmax = numpy_compat::argmax(force).unwrap_or(0);
    if idmax == 0 {
        // the force only decreases: there is no loading part to search
        return Err(ContactPointError::CurveTooShort { needed: 2, found: 1 });
    }
    Ok(&force[..idmax])
}

/// The method's own answer on the clipped force: `Ok(None)` where nanite's method returns
/// NaN (nothing found, too few samples, fit not converged). Indices may be negative or
/// beyond the clipped range only for the fitting and gradient methods (as in nanite).
pub fn contact_point_raw(
    tip_position: Option<&[f64]>,
    force: &[f64],
    method: ContactPointMethod,
) -> Result<(Option<i64>, usize), ContactPointError> {
    let clipped = clip_at_maximum(force)?;
    let as_i64 = |v: Option<usize>| v.map(|i| i as i64);
    let raw = match method {
        ContactPointMethod::DeviationFromBaseline => as_i64(baseline_deviation::index(clipped)),
        ContactPointMethod::FitConstantLine => piecewise_fit::fit_constant_line(clipped)?,
        ContactPointMethod::FitConstantPolynomial => piecewise_fit::fit_constant_polynomial(clipped)?,
        ContactPointMethod::FitLinePolynomial => piecewise_fit::fit_line_polynomial(clipped)?,
        ContactPointMethod::GradientZeroCrossing => gradient::index(clipped),
        ContactPointMethod::FrechetDirectPath => {
            Some(frechet::index(clipped).ok_or(ContactPointError::ConstantForce)? as i64)
        }
        ContactPointMethod::ModelBased => {
            let z = match tip_position {
                Some(z) if z.len() < clipped.len() => {
                    return Err(ContactPointError::LengthMismatch { force: force.len(), other: z.len() });
                }
                Some(z) => Some(&z[..clipped.len()]),
                None => None,
            };
            as_i64(model_based::index(z, clipped, MODEL_BASED_EXPONENT))
        }
    };
    Ok((raw, clipped.len()))
}

/// Contact-point index into `force` (nanite `compute_poc`): the method's index, or the
/// middle of the clipped approach when the method finds nothing (nanite's documented
/// fallback "to allow fitting algorithms to proceed"). Errors for an empty, non-finite or
/// never-rising force and for indices outside `force`.
pub fn contact_point_index(force_n: &[f64], method: ContactPointMethod) -> Result<usize, ContactPointError> {
    contact_point_index_xy(None, force_n, method)
}

/// As [`contact_point_index`], with the tip position as abscissa for
/// [`ContactPointMethod::ModelBased`] (the nanite methods work in index space and ignore it).
pub fn contact_point_index_xy(
    tip_position_m: Option<&[f64]>,
    force_n: &[f64],
    method: ContactPointMethod,
) -> Result<usize, ContactPointError> {
    let (raw, clipped_len) = contact_point_raw(tip_position_m, force_n, method)?;
    let idx = raw.unwrap_or((clipped_len / 2) as i64);
    usize::try_from(idx).ok().filter(|&i| i < force_n.len()).ok_or(ContactPointError::OutOfRange {
        method: method.key(),
        index: idx,
        len: force_n.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for m in ContactPointMethod::all() {
            assert_eq!(ContactPointMethod::from_key(m.key()), Some(*m));
        }
        assert_eq!(ContactPointMethod::from_key("nope"), None);
        assert_eq!(ContactPointMethod::all().len(), 7);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            contact_point_index(&[], ContactPointMethod::FrechetDirectPath),
            Err(ContactPointError::CurveTooShort { .. })
        ));
        assert!(matches!(
            contact_point_index(&[0.0, f64::NAN, 1.0], ContactPointMethod::FrechetDirectPath),
            Err(ContactPointError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            contact_point_index(&[3.0, 2.0, 1.0], ContactPointMethod::DeviationFromBaseline),
            Err(ContactPointError::CurveTooShort { .. })
        ));
        // constant approach then a rise at the very end: fits refuse a constant segment
        let f = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0];
        assert!(matches!(
            contact_point_index(&f, ContactPointMethod::FitConstantLine),
            Err(ContactPointError::ConstantForce)
        ));
    }

    #[test]
    fn fallback_to_middle_when_nothing_found() {
        // no sample exceeds the baseline band: nanite returns the middle of the clipped force
        let mut f: Vec<f64> = (0..100).map(|i| if i % 2 == 0 { 1e-12 } else { -1e-12 }).collect();
        f.push(1.5e-12);
        assert_eq!(contact_point_index(&f, ContactPointMethod::DeviationFromBaseline).unwrap(), 50);
    }

    #[test]
    fn clean_hertz_curve_gives_nanite_indices() {
        // F = 1 nN ((i - 600)/400)^1.5 after index 600, zero before, one retract sample.
        // Expected indices from nanite 4.2.3 `poc.compute_poc` on the same array; they show
        // each method's bias on a noise-free p = 3/2 curve (e.g. the line fit intersects
        // the baseline late, the rational-polynomial fits early).
        let ic = 600;
        let mut f: Vec<f64> =
            (0..1000).map(|i| if i < ic { 0.0 } else { 1e-9 * ((i - ic) as f64 / 400.0).powf(1.5) }).collect();
        f.push(0.0);
        let expected = [
            (ContactPointMethod::DeviationFromBaseline, 601),
            (ContactPointMethod::FitConstantLine, 665),
            (ContactPointMethod::FitConstantPolynomial, 579),
            (ContactPointMethod::FitLinePolynomial, 579),
            (ContactPointMethod::FrechetDirectPath, 628),
            (ContactPointMethod::GradientZeroCrossing, 606),
        ];
        for (m, want) in expected {
            assert_eq!(contact_point_index(&f, m).unwrap(), want, "{}", m.key());
        }
        let mb = contact_point_index(&f, ContactPointMethod::ModelBased).unwrap();
        assert!((mb as i64 - ic as i64).abs() <= 1, "model_based: {mb}");
    }
}
