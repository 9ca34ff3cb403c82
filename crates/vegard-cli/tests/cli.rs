//! The `vegard` command line as users and scripts see it: the machine-readable contract,
//! the config file, the demo, and errors on bad input.

#[path = "../../vegard/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

mod cli_common;
use cli_common::{read_json, run_ok, tmpdir, vegard};

const SPOT3_SHA256: &str = "4443b7d8bb55e9ef1860e99f48d7a5fb564907d9411e1defcc1fa9b14fc31c91";

fn spot3() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vegard/data/fmt-jpk-fd_spot3-0192.jpk-force")
}

/// The contract: one record per curve with file, index, grid_x, grid_y, modulus_pa,
/// contact_point_m, r2, flags, and the provenance block (parameters, input hash, version).
#[test]
fn nanomech_json_contract() {
    let d = tmpdir("contract");
    let json = d.join("out.json");
    run_ok(
        vegard()
            .args(["nanomech"])
            .arg(spot3())
            .args([
                "--model",
                "hertz-paraboloid",
                "--tip-radius",
                "10um",
                "--poisson",
                "0.5",
                "--segment",
                "approach",
                "--json",
            ])
            .arg(&json),
    );
    let v = read_json(&json);
    let curves = v["curves"].as_array().unwrap();
    assert_eq!(curves.len(), 1);
    let c = &curves[0];
    for key in ["file", "index", "grid_x", "grid_y", "modulus_pa", "contact_point_m", "r2", "flags"] {
        assert!(c.get(key).is_some(), "record lacks {key}: {c}");
    }
    assert!(c["flags"].as_array().unwrap().is_empty());
    // nanite defaults: tip offset corrected, so E as nanite's full-range fit (within 1 Pa
    // of 14741.96 Pa, see nanomech_reference.rs) and the contact point near 0.
    let e = c["modulus_pa"].as_f64().unwrap();
    assert!((e - 14741.958242422093).abs() < 1.0, "{e}");
    assert!(c["contact_point_m"].as_f64().unwrap().abs() < 1e-7);
    let p = &v["provenance"];
    assert_eq!(p["software"], "vegard");
    assert_eq!(p["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(p["inputs"][0]["sha256"], SPOT3_SHA256);
    assert_eq!(p["inputs"][0]["format"], "jpk");
    assert_eq!(p["parameters"]["model"], "hertz-paraboloid");
    assert_eq!(p["parameters"]["tip_radius_m"], 10e-6);
    assert_eq!(p["parameters"]["poisson"], 0.5);
}

/// A TOML config holds the same keys as the provenance parameters and gives the same
/// result; flags on the command line win over the file.
#[test]
fn config_file_equals_flags() {
    let d = tmpdir("config");
    let cfg = d.join("nanomech.toml");
    std::fs::write(&cfg, "model = \"hertz-paraboloid\"\ntip_radius_m = 40e-9\npoisson = 0.5\ncorrect_tip_offset = false\nfix_baseline = true\ncrop_factor = 3.0\n").unwrap();
    run_ok(
        vegard().args(["nanomech", "--quiet", "--config"]).arg(&cfg).arg(spot3()).arg("--json").arg(d.join("a.json")),
    );
    run_ok(
        vegard()
            .args(["nanomech", "--quiet"])
            .arg(spot3())
            .args([
                "--model",
                "hertz-paraboloid",
                "--tip-radius",
                "40nm",
                "--poisson",
                "0.5",
                "--no-tip-offset",
                "--fix-baseline",
                "--crop-factor",
                "3",
            ])
            .arg("--json")
            .arg(d.join("b.json")),
    );
    let (a, b) = (read_json(&d.join("a.json")), read_json(&d.join("b.json")));
    assert_eq!(a["curves"], b["curves"]);
    assert_eq!(a["provenance"]["parameters"], b["provenance"]["parameters"]);
    // JPK Data Processing's value (README §1): 233.1 kPa, rtol 2e-3.
    common::assert_rel("E", a["curves"][0]["modulus_pa"].as_f64().unwrap(), 233.1e3, 2e-3);
    // The flag wins over the file.
    run_ok(
        vegard()
            .args(["nanomech", "--quiet", "--config"])
            .arg(&cfg)
            .arg(spot3())
            .args(["--tip-radius", "80nm", "--json"])
            .arg(d.join("c.json")),
    );
    assert_eq!(read_json(&d.join("c.json"))["provenance"]["parameters"]["tip_radius_m"], 80e-9);
    // Unknown keys in the config are an error, not silently ignored.
    std::fs::write(&cfg, "modle = \"dmt\"\n").unwrap();
    let out = vegard().args(["nanomech", "--config"]).arg(&cfg).arg(spot3()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("modle"));
}

/// Every registered model key runs through the CLI on a real curve.
#[test]
fn every_model_key_runs() {
    let d = tmpdir("models");
    let out = run_ok(vegard().args(["models", "--json"]));
    let models: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<String> = models.as_array().unwrap().iter().map(|m| m["key"].as_str().unwrap().to_string()).collect();
    for k in [
        "hertz-paraboloid",
        "sneddon-sphere",
        "sneddon-sphere-approx",
        "cone",
        "pyramid-4",
        "pyramid-3",
        "flat-punch",
        "dmt",
        "jkr",
    ] {
        assert!(keys.iter().any(|x| x == k), "model {k} not registered");
    }
    let specs = models.as_array().unwrap();
    for (k, m) in keys.iter().zip(specs) {
        let json = d.join(format!("{k}.json"));
        // Exactly the geometry each model declares (the CLI refuses any other).
        let mut args = vec!["nanomech", "--quiet", "--model", k, "--poisson", "0.5"];
        match m["tip"].as_str().unwrap() {
            "HalfAngle" => args.extend(["--half-angle", "20deg"]),
            _ => args.extend(["--tip-radius", "10um"]),
        }
        if m["needs_film_thickness"] == true {
            args.extend(["--film-thickness", "5um"]);
        }
        let out = vegard().args(&args).arg("--json").arg(&json).arg(spot3()).output().unwrap();
        let v = read_json(&json);
        let c = &v["curves"][0];
        assert_eq!(c["model"], k.as_str());
        // spot3 is a soft cell probed with a large sphere; every model gives a record, the
        // non-adhesive approach fits a finite positive modulus.
        if !matches!(k.as_str(), "dmt" | "jkr") {
            assert!(out.status.success(), "{k}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(c["modulus_pa"].as_f64().is_some_and(|e| e > 0.0), "{k}: {c}");
        }
    }
}

/// The README's demo command works and writes a self-contained report with figures.
#[test]
fn demo_writes_a_report() {
    let d = tmpdir("demo");
    run_ok(vegard().args(["demo", "--pixels", "16", "--out"]).arg(&d));
    // The README's command run twice replaces the first demo (its own folder).
    run_ok(vegard().args(["demo", "--pixels", "16", "--out"]).arg(&d));
    let html = std::fs::read_to_string(d.join("report.html")).unwrap();
    assert!(html.matches("data:image/png;base64,").count() >= 4, "report lacks figures");
    assert!(html.contains("233.1") || html.contains("233100"), "JPK reference missing");
    for f in ["sei-qnm/report.html", "sei-qnm/results.json", "sei-qnm/provenance.json", "spot3-jpk-dp/results.json"] {
        assert!(d.join(f).exists(), "{f} missing");
    }
    let pngs = std::fs::read_dir(d.join("sei-qnm/files/sei_synthetic_vgc"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(pngs >= 8, "{pngs} PNGs");
    // No temp files left behind (atomic writes).
    let stray = std::fs::read_dir(d.join("sei-qnm/files/sei_synthetic_vgc"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".vegard-tmp"))
        .count();
    assert_eq!(stray, 0);
}

/// A force volume: synth → nanomech --out gives maps (PNG + GSF), the CSV table with one row
/// per curve, and flagged pixels counted in the summary.
#[test]
fn force_volume_products() {
    let d = tmpdir("volume");
    let vgc = d.join("v.vgc");
    run_ok(vegard().args(["synth", "--pixels", "12", "--points", "300", "--out"]).arg(&vgc));
    let out = run_ok(
        vegard()
            .args(["nanomech", "--quiet", "--model", "dmt", "--tip-radius", "20nm", "--poisson", "0.3", "--out"])
            .arg(d.join("res"))
            .arg(&vgc),
    );
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("144 curves"), "{summary}");
    for f in [
        "files/v_vgc/modulus.png",
        "files/v_vgc/modulus.gsf",
        "files/v_vgc/adhesion.gsf",
        "files/v_vgc/curves.csv",
        "files/v_vgc/report.html",
        "report.html",
        "results.json",
        "results.csv",
        "vegard-manifest.json",
    ] {
        assert!(d.join("res").join(f).exists(), "{f} missing");
    }
    let csv = std::fs::read_to_string(d.join("res/files/v_vgc/curves.csv")).unwrap();
    assert_eq!(csv.lines().count(), 145);
    let gsf = vegard::io::gsf::read_gsf(&d.join("res/files/v_vgc/modulus.gsf")).unwrap();
    assert_eq!((gsf.nx, gsf.ny), (12, 12));
}

/// Bad input never panics: missing files, garbage, truncated files give an error naming the
/// file; `info` exits 1, `nanomech` 4 (no input could be analysed).
#[test]
fn bad_input_is_an_error_not_a_crash() {
    let d = tmpdir("bad");
    let garbage = d.join("garbage.jpk-force");
    std::fs::write(&garbage, b"PK\x03\x04 this is not a zip").unwrap();
    let bytes = std::fs::read(spot3()).unwrap();
    let truncated = d.join("truncated.jpk-force");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let empty = d.join("empty.csv");
    std::fs::write(&empty, b"").unwrap();
    for p in [d.join("missing.jpk-force"), garbage, truncated, empty] {
        let nanomech =
            ["nanomech", "--quiet", "--model", "hertz-paraboloid", "--tip-radius", "10um", "--poisson", "0.5"];
        for (sub, code) in [(&["info"][..], 1), (&nanomech[..], 4)] {
            let out = vegard().args(sub).arg(&p).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(code), "{sub:?} {}: {err}", p.display());
            assert!(err.contains(p.file_name().unwrap().to_str().unwrap()), "error does not name the file: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
}

/// `vegard info` describes every real force-curve file.
#[test]
fn info_on_real_files() {
    for rel in [
        "forcecurves/fmt-jpk-fd_spot3-0192.jpk-force",
        "forcecurves/fmt-jpk-fd_map-data-reference-points.jpk-force-map",
        "forcecurves/fmt-jpk-fd_2020.02.07-16.29.05.036.jpk-qi-data",
        "forcecurves/fmt-igor-fd_SiN_FD_plot.ibw",
        "forcecurves/20200904_Egel4-Z1.0_00025.spm",
        "formats/jpk/fmt-jpk-fd_qi-data-2021.04.13.jpk-qi-series",
        "formats/jpk/fmt-jpk-fd_map2x2_extracted.jpk-force-map",
        "formats/bruker_nanoscope/BrukerReader_ForceCurve_Sapphire_TAP525.001",
        "formats/asylum_ibw/IgorIBWReader_ForceCurve.ibw",
    ] {
        let Some(p) = common::shared_data(rel) else { continue };
        let out = run_ok(vegard().arg("info").arg(&p));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("spring const") && text.contains("curves"), "{rel}: {text}");
        let out = run_ok(vegard().args(["info", "--json"]).arg(&p));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["info"]["n_curves"].as_u64().unwrap() >= 1);
    }
}

/// Export to `.vgc` and back gives identical analysis results.
#[test]
fn vgc_export_round_trip() {
    let d = tmpdir("export");
    let vgc = d.join("spot3.vgc");
    run_ok(vegard().arg("export").arg(spot3()).arg("--to").arg(&vgc));
    let csv = d.join("spot3.csv");
    run_ok(vegard().arg("export").arg(spot3()).arg("--to").arg(&csv));
    let mut results = Vec::new();
    for f in [spot3(), vgc, csv] {
        let json = d.join("r.json");
        run_ok(
            vegard()
                .args([
                    "nanomech",
                    "--quiet",
                    "--model",
                    "hertz-paraboloid",
                    "--tip-radius",
                    "10um",
                    "--poisson",
                    "0.5",
                ])
                .arg("--json")
                .arg(&json)
                .arg(&f),
        );
        results.push(read_json(&json)["curves"][0]["modulus_pa"].as_f64().unwrap());
    }
    assert_eq!(results[0], results[1], "vgc is lossless");
    // CSV stores 17 significant digits (`{:e}` is shortest round-trip): also lossless.
    assert_eq!(results[0], results[2], "csv round trip");
}
