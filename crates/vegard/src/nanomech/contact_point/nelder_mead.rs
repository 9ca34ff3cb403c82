//! The Nelder–Mead minimiser exactly as nanite calls it: `lmfit.minimize(..., method=
//! "nelder")`, i.e. SciPy's `_minimize_neldermead` (Nelder & Mead, Comput. J. 7, 308
//! (1965); coefficients ρ = 1, χ = 2, ψ = ½, σ = ½; initial simplex x0 with one
//! coordinate scaled by 1.05, or set to 0.00025 if it is zero; stop when both
//! max|x_i − x_0| ≤ 1e-4 and max|f_i − f_0| ≤ 1e-4) on lmfit's internal parameters
//! (MINUIT-style bound transforms, objective = sum of squared residuals, fit aborted and
//! `success = False` after `2000·(nvars+1)` evaluations).
//!
//! Reproducing the arithmetic order matters: the contact point of nanite's piecewise fits
//! is `int(x0)` of the optimum, and a different rounding can send the simplex along a
//! different path. The objective's sum uses [`pairwise_sum`] like NumPy.

use crate::numerics::numpy_compat::pairwise_sum;

/// Bounds of one parameter (lmfit `min`/`max`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    Free,
    /// `min` only: internal `sqrt((v − min + 1)² − 1)`, external `min − 1 + sqrt(u² + 1)`.
    Lower(f64),
    /// `min` and `max`: internal `asin(2 (v − min)/(max − min) − 1)`,
    /// external `min + (sin u + 1)(max − min)/2`.
    Both(f64, f64),
}

/// lmfit's `tiny` (lineshapes.py): internal values below it are set to zero.
const TINY: f64 = 1.0e-15;

impl Bound {
    fn to_internal(self, v: f64) -> f64 {
        let u = match self {
            Bound::Free => v,
            // Python evaluates `(v - min + 1.0)**2` with pow(); pow(x, 2) is x·x.
            Bound::Lower(min) => (((v - min) + 1.0).powi(2) - 1.0).sqrt(),
            Bound::Both(min, max) => (2.0 * (v - min) / (max - min) - 1.0).asin(),
        };
        if u.abs() < TINY { 0.0 } else { u }
    }

    /// External value, clipped to the bounds as lmfit's `Parameter.value` setter does.
    fn to_external(self, u: f64) -> f64 {
        match self {
            Bound::Free => u,
            Bound::Lower(min) => {
                let v = (min - 1.0) + (u * u + 1.0).sqrt();
                if v < min { min } else { v }
            }
            Bound::Both(min, max) => {
                let v = min + (u.sin() + 1.0) * (max - min) / 2.0;
                if v > max {
                    max
                } else if v < min {
                    min
                } else {
                    v
                }
            }
        }
    }
}

/// Result of a minimisation.
pub(crate) struct Outcome {
    /// Best parameters (external values).
    pub values: Vec<f64>,
    /// lmfit's `success`: false when the evaluation budget ran out.
    pub success: bool,
}

/// Why a fit could not be evaluated (nanite raises in these cases).
#[derive(Debug)]
pub(crate) struct NonFiniteResidual;

/// Minimise `Σ r_i²` where `residual(params, out)` fills `out` with r.
/// `init` are the external start values, `bounds` their bounds.
pub(crate) fn minimize(
    init: &[f64],
    bounds: &[Bound],
    n_residuals: usize,
    mut residual: impl FnMut(&[f64], &mut [f64]),
) -> Result<Outcome, NonFiniteResidual> {
    let nvar = init.len();
    let max_nfev = 2000 * (nvar + 1);
    let maxiter = 2 * max_nfev;
    let mut nfev = 0usize;
    let mut ext = vec![0.0; nvar];
    let mut r = vec![0.0; n_residuals];
    let mut sq = vec![0.0; n_residuals];
    // Objective on internal coordinates; None = evaluation budget exhausted (lmfit abort).
    let mut func = |u: &[f64]| -> Result<Option<f64>, NonFiniteResidual> {
        for ((e, &ui), b) in ext.iter_mut().zip(u).zip(bounds) {
            *e = b.to_external(ui);
        }
        nfev += 1;
        if nfev > max_nfev {
            return Ok(None);
        }
        residual(&ext, &mut r);
        // lmfit `coerce_float64(..., nan_policy="raise")` rejects NaN and ±inf.
        if r.iter().any(|v| !v.is_finite()) {
            return Err(NonFiniteResidual);
        }
        for (s, &v) in sq.iter_mut().zip(&r) {
            *s = v * v;
        }
        Ok(Some(pairwise_sum(&sq)))
    };

    let x0: Vec<f64> = init.iter().zip(bounds).map(|(&v, b)| b.to_internal(v)).collect();
    let n = nvar;
    let mut sim: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
    sim.push(x0.clone());
    for k in 0..n {
        let mut y = x0.clone();
        y[k] = if y[k] != 0.0 { (1.0 + 0.05) * y[k] } else { 0.00025 };
        sim.push(y);
    }
    let mut fsim = vec![f64::INFINITY; n + 1];
    let aborted = |sim: &[Vec<f64>]| Outcome { values: external(&sim[0], bounds), success: false };
    for k in 0..=n {
        match func(&sim[k])? {
            Some(f) => fsim[k] = f,
            None => {
                sort_simplex(&mut sim, &mut fsim);
                return Ok(aborted(&sim));
            }
        }
    }
    sort_simplex(&mut sim, &mut fsim);

    let mut iterations = 1usize;
    while iterations < maxiter {
        let xspread = sim[1..]
            .iter()
            .flat_map(|s| s.iter().zip(&sim[0]).map(|(a, b)| (a - b).abs()))
            .fold(f64::NEG_INFINITY, |m, v| if v > m || v.is_nan() { v } else { m });
        let fspread = fsim[1..]
            .iter()
            .map(|f| (fsim[0] - f).abs())
            .fold(f64::NEG_INFINITY, |m, v| if v > m || v.is_nan() { v } else { m });
        if xspread <= 1e-4 && fspread <= 1e-4 {
            break;
        }
        // centroid of all but the worst vertex: rows added in order, then divided by N
        let mut xbar = sim[0].clone();
        for row in &sim[1..n] {
            for (b, v) in xbar.iter_mut().zip(row) {
                *b += v;
            }
        }
        for b in xbar.iter_mut() {
            *b /= n as f64;
        }
        let worst = sim[n].clone();
        let affine = |a: f64, b: f64| -> Vec<f64> { xbar.iter().zip(&worst).map(|(x, w)| a * x - b * w).collect() };
        let xr = affine(2.0, 1.0);
        let Some(fxr) = func(&xr)? else { return Ok(aborted(&sim)) };
        if fxr < fsim[0] {
            let xe = affine(3.0, 2.0);
            let Some(fxe) = func(&xe)? else { return Ok(aborted(&sim)) };
            if fxe < fxr {
                sim[n] = xe;
                fsim[n] = fxe;
            } else {
                sim[n] = xr;
                fsim[n] = fxr;
            }
        } else if fxr < fsim[n - 1] {
            sim[n] = xr;
            fsim[n] = fxr;
        } else {
            let mut doshrink = false;
            if fxr < fsim[n] {
                let xc = affine(1.5, 0.5);
                let Some(fxc) = func(&xc)? else { return Ok(aborted(&sim)) };
                if fxc <= fxr {
                    sim[n] = xc;
                    fsim[n] = fxc;
                } else {
                    doshrink = true;
                }
            } else {
                // inside contraction: (1 − ψ)·x̄ + ψ·x_worst
                let xcc: Vec<f64> = xbar.iter().zip(&worst).map(|(x, w)| 0.5 * x + 0.5 * w).collect();
                let Some(fxcc) = func(&xcc)? else { return Ok(aborted(&sim)) };
                if fxcc < fsim[n] {
                    sim[n] = xcc;
                    fsim[n] = fxcc;
                } else {
                    doshrink = true;
                }
            }
            if doshrink {
                for j in 1..=n {
                    let s0 = sim[0].clone();
                    for (v, b) in sim[j].iter_mut().zip(&s0) {
                        *v = b + 0.5 * (*v - b);
                    }
                    let Some(f) = func(&sim[j])? else { return Ok(aborted(&sim)) };
                    fsim[j] = f;
                }
            }
        }
        iterations += 1;
        sort_simplex(&mut sim, &mut fsim);
    }
    Ok(Outcome { values: external(&sim[0], bounds), success: iterations < maxiter })
}

fn external(u: &[f64], bounds: &[Bound]) -> Vec<f64> {
    u.iter().zip(bounds).map(|(&v, b)| b.to_external(v)).collect()
}

/// Sort the simplex by objective value (SciPy: `np.argsort(fsim)`).
///
/// Known limit: NumPy ≥ 2 on x86 sorts these short arrays with x86-simd-sort's bitonic
/// networks (AVX2/AVX-512), which order *equal* values differently from a stable sort and
/// differently per CPU. Equal objective values only occur when a parameter has no effect
/// on the residual (e.g. the polynomial parameters when no sample lies beyond x0); there
/// nanite's own result depends on the machine, and ours may differ from it.
fn sort_simplex(sim: &mut Vec<Vec<f64>>, fsim: &mut Vec<f64>) {
    let mut idx: Vec<usize> = (0..fsim.len()).collect();
    idx.sort_by(|&a, &b| fsim[a].total_cmp(&fsim[b]));
    *sim = idx.iter().map(|&i| sim[i].clone()).collect();
    *fsim = idx.iter().map(|&i| fsim[i]).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_minimum_of_quadratic() {
        let out = minimize(&[1.0, -2.0], &[Bound::Free, Bound::Free], 2, |p, r| {
            r[0] = p[0] - 3.0;
            r[1] = 10.0 * (p[1] - 0.5);
        })
        .unwrap();
        assert!(out.success);
        assert!((out.values[0] - 3.0).abs() < 1e-3 && (out.values[1] - 0.5).abs() < 1e-3, "{:?}", out.values);
    }

    #[test]
    fn bounds_round_trip_and_hold() {
        for b in [Bound::Free, Bound::Lower(1e-3), Bound::Both(1e-3, 500.0)] {
            let u = b.to_internal(7.5);
            assert!((b.to_external(u) - 7.5).abs() < 1e-12);
        }
        // optimum outside the bound: the fit stays at the bound
        let out = minimize(&[2.0], &[Bound::Lower(1.0)], 1, |p, r| r[0] = p[0] + 5.0).unwrap();
        assert!(out.values[0] >= 1.0 && out.values[0] < 1.001, "{:?}", out.values);
    }
}
