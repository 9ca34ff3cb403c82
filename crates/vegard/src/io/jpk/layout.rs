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

use super::properties::Properties;
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

/// An opened archive: the central directory is parsed once; entries are read on demand
/// from any thread.
#[derive(Clone)]
pub struct Archive {
    pub path: PathBuf,
    zip: ZipArchive<PosFile>,
}

impl Archive {
    pub fn open(path: &Path) -> Result<Archive, IoError> {
        let file = File::open(path).map_err(|e| IoError::from_io(path, &e))?;
        let pos = PosFile::new(file).map_err(|e| IoError::from_io(path, &e))?;
        let zip = ZipArchive::new(pos)
            .map_err(|e| IoError::new(path, format!("expected a zip archive (JPK files are zip files): {e}")))?;
        Ok(Archive { path: path.to_path_buf(), zip })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Entry names (undecodable names are skipped: JPK writes ASCII names).
    pub fn names(&self) -> impl Iterator<Item = String> + '_ {
        self.zip.file_names().filter_map(|n| n.ok().map(|c| c.into_owned()))
    }

    fn entry_err(&self, entry: &str, message: impl Into<String>) -> IoError {
        IoError::at(&self.path, Location::Entry { entry: entry.to_string(), byte: None }, message)
    }

    /// Whole content of an entry, at most `limit` bytes.
    pub fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>, IoError> {
        let index =
            self.zip.index_for_name(name).ok_or_else(|| self.entry_err(name, "entry missing from the archive"))?;
        // A clone shares the parsed central directory (Arc) and the file; only the cursor
        // is private, so concurrent reads do not interfere.
        let mut zip = self.zip.clone();
        let mut entry = zip.by_index(index).map_err(|e| self.entry_err(name, format!("cannot open entry: {e}")))?;
        let declared = entry.size();
        let compressed = entry.compressed_size();
        let bound = match entry.compression() {
            zip::CompressionMethod::Stored => compressed,
            _ => compressed.saturating_mul(MAX_DEFLATE_RATIO).saturating_add(1024),
        };
        let location = Location::Entry { entry: name.to_string(), byte: None };
        let n =
            check_declared(&self.path, location, "entry size", declared, 1, bound.min(limit).min(MAX_DECLARED_BYTES))?;
        let mut buf = Vec::with_capacity(n);
        (&mut entry)
            .take(declared.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| self.entry_err(name, format!("cannot decompress: {e}")))?;
        if buf.len() as u64 != declared {
            return Err(
                self.entry_err(name, format!("entry holds {} bytes, the zip directory declares {declared}", buf.len()))
            );
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
        if let Some(v) = self.general.get(key) {
            return Some(v);
        }
        for r in &self.refs {
            if let Some(rest) = key.strip_prefix(r.head.as_str()).and_then(|s| s.strip_prefix('.'))
                && let Some(v) = with_key(&[&r.mediator, ".", &r.number, ".", rest], |k| self.shared.get(k))
            {
                return Some(v);
            }
        }
        self.segment.get(key).or_else(|| self.index.get(key))
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

/// Call `f` with the concatenation of `parts`, built on the stack when it is short (every
/// JPK key is): header lookups are the inner loop of reading a curve.
pub fn with_key<R>(parts: &[&str], f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 256];
    let mut n = 0;
    for p in parts {
        let Some(dst) = buf.get_mut(n..n + p.len()) else { return f(&parts.concat()) };
        dst.copy_from_slice(p.as_bytes());
        n += p.len();
    }
    // whole `&str`s concatenated: always UTF-8
    match std::str::from_utf8(&buf[..n]) {
        Ok(k) => f(k),
        Err(_) => f(&parts.concat()),
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
