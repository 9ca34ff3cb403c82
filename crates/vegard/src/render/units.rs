//! SI prefixes and number formatting for axis labels, colour bars and scale bars.
//!
//! Values are SI inside vegard (m, N, Pa, ...). For display a prefix is chosen so the
//! numbers shown are between 1 and 1000 (BIPM SI Brochure, 9th ed., table 7), e.g. a
//! modulus range of 2e7..9e7 Pa is shown in MPa and a distance of 3e-8 m in nm. The prefixes
//! themselves ([`SiPrefix`], [`PREFIXES`], [`split_prefix`]) live in [`crate::units`], where
//! file readers use them too.

use crate::units::{NO_PREFIX, PREFIXES, SiPrefix, split_prefix};

/// The prefix that shows `magnitude` (a typical absolute value, e.g. the largest of a range)
/// as a number in [1, 1000). Zero, NaN and infinities get no prefix.
pub fn prefix_for(magnitude: f64) -> SiPrefix {
    let m = magnitude.abs();
    if !m.is_finite() || m == 0.0 {
        return NO_PREFIX;
    }
    // Largest prefix not exceeding the magnitude (with a little slack so 999.9999e-9
    // rounding to 1e-6 does not flip the choice back and forth); smallest one otherwise.
    let mut chosen = PREFIXES[0];
    for p in PREFIXES {
        if m >= p.factor * (1.0 - 1e-9) {
            chosen = p;
        }
    }
    chosen
}

/// The prefix for showing the range `lo..hi`: chosen from the larger absolute end.
pub fn prefix_for_range(lo: f64, hi: f64) -> SiPrefix {
    let m = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => lo.abs().max(hi.abs()),
        (true, false) => lo.abs(),
        (false, true) => hi.abs(),
        (false, false) => 0.0,
    };
    prefix_for(m)
}

/// Whether a unit takes SI prefixes. Dimensionless or conventional units ("", "%", "°",
/// "deg", "a.u.") are shown as they are; a unit that already carries a prefix ("nm",
/// "MPa") is left alone too (prefixing again would give nonsense like "knm").
pub fn takes_prefix(unit: &str) -> bool {
    let u = unit.trim();
    if u.is_empty() || matches!(u, "%" | "°" | "deg" | "a.u." | "arb. u." | "1" | "counts" | "px" | "pixel" | "pixels")
    {
        return false;
    }
    split_prefix(u).0 == NO_PREFIX
}

/// The prefix to display `lo..hi` in `unit`: [`NO_PREFIX`] when the unit takes none.
pub fn display_prefix(lo: f64, hi: f64, unit: &str) -> SiPrefix {
    if takes_prefix(unit) { prefix_for_range(lo, hi) } else { NO_PREFIX }
}

/// "quantity (unit)" with the prefix applied, or just "quantity" for a dimensionless one.
pub fn axis_label(quantity: &str, prefix: SiPrefix, unit: &str) -> String {
    let unit = unit.trim();
    if unit.is_empty() { quantity.to_string() } else { format!("{quantity} ({}{unit})", prefix.symbol) }
}

/// A "nice" step (1, 2 or 5 × 10^k) so that `span` is covered by about `target` steps.
pub fn nice_step(span: f64, target: usize) -> f64 {
    let span = span.abs();
    if !span.is_finite() || span == 0.0 {
        return 1.0;
    }
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The largest 1, 2 or 5 × 10^k not above `max_len` (for scale bars: 1 µm, 500 nm, ...).
pub fn nice_length(max_len: f64) -> f64 {
    if !max_len.is_finite() || max_len <= 0.0 {
        return 0.0;
    }
    let mag = 10f64.powf(max_len.log10().floor());
    let f = max_len / mag;
    // Tolerate rounding in f just below an exact 1, 2 or 5.
    let nice = if f >= 5.0 - 1e-9 {
        5.0
    } else if f >= 2.0 - 1e-9 {
        2.0
    } else {
        1.0
    };
    nice * mag
}

/// Tick positions: multiples of `step` within [lo, hi] (inclusive, with rounding slack).
pub fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && step.is_finite() && step > 0.0) || hi < lo {
        return Vec::new();
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last < first || last - first > 1000 {
        return Vec::new();
    }
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Decimals needed to show multiples of `step` without losing digits (0 for steps ≥ 1).
pub fn decimals_for_step(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 || step >= 1.0 - 1e-9 {
        return 0;
    }
    let mut d = 0;
    let mut s = step;
    while d < 12 && (s - s.round()).abs() > 1e-6 * s.max(1e-300) {
        s *= 10.0;
        d += 1;
    }
    d
}

/// A number with `decimals` digits after the point; "−0" printed as "0"; a true minus sign.
pub fn format_fixed(v: f64, decimals: usize) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    let s = format!("{v:.decimals$}");
    let negzero = s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.');
    let s = if negzero { s[1..].to_string() } else { s };
    s.replacen('-', "−", 1)
}

/// A number with about `sig` significant digits and no trailing zeros (for labels of
/// single values: "1.5", "250", "0.032").
pub fn format_sig(v: f64, sig: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_nan() { "NaN".into() } else { format_fixed(v, 0) };
    }
    let digits_before = v.abs().log10().floor() as i32 + 1;
    let decimals = (sig as i32 - digits_before).clamp(0, 15) as usize;
    let s = format_fixed(v, decimals);
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// A value with its unit and a fitting prefix: `format_quantity(5e-7, "m") == "500 nm"`.
pub fn format_quantity(v: f64, unit: &str) -> String {
    let p = if takes_prefix(unit) { prefix_for(v) } else { NO_PREFIX };
    let num = format_sig(v / p.factor, 4);
    if unit.trim().is_empty() { num } else { format!("{num} {}{}", p.symbol, unit.trim()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_put_numbers_between_1_and_1000() {
        assert_eq!(prefix_for(3e-8).symbol, "n");
        assert_eq!(prefix_for(2.5e7).symbol, "M");
        assert_eq!(prefix_for(1e-6).symbol, "µ");
        assert_eq!(prefix_for(999e-9).symbol, "n");
        assert_eq!(prefix_for(-4e-10).symbol, "p");
        assert_eq!(prefix_for(0.5).symbol, "m");
        assert_eq!(prefix_for(0.0).symbol, "");
        assert_eq!(prefix_for(f64::NAN).symbol, "");
        assert_eq!(prefix_for(1e-20).symbol, "p");
        assert_eq!(prefix_for_range(-2e-9, 5e-8).symbol, "n");
    }

    #[test]
    fn units_and_labels() {
        assert!(takes_prefix("Pa"));
        assert!(!takes_prefix("nm"));
        assert!(!takes_prefix(""));
        assert!(!takes_prefix("%"));
        assert_eq!(axis_label("DMT modulus", prefix_for(5e7), "Pa"), "DMT modulus (MPa)");
        assert_eq!(axis_label("Adhesion ratio", NO_PREFIX, ""), "Adhesion ratio");
    }

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_length(1.6e-6), 1e-6);
        assert!((nice_length(9.9e-7) - 5e-7).abs() < 1e-20);
        assert!((nice_length(2e-6) - 2e-6).abs() < 1e-20);
        assert_eq!(nice_length(0.0), 0.0);
        assert!((nice_step(100.0, 5) - 20.0).abs() < 1e-12);
        assert!((nice_step(0.7, 5) - 0.1).abs() < 1e-12);
        let t = ticks(-0.05, 0.31, 0.1);
        assert_eq!(t.len(), 4);
        assert!((t[3] - 0.3).abs() < 1e-12);
        assert_eq!(decimals_for_step(0.1), 1);
        assert_eq!(decimals_for_step(0.25), 2);
        assert_eq!(decimals_for_step(20.0), 0);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_fixed(-0.0001, 2), "0.00");
        assert_eq!(format_fixed(-1.5, 1), "−1.5");
        assert_eq!(format_sig(0.0320, 3), "0.032");
        assert_eq!(format_sig(250.0, 3), "250");
        assert_eq!(format_quantity(5e-7, "m"), "500 nm");
        assert_eq!(format_quantity(1e-6, "m"), "1 µm");
        assert_eq!(format_quantity(42.0, "%"), "42 %");
    }
}
