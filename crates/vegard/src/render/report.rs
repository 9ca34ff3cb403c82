//! A self-contained HTML report: headings, paragraphs, tables, key–value lists, code
//! blocks and PNG pictures embedded as base64 `data:` URIs, so the report is one file that
//! can be mailed or archived with the data.
//!
//! Every piece of text (titles, captions, cells, file metadata) is HTML-escaped; there is
//! no way to put raw HTML in a report, so metadata read from a file cannot inject markup
//! or scripts.

use std::path::Path;

/// One block of the report body.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    Section(String),
    Paragraph(String),
    Image { caption: String, base64: String },
    Table { headers: Vec<String>, rows: Vec<Vec<String>> },
    KeyValues(Vec<(String, String)>),
    Code(String),
}

/// An HTML report under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    title: String,
    blocks: Vec<Block>,
}

const CSS: &str = "\
body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;\
color:#1a1a1a;line-height:1.45}\
h1{font-size:1.6rem;border-bottom:2px solid #444;padding-bottom:.3rem}\
h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #bbb}\
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}\
figcaption{font-size:.9rem;color:#444}\
table{border-collapse:collapse;margin:.8rem 0;font-size:.92rem}\
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left;vertical-align:top}\
th{background:#f0f0f0}\
dl.kv{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.kv dt{font-weight:bold}dl.kv dd{margin:0}\
pre{background:#f6f6f6;border:1px solid #ddd;padding:.6rem;overflow-x:auto;font-size:.85rem}";

impl Report {
    pub fn new(title: impl Into<String>) -> Report {
        Report { title: title.into(), blocks: Vec::new() }
    }

    /// Start a section with a heading.
    pub fn section(&mut self, heading: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Section(heading.into()));
        self
    }

    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// A PNG picture (the bytes as written by the render functions) with a caption.
    pub fn image_png(&mut self, caption: impl Into<String>, png: &[u8]) -> &mut Self {
        self.blocks.push(Block::Image { caption: caption.into(), base64: base64(png) });
        self
    }

    /// A table; rows shorter than the header are padded with empty cells.
    pub fn table<S: AsRef<str>>(&mut self, headers: &[S], rows: &[Vec<String>]) -> &mut Self {
        let headers = headers.iter().map(|h| h.as_ref().to_string()).collect();
        self.blocks.push(Block::Table { headers, rows: rows.to_vec() });
        self
    }

    /// A list of names and values (parameters, metadata).
    pub fn key_values<K: AsRef<str>, V: AsRef<str>>(&mut self, pairs: &[(K, V)]) -> &mut Self {
        let kv = pairs.iter().map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string())).collect();
        self.blocks.push(Block::KeyValues(kv));
        self
    }

    /// Preformatted text, e.g. the provenance JSON.
    pub fn code_block(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Code(text.into()));
        self
    }

    /// The complete HTML document.
    pub fn to_html(&self) -> String {
        let mut h = String::with_capacity(4096);
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.push_str(&format!("<meta name=\"generator\" content=\"vegard {}\">\n", crate::VERSION));
        h.push_str(&format!("<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n", escape(&self.title)));
        h.push_str(&format!("<h1>{}</h1>\n", escape(&self.title)));
        for b in &self.blocks {
            match b {
                Block::Section(s) => h.push_str(&format!("<h2>{}</h2>\n", escape(s))),
                Block::Paragraph(p) => h.push_str(&format!("<p>{}</p>\n", escape(p))),
                Block::Image { caption, base64 } => h.push_str(&format!(
                    "<figure><img src=\"data:image/png;base64,{base64}\" alt=\"{c}\"><figcaption>{c}</figcaption></figure>\n",
                    c = escape(caption)
                )),
                Block::Table { headers, rows } => {
                    h.push_str("<table>\n<thead><tr>");
                    for c in headers {
                        h.push_str(&format!("<th>{}</th>", escape(c)));
                    }
                    h.push_str("</tr></thead>\n<tbody>\n");
                    for r in rows {
                        h.push_str("<tr>");
                        for i in 0..r.len().max(headers.len()) {
                            h.push_str(&format!("<td>{}</td>", escape(r.get(i).map(String::as_str).unwrap_or(""))));
                        }
                        h.push_str("</tr>\n");
                    }
                    h.push_str("</tbody>\n</table>\n");
                }
                Block::KeyValues(kv) => {
                    h.push_str("<dl class=\"kv\">\n");
                    for (k, v) in kv {
                        h.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", escape(k), escape(v)));
                    }
                    h.push_str("</dl>\n");
                }
                Block::Code(c) => h.push_str(&format!("<pre><code>{}</code></pre>\n", escape(c))),
            }
        }
        h.push_str("</body>\n</html>\n");
        h
    }

    /// Write the report atomically.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        crate::io::write_atomic(path, self.to_html().as_bytes())
    }
}

/// Escape text for HTML element content and quoted attribute values (OWASP XSS
/// prevention rule 1: & < > " ' ). NUL and other C0 controls except tab/newline are
/// dropped (they are invalid in HTML).
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

/// Standard base64 (RFC 4648 §4, with `=` padding).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        let sextet = |k: u32| ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char;
        out.push(sextet(0));
        out.push(sextet(1));
        out.push(if chunk.len() > 1 { sextet(2) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(3) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_test_vectors() {
        // RFC 4648 §10.
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("<a href='x'>&\"</a>\0"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
    }

    #[test]
    fn structure() {
        let mut r = Report::new("Run 1");
        r.section("Maps").paragraph("text").table(&["a", "b"], &[vec!["1".into()]]).key_values(&[("k", "v")]);
        let h = r.to_html();
        assert!(h.contains("<h2>Maps</h2>"));
        assert!(h.contains("<tr><td>1</td><td></td></tr>"));
        assert!(h.contains("<dt>k</dt><dd>v</dd>"));
        assert!(h.ends_with("</html>\n"));
    }
}
