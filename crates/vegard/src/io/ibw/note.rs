//! Text in Igor files (wave names, units, labels, notes) and the `Key: value` wave note.
//!
//! Igor Pro before version 7 wrote text in the system code page (Windows-1252 / MacRoman);
//! Igor 7+ writes UTF-8. Asylum Research notes contain e.g. `EndHeadTemp:29.5625 °C` with a
//! single 0xB0 byte. We decode UTF-8 when the bytes are valid UTF-8 and Latin-1 otherwise
//! (Latin-1 maps every byte to a character, so no text is ever lost or rejected).

/// Decode bytes as UTF-8, falling back to Latin-1.
pub fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// A C string in a fixed-size field: the text up to the first NUL (bytes after it are stale).
pub fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    decode_text(bytes.get(..end).unwrap_or_default())
}

/// Split a wave note into `(key, value)` pairs, in file order.
///
/// Asylum Research notes are lines separated by CR (older files, TN003's Mac heritage) or
/// LF/CRLF, each `Key:value` or `Key: value`; the key is everything before the first colon
/// (so `Time:10:47:31` gives `Time` = `10:47:31`). Both sides are trimmed. Lines without a
/// colon are skipped. Keys may repeat (Asylum writes e.g. `MostPosZVoltage` twice); callers
/// that want one value per key keep the last one, as afmformats does.
pub fn key_values(note: &str) -> Vec<(String, String)> {
    note.split(['\r', '\n'])
        .filter_map(|line| {
            let (k, v) = line.split_once(':')?;
            let k = k.trim();
            (!k.is_empty()).then(|| (k.to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The last value of `key` in parsed note pairs.
pub fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Parse an Igor/Asylum number: decimal or exponent notation, `NaN`/`Nan`, `inf`/`-inf`.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => t.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_fallback_and_key_split() {
        assert_eq!(decode_text(b"29.5 \xb0C"), "29.5 °C");
        assert_eq!(decode_text("29.5 °C".as_bytes()), "29.5 °C");
        let kv = key_values("Time:10:47:31\rInvOLS: 4.499e-08\rjunk\r\nDirection: NaN,1,-1,");
        assert_eq!(kv.len(), 3);
        assert_eq!(lookup(&kv, "Time"), Some("10:47:31"));
        assert_eq!(lookup(&kv, "Direction"), Some("NaN,1,-1,"));
        assert!(parse_number("Nan").is_some_and(f64::is_nan));
        assert_eq!(parse_number(" 1e+05"), Some(1e5));
        assert_eq!(c_string(b"Phase1Retrace\0ce"), "Phase1Retrace");
    }
}
