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

/// One input that was analysed (or one block of its curves, see [`run_block`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputRun {
    pub path: PathBuf,
    /// Index of the first curve of `results` in the file: 0, unless this is a later block
    /// of a volume analysed in blocks ([`run_block`]).
    #[serde(default)]
    pub first_curve: usize,
    /// Made by [`run_block`]: a part of the file that [`BatchRun::merge`] joins to the part
    /// before it.
    #[serde(default)]
    pub block: bool,
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

/// Everything a batch gave, in input order. Serialisable (NaN kept), so that parts made
/// in other processes (Python pickling, Dask workers) come back unchanged and can be
/// [merged](BatchRun::merge).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchRun {
    pub runs: Vec<InputRun>,
    pub failures: Vec<InputFailure>,
    pub provenance: Provenance,
    /// The run was stopped before the end ([`Progress::cancelled`]); the results hold the
    /// curves done so far.
    #[serde(default)]
    pub cancelled: bool,
}

impl BatchRun {
    /// Curves over all analysed inputs.
    pub fn n_curves(&self) -> usize {
        self.runs.iter().map(|r| r.results.len()).sum()
    }
    pub fn n_valid(&self) -> usize {
        self.runs.iter().flat_map(|r| &r.results).filter(|c| c.is_valid()).count()
    }

    /// Join batches run separately (one per file, or one per block of a volume) into the
    /// batch one call over all of them gives: runs and error rows in the order of `parts`;
    /// a block that continues the previous run of the same file ([`run_block`]) is
    /// appended to it. The provenance is the first part's, with every input once.
    /// `None` when `parts` is empty.
    pub fn merge(parts: Vec<BatchRun>) -> Option<BatchRun> {
        let mut parts = parts.into_iter();
        let mut merged = parts.next()?;
        for part in parts {
            merged.cancelled |= part.cancelled;
            merged.failures.extend(part.failures);
            for run in part.runs {
                match merged.runs.last_mut() {
                    Some(last) if last.continues_with(&run) => last.append(run),
                    _ => merged.runs.push(run),
                }
            }
        }
        merged.provenance.inputs = merged.runs.iter().map(|r| r.input.clone()).collect();
        Some(merged)
    }
}

impl InputRun {
    /// Is `next` the block of curves that follows this run in the same file?
    fn continues_with(&self, next: &InputRun) -> bool {
        next.block && next.path == self.path && next.first_curve == self.first_curve + self.results.len()
    }

    /// Join the next block: its curves, and the file's hash if this part had none.
    fn append(&mut self, next: InputRun) {
        if self.input.sha256.is_empty() {
            self.input = next.input;
        }
        self.grid = self.grid.or(next.grid);
        self.results.extend(next.results);
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
    analyse_range(source, 0..source.n_curves(), file, setup, progress, &|| false)
}

/// [`analyse_source`] over the curves `range` (clipped to the source), stopping between
/// blocks of curves once `cancelled()` says so (the results then hold the curves done).
pub fn analyse_range(
    source: &dyn CurveSource,
    range: std::ops::Range<usize>,
    file: &str,
    setup: &Setup,
    progress: &(dyn Fn(usize) + Sync),
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Vec<CurveResult> {
    const BLOCK: usize = 512;
    let end = range.end.min(source.n_curves());
    let start = range.start.min(end);
    let mut out = Vec::with_capacity(end - start);
    for block_start in (start..end).step_by(BLOCK) {
        if cancelled() {
            break;
        }
        let block_end = (block_start + BLOCK).min(end);
        let block: Vec<CurveResult> = (block_start..block_end)
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
    /// Should the run stop (Ctrl-C in Python)? Asked between blocks of curves.
    fn cancelled(&self) -> bool {
        false
    }
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
    let analysed: Vec<Result<InputRun, InputFailure>> =
        paths.par_iter().map(|path| analyse_input(path, None, true, setup, progress)).collect();
    collect(analysed, setup, command, progress)
}

/// [`run`] on what the user named: files, folders and glob patterns ([`super::inputs::expand`]);
/// a name that gives no readable file is an error row, like a file that cannot be read.
/// The command line and the Python package both start here.
pub fn run_inputs(inputs: &[PathBuf], setup: &Setup, command: Option<String>, progress: &dyn Progress) -> BatchRun {
    let expanded = super::inputs::expand(inputs);
    let mut batch = run(&expanded.files, setup, command, progress);
    batch.failures.extend(expanded.problems.into_iter().map(|p| InputFailure { file: p.input, error: p.message }));
    batch
}

/// The job on curves already in memory (arrays a Python user holds, a simulation's output):
/// one input named `name`, its provenance hash taken over the curves' numbers (every
/// channel's f64 bytes in order, so the same arrays give the same hash).
pub fn run_curves(
    name: &str,
    curves: Vec<crate::data::ForceCurve>,
    setup: &Setup,
    command: Option<String>,
    progress: &dyn Progress,
) -> BatchRun {
    let mut bytes = Vec::new();
    for c in &curves {
        for seg in &c.segments {
            for ch in &seg.channels {
                bytes.extend(ch.data.iter().flat_map(|v| v.to_le_bytes()));
            }
        }
    }
    let input = InputRecord {
        path: name.to_string(),
        sha256: crate::provenance::hash_bytes(&bytes),
        bytes: bytes.len() as u64,
        format: "arrays".into(),
    };
    let source = io::CurveList::new("arrays", curves, None, crate::data::Metadata::default());
    progress.add_total(source.n_curves());
    let results =
        analyse_range(&source, 0..source.n_curves(), name, setup, &|d| progress.advance(d), &|| progress.cancelled());
    let run = InputRun {
        path: PathBuf::from(name),
        first_curve: 0,
        block: false,
        format: "arrays".into(),
        grid: None,
        results,
        input,
    };
    collect(vec![Ok(run)], setup, command, progress)
}

/// The job on one block of curves of one file: curves `range` (clipped to the file), as a
/// batch of one run that [`BatchRun::merge`] joins with the file's other blocks, in order.
/// The file is hashed for the provenance only when `hash` is set: once per volume, by one
/// block or by a block of no curves (`0..0`) of its own, which can run beside the others;
/// the merged run takes the hash from whichever part has it.
pub fn run_block(
    path: &Path,
    range: std::ops::Range<usize>,
    hash: bool,
    setup: &Setup,
    command: Option<String>,
    progress: &dyn Progress,
) -> BatchRun {
    let analysed = analyse_input(path, Some(range), hash, setup, progress);
    collect(vec![analysed], setup, command, progress)
}

/// The number of curves in a force-curve file (to plan blocks), or its error message.
pub fn count_curves(path: &Path) -> Result<usize, String> {
    open(path).map(|(_, source)| source.n_curves())
}

/// Open, analyse (all curves, or the block `range`) and hash (if `hash`) one input.
fn analyse_input(
    path: &Path,
    range: Option<std::ops::Range<usize>>,
    hash: bool,
    setup: &Setup,
    progress: &dyn Progress,
) -> Result<InputRun, InputFailure> {
    let file = path.display().to_string();
    if progress.cancelled() {
        return Err(InputFailure { file: file.clone(), error: format!("{file}: not analysed (cancelled)") });
    }
    let (format, source) = open(path).map_err(|error| InputFailure { file: file.clone(), error })?;
    let n = source.n_curves();
    let block = range.is_some();
    let range = range.unwrap_or(0..n);
    let first_curve = range.start.min(n);
    progress.add_total(range.end.min(n).saturating_sub(first_curve));
    let (results, hashed) = rayon::join(
        || analyse_range(source.as_ref(), range, &file, setup, &|d| progress.advance(d), &|| progress.cancelled()),
        || if hash { crate::provenance::hash_file(path).map(Some) } else { Ok(None) },
    );
    let (sha256, bytes) = match hashed {
        Ok(Some(h)) => h,
        Ok(None) => (String::new(), 0),
        Err(e) => return Err(InputFailure { file: file.clone(), error: format!("{file}: cannot hash: {e}") }),
    };
    let grid = source.info().grid;
    let input = InputRecord { path: file, sha256, bytes, format: format.clone() };
    Ok(InputRun { path: path.to_path_buf(), first_curve, block, format, grid, results, input })
}

/// The batch from its analysed inputs, in order.
fn collect(
    analysed: Vec<Result<InputRun, InputFailure>>,
    setup: &Setup,
    command: Option<String>,
    progress: &dyn Progress,
) -> BatchRun {
    let settings = serde_json::to_value(&setup.settings).unwrap_or(serde_json::Value::Null);
    let mut provenance = Provenance::new("nanomech", settings);
    provenance.command = command;
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
    BatchRun { runs, failures, provenance, cancelled: progress.cancelled() }
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
