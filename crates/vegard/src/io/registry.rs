//! Formats are recipes: key, name, extensions, magic-byte detection and a loader.

use std::path::Path;

use super::{Dataset, IoError};

/// How to recognise and open one file format.
pub struct FormatRecipe {
    /// Stable key, e.g. `jpk-force`, `nanoscope`, `ibw`.
    pub key: &'static str,
    /// Human name, e.g. "JPK force curve".
    pub name: &'static str,
    /// Lower-case extensions without dot; `"###"` means a three-digit number (NanoScope).
    pub extensions: &'static [&'static str],
    /// Does this file look like ours? Gets the path and the first 4 KiB (or less).
    pub detect: fn(path: &Path, head: &[u8]) -> bool,
    /// Open the file.
    pub open: fn(path: &Path) -> Result<Dataset, IoError>,
}

impl FormatRecipe {
    /// Does the file name carry one of our extensions?
    pub fn matches_extension(&self, path: &Path) -> bool {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
        self.extensions.iter().any(|ext| {
            if *ext == "###" {
                let e = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                e.len() == 3 && e.bytes().all(|b| b.is_ascii_digit())
            } else {
                name.ends_with(&format!(".{ext}"))
            }
        })
    }
}

/// Every format vegard reads, in detection order (most specific magic first).
pub fn recipes() -> &'static [FormatRecipe] {
    &super::RECIPES
}
