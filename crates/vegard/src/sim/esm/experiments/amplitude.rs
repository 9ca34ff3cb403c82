//! Eshghinejad et al. 2017, Fig. 3: the ESM amplitude of the uniform equilibrium state (c = c₀ everywhere, no DC)
//! (a) versus the baseline concentration c₀ — linear except near saturation (Eq. 5: the Vegard
//! strain is proportional to the concentration change an AC field can drive, ∝ c₀(1 − c₀) in the
//! dilute limit) — and (b) versus the normalised diffusivity at a fixed AC frequency.
//!
//! **Normalised diffusivity.** The paper normalises time as t̂ = tD/L² (Methods). The time scale
//! of an AC read is 1/ω (ω = 2πf_ac), so the diffusivity seen by the read is
//! D̂ = D/(ωL²) = (ωL²/D)⁻¹: D̂ ≪ 1, the ions move a distance √(D/ω) ≪ L per cycle; D̂ ≫ 1, they
//! follow the AC field quasi-statically over the tip region. The sweep varies D at the fixed
//! frequency `params.ac_frequency_hz` (`D = D̂ ω L²`).

use serde::{Deserialize, Serialize};

use super::{
    ExperimentError, Progress, RunInfo, check_setting, log_space, read_amplitude_m, read_options, report, tick,
};
use crate::sim::esm::params::EsmParams;
use crate::sim::esm::tip_model::{MeshOptions, TipModel};

/// Settings of the Fig. 3 sweeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmplitudeSettings {
    /// Baseline concentrations c₀ of sweep (a), each in (0, 1).
    pub c0_values: Vec<f64>,
    /// The straight line of sweep (a) is fitted to the points with c₀ ≤ this (the "linear except
    /// at high concentration" part of Fig. 3a).
    pub linear_c0_max: f64,
    /// Normalised diffusivities D̂ = D/(ωL²) of sweep (b) (module doc).
    pub d_hat_values: Vec<f64>,
}

impl Default for AmplitudeSettings {
    fn default() -> Self {
        AmplitudeSettings {
            // 0.05 … 0.95 in steps of 0.1: the full range of Fig. 3(a).
            c0_values: (0..10).map(|i| 0.05 + 0.1 * f64::from(i)).collect(),
            linear_c0_max: 0.5,
            // Five decades around D̂ = 1, where the read turns from boundary-layer to quasi-static.
            d_hat_values: log_space(1e-3, 1e2, 11),
        }
    }
}

/// Least-squares line `amplitude = slope · c₀ + intercept`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearFit {
    pub slope_m: f64,
    pub intercept_m: f64,
    pub r_squared: f64,
    /// Points used.
    pub n_points: usize,
}

/// Least-squares line through `(x, y)`; None with fewer than two distinct x.
pub fn linear_fit(x: &[f64], y: &[f64]) -> Option<LinearFit> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    let (mx, my) = (x[..n].iter().sum::<f64>() / n as f64, y[..n].iter().sum::<f64>() / n as f64);
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        sxx += (x[i] - mx).powi(2);
        sxy += (x[i] - mx) * (y[i] - my);
        syy += (y[i] - my).powi(2);
    }
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let ssr: f64 = (0..n).map(|i| (y[i] - my - slope * (x[i] - mx)).powi(2)).sum();
    let r_squared = if syy > 0.0 { 1.0 - ssr / syy } else { 1.0 };
    Some(LinearFit { slope_m: slope, intercept_m: my - slope * mx, r_squared, n_points: n })
}

/// Fig. 3(a): amplitude versus uniform c₀.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcentrationSweep {
    pub c0: Vec<f64>,
    pub amplitude_m: Vec<f64>,
    /// AC frequency of the reads, Hz.
    pub frequency_hz: f64,
    /// Line through the points with c₀ ≤ `linear_c0_max`.
    pub linear: Option<LinearFit>,
    pub linear_c0_max: f64,
    /// Largest relative deviation of any point from that line, |A − A_line|/A_line.
    pub max_deviation_from_line: Option<f64>,
}

/// Fig. 3(b): amplitude versus normalised diffusivity D̂ = D/(ωL²) at a fixed frequency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffusivitySweep {
    pub d_hat: Vec<f64>,
    pub diffusivity_m2_per_s: Vec<f64>,
    pub amplitude_m: Vec<f64>,
    pub frequency_hz: f64,
    pub c0: f64,
}

/// Both sweeps of Fig. 3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmplitudeSweeps {
    pub concentration: ConcentrationSweep,
    pub diffusivity: DiffusivitySweep,
    pub info: RunInfo,
}

/// The amplitude read on the uniform equilibrium state of `params` (no DC bias).
fn equilibrium_amplitude_m(params: &EsmParams, mesh: MeshOptions) -> Result<f64, ExperimentError> {
    let model = TipModel::new(params, read_options(params, mesh, params.ac_frequency_hz)?)?;
    let state = model.equilibrium_state();
    Ok(read_amplitude_m(&model, &state, 0.0)?)
}

fn check_c0(values: &[f64]) -> Result<(), ExperimentError> {
    for &c in values {
        check_setting("c0_values", c, c > 0.0 && c < 1.0, "concentrations in (0, 1)")?;
    }
    Ok(())
}

/// Sweep (a): one model per c₀ (c₀ is the stress-free reference of the Vegard strain).
pub fn concentration_sweep(
    params: &EsmParams,
    mesh: MeshOptions,
    c0_values: &[f64],
    linear_c0_max: f64,
    progress: Progress<'_>,
) -> Result<ConcentrationSweep, ExperimentError> {
    check_c0(c0_values)?;
    let mut amplitude_m = Vec::with_capacity(c0_values.len());
    for (i, &c0) in c0_values.iter().enumerate() {
        let mut p = params.clone();
        p.baseline_concentration = c0;
        amplitude_m.push(equilibrium_amplitude_m(&p, mesh)?);
        tick(progress, i + 1, c0_values.len())?;
    }
    let (xs, ys): (Vec<f64>, Vec<f64>) =
        c0_values.iter().zip(&amplitude_m).filter(|(c, _)| **c <= linear_c0_max).map(|(c, a)| (*c, *a)).unzip();
    let linear = linear_fit(&xs, &ys);
    let max_deviation_from_line = linear.map(|l| {
        c0_values
            .iter()
            .zip(&amplitude_m)
            .map(|(c, a)| {
                let line = l.slope_m * c + l.intercept_m;
                ((a - line) / line).abs()
            })
            .fold(0.0, f64::max)
    });
    Ok(ConcentrationSweep {
        c0: c0_values.to_vec(),
        amplitude_m,
        frequency_hz: params.ac_frequency_hz,
        linear,
        linear_c0_max,
        max_deviation_from_line,
    })
}

/// Sweep (b): D = D̂ ωL² at the fixed frequency `params.ac_frequency_hz`.
pub fn diffusivity_sweep(
    params: &EsmParams,
    mesh: MeshOptions,
    d_hat_values: &[f64],
    progress: Progress<'_>,
) -> Result<DiffusivitySweep, ExperimentError> {
    for &d in d_hat_values {
        check_setting("d_hat_values", d, d > 0.0, "normalised diffusivities > 0")?;
    }
    let omega = 2.0 * std::f64::consts::PI * params.ac_frequency_hz;
    check_setting("ac_frequency_hz", params.ac_frequency_hz, params.ac_frequency_hz > 0.0, "> 0")?;
    let l2 = params.tip_radius_m * params.tip_radius_m;
    let diffusivity_m2_per_s: Vec<f64> = d_hat_values.iter().map(|d| d * omega * l2).collect();
    let mut amplitude_m = Vec::with_capacity(d_hat_values.len());
    for (i, &d) in diffusivity_m2_per_s.iter().enumerate() {
        let mut p = params.clone();
        p.diffusivity_m2_per_s = d;
        amplitude_m.push(equilibrium_amplitude_m(&p, mesh)?);
        tick(progress, i + 1, d_hat_values.len())?;
    }
    Ok(DiffusivitySweep {
        d_hat: d_hat_values.to_vec(),
        diffusivity_m2_per_s,
        amplitude_m,
        frequency_hz: params.ac_frequency_hz,
        c0: params.baseline_concentration,
    })
}

/// Both sweeps of Fig. 3 (progress counts the points of both).
pub fn run(
    params: &EsmParams,
    mesh: MeshOptions,
    settings: &AmplitudeSettings,
    progress: Progress<'_>,
) -> Result<AmplitudeSweeps, ExperimentError> {
    let (na, nb) = (settings.c0_values.len(), settings.d_hat_values.len());
    let total = na + nb;
    let pa = |d: usize, _: usize| report(progress, d, total);
    let concentration = concentration_sweep(params, mesh, &settings.c0_values, settings.linear_c0_max, Some(&pa))?;
    let pb = |d: usize, _: usize| report(progress, na + d, total);
    let diffusivity = diffusivity_sweep(params, mesh, &settings.d_hat_values, Some(&pb))?;
    let info = RunInfo::of(&TipModel::new(params, read_options(params, mesh, params.ac_frequency_hz)?)?);
    Ok(AmplitudeSweeps { concentration, diffusivity, info })
}
