//! Java `.properties` files, as JPK writes its headers.
//!
//! Format (java.util.Properties#load(InputStream), Java SE documentation): the bytes are
//! ISO 8859-1 (Latin-1); a *logical line* may span several natural lines joined by a
//! trailing odd number of backslashes (leading white space of the continuation is
//! dropped); lines whose first non-blank character is `#` or `!` are comments; the key
//! ends at the first unescaped `=`, `:` or white space, followed by optional white space
//! and at most one `=`/`:`; escapes are `\t \n \r \f \uXXXX` and `\x` → `x` for any other
//! character. JPK escapes the `:` of time stamps this way (`17\:51\:14.543`).

/// Key → value table of one `.properties` file. Later duplicates win (as in Java).
///
/// Every unescaped key and value lives in one string (key then value, back to back); the
/// entries are sorted by (hash of the key, key) and looked up by binary search: two
/// allocations per file instead of two per line, and a key's bytes are compared only when
/// the hashes agree. Colliding hashes (even all of them, from a crafted file) only fall
/// back to comparing keys, never to a quadratic search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties {
    text: String,
    /// (key hash, key start, key end = value start, value end) in `text`, sorted by hash then
    /// key, keys unique.
    entries: Vec<(u64, usize, usize, usize)>,
}

/// A fast hash of a key, eight bytes at a time (keys are 10–100 bytes of ASCII).
pub fn key_hash(key: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = key.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
    h ^ (h >> 32)
}

/// A syntax error: 1-based line and what was wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertiesError {
    pub line: usize,
    pub message: String,
}

impl Properties {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_hashed(key, key_hash(key))
    }

    /// [`Properties::get`] with the key's [`key_hash`] already computed (a lookup through
    /// several header layers hashes the key once).
    pub fn get_hashed(&self, key: &str, hash: u64) -> Option<&str> {
        let i =
            self.entries.binary_search_by(|&(h, a, b, _)| h.cmp(&hash).then_with(|| self.text[a..b].cmp(key))).ok()?;
        let (_, _, b, c) = self.entries[i];
        Some(&self.text[b..c])
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every (key, value), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|&(_, a, b, c)| (&self.text[a..b], &self.text[b..c]))
    }

    /// Parse Latin-1 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Properties, PropertiesError> {
        let mut text = String::with_capacity(bytes.len());
        let mut entries = Vec::with_capacity(bytes.len() / 48 + 1);
        // JPK headers are ASCII: then the whole input is a `str` once, and plain keys and
        // values are copied without looking at each byte again
        let ascii = std::str::from_utf8(bytes).ok().filter(|t| t.is_ascii());
        // continuation lines are joined here (rare: JPK writes one natural line per entry)
        let mut joined: Vec<u8> = Vec::new();
        let mut pos = 0;
        let mut line_no = 0;
        while pos < bytes.len() {
            let (logical, next, lines) = logical_line(bytes, pos, &mut joined);
            let start_line = line_no;
            pos = next;
            line_no += lines;
            let (line, line_str) = match logical {
                Logical::Comment => continue,
                Logical::Slice(a, b) => (&bytes[a..b], ascii.map(|t| &t[a..b])),
                Logical::Joined => (joined.as_slice(), None),
            };
            if line.is_empty() {
                continue;
            }
            let (key_end, value_start) = split_entry(line);
            let a = text.len();
            unescape(&line[..key_end], line_str.map(|t| &t[..key_end]), start_line + 1, &mut text)?;
            let b = text.len();
            unescape(&line[value_start..], line_str.map(|t| &t[value_start..]), start_line + 1, &mut text)?;
            entries.push((key_hash(&text[a..b]), a, b, text.len()));
        }
        // sort by hash, then key, then position in the file, and keep the last of each key:
        // integers first (a hash collision is rare), keys only within a run of one hash
        let key = |e: &(u64, usize, usize, usize)| &text[e.1..e.2];
        entries.sort_unstable();
        let mut run = 0;
        while run < entries.len() {
            let end = run + entries[run..].iter().take_while(|e| e.0 == entries[run].0).count();
            if end - run > 1 {
                entries[run..end].sort_by(|x, y| key(x).cmp(key(y)).then(x.1.cmp(&y.1)));
            }
            run = end;
        }
        let mut unique: Vec<(u64, usize, usize, usize)> = Vec::with_capacity(entries.len());
        for e in entries {
            match unique.last_mut() {
                Some(last) if last.0 == e.0 && key(last) == key(&e) => *last = e,
                _ => unique.push(e),
            }
        }
        Ok(Properties { text, entries: unique })
    }
}

/// Java's white space inside a line.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0c)
}

/// Does the line end with an odd number of backslashes?
fn odd_backslashes(line: &[u8]) -> bool {
    line.iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1
}

/// One logical line: a comment, a range of the input, or the continuation lines joined.
enum Logical {
    Comment,
    Slice(usize, usize),
    Joined,
}

/// Collect one logical line starting at `pos` (escapes still in place, continuation
/// backslashes removed). Returns it, the position after it and the number of natural
/// lines consumed. Joined continuations are written to `joined`.
fn logical_line(text: &[u8], mut pos: usize, joined: &mut Vec<u8>) -> (Logical, usize, usize) {
    let mut lines = 0;
    let mut first = true;
    loop {
        // skip leading white space (for the first line and for continuations)
        while pos < text.len() && is_blank(text[pos]) {
            pos += 1;
        }
        let start = pos;
        pos += memchr::memchr2(b'\n', b'\r', &text[pos..]).unwrap_or(text.len() - pos);
        let end = pos;
        let natural = &text[start..end];
        // consume the terminator (\r\n, \r or \n)
        if pos < text.len() {
            if text[pos] == b'\r' && text.get(pos + 1) == Some(&b'\n') {
                pos += 2;
            } else {
                pos += 1;
            }
        }
        lines += 1;
        // A comment is only recognised at the start of a logical line.
        if first && matches!(natural.first(), Some(b'#') | Some(b'!')) {
            return (Logical::Comment, pos, lines);
        }
        let odd = odd_backslashes(natural);
        if first && !odd {
            return (Logical::Slice(start, end), pos, lines);
        }
        if first {
            joined.clear();
        }
        first = false;
        // a trailing backslash continues the line; at end of file it is dropped, as Java does
        joined.extend_from_slice(if odd { &natural[..natural.len() - 1] } else { natural });
        if !(odd && pos < text.len()) {
            return (Logical::Joined, pos, lines);
        }
    }
}

/// Where the (escaped) key ends and the value starts in a logical line.
fn split_entry(line: &[u8]) -> (usize, usize) {
    let mut i = 0;
    let mut key_end = line.len();
    // the common case: the key ends at the first '=', ':' or space, with no backslash, tab
    // or form feed before it
    let first = memchr::memchr3(b'=', b':', b' ', line).unwrap_or(line.len());
    if memchr::memchr3(b'\\', b'\t', 0x0c, &line[..first]).is_none() {
        i = line.len();
        key_end = first;
    }
    while i < line.len() {
        match line[i] {
            b'\\' => i += 2,
            b'=' | b':' | b' ' | b'\t' | 0x0c => {
                key_end = i;
                break;
            }
            _ => i += 1,
        }
    }
    let mut v = key_end;
    while v < line.len() && is_blank(line[v]) {
        v += 1;
    }
    if v < line.len() && matches!(line[v], b'=' | b':') {
        v += 1;
        while v < line.len() && is_blank(line[v]) {
            v += 1;
        }
    }
    (key_end, v.min(line.len()))
}

/// Append the unescaped Latin-1 bytes to `out`; `ascii` is the same bytes as a `str` when
/// they are known to be ASCII.
fn unescape(bytes: &[u8], ascii: Option<&str>, line_no: usize, out: &mut String) -> Result<(), PropertiesError> {
    // the common case: plain ASCII, no escapes
    if let Some(s) = ascii
        && !bytes.contains(&b'\\')
    {
        out.push_str(s);
        return Ok(());
    }
    // Latin-1 maps every byte to the code point of the same value.
    let mut it = bytes.iter().map(|&b| char::from(b));
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
    Ok(())
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
