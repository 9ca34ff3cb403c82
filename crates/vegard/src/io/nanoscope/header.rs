//! The NanoScope text header: `\*Section` lines followed by `\Key: value` lines, ending at
//! `\*File list end`.
//!
//! Layout (Bruker "NanoScope file format" notes; Gwyddion `nanoscope.c` `read_hash`): the
//! file opens with `\*File list` (images), `\*Force file list` (ramps) or `\*EC File list`
//! (electrochemistry). Every line starts with a backslash. Section lines start with `\*`.
//! Parameter lines are `\Key: value`; "soft-scaled" parameters are `\@Key: V [soft] (hard
//! scale) hard value` (see [`super::param::Param`]), optionally with a group prefix
//! `\@2:` / `\@4:` before the key (`\@2:Z scale`). Keys are matched case-insensitively,
//! because v5 files spell `Scan size` where v9 files spell `Scan Size`. The text is Latin-1
//! (the degree sign in `º/LSB` is byte 0xBA).

use std::path::Path;

use super::param::Param;
use crate::io::{IoError, Location};

/// The first line of a NanoScope file, one of these (Gwyddion `nanoscope_detect`).
pub const MAGICS: [&str; 3] = ["\\*File list", "\\*Force file list", "\\*EC File list"];

/// Line that ends the header.
const END_MARKER: &str = "\\*File list end";

/// One `\Key: value` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Key without the leading backslash; `@`-parameters keep their `@` and group prefix
    /// (`@2:Z scale`, `@Sens. Zsens`).
    pub key: String,
    /// Everything after the colon, trimmed.
    pub value: String,
    /// 1-based line number in the header.
    pub line: usize,
}

/// One `\*Name` section with its entries in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Name without `\*`, e.g. `Ciao force image list`.
    pub name: String,
    /// 1-based line of the `\*` line.
    pub line: usize,
    pub entries: Vec<Entry>,
}

impl Section {
    /// The first entry with this key (case-insensitive).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// Raw text value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entry(key).map(|e| e.value.as_str())
    }

    /// First number of a plain value (`\Scan rate: 1.01725` → 1.01725, `\Scan Size: 300 300 nm`
    /// → 300). None if absent or not a finite number.
    pub fn number(&self, key: &str) -> Option<f64> {
        self.numbers(key).first().copied()
    }

    /// All leading numbers of a plain value (`\Samps/line: 1024 1024` → [1024, 1024]); stops at
    /// the first token that is not a finite number.
    pub fn numbers(&self, key: &str) -> Vec<f64> {
        self.get(key).map(leading_numbers).unwrap_or_default()
    }

    /// A non-negative whole count (`\Data offset`, `\Bytes/pixel`, `\Samps/line` first value).
    pub fn count(&self, key: &str) -> Option<u64> {
        self.number(key).and_then(to_count)
    }

    /// Counts of a multi-valued key (`\Samps/line: 512 512`).
    pub fn counts(&self, key: &str) -> Vec<u64> {
        self.numbers(key).into_iter().map_while(to_count).collect()
    }

    /// A parsed `\@` parameter.
    pub fn param(&self, key: &str) -> Option<Param> {
        self.get(key).and_then(Param::parse)
    }

    /// Location of a key, for errors (the key and its header line).
    pub fn location(&self, key: &str) -> Location {
        match self.entry(key) {
            Some(e) => Location::Key(format!("{} (header line {}, section '{}')", e.key, e.line, self.name)),
            None => Location::Key(format!("{key} (section '{}' at header line {})", self.name, self.line)),
        }
    }
}

/// A parsed header: sections in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub sections: Vec<Section>,
    /// Byte offset just past the `\*File list end` line.
    pub text_end: usize,
}

impl Header {
    /// Parse the header from the start of a file. `bytes` may hold more than the header (the
    /// binary part is ignored) or just the header.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Header, IoError> {
        if !MAGICS.iter().any(|m| bytes.starts_with(m.as_bytes())) {
            let shown: String = bytes.iter().take(20).map(|&b| latin1(b)).collect();
            return Err(IoError::at_byte(
                path,
                0,
                format!(
                    "expected a NanoScope header starting with '\\*File list' or '\\*Force file list', found {shown:?}"
                ),
            ));
        }
        let mut sections: Vec<Section> = Vec::new();
        let mut pos = 0usize;
        let mut line_no = 0usize;
        while pos < bytes.len() {
            let rest = bytes.get(pos..).unwrap_or_default();
            let (raw, advance) = match rest.iter().position(|&b| b == b'\n') {
                Some(n) => (rest.get(..n).unwrap_or_default(), n + 1),
                None => (rest, rest.len()),
            };
            pos += advance;
            line_no += 1;
            let text: String = raw.iter().map(|&b| latin1(b)).collect();
            let text = text.trim_end_matches(['\r', '\n']);
            if text.trim_end().eq_ignore_ascii_case(END_MARKER) {
                return Ok(Header { sections, text_end: pos });
            }
            if let Some(name) = text.strip_prefix("\\*") {
                sections.push(Section { name: name.trim().to_string(), line: line_no, entries: Vec::new() });
                continue;
            }
            let Some(body) = text.strip_prefix('\\') else {
                // Blank or padding lines carry nothing; the NUL padding after the end marker is
                // never reached because we stop there.
                if text.bytes().any(|b| b == 0) {
                    break;
                }
                continue;
            };
            let Some((key, value)) = split_key(body) else {
                return Err(IoError::at(
                    path,
                    Location::Line(line_no),
                    format!("expected '\\Key: value', found {:?}", truncate(text, 80)),
                ));
            };
            let Some(section) = sections.last_mut() else {
                return Err(IoError::at(path, Location::Line(line_no), "expected a '\\*' section line first"));
            };
            section.entries.push(Entry { key, value, line: line_no });
        }
        Err(IoError::at_byte(
            path,
            bytes.len() as u64,
            format!("expected '{END_MARKER}' before the end of the header ({} bytes read)", bytes.len()),
        ))
    }

    /// The first section with this name (case-insensitive).
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// Every section with this name, in file order (one per image / force channel).
    pub fn sections_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Section> + 'a {
        self.sections.iter().filter(move |s| s.name.eq_ignore_ascii_case(name))
    }

    /// The opening section (`File list`, `Force file list` or `EC File list`).
    pub fn file_list(&self) -> Option<&Section> {
        self.sections.first()
    }

    /// `\Version: 0x0920B046` as a number (0x0920B046 = version 9.20).
    pub fn version(&self) -> Option<u32> {
        let v = self.file_list()?.get("Version")?;
        let hex = v.trim().trim_start_matches("0x").trim_start_matches("0X");
        u32::from_str_radix(hex, 16).ok()
    }

    /// `\Version` text as written.
    pub fn version_text(&self) -> Option<&str> {
        self.file_list()?.get("Version")
    }

    /// A key looked up in the named sections in order (first hit wins).
    pub fn lookup<'a>(&'a self, section_names: &[&str], key: &str) -> Option<(&'a Section, &'a str)> {
        section_names.iter().filter_map(|n| self.section(n)).find_map(|s| s.get(key).map(|v| (s, v)))
    }

    /// Resolve a soft-scale reference such as `Sens. DeflSens` (from `[Sens. DeflSens]`) to its
    /// `\@Sens. DeflSens: V 72.76923 nm/V` line. Searched in the scanner list, then the scan
    /// list (Gwyddion `get_physical_scale`), then anywhere else.
    pub fn soft_scale(&self, reference: &str) -> Option<Param> {
        let key = format!("@{reference}");
        let preferred = ["Scanner list", "Microscope list", "Ciao scan list"];
        preferred.iter().filter_map(|n| self.section(n)).chain(self.sections.iter()).find_map(|s| s.param(&key))
    }

    /// Operating mode from the scan list (`Image`, `Force`, `Force Volume`).
    pub fn operating_mode(&self) -> Option<&str> {
        self.section("Ciao scan list").and_then(|s| s.get("Operating mode"))
    }

    /// `\Start context` of the file list (`FOL` = single ramp, `FVOL` = force volume,
    /// `OL`/`OL2` = image).
    pub fn start_context(&self) -> Option<&str> {
        self.file_list().and_then(|s| s.get("Start context"))
    }
}

/// Split `Key: value` (after the backslash). `@2:Z scale: V ...` keeps the `@2:` group prefix in
/// the key; whitespace before the colon (`\PF PGain\t: 99.8`) is trimmed.
fn split_key(body: &str) -> Option<(String, String)> {
    let skip = match body.as_bytes() {
        [b'@', d, b':', ..] if d.is_ascii_digit() => 3,
        _ => 0,
    };
    let colon = body.get(skip..)?.find(':')? + skip;
    let key = body.get(..colon)?.trim();
    let value = body.get(colon + 1..)?.trim();
    if key.is_empty() {
        return None;
    }
    Some((key.to_string(), value.to_string()))
}

/// Leading finite numbers of a value.
pub fn leading_numbers(value: &str) -> Vec<f64> {
    value.split_whitespace().map_while(|t| t.parse::<f64>().ok().filter(|v| v.is_finite())).collect()
}

/// A header number as a count: finite, non-negative, whole, below 2^48 (anything larger is not
/// a size a real file declares).
pub fn to_count(v: f64) -> Option<u64> {
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < (1u64 << 48) as f64).then_some(v as u64)
}

/// Latin-1 byte to char (every byte is a valid code point).
fn latin1(b: u8) -> char {
    char::from(b)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\\*Force file list\r\n\\Version: 0x0920B046\r\n\\Date: 10:05:18 AM Fri Sep 04 2020\r\n\
        \\*Scanner list\r\n\\@Sens. Zsens: V 13.20300 nm/V\r\n\\PF PGain\t: 99.8779\r\n\
        \\*Ciao force list\r\n\\Samps/line: 1024 1024\r\n\\@4:Ramp Size: V [Sens. Zsens] (0.006713765 V/LSB) 227.2211 V\r\n\
        \\*File list end\r\n\0\0\0";

    #[test]
    fn parses_sections_keys_and_numbers() {
        let h = Header::parse(Path::new("t.spm"), SAMPLE.as_bytes()).unwrap();
        assert_eq!(h.sections.len(), 3);
        assert_eq!(h.version(), Some(0x0920_B046));
        let fl = h.file_list().unwrap();
        assert_eq!(fl.get("date"), Some("10:05:18 AM Fri Sep 04 2020"));
        assert_eq!(h.section("Scanner list").unwrap().number("PF PGain"), Some(99.8779));
        let force = h.section("ciao force list").unwrap();
        assert_eq!(force.counts("Samps/line"), vec![1024, 1024]);
        let ramp = force.param("@4:Ramp size").unwrap();
        assert_eq!(ramp.soft_ref.as_deref(), Some("Sens. Zsens"));
        assert_eq!(ramp.hard_value, Some(227.2211));
        assert_eq!(h.soft_scale("Sens. Zsens").unwrap().hard_value, Some(13.203));
        assert_eq!(h.text_end, SAMPLE.find('\0').unwrap());
    }

    #[test]
    fn missing_end_marker_is_an_error() {
        let text = SAMPLE.replace("\\*File list end", "\\*Other");
        let err = Header::parse(Path::new("t.spm"), text.as_bytes()).unwrap_err();
        assert!(err.message.contains("File list end"), "{err}");
    }

    #[test]
    fn counts_reject_negative_nan_and_fractions() {
        assert_eq!(to_count(-1.0), None);
        assert_eq!(to_count(f64::NAN), None);
        assert_eq!(to_count(2.5), None);
        assert_eq!(to_count(1e300), None);
        assert_eq!(to_count(80960.0), Some(80960));
    }
}
