//! `vegard simulate esm --preset ceria|lifepo4 --experiment KIND [--json OUT] [--nsid OUT.h5]
//! [--set KEY=VALUE ...] [--config esm.toml] [--out DIR] [--mesh coarse|default]`: flags → the
//! library's ESM job (`vegard::products::esm`), a progress bar, and printing.

use std::path::PathBuf;

use anyhow::{Context, Result};
use vegard::io::write_atomic;
use vegard::products::OutputDir;
use vegard::products::esm::{self, EsmRequest};

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
    /// Replace the products of an earlier run in --out.
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    match args.kind {
        Kind::Esm(a) => run_esm(*a),
    }
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

fn run_esm(args: EsmArgs) -> Result<()> {
    let text = match &args.config {
        Some(p) => Some(std::fs::read_to_string(p).with_context(|| format!("reading config {}", p.display()))?),
        None => None,
    };
    let name = args.config.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let req = EsmRequest {
        preset: args.preset.as_deref(),
        experiment: args.experiment.as_deref(),
        mesh: args.mesh.as_deref(),
        set: &args.set,
        config: text.as_deref().map(|t| (name.as_str(), t)),
    };
    let job = esm::job(&req)?;
    // Where the products go is checked before the (long) run.
    let out = args.out.as_ref().map(|d| OutputDir::prepare(d, args.force)).transpose()?;
    if args.json.is_none() && args.nsid.is_none() && out.is_none() {
        eprintln!("note: none of --json, --nsid, --out given: printing a summary only");
    }
    let bar = progress_bar(args.quiet, &job.experiment);
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let outcome = esm::run(&job, &progress);
    bar.finish_and_clear();
    let outcome = outcome?;
    for l in &outcome.lines {
        eprintln!("{l}");
    }
    let prov = esm::provenance(&job, &outcome, Some(std::env::args().collect::<Vec<_>>().join(" ")));
    if let Some(json) = &args.json {
        write_atomic(json, &esm::json_bytes(&job, &outcome, &prov))
            .with_context(|| format!("writing {}", json.display()))?;
    }
    if let Some(path) = &args.nsid {
        write_atomic(path, &esm::nsid_bytes(&job, &outcome, &prov)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(out) = out {
        let root = out.root().to_path_buf();
        esm::write_products(&out, &job, &outcome, &prov)?;
        out.finish("simulate esm")?;
        eprintln!("products in {} (open report.html)", root.display());
    }
    Ok(())
}
