//! The wave: `WaveHeader2` (versions 1–3) or `WaveHeader5` (version 5), the data and the
//! optional sections that follow it (TN003).
//!
//! File layout (offsets from the start of the file; `B` = BinHeader size, see [`BinHeader`]):
//!
//! | version | wave header       | data starts | after `B + wfmSize` come                                 |
//! |---------|-------------------|-------------|----------------------------------------------------------|
//! | 1       | WaveHeader2, 110 B | B + 110    | nothing (wfmSize includes 16 bytes of padding)           |
//! | 2       | WaveHeader2        | B + 110    | note                                                     |
//! | 3       | WaveHeader2        | B + 110    | note, dependency formula                                 |
//! | 5       | WaveHeader5, 320 B | 64 + 320   | formula, note, ext. data units, ext. dim units ×4, dim labels ×4, string indices |
//!
//! Multi-dimensional (version 5) data are column-major: dimension 0 (rows) varies fastest.
//! Element `e` of dimension `d` sits at coordinate `sfA[d]·e + sfB[d]` (in `dimUnits[d]`).

use std::path::Path;

use super::binheader::{BinHeader, ByteOrder, Bytes, detect_version, header_sum};
use super::note::{c_string, decode_text};
use crate::io::{IoError, Location, check_declared};

/// Size of WaveHeader2 in the file, without its trailing `wData[4]` (TN003).
const WAVE_HEADER2_SIZE: usize = 110;
/// Size of WaveHeader5 in the file, without its trailing `wData[1]` (TN003).
const WAVE_HEADER5_SIZE: usize = 320;
/// Each dimension label is a C string in a 32-byte field (TN003, MAX_DIM_LABEL_CHARS 31).
const LABEL_FIELD: usize = 32;

/// Element type of a numeric wave (TN003 / IgorMath.h `NT_*` flags without `NT_CMPLX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberType {
    Int8,
    Int16,
    Int32,
    /// `NT_I64` (0x80), written by Igor Pro 7 and later.
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float32,
    Float64,
}

impl NumberType {
    /// Bytes per (real) element.
    pub fn size(self) -> usize {
        match self {
            NumberType::Int8 | NumberType::UInt8 => 1,
            NumberType::Int16 | NumberType::UInt16 => 2,
            NumberType::Int32 | NumberType::UInt32 | NumberType::Float32 => 4,
            NumberType::Int64 | NumberType::UInt64 | NumberType::Float64 => 8,
        }
    }
}

/// The `type` field of the wave header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveType {
    /// Type 0: a text wave (version 5 only).
    Text,
    /// Numbers, optionally complex (`NT_CMPLX` = 0x01: real and imaginary parts interleaved).
    Numeric { number: NumberType, complex: bool },
}

impl WaveType {
    /// Decode the type flags: NT_CMPLX 0x01, NT_FP32 0x02, NT_FP64 0x04, NT_I8 0x08,
    /// NT_I16 0x10, NT_I32 0x20, NT_UNSIGNED 0x40 (integers only), NT_I64 0x80.
    pub fn from_code(code: i16) -> Option<WaveType> {
        if code == 0 {
            return Some(WaveType::Text);
        }
        let complex = code & 0x01 != 0;
        let unsigned = code & 0x40 != 0;
        let number = match (code & !0x41, unsigned) {
            (0x02, false) => NumberType::Float32,
            (0x04, false) => NumberType::Float64,
            (0x08, false) => NumberType::Int8,
            (0x10, false) => NumberType::Int16,
            (0x20, false) => NumberType::Int32,
            (0x80, false) => NumberType::Int64,
            (0x08, true) => NumberType::UInt8,
            (0x10, true) => NumberType::UInt16,
            (0x20, true) => NumberType::UInt32,
            (0x80, true) => NumberType::UInt64,
            _ => return None,
        };
        Some(WaveType::Numeric { number, complex })
    }
}

/// The samples of a wave, in file order (column-major for multi-dimensional waves).
#[derive(Debug, Clone, PartialEq)]
pub enum WaveData {
    /// Real numbers, converted to f64 (64-bit integers above 2^53 lose precision).
    Real(Vec<f64>),
    /// Complex numbers as separate real and imaginary columns.
    Complex { re: Vec<f64>, im: Vec<f64> },
    /// The strings of a text wave.
    Text(Vec<String>),
    /// Version 3 wave governed by a dependency formula and saved without its data (TN003:
    /// npnts > 0, formulaSize > 0 and no data bytes); Igor recomputes it on load.
    FormulaOnly,
}

/// One Igor binary wave, everything TN003 defines, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Wave {
    pub bin_header: BinHeader,
    /// Wave name (`bname`).
    pub name: String,
    pub wave_type: WaveType,
    /// Total number of points (`npnts`).
    pub npnts: usize,
    /// Points per dimension, `[rows, columns, layers, chunks]`; 0 = unused (versions 1–3: `[npnts, 0, 0, 0]`).
    pub n_dim: [usize; 4],
    /// Scaling: element `e` of dimension `d` is at `sf_a[d] * e + sf_b[d]` (versions 1–3: hsA, hsB).
    pub sf_a: [f64; 4],
    pub sf_b: [f64; 4],
    /// Data units (the extended units when present, else the ≤ 3-character field).
    pub data_units: String,
    /// Units of each dimension (extended when present; versions 1–3: x units in `[0]`).
    pub dim_units: [String; 4],
    /// (top, bottom) full-scale values, when `fsValid` is set.
    pub full_scale: Option<(f64, f64)>,
    /// Creation and modification time, seconds since 1904-01-01 (Mac epoch, local time).
    pub creation_date: u32,
    pub mod_date: u32,
    /// The wave note (UTF-8, or Latin-1 when not valid UTF-8).
    pub note: String,
    /// The dependency formula (without trailing NUL), if any.
    pub formula: String,
    /// Dimension labels per dimension: `[0]` names the dimension as a whole, `[i + 1]` labels
    /// element `i` (TN003). Empty when the file stores none.
    pub labels: [Vec<String>; 4],
    pub data: WaveData,
    /// Whether the header checksum is 0 (always true when parsed with verification on).
    pub checksum_ok: bool,
    /// Bytes after the last section TN003 defines (Asylum appends thumbnails there).
    pub trailing_bytes: usize,
}

/// How strictly to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Reject files whose header checksum is not 0 (what Igor's own ReadWave.c does).
    pub verify_checksum: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { verify_checksum: true }
    }
}

impl Wave {
    /// The dimensions in use (non-zero `n_dim` up to the first zero), e.g. `[2016, 3]`.
    pub fn dims(&self) -> Vec<usize> {
        self.n_dim.iter().copied().take_while(|&n| n > 0).collect()
    }

    /// Label of element `index` of dimension `dim`, if the file names it (empty labels count as none).
    pub fn element_label(&self, dim: usize, index: usize) -> Option<&str> {
        let l = self.labels.get(dim)?.get(index + 1)?;
        (!l.is_empty()).then_some(l.as_str())
    }

    /// Label of dimension `dim` as a whole, if any.
    pub fn dimension_label(&self, dim: usize) -> Option<&str> {
        let l = self.labels.get(dim)?.first()?;
        (!l.is_empty()).then_some(l.as_str())
    }

    /// Coordinate of element `e` of dimension `dim` (`sfA·e + sfB`).
    pub fn coordinate(&self, dim: usize, e: usize) -> f64 {
        let a = self.sf_a.get(dim).copied().unwrap_or(1.0);
        let b = self.sf_b.get(dim).copied().unwrap_or(0.0);
        a * e as f64 + b
    }

    /// The real samples, if this is a real numeric wave.
    pub fn real(&self) -> Option<&[f64]> {
        match &self.data {
            WaveData::Real(v) => Some(v),
            _ => None,
        }
    }

    /// The strings, if this is a text wave.
    pub fn text(&self) -> Option<&[String]> {
        match &self.data {
            WaveData::Text(v) => Some(v),
            _ => None,
        }
    }
}

/// Parse an Igor binary wave held in memory; `path` is used in error messages only.
pub fn parse(bytes: &[u8], path: &Path, options: ParseOptions) -> Result<Wave, IoError> {
    let (version, order) = detect_version(bytes).ok_or_else(|| {
        let found = bytes.get(..2).map_or_else(|| format!("{} bytes", bytes.len()), |b| format!("{b:02x?}"));
        IoError::at(
            path,
            Location::Byte(0),
            format!("expected an Igor binary wave version 1, 2, 3 or 5 in either byte order, found {found}"),
        )
    })?;
    let b = Bytes { data: bytes, order, path };
    let bin = BinHeader::parse(&b, version)?;
    let sum_len = bin.checksum_len();
    let sum = header_sum(bytes, order, sum_len).ok_or_else(|| {
        b.err(0, format!("header: expected {sum_len} bytes of BinHeader + wave header, the file has {}", bytes.len()))
    })?;
    let checksum_ok = sum == 0;
    if options.verify_checksum && !checksum_ok {
        return Err(b.err(
            0,
            format!(
                "header checksum: the int16 sum of the first {sum_len} bytes must be 0, found {sum} (damaged file?)"
            ),
        ));
    }
    if version == 5 { parse_v5(&b, bin, checksum_ok) } else { parse_v123(&b, bin, checksum_ok) }
}

/// Fields shared by both wave header layouts, read before the data.
struct Common {
    name: String,
    wave_type: WaveType,
    type_offset: usize,
    npnts: usize,
    npnts_offset: usize,
}

fn wave_type(b: &Bytes<'_>, offset: usize) -> Result<WaveType, IoError> {
    let code = b.i16(offset, "wave header type")?;
    WaveType::from_code(code).ok_or_else(|| {
        b.err(offset, format!("wave header type: expected a TN003 number type (0, 2, 4, 8, 0x10, 0x20, 0x80, optionally +0x01 complex, +0x40 unsigned), found {code:#x}"))
    })
}

fn parse_v123(b: &Bytes<'_>, bin: BinHeader, checksum_ok: bool) -> Result<Wave, IoError> {
    let h = bin.size();
    // WaveHeader2 field offsets (TN003; pointers are 4 bytes on disk).
    let type_offset = h;
    let npnts_offset = h + 42;
    let c = Common {
        wave_type: wave_type(b, type_offset)?,
        type_offset,
        name: c_string(b.slice(h + 6, 20, "WaveHeader2.bname")?),
        npnts: b.size(npnts_offset, "WaveHeader2.npnts")?,
        npnts_offset,
    };
    let data_units = c_string(b.slice(h + 34, 4, "WaveHeader2.dataUnits")?);
    let x_units = c_string(b.slice(h + 38, 4, "WaveHeader2.xUnits")?);
    let hs_a = b.f64(h + 48, "WaveHeader2.hsA")?;
    let hs_b = b.f64(h + 56, "WaveHeader2.hsB")?;
    let fs_valid = b.i16(h + 68, "WaveHeader2.fsValid")? != 0;
    let top = b.f64(h + 70, "WaveHeader2.topFullScale")?;
    let bot = b.f64(h + 78, "WaveHeader2.botFullScale")?;
    let creation_date = if bin.version == 1 { 0 } else { b.u32(h + 96, "WaveHeader2.creationDate")? };
    let mod_date = b.u32(h + 102, "WaveHeader2.modDate")?;

    if c.wave_type == WaveType::Text {
        return Err(b.err(
            c.type_offset,
            "wave header type: text waves exist only in version 5 files (TN003), found type 0 in a version 1–3 file",
        ));
    }
    // wfmSize = WaveHeader2 + data + 16 bytes of padding.
    let data_offset = h + WAVE_HEADER2_SIZE;
    let data_size = bin.wfm_size.checked_sub(WAVE_HEADER2_SIZE + 16).ok_or_else(|| {
        b.err(
            2,
            format!(
                "BinHeader.wfmSize: expected ≥ {} (wave header + 16 bytes padding), found {}",
                WAVE_HEADER2_SIZE + 16,
                bin.wfm_size
            ),
        )
    })?;
    let formula_only = bin.version == 3 && c.npnts > 0 && bin.formula_size > 0 && data_size == 0;
    let data = if formula_only { WaveData::FormulaOnly } else { read_numeric(b, &c, data_offset, data_size)? };

    // Sections after the data + padding: note (v2, v3), formula (v3).
    let mut pos = h.checked_add(bin.wfm_size).ok_or_else(|| b.err(2, "BinHeader.wfmSize: absurd size"))?;
    let mut note = String::new();
    let mut formula = String::new();
    if bin.version >= 2 {
        note = decode_text(take(b, &mut pos, bin.note_size, "wave note (noteSize)")?);
    }
    if bin.version == 3 {
        formula = c_string(take(b, &mut pos, bin.formula_size, "dependency formula (formulaSize)")?);
    }
    Ok(Wave {
        name: c.name,
        wave_type: c.wave_type,
        npnts: c.npnts,
        n_dim: [c.npnts, 0, 0, 0],
        sf_a: [hs_a, 1.0, 1.0, 1.0],
        sf_b: [hs_b, 0.0, 0.0, 0.0],
        data_units,
        dim_units: [x_units, String::new(), String::new(), String::new()],
        full_scale: fs_valid.then_some((top, bot)),
        creation_date,
        mod_date,
        note,
        formula,
        labels: Default::default(),
        data,
        checksum_ok,
        trailing_bytes: b.data.len().saturating_sub(pos),
        bin_header: bin,
    })
}

fn parse_v5(b: &Bytes<'_>, bin: BinHeader, checksum_ok: bool) -> Result<Wave, IoError> {
    const H: usize = 64;
    // WaveHeader5 field offsets (TN003; pointers are 4 bytes on disk).
    let type_offset = H + 16;
    let npnts_offset = H + 12;
    let c = Common {
        wave_type: wave_type(b, type_offset)?,
        type_offset,
        name: c_string(b.slice(H + 28, 32, "WaveHeader5.bname")?),
        npnts: b.size(npnts_offset, "WaveHeader5.npnts")?,
        npnts_offset,
    };
    let creation_date = b.u32(H + 4, "WaveHeader5.creationDate")?;
    let mod_date = b.u32(H + 8, "WaveHeader5.modDate")?;
    let mut n_dim = [0usize; 4];
    let mut sf_a = [0.0; 4];
    let mut sf_b = [0.0; 4];
    let mut dim_units: [String; 4] = Default::default();
    for d in 0..4 {
        n_dim[d] = b.size(H + 68 + 4 * d, "WaveHeader5.nDim")?;
        sf_a[d] = b.f64(H + 84 + 8 * d, "WaveHeader5.sfA")?;
        sf_b[d] = b.f64(H + 116 + 8 * d, "WaveHeader5.sfB")?;
        dim_units[d] = c_string(b.slice(H + 152 + 4 * d, 4, "WaveHeader5.dimUnits")?);
    }
    let mut data_units = c_string(b.slice(H + 148, 4, "WaveHeader5.dataUnits")?);
    let fs_valid = b.i16(H + 168, "WaveHeader5.fsValid")? != 0;
    let top = b.f64(H + 172, "WaveHeader5.topFullScale")?;
    let bot = b.f64(H + 180, "WaveHeader5.botFullScale")?;

    // npnts is the product of the dimensions up to the first zero (TN003).
    let product = n_dim.iter().take_while(|&&n| n > 0).try_fold(1usize, |acc, &n| acc.checked_mul(n));
    let n_used = n_dim.iter().take_while(|&&n| n > 0).count();
    match product {
        Some(p) if (n_used > 0 && p == c.npnts) || (n_used == 0 && c.npnts == 0) => {}
        _ => {
            return Err(b.err(
                H + 68,
                format!(
                    "WaveHeader5.nDim {n_dim:?}: expected the product of the used dimensions to equal npnts = {}",
                    c.npnts
                ),
            ));
        }
    }

    let data_offset = H + WAVE_HEADER5_SIZE;
    let data_size = bin.wfm_size.checked_sub(WAVE_HEADER5_SIZE).ok_or_else(|| {
        b.err(
            4,
            format!("BinHeader5.wfmSize: expected ≥ {WAVE_HEADER5_SIZE} (the wave header), found {}", bin.wfm_size),
        )
    })?;
    // Text data are read once the string indices (the last section) are known.
    let data = match c.wave_type {
        WaveType::Text => None,
        WaveType::Numeric { .. } => Some(read_numeric(b, &c, data_offset, data_size)?),
    };

    let mut pos = data_offset.checked_add(data_size).ok_or_else(|| b.err(4, "BinHeader5.wfmSize: absurd size"))?;
    let formula = c_string(take(b, &mut pos, bin.formula_size, "dependency formula (formulaSize)")?);
    let note = decode_text(take(b, &mut pos, bin.note_size, "wave note (noteSize)")?);
    let ext = take(b, &mut pos, bin.data_e_units_size, "extended data units (dataEUnitsSize)")?;
    if !ext.is_empty() {
        data_units = c_string(ext);
    }
    for (d, units) in dim_units.iter_mut().enumerate() {
        let ext = take(b, &mut pos, bin.dim_e_units_size[d], "extended dimension units (dimEUnitsSize)")?;
        if !ext.is_empty() {
            *units = c_string(ext);
        }
    }
    let mut labels: [Vec<String>; 4] = Default::default();
    for (d, out) in labels.iter_mut().enumerate() {
        let size = bin.dim_labels_size[d];
        let at = pos;
        let raw = take(b, &mut pos, size, "dimension labels (dimLabelsSize)")?;
        if !size.is_multiple_of(LABEL_FIELD) {
            return Err(b.err(
                at,
                format!("dimension labels of dimension {d}: expected a multiple of {LABEL_FIELD} bytes, found {size}"),
            ));
        }
        // At most one label per element plus the dimension's own label.
        let max = n_dim[d].saturating_add(1);
        if size / LABEL_FIELD > max {
            return Err(b.err(
                at,
                format!(
                    "dimension labels of dimension {d}: expected at most {max} labels of {LABEL_FIELD} bytes, found {}",
                    size / LABEL_FIELD
                ),
            ));
        }
        *out = raw.chunks_exact(LABEL_FIELD).map(c_string).collect();
    }
    let s_at = pos;
    let s_indices = take(b, &mut pos, bin.s_indices_size, "string indices (sIndicesSize)")?;

    let data = match data {
        Some(d) => {
            if !s_indices.is_empty() {
                return Err(b.err(
                    s_at,
                    format!("string indices: expected none for a numeric wave, found {} bytes", s_indices.len()),
                ));
            }
            d
        }
        None => read_text(b, &c, data_offset, data_size, s_indices, s_at)?,
    };
    Ok(Wave {
        name: c.name,
        wave_type: c.wave_type,
        npnts: c.npnts,
        n_dim,
        sf_a,
        sf_b,
        data_units,
        dim_units,
        full_scale: fs_valid.then_some((top, bot)),
        creation_date,
        mod_date,
        note,
        formula,
        labels,
        data,
        checksum_ok,
        trailing_bytes: b.data.len().saturating_sub(pos),
        bin_header: bin,
    })
}

/// The next `len` bytes of a section at `*pos`, advancing `*pos`.
fn take<'a>(b: &Bytes<'a>, pos: &mut usize, len: usize, what: &str) -> Result<&'a [u8], IoError> {
    let s = b.slice(*pos, len, what)?;
    *pos += len;
    Ok(s)
}

/// Decode `npnts` numbers (×2 if complex) from the data section.
fn read_numeric(b: &Bytes<'_>, c: &Common, offset: usize, data_size: usize) -> Result<WaveData, IoError> {
    let WaveType::Numeric { number, complex } = c.wave_type else {
        return Err(b.err(c.type_offset, "wave header type: expected a numeric wave"));
    };
    let item = number.size() * if complex { 2 } else { 1 };
    // The declared point count must fit in the data section the header declares, and that
    // section must be in the file, before anything is allocated.
    let available = data_size.min(b.data.len().saturating_sub(offset)) as u64;
    let n =
        check_declared(b.path, Location::Byte(c.npnts_offset as u64), "npnts", c.npnts as u64, item as u64, available)?;
    let raw = b.slice(offset, n * item, "wave data")?;
    let values = convert(raw, number, b.order);
    if complex {
        let (re, im) = values.chunks_exact(2).map(|p| (p[0], p[1])).unzip();
        Ok(WaveData::Complex { re, im })
    } else {
        Ok(WaveData::Real(values))
    }
}

fn convert(raw: &[u8], number: NumberType, order: ByteOrder) -> Vec<f64> {
    fn each<const N: usize>(raw: &[u8], order: ByteOrder, f: impl Fn([u8; N]) -> f64) -> Vec<f64> {
        raw.chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                if order == ByteOrder::Big {
                    a.reverse();
                }
                f(a)
            })
            .collect()
    }
    match number {
        NumberType::Int8 => raw.iter().map(|&v| f64::from(v as i8)).collect(),
        NumberType::UInt8 => raw.iter().map(|&v| f64::from(v)).collect(),
        NumberType::Int16 => each(raw, order, |a| f64::from(i16::from_le_bytes(a))),
        NumberType::UInt16 => each(raw, order, |a| f64::from(u16::from_le_bytes(a))),
        NumberType::Int32 => each(raw, order, |a| f64::from(i32::from_le_bytes(a))),
        NumberType::UInt32 => each(raw, order, |a| f64::from(u32::from_le_bytes(a))),
        NumberType::Int64 => each(raw, order, |a| i64::from_le_bytes(a) as f64),
        NumberType::UInt64 => each(raw, order, |a| u64::from_le_bytes(a) as f64),
        NumberType::Float32 => each(raw, order, |a| f64::from(f32::from_le_bytes(a))),
        NumberType::Float64 => each(raw, order, f64::from_le_bytes),
    }
}

/// A text wave: the data section is all strings back to back; the string-indices section
/// holds one int32 end offset per point (TN003).
fn read_text(
    b: &Bytes<'_>,
    c: &Common,
    offset: usize,
    data_size: usize,
    s_indices: &[u8],
    s_at: usize,
) -> Result<WaveData, IoError> {
    let chars = b.slice(offset, data_size, "text wave characters")?;
    let n = check_declared(
        b.path,
        Location::Byte(c.npnts_offset as u64),
        "npnts (text wave)",
        c.npnts as u64,
        4,
        s_indices.len() as u64,
    )?;
    if s_indices.len() != 4 * n {
        return Err(
            b.err(s_at, format!("string indices: expected 4 × npnts = {} bytes, found {}", 4 * n, s_indices.len()))
        );
    }
    let mut out = Vec::with_capacity(n);
    let mut start = 0usize;
    for i in 0..n {
        let end = b.size(s_at + 4 * i, "string index")?;
        let s = chars.get(start..end).ok_or_else(|| {
            b.err(
                s_at + 4 * i,
                format!("string index {i}: expected an end offset in {start}..={}, found {end}", chars.len()),
            )
        })?;
        out.push(decode_text(s));
        start = end;
    }
    Ok(WaveData::Text(out))
}
