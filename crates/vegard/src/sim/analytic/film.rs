//! Frequency response of a laterally uniform film (thickness h) on an ion-blocking substrate,
//! driven harmonically at its top surface.
//!
//! Drive: the top surface concentration (equivalently the chemical potential of the mobile
//! ion, i.e. a potentiostatic drive) is c(h,t) = c0 + δc e^{iωt}; the substrate (z = 0) blocks
//! the flux. Linear diffusion ∂δc/∂t = D ∂²δc/∂z² then gives δc(z) = δc cosh(kz)/cosh(kh),
//! k = √(iω/D), and the amount stored per area ∫₀ʰ δc dz = δc h tanh(√(iωτ))/√(iωτ),
//! τ = h²/D (Carslaw & Jaeger, Conduction of Heat in Solids, 2nd ed., §3.6 (periodic surface
//! temperature, slab); the same function is the finite-length "Warburg" impedance of a
//! reflective layer, Bisquert et al., J. Electroanal. Chem. 475, 152 (2000)). A laterally
//! clamped film's surface displacement is proportional to that amount (see
//! [`crate::sim::film1d`]), so u(ω)/u(0) = tanh(√(iωτ))/√(iωτ).
//!
//! Note: a prescribed harmonic *flux* at the top is a pure integrator instead
//! (∫δc dz = δj/(iω), independent of D): the tanh response needs a prescribed concentration.

use faer::c64;

/// u(ω)/u(0) = tanh(√(iωτ))/√(iωτ) for the film (module doc), ω in rad/s, τ = h²/D in s.
/// Uses the series 1 − x²/3 + 2x⁴/15 for |x| < 1e-4 (x² = iωτ) to avoid 0/0, and
/// tanh → 1 for Re x > 20 (overflow of cosh).
pub fn film_response(omega: f64, tau: f64) -> c64 {
    let x2 = c64::new(0.0, omega * tau);
    if x2.norm() < 1e-8 {
        return c64::new(1.0, 0.0) - x2 / 3.0 + x2 * x2 * (2.0 / 15.0);
    }
    let x = x2.sqrt();
    let t = if x.re > 20.0 { c64::new(1.0, 0.0) } else { x.tanh() };
    t / x
}

/// Film time constant τ = h²/D in s.
pub fn film_tau(h: f64, d: f64) -> f64 {
    h * h / d
}

/// Cross-over angular frequency ω_c = 1/τ = D/h² (rad/s): where the low-frequency asymptote
/// |u/u0| = 1 meets the high-frequency one |u/u0| = (ωτ)^{-1/2}. In Hz: f_c = D/(2π h²).
pub fn film_crossover_omega(h: f64, d: f64) -> f64 {
    d / (h * h)
}

/// Amplitude |u(ω)/u(0)| and phase arg(u(ω)/u(0)) in degrees (lag negative, → −45° as ω → ∞).
pub fn film_amplitude_phase(omega: f64, tau: f64) -> (f64, f64) {
    let r = film_response(omega, tau);
    (r.norm(), r.arg().to_degrees())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        // ω → 0: 1 − iωτ/3 + 2(iωτ)²/15 + O(ω³) (series of tanh x / x).
        let r = film_response(1e-3, 1.0);
        assert!((r - c64::new(1.0 - 2e-6 / 15.0, -1e-3 / 3.0)).norm() < 1e-9);
        assert!((film_response(0.0, 1.0) - c64::new(1.0, 0.0)).norm() == 0.0);
        // ω → ∞: (iωτ)^{-1/2}, phase −45°.
        let w = 1e6;
        let r = film_response(w, 1.0);
        let asym = c64::new(0.0, w).sqrt().inv();
        assert!(((r - asym) / asym).norm() < 1e-12);
        let (a, p) = film_amplitude_phase(w, 1.0);
        assert!((a - w.powf(-0.5)).abs() / a < 1e-12 && (p + 45.0).abs() < 1e-9);
        // Series and direct branches agree where they meet.
        let a = film_response(0.99e-8, 1.0);
        let b = {
            let x = c64::new(0.0, 1.01e-8).sqrt();
            x.tanh() / x
        };
        assert!((a - b).norm() < 1e-10);
        // The crossover sits at ωτ = 1, where the amplitude is |tanh √i / √i| = 0.9 ± 0.1.
        let (ac, pc) = film_amplitude_phase(film_crossover_omega(2.0, 4.0), film_tau(2.0, 4.0));
        assert!((0.8..1.0).contains(&ac) && (-30.0..-5.0).contains(&pc), "{ac} {pc}");
    }

    #[test]
    fn matches_slab_solution_by_quadrature() {
        // ∫₀ʰ cosh(kz)/cosh(kh) dz / h by Gauss–Legendre equals tanh(kh)/(kh).
        let (h, d, w) = (1.0, 1.0, 7.3);
        let k = c64::new(0.0, w / d).sqrt();
        let (x, wt) = super::super::special::gauss_legendre(24);
        let mut s = c64::new(0.0, 0.0);
        for (xi, wi) in x.iter().zip(&wt) {
            let z = 0.5 * h * (xi + 1.0);
            s += (k * z).cosh() / (k * h).cosh() * (0.5 * h * wi);
        }
        assert!((s / h - film_response(w, film_tau(h, d))).norm() < 1e-13);
    }
}
