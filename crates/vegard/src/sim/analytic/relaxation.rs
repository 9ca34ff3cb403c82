//! Relaxation of a closed 1-D domain (Eshghinejad et al. 2017, Eqs. 6–9): ∂c/∂t = D ∂²c/∂x² on [0, l] with
//! zero flux at both ends, c(x,t) = c̄ + Σ_m c_m e^{−t/τ_m} cos(mπx/l), τ_m = l²/(D π² m²),
//! c_m = (2/l) ∫₀ˡ c(x,0) cos(mπx/l) dx, c̄ = ⟨c(x,0)⟩.

use super::special::integrate;
use std::f64::consts::PI;

/// τ_m = l²/(D π² m²) in s (Eshghinejad et al. 2017, Eq. 9), m ≥ 1.
pub fn relaxation_tau(l: f64, d: f64, m: u32) -> f64 {
    let m = m as f64;
    l * l / (d * PI * PI * m * m)
}

/// Mean c̄ and cosine coefficients c_1..c_{m_max} of an initial profile (Eshghinejad et al. 2017, after Eq. 7),
/// by composite Gauss–Legendre quadrature with `panels` panels (order 8).
pub fn cosine_coefficients(c0: impl Fn(f64) -> f64, l: f64, m_max: u32, panels: usize) -> (f64, Vec<f64>) {
    let mean = integrate(&c0, 0.0, l, panels, 8) / l;
    let cm = (1..=m_max)
        .map(|m| 2.0 / l * integrate(|x| c0(x) * (m as f64 * PI * x / l).cos(), 0.0, l, panels, 8))
        .collect();
    (mean, cm)
}

/// c(x,t) from the series of Eshghinejad et al. 2017, Eq. 7 (coefficients as from [`cosine_coefficients`]).
pub fn relaxation_profile(mean: f64, cm: &[f64], l: f64, d: f64, x: f64, t: f64) -> f64 {
    mean + cm
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let m = (i + 1) as u32;
            c * (-t / relaxation_tau(l, d, m)).exp() * (m as f64 * PI * x / l).cos()
        })
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_profile_series() {
        // Initial step: c = 1 on [0, l/2), 0 elsewhere → c̄ = 1/2, c_m = 2 sin(mπ/2)/(mπ).
        let l = 2.0;
        let step = |x: f64| if x < 0.5 * l { 1.0 } else { 0.0 };
        // Quadrature panels aligned with the jump (64 panels, jump on a panel edge).
        let (mean, cm) = cosine_coefficients(step, l, 60, 64);
        assert!((mean - 0.5).abs() < 1e-14);
        for (i, c) in cm.iter().enumerate() {
            let m = (i + 1) as f64;
            let want = 2.0 * (m * PI / 2.0).sin() / (m * PI);
            assert!((c - want).abs() < 1e-12, "c_{m}: {c} vs {want}");
        }
        // Mass is conserved at all times; late times decay with τ_1.
        let d = 0.3;
        let t = 2.0 * relaxation_tau(l, d, 1);
        let mass = integrate(|x| relaxation_profile(mean, &cm, l, d, x, t), 0.0, l, 16, 8) / l;
        assert!((mass - 0.5).abs() < 1e-13);
        let dev = relaxation_profile(mean, &cm, l, d, 0.0, t) - 0.5;
        let first = cm[0] * (-2.0_f64).exp();
        // Next surviving mode (m = 3) is e^{-18}/e^{-2} smaller.
        assert!(((dev - first) / first).abs() < 1e-6);
        // Series converges to the step away from the jump at t = 0 (Gibbs-free points).
        let near = relaxation_profile(mean, &cm, l, d, 0.3, 0.0);
        assert!((near - 1.0).abs() < 0.03, "{near}");
        assert!((relaxation_tau(l, d, 2) * 4.0 - relaxation_tau(l, d, 1)).abs() < 1e-15);
    }
}
