//! Gwyddion Simple Field (`.gsf`) export and import.
//!
//! Format (Gwyddion user guide, "Simple Field Files", <https://gwyddion.net/documentation/user-guide-en/gsf.html>):
//! the magic line `Gwyddion Simple Field 1.0\n`; header lines `Name = Value\n` (UTF-8,
//! whitespace around name and value ignored, names case-sensitive; XRes and YRes
//! mandatory, XReal/YReal default 1.0, XOffset/YOffset, XYUnits, ZUnits, Title optional,
//! other names allowed); one to four NUL bytes so the data start at a multiple of 4; then
//! XRes·YRes little-endian IEEE 32-bit floats, row by row from the top, left to right.
//! Gwyddion's own reader takes the data to start at the first multiple of 4 after the
//! first NUL and requires the file to end exactly after the data; we do the same.
//!
//! **Invalid pixels.** GSF has no mask. We write invalid pixels as NaN by default: it keeps
//! "no value" distinct from a real 0 and our reader turns NaN back into a masked pixel.
//! Gwyddion releases that mask non-finite values on import show them as a mask; the
//! GSF module of the 2.20-era releases loads NaN verbatim, which spoils the colour scale
//! and statistics there. For such readers use [`gsf_bytes_with`] with
//! [`GsfInvalid::Fill`] (e.g. 0) together with the companion mask field from
//! [`gsf_mask_bytes`] (1 = valid, 0 = invalid), which Gwyddion can turn into a mask
//! (Data Process → Mask → from data range) — a `.gsf` holds one channel only.

use std::path::Path;

use super::{IoError, Location, check_declared};
use crate::data::Image;
use crate::units;

/// The magic line that starts every GSF file.
pub const MAGIC: &[u8] = b"Gwyddion Simple Field 1.0\n";

/// The largest header we read, bytes: real headers are a few hundred bytes; a file with
/// no NUL in its first MiB is not a GSF file.
const MAX_HEADER: usize = 1 << 20;

/// What to write for invalid pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GsfInvalid {
    /// IEEE NaN (read back as invalid by [`read_gsf`]).
    Nan,
    /// A fixed value (pair the file with [`gsf_mask_bytes`]).
    Fill(f32),
}

/// The GSF file for `image`, invalid pixels written as NaN.
pub fn gsf_bytes(image: &Image) -> Vec<u8> {
    gsf_bytes_with(image, GsfInvalid::Nan)
}

/// The GSF file for `image` with a choice for invalid pixels.
pub fn gsf_bytes_with(image: &Image, invalid: GsfInvalid) -> Vec<u8> {
    let fill = match invalid {
        GsfInvalid::Nan => f32::NAN,
        GsfInvalid::Fill(v) => v,
    };
    let n = image.nx * image.ny;
    let values = (0..n).map(|i| match (image.mask.get(i), image.data.get(i)) {
        (Some(true), Some(v)) if v.is_finite() => *v as f32,
        _ => fill,
    });
    encode(image, &image.name, &image.unit, values)
}

/// The companion mask field: 1.0 for valid pixels, 0.0 for invalid ones, same grid and
/// physical size as `image`, title "<name> (valid-pixel mask)".
pub fn gsf_mask_bytes(image: &Image) -> Vec<u8> {
    let n = image.nx * image.ny;
    let values = (0..n).map(|i| match (image.mask.get(i), image.data.get(i)) {
        (Some(true), Some(v)) if v.is_finite() => 1.0f32,
        _ => 0.0,
    });
    encode(image, &format!("{} (valid-pixel mask)", image.name), "", values)
}

/// Header text fields may not hold line breaks or NUL (they would end the line or the
/// header); replace every control character by a space.
fn header_text(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

fn encode(image: &Image, title: &str, zunit: &str, values: impl Iterator<Item = f32>) -> Vec<u8> {
    let mut h = String::from_utf8_lossy(MAGIC).into_owned();
    h.push_str(&format!("XRes = {}\nYRes = {}\n", image.nx, image.ny));
    if let Some((lx, ly)) = image.size_m.filter(|(x, y)| x.is_finite() && y.is_finite() && *x > 0.0 && *y > 0.0) {
        // `{:e}` prints the shortest string that reads back to the same f64 ("8e-5").
        h.push_str(&format!("XReal = {lx:e}\nYReal = {ly:e}\nXYUnits = m\n"));
    }
    let zunit = header_text(zunit);
    if !zunit.is_empty() {
        h.push_str(&format!("ZUnits = {zunit}\n"));
    }
    h.push_str(&format!("Title = {}\n", header_text(title)));
    let mut out = h.into_bytes();
    let pad = 4 - out.len() % 4; // 1..=4 NULs, as the format requires at least one.
    out.extend(std::iter::repeat_n(0u8, pad));
    out.reserve(4 * image.nx * image.ny);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Read a GSF file.
pub fn read_gsf(path: &Path) -> Result<Image, IoError> {
    let bytes = std::fs::read(path).map_err(|e| IoError::from_io(path, &e))?;
    parse_gsf(path, &bytes)
}

/// Parse GSF `bytes` (`path` only names the file in errors). NaN and infinite values
/// become invalid pixels; lengths in nm/µm/... and prefixed Z units are converted to SI.
pub fn parse_gsf(path: &Path, bytes: &[u8]) -> Result<Image, IoError> {
    if !bytes.starts_with(MAGIC) {
        return Err(IoError::at_byte(
            path,
            0,
            "expected the magic line 'Gwyddion Simple Field 1.0', found something else",
        ));
    }
    let search = &bytes[..bytes.len().min(MAX_HEADER)];
    let nul = search.iter().position(|&b| b == 0).ok_or_else(|| {
        IoError::at_byte(path, search.len() as u64, "expected a NUL byte ending the header, found none")
    })?;
    let data_start = nul + (4 - nul % 4);
    let header = String::from_utf8_lossy(&bytes[MAGIC.len()..nul]);

    let mut fields: Vec<(String, String, usize)> = Vec::new();
    for (k, line) in header.split('\n').enumerate() {
        if let Some((name, value)) = line.split_once('=') {
            // Line 1 is the magic line.
            fields.push((name.trim().to_string(), value.trim().to_string(), k + 2));
        }
    }
    // Later duplicates win, as in a hash table filled line by line.
    let get = |key: &str| fields.iter().rev().find(|(n, _, _)| n == key).map(|(_, v, l)| (v.as_str(), *l));
    let res = |key: &str| -> Result<usize, IoError> {
        let (v, line) = get(key).ok_or_else(|| IoError::at_key(path, key, "mandatory field missing"))?;
        match v.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => {
                Err(IoError::at(path, Location::Line(line), format!("{key}: expected a positive integer, found '{v}'")))
            }
        }
    };
    let (nx, ny) = (res("XRes")?, res("YRes")?);
    let count =
        (nx as u64).checked_mul(ny as u64).ok_or_else(|| IoError::at_key(path, "YRes", "XRes × YRes overflows"))?;
    let available = bytes.len().saturating_sub(data_start) as u64;
    let n = check_declared(path, Location::Byte(data_start as u64), "GSF data (float32)", count, 4, available)?;
    if available != 4 * count {
        return Err(IoError::at_byte(
            path,
            (data_start as u64) + 4 * count,
            format!(
                "expected the file to end after {count} float32 values, found {} extra bytes",
                available - 4 * count
            ),
        ));
    }

    let real = |key: &str| -> Result<Option<f64>, IoError> {
        match get(key) {
            None => Ok(None),
            Some((v, line)) => match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x != 0.0 => Ok(Some(x.abs())),
                _ => Err(IoError::at(
                    path,
                    Location::Line(line),
                    format!("{key}: expected a non-zero number, found '{v}'"),
                )),
            },
        }
    };
    let (xreal, yreal) = (real("XReal")?, real("YReal")?);
    // Physical size in metres only when the lateral unit is a length.
    let xy_unit = get("XYUnits").map(|(v, _)| v).unwrap_or("");
    let (xy_prefix, xy_base) = units::split_prefix(xy_unit);
    let size_m = (xy_base == "m").then(|| {
        // The format's default size is 1.0 (in XYUnits).
        (xreal.unwrap_or(1.0) * xy_prefix.factor, yreal.unwrap_or(1.0) * xy_prefix.factor)
    });
    let z_unit = get("ZUnits").map(|(v, _)| v).unwrap_or("");
    let (z_prefix, z_base) = units::split_prefix(z_unit);
    let name = get("Title").map(|(v, _)| v.to_string()).filter(|t| !t.is_empty()).unwrap_or_else(|| "GSF data".into());

    let mut image = Image::new(name, z_base, nx, ny);
    image.size_m = size_m;
    for (i, chunk) in bytes[data_start..].chunks_exact(4).take(n).enumerate() {
        let v = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) as f64 * z_prefix.factor;
        image.data[i] = v;
        image.mask[i] = v.is_finite();
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_padded_with_one_to_four_nuls() {
        for name in ["", "a", "ab", "abc", "abcd"] {
            let mut im = Image::new(name, "m", 2, 1);
            im.set(0, 0, 1.0, true);
            let b = gsf_bytes(&im);
            let nul = b.iter().position(|&c| c == 0).unwrap();
            let data = b.len() - 8;
            assert_eq!(data % 4, 0);
            assert!((1..=4).contains(&(data - nul)), "name '{name}': {} NULs", data - nul);
            assert!(b[nul..data].iter().all(|&c| c == 0));
        }
    }

    #[test]
    fn titles_cannot_break_the_header() {
        let im = Image::new("evil\nXRes = 9\0", "Pa", 1, 1);
        let back = parse_gsf(Path::new("t.gsf"), &gsf_bytes(&im)).unwrap();
        assert_eq!((back.nx, back.ny), (1, 1));
        assert_eq!(back.name, "evil XRes = 9");
    }

    #[test]
    fn bad_files_are_errors() {
        let p = Path::new("bad.gsf");
        assert!(parse_gsf(p, b"").is_err());
        assert!(parse_gsf(p, b"Gwyddion Simple Field 1.0\nXRes = 2\n").is_err());
        let e = parse_gsf(p, b"Gwyddion Simple Field 1.0\nXRes = 2\nYRes = 0\n\0\0").unwrap_err();
        assert!(e.message.contains("YRes"), "{e}");
        let e = parse_gsf(p, b"Gwyddion Simple Field 1.0\nXRes = 99999999\nYRes = 99999999\n\0\0\0\0").unwrap_err();
        assert!(e.to_string().contains("bytes"), "{e}");
        let mut ok = b"Gwyddion Simple Field 1.0\nXRes = 1\nYRes = 1\n".to_vec();
        // 44 header bytes: a multiple of 4 already, so four NULs.
        assert_eq!(ok.len(), 44);
        ok.extend([0, 0, 0, 0]);
        ok.extend(1.5f32.to_le_bytes());
        assert_eq!(parse_gsf(p, &ok).unwrap().data, vec![1.5]);
        ok.push(0);
        assert!(parse_gsf(p, &ok).is_err(), "trailing byte accepted");
    }

    #[test]
    fn prefixed_units_become_si() {
        let mut b = b"Gwyddion Simple Field 1.0\nXRes = 1\nYRes = 1\nXReal = 2\nYReal = 3\nXYUnits = um\nZUnits = nm\n"
            .to_vec();
        while !(b.len() + 1).is_multiple_of(4) {
            b.push(b'\n');
        }
        b.push(0);
        b.extend(4.0f32.to_le_bytes());
        let im = parse_gsf(Path::new("u.gsf"), &b).unwrap();
        assert_eq!(im.unit, "m");
        assert!((im.data[0] - 4e-9).abs() < 1e-21);
        let (lx, ly) = im.size_m.unwrap();
        assert!((lx - 2e-6).abs() < 1e-18 && (ly - 3e-6).abs() < 1e-18);
    }
}
