//! Scanned images: `\*Ciao image list` blocks.
//!
//! Each block holds one channel of `\Samps/line` × `\Number of lines` little-endian signed
//! integers at `\Data offset`. Physical value = raw × hard value / 2^(8·`Bytes/pixel`) × soft
//! scale (see [`super::scale`]: the parenthesised hard scale is not the data scale for images).
//! Rows are kept in file order: `data[y·nx + x]` with y = 0 the first stored line (Gwyddion
//! flips the rows on import, so its row 0 is our last).
//!
//! The slow-axis size follows pySPM (asserted in its tests for bruker_data_header.002, whose
//! blocks say `Scan Size: 300 300 nm`, 512 samples × 358 lines, `Aspect Ratio: 0.516184`):
//! when a frame has fewer lines than samples but a square `Scan Size`, the y size is scaled
//! by lines / samples, keeping square pixels (Gwyddion gets the same 209.77 nm from lines /
//! scan-list lines). A genuinely non-square scan states a non-square `Scan Size` and is kept.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::header::{Header, Section};
use super::param::Param;
use super::scale::{ChannelScale, Convention, channel_scale, scan_size_m, storage_width};
use crate::data::Image;
use crate::io::{IoError, check_declared};

/// One `\*Ciao image list` block, described (not read).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageChannel {
    /// Display name (`Height Sensor`).
    pub name: String,
    /// Internal tag (`ZSensor`).
    pub tag: String,
    /// `Trace` or `Retrace`, if stated.
    pub line_direction: Option<String>,
    pub data_offset: u64,
    pub data_length: u64,
    /// `\Bytes/pixel` as written (the scaling quantum).
    pub bytes_per_pixel: u64,
    /// Width of one stored sample (4 from version 9.2 on, whatever `Bytes/pixel` says).
    pub bytes_per_sample: u64,
    /// Samples per line (x).
    pub nx: usize,
    /// Number of lines (y).
    pub ny: usize,
    /// Physical size (x, y), m.
    pub size_m: Option<(f64, f64)>,
    pub scale: ChannelScale,
}

/// Describe every image block (no data read). Errors name the key that is missing or absurd.
pub fn image_channels(path: &Path, header: &Header) -> Result<Vec<ImageChannel>, IoError> {
    let version = header.version();
    let mut out = Vec::new();
    for s in header.sections_named("Ciao image list") {
        out.push(describe(path, header, s, version)?);
    }
    Ok(out)
}

fn describe(path: &Path, header: &Header, s: &Section, version: Option<u32>) -> Result<ImageChannel, IoError> {
    let need = |key: &str| {
        s.count(key).ok_or_else(|| {
            IoError::at(path, s.location(key), format!("expected a non-negative whole number for '{key}'"))
        })
    };
    let nx = need("Samps/line")?;
    let ny = need("Number of lines")?;
    let data_offset = need("Data offset")?;
    let data_length = need("Data length")?;
    let bytes_per_pixel = s.count("Bytes/pixel").unwrap_or(2);
    let n = nx.checked_mul(ny).filter(|&n| n > 0).ok_or_else(|| {
        IoError::at(path, s.location("Samps/line"), format!("expected a non-empty image, found {nx} × {ny} samples"))
    })?;
    let bytes_per_sample = storage_width(data_length, n, bytes_per_pixel, version);
    check_declared(path, s.location("Data length"), "image samples", n, bytes_per_sample, data_length)?;
    let (nx, ny) = match (usize::try_from(nx), usize::try_from(ny)) {
        (Ok(x), Ok(y)) => (x, y),
        _ => return Err(IoError::at(path, s.location("Samps/line"), "image too large")),
    };

    let (name, tag) = s
        .entries
        .iter()
        .find(|e| e.key.to_ascii_lowercase().ends_with(":image data"))
        .and_then(|e| Param::parse(&e.value))
        .map(|p| (p.text.clone(), p.soft_ref.unwrap_or_else(|| p.text.replace(' ', ""))))
        .or_else(|| {
            s.get("Image data").map(|v| (v.trim_matches('"').to_string(), v.trim_matches('"').replace(' ', "")))
        })
        .unwrap_or_else(|| ("unnamed".into(), "unnamed".into()));
    let zkey = s
        .entries
        .iter()
        .find(|e| e.key.to_ascii_lowercase().ends_with(":z scale"))
        .map(|e| e.key.clone())
        .ok_or_else(|| IoError::at(path, s.location("@2:Z scale"), "expected a '\\@2:Z scale' line"))?;
    let zscale = s
        .param(&zkey)
        .ok_or_else(|| IoError::at(path, s.location(&zkey), "expected 'V [soft scale] (hard scale) hard value'"))?;
    let scale = channel_scale(header, &zscale, bytes_per_pixel, Convention::Image)
        .ok_or_else(|| IoError::at(path, s.location(&zkey), "expected a finite hard value"))?;

    let size = s
        .get("Scan Size")
        .and_then(scan_size_m)
        .or_else(|| header.section("Ciao scan list").and_then(|l| l.get("Scan Size")).and_then(scan_size_m))
        .map(|(x, y)| if x == y && ny < nx { (x, y * ny as f64 / nx as f64) } else { (x, y) });
    Ok(ImageChannel {
        name,
        tag,
        line_direction: s.get("Line Direction").map(str::to_string),
        data_offset,
        data_length,
        bytes_per_pixel,
        bytes_per_sample,
        nx,
        ny,
        size_m: size,
        scale,
    })
}

/// Read one image channel. A file whose binary part was cut away (header-only) is an error
/// naming the channel, its offset and the file size.
pub fn read_image(path: &Path, file_len: u64, ch: &ImageChannel) -> Result<Image, IoError> {
    let n = (ch.nx as u64) * (ch.ny as u64);
    let available = file_len.saturating_sub(ch.data_offset);
    let count = check_declared(
        path,
        crate::io::Location::Byte(ch.data_offset),
        &format!("image '{}'", ch.name),
        n,
        ch.bytes_per_sample,
        available,
    )
    .map_err(|e| {
        IoError::at_byte(
            path,
            ch.data_offset,
            format!(
                "image '{}' needs {} bytes at byte {} but the file ends at byte {file_len}: the data part is missing \
                     (header-only file?) ({})",
                ch.name,
                n.saturating_mul(ch.bytes_per_sample),
                ch.data_offset,
                e.message
            ),
        )
    })?;
    let width = usize::try_from(ch.bytes_per_sample).unwrap_or(2);
    let mut buf = vec![0u8; count * width];
    let mut f = File::open(path).map_err(|e| IoError::from_io(path, &e))?;
    f.seek(SeekFrom::Start(ch.data_offset)).map_err(|e| IoError::from_io(path, &e))?;
    f.read_exact(&mut buf).map_err(|e| {
        IoError::at_byte(path, ch.data_offset, format!("expected {} bytes of image data: {e}", buf.len()))
    })?;
    let data: Vec<f64> = match width {
        4 => buf
            .chunks_exact(4)
            .map(|c| ch.scale.physical(f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
            .collect(),
        _ => buf.chunks_exact(2).map(|c| ch.scale.physical(f64::from(i16::from_le_bytes([c[0], c[1]])))).collect(),
    };
    let mask = data.iter().map(|v| v.is_finite()).collect();
    Ok(Image {
        name: ch.name.clone(),
        unit: ch.scale.unit.clone(),
        nx: ch.nx,
        ny: ch.ny,
        size_m: ch.size_m,
        data,
        mask,
    })
}

/// Read every image of the file; names repeated (trace and retrace of one channel) get the
/// line direction appended.
pub fn read_images(path: &Path, header: &Header, file_len: u64) -> Result<Vec<Image>, IoError> {
    let channels = image_channels(path, header)?;
    let mut images = Vec::with_capacity(channels.len());
    for ch in &channels {
        let mut img = read_image(path, file_len, ch)?;
        let repeated = channels.iter().filter(|c| c.name == ch.name).count() > 1;
        if let (true, Some(dir)) = (repeated, &ch.line_direction) {
            img.name = format!("{} ({dir})", ch.name);
        }
        images.push(img);
    }
    Ok(images)
}
