//! The reproducibility record: every product says how it was made (Russell et al. 2025, §7 asks for
//! model, tip radius, spring constant, InvOLS, fit window and software to be reported).

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One input file, identified by content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRecord {
    pub path: String,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    pub bytes: u64,
    /// Format recipe key that read it.
    pub format: String,
}

/// How a product was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub software: String,
    pub version: String,
    /// What ran, e.g. `nanomech`.
    pub analysis: String,
    /// The command line as given, if any.
    pub command: Option<String>,
    /// Wall-clock time of the run, UTC, ISO 8601.
    pub created_utc: String,
    pub inputs: Vec<InputRecord>,
    /// Every parameter used, with units in the key names.
    pub parameters: serde_json::Value,
}

impl Provenance {
    pub fn new(analysis: &str, parameters: serde_json::Value) -> Self {
        Provenance {
            software: "vegard".into(),
            version: crate::VERSION.into(),
            analysis: analysis.into(),
            command: None,
            created_utc: utc_now_iso8601(),
            inputs: Vec::new(),
            parameters,
        }
    }
}

/// SHA-256 and size of a file, streamed (never the whole file in memory).
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    // a buffered reader's buffer is not zeroed, and a small file is read in one call
    let mut f = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    loop {
        let chunk = f.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        hasher.update(chunk);
        let n = chunk.len();
        total += n as u64;
        f.consume(n);
    }
    Ok((hex(&hasher.finalize()), total))
}

/// SHA-256 of bytes already in memory (hex), e.g. a file read once for parsing and hashing.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 * digest.len());
    for &b in digest {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Current UTC time as `YYYY-MM-DDThh:mm:ssZ` (civil-from-days, H. Hinnant's algorithm).
pub fn utc_now_iso8601() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    format_unix_utc(secs)
}

/// Format seconds since the Unix epoch as ISO 8601 UTC.
pub fn format_unix_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(format_unix_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_unix_utc(1_795_314_000), "2026-11-22T02:20:00Z");
    }

    #[test]
    fn hash_of_known_bytes() {
        let dir = std::env::temp_dir().join(format!("vegard-prov-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("abc.txt");
        std::fs::write(&p, b"abc").unwrap();
        let (h, n) = hash_file(&p).unwrap();
        assert_eq!(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(n, 3);
        assert_eq!(hash_bytes(b"abc"), h);
        std::fs::remove_dir_all(&dir).ok();
    }
}
