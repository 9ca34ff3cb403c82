//! Igor binary wave files (`.ibw`), as written by Igor Pro and by Asylum Research AFMs.
//!
//! - [`read_wave`] / [`parse_wave`]: the generic reader of WaveMetrics Technical Note TN003
//!   (versions 1, 2, 3, 5; either byte order; numeric, complex and text waves; scaling,
//!   units, note, dimension labels, checksum).
//! - [`RECIPE`]: Asylum Research force curves and images on top of it (see [`asylum`]).

pub mod asylum;
mod binheader;
pub mod note;
mod wave;

use std::path::Path;

pub use binheader::{BinHeader, ByteOrder, KNOWN_VERSIONS, detect_version, header_sum};
pub use wave::{NumberType, ParseOptions, Wave, WaveData, WaveType};

use super::{Dataset, FormatRecipe, IoError, MAX_DECLARED_BYTES};

pub const RECIPE: FormatRecipe =
    FormatRecipe { key: "ibw", name: "Igor binary wave (Asylum Research)", extensions: &["ibw"], detect, open };

/// Read and parse a wave file, verifying the header checksum.
pub fn read_wave(path: &Path) -> Result<Wave, IoError> {
    parse_wave(&read_file(path)?, path, ParseOptions::default())
}

/// Parse a wave held in memory (`path` only names it in errors).
pub fn parse_wave(bytes: &[u8], path: &Path, options: ParseOptions) -> Result<Wave, IoError> {
    wave::parse(bytes, path, options)
}

/// Interpret a wave file held in memory as Asylum force curve or images (checksum verified).
pub fn open_bytes(bytes: &[u8], path: &Path) -> Result<Dataset, IoError> {
    let wave = parse_wave(bytes, path, ParseOptions::default())?;
    asylum::interpret(&wave, path)
}

fn read_file(path: &Path) -> Result<Vec<u8>, IoError> {
    let len = std::fs::metadata(path).map_err(|e| IoError::from_io(path, &e))?.len();
    if len > MAX_DECLARED_BYTES {
        return Err(IoError::new(
            path,
            format!("file of {len} bytes exceeds the {MAX_DECLARED_BYTES}-byte reader limit"),
        ));
    }
    std::fs::read(path).map_err(|e| IoError::from_io(path, &e))
}

fn open(path: &Path) -> Result<Dataset, IoError> {
    open_bytes(&read_file(path)?, path)
}

/// Version field 1, 2, 3 or 5 in either byte order, non-negative section sizes and a header
/// checksum of 0 (the int16 sum TN003 defines over the headers; a random file passes with
/// probability 2^-16 after the other checks).
fn detect(path: &Path, head: &[u8]) -> bool {
    let Some((version, order)) = detect_version(head) else {
        return false;
    };
    let b = binheader::Bytes { data: head, order, path };
    let Ok(bin) = BinHeader::parse(&b, version) else {
        return false;
    };
    let min_wfm = if version == 5 { 320 } else { 126 };
    bin.wfm_size >= min_wfm && header_sum(head, order, bin.checksum_len()) == Some(0)
}
