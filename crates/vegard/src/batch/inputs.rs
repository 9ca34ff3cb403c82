//! What the user named as inputs, expanded into files: folders are searched (recursively)
//! for files of the formats vegard reads, and glob patterns (`maps/*.jpk-force-map`,
//! `day*/**/*.spm`) are expanded here, so a quoted pattern works the same on every shell and
//! on Windows.
//!
//! Inside a folder, `.txt` files are skipped (READMEs and notes sit beside data; name a text
//! export explicitly to read it), as are hidden files. The result is sorted and free of
//! duplicates, so a run is reproducible whatever order the file system lists.

use std::path::{Path, PathBuf};

use crate::io::registry::recipes;

/// An input that named nothing readable (a pattern with no match, a missing path, an
/// unreadable folder).
#[derive(Debug, Clone, PartialEq)]
pub struct InputProblem {
    pub input: String,
    pub message: String,
}

/// The expanded inputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    pub problems: Vec<InputProblem>,
}

/// Does `path` carry an extension of a format vegard reads (as a folder member)?
pub fn is_known_data_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with('.') || name.to_ascii_lowercase().ends_with(".txt") {
        return false;
    }
    recipes().iter().any(|r| r.matches_extension(path))
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Expand files, folders and glob patterns.
pub fn expand(args: &[PathBuf]) -> Inputs {
    let mut out = Inputs::default();
    for arg in args {
        let text = arg.to_string_lossy().to_string();
        let before = out.files.len();
        if arg.is_dir() {
            if let Err(e) = walk(arg, &mut out.files) {
                out.problems.push(InputProblem { input: text.clone(), message: format!("cannot read folder: {e}") });
                continue;
            }
            if out.files.len() == before {
                out.problems.push(InputProblem {
                    input: text,
                    message: format!(
                        "folder holds no file of a format vegard reads ({})",
                        crate::io::known_extensions().join(", ")
                    ),
                });
            }
        } else if arg.exists() || !has_glob_chars(&text) {
            // A file (or a missing path: opening it reports the error with the file's name).
            out.files.push(arg.clone());
        } else {
            glob(arg, &mut out.files);
            if out.files.len() == before {
                out.problems.push(InputProblem { input: text, message: "pattern matches no file".into() });
            }
        }
    }
    // Sorted within each argument's expansion would keep the user's order; a global sort
    // keeps runs reproducible and puts duplicates side by side.
    out.files.sort();
    out.files.dedup();
    out
}

/// Every known data file under `dir`, recursively (symbolic links to folders are not
/// followed, so a link loop cannot trap the walk).
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if !e.file_name().to_string_lossy().starts_with('.') {
                walk(&p, files)?;
            }
        } else if is_known_data_file(&p) {
            files.push(p);
        }
    }
    Ok(())
}

/// Expand a glob pattern: `*`, `?`, `[abc]`, `[a-z]`, `[!x]` within one path component,
/// `**` for any number of folders.
fn glob(pattern: &Path, files: &mut Vec<PathBuf>) {
    let mut comps: Vec<String> = Vec::new();
    let mut root = PathBuf::new();
    let mut literal = true;
    for c in pattern.components() {
        let s = c.as_os_str().to_string_lossy().to_string();
        if literal && !has_glob_chars(&s) {
            root.push(c.as_os_str());
        } else {
            literal = false;
            comps.push(s);
        }
    }
    let start = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root };
    let strip_dot = pattern.components().next().is_some_and(|c| c.as_os_str() != ".") && !pattern.is_absolute();
    let mut found = Vec::new();
    match_components(&start, &comps, &mut found);
    for p in found {
        // A relative pattern gives relative paths, as a shell would.
        let p = if strip_dot { p.strip_prefix("./").map(Path::to_path_buf).unwrap_or(p) } else { p };
        files.push(p);
    }
}

fn match_components(dir: &Path, comps: &[String], out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = comps.split_first() else {
        if dir.is_file() {
            out.push(dir.to_path_buf());
        }
        return;
    };
    if first == "**" {
        // Zero folders, then one more level of any folder.
        match_components(dir, rest, out);
        for e in sorted_entries(dir) {
            if e.1 && !e.0.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                match_components(&e.0, comps, out);
            }
        }
        return;
    }
    for (path, is_dir) in sorted_entries(dir) {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if name.starts_with('.') && !first.starts_with('.') {
            continue;
        }
        if wildcard_match(first, &name) {
            if rest.is_empty() {
                if !is_dir {
                    out.push(path);
                }
            } else if is_dir {
                match_components(&path, rest, out);
            }
        }
    }
}

fn sorted_entries(dir: &Path) -> Vec<(PathBuf, bool)> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<(PathBuf, bool)> =
        rd.filter_map(Result::ok).map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir()))).collect();
    v.sort();
    v
}

/// Shell wildcard match of one path component.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matcher with backtracking to the last `*`.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_match(&p, pi, n[ni]) {
                        if matched {
                            pi = next;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == '[' {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                c if c == n[ni] => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// `[...]` at `p[start]`: does `c` match, and where does the class end? `None` if the
/// bracket is not closed (then it is a literal `[`).
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = i < p.len() && (p[i] == '!' || p[i] == '^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() && (p[i] != ']' || first) {
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            matched |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            matched |= p[i] == c;
            i += 1;
        }
    }
    (i < p.len()).then_some((matched != negate, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*.jpk-force", "spot3-0192.jpk-force"));
        assert!(!wildcard_match("*.jpk-force", "map.jpk-force-map"));
        assert!(wildcard_match("spot?-*.jpk-force", "spot3-0192.jpk-force"));
        assert!(wildcard_match("file.[0-9][0-9][0-9]", "file.007"));
        assert!(!wildcard_match("file.[!0]*", "file.007"));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
        assert!(wildcard_match("[abc", "[abc"));
    }

    #[test]
    fn folders_globs_and_missing() {
        let d = std::env::temp_dir().join(format!("vegard-inputs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("day1/sub")).unwrap();
        std::fs::create_dir_all(d.join("empty")).unwrap();
        for f in ["day1/a.jpk-force", "day1/sub/b.spm", "day1/notes.txt", "day1/.hidden.spm", "day1/c.001"] {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        let got = expand(&[d.join("day1")]);
        let names: Vec<String> =
            got.files.iter().map(|p| p.strip_prefix(&d).unwrap().to_string_lossy().replace('\\', "/")).collect();
        assert_eq!(names, ["day1/a.jpk-force", "day1/c.001", "day1/sub/b.spm"]);
        assert!(got.problems.is_empty());
        let got = expand(&[d.join("day*/**/*.spm"), d.join("day1/*.jpk-force"), d.join("day1/a.jpk-force")]);
        assert_eq!(got.files.len(), 2, "{:?}", got.files);
        let got = expand(&[d.join("empty"), d.join("nothing*.spm"), d.join("missing.spm")]);
        assert_eq!(got.problems.len(), 2, "{:?}", got.problems);
        assert_eq!(got.files, [d.join("missing.spm")]);
        std::fs::remove_dir_all(&d).ok();
    }
}
