//! Perceptually uniform colour maps.
//!
//! - **viridis** (default for maps) and **magma**: sequential maps designed in CAM02-UCS so
//!   equal steps in value look like equal steps in colour, readable in grey-scale and by
//!   colour-blind readers. S. van der Walt, N. Smith, E. Firing, "A better default colormap
//!   for matplotlib", SciPy 2015. The 256-entry tables are matplotlib's
//!   `lib/matplotlib/_cm_listed.py` (released by their authors under CC0).
//! - **coolwarm**: K. Moreland, "Diverging Color Maps for Scientific Visualization",
//!   ISVC 2009 (LNCS 5876, 92–103): blue → neutral grey-white → red, interpolated in Msh
//!   space; we use his 33 published control points (linear between them, as matplotlib's
//!   `coolwarm` does). For signed quantities (ESM amplitude × cos phase, height around 0).
//!
//! Lookup follows matplotlib: value t in [0, 1] picks entry ⌊256·t⌋ (clipped to 255).

use super::colormap_tables::{COOLWARM_POINTS, MAGMA, VIRIDIS};

/// A colour map: value in [0, 1] → sRGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Colormap {
    #[default]
    Viridis,
    Magma,
    /// Diverging (Moreland cool–warm); use with limits symmetric about zero.
    CoolWarm,
}

/// Colour of invalid (flagged) pixels and of NaN, everywhere in vegard's pictures.
pub const INVALID_RGB: [u8; 3] = [255, 255, 255];

impl Colormap {
    pub const ALL: [Colormap; 3] = [Colormap::Viridis, Colormap::Magma, Colormap::CoolWarm];

    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Magma => "magma",
            Colormap::CoolWarm => "coolwarm",
        }
    }

    /// Look a map up by name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Colormap> {
        Self::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether the map is diverging (its middle is the neutral colour).
    pub fn is_diverging(self) -> bool {
        matches!(self, Colormap::CoolWarm)
    }

    /// The colour of `t` in [0, 1] (values outside are clipped; NaN gives [`INVALID_RGB`]).
    pub fn map(self, t: f64) -> [u8; 3] {
        if t.is_nan() {
            return INVALID_RGB;
        }
        let t = t.clamp(0.0, 1.0);
        // matplotlib's lookup: entry floor(N·t), N = 256, t = 1 → last entry.
        let i = ((t * 256.0).floor() as usize).min(255);
        let rgb = match self {
            Colormap::Viridis => VIRIDIS[i],
            Colormap::Magma => MAGMA[i],
            Colormap::CoolWarm => coolwarm_entry(i),
        };
        [to_u8(rgb[0]), to_u8(rgb[1]), to_u8(rgb[2])]
    }

    /// The 256 colours of the map, for colour bars and legends.
    pub fn table(self) -> Vec<[u8; 3]> {
        (0..256).map(|i| self.map((i as f64 + 0.5) / 256.0)).collect()
    }
}

/// Entry `i` of a 256-entry table sampled from Moreland's control points at i/255 (as
/// matplotlib's LinearSegmentedColormap samples its segment data).
fn coolwarm_entry(i: usize) -> [f64; 3] {
    let x = i as f64 / 255.0;
    let k = COOLWARM_POINTS.partition_point(|p| p[0] <= x).clamp(1, COOLWARM_POINTS.len() - 1);
    let (a, b) = (COOLWARM_POINTS[k - 1], COOLWARM_POINTS[k]);
    let w = ((x - a[0]) / (b[0] - a[0])).clamp(0.0, 1.0);
    [a[1] + w * (b[1] - a[1]), a[2] + w * (b[2] - a[2]), a[3] + w * (b[3] - a[3])]
}

fn to_u8(c: f64) -> u8 {
    (c.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Relative luminance (ITU-R BT.709 weights on linearised sRGB), for tests and contrast.
pub fn luminance(rgb: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_match_published_values() {
        // viridis starts at #440154 and ends at #FDE725 (matplotlib documentation).
        assert_eq!(Colormap::Viridis.map(0.0), [0x44, 0x01, 0x54]);
        assert_eq!(Colormap::Viridis.map(1.0), [0xfd, 0xe7, 0x25]);
        // magma: #000004 → #FCFDBF.
        assert_eq!(Colormap::Magma.map(0.0), [0x00, 0x00, 0x04]);
        assert_eq!(Colormap::Magma.map(1.0), [0xfc, 0xfd, 0xbf]);
        // Moreland 2009, cool-warm: RGB (59, 76, 192) → (221, 221, 221) → (180, 4, 38).
        assert_eq!(Colormap::CoolWarm.map(0.0), [59, 76, 192]);
        assert_eq!(Colormap::CoolWarm.map(1.0), [180, 4, 38]);
        let mid = Colormap::CoolWarm.map(0.5);
        for c in mid {
            assert!((220..=222).contains(&c), "coolwarm middle {mid:?}");
        }
    }

    #[test]
    fn sequential_maps_grow_monotonically_in_luminance() {
        for cm in [Colormap::Viridis, Colormap::Magma] {
            let t = cm.table();
            for w in t.windows(2) {
                assert!(luminance(w[1]) >= luminance(w[0]) - 1e-3, "{} not monotonic: {:?}", cm.name(), w);
            }
        }
    }

    #[test]
    fn diverging_map_is_darkest_at_the_ends() {
        let cm = Colormap::CoolWarm;
        let l = |t| luminance(cm.map(t));
        assert!(l(0.5) > l(0.25) && l(0.25) > l(0.0));
        assert!(l(0.5) > l(0.75) && l(0.75) > l(1.0));
    }

    #[test]
    fn clipping_nan_and_names() {
        assert_eq!(Colormap::Viridis.map(-3.0), Colormap::Viridis.map(0.0));
        assert_eq!(Colormap::Viridis.map(7.0), Colormap::Viridis.map(1.0));
        assert_eq!(Colormap::Magma.map(f64::NAN), INVALID_RGB);
        assert_eq!(Colormap::from_name("Magma"), Some(Colormap::Magma));
        assert_eq!(Colormap::from_name("jet"), None);
    }
}
