//! `vegard simulate esm --preset ceria|lifepo4 --experiment KIND --json OUT [--nsid OUT.h5]
//! [--set KEY=VALUE ...] [--config esm.toml] [--out DIR] [--mesh coarse|default]`: the virtual ESM experiments of
//! Eshghinejad et al. 2017 (`vegard::sim::esm::experiments`), written in the shared ESM data model.
//!
//! The JSON holds `experiment`, `preset`, `mesh`, `params` (every model parameter, SI), `settings`
//! (the experiment's), `data` (a list of `data::esm::EsmData`, tagged by `kind`: the same records a
//! measurement produces, e.g. `bias_v`/`amplitude_m` per pulse, `time_s`/`amplitude_m`/`tau_s`,
//! `frequency_hz`/`amplitude_m`/`phase_deg`), `summary` (the experiment's numbers without the
//! data) and `provenance`.
//!
//! `--nsid` (and `result.h5` under `--out`) holds the `data` records as NSID HDF5
//! (`vegard::io::nsid`, docs/nsid.md), the rest as JSON text attributes of the root group
//! (`mesh_json`, `params_json`, `settings_json`, `summary_json`, `provenance_json`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use vegard::data::esm::{EsmData, PulseState};
use vegard::io::hdf5::AttrValue;
use vegard::io::write_atomic;
use vegard::provenance::Provenance;
use vegard::render::{CurvePlot, MapStyle, Report, Series, SeriesStyle, curve_plot, map_png};
use vegard::sim::esm::experiments::amplitude::{self, AmplitudeSettings};
use vegard::sim::esm::experiments::frequency::{self, FrequencySettings};
use vegard::sim::esm::experiments::mapping::{self, MappingSettings};
use vegard::sim::esm::experiments::relaxation::{self, RelaxationSettings};
use vegard::sim::esm::experiments::spectroscopy::{self, SpectroscopyRun, SpectroscopySettings};
use vegard::sim::esm::experiments::{MeshChoice, single_read};
use vegard::sim::esm::params::{EsmParams, Preset};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub kind: Kind,
}

#[derive(clap::Subcommand)]
pub enum Kind {
    /// Virtual ESM experiments of Eshghinejad et al. 2017 on the coupled tip model.
    Esm(Box<EsmArgs>),
}

#[derive(clap::Args, Default)]
pub struct EsmArgs {
    /// Material preset (Table 1 of Eshghinejad et al. 2017): ceria or lifepo4 (default lifepo4).
    #[arg(long)]
    pub preset: Option<String>,
    /// amplitude | sweep | frequency | spectroscopy | relaxation | mapping.
    #[arg(long)]
    pub experiment: Option<String>,
    /// Write the result (shared ESM data model) as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the result's data records as an NSID HDF5 file here (pycroscopy pyNSID layout).
    #[arg(long)]
    pub nsid: Option<PathBuf>,
    /// Override a model parameter, SI units, e.g. --set diffusivity=1e-14 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// TOML file: `preset`, `experiment`, `mesh`, `[params]` (model keys), `[experiment]`
    /// (settings of the experiment). Flags win over the file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write PNG figures, an HTML report, the JSON and the NSID file (result.h5) into this
    /// directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Mesh: coarse (h = 0.1 L under the tip) or default (h = 0.05 L). AC reads above ωL²/D ≈ 3 (coarse)
    /// or 13 (default) are solved on the same mesh plus surface and axis layers resolving √(2D/ω).
    #[arg(long)]
    pub mesh: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    match args.kind {
        Kind::Esm(a) => run_esm(*a),
    }
}

/// The experiments `--experiment` accepts.
const EXPERIMENTS: &str = "amplitude, sweep, frequency, spectroscopy, relaxation, mapping";

/// Everything a run needs, from the config file and the flags.
struct Setup {
    preset: String,
    experiment: String,
    mesh: MeshChoice,
    params: EsmParams,
    /// The `[experiment]` table (empty if none).
    settings: toml::Table,
}

fn setup(args: &EsmArgs) -> Result<Setup> {
    let mut table = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading config {}", p.display()))?;
            text.parse::<toml::Table>().with_context(|| format!("config {}: not valid TOML", p.display()))?
        }
        None => toml::Table::new(),
    };
    let known = ["preset", "experiment", "mesh", "params", "settings"];
    let string_key = |t: &toml::Table, k: &str| -> Result<Option<String>> {
        match t.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => bail!("config key `{k}`: expected a string, found {v}"),
        }
    };
    let preset = args.preset.clone().or(string_key(&table, "preset")?).unwrap_or_else(|| "lifepo4".into());
    // TOML cannot hold both `experiment = "name"` and an `[experiment]` table: the name goes
    // either at the top level (settings then in `[settings]`) or as `kind` inside `[experiment]`.
    let (exp_name, settings) = match table.remove("experiment") {
        None => (None, toml::Table::new()),
        Some(toml::Value::String(s)) => (Some(s), toml::Table::new()),
        Some(toml::Value::Table(mut t)) => match t.remove("kind") {
            None => (None, t),
            Some(toml::Value::String(k)) => (Some(k), t),
            Some(v) => bail!("config [experiment] `kind`: expected a name ({EXPERIMENTS}), found {v}"),
        },
        Some(v) => bail!("config key `experiment`: expected a name or an [experiment] table, found {v}"),
    };
    let settings = match table.remove("settings") {
        Some(toml::Value::Table(t)) if settings.is_empty() => t,
        Some(toml::Value::Table(_)) => bail!("config: experiment settings given both in [experiment] and [settings]"),
        Some(v) => bail!("config key `settings`: expected a [settings] table, found {v}"),
        None => settings,
    };
    for k in table.keys() {
        if !known.contains(&k.as_str()) {
            bail!(
                "config key `{k}` is unknown; expected one of preset, experiment, mesh, [params], [experiment] or [settings]"
            );
        }
    }
    let experiment = args
        .experiment
        .clone()
        .or(exp_name)
        .ok_or_else(|| {
            anyhow!("no experiment: give --experiment ({EXPERIMENTS}) or `experiment = \"...\"` in the config")
        })?
        .to_ascii_lowercase();
    if !EXPERIMENTS.split(", ").any(|e| e == experiment) {
        bail!("--experiment `{experiment}` is unknown; expected one of {EXPERIMENTS}");
    }
    let mesh_key = args.mesh.clone().or(string_key(&table, "mesh")?).unwrap_or_else(|| "default".into());
    let mesh = MeshChoice::from_key(&mesh_key)
        .ok_or_else(|| anyhow!("--mesh `{mesh_key}` is unknown; expected coarse or default"))?;
    let mut params = Preset::from_key(&preset)?.params();
    if let Some(p) = table.get("params") {
        let t = p.as_table().ok_or_else(|| anyhow!("config `params`: expected a [params] table"))?;
        for (k, v) in t {
            let x = match v {
                toml::Value::Float(f) => *f,
                toml::Value::Integer(i) => *i as f64,
                _ => bail!("config [params] `{k}`: expected a number in SI units, found {v}"),
            };
            params.set(k, x).with_context(|| format!("config [params] `{k}`"))?;
        }
    }
    for s in &args.set {
        params.set_from_str(s).with_context(|| format!("--set {s}"))?;
    }
    params.validate()?;
    Ok(Setup { preset, experiment, mesh, params, settings })
}

/// The `[experiment]` table as the settings type `T` (defaults for missing keys; unknown keys are
/// an error naming them).
fn settings_of<T: serde::de::DeserializeOwned + Default>(t: &toml::Table, what: &str) -> Result<T> {
    if t.is_empty() {
        return Ok(T::default());
    }
    toml::Value::Table(t.clone()).try_into::<T>().map_err(|e| anyhow!("config [experiment] for `{what}`: {e}"))
}

/// What a run produced, ready to write.
struct Outcome {
    settings: serde_json::Value,
    data: Vec<EsmData>,
    summary: serde_json::Value,
    figures: Vec<(String, String, Vec<u8>)>,
    lines: Vec<String>,
}

/// `value` with the keys holding data-model records removed (they go to `data`).
fn strip(value: serde_json::Value, keys: &[&str]) -> serde_json::Value {
    match value {
        serde_json::Value::Object(mut m) => {
            for k in keys {
                m.remove(*k);
            }
            serde_json::Value::Object(
                m.into_iter().map(|(k, v)| (k, strip(v, keys))).collect::<serde_json::Map<_, _>>(),
            )
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(|v| strip(v, keys)).collect()),
        v => v,
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<serde_json::Value> {
    Ok(serde_json::to_value(v)?)
}

fn plot(title: &str, x: (&str, &str), y: (&str, &str), series: Vec<Series>) -> Result<Vec<u8>> {
    let mut p = CurvePlot::new(title, x.0, x.1, y.0, y.1);
    p.series = series;
    Ok(curve_plot(&p)?)
}

fn progress_bar(quiet: bool, what: &str) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(0);
    b.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "simulate esm {what} [{{bar:40}}] {{pos}}/{{len}} ({{elapsed}}, ETA {{eta}})"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    b
}

fn loop_series(run: &SpectroscopyRun) -> Vec<Series> {
    run.data
        .cycles()
        .into_iter()
        .map(|c| {
            let l = run.data.loop_data(c, PulseState::Off);
            Series::new(format!("cycle {}", c + 1), l.bias_v, l.amplitude_m, SeriesStyle::Line)
        })
        .collect()
}

fn fmt_opt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "—".into(), |x| format!("{x:.4e} {unit}"))
}

fn run_experiment(s: &Setup, progress: &dyn Fn(usize, usize)) -> Result<Outcome> {
    let p = &s.params;
    let mesh = s.mesh.options();
    let pr = Some(progress);
    let mut figures = Vec::new();
    let mut lines = Vec::new();
    let out = match s.experiment.as_str() {
        "amplitude" => {
            if let Some(k) = s.settings.keys().next() {
                bail!(
                    "config [experiment] for `amplitude`: unknown field `{k}` (a single read takes no settings; use [params])"
                );
            }
            let r = single_read(p, mesh)?;
            lines.push(format!(
                "ESM amplitude {:.4e} m, phase {:.2}° at {} Hz (c0 = {}, D = {} m²/s)",
                r.amplitude_m, r.phase_deg, p.ac_frequency_hz, p.baseline_concentration, p.diffusivity_m2_per_s
            ));
            Outcome { settings: serde_json::json!({}), data: Vec::new(), summary: to_json(&r)?, figures, lines }
        }
        "sweep" => {
            let st: AmplitudeSettings = settings_of(&s.settings, "sweep")?;
            let r = amplitude::run(p, mesh, &st, pr)?;
            let c = &r.concentration;
            figures.push((
                "amplitude_vs_c0.png".into(),
                "ESM amplitude versus uniform baseline concentration c₀ (Eshghinejad et al. 2017, Fig. 3a)".into(),
                plot(
                    "ESM amplitude vs c₀",
                    ("Baseline concentration c₀", ""),
                    ("ESM amplitude", "m"),
                    vec![Series::new("simulated", c.c0.clone(), c.amplitude_m.clone(), SeriesStyle::Line)],
                )?,
            ));
            let d = &r.diffusivity;
            figures.push((
                "amplitude_vs_d_hat.png".into(),
                format!(
                    "ESM amplitude versus normalised diffusivity D̂ = D/(ωL²) at {} Hz (Eshghinejad et al. 2017, Fig. 3b)",
                    d.frequency_hz
                ),
                plot(
                    "ESM amplitude vs normalised diffusivity",
                    ("log₁₀ D̂ = log₁₀ D/(ωL²)", ""),
                    ("ESM amplitude", "m"),
                    vec![Series::new(
                        "simulated",
                        d.d_hat.iter().map(|x| x.log10()).collect(),
                        d.amplitude_m.clone(),
                        SeriesStyle::Line,
                    )],
                )?,
            ));
            if let Some(l) = c.linear {
                lines.push(format!(
                    "amplitude vs c0: slope {:.4e} m, R² {:.6} (c0 ≤ {}), max deviation from the line {:.1} %",
                    l.slope_m,
                    l.r_squared,
                    c.linear_c0_max,
                    100.0 * c.max_deviation_from_line.unwrap_or(f64::NAN)
                ));
            }
            Outcome { settings: to_json(&st)?, data: Vec::new(), summary: to_json(&r)?, figures, lines }
        }
        "frequency" => {
            let st: FrequencySettings = settings_of(&s.settings, "frequency")?;
            let r = frequency::run(p, mesh, &st, pr)?;
            let lw: Vec<f64> = r.omega_hat.iter().map(|w| w.log10()).collect();
            figures.push((
                "amplitude_vs_frequency.png".into(),
                "ESM amplitude versus dimensionless frequency ωL²/D (Hausen & Balke 2024, Fig. 1b)".into(),
                plot(
                    "ESM amplitude vs frequency",
                    ("log₁₀ ωL²/D", ""),
                    ("ESM amplitude", "m"),
                    vec![Series::new("amplitude", lw.clone(), r.response.amplitude_m.clone(), SeriesStyle::Line)],
                )?,
            ));
            figures.push((
                "phase_vs_frequency.png".into(),
                "ESM phase versus dimensionless frequency ωL²/D".into(),
                plot(
                    "ESM phase vs frequency",
                    ("log₁₀ ωL²/D", ""),
                    ("Phase", "deg"),
                    vec![Series::new("phase", lw, r.response.phase_deg.clone(), SeriesStyle::Line)],
                )?,
            ));
            lines.push(format!(
                "cross-over ωL²/D: 45° phase lag {}, 1/√2 amplitude {}",
                fmt_opt(r.crossover_phase_omega_hat, ""),
                fmt_opt(r.crossover_half_power_omega_hat, "")
            ));
            let data = vec![EsmData::FrequencyResponse(r.response.clone())];
            Outcome { settings: to_json(&st)?, data, summary: strip(to_json(&r)?, &["response"]), figures, lines }
        }
        "spectroscopy" => {
            let st: SpectroscopySettings = settings_of(&s.settings, "spectroscopy")?;
            let r = spectroscopy::run(p, mesh, &st, pr)?;
            let mut data = Vec::new();
            for run in &r.runs {
                figures.push((
                    format!("loops_p{}s.png", run.period_s),
                    format!(
                        "Off-state ESM amplitude versus DC bias, P = {} s (Eshghinejad et al. 2017, Fig. 4c)",
                        run.period_s
                    ),
                    plot(
                        &format!("ESM loops, P = {} s", run.period_s),
                        ("DC bias", "V"),
                        ("Off-state ESM amplitude", "m"),
                        loop_series(run),
                    )?,
                ));
                lines.push(format!(
                    "P = {} s (P̂ = {:.3}): loop opening {}",
                    run.period_s,
                    run.period_hat,
                    fmt_opt(run.opening_m, "m")
                ));
                data.push(EsmData::BiasSpectroscopy(run.data.clone()));
            }
            let o = &r.opening_vs_period;
            if o.period_s.len() > 1 {
                figures.push((
                    "opening_vs_period.png".into(),
                    "Loop opening (difference of the branches at zero bias) versus period (Eshghinejad et al. 2017, Fig. 4d)".into(),
                    plot(
                        "Loop opening vs period",
                        ("Period P", "s"),
                        ("Loop opening", "m"),
                        vec![Series::new("simulated", o.period_s.clone(), o.opening_m.clone(), SeriesStyle::Line)],
                    )?,
                ));
            }
            if let Some(gb) = &r.grain_boundary {
                let mut series = Vec::new();
                for (name, run) in [("grain", &gb.grain), ("grain boundary", &gb.boundary)] {
                    let l = run.data.loop_data(run.data.cycles().last().copied().unwrap_or(0), PulseState::Off);
                    series.push(Series::new(
                        format!("{name} (c₀ = {})", run.baseline_concentration),
                        l.bias_v,
                        l.amplitude_m,
                        SeriesStyle::Line,
                    ));
                    lines.push(format!("{name}: loop opening {}", fmt_opt(run.opening_m, "m")));
                    data.push(EsmData::BiasSpectroscopy(run.data.clone()));
                }
                figures.push((
                    "grain_boundary_loops.png".into(),
                    "Grain versus grain-boundary loops, last cycle (Eshghinejad et al. 2017, Fig. 5c)".into(),
                    plot("Grain vs grain boundary", ("DC bias", "V"), ("Off-state ESM amplitude", "m"), series)?,
                ));
            }
            Outcome { settings: to_json(&st)?, data, summary: strip(to_json(&r)?, &["data"]), figures, lines }
        }
        "relaxation" => {
            let st: RelaxationSettings = settings_of(&s.settings, "relaxation")?;
            let r = relaxation::run(p, mesh, &st, pr)?;
            let d = &r.data;
            figures.push((
                "amplitude_vs_time.png".into(),
                "ESM amplitude versus time under the stepwise DC bias (Eshghinejad et al. 2017, Fig. 6b)".into(),
                plot(
                    "ESM relaxation",
                    ("Time", "s"),
                    ("ESM amplitude", "m"),
                    vec![Series::new("amplitude", d.time_s.clone(), d.amplitude_m.clone(), SeriesStyle::Line)],
                )?,
            ));
            figures.push((
                "bias_vs_time.png".into(),
                "Applied DC bias versus time (the right axis of Eshghinejad et al. 2017, Fig. 6)".into(),
                plot(
                    "Applied DC bias",
                    ("Time", "s"),
                    ("DC bias", "V"),
                    vec![Series::new("DC bias", d.time_s.clone(), d.bias_v.clone(), SeriesStyle::Line)],
                )?,
            ));
            lines.push(format!(
                "τ = {} (τD/L² = {}), effective length l = π√(Dτ) = {} L",
                fmt_opt(d.tau_s, "s"),
                fmt_opt(r.tau_hat, ""),
                fmt_opt(r.effective_length_l, "")
            ));
            let data = vec![EsmData::Relaxation(r.data.clone())];
            Outcome { settings: to_json(&st)?, data, summary: strip(to_json(&r)?, &["data"]), figures, lines }
        }
        "mapping" => {
            let st: MappingSettings = settings_of(&s.settings, "mapping")?;
            let r = mapping::run(p, mesh, &st, pr)?;
            let style = |title: &str, q: &str| MapStyle {
                title: Some(title.into()),
                quantity: Some(q.into()),
                ..MapStyle::default()
            };
            figures.push((
                "esm_amplitude_map.png".into(),
                "Simulated ESM amplitude over a grain-boundary triple junction (Eshghinejad et al. 2017, Fig. 2d)"
                    .into(),
                map_png(&r.map.amplitude, &style("ESM amplitude", "ESM amplitude"))?,
            ));
            figures.push((
                "baseline_c0_map.png".into(),
                "Baseline concentration c₀ of the triple junction (Eshghinejad et al. 2017, Fig. 2c)".into(),
                map_png(&r.c0, &style("Baseline concentration", "c₀"))?,
            ));
            lines.push(format!(
                "map {n}×{n}: grain (c0 = {}) {:.4e} m, boundary (c0 = {}) {:.4e} m, kernel support {:.3e} m",
                r.grain_c0,
                r.grain_amplitude_m,
                r.boundary_c0,
                r.boundary_amplitude_m,
                r.kernel_support_m,
                n = r.map.amplitude.nx
            ));
            let data = vec![EsmData::Map(r.map.clone())];
            Outcome { settings: to_json(&st)?, data, summary: strip(to_json(&r)?, &["map", "c0"]), figures, lines }
        }
        other => bail!("--experiment `{other}` is unknown; expected one of {EXPERIMENTS}"),
    };
    Ok(out)
}

fn run_esm(args: EsmArgs) -> Result<()> {
    let s = setup(&args)?;
    if args.json.is_none() && args.nsid.is_none() && args.out.is_none() {
        eprintln!("note: none of --json, --nsid, --out given: printing a summary only");
    }
    let bar = progress_bar(args.quiet, &s.experiment);
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let outcome = run_experiment(&s, &progress);
    bar.finish_and_clear();
    let outcome = outcome?;
    for l in &outcome.lines {
        eprintln!("{l}");
    }
    let mut prov = Provenance::new(
        "simulate esm",
        serde_json::json!({ "params": &s.params, "settings": &outcome.settings, "mesh": s.mesh }),
    );
    prov.command = Some(std::env::args().collect::<Vec<_>>().join(" "));
    let doc = serde_json::json!({
        "experiment": s.experiment,
        "preset": s.preset,
        "mesh": s.mesh,
        "params": &s.params,
        "settings": &outcome.settings,
        "data": &outcome.data,
        "summary": &outcome.summary,
        "provenance": &prov,
    });
    let bytes = serde_json::to_vec_pretty(&doc)?;
    if let Some(json) = &args.json {
        write_atomic(json, &bytes).with_context(|| format!("writing {}", json.display()))?;
    }
    let nsid = || -> Result<Vec<u8>> {
        // The records as NSID; the run's context as JSON text attributes on the root group.
        let mut root = vec![
            ("experiment".to_string(), AttrValue::Str(s.experiment.clone())),
            ("preset".to_string(), AttrValue::Str(s.preset.clone())),
        ];
        for (k, v) in [
            ("mesh", serde_json::to_value(s.mesh)?),
            ("params", serde_json::to_value(&s.params)?),
            ("settings", outcome.settings.clone()),
            ("summary", outcome.summary.clone()),
            ("provenance", serde_json::to_value(&prov)?),
        ] {
            root.push((format!("{k}_json"), AttrValue::Str(serde_json::to_string(&v)?)));
        }
        Ok(vegard::io::nsid::esm_bytes(&outcome.data, &root)?)
    };
    if let Some(path) = &args.nsid {
        write_atomic(path, &nsid()?).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(dir) = &args.out {
        write_products(dir, &s, &outcome, &bytes)?;
        let p = dir.join("result.h5");
        write_atomic(&p, &nsid()?).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("products in {} (open report.html)", dir.display());
    }
    Ok(())
}

fn write_products(dir: &Path, s: &Setup, o: &Outcome, json: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        write_atomic(&p, bytes).with_context(|| format!("writing {}", p.display()))
    };
    write("result.json", json)?;
    let mut report = Report::new(format!("vegard — virtual ESM experiment: {} ({})", s.experiment, s.params.material));
    report.section("Run");
    let pv = serde_json::to_value(&s.params)?;
    let mut kv: Vec<(String, String)> = vec![
        ("experiment".into(), s.experiment.clone()),
        ("preset".into(), s.preset.clone()),
        ("mesh".into(), format!("{:?}", s.mesh).to_ascii_lowercase()),
        ("L²/D (s)".into(), format!("{:.4e}", s.params.diffusion_time_s())),
    ];
    if let serde_json::Value::Object(m) = pv {
        kv.extend(m.into_iter().map(|(k, v)| (k, v.to_string())));
    }
    report.key_values(&kv);
    if !o.lines.is_empty() {
        report.section("Summary");
        for l in &o.lines {
            report.paragraph(l.clone());
        }
    }
    if !o.figures.is_empty() {
        report.section("Figures");
    }
    for (name, caption, png) in &o.figures {
        write(name, png)?;
        report.image_png(caption.clone(), png);
    }
    report.section("Settings");
    report.code_block(serde_json::to_string_pretty(&o.settings)?);
    write("report.html", report.to_html().as_bytes())?;
    Ok(())
}
