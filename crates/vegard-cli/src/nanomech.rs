//! `vegard nanomech INPUTS... --model KEY ...`: flags → settings, then the library's batch
//! and products; this file only translates and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use vegard::batch::nanomech::{self as job, Outcome};
use vegard::nanomech::{NanomechSettings, Setup};
use vegard::products::nanomech::{ProductOptions, write_json, write_products};
use vegard::products::{OutputDir, PlotAxis, PlotCurves};

/// Exit statuses, for scripts.
pub const EXIT_SOME_INPUTS_FAILED: u8 = 3;
pub const EXIT_NO_INPUT_ANALYSED: u8 = 4;

const AFTER_HELP: &str = "\
Tip geometry and the sample's Poisson ratio have no defaults: give what the model needs \
(--tip-radius for spheres, paraboloids, DMT, JKR and films; --half-angle for cones and pyramids). \
Lengths need their unit (20nm, 10um); a bare number is metres and an implausible one is refused.

Every curve is checked; a flagged curve keeps its numbers in results.csv/json but is white on \
every map and left out of every statistic. Flags: poor_fit (R² < --min-r2), too_few_points \
(< --min-fit-points), no_contact (peak < --min-contact-snr σ), beyond_validity (indentation > \
--max-indentation-ratio × the model's validity length), negative_indentation, negative_deformation, \
parameter_at_bound, contact_point_outside, no_convergence, modulus_not_positive/finite, read_error.

Exit status: 0 every input analysed (flagged curves are results, with a warning when no curve \
is valid); 1 error before any work (settings, output folder); 2 usage error; 3 some inputs could \
not be read (error rows in the products), the others were analysed; 4 no input could be analysed.";

#[derive(clap::Args, Default)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Force-curve files (JPK, NanoScope, Asylum .ibw, CSV, .vgc), folders (searched
    /// recursively for those formats) or glob patterns such as 'maps/*.jpk-force-map'.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// TOML file with the keys of provenance.parameters (flags win over the file).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Contact model key (required; `vegard models` lists them).
    #[arg(long)]
    pub model: Option<String>,
    /// Tip radius R, with its unit: 20nm, 10um (punch radius for flat-punch).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_len)]
    pub tip_radius: Option<f64>,
    /// Half-opening angle of cones / face angle of pyramids, degrees (20 or 20deg).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_angle_deg)]
    pub half_angle: Option<f64>,
    /// Poisson's ratio of the sample (required; 0.5 soft matter, ~0.3 inorganic).
    #[arg(long, allow_hyphen_values = true)]
    pub poisson: Option<f64>,
    /// Young's modulus of the tip, e.g. 1050GPa for diamond [default: rigid tip].
    #[arg(long, allow_hyphen_values = true, value_parser = parse_pa)]
    pub tip_modulus: Option<f64>,
    /// Poisson's ratio of the tip (required with --tip-modulus).
    #[arg(long, allow_hyphen_values = true)]
    pub tip_poisson: Option<f64>,
    /// Segment to fit [default: the model's: approach; retract for dmt and jkr].
    #[arg(long, value_parser = ["approach", "retract"])]
    pub segment: Option<String>,
    /// Fit window as fractions of the force range, e.g. 0.3,0.9 [default: the model's:
    /// 0.3,0.9 for dmt and jkr, else the whole segment].
    #[arg(long, allow_hyphen_values = true, value_parser = parse_window)]
    pub window: Option<[f64; 2]>,
    /// Contact-point method [default: deviation_from_baseline].
    #[arg(long)]
    pub contact_point: Option<String>,
    /// Remove a linear baseline tilt (fitted before the contact point) [default: off].
    #[arg(long)]
    pub tilt: bool,
    /// Do not shift the tip position to put the contact point at 0 [default: shift].
    #[arg(long)]
    pub no_tip_offset: bool,
    /// Hold the baseline force at 0 instead of fitting it [default: fitted].
    #[arg(long)]
    pub fix_baseline: bool,
    /// Fit only the last FACTOR × (N − contact index) approach points, as JPK Data
    /// Processing [default: no crop].
    #[arg(long, allow_hyphen_values = true)]
    pub crop_factor: Option<f64>,
    /// Down-weight residuals within this distance of the contact point, as nanite's
    /// weight_cp, e.g. 500nm [default: no weighting].
    #[arg(long, allow_hyphen_values = true, value_parser = parse_len)]
    pub weight_cp: Option<f64>,
    /// Film thickness for the Dimitriadis thin-film models, e.g. 500nm (required by them).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_len)]
    pub film_thickness: Option<f64>,
    /// Override the file's spring constant, e.g. 0.04 or 40mN/m [default: from the file].
    #[arg(long, allow_hyphen_values = true, value_parser = parse_k)]
    pub spring_constant: Option<f64>,
    /// Override the file's deflection sensitivity (InvOLS), e.g. 70nm/V [default: from the file].
    #[arg(long, allow_hyphen_values = true, value_parser = parse_invols)]
    pub sensitivity: Option<f64>,
    /// Flag fits with R² below this as poor_fit [default: 0.9].
    #[arg(long, allow_hyphen_values = true)]
    pub min_r2: Option<f64>,
    /// Flag fits with fewer points than this as too_few_points [default: 8].
    #[arg(long)]
    pub min_fit_points: Option<usize>,
    /// Flag curves whose peak force is below this many baseline-noise σ as no_contact [default: 5].
    #[arg(long, allow_hyphen_values = true)]
    pub min_contact_snr: Option<f64>,
    /// Flag curves indented deeper than this × the model's validity length (R, a,
    /// min(R, h²/R)) as beyond_validity [default: 1].
    #[arg(long, allow_hyphen_values = true)]
    pub max_indentation_ratio: Option<f64>,
    /// Write per-curve results, summaries and provenance as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write every product into this folder: report.html (index), results.csv/json,
    /// provenance.json, one folder per input with maps (PNG + GSF), curves.csv and figures.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the products of an earlier run in --out (only the files its manifest lists).
    #[arg(long)]
    pub force: bool,
    /// Curve figures: none, gallery (median, lowest and highest modulus, one per flag),
    /// flagged or all [default: gallery].
    #[arg(long, value_parser = ["none", "gallery", "flagged", "all"])]
    pub plot_curves: Option<String>,
    /// x axis of curve figures: tip-position or indentation [default: tip-position].
    #[arg(long, value_parser = ["tip-position", "indentation"])]
    pub plot_axis: Option<String>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_len(s: &str) -> Result<f64, String> {
    vegard::units::parse_length(s).map_err(|e| e.to_string())
}
fn parse_angle_deg(s: &str) -> Result<f64, String> {
    vegard::units::parse_angle(s).map(f64::to_degrees).map_err(|e| e.to_string())
}
fn parse_pa(s: &str) -> Result<f64, String> {
    vegard::units::parse_quantity(s, "Pa").map_err(|e| e.to_string())
}
fn parse_k(s: &str) -> Result<f64, String> {
    vegard::units::parse_quantity(s, "N/m").map_err(|e| e.to_string())
}
fn parse_invols(s: &str) -> Result<f64, String> {
    vegard::units::parse_quantity(s, "m/V").map_err(|e| e.to_string())
}
fn parse_window(s: &str) -> Result<[f64; 2], String> {
    let parts: Vec<&str> = s.split([',', ':']).collect();
    match parts.as_slice() {
        [a, b] => Ok([
            a.trim().parse().map_err(|_| format!("bad lower bound '{a}'"))?,
            b.trim().parse().map_err(|_| format!("bad upper bound '{b}'"))?,
        ]),
        _ => Err(format!("expected LOWER,UPPER (e.g. 0.3,0.9), got '{s}'")),
    }
}

/// The flags given, as settings keys (the library merges them over the config file).
fn overrides(a: &Args) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut m = serde_json::Map::new();
    let mut set = |k: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    set("model", a.model.as_ref().map(|v| json!(v)));
    set("tip_radius_m", a.tip_radius.map(|v| json!(v)));
    set("half_angle_deg", a.half_angle.map(|v| json!(v)));
    set("poisson", a.poisson.map(|v| json!(v)));
    set("tip_modulus_pa", a.tip_modulus.map(|v| json!(v)));
    set("tip_poisson", a.tip_poisson.map(|v| json!(v)));
    set("segment", a.segment.as_ref().map(|v| json!(v)));
    set("window", a.window.map(|v| json!(v)));
    set("contact_point", a.contact_point.as_ref().map(|v| json!(v)));
    set("correct_tilt", a.tilt.then_some(json!(true)));
    set("correct_tip_offset", a.no_tip_offset.then_some(json!(false)));
    set("fix_baseline", a.fix_baseline.then_some(json!(true)));
    set("crop_factor", a.crop_factor.map(|v| json!(v)));
    set("weight_cp_m", a.weight_cp.map(|v| json!(v)));
    set("film_thickness_m", a.film_thickness.map(|v| json!(v)));
    set("spring_constant_n_per_m", a.spring_constant.map(|v| json!(v)));
    set("sensitivity_m_per_v", a.sensitivity.map(|v| json!(v)));
    set("min_r2", a.min_r2.map(|v| json!(v)));
    set("min_fit_points", a.min_fit_points.map(|v| json!(v)));
    set("min_contact_snr", a.min_contact_snr.map(|v| json!(v)));
    set("max_indentation_ratio", a.max_indentation_ratio.map(|v| json!(v)));
    m
}

/// Settings from the config file (if any), then the flags on top.
pub fn settings(args: &Args) -> Result<NanomechSettings> {
    let text = match &args.config {
        Some(p) => Some(std::fs::read_to_string(p).with_context(|| format!("reading config {}", p.display()))?),
        None => None,
    };
    let source = args.config.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    Ok(NanomechSettings::from_layers(text.as_deref().map(|t| (source.as_str(), t)), &overrides(args))?)
}

/// A progress bar over the curves of the batch.
struct Bar(indicatif::ProgressBar);

impl job::Progress for Bar {
    fn add_total(&self, n: usize) {
        self.0.inc_length(n as u64);
    }
    fn advance(&self, n: usize) {
        self.0.inc(n as u64);
    }
}

fn bar(quiet: bool, template: &str) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(0);
    b.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b
}

pub fn run(args: Args) -> Result<ExitCode> {
    let settings = settings(&args)?;
    let setup = Setup::new(&settings)?;
    let opts = ProductOptions {
        plot_curves: PlotCurves::from_key(args.plot_curves.as_deref().unwrap_or("gallery")).unwrap_or_default(),
        plot_axis: PlotAxis::from_key(args.plot_axis.as_deref().unwrap_or("tip-position")).unwrap_or_default(),
    };
    // Where the products go is checked before any work.
    let out = args.out.as_ref().map(|o| OutputDir::prepare(o, args.force)).transpose()?;
    if let Some(j) = &args.json
        && let Some(parent) = j.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        anyhow::bail!("--json {}: the folder {} does not exist", j.display(), parent.display());
    }
    if args.json.is_none() && out.is_none() {
        eprintln!("note: neither --json nor --out given: printing a summary only");
    }
    let command = Some(std::env::args().collect::<Vec<_>>().join(" "));
    let progress = bar(args.quiet, "nanomech [{bar:40}] {pos}/{len} curves ({per_sec}, ETA {eta})");
    let started = std::time::Instant::now();
    let batch = job::run_inputs(&args.files, &setup, command, &Bar(progress.clone()));
    progress.finish_and_clear();
    let analysed_s = started.elapsed().as_secs_f64();
    eprintln!("settings: {}", setup.describe_line());
    // One line per input for a handful; beyond, the per-input summaries are in the products.
    const PER_INPUT_LINES: usize = 20;
    for run in batch.runs.iter().take(PER_INPUT_LINES) {
        eprintln!("{}: {}", run.path.display(), run.summary().line());
    }
    if batch.runs.len() > PER_INPUT_LINES {
        eprintln!(
            "… and {} more inputs (one summary per input in results.csv / results.json)",
            batch.runs.len() - PER_INPUT_LINES
        );
    }
    for f in &batch.failures {
        eprintln!("error: {}", f.error);
    }
    if batch.runs.len() > 1 {
        let all = vegard::products::nanomech::batch_summary(&batch);
        eprintln!("all {} inputs: {}", batch.runs.len(), all.line());
    }
    eprintln!("analysed {} curves in {analysed_s:.2} s", batch.n_curves());
    if let Some(json) = &args.json {
        write_json(json, &batch, &setup).with_context(|| format!("writing {}", json.display()))?;
    }
    if let Some(out) = out {
        let root = out.root().to_path_buf();
        let started = std::time::Instant::now();
        let writing = bar(args.quiet, "products [{bar:40}] {pos}/{len} inputs ({eta})");
        writing.set_length(batch.runs.len() as u64);
        let warnings = write_products(&out, "", &batch, &setup, &opts, &|done, _| writing.set_position(done as u64))?;
        writing.finish_and_clear();
        for w in &warnings {
            eprintln!("warning: {w}");
        }
        let manifest = out.finish("nanomech")?;
        eprintln!(
            "wrote {} files in {:.2} s to {} (open {})",
            manifest.files.len() + 1,
            started.elapsed().as_secs_f64(),
            root.display(),
            root.join("report.html").display()
        );
    }
    Ok(match Outcome::of(&batch) {
        Outcome::Complete => ExitCode::SUCCESS,
        Outcome::SomeInputsFailed => {
            eprintln!(
                "{} of {} inputs could not be read (exit status {EXIT_SOME_INPUTS_FAILED})",
                batch.failures.len(),
                batch.failures.len() + batch.runs.len()
            );
            ExitCode::from(EXIT_SOME_INPUTS_FAILED)
        }
        Outcome::NoInputAnalysed => {
            eprintln!("error: no input could be analysed (exit status {EXIT_NO_INPUT_ANALYSED})");
            ExitCode::from(EXIT_NO_INPUT_ANALYSED)
        }
        Outcome::NoValidCurve => {
            // Flagged curves are results (numbers with the reasons not to trust them); the
            // run itself succeeded. Say it plainly.
            eprintln!("warning: no curve gave a valid modulus: every curve is flagged (see the flags above)");
            ExitCode::SUCCESS
        }
    })
}
