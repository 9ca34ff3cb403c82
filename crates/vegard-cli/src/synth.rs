//! `vegard synth` — synthetic SEI-like force volumes with known truth, written as `.vgc`
//! (`vegard::products::synth`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use vegard::nanomech::synthetic::{Acquisition, SeiSurface};
use vegard::products::synth::write_sei_volume;

#[derive(clap::Args)]
pub struct Args {
    /// Output `.vgc` file.
    #[arg(long)]
    out: PathBuf,
    /// Pixels in x and y.
    #[arg(long, default_value_t = 64)]
    pixels: usize,
    /// Points per segment (approach and retract each).
    #[arg(long, default_value_t = 500)]
    points: usize,
    /// Scan size (e.g. 2um).
    #[arg(long, default_value = "2um", value_parser = parse_len)]
    size: f64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn parse_len(s: &str) -> Result<f64, String> {
    vegard::units::parse_length(s).map_err(|e| e.to_string())
}

pub fn run(args: Args) -> Result<()> {
    let surface = SeiSurface::new(args.pixels, args.pixels, args.size, args.seed);
    let acq = Acquisition { points_per_segment: args.points, ..Acquisition::default() };
    let bar = indicatif::ProgressBar::new((args.pixels * args.pixels) as u64);
    write_sei_volume(&args.out, &surface, &acq, &|done| bar.set_position(done as u64))
        .with_context(|| format!("writing {}", args.out.display()))?;
    bar.finish_and_clear();
    eprintln!("wrote {}×{} curves to {}", args.pixels, args.pixels, args.out.display());
    Ok(())
}
