//! Writing output files so that a reader never sees a half-written one.
//!
//! The bytes go to a temporary file `.<name>.vegard-tmp` in the target's own directory
//! (same file system, so the final rename is atomic on POSIX and replaces an existing file
//! on Windows too), are flushed to disk with `fsync`, and the temporary file is renamed
//! over the target. If anything fails the temporary file is removed and the old target,
//! if any, is left untouched.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temporary file `write_atomic` uses for `path`.
pub fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{}: not a file path", path.display())))?;
    let mut tmp = OsString::from(".");
    tmp.push(name);
    tmp.push(".vegard-tmp");
    Ok(path.with_file_name(tmp))
}

/// Write `bytes` to `path` atomically, creating missing parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(path)?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent {
        fs::create_dir_all(dir)?;
    }
    let result = write_and_sync(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        // Best effort: the error that matters is `e`, not a failure to clean up.
        let _ = fs::remove_file(&tmp);
        return Err(io::Error::new(e.kind(), format!("writing {}: {e}", path.display())));
    }
    // Make the rename itself durable: sync the directory entry (POSIX; on other
    // systems opening a directory fails and the rename is already as durable as it gets).
    #[cfg(unix)]
    if let Ok(d) = File::open(parent.unwrap_or(Path::new("."))) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_and_sync(tmp: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(tmp)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_name_is_hidden_next_to_target() {
        let t = temp_path(Path::new("/a/b/map.png")).unwrap();
        assert_eq!(t, Path::new("/a/b/.map.png.vegard-tmp"));
        assert!(temp_path(Path::new("/")).is_err());
    }
}
