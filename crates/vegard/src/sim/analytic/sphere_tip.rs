//! A conducting sphere (the SPM tip, radius L, at potential V) above a dielectric half-space (the sample,
//! relative permittivity κ) across an air gap g ≥ 0: the exact image-charge series.
//!
//! Eshghinejad et al. 2017 (Eq. 1, Fig. 1b) puts the potential on a spherical tip; this series gives the field that the
//! tip sphere and the air around it impose on the sample surface, which the tip model uses as its top
//! boundary condition (see `sim::esm::tip_model`).
//!
//! Construction (method of images; Jackson, Classical Electrodynamics 3rd ed., §2.2 sphere image and §4.4
//! dielectric image; the same recursion as the "effective charge" series of Mesa et al., J. Appl. Phys. 79, 39
//! (1996) and Kalinin & Bonnell, Phys. Rev. B 62, 10419 (2000)):
//! - Sphere centre at height h = L + g over the interface z = 0. q₀ = 4πε₀LV at the centre makes the sphere
//!   an equipotential V on its own.
//! - A charge q_n at depth d_n below the centre has a dielectric image −κ′q_n, κ′ = (κ−1)/(κ+1), mirrored at
//!   distance s_n = 2h − d_n from the centre. The sphere's (Kelvin) image of that image is
//!   q_{n+1} = κ′ q_n L/s_n at d_{n+1} = L²/s_n, which restores V on the sphere.
//! - Inside the dielectric only the charges in air are seen, each transmitted with 2/(1+κ):
//!   φ(ρ, z ≤ 0) = (2/(1+κ)) Σ_n q_n / (4πε₀ √(ρ² + (h − d_n − z)²)).
//!
//! In contact (g = 0), d_n = nL/(n+1) and q_n = κ′ⁿ q₀/(n+1), so φ(0, 0) = (2/(1+κ)) Σ κ′ⁿ V = V exactly:
//! the contact point is at the tip potential. The terms decay as κ′ⁿ, so the series converges for every
//! finite κ (a metal, κ′ → 1, would make the contact capacitance diverge).

use std::f64::consts::PI;

use super::constants::EPSILON_0;

/// Truncation: the neglected tail of the series, relative to the tip potential at the contact point.
pub const SERIES_TOL: f64 = 1e-15;
/// Hard cap on the number of images (κ′ⁿ < 1e-15(1−κ′) needs n ≈ (κ+1)/2 · (34.5 + ln((κ+1)/2)) for large κ; 10⁶ covers κ ≳ 4·10⁴).
pub const MAX_IMAGES: usize = 1_000_000;

/// The image charges of a biased sphere over a dielectric half-space, per volt of tip bias.
#[derive(Clone, Debug)]
pub struct SphereOverDielectric {
    /// Sphere radius L, m.
    pub radius_m: f64,
    /// Air gap g between the sphere and the surface, m (0 = contact).
    pub gap_m: f64,
    /// Relative permittivity κ of the half-space.
    pub permittivity: f64,
    /// (charge per volt, C/V; height above the interface, m) of each image inside the sphere.
    images: Vec<(f64, f64)>,
}

/// Why an image series cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("sphere over dielectric: `{name}` = {value}, expected {expected}")]
pub struct SphereTipError {
    pub name: &'static str,
    pub value: f64,
    pub expected: &'static str,
}

impl SphereOverDielectric {
    pub fn new(radius_m: f64, gap_m: f64, permittivity: f64) -> Result<Self, SphereTipError> {
        let bad = |name, value, expected| Err(SphereTipError { name, value, expected });
        if !(radius_m > 0.0 && radius_m.is_finite()) {
            return bad("radius_m", radius_m, "finite and > 0");
        }
        if !(gap_m >= 0.0 && gap_m.is_finite()) {
            return bad("gap_m", gap_m, "finite and ≥ 0");
        }
        if !(permittivity >= 1.0 && permittivity.is_finite()) {
            return bad("permittivity", permittivity, "finite and ≥ 1");
        }
        let kappa = (permittivity - 1.0) / (permittivity + 1.0);
        let h = radius_m + gap_m;
        let q0 = 4.0 * PI * EPSILON_0 * radius_m;
        let mut images = vec![(q0, h)];
        let (mut q, mut d) = (q0, 0.0);
        while images.len() < MAX_IMAGES {
            let s = 2.0 * h - d;
            q *= kappa * radius_m / s;
            d = radius_m * radius_m / s;
            // Stop when the tail of the contact-point potential, ~ (this term)/(1 − κ′) for the geometric
            // decay κ′ⁿ, falls below SERIES_TOL of the tip potential.
            if q / q0 * radius_m / (h - d) < SERIES_TOL * (1.0 - kappa) {
                break;
            }
            images.push((q, h - d));
        }
        if images.len() == MAX_IMAGES {
            return bad("permittivity", permittivity, "small enough for the image series to converge (κ ≲ 4·10⁴)");
        }
        Ok(SphereOverDielectric { radius_m, gap_m, permittivity, images })
    }

    /// Number of image charges kept.
    pub fn n_images(&self) -> usize {
        self.images.len()
    }

    /// Total tip charge per volt, C/V: the tip–sample capacitance (the sample a half-space).
    pub fn capacitance_f(&self) -> f64 {
        self.images.iter().map(|(q, _)| q).sum()
    }

    /// Height above the surface of the effective point charge that carries the whole tip charge and
    /// gives the same potential at the contact point: Q/(4πε₀ d_eff) · 2/(1+κ) = φ(0, 0).
    pub fn effective_charge_height_m(&self) -> f64 {
        let phi0 = self.potential_per_volt(0.0, 0.0);
        2.0 / (1.0 + self.permittivity) * self.capacitance_f() / (4.0 * PI * EPSILON_0 * phi0)
    }

    /// Potential per volt of tip bias at radial distance ρ and height z ≤ 0 (inside the sample), m.
    /// Points with z > 0 are in the air, where this dielectric-side formula does not hold: use
    /// [`Self::potential_in_air_per_volt`].
    pub fn potential_per_volt(&self, rho_m: f64, z_m: f64) -> f64 {
        let z = z_m.min(0.0);
        let t = 2.0 / (1.0 + self.permittivity);
        t * self.images.iter().map(|&(q, a)| q / (rho_m * rho_m + (a - z) * (a - z)).sqrt()).sum::<f64>()
            / (4.0 * PI * EPSILON_0)
    }

    /// Potential per volt in the air (z ≥ 0, outside the sphere): the charges plus their dielectric images.
    pub fn potential_in_air_per_volt(&self, rho_m: f64, z_m: f64) -> f64 {
        let kappa = (self.permittivity - 1.0) / (self.permittivity + 1.0);
        self.images
            .iter()
            .map(|&(q, a)| {
                q / (rho_m * rho_m + (z_m - a) * (z_m - a)).sqrt()
                    - kappa * q / (rho_m * rho_m + (z_m + a) * (z_m + a)).sqrt()
            })
            .sum::<f64>()
            / (4.0 * PI * EPSILON_0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::analytic::halfspace::point_charge_over_dielectric;

    const L: f64 = 25e-9;

    /// In contact the surface point under the apex is at the tip potential (closed form Σ κ′ⁿ, module doc);
    /// the truncation at 1e-15 bounds the error well below 1e-12.
    #[test]
    fn contact_point_is_at_tip_potential() {
        for kappa in [2.0, 10.0, 30.0, 100.0] {
            let s = SphereOverDielectric::new(L, 0.0, kappa).unwrap();
            let phi = s.potential_per_volt(0.0, 0.0);
            assert!((phi - 1.0).abs() < 1e-12, "κ = {kappa}: φ(0,0) = {phi}");
        }
    }

    /// The sphere surface is an equipotential at V: evaluate the air-side potential on the sphere at
    /// polar angles away from the contact (the partial sums converge slowly right at the contact point, where
    /// the images crowd; 1e-9 is the truncation error κ′ᴺ times a geometric factor there).
    #[test]
    fn sphere_is_an_equipotential() {
        for (gap, kappa) in [(0.0, 10.0), (0.1 * L, 10.0), (0.5 * L, 30.0), (2.0 * L, 4.0)] {
            let s = SphereOverDielectric::new(L, gap, kappa).unwrap();
            let h = L + gap;
            for theta_deg in [0.0_f64, 30.0, 60.0, 90.0, 120.0, 150.0] {
                let th = theta_deg.to_radians();
                // θ = 0 at the top of the sphere, 180° at the point nearest the sample.
                let (rho, z) = (L * th.sin(), h + L * th.cos());
                let phi = s.potential_in_air_per_volt(rho, z);
                assert!((phi - 1.0).abs() < 1e-9, "gap {gap}, κ {kappa}, θ {theta_deg}°: φ = {phi}");
            }
        }
    }

    /// The normal electric displacement is continuous across the interface: ε₀ ∂φ/∂z (air) = ε₀κ ∂φ/∂z
    /// (sample), and the potential itself is continuous. Central differences at δ = 1e-4 L: error O(δ²).
    #[test]
    fn interface_conditions_hold() {
        let s = SphereOverDielectric::new(L, 0.2 * L, 10.0).unwrap();
        let d = 1e-4 * L;
        for rho in [0.1 * L, 0.5 * L, 2.0 * L, 8.0 * L] {
            let air = s.potential_in_air_per_volt(rho, 0.0);
            let die = s.potential_per_volt(rho, 0.0);
            assert!((air - die).abs() < 1e-12 * air.abs().max(1e-3), "ρ {rho}: {air} vs {die}");
            let e_air = (s.potential_in_air_per_volt(rho, d) - s.potential_in_air_per_volt(rho, 0.0)) / d;
            let e_die = (s.potential_per_volt(rho, 0.0) - s.potential_per_volt(rho, -d)) / d;
            // One-sided differences: O(δ) = 1e-4 relative to the curvature scale ~ L.
            assert!((e_air - 10.0 * e_die).abs() < 2e-3 * e_air.abs(), "ρ {rho}: D_z {e_air} vs {}", 10.0 * e_die);
        }
    }

    /// Far from the tip the potential is that of one point charge (the total tip charge) at the
    /// charge-weighted height, over the dielectric (halfspace::point_charge_over_dielectric): the relative
    /// difference falls as (size of the charge cloud / distance)², checked at 50 L and 200 L.
    #[test]
    fn far_field_is_a_point_charge_over_the_dielectric() {
        let s = SphereOverDielectric::new(L, 0.0, 10.0).unwrap();
        let q = s.capacitance_f();
        let height = s.images.iter().map(|(qi, a)| qi * a).sum::<f64>() / q;
        let mut errs = vec![];
        for rho in [50.0 * L, 200.0 * L] {
            let exact = s.potential_per_volt(rho, -0.5 * L);
            let point = point_charge_over_dielectric(q, height, 1.0, 10.0, rho, -0.5 * L);
            errs.push(((exact - point) / exact).abs());
        }
        assert!(errs[0] < 1e-3, "{errs:?}");
        // Quadrupole-order decay: the ratio of errors should be about (200/50)² = 16.
        assert!(errs[0] / errs[1] > 10.0, "{errs:?}");
    }

    /// Large gap: the sphere alone (q₀ = 4πε₀LV) plus small corrections, κ′L/(2h) relative.
    #[test]
    fn far_sphere_limit() {
        let s = SphereOverDielectric::new(L, 1000.0 * L, 10.0).unwrap();
        let q0 = 4.0 * PI * EPSILON_0 * L;
        assert!((s.capacitance_f() / q0 - 1.0).abs() < 1e-3);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(SphereOverDielectric::new(0.0, 0.0, 10.0).is_err());
        assert!(SphereOverDielectric::new(L, -1e-9, 10.0).is_err());
        assert!(SphereOverDielectric::new(L, 0.0, f64::NAN).is_err());
        assert!(SphereOverDielectric::new(L, 0.0, 0.5).is_err());
    }
}
