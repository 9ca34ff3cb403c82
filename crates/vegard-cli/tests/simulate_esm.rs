//! `vegard simulate esm`: the machine-readable contract of issue 3 on tiny, fast configurations
//! (coarse mesh, small biases, few pulses), the config file, the products and errors on bad input.

mod cli_common;
use cli_common::{read_json, run_ok, tmpdir, vegard};

fn numbers(v: &serde_json::Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is not an array in {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Relaxation: `time_s`, `amplitude_m`, `bias_v` per read and the fitted `tau_s`, from a config
/// file with `[params]` and `[experiment]` (kind inside), plus `--set` on top.
#[test]
fn relaxation_json_contract_from_config() {
    let d = tmpdir("relax");
    let cfg = d.join("esm.toml");
    std::fs::write(
        &cfg,
        "preset = \"lifepo4\"\nmesh = \"coarse\"\n[params]\nc0 = 0.1\n[experiment]\nkind = \"relaxation\"\n\
         amplitude_v = 0.05\nlead_s = 1.0\nhold_s = 3.0\nrelax_s = 6.0\nreads_per_step = 6\n",
    )
    .unwrap();
    let json = d.join("r.json");
    run_ok(
        vegard()
            .args(["simulate", "esm", "--quiet", "--set", "diffusivity=2e-16", "--config"])
            .arg(&cfg)
            .arg("--json")
            .arg(&json),
    );
    let v = read_json(&json);
    assert_eq!(v["experiment"], "relaxation");
    assert_eq!(v["params"]["diffusivity_m2_per_s"], 2e-16, "--set wins over the preset");
    let r = &v["data"][0];
    assert_eq!(r["kind"], "relaxation");
    let (t, a, b) = (numbers(r, "time_s"), numbers(r, "amplitude_m"), numbers(r, "bias_v"));
    assert_eq!(t.len(), 5 * 6, "5 steps (lead, +A, rest, −A, rest) × 6 reads");
    assert_eq!(a.len(), t.len());
    assert_eq!(b.len(), t.len());
    assert!(a.iter().all(|x| *x > 0.0 && x.is_finite()));
    assert!(r["tau_s"].as_f64().is_some_and(|x| x > 0.0), "tau_s fitted: {}", v["summary"]);
}

/// Spectroscopy: one off-state read per pulse with `bias_v` and `amplitude_m`; products written.
#[test]
fn spectroscopy_json_contract_and_products() {
    let d = tmpdir("spec");
    let cfg = d.join("esm.toml");
    std::fs::write(&cfg, "[settings]\namplitude_v = 0.05\nperiods_s = [1.0, 4.0]\ncycles = 1\npulses_per_period = 8\n")
        .unwrap();
    let json = d.join("s.json");
    let out = d.join("out");
    run_ok(
        vegard()
            .args([
                "simulate",
                "esm",
                "--preset",
                "lifepo4",
                "--experiment",
                "spectroscopy",
                "--mesh",
                "coarse",
                "--quiet",
            ])
            .arg("--config")
            .arg(&cfg)
            .arg("--json")
            .arg(&json)
            .arg("--out")
            .arg(&out),
    );
    let v = read_json(&json);
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "one BiasSpectroscopy per period");
    for (r, p) in data.iter().zip([1.0, 4.0]) {
        assert_eq!(r["kind"], "bias_spectroscopy");
        assert_eq!(r["period_s"], p);
        assert_eq!(numbers(r, "bias_v").len(), 8);
        assert_eq!(numbers(r, "amplitude_m").len(), 8);
        assert!(r["state"].as_array().unwrap().iter().all(|s| s == "off"));
    }
    assert!(v["summary"]["opening_vs_period"]["opening_m"].is_array());
    for f in ["report.html", "result.json", "result.h5", "loops_p1s.png", "loops_p4s.png", "opening_vs_period.png"] {
        assert!(out.join(f).is_file(), "missing product {f}");
    }
    let h5 = std::fs::read(out.join("result.h5")).unwrap();
    assert_eq!(&h5[..8], b"\x89HDF\r\n\x1a\n", "result.h5 is HDF5");
    for name in ["Measurement_000", "Measurement_001", "Channel_005", "amplitude", "DIMENSION_LIST"] {
        assert!(h5.windows(name.len()).any(|w| w == name.as_bytes()), "result.h5 lacks {name}");
    }
}

/// Frequency response: `frequency_hz`, `amplitude_m`, `phase_deg`.
#[test]
fn frequency_json_contract() {
    let d = tmpdir("freq");
    let cfg = d.join("esm.toml");
    std::fs::write(&cfg, "experiment = \"frequency\"\n[settings]\npoints = 5\n").unwrap();
    let json = d.join("f.json");
    let h5 = d.join("f.h5");
    run_ok(
        vegard()
            .args(["simulate", "esm", "--mesh", "coarse", "--quiet", "--config"])
            .arg(&cfg)
            .arg("--json")
            .arg(&json)
            .arg("--nsid")
            .arg(&h5),
    );
    let bytes = std::fs::read(&h5).unwrap();
    assert_eq!(&bytes[..8], b"\x89HDF\r\n\x1a\n", "--nsid writes HDF5");
    // An NSID path that cannot be created (its parent is a file) fails naming the file.
    let out = vegard()
        .args(["simulate", "esm", "--mesh", "coarse", "--quiet", "--config"])
        .arg(&cfg)
        .arg("--nsid")
        .arg(json.join("x.h5"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("x.h5"), "{e}");
    let v = read_json(&json);
    let r = &v["data"][0];
    assert_eq!(r["kind"], "frequency_response");
    for k in ["frequency_hz", "amplitude_m", "phase_deg"] {
        assert_eq!(numbers(r, k).len(), 5, "{k}");
    }
    assert!(v["summary"]["omega_hat"].is_array());
}

/// Bad input names the parameter and what was expected.
#[test]
fn errors_name_the_parameter() {
    let err = |args: &[&str]| {
        let out = vegard().args(["simulate", "esm"]).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let e = err(&["--experiment", "spectroscopy", "--set", "diffusivity=-1"]);
    assert!(e.contains("diffusivity_m2_per_s") && e.contains("> 0"), "{e}");
    let e = err(&["--experiment", "spectroscopy", "--set", "bogus=1"]);
    assert!(e.contains("bogus"), "{e}");
    let e = err(&["--experiment", "nonsense"]);
    assert!(e.contains("nonsense") && e.contains("spectroscopy"), "{e}");
    let e = err(&["--experiment", "relaxation", "--mesh", "huge"]);
    assert!(e.contains("--mesh") && e.contains("coarse"), "{e}");
    let d = tmpdir("err");
    let cfg = d.join("esm.toml");
    std::fs::write(&cfg, "experiment = \"relaxation\"\n[settings]\nreads_per_step = 2\n").unwrap();
    let e = err(&["--mesh", "coarse", "--config", cfg.to_str().unwrap()]);
    assert!(e.contains("reads_per_step") && e.contains("at least 5"), "{e}");
    std::fs::write(&cfg, "experiment = \"relaxation\"\n[settings]\nhold = 2\n").unwrap();
    let e = err(&["--config", cfg.to_str().unwrap()]);
    assert!(e.contains("hold"), "{e}");
}
