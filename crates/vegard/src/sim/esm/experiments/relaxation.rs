//! ESM time spectroscopy (relaxation), Eshghinejad et al. 2017, Fig. 6 and Eqs. 6–9.
//!
//! A stepwise DC bias ([`Waveform::relaxation`]: rest, +A, rest, −A, rest) is applied and the AC
//! amplitude read at equally spaced times within every step, with the DC of that step held
//! during the read (Fig. 6 plots amplitude and applied bias against time). A positive step
//! depletes the mobile ions under the tip and the amplitude drops; a negative step accumulates
//! them and it rises; after each step the amplitude relaxes back to the baseline. Each step is
//! fitted with `A∞ + ΔA e^{−(t−t₀)/τ}` ([`fit_relaxation_steps`], exactly as for measured data).
//!
//! **Scaling.** With lengths in L and time in L²/D (Methods) the model has no other time scale
//! (the mechanics and electrostatics are quasi-static), so τ = τ̂ L²/D with τ̂ fixed by the
//! geometry in units of L and the dimensionless bias: Eq. 9, τ_m = l²/(Dπ²m²), with an effective
//! length l_eff = π√(Dτ). [`tau_scaling`] checks this by rerunning the experiment at other D and
//! L with the waveform times scaled by L²/D and the sample scaled with L.

use serde::{Deserialize, Serialize};

use super::{ExperimentError, Progress, Reader, RunInfo, Stepper, check_setting, report, tick};
use crate::data::esm::{EsmSource, Relaxation};
use crate::esm::loops::{RelaxationFit, fit_relaxation_steps};
use crate::sim::esm::params::EsmParams;
use crate::sim::esm::tip_model::{AdaptiveStats, MeshOptions, TipModel, Tolerance};
use crate::sim::esm::waveform::{RelaxationConfig, Waveform};

/// Default zero-bias lead-in, in units of the diffusion time L²/D (2 s on the presets, L = 25 nm,
/// D = 1e-16 m²/s: L²/D = 6.25 s).
pub const LEAD_PER_DIFFUSION_TIME: f64 = 0.32;
/// Default duration of each DC step, in L²/D (10 s on the presets).
pub const HOLD_PER_DIFFUSION_TIME: f64 = 1.6;
/// Default zero-bias relaxation after each step, in L²/D (125 s on the presets). **Why 20:** after a ±2 V
/// hold the zero-bias relaxations have τ ≈ 5 and 1.7 L²/D (refill of the depleted region after +2 V is
/// the slow one; coarse mesh: 31.5 ± 0.5 s and 10.5 ± 0.5 s), so 20 L²/D covers ≥ 4 τ; the former 30 s
/// (4.8 L²/D, < 1 τ) gave τ = 572 ± 1085 s (docs/esm-model.md).
pub const RELAX_PER_DIFFUSION_TIME: f64 = 20.0;

/// Settings of the relaxation experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RelaxationSettings {
    /// Magnitude of the DC steps, V (first +A, then −A). 2 V: the 1–3 V range of the seed.
    pub amplitude_v: f64,
    /// Zero-bias lead-in, s (None: [`LEAD_PER_DIFFUSION_TIME`] × L²/D of the parameters).
    pub lead_s: Option<f64>,
    /// Duration of each DC step, s (None: [`HOLD_PER_DIFFUSION_TIME`] × L²/D).
    pub hold_s: Option<f64>,
    /// Zero-bias relaxation after each step, s (None: [`RELAX_PER_DIFFUSION_TIME`] × L²/D).
    pub relax_s: Option<f64>,
    /// Reads per step, equally spaced, the last at the end of the step.
    pub reads_per_step: u32,
    /// Local-error tolerance of the carried adaptive BDF2 [`Integrator`] (default [`Tolerance::EXPERIMENTS`]:
    /// max read error 4.7e-3 of the largest amplitude on a short 2 V run against 4.9e-2 with per-read
    /// `advance`, `stepping_accuracy`); None: per-read [`TipModel::advance`] (graded BDF1 restarting at
    /// every read, first order).
    pub time_tolerance: Option<Tolerance>,
}

impl Default for RelaxationSettings {
    fn default() -> Self {
        RelaxationSettings {
            amplitude_v: 2.0,
            lead_s: None,
            hold_s: None,
            relax_s: None,
            reads_per_step: 40,
            time_tolerance: Some(Tolerance::EXPERIMENTS),
        }
    }
}

/// The waveform times actually used, s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RelaxationTimes {
    pub lead_s: f64,
    pub hold_s: f64,
    pub relax_s: f64,
}

impl RelaxationSettings {
    /// The times of these settings for the diffusion time `diffusion_time_s` = L²/D (s): those set, the
    /// defaults ([`LEAD_PER_DIFFUSION_TIME`], …) × L²/D for those not set.
    pub fn times(&self, diffusion_time_s: f64) -> RelaxationTimes {
        RelaxationTimes {
            lead_s: self.lead_s.unwrap_or(LEAD_PER_DIFFUSION_TIME * diffusion_time_s),
            hold_s: self.hold_s.unwrap_or(HOLD_PER_DIFFUSION_TIME * diffusion_time_s),
            relax_s: self.relax_s.unwrap_or(RELAX_PER_DIFFUSION_TIME * diffusion_time_s),
        }
    }
}

/// The fit of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepSummary {
    /// DC bias during the step, V.
    pub bias_v: f64,
    /// Time of the first read of the step, s.
    pub start_s: f64,
    pub fit: Option<RelaxationFit>,
    pub error: Option<String>,
}

/// The relaxation experiment's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelaxationResult {
    /// Amplitude and bias versus time; `tau_s` = mean τ of the zero-bias relaxations that follow
    /// a DC step.
    pub data: Relaxation,
    pub steps: Vec<StepSummary>,
    /// τ̂ = τD/L² of `data.tau_s`.
    pub tau_hat: Option<f64>,
    /// Effective length of Eq. 9 (m = 1), l_eff = π√(Dτ), in units of L.
    pub effective_length_l: Option<f64>,
    /// The waveform times used, s.
    pub times: RelaxationTimes,
    /// Time steps taken by the integrator (None: per-read `advance`).
    #[serde(default)]
    pub time_steps: Option<AdaptiveStats>,
    pub info: RunInfo,
}

fn check(s: &RelaxationSettings, t: &RelaxationTimes) -> Result<(), ExperimentError> {
    check_setting(
        "reads_per_step",
        f64::from(s.reads_per_step),
        s.reads_per_step >= 5,
        "at least 5 (the τ fit of each step needs 5 points)",
    )?;
    check_setting("amplitude_v", s.amplitude_v, true, "a finite bias")?;
    check_setting("hold_s", t.hold_s, t.hold_s > 0.0, "> 0 s")?;
    check_setting("relax_s", t.relax_s, t.relax_s > 0.0, "> 0 s")?;
    check_setting("lead_s", t.lead_s, t.lead_s >= 0.0, "≥ 0 s")?;
    Ok(())
}

/// Run the stepwise waveform on `model` from its uniform equilibrium.
pub fn run_on(
    model: &TipModel,
    settings: &RelaxationSettings,
    progress: Progress<'_>,
) -> Result<RelaxationResult, ExperimentError> {
    let s = settings;
    let times = s.times(model.time_unit_s());
    check(s, &times)?;
    let w = Waveform::relaxation(&RelaxationConfig {
        amplitude_v: s.amplitude_v,
        lead_s: times.lead_s,
        hold_s: times.hold_s,
        relax_s: times.relax_s,
        ac: None,
    })?;
    let params = model.params();
    let mut data = Relaxation::new(EsmSource::Simulation);
    data.ac_amplitude_v = Some(params.ac_amplitude_v);
    data.metadata.set_text("material", params.material.clone());
    data.metadata.set_number("diffusion_time", model.time_unit_s(), Some("s"));
    data.metadata.set_number("ac_frequency", params.ac_frequency_hz, Some("Hz"));
    let mut phase = Vec::new();
    let reader = Reader::new(params, *model.options());
    // One integrator for the whole waveform (it restarts at each of the bias steps and carries its step size
    // across the reads in between); without a tolerance, per-read `advance`.
    let mut stepper = Stepper::new(model, s.time_tolerance)?;
    let n = s.reads_per_step;
    let total = w.steps.len() * n as usize;
    let mut done = 0;
    let mut start = 0.0;
    for step in &w.steps {
        for j in 1..=n {
            let t = start + step.duration_s * f64::from(j) / f64::from(n);
            let state = stepper.advance_to(t, step.bias_v)?;
            let r = reader.read(model, state, step.bias_v, params.ac_frequency_hz)?;
            data.time_s.push(state.time_s);
            data.amplitude_m.push(r.amplitude_m);
            data.bias_v.push(step.bias_v);
            phase.push(r.phase_deg);
            done += 1;
            tick(progress, done, total)?;
        }
        start += step.duration_s;
    }
    data.phase_deg = Some(phase);
    data.validate()?;
    let fits = fit_relaxation_steps(&data)?;
    let steps: Vec<StepSummary> = fits
        .into_iter()
        .map(|f| StepSummary {
            bias_v: f.bias_v,
            start_s: data.time_s[f.range.start],
            error: f.fit.as_ref().err().map(|e| e.to_string()),
            fit: f.fit.ok(),
        })
        .collect();
    // The zero-bias relaxations after a DC step are the curves of Eq. 8 (no driving field).
    let taus: Vec<f64> = steps.iter().filter(|x| x.bias_v == 0.0).filter_map(|x| x.fit.map(|f| f.tau_s)).collect();
    data.tau_s = (!taus.is_empty()).then(|| taus.iter().sum::<f64>() / taus.len() as f64);
    let t_unit = model.time_unit_s();
    Ok(RelaxationResult {
        tau_hat: data.tau_s.map(|t| t / t_unit),
        effective_length_l: data.tau_s.map(|t| std::f64::consts::PI * (t / t_unit).sqrt()),
        times,
        time_steps: stepper.stats(),
        data,
        steps,
        info: RunInfo::of(model).with_read_mesh(model, *model.options(), params.ac_frequency_hz)?,
    })
}

/// The relaxation experiment on `params`.
pub fn run(
    params: &EsmParams,
    mesh: MeshOptions,
    settings: &RelaxationSettings,
    progress: Progress<'_>,
) -> Result<RelaxationResult, ExperimentError> {
    let model = TipModel::new(params, mesh)?;
    run_on(&model, settings, progress)
}

/// One point of the τ ∝ L²/D check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TauScalingPoint {
    pub diffusivity_m2_per_s: f64,
    pub tip_radius_m: f64,
    /// L²/D, s.
    pub diffusion_time_s: f64,
    pub tau_s: Option<f64>,
    /// τD/L²: the same for every point if τ ∝ L²/D.
    pub tau_hat: Option<f64>,
}

/// Rerun the relaxation with D and L multiplied by each `(d_factor, l_factor)`: the waveform
/// times are scaled by the change of L²/D and the sample size by `l_factor`, so the
/// dimensionless problem is unchanged and τD/L² must be too.
pub fn tau_scaling(
    params: &EsmParams,
    mesh: MeshOptions,
    settings: &RelaxationSettings,
    factors: &[(f64, f64)],
    progress: Progress<'_>,
) -> Result<Vec<TauScalingPoint>, ExperimentError> {
    let t0 = params.diffusion_time_s();
    let mut out = Vec::with_capacity(factors.len());
    for (i, &(fd, fl)) in factors.iter().enumerate() {
        check_setting("d_factor", fd, fd > 0.0, "> 0")?;
        check_setting("l_factor", fl, fl > 0.0, "> 0")?;
        let mut p = params.clone();
        p.diffusivity_m2_per_s *= fd;
        p.tip_radius_m *= fl;
        p.sample_radius_m *= fl;
        p.sample_thickness_m *= fl;
        let k = p.diffusion_time_s() / t0;
        let t = settings.times(t0);
        let s = RelaxationSettings {
            lead_s: Some(t.lead_s * k),
            hold_s: Some(t.hold_s * k),
            relax_s: Some(t.relax_s * k),
            ..settings.clone()
        };
        let n = factors.len();
        let pr = |d: usize, t: usize| report(progress, i * t + d, n * t);
        let r = run(&p, mesh, &s, Some(&pr))?;
        out.push(TauScalingPoint {
            diffusivity_m2_per_s: p.diffusivity_m2_per_s,
            tip_radius_m: p.tip_radius_m,
            diffusion_time_s: p.diffusion_time_s(),
            tau_s: r.data.tau_s,
            tau_hat: r.tau_hat,
        });
    }
    Ok(out)
}
