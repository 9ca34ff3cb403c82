//! ESM mapping, Eshghinejad et al. 2017, Fig. 2(c–d): the amplitude map over a grain-boundary triple junction
//! whose boundaries carry a higher baseline concentration (the paper's space-charge picture), by
//! the linear-response resolution function of [`crate::sim::esm::mapping`] computed once from the
//! axisymmetric model and convolved with the c₀ image (its module doc states the method, its
//! verification against direct solves and its limits).

use serde::{Deserialize, Serialize};

use super::{ExperimentError, Progress, RunInfo, check_setting, read_options, tick};
use crate::data::Image;
use crate::data::esm::EsmMap;
use crate::sim::esm::mapping::{ResolutionFunction, triple_junction_c0};
use crate::sim::esm::params::EsmParams;
use crate::sim::esm::tip_model::{MeshOptions, TipModel};

/// Settings of the map (lengths SI; `None` = the default in units of the tip radius L).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MappingSettings {
    /// Pixels per side (issue 3: 200 × 200).
    pub n_px: usize,
    /// Side of the scanned square, m (None: 80 L, issue 3).
    pub size_m: Option<f64>,
    /// Baseline in the grains (None: the model's `baseline_concentration`, the reference c̄).
    pub grain_c0: Option<f64>,
    /// Baseline in the grain boundaries (Fig. 2c: higher than in the grains). Default 2 × grain.
    pub boundary_c0: Option<f64>,
    /// Full width of a boundary, m (None: 4 L; not given in the text).
    pub boundary_width_m: Option<f64>,
}

impl Default for MappingSettings {
    fn default() -> Self {
        MappingSettings { n_px: 200, size_m: None, grain_c0: None, boundary_c0: None, boundary_width_m: None }
    }
}

/// The map and the numbers read off it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingResult {
    pub map: EsmMap,
    /// The baseline image the map was computed from.
    pub c0: Image,
    pub grain_c0: f64,
    pub boundary_c0: f64,
    /// Mean amplitude over grain pixels and over boundary pixels, m.
    pub grain_amplitude_m: f64,
    pub boundary_amplitude_m: f64,
    /// Radius beyond which the resolution function vanishes, m.
    pub kernel_support_m: f64,
    pub info: RunInfo,
}

/// Compute the map (progress: 1 = resolution function computed, 2 = map done).
pub fn run(
    params: &EsmParams,
    mesh: MeshOptions,
    settings: &MappingSettings,
    progress: Progress<'_>,
) -> Result<MappingResult, ExperimentError> {
    let s = settings;
    let l = params.tip_radius_m;
    check_setting("n_px", s.n_px as f64, (2..=4096).contains(&s.n_px), "2 … 4096 pixels per side")?;
    let size_m = s.size_m.unwrap_or(80.0 * l);
    check_setting("size_m", size_m, size_m > 0.0, "> 0 m")?;
    let width_m = s.boundary_width_m.unwrap_or(4.0 * l);
    check_setting("boundary_width_m", width_m, width_m > 0.0, "> 0 m")?;
    let grain = s.grain_c0.unwrap_or(params.baseline_concentration);
    let boundary = s.boundary_c0.unwrap_or(2.0 * grain);
    for (name, c) in [("grain_c0", grain), ("boundary_c0", boundary)] {
        check_setting(name, c, c > 0.0 && c < 1.0, "a concentration in (0, 1)")?;
    }
    let model = TipModel::new(params, read_options(params, mesh, params.ac_frequency_hz)?)?;
    let g = ResolutionFunction::compute(&model, params.ac_frequency_hz)?;
    tick(progress, 1, 2)?;
    let n = s.n_px;
    let c0 = triple_junction_c0(n, size_m, grain, boundary, width_m);
    let pixel_m = size_m / n as f64;
    let map = g.map(&c0, n, n, pixel_m, params.ac_amplitude_v)?;
    tick(progress, 2, 2)?;
    let mean_where = |want: f64| {
        let v: Vec<f64> = c0.iter().zip(&map.amplitude.data).filter(|(c, _)| **c == want).map(|(_, a)| *a).collect();
        if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
    };
    let mut img = Image::new("Baseline concentration c₀", "", n, n);
    img.size_m = Some((size_m, size_m));
    for (i, &c) in c0.iter().enumerate() {
        img.set(i % n, i / n, c, true);
    }
    Ok(MappingResult {
        grain_amplitude_m: mean_where(grain),
        boundary_amplitude_m: mean_where(boundary),
        kernel_support_m: g.support_m(),
        c0: img,
        grain_c0: grain,
        boundary_c0: boundary,
        map,
        info: RunInfo::of(&model),
    })
}
