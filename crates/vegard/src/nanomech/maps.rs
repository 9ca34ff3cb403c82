//! The maps of a force volume: per-curve results arranged on the measurement grid.
//!
//! A flagged curve is a masked pixel on every map (drawn white, as Wolff & Hausen 2023 show
//! invalid pixels): its numbers stay in the per-curve records for inspection, but no map,
//! colour scale or statistic uses them.

use super::analysis::CurveResult;
use crate::data::{GridShape, Image};

/// The maps of a force volume, each with its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Maps {
    pub modulus: Image,
    pub adhesion: Image,
    pub deformation: Image,
    pub dissipation: Image,
    pub peak_force: Image,
    /// Sample height at contact, plane-levelled (the topography), m.
    pub height: Image,
    pub r2: Image,
}

impl Maps {
    /// Every map with its file-name key.
    pub fn all(&self) -> [(&'static str, &Image); 7] {
        [
            ("modulus", &self.modulus),
            ("adhesion", &self.adhesion),
            ("deformation", &self.deformation),
            ("dissipation", &self.dissipation),
            ("peak_force", &self.peak_force),
            ("height", &self.height),
            ("r2", &self.r2),
        ]
    }
}

/// Arrange per-curve results on the grid (`model_key` names the model in the modulus map's
/// title, "Modulus (dmt)"). Every map
/// masks the flagged curves; the height map is levelled by a least-squares plane through its
/// valid pixels (Gwyddion's "plane level"), as a topography image would be.
pub fn maps(results: &[CurveResult], grid: &GridShape, model_key: &str) -> Maps {
    let mk = |name: &str, unit: &str| {
        let mut im = Image::new(name, unit, grid.nx, grid.ny);
        im.size_m = grid.size_m;
        im
    };
    let mut m = Maps {
        modulus: mk(&format!("Modulus ({model_key})"), "Pa"),
        adhesion: mk("Adhesion", "N"),
        deformation: mk("Deformation", "m"),
        dissipation: mk("Dissipation", "J"),
        peak_force: mk("Peak force", "N"),
        height: mk("Height at contact (plane-levelled)", "m"),
        r2: mk("Fit R²", ""),
    };
    for r in results {
        let (Some(x), Some(y)) = (r.grid_x, r.grid_y) else { continue };
        if x >= grid.nx || y >= grid.ny {
            continue;
        }
        let ok = r.is_valid();
        m.modulus.set(x, y, r.modulus_pa, ok);
        m.r2.set(x, y, r.r2, ok);
        m.height.set(x, y, r.contact_height_m, ok && r.contact_height_m.is_finite());
        m.adhesion.set(x, y, r.adhesion_n, ok);
        m.deformation.set(x, y, r.deformation_m, ok);
        m.dissipation.set(x, y, r.dissipation_j, ok);
        m.peak_force.set(x, y, r.peak_force_n, ok);
    }
    level_plane(&mut m.height);
    m
}

/// Subtract the least-squares plane a + b·x + c·y through the valid pixels (in pixel
/// coordinates). Fewer than three valid pixels, or collinear ones: subtract the mean.
pub fn level_plane(image: &mut Image) {
    let (nx, ny) = (image.nx, image.ny);
    // Normal equations of the plane fit, centred on the mean pixel for conditioning.
    let mut pts = Vec::new();
    for y in 0..ny {
        for x in 0..nx {
            if image.is_valid(x, y) {
                pts.push((x as f64, y as f64, image.get(x, y)));
            }
        }
    }
    if pts.is_empty() {
        return;
    }
    let n = pts.len() as f64;
    let (mx, my, mz) = pts.iter().fold((0.0, 0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n, a.2 + p.2 / n));
    let (mut sxx, mut sxy, mut syy, mut sxz, mut syz) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(x, y, z) in &pts {
        let (dx, dy, dz) = (x - mx, y - my, z - mz);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
        sxz += dx * dz;
        syz += dy * dz;
    }
    let det = sxx * syy - sxy * sxy;
    let (b, c) = if pts.len() >= 3 && det.abs() > 1e-12 * (sxx * syy).max(f64::MIN_POSITIVE) {
        ((sxz * syy - syz * sxy) / det, (syz * sxx - sxz * sxy) / det)
    } else {
        (0.0, 0.0)
    };
    for y in 0..ny {
        for x in 0..nx {
            if image.is_valid(x, y) {
                let z = image.get(x, y) - (mz + b * (x as f64 - mx) + c * (y as f64 - my));
                image.set(x, y, z, true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plane_levelling_removes_a_tilt_and_keeps_the_relief() {
        let mut im = Image::new("h", "m", 8, 6);
        for y in 0..6 {
            for x in 0..8 {
                let bump = if (x, y) == (3, 2) { 5e-9 } else { 0.0 };
                im.set(x, y, 1e-6 + 2e-9 * x as f64 - 3e-9 * y as f64 + bump, true);
            }
        }
        im.set(7, 5, f64::NAN, false);
        level_plane(&mut im);
        // The bump stands 5 nm above the rest; the rest is flat to rounding.
        let rest: Vec<f64> = (0..6)
            .flat_map(|y| (0..8).map(move |x| (x, y)))
            .filter(|&p| p != (3, 2) && p != (7, 5))
            .map(|(x, y)| im.get(x, y))
            .collect();
        let spread =
            rest.iter().copied().fold(f64::NEG_INFINITY, f64::max) - rest.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(spread < 0.2e-9, "{spread}");
        assert!((im.get(3, 2) - rest[0] - 5e-9).abs() < 0.2e-9);
        assert!(!im.is_valid(7, 5));
    }
}
