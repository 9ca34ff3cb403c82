//! `vegard.simulate.esm`: the CLI's `simulate esm` job (the library's `products::esm`) from
//! Python. The request is the CLI's: preset, experiment, mesh, model parameters (the
//! `[params]` keys, SI units) and the experiment's settings (the `[experiment]` keys), over
//! an optional TOML config; the result carries the same JSON document as `--json`.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use vegard::products::OutputDir;
use vegard::products::esm::{self, EsmJob, EsmOutcome, EsmRequest};
use vegard::provenance::Provenance;
use vegard::sim::esm::experiments::with_cancel;

use crate::convert::to_toml;
use crate::errors::{self, Kind, guard};
use crate::interrupt;

fn table(what: &str, d: Option<&Bound<'_, PyDict>>) -> PyResult<toml::Table> {
    let mut t = toml::Table::new();
    if let Some(d) = d {
        for (k, v) in d.iter() {
            let key: String = k.extract().map_err(|_| errors::settings(format!("{what}: names must be strings")))?;
            if let Some(value) = to_toml(&key, &v)? {
                t.insert(key, value);
            }
        }
    }
    Ok(t)
}

/// The config text: the file's (if any) with `params` and `settings` merged over its
/// `[params]` and `[experiment]`/`[settings]` tables.
fn config_text(config: Option<&PathBuf>, params: toml::Table, settings: toml::Table) -> PyResult<Option<String>> {
    let mut root = match config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| errors::settings(format!("reading config {}: {e}", p.display())))?;
            text.parse::<toml::Table>()
                .map_err(|e| errors::settings(format!("config {}: not valid TOML: {e}", p.display())))?
        }
        None => toml::Table::new(),
    };
    if !params.is_empty() {
        let entry = root.entry("params").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(t) = entry.as_table_mut() else {
            return Err(errors::settings("config `params`: expected a [params] table"));
        };
        t.extend(params);
    }
    if !settings.is_empty() {
        // The experiment's settings live in [experiment] (with `kind`) or [settings].
        let key = if root.get("experiment").is_some_and(toml::Value::is_table) { "experiment" } else { "settings" };
        let entry = root.entry(key).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(t) = entry.as_table_mut() else {
            return Err(errors::settings(format!("config `{key}`: expected a table")));
        };
        t.extend(settings);
    }
    if root.is_empty() {
        return Ok(None);
    }
    Ok(Some(toml::to_string(&root).map_err(|e| errors::settings(e.to_string()))?))
}

/// A finished virtual ESM experiment.
#[pyclass(module = "vegard._vegard", name = "EsmRun", frozen)]
pub struct EsmRun {
    job: EsmJob,
    outcome: EsmOutcome,
    provenance: Provenance,
}

/// Run a virtual ESM experiment (Eshghinejad et al. 2017) as `vegard simulate esm` does.
#[pyfunction]
#[pyo3(signature = (experiment, preset=None, mesh=None, params=None, settings=None, config=None, progress=None, command=None))]
#[allow(clippy::too_many_arguments)]
pub fn simulate_esm(
    py: Python<'_>,
    experiment: Option<String>,
    preset: Option<String>,
    mesh: Option<String>,
    params: Option<&Bound<'_, PyDict>>,
    settings: Option<&Bound<'_, PyDict>>,
    config: Option<PathBuf>,
    progress: Option<&Bound<'_, PyAny>>,
    command: Option<String>,
) -> PyResult<EsmRun> {
    guard(|| {
        let text = config_text(config.as_ref(), table("params", params)?, table("settings", settings)?)?;
        let name = config.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(keyword arguments)".into());
        let req = EsmRequest {
            preset: preset.as_deref(),
            experiment: experiment.as_deref(),
            mesh: mesh.as_deref(),
            set: &[],
            config: text.as_deref().map(|t| (name.as_str(), t)),
        };
        let job = esm::job(&req).map_err(errors::settings)?;
        let (job, outcome) = interrupt::run(py, progress, move |ticker| {
            let r = with_cancel(ticker.cancel_flag(), || esm::run(&job, &|done, total| ticker.set(done, total)));
            (job, r)
        })?;
        let outcome = outcome.map_err(|e| errors::error(Kind::Simulation, e.to_string()))?;
        let provenance = esm::provenance(&job, &outcome, command);
        Ok(EsmRun { job, outcome, provenance })
    })
}

#[pymethods]
impl EsmRun {
    /// The CLI's JSON document (`--json`): experiment, preset, mesh, params, settings,
    /// data (the shared ESM data model), summary, provenance.
    fn json(&self) -> String {
        String::from_utf8(esm::json_bytes(&self.job, &self.outcome, &self.provenance)).unwrap_or_default()
    }
    /// One line per result, as the CLI prints them.
    #[getter]
    fn lines(&self) -> Vec<String> {
        self.outcome.lines.clone()
    }
    #[getter]
    fn experiment(&self) -> &str {
        &self.job.experiment
    }
    /// Write the JSON document (atomically).
    fn write_json(&self, path: PathBuf) -> PyResult<()> {
        guard(|| {
            vegard::io::write_atomic(&path, &esm::json_bytes(&self.job, &self.outcome, &self.provenance))
                .map_err(|e| errors::output(format!("writing {}: {e}", path.display())))
        })
    }
    /// Write the data records as NSID HDF5 (pycroscopy's pyNSID layout).
    fn write_nsid(&self, path: PathBuf) -> PyResult<()> {
        guard(|| {
            let bytes = esm::nsid_bytes(&self.job, &self.outcome, &self.provenance).map_err(errors::output)?;
            vegard::io::write_atomic(&path, &bytes)
                .map_err(|e| errors::output(format!("writing {}: {e}", path.display())))
        })
    }
    /// Write the CLI's `--out` products: result.json, result.h5, figures, report.html.
    #[pyo3(signature = (out, force=false))]
    fn write_products(&self, out: PathBuf, force: bool) -> PyResult<()> {
        guard(|| {
            let dir = OutputDir::prepare(&out, force).map_err(errors::output)?;
            esm::write_products(&dir, &self.job, &self.outcome, &self.provenance).map_err(errors::output)?;
            dir.finish("simulate esm").map_err(errors::output)?;
            Ok(())
        })
    }
    fn __repr__(&self) -> String {
        format!(
            "<vegard.simulate ESM {} ({}): {} record{}; {}>",
            self.job.experiment,
            self.job.preset,
            self.outcome.data.len(),
            if self.outcome.data.len() == 1 { "" } else { "s" },
            self.outcome.lines.first().cloned().unwrap_or_default()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<EsmRun>()?;
    m.add_function(wrap_pyfunction!(simulate_esm, m)?)?;
    Ok(())
}
