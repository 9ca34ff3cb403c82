//! The `\@` parameter grammar of the NanoScope header.
//!
//! A soft-scaled parameter line reads (Bruker file-format notes, Gwyddion `parse_value`)
//!
//! ```text
//! \@2:Z scale: V [Sens. ZsensSens] (0.0003750000 V/LSB) 24.57563 V
//!              │  │                 │                    └ hard value + unit
//!              │  │                 └ hard scale (per LSB of the 16-bit DAC/ADC)
//!              │  └ soft-scale reference, resolved to `\@Sens. ZsensSens: V 790.3658 nm/V`
//!              └ type: V value, S select (`S [ZSensor] "Height Sensor"`), C scale
//! ```
//!
//! How the hard and soft numbers convert stored counts: [`super::scale`].

/// Type letter of a `\@` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `V`: a numeric value.
    Value,
    /// `S`: a selection (`S [ZSensor] "Height Sensor"`).
    Select,
    /// `C`: a scale factor (`C [2:Z scale] 0.0154`).
    Scale,
}

/// A parsed `\@` parameter value.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub kind: ParamKind,
    /// Text in brackets: a soft-scale reference (`Sens. DeflSens`) or, for selections, the
    /// internal tag (`DeflectionError`).
    pub soft_ref: Option<String>,
    /// Parenthesised hard scale (`0.000375` of `(0.0003750000 V/LSB)`).
    pub hard_scale: Option<f64>,
    /// Its unit without `/LSB` (`V`, `mV`, `º`, `Arb`).
    pub hard_scale_unit: Option<String>,
    /// Trailing number (`24.57563` of `... 24.57563 V`).
    pub hard_value: Option<f64>,
    /// Unit after the trailing number (`V`, `nm/V`); None if absent.
    pub hard_value_unit: Option<String>,
    /// Everything after the hard scale (selections: the quoted text without quotes).
    pub text: String,
}

impl Param {
    /// Parse the value part of a `\@Key: ...` line. None if it does not follow the grammar.
    pub fn parse(value: &str) -> Option<Param> {
        let value = value.trim();
        let mut chars = value.chars();
        let kind = match chars.next()? {
            'V' => ParamKind::Value,
            'S' => ParamKind::Select,
            'C' => ParamKind::Scale,
            _ => return None,
        };
        let mut rest = chars.as_str();
        if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
            return None;
        }
        rest = rest.trim_start();
        let mut soft_ref = None;
        if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = r.get(..close)?.trim();
            if !inner.is_empty() {
                soft_ref = Some(inner.to_string());
            }
            rest = r.get(close + 1..)?.trim_start();
        }
        let (mut hard_scale, mut hard_scale_unit) = (None, None);
        if let Some(r) = rest.strip_prefix('(') {
            // Units may nest parentheses: `(0.00000000745058 log(Arb)/LSB)`.
            let close = matching_paren(r)?;
            let inner = r.get(..close)?.trim();
            let mut it = inner.splitn(2, char::is_whitespace);
            hard_scale = it.next().and_then(|t| t.parse::<f64>().ok()).filter(|v| v.is_finite());
            hard_scale_unit =
                it.next().map(|u| u.trim().trim_end_matches("/LSB").trim().to_string()).filter(|u| !u.is_empty());
            rest = r.get(close + 1..)?.trim_start();
        }
        let (mut hard_value, mut hard_value_unit) = (None, None);
        let text = match kind {
            ParamKind::Select => rest.trim().trim_matches('"').to_string(),
            ParamKind::Value | ParamKind::Scale => {
                let mut it = rest.splitn(2, char::is_whitespace);
                hard_value = it.next().and_then(|t| t.parse::<f64>().ok()).filter(|v| v.is_finite());
                hard_value_unit = it.next().map(str::trim).filter(|u| !u.is_empty()).map(str::to_string);
                rest.to_string()
            }
        };
        Some(Param { kind, soft_ref, hard_scale, hard_scale_unit, hard_value, hard_value_unit, text })
    }
}

/// Byte index of the `)` closing an already opened `(` at the start of `s`.
fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 1usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_value_with_soft_and_hard_scale() {
        let p = Param::parse("V [Sens. Zsens] (0.006713867 V/LSB) 1.000000 V").unwrap();
        assert_eq!(p.kind, ParamKind::Value);
        assert_eq!(p.soft_ref.as_deref(), Some("Sens. Zsens"));
        assert_eq!(p.hard_scale, Some(0.006713867));
        assert_eq!(p.hard_scale_unit.as_deref(), Some("V"));
        assert_eq!(p.hard_value, Some(1.0));
        assert_eq!(p.hard_value_unit.as_deref(), Some("V"));
    }

    #[test]
    fn parses_selection_scale_and_bare_values() {
        let s = Param::parse("S [DeflectionError] \"Deflection Error\"").unwrap();
        assert_eq!(
            (s.kind, s.soft_ref.as_deref(), s.text.as_str()),
            (ParamKind::Select, Some("DeflectionError"), "Deflection Error")
        );
        let c = Param::parse("C [4:Z scale] 1.000000 ").unwrap();
        assert_eq!((c.kind, c.hard_value), (ParamKind::Scale, Some(1.0)));
        let v = Param::parse("V 72.76923 nm/V").unwrap();
        assert_eq!((v.hard_value, v.hard_value_unit.as_deref()), (Some(72.76923), Some("nm/V")));
        let l = Param::parse("V [Sens. LogStiffnessSens] (0.00000000745058 log(Arb)/LSB) 32.00000 log(Arb)").unwrap();
        assert_eq!((l.hard_scale, l.hard_scale_unit.as_deref()), (Some(0.00000000745058), Some("log(Arb)")));
        assert_eq!((l.hard_value, l.hard_value_unit.as_deref()), (Some(32.0), Some("log(Arb)")));
        let z = Param::parse("V [Sens. Zsens] (0.004780209 V/LSB)       0 V").unwrap();
        assert_eq!(z.hard_value, Some(0.0));
        let e = Param::parse("S [] \"Off\"").unwrap();
        assert_eq!((e.soft_ref, e.text.as_str()), (None, "Off"));
        assert!(Param::parse("X nonsense").is_none());
        assert!(Param::parse("V [unclosed").is_none());
    }
}
