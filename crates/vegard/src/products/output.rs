//! The folder a run writes into: checked before any work, one run's files at a time.
//!
//! - [`OutputDir::prepare`] creates the folder and proves it writable (a probe file) before
//!   the analysis starts, so a read-only `--out` fails in a second, not after an hour.
//! - Every run leaves a manifest (`vegard-manifest.json`) listing the files it wrote. A
//!   second run into the same folder is refused unless forced; forcing removes exactly the
//!   files the previous manifest lists (nothing else), so results of two runs never mix.
//!   A non-empty folder without a manifest is refused too (forcing writes into it, removing
//!   nothing).
//! - Every file appears atomically (written to a temporary name, then renamed), so no reader
//!   ever sees half a file; writes may come from many threads at once. Durability is paid
//!   once per run instead of once per file (an fsync costs ~5 ms, and a batch writes
//!   thousands of files): [`OutputDir::finish`] syncs the folder's file system, then writes
//!   the manifest (itself fsynced). A manifest therefore means every file it lists is on
//!   disk.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::io::atomic::temp_path;
use crate::io::write_atomic;

/// Name of the manifest in every output folder.
pub const MANIFEST: &str = "vegard-manifest.json";

/// Why an output folder cannot be used or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: {message}")]
    Unusable { path: PathBuf, message: String },
    #[error("{path}: cannot write: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// One file a run wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrittenFile {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    pub bytes: u64,
}

/// What a run wrote, kept in the folder as [`MANIFEST`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub software: String,
    pub version: String,
    pub analysis: String,
    pub created_utc: String,
    pub files: Vec<WrittenFile>,
}

/// An output folder prepared for one run.
pub struct OutputDir {
    root: PathBuf,
    written: Mutex<Vec<WrittenFile>>,
}

impl OutputDir {
    /// Create `root` (and parents), check it can be written, and make sure it holds no other
    /// run's products (see the module doc); `force` replaces a previous run's files.
    pub fn prepare(root: &Path, force: bool) -> Result<OutputDir, OutputError> {
        let unusable = |message: String| OutputError::Unusable { path: root.to_path_buf(), message };
        if root.exists() && !root.is_dir() {
            return Err(unusable("exists and is not a folder; choose a folder for the products".into()));
        }
        std::fs::create_dir_all(root).map_err(|e| unusable(format!("cannot create the folder: {e}")))?;
        // Prove it writable now, before the work.
        let probe = root.join(format!(".vegard-write-probe-{}", std::process::id()));
        std::fs::write(&probe, b"probe").map_err(|e| unusable(format!("the folder is not writable: {e}")))?;
        std::fs::remove_file(&probe).map_err(|e| unusable(format!("cannot remove a file in the folder: {e}")))?;
        let manifest_path = root.join(MANIFEST);
        if manifest_path.exists() {
            let previous: Manifest =
                std::fs::read(&manifest_path).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or_else(|| {
                    unusable(format!("{MANIFEST} is unreadable; remove the folder or choose another"))
                })?;
            if !force {
                return Err(unusable(format!(
                    "holds the products of an earlier run ({} files, {} on {}); use --force to replace them, \
                     or choose another folder",
                    previous.files.len(),
                    previous.analysis,
                    previous.created_utc
                )));
            }
            remove_previous(root, &previous).map_err(|e| unusable(format!("cannot remove the earlier run: {e}")))?;
            std::fs::remove_file(&manifest_path).map_err(|e| unusable(format!("cannot remove {MANIFEST}: {e}")))?;
        } else if !force {
            let mut entries = std::fs::read_dir(root).map_err(|e| unusable(format!("cannot list the folder: {e}")))?;
            if entries.next().is_some() {
                return Err(unusable(
                    "is not empty and holds no vegard manifest (not written by vegard); choose an empty or new \
                     folder, or --force to write into it anyway (nothing in it is removed)"
                        .into(),
                ));
            }
        }
        Ok(OutputDir { root: root.to_path_buf(), written: Mutex::new(Vec::new()) })
    }

    /// [`OutputDir::prepare`], replacing without `--force` an earlier run of the same
    /// `analysis` (the demo re-run into its own folder).
    pub fn prepare_rerun(root: &Path, force: bool, analysis: &str) -> Result<OutputDir, OutputError> {
        let same = std::fs::read(root.join(MANIFEST))
            .ok()
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
            .is_some_and(|m| m.analysis == analysis);
        OutputDir::prepare(root, force || same)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The full path of `rel` (a `/`-separated path inside the folder).
    pub fn path(&self, rel: &str) -> PathBuf {
        rel.split('/').fold(self.root.clone(), |p, c| p.join(c))
    }

    /// Write `bytes` to `rel` atomically (creating sub-folders) and record it. Not synced
    /// to disk here: see [`OutputDir::finish`].
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.path(rel);
        let fail = |source| OutputError::Write { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let tmp = temp_path(&path).map_err(fail)?;
        if let Err(e) = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e));
        }
        let mut w = self.written.lock().unwrap_or_else(|p| p.into_inner());
        w.push(WrittenFile { path: rel.to_string(), bytes: bytes.len() as u64 });
        Ok(())
    }

    /// Record a file written into the folder by other means (a streamed `.vgc`).
    pub fn record(&self, rel: &str) -> Result<(), OutputError> {
        let path = self.path(rel);
        let bytes = std::fs::metadata(&path).map_err(|source| OutputError::Write { path: path.clone(), source })?.len();
        let mut w = self.written.lock().unwrap_or_else(|p| p.into_inner());
        w.push(WrittenFile { path: rel.to_string(), bytes });
        Ok(())
    }

    /// Put everything written on disk (one file-system sync), then write the manifest of
    /// everything written (sorted by path, fsynced) and return it.
    pub fn finish(self, analysis: &str) -> Result<Manifest, OutputError> {
        let mut files = self.written.into_inner().unwrap_or_else(|p| p.into_inner());
        sync_folder(&self.root, &files).map_err(|source| OutputError::Write { path: self.root.clone(), source })?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let manifest = Manifest {
            software: "vegard".into(),
            version: crate::VERSION.into(),
            analysis: analysis.into(),
            created_utc: crate::provenance::utc_now_iso8601(),
            files,
        };
        let bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        let path = self.root.join(MANIFEST);
        write_atomic(&path, &bytes).map_err(|source| OutputError::Write { path, source })?;
        Ok(manifest)
    }
}

/// Flush every file written under `root` to disk: one `syncfs` on Linux, `sync` on other
/// Unix systems, each file's own flush elsewhere.
fn sync_folder(root: &Path, files: &[WrittenFile]) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        use std::os::fd::AsRawFd;
        let dir = std::fs::File::open(root)?;
        // SAFETY: syncfs takes a valid open file descriptor, which `dir` holds for the call.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let _ = (root, files);
        // SAFETY: sync takes no arguments and cannot fail.
        unsafe { libc::sync() };
        Ok(())
    }
    #[cfg(not(unix))]
    {
        for f in files {
            let p = f.path.split('/').fold(root.to_path_buf(), |p, c| p.join(c));
            std::fs::OpenOptions::new().write(true).open(p)?.sync_all()?;
        }
        Ok(())
    }
}

/// Remove the files a previous manifest lists (only inside `root`), then the folders that
/// are left empty.
fn remove_previous(root: &Path, previous: &Manifest) -> std::io::Result<()> {
    let mut folders = std::collections::BTreeSet::new();
    for f in &previous.files {
        // Never follow a manifest outside the folder.
        if f.path.split('/').any(|c| c == ".." || c.is_empty()) || f.path.starts_with('/') || f.path.contains('\\') {
            continue;
        }
        let p = f.path.split('/').fold(root.to_path_buf(), |p, c| p.join(c));
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut parent = p.parent();
        while let Some(d) = parent.filter(|d| *d != root) {
            folders.insert(d.to_path_buf());
            parent = d.parent();
        }
    }
    // Deepest first; a folder that still holds something (a user's file) stays.
    for d in folders.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
    Ok(())
}

/// A folder name for every input, unique within the run and readable: the file name with
/// dots as underscores (`spot3-0192_jpk-force`); inputs with the same file name get their
/// parent folders' names prefixed until they differ (`day1_map_jpk-force-map`,
/// `day2_map_jpk-force-map`), and a counter as the last resort.
pub fn unique_names(paths: &[PathBuf]) -> Vec<String> {
    let sanitize = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
    };
    let parts: Vec<Vec<String>> = paths
        .iter()
        .map(|p| {
            let mut v: Vec<String> = p
                .components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(s) => Some(sanitize(&s.to_string_lossy())),
                    _ => None,
                })
                .collect();
            v.reverse(); // file name first, then its parents outwards
            if v.is_empty() {
                v.push("input".into());
            }
            v
        })
        .collect();
    let name = |i: usize, depth: usize| -> String {
        let p = &parts[i];
        let d = depth.min(p.len());
        p[..d].iter().rev().cloned().collect::<Vec<_>>().join("_")
    };
    let mut depth = vec![1usize; paths.len()];
    // Deepen the names of colliding inputs until they are unique (or their paths run out).
    loop {
        let names: Vec<String> = (0..paths.len()).map(|i| name(i, depth[i])).collect();
        let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for n in &names {
            *counts.entry(n.as_str()).or_default() += 1;
        }
        let mut changed = false;
        for (i, d) in depth.iter_mut().enumerate() {
            if counts[names[i].as_str()] > 1 && *d < parts[i].len() {
                *d += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(paths.len());
    let mut taken = std::collections::HashSet::new();
    for (i, &d) in depth.iter().enumerate() {
        let base = name(i, d);
        let mut candidate = base.clone();
        let mut k = 2;
        while taken.contains(&candidate) {
            candidate = format!("{base}-{k}");
            k += 1;
        }
        taken.insert(candidate.clone());
        out.push(candidate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_readable() {
        let p = |s: &str| PathBuf::from(s);
        let names = unique_names(&[p("a/day1/map.jpk-force-map"), p("a/day2/map.jpk-force-map"), p("spot.jpk-force")]);
        assert_eq!(names, ["day1_map_jpk-force-map", "day2_map_jpk-force-map", "spot_jpk-force"]);
        let names = unique_names(&[p("x/s.spm"), p("y/x/s.spm"), p("s.spm")]);
        assert_eq!(names.len(), 3);
        assert!(names.iter().all(|n| n.ends_with("s_spm")), "{names:?}");
        let set: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(set.len(), 3, "{names:?}");
    }

    #[test]
    fn runs_do_not_mix() {
        let d = std::env::temp_dir().join(format!("vegard-output-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let out = OutputDir::prepare(&d, false).unwrap();
        out.write("files/a/map.png", b"png").unwrap();
        out.write("report.html", b"<html>").unwrap();
        let m = out.finish("nanomech").unwrap();
        assert_eq!(m.files.len(), 2);
        std::fs::write(d.join("mine.txt"), b"user file").unwrap();
        // A second run is refused, then forced: the first run's files go, the user's stays.
        let e = OutputDir::prepare(&d, false).err().unwrap().to_string();
        assert!(e.contains("earlier run") && e.contains("--force"), "{e}");
        let out = OutputDir::prepare(&d, true).unwrap();
        assert!(!d.join("files").exists() && !d.join("report.html").exists());
        assert!(d.join("mine.txt").exists());
        out.finish("nanomech").unwrap();
        // A foreign non-empty folder is refused.
        std::fs::remove_file(d.join(MANIFEST)).unwrap();
        assert!(OutputDir::prepare(&d, false).err().unwrap().to_string().contains("not empty"));
        std::fs::remove_dir_all(&d).ok();
    }
}
