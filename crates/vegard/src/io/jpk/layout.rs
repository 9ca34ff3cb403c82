//! Where things are in a JPK archive, and how the header layers combine.
//!
//! Two hierarchies (afmformats `JPKReader.hierarchy`): *single* files (`.jpk-force`,
//! `.jpk-qi-series`) hold `segments/<s>/...` at the top level; *indexed* files (force maps,
//! QI data) hold one curve per `index/<n>/` with `index/<n>/header.properties` and
//! `index/<n>/segments/<s>/...`. Newer files (format 2.0) move repeated channel and
//! segment descriptions to `shared-data/header.properties`: a segment header key
//! `channel.vDeflection.lcd-info.*=1` means "every `lcd-info.1.<rest>` of the shared
//! header is `channel.vDeflection.<rest>` here" (likewise
//! `force-segment-header.force-segment-header-info.*`).
//!
//! Lookup precedence is afmformats' (`_get_index_segment_properties`): curve header,
//! overridden by the segment header, overridden by shared-data substitutions, overridden
//! by the top-level `header.properties`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zip::ZipArchive;

use super::properties::{Properties, with_key};
use crate::io::{IoError, Location, MAX_DECLARED_BYTES, check_declared};

/// Largest header file we accept (a real one is a few tens of kB).
const MAX_PROPERTIES_BYTES: u64 = 64 << 20;

/// Deflate cannot expand data by more than 1032:1 (RFC 1951 block limits); a declared
/// size beyond that is a lie and is rejected before allocating.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// A file read with positioned reads, so one open `File` serves any number of threads:
/// every clone keeps its own cursor.
#[derive(Clone)]
pub struct PosFile {
    file: Arc<File>,
    pos: u64,
    len: u64,
}

impl PosFile {
    fn new(file: File) -> std::io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(PosFile { file: Arc::new(file), pos: 0, len })
    }
}

impl Read for PosFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.pos)?;
        #[cfg(not(any(unix, windows)))]
        let n = {
            let _ = buf;
            return Err(std::io::Error::other("positioned reads are not supported on this platform"));
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for PosFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let new = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start of the file")),
        }
    }
}

/// Single curve at the top level, or one curve per `index/<n>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hierarchy {
    Single,
    Indexed,
}

/// Files up to this size are read whole, with one positioned read, when a curve is read
/// from them ([`Archive::snapshot`]); larger ones (maps) are read entry by entry.
const SNAPSHOT_MAX_BYTES: u64 = 8 << 20;

/// Local file header: fixed part (signature, versions, flags, method, times, CRC, sizes,
/// name and extra lengths).
const LOCAL_HEADER_BYTES: usize = 30;
const LOCAL_MAGIC: &[u8; 4] = b"PK\x03\x04";
/// Bytes read past the name in one go, for the local extra field (JPK writes none).
const LOCAL_EXTRA_SLACK: usize = 64;

/// Bytes of the file read at a time while the zip crate parses the central directory.
const DIRECTORY_WINDOW_BYTES: usize = 64 << 10;

/// The central-directory record of one entry: what reading it needs.
#[derive(Debug, Clone, Copy)]
struct EntryRecord {
    header_start: u64,
    compressed: u64,
    size: u64,
    crc32: u32,
    method: zip::CompressionMethod,
    encrypted: bool,
}

/// An opened archive: the central directory is parsed once; entries are read on demand
/// from any thread.
///
/// The zip crate parses the central directory (through [`Windowed`], a few large reads
/// instead of four small ones per entry), and only the records needed to read entries are
/// kept, sorted by name. Entries are read here: local header and compressed bytes with
/// one positioned read (or from a snapshot of the whole file), inflated in one call by a
/// per-thread inflater that is reset, not rebuilt, and checked against the CRC-32 of the
/// central directory.
#[derive(Clone)]
pub struct Archive {
    pub path: PathBuf,
    entries: Arc<[(String, EntryRecord)]>,
    file: PosFile,
    /// The whole file, when [`Archive::snapshot`] read it.
    snapshot: Option<Arc<[u8]>>,
}

/// A reader that serves reads from a window of the file read in one go: the zip crate
/// reads the central directory field by field, and this turns those into one system call
/// per [`DIRECTORY_WINDOW_BYTES`].
struct Windowed {
    file: PosFile,
    pos: u64,
    start: u64,
    window: Vec<u8>,
}

impl Read for Windowed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let inside = self.pos >= self.start && self.pos < self.start + self.window.len() as u64;
        if !inside {
            self.start = self.pos;
            self.window.clear();
            let mut f = self.file.clone();
            f.seek(SeekFrom::Start(self.pos))?;
            f.take(DIRECTORY_WINDOW_BYTES as u64).read_to_end(&mut self.window)?;
            if self.window.is_empty() {
                return Ok(0);
            }
        }
        let at = usize::try_from(self.pos - self.start).unwrap_or(usize::MAX).min(self.window.len());
        let n = buf.len().min(self.window.len() - at);
        buf[..n].copy_from_slice(&self.window[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Windowed {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let new = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.file.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start of the file")),
        }
    }
}

thread_local! {
    /// One raw-deflate inflater per thread: its state and window are allocated once.
    static INFLATER: std::cell::RefCell<Option<flate2::Decompress>> = const { std::cell::RefCell::new(None) };
}

/// Inflate a whole raw deflate stream that must hold exactly `size` bytes.
fn inflate(compressed: &[u8], size: usize) -> Result<Vec<u8>, String> {
    INFLATER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let d = slot.get_or_insert_with(|| flate2::Decompress::new(false));
        d.reset(false);
        // one byte of room more than declared, so that an entry holding more is seen
        let mut out = Vec::with_capacity(size.saturating_add(1));
        let status = d.decompress_vec(compressed, &mut out, flate2::FlushDecompress::Finish);
        match status {
            Ok(flate2::Status::StreamEnd) => Ok(out),
            Ok(_) if out.len() > size => Err(format!("entry holds more than the {size} bytes declared")),
            Ok(_) => Err(format!("deflate stream ends early, after {} of {size} bytes", out.len())),
            Err(e) => Err(format!("cannot decompress: {e}")),
        }
    })
}

/// What a zip that cannot be opened most likely is: a JPK file cut short (it starts like a
/// zip but its directory, written last, is missing) or not a zip at all.
fn zip_error_message(path: &Path, e: &zip::result::ZipError) -> String {
    let mut magic = [0u8; 4];
    let starts_like_zip =
        File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && magic == *b"PK\x03\x04";
    if starts_like_zip {
        format!(
            "truncated (or not a JPK zip archive): the zip directory at the end of the file is missing or damaged ({e})"
        )
    } else {
        format!("not a zip archive (JPK files are zip files): {e}")
    }
}

impl Archive {
    pub fn open(path: &Path) -> Result<Archive, IoError> {
        let file = File::open(path).map_err(|e| IoError::from_io(path, &e))?;
        let pos = PosFile::new(file).map_err(|e| IoError::from_io(path, &e))?;
        let reader = Windowed { file: pos.clone(), pos: 0, start: 0, window: Vec::new() };
        let zip = ZipArchive::new(reader).map_err(|e| IoError::new(path, zip_error_message(path, &e)))?;
        // Undecodable names are skipped: JPK writes ASCII names.
        let mut entries: Vec<(String, EntryRecord)> = (0..zip.len())
            .filter_map(|i| {
                let e = zip.by_index_data(i).ok()?;
                let record = EntryRecord {
                    header_start: e.header_start(),
                    compressed: e.compressed_size(),
                    size: e.size(),
                    crc32: e.crc32(),
                    method: e.compression(),
                    encrypted: e.encrypted(),
                };
                Some((e.name().ok()?.into_owned(), record))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        Ok(Archive { path: path.to_path_buf(), entries: entries.into(), file: pos, snapshot: None })
    }

    /// The same archive with the whole file read into memory (one positioned read), if it
    /// is small: reading every entry of a curve then costs no further system call. `None`
    /// for a large file or if the read fails (entries are then read one by one, and any
    /// error is reported there).
    pub fn snapshot(&self) -> Option<Archive> {
        if self.snapshot.is_some() {
            return Some(self.clone());
        }
        let len = self.file.len;
        if len > SNAPSHOT_MAX_BYTES {
            return None;
        }
        let bytes = self.bytes_at(0, len).ok().filter(|b| b.len() as u64 == len)?;
        Some(Archive { snapshot: Some(bytes.into()), ..self.clone() })
    }

    fn record(&self, name: &str) -> Option<EntryRecord> {
        let i = self.entries.binary_search_by(|e| e.0.as_str().cmp(name)).ok()?;
        Some(self.entries[i].1)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.record(name).is_some()
    }

    /// Entry names, in name order (undecodable names are skipped: JPK writes ASCII names).
    pub fn names(&self) -> impl Iterator<Item = String> + '_ {
        self.entries.iter().map(|e| e.0.clone())
    }

    fn entry_err(&self, entry: &str, message: impl Into<String>) -> IoError {
        IoError::at(&self.path, Location::Entry { entry: entry.to_string(), byte: None }, message)
    }

    /// Up to `len` bytes of the file from `start` (fewer at the end of the file).
    fn bytes_at(&self, start: u64, len: u64) -> std::io::Result<Vec<u8>> {
        if let Some(all) = &self.snapshot {
            let a = usize::try_from(start.min(all.len() as u64)).unwrap_or(all.len());
            let b = usize::try_from(start.saturating_add(len).min(all.len() as u64)).unwrap_or(all.len());
            return Ok(all[a..b].to_vec());
        }
        let mut f = self.file.clone();
        f.seek(SeekFrom::Start(start))?;
        let len = len.min(self.file.len.saturating_sub(start));
        let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        f.take(len).read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// The central-directory record of an entry, checked as [`Archive::read`] checks it
    /// before reading: present, not encrypted, stored or deflated, and a declared size
    /// within `limit` and within what its compressed size can expand to. Returns the record,
    /// whether it is stored, and the declared size.
    fn checked_entry(&self, name: &str, limit: u64) -> Result<(EntryRecord, bool, usize), IoError> {
        let entry = self.record(name).ok_or_else(|| self.entry_err(name, "entry missing from the archive"))?;
        if entry.encrypted {
            return Err(self.entry_err(name, "cannot open entry: encrypted entries are not supported"));
        }
        let declared = entry.size;
        let compressed = entry.compressed;
        let stored = match entry.method {
            zip::CompressionMethod::Stored => true,
            zip::CompressionMethod::Deflated => false,
            other => return Err(self.entry_err(name, format!("cannot open entry: unsupported compression {other}"))),
        };
        let bound = if stored { compressed } else { compressed.saturating_mul(MAX_DEFLATE_RATIO).saturating_add(1024) };
        let location = Location::Entry { entry: name.to_string(), byte: None };
        let n =
            check_declared(&self.path, location, "entry size", declared, 1, bound.min(limit).min(MAX_DECLARED_BYTES))?;
        Ok((entry, stored, n))
    }

    /// Declared (uncompressed) size of an entry, checked as for reading it, without
    /// reading it.
    pub fn entry_size(&self, name: &str, limit: u64) -> Result<usize, IoError> {
        let (entry, stored, n) = self.checked_entry(name, limit)?;
        if entry.header_start.checked_add(entry.compressed).is_none_or(|end| end > self.file.len) {
            return Err(self.entry_err(name, "cannot open entry: its data lies beyond the end of the file"));
        }
        if stored && entry.compressed != entry.size {
            return Err(self.entry_err(
                name,
                format!("entry holds {} bytes, the zip directory declares {}", entry.compressed, entry.size),
            ));
        }
        Ok(n)
    }

    /// Whole content of an entry, at most `limit` bytes.
    pub fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>, IoError> {
        let (entry, stored, n) = self.checked_entry(name, limit)?;
        let declared = entry.size;
        let compressed = entry.compressed;
        // local header and data in one read; the data must lie inside the file
        let header_start = entry.header_start;
        let beyond = || self.entry_err(name, "cannot open entry: its data lies beyond the end of the file");
        let room = self.file.len.checked_sub(header_start).ok_or_else(beyond)?;
        let guess = (LOCAL_HEADER_BYTES + name.len() + LOCAL_EXTRA_SLACK) as u64;
        let chunk = self
            .bytes_at(header_start, compressed.saturating_add(guess).min(room))
            .map_err(|e| self.entry_err(name, format!("cannot read entry: {e}")))?;
        if chunk.len() < LOCAL_HEADER_BYTES || &chunk[..4] != LOCAL_MAGIC {
            return Err(self.entry_err(name, "cannot open entry: invalid local file header"));
        }
        let le16 = |at: usize| usize::from(u16::from_le_bytes([chunk[at], chunk[at + 1]]));
        let data_offset = LOCAL_HEADER_BYTES + le16(26) + le16(28);
        let want = usize::try_from(compressed).map_err(|_| beyond())?;
        let outside;
        let data: &[u8] = match chunk.get(data_offset..).and_then(|d| d.get(..want)) {
            Some(d) => d,
            None => {
                // a long local extra field: read the data on its own
                let start = header_start.checked_add(data_offset as u64).ok_or_else(beyond)?;
                outside = self
                    .bytes_at(start, compressed)
                    .map_err(|e| self.entry_err(name, format!("cannot read entry: {e}")))?;
                if outside.len() != want {
                    return Err(beyond());
                }
                &outside
            }
        };
        let buf = if stored { data.to_vec() } else { inflate(data, n).map_err(|e| self.entry_err(name, e))? };
        if buf.len() as u64 != declared {
            return Err(
                self.entry_err(name, format!("entry holds {} bytes, the zip directory declares {declared}", buf.len()))
            );
        }
        if crc32fast::hash(&buf) != entry.crc32 {
            return Err(self.entry_err(name, "cannot decompress: CRC-32 mismatch (damaged entry)"));
        }
        Ok(buf)
    }

    pub fn read_properties(&self, name: &str) -> Result<Properties, IoError> {
        let bytes = self.read(name, MAX_PROPERTIES_BYTES)?;
        Properties::parse(&bytes).map_err(|e| {
            IoError::at(
                &self.path,
                Location::Entry { entry: name.to_string(), byte: None },
                format!("line {}: {}", e.line, e.message),
            )
        })
    }

    /// afmformats' rule: a top-level `segments/` means a single curve, else `index/`.
    pub fn hierarchy(&self) -> Result<Hierarchy, IoError> {
        if self.names().any(|n| n.starts_with("segments/")) {
            Ok(Hierarchy::Single)
        } else if self.names().any(|n| n.starts_with("index/")) {
            Ok(Hierarchy::Indexed)
        } else {
            Err(IoError::new(&self.path, "expected 'segments/' or 'index/<n>/' entries in the archive, found neither"))
        }
    }

    /// Curve numbers `n` of `index/<n>/`, in numeric order.
    pub fn index_numbers(&self) -> Vec<u64> {
        let mut set = std::collections::BTreeSet::new();
        for name in self.names() {
            let mut parts = name.split('/');
            if parts.next() == Some("index")
                && let Some(n) = parts.next().and_then(|s| s.parse::<u64>().ok())
                && parts.next().is_some()
            {
                set.insert(n);
            }
        }
        set.into_iter().collect()
    }
}

/// A `X.Y.*=n` reference: keys `X.<rest>` come from shared `Y.n.<rest>`.
#[derive(Debug, Clone)]
struct SharedRef {
    head: String,
    mediator: String,
    number: String,
}

/// Property lookup for one segment of one curve, layered as afmformats does.
pub struct Scope<'a> {
    pub general: &'a Properties,
    pub shared: &'a Properties,
    pub index: &'a Properties,
    pub segment: &'a Properties,
    refs: Vec<SharedRef>,
}

impl<'a> Scope<'a> {
    pub fn new(
        general: &'a Properties,
        shared: &'a Properties,
        index: &'a Properties,
        segment: &'a Properties,
    ) -> Self {
        let mut refs = Vec::new();
        for props in [index, segment] {
            for (key, value) in props.iter() {
                let Some(stem) = key.strip_suffix(".*") else { continue };
                let Some((head, mediator)) = stem.rsplit_once('.') else { continue };
                refs.push(SharedRef {
                    head: head.to_string(),
                    mediator: mediator.to_string(),
                    number: value.trim().to_string(),
                });
            }
        }
        // deterministic precedence if two references claim the same key: the longest head
        // (most specific) first
        refs.sort_by(|a, b| b.head.len().cmp(&a.head.len()).then_with(|| a.head.cmp(&b.head)));
        Scope { general, shared, index, segment, refs }
    }

    pub fn get(&self, key: &str) -> Option<&'a str> {
        let hash = super::properties::key_hash(key);
        if let Some(v) = self.general.get_hashed(key, hash) {
            return Some(v);
        }
        for r in &self.refs {
            if let Some(rest) = key.strip_prefix(r.head.as_str()).and_then(|s| s.strip_prefix('.'))
                && let Some(v) = with_key(&[&r.mediator, ".", &r.number, ".", rest], |k| self.shared.get(k))
            {
                return Some(v);
            }
        }
        self.segment.get_hashed(key, hash).or_else(|| self.index.get_hashed(key, hash))
    }

    /// A number; NaN counts as absent (afmformats drops NaN properties).
    pub fn number(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(super::conversion::number)
    }

    /// Lookup relative to `channel.<name>.`.
    pub fn channel<'s>(&'s self, name: &'s str) -> impl Fn(&str) -> Option<&'a str> + 's {
        move |rest: &str| with_key(&["channel.", name, ".", rest], |k| self.get(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_substitution_and_precedence() {
        let parse = |s: &str| Properties::parse(s.as_bytes()).unwrap_or_default();
        let general = parse("type=force-scan-map\nchannel.x.override=general\n");
        let shared = parse("lcd-info.1.encoder.type=signedinteger\nlcd-info.10.encoder.type=signedshort\n");
        let index = parse("type=force-scan-series\nchannel.x.from-index=i\n");
        let segment = parse("channel.v.lcd-info.*=1\nchannel.v.encoder.type=local\nchannel.x.override=segment\n");
        let scope = Scope::new(&general, &shared, &index, &segment);
        assert_eq!(scope.get("channel.v.encoder.type"), Some("signedinteger"));
        assert_eq!(scope.get("channel.x.override"), Some("general"));
        assert_eq!(scope.get("channel.x.from-index"), Some("i"));
        assert_eq!(scope.get("type"), Some("force-scan-map"));
        assert_eq!(scope.get("channel.vv.encoder.type"), None);
    }
}
