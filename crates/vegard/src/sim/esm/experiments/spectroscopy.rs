//! ESM voltage spectroscopy, Eshghinejad et al. 2017, Fig. 4 and Fig. 5(c).
//!
//! The tip is driven pulse by pulse with the waveform of
//! [`Waveform::bias_spectroscopy`]: a triangular DC envelope (0 → +A → 0 → −A → 0) sampled by
//! 35 pulses per period P, each an on-state at the envelope value followed by an off-state at
//! 0 V of equal duration P/70 (Methods: 7.1, 28.6, 71.4 ms for P = 0.5, 2, 5 s), cycled 3 times.
//! The states are integrated by one carried adaptive BDF2 [`Integrator`] per period run (it restarts at
//! each state's bias change; `time_tolerance`); early in each off-state (the first
//! `read_fraction` of it) the AC amplitude is read at 0 V DC ("the instantaneous ESM amplitudes are measured and averaged in short periods
//! when the DC bias is stepped back to zero") and recorded against the bias of the preceding
//! on-state, one row of a [`BiasSpectroscopy`] per read.
//!
//! A negative tip bias attracts the positive mobile ions (z = +1) and raises c under the tip, so
//! the off-state amplitude is higher after negative than after positive pulses (Fig. 4b–c). The
//! loop opening (difference of the two branches at zero bias, [`analyze_loop`]) grows with the
//! period because the ions redistribute further per pulse, until the distribution under the
//! biased probe reaches equilibrium within a pulse: the plateau of Fig. 4(d). A longer period is
//! equivalent to a higher diffusivity, P̂ = PD/L².

use serde::{Deserialize, Serialize};

use super::{ExperimentError, Progress, Reader, RunInfo, Stepper, check_setting, report, tick};
use crate::data::esm::{BiasSpectroscopy, EsmSource, PulseState, SpectroscopyRead};
use crate::esm::loops::{LoopMetrics, analyze_loop};
use crate::sim::esm::params::EsmParams;
use crate::sim::esm::tip_model::{MeshOptions, TipModel, Tolerance};
use crate::sim::esm::waveform::{SpectroscopyConfig, Waveform};

/// Settings of the spectroscopy experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpectroscopySettings {
    /// Peak of the triangular DC envelope, V. The text of Eshghinejad et al. 2017 does not give it; 2 V lies in
    /// the 1–3 V range of DC spectroscopy on LiFePO₄ cathodes.
    pub amplitude_v: f64,
    /// Periods P of the envelope, s (Eshghinejad et al. 2017, Methods: 0.5, 2, 5 s).
    pub periods_s: Vec<f64>,
    /// Repetitions of the waveform (Methods: 3).
    pub cycles: u32,
    /// Pulses per period (Methods: 35).
    pub pulses_per_period: u32,
    /// +1: the envelope rises to +A first; −1: to −A first.
    pub first_polarity: f64,
    /// AC reads averaged per read state, equally spaced over the read window.
    pub reads_per_state: u32,
    /// The read window is the first `read_fraction` of the state (0 < f ≤ 1): Eshghinejad et al. 2017 reads "in
    /// short periods when the DC bias is stepped back to zero", i.e. just after the switch,
    /// before the ions relax back; the length of the window is not given. 0.1 of the state by
    /// default (0.7–7 ms for P = 0.5–5 s).
    pub read_fraction: f64,
    /// Also read in the on-state (with the DC applied): the data then hold on- and off-state rows.
    pub read_on_state: bool,
    /// Fig. 5(c): baseline concentrations (grain, grain boundary) to compare at the period
    /// `grain_boundary_period_s` (None: not run).
    pub grain_boundary_c0: Option<[f64; 2]>,
    pub grain_boundary_period_s: f64,
    /// Local-error tolerance of the carried adaptive BDF2 [`Integrator`] (one per period run, restarting at
    /// every state's bias change; default [`Tolerance::EXPERIMENTS`]); None: graded BDF1
    /// [`TipModel::advance`] per state. On one 35-pulse cycle at P = 0.5 s (ceria, ±2 V, coarse) the
    /// default's off-state reads are within 2.5e-3 of the largest amplitude of a 100× tighter reference,
    /// per-state `advance` within 1.4e-2; the default three-period run takes the same time with either
    /// (311 s, 2026-12-04).
    pub time_tolerance: Option<Tolerance>,
}

impl Default for SpectroscopySettings {
    fn default() -> Self {
        SpectroscopySettings {
            amplitude_v: 2.0,
            periods_s: vec![0.5, 2.0, 5.0],
            cycles: 3,
            pulses_per_period: 35,
            first_polarity: 1.0,
            reads_per_state: 1,
            read_fraction: 0.1,
            read_on_state: false,
            grain_boundary_c0: None,
            grain_boundary_period_s: 2.0,
            time_tolerance: Some(Tolerance::EXPERIMENTS),
        }
    }
}

/// The loop of one cycle: metrics, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleMetrics {
    pub cycle: u32,
    pub metrics: Option<LoopMetrics>,
    pub error: Option<String>,
}

/// One waveform period run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectroscopyRun {
    pub period_s: f64,
    /// P̂ = PD/L².
    pub period_hat: f64,
    pub baseline_concentration: f64,
    pub data: BiasSpectroscopy,
    /// Off-state loop metrics per cycle.
    pub loops: Vec<CycleMetrics>,
    /// Loop opening of the last cycle, A_reverse(0) − A_forward(0), m ([`analyze_loop`]).
    pub opening_m: Option<f64>,
}

/// Loop opening versus period (Fig. 4d).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningCurve {
    pub period_s: Vec<f64>,
    pub period_hat: Vec<f64>,
    /// Opening of the last cycle, m (NaN where the loop could not be analysed).
    pub opening_m: Vec<f64>,
}

/// Grain versus grain boundary (Fig. 5c).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrainBoundary {
    pub grain: SpectroscopyRun,
    pub boundary: SpectroscopyRun,
}

/// Everything the spectroscopy experiment produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectroscopyResult {
    pub runs: Vec<SpectroscopyRun>,
    pub opening_vs_period: OpeningCurve,
    pub grain_boundary: Option<GrainBoundary>,
    pub info: RunInfo,
}

fn waveform(s: &SpectroscopySettings, period_s: f64) -> Result<Waveform, ExperimentError> {
    Ok(Waveform::bias_spectroscopy(&SpectroscopyConfig {
        amplitude_v: s.amplitude_v,
        period_s,
        cycles: s.cycles,
        pulses_per_period: s.pulses_per_period,
        first_polarity: s.first_polarity,
        ac: None,
    })?)
}

fn check(s: &SpectroscopySettings) -> Result<(), ExperimentError> {
    check_setting("reads_per_state", f64::from(s.reads_per_state), s.reads_per_state >= 1, "at least 1")?;
    check_setting("read_fraction", s.read_fraction, s.read_fraction > 0.0 && s.read_fraction <= 1.0, "in (0, 1]")?;
    check_setting("amplitude_v", s.amplitude_v, s.amplitude_v >= 0.0, "≥ 0 V")?;
    for &p in &s.periods_s {
        check_setting("periods_s", p, p > 0.0, "periods > 0 s")?;
    }
    Ok(())
}

/// Number of advance/read units one period run reports to the progress callback.
fn steps_of(s: &SpectroscopySettings) -> usize {
    2 * s.cycles as usize * s.pulses_per_period as usize
}

/// Drive one period's waveform on `model` from its uniform equilibrium and read the loop.
pub fn run_period(
    model: &TipModel,
    settings: &SpectroscopySettings,
    period_s: f64,
    progress: Progress<'_>,
) -> Result<SpectroscopyRun, ExperimentError> {
    check(settings)?;
    check_setting("period_s", period_s, period_s > 0.0, "> 0 s")?;
    let w = waveform(settings, period_s)?;
    let windows = w.read_windows();
    let params = model.params();
    let mut data = BiasSpectroscopy::new(EsmSource::Simulation, period_s, settings.pulses_per_period);
    data.ac_amplitude_v = Some(params.ac_amplitude_v);
    data.ac_frequency_hz = Some(params.ac_frequency_hz);
    data.metadata.set_text("material", params.material.clone());
    data.metadata.set_number("dc_amplitude", settings.amplitude_v, Some("V"));
    data.metadata.set_number("baseline_concentration", params.baseline_concentration, None);
    data.metadata.set_number("diffusion_time", model.time_unit_s(), Some("s"));
    let reader = Reader::new(params, *model.options());
    let mut stepper = Stepper::new(model, settings.time_tolerance)?;
    let total = w.steps.len();
    let m = settings.reads_per_state;
    for (k, (step, win)) in w.steps.iter().zip(&windows).enumerate() {
        let read = step.state == PulseState::Off || settings.read_on_state;
        if !read {
            stepper.advance(step.bias_v, step.duration_s)?;
        } else {
            let window = step.duration_s * settings.read_fraction;
            let sub = window / f64::from(m);
            let (mut a, mut ph, mut t) = (0.0, 0.0, 0.0);
            for _ in 0..m {
                let state = stepper.advance(step.bias_v, sub)?;
                let r = reader.read(model, state, step.bias_v, params.ac_frequency_hz)?;
                a += r.amplitude_m;
                ph += r.phase_deg;
                t += state.time_s;
            }
            if step.duration_s - window > 1e-9 * step.duration_s {
                stepper.advance(step.bias_v, step.duration_s - window)?;
            }
            let mf = f64::from(m);
            data.push(SpectroscopyRead {
                bias_v: win.bias_v,
                amplitude_m: a / mf,
                phase_deg: Some(ph / mf),
                time_s: Some(t / mf),
                cycle: step.cycle,
                pulse: step.pulse,
                state: step.state,
            });
        }
        tick(progress, k + 1, total)?;
    }
    data.validate()?;
    let loops: Vec<CycleMetrics> = data
        .cycles()
        .into_iter()
        .map(|c| {
            let l = data.loop_data(c, PulseState::Off);
            match analyze_loop(&l.bias_v, &l.amplitude_m) {
                Ok(mx) => CycleMetrics { cycle: c, metrics: Some(mx), error: None },
                Err(e) => CycleMetrics { cycle: c, metrics: None, error: Some(e.to_string()) },
            }
        })
        .collect();
    let opening_m = loops.last().and_then(|l| l.metrics.map(|m| m.opening_m));
    Ok(SpectroscopyRun {
        period_s,
        period_hat: params.period_hat(period_s),
        baseline_concentration: params.baseline_concentration,
        data,
        loops,
        opening_m,
    })
}

/// Fig. 5(c): the same waveform at period `period_s` on a grain (c₀ = `c0[0]`) and on a grain
/// boundary (c₀ = `c0[1]`), the boundary modelled, as in the paper, by its higher baseline
/// concentration.
pub fn grain_boundary(
    params: &EsmParams,
    mesh: MeshOptions,
    settings: &SpectroscopySettings,
    c0: [f64; 2],
    period_s: f64,
    progress: Progress<'_>,
) -> Result<GrainBoundary, ExperimentError> {
    for c in c0 {
        check_setting("grain_boundary_c0", c, c > 0.0 && c < 1.0, "concentrations in (0, 1)")?;
    }
    let n = steps_of(settings);
    let one = |i: usize| -> Result<SpectroscopyRun, ExperimentError> {
        let mut p = params.clone();
        p.baseline_concentration = c0[i];
        let model = TipModel::new(&p, mesh)?;
        let pr = |d: usize, _: usize| report(progress, i * n + d, 2 * n);
        run_period(&model, settings, period_s, Some(&pr))
    };
    let grain = one(0)?;
    let boundary = one(1)?;
    Ok(GrainBoundary { grain, boundary })
}

/// All periods of `settings` (Fig. 4c–d), then the grain/boundary pair if asked (Fig. 5c).
pub fn run(
    params: &EsmParams,
    mesh: MeshOptions,
    settings: &SpectroscopySettings,
    progress: Progress<'_>,
) -> Result<SpectroscopyResult, ExperimentError> {
    check(settings)?;
    check_setting("periods_s", settings.periods_s.len() as f64, !settings.periods_s.is_empty(), "at least one period")?;
    let model = TipModel::new(params, mesh)?;
    let n = steps_of(settings);
    let gb = usize::from(settings.grain_boundary_c0.is_some()) * 2 * n;
    let total = n * settings.periods_s.len() + gb;
    let mut runs = Vec::with_capacity(settings.periods_s.len());
    for (i, &p) in settings.periods_s.iter().enumerate() {
        let pr = |d: usize, _: usize| report(progress, i * n + d, total);
        runs.push(run_period(&model, settings, p, Some(&pr))?);
    }
    let grain_boundary = match settings.grain_boundary_c0 {
        Some(c0) => {
            let done = n * settings.periods_s.len();
            let pr = |d: usize, _: usize| report(progress, done + d, total);
            Some(grain_boundary(params, mesh, settings, c0, settings.grain_boundary_period_s, Some(&pr))?)
        }
        None => None,
    };
    let opening_vs_period = OpeningCurve {
        period_s: runs.iter().map(|r| r.period_s).collect(),
        period_hat: runs.iter().map(|r| r.period_hat).collect(),
        opening_m: runs.iter().map(|r| r.opening_m.unwrap_or(f64::NAN)).collect(),
    };
    Ok(SpectroscopyResult {
        runs,
        opening_vs_period,
        grain_boundary,
        info: RunInfo::of(&model).with_read_mesh(&model, mesh, params.ac_frequency_hz)?,
    })
}
