//! Damaged text and `.vgc` files, and the analysis of whatever survives: errors or flagged
//! curves, never a panic, never a runaway allocation.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use vegard::data::ChannelKind;
use vegard::io::vegard_curves::VgcWriter;
use vegard::nanomech::synthetic::{Acquisition, SeiSurface};
use vegard::nanomech::{self as analysis, NanomechSettings, Setup};

#[global_allocator]
static ALLOC: common::CappedAlloc = common::CappedAlloc::new(512 << 20);

fn setups() -> Vec<Setup> {
    ["hertz-paraboloid", "dmt", "jkr", "sneddon-sphere"]
        .iter()
        .map(|m| {
            Setup::new(&NanomechSettings {
                tip_radius_m: Some(20e-9),
                poisson: Some(0.5),
                model: Some(m.to_string()),
                ..NanomechSettings::default()
            })
            .unwrap()
        })
        .collect()
}

/// Open a file and analyse every curve it yields with several models.
fn open_and_analyse(path: &std::path::Path, setups: &[Setup]) -> (usize, usize) {
    let (mut read, mut failed) = (0, 0);
    let Ok(src) = vegard::io::open_curves(path) else { return (0, 1) };
    for i in 0..src.n_curves().min(8) {
        match src.curve(i) {
            Ok(c) => {
                read += 1;
                for s in setups {
                    let _ = analysis::analyse_curve(c.clone(), "fuzz", s, true);
                }
            }
            Err(_) => failed += 1,
        }
    }
    (read, failed)
}

#[test]
fn damaged_vgc_and_csv_never_panic() {
    let dir = std::env::temp_dir().join(format!("vegard-fuzz-tv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A small force volume in our format, and one curve of it as CSV.
    let surface = SeiSurface::new(3, 2, 1e-6, 5);
    let acq = Acquisition { points_per_segment: 120, ..Acquisition::default() };
    let vgc = dir.join("orig.vgc");
    let chans = vec![
        (ChannelKind::MeasuredHeight, "height".to_string(), "m".to_string()),
        (ChannelKind::Force, "force".to_string(), "N".to_string()),
    ];
    let mut w = VgcWriter::create(&vgc, &chans, Some(surface.grid()), Default::default(), None).unwrap();
    for y in 0..2 {
        for x in 0..3 {
            w.push(&surface.curve(x, y, &acq)).unwrap();
        }
    }
    w.finish().unwrap();
    let csv = dir.join("orig.csv");
    let mut curve = surface.curve(1, 1, &acq);
    curve.calibration.sensitivity_m_per_v = Some(50e-9);
    std::fs::write(&csv, vegard::io::text::curve_csv(&curve)).unwrap();
    let setups = setups();
    let mut cases = 0;
    let (mut read, mut failed) = (0, 0);
    for (orig, ext, n, seed) in [(&vgc, "vgc", 1200, 11u64), (&csv, "csv", 800, 12u64)] {
        let bytes = std::fs::read(orig).unwrap();
        for (k, m) in common::mutations(&bytes, n, seed).into_iter().enumerate() {
            let p = dir.join(format!("m{k}.{ext}"));
            std::fs::write(&p, &m).unwrap();
            let outcome = catch_unwind(AssertUnwindSafe(|| open_and_analyse(&p, &setups)));
            match outcome {
                Ok((r, f)) => {
                    read += r;
                    failed += f;
                }
                Err(_) => panic!("mutation {k} of {} panicked (kept at {})", orig.display(), p.display()),
            }
            std::fs::remove_file(&p).ok();
            cases += 1;
        }
    }
    // Byte flips inside the float data leave the container intact: those curves are read
    // (with NaN, ±inf or 1e300 values) and go through the whole analysis.
    assert!(read > 500, "only {read} damaged curves were read: the analysis was not exercised");
    assert!(failed > 100, "only {failed} read failures: the readers were not exercised");
    eprintln!(
        "{cases} damaged files, {read} curves analysed, {failed} errors, largest allocation {} bytes",
        ALLOC.largest.load(std::sync::atomic::Ordering::Relaxed)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs of damaged samples (not single ones): the whole baseline head NaN (which once made
/// the no-contact check index an empty vector), a quarter of a segment infinite, the contact
/// region zeroed, a segment of one repeated value. Every case is an error-free flagged or
/// analysed curve, never a panic.
#[test]
fn damaged_runs_of_samples_are_flagged_not_panics() {
    let surface = SeiSurface::new(1, 1, 1e-6, 9);
    let base = surface.curve(0, 0, &Acquisition { points_per_segment: 400, ..Acquisition::default() });
    let setups = setups();
    let n = 400;
    let runs: [(usize, usize); 7] =
        [(0, n / 10), (0, n / 4), (0, n / 2), (n / 4, n / 2), (n - n / 4, n), (0, n), (n / 2, n / 2 + 3)];
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, 1e300] {
        for (seg, ch) in [
            (0, ChannelKind::Force),
            (1, ChannelKind::Force),
            (0, ChannelKind::MeasuredHeight),
            (1, ChannelKind::MeasuredHeight),
        ] {
            for &(a, b) in &runs {
                let mut c = base.clone();
                c.segments[seg].channel_mut(&ch).unwrap().data[a..b].iter_mut().for_each(|x| *x = v);
                for s in &setups {
                    let r = catch_unwind(AssertUnwindSafe(|| analysis::analyse_curve(c.clone(), "runs", s, true)));
                    assert!(
                        r.is_ok(),
                        "panic: {v} over {a}..{b} of segment {seg} {ch:?}, model {}",
                        s.model.spec().key
                    );
                    let (res, _) = r.unwrap();
                    let fitted = usize::from(s.segment == vegard::data::SegmentKind::Retract);
                    if v.is_nan() && ch == ChannelKind::Force && b - a == n && seg == fitted {
                        assert!(!res.is_valid(), "an all-NaN segment gave a valid modulus");
                    }
                }
            }
        }
    }
}

/// Curves made of extreme values go through every model without a panic.
#[test]
fn extreme_values_are_flagged() {
    let surface = SeiSurface::new(1, 1, 1e-6, 5);
    let base = surface.curve(0, 0, &Acquisition { points_per_segment: 100, ..Acquisition::default() });
    let setups = setups();
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300, 0.0, f64::MIN_POSITIVE, 5e-324] {
        for (seg, ch) in [(0, ChannelKind::Force), (1, ChannelKind::Force), (0, ChannelKind::MeasuredHeight)] {
            for at in [0, 1, 50, 99] {
                let mut c = base.clone();
                c.segments[seg].channel_mut(&ch).unwrap().data[at] = v;
                for s in &setups {
                    let _ = analysis::analyse_curve(c.clone(), "extreme", s, true);
                }
            }
        }
        let mut c = base.clone();
        c.calibration.spring_constant_n_per_m = Some(v);
        for s in &setups {
            let (r, _) = analysis::analyse_curve(c.clone(), "k", s, false);
            if !(v.is_finite() && v > 1e-300 && v < 1e300) {
                assert!(!r.is_valid() || v == 1e300, "k = {v} gave a valid modulus {}", r.modulus_pa);
            }
        }
    }
}
