//! The nanomechanics job over many inputs: open every file, analyse every curve in
//! parallel, hash the inputs for the provenance record. A file that cannot be opened (or
//! that holds no force curves) is an error row naming the file and what was wrong; the other
//! files complete. A curve that cannot be read is a flagged curve, not a failed file.
//!
//! Files are opened inside the parallel loop and closed as soon as their curves are
//! analysed, so a batch of thousands of files holds only a few open at a time (the system's
//! limit on open files is often 1024), and opening overlaps with analysing.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::data::GridShape;
use crate::io::{self, CurveSource};
use crate::nanomech::{CurveResult, Setup, Summary, analyse_curve};
use crate::provenance::{InputRecord, Provenance};

/// One input that was analysed.
pub struct InputRun {
    pub path: PathBuf,
    /// Format recipe key that read it.
    pub format: String,
    pub grid: Option<GridShape>,
    pub results: Vec<CurveResult>,
    /// SHA-256 and size, for the provenance.
    pub input: InputRecord,
}

impl InputRun {
    pub fn summary(&self) -> Summary {
        Summary::of(&self.results)
    }

    /// Open the input again (to read curves for figures).
    pub fn open_source(&self) -> Result<Box<dyn CurveSource>, crate::io::IoError> {
        io::open_curves(&self.path)
    }
}

/// One input that could not be analysed: an error row.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputFailure {
    pub file: String,
    pub error: String,
}

/// Everything a batch gave, in input order.
pub struct BatchRun {
    pub runs: Vec<InputRun>,
    pub failures: Vec<InputFailure>,
    pub provenance: Provenance,
}

impl BatchRun {
    /// Curves over all analysed inputs.
    pub fn n_curves(&self) -> usize {
        self.runs.iter().map(|r| r.results.len()).sum()
    }
    pub fn n_valid(&self) -> usize {
        self.runs.iter().flat_map(|r| &r.results).filter(|c| c.is_valid()).count()
    }
}

/// Analyse every curve of a source in parallel. Each curve is read, analysed and dropped
/// inside the worker, so memory holds only the results and one curve per thread, whatever
/// the map size. `progress` is called after every block of curves with the number just
/// finished (an increment, so several files can share one progress bar).
pub fn analyse_source(
    source: &dyn CurveSource,
    file: &str,
    setup: &Setup,
    progress: &(dyn Fn(usize) + Sync),
) -> Vec<CurveResult> {
    const BLOCK: usize = 512;
    let n = source.n_curves();
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let block: Vec<CurveResult> = (start..end)
            .into_par_iter()
            .map(|i| match source.curve(i) {
                Ok(c) => analyse_curve(c, file, setup, false).0,
                Err(_) => CurveResult::read_error(file, i, setup.model.spec().key),
            })
            .collect();
        progress(block.len());
        out.extend(block);
    }
    out
}

/// Open an input that must hold force curves: its format key and source, or the message
/// of its error row.
fn open(path: &Path) -> Result<(String, Box<dyn CurveSource>), String> {
    let recipe = io::detect(path).map_err(|e| e.to_string())?;
    let dataset = (recipe.open)(path).map_err(|e| e.to_string())?;
    let source = dataset
        .into_curves()
        .ok_or_else(|| format!("{}: holds images, no force curves ({} file)", path.display(), recipe.name))?;
    Ok((recipe.key.to_string(), source))
}

/// What a batch reports while it runs. The number of curves grows as inputs are opened.
pub trait Progress: Sync {
    /// An input was opened: `n` more curves to analyse.
    fn add_total(&self, n: usize);
    /// `n` more curves are done.
    fn advance(&self, n: usize);
}

/// No progress reporting.
pub struct Silent;
impl Progress for Silent {
    fn add_total(&self, _: usize) {}
    fn advance(&self, _: usize) {}
}

/// Run the job: open, analyse and hash the inputs in parallel (each file's curves in
/// parallel too); an input that cannot be opened is an error row. `command` is the
/// command line for the provenance, if any.
pub fn run(paths: &[PathBuf], setup: &Setup, command: Option<String>, progress: &dyn Progress) -> BatchRun {
    let settings = serde_json::to_value(&setup.settings).unwrap_or(serde_json::Value::Null);
    let mut provenance = Provenance::new("nanomech", settings);
    provenance.command = command;
    let analysed: Vec<Result<InputRun, InputFailure>> = paths
        .par_iter()
        .map(|path| {
            let file = path.display().to_string();
            let (format, source) = open(path).map_err(|error| InputFailure { file: file.clone(), error })?;
            progress.add_total(source.n_curves());
            let (results, hashed) = rayon::join(
                || analyse_source(source.as_ref(), &file, setup, &|d| progress.advance(d)),
                || crate::provenance::hash_file(path),
            );
            let (sha256, bytes) =
                hashed.map_err(|e| InputFailure { file: file.clone(), error: format!("{file}: cannot hash: {e}") })?;
            let grid = source.info().grid;
            let input = InputRecord { path: file, sha256, bytes, format: format.clone() };
            Ok(InputRun { path: path.clone(), format, grid, results, input })
        })
        .collect();
    let mut runs = Vec::new();
    let mut failures = Vec::new();
    for a in analysed {
        match a {
            Ok(run) => {
                provenance.inputs.push(run.input.clone());
                runs.push(run);
            }
            Err(f) => failures.push(f),
        }
    }
    BatchRun { runs, failures, provenance }
}

/// How a batch ended, for scripts (the CLI's exit status; documented in `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every input was analysed and at least one curve gave a valid modulus.
    Complete,
    /// Some inputs failed (error rows); the others were analysed.
    SomeInputsFailed,
    /// No input could be analysed.
    NoInputAnalysed,
    /// Every input was analysed but every curve is flagged.
    NoValidCurve,
}

impl Outcome {
    pub fn of(batch: &BatchRun) -> Outcome {
        if batch.runs.is_empty() {
            Outcome::NoInputAnalysed
        } else if !batch.failures.is_empty() {
            Outcome::SomeInputsFailed
        } else if batch.n_valid() == 0 {
            Outcome::NoValidCurve
        } else {
            Outcome::Complete
        }
    }
}
