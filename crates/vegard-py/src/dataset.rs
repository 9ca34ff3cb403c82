//! `vegard.open(path)`: any file the library's readers open, as a dataset whose curves come
//! out as float64 numpy arrays in SI units (one curve at a time, read when asked: a 512 × 512
//! force volume is never held whole).

use std::path::PathBuf;

use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use vegard::data::{Calibration, ForceCurve, Image, MetaValue, Metadata};
use vegard::io::{self, CurveSource, Dataset as IoDataset};

use crate::errors::{self, guard};

enum Content {
    Curves(Box<dyn CurveSource>),
    Images { images: Vec<Image>, metadata: Metadata },
}

/// A readable file: its force curves (or images), calibration and metadata.
#[pyclass(module = "vegard._vegard", name = "Dataset", frozen)]
pub struct Dataset {
    path: PathBuf,
    format: String,
    content: Content,
}

/// Open any file vegard reads (format from magic bytes, then extension).
#[pyfunction]
pub fn open(py: Python<'_>, path: PathBuf) -> PyResult<Dataset> {
    guard(|| {
        let p = path.clone();
        let opened = py.detach(move || {
            let recipe = io::detect(&p)?;
            Ok::<_, io::IoError>((recipe.key.to_string(), (recipe.open)(&p)?))
        });
        let (format, dataset) = opened.map_err(errors::format)?;
        let content = match dataset {
            IoDataset::Curves(source) => Content::Curves(source),
            IoDataset::Images { images, metadata, .. } => Content::Images { images, metadata },
        };
        Ok(Dataset { path, format, content })
    })
}

pub fn metadata_dict<'py>(py: Python<'py>, m: &Metadata) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
    let values = PyDict::new(py);
    let units = PyDict::new(py);
    for (k, v) in m.iter() {
        match v {
            MetaValue::Number { value, unit } => {
                values.set_item(k, *value)?;
                if let Some(u) = unit {
                    units.set_item(k, u)?;
                }
            }
            MetaValue::Text(t) => values.set_item(k, t)?,
        }
    }
    Ok((values, units))
}

fn calibration_dict<'py>(py: Python<'py>, c: &Calibration) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("spring_constant_n_per_m", c.spring_constant_n_per_m)?;
    d.set_item("sensitivity_m_per_v", c.sensitivity_m_per_v)?;
    Ok(d)
}

fn curve_dict<'py>(py: Python<'py>, c: ForceCurve) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("index", c.index)?;
    d.set_item("grid", c.grid.map(|g| (g.x, g.y)))?;
    d.set_item("position_m", c.position_m)?;
    d.set_item("calibration", calibration_dict(py, &c.calibration)?)?;
    let (meta, meta_units) = metadata_dict(py, &c.metadata)?;
    d.set_item("metadata", meta)?;
    d.set_item("metadata_units", meta_units)?;
    let segments = PyList::empty(py);
    for s in c.segments {
        let seg = PyDict::new(py);
        seg.set_item("kind", s.kind.key())?;
        seg.set_item("name", &s.name)?;
        seg.set_item("duration_s", s.duration_s)?;
        let channels = PyDict::new(py);
        let units = PyDict::new(py);
        let names = PyDict::new(py);
        for ch in s.channels {
            let key = ch.kind.key().to_string();
            units.set_item(&key, &ch.unit)?;
            names.set_item(&key, &ch.name)?;
            // The column moves into numpy without a copy.
            channels.set_item(&key, PyArray1::from_vec(py, ch.data))?;
        }
        seg.set_item("channels", channels)?;
        seg.set_item("units", units)?;
        seg.set_item("names", names)?;
        segments.append(seg)?;
    }
    d.set_item("segments", segments)?;
    Ok(d)
}

/// An image as a dict: 2-D data (rows = scan lines, NaN where invalid), unit, size.
pub fn image_dict<'py>(py: Python<'py>, im: &Image) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let data: Vec<f64> = im.data.iter().zip(&im.mask).map(|(v, ok)| if *ok { *v } else { f64::NAN }).collect();
    d.set_item("name", &im.name)?;
    d.set_item("unit", &im.unit)?;
    d.set_item("data", PyArray1::from_vec(py, data).reshape([im.ny, im.nx])?)?;
    d.set_item("size_m", im.size_m)?;
    let (x, y) = axes(im);
    d.set_item("x_m", x.map(|v| PyArray1::from_vec(py, v)))?;
    d.set_item("y_m", y.map(|v| PyArray1::from_vec(py, v)))?;
    Ok(d)
}

/// Pixel-centre coordinates, m, when the physical size is known.
fn axes(im: &Image) -> (Option<Vec<f64>>, Option<Vec<f64>>) {
    match im.size_m {
        Some((sx, sy)) => (
            Some((0..im.nx).map(|i| (i as f64 + 0.5) * sx / im.nx as f64).collect()),
            Some((0..im.ny).map(|j| (j as f64 + 0.5) * sy / im.ny as f64).collect()),
        ),
        None => (None, None),
    }
}

#[pymethods]
impl Dataset {
    /// The file's path as given.
    #[getter]
    fn path(&self) -> String {
        self.path.display().to_string()
    }
    /// The format recipe that read it (e.g. `jpk-force-map`).
    #[getter]
    fn format(&self) -> &str {
        &self.format
    }
    /// `"curves"` or `"images"`.
    #[getter]
    fn kind(&self) -> &str {
        match self.content {
            Content::Curves(_) => "curves",
            Content::Images { .. } => "images",
        }
    }
    /// Number of force curves (0 for images).
    #[getter]
    fn n_curves(&self) -> usize {
        match &self.content {
            Content::Curves(s) => s.n_curves(),
            Content::Images { .. } => 0,
        }
    }
    /// Grid of a force volume, (nx, ny), or None.
    #[getter]
    fn grid(&self) -> Option<(usize, usize)> {
        match &self.content {
            Content::Curves(s) => s.info().grid.map(|g| (g.nx, g.ny)),
            Content::Images { images, .. } => images.first().map(|i| (i.nx, i.ny)),
        }
    }
    /// Scan size (x, y), m, when the file gives it.
    #[getter]
    fn scan_size_m(&self) -> Option<(f64, f64)> {
        match &self.content {
            Content::Curves(s) => s.info().grid.and_then(|g| g.size_m),
            Content::Images { images, .. } => images.first().and_then(|i| i.size_m),
        }
    }
    /// Channels as (key, unit): of the first curve, or of the images.
    #[getter]
    fn channels(&self) -> Vec<(String, String)> {
        match &self.content {
            Content::Curves(s) => s.info().channels.iter().map(|(k, u)| (k.key().to_string(), u.clone())).collect(),
            Content::Images { images, .. } => images.iter().map(|i| (i.name.clone(), i.unit.clone())).collect(),
        }
    }
    /// Segment names of the first curve.
    #[getter]
    fn segments(&self) -> Vec<String> {
        match &self.content {
            Content::Curves(s) => s.info().segments,
            Content::Images { .. } => Vec::new(),
        }
    }
    /// Cantilever calibration of the first curve: spring_constant_n_per_m, sensitivity_m_per_v.
    #[getter]
    fn calibration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        match &self.content {
            Content::Curves(s) => calibration_dict(py, &s.info().calibration),
            Content::Images { .. } => calibration_dict(py, &Calibration::default()),
        }
    }
    /// The file's metadata, {key: number or text}; units in `metadata_units`.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        Ok(metadata_dict(py, &self.meta())?.0)
    }
    /// Units of the numeric metadata, {key: unit}.
    #[getter]
    fn metadata_units<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        Ok(metadata_dict(py, &self.meta())?.1)
    }
    /// Curve `index` as a dict: index, grid (x, y), position_m, calibration, metadata and
    /// segments (kind, name, duration_s, channels {key: float64 array, SI}, units, names).
    fn curve<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let Content::Curves(source) = &self.content else {
                return Err(errors::format(format!("{}: holds images, no force curves", self.path.display())));
            };
            let n = source.n_curves();
            let i = if index < 0 { index + n as isize } else { index };
            if i < 0 || i as usize >= n {
                return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                    "curve {index} is out of range: {} holds {n} curves",
                    self.path.display()
                )));
            }
            let curve = py.detach(|| source.curve(i as usize)).map_err(errors::format)?;
            curve_dict(py, curve)
        })
    }
    /// The images of an image file, each a dict (name, unit, data 2-D, size_m, x_m, y_m).
    fn images<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        match &self.content {
            Content::Images { images, .. } => images.iter().map(|i| image_dict(py, i)).collect(),
            Content::Curves(_) => Ok(Vec::new()),
        }
    }
    /// What `vegard info` prints for this file.
    fn describe(&self, py: Python<'_>) -> PyResult<String> {
        let p = self.path.clone();
        guard(|| py.detach(move || io::describe::describe_text(&p)).map_err(errors::format))
    }
    fn __len__(&self) -> usize {
        match &self.content {
            Content::Curves(s) => s.n_curves(),
            Content::Images { images, .. } => images.len(),
        }
    }
    fn __repr__(&self) -> String {
        match &self.content {
            Content::Curves(s) => {
                let info = s.info();
                let grid = info
                    .grid
                    .map(|g| {
                        let size =
                            g.size_m.map(|(x, y)| format!(" over {} × {}", fmt_len(x), fmt_len(y))).unwrap_or_default();
                        format!(" on a {} × {} grid{size}", g.nx, g.ny)
                    })
                    .unwrap_or_default();
                let channels: Vec<String> = info.channels.iter().map(|(k, u)| format!("{} [{}]", k.key(), u)).collect();
                let k =
                    info.calibration.spring_constant_n_per_m.map(|k| format!(", k = {k:.4} N/m")).unwrap_or_default();
                format!(
                    "<vegard.Dataset {} ({}): {} force curve{}{grid}; segments {}; channels {}{k}>",
                    self.path.display(),
                    self.format,
                    info.n_curves,
                    if info.n_curves == 1 { "" } else { "s" },
                    info.segments.join(", "),
                    channels.join(", "),
                )
            }
            Content::Images { images, .. } => {
                let names: Vec<String> = images.iter().map(|i| format!("{} [{}]", i.name, i.unit)).collect();
                format!(
                    "<vegard.Dataset {} ({}): {} image{}: {}>",
                    self.path.display(),
                    self.format,
                    images.len(),
                    if images.len() == 1 { "" } else { "s" },
                    names.join(", ")
                )
            }
        }
    }
}

impl Dataset {
    fn meta(&self) -> Metadata {
        match &self.content {
            Content::Curves(s) => s.info().metadata,
            Content::Images { metadata, .. } => metadata.clone(),
        }
    }
}

fn fmt_len(m: f64) -> String {
    vegard::units::format_si(m, "m", 3)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Dataset>()?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    Ok(())
}
