//! A batch's results in a compact binary form, for moving them between processes (Python
//! pickling, Dask workers sending blocks of a force volume to the client).
//!
//! The JSON record is the product people read; between processes it is wasteful: a block
//! of 4096 curves is 3 MB of JSON whose numbers must be printed and parsed again (with
//! Dask, that work lands on the same cores as the analysis). Here the per-curve numbers
//! travel as little-endian f64 / u64 columns, exactly (NaN, signed zeros and every bit
//! kept), and only what is not a number (provenance, error rows, flags, extra parameters of
//! the curves that have them) as JSON.
//!
//! Layout: `VGBATCH1`, then length-prefixed (u64) parts: the JSON header (the batch with
//! every run's results emptied, plus per run its curve count, file and model names), then
//! per run: the f64 columns, the u64 columns and a JSON list of the curves' non-numeric
//! extras.

use super::nanomech::BatchRun;
use crate::nanomech::{CurveResult, Flag};

const MAGIC: &[u8; 8] = b"VGBATCH1";
/// u64 stand-in for `None` in optional integer columns.
const NONE: u64 = u64::MAX;

/// What a column of a curve's numbers holds.
type F64Field = fn(&CurveResult) -> f64;
type SetF64 = fn(&mut CurveResult, f64);

/// The f64 columns, in order.
const F64_COLUMNS: [(F64Field, SetF64); 17] = [
    (|r| r.modulus_pa, |r, v| r.modulus_pa = v),
    (|r| r.modulus_stderr_pa, |r, v| r.modulus_stderr_pa = v),
    (|r| r.contact_point_m, |r, v| r.contact_point_m = v),
    (|r| r.contact_height_m, |r, v| r.contact_height_m = v),
    (|r| r.max_indentation_m, |r, v| r.max_indentation_m = v),
    (|r| r.baseline_n, |r, v| r.baseline_n = v),
    (|r| r.r2, |r, v| r.r2 = v),
    (|r| r.adhesion_n, |r, v| r.adhesion_n = v),
    (|r| r.peak_force_n, |r, v| r.peak_force_n = v),
    (|r| r.deformation_m, |r, v| r.deformation_m = v),
    (|r| r.dissipation_j, |r, v| r.dissipation_j = v),
    (|r| r.fit_range_m[0], |r, v| r.fit_range_m[0] = v),
    (|r| r.fit_range_m[1], |r, v| r.fit_range_m[1] = v),
    (|r| r.fit_force_range_n[0], |r, v| r.fit_force_range_n[0] = v),
    (|r| r.fit_force_range_n[1], |r, v| r.fit_force_range_n[1] = v),
    (|r| r.spring_constant_n_per_m.unwrap_or(0.0), |r, v| r.spring_constant_n_per_m = Some(v)),
    (|r| r.sensitivity_m_per_v.unwrap_or(0.0), |r, v| r.sensitivity_m_per_v = Some(v)),
];

type U64Field = fn(&CurveResult) -> u64;
type SetU64 = fn(&mut CurveResult, u64);

fn opt(v: Option<usize>) -> u64 {
    v.map_or(NONE, |x| x as u64)
}
fn unopt(v: u64) -> Option<usize> {
    (v != NONE).then_some(v as usize)
}

/// The u64 columns, in order; the last holds which optional f64s are present (bit 0: spring
/// constant, bit 1: sensitivity).
const U64_COLUMNS: [(U64Field, SetU64); 6] = [
    (|r| r.index as u64, |r, v| r.index = v as usize),
    (|r| opt(r.grid_x), |r, v| r.grid_x = unopt(v)),
    (|r| opt(r.grid_y), |r, v| r.grid_y = unopt(v)),
    (|r| opt(r.contact_point_index), |r, v| r.contact_point_index = unopt(v)),
    (|r| r.n_fit_points as u64, |r, v| r.n_fit_points = v as usize),
    (
        |r| u64::from(r.spring_constant_n_per_m.is_some()) | (u64::from(r.sensitivity_m_per_v.is_some()) << 1),
        |r, v| {
            if v & 1 == 0 {
                r.spring_constant_n_per_m = None;
            }
            if v & 2 == 0 {
                r.sensitivity_m_per_v = None;
            }
        },
    ),
];

/// Per run in the header: curve count and the names every curve of the run shares (the
/// usual case); `None` where the curves differ, and then each curve carries its own.
#[derive(serde::Serialize, serde::Deserialize)]
struct RunHeader {
    n: usize,
    file: Option<String>,
    model: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    batch: BatchRun,
    runs: Vec<RunHeader>,
}

/// What a curve holds besides numbers, when it holds anything.
#[derive(serde::Serialize, serde::Deserialize)]
struct Extra {
    curve: usize,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    model: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default, deserialize_with = "crate::data::nan_json::named")]
    extra_params: Vec<(String, f64)>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    flags: Vec<Flag>,
}

fn shared(results: &[CurveResult], name: impl Fn(&CurveResult) -> &str) -> Option<&str> {
    let first = results.first().map(&name)?;
    results.iter().all(|r| name(r) == first).then_some(first)
}

fn put_part(out: &mut Vec<u8>, part: &[u8]) {
    out.extend_from_slice(&(part.len() as u64).to_le_bytes());
    out.extend_from_slice(part);
}

/// The batch as bytes ([`decode`] gives it back, equal in every bit).
pub fn encode(batch: &BatchRun) -> Vec<u8> {
    let mut skeleton = batch.clone();
    let mut runs = Vec::with_capacity(batch.runs.len());
    for (run, empty) in batch.runs.iter().zip(&mut skeleton.runs) {
        empty.results = Vec::new();
        runs.push(RunHeader {
            n: run.results.len(),
            file: shared(&run.results, |r| &r.file).map(str::to_string),
            model: shared(&run.results, |r| &r.model).map(str::to_string),
        });
    }
    let header = serde_json::to_vec(&Header { batch: skeleton, runs }).unwrap_or_default();
    let mut out =
        Vec::with_capacity(64 + header.len() + batch.n_curves() * 8 * (F64_COLUMNS.len() + U64_COLUMNS.len()));
    out.extend_from_slice(MAGIC);
    put_part(&mut out, &header);
    for run in &batch.runs {
        let mut columns = Vec::with_capacity(run.results.len() * 8 * (F64_COLUMNS.len() + U64_COLUMNS.len()));
        for (get, _) in F64_COLUMNS {
            for r in &run.results {
                columns.extend_from_slice(&get(r).to_bits().to_le_bytes());
            }
        }
        for (get, _) in U64_COLUMNS {
            for r in &run.results {
                columns.extend_from_slice(&get(r).to_le_bytes());
            }
        }
        put_part(&mut out, &columns);
        let share_file = shared(&run.results, |r| &r.file).is_some();
        let share_model = shared(&run.results, |r| &r.model).is_some();
        let extras: Vec<Extra> = run
            .results
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.flags.is_empty() || !r.extra_params.is_empty() || !share_file || !share_model)
            .map(|(i, r)| Extra {
                curve: i,
                file: (!share_file).then(|| r.file.clone()),
                model: (!share_model).then(|| r.model.clone()),
                extra_params: r.extra_params.clone(),
                flags: r.flags.clone(),
            })
            .collect();
        put_part(&mut out, &serde_json::to_vec(&extras).unwrap_or_default());
    }
    out
}

/// Reads what [`encode`] wrote; anything else is an error saying what was wrong.
pub fn decode(bytes: &[u8]) -> Result<BatchRun, String> {
    let mut rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or("not a vegard batch (no VGBATCH1 header)")?;
    let mut part = |what: &str| -> Result<&[u8], String> {
        let (len, tail) = rest.split_first_chunk::<8>().ok_or_else(|| format!("truncated before the {what}"))?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| format!("{what}: absurd length"))?;
        if len > tail.len() {
            return Err(format!("{what}: declares {len} bytes, {} left", tail.len()));
        }
        let (p, t) = tail.split_at(len);
        rest = t;
        Ok(p)
    };
    let header: Header = serde_json::from_slice(part("header")?).map_err(|e| format!("header: {e}"))?;
    let mut batch = header.batch;
    if header.runs.len() != batch.runs.len() {
        return Err("header: run count mismatch".into());
    }
    for (run, h) in batch.runs.iter_mut().zip(header.runs) {
        let columns = part("columns")?;
        let per_column = h.n.checked_mul(8).ok_or("columns: absurd curve count")?;
        let expected = per_column.checked_mul(F64_COLUMNS.len() + U64_COLUMNS.len());
        if expected != Some(columns.len()) {
            return Err(format!("columns: {} bytes for {} curves", columns.len(), h.n));
        }
        let word = |c: usize, i: usize| {
            let at = c * per_column + i * 8;
            let mut b = [0u8; 8];
            b.copy_from_slice(&columns[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let model = h.model.clone().unwrap_or_default();
        let file = h.file.clone().unwrap_or_default();
        let mut results: Vec<CurveResult> = (0..h.n).map(|i| CurveResult::read_error(&file, i, &model)).collect();
        for (i, r) in results.iter_mut().enumerate() {
            r.flags.clear();
            for (c, (_, set)) in F64_COLUMNS.iter().enumerate() {
                set(r, f64::from_bits(word(c, i)));
            }
            for (c, (_, set)) in U64_COLUMNS.iter().enumerate() {
                set(r, word(F64_COLUMNS.len() + c, i));
            }
        }
        let extras: Vec<Extra> = serde_json::from_slice(part("extras")?).map_err(|e| format!("extras: {e}"))?;
        for e in extras {
            let r = results.get_mut(e.curve).ok_or("extras: curve out of range")?;
            if let Some(f) = e.file {
                r.file = f;
            }
            if let Some(m) = e.model {
                r.model = m;
            }
            r.extra_params = e.extra_params;
            r.flags = e.flags;
        }
        run.results = results;
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes after the last run", rest.len()));
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::nanomech::{InputFailure, InputRun};
    use crate::provenance::{InputRecord, Provenance};

    fn curve(i: usize, file: &str) -> CurveResult {
        let mut r = CurveResult::read_error(file, i, "dmt");
        r.flags.clear();
        r.modulus_pa = 1.0e9 + i as f64;
        r.r2 = if i.is_multiple_of(3) { f64::NAN } else { 0.99 };
        r.contact_point_m = -0.0;
        r.grid_x = Some(i % 4);
        r.grid_y = if i == 2 { None } else { Some(i / 4) };
        r.contact_point_index = i.is_multiple_of(2).then_some(i * 7);
        r.spring_constant_n_per_m = (i != 1).then_some(40.0);
        r.sensitivity_m_per_v = (i == 3).then_some(f64::NAN);
        r.fit_range_m = [f64::INFINITY, -1e-300];
        r.n_fit_points = 100 + i;
        if i == 1 {
            r.flags = vec![Flag::PoorFit, Flag::BeyondValidity];
            r.extra_params = vec![("work_of_adhesion_j_per_m2".into(), f64::NAN)];
        }
        r
    }

    fn batch(mixed_files: bool) -> BatchRun {
        let input = InputRecord { path: "a.vgc".into(), sha256: "ab".into(), bytes: 3, format: "vgc".into() };
        let mut results: Vec<CurveResult> = (0..6).map(|i| curve(i, "a.vgc")).collect();
        if mixed_files {
            results[4].file = "other".into();
            results[5].model = "jkr".into();
        }
        let run = InputRun {
            path: "a.vgc".into(),
            first_curve: 4096,
            block: true,
            format: "vgc".into(),
            grid: None,
            results,
            input,
        };
        let empty = InputRun { results: Vec::new(), first_curve: 0, block: false, ..run.clone() };
        BatchRun {
            runs: vec![run, empty],
            failures: vec![InputFailure { file: "b".into(), error: "b: file is empty".into() }],
            provenance: Provenance::new("nanomech", serde_json::json!({"model": "dmt"})),
            cancelled: false,
        }
    }

    /// Bit-level equality (NaN == NaN, −0 ≠ +0), through the JSON form of the results
    /// with every f64 written as its bits.
    fn bits(b: &BatchRun) -> String {
        let mut s = format!("{:?}", b.provenance);
        for run in &b.runs {
            s += &format!("{:?}{}{}{}", run.path, run.first_curve, run.block, run.results.len());
            for r in &run.results {
                let f: Vec<u64> = F64_COLUMNS.iter().map(|(g, _)| g(r).to_bits()).collect();
                s += &format!(
                    "{f:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
                    r.file,
                    r.model,
                    r.index,
                    r.grid_x,
                    r.grid_y,
                    r.contact_point_index,
                    r.n_fit_points,
                    r.spring_constant_n_per_m.map(f64::to_bits),
                    r.sensitivity_m_per_v.map(f64::to_bits),
                    r.flags,
                    r.extra_params.iter().map(|(k, v)| (k.clone(), v.to_bits())).collect::<Vec<_>>()
                );
            }
        }
        s + &format!("{:?}{}", b.failures, b.cancelled)
    }

    #[test]
    fn round_trip_keeps_every_bit() {
        for mixed in [false, true] {
            let b = batch(mixed);
            let back = decode(&encode(&b)).unwrap();
            assert_eq!(bits(&back), bits(&b));
        }
    }

    #[test]
    fn smaller_than_json() {
        let mut b = batch(false);
        let one = b.runs[0].results[0].clone();
        b.runs[0].results = (0..4096).map(|i| CurveResult { index: i, ..one.clone() }).collect();
        let binary = encode(&b).len();
        let json = serde_json::to_vec(&b).unwrap().len();
        // (here 0.75 MB vs 2.0 MB; the gain that matters is not printing and parsing numbers)
        assert!(binary * 2 < json, "{binary} vs {json}");
    }

    #[test]
    fn damaged_bytes_are_errors() {
        let bytes = encode(&batch(true));
        assert!(decode(b"nonsense").is_err());
        for cut in [0, 8, 12, 40, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        let mut absurd = bytes.clone();
        absurd[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode(&absurd).is_err());
    }
}
