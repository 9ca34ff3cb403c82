//! `vegard info FILE...`

use std::path::PathBuf;

use anyhow::Result;
use vegard::io::{self, Dataset};

#[derive(clap::Args)]
pub struct Args {
    /// Files to describe.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let mut failed = 0;
    for path in &args.files {
        match describe(path, args.json) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} files could not be read", args.files.len());
    }
    Ok(())
}

fn fmt_opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("not in file".to_string(), |v| format!("{v:e} {unit}"))
}

fn describe(path: &std::path::Path, json: bool) -> Result<String, io::IoError> {
    let recipe = io::detect(path)?;
    let ds = (recipe.open)(path)?;
    let mut out = String::new();
    match ds {
        Dataset::Curves(src) => {
            let info = src.info();
            if json {
                let v = serde_json::json!({"file": path.display().to_string(), "format": recipe.key, "info": info});
                return Ok(serde_json::to_string_pretty(&v).unwrap_or_default());
            }
            out += &format!("{}\n  format       {} ({})\n", path.display(), recipe.name, recipe.key);
            out += &format!("  curves       {}\n", info.n_curves);
            if let Some(g) = info.grid {
                out += &format!("  grid         {} × {}", g.nx, g.ny);
                if let Some((sx, sy)) = g.size_m {
                    out += &format!(
                        " over {} × {}",
                        vegard::units::format_si(sx, "m", 2),
                        vegard::units::format_si(sy, "m", 2)
                    );
                }
                out.push('\n');
            }
            out += &format!("  segments     {}\n", info.segments.join(", "));
            let chans: Vec<String> = info.channels.iter().map(|(k, u)| format!("{} [{}]", k.key(), u)).collect();
            out += &format!("  channels     {}\n", chans.join(", "));
            out += &format!("  spring const {}\n", fmt_opt(info.calibration.spring_constant_n_per_m, "N/m"));
            out += &format!("  sensitivity  {}\n", fmt_opt(info.calibration.sensitivity_m_per_v, "m/V"));
            if let Ok(c) = src.curve(0) {
                let lens: Vec<String> = c.segments.iter().map(|s| format!("{} {}", s.name, s.len())).collect();
                out += &format!("  curve 0      {} points ({})\n", c.len(), lens.join(", "));
            }
            for (k, v) in info.metadata.iter().take(40) {
                out += &format!("  {k:<12} {v}\n");
            }
            if info.metadata.len() > 40 {
                out += &format!("  … {} more metadata keys (use --json)\n", info.metadata.len() - 40);
            }
        }
        Dataset::Images { format, images, metadata } => {
            if json {
                let ims: Vec<_> = images
                    .iter()
                    .map(|i| serde_json::json!({"name": i.name, "unit": i.unit, "nx": i.nx, "ny": i.ny, "size_m": i.size_m, "range": i.range()}))
                    .collect();
                let v = serde_json::json!({"file": path.display().to_string(), "format": format, "images": ims, "metadata": metadata});
                return Ok(serde_json::to_string_pretty(&v).unwrap_or_default());
            }
            out += &format!(
                "{}\n  format       {} ({})\n  images       {}\n",
                path.display(),
                recipe.name,
                format,
                images.len()
            );
            for im in &images {
                out += &format!("    {} [{}] {}×{}", im.name, im.unit, im.nx, im.ny);
                if let Some((sx, sy)) = im.size_m {
                    out += &format!(
                        " over {} × {}",
                        vegard::units::format_si(sx, "m", 2),
                        vegard::units::format_si(sy, "m", 2)
                    );
                }
                out.push('\n');
            }
            for (k, v) in metadata.iter().take(40) {
                out += &format!("  {k:<12} {v}\n");
            }
        }
    }
    Ok(out.trim_end().to_string())
}
