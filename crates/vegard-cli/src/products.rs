//! Writing what `nanomech` produced: JSON, CSV, maps (PNG + GSF), curve plots, histogram,
//! provenance and the HTML report. Every file is written atomically.

use std::path::Path;

use anyhow::{Context, Result};
use vegard::data::GridShape;
use vegard::io::write_atomic;
use vegard::nanomech::analysis::{self, CurveResult, Setup};
use vegard::nanomech::fit;
use vegard::provenance::Provenance;
use vegard::render::{ColorLimits, CurvePlot, HistogramPlot, MapStyle, Report, Series, SeriesStyle};
use vegard::units::format_si;

use crate::nanomech::{FileRun, file_stem};

/// Median of the valid moduli, Pa.
fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

fn valid_moduli(results: &[CurveResult]) -> Vec<f64> {
    results.iter().filter(|r| r.is_valid()).map(|r| r.modulus_pa).collect()
}

/// Summary statistics of one file's results.
pub fn summary(results: &[CurveResult]) -> serde_json::Value {
    let m = valid_moduli(results);
    let n = m.len() as f64;
    let mean = m.iter().sum::<f64>() / n;
    let std = (m.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let flags: serde_json::Map<String, serde_json::Value> =
        analysis::flag_counts(results).into_iter().map(|(f, c)| (f.key().to_string(), c.into())).collect();
    serde_json::json!({
        "n_curves": results.len(),
        "n_valid": m.len(),
        "n_flagged": results.len() - m.len(),
        "flag_counts": flags,
        "modulus_mean_pa": mean,
        "modulus_median_pa": median(m.clone()),
        "modulus_std_pa": std,
    })
}

pub fn summary_line(run: &FileRun) -> String {
    let m = valid_moduli(&run.results);
    let flagged = run.results.len() - m.len();
    let mut s = format!("{}: {} curves, {} valid, {} flagged", run.path.display(), run.results.len(), m.len(), flagged);
    if !m.is_empty() {
        s += &format!(", median modulus {}", format_si(median(m), "Pa", 4));
    }
    let counts = analysis::flag_counts(&run.results);
    if !counts.is_empty() {
        let c: Vec<String> = counts.iter().map(|(f, n)| format!("{} {}", f.key(), n)).collect();
        s += &format!(" ({})", c.join(", "));
    }
    s
}

/// The machine-readable record: provenance, per-file summaries, one record per curve.
/// Serialised straight from the results (no intermediate JSON tree: a 512×512 map stays
/// cheap).
#[derive(serde::Serialize)]
struct JsonOut<'a> {
    provenance: &'a Provenance,
    files: Vec<serde_json::Value>,
    curves: Vec<&'a CurveResult>,
}

pub fn write_json(path: &Path, runs: &[FileRun], prov: &Provenance) -> Result<()> {
    let out = JsonOut {
        provenance: prov,
        files: runs
            .iter()
            .map(|r| {
                serde_json::json!({"file": r.path.display().to_string(), "format": r.format, "grid": r.grid,
                    "summary": summary(&r.results)})
            })
            .collect(),
        curves: runs.iter().flat_map(|r| &r.results).collect(),
    };
    // Indented for people up to 10 000 curves; compact beyond (a 256×256 map is ~45 MB).
    let bytes = if out.curves.len() <= 10_000 { serde_json::to_vec_pretty(&out)? } else { serde_json::to_vec(&out)? };
    write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))
}

/// Per-curve table: contact point, fit range, flags, every channel.
pub fn csv_table(results: &[CurveResult]) -> String {
    let mut s = String::from(
        "file,index,grid_x,grid_y,model,modulus_pa,modulus_stderr_pa,contact_point_m,contact_point_index,baseline_n,r2,\
         adhesion_n,peak_force_n,deformation_m,dissipation_j,fit_start_m,fit_end_m,fit_force_low_n,fit_force_high_n,\
         n_fit_points,spring_constant_n_per_m,sensitivity_m_per_v,flags\n",
    );
    let opt = |v: Option<usize>| v.map_or(String::new(), |v| v.to_string());
    let optf = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:e}"));
    for r in results {
        let flags: Vec<&str> = r.flags.iter().map(|f| f.key()).collect();
        s += &format!(
            "\"{}\",{},{},{},{},{:e},{:e},{:e},{},{:e},{},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{},{},{},{}\n",
            r.file.replace('"', "\"\""),
            r.index,
            opt(r.grid_x),
            opt(r.grid_y),
            r.model,
            r.modulus_pa,
            r.modulus_stderr_pa,
            r.contact_point_m,
            opt(r.contact_point_index),
            r.baseline_n,
            r.r2,
            r.adhesion_n,
            r.peak_force_n,
            r.deformation_m,
            r.dissipation_j,
            r.fit_range_m[0],
            r.fit_range_m[1],
            r.fit_force_range_n[0],
            r.fit_force_range_n[1],
            r.n_fit_points,
            optf(r.spring_constant_n_per_m),
            optf(r.sensitivity_m_per_v),
            flags.join(";")
        );
    }
    s
}

/// A curve plot of one analysed curve: preprocessed approach/retract, the fitted model over
/// the fit window (shaded) and the contact point.
pub fn curve_png(run: &FileRun, result: &CurveResult, setup: &Setup) -> Result<Vec<u8>> {
    let i = run.results.iter().position(|r| std::ptr::eq(r, result)).unwrap_or(result.index);
    let curve = run.source.curve(i)?;
    let (_, detail) = analysis::analyse_curve(curve, &result.file, setup, true);
    let Some(d) = detail else { anyhow::bail!("curve {} could not be preprocessed", result.index) };
    let flags = if result.flags.is_empty() {
        String::new()
    } else {
        format!(" — flags: {}", result.flags.iter().map(|f| f.key()).collect::<Vec<_>>().join(", "))
    };
    let title = match (result.grid_x, result.grid_y) {
        (Some(x), Some(y)) => format!("Curve {} at ({x}, {y}) — {}{flags}", result.index, setup.model.spec().name),
        _ => format!("Curve {} — {}{flags}", result.index, setup.model.spec().name),
    };
    let mut plot = CurvePlot::new(title, "Tip position", "m", "Force", "N");
    for (kind, x, f) in &d.segments {
        plot.series.push(Series::new(kind.key(), x.clone(), f.clone(), SeriesStyle::Line));
    }
    if let Some((_, x, _)) = d.segments.iter().find(|s| s.0 == d.fitted_segment) {
        let (a, b) = d.fit_indices;
        if b > a && b <= x.len() && !d.fit_values.is_empty() {
            let xs: Vec<f64> = x[a..b].to_vec();
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Draw the model a little beyond the window so its shape is visible.
            let n = 200;
            let span = hi - lo;
            let (x0, x1) = (lo - 0.05 * span, (hi + 0.05 * span).max(result.contact_point_m.min(hi + span)));
            let fx: Vec<f64> = (0..n).map(|k| x0 + (x1 - x0) * k as f64 / (n - 1) as f64).collect();
            let fy: Vec<f64> =
                fx.iter().map(|&xv| fit::model_force(setup.model, &setup.tip, &d.fit_values, xv)).collect();
            plot.series.push(Series::new(format!("{} fit", setup.model.spec().key), fx, fy, SeriesStyle::Fit));
            plot.shaded_x = Some((lo, hi));
        }
    }
    if result.contact_point_m.is_finite() && !d.fit_values.is_empty() {
        // The fitted force at δ = 0: the baseline (minus the adhesion for DMT).
        let y = fit::model_force(setup.model, &setup.tip, &d.fit_values, result.contact_point_m);
        plot.markers.push((result.contact_point_m, y, "contact point".into()));
    }
    Ok(vegard::render::curve_plot(&plot)?)
}

/// Pick curves worth plotting: the valid one nearest the median modulus, and the first
/// flagged one (so the reader sees what a flag means).
fn curves_to_plot(results: &[CurveResult]) -> Vec<&CurveResult> {
    let mut out = Vec::new();
    let mut valid: Vec<&CurveResult> = results.iter().filter(|r| r.is_valid()).collect();
    valid.sort_by(|a, b| a.modulus_pa.total_cmp(&b.modulus_pa));
    if let Some(m) = valid.get(valid.len() / 2) {
        out.push(*m);
    }
    if let Some(f) = results.iter().find(|r| !r.is_valid() && !r.flags.contains(&analysis::Flag::ReadError)) {
        out.push(f);
    }
    out
}

fn style(title: &str, quantity: &str) -> MapStyle {
    MapStyle {
        title: Some(title.to_string()),
        quantity: Some(quantity.to_string()),
        limits: ColorLimits::Percentiles(1.0, 99.0),
        ..MapStyle::default()
    }
}

/// Everything for one run: maps, tables, plots, provenance, report.html.
pub fn write_products(out: &Path, runs: &[FileRun], setup: &Setup, prov: &Provenance) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let w = |name: &str, bytes: &[u8]| {
        write_atomic(&out.join(name), bytes).with_context(|| format!("writing {}", out.join(name).display()))
    };
    let spec = setup.model.spec();
    let mut report = Report::new(format!("vegard nanomechanics — {}", spec.name));
    report.paragraph(format!(
        "vegard {} analysed {} file(s) with the {} model ({}). Every number below is reproducible from \
         provenance.json (parameters, input SHA-256, software version).",
        vegard::VERSION,
        runs.len(),
        spec.name,
        spec.formula
    ));
    report.section("Settings");
    let s = &setup.settings;
    let mut kv: Vec<(String, String)> = vec![
        ("model".into(), format!("{} — {}", spec.key, spec.citation)),
        ("validity".into(), spec.validity.into()),
        ("segment".into(), setup.segment.key().into()),
        ("tip radius".into(), format_si(s.tip_radius_m, "m", 3)),
        ("sample Poisson ratio".into(), s.poisson.to_string()),
        ("contact point".into(), setup.contact_point.key().into()),
    ];
    if let Some([a, b]) = setup.window {
        kv.push((
            "fit window".into(),
            format!("{:.0} %–{:.0} % of (peak force − adhesion) on the {}", a * 100.0, b * 100.0, setup.segment.key()),
        ));
    }
    if let Some(e) = s.tip_modulus_pa {
        kv.push(("tip modulus".into(), format_si(e, "Pa", 3)));
    }
    report.key_values(&kv);
    w("provenance.json", &serde_json::to_vec_pretty(prov)?)?;
    write_json(&out.join("results.json"), runs, prov)?;
    for run in runs {
        let stem = file_stem(&run.path);
        w(&format!("{stem}_curves.csv"), csv_table(&run.results).as_bytes())?;
        report.section(format!("{}", run.path.display()));
        let sum = summary(&run.results);
        let mut rows = vec![
            vec!["curves".to_string(), run.results.len().to_string()],
            vec!["valid moduli".to_string(), sum["n_valid"].to_string()],
            vec![
                "median modulus".to_string(),
                format_si(sum["modulus_median_pa"].as_f64().unwrap_or(f64::NAN), "Pa", 4),
            ],
            vec![
                "mean ± std modulus".to_string(),
                format!(
                    "{} ± {}",
                    format_si(sum["modulus_mean_pa"].as_f64().unwrap_or(f64::NAN), "Pa", 4),
                    format_si(sum["modulus_std_pa"].as_f64().unwrap_or(f64::NAN), "Pa", 3)
                ),
            ],
        ];
        for (f, n) in analysis::flag_counts(&run.results) {
            rows.push(vec![format!("flag {}", f.key()), n.to_string()]);
        }
        report.table(&["quantity", "value"], &rows);
        if run.results.len() <= 20 {
            let rows: Vec<Vec<String>> = run
                .results
                .iter()
                .map(|r| {
                    vec![
                        r.index.to_string(),
                        r.grid_x.zip(r.grid_y).map_or(String::new(), |(x, y)| format!("({x}, {y})")),
                        format_si(r.modulus_pa, "Pa", 4),
                        format_si(r.contact_point_m, "m", 4),
                        format!("{:.4}", r.r2),
                        format_si(r.adhesion_n, "N", 3),
                        format_si(r.deformation_m, "m", 3),
                        format_si(r.dissipation_j, "J", 3),
                        r.flags.iter().map(|f| f.key()).collect::<Vec<_>>().join(", "),
                    ]
                })
                .collect();
            report.table(
                &["curve", "grid", "modulus", "contact point", "R²", "adhesion", "deformation", "dissipation", "flags"],
                &rows,
            );
        }
        let grid: Option<GridShape> = run.grid.filter(|g| g.nx * g.ny > 1 && run.results.len() > 1);
        if let Some(g) = grid {
            let maps = analysis::maps(&run.results, &g, &spec.key.to_uppercase());
            for (name, im) in maps.all() {
                let quantity = match name {
                    "modulus" => format!("{} modulus", spec.key.to_uppercase()),
                    _ => im.name.replace("Fit R²", "R²"),
                };
                let png = vegard::render::map_png(im, &style(&format!("{} — {}", im.name, stem), &quantity))?;
                w(&format!("{stem}_{name}.png"), &png)?;
                w(&format!("{stem}_{name}.gsf"), &vegard::io::gsf::gsf_bytes(im))?;
                if matches!(name, "modulus" | "adhesion" | "height") {
                    report.image_png(format!("{} map ({} invalid pixels drawn white)", im.name, im.n_invalid()), &png);
                }
            }
            w(&format!("{stem}_modulus_mask.gsf"), &vegard::io::gsf::gsf_mask_bytes(&maps.modulus))?;
        }
        let moduli: Vec<f64> = run.results.iter().filter(|r| r.is_valid()).map(|r| r.modulus_pa).collect();
        if moduli.len() >= 10 {
            let mut h = HistogramPlot::new(
                format!("Modulus histogram — {stem}"),
                format!("{} modulus", spec.key.to_uppercase()),
                "Pa",
                moduli,
            );
            let range = h.values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - h.values.iter().copied().fold(f64::INFINITY, f64::min);
            // Wolff & Hausen 2023 bins stiffness in 20 MPa steps; use that when it gives a readable histogram.
            if range > 100e6 && range < 20e9 {
                h.bin_width = Some(20e6);
            }
            let png = vegard::render::histogram_png(&h)?;
            w(&format!("{stem}_modulus_histogram.png"), &png)?;
            report.image_png("Histogram of valid moduli", &png);
        }
        for r in curves_to_plot(&run.results) {
            match curve_png(run, r, setup) {
                Ok(png) => {
                    w(&format!("{stem}_curve_{}.png", r.index), &png)?;
                    let what = if r.is_valid() { "a typical curve (median modulus)" } else { "a flagged curve" };
                    report.image_png(
                        format!("Curve {}: {what}; fit window shaded, fitted model in black", r.index),
                        &png,
                    );
                }
                Err(e) => eprintln!("warning: no plot for curve {}: {e:#}", r.index),
            }
        }
    }
    report.section("Provenance");
    report.code_block(serde_json::to_string_pretty(prov)?);
    report.write(&out.join("report.html")).with_context(|| "writing report.html")?;
    Ok(())
}
