//! Damaged Igor binary waves: every outcome must be Ok or Err — never a panic, never an
//! allocation above the cap (the capped allocator aborts the test process if one happens).
//!
//! Each damaged copy goes through the strict path (`open_bytes`: checksum verified, then the
//! Asylum interpretation) and the lenient path (`parse_wave` without checksum verification,
//! then the interpretation), so header damage cannot hide behind the checksum. Targeted
//! mutations re-fix the checksum after writing absurd sizes, so they reach the size checks.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use vegard::io::ibw;

#[global_allocator]
static ALLOC: common::CappedAlloc = common::CappedAlloc::new(512 << 20);

const FILES: [&str; 10] = [
    "forcecurves/fmt-igor-fd_SiN_FD_plot.ibw",
    "formats/asylum_ibw/10x10-one_channel_without_name.ibw",
    "formats/asylum_ibw/AR_20211011.ibw",
    "formats/asylum_ibw/IgorIBWReader_ForceCurve.ibw",
    "formats/asylum_ibw/IgorIBWReader_P0089OP0027.ibw",
    "formats/asylum_ibw/spot_1-1000nm.ibw",
    "formats/asylum_ibw/igor2_tests/igor2_mac-version5.ibw",
    "formats/asylum_ibw/igor2_tests/igor2_win-textWave.ibw",
    "formats/asylum_ibw/igor2_tests/igor2_win-version2.ibw",
    "esm/DTMicroscope_DART_PFM_scan_0001.ibw",
];

/// Run every reader entry point on `bytes`; a panic is reported with `what`.
fn exercise(bytes: &[u8], what: &str, failures: &mut Vec<String>) {
    let path = Path::new("fuzz.ibw");
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _ = ibw::open_bytes(bytes, path);
        if let Ok(w) = ibw::parse_wave(bytes, path, ibw::ParseOptions { verify_checksum: false }) {
            let _ = ibw::asylum::interpret(&w, path);
        }
        let _ = (ibw::RECIPE.detect)(path, bytes.get(..4096).unwrap_or(bytes));
    }));
    if r.is_err() {
        failures.push(what.to_string());
    }
}

fn is_big_endian(bytes: &[u8]) -> bool {
    matches!(ibw::detect_version(bytes), Some((_, ibw::ByteOrder::Big)))
}

/// Write an int32 field in the file's byte order.
fn put_i32(b: &mut [u8], offset: usize, v: i32, big: bool) {
    let raw = if big { v.to_be_bytes() } else { v.to_le_bytes() };
    if let Some(dst) = b.get_mut(offset..offset + 4) {
        dst.copy_from_slice(&raw);
    }
}

/// Set the checksum field so the header sums to 0 again (TN003), if the version is known.
fn fix_checksum(b: &mut [u8]) {
    let Some((version, order)) = ibw::detect_version(b) else { return };
    let (field, len) = match version {
        1 => (6, 8 + 126),
        2 => (14, 16 + 126),
        3 => (18, 20 + 126),
        _ => (2, 384),
    };
    if b.len() < len {
        return;
    }
    b[field..field + 2].copy_from_slice(&[0, 0]);
    let sum = ibw::header_sum(b, order, len).unwrap_or(0);
    let fix = 0i16.wrapping_sub(sum);
    let raw = if order == ibw::ByteOrder::Big { fix.to_be_bytes() } else { fix.to_le_bytes() };
    b[field..field + 2].copy_from_slice(&raw);
}

/// (name, offset) of the int32 size fields of the file's version.
fn size_fields(version: u16) -> Vec<(&'static str, usize)> {
    match version {
        5 => vec![
            ("wfmSize", 4),
            ("formulaSize", 8),
            ("noteSize", 12),
            ("dataEUnitsSize", 16),
            ("dimEUnitsSize[0]", 20),
            ("dimEUnitsSize[3]", 32),
            ("dimLabelsSize[0]", 36),
            ("dimLabelsSize[1]", 40),
            ("dimLabelsSize[2]", 44),
            ("sIndicesSize", 52),
            ("npnts", 64 + 12),
            ("nDim[0]", 64 + 68),
            ("nDim[1]", 64 + 72),
            ("nDim[2]", 64 + 76),
            ("nDim[3]", 64 + 80),
        ],
        2 => vec![("wfmSize", 2), ("noteSize", 6), ("npnts", 16 + 42)],
        _ => vec![],
    }
}

/// Targeted damage: absurd sizes (with the checksum re-fixed), bad versions, the wrong
/// byte order, bad type codes (all 256 for small files, every 15th for the MB-sized images:
/// the code paths are the same and the test stays well under 30 s).
fn targeted(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let big = is_big_endian(bytes);
    let version = ibw::detect_version(bytes).map_or(0, |v| v.0);
    let absurd = [i32::MAX, i32::MIN, -1, 0, 1, 0x4000_0000, 0x0100_0000, 31, 33, 65535];
    for (name, off) in size_fields(version) {
        for v in absurd {
            let mut b = bytes.to_vec();
            put_i32(&mut b, off, v, big);
            fix_checksum(&mut b);
            out.push((format!("{name} = {v}"), b));
        }
    }
    // npnts and nDim consistent with each other but far beyond the data.
    if version == 5 {
        for v in [0x2000_0000, i32::MAX, 3] {
            let mut b = bytes.to_vec();
            put_i32(&mut b, 64 + 12, v, big);
            put_i32(&mut b, 64 + 68, v, big);
            for d in 1..4 {
                put_i32(&mut b, 64 + 68 + 4 * d, 0, big);
            }
            fix_checksum(&mut b);
            out.push((format!("npnts = nDim[0] = {v}, other dims 0"), b));
        }
        // nDim product overflowing usize.
        let mut b = bytes.to_vec();
        for d in 0..4 {
            put_i32(&mut b, 64 + 68 + 4 * d, i32::MAX, big);
        }
        fix_checksum(&mut b);
        out.push(("all nDim = i32::MAX".into(), b));
    }
    // Every wave type code 0..=0xFF.
    let type_off = if version == 5 { 64 + 16 } else { ibw::BinHeader::size_of(version) };
    let step = if bytes.len() > 500_000 { 15 } else { 1 };
    for t in (0..=0xFFu8).step_by(step) {
        let mut b = bytes.to_vec();
        if let Some(dst) = b.get_mut(type_off..type_off + 2) {
            dst.copy_from_slice(&if big { [0, t] } else { [t, 0] });
        }
        fix_checksum(&mut b);
        out.push((format!("type = {t:#x}"), b));
    }
    // Bad versions and the other byte order.
    for v in [0u16, 4, 6, 0x0500, 0x0005, 0xFFFF, 1, 2, 3, 5] {
        let mut b = bytes.to_vec();
        if b.len() >= 2 {
            let raw = if big { v.to_be_bytes() } else { v.to_le_bytes() };
            b[..2].copy_from_slice(&raw);
        }
        fix_checksum(&mut b);
        out.push((format!("version = {v:#x}"), b));
    }
    let mut b = bytes.to_vec();
    b.swap(0, 1);
    out.push(("version bytes swapped (wrong byte order)".into(), b));
    // Whole header byte-swapped pairwise: every int16 in the other byte order.
    let mut b = bytes.to_vec();
    for c in b[..bytes.len().min(384) & !1].chunks_exact_mut(2) {
        c.swap(0, 1);
    }
    out.push(("header int16s byte-swapped".into(), b));
    // Truncations at every section boundary region.
    for cut in [0, 1, 2, 7, 63, 64, 100, 383, 384, 385] {
        if cut < bytes.len() {
            out.push((format!("truncated to {cut} bytes"), bytes[..cut].to_vec()));
        }
    }
    out
}

#[test]
fn damaged_ibw_files_never_panic() {
    let start = Instant::now();
    let mut failures = Vec::new();
    let mut total = 0usize;
    for (k, rel) in FILES.iter().enumerate() {
        let Some(p) = common::shared_data(rel) else { return };
        let bytes = std::fs::read(&p).unwrap();
        // Fewer random copies of the MB-sized images keep the test fast; every file gets all
        // targeted mutations.
        let n_random = if bytes.len() > 500_000 { 60 } else { 500 };
        for (i, b) in common::mutations(&bytes, n_random, 0x1b3 + k as u64).iter().enumerate() {
            exercise(b, &format!("{rel}: random mutation #{i} (len {})", b.len()), &mut failures);
            total += 1;
        }
        for (what, b) in targeted(&bytes) {
            exercise(&b, &format!("{rel}: {what}"), &mut failures);
            total += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "fuzz_ibw: {total} damaged copies in {secs:.1} s, largest allocation {} bytes",
        ALLOC.largest.load(std::sync::atomic::Ordering::Relaxed)
    );
    assert!(failures.is_empty(), "{} panics:\n{}", failures.len(), failures.join("\n"));
    assert!(total >= 2000, "only {total} damaged copies");
}
