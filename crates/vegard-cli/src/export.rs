//! `vegard export FILE --to OUT` — convert force curves to `.vgc` (all curves) or `.csv`
//! (one curve).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use vegard::io;

#[derive(clap::Args)]
pub struct Args {
    /// Input force-curve file (any supported format).
    file: PathBuf,
    /// Output file: `.vgc` (vegard's open format, all curves) or `.csv` (one curve).
    #[arg(long)]
    to: PathBuf,
    /// Curve index for CSV export.
    #[arg(long, default_value_t = 0)]
    curve: usize,
}

pub fn run(args: Args) -> Result<()> {
    let src = io::open_curves(&args.file)?;
    let ext = args.to.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "vgc" => {
            let errors = io::vegard_curves::write_source(src.as_ref(), &args.to)
                .with_context(|| format!("writing {}", args.to.display()))?;
            for (i, e) in &errors {
                eprintln!("warning: curve {i} skipped: {e}");
            }
            eprintln!("wrote {} curves to {}", src.n_curves() - errors.len(), args.to.display());
        }
        "csv" => {
            let c = src.curve(args.curve)?;
            vegard::io::write_atomic(&args.to, io::text::curve_csv(&c).as_bytes())
                .with_context(|| format!("writing {}", args.to.display()))?;
            eprintln!("wrote curve {} ({} points) to {}", args.curve, c.len(), args.to.display());
        }
        other => bail!("unknown output extension '.{other}' (expected .vgc or .csv)"),
    }
    Ok(())
}
