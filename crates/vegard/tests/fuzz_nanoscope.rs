//! Damaged NanoScope files must give `Ok` or `Err`, never a panic or an allocation above
//! 512 MiB (the capped allocator turns one into an abort, which fails the test run).
//!
//! Per file: `common::mutations` (truncations, bit flips, 0x00/0xFF runs over the header,
//! flip + truncate) plus targeted edits of the keys that size allocations and reads
//! (`\Data offset`, `\Data length`, `\Samps/line`, `\Number of lines`, `\Bytes/pixel`,
//! `\Lines`, `\force/line`, `\Scan Size`, the `\@` Z scale) set to absurd, negative, NaN,
//! infinite, empty and overflowing values, a removed `\*File list end`, a header cut before
//! it, and a single ramp relabelled as a force volume. Every curve of every file that opens
//! is read.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use vegard::io::{self, Dataset};

#[global_allocator]
static ALLOC: common::CappedAlloc = common::CappedAlloc::new(512 << 20);

const FILES: [(&str, usize); 6] = [
    ("forcecurves/20200904_Egel4-Z1.0_00025.spm", 600),
    ("formats/bruker_nanoscope/BrukerReader_ForceCurve_Sapphire_TAP525.001", 600),
    ("formats/bruker_nanoscope/bruker_data_header.002", 300),
    ("formats/bruker_nanoscope/bruker_data_header.003", 300),
    ("formats/bruker_nanoscope/di-3.di", 100),
    ("formats/bruker_nanoscope/kpg20080408.007", 100),
];

const KEYS: [&str; 10] = [
    "\\Data offset:",
    "\\Data length:",
    "\\Samps/line:",
    "\\Number of lines:",
    "\\Bytes/pixel:",
    "\\Lines:",
    "\\force/line:",
    "\\Scan Size:",
    "\\@4:Z scale:",
    "\\@2:Z scale:",
];

const VALUES: [&str; 14] = [
    "99999999999999999999999",
    "18446744073709551615",
    "4294967296",
    "-1",
    "-80960",
    "NaN",
    "inf",
    "1e308",
    "0",
    "",
    "2.5",
    "1024 -1024",
    "V [Sens. Nope] (NaN V/LSB) inf V",
    "V [Sens. DeflSens] (1e308 V/LSB) -1e308 V",
];

/// Replace the value of the n-th (or every, if `nth` is None) line starting with `key`.
fn set_value(bytes: &[u8], key: &str, value: &str, nth: Option<usize>) -> Vec<u8> {
    let k = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut i = 0;
    let mut seen = 0;
    while i < bytes.len() {
        let at_line_start = i == 0 || bytes[i - 1] == b'\n';
        if at_line_start && bytes[i..].starts_with(k) {
            let end = bytes[i..].iter().position(|&b| b == b'\r' || b == b'\n').map_or(bytes.len(), |e| i + e);
            if nth.is_none_or(|n| n == seen) {
                out.extend_from_slice(k);
                out.push(b' ');
                out.extend_from_slice(value.as_bytes());
                i = end;
                seen += 1;
                continue;
            }
            seen += 1;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    match bytes.windows(from.len()).position(|w| w == from.as_bytes()) {
        Some(p) => [&bytes[..p], to.as_bytes(), &bytes[p + from.len()..]].concat(),
        None => bytes.to_vec(),
    }
}

fn targeted(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for key in KEYS {
        for value in VALUES {
            out.push((format!("{key} = {value:?} (all)"), set_value(bytes, key, value, None)));
            out.push((format!("{key} = {value:?} (first)"), set_value(bytes, key, value, Some(0))));
        }
    }
    out.push(("no end marker".into(), replace(bytes, "\\*File list end", "\\*File list gone")));
    if let Some(p) = bytes.windows(15).position(|w| w == b"\\*File list end") {
        out.push(("cut before end marker".into(), bytes[..p].to_vec()));
        out.push(("cut after end marker".into(), bytes[..(p + 17).min(bytes.len())].to_vec()));
    }
    out.push(("single ramp relabelled FVOL".into(), replace(bytes, "Start context: FOL", "Start context: FVOL")));
    out.push(("version 0xFFFFFFFF".into(), set_value(bytes, "\\Version:", "0xFFFFFFFF", None)));
    out.push(("version garbage".into(), set_value(bytes, "\\Version:", "0xZZ", None)));
    out.push(("empty file".into(), Vec::new()));
    out.push(("magic only".into(), b"\\*File list\r\n".to_vec()));
    out
}

/// Open and read everything; panics propagate to the caller's catch_unwind.
fn exercise(path: &Path) -> usize {
    match io::open(path) {
        Ok(Dataset::Curves(src)) => {
            let _ = src.info();
            let mut ok = 0;
            for i in 0..src.n_curves() {
                if src.curve(i).is_ok() {
                    ok += 1;
                }
            }
            let _ = src.curve(src.n_curves());
            ok
        }
        Ok(Dataset::Images { images, .. }) => images.len(),
        Err(e) => {
            assert!(!e.message.is_empty());
            0
        }
    }
}

#[test]
fn damaged_nanoscope_files_never_panic() {
    let dir = std::env::temp_dir().join(format!("vegard-fuzz-nanoscope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let start = std::time::Instant::now();
    let mut total = 0usize;
    let mut opened = 0usize;
    let mut failures = Vec::new();
    for (fi, (rel, n)) in FILES.iter().enumerate() {
        let Some(src) = common::shared_data(rel) else { continue };
        let bytes = std::fs::read(&src).unwrap();
        let ext = src.extension().and_then(|e| e.to_str()).unwrap_or("spm").to_string();
        let mut cases: Vec<(String, Vec<u8>)> = common::mutations(&bytes, *n, 0x9E37_79B9 + fi as u64)
            .into_iter()
            .enumerate()
            .map(|(i, b)| (format!("mutations #{i} (kind {})", i % 4), b))
            .collect();
        cases.extend(targeted(&bytes));
        for (what, case) in cases {
            let path = dir.join(format!("case.{ext}"));
            std::fs::write(&path, &case).unwrap();
            total += 1;
            match catch_unwind(AssertUnwindSafe(|| exercise(&path))) {
                Ok(k) if k > 0 => opened += 1,
                Ok(_) => {}
                Err(e) => {
                    let msg =
                        e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                    failures.push(format!("{rel}: {what}: panic {msg:?}"));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "fuzz_nanoscope: {total} cases, {opened} opened with data, largest allocation {} B, {:.1} s",
        ALLOC.largest.load(std::sync::atomic::Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{} panics:\n{}", failures.len(), failures.join("\n"));
    if common::shared_data(FILES[0].0).is_some() {
        assert!(total >= 2000, "only {total} cases");
    }
}
