//! `vegard nanomech FILES... --model KEY ...`

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use vegard::data::SegmentKind;
use vegard::nanomech::analysis::{self, CurveResult, NanomechSettings, Setup};
use vegard::provenance::{InputRecord, Provenance};

use crate::products;

#[derive(clap::Args, Default)]
pub struct Args {
    /// Force-curve files (JPK, NanoScope, Asylum .ibw, CSV, .vgc).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// TOML file with the same keys as the flags (flags win).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Contact model key (see `vegard models`).
    #[arg(long)]
    pub model: Option<String>,
    /// Tip radius, e.g. 20nm, 10um or 2e-8 (m).
    #[arg(long, value_parser = parse_len)]
    pub tip_radius: Option<f64>,
    /// Half-opening angle of cones / face angle of pyramids, degrees (e.g. 20 or 20deg).
    #[arg(long, value_parser = parse_angle_deg)]
    pub half_angle: Option<f64>,
    /// Poisson's ratio of the sample.
    #[arg(long)]
    pub poisson: Option<f64>,
    /// Young's modulus of the tip (e.g. 1050GPa for diamond); omitted = rigid tip.
    #[arg(long, value_parser = parse_pa)]
    pub tip_modulus: Option<f64>,
    /// Poisson's ratio of the tip.
    #[arg(long)]
    pub tip_poisson: Option<f64>,
    /// Segment to fit (default: approach; retract for dmt and jkr).
    #[arg(long, value_parser = ["approach", "retract"])]
    pub segment: Option<String>,
    /// Fit window as fractions of the force range, e.g. 0.3,0.9 (default for dmt/jkr).
    #[arg(long, value_parser = parse_window)]
    pub window: Option<[f64; 2]>,
    /// Contact-point method key.
    #[arg(long)]
    pub contact_point: Option<String>,
    /// Remove a linear baseline tilt (fitted before the contact point) from all segments.
    #[arg(long)]
    pub tilt: bool,
    /// Do not shift the tip position to put the contact point at 0.
    #[arg(long)]
    pub no_tip_offset: bool,
    /// Hold the baseline force at 0 instead of fitting it.
    #[arg(long)]
    pub fix_baseline: bool,
    /// Fit only the last FACTOR × (N − contact index) approach points (JPK DP style).
    #[arg(long)]
    pub crop_factor: Option<f64>,
    /// Down-weight residuals within this distance of the contact point, as nanite's
    /// weight_cp (e.g. 500nm); default: no weighting.
    #[arg(long, value_parser = parse_len)]
    pub weight_cp: Option<f64>,
    /// Film thickness for the Dimitriadis thin-film models, e.g. 500nm (m).
    #[arg(long, value_parser = parse_len)]
    pub film_thickness: Option<f64>,
    /// Override the spring constant, e.g. 0.04 or 40mN/m (N/m).
    #[arg(long, value_parser = parse_k)]
    pub spring_constant: Option<f64>,
    /// Override the deflection sensitivity (InvOLS), e.g. 70nm/V (m/V).
    #[arg(long, value_parser = parse_invols)]
    pub sensitivity: Option<f64>,
    /// Flag fits with R² below this value as poor_fit.
    #[arg(long)]
    pub min_r2: Option<f64>,
    /// Flag curves whose peak force is below this many baseline-noise σ as no_contact (default 5).
    #[arg(long)]
    pub min_contact_snr: Option<f64>,
    /// Write per-curve results + provenance as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write maps (PNG, GSF), curve plots, CSV table, provenance and report.html here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar.
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

/// Settings from the config file (if any), then the flags on top.
pub fn settings(args: &Args) -> Result<NanomechSettings> {
    let mut s = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading config {}", p.display()))?;
            toml::from_str::<NanomechSettings>(&text).with_context(|| format!("config {}", p.display()))?
        }
        None => NanomechSettings::default(),
    };
    if let Some(m) = &args.model {
        s.model = m.clone();
    }
    if let Some(v) = args.tip_radius {
        s.tip_radius_m = v;
    }
    if let Some(v) = args.half_angle {
        s.half_angle_deg = v;
    }
    if let Some(v) = args.poisson {
        s.poisson = v;
    }
    if args.tip_modulus.is_some() {
        s.tip_modulus_pa = args.tip_modulus;
    }
    if let Some(v) = args.tip_poisson {
        s.tip_poisson = v;
    }
    if let Some(seg) = &args.segment {
        s.segment = Some(if seg == "retract" { SegmentKind::Retract } else { SegmentKind::Approach });
    }
    if args.window.is_some() {
        s.window = args.window;
    }
    if let Some(c) = &args.contact_point {
        s.contact_point = c.clone();
    }
    if args.tilt {
        s.correct_tilt = true;
    }
    if args.no_tip_offset {
        s.correct_tip_offset = false;
    }
    if args.fix_baseline {
        s.fix_baseline = true;
    }
    if args.crop_factor.is_some() {
        s.crop_factor = args.crop_factor;
    }
    if args.weight_cp.is_some() {
        s.weight_cp_m = args.weight_cp;
    }
    if args.film_thickness.is_some() {
        s.film_thickness_m = args.film_thickness;
    }
    if args.spring_constant.is_some() {
        s.spring_constant_n_per_m = args.spring_constant;
    }
    if args.sensitivity.is_some() {
        s.sensitivity_m_per_v = args.sensitivity;
    }
    if let Some(v) = args.min_contact_snr {
        s.min_contact_snr = v;
    }
    if args.min_r2.is_some() {
        s.min_r2 = args.min_r2;
    }
    Ok(s)
}

/// One analysed file.
pub struct FileRun {
    pub path: PathBuf,
    pub format: String,
    pub grid: Option<vegard::data::GridShape>,
    pub results: Vec<CurveResult>,
    pub source: Box<dyn vegard::io::CurveSource>,
}

pub fn run(args: Args) -> Result<()> {
    let settings = settings(&args)?;
    let setup = Setup::new(&settings)?;
    if args.json.is_none() && args.out.is_none() {
        eprintln!("note: neither --json nor --out given: printing a summary only");
    }
    let mut prov = Provenance::new("nanomech", serde_json::to_value(&settings)?);
    prov.command = Some(std::env::args().collect::<Vec<_>>().join(" "));
    // Open every file first (errors name the file before any work starts), then analyse
    // the files in parallel, each one's curves in parallel too, under one progress bar.
    let mut opened = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let recipe = vegard::io::detect(path)?;
        let source = vegard::io::open_curves(path)?;
        opened.push((path.clone(), recipe.key.to_string(), source));
    }
    let total: usize = opened.iter().map(|o| o.2.n_curves()).sum();
    let bar = if args.quiet || total < 2 {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("nanomech [{bar:40}] {pos}/{len} curves ({per_sec}, ETA {eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b
    };
    let analysed: Vec<Result<(FileRun, InputRecord)>> = opened
        .into_par_iter()
        .map(|(path, format, source)| {
            let file = path.display().to_string();
            let (results, hashed) = rayon::join(
                || analysis::analyse_source(source.as_ref(), &file, &setup, &|d| bar.inc(d as u64)),
                || vegard::provenance::hash_file(&path),
            );
            let (sha256, bytes) = hashed.with_context(|| format!("hashing {}", path.display()))?;
            let input = InputRecord { path: file, sha256, bytes, format: format.clone() };
            let grid = source.info().grid;
            Ok((FileRun { path, format, grid, results, source }, input))
        })
        .collect();
    bar.finish_and_clear();
    let mut runs = Vec::with_capacity(analysed.len());
    for a in analysed {
        let (run, input) = a?;
        prov.inputs.push(input);
        runs.push(run);
    }
    for r in &runs {
        eprintln!("{}", products::summary_line(r));
    }
    if let Some(json) = &args.json {
        products::write_json(json, &runs, &prov)?;
    }
    if let Some(out) = &args.out {
        products::write_products(out, &runs, &setup, &prov)?;
        eprintln!("products in {} (open report.html)", out.display());
    }
    if runs.iter().all(|r| r.results.iter().all(|c| !c.is_valid())) {
        bail!("no curve gave a valid modulus (see the flags)");
    }
    Ok(())
}

pub fn file_stem(p: &Path) -> String {
    p.file_name().map(|f| f.to_string_lossy().replace('.', "_")).unwrap_or_else(|| "input".into())
}
