//! A time integrator that carries its state, BDF2 history and step size across calls.
//!
//! The virtual experiments read the AC response many times under one DC bias (40 reads per step of the
//! relaxation waveform, Eshghinejad et al. 2017, Fig. 6). [`TipModel::advance`] restarts its graded substeps at a tiny Δt at
//! every call, which is right after a bias jump (a new boundary-layer transient, c ∝ √t at the surface) and
//! wasted work at every read in between. [`Integrator`] keeps the last accepted levels and the step size it
//! had, so a read interval under an unchanged bias continues where the last one stopped; only a change of
//! bias restarts the step (one BDF1 step of [`Integrator::restart_step_s`], then BDF2).
//!
//! **Method.** Variable-step BDF2 ([`TipModel::step_bdf2`]; ratio ω ≤ [`BDF2_MAX_RATIO`], zero-stable below
//! 1 + √2) with local-error control, the estimate of [`TipModel::advance_adaptive`]: the local truncation
//! error of variable-step BDF2 divided by its α, e ≈ Δt³ (1 + ω)²/(6ω(1 + 2ω)) |c‴|, c‴ ≈ 6 × the third
//! divided difference of c over the last four levels. Steps that [`TipModel::step_bdf2`] takes as BDF1
//! (the positivity fallback: an extremely depleted node, or c rounding to 1 at strong accumulation, where
//! the history term leaves (0, 1)) are controlled with the BDF1 error e ≈ (Δt²/2)|c″|, c″ ≈ 2 × the second
//! divided difference over the last three levels, so a long accumulation hold (every step BDF1) still
//! grows its step. The first step after a restart is BDF1 without an estimate, the second BDF2 without one
//! (not enough levels); both are short (ω = 1).
//!
//! **Error norm.** A step is accepted if the root mean square over the nodes of
//! e_i / (atol + rtol·min(c_i, 1 − c_i)) is ≤ 1 (the norm of Hairer–Nørsett–Wanner I §II.4). **Why RMS, not
//! max:** at strong accumulation (−2 V) a sharp front c ≈ 0.1 → 1 moves into the sample across one element;
//! as it passes a node that node's c‴ is huge, and a max norm held the step at ≈ 1e-4 L²/D for the whole
//! hold (thousands of steps per second of hold); the node-RMS norm weighs the front by its share of the
//! nodes, which the graded mesh concentrates under the tip, where the signal comes from. **Why this
//! scale:** c lives in (0, 1) and the state the reads see is set by the *minority* fraction: under
//! depletion (positive tip bias, c → 0) the AC response of the region under the tip scales with c (Eq. 5,
//! amplitude ∝ c₀), under accumulation (c → 1) with the vacancy fraction 1 − c (the mobility c(1 − c) of
//! Eq. 2). A weight ∝ |c| alone would be meaningless at accumulation (c ≈ 1 everywhere it matters, so it
//! degrades to an absolute tolerance of rtol) and would demand full relative accuracy of nodes at c ≈ 1e-16
//! that carry no signal; min(c, 1 − c) treats both ends alike, and the absolute floor atol bounds the work
//! where the minority fraction underflows (the displacement u_z is linear in c, Eq. 4, so an absolute
//! error atol in c bounds its error there). The estimate itself is in c; where c rounds to 1 (1 − c below
//! 1e-16, strong accumulation) it does not see 1 − c: those nodes are controlled only through atol.
//!
//! **Rejected steps.** A step whose error exceeds 1 is retried with Δt·max(0.2, 0.9 err^{−1/q}) (q = 3, or
//! 2 for a BDF1 fallback) and a step whose nonlinear solve fails 4× shorter; a retry is never longer than
//! that (no stretch to land on the read time, [`try_length`]): the 1.2 stretch once retried the whole
//! remainder at the same length forever when its error was just above 1 (the default ±2 V relaxation never
//! finished; found 2026-12-04 with `examples/integrator_profile.rs`). Below 10⁻¹² L²/D the integrator
//! gives up with [`TipModelError::StepTooSmall`]. The error is the node RMS by default; [`ErrorNorm::Max`]
//! (the max over the nodes) is what [`TipModel::advance_adaptive`] uses.
//!
//! **Landing on read times.** [`Integrator::advance_to`] ends exactly on the requested time. When the rest
//! of the interval is less than two planned steps it is split in one or two equal steps (so no sliver step
//! is left); a step shortened that way does not shorten the next one: the growth limit of the step-size
//! rule applies to the planned step, not the shortened one (the rule 0.9 (1/err)^{1/3} itself scales with
//! the step, e ∝ Δt³).

use serde::{Deserialize, Serialize};

use super::{AdaptiveStats, BDF2_MAX_RATIO, State, TipModel, TipModelError};

/// Local-error tolerance of [`Integrator`] in c: a step is accepted if every node's error estimate is at
/// most `absolute + relative·min(c, 1 − c)` in the node-RMS sense (module doc).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    /// Absolute floor, in c (dimensionless).
    pub absolute: f64,
    /// Relative to the minority fraction min(c, 1 − c).
    pub relative: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance::EXPERIMENTS
    }
}

impl Tolerance {
    /// The default of the virtual experiments: atol = 1e-4, rtol = 1e-3. Chosen by
    /// `experiments::stepping_accuracy` (`relaxation_reads_match_a_tight_reference`): with it the relaxation
    /// amplitudes are 10× closer to a tightly stepped reference (4.8e-3 of the largest amplitude) than
    /// those of the per-read [`TipModel::advance`] the experiments used before (4.9e-2).
    pub const EXPERIMENTS: Tolerance = Tolerance { absolute: 1e-4, relative: 1e-3 };

    /// A purely absolute tolerance in c (as [`TipModel::advance_adaptive`]).
    pub fn absolute(tol: f64) -> Tolerance {
        Tolerance { absolute: tol, relative: 0.0 }
    }

    fn check(&self) -> Result<(), TipModelError> {
        if !(self.absolute > 0.0 && self.absolute.is_finite()) {
            return Err(TipModelError::Input { name: "absolute", value: self.absolute, expected: "finite and > 0" });
        }
        if !(self.relative >= 0.0 && self.relative.is_finite()) {
            return Err(TipModelError::Input { name: "relative", value: self.relative, expected: "finite and ≥ 0" });
        }
        Ok(())
    }

    /// The weight of node value `c`.
    fn weight(&self, c: f64) -> f64 {
        self.absolute + self.relative * c.min(1.0 - c).max(0.0)
    }
}

/// How the nodes' weighted error estimates e_i/w_i are combined into the error of a step (module doc).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorNorm {
    /// Root mean square over the nodes (the default; module doc, "Why RMS, not max").
    #[default]
    Rms,
    /// Largest over the nodes ([`TipModel::advance_adaptive`]).
    Max,
}

/// Largest growth of the step per accepted step.
const MAX_GROWTH: f64 = 2.0;
/// Largest shrinking of the step per step.
const MIN_SHRINK: f64 = 0.2;
/// Safety factor of the step-size rule.
const SAFETY: f64 = 0.9;
/// Smallest step, in L²/D, before the integrator gives up ([`TipModelError::StepTooSmall`]).
const MIN_STEP_PER_TIME_UNIT: f64 = 1e-12;

/// Adaptive variable-step BDF2 over a sequence of intervals (module doc). Holds the current state.
pub struct Integrator<'a> {
    model: &'a TipModel,
    tolerance: Tolerance,
    norm: ErrorNorm,
    /// The last (up to) three accepted levels, newest last; never empty.
    levels: Vec<State>,
    /// Bias of the levels in `levels` (None before the first step).
    bias_v: Option<f64>,
    /// Planned length of the next step, s (None: restart).
    planned_s: Option<f64>,
    stats: AdaptiveStats,
}

impl<'a> Integrator<'a> {
    /// Start at `state`; the first step (whatever the bias) is a restart.
    pub fn new(model: &'a TipModel, state: State, tolerance: Tolerance) -> Result<Integrator<'a>, TipModelError> {
        tolerance.check()?;
        Ok(Integrator {
            model,
            tolerance,
            norm: ErrorNorm::Rms,
            levels: vec![state],
            bias_v: None,
            planned_s: None,
            stats: Default::default(),
        })
    }

    /// The same integrator with the error norm `norm` (default [`ErrorNorm::Rms`]).
    pub fn with_norm(mut self, norm: ErrorNorm) -> Integrator<'a> {
        self.norm = norm;
        self
    }

    /// The current state.
    pub fn state(&self) -> &State {
        self.levels.last().expect("the integrator always holds a state")
    }

    /// The current time, s.
    pub fn time_s(&self) -> f64 {
        self.state().time_s
    }

    /// The planned length of the next step, s (None right after a restart).
    pub fn planned_step_s(&self) -> Option<f64> {
        self.planned_s
    }

    /// Step counts since the start.
    pub fn stats(&self) -> AdaptiveStats {
        self.stats
    }

    /// The step after a bias change, s: min(span/64, 10⁻³ L²/D)/8 (that of [`TipModel::advance_adaptive`]),
    /// with span the length of the interval being integrated.
    pub fn restart_step_s(&self, span_s: f64) -> f64 {
        (span_s / 64.0).min(1e-3 * self.model.time_unit_s()) / 8.0
    }

    /// Integrate for `duration_s` at `bias_v`; returns the state at the end.
    pub fn advance(&mut self, bias_v: f64, duration_s: f64) -> Result<&State, TipModelError> {
        if !(duration_s > 0.0 && duration_s.is_finite()) {
            return Err(TipModelError::Input { name: "duration_s", value: duration_s, expected: "finite and > 0" });
        }
        let end = self.time_s() + duration_s;
        self.advance_to(end, bias_v)
    }

    /// Integrate up to exactly `t_end_s` at `bias_v` (continuing with the current step size if the bias is
    /// that of the last step, restarting small otherwise); returns the state at `t_end_s`.
    pub fn advance_to(&mut self, t_end_s: f64, bias_v: f64) -> Result<&State, TipModelError> {
        let start = self.time_s();
        if !(t_end_s > start && t_end_s.is_finite()) {
            return Err(TipModelError::Input {
                name: "t_end_s",
                value: t_end_s,
                expected: "finite and after the current time",
            });
        }
        if !bias_v.is_finite() {
            return Err(TipModelError::Input { name: "bias_v", value: bias_v, expected: "finite" });
        }
        if self.bias_v != Some(bias_v) {
            // A bias jump: the derivative of c jumps, so the history before it says nothing about the new
            // transient (and would spoil the divided differences). Restart from the current state.
            let current = self.levels.pop().expect("the integrator always holds a state");
            self.levels = vec![current];
            self.bias_v = Some(bias_v);
            self.planned_s = None;
        }
        let close = 1e-12 * (t_end_s - start).max(1e-12 * t_end_s.abs());
        while self.time_s() < t_end_s - close {
            self.one_step(t_end_s, bias_v, t_end_s - start)?;
        }
        // Land exactly (the last step ends at t_end_s up to rounding of the sum).
        if let Some(last) = self.levels.last_mut() {
            last.time_s = t_end_s;
        }
        Ok(self.state())
    }

    /// One accepted step towards `t_end_s` (possibly after rejected tries).
    fn one_step(&mut self, t_end_s: f64, bias_v: f64, span_s: f64) -> Result<(), TipModelError> {
        let model = self.model;
        let now = self.time_s();
        let remaining = t_end_s - now;
        if self.levels.len() == 1 {
            // Restart: one BDF1 step; the next (first BDF2) step has the same length.
            let dt = self.planned_s.unwrap_or_else(|| self.restart_step_s(span_s)).min(remaining);
            let dt = if remaining < 1.2 * dt { remaining } else { dt };
            // Step reduction where the nonlinear solve fails (`step_splitting`, parent module doc).
            let next = model.step_splitting(self.state(), bias_v, dt)?;
            self.accept(next, false);
            self.planned_s = Some(dt);
            return Ok(());
        }
        // After a rejection the retry must be shorter than the rejected try, so the 1.2 stretch below (which
        // keeps a sliver from being left before a read time) applies only to the first try: with it, a try
        // of the whole remainder rejected with an error just above 1 was retried at the same length forever.
        let mut stretch = 1.2;
        loop {
            let k = self.levels.len();
            let dt_prev = now - self.levels[k - 2].time_s;
            let planned = self.planned_s.unwrap_or(dt_prev).min(0.999 * BDF2_MAX_RATIO * dt_prev);
            if planned < MIN_STEP_PER_TIME_UNIT * model.time_unit_s() {
                return Err(TipModelError::StepTooSmall { time_s: now, step_s: planned });
            }
            let this = try_length(remaining, planned, stretch);
            let this = this.min(0.999 * BDF2_MAX_RATIO * dt_prev);
            let (prev, cur) = (&self.levels[k - 2], &self.levels[k - 1]);
            let (next, was_bdf2) = match model.step_bdf2(prev, cur, bias_v, this) {
                Ok(x) => x,
                // Neither the BDF2 nor the BDF1 solve converged: a rejected step, retried 4× shorter (the
                // usual step reduction of implicit integrators); at the restart step size, give up.
                Err(TipModelError::NotConverged { .. }) if this > self.restart_step_s(span_s) => {
                    self.stats.rejected += 1;
                    self.planned_s = Some(0.25 * this);
                    stretch = 1.0;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Some((err, order)) = self.error_estimate(&next, was_bdf2) else {
                // Too few levels for an estimate (the first BDF2 step after a restart): accept.
                self.accept(next, was_bdf2);
                return Ok(());
            };
            let factor = SAFETY * err.max(1e-300).powf(-1.0 / order);
            if err > 1.0 {
                self.stats.rejected += 1;
                self.planned_s = Some(this * factor.clamp(MIN_SHRINK, 0.9));
                stretch = 1.0;
                continue;
            }
            // The growth limit applies to the planned step (module doc: a step shortened to land on the
            // end of the interval does not shorten the next).
            self.planned_s = Some((this * factor).clamp(MIN_SHRINK * this, MAX_GROWTH * planned));
            self.accept(next, was_bdf2);
            return Ok(());
        }
    }

    /// The weighted local-error estimate (RMS over the nodes of e_i/w_i) of `next` against the accepted levels, and the order
    /// of the step-size rule (3 for BDF2, e ∝ Δt³; 2 for a BDF1 fallback, e ∝ Δt²); None if there are too
    /// few levels.
    fn error_estimate(&self, next: &State, was_bdf2: bool) -> Option<(f64, f64)> {
        let k = self.levels.len();
        let need = if was_bdf2 { 3 } else { 2 };
        if k < need {
            return None;
        }
        let levels: Vec<&State> = self.levels[k - need..].iter().chain(std::iter::once(next)).collect();
        let t: Vec<f64> = levels.iter().map(|s| s.time_s).collect();
        let (t_n, t_next) = (t[need - 1], t[need]);
        let dt = t_next - t_n;
        let tol = self.tolerance;
        let n = next.c.len();
        let weighted = (0..n).map(|i| {
            let c: Vec<f64> = levels.iter().map(|s| s.c[i]).collect();
            let e = if was_bdf2 {
                // Variable-step BDF2: Δt³ (1 + ω)²/(6ω(1 + 2ω)) |c‴|, c‴ ≈ 6 f[t_{n−2}, …, t_{n+1}].
                let omega = dt / (t_n - t[1]);
                let constant = dt.powi(3) * (1.0 + omega).powi(2) / (6.0 * omega * (1.0 + 2.0 * omega));
                constant * 6.0 * divided_difference(&t, &c).abs()
            } else {
                // BDF1: Δt²/2 |c″|, c″ ≈ 2 f[t_{n−1}, t_n, t_{n+1}].
                dt * dt * divided_difference(&t, &c).abs()
            };
            e / tol.weight(c[need])
        });
        let err = match self.norm {
            ErrorNorm::Rms => (weighted.map(|x| x * x).sum::<f64>() / n as f64).sqrt(),
            ErrorNorm::Max => weighted.fold(0.0, f64::max),
        };
        Some((err, if was_bdf2 { 3.0 } else { 2.0 }))
    }

    fn accept(&mut self, next: State, was_bdf2: bool) {
        self.stats.accepted += 1;
        if !was_bdf2 {
            self.stats.bdf1 += 1;
        }
        self.levels.push(next);
        if self.levels.len() > 3 {
            self.levels.remove(0);
        }
    }

    /// The current state, consuming the integrator.
    pub fn into_state(mut self) -> State {
        self.levels.pop().expect("the integrator always holds a state")
    }
}

/// The length of the next try with `remaining` left to the end of the interval and the step `planned`. No
/// sliver at the end: the rest in one step if it is at most `stretch` planned steps, else in two equal steps
/// if it is less than two, else the planned step. With `stretch` = 1 (a retry after a rejection) the try is
/// never longer than `planned`.
fn try_length(remaining: f64, planned: f64, stretch: f64) -> f64 {
    if remaining <= stretch * planned {
        remaining
    } else if remaining < 2.0 * planned {
        0.5 * remaining
    } else {
        planned
    }
}

/// The divided difference f[t₀, …, t_m] of the values `f` at the (distinct) times `t`.
fn divided_difference(t: &[f64], f: &[f64]) -> f64 {
    let mut d = f.to_vec();
    for level in 1..t.len() {
        for j in 0..t.len() - level {
            d[j] = (d[j + 1] - d[j]) / (t[j + level] - t[j]);
        }
    }
    d[0]
}

impl TipModel {
    /// An [`Integrator`] on this model starting at `state`.
    pub fn integrator(&self, state: State, tolerance: Tolerance) -> Result<Integrator<'_>, TipModelError> {
        Integrator::new(self, state, tolerance)
    }
}

#[cfg(test)]
mod tests {
    use super::{divided_difference, try_length};

    /// The regression of 2026-12-04: a try of the whole remainder (≤ 1.2 planned steps) rejected with an
    /// error just above 1 was retried at the same length forever (the default ±2 V relaxation never
    /// finished). A retry (stretch 1) is never longer than the shrunk plan, so each retry is shorter than
    /// the rejected try; a first try never leaves less than half a planned step to the end.
    #[test]
    fn retries_are_shorter_and_no_sliver_is_left() {
        for i in 1..400 {
            let remaining = 0.01 * f64::from(i);
            let planned = 1.0;
            let first = try_length(remaining, planned, 1.2);
            assert!(first <= 1.2 * planned && first <= remaining);
            let left = remaining - first;
            assert!(left == 0.0 || left >= 0.5 * planned, "remaining {remaining}: left {left}");
            // Rejected: the plan shrinks by ≤ 0.9 of the try, and the retry must be within it.
            let shrunk = 0.9 * first;
            let retry = try_length(remaining, shrunk, 1.0);
            assert!(retry <= shrunk && retry < first, "remaining {remaining}: retry {retry} after {first}");
        }
    }

    #[test]
    fn divided_differences_of_polynomials() {
        let t = [0.0, 0.3, 1.0, 1.7];
        // f = t³: third divided difference 1; f = t²: second 1.
        let cube: Vec<f64> = t.iter().map(|x| x * x * x).collect();
        assert!((divided_difference(&t, &cube) - 1.0).abs() < 1e-12);
        let square: Vec<f64> = t[..3].iter().map(|x| x * x).collect();
        assert!((divided_difference(&t[..3], &square) - 1.0).abs() < 1e-12);
    }
}
