//! What a nanomechanics run writes: the one definition of its tables, records and reports,
//! shared by the command line and the Python package.
//!
//! ```text
//! OUT/
//!   report.html            index: settings, summary, flags by reason, one row per input
//!                          (thumbnail → its page), error rows, provenance; small at any size
//!   results.csv            one row per curve over all inputs, plus one row per failed input
//!   results.json           provenance, per-input summaries, error rows, every curve record
//!   provenance.json        how the results were made (settings as used, inputs' SHA-256)
//!   vegard-manifest.json   every file this run wrote
//!   files/<input>/         one folder per input (unique names): report.html, curves.csv,
//!                          maps (PNG + Gwyddion GSF), modulus histogram, curve figures
//! ```

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::curve_figure::{self, PlotAxis, PlotCurves};
use super::output::{OutputDir, OutputError, unique_names};
use crate::batch::nanomech::{BatchRun, InputFailure, InputRun};
use crate::nanomech::{CurveResult, Flag, Setup, Summary, maps};
use crate::provenance::Provenance;
use crate::render::{Cell, ColorLimits, HistogramPlot, MapStyle, Report};
use crate::units::{format_count, format_si_sig};

/// How products are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProductOptions {
    pub plot_curves: PlotCurves,
    pub plot_axis: PlotAxis,
}

/// Why products could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{what}: {message}")]
    Render { what: String, message: String },
}

/// The per-curve table's columns (the CSV header), in order. Units are in the names;
/// `error` is filled only on the row of an input that could not be read.
pub const CSV_COLUMNS: [&str; 27] = [
    "file",
    "index",
    "grid_x",
    "grid_y",
    "model",
    "modulus_pa",
    "modulus_stderr_pa",
    "contact_point_m",
    "contact_point_index",
    "contact_height_m",
    "max_indentation_m",
    "baseline_n",
    "r2",
    "adhesion_n",
    "peak_force_n",
    "deformation_m",
    "dissipation_j",
    "fit_start_m",
    "fit_end_m",
    "fit_force_low_n",
    "fit_force_high_n",
    "n_fit_points",
    "spring_constant_n_per_m",
    "sensitivity_m_per_v",
    "valid",
    "flags",
    "error",
];

fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// Write the CSV header.
pub fn csv_header(out: &mut String) {
    out.push_str(&CSV_COLUMNS.join(","));
    out.push('\n');
}

/// Append one row per curve.
pub fn csv_rows(results: &[CurveResult], out: &mut String) {
    let opt = |v: Option<usize>| v.map_or(String::new(), |v| v.to_string());
    let optf = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:e}"));
    let num = |v: f64| if v.is_finite() { format!("{v:e}") } else { String::new() };
    for r in results {
        let flags: Vec<&str> = r.flags.iter().map(|f| f.key()).collect();
        let cells = [
            csv_text(&r.file),
            r.index.to_string(),
            opt(r.grid_x),
            opt(r.grid_y),
            r.model.clone(),
            num(r.modulus_pa),
            num(r.modulus_stderr_pa),
            num(r.contact_point_m),
            opt(r.contact_point_index),
            num(r.contact_height_m),
            num(r.max_indentation_m),
            num(r.baseline_n),
            num(r.r2),
            num(r.adhesion_n),
            num(r.peak_force_n),
            num(r.deformation_m),
            num(r.dissipation_j),
            num(r.fit_range_m[0]),
            num(r.fit_range_m[1]),
            num(r.fit_force_range_n[0]),
            num(r.fit_force_range_n[1]),
            r.n_fit_points.to_string(),
            optf(r.spring_constant_n_per_m),
            optf(r.sensitivity_m_per_v),
            r.is_valid().to_string(),
            flags.join(";"),
            String::new(),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
}

/// Append the row of an input that could not be read.
pub fn csv_error_row(f: &InputFailure, out: &mut String) {
    let mut cells = vec![String::new(); CSV_COLUMNS.len()];
    cells[0] = csv_text(&f.file);
    cells[24] = "false".into();
    cells[25] = "input_error".into();
    cells[26] = csv_text(&f.error);
    out.push_str(&cells.join(","));
    out.push('\n');
}

/// The combined table over a batch: every curve of every input, then the error rows.
pub fn csv_table(batch: &BatchRun) -> String {
    let mut s = String::new();
    csv_header(&mut s);
    for run in &batch.runs {
        csv_rows(&run.results, &mut s);
    }
    for f in &batch.failures {
        csv_error_row(f, &mut s);
    }
    s
}

/// One input's entry in the JSON record.
#[derive(Serialize)]
pub struct FileRecord<'a> {
    pub file: String,
    pub format: &'a str,
    pub grid: Option<crate::data::GridShape>,
    /// The input's folder under the output folder, if products were written.
    pub folder: Option<String>,
    pub summary: Summary,
}

/// The machine-readable record of a batch: provenance, the settings as used (for people),
/// what every flag means, the summary over all inputs, per-input summaries, error rows and
/// one record per curve. Serialised straight from the results (no intermediate JSON tree,
/// so a 512 × 512 map stays cheap).
#[derive(Serialize)]
pub struct JsonRecord<'a> {
    pub provenance: &'a Provenance,
    pub settings_used: Vec<(String, String)>,
    pub flag_meanings: Vec<(&'static str, &'static str)>,
    pub summary: Summary,
    pub files: Vec<FileRecord<'a>>,
    pub errors: &'a [InputFailure],
    pub curves: Vec<&'a CurveResult>,
}

/// The JSON record of a batch (`folders`: each input's folder, if products were written).
pub fn json_record<'a>(batch: &'a BatchRun, setup: &Setup, folders: Option<&[String]>) -> JsonRecord<'a> {
    JsonRecord {
        provenance: &batch.provenance,
        settings_used: setup.describe(),
        flag_meanings: Flag::all().iter().map(|f| (f.key(), f.meaning())).collect(),
        summary: batch_summary(batch),
        files: batch
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| FileRecord {
                file: r.path.display().to_string(),
                format: &r.format,
                grid: r.grid,
                folder: folders.map(|f| format!("files/{}", f[i])),
                summary: r.summary(),
            })
            .collect(),
        errors: &batch.failures,
        curves: batch.runs.iter().flat_map(|r| &r.results).collect(),
    }
}

/// The summary over every curve of every input.
pub fn batch_summary(batch: &BatchRun) -> Summary {
    let all: Vec<CurveResult> = batch.runs.iter().flat_map(|r| r.results.iter().cloned()).collect();
    Summary::of(&all)
}

/// The JSON bytes: indented for people up to 10 000 curves, compact beyond.
pub fn json_bytes(record: &JsonRecord) -> Vec<u8> {
    let r = if record.curves.len() <= 10_000 { serde_json::to_vec_pretty(record) } else { serde_json::to_vec(record) };
    r.unwrap_or_default()
}

/// Write the JSON record alone to `path` (atomically).
pub fn write_json(path: &Path, batch: &BatchRun, setup: &Setup) -> std::io::Result<()> {
    crate::io::write_atomic(path, &json_bytes(&json_record(batch, setup, None)))
}

fn style(title: &str, quantity: &str) -> MapStyle {
    MapStyle {
        title: Some(title.to_string()),
        quantity: Some(quantity.to_string()),
        limits: ColorLimits::Percentiles(1.0, 99.0),
        ..MapStyle::default()
    }
}

fn render_err(what: impl Into<String>) -> impl FnOnce(crate::render::RenderError) -> ProductError {
    let what = what.into();
    move |e| ProductError::Render { what, message: e.to_string() }
}

/// One input's products: its folder's files and what the index shows of it.
struct FilePage {
    /// A small picture for the index (relative to the output folder).
    thumbnail: Option<String>,
    /// Figures embedded in the index when the batch is small: (caption, file).
    figures: Vec<(String, String)>,
    warnings: Vec<String>,
}

/// Write one input's folder `files/<name>/`.
fn write_file_products(
    out: &OutputDir,
    prefix: &str,
    name: &str,
    run: &InputRun,
    setup: &Setup,
    opts: &ProductOptions,
) -> Result<FilePage, ProductError> {
    // Paths inside the page's folder are relative to it; the index's are relative to `prefix`.
    let dir = format!("{prefix}files/{name}");
    let from_index = format!("files/{name}");
    let spec = setup.model.spec();
    let sum = run.summary();
    let mut page = FilePage { thumbnail: None, figures: Vec::new(), warnings: Vec::new() };
    let mut report = Report::new(format!("{} — {}", run.path.display(), spec.name));
    report.paragraph(format!(
        "vegard {} analysed {} ({}) with the {} model ({}). Flagged curves keep their numbers in curves.csv \
         but are white on every map and left out of every statistic.",
        crate::VERSION,
        format_count(run.results.len(), "curve", "curves"),
        run.format,
        spec.name,
        spec.formula
    ));
    report.rich_table(
        &["back to"],
        vec![vec![Cell::Link { text: "the index of this run".into(), href: "../../report.html".into() }]],
    );
    report.section("Settings used");
    report.key_values(&setup.describe());
    report.section("Summary");
    report.table(&["quantity", "value"], &summary_rows(&sum));
    let mut csv = String::new();
    csv_header(&mut csv);
    csv_rows(&run.results, &mut csv);
    out.write(&format!("{dir}/curves.csv"), csv.as_bytes())?;
    if run.results.len() <= 20 {
        report.section("Curves");
        report.table(
            &["curve", "grid", "modulus", "contact height", "R²", "adhesion", "deformation", "max δ", "flags"],
            &run.results.iter().map(curve_row).collect::<Vec<_>>(),
        );
    }
    let grid = run.grid.filter(|g| g.nx * g.ny > 1 && run.results.len() > 1);
    if let Some(g) = grid {
        report.section("Maps");
        let maps = maps::maps(&run.results, &g, spec.key);
        // The maps are drawn in parallel (a large force volume's maps are the slow part of
        // its products), then added to the page in their fixed order.
        let drawn: Vec<Result<(&str, &crate::data::Image), ProductError>> = maps
            .all()
            .into_par_iter()
            .map(|(key, im)| {
                let quantity = match key {
                    "modulus" => "Young's modulus".to_string(),
                    "r2" => "R²".to_string(),
                    "height" => "Height at contact".to_string(),
                    _ => im.name.clone(),
                };
                let st = style(&format!("{} — {name}", im.name), &quantity);
                let png = crate::render::map_png(im, &st).map_err(render_err(format!("{name}: {key} map")))?;
                out.write(&format!("{dir}/{key}.png"), &png)?;
                out.write(&format!("{dir}/{key}.gsf"), &crate::io::gsf::gsf_bytes(im))?;
                if key == "modulus" {
                    let thumb = crate::render::map_thumbnail_png(im, &st, 160)
                        .map_err(render_err(format!("{name}: modulus thumbnail")))?;
                    out.write(&format!("{dir}/thumbnail.png"), &thumb)?;
                }
                Ok((key, im))
            })
            .collect();
        for d in drawn {
            let (key, im) = d?;
            if matches!(key, "modulus" | "adhesion" | "height") {
                report.image_file(
                    format!("{} ({} flagged or invalid pixels white)", im.name, im.n_invalid()),
                    format!("{key}.png"),
                );
            }
            if key == "modulus" {
                page.thumbnail = Some(format!("{from_index}/thumbnail.png"));
                page.figures.push((format!("{} — {name}", im.name), format!("{from_index}/{key}.png")));
            }
        }
        out.write(&format!("{dir}/modulus_mask.gsf"), &crate::io::gsf::gsf_mask_bytes(&maps.modulus))?;
        report.paragraph(
            "Every map is also written as a Gwyddion .gsf file beside this page (flagged pixels NaN), \
             with modulus_mask.gsf marking the valid pixels.",
        );
    }
    let moduli: Vec<f64> = run.results.iter().filter(|r| r.is_valid()).map(|r| r.modulus_pa).collect();
    if moduli.len() >= 10 {
        let mut h =
            HistogramPlot::new(format!("Modulus histogram ({}) — {name}", spec.key), "Young's modulus", "Pa", moduli);
        let range = h.values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - h.values.iter().copied().fold(f64::INFINITY, f64::min);
        // Wolff & Hausen 2023 bin stiffness in 20 MPa steps; use that when it gives a readable histogram.
        if range > 100e6 && range < 20e9 {
            h.bin_width = Some(20e6);
        }
        let png = crate::render::histogram_png(&h).map_err(render_err(format!("{name}: histogram")))?;
        out.write(&format!("{dir}/modulus_histogram.png"), &png)?;
        report.image_file("Histogram of the valid moduli", "modulus_histogram.png");
    }
    let chosen = curve_figure::curves_to_plot(&run.results, opts.plot_curves);
    if !chosen.is_empty() {
        report.section("Curves");
        report.paragraph(
            "Measured segments over their own range; the fitted model (black) only over the fit window (shaded); \
             the lower panel shows data − model in the window.",
        );
    }
    // Figures are files beside the page (linked, not embedded: a batch writes hundreds of
    // pages), drawn in parallel (each re-reads and re-analyses its curve), shown in the order
    // chosen.
    // The input is opened again only when it has figures to draw.
    let source = if chosen.is_empty() { None } else { Some(run.open_source()) };
    let figures: Vec<(usize, String, Result<Vec<u8>, curve_figure::FigureError>)> = match &source {
        Some(Ok(src)) => chosen
            .into_par_iter()
            .map(|(i, why)| {
                let fig = curve_figure::curve_figure(src.as_ref(), i, &run.results[i], setup, opts.plot_axis);
                (i, why, fig)
            })
            .collect(),
        Some(Err(e)) => {
            page.warnings.push(format!("{}: no curve figures: cannot open the file again: {e}", run.path.display()));
            Vec::new()
        }
        None => Vec::new(),
    };
    for (i, why, fig) in figures {
        let r = &run.results[i];
        match fig {
            Ok(png) => {
                let file = format!("curve_{}.png", r.index);
                out.write(&format!("{dir}/{file}"), &png)?;
                let caption =
                    if why.is_empty() { format!("Curve {}", r.index) } else { format!("Curve {}: {why}", r.index) };
                report.image_file(caption.clone(), file.clone());
                if page.figures.len() < 2 {
                    page.figures.push((caption, format!("{from_index}/{file}")));
                }
                if page.thumbnail.is_none() {
                    page.thumbnail = Some(format!("{from_index}/{file}"));
                }
            }
            Err(e) => page.warnings.push(format!("{}: no figure for curve {}: {e}", run.path.display(), r.index)),
        }
    }
    if sum.n_flagged > 0 {
        report.section("What the flags mean");
        report.table(&["flag", "curves", "meaning (threshold)"], &flag_rows(&sum));
    }
    report.section("Provenance");
    report.code_block(serde_json::to_string_pretty(&run.input).unwrap_or_default());
    out.write(&format!("{dir}/report.html"), report.to_html().as_bytes())?;
    Ok(page)
}

fn summary_rows(sum: &Summary) -> Vec<Vec<String>> {
    let mut rows = vec![
        vec!["curves".into(), sum.n_curves.to_string()],
        vec!["valid".into(), sum.n_valid.to_string()],
        vec!["flagged".into(), sum.n_flagged.to_string()],
    ];
    if sum.n_valid > 0 {
        rows.push(vec!["median modulus".into(), format_si_sig(sum.modulus_median_pa, "Pa", 4)]);
        if sum.n_valid > 1 {
            rows.push(vec![
                "mean ± std modulus".into(),
                format!(
                    "{} ± {}",
                    format_si_sig(sum.modulus_mean_pa, "Pa", 4),
                    format_si_sig(sum.modulus_std_pa, "Pa", 2)
                ),
            ]);
        }
        rows.push(vec!["median adhesion".into(), format_si_sig(sum.adhesion_median_n, "N", 3)]);
        rows.push(vec!["median deformation".into(), format_si_sig(sum.deformation_median_m, "m", 3)]);
    }
    for f in Flag::all() {
        if let Some(n) = sum.flag_counts.get(f.key()) {
            rows.push(vec![format!("flagged {}", f.key()), n.to_string()]);
        }
    }
    rows
}

fn flag_rows(sum: &Summary) -> Vec<Vec<String>> {
    Flag::all()
        .iter()
        .filter_map(|f| {
            sum.flag_counts.get(f.key()).map(|n| vec![f.key().to_string(), n.to_string(), f.meaning().to_string()])
        })
        .collect()
}

fn curve_row(r: &CurveResult) -> Vec<String> {
    vec![
        r.index.to_string(),
        r.grid_x.zip(r.grid_y).map_or(String::new(), |(x, y)| format!("({x}, {y})")),
        format_si_sig(r.modulus_pa, "Pa", 4),
        format_si_sig(r.contact_height_m, "m", 6),
        format!("{:.4}", r.r2),
        format_si_sig(r.adhesion_n, "N", 3),
        format_si_sig(r.deformation_m, "m", 3),
        format_si_sig(r.max_indentation_m, "m", 3),
        r.flags.iter().map(|f| f.key()).collect::<Vec<_>>().join(", "),
    ]
}

/// Write every product of a batch into a prepared output folder, under `prefix` (`""`, or a
/// sub-folder such as `"run1/"`): the inputs' folders in parallel (`progress(done, total)`
/// after each input), then the combined table, the JSON record, the provenance and the index
/// report. Returns the figures that could not be drawn (everything else was written); the
/// caller finishes the folder's manifest.
pub fn write_products(
    out: &OutputDir,
    prefix: &str,
    batch: &BatchRun,
    setup: &Setup,
    opts: &ProductOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<String>, ProductError> {
    let names = unique_names(&batch.runs.iter().map(|r| r.path.clone()).collect::<Vec<_>>());
    let total = batch.runs.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let pages: Vec<Result<FilePage, ProductError>> = batch
        .runs
        .par_iter()
        .zip(&names)
        .map(|(run, name)| {
            let page = write_file_products(out, prefix, name, run, setup, opts);
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
            page
        })
        .collect();
    let mut file_pages = Vec::with_capacity(pages.len());
    for p in pages {
        file_pages.push(p?);
    }
    out.write(&format!("{prefix}results.csv"), csv_table(batch).as_bytes())?;
    out.write(&format!("{prefix}results.json"), &json_bytes(&json_record(batch, setup, Some(&names))))?;
    out.write(&format!("{prefix}provenance.json"), &serde_json::to_vec_pretty(&batch.provenance).unwrap_or_default())?;
    let index = index_report(batch, setup, &names, &file_pages);
    out.write(&format!("{prefix}report.html"), index.to_html().as_bytes())?;
    Ok(file_pages.into_iter().flat_map(|p| p.warnings).collect())
}

/// The index page: small whatever the batch size (pictures are linked, not embedded, beyond
/// a handful of inputs).
fn index_report(batch: &BatchRun, setup: &Setup, names: &[String], pages: &[FilePage]) -> Report {
    let spec = setup.model.spec();
    let sum = batch_summary(batch);
    let mut report = Report::new(format!("vegard nanomechanics — {}", spec.name));
    report.paragraph(format!(
        "vegard {} analysed {} ({}) with the {} model, {} = {}. {} Every number is reproducible from \
         provenance.json (settings as used, inputs' SHA-256, software version); results.csv and results.json \
         hold every curve.",
        crate::VERSION,
        format_count(batch.runs.len() + batch.failures.len(), "input", "inputs"),
        format_count(sum.n_curves, "curve", "curves"),
        spec.name,
        spec.key,
        spec.formula,
        if batch.failures.is_empty() {
            String::new()
        } else {
            format!("{} could not be read (listed below).", format_count(batch.failures.len(), "input", "inputs"))
        }
    ));
    report.section("Settings used");
    report.key_values(&setup.describe());
    report.key_values(&[("model validity", spec.validity), ("model source", spec.citation)]);
    report.section("Summary over all inputs");
    report.table(&["quantity", "value"], &summary_rows(&sum));
    if sum.n_flagged > 0 {
        report.table(&["flag", "curves", "meaning (threshold)"], &flag_rows(&sum));
    }
    report.section("Inputs");
    let rows: Vec<Vec<Cell>> = batch
        .runs
        .iter()
        .zip(names)
        .zip(pages)
        .map(|((run, name), page)| {
            let s = run.summary();
            let href = format!("files/{name}/report.html");
            let mut row = vec![
                match &page.thumbnail {
                    Some(src) => Cell::Thumbnail { src: src.clone(), href: href.clone(), alt: name.clone() },
                    None => Cell::Text(String::new()),
                },
                Cell::Link { text: run.path.display().to_string(), href },
                Cell::Text(format!("{} / {}", s.n_valid, s.n_curves)),
                Cell::Text(if s.n_valid > 0 { format_si_sig(s.modulus_median_pa, "Pa", 4) } else { "—".into() }),
            ];
            let flags: Vec<String> = Flag::all()
                .iter()
                .filter_map(|f| s.flag_counts.get(f.key()).map(|n| format!("{} {n}", f.key())))
                .collect();
            row.push(Cell::Text(flags.join(", ")));
            row
        })
        .collect();
    report.rich_table(&["", "input (its page)", "valid / curves", "median modulus", "flagged by reason"], rows);
    if !batch.failures.is_empty() {
        report.section("Inputs that could not be read");
        report.table(
            &["input", "error"],
            &batch.failures.iter().map(|f| vec![f.file.clone(), f.error.clone()]).collect::<Vec<_>>(),
        );
    }
    if batch.runs.len() <= 6 {
        for page in pages {
            for (caption, src) in &page.figures {
                report.image_file(caption.clone(), src.clone());
            }
        }
    }
    report.section("Provenance");
    report.code_block(serde_json::to_string_pretty(&batch.provenance).unwrap_or_default());
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_columns_speak_the_csv_vocabulary() {
        for (name, _) in crate::nanomech::analysis::NUMBER_COLUMNS {
            assert!(CSV_COLUMNS.contains(&name), "{name} is not a CSV column");
        }
    }
}
