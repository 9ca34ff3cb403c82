//! `vegard synth` — synthetic SEI-like force volumes with known truth, written as `.vgc`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use vegard::data::ChannelKind;
use vegard::io::vegard_curves::VgcWriter;
use vegard::nanomech::synthetic::{Acquisition, SeiSurface};

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
    let chans = vec![
        (ChannelKind::MeasuredHeight, "height".to_string(), "m".to_string()),
        (ChannelKind::Force, "force".to_string(), "N".to_string()),
        (ChannelKind::Time, "time".to_string(), "s".to_string()),
    ];
    let mut meta = vegard::data::Metadata::default();
    meta.set_text("synthetic", "vegard synth: SEI-like Voronoi phases, DMT retract, Hertz approach");
    meta.set_number("tip_radius_m", acq.tip_radius_m, Some("m"));
    meta.set_number("poisson", acq.poisson, None);
    let mut w = VgcWriter::create(&args.out, &chans, Some(surface.grid()), meta, Some("synthetic"))
        .with_context(|| format!("creating {}", args.out.display()))?;
    let bar = indicatif::ProgressBar::new((args.pixels * args.pixels) as u64);
    for y in 0..args.pixels {
        for x in 0..args.pixels {
            w.push(&surface.curve(x, y, &acq))?;
        }
        bar.inc(args.pixels as u64);
    }
    w.finish()?;
    bar.finish_and_clear();
    eprintln!("wrote {}×{} curves to {}", args.pixels, args.pixels, args.out.display());
    Ok(())
}
