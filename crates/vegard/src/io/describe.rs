//! What a file holds, for people (`vegard info`) and programs (`vegard info --json`, the
//! Python dataset's `repr`): the facts a scientist checks first — instrument, date, spring
//! constant and InvOLS — then the content (curves, grid, segments, channels), then the rest
//! of the metadata.

use std::path::Path;

use super::{Dataset, IoError, detect};
use crate::data::Metadata;
use crate::units::{format_count, format_si};

/// Metadata keys shown first, in this order, under these labels.
const KEY_FACTS: [(&str, &str); 6] = [
    ("instrument", "instrument"),
    ("date", "date"),
    ("time", "time"),
    ("software", "software"),
    ("software_version", "version"),
    ("user", "user"),
];

/// How many other metadata keys the text lists (all of them are in the JSON).
const MAX_TEXT_KEYS: usize = 40;

fn opt_si(v: Option<f64>, unit: &str) -> String {
    v.map_or("not in file".to_string(), |v| format_si(v, unit, 6))
}

fn facts(meta: &Metadata, out: &mut String) {
    for (key, label) in KEY_FACTS {
        if let Some(v) = meta.get(key) {
            out.push_str(&format!("  {label:<12} {v}\n"));
        }
    }
}

fn rest(meta: &Metadata, out: &mut String) {
    let others: Vec<_> = meta.iter().filter(|(k, _)| !KEY_FACTS.iter().any(|f| f.0 == k.as_str())).collect();
    for (k, v) in others.iter().take(MAX_TEXT_KEYS) {
        out.push_str(&format!("  {k:<12} {v}\n"));
    }
    if others.len() > MAX_TEXT_KEYS {
        out.push_str(&format!("  … {} more metadata keys (use --json)\n", others.len() - MAX_TEXT_KEYS));
    }
}

/// The text description of `path`.
pub fn describe_text(path: &Path) -> Result<String, IoError> {
    let recipe = detect(path)?;
    let mut out = format!("{}\n  {:<12} {} ({})\n", path.display(), "format", recipe.name, recipe.key);
    match (recipe.open)(path)? {
        Dataset::Curves(src) => {
            let info = src.info();
            facts(&info.metadata, &mut out);
            out += &format!("  {:<12} {}\n", "spring const", opt_si(info.calibration.spring_constant_n_per_m, "N/m"));
            out += &format!("  {:<12} {}\n", "InvOLS", opt_si(info.calibration.sensitivity_m_per_v, "m/V"));
            out += &format!("  {:<12} {}\n", "curves", info.n_curves);
            if let Some(g) = info.grid {
                out += &format!("  {:<12} {} × {}", "grid", g.nx, g.ny);
                if let Some((sx, sy)) = g.size_m {
                    out += &format!(" over {} × {}", format_si(sx, "m", 3), format_si(sy, "m", 3));
                }
                out.push('\n');
            }
            out += &format!("  {:<12} {}\n", "segments", info.segments.join(", "));
            let chans: Vec<String> = info.channels.iter().map(|(k, u)| format!("{} [{}]", k.key(), u)).collect();
            out += &format!("  {:<12} {}\n", "channels", chans.join(", "));
            if let Ok(c) = src.curve(0) {
                let lens: Vec<String> = c.segments.iter().map(|s| format!("{} {}", s.name, s.len())).collect();
                out += &format!(
                    "  {:<12} {} ({})\n",
                    "curve 0",
                    format_count(c.len(), "point", "points"),
                    lens.join(", ")
                );
            }
            rest(&info.metadata, &mut out);
        }
        Dataset::Images { images, metadata, .. } => {
            facts(&metadata, &mut out);
            out += &format!("  {:<12} {}\n", "images", images.len());
            for im in &images {
                out += &format!("    {} [{}] {}×{}", im.name, im.unit, im.nx, im.ny);
                if let Some((sx, sy)) = im.size_m {
                    out += &format!(" over {} × {}", format_si(sx, "m", 3), format_si(sy, "m", 3));
                }
                out.push('\n');
            }
            rest(&metadata, &mut out);
        }
    }
    Ok(out.trim_end().to_string())
}

/// The JSON description of `path` (every metadata key).
pub fn describe_json(path: &Path) -> Result<serde_json::Value, IoError> {
    let recipe = detect(path)?;
    Ok(match (recipe.open)(path)? {
        Dataset::Curves(src) => {
            serde_json::json!({"file": path.display().to_string(), "format": recipe.key, "info": src.info()})
        }
        Dataset::Images { format, images, metadata } => {
            let ims: Vec<_> = images
                .iter()
                .map(|i| serde_json::json!({"name": i.name, "unit": i.unit, "nx": i.nx, "ny": i.ny, "size_m": i.size_m, "range": i.range()}))
                .collect();
            serde_json::json!({"file": path.display().to_string(), "format": format, "images": ims, "metadata": metadata})
        }
    })
}
