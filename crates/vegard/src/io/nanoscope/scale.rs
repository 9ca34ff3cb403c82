//! The conversion of raw counts to physical values: how wide a stored count is
//! (`storage_width`), which hard number of a `\@` parameter ([`super::param::Param`])
//! converts it, its soft scale, and SI units of NanoScope unit strings ([`si_unit`],
//! [`scan_size_m`]).
//!
//! Which hard number converts stored counts differs between images and force ramps:
//!
//! * **Images** (`\*Ciao image list`): value = raw × hard value / 2^(8·`Bytes/pixel`) × soft.
//!   The parenthesised number is a DAC step that need not match the data range: in the v5.31
//!   file kpg20080408.007 it is 0.006713765 V/LSB while the data scale is 2.416955 V / 65536
//!   (nanoAFMr's asserted max 10.46655 nm only comes out with the latter), and in di-3.di the
//!   printed 0.000375 V/LSB is 1.5e-5 off 24.57563/65536 (SurfaceTopography's asserted rms only
//!   comes out with the latter). Gwyddion `get_physical_scale` does the same.
//! * **Force ramps** (`\*Ciao force image list`): value = raw × hard scale × soft. There the
//!   trailing `Z scale` value (2.5 V in both force files we have) is a display range, not the
//!   data range: with it, the 20200904_Egel4 ramp would rise 0.13 V while its *relative*
//!   trigger threshold is 1.2 V, and the TAP525 height-sensor channel would span 123 nm of a
//!   600 nm ramp. With the hard scale (0.000375 V/LSB) the deflection rises 1.28 V (≈ the
//!   1.2 V trigger plus overshoot) and the height sensor spans 592 nm (≈ the 600 nm ramp).
//!   Gwyddion `get_spec_ordinate_scale` and pyfmreader (`defl_sens_Vbybyte`) agree.

use super::header::{Header, Section, leading_numbers};
use super::param::Param;

/// SI factor and unit of a simple NanoScope unit string: `nm` → (1e-9, "m"), `mV` → (1e-3, "V"),
/// `~m` (the file's µ) → (1e-6, "m"), `º` → (1, "deg"), `MPa` → (1e6, "Pa"). Unknown units keep
/// their text with factor 1.
pub fn si_unit(unit: &str) -> (f64, String) {
    let u = unit.trim();
    const BASES: [&str; 11] = ["m", "V", "A", "N", "Pa", "Hz", "s", "W", "F", "eV", "C"];
    match u {
        "" => return (1.0, String::new()),
        "º" | "°" | "deg" => return (1.0, "deg".into()),
        "Arb" | "arb" => return (1.0, "arb".into()),
        "Å" => return (1e-10, "m".into()),
        _ => {}
    }
    if BASES.contains(&u) {
        return (1.0, u.to_string());
    }
    let mut chars = u.chars();
    let prefix = chars.next().unwrap_or(' ');
    let base = chars.as_str();
    let factor = match prefix {
        'f' => 1e-15,
        'p' => 1e-12,
        'n' => 1e-9,
        'u' | '~' | 'µ' | 'μ' => 1e-6,
        'm' => 1e-3,
        'k' | 'K' => 1e3,
        'M' => 1e6,
        'G' => 1e9,
        _ => return (1.0, u.to_string()),
    };
    if BASES.contains(&base) { (factor, base.to_string()) } else { (1.0, u.to_string()) }
}

/// `Scan Size: 10 10 ~m` / `Scan size: 1000 nm` → (x, y) in m (one number = square).
pub fn scan_size_m(value: &str) -> Option<(f64, f64)> {
    let nums = leading_numbers(value);
    let unit = value.split_whitespace().nth(nums.len())?;
    let (f, u) = si_unit(unit);
    if u != "m" {
        return None;
    }
    let x = *nums.first()?;
    let y = nums.get(1).copied().unwrap_or(x);
    Some((x * f, y * f))
}

/// Storage width: `Data length / samples` when it is exactly 2 or 4 bytes, else by version.
pub(super) fn storage_width(data_length: u64, samples: u64, bytes_per_pixel: u64, version: Option<u32>) -> u64 {
    if samples > 0 {
        for w in [4, 2] {
            if samples.checked_mul(w) == Some(data_length) {
                return w;
            }
        }
    }
    if version.is_some_and(|v| v >= 0x0920_0000) || bytes_per_pixel == 4 { 4 } else { 2 }
}

/// How raw counts of one data block become physical values:
/// `volts = raw × hard_per_lsb`, `physical = volts × soft`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelScale {
    /// Hard part per count, in SI of `hard_unit` (V per LSB, deg per LSB, ...).
    pub hard_per_lsb: f64,
    /// SI unit of the hard part (`V`, `deg`, `arb`).
    pub hard_unit: String,
    /// Soft scale in SI (m/V for `nm/V` sensitivities); 1 when there is none.
    pub soft: f64,
    /// The soft-scale reference, if any (`Sens. DeflSens`).
    pub soft_ref: Option<String>,
    /// SI unit of `raw × hard_per_lsb × soft`.
    pub unit: String,
}

impl ChannelScale {
    /// Physical value of a raw count.
    pub fn physical(&self, raw: f64) -> f64 {
        raw * self.hard_per_lsb * self.soft
    }

    /// Hard-unit value (usually volts) of a raw count.
    pub fn hard(&self, raw: f64) -> f64 {
        raw * self.hard_per_lsb
    }
}

/// Which hard number converts counts (see the module notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// `hard value / 2^(8·Bytes/pixel)`: image channels.
    Image,
    /// The parenthesised hard scale: force-ramp channels.
    Force,
}

/// Resolve a soft scale reference to (SI factor, SI numerator unit, SI denominator unit).
/// A `\@Sens. X: V 27.39` without unit (NanoScope 9.2 writes `Sens. DeflSens` so) is taken as
/// nm/V for the deflection and z sensitivities, which are always stored in nm/V; other
/// unit-less soft scales are plain factors.
pub fn soft_scale(header: &Header, reference: &str) -> Option<(f64, String, String)> {
    let p = header.soft_scale(reference)?;
    let value = p.hard_value?;
    let unit = p.hard_value_unit.unwrap_or_default();
    let unit = if unit.is_empty() && is_length_sensitivity(reference) { "nm/V".to_string() } else { unit };
    let (num, den) = match unit.split_once('/') {
        Some((n, d)) => (n.to_string(), d.to_string()),
        None => (unit.clone(), String::new()),
    };
    let (fnum, unum) = si_unit(&num);
    let (fden, uden) = si_unit(&den);
    Some((value * fnum / fden, unum, uden))
}

fn is_length_sensitivity(reference: &str) -> bool {
    let r = reference.to_ascii_lowercase();
    ["sens. deflsens", "sens. deflection", "sens. zsens", "sens. zsenssens", "sens. zscan"].contains(&r.as_str())
}

/// Value of a header `\@` parameter in SI: hard value × soft scale (`\@4:Ramp size: V [Sens.
/// Zsens] (...) 227.2211 V` → 227.2211 V × 13.203 nm/V = 3.0e-6 m). Returns (value, unit,
/// hard value, hard unit).
pub fn parameter_si(header: &Header, section: &Section, key: &str) -> Option<(f64, String, f64, String)> {
    let p = section.param(key)?;
    let (fh, uh) = si_unit(p.hard_value_unit.as_deref().unwrap_or(""));
    let hard_si = p.hard_value? * fh;
    match p.soft_ref.as_deref().and_then(|r| soft_scale(header, r)) {
        Some((soft, num, _)) if !num.is_empty() => Some((hard_si * soft, num, hard_si, uh)),
        _ => Some((hard_si, uh.clone(), hard_si, uh)),
    }
}

/// Scale of a data block whose `Z scale` parameter is `zscale` (already parsed), with
/// `bytes_per_pixel` the header's `\Bytes/pixel` (the scaling quantum, not necessarily the
/// storage width: from version 9.2 every sample is stored as int32, Gwyddion
/// `get_bpp_and_qbpp`).
pub fn channel_scale(
    header: &Header,
    zscale: &Param,
    bytes_per_pixel: u64,
    convention: Convention,
) -> Option<ChannelScale> {
    let quantum = 2f64.powi(8 * i32::try_from(bytes_per_pixel.clamp(1, 8)).unwrap_or(2));
    let (hard_per_lsb_raw, hard_unit_text) = match convention {
        Convention::Force => match (zscale.hard_scale, zscale.hard_value) {
            (Some(s), _) => (s, zscale.hard_scale_unit.clone().or(zscale.hard_value_unit.clone())),
            (None, Some(v)) => (v / quantum, zscale.hard_value_unit.clone()),
            (None, None) => return None,
        },
        Convention::Image => match (zscale.hard_value, zscale.hard_scale) {
            (Some(v), _) => (v / quantum, zscale.hard_value_unit.clone().or(zscale.hard_scale_unit.clone())),
            (None, Some(s)) => (s, zscale.hard_scale_unit.clone()),
            (None, None) => return None,
        },
    };
    let (fh, hard_unit) = si_unit(hard_unit_text.as_deref().unwrap_or("V"));
    let hard_unit = if hard_unit.is_empty() { "V".to_string() } else { hard_unit };
    let hard_per_lsb = hard_per_lsb_raw * fh;
    let soft = zscale.soft_ref.as_deref().and_then(|r| soft_scale(header, r));
    let (soft_factor, unit) = match soft {
        // A log-scale channel (`log(Arb)`) stays in its own unit.
        _ if hard_unit.starts_with("log(") => (1.0, hard_unit.clone()),
        Some((f, num, _)) if !num.is_empty() => (f, num),
        Some((f, _, _)) => (f, hard_unit.clone()),
        None => (1.0, hard_unit.clone()),
    };
    hard_per_lsb.is_finite().then(|| ChannelScale {
        hard_per_lsb,
        hard_unit,
        soft: soft_factor,
        soft_ref: zscale.soft_ref.clone(),
        unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_to_si() {
        assert_eq!(si_unit("nm"), (1e-9, "m".to_string()));
        assert_eq!(si_unit("~m"), (1e-6, "m".to_string()));
        assert_eq!(si_unit("mV"), (1e-3, "V".to_string()));
        assert_eq!(si_unit("m"), (1.0, "m".to_string()));
        assert_eq!(si_unit("MPa"), (1e6, "Pa".to_string()));
        assert_eq!(si_unit("º"), (1.0, "deg".to_string()));
        assert_eq!(si_unit("log(Arb)"), (1.0, "log(Arb)".to_string()));
    }
}
