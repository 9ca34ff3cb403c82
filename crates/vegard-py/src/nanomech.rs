//! `vegard.nanomech`: the CLI's `nanomech` job from Python. Settings are the library's
//! (`NanomechSettings::from_named`: the TOML keys, or their short names with units); the
//! batch, its JSON record, maps and products are the library's. A [`Batch`] pickles (its
//! serialised `BatchRun`, NaN kept) so Dask workers can return one, and [`Batch::merge`]
//! joins the parts in order.

use std::path::PathBuf;

use numpy::{PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use vegard::batch::nanomech::{self as job, BatchRun, Outcome};
use vegard::data::{Channel, ChannelKind, ForceCurve, Segment, SegmentKind};
use vegard::nanomech::{NanomechSettings, Setup, maps};
use vegard::products::nanomech::{ProductOptions, batch_summary, json_bytes, json_record};
use vegard::products::{OutputDir, PlotAxis, PlotCurves};

use crate::convert::to_json;
use crate::dataset::image_dict;
use crate::errors::{self, guard};
use crate::interrupt;

/// The resolved setup from keyword settings and an optional TOML config file.
fn setup_from(settings: Option<&Bound<'_, PyDict>>, config: Option<PathBuf>) -> PyResult<Setup> {
    let mut named = serde_json::Map::new();
    if let Some(d) = settings {
        for (k, v) in d.iter() {
            let key: String = k.extract().map_err(|_| errors::settings("setting names must be strings"))?;
            if let Some(j) = to_json(&key, &v)? {
                named.insert(key, j);
            }
        }
    }
    let text = match &config {
        Some(p) => Some(
            std::fs::read_to_string(p).map_err(|e| errors::settings(format!("reading config {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let source = config.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let s = NanomechSettings::from_named(text.as_deref().map(|t| (source.as_str(), t)), &named)
        .map_err(errors::settings)?;
    Setup::new(&s).map_err(errors::settings)
}

/// The setup a batch was made with, from its provenance (the resolved settings).
fn setup_of(batch: &BatchRun) -> PyResult<Setup> {
    let s: NanomechSettings = serde_json::from_value(batch.provenance.parameters.clone())
        .map_err(|e| errors::settings(format!("the batch's recorded settings do not load: {e}")))?;
    Setup::new(&s).map_err(errors::settings)
}

/// The results of a nanomechanics batch (one or many inputs).
#[pyclass(module = "vegard._vegard", name = "Batch", frozen)]
pub struct Batch {
    run: BatchRun,
    setup: Setup,
}

/// Analyse files, folders and glob patterns, as `vegard nanomech` does.
#[pyfunction]
#[pyo3(signature = (inputs, settings=None, config=None, progress=None, command=None))]
pub fn analyse(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    settings: Option<&Bound<'_, PyDict>>,
    config: Option<PathBuf>,
    progress: Option<&Bound<'_, PyAny>>,
    command: Option<String>,
) -> PyResult<Batch> {
    guard(|| {
        let setup = setup_from(settings, config)?;
        let s = setup.settings.clone();
        let run = interrupt::run(py, progress, move |ticker| {
            let setup = Setup::new(&s).expect("settings checked above");
            job::run_inputs(&inputs, &setup, command, ticker)
        })?;
        if run.cancelled {
            return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err("analysis cancelled"));
        }
        Ok(Batch { run, setup })
    })
}

/// Analyse force curves given as arrays: `segments` is a list of (kind, height m, force N),
/// each a 2-D float64 array of one row per curve (`kind`: approach, retract or pause). The
/// height is the z piezo position (larger = tip further from the sample); the spring
/// constant must come with the settings (`spring_constant`), as arrays carry no calibration.
#[pyfunction]
#[pyo3(signature = (segments, settings=None, config=None, name="arrays", progress=None, command=None))]
#[allow(clippy::too_many_arguments)]
pub fn analyse_arrays(
    py: Python<'_>,
    segments: Vec<(String, PyReadonlyArray2<'_, f64>, PyReadonlyArray2<'_, f64>)>,
    settings: Option<&Bound<'_, PyDict>>,
    config: Option<PathBuf>,
    name: &str,
    progress: Option<&Bound<'_, PyAny>>,
    command: Option<String>,
) -> PyResult<Batch> {
    guard(|| {
        let setup = setup_from(settings, config)?;
        let Some(k) = setup.settings.spring_constant_n_per_m else {
            return Err(errors::settings(
                "arrays carry no calibration: give the cantilever's spring constant (spring_constant, N/m, \
                 e.g. spring_constant=\"40mN/m\")",
            ));
        };
        let curves = curves_from_arrays(&segments, k)?;
        let s = setup.settings.clone();
        let name = name.to_string();
        let run = interrupt::run(py, progress, move |ticker| {
            let setup = Setup::new(&s).expect("settings checked above");
            job::run_curves(&name, curves, &setup, command, ticker)
        })?;
        if run.cancelled {
            return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err("analysis cancelled"));
        }
        Ok(Batch { run, setup })
    })
}

/// The curves of `segments` (checked: known kinds, equal shapes, finite samples).
fn curves_from_arrays(
    segments: &[(String, PyReadonlyArray2<'_, f64>, PyReadonlyArray2<'_, f64>)],
    spring_constant: f64,
) -> PyResult<Vec<ForceCurve>> {
    let data = |m: String| errors::error(errors::Kind::Data, m);
    if segments.is_empty() {
        return Err(data("no segments given".into()));
    }
    let n_curves = segments[0].1.as_array().nrows();
    let mut curves: Vec<ForceCurve> = (0..n_curves)
        .map(|i| {
            let mut c = ForceCurve::new(i);
            c.calibration.spring_constant_n_per_m = Some(spring_constant);
            c
        })
        .collect();
    for (kind_key, height, force) in segments {
        let kind = match kind_key.as_str() {
            "approach" => SegmentKind::Approach,
            "retract" => SegmentKind::Retract,
            "pause" => SegmentKind::Pause,
            other => return Err(data(format!("segment kind '{other}': expected approach, retract or pause"))),
        };
        let (h, f) = (height.as_array(), force.as_array());
        if h.shape() != f.shape() {
            return Err(data(format!(
                "{kind_key}: height has shape {:?} but force {:?}; they must match (one row per curve)",
                h.shape(),
                f.shape()
            )));
        }
        if h.nrows() != n_curves {
            return Err(data(format!("{kind_key}: {} curves, but the first segment has {n_curves}", h.nrows())));
        }
        if h.ncols() == 0 {
            return Err(data(format!("{kind_key}: no samples")));
        }
        for (what, a) in [("height", &h), ("force", &f)] {
            if let Some(((row, col), v)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
                let at = if n_curves == 1 { format!("[{col}]") } else { format!("[{row}, {col}]") };
                return Err(data(format!(
                    "{kind_key} {what}{at} is {v}: every sample must be a finite number (remove or interpolate missing samples)"
                )));
            }
        }
        for (i, c) in curves.iter_mut().enumerate() {
            let mut seg = Segment::new(kind, kind_key.as_str());
            seg.channels.push(Channel::new(ChannelKind::PiezoHeight, "height", "m", h.row(i).to_vec()));
            seg.channels.push(Channel::new(ChannelKind::Force, "force", "N", f.row(i).to_vec()));
            c.segments.push(seg);
        }
    }
    Ok(curves)
}

/// Analyse curves `start..stop` of one file: one block of a volume (see `Batch.merge`).
/// `hash`: hash the file for the provenance (default: when the block starts at curve 0);
/// `start == stop` with `hash=True` is a hashing part of its own.
#[pyfunction]
#[pyo3(signature = (path, start, stop, settings=None, config=None, command=None, hash=None))]
#[allow(clippy::too_many_arguments)]
pub fn analyse_block(
    py: Python<'_>,
    path: PathBuf,
    start: usize,
    stop: usize,
    settings: Option<&Bound<'_, PyDict>>,
    config: Option<PathBuf>,
    command: Option<String>,
    hash: Option<bool>,
) -> PyResult<Batch> {
    guard(|| {
        let setup = setup_from(settings, config)?;
        let s = setup.settings.clone();
        let hash = hash.unwrap_or(start == 0);
        let run = interrupt::run(py, None, move |ticker| {
            let setup = Setup::new(&s).expect("settings checked above");
            job::run_block(&path, start..stop, hash, &setup, command, ticker)
        })?;
        Ok(Batch { run, setup })
    })
}

/// The number of force curves in a file (to plan blocks).
#[pyfunction]
pub fn count_curves(py: Python<'_>, path: PathBuf) -> PyResult<usize> {
    guard(|| py.detach(move || job::count_curves(&path)).map_err(errors::format))
}

/// Expand files, folders and glob patterns as `analyse` does: (files, [(input, problem)]).
#[pyfunction]
pub fn expand_inputs(inputs: Vec<PathBuf>) -> (Vec<String>, Vec<(String, String)>) {
    let e = vegard::batch::inputs::expand(&inputs);
    (
        e.files.iter().map(|p| p.display().to_string()).collect(),
        e.problems.into_iter().map(|p| (p.input, p.message)).collect(),
    )
}

/// Check settings without running anything: the settings as used, (key, value) for people.
#[pyfunction]
#[pyo3(signature = (settings=None, config=None))]
pub fn check_settings(
    settings: Option<&Bound<'_, PyDict>>,
    config: Option<PathBuf>,
) -> PyResult<Vec<(String, String)>> {
    guard(|| Ok(setup_from(settings, config)?.describe()))
}

#[pymethods]
impl Batch {
    /// The CLI's JSON record (`--json`): provenance, settings_used, flag_meanings, summary,
    /// files, errors and one record per curve.
    fn json(&self, py: Python<'_>) -> PyResult<String> {
        guard(|| {
            py.detach(|| String::from_utf8(json_bytes(&json_record(&self.run, &self.setup, None))))
                .map_err(|e| errors::output(format!("the JSON record is not UTF-8: {e}")))
        })
    }
    /// Per-curve numbers over every input, in curve order, as float64 arrays (NaN where
    /// absent), plus `valid` (bool) and `file_index` (which input each curve came from).
    fn arrays<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| self.arrays_dict(py))
    }
    /// Maps of input `file` (a force volume): {key: image dict}; None if it has no grid.
    #[pyo3(signature = (file=0))]
    fn maps<'py>(&self, py: Python<'py>, file: usize) -> PyResult<Option<Bound<'py, PyDict>>> {
        guard(|| self.maps_dict(py, file))
    }
    /// The inputs analysed, in order.
    #[getter]
    fn files(&self) -> Vec<String> {
        self.run.runs.iter().map(|r| r.path.display().to_string()).collect()
    }
    /// Inputs that could not be analysed: [(input, message)].
    #[getter]
    fn errors(&self) -> Vec<(String, String)> {
        self.run.failures.iter().map(|f| (f.file.clone(), f.error.clone())).collect()
    }
    #[getter]
    fn n_curves(&self) -> usize {
        self.run.n_curves()
    }
    #[getter]
    fn n_valid(&self) -> usize {
        self.run.n_valid()
    }
    /// complete, some_inputs_failed, no_input_analysed or no_valid_curve (the CLI's exit status).
    #[getter]
    fn outcome(&self) -> &'static str {
        match Outcome::of(&self.run) {
            Outcome::Complete => "complete",
            Outcome::SomeInputsFailed => "some_inputs_failed",
            Outcome::NoInputAnalysed => "no_input_analysed",
            Outcome::NoValidCurve => "no_valid_curve",
        }
    }
    /// The summary line the CLI prints for the whole batch.
    fn summary_line(&self) -> String {
        batch_summary(&self.run).line()
    }
    /// The settings as used, (key, value) for people.
    fn settings_used(&self) -> Vec<(String, String)> {
        self.setup.describe()
    }
    /// Write the JSON record to `path` (atomically).
    fn write_json(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        guard(|| {
            py.detach(|| vegard::products::nanomech::write_json(&path, &self.run, &self.setup))
                .map_err(|e| errors::output(format!("writing {}: {e}", path.display())))
        })
    }
    /// Write every product the CLI's `--out` writes (report.html, results.csv/json,
    /// provenance.json, per-input maps as PNG and GSF, figures) into `out`. Returns the
    /// warnings (figures that could not be drawn).
    #[pyo3(signature = (out, force=false, plot_curves="gallery", plot_axis="tip-position"))]
    fn write_products(
        &self,
        py: Python<'_>,
        out: PathBuf,
        force: bool,
        plot_curves: &str,
        plot_axis: &str,
    ) -> PyResult<Vec<String>> {
        guard(|| {
            let plot_curves = PlotCurves::from_key(plot_curves).ok_or_else(|| {
                errors::settings(format!("plot_curves '{plot_curves}': expected none, gallery, flagged or all"))
            })?;
            let plot_axis = PlotAxis::from_key(plot_axis).ok_or_else(|| {
                errors::settings(format!("plot_axis '{plot_axis}': expected tip-position or indentation"))
            })?;
            let opts = ProductOptions { plot_curves, plot_axis };
            py.detach(|| {
                let dir = OutputDir::prepare(&out, force).map_err(errors::output)?;
                let warnings =
                    vegard::products::nanomech::write_products(&dir, "", &self.run, &self.setup, &opts, &|_, _| {})
                        .map_err(errors::output)?;
                dir.finish("nanomech").map_err(errors::output)?;
                Ok(warnings)
            })
        })
    }
    /// Write one map of input `file` as a Gwyddion `.gsf` (flagged pixels NaN).
    #[pyo3(signature = (path, map="modulus", file=0))]
    fn write_gsf(&self, py: Python<'_>, path: PathBuf, map: &str, file: usize) -> PyResult<()> {
        guard(|| {
            let run = self.run.runs.get(file).ok_or_else(|| {
                errors::settings(format!("input {file} out of range ({} analysed)", self.run.runs.len()))
            })?;
            let grid = run
                .grid
                .ok_or_else(|| errors::settings(format!("{} is not a force volume: no maps", run.path.display())))?;
            let m = maps(&run.results, &grid, self.setup.model.spec().key);
            let keys: Vec<&str> = m.all().iter().map(|(k, _)| *k).collect();
            let im = m.all().into_iter().find(|(k, _)| *k == map).map(|(_, im)| im.clone()).ok_or_else(|| {
                errors::settings(format!("map '{map}' is unknown; expected one of {}", keys.join(", ")))
            })?;
            py.detach(|| vegard::io::write_atomic(&path, &vegard::io::gsf::gsf_bytes(&im)))
                .map_err(|e| errors::output(format!("writing {}: {e}", path.display())))
        })
    }
    /// Join batches (per file or per block of a volume) in order: the batch one call over
    /// all of them gives.
    #[staticmethod]
    fn merge(parts: Vec<PyRef<'_, Batch>>) -> PyResult<Batch> {
        guard(|| {
            let Some(first) = parts.first() else { return Err(errors::settings("merge: no batches given")) };
            let setup = setup_of(&first.run)?;
            for p in &parts[1..] {
                if p.run.provenance.parameters != first.run.provenance.parameters {
                    return Err(errors::settings("merge: the batches were analysed with different settings"));
                }
            }
            let run = BatchRun::merge(parts.iter().map(|p| p.run.clone()).collect()).expect("parts is not empty");
            Ok(Batch { run, setup })
        })
    }
    /// Pickling: the batch in the library's compact binary form (`batch::transfer`: the
    /// numbers as raw f64 columns, every bit kept), so Dask moves blocks cheaply.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let run = &slf.get().run;
        let bytes = py.detach(|| vegard::batch::transfer::encode(run));
        let from_state = slf.get_type().getattr("_from_state")?;
        Ok((from_state, (PyBytes::new(py, &bytes),)))
    }
    #[staticmethod]
    fn _from_state(py: Python<'_>, state: &[u8]) -> PyResult<Batch> {
        guard(|| {
            let run = py
                .detach(|| vegard::batch::transfer::decode(state))
                .map_err(|e| errors::format(format!("not a pickled vegard batch: {e}")))?;
            let setup = setup_of(&run)?;
            Ok(Batch { run, setup })
        })
    }
    fn __len__(&self) -> usize {
        self.run.n_curves()
    }
    fn __repr__(&self) -> String {
        format!(
            "<vegard.nanomech batch: {} input{} ({} failed), {}>",
            self.run.runs.len(),
            if self.run.runs.len() == 1 { "" } else { "s" },
            self.run.failures.len(),
            batch_summary(&self.run).line()
        )
    }
}

impl Batch {
    fn arrays_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let all: Vec<&vegard::nanomech::CurveResult> = self.run.runs.iter().flat_map(|r| &r.results).collect();
        for (key, number) in vegard::nanomech::analysis::NUMBER_COLUMNS {
            let v: Vec<f64> = all.iter().map(|r| number(r)).collect();
            d.set_item(key, PyArray1::from_vec(py, v))?;
        }
        let valid: Vec<bool> = all.iter().map(|r| r.is_valid()).collect();
        d.set_item("valid", PyArray1::from_vec(py, valid))?;
        let file: Vec<i64> = self
            .run
            .runs
            .iter()
            .enumerate()
            .flat_map(|(i, r)| std::iter::repeat_n(i as i64, r.results.len()))
            .collect();
        d.set_item("file_index", PyArray1::from_vec(py, file))?;
        Ok(d)
    }

    fn maps_dict<'py>(&self, py: Python<'py>, file: usize) -> PyResult<Option<Bound<'py, PyDict>>> {
        let run = self.run.runs.get(file).ok_or_else(|| {
            pyo3::exceptions::PyIndexError::new_err(format!(
                "input {file} out of range ({} analysed)",
                self.run.runs.len()
            ))
        })?;
        let Some(grid) = run.grid else { return Ok(None) };
        let m = maps(&run.results, &grid, self.setup.model.spec().key);
        let d = PyDict::new(py);
        for (key, im) in m.all() {
            d.set_item(key, image_dict(py, im)?)?;
        }
        Ok(Some(d))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Batch>()?;
    m.add_function(wrap_pyfunction!(analyse, m)?)?;
    m.add_function(wrap_pyfunction!(analyse_block, m)?)?;
    m.add_function(wrap_pyfunction!(analyse_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(count_curves, m)?)?;
    m.add_function(wrap_pyfunction!(expand_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(check_settings, m)?)?;
    Ok(())
}
