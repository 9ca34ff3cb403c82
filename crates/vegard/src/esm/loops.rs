//! Analysis of ESM curves, the same for measured and simulated data (`data::esm`):
//!
//! - **Hysteresis loops** (Eshghinejad et al. 2017, Fig. 4–5): split a loop into its forward (bias increasing)
//!   and reverse (bias decreasing) branches; the *loop opening* is "the difference in amplitudes
//!   at zero bias" (Eshghinejad et al. 2017, Fig. 4d), here `A_reverse(0) − A_forward(0)` with each branch
//!   interpolated linearly at 0 V; the *loop area* is `∫ |A_reverse − A_forward| dV` over the
//!   bias range both branches cover; the zero-bias amplitudes are the remanent values; the
//!   *coercive* biases are where each branch crosses the mid level `(A_min + A_max)/2` (the
//!   analogue of the PFM coercive bias; ESM amplitude loops do not switch sign, Eshghinejad et al. 2017).
//! - **Relaxation** (Eshghinejad et al. 2017, Fig. 6, Eqs. 7–9): fit `A(t) = A∞ + ΔA·exp(−(t − t₀)/τ)` by a
//!   variable-projection grid search on τ (A∞, ΔA linear) followed by bounded Levenberg–Marquardt
//!   in (A∞, ΔA, ln τ); with Eq. 9, τ gives D = l²/(π² τ).
//! - **Cross-over frequency** (Hausen & Balke 2024, Fig. 1b): the frequency at which the phase lags the
//!   lowest-frequency phase by 45°, or at which the amplitude has fallen to 1/√2 of the
//!   lowest-frequency amplitude. For a first-order (single-τ) response both equal 1/(2πτ).

use crate::data::esm::{BiasSpectroscopy, EsmDataError, FrequencyResponse, PulseState, Relaxation};
use crate::numerics::lm::{self, LmConfig, ResidualProblem, Residuals};

/// Why an ESM analysis could not give a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    #[error("{what}: needs at least {needed} finite points, found {found}")]
    TooFewPoints { what: &'static str, needed: usize, found: usize },
    #[error("{what}: arrays differ in length ({a} vs {b})")]
    LengthMismatch { what: &'static str, a: usize, b: usize },
    #[error("loop: the {branch} branch does not cover 0 V (bias range {lo} … {hi} V)")]
    ZeroBiasNotCovered { branch: &'static str, lo: f64, hi: f64 },
    #[error("frequency response: the {criterion} criterion is not reached within {f_lo} … {f_hi} Hz")]
    NoCrossover { criterion: &'static str, f_lo: f64, f_hi: f64 },
    #[error("relaxation fit did not converge ({reason})")]
    FitFailed { reason: String },
    #[error(transparent)]
    Data(#[from] EsmDataError),
}

// ---------------------------------------------------------------- loops

/// One branch of a loop, sorted by bias ascending.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Branch {
    pub bias_v: Vec<f64>,
    pub amplitude_m: Vec<f64>,
}

impl Branch {
    fn from_pairs(mut pairs: Vec<(f64, f64)>) -> Branch {
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (bias_v, amplitude_m) = pairs.into_iter().unzip();
        Branch { bias_v, amplitude_m }
    }

    pub fn len(&self) -> usize {
        self.bias_v.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bias_v.is_empty()
    }

    /// (lowest, highest) bias; None if empty.
    pub fn range_v(&self) -> Option<(f64, f64)> {
        Some((*self.bias_v.first()?, *self.bias_v.last()?))
    }

    /// Amplitude at `v` by linear interpolation (the mean where several reads share the bias
    /// `v` exactly); None outside the branch.
    pub fn at(&self, v: f64) -> Option<f64> {
        let (lo, hi) = self.range_v()?;
        if !(v >= lo && v <= hi) {
            return None;
        }
        let (mut sum, mut n) = (0.0, 0usize);
        for (b, a) in self.bias_v.iter().zip(&self.amplitude_m) {
            if *b == v {
                sum += a;
                n += 1;
            }
        }
        if n > 0 {
            return Some(sum / n as f64);
        }
        let j = self.bias_v.partition_point(|&b| b < v);
        let (b0, b1) = (self.bias_v[j - 1], self.bias_v[j]);
        let (a0, a1) = (self.amplitude_m[j - 1], self.amplitude_m[j]);
        Some(a0 + (a1 - a0) * (v - b0) / (b1 - b0))
    }

    /// First bias (ascending) at which the branch crosses `level`; None if it does not.
    pub fn crossing(&self, level: f64) -> Option<f64> {
        for j in 1..self.len() {
            let (d0, d1) = (self.amplitude_m[j - 1] - level, self.amplitude_m[j] - level);
            if d0 == 0.0 {
                return Some(self.bias_v[j - 1]);
            }
            if d0 * d1 < 0.0 || d1 == 0.0 {
                let (b0, b1) = (self.bias_v[j - 1], self.bias_v[j]);
                return Some(b0 + (b1 - b0) * d0 / (d0 - d1));
            }
        }
        None
    }
}

/// Split a loop given in acquisition order into its forward (bias increasing) and reverse (bias
/// decreasing) branches. The direction at a read is that of the next bias change (at the last
/// read, the previous one); repeated biases inherit the direction of their neighbours. Turning
/// points (where the direction flips) belong to both branches so each branch spans the full
/// range. Non-finite reads are skipped.
pub fn split_branches(bias_v: &[f64], amplitude_m: &[f64]) -> Result<(Branch, Branch), AnalysisError> {
    if bias_v.len() != amplitude_m.len() {
        return Err(AnalysisError::LengthMismatch { what: "loop", a: bias_v.len(), b: amplitude_m.len() });
    }
    let pts: Vec<(f64, f64)> =
        bias_v.iter().zip(amplitude_m).filter(|(b, a)| b.is_finite() && a.is_finite()).map(|(b, a)| (*b, *a)).collect();
    if pts.len() < 3 {
        return Err(AnalysisError::TooFewPoints { what: "loop", needed: 3, found: pts.len() });
    }
    let n = pts.len();
    // Direction of the step leaving each read: +1, −1, or 0 for a repeated bias.
    let mut dir: Vec<i8> = (0..n)
        .map(|i| {
            let d = if i + 1 < n { pts[i + 1].0 - pts[i].0 } else { pts[i].0 - pts[i - 1].0 };
            if d > 0.0 {
                1
            } else if d < 0.0 {
                -1
            } else {
                0
            }
        })
        .collect();
    // Fill repeated-bias reads from the previous direction, then (leading ones) from the next.
    for i in 1..n {
        if dir[i] == 0 {
            dir[i] = dir[i - 1];
        }
    }
    for i in (0..n.saturating_sub(1)).rev() {
        if dir[i] == 0 {
            dir[i] = dir[i + 1];
        }
    }
    let (mut fwd, mut rev) = (Vec::new(), Vec::new());
    for i in 0..n {
        let arriving = if i > 0 { dir[i - 1] } else { dir[i] };
        let here = dir[i];
        if here >= 0 || arriving > 0 {
            fwd.push(pts[i]);
        }
        if here < 0 || arriving < 0 {
            rev.push(pts[i]);
        }
    }
    Ok((Branch::from_pairs(fwd), Branch::from_pairs(rev)))
}

/// Figures of merit of one loop.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoopMetrics {
    /// Loop opening `A_reverse(0) − A_forward(0)`, m (Eshghinejad et al. 2017, Fig. 4d).
    pub opening_m: f64,
    /// Remanent amplitude of the forward branch at 0 V, m.
    pub amplitude_at_zero_forward_m: f64,
    /// Remanent amplitude of the reverse branch at 0 V, m.
    pub amplitude_at_zero_reverse_m: f64,
    /// `∫ |A_reverse − A_forward| dV` over the common bias range, V·m.
    pub area_v_m: f64,
    /// `∫ (A_reverse − A_forward) dV`, V·m (parts of a crossing loop cancel).
    pub signed_area_v_m: f64,
    /// Mid level `(A_min + A_max)/2`, m.
    pub mid_amplitude_m: f64,
    /// Bias where the forward branch crosses the mid level, V (None if it does not).
    pub coercive_forward_v: Option<f64>,
    /// Bias where the reverse branch crosses the mid level, V (None if it does not).
    pub coercive_reverse_v: Option<f64>,
    pub bias_min_v: f64,
    pub bias_max_v: f64,
    pub amplitude_min_m: f64,
    pub amplitude_max_m: f64,
    pub n_forward: usize,
    pub n_reverse: usize,
}

/// Loop opening, area, remanent and coercive values of one loop in acquisition order.
pub fn analyze_loop(bias_v: &[f64], amplitude_m: &[f64]) -> Result<LoopMetrics, AnalysisError> {
    let (fwd, rev) = split_branches(bias_v, amplitude_m)?;
    for (name, b) in [("forward", &fwd), ("reverse", &rev)] {
        if b.len() < 2 {
            return Err(AnalysisError::TooFewPoints { what: "loop branch", needed: 2, found: b.len() });
        }
        let (lo, hi) = b.range_v().unwrap_or((f64::NAN, f64::NAN));
        if !(lo <= 0.0 && hi >= 0.0) {
            return Err(AnalysisError::ZeroBiasNotCovered { branch: name, lo, hi });
        }
    }
    let a_f = fwd.at(0.0).unwrap_or(f64::NAN);
    let a_r = rev.at(0.0).unwrap_or(f64::NAN);

    let (flo, fhi) = fwd.range_v().unwrap_or((0.0, 0.0));
    let (rlo, rhi) = rev.range_v().unwrap_or((0.0, 0.0));
    let (lo, hi) = (flo.max(rlo), fhi.min(rhi));
    let mut grid: Vec<f64> = fwd.bias_v.iter().chain(&rev.bias_v).copied().filter(|&v| v >= lo && v <= hi).collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    let diff = |v: f64| rev.at(v).unwrap_or(f64::NAN) - fwd.at(v).unwrap_or(f64::NAN);
    let (mut area, mut signed) = (0.0, 0.0);
    for w in grid.windows(2) {
        let (v0, v1) = (w[0], w[1]);
        let (d0, d1) = (diff(v0), diff(v1));
        signed += 0.5 * (d0 + d1) * (v1 - v0);
        if d0 * d1 < 0.0 {
            // The branches cross inside the interval: integrate |d| on both sides of the root.
            let vc = v0 + (v1 - v0) * d0 / (d0 - d1);
            area += 0.5 * (d0.abs() * (vc - v0) + d1.abs() * (v1 - vc));
        } else {
            area += 0.5 * (d0.abs() + d1.abs()) * (v1 - v0);
        }
    }

    let all_a = fwd.amplitude_m.iter().chain(&rev.amplitude_m);
    let (amin, amax) = all_a.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &a| (l.min(a), h.max(a)));
    let mid = 0.5 * (amin + amax);
    Ok(LoopMetrics {
        opening_m: a_r - a_f,
        amplitude_at_zero_forward_m: a_f,
        amplitude_at_zero_reverse_m: a_r,
        area_v_m: area,
        signed_area_v_m: signed,
        mid_amplitude_m: mid,
        coercive_forward_v: fwd.crossing(mid),
        coercive_reverse_v: rev.crossing(mid),
        bias_min_v: flo.min(rlo),
        bias_max_v: fhi.max(rhi),
        amplitude_min_m: amin,
        amplitude_max_m: amax,
        n_forward: fwd.len(),
        n_reverse: rev.len(),
    })
}

/// The loop metrics of one cycle (an error for that cycle does not stop the others).
pub type CycleLoop = (u32, Result<LoopMetrics, AnalysisError>);

/// [`analyze_loop`] for every cycle of the off-state reads of a spectroscopy (Eshghinejad et al. 2017, Fig. 4).
pub fn analyze_spectroscopy(data: &BiasSpectroscopy, state: PulseState) -> Result<Vec<CycleLoop>, AnalysisError> {
    data.validate()?;
    Ok(data
        .cycles()
        .into_iter()
        .map(|c| {
            let l = data.loop_data(c, state);
            (c, analyze_loop(&l.bias_v, &l.amplitude_m))
        })
        .collect())
}

// ---------------------------------------------------------------- relaxation

/// Result of fitting `A(t) = A∞ + ΔA·exp(−(t − t₀)/τ)`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RelaxationFit {
    /// Level reached at long times A∞, m.
    pub a_inf_m: f64,
    /// Amplitude of the decay at t₀, ΔA, m (negative for a recovery from below).
    pub delta_a_m: f64,
    /// Time constant τ, s.
    pub tau_s: f64,
    /// Standard error of τ, s (asymptotic, from the LM covariance).
    pub tau_stderr_s: f64,
    /// Time origin t₀ = first fitted time, s.
    pub t0_s: f64,
    /// Root-mean-square residual, m.
    pub rms_residual_m: f64,
    pub r_squared: f64,
    pub n_points: usize,
    pub iterations: usize,
}

/// The scaled problem: y = (A − ȳ)/s against u = (t − t₀)/T, parameters (a, b, ln k), k = τ/T.
struct ExpDecay<'a> {
    u: &'a [f64],
    y: &'a [f64],
}

impl Residuals for ExpDecay<'_> {
    fn n_params(&self) -> usize {
        3
    }
    fn n_residuals(&self) -> usize {
        self.u.len()
    }
    fn residual(&self, i: usize, p: &[f64]) -> f64 {
        p[0] + p[1] * (-self.u[i] * (-p[2]).exp()).exp() - self.y[i]
    }
    fn gradient(&self, i: usize, p: &[f64], g: &mut [f64]) -> bool {
        let inv_k = (-p[2]).exp();
        let e = (-self.u[i] * inv_k).exp();
        g[0] = 1.0;
        g[1] = e;
        // ∂/∂(ln k) of b·exp(−u/k) = b·exp(−u/k)·u/k.
        g[2] = p[1] * e * self.u[i] * inv_k;
        true
    }
}

/// Linear least squares for (a, b) in y ≈ a + b·e with e fixed; returns (a, b, ssr).
fn linear_ab(e: &[f64], y: &[f64]) -> (f64, f64, f64) {
    let n = e.len() as f64;
    let (se, sy) = (e.iter().sum::<f64>(), y.iter().sum::<f64>());
    let (me, my) = (se / n, sy / n);
    let (mut see, mut sey) = (0.0, 0.0);
    for (a, b) in e.iter().zip(y) {
        see += (a - me) * (a - me);
        sey += (a - me) * (b - my);
    }
    let b = if see > 0.0 { sey / see } else { 0.0 };
    let a = my - b * me;
    let ssr = e.iter().zip(y).map(|(ei, yi)| (a + b * ei - yi).powi(2)).sum();
    (a, b, ssr)
}

/// Fit a single-exponential relaxation to `(time_s, amplitude_m)` (non-finite pairs skipped).
pub fn fit_relaxation(time_s: &[f64], amplitude_m: &[f64]) -> Result<RelaxationFit, AnalysisError> {
    if time_s.len() != amplitude_m.len() {
        return Err(AnalysisError::LengthMismatch { what: "relaxation", a: time_s.len(), b: amplitude_m.len() });
    }
    let mut pts: Vec<(f64, f64)> =
        time_s.iter().zip(amplitude_m).filter(|(t, a)| t.is_finite() && a.is_finite()).map(|(t, a)| (*t, *a)).collect();
    if pts.len() < 5 {
        return Err(AnalysisError::TooFewPoints { what: "relaxation fit", needed: 5, found: pts.len() });
    }
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let t0 = pts[0].0;
    let span = pts[pts.len() - 1].0 - t0;
    if span <= 0.0 {
        return Err(AnalysisError::TooFewPoints { what: "relaxation fit (distinct times)", needed: 2, found: 1 });
    }
    // Scale to O(1) numbers: amplitudes are ~1e-12 m and LM's finite-difference steps, bounds and
    // tolerances assume order-one parameters.
    let n = pts.len();
    let mean = pts.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let scale = pts.iter().map(|p| (p.1 - mean).abs()).fold(0.0, f64::max);
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let u: Vec<f64> = pts.iter().map(|p| (p.0 - t0) / span).collect();
    let y: Vec<f64> = pts.iter().map(|p| (p.1 - mean) / scale).collect();

    // Start: scan k = τ/T over four decades from below the sampling step to 10 spans; for each,
    // the best (a, b) is linear (variable projection), so the scan is exhaustive in 1-D.
    let du_min = u.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).fold(1.0, f64::min);
    let (k_lo, k_hi) = ((0.5 * du_min).max(1e-6), 10.0);
    let n_grid = 80;
    let mut best = (f64::INFINITY, 0.0, 0.0, 1.0);
    let mut e = vec![0.0; n];
    for g in 0..=n_grid {
        let k = k_lo * (k_hi / k_lo).powf(g as f64 / n_grid as f64);
        for (ei, ui) in e.iter_mut().zip(&u) {
            *ei = (-ui / k).exp();
        }
        let (a, b, ssr) = linear_ab(&e, &y);
        if ssr < best.0 {
            best = (ssr, a, b, k);
        }
    }
    let (_, a0, b0, k0) = best;
    let problem = ExpDecay { u: &u, y: &y };
    let p0 = [a0, b0, k0.ln()];
    // ln k bounded to the scanned range widened by a decade each side.
    let lower = [f64::NEG_INFINITY, f64::NEG_INFINITY, (k_lo / 10.0).ln()];
    let upper = [f64::INFINITY, f64::INFINITY, (k_hi * 10.0).ln()];
    let res = lm::minimize(&mut ResidualProblem(&problem), &p0, &lower, &upper, &LmConfig::default());
    if !res.converged {
        return Err(AnalysisError::FitFailed { reason: format!("{:?}", res.reason) });
    }
    let p = res.params();
    let tau = p[2].exp() * span;
    let sst: f64 = y.iter().map(|v| v * v).sum::<f64>() - y.iter().sum::<f64>().powi(2) / n as f64;
    Ok(RelaxationFit {
        a_inf_m: mean + scale * p[0],
        delta_a_m: scale * p[1],
        tau_s: tau,
        tau_stderr_s: tau * res.stderr()[2],
        t0_s: t0,
        rms_residual_m: scale * (res.ssr / n as f64).sqrt(),
        r_squared: if sst > 0.0 { 1.0 - res.ssr / sst } else { f64::NAN },
        n_points: n,
        iterations: res.iterations,
    })
}

/// The fit of one constant-bias step of a relaxation measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFit {
    /// Rows of the step in the [`Relaxation`] columns.
    pub range: std::ops::Range<usize>,
    /// DC bias during the step, V.
    pub bias_v: f64,
    pub fit: Result<RelaxationFit, AnalysisError>,
}

/// Fit every relaxation of a stepwise measurement (Eshghinejad et al. 2017, Fig. 6): each constant-bias step
/// that follows a step at a different bias is fitted on its own, its time origin at its first
/// read.
pub fn fit_relaxation_steps(data: &Relaxation) -> Result<Vec<StepFit>, AnalysisError> {
    data.validate()?;
    Ok(data
        .steps()
        .into_iter()
        .skip(1)
        .map(|r| StepFit {
            bias_v: data.bias_v[r.start],
            fit: fit_relaxation(&data.time_s[r.clone()], &data.amplitude_m[r.clone()]),
            range: r,
        })
        .collect())
}

// ---------------------------------------------------------------- frequency response

/// Which definition of the cross-over frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossoverCriterion {
    /// Phase lags the lowest-frequency phase by 45°.
    PhaseLag45,
    /// Amplitude falls to 1/√2 of the lowest-frequency amplitude (−3 dB).
    HalfPower,
}

impl CrossoverCriterion {
    fn name(self) -> &'static str {
        match self {
            CrossoverCriterion::PhaseLag45 => "45° phase lag",
            CrossoverCriterion::HalfPower => "1/√2 amplitude",
        }
    }
}

/// The cross-over of a frequency response.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Crossover {
    pub frequency_hz: f64,
    pub criterion: CrossoverCriterion,
    /// The low-frequency reference (the lowest measured frequency).
    pub reference_frequency_hz: f64,
    pub reference_amplitude_m: f64,
    pub reference_phase_deg: f64,
}

impl Crossover {
    /// τ = 1/(2π f_c), s: the time constant of a first-order response with this cross-over.
    pub fn time_constant_s(&self) -> f64 {
        1.0 / (2.0 * std::f64::consts::PI * self.frequency_hz)
    }
}

/// The lowest frequency at which the criterion is first met, interpolated linearly in log f
/// between the bracketing points (frequencies are sorted first; non-finite rows skipped).
pub fn crossover_frequency(
    data: &FrequencyResponse,
    criterion: CrossoverCriterion,
) -> Result<Crossover, AnalysisError> {
    data.validate()?;
    let mut rows: Vec<(f64, f64, f64)> = (0..data.len())
        .map(|i| (data.frequency_hz[i], data.amplitude_m[i], data.phase_deg[i]))
        .filter(|r| r.1.is_finite() && r.2.is_finite())
        .collect();
    if rows.len() < 2 {
        return Err(AnalysisError::TooFewPoints { what: "frequency response", needed: 2, found: rows.len() });
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (f_ref, a_ref, p_ref) = rows[0];
    // The criterion as a signed distance g(row) that turns positive once it is met.
    let g = |r: &(f64, f64, f64)| match criterion {
        CrossoverCriterion::PhaseLag45 => {
            // Lag relative to the reference, wrapped into (−180°, 180°].
            let lag = -(r.2 - p_ref);
            let lag = lag - 360.0 * ((lag + 180.0) / 360.0).ceil() + 360.0;
            lag - 45.0
        }
        CrossoverCriterion::HalfPower => std::f64::consts::FRAC_1_SQRT_2 - r.1 / a_ref,
    };
    for w in rows.windows(2) {
        let (g0, g1) = (g(&w[0]), g(&w[1]));
        if g0 < 0.0 && g1 >= 0.0 {
            let (x0, x1) = (w[0].0.ln(), w[1].0.ln());
            let x = x0 + (x1 - x0) * (-g0) / (g1 - g0);
            return Ok(Crossover {
                frequency_hz: x.exp(),
                criterion,
                reference_frequency_hz: f_ref,
                reference_amplitude_m: a_ref,
                reference_phase_deg: p_ref,
            });
        }
    }
    Err(AnalysisError::NoCrossover { criterion: criterion.name(), f_lo: f_ref, f_hi: rows[rows.len() - 1].0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_interpolation_and_crossing() {
        let b = Branch::from_pairs(vec![(1.0, 3.0), (-1.0, 1.0), (0.0, 2.0), (0.0, 4.0)]);
        assert_eq!(b.at(0.0), Some(3.0));
        assert_eq!(b.at(0.5), Some(3.5));
        assert_eq!(b.at(1.5), None);
        let m = Branch::from_pairs(vec![(-1.0, 1.0), (1.0, 3.0)]);
        assert_eq!(m.crossing(2.5), Some(0.5));
        assert_eq!(m.crossing(5.0), None);
    }

    #[test]
    fn triangle_sequence_splits_into_two_branches() {
        // 0 → 2 → −2 → 0 in unit steps: up 0,1,2 (2 is a turning point), down 2..−2, up −2..0.
        let bias = [0.0, 1.0, 2.0, 1.0, 0.0, -1.0, -2.0, -1.0];
        let amp = [0.0; 8];
        let (f, r) = split_branches(&bias, &amp).unwrap();
        assert_eq!(f.bias_v, vec![-2.0, -1.0, 0.0, 1.0, 2.0]);
        assert_eq!(r.bias_v, vec![-2.0, -1.0, 0.0, 1.0, 2.0]);
    }

    #[test]
    fn phase_wrap() {
        // A phase that wraps from −170° to +170° is a lag of 20°, not −340°.
        let fr = FrequencyResponse {
            source: crate::data::esm::EsmSource::Synthetic,
            frequency_hz: vec![1.0, 2.0, 4.0],
            amplitude_m: vec![1.0, 1.0, 1.0],
            phase_deg: vec![-170.0, 170.0, 100.0],
            dc_bias_v: None,
            ac_amplitude_v: None,
            metadata: Default::default(),
            provenance: None,
        };
        let c = crossover_frequency(&fr, CrossoverCriterion::PhaseLag45).unwrap();
        // Lags 0, 20, 90: 45° is reached 25/70 of the way from 2 to 4 Hz in log f.
        assert!((c.frequency_hz - 2.0 * 2f64.powf(25.0 / 70.0)).abs() < 1e-12);
    }
}
