//! Quantities at the boundary: parse `20nm`, `10 um`, `0.04N/m`, `2.5GPa`; format values
//! with SI prefixes; split prefixed unit strings read from files (`nm` → n, m). Inside vegard
//! every number is SI.

/// A parse failure, naming the text and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot read '{text}' as {expected}")]
pub struct UnitError {
    pub text: String,
    pub expected: String,
}

/// Prefixes accepted by [`parse_quantity`] (and chosen by [`si_prefix`]), yotta to atto.
const QUANTITY_PREFIXES: &[(&str, f64)] = &[
    ("Y", 1e24),
    ("Z", 1e21),
    ("E", 1e18),
    ("P", 1e15),
    ("T", 1e12),
    ("G", 1e9),
    ("M", 1e6),
    ("k", 1e3),
    ("", 1.0),
    ("m", 1e-3),
    ("u", 1e-6),
    ("µ", 1e-6),
    ("μ", 1e-6),
    ("n", 1e-9),
    ("p", 1e-12),
    ("f", 1e-15),
    ("a", 1e-18),
];

/// Parse `value[prefix][unit]` into SI, where `unit` is the expected SI unit (e.g. "m",
/// "Pa", "N/m"). A bare number is taken as already SI. Accepts an optional space and the
/// prefix forms `u`, `µ`, `μ` for micro. Angles: see [`parse_angle`].
///
/// ```
/// use vegard::units::parse_quantity;
/// assert_eq!(parse_quantity("20nm", "m").unwrap(), 20e-9);
/// assert_eq!(parse_quantity("1e-8", "m").unwrap(), 1e-8);
/// assert_eq!(parse_quantity("2.5 GPa", "Pa").unwrap(), 2.5e9);
/// ```
pub fn parse_quantity(text: &str, unit: &str) -> Result<f64, UnitError> {
    let err = || UnitError { text: text.to_string(), expected: format!("a quantity in {unit} (e.g. 20n{unit})") };
    let t = text.trim();
    // Longest numeric prefix that parses as f64.
    let split = (1..=t.len())
        .rev()
        .filter(|&i| t.is_char_boundary(i))
        .find(|&i| t[..i].parse::<f64>().is_ok() && !t[..i].ends_with(['e', 'E']))
        .ok_or_else(err)?;
    let value: f64 = t[..split].parse().map_err(|_| err())?;
    let rest = t[split..].trim();
    if rest.is_empty() {
        return finite(value, text, unit);
    }
    let prefix = rest.strip_suffix(unit).ok_or_else(err)?;
    let factor = QUANTITY_PREFIXES.iter().find(|(p, _)| *p == prefix).map(|(_, f)| *f).ok_or_else(err)?;
    // Divide by the reciprocal for sub-unit prefixes: 10 / 1e6 is exactly 1e-5 in f64,
    // 10 * 1e-6 is not.
    let si = if factor < 1.0 { value / (1.0 / factor).round() } else { value * factor };
    finite(si, text, unit)
}

fn finite(v: f64, text: &str, unit: &str) -> Result<f64, UnitError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(UnitError { text: text.to_string(), expected: format!("a finite quantity in {unit}") })
    }
}

/// A length in m: `20nm`, `10um`, `1.5e-8`.
pub fn parse_length(text: &str) -> Result<f64, UnitError> {
    parse_quantity(text, "m")
}

/// An angle in radians from `20deg`, `20°` or a bare number in degrees (AFM tip angles
/// are always quoted in degrees), or `0.35rad`.
pub fn parse_angle(text: &str) -> Result<f64, UnitError> {
    let t = text.trim();
    let err = || UnitError { text: text.to_string(), expected: "an angle (e.g. 20deg, 20°, 0.35rad)".into() };
    if let Some(r) = t.strip_suffix("rad") {
        return r.trim().parse::<f64>().map_err(|_| err());
    }
    let d = t.trim_end_matches("deg").trim_end_matches('°').trim();
    d.parse::<f64>().map(f64::to_radians).map_err(|_| err())
}

/// Choose an SI prefix for values of magnitude `scale`: returns (prefix, factor) so that
/// `value / factor` is in [1, 1000).
pub fn si_prefix(scale: f64) -> (&'static str, f64) {
    let a = scale.abs();
    if !a.is_finite() || a == 0.0 {
        return ("", 1.0);
    }
    for (p, f) in QUANTITY_PREFIXES.iter().filter(|(p, _)| !matches!(*p, "u" | "μ" | "Y" | "Z" | "E")) {
        if a >= *f * 0.9995 {
            return (p, *f);
        }
    }
    ("a", 1e-18)
}

/// Format `value unit` with a prefix, e.g. `233.1 kPa`, `20 nm`.
pub fn format_si(value: f64, unit: &str, digits: usize) -> String {
    if !value.is_finite() {
        return format!("{value} {unit}");
    }
    let (p, f) = si_prefix(value);
    format!("{:.*} {p}{unit}", digits, value / f)
}

/// An SI prefix: its symbol ("" for none) and the factor it stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiPrefix {
    pub symbol: &'static str,
    pub factor: f64,
}

/// The prefixes used for display (and recognised in unit strings read from files, see
/// [`split_prefix`]), pico to giga. (Femto and tera are never needed for AFM forces, lengths
/// and moduli; smaller/larger values are shown with p/G and more digits.)
pub const PREFIXES: [SiPrefix; 9] = [
    SiPrefix { symbol: "p", factor: 1e-12 },
    SiPrefix { symbol: "n", factor: 1e-9 },
    SiPrefix { symbol: "µ", factor: 1e-6 },
    SiPrefix { symbol: "m", factor: 1e-3 },
    SiPrefix { symbol: "", factor: 1.0 },
    SiPrefix { symbol: "k", factor: 1e3 },
    SiPrefix { symbol: "M", factor: 1e6 },
    SiPrefix { symbol: "G", factor: 1e9 },
    SiPrefix { symbol: "T", factor: 1e12 },
];

/// No prefix.
pub const NO_PREFIX: SiPrefix = SiPrefix { symbol: "", factor: 1.0 };

/// Base units recognised after a prefix (used to read prefixed units from files).
const BASE_UNITS: [&str; 15] = ["m", "N", "Pa", "V", "A", "s", "Hz", "N/m", "F", "W", "J", "C", "S", "Ω", "rad"];

/// Split a unit like "nm" into (n = 1e-9, "m"). A plain base unit ("m", "Pa") or an
/// unrecognised unit comes back whole with no prefix. "u" is accepted for µ.
pub fn split_prefix(unit: &str) -> (SiPrefix, &str) {
    let u = unit.trim();
    if BASE_UNITS.contains(&u) {
        return (NO_PREFIX, u);
    }
    let mut chars = u.char_indices();
    if let Some((_, c)) = chars.next() {
        let rest_at = chars.next().map(|(i, _)| i).unwrap_or(u.len());
        let rest = &u[rest_at..];
        let symbol = if c == 'u' || c == 'μ' { "µ".to_string() } else { c.to_string() };
        if BASE_UNITS.contains(&rest)
            && let Some(p) = PREFIXES.iter().find(|p| !p.symbol.is_empty() && p.symbol == symbol)
        {
            return (*p, rest);
        }
    }
    (NO_PREFIX, u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(parse_length("20nm").unwrap(), 20e-9);
        assert_eq!(parse_length("10um").unwrap(), 10e-6);
        assert_eq!(parse_length("10 µm").unwrap(), 10e-6);
        assert_eq!(parse_length("1e-8").unwrap(), 1e-8);
        assert_eq!(parse_length("2e-3m").unwrap(), 2e-3);
        assert_eq!(parse_length("3m").unwrap(), 3.0);
        assert_eq!(parse_length("3mm").unwrap(), 3e-3);
        assert!(parse_length("20 nN").is_err());
        assert!(parse_length("nm").is_err());
        assert!(parse_length("").is_err());
        assert!(parse_length("inf").is_err());
    }

    #[test]
    fn other_units() {
        assert_eq!(parse_quantity("0.04N/m", "N/m").unwrap(), 0.04);
        assert_eq!(parse_quantity("70nm/V", "m/V").unwrap(), 70e-9);
        assert_eq!(parse_quantity("160GPa", "Pa").unwrap(), 160e9);
        assert!((parse_angle("20deg").unwrap() - 20f64.to_radians()).abs() < 1e-15);
        assert!((parse_angle("20").unwrap() - 20f64.to_radians()).abs() < 1e-15);
        assert_eq!(parse_angle("0.5rad").unwrap(), 0.5);
    }

    #[test]
    fn prefixes() {
        assert_eq!(format_si(233.1e3, "Pa", 1), "233.1 kPa");
        assert_eq!(format_si(20e-9, "m", 0), "20 nm");
        assert_eq!(format_si(1.0, "N", 2), "1.00 N");
        assert_eq!(si_prefix(0.0), ("", 1.0));
    }

    #[test]
    fn unit_strings_split_into_prefix_and_base() {
        assert_eq!(split_prefix("nm").0.symbol, "n");
        assert_eq!(split_prefix("um").0.symbol, "µ");
        assert_eq!(split_prefix("µm"), (PREFIXES[2], "m"));
        assert_eq!(split_prefix("m"), (NO_PREFIX, "m"));
        assert_eq!(split_prefix("mm").0.factor, 1e-3);
        assert_eq!(split_prefix("MPa").1, "Pa");
        assert_eq!(split_prefix("kN/m").1, "N/m");
        assert_eq!(split_prefix("furlong"), (NO_PREFIX, "furlong"));
    }
}
