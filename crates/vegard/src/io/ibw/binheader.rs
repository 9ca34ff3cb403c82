//! Byte order, bounded reads and the `BinHeader` that opens every Igor binary wave file.
//!
//! Source: WaveMetrics Technical Note TN003 "Igor Binary Format" (IgorBin.h). A file is
//! `BinHeaderN` + `WaveHeader2` (versions 1–3) or `WaveHeader5` (version 5) + wave data +
//! optional sections whose sizes the BinHeader declares. The first field of every BinHeader
//! is the 16-bit `version`; the file is written in the writer's native byte order, so the
//! byte order is whichever reading of that field gives a known version (1, 2, 3 or 5).

use std::path::Path;

use crate::io::{IoError, Location};

/// Byte order of the file, detected from the version field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Windows / Intel ("win" files).
    Little,
    /// Classic Macintosh / Motorola ("mac" files).
    Big,
}

/// Versions TN003 describes (4 was never used).
pub const KNOWN_VERSIONS: [u16; 4] = [1, 2, 3, 5];

/// The version and byte order of a file from its first two bytes, if they form a known version.
pub fn detect_version(bytes: &[u8]) -> Option<(u16, ByteOrder)> {
    let b: [u8; 2] = bytes.get(..2)?.try_into().ok()?;
    let le = u16::from_le_bytes(b);
    let be = u16::from_be_bytes(b);
    if KNOWN_VERSIONS.contains(&le) {
        Some((le, ByteOrder::Little))
    } else if KNOWN_VERSIONS.contains(&be) {
        Some((be, ByteOrder::Big))
    } else {
        None
    }
}

/// Bounds-checked, endian-aware reads from a file held in memory. Every failure names the
/// file, the byte offset and the field that was being read.
pub(crate) struct Bytes<'a> {
    pub data: &'a [u8],
    pub order: ByteOrder,
    pub path: &'a Path,
}

impl<'a> Bytes<'a> {
    pub fn err(&self, offset: usize, message: impl Into<String>) -> IoError {
        IoError::at(self.path, Location::Byte(offset as u64), message)
    }

    /// `len` bytes at `offset`, or an error naming `what`.
    pub fn slice(&self, offset: usize, len: usize, what: &str) -> Result<&'a [u8], IoError> {
        offset.checked_add(len).and_then(|end| self.data.get(offset..end)).ok_or_else(|| {
            self.err(offset, format!("{what}: expected {len} bytes, the file has {} bytes in all", self.data.len()))
        })
    }

    fn array<const N: usize>(&self, offset: usize, what: &str) -> Result<[u8; N], IoError> {
        let s = self.slice(offset, N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        if self.order == ByteOrder::Big {
            a.reverse();
        }
        // `a` is now little-endian.
        Ok(a)
    }

    pub fn i16(&self, offset: usize, what: &str) -> Result<i16, IoError> {
        Ok(i16::from_le_bytes(self.array(offset, what)?))
    }

    pub fn i32(&self, offset: usize, what: &str) -> Result<i32, IoError> {
        Ok(i32::from_le_bytes(self.array(offset, what)?))
    }

    pub fn u32(&self, offset: usize, what: &str) -> Result<u32, IoError> {
        Ok(u32::from_le_bytes(self.array(offset, what)?))
    }

    pub fn f64(&self, offset: usize, what: &str) -> Result<f64, IoError> {
        Ok(f64::from_le_bytes(self.array(offset, what)?))
    }

    /// A size field: a non-negative int32.
    pub fn size(&self, offset: usize, what: &str) -> Result<usize, IoError> {
        let v = self.i32(offset, what)?;
        usize::try_from(v).map_err(|_| self.err(offset, format!("{what}: expected a size ≥ 0, found {v}")))
    }
}

/// The binary header, all versions folded into one struct (fields a version lacks are 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinHeader {
    pub version: u16,
    pub byte_order: ByteOrder,
    /// Size of the wave header plus the wave data (plus 16 bytes of padding in versions 1–3).
    pub wfm_size: usize,
    /// Size of the wave note (versions 2, 3, 5).
    pub note_size: usize,
    /// Size of the dependency formula (versions 3, 5).
    pub formula_size: usize,
    /// Reserved picture size (versions 2, 3); ignored on read.
    pub pict_size: usize,
    /// Size of the extended data units string (version 5).
    pub data_e_units_size: usize,
    /// Sizes of the extended dimension units strings (version 5).
    pub dim_e_units_size: [usize; 4],
    /// Sizes of the dimension label sections, 32 bytes per label (version 5).
    pub dim_labels_size: [usize; 4],
    /// Size of the string end offsets of a text wave (version 5).
    pub s_indices_size: usize,
    /// The stored checksum field (chosen by the writer so the header sums to 0).
    pub checksum: i16,
}

impl BinHeader {
    /// Size of `BinHeaderN` in the file (TN003: BinHeader1 8, BinHeader2 16, BinHeader3 20, BinHeader5 64).
    pub fn size_of(version: u16) -> usize {
        match version {
            1 => 8,
            2 => 16,
            3 => 20,
            _ => 64,
        }
    }

    /// Size of this file's BinHeader.
    pub fn size(&self) -> usize {
        Self::size_of(self.version)
    }

    /// Number of bytes the checksum covers: TN003 ReadWave.c sums the BinHeader and the C
    /// struct of the wave header, which ends in `float wData[4]` (WaveHeader2, 110 + 16 bytes)
    /// or `float wData[1]` (WaveHeader5, 320 + 4 bytes) — and for version 5 it leaves those
    /// last 4 bytes out. So versions 1–3 include the first 16 bytes after the header.
    pub fn checksum_len(&self) -> usize {
        match self.version {
            5 => 64 + 320,
            v => Self::size_of(v) + 110 + 16,
        }
    }

    pub(crate) fn parse(b: &Bytes<'_>, version: u16) -> Result<BinHeader, IoError> {
        let mut h = BinHeader {
            version,
            byte_order: b.order,
            wfm_size: 0,
            note_size: 0,
            formula_size: 0,
            pict_size: 0,
            data_e_units_size: 0,
            dim_e_units_size: [0; 4],
            dim_labels_size: [0; 4],
            s_indices_size: 0,
            checksum: 0,
        };
        match version {
            1 => {
                h.wfm_size = b.size(2, "BinHeader1.wfmSize")?;
                h.checksum = b.i16(6, "BinHeader1.checksum")?;
            }
            2 => {
                h.wfm_size = b.size(2, "BinHeader2.wfmSize")?;
                h.note_size = b.size(6, "BinHeader2.noteSize")?;
                h.pict_size = b.i32(10, "BinHeader2.pictSize")?.max(0) as usize;
                h.checksum = b.i16(14, "BinHeader2.checksum")?;
            }
            3 => {
                h.wfm_size = b.size(2, "BinHeader3.wfmSize")?;
                h.note_size = b.size(6, "BinHeader3.noteSize")?;
                h.formula_size = b.size(10, "BinHeader3.formulaSize")?;
                h.pict_size = b.i32(14, "BinHeader3.pictSize")?.max(0) as usize;
                h.checksum = b.i16(18, "BinHeader3.checksum")?;
            }
            5 => {
                h.checksum = b.i16(2, "BinHeader5.checksum")?;
                h.wfm_size = b.size(4, "BinHeader5.wfmSize")?;
                h.formula_size = b.size(8, "BinHeader5.formulaSize")?;
                h.note_size = b.size(12, "BinHeader5.noteSize")?;
                h.data_e_units_size = b.size(16, "BinHeader5.dataEUnitsSize")?;
                for d in 0..4 {
                    h.dim_e_units_size[d] = b.size(20 + 4 * d, "BinHeader5.dimEUnitsSize")?;
                    h.dim_labels_size[d] = b.size(36 + 4 * d, "BinHeader5.dimLabelsSize")?;
                }
                h.s_indices_size = b.size(52, "BinHeader5.sIndicesSize")?;
                // optionsSize1/2 (56, 60): reserved, ignored on read.
            }
            v => return Err(b.err(0, format!("version: expected 1, 2, 3 or 5, found {v}"))),
        }
        Ok(h)
    }
}

/// The TN003 checksum: the 16-bit two's-complement sum of the header read as int16 in the
/// file's byte order. A valid file sums to 0. None if the file is shorter than the header.
pub fn header_sum(bytes: &[u8], order: ByteOrder, len: usize) -> Option<i16> {
    let head = bytes.get(..len)?;
    let sum = head.chunks_exact(2).fold(0i16, |acc, c| {
        let v = match order {
            ByteOrder::Little => i16::from_le_bytes([c[0], c[1]]),
            ByteOrder::Big => i16::from_be_bytes([c[0], c[1]]),
        };
        acc.wrapping_add(v)
    });
    Some(sum)
}
