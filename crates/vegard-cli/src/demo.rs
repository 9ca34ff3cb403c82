//! `vegard demo`: the main job on embedded example data, with an HTML report
//! (`vegard::products::demo`).

use std::path::PathBuf;

use anyhow::Result;
use vegard::products::OutputDir;
use vegard::products::demo::run_demo;

#[derive(clap::Args)]
pub struct Args {
    /// Output folder (report.html, one folder of products per analysis, the example data).
    #[arg(long, default_value = "vegard-demo")]
    out: PathBuf,
    /// Pixels per side of the synthetic force volume.
    #[arg(long, default_value_t = 48)]
    pixels: usize,
    /// Write into --out even if it holds other files (an earlier demo run there is replaced
    /// without it).
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<()> {
    let out = OutputDir::prepare_rerun(&args.out, args.force, "demo")?;
    eprintln!("demo: analysing the embedded JPK curve and a {0}×{0} synthetic QNM map…", args.pixels.max(4));
    let outcome = run_demo(out, args.pixels)?;
    for line in &outcome.lines {
        eprintln!("{line}");
    }
    eprintln!("demo report: {}", outcome.report.display());
    Ok(())
}
