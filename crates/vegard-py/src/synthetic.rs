//! `vegard.synthetic`: the synthetic SEI-like force volumes of `vegard synth` (the library's
//! `products::synth::write_sei_volume`) from Python, to make test and benchmark volumes of
//! any size with known truth. Written with the GIL released.

use std::path::PathBuf;

use pyo3::prelude::*;
use vegard::nanomech::synthetic::{Acquisition, SeiSurface};
use vegard::products::synth::write_sei_volume as write_volume;

use crate::errors::{self, guard};

/// Write a synthetic SEI-like force volume of `pixels` × `pixels` curves (`points` samples
/// per segment, scan size `size_m` metres, random `seed`) to `path` as `.vgc`, exactly as
/// `vegard synth --out path --pixels .. --points .. --size .. --seed ..` does.
#[pyfunction]
#[pyo3(signature = (path, pixels=64, points=500, size_m=2e-6, seed=1))]
pub fn write_sei_volume(
    py: Python<'_>,
    path: PathBuf,
    pixels: usize,
    points: usize,
    size_m: f64,
    seed: u64,
) -> PyResult<()> {
    guard(|| {
        if pixels == 0 {
            return Err(errors::settings("pixels: got 0; give at least 1 pixel per side"));
        }
        if points < 2 {
            return Err(errors::settings(format!("points: got {points}; give at least 2 points per segment")));
        }
        if !(size_m.is_finite() && size_m > 0.0) {
            return Err(errors::settings(format!("size_m: got {size_m}; give a positive scan size in metres")));
        }
        py.detach(|| {
            let surface = SeiSurface::new(pixels, pixels, size_m, seed);
            let acq = Acquisition { points_per_segment: points, ..Acquisition::default() };
            write_volume(&path, &surface, &acq, &|_| {})
        })
        .map_err(|e| errors::output(format!("writing {}: {e}", path.display())))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(write_sei_volume, m)?)?;
    Ok(())
}
