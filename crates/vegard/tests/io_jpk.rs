//! JPK reader against the reference values of `../shared/data/forcecurves/README.txt` and
//! `../shared/data/formats/jpk/*.README.txt`.
//!
//! Tolerances: values the READMEs give with all 16–17 significant digits come from the
//! same operations in the same order (afmformats: `raw·m + o`, then each conversion link
//! `m·x + o`), so they are compared EXACTLY (`assert_eq!` on f64). Values given with fewer
//! digits (e.g. "time 0.05 s") are compared to the digits given, as stated at each check.

// README values are quoted verbatim, with their 17 significant digits.
#![allow(clippy::excessive_precision)]

mod common;

use std::path::PathBuf;

use vegard::data::{ChannelKind, ForceCurve, GridIndex, SegmentKind};
use vegard::io::CurveSource;
use vegard::io::jpk::JpkSource;

fn open(rel: &str) -> Option<(PathBuf, Box<dyn CurveSource>)> {
    let path = common::shared_data(rel)?;
    let source = vegard::io::open_curves(&path).unwrap_or_else(|e| panic!("{e}"));
    Some((path, source))
}

fn curve(source: &dyn CurveSource, i: usize) -> ForceCurve {
    source.curve(i).unwrap_or_else(|e| panic!("curve {i}: {e}"))
}

fn col(c: &ForceCurve, kind: ChannelKind) -> Vec<f64> {
    c.concat(&kind).unwrap_or_else(|| panic!("curve {} has no {kind:?} in every segment", c.index))
}

const SPOT3: [&str; 2] = ["forcecurves/fmt-jpk-fd_spot3-0192.jpk-force", "formats/jpk/fmt-jpk-fd_spot3-0192.jpk-force"];

#[test]
fn spot3_single_curve_afmformats_values() {
    for rel in SPOT3 {
        let Some((path, source)) = open(rel) else { continue };
        assert_eq!(source.n_curves(), 1, "1 curve");
        let info = source.info();
        assert_eq!(info.format, "jpk");
        assert_eq!(info.grid, None, "a single curve has no grid");
        let c = curve(source.as_ref(), 0);
        // [TEST afmformats test_afm_data.py] 4000 points, 2000 approach + 2000 retract
        assert_eq!(c.segments.len(), 2);
        assert_eq!(c.segments[0].kind, SegmentKind::Approach);
        assert_eq!(c.segments[0].name, "extend-spm");
        assert_eq!(c.segments[1].kind, SegmentKind::Retract);
        assert_eq!(c.segments[0].len(), 2000);
        assert_eq!(c.segments[1].len(), 2000);
        assert_eq!(c.len(), 4000);
        // [TEST afmformats test_fmt_jpk_single.py]
        let k = c.calibration.spring_constant_n_per_m;
        assert_eq!(k, Some(0.043493666407368466), "spring constant");
        // [RUN] InvOLS
        assert_eq!(c.calibration.sensitivity_m_per_v, Some(7.000143623002982e-08), "sensitivity");
        let force = col(&c, ChannelKind::Force);
        assert_eq!(force[0], -5.145579192349918e-10, "force[0]");
        assert_eq!(c.segments[0].channel(&ChannelKind::Force).map(|ch| ch.unit.as_str()), Some("N"));
        let piezo = col(&c, ChannelKind::PiezoHeight);
        assert_eq!(piezo[0], 2.8783223430683289e-05, "height (piezo, calibrated)[0]");
        let measured = col(&c, ChannelKind::MeasuredHeight);
        assert_eq!(measured[0], 2.2815672438768612e-05, "strainGaugeHeight (nominal)[0]");
        assert_eq!(
            c.segments[0].channel(&ChannelKind::MeasuredHeight).map(|ch| ch.name.as_str()),
            Some("strainGaugeHeight")
        );
        // [C] retract last force
        assert_eq!(force[3999], -6.039935163237882e-10, "retract last force");
        // deflection = force / k at the distance slot: volts·InvOLS
        let defl = col(&c, ChannelKind::Deflection);
        assert_eq!(c.segments[0].channel(&ChannelKind::Deflection).map(|ch| ch.unit.as_str()), Some("m"));
        common::assert_rel("deflection[0]·k vs force[0]", defl[0] * 0.043493666407368466, force[0], 1e-15);

        // other slots through the public slot accessor
        let jpk = JpkSource::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let (nominal, unit) = jpk.channel_slot(0, 0, "height", Some("nominal")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(unit, "m");
        assert_eq!(nominal[0], 4.9574279773415606e-05, "height (piezo, nominal)[0]");
        let (volts, unit) = jpk.channel_slot(0, 0, "height", Some("volts")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(unit, "V");
        assert_eq!(volts[0], 50.425720226584403, "raw height (encoder scaling only)[0]");

        // [TEST nanite test_indent.py::test_export] index 100 and segment column
        assert_eq!(force[100], -4.853736717639109e-10, "force[100]");
        assert_eq!(measured[100], 2.256791903750211e-05, "height (measured)[100]");
        let time = col(&c, ChannelKind::Time);
        // README gives "0.05 s"; nanite's test asserts 0.04999999999999999, which is
        // afmformats' linspace(0, 0.9999999999999998, 2000, endpoint=False)[100].
        assert_eq!(time[100], 0.04999999999999999, "time[100]");
        assert_eq!(time[0], 0.0);
        // retract time continues from the approach duration (accumulated as afmformats)
        assert_eq!(time[2000], 0.9999999999999998, "time at the start of the retract");
        let seg = c.segment_column();
        assert_eq!(seg[100], 0);
        assert_eq!(seg[3000], 1, "segment[3000] == 1 (retract)");
        // [TEST nanite test_indent.py] tip position = height(measured) + F/k, exact
        let k = k.unwrap_or(f64::NAN);
        assert_eq!(measured[0] + force[0] / k, 2.2803841798545836e-05, "tip position[0]");
        // index 100 went through nanite's 16-digit text export (compared there with atol
        // 1e-10); our sum 2.2556759397217525e-05 rounds to the given 16 digits, so the check
        // is "within one unit of the 16th digit" (1e-20 m).
        let tip100 = measured[100] + force[100] / k;
        assert!((tip100 - 2.255675939721752e-05).abs() <= 1e-20, "tip position[100] = {tip100:e}");

        // metadata
        let md = &c.metadata;
        assert_eq!(md.text("instrument"), Some("A0042-CellHesion"));
        assert_eq!(md.text("software_version"), Some("4.0.43"));
        assert_eq!(md.text("date"), Some("2016-03-31"));
        assert_eq!(md.text("time"), Some("17:51:14.543"));
        assert_eq!(md.number("duration"), Some(0.9999999999999998 * 2.0));
        assert_eq!(md.number("jpk:setpoint"), Some(1.3137932359860578));
        // afmformats: setpoint [N] = setpoint [V] · k · InvOLS
        assert_eq!(md.number("setpoint"), Some(1.3137932359860578 * 0.043493666407368466 * 7.000143623002982e-08));
        assert_eq!(c.position_m, Some((-1.6666666666666667e-5, -1.6666666666666667e-5)));
    }
}

#[test]
fn reference_points_force_map() {
    let Some((_, source)) = open("forcecurves/fmt-jpk-fd_map-data-reference-points.jpk-force-map") else { return };
    // [RUN] grid 25x25; 3 curves at (9,4), (20,5), (16,16); k, InvOLS; 14000 points each
    let info = source.info();
    let grid = info.grid.unwrap_or_else(|| panic!("force map without grid"));
    assert_eq!((grid.nx, grid.ny), (25, 25));
    assert_eq!(grid.size_m, Some((5.0e-4, 5.0e-4)));
    assert_eq!(source.n_curves(), 3);
    let want = [(9, 4), (20, 5), (16, 16)];
    for (i, (x, y)) in want.into_iter().enumerate() {
        let c = curve(source.as_ref(), i);
        assert_eq!(c.index, i);
        assert_eq!(c.grid, Some(GridIndex { x, y }), "grid index of curve {i}");
        assert_eq!(c.calibration.spring_constant_n_per_m, Some(0.010950848060582613));
        assert_eq!(c.calibration.sensitivity_m_per_v, Some(8.467083788380108e-08));
        assert_eq!(c.len(), 14000, "points of curve {i}");
        assert_eq!(c.segments.len(), 2);
        assert_eq!(c.segments[0].kind, SegmentKind::Approach);
        assert_eq!(c.segments[1].kind, SegmentKind::Retract);
        for kind in [ChannelKind::Force, ChannelKind::PiezoHeight, ChannelKind::MeasuredHeight, ChannelKind::Time] {
            assert!(c.channel_kinds().contains(&kind), "{kind:?} in curve {i}");
        }
    }
    // the index numbers of the archive (index/109, 129, 416) are kept
    let c = curve(source.as_ref(), 2);
    assert_eq!(c.metadata.number("jpk:index"), Some(416.0));
    assert!(source.curve(3).is_err(), "curve past the end is an error");
}

const QI: [&str; 2] = [
    "forcecurves/fmt-jpk-fd_2020.02.07-16.29.05.036.jpk-qi-data",
    "formats/jpk/fmt-jpk-fd_2020.02.07-16.29.05.036.jpk-qi-data",
];

#[test]
fn qi_data_shared_layout() {
    for rel in QI {
        let Some((_, source)) = open(rel) else { continue };
        // [TEST afmformats test_fmt_jpk_qi.py] 4 curves, grid x 0..3; [RUN] y = 0
        assert_eq!(source.n_curves(), 4);
        let grid = source.info().grid.unwrap_or_else(|| panic!("QI map without grid"));
        assert_eq!((grid.nx, grid.ny), (128, 128));
        let points = [600, 600, 597, 600];
        for (i, n) in points.into_iter().enumerate() {
            let c = curve(source.as_ref(), i);
            assert_eq!(c.grid, Some(GridIndex { x: i, y: 0 }), "grid index of curve {i}");
            assert_eq!(c.len(), n, "points of curve {i}");
            // [RUN] k and InvOLS (from shared lcd-info.1)
            assert_eq!(c.calibration.spring_constant_n_per_m, Some(0.03011408349962541));
            assert_eq!(c.calibration.sensitivity_m_per_v, Some(2.4459525780419943e-08));
            assert_eq!(c.metadata.text("instrument"), Some("JPK01496-H-18-0132"));
            assert_eq!(c.metadata.text("software_version"), Some("6.1.157"));
        }
        let c = curve(source.as_ref(), 0);
        assert_eq!(col(&c, ChannelKind::Force)[0], -1.269014596090597e-10, "QI curve 0 force[0]");
        assert_eq!(col(&c, ChannelKind::MeasuredHeight)[0], 4.716154783699957e-06, "QI curve 0 height (measured)[0]");
        // the float-data channel is kept as a vendor channel with its unit
        let smoothed = c.segments[0].channel(&ChannelKind::Other("smoothedMeasuredHeight".into()));
        assert_eq!(smoothed.map(|ch| (ch.unit.as_str(), ch.data.len())), Some(("m", 300)));
        // the short segment of curve 2 (297 + 300 points): time follows its own duration
        let c2 = curve(source.as_ref(), 2);
        assert_eq!(c2.segments[0].len(), 297);
        let t = col(&c2, ChannelKind::Time);
        assert_eq!(t[297], 0.02772, "retract starts after the 0.02772 s approach");
    }
}

#[test]
fn map2x2_extracted() {
    let Some((_, source)) = open("formats/jpk/fmt-jpk-fd_map2x2_extracted.jpk-force-map") else { return };
    // [TEST afmformats test_fmt_jpk_map.py] 4 curves; enumerations 0..3; grid x 0, 9, 9, 0
    assert_eq!(source.n_curves(), 4);
    let xs = [0, 9, 9, 0];
    let ys = [0, 0, 9, 9]; // [C] from the positions (not asserted upstream)
    for i in 0..4 {
        let c = curve(source.as_ref(), i);
        assert_eq!(c.index, i);
        assert_eq!(c.metadata.number("jpk:index"), Some(i as f64));
        assert_eq!(c.grid, Some(GridIndex { x: xs[i], y: ys[i] }), "grid index of curve {i}");
    }
    let c = curve(source.as_ref(), 2);
    assert_eq!(col(&c, ChannelKind::Force)[0], -5.8540192943834714e-10, "dataset[2] force[0]");
    let mh = c.segments[0].channel(&ChannelKind::MeasuredHeight).unwrap_or_else(|| panic!("no measured height"));
    assert_eq!(mh.name, "capacitiveSensorHeight");
    assert_eq!(mh.data[0], 1.001727719556085e-04, "dataset[2] height (measured)[0]");
    // vendor channels in their default slot (volts)
    for name in ["error", "hDeflection"] {
        let ch = c.segments[0].channel(&ChannelKind::Other(name.into()));
        assert_eq!(ch.map(|ch| ch.unit.as_str()), Some("V"), "{name}");
    }
    // approach stopped at the setpoint: segment lengths as declared per curve
    let lengths = [(12030, 12030), (12030, 12030), (1627, 1599), (4141, 4069)];
    for (i, (a, r)) in lengths.into_iter().enumerate() {
        let c = curve(source.as_ref(), i);
        assert_eq!((c.segments[0].len(), c.segments[1].len()), (a, r), "segment lengths of curve {i}");
    }
}

#[test]
fn qi_series_single_pixel() {
    let Some((path, source)) = open("formats/jpk/fmt-jpk-fd_qi-data-2021.04.13.jpk-qi-series") else { return };
    assert_eq!(source.n_curves(), 1);
    let c = curve(source.as_ref(), 0);
    // [C] 1000 points in segment 0
    assert_eq!(c.segments[0].len(), 1000);
    assert_eq!(c.segments.len(), 2);
    assert_eq!(c.metadata.number("jpk:position-index"), Some(170.0));
    // afmformats' pick: first data file in name order, head-height.dat before height.dat,
    // capacitiveSensorHeight.dat before measuredHeight.dat
    let name = |k: ChannelKind| c.segments[0].channel(&k).map(|ch| ch.name.clone());
    assert_eq!(name(ChannelKind::PiezoHeight).as_deref(), Some("head-height"));
    assert_eq!(name(ChannelKind::MeasuredHeight).as_deref(), Some("capacitiveSensorHeight"));
    // JPK's raster `time` channel (start 1e-4, step 2e-4) is kept without shadowing ours
    let jt = c.segments[0].channel(&ChannelKind::Other("jpk:time".into())).map(|ch| ch.data.clone());
    let jt = jt.unwrap_or_else(|| panic!("no JPK time channel"));
    assert_eq!((jt[0], jt[1]), (1.0e-4, 1.0e-4 + 2.0e-4));
    // vDeflection is int32: force[0] equals the chain applied to the raw value
    let jpk = JpkSource::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let (v, unit) = jpk.channel_slot(0, 0, "vDeflection", Some("volts")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unit, "V");
    let k = c.calibration.spring_constant_n_per_m.unwrap_or(f64::NAN);
    let s = c.calibration.sensitivity_m_per_v.unwrap_or(f64::NAN);
    // the distance and force links have offset 0.0 in this file
    assert_eq!(col(&c, ChannelKind::Force)[0], k * (s * v[0] + 0.0) + 0.0);
}

#[test]
fn qi_image_is_refused_clearly() {
    let Some(path) = common::shared_data("formats/jpk/sample_0.jpk-qi-image") else { return };
    let err = match vegard::io::open(&path) {
        Ok(_) => panic!("a QI image must not open as curves"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("JPK QI/scan image") && err.contains("TIFF"), "{err}");
}

#[test]
fn streaming_from_many_threads() {
    use rayon::prelude::*;
    let Some(path) = common::shared_data("formats/jpk/fmt-jpk-fd_map2x2_extracted.jpk-force-map") else { return };
    let source = JpkSource::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let serial: Vec<f64> = (0..4).map(|i| col(&curve(&source, i), ChannelKind::Force)[100]).collect();
    let parallel: Vec<f64> =
        (0..64).into_par_iter().map(|j| col(&curve(&source, j % 4), ChannelKind::Force)[100]).collect();
    for (j, v) in parallel.iter().enumerate() {
        assert_eq!(*v, serial[j % 4]);
    }
}

#[test]
fn detection() {
    let Some(path) = common::shared_data(SPOT3[0]) else { return };
    let recipe = vegard::io::detect(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(recipe.key, "jpk");
    assert_eq!(recipe.name, "JPK force spectroscopy");
}

/// A pause segment between extend and retract (creep / stress-relaxation ramps): built
/// from spot3 by inserting a copy of its extend segment restyled as JPK writes pauses
/// (`settings.style=pause`, name `pause-at-end-spm`), retract moved to `segments/2/`.
#[test]
fn pause_segment_between_extend_and_retract() {
    use std::io::{Cursor, Read, Write};
    let Some(src) = common::shared_data(SPOT3[0]) else { return };
    let bytes = std::fs::read(&src).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        let name = f.name().unwrap_or_else(|e| panic!("{e}")).into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap_or_else(|e| panic!("{e}"));
        entries.push((name, data));
    }
    let mut out = Vec::new();
    for (name, data) in &entries {
        if let Some(rest) = name.strip_prefix("segments/1/") {
            out.push((format!("segments/2/{rest}"), data.clone()));
        } else {
            out.push((name.clone(), data.clone()));
        }
        if let Some(rest) = name.strip_prefix("segments/0/") {
            let data = if rest == "segment-header.properties" {
                String::from_utf8_lossy(data)
                    .lines()
                    .map(|l| match l.split_once('=') {
                        Some(("force-segment-header.settings.style", _)) => {
                            "force-segment-header.settings.style=pause".to_string()
                        }
                        Some(("force-segment-header.name.name", _)) => {
                            "force-segment-header.name.name=pause-at-end-spm".into()
                        }
                        Some(("force-segment-header.duration", _)) => "force-segment-header.duration=0.5".into(),
                        _ => l.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into_bytes()
            } else {
                data.clone()
            };
            out.push((format!("segments/1/{rest}"), data));
        }
    }
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, data) in &out {
        if name.ends_with('/') {
            w.add_directory(name.as_str(), opts).unwrap_or_else(|e| panic!("{e}"));
        } else {
            w.start_file(name.as_str(), opts).unwrap_or_else(|e| panic!("{e}"));
            w.write_all(data).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let zipped = w.finish().unwrap_or_else(|e| panic!("{e}")).into_inner();
    let path = std::env::temp_dir().join(format!("vegard_jpk_pause_{}.jpk-force", std::process::id()));
    std::fs::write(&path, zipped).unwrap_or_else(|e| panic!("{e}"));
    let source = vegard::io::open_curves(&path).unwrap_or_else(|e| panic!("{e}"));
    let c = curve(source.as_ref(), 0);
    let _ = std::fs::remove_file(&path);
    let kinds: Vec<SegmentKind> = c.segments.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SegmentKind::Approach, SegmentKind::Pause, SegmentKind::Retract]);
    assert_eq!(c.segments[1].name, "pause-at-end-spm");
    assert_eq!(c.segments[1].duration_s, Some(0.5));
    let t = col(&c, ChannelKind::Time);
    assert_eq!(t.len(), 6000);
    // time runs on through the pause: retract starts at 0.9999999999999998 + 0.5
    assert_eq!(t[2000], 0.9999999999999998);
    assert_eq!(t[4000], 0.9999999999999998 + 0.5);
    assert_eq!(c.segment_column()[4000], 2);
    assert_eq!(c.metadata.number("duration"), Some(0.9999999999999998 + 0.5 + 0.9999999999999998));
}
