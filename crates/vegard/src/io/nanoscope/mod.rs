//! Bruker (Digital Instruments / Veeco) NanoScope files: `.spm`, `.pfc`, `.000`–`.999`, `.di`.
//!
//! A text header ([`header::Header`]) describes data blocks that follow it: force ramps and
//! force volumes (`\*Ciao force image list`, read by [`force`]) or images (`\*Ciao image
//! list`, read by [`image`]). The `\@` parameter grammar lives in [`param`], the count → SI
//! conversion in [`scale`]. Sources for the layout: Bruker's file-format notes as implemented in Gwyddion
//! `modules/file/nanoscope.c`, pyfmreader `nanosc/`, pySPM `Bruker.py`; every rule that
//! matters was checked against the test files (see `tests/io_nanoscope.rs`).

pub mod force;
pub mod header;
pub mod image;
pub mod param;
pub mod scale;

use std::io::Read;
use std::path::Path;

pub use force::{ChannelRole, ForceChannel, ForceFile, ForceLayout};
pub use header::Header;
pub use image::ImageChannel;

use super::{Dataset, FormatRecipe, IoError};
use crate::data::Metadata;

pub const RECIPE: FormatRecipe =
    FormatRecipe { key: "nanoscope", name: "Bruker NanoScope", extensions: &["spm", "pfc", "###", "di"], detect, open };

/// Headers are tens of kB (`\Data length: 40960` / `80960` in the file list); we read at most
/// this much looking for `\*File list end`.
pub const MAX_HEADER_BYTES: u64 = 4 << 20;

fn detect(_path: &Path, head: &[u8]) -> bool {
    header::MAGICS.iter().any(|m| head.starts_with(m.as_bytes()))
}

/// Read and parse the header of a file (at most [`MAX_HEADER_BYTES`]).
pub fn read_header(path: &Path) -> Result<(Header, u64), IoError> {
    let f = std::fs::File::open(path).map_err(|e| IoError::from_io(path, &e))?;
    let file_len = f.metadata().map_err(|e| IoError::from_io(path, &e))?.len();
    let mut head = Vec::with_capacity(usize::try_from(file_len.min(MAX_HEADER_BYTES)).unwrap_or(0));
    f.take(MAX_HEADER_BYTES).read_to_end(&mut head).map_err(|e| IoError::from_io(path, &e))?;
    Ok((Header::parse(path, &head)?, file_len))
}

/// Open a NanoScope file: force ramps / volumes as curves, image files as images.
pub fn open(path: &Path) -> Result<Dataset, IoError> {
    let (header, file_len) = read_header(path)?;
    if header.sections_named("Ciao force image list").next().is_some() {
        let file = ForceFile::new(path, header, file_len)?;
        return Ok(Dataset::Curves(Box::new(file)));
    }
    if header.sections_named("Ciao image list").next().is_some() {
        let images = image::read_images(path, &header, file_len)?;
        return Ok(Dataset::Images { format: RECIPE.key.to_string(), images, metadata: common_metadata(&header) });
    }
    Err(IoError::new(
        path,
        "NanoScope header has neither '\\*Ciao force image list' nor '\\*Ciao image list' sections: no data",
    ))
}

/// File-level metadata shared by curves and images.
pub fn common_metadata(header: &Header) -> Metadata {
    let mut m = Metadata::default();
    if let Some(v) = header.version_text() {
        m.set_text("software_version", v);
        m.set_text("nanoscope:version", v);
    }
    if let Some(fl) = header.file_list() {
        m.set_text("nanoscope:file_kind", fl.name.clone());
        if let Some(d) = fl.get("Date") {
            m.set_text("date", d);
        }
        if let Some(c) = fl.get("Start context") {
            m.set_text("nanoscope:start_context", c);
        }
    }
    let instrument = header
        .lookup(&["Equipment list"], "Description")
        .or_else(|| header.lookup(&["Equipment list"], "Microscope"))
        .map(|(_, v)| v);
    if let Some(i) = instrument {
        m.set_text("instrument", i);
    }
    if let Some((_, s)) = header.lookup(&["Equipment list", "Scanner list"], "Scanner file") {
        m.set_text("scanner_file", s);
    }
    if let Some(mode) = header.operating_mode() {
        m.set_text("operating_mode", mode);
    }
    if let Some(sl) = header.section("Ciao scan list") {
        if let Some(r) = sl.number("Scan Rate") {
            m.set_number("image_scan_rate", r, Some("Hz"));
        }
        if let Some(r) = sl.number("Tip Radius") {
            m.set_number("nanoscope:tip_radius_nm", r, Some("nm"));
        }
        if let Some(p) = sl.get("PeakForce Capture") {
            m.set_text("nanoscope:peakforce_capture", p);
        }
        if let Some(p) = sl.entry("@MicroscopeList").and_then(|e| param::Param::parse(&e.value)) {
            m.set_text("nanoscope:microscope_mode", p.text);
        }
    }
    for (reference, key) in [
        ("Sens. Zsens", "z_piezo_sensitivity"),
        ("Sens. Zscan", "z_piezo_sensitivity"),
        ("Sens. ZsensSens", "z_sensor_sensitivity"),
        ("Sens. DeflSens", "deflection_sensitivity"),
    ] {
        if m.get(key).is_some() {
            continue;
        }
        if let Some((v, num, den)) = scale::soft_scale(header, reference) {
            m.set_number(key, v, Some(&format!("{num}/{den}")));
        }
    }
    m
}
