//! The virtual ESM experiments of Eshghinejad et al. 2017 (Figs. 3–6) and the frequency response of Hausen & Balke 2024
//! (Fig. 1b), run on the coupled [`TipModel`]:
//!
//! - [`amplitude`]: ESM amplitude versus the uniform baseline concentration c₀ (Fig. 3a) and
//!   versus the normalised diffusivity D̂ (Fig. 3b);
//! - [`frequency`]: amplitude and phase versus the dimensionless frequency ωL²/D, with the
//!   cross-over at the characteristic diffusion frequency (Hausen & Balke 2024, Fig. 1b);
//! - [`spectroscopy`]: the pulsed triangular DC waveform (35 pulses per period, equal on/off
//!   durations, AC read in the off state), loops for several periods, loop opening versus period
//!   (Fig. 4d), grain versus grain-boundary loops (Fig. 5c);
//! - [`mapping`]: the amplitude map over a grain-boundary triple junction (Fig. 2) by the
//!   resolution function of [`crate::sim::esm::mapping`];
//! - [`relaxation`]: stepwise DC bias, amplitude versus time, the fitted τ and its scaling
//!   τ ∝ L²/D (Fig. 6, Eqs. 6–9).
//!
//! Every experiment takes the model parameters ([`EsmParams`]), the mesh ([`MeshOptions`]) and a
//! settings struct with SI defaults, reports progress through an optional `&dyn Fn(done, total)`,
//! and returns the measured-data types of [`crate::data::esm`] so the analyses of
//! [`crate::esm::loops`] run on simulated data unchanged; summary numbers come alongside.
//!
//! **The AC read.** An ESM amplitude is the first-harmonic surface displacement under the tip for
//! the AC drive V_ac at f_ac: |u_z(ω)/V_ac| × V_ac from the small-signal (frequency-domain)
//! solution about the current state, [`TipModel::ac_response`]. All reads go through
//! [`ac_read`], so the experiments differ only in the state they read and the DC bias held
//! during the read.

pub mod amplitude;
pub mod frequency;
pub mod mapping;
pub mod relaxation;
pub mod spectroscopy;
#[cfg(test)]
mod stepping_accuracy;

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::data::esm::EsmDataError;
use crate::esm::loops::AnalysisError;
use crate::sim::esm::params::{EsmParams, ParamError};
use crate::sim::esm::tip_model::{AdaptiveStats, Integrator, MeshOptions, State, TipModel, TipModelError, Tolerance};
use crate::sim::esm::waveform::WaveformError;

/// Progress callback `(done, total)`; `None` for silence.
pub type Progress<'a> = Option<&'a dyn Fn(usize, usize)>;

/// Why a virtual experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error(transparent)]
    Model(#[from] TipModelError),
    #[error(transparent)]
    Waveform(#[from] WaveformError),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Data(#[from] EsmDataError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// A setting of the experiment is unusable.
    #[error("experiment setting `{name}` = {value}: expected {expected}")]
    Setting { name: &'static str, value: f64, expected: &'static str },
    /// The caller asked the run to stop ([`with_cancel`]).
    #[error("the experiment was cancelled")]
    Cancelled,
}

/// Check one experiment setting (finite and `ok`).
pub(crate) fn check_setting(
    name: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), ExperimentError> {
    if ok && value.is_finite() { Ok(()) } else { Err(ExperimentError::Setting { name, value, expected }) }
}

/// Which mesh the experiments use (the CLI's `--mesh coarse|default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MeshChoice {
    /// h = 0.1 L near the tip ([`MeshOptions::coarse`]): fast sweeps and tests. Either choice reads
    /// through [`Reader`] (surface and axis layers at high read frequencies).
    Coarse,
    /// h = 0.05 L near the tip ([`MeshOptions::default`]).
    #[default]
    Default,
}

impl MeshChoice {
    pub fn options(self) -> MeshOptions {
        match self {
            MeshChoice::Coarse => MeshOptions::coarse(),
            MeshChoice::Default => MeshOptions::default(),
        }
    }

    pub fn from_key(key: &str) -> Option<MeshChoice> {
        match key.trim().to_ascii_lowercase().as_str() {
            "coarse" => Some(MeshChoice::Coarse),
            "default" | "fine" => Some(MeshChoice::Default),
            _ => None,
        }
    }
}

/// One AC read: ESM amplitude (m, for the drive amplitude `params.ac_amplitude_v`) and phase
/// (degrees, convention of [`crate::sim::esm::tip_model::AcResponse`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AcRead {
    pub amplitude_m: f64,
    pub phase_deg: f64,
}

/// The small-signal read at `frequency_hz` about `state` with `dc_bias_v` held on the tip.
pub(crate) fn ac_read(
    model: &TipModel,
    state: &State,
    dc_bias_v: f64,
    frequency_hz: f64,
) -> Result<AcRead, TipModelError> {
    let r = model.ac_response(state, dc_bias_v, frequency_hz)?;
    Ok(AcRead { amplitude_m: r.amplitude_m_per_v() * model.params().ac_amplitude_v, phase_deg: r.phase_deg() })
}

/// The ESM amplitude (m) of a read at the model's AC frequency `params.ac_frequency_hz` on the model's own
/// mesh.
pub(crate) fn read_amplitude_m(model: &TipModel, state: &State, dc_bias_v: f64) -> Result<f64, TipModelError> {
    Ok(ac_read(model, state, dc_bias_v, model.params().ac_frequency_hz)?.amplitude_m)
}

/// Where the AC reads of an experiment are solved: on the stepping model itself, or (the default,
/// [`MeshOptions::layered_reads`]) on a copy of its mesh with a surface boundary layer resolving the
/// AC diffusion layer √(2D/ω) of the read frequency ([`MeshOptions::with_frequency_layer`]).
/// **Why:** at the preset 300 kHz (ω̂ ≈ 1.2·10⁷ for LiFePO₄) that layer is ~4·10⁻⁴ L thick, far
/// below h_min, and unresolved reads were 30–35 % too high and mesh-dependent; the time-stepped DC
/// state varies on the scale of the tip field (≳ h_min) and does not need the layer
/// (docs/esm-model.md, "High-frequency reads"). The state is carried over by P1 interpolation of
/// its logits (0 < c < 1 kept), σ_h recomputed on the read mesh. Against a state stepped on the read
/// mesh itself (`tests/esm_read_transfer.rs`) the carry-over is an O(h_min²) error: 0.12 % after a +1 V
/// pulse but 3 % (coarse) / 0.66 % (default) in amplitude after −1 V accumulation, where the DC state is
/// steep under the surface.
pub(crate) struct Reader {
    params: EsmParams,
    mesh: MeshOptions,
    /// The read model of the last frequency read (its options and the model), if it differs from the
    /// stepping model's mesh. One per frequency so that a read depends only on (params, mesh, frequency).
    cache: RefCell<Option<(MeshOptions, TipModel)>>,
}

impl Reader {
    /// The reader for models built with `mesh` on `params`.
    pub(crate) fn new(params: &EsmParams, mesh: MeshOptions) -> Reader {
        Reader { params: params.clone(), mesh, cache: RefCell::new(None) }
    }

    /// The read at `frequency_hz` about `state` (a state of `model`) with `dc_bias_v` held.
    pub(crate) fn read(
        &self,
        model: &TipModel,
        state: &State,
        dc_bias_v: f64,
        frequency_hz: f64,
    ) -> Result<AcRead, TipModelError> {
        let options = read_options(&self.params, self.mesh, frequency_hz)?;
        if options == *model.options() {
            return ac_read(model, state, dc_bias_v, frequency_hz);
        }
        let mut cache = self.cache.borrow_mut();
        let read_model = match cache.take() {
            Some((o, m)) if o == options => m,
            _ => TipModel::new(&self.params, options)?,
        };
        let read = transfer_state(model, &read_model, state)
            .and_then(|moved| ac_read(&read_model, &moved, dc_bias_v, frequency_hz));
        *cache = Some((options, read_model));
        read
    }

    /// Nodes of the read mesh at `frequency_hz` (that of `model` if it needs no layer).
    pub(crate) fn read_nodes(&self, model: &TipModel, frequency_hz: f64) -> Result<usize, TipModelError> {
        let options = read_options(&self.params, self.mesh, frequency_hz)?;
        Ok(if options == *model.options() {
            model.mesh().n_nodes()
        } else {
            TipModel::new(&self.params, options)?.mesh().n_nodes()
        })
    }
}

/// `state` of `from` on the mesh of `to` (same sample): the logits η = ln(c/(1−c)) interpolated (P1 on
/// `from`'s mesh, so 0 < c < 1 stays), σ_h recomputed from c by `to`'s elastic solve.
pub fn transfer_state(from: &TipModel, to: &TipModel, state: &State) -> Result<State, TipModelError> {
    let eta = from.mesh().interpolate_p1(&state.logit_c, &to.mesh().nodes)?;
    let c: Vec<f64> = eta.iter().map(|&e| 1.0 / (1.0 + (-e).exp())).collect();
    let sigma = to.hydrostatic_stress_pa(&c)?;
    Ok(State::from_logit(eta, sigma, state.time_s))
}

/// The mesh options for a model that is only read (its uniform equilibrium state) at frequencies up to
/// `max_frequency_hz`: `mesh` with the surface layer of [`Reader`] if `mesh.layered_reads`.
pub(crate) fn read_options(
    params: &EsmParams,
    mesh: MeshOptions,
    max_frequency_hz: f64,
) -> Result<MeshOptions, TipModelError> {
    if mesh.layered_reads && mesh.surface_layer_l.is_none() {
        mesh.with_frequency_layer(params, max_frequency_hz)
    } else {
        Ok(mesh)
    }
}

/// One read on the uniform equilibrium state of `params` at its AC frequency, no DC bias: the
/// amplitude of an ESM map over a homogeneous sample (on the layered read mesh, see [`Reader`]).
pub fn single_read(params: &EsmParams, mesh: MeshOptions) -> Result<AcRead, ExperimentError> {
    let model = TipModel::new(params, read_options(params, mesh, params.ac_frequency_hz)?)?;
    let state = model.equilibrium_state();
    Ok(ac_read(&model, &state, 0.0, params.ac_frequency_hz)?)
}

/// The DC stepping of a time-domain experiment: one carried adaptive BDF2 [`Integrator`] for the whole
/// waveform (it restarts at each bias change), or, without a tolerance, graded BDF1 [`TipModel::advance`]
/// per interval (the former scheme, kept for comparison: `experiments::stepping_accuracy`).
pub(crate) enum Stepper<'a> {
    Carried(Integrator<'a>),
    PerInterval(&'a TipModel, State),
}

impl<'a> Stepper<'a> {
    /// Start at the uniform equilibrium of `model`.
    pub(crate) fn new(model: &'a TipModel, tolerance: Option<Tolerance>) -> Result<Stepper<'a>, TipModelError> {
        Ok(match tolerance {
            Some(tol) => Stepper::Carried(Integrator::new(model, model.equilibrium_state(), tol)?),
            None => Stepper::PerInterval(model, model.equilibrium_state()),
        })
    }

    /// Integrate up to `t_end_s` at `bias_v`; the state there.
    pub(crate) fn advance_to(&mut self, t_end_s: f64, bias_v: f64) -> Result<&State, TipModelError> {
        match self {
            Stepper::Carried(i) => i.advance_to(t_end_s, bias_v),
            Stepper::PerInterval(model, state) => {
                *state = model.advance(state, bias_v, t_end_s - state.time_s)?;
                Ok(state)
            }
        }
    }

    /// Integrate for `duration_s` at `bias_v`; the state at the end.
    pub(crate) fn advance(&mut self, bias_v: f64, duration_s: f64) -> Result<&State, TipModelError> {
        match self {
            Stepper::Carried(i) => i.advance(bias_v, duration_s),
            Stepper::PerInterval(model, state) => {
                *state = model.advance(state, bias_v, duration_s)?;
                Ok(state)
            }
        }
    }

    /// Step counts of the integrator (None: per-interval `advance`).
    pub(crate) fn stats(&self) -> Option<AdaptiveStats> {
        match self {
            Stepper::Carried(i) => Some(i.stats()),
            Stepper::PerInterval(..) => None,
        }
    }
}

thread_local! {
    /// The cancellation flag of the experiments running on this thread ([`with_cancel`]).
    static CANCEL: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Run `f` (an experiment, on this thread) so that it stops with
/// [`ExperimentError::Cancelled`] at its next progress point once `flag` is set (Ctrl-C in
/// Python). The experiments drive their steps from the calling thread, so a flag scoped to
/// it reaches every progress point without changing the experiments' signatures.
pub fn with_cancel<T>(flag: Arc<AtomicBool>, f: impl FnOnce() -> T) -> T {
    let previous = CANCEL.with(|c| c.replace(Some(flag)));
    let out = f();
    CANCEL.with(|c| *c.borrow_mut() = previous);
    out
}

fn cancelled() -> bool {
    CANCEL.with(|c| c.borrow().as_ref().is_some_and(|f| f.load(Ordering::Relaxed)))
}

/// Call the progress callback if there is one; stop if the run was cancelled. Every
/// experiment calls it after each unit of work (a read, a pulse, a sweep point).
pub(crate) fn tick(progress: Progress<'_>, done: usize, total: usize) -> Result<(), ExperimentError> {
    if let Some(p) = progress {
        p(done, total);
    }
    if cancelled() { Err(ExperimentError::Cancelled) } else { Ok(()) }
}

/// [`tick`] for a progress closure handed to an inner experiment, which cannot return an
/// error: the inner experiment's own next [`tick`] sees the cancellation and stops.
pub(crate) fn report(progress: Progress<'_>, done: usize, total: usize) {
    if let Some(p) = progress {
        p(done, total);
    }
}

/// `n` values spaced evenly in log between `lo` and `hi` (both > 0), inclusive.
pub fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![lo],
        _ => {
            let (a, b) = (lo.ln(), hi.ln());
            (0..n).map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp()).collect()
        }
    }
}

/// Parameters and mesh of one run, recorded with every result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub params: EsmParams,
    /// Element size near the tip, in L.
    pub mesh_h_min_l: f64,
    pub mesh_nodes: usize,
    /// Nodes of the mesh the AC reads are solved on (with the surface and axis layers at the highest read
    /// frequency, see [`Reader`]).
    #[serde(default)]
    pub read_mesh_nodes: usize,
    /// L²/D, s: the time unit of t̂ = tD/L² (Eshghinejad et al. 2017, Methods).
    pub diffusion_time_s: f64,
}

impl RunInfo {
    /// With the read mesh at `frequency_hz` (the highest read frequency) of `mesh` ([`Reader`]).
    pub(crate) fn with_read_mesh(
        self,
        model: &TipModel,
        mesh: MeshOptions,
        frequency_hz: f64,
    ) -> Result<RunInfo, TipModelError> {
        let nodes = Reader::new(model.params(), mesh).read_nodes(model, frequency_hz)?;
        Ok(RunInfo { read_mesh_nodes: nodes, ..self })
    }

    pub(crate) fn of(model: &TipModel) -> RunInfo {
        RunInfo {
            params: model.params().clone(),
            mesh_h_min_l: model.options().h_min_l,
            mesh_nodes: model.mesh().n_nodes(),
            read_mesh_nodes: model.mesh().n_nodes(),
            diffusion_time_s: model.time_unit_s(),
        }
    }
}
