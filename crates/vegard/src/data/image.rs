//! 2-D maps: a field on a regular grid with physical size, unit and a validity mask.

use serde::{Deserialize, Serialize};

/// A row-major 2-D field (`data[y * nx + x]`, y = 0 is the first scan line) with its
/// physical extent and unit. `mask[i] == false` marks an invalid (flagged) pixel: drawn
/// white, excluded from statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub name: String,
    pub unit: String,
    pub nx: usize,
    pub ny: usize,
    /// Physical size (x, y), m; None if unknown (pixel units).
    pub size_m: Option<(f64, f64)>,
    /// Values; NaN (invalid) pixels are written to JSON as `null` and read back as NaN.
    #[serde(with = "super::nan_json::nullable")]
    pub data: Vec<f64>,
    pub mask: Vec<bool>,
}

impl Image {
    /// A map of NaN, all pixels invalid until set.
    pub fn new(name: impl Into<String>, unit: impl Into<String>, nx: usize, ny: usize) -> Self {
        Image {
            name: name.into(),
            unit: unit.into(),
            nx,
            ny,
            size_m: None,
            data: vec![f64::NAN; nx * ny],
            mask: vec![false; nx * ny],
        }
    }

    pub fn set(&mut self, x: usize, y: usize, value: f64, valid: bool) {
        let i = y * self.nx + x;
        self.data[i] = value;
        self.mask[i] = valid && value.is_finite();
    }

    pub fn get(&self, x: usize, y: usize) -> f64 {
        self.data[y * self.nx + x]
    }

    pub fn is_valid(&self, x: usize, y: usize) -> bool {
        self.mask[y * self.nx + x]
    }

    /// Values of valid pixels.
    pub fn valid_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.data.iter().zip(&self.mask).filter(|(_, m)| **m).map(|(v, _)| *v)
    }

    pub fn n_invalid(&self) -> usize {
        self.mask.iter().filter(|m| !**m).count()
    }

    /// (min, max) of valid pixels; None if there is none.
    pub fn range(&self) -> Option<(f64, f64)> {
        let mut it = self.valid_values();
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_invalid_pixels() {
        let mut im = Image::new("modulus", "Pa", 2, 2);
        im.set(0, 0, 1.5e9, true);
        im.set(1, 1, 2.5e9, true);
        let json = serde_json::to_string(&im).unwrap();
        let back: Image = serde_json::from_str(&json).unwrap();
        assert_eq!(back.mask, im.mask);
        assert_eq!(back.get(0, 0), 1.5e9);
        assert!(back.get(1, 0).is_nan());
    }
}
