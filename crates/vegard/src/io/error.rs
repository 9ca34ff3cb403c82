//! Reader errors: every error names the file, the position in it and what was expected.

use std::path::{Path, PathBuf};

/// Where in a file an error happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// Nowhere more specific than the file.
    File,
    /// Byte offset from the start of the file (or of the zip entry, when `entry` is set).
    Byte(u64),
    /// 1-based line of a text file or header.
    Line(usize),
    /// A header key / property name.
    Key(String),
    /// A member of a container (zip entry), optionally at a byte offset inside it.
    Entry { entry: String, byte: Option<u64> },
    /// A curve index in a multi-curve file.
    Curve(usize),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Byte(b) => write!(f, " at byte {b}"),
            Location::Line(l) => write!(f, " at line {l}"),
            Location::Key(k) => write!(f, " at key '{k}'"),
            Location::Entry { entry, byte: None } => write!(f, " in entry '{entry}'"),
            Location::Entry { entry, byte: Some(b) } => write!(f, " in entry '{entry}' at byte {b}"),
            Location::Curve(i) => write!(f, " in curve {i}"),
        }
    }
}

/// A file could not be read as the format it claims to be.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{location}: {message}", path.display())]
pub struct IoError {
    pub path: PathBuf,
    pub location: Location,
    /// What was found and what was expected, in words.
    pub message: String,
}

impl IoError {
    /// An error about a whole file.
    pub fn new(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        IoError { path: path.as_ref().to_path_buf(), location: Location::File, message: message.into() }
    }

    pub fn at(path: impl AsRef<Path>, location: Location, message: impl Into<String>) -> Self {
        IoError { path: path.as_ref().to_path_buf(), location, message: message.into() }
    }

    pub fn at_byte(path: impl AsRef<Path>, byte: u64, message: impl Into<String>) -> Self {
        Self::at(path, Location::Byte(byte), message)
    }

    pub fn at_key(path: impl AsRef<Path>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::at(path, Location::Key(key.into()), message)
    }

    pub fn from_io(path: impl AsRef<Path>, err: &std::io::Error) -> Self {
        Self::new(path, format!("cannot read: {err}"))
    }
}

/// The largest allocation a reader may make on the word of a header, in bytes. Files that
/// declare more than this (or more than they hold) are rejected before allocating.
pub const MAX_DECLARED_BYTES: u64 = 1 << 32;

/// Check that `count` items of `item_size` bytes fit in `available` bytes (and under
/// [`MAX_DECLARED_BYTES`]) before allocating for them.
pub fn check_declared(
    path: &Path,
    location: Location,
    what: &str,
    count: u64,
    item_size: u64,
    available: u64,
) -> Result<usize, IoError> {
    let need = count.checked_mul(item_size).filter(|&n| n <= MAX_DECLARED_BYTES);
    match need {
        Some(n) if n <= available => usize::try_from(count)
            .map_err(|_| IoError::at(path, location, format!("{what}: {count} items do not fit in memory"))),
        Some(n) => Err(IoError::at(
            path,
            location,
            format!("{what}: header declares {count} items ({n} bytes), only {available} bytes available"),
        )),
        None => Err(IoError::at(path, location, format!("{what}: absurd declared size ({count} × {item_size} bytes)"))),
    }
}
