//! Frequency response (Hausen & Balke 2024, Fig. 1b): ESM amplitude and phase versus the dimensionless
//! frequency ω̂ = ωL²/D about a DC state. Below ω̂ ~ 1 the ions follow the AC field over the tip
//! region and the strain is quasi-static; above it only a layer √(D/ω) deep responds, the
//! amplitude falls and the phase lags. The cross-over is found with
//! [`crate::esm::loops::crossover_frequency`] (both criteria: 45° phase lag and 1/√2 amplitude),
//! exactly as on measured data.

use serde::{Deserialize, Serialize};

use super::{ExperimentError, Progress, Reader, RunInfo, check_setting, log_space, tick};
use crate::data::Metadata;
use crate::data::esm::{EsmSource, FrequencyResponse};
use crate::esm::loops::{Crossover, CrossoverCriterion, crossover_frequency};
use crate::sim::esm::params::EsmParams;
use crate::sim::esm::tip_model::{Integrator, MeshOptions, TipModel, Tolerance};

/// Settings of the frequency sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrequencySettings {
    /// Lowest dimensionless frequency ωL²/D.
    pub omega_hat_min: f64,
    /// Highest dimensionless frequency ωL²/D.
    pub omega_hat_max: f64,
    /// Points, log-spaced.
    pub points: usize,
    /// DC bias held during the sweep, V (0: about the uniform equilibrium state).
    pub dc_bias_v: f64,
}

impl Default for FrequencySettings {
    fn default() -> Self {
        // Five decades centred on ω̂ = 1 cover the plateau, the cross-over and the high-frequency
        // fall-off of Hausen & Balke 2024, Fig. 1b.
        FrequencySettings { omega_hat_min: 1e-3, omega_hat_max: 1e3, points: 25, dc_bias_v: 0.0 }
    }
}

/// The sweep in the shared data model plus its dimensionless abscissa and cross-overs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyResult {
    pub response: FrequencyResponse,
    /// ωL²/D of each row.
    pub omega_hat: Vec<f64>,
    /// Cross-over by 45° phase lag (None if not reached in the range; see `crossover_errors`).
    pub crossover_phase: Option<Crossover>,
    /// Cross-over by 1/√2 amplitude.
    pub crossover_half_power: Option<Crossover>,
    /// ω̂ of the phase cross-over.
    pub crossover_phase_omega_hat: Option<f64>,
    /// ω̂ of the half-power cross-over.
    pub crossover_half_power_omega_hat: Option<f64>,
    /// Why a cross-over is missing.
    pub crossover_errors: Vec<String>,
    pub info: RunInfo,
}

/// Sweep the AC frequency about the state reached after holding `dc_bias_v` (the uniform
/// equilibrium for 0 V; otherwise the state after 5 L²/D at that bias, close to its steady state).
pub fn run(
    params: &EsmParams,
    mesh: MeshOptions,
    settings: &FrequencySettings,
    progress: Progress<'_>,
) -> Result<FrequencyResult, ExperimentError> {
    let s = settings;
    check_setting("omega_hat_min", s.omega_hat_min, s.omega_hat_min > 0.0, "> 0")?;
    check_setting("omega_hat_max", s.omega_hat_max, s.omega_hat_max > s.omega_hat_min, "> omega_hat_min")?;
    check_setting("points", s.points as f64, s.points >= 2, "at least 2 points")?;
    check_setting("dc_bias_v", s.dc_bias_v, true, "a finite bias")?;
    let model = TipModel::new(params, mesh)?;
    let mut state = model.equilibrium_state();
    if s.dc_bias_v != 0.0 {
        let mut integrator = Integrator::new(&model, state, Tolerance::EXPERIMENTS)?;
        integrator.advance(s.dc_bias_v, 5.0 * model.time_unit_s())?;
        state = integrator.into_state();
    }
    let omega_hat = log_space(s.omega_hat_min, s.omega_hat_max, s.points);
    let t_unit = model.time_unit_s();
    let frequency_hz: Vec<f64> = omega_hat.iter().map(|w| w / (2.0 * std::f64::consts::PI * t_unit)).collect();
    let (mut amplitude_m, mut phase_deg) = (Vec::new(), Vec::new());
    let reader = Reader::new(params, mesh);
    for (i, &f) in frequency_hz.iter().enumerate() {
        let r = reader.read(&model, &state, s.dc_bias_v, f)?;
        amplitude_m.push(r.amplitude_m);
        phase_deg.push(r.phase_deg);
        tick(progress, i + 1, frequency_hz.len())?;
    }
    let f_max = frequency_hz.iter().fold(0.0, |a: f64, &b| a.max(b));
    let mut metadata = Metadata::default();
    metadata.set_number("diffusion_time", t_unit, Some("s"));
    metadata.set_text("material", params.material.clone());
    let response = FrequencyResponse {
        source: EsmSource::Simulation,
        frequency_hz,
        amplitude_m,
        phase_deg,
        dc_bias_v: Some(s.dc_bias_v),
        ac_amplitude_v: Some(params.ac_amplitude_v),
        metadata,
        provenance: None,
    };
    response.validate()?;
    let mut crossover_errors = Vec::new();
    let mut cross = |c: CrossoverCriterion| match crossover_frequency(&response, c) {
        Ok(x) => Some(x),
        Err(e) => {
            crossover_errors.push(e.to_string());
            None
        }
    };
    let crossover_phase = cross(CrossoverCriterion::PhaseLag45);
    let crossover_half_power = cross(CrossoverCriterion::HalfPower);
    let to_hat = |c: &Crossover| 2.0 * std::f64::consts::PI * c.frequency_hz * t_unit;
    Ok(FrequencyResult {
        omega_hat,
        crossover_phase_omega_hat: crossover_phase.as_ref().map(to_hat),
        crossover_half_power_omega_hat: crossover_half_power.as_ref().map(to_hat),
        crossover_phase,
        crossover_half_power,
        crossover_errors,
        info: RunInfo::of(&model).with_read_mesh(&model, mesh, f_max)?,
        response,
    })
}
