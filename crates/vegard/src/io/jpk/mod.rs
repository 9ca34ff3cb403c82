//! JPK Instruments force spectroscopy files: `.jpk-force` (one curve), `.jpk-force-map`
//! (force map), `.jpk-qi-data` (QI map) and `.jpk-qi-series` (one QI curve).
//!
//! All four are zip archives of Java `.properties` headers ([`properties`]) and
//! big-endian raw channel data converted to SI units by the encoder and conversion chain
//! the headers describe ([`conversion`]); [`layout`] finds entries and combines the header
//! layers (old files: everything in each segment header; format 2.0: shared
//! `lcd-info.<n>` blocks), [`segments`] decodes one segment and [`map`] serves curves on
//! demand from any thread. Conventions (slots, signs, time axis, grid index) are those of
//! afmformats (AFM-analysis/afmformats, `formats/fmt_jpk`) so values agree bit for bit.
//!
//! `.jpk-qi-image` files are TIFF images, not force curves: they are recognised and
//! refused with a message saying so.

pub mod conversion;
pub mod layout;
pub mod map;
pub mod properties;
pub mod segments;

use std::path::Path;

pub use map::JpkSource;

use super::{Dataset, FormatRecipe, IoError};

const EXTENSIONS: [&str; 4] = ["jpk-force", "jpk-force-map", "jpk-qi-data", "jpk-qi-series"];

pub const RECIPE: FormatRecipe =
    FormatRecipe { key: "jpk", name: "JPK force spectroscopy", extensions: &EXTENSIONS, detect, open };

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

fn lower_file_name(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Is this a TIFF (`II*\0` / `MM\0*`) named `.jpk-qi-image`? (Plain `.jpk` scan images
/// are left to whichever image reader claims them.)
fn is_jpk_image(path: &Path, head: &[u8]) -> bool {
    let name = lower_file_name(path);
    (head.starts_with(b"II*\0") || head.starts_with(b"MM\0*")) && name.ends_with(".jpk-qi-image")
}

/// Zip magic AND (one of our extensions OR a first entry named like a JPK header).
/// Also claims JPK TIFF images so that opening one gives a clear error.
fn detect(path: &Path, head: &[u8]) -> bool {
    if is_jpk_image(path, head) {
        return true;
    }
    if !head.starts_with(ZIP_MAGIC) {
        return false;
    }
    let name = lower_file_name(path);
    if EXTENSIONS.iter().any(|e| name.ends_with(&format!(".{e}"))) {
        return true;
    }
    // Local file header: name length at byte 26 (u16 LE), name from byte 30.
    let Some(len) = head.get(26..28).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]]))) else { return false };
    let Some(first) = head.get(30..30 + len) else { return false };
    first == b"header.properties" || first.starts_with(b"index/") || first.starts_with(b"segments/")
}

fn open(path: &Path) -> Result<Dataset, IoError> {
    // only a `.jpk-qi-image` can be an image: other files are not read twice for it
    if lower_file_name(path).ends_with(".jpk-qi-image") && is_jpk_image(path, &super::read_head(path)?) {
        return Err(IoError::new(
            path,
            "this is a JPK QI/scan image (a TIFF of per-pixel maps), not force curves; reading JPK images is \
             not supported, open the matching .jpk-qi-data or .jpk-force-map file for the curves",
        ));
    }
    Ok(Dataset::Curves(Box::new(JpkSource::open(path)?)))
}
