//! vegard's own open force-curve format, `.vgc`: streamable, random access, self-describing.
//!
//! Layout (all integers little-endian; documented in docs/formats.md):
//! ```text
//! "VEGARDC1"                   8-byte magic
//! u64 H, then H bytes JSON     file header: channels (kind, name, unit), grid, metadata
//! curve records, each:         u32 J, J bytes JSON (index, grid, position, calibration,
//!                              segments [{kind, name, len, duration_s}]), then for each
//!                              segment, for each header channel, len × f64 (NaN if absent)
//! index                        n × u64: byte offset of every curve record
//! trailer                      u64 index offset, u64 n, "VGCEND01"
//! ```
//! Any tool can read it with a JSON parser and a few `struct.unpack` calls; a 512×512 map is
//! read one curve at a time.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{CurveSource, Dataset, FormatRecipe, IoError, Location, SourceInfo, check_declared};
use crate::data::{
    Calibration, Channel, ChannelKind, ForceCurve, GridIndex, GridShape, Metadata, Segment, SegmentKind,
};

pub const RECIPE: FormatRecipe = FormatRecipe {
    key: "vgc",
    name: "vegard curves (.vgc)",
    extensions: &["vgc"],
    detect: |_, head| head.starts_with(MAGIC),
    open,
};

const MAGIC: &[u8; 8] = b"VEGARDC1";
const TRAILER_MAGIC: &[u8; 8] = b"VGCEND01";
const TRAILER_LEN: u64 = 24;
/// Headers are small; anything larger is a corrupt length field.
const MAX_JSON: u64 = 64 << 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChannelHeader {
    kind: String,
    name: String,
    unit: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FileHeader {
    format: String,
    version: u32,
    channels: Vec<ChannelHeader>,
    grid: Option<GridShape>,
    metadata: Metadata,
    /// Format of the file this was converted from, if any.
    source_format: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SegmentHeader {
    kind: SegmentKind,
    name: String,
    len: u64,
    duration_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CurveHeader {
    index: usize,
    grid: Option<GridIndex>,
    position_m: Option<(f64, f64)>,
    calibration: Calibration,
    segments: Vec<SegmentHeader>,
    #[serde(default)]
    metadata: Metadata,
}

/// Streaming writer: curves are appended one by one; the file appears (atomically, by
/// rename) only when [`VgcWriter::finish`] succeeds.
pub struct VgcWriter {
    out: BufWriter<File>,
    tmp: PathBuf,
    dest: PathBuf,
    channels: Vec<ChannelKind>,
    offsets: Vec<u64>,
    pos: u64,
}

impl VgcWriter {
    /// Start a file with the given channels (kind, vendor name, unit).
    pub fn create(
        dest: &Path,
        channels: &[(ChannelKind, String, String)],
        grid: Option<GridShape>,
        metadata: Metadata,
        source_format: Option<&str>,
    ) -> std::io::Result<Self> {
        let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("out.vgc");
        let tmp = dest.with_file_name(format!(".{name}.vegard-tmp"));
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut out = BufWriter::new(File::create(&tmp)?);
        let header = FileHeader {
            format: "vegard-curves".into(),
            version: 1,
            channels: channels
                .iter()
                .map(|(k, n, u)| ChannelHeader { kind: k.key().to_string(), name: n.clone(), unit: u.clone() })
                .collect(),
            grid,
            metadata,
            source_format: source_format.map(str::to_string),
        };
        let json = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
        out.write_all(MAGIC)?;
        out.write_all(&(json.len() as u64).to_le_bytes())?;
        out.write_all(&json)?;
        let pos = 16 + json.len() as u64;
        Ok(VgcWriter {
            out,
            tmp,
            dest: dest.to_path_buf(),
            channels: channels.iter().map(|c| c.0.clone()).collect(),
            offsets: Vec::new(),
            pos,
        })
    }

    /// Append one curve.
    pub fn push(&mut self, curve: &ForceCurve) -> std::io::Result<()> {
        let header = CurveHeader {
            index: curve.index,
            grid: curve.grid,
            position_m: curve.position_m,
            calibration: curve.calibration,
            segments: curve
                .segments
                .iter()
                .map(|s| SegmentHeader {
                    kind: s.kind,
                    name: s.name.clone(),
                    len: s.len() as u64,
                    duration_s: s.duration_s,
                })
                .collect(),
            metadata: curve.metadata.clone(),
        };
        let json = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
        self.offsets.push(self.pos);
        self.out.write_all(&(json.len() as u32).to_le_bytes())?;
        self.out.write_all(&json)?;
        self.pos += 4 + json.len() as u64;
        for seg in &curve.segments {
            for kind in &self.channels {
                match seg.data(kind) {
                    Some(d) => {
                        for v in d {
                            self.out.write_all(&v.to_le_bytes())?;
                        }
                    }
                    None => {
                        for _ in 0..seg.len() {
                            self.out.write_all(&f64::NAN.to_le_bytes())?;
                        }
                    }
                }
                self.pos += 8 * seg.len() as u64;
            }
        }
        Ok(())
    }

    /// Write the index and trailer, flush, fsync and move the file into place.
    pub fn finish(mut self) -> std::io::Result<()> {
        let index_offset = self.pos;
        for o in &self.offsets {
            self.out.write_all(&o.to_le_bytes())?;
        }
        self.out.write_all(&index_offset.to_le_bytes())?;
        self.out.write_all(&(self.offsets.len() as u64).to_le_bytes())?;
        self.out.write_all(TRAILER_MAGIC)?;
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&self.tmp, &self.dest)
    }
}

/// A `.vgc` file opened for random access.
pub struct VgcSource {
    path: PathBuf,
    file: File,
    file_len: u64,
    header: FileHeader,
    kinds: Vec<ChannelKind>,
    offsets: Vec<u64>,
    index_offset: u64,
}

fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], offset + done as u64)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

impl VgcSource {
    pub fn open(path: &Path) -> Result<Self, IoError> {
        let file = File::open(path).map_err(|e| IoError::from_io(path, &e))?;
        let file_len = file.metadata().map_err(|e| IoError::from_io(path, &e))?.len();
        let rd = |buf: &mut [u8], at: u64, what: &str| {
            read_at(&file, buf, at).map_err(|_| {
                IoError::at_byte(path, at, format!("expected {what} ({} bytes), file ends at {file_len}", buf.len()))
            })
        };
        let mut head = [0u8; 16];
        rd(&mut head, 0, "magic and header length")?;
        if &head[..8] != MAGIC {
            return Err(IoError::at_byte(path, 0, "expected magic 'VEGARDC1'"));
        }
        let hlen = u64::from_le_bytes(head[8..16].try_into().unwrap_or_default());
        if hlen > MAX_JSON || 16 + hlen + TRAILER_LEN > file_len {
            return Err(IoError::at_byte(
                path,
                8,
                format!("header length {hlen} does not fit the {file_len}-byte file"),
            ));
        }
        let mut json = vec![0u8; hlen as usize];
        rd(&mut json, 16, "JSON header")?;
        let header: FileHeader = serde_json::from_slice(&json)
            .map_err(|e| IoError::at_byte(path, 16, format!("expected the JSON file header: {e}")))?;
        let mut trailer = [0u8; TRAILER_LEN as usize];
        rd(&mut trailer, file_len - TRAILER_LEN, "trailer")?;
        if &trailer[16..] != TRAILER_MAGIC {
            return Err(IoError::at_byte(path, file_len - 8, "expected trailer magic 'VGCEND01' (file truncated?)"));
        }
        let index_offset = u64::from_le_bytes(trailer[..8].try_into().unwrap_or_default());
        let n = u64::from_le_bytes(trailer[8..16].try_into().unwrap_or_default());
        let avail = (file_len - TRAILER_LEN).saturating_sub(index_offset);
        if index_offset < 16 + hlen || index_offset > file_len - TRAILER_LEN {
            return Err(IoError::at_byte(
                path,
                file_len - TRAILER_LEN,
                format!("index offset {index_offset} outside the file"),
            ));
        }
        let n = check_declared(path, Location::Byte(file_len - 16), "curve index", n, 8, avail)?;
        let mut raw = vec![0u8; n * 8];
        rd(&mut raw, index_offset, "curve index")?;
        let offsets: Vec<u64> =
            raw.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())).collect();
        if offsets.windows(2).any(|w| w[1] <= w[0]) || offsets.iter().any(|&o| o < 16 + hlen || o >= index_offset) {
            return Err(IoError::at_byte(path, index_offset, "curve offsets are not increasing inside the data area"));
        }
        let kinds = header.channels.iter().map(|c| ChannelKind::from_key(&c.kind)).collect();
        Ok(VgcSource { path: path.to_path_buf(), file, file_len, header, kinds, offsets, index_offset })
    }
}

impl CurveSource for VgcSource {
    fn info(&self) -> SourceInfo {
        let first = self.curve(0).ok();
        SourceInfo {
            format: "vgc".into(),
            n_curves: self.offsets.len(),
            grid: self.header.grid,
            channels: self.header.channels.iter().map(|c| (ChannelKind::from_key(&c.kind), c.unit.clone())).collect(),
            segments: first.as_ref().map(|c| c.segments.iter().map(|s| s.name.clone()).collect()).unwrap_or_default(),
            calibration: first.map(|c| c.calibration).unwrap_or_default(),
            metadata: self.header.metadata.clone(),
        }
    }

    fn n_curves(&self) -> usize {
        self.offsets.len()
    }

    fn curve(&self, i: usize) -> Result<ForceCurve, IoError> {
        let path = &self.path;
        let start = *self.offsets.get(i).ok_or_else(|| {
            IoError::at(path, Location::Curve(i), format!("no such curve: the file holds {}", self.offsets.len()))
        })?;
        let end = self.offsets.get(i + 1).copied().unwrap_or(self.index_offset);
        let mut len = [0u8; 4];
        read_at(&self.file, &mut len, start).map_err(|_| {
            IoError::at_byte(path, start, format!("expected a curve record; file is {} bytes", self.file_len))
        })?;
        let jlen = u32::from_le_bytes(len) as u64;
        if start + 4 + jlen > end {
            return Err(IoError::at_byte(path, start, format!("curve header length {jlen} overruns the record")));
        }
        let mut json = vec![0u8; jlen as usize];
        read_at(&self.file, &mut json, start + 4).map_err(|e| IoError::at_byte(path, start + 4, e.to_string()))?;
        let ch: CurveHeader = serde_json::from_slice(&json)
            .map_err(|e| IoError::at_byte(path, start + 4, format!("expected the JSON curve header: {e}")))?;
        let data_start = start + 4 + jlen;
        let total: u64 = ch.segments.iter().try_fold(0u64, |a, s| a.checked_add(s.len)).unwrap_or(u64::MAX);
        let n_values = check_declared(
            path,
            Location::Byte(start + 4),
            "curve samples",
            total.saturating_mul(self.kinds.len() as u64),
            8,
            end - data_start,
        )?;
        let mut raw = vec![0u8; n_values * 8];
        read_at(&self.file, &mut raw, data_start).map_err(|e| IoError::at_byte(path, data_start, e.to_string()))?;
        let mut values = raw.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or_default()));
        let mut curve = ForceCurve::new(ch.index);
        curve.grid = ch.grid;
        curve.position_m = ch.position_m;
        curve.calibration = ch.calibration;
        curve.metadata = ch.metadata;
        for sh in ch.segments {
            let mut seg = Segment::new(sh.kind, sh.name);
            seg.duration_s = sh.duration_s;
            for (kind, c) in self.kinds.iter().zip(&self.header.channels) {
                let data: Vec<f64> = values.by_ref().take(sh.len as usize).collect();
                seg.channels.push(Channel::new(kind.clone(), c.name.clone(), c.unit.clone(), data));
            }
            curve.segments.push(seg);
        }
        Ok(curve)
    }
}

fn open(path: &Path) -> Result<Dataset, IoError> {
    Ok(Dataset::Curves(Box::new(VgcSource::open(path)?)))
}

/// Convert any curve source to a `.vgc` file, streaming curve by curve. Curves that fail to
/// read are skipped and returned with their errors.
pub fn write_source(source: &dyn CurveSource, dest: &Path) -> std::io::Result<Vec<(usize, IoError)>> {
    let info = source.info();
    let channels: Vec<(ChannelKind, String, String)> =
        info.channels.iter().map(|(k, u)| (k.clone(), k.key().to_string(), u.clone())).collect();
    let mut w = VgcWriter::create(dest, &channels, info.grid, info.metadata.clone(), Some(&info.format))?;
    let mut errors = Vec::new();
    for i in 0..source.n_curves() {
        match source.curve(i) {
            Ok(c) => w.push(&c)?,
            Err(e) => errors.push((i, e)),
        }
    }
    w.finish()?;
    Ok(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(i: usize) -> ForceCurve {
        let mut c = ForceCurve::new(i);
        c.grid = Some(GridIndex { x: i % 3, y: i / 3 });
        c.calibration.spring_constant_n_per_m = Some(0.1 + i as f64);
        for (kind, n) in [(SegmentKind::Approach, 5 + i), (SegmentKind::Retract, 4)] {
            let mut s = Segment::new(kind, kind.key());
            s.channels.push(Channel::new(
                ChannelKind::PiezoHeight,
                "h",
                "m",
                (0..n).map(|k| k as f64 * 1e-9).collect(),
            ));
            s.channels.push(Channel::new(
                ChannelKind::Force,
                "f",
                "N",
                (0..n).map(|k| (k * i) as f64 * 1e-12).collect(),
            ));
            c.segments.push(s);
        }
        c
    }

    #[test]
    fn round_trip_and_damage() {
        let dir = std::env::temp_dir().join(format!("vegard-vgc-{}", std::process::id()));
        let p = dir.join("t.vgc");
        let chans = vec![
            (ChannelKind::PiezoHeight, "h".to_string(), "m".to_string()),
            (ChannelKind::Force, "f".to_string(), "N".to_string()),
        ];
        let mut w = VgcWriter::create(
            &p,
            &chans,
            Some(GridShape { nx: 3, ny: 2, size_m: Some((1e-6, 1e-6)) }),
            Metadata::default(),
            None,
        )
        .unwrap();
        for i in 0..6 {
            w.push(&curve(i)).unwrap();
        }
        w.finish().unwrap();
        let src = VgcSource::open(&p).unwrap();
        assert_eq!(src.n_curves(), 6);
        for i in 0..6 {
            assert_eq!(src.curve(i).unwrap(), curve(i));
        }
        assert!(src.curve(6).is_err());
        // Every truncation is an error, never a panic.
        let bytes = std::fs::read(&p).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            let q = dir.join("cut.vgc");
            std::fs::write(&q, &bytes[..cut]).unwrap();
            if let Ok(s) = VgcSource::open(&q) {
                for i in 0..s.n_curves() {
                    let _ = s.curve(i);
                }
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
