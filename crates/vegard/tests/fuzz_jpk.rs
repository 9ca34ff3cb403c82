//! Damaged JPK files must give `Ok` or `Err`, never a panic or a huge allocation.
//!
//! Two kinds of damage: (1) bytes of the archive itself (`common::mutations`: truncation,
//! bit flips, 0x00/0xFF runs) — the zip layer rejects most of these by CRC; (2) damage
//! *inside* the archive: one header or data entry is mutated (text mutations, absurd
//! values, deleted lines, truncated or padded `.dat` files) and the archive is rebuilt
//! with valid CRCs so that our own parser is what gets exercised.

mod common;

use std::io::{Cursor, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[global_allocator]
static ALLOC: common::CappedAlloc = common::CappedAlloc::new(512 << 20);

const FILES: [&str; 7] = [
    "forcecurves/fmt-jpk-fd_spot3-0192.jpk-force",
    "forcecurves/fmt-jpk-fd_map-data-reference-points.jpk-force-map",
    "forcecurves/fmt-jpk-fd_2020.02.07-16.29.05.036.jpk-qi-data",
    "formats/jpk/fmt-jpk-fd_map2x2_extracted.jpk-force-map",
    "formats/jpk/fmt-jpk-fd_qi-data-2021.04.13.jpk-qi-series",
    "formats/jpk/fmt-jpk-fd_spot3-0192.jpk-force",
    "formats/jpk/fmt-jpk-fd_2020.02.07-16.29.05.036.jpk-qi-data",
];

/// Byte-level mutations per file, and entry-level (rebuilt archive) mutations per file.
const BYTE_CASES: usize = 160;
const ENTRY_CASES: usize = 160;

/// Values written over a header value: empty, non-numbers, absurd sizes, wrong types.
const NASTY: [&str; 16] = [
    "",
    "NaN",
    "-1",
    "1e308",
    "18446744073709551615",
    "99999999999",
    "abc",
    "\\u12",
    "0",
    "Infinity",
    "signedlong",
    "float-data",
    "raster-data",
    "volts",
    "force",
    "3",
];

fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap_or_else(|e| panic!("test input not a zip: {e}"));
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        let name = f.name().unwrap_or_else(|e| panic!("{e}")).into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap_or_else(|e| panic!("{e}"));
        out.push((name, data));
    }
    out
}

fn rebuild(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        if name.ends_with('/') {
            w.add_directory(name.as_str(), opts).unwrap_or_else(|e| panic!("{e}"));
        } else {
            w.start_file(name.as_str(), opts).unwrap_or_else(|e| panic!("{e}"));
            w.write_all(data).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    w.finish().unwrap_or_else(|e| panic!("{e}")).into_inner()
}

/// Damage one entry of the archive (deterministically from `rng`).
fn mutate_entry(entries: &mut [(String, Vec<u8>)], rng: &mut common::XorShift) -> String {
    let candidates: Vec<usize> = (0..entries.len()).filter(|&i| !entries[i].0.ends_with('/')).collect();
    let props: Vec<usize> = candidates.iter().copied().filter(|&i| entries[i].0.ends_with(".properties")).collect();
    // header files are where the parser's decisions are: damage them 3 times in 4
    let pool = if rng.below(4) < 3 && !props.is_empty() { &props } else { &candidates };
    let i = pool[rng.below(pool.len())];
    let (name, data) = &mut entries[i];
    if name.ends_with(".properties") {
        match rng.below(3) {
            0 => {
                let seed = rng.next_u64();
                if let Some(m) = common::mutations(data, 4, seed).into_iter().nth(rng.below(4)) {
                    *data = m;
                }
            }
            1 => {
                // an absurd value on a random line
                let text = String::from_utf8_lossy(data).into_owned();
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                if !lines.is_empty() {
                    let j = rng.below(lines.len());
                    let key = lines[j].split('=').next().unwrap_or("").to_string();
                    lines[j] = format!("{key}={}", NASTY[rng.below(NASTY.len())]);
                }
                *data = lines.join("\n").into_bytes();
            }
            _ => {
                // a missing line
                let text = String::from_utf8_lossy(data).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    lines.remove(rng.below(lines.len()));
                }
                *data = lines.join("\n").into_bytes();
            }
        }
    } else {
        match rng.below(3) {
            0 => data.truncate(rng.below(data.len().max(1))),
            1 => data.extend(std::iter::repeat_n(0x7f, 1 + rng.below(3))),
            _ => data.clear(),
        }
    }
    name.clone()
}

/// Open and read every curve; Err is fine. Returns the number of curves read.
fn exercise(path: &Path) -> usize {
    let Ok(dataset) = vegard::io::open(path) else { return 0 };
    let Some(source) = dataset.into_curves() else { return 0 };
    let _ = source.info();
    let mut ok = 0;
    for i in 0..source.n_curves() {
        if let Ok(c) = source.curve(i) {
            // the invariant the rest of vegard relies on: equal channel lengths per segment
            for s in &c.segments {
                assert!(s.channels.iter().all(|ch| ch.data.len() == s.len()), "ragged segment '{}'", s.name);
            }
            ok += 1;
        }
    }
    ok
}

#[test]
fn damaged_jpk_files_never_panic() {
    let start = std::time::Instant::now();
    let dir = std::env::temp_dir().join(format!("vegard_fuzz_jpk_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut cases = 0;
    let mut panics: Vec<String> = Vec::new();
    // curves read successfully from entry-damaged archives: proves the damage reaches
    // our parser instead of being stopped at the zip layer
    let mut entry_curves_ok = 0;
    for (f, rel) in FILES.iter().enumerate() {
        let Some(src) = common::shared_data(rel) else { continue };
        let bytes = std::fs::read(&src).unwrap_or_else(|e| panic!("{e}"));
        let file_name = src.file_name().and_then(|n| n.to_str()).unwrap_or("x.jpk-force").to_string();
        let target: PathBuf = dir.join(&file_name);
        let mut run = |label: String, data: &[u8]| -> usize {
            std::fs::write(&target, data).unwrap_or_else(|e| panic!("{e}"));
            match catch_unwind(AssertUnwindSafe(|| exercise(&target))) {
                Ok(n) => n,
                Err(_) => {
                    panics.push(label);
                    0
                }
            }
        };
        // (1) the archive bytes
        for (m, data) in common::mutations(&bytes, BYTE_CASES, 0x5eed_0000 + f as u64).iter().enumerate() {
            let _ = run(format!("{rel}: byte mutation {m}"), data);
            cases += 1;
        }
        // (2) damaged entries in a valid archive
        let original = entries(&bytes);
        let mut rng = common::XorShift(0xfeed_0000 + f as u64);
        for m in 0..ENTRY_CASES {
            let mut e = original.clone();
            let mut touched = vec![mutate_entry(&mut e, &mut rng)];
            if m % 5 == 0 {
                touched.push(mutate_entry(&mut e, &mut rng));
            }
            entry_curves_ok += run(format!("{rel}: entry mutation {m} ({})", touched.join(", ")), &rebuild(&e));
            cases += 1;
        }
        // the undamaged rebuild must still read completely
        std::fs::write(&target, rebuild(&original)).unwrap_or_else(|e| panic!("{e}"));
        assert!(exercise(&target) > 0, "{rel}: rebuilt original unreadable");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let largest = ALLOC.largest.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "fuzz_jpk: {cases} damaged files in {:.1} s, {entry_curves_ok} curves read from damaged entries, \
         largest allocation {largest} bytes",
        start.elapsed().as_secs_f64(),
    );
    assert!(panics.is_empty(), "{} of {cases} damaged files panicked:\n{}", panics.len(), panics.join("\n"));
    if cases > 0 {
        assert!(cases >= 2000, "only {cases} cases");
        assert!(entry_curves_ok > 0, "no damaged-entry archive was read at all: the parser was not exercised");
    }
}
