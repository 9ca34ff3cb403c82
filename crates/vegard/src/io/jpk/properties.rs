//! Java `.properties` files, as JPK writes its headers.
//!
//! Format (java.util.Properties#load(InputStream), Java SE documentation): the bytes are
//! ISO 8859-1 (Latin-1); a *logical line* may span several natural lines joined by a
//! trailing odd number of backslashes (leading white space of the continuation is
//! dropped); lines whose first non-blank character is `#` or `!` are comments; the key
//! ends at the first unescaped `=`, `:` or white space, followed by optional white space
//! and at most one `=`/`:`; escapes are `\t \n \r \f \uXXXX` and `\x` → `x` for any other
//! character. JPK escapes the `:` of time stamps this way (`17\:51\:14.543`).

use std::collections::HashMap;

/// Key → value table of one `.properties` file. Later duplicates win (as in Java).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties(pub HashMap<String, String>);

/// A syntax error: 1-based line and what was wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertiesError {
    pub line: usize,
    pub message: String,
}

impl Properties {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// Parse Latin-1 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Properties, PropertiesError> {
        // Latin-1 maps every byte to the code point of the same value.
        let text: Vec<char> = bytes.iter().map(|&b| char::from(b)).collect();
        let mut map = HashMap::new();
        let mut pos = 0;
        let mut line_no = 0;
        while pos < text.len() {
            let (logical, start_line, next, lines) = logical_line(&text, pos, line_no);
            pos = next;
            line_no += lines;
            if let Some((k, v)) = split_entry(&logical, start_line + 1)? {
                map.insert(k, v);
            }
        }
        Ok(Properties(map))
    }
}

/// Is the character at `end` (exclusive) preceded by an odd number of backslashes?
fn odd_backslashes(chars: &[char]) -> bool {
    chars.iter().rev().take_while(|&&c| c == '\\').count() % 2 == 1
}

/// Collect one logical line starting at `pos`. Returns the raw characters (escapes still
/// in place, continuation backslashes removed), the 0-based natural line it started on,
/// the position after it and the number of natural lines consumed.
fn logical_line(text: &[char], mut pos: usize, line_no: usize) -> (Vec<char>, usize, usize, usize) {
    let mut out = Vec::new();
    let mut lines = 0;
    let mut first = true;
    loop {
        // skip leading white space (for the first line and for continuations)
        while pos < text.len() && matches!(text[pos], ' ' | '\t' | '\u{c}') {
            pos += 1;
        }
        let start = pos;
        while pos < text.len() && text[pos] != '\n' && text[pos] != '\r' {
            pos += 1;
        }
        let natural = &text[start..pos];
        // consume the terminator (\r\n, \r or \n)
        if pos < text.len() {
            if text[pos] == '\r' && text.get(pos + 1) == Some(&'\n') {
                pos += 2;
            } else {
                pos += 1;
            }
        }
        lines += 1;
        // A comment is only recognised at the start of a logical line.
        if first && matches!(natural.first(), Some('#') | Some('!')) {
            return (Vec::new(), line_no, pos, lines);
        }
        first = false;
        if odd_backslashes(natural) && pos < text.len() {
            out.extend_from_slice(&natural[..natural.len() - 1]);
            continue;
        }
        if odd_backslashes(natural) {
            // a trailing backslash at end of file is dropped, as Java does
            out.extend_from_slice(&natural[..natural.len() - 1]);
        } else {
            out.extend_from_slice(natural);
        }
        return (out, line_no, pos, lines);
    }
}

/// Split a logical line into unescaped key and value; `None` for blank lines.
fn split_entry(line: &[char], line_no: usize) -> Result<Option<(String, String)>, PropertiesError> {
    if line.is_empty() {
        return Ok(None);
    }
    let mut i = 0;
    let mut key_end = line.len();
    while i < line.len() {
        match line[i] {
            '\\' => i += 2,
            '=' | ':' | ' ' | '\t' | '\u{c}' => {
                key_end = i;
                break;
            }
            _ => i += 1,
        }
    }
    let key_end = key_end.min(line.len());
    let mut v = key_end;
    while v < line.len() && matches!(line[v], ' ' | '\t' | '\u{c}') {
        v += 1;
    }
    if v < line.len() && matches!(line[v], '=' | ':') {
        v += 1;
        while v < line.len() && matches!(line[v], ' ' | '\t' | '\u{c}') {
            v += 1;
        }
    }
    let key = unescape(&line[..key_end], line_no)?;
    let value = unescape(&line[v.min(line.len())..], line_no)?;
    Ok(Some((key, value)))
}

fn unescape(chars: &[char], line_no: usize) -> Result<String, PropertiesError> {
    let mut out = String::with_capacity(chars.len());
    let mut it = chars.iter().copied();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = it.by_ref().take(4).collect();
                let code = (hex.len() == 4).then(|| u32::from_str_radix(&hex, 16).ok()).flatten();
                // Java strings are UTF-16; a lone surrogate cannot be a Rust char, so it
                // becomes U+FFFD rather than an error (JPK never writes one).
                match code {
                    Some(code) => out.push(char::from_u32(code).unwrap_or('\u{fffd}')),
                    None => {
                        return Err(PropertiesError {
                            line: line_no,
                            message: format!("malformed \\uXXXX escape: expected 4 hex digits, found '{hex}'"),
                        });
                    }
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Properties {
        Properties::parse(s.as_bytes()).unwrap_or_default()
    }

    #[test]
    fn escapes_comments_continuations() {
        let props = p(concat!(
            "# comment\n",
            "! also comment\n",
            "a=1\r\n",
            "b : two words \n",
            "c\tthree\n",
            "time=2016-03-31 17\\:51\\:14.543 +0200\n",
            "long=first \\\n    second\\\n third\n",
            "key\\ with\\=odd=x\\u0041y\n",
            "empty=\n",
            "   \n",
            "lone\n",
            "bs=ends\\\\\n",
        ));
        assert_eq!(props.get("a"), Some("1"));
        assert_eq!(props.get("b"), Some("two words "));
        assert_eq!(props.get("c"), Some("three"));
        assert_eq!(props.get("time"), Some("2016-03-31 17:51:14.543 +0200"));
        // leading blanks of a continuation line are dropped, trailing ones kept (Java)
        assert_eq!(props.get("long"), Some("first secondthird"));
        assert_eq!(props.get("key with=odd"), Some("xAy"));
        assert_eq!(props.get("empty"), Some(""));
        assert_eq!(props.get("lone"), Some(""));
        assert_eq!(props.get("bs"), Some("ends\\"));
        assert_eq!(props.len(), 9);
    }

    #[test]
    fn latin1_and_bad_unicode_escape() {
        let props = Properties::parse(b"unit=\xb5m\n").unwrap_or_default();
        assert_eq!(props.get("unit"), Some("\u{b5}m"));
        let err = Properties::parse(b"a=1\nb=\\u00zz\n").err();
        assert_eq!(err.map(|e| e.line), Some(2));
    }
}
