//! nanite's three piecewise-fit contact-point methods (nanite 4.2.3, `nanite/poc.py`).
//!
//! All three work in *index* space on the normalised force
//! `y_i = (F_i − min F) / (max F − min F)`, `x_i = i`, start from the Fréchet estimate
//! (see [`super::frechet`]) and minimise `Σ (y_i − model_i)²` with Nelder–Mead
//! ([`super::nelder_mead`]). The contact point is `int(x0)` of the optimum (truncated).
//! When the fit does not converge within lmfit's budget nanite returns NaN, i.e. `None`
//! here (the caller then falls back to the middle of the curve, as nanite).

use super::error::ContactPointError;
use super::frechet;
use super::nelder_mead::{Bound, minimize};
use crate::numerics::numpy_compat::mean;

/// Normalised force and the start values every method shares.
struct Start {
    y: Vec<f64>,
    /// mean of the first ten normalised samples (baseline start value)
    d: f64,
    /// Fréchet contact-point estimate
    x0: usize,
}

fn start(force: &[f64]) -> Result<Start, ContactPointError> {
    let fmin = force.iter().copied().fold(f64::INFINITY, f64::min);
    let fmax = force.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let fptp = fmax - fmin;
    if fptp.is_nan() || fptp == 0.0 {
        // nanite divides by zero here and lmfit raises on the NaN residuals.
        return Err(ContactPointError::ConstantForce);
    }
    let y: Vec<f64> = force.iter().map(|&f| (f - fmin) / fptp).collect();
    let d = mean(&y[..y.len().min(10)]);
    let x0 = frechet::index(force).unwrap_or(y.len() / 2);
    Ok(Start { y, d, x0 })
}

fn fit_failed(method: &'static str) -> ContactPointError {
    ContactPointError::FitFailed { method, reason: "non-finite residual (nanite raises here)".into() }
}

/// Contact point as nanite's `int(out.params["x0"])`; negative values are reported as an
/// error by the caller (nanite would index from the end of the array).
fn truncate_x0(x0: f64) -> i64 {
    x0.trunc() as i64
}

/// Piecewise constant + line (nanite `poc_fit_constant_line`):
///
/// `F(i) = max(d, m·(i − x0) + d)`,
///
/// parameters d, x0, m (all unbounded), start values d = ⟨y_0..9⟩, x0 = Fréchet estimate,
/// m = (1 − y[x0]) / (N − x0). Needs more than 4 samples (else `None`).
pub fn fit_constant_line(force: &[f64]) -> Result<Option<i64>, ContactPointError> {
    if force.len() <= 4 {
        return Ok(None);
    }
    let s = start(force)?;
    let n = s.y.len();
    let m0 = (1.0 - s.y[s.x0]) / (n - s.x0) as f64;
    let y = &s.y;
    let out = minimize(&[s.d, s.x0 as f64, m0], &[Bound::Free; 3], n, |p, r| {
        let (d, x0, m) = (p[0], p[1], p[2]);
        for (i, (ri, yi)) in r.iter_mut().zip(y).enumerate() {
            let two = m * (i as f64 - x0) + d;
            // np.maximum propagates NaN
            let model = if two.is_nan() || two > d { two } else { d };
            *ri = yi - model;
        }
    })
    .map_err(|_| fit_failed("fit_constant_line"))?;
    Ok(out.success.then(|| truncate_x0(out.values[1])))
}

/// Piecewise constant + rational polynomial (nanite `poc_fit_constant_polynomial`,
/// after Rusaczonek et al. 2019 as cited by nanite):
///
/// `F(δ) = δ³ / (a δ² + b δ + c) + d` for `δ = i − x0 > 0`, `F = d` otherwise;
///
/// cubic for small δ (δ³/c), linear for large δ (δ/a). Parameters d, x0 free;
/// a ∈ [1e-3, 100 (N − x0)], b ≥ 1e-3, c ≥ 1e-3; start a = N − x0, b = N, c = ½.
/// Needs more than 6 samples.
pub fn fit_constant_polynomial(force: &[f64]) -> Result<Option<i64>, ContactPointError> {
    if force.len() <= 6 {
        return Ok(None);
    }
    let s = start(force)?;
    let n = s.y.len();
    let tail = (n - s.x0) as f64;
    let init = [s.d, s.x0 as f64, tail, n as f64, 0.5];
    let bounds = [Bound::Free, Bound::Free, Bound::Both(1e-3, 100.0 * tail), Bound::Lower(1e-3), Bound::Lower(1e-3)];
    let y = &s.y;
    let out = minimize(&init, &bounds, n, |p, r| {
        let (d, x0, a, b, c) = (p[0], p[1], p[2], p[3], p[4]);
        for (i, (ri, yi)) in r.iter_mut().zip(y).enumerate() {
            let x1 = i as f64 - x0;
            let model = if x1 <= 0.0 { d } else { x1.powf(3.0) / (a * (x1 * x1) + b * x1 + c) + d };
            *ri = yi - model;
        }
    })
    .map_err(|_| fit_failed("fit_constant_polynomial"))?;
    Ok(out.success.then(|| truncate_x0(out.values[1])))
}

/// Piecewise line + rational polynomial (nanite `poc_fit_line_polynomial`), for tilted
/// baselines:
///
/// `F(δ) = m δ + d` for `δ = i − x0 ≤ 0`, `F(δ) = m δ + d + δ³ / (a δ² + b δ + c)` for δ > 0;
///
/// parameters as [`fit_constant_polynomial`] plus the free baseline slope m, started at
/// `y[x0] / x0`. Needs more than 7 samples.
pub fn fit_line_polynomial(force: &[f64]) -> Result<Option<i64>, ContactPointError> {
    if force.len() <= 7 {
        return Ok(None);
    }
    let s = start(force)?;
    let n = s.y.len();
    let tail = (n - s.x0) as f64;
    // x0 = 0 gives 0/0 or y/0 in nanite, which lmfit then rejects: same error here.
    let m0 = s.y[s.x0] / s.x0 as f64;
    let init = [s.d, s.x0 as f64, m0, tail, n as f64, 0.5];
    let bounds = [
        Bound::Free,
        Bound::Free,
        Bound::Free,
        Bound::Both(1e-3, 100.0 * tail),
        Bound::Lower(1e-3),
        Bound::Lower(1e-3),
    ];
    let y = &s.y;
    let out = minimize(&init, &bounds, n, |p, r| {
        let (d, x0, m, a, b, c) = (p[0], p[1], p[2], p[3], p[4], p[5]);
        for (i, (ri, yi)) in r.iter_mut().zip(y).enumerate() {
            let x1 = i as f64 - x0;
            let mut model = m * x1 + d;
            if x1 > 0.0 {
                model += x1.powf(3.0) / (a * (x1 * x1) + b * x1 + c);
            }
            *ri = yi - model;
        }
    })
    .map_err(|_| fit_failed("fit_line_polynomial"))?;
    Ok(out.success.then(|| truncate_x0(out.values[1])))
}
