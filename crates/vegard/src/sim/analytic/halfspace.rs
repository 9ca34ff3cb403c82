//! Elastic and dielectric half-space references (isotropic, linear; z measured positive
//! *into* the solid for depths, surface displacements positive *into* the solid for loads and
//! positive *outwards* (uplift) for buried dilatation, as named by each function).

use super::constants::EPSILON_0;
use super::special::ellip_ke;
use std::f64::consts::PI;

/// Boussinesq point load P (N) on an elastic half-space (E, ν): surface normal displacement
/// (into the solid) u_z(ρ) = (1−ν²) P / (π E ρ) (Johnson, Contact Mechanics (1985) Eq. 3.22c
/// at z = 0; Timoshenko & Goodier §138).
pub fn point_load_displacement(p: f64, e: f64, nu: f64, rho: f64) -> f64 {
    (1.0 - nu * nu) * p / (PI * e * rho)
}

/// Surface normal displacement (into the solid) under a uniform pressure p (Pa) on a disc of
/// radius a (Johnson, Contact Mechanics Eqs. 3.29 (ρ ≤ a) and 3.30 (ρ > a); Timoshenko &
/// Goodier §138), K, E the complete elliptic integrals of modulus k:
///   ρ ≤ a: u = 4(1−ν²) p a / (π E) · E(ρ/a)
///   ρ > a: u = 4(1−ν²) p a / (π E) · (ρ/a) [E(a/ρ) − (1 − a²/ρ²) K(a/ρ)].
pub fn uniform_disc_displacement(p: f64, a: f64, e: f64, nu: f64, rho: f64) -> f64 {
    let s = 4.0 * (1.0 - nu * nu) * p * a / (PI * e);
    if rho <= a {
        s * ellip_ke(rho / a).1
    } else {
        let k = a / rho;
        let (kk, ee) = ellip_ke(k);
        s / k * (ee - (1.0 - k * k) * kk)
    }
}

/// Centre displacement of the uniform disc pressure: 2(1−ν²) p a / E (Johnson Eq. 3.29, ρ = 0).
pub fn uniform_disc_center(p: f64, a: f64, e: f64, nu: f64) -> f64 {
    2.0 * (1.0 - nu * nu) * p * a / e
}

/// Surface uplift (outwards) above a small buried centre of dilatation (Mogi, Bull. Earthq. Res.
/// Inst. 36, 99 (1958); Mindlin & Cheng, J. Appl. Phys. 21, 926 (1950)):
///   u_z(ρ) = (1+ν) e_v V d / (3π (d² + ρ²)^{3/2}),
/// for an inclusion of volume V at depth d whose *free* volumetric eigenstrain is e_v = tr ε*
/// (for Vegard strain, e_v = Ω c_max δc) in a host of the same elastic constants.
/// Derivation of the constant: Mogi's uplift is u_z = (1−ν) ΔV d/(π R³) with ΔV the
/// full-space volume change of the source; a spherical inclusion with free linear strain
/// e_v/3 is constrained to (1+ν)/(3(1−ν)) · e_v/3 (Eshelby, Proc. R. Soc. A 241, 376 (1957)),
/// so ΔV = (1+ν)/(3(1−ν)) e_v V and the (1−ν) cancels. Independent of E.
pub fn mogi_uplift(e_v: f64, volume: f64, depth: f64, nu: f64, rho: f64) -> f64 {
    (1.0 + nu) * e_v * volume * depth / (3.0 * PI * (depth * depth + rho * rho).powf(1.5))
}

/// Electric potential (V) of a point charge q (C) at height a above the plane interface z = 0
/// between medium 1 (z > 0, relative permittivity eps1, holding the charge) and a dielectric
/// half-space (z < 0, eps2) — image method (Jackson, Classical Electrodynamics 3rd ed. §4.4):
///   z > 0: φ = [q/R₁ + q'/R₂]/(4π ε0 eps1),  q' = −q (eps2 − eps1)/(eps2 + eps1),
///   z < 0: φ = q''/(4π ε0 eps2 R₁),          q'' = 2 eps2 q/(eps2 + eps1),
/// R₁ = |r − (0,0,a)|, R₂ = |r − (0,0,−a)|, ρ the lateral distance.
pub fn point_charge_over_dielectric(q: f64, a: f64, eps1: f64, eps2: f64, rho: f64, z: f64) -> f64 {
    let r1 = (rho * rho + (z - a) * (z - a)).sqrt();
    if z >= 0.0 {
        let r2 = (rho * rho + (z + a) * (z + a)).sqrt();
        let qi = -q * (eps2 - eps1) / (eps2 + eps1);
        (q / r1 + qi / r2) / (4.0 * PI * EPSILON_0 * eps1)
    } else {
        let qt = 2.0 * eps2 * q / (eps2 + eps1);
        qt / (4.0 * PI * EPSILON_0 * eps2 * r1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::analytic::special::integrate;

    #[test]
    fn disc_profile_vs_point_load_quadrature() {
        // Superpose point loads: in polar coordinates centred at the observation point the 1/s
        // kernel cancels the area element, u = (1−ν²)p/(πE) ∫ (chord length) dψ.
        let (p, a, e, nu) = (1e6, 2e-8, 100e9, 0.3);
        let pref = (1.0 - nu * nu) * p / (PI * e);
        assert!((uniform_disc_displacement(p, a, e, nu, 0.0) - uniform_disc_center(p, a, e, nu)).abs() < 1e-25);
        for &f in &[0.0, 0.3, 0.7, 0.95, 1.0, 1.2, 2.0, 5.0] {
            let rho = f * a;
            let q = if rho <= a {
                pref * integrate(
                    |psi: f64| -rho * psi.cos() + (a * a - rho * rho * psi.sin().powi(2)).sqrt(),
                    0.0,
                    2.0 * PI,
                    16,
                    16,
                )
            } else {
                // ψ ∈ [−ψ0, ψ0], sin ψ0 = a/ρ. Substitute sin ψ = (a/ρ) sin t to remove the square-root endpoint singularity.
                let k = a / rho;
                pref * 2.0
                    * integrate(
                        |t: f64| {
                            let s = k * t.sin();
                            let chord = 2.0 * (a * a - rho * rho * s * s).max(0.0).sqrt();
                            chord * k * t.cos() / (1.0 - s * s).sqrt()
                        },
                        0.0,
                        PI / 2.0,
                        16,
                        16,
                    )
            };
            let u = uniform_disc_displacement(p, a, e, nu, rho);
            assert!(((u - q) / u).abs() < 1e-10, "ρ/a = {f}: {u} vs quadrature {q}");
        }
        // Edge value 4(1−ν²)pa/(πE); far field → point load P = pπa².
        let edge = uniform_disc_displacement(p, a, e, nu, a);
        assert!((edge - 4.0 * (1.0 - nu * nu) * p * a / (PI * e)).abs() / edge < 1e-14);
        let far = uniform_disc_displacement(p, a, e, nu, 100.0 * a);
        let pl = point_load_displacement(p * PI * a * a, e, nu, 100.0 * a);
        assert!(((far - pl) / pl).abs() < 1e-4);
    }

    #[test]
    fn mogi_uplift_volume_and_symmetry() {
        // Uplift volume ∫ u_z 2πρ dρ = 2(1+ν) e_v V / 3 (= 2(1−ν) ΔV, the classical Mogi result),
        // by quadrature with ρ = d tan t.
        let (ev, vol, d, nu) = (0.01, 1e-24, 5e-9, 0.3);
        let q = integrate(
            |t: f64| {
                let rho = d * t.tan();
                mogi_uplift(ev, vol, d, nu, rho) * 2.0 * PI * rho * d / t.cos().powi(2)
            },
            0.0,
            PI / 2.0,
            32,
            16,
        );
        let want = 2.0 * (1.0 + nu) * ev * vol / 3.0;
        assert!(((q - want) / want).abs() < 1e-12, "{q} vs {want}");
        // ν = 1/4: (1−ν)ΔV/π with ΔV = (1+ν)/(3(1−ν)) e_v V gives 3ΔV d/(4πd³) at ρ = 0.
        let dv = 1.25 / 2.25 * ev * vol;
        let m = mogi_uplift(ev, vol, d, 0.25, 0.0);
        assert!((m - 3.0 * dv / (4.0 * PI * d * d)).abs() < 1e-14 * m);
    }

    #[test]
    fn image_charge_interface_conditions() {
        let (q, a, e1, e2) = (1.602e-19, 10e-9, 1.0, 10.0);
        let h = 1e-13;
        for &rho in &[0.0, 5e-9, 30e-9] {
            let up = point_charge_over_dielectric(q, a, e1, e2, rho, 0.0);
            let dn = point_charge_over_dielectric(q, a, e1, e2, rho, -1e-300);
            assert!(((up - dn) / up).abs() < 1e-12, "φ continuous");
            // ε ∂φ/∂z continuous (one-sided second-order differences).
            let d1 = (-3.0 * up + 4.0 * point_charge_over_dielectric(q, a, e1, e2, rho, h)
                - point_charge_over_dielectric(q, a, e1, e2, rho, 2.0 * h))
                / (2.0 * h);
            let d2 = (3.0 * dn - 4.0 * point_charge_over_dielectric(q, a, e1, e2, rho, -h)
                + point_charge_over_dielectric(q, a, e1, e2, rho, -2.0 * h))
                / (2.0 * h);
            assert!(((e1 * d1 - e2 * d2) / (e1 * d1)).abs() < 1e-5, "D_z: {} vs {}", e1 * d1, e2 * d2);
        }
        // eps2 = eps1: plain Coulomb potential.
        let c = point_charge_over_dielectric(q, a, 3.0, 3.0, 0.0, -a);
        assert!((c - q / (4.0 * PI * EPSILON_0 * 3.0 * 2.0 * a)).abs() / c < 1e-14);
    }
}
