//! The demo: the main job on embedded example data, with an HTML report.
//!
//! 1. A real JPK force curve (fmt-jpk-fd_spot3-0192, from AFM-analysis/afmformats, MIT),
//!    fitted as JPK's Data Processing software does (reference E = 233.1 kPa) and with
//!    nanite's full-range defaults (reference E = 14 741.96 Pa).
//! 2. A synthetic SEI-like PeakForce-QNM force volume with known truth (three phases, as the
//!    stiffness populations of Wolff & Hausen 2023, a gentle topography and a few curves that
//!    never reach the surface), analysed with DMT on the retract between 30 % and 90 % of the
//!    force range, mapped and compared with the truth: moduli phase by phase, the
//!    never-touching curves flagged, the height-at-contact map against the true topography.

use std::path::PathBuf;

use super::curve_figure::{PlotAxis, PlotCurves};
use super::nanomech::{ProductError, ProductOptions, write_products};
use super::output::OutputDir;
use crate::batch::nanomech::{self as job, BatchRun, Silent};
use crate::data::Image;
use crate::nanomech::maps::{self, level_plane};
use crate::nanomech::synthetic::{Acquisition, SeiSurface};
use crate::nanomech::{NanomechSettings, SettingsError, Setup};
use crate::numerics::stats;
use crate::render::{MapStyle, Report};
use crate::units::{format_si, format_si_sig};

/// The embedded example curve (AFM-analysis/afmformats, MIT; see data/ beside the crate).
pub const SPOT3: &[u8] = include_bytes!("../../data/fmt-jpk-fd_spot3-0192.jpk-force");
/// Its file name.
pub const SPOT3_NAME: &str = "fmt-jpk-fd_spot3-0192.jpk-force";

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Products(#[from] ProductError),
    #[error(transparent)]
    Output(#[from] super::output::OutputError),
    #[error("demo: {0}")]
    Other(String),
}

/// What the demo found, for the caller to print.
pub struct DemoOutcome {
    pub report: PathBuf,
    pub lines: Vec<String>,
}

fn analyse(path: &std::path::Path, settings: &NanomechSettings) -> Result<(BatchRun, Setup), DemoError> {
    let setup = Setup::new(settings)?;
    let batch = job::run(&[path.to_path_buf()], &setup, None, &Silent);
    if let Some(f) = batch.failures.first() {
        return Err(DemoError::Other(f.error.clone()));
    }
    Ok((batch, setup))
}

/// Run the demo into `out` (prepared by the caller) with a synthetic map of `pixels`²
/// curves; writes `report.html` and one folder of products per analysis.
pub fn run_demo(out: OutputDir, pixels: usize) -> Result<DemoOutcome, DemoError> {
    let other = |e: std::io::Error| DemoError::Other(e.to_string());
    out.write(&format!("data/{SPOT3_NAME}"), SPOT3)?;
    let spot3 = out.path(&format!("data/{SPOT3_NAME}"));
    let mut lines = Vec::new();
    let mut report = Report::new("vegard demo — force-curve nanomechanics");
    report.paragraph(
        "Two analyses on embedded example data: a real JPK force curve compared with the vendor's and \
         nanite's published fits, and a synthetic SEI-like PeakForce-QNM force volume compared with its \
         known truth. Each analysis has its own folder with an index report, maps (PNG + Gwyddion GSF), \
         per-curve CSV, JSON with provenance and curve figures with residuals.",
    );
    let opts = ProductOptions { plot_curves: PlotCurves::Gallery, plot_axis: PlotAxis::TipPosition };

    // 1a. JPK Data Processing settings (nanite tests/test_model_hertz_parabolic): paraboloid
    // R = 40 nm, ν = 0.5, approach cropped to the last 3·(N − i_cp) points, baseline fixed at
    // 0, contact point by deviation from baseline, no tip offset.
    let jpk_settings = NanomechSettings {
        model: Some("hertz-paraboloid".into()),
        tip_radius_m: Some(40e-9),
        poisson: Some(0.5),
        correct_tip_offset: false,
        fix_baseline: true,
        crop_factor: Some(3.0),
        ..NanomechSettings::default()
    };
    // 1b. nanite's full-range defaults (nanite tests/test_indent.py): R = 10 µm, baseline free.
    let nanite_settings = NanomechSettings {
        model: Some("hertz-paraboloid".into()),
        tip_radius_m: Some(10e-6),
        poisson: Some(0.5),
        correct_tip_offset: false,
        ..NanomechSettings::default()
    };
    report.section("1. A real JPK force curve");
    let mut rows = Vec::new();
    for (label, settings, reference, tol, sub) in [
        ("JPK Data Processing (paraboloid R = 40 nm, cropped)", &jpk_settings, 233.1e3, "rtol 2e-3", "spot3-jpk-dp"),
        (
            "nanite defaults (paraboloid R = 10 µm, full range)",
            &nanite_settings,
            14741.958242422093,
            "atol 1 Pa",
            "spot3-nanite",
        ),
    ] {
        let (batch, setup) = analyse(&spot3, settings)?;
        write_products(&out, &format!("{sub}/"), &batch, &setup, &opts, &|_, _| {})?;
        let r = &batch.runs[0].results[0];
        let flags = if r.flags.is_empty() {
            "none".to_string()
        } else {
            r.flags.iter().map(|f| f.key()).collect::<Vec<_>>().join(", ")
        };
        rows.push(vec![
            label.to_string(),
            format!("{:.2} Pa", r.modulus_pa),
            format!("{reference:.2} Pa ({tol})"),
            format!("{:+.2e}", r.modulus_pa / reference - 1.0),
            format!("{:.5}", r.r2),
            format!(
                "{} ({:.2e} R)",
                format_si_sig(r.max_indentation_m, "m", 4),
                r.max_indentation_m / setup.tip.radius_m
            ),
            flags,
        ]);
        report.image_file(
            format!("{label}: model over the fit window, residuals below"),
            format!("{sub}/files/{}/curve_{}.png", sanitized(SPOT3_NAME), r.index),
        );
        lines.push(format!("spot3, {label}: E = {:.2} Pa (reference {reference:.2} Pa)", r.modulus_pa));
    }
    report.table(
        &["settings", "vegard E", "reference E", "relative difference", "R²", "max indentation", "flags"],
        &rows,
    );
    report.paragraph(
        "The same numbers as JPK's software and nanite, and an honest flag: with R = 40 nm this soft cell is \
         indented over three tip radii deep, far beyond δ ≪ R where the paraboloid holds, so vegard reports the \
         vendor-compatible modulus flagged beyond_validity. With the 10 µm sphere the indentation stays below R.",
    );

    // 2. Synthetic SEI-like QNM force volume.
    report.section("2. A synthetic SEI-like PeakForce-QNM force volume (DMT, 30–90 % window)");
    let n = pixels.max(4);
    let surface = SeiSurface::new(n, n, 2e-6, 2023);
    let acq = Acquisition::default();
    let vgc_rel = "data/sei_synthetic.vgc";
    let vgc = out.path(vgc_rel);
    super::synth::write_sei_volume(&vgc, &surface, &acq, &|_| {}).map_err(other)?;
    out.record(vgc_rel)?;
    let dmt = NanomechSettings {
        model: Some("dmt".into()),
        tip_radius_m: Some(acq.tip_radius_m),
        poisson: Some(acq.poisson),
        ..NanomechSettings::default()
    };
    let (batch, setup) = analyse(&vgc, &dmt)?;
    write_products(&out, "sei-qnm/", &batch, &setup, &opts, &|_, _| {})?;
    let run = &batch.runs[0];
    let g = run.grid.ok_or_else(|| DemoError::Other("synthetic volume has no grid".into()))?;
    let m = maps::maps(&run.results, &g, "dmt");
    let style = |t: &str, q: &str| MapStyle { title: Some(t.into()), quantity: Some(q.into()), ..Default::default() };
    let png = |im: &Image, t: &str, q: &str| {
        crate::render::map_png(im, &style(t, q)).map_err(|e| DemoError::Other(e.to_string()))
    };
    report.image_png("DMT modulus map (flagged pixels white)", &png(&m.modulus, "DMT modulus", "DMT modulus")?);
    report.image_png("Adhesion map (flagged pixels white)", &png(&m.adhesion, "Adhesion", "Adhesion")?);
    // Compare with the truth, phase by phase.
    let mut rows = Vec::new();
    let (mut broken, mut broken_flagged) = (0, 0);
    for (phase, (e_true, adh_true)) in surface.phases.iter().enumerate() {
        let mut rel = Vec::new();
        let mut adh = Vec::new();
        for r in &run.results {
            let (Some(x), Some(y)) = (r.grid_x, r.grid_y) else { continue };
            match surface.truth(x, y) {
                None if phase == 0 => {
                    broken += 1;
                    broken_flagged += usize::from(!r.is_valid());
                }
                Some(t) if surface.phase(x, y) == phase && r.is_valid() => {
                    rel.push(r.modulus_pa / t.modulus_pa - 1.0);
                    adh.push(r.adhesion_n / adh_true - 1.0);
                }
                _ => {}
            }
        }
        let max_abs = rel.iter().map(|v| v.abs()).fold(0.0, f64::max);
        rows.push(vec![
            format!("phase {phase}"),
            format_si(*e_true, "Pa", 3),
            rel.len().to_string(),
            format!("{:+.2e}", stats::median(&rel)),
            format!("{max_abs:.2e}"),
            format!("{:+.2e}", stats::median(&adh)),
        ]);
    }
    report.table(
        &["phase", "true modulus (±5 % spread)", "valid pixels", "median dE/E", "max |dE/E|", "median dF_adh/F_adh"],
        &rows,
    );
    // The height at contact against the true topography, both plane-levelled.
    let mut truth = Image::new("True surface height (plane-levelled)", "m", n, n);
    truth.size_m = g.size_m;
    for y in 0..n {
        for x in 0..n {
            let t = surface.truth(x, y);
            truth.set(x, y, t.map_or(f64::NAN, |t| t.surface_m), t.is_some() && m.height.is_valid(x, y));
        }
    }
    level_plane(&mut truth);
    let diffs: Vec<f64> = (0..n * n)
        .filter(|&i| truth.is_valid(i % n, i / n) && m.height.is_valid(i % n, i / n))
        .map(|i| m.height.get(i % n, i / n) - truth.get(i % n, i / n))
        .collect();
    let rms = (diffs.iter().map(|d| d * d).sum::<f64>() / diffs.len().max(1) as f64).sqrt();
    let (lo, hi) = truth.range().unwrap_or((0.0, 0.0));
    report.image_png(
        "Height at contact, measured (plane-levelled)",
        &png(&m.height, "Height at contact (measured)", "Height")?,
    );
    report.image_png(
        "True surface height of the synthetic sample (plane-levelled)",
        &png(&truth, "True surface height", "Height")?,
    );
    report.paragraph(format!(
        "The height-at-contact map recovers the synthetic topography ({} peak to peak after levelling): RMS \
         difference {} over {} valid pixels. It is read from the height channel at the fitted contact point and \
         does not depend on the tip-offset correction.",
        format_si(hi - lo, "m", 2),
        format_si(rms, "m", 2),
        diffs.len()
    ));
    report.paragraph(format!(
        "{broken} pixels hold curves that never reached the surface; {broken_flagged} of them were flagged \
         (white on every map), none aborted the batch. Summary: {}",
        run.summary().line()
    ));
    lines.push(format!("synthetic QNM map: {}; height RMS error {}", run.summary().line(), format_si(rms, "m", 2)));
    report.paragraph(format!(
        "Folders: spot3-jpk-dp/, spot3-nanite/, sei-qnm/ (each with report.html, maps, CSV, JSON). Made by vegard {}.",
        crate::VERSION
    ));
    out.write("report.html", report.to_html().as_bytes())?;
    let path = out.path("report.html");
    out.finish("demo")?;
    Ok(DemoOutcome { report: path, lines })
}

/// The folder name products give an input called `name` (see `output::unique_names`).
fn sanitized(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}
