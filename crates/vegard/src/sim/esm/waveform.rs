//! Bias waveforms as data: a piecewise-constant DC program (a list of [`BiasStep`]s) plus an
//! optional harmonic AC drive, and the windows in which the AC response is read.
//!
//! - [`Waveform::bias_spectroscopy`]: Eshghinejad et al. 2017, Fig. 4(a) and Methods — a triangular DC envelope
//!   (0 → +A → 0 → −A → 0 per period P) applied as `pulses_per_period` = 35 pulses; each pulse is
//!   an on-state (DC = envelope) followed by an off-state (DC = 0) of equal duration, so one state
//!   lasts P/70: 7.1, 28.6, 71.4 ms for P = 0.5, 2, 5 s, as the Methods state. The AC response is
//!   read in the off state ("the instantaneous ESM amplitudes are measured and averaged in short
//!   periods when the DC bias is stepped back to zero"), and plotted against the preceding
//!   on-state bias.
//! - [`Waveform::relaxation`]: Eshghinejad et al. 2017, Fig. 6 — stepwise DC: rest, +A hold, rest, −A hold, rest.
//! - [`Waveform::single_step`] and the general [`Waveform::stepwise`].
//! - [`Waveform::harmonic`]: a pure AC drive (for frequency responses).

use serde::{Deserialize, Serialize};

use crate::data::esm::PulseState;

/// One constant-DC interval `[start_s, start_s + duration_s)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BiasStep {
    pub start_s: f64,
    pub duration_s: f64,
    /// DC bias on the tip, V.
    pub bias_v: f64,
    pub state: PulseState,
    /// Repetition of the waveform (from 0).
    pub cycle: u32,
    /// Pulse index within the cycle (from 0); on and off halves of a pulse share it.
    pub pulse: u32,
}

impl BiasStep {
    pub fn end_s(&self) -> f64 {
        self.start_s + self.duration_s
    }
}

/// A harmonic AC drive `amplitude · sin(2π f t + phase)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Harmonic {
    pub amplitude_v: f64,
    pub frequency_hz: f64,
    #[serde(default)]
    pub phase_deg: f64,
}

impl Harmonic {
    pub fn value_v(&self, t_s: f64) -> f64 {
        self.amplitude_v * (2.0 * std::f64::consts::PI * self.frequency_hz * t_s + self.phase_deg.to_radians()).sin()
    }
}

/// A window in which the AC response is read (averaged), with the loop abscissa.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReadWindow {
    pub start_s: f64,
    pub end_s: f64,
    /// The bias the read is plotted against, V: for an off-state read of a pulse, the DC of its
    /// on-state; otherwise the DC during the window.
    pub bias_v: f64,
    /// The DC actually applied during the window, V.
    pub dc_bias_v: f64,
    pub state: PulseState,
    pub cycle: u32,
    pub pulse: u32,
}

impl ReadWindow {
    pub fn mid_s(&self) -> f64 {
        0.5 * (self.start_s + self.end_s)
    }
}

/// Settings of the ESM voltage-spectroscopy waveform of Eshghinejad et al. 2017, Fig. 4(a).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectroscopyConfig {
    /// Peak of the triangular envelope, V. The value of Fig. 4(a) cannot be read from the text;
    /// default 10 V, a usual range of DC spectroscopy on battery cathodes. Override as needed.
    pub amplitude_v: f64,
    /// Period P of the envelope, s (Eshghinejad et al. 2017: 0.5, 2, 5 s; default 2 s).
    pub period_s: f64,
    /// Repetitions (Eshghinejad et al. 2017, Methods: 3).
    pub cycles: u32,
    /// Pulses per period (Eshghinejad et al. 2017, Methods: 35).
    pub pulses_per_period: u32,
    /// Sign of the first quarter: +1 rises to +A first, −1 to −A first.
    pub first_polarity: f64,
    /// AC drive superposed throughout (None: the simulator applies its own).
    pub ac: Option<Harmonic>,
}

impl Default for SpectroscopyConfig {
    fn default() -> Self {
        SpectroscopyConfig {
            amplitude_v: 10.0,
            period_s: 2.0,
            cycles: 3,
            pulses_per_period: 35,
            first_polarity: 1.0,
            ac: None,
        }
    }
}

/// Settings of the stepwise relaxation waveform of Eshghinejad et al. 2017, Fig. 6.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RelaxationConfig {
    /// Magnitude of the DC steps, V (first +A, then −A).
    pub amplitude_v: f64,
    /// Zero-bias lead-in before the first step, s.
    pub lead_s: f64,
    /// Duration of each DC step, s.
    pub hold_s: f64,
    /// Zero-bias relaxation after each step, s.
    pub relax_s: f64,
    pub ac: Option<Harmonic>,
}

impl Default for RelaxationConfig {
    fn default() -> Self {
        RelaxationConfig { amplitude_v: 10.0, lead_s: 5.0, hold_s: 10.0, relax_s: 30.0, ac: None }
    }
}

/// What went wrong building a waveform.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WaveformError {
    #[error("waveform `{field}` = {value}: {expected}")]
    Invalid { field: &'static str, value: f64, expected: &'static str },
}

fn check(field: &'static str, value: f64, ok: bool, expected: &'static str) -> Result<(), WaveformError> {
    if ok && value.is_finite() { Ok(()) } else { Err(WaveformError::Invalid { field, value, expected }) }
}

/// Largest number of steps a waveform may hold (guards `cycles × pulses` typos against
/// allocating gigabytes).
pub const MAX_STEPS: usize = 10_000_000;

/// Triangular envelope of Eshghinejad et al. 2017, Fig. 4(a) at phase `s` (fraction of the period, any real):
/// 0 → +A at s = 1/4 → 0 at 1/2 → −A at 3/4 → 0 at 1, times `polarity`.
pub fn triangle_envelope(s: f64, amplitude_v: f64, polarity: f64) -> f64 {
    let s = s.rem_euclid(1.0);
    let shape = if s < 0.25 {
        4.0 * s
    } else if s < 0.75 {
        2.0 - 4.0 * s
    } else {
        4.0 * s - 4.0
    };
    polarity.signum() * amplitude_v * shape
}

/// A DC program with an optional AC drive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waveform {
    /// `bias_spectroscopy`, `relaxation`, `single_step`, `stepwise`, `harmonic`.
    pub kind: String,
    /// Contiguous steps in time order, starting at t = 0.
    pub steps: Vec<BiasStep>,
    #[serde(default)]
    pub ac: Option<Harmonic>,
    /// Envelope period, s (bias spectroscopy only).
    #[serde(default)]
    pub period_s: Option<f64>,
    #[serde(default)]
    pub pulses_per_period: Option<u32>,
}

impl Waveform {
    /// The pulsed triangular waveform of Eshghinejad et al. 2017, Fig. 4(a). Pulse k of a cycle starts at
    /// k·P/N (N = pulses per period); its on-state DC is the envelope sampled at the pulse
    /// start, so pulse 0 is at 0 V and the sequence is antisymmetric about mid-period. (With
    /// N = 35, not a multiple of 4, the largest sampled bias is 34/35 of the peak.)
    pub fn bias_spectroscopy(cfg: &SpectroscopyConfig) -> Result<Waveform, WaveformError> {
        check("amplitude_v", cfg.amplitude_v, cfg.amplitude_v >= 0.0, "expected ≥ 0")?;
        check("period_s", cfg.period_s, cfg.period_s > 0.0, "expected > 0")?;
        check("cycles", f64::from(cfg.cycles), cfg.cycles >= 1, "expected ≥ 1")?;
        check("pulses_per_period", f64::from(cfg.pulses_per_period), cfg.pulses_per_period >= 1, "expected ≥ 1")?;
        check("first_polarity", cfg.first_polarity, cfg.first_polarity != 0.0, "expected +1 or −1")?;
        let n_steps = 2 * cfg.cycles as usize * cfg.pulses_per_period as usize;
        check("cycles", f64::from(cfg.cycles), n_steps <= MAX_STEPS, "expected cycles × pulses ≤ 5e6")?;
        let n = cfg.pulses_per_period;
        let half = cfg.period_s / (2.0 * f64::from(n));
        let mut steps = Vec::with_capacity(n_steps);
        for c in 0..cfg.cycles {
            for k in 0..n {
                // Times from the pulse index (not accumulated) so rounding does not drift.
                let t0 = (f64::from(c) * f64::from(n) + f64::from(k)) * 2.0 * half;
                let v = triangle_envelope(f64::from(k) / f64::from(n), cfg.amplitude_v, cfg.first_polarity);
                steps.push(BiasStep {
                    start_s: t0,
                    duration_s: half,
                    bias_v: v,
                    state: PulseState::On,
                    cycle: c,
                    pulse: k,
                });
                steps.push(BiasStep {
                    start_s: t0 + half,
                    duration_s: half,
                    bias_v: 0.0,
                    state: PulseState::Off,
                    cycle: c,
                    pulse: k,
                });
            }
        }
        Ok(Waveform {
            kind: "bias_spectroscopy".into(),
            steps,
            ac: cfg.ac,
            period_s: Some(cfg.period_s),
            pulses_per_period: Some(n),
        })
    }

    /// Contiguous DC levels `(bias_v, duration_s)` from t = 0; a level of 0 V is an off state.
    pub fn stepwise(kind: &str, levels: &[(f64, f64)], ac: Option<Harmonic>) -> Result<Waveform, WaveformError> {
        if levels.len() > MAX_STEPS {
            return Err(WaveformError::Invalid {
                field: "levels",
                value: levels.len() as f64,
                expected: "expected at most 1e7 levels",
            });
        }
        let mut steps = Vec::with_capacity(levels.len());
        let mut t = 0.0;
        for (i, &(v, d)) in levels.iter().enumerate() {
            check("bias_v", v, true, "expected a finite bias")?;
            check("duration_s", d, d > 0.0, "expected > 0")?;
            let state = if v == 0.0 { PulseState::Off } else { PulseState::On };
            steps.push(BiasStep { start_s: t, duration_s: d, bias_v: v, state, cycle: 0, pulse: i as u32 });
            t += d;
        }
        Ok(Waveform { kind: kind.into(), steps, ac, period_s: None, pulses_per_period: None })
    }

    /// The stepwise relaxation waveform of Eshghinejad et al. 2017, Fig. 6: rest, +A, rest, −A, rest.
    pub fn relaxation(cfg: &RelaxationConfig) -> Result<Waveform, WaveformError> {
        check("lead_s", cfg.lead_s, cfg.lead_s >= 0.0, "expected ≥ 0")?;
        let mut levels = Vec::new();
        if cfg.lead_s > 0.0 {
            levels.push((0.0, cfg.lead_s));
        }
        levels.extend([
            (cfg.amplitude_v, cfg.hold_s),
            (0.0, cfg.relax_s),
            (-cfg.amplitude_v, cfg.hold_s),
            (0.0, cfg.relax_s),
        ]);
        Self::stepwise("relaxation", &levels, cfg.ac)
    }

    /// A single DC step: `lead_s` at 0 V, `hold_s` at `bias_v`, `tail_s` at 0 V (zero-length
    /// parts are left out).
    pub fn single_step(bias_v: f64, lead_s: f64, hold_s: f64, tail_s: f64) -> Result<Waveform, WaveformError> {
        check("lead_s", lead_s, lead_s >= 0.0, "expected ≥ 0")?;
        check("tail_s", tail_s, tail_s >= 0.0, "expected ≥ 0")?;
        check("hold_s", hold_s, hold_s > 0.0, "expected > 0")?;
        let levels: Vec<(f64, f64)> =
            [(0.0, lead_s), (bias_v, hold_s), (0.0, tail_s)].into_iter().filter(|&(_, d)| d > 0.0).collect();
        Self::stepwise("single_step", &levels, None)
    }

    /// A pure AC drive of `duration_s` at zero DC.
    pub fn harmonic(amplitude_v: f64, frequency_hz: f64, duration_s: f64) -> Result<Waveform, WaveformError> {
        check("amplitude_v", amplitude_v, amplitude_v >= 0.0, "expected ≥ 0")?;
        check("frequency_hz", frequency_hz, frequency_hz > 0.0, "expected > 0")?;
        let ac = Harmonic { amplitude_v, frequency_hz, phase_deg: 0.0 };
        let mut w = Self::stepwise("harmonic", &[(0.0, duration_s)], Some(ac))?;
        w.kind = "harmonic".into();
        Ok(w)
    }

    /// Total duration, s.
    pub fn duration_s(&self) -> f64 {
        self.steps.last().map_or(0.0, BiasStep::end_s)
    }

    /// Duration of one on- or off-state of the pulsed waveform, P/(2N), s.
    pub fn pulse_duration_s(&self) -> Option<f64> {
        Some(self.period_s? / (2.0 * f64::from(self.pulses_per_period?)))
    }

    /// The step in force at `t_s` (steps are half-open `[start, end)`; the last one includes its
    /// end); None outside the waveform.
    pub fn step_at(&self, t_s: f64) -> Option<&BiasStep> {
        let i = self.steps.partition_point(|s| s.start_s <= t_s);
        let step = self.steps.get(i.checked_sub(1)?)?;
        if t_s < step.end_s() || (i == self.steps.len() && t_s <= step.end_s()) { Some(step) } else { None }
    }

    /// DC bias at `t_s`, V (0 outside the waveform).
    pub fn dc_bias_v(&self, t_s: f64) -> f64 {
        self.step_at(t_s).map_or(0.0, |s| s.bias_v)
    }

    /// DC + AC bias at `t_s`, V.
    pub fn bias_v(&self, t_s: f64) -> f64 {
        self.dc_bias_v(t_s) + self.ac.map_or(0.0, |a| a.value_v(t_s))
    }

    /// Times at which the DC changes (step starts and the end): a time stepper must land on
    /// them.
    pub fn breakpoints_s(&self) -> Vec<f64> {
        let mut b: Vec<f64> = self.steps.iter().map(|s| s.start_s).collect();
        b.push(self.duration_s());
        b
    }

    /// One read window per step. Off-state windows of a pulse carry the bias of that pulse's
    /// on-state as their abscissa (Eshghinejad et al. 2017, Fig. 4: off-state amplitude vs DC bias).
    pub fn read_windows(&self) -> Vec<ReadWindow> {
        let mut out = Vec::with_capacity(self.steps.len());
        let mut last_on: Option<&BiasStep> = None;
        for s in &self.steps {
            let abscissa = match s.state {
                PulseState::On => {
                    last_on = Some(s);
                    s.bias_v
                }
                PulseState::Off => match last_on {
                    Some(on) if on.cycle == s.cycle && on.pulse == s.pulse => on.bias_v,
                    _ => s.bias_v,
                },
            };
            out.push(ReadWindow {
                start_s: s.start_s,
                end_s: s.end_s(),
                bias_v: abscissa,
                dc_bias_v: s.bias_v,
                state: s.state,
                cycle: s.cycle,
                pulse: s.pulse,
            });
        }
        out
    }

    /// The off-state read windows (where Eshghinejad et al. 2017 reads the spectroscopy amplitude).
    pub fn off_read_windows(&self) -> Vec<ReadWindow> {
        self.read_windows().into_iter().filter(|w| w.state == PulseState::Off).collect()
    }

    /// Sample the total bias every `dt_s` from 0 to the end (inclusive), at most `max_points`.
    pub fn sample(&self, dt_s: f64, max_points: usize) -> Result<(Vec<f64>, Vec<f64>), WaveformError> {
        check("dt_s", dt_s, dt_s > 0.0, "expected > 0")?;
        let n = (self.duration_s() / dt_s).floor() + 1.0;
        if n.is_nan() || n > max_points as f64 {
            return Err(WaveformError::Invalid {
                field: "dt_s",
                value: dt_s,
                expected: "expected fewer samples than max_points",
            });
        }
        let n = n as usize;
        let t: Vec<f64> = (0..n).map(|i| i as f64 * dt_s).collect();
        let v = t.iter().map(|&t| self.bias_v(t)).collect();
        Ok((t, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        assert_eq!(triangle_envelope(0.0, 10.0, 1.0), 0.0);
        assert!((triangle_envelope(0.25, 10.0, 1.0) - 10.0).abs() < 1e-12);
        assert!(triangle_envelope(0.5, 10.0, 1.0).abs() < 1e-12);
        assert!((triangle_envelope(0.75, 10.0, 1.0) + 10.0).abs() < 1e-12);
        assert!((triangle_envelope(0.75, 10.0, -1.0) - 10.0).abs() < 1e-12);
        assert!((triangle_envelope(1.125, 10.0, 1.0) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn step_lookup_at_boundaries() {
        let w = Waveform::single_step(2.0, 1.0, 3.0, 1.0).unwrap();
        assert_eq!(w.dc_bias_v(0.999), 0.0);
        assert_eq!(w.dc_bias_v(1.0), 2.0);
        assert_eq!(w.dc_bias_v(3.999), 2.0);
        assert_eq!(w.dc_bias_v(4.0), 0.0);
        assert!(w.step_at(5.0).is_some());
        assert!(w.step_at(5.1).is_none());
        assert!(w.step_at(-0.1).is_none());
    }
}
