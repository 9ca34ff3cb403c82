//! Stress-coupled diffusion in a free (traction-free) elastic sphere of radius R.
//!
//! Sources: Zhang, Shyy & Sastry, J. Electrochem. Soc. 154, A910 (2007) (ZSS, Eqs. 4–8, 13);
//! Cheng & Verbrugge, J. Power Sources 190, 453 (2009) (galvanostatic series);
//! Christensen & Newman, J. Solid State Electrochem. 10, 293 (2006); Crank, The Mathematics of
//! Diffusion, 2nd ed. (1975) Eqs. 6.18 and 6.20 (potentiostatic series).
//!
//! Convention: c is dimensionless (ĉ/c_max); the Vegard strain is ε* = (Ω/3) c_max c I
//! (Eshghinejad et al. 2017, Eq. 4, ZSS Eq. 3 with C = c_max c). With K = E Ω c_max / (3(1−ν)) the ZSS
//! stresses (their Eqs. 4–5) read
//!   σ_r = 2K [A − B(r)],   σ_θ = K [2A + B(r) − c(r)],
//!   A = (1/R³) ∫₀ᴿ c r² dr = c̄/3,   B(r) = (1/r³) ∫₀ʳ c r'² dr'   (B(0) = c(0)/3).
//!
//! Exact reduction to an effective diffusivity (derived here, ZSS Eq. 13 is the dilute form):
//! σ_h = (σ_r + 2σ_θ)/3 = (2K/3)(3A − c) = (2 E Ω c_max / (9(1−ν))) (c̄ − c).
//! c̄ does not depend on r, so ∂σ_h/∂r = −(2 E Ω c_max/(9(1−ν))) ∂c/∂r, and the flux of
//! Eshghinejad et al. 2017, Eq. 3, j = −D[∂c/∂r/(1−c) − (Ω/RT) c ∂σ_h/∂r], becomes
//!   j = −D [1/(1−c) + θ c] ∂c/∂r,   θ = 2 Ω² E c_max / (9 R T (1−ν))   (dimensionless).
//! In ZSS's molar convention (Ĉ = c_max c, dilute μ) the same factor is θ_ZSS = 2Ω²E/(9RT(1−ν))
//! in m³/mol and D_eff = D(1 + θ_ZSS Ĉ): θ = θ_ZSS c_max. The reduction is exact (no
//! linearisation): the coupled problem *is* nonlinear diffusion with D_eff(c).

use super::constants::GAS_CONSTANT;
use std::f64::consts::PI;

/// Elastic and chemical constants of the host (SI): Young's modulus E (Pa), Poisson's ratio ν,
/// partial molar volume Ω (m³/mol), maximum concentration c_max (mol/m³), temperature T (K).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Host {
    pub e: f64,
    pub nu: f64,
    pub omega: f64,
    pub c_max: f64,
    pub temperature: f64,
}

impl Host {
    /// LiFePO4 of Eshghinejad et al. 2017, Table 1 (E = 100 GPa, ν = 0.3, Ω = 3.5e-6 m³/mol,
    /// c_max = 22 900 mol/m³) at T = 298.15 K.
    pub fn lifepo4() -> Self {
        Host { e: 100e9, nu: 0.3, omega: 3.5e-6, c_max: 22_900.0, temperature: 298.15 }
    }
    /// Ceria of Eshghinejad et al. 2017, Table 1 (E = 165 GPa, ν = 0.3, Ω = 5.4e-6, c_max = 18 450) at 298.15 K.
    pub fn ceria() -> Self {
        Host { e: 165e9, nu: 0.3, omega: 5.4e-6, c_max: 18_450.0, temperature: 298.15 }
    }
    /// Stress scale K = E Ω c_max / (3(1−ν)) in Pa (module doc).
    pub fn stress_scale(&self) -> f64 {
        self.e * self.omega * self.c_max / (3.0 * (1.0 - self.nu))
    }
    /// Coupling θ = 2 Ω² E c_max / (9 R T (1−ν)), dimensionless (module doc). The same θ holds
    /// for a laterally clamped film (see [`crate::sim::film1d`]).
    pub fn theta(&self) -> f64 {
        2.0 * self.omega * self.omega * self.e * self.c_max / (9.0 * GAS_CONSTANT * self.temperature * (1.0 - self.nu))
    }
}

/// D_eff(c) = D [1/(1−c) + θ c] (module doc; c dimensionless, θ from [`Host::theta`]).
pub fn d_eff(d: f64, c: f64, theta: f64) -> f64 {
    d * (1.0 / (1.0 - c) + theta * c)
}

/// Cumulative ∫₀^{r_i} c r² dr for nodal values of c on the grid r (r[0] = 0), exact for c
/// piecewise linear between nodes.
pub fn cumulative_r2_integral(r: &[f64], c: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; r.len()];
    for i in 1..r.len().min(c.len()) {
        let (a, b) = (r[i - 1], r[i]);
        let slope = (c[i] - c[i - 1]) / (b - a);
        let i2 = (b.powi(3) - a.powi(3)) / 3.0;
        let i3 = (b.powi(4) - a.powi(4)) / 4.0 - a * i2;
        out[i] = out[i - 1] + c[i - 1] * i2 + slope * i3;
    }
    out
}

/// ZSS Eqs. 4–5: radial and hoop stresses (Pa) of a free sphere for the concentration profile c
/// at nodes r (r[0] = 0, r[last] = R). Returns (σ_r, σ_θ). Stress is zero for uniform c.
pub fn sphere_stresses(host: &Host, r: &[f64], c: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = r.len().min(c.len());
    let cum = cumulative_r2_integral(r, c);
    let big_r = r[n - 1];
    let a = cum[n - 1] / big_r.powi(3);
    let k = host.stress_scale();
    let mut sr = vec![0.0; n];
    let mut st = vec![0.0; n];
    for i in 0..n {
        let b = if r[i] > 0.0 { cum[i] / r[i].powi(3) } else { c[0] / 3.0 };
        sr[i] = 2.0 * k * (a - b);
        st[i] = k * (2.0 * a + b - c[i]);
    }
    (sr, st)
}

/// First `n` positive roots of tan λ = λ (λ_n ∈ (nπ, nπ + π/2)), by Newton on
/// f = sin λ − λ cos λ, f' = λ sin λ.
pub fn tan_roots(n: usize) -> Vec<f64> {
    (1..=n)
        .map(|k| {
            let q = (k as f64 + 0.5) * PI;
            let mut x = q - 1.0 / q;
            for _ in 0..50 {
                let dx = (x.sin() - x * x.cos()) / (x * x.sin());
                x -= dx;
                if dx.abs() < 1e-15 * x {
                    break;
                }
            }
            x
        })
        .collect()
}

/// Galvanostatic (constant molar influx q at r = R, from c = c0 at t = 0) solution of linear
/// diffusion in a sphere (Carslaw & Jaeger §9.3; Cheng & Verbrugge 2009 Eq. 15):
///   (c − c0)/(qR/(D c_max)) = 3τ + x²/2 − 3/10 − Σ_n 2 sin(λ_n x)/(x λ_n² sin λ_n) e^{−λ_n² τ},
/// x = r/R, τ = D t/R², tan λ_n = λ_n. Returns the bracket (dimensionless) with `roots` from
/// [`tan_roots`].
pub fn galvanostatic_concentration(x: f64, tau: f64, roots: &[f64]) -> f64 {
    let mut s = 3.0 * tau + 0.5 * x * x - 0.3;
    for &l in roots {
        let shape = if x > 0.0 { (l * x).sin() / x } else { l };
        s -= 2.0 * shape / (l * l * l.sin()) * (-l * l * tau).exp();
    }
    s
}

/// Stresses of the galvanostatic series, normalised: (σ_r, σ_θ) / (K qR/(D c_max)),
/// K = [`Host::stress_scale`]. Closed form from ZSS Eqs. 4–5 with
/// ∫₀ˣ x'² sin(λx')/x' dx' = [sin(λx) − λx cos(λx)]/λ² (which vanishes at x = 1 since
/// tan λ = λ: the transients carry no mass) and ∫₀ˣ x'⁴/2 dx' = x⁵/10.
pub fn galvanostatic_stress(x: f64, tau: f64, roots: &[f64]) -> (f64, f64) {
    // B(x) = (1/x³) ∫₀ˣ (c − c0) x'² dx' in units of qR/(D c_max); A = B(1).
    let b_of = |x: f64| -> f64 {
        let mut b = (3.0 * tau - 0.3) / 3.0 + x * x / 10.0;
        for &l in roots {
            let shape = if x > 1e-4 {
                ((l * x).sin() - l * x * (l * x).cos()) / (l * l * x.powi(3))
            } else {
                // sin y − y cos y = y³/3 − y⁵/30 + …
                l / 3.0 - l.powi(3) * x * x / 30.0
            };
            b -= 2.0 * shape / (l * l * l.sin()) * (-l * l * tau).exp();
        }
        b
    };
    let a = b_of(1.0);
    let b = b_of(x);
    let c = galvanostatic_concentration(x, tau, roots);
    (2.0 * (a - b), 2.0 * a + b - c)
}

/// Potentiostatic (surface held at c_s from c = c0 at t = 0) series (Crank Eq. 6.18):
///   (c − c0)/(c_s − c0) = 1 + (2/(πx)) Σ_n (−1)ⁿ/n sin(nπx) e^{−n²π²τ},  x = r/R, τ = Dt/R².
/// At x = 0 the shape sin(nπx)/x → nπ.
pub fn potentiostatic_concentration(x: f64, tau: f64, n_terms: usize) -> f64 {
    let mut s = 1.0;
    for n in 1..=n_terms {
        let nf = n as f64;
        let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
        let shape = if x > 0.0 { (nf * PI * x).sin() / x } else { nf * PI };
        s += 2.0 / PI * sign / nf * shape * (-nf * nf * PI * PI * tau).exp();
    }
    s
}

/// Stored fraction c̄ − c0 over c_s − c0 (Crank Eq. 6.20): 1 − (6/π²) Σ e^{−n²π²τ}/n².
pub fn potentiostatic_uptake(tau: f64, n_terms: usize) -> f64 {
    1.0 - 6.0 / (PI * PI)
        * (1..=n_terms).map(|n| (-((n * n) as f64) * PI * PI * tau).exp() / (n * n) as f64).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::analytic::special::integrate;

    #[test]
    fn theta_lifepo4() {
        // 2 (3.5e-6)² 1e11 · 22900 / (9 · 8.314462618 · 298.15 · 0.7) = 3.5922…
        let th = Host::lifepo4().theta();
        let want = 2.0 * 12.25e-12 * 1e11 * 22_900.0 / (9.0 * 8.314_462_618 * 298.15 * 0.7);
        assert!((th - want).abs() < 1e-12 && (th - 3.592).abs() < 1e-3, "{th}");
    }

    #[test]
    fn galvanostatic_series_initial_and_flux() {
        let roots = tan_roots(400);
        assert!((roots[0] - 4.493_409_457_909_064).abs() < 1e-12);
        // At τ = 0 the series cancels x²/2 − 3/10 (series convergence: error shrinks with terms).
        let e50 = galvanostatic_concentration(0.5, 0.0, &roots[..50]).abs();
        let e400 = galvanostatic_concentration(0.5, 0.0, &roots).abs();
        assert!(e400 < 2e-4 && e400 < e50 / 4.0, "{e50} {e400}");
        // Mean of the bracket is 3τ for any τ (mass balance).
        for &tau in &[0.01, 0.1, 1.0] {
            let m = 3.0 * integrate(|x| x * x * galvanostatic_concentration(x, tau, &roots), 0.0, 1.0, 40, 8);
            assert!((m - 3.0 * tau).abs() < 1e-6, "τ={tau}: {m}");
        }
        // Surface gradient = 1 (normalised flux) at τ = 0.05 by central difference.
        let h = 1e-5;
        let g = (galvanostatic_concentration(1.0, 0.05, &roots)
            - galvanostatic_concentration(1.0 - 2.0 * h, 0.05, &roots))
            / (2.0 * h);
        assert!((g - 1.0).abs() < 1e-3, "{g}");
    }

    #[test]
    fn galvanostatic_stress_closed_form_vs_quadrature() {
        let host = Host::lifepo4();
        let roots = tan_roots(200);
        let tau = 0.02;
        let n = 2001;
        let r: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
        let c: Vec<f64> = r.iter().map(|&x| galvanostatic_concentration(x, tau, &roots)).collect();
        let (sr, st) = sphere_stresses(&host, &r, &c);
        let k = host.stress_scale();
        for &i in &[0, 500, 1000, 1500, 2000] {
            let (a_r, a_t) = galvanostatic_stress(r[i], tau, &roots);
            assert!((sr[i] / k - a_r).abs() < 1e-5, "σ_r at {}: {} vs {a_r}", r[i], sr[i] / k);
            assert!((st[i] / k - a_t).abs() < 1e-5, "σ_θ at {}: {} vs {a_t}", r[i], st[i] / k);
        }
        // Free surface σ_r(R) = 0; centre σ_r = σ_θ; surface in compression on insertion.
        let (s1, t1) = galvanostatic_stress(1.0, tau, &roots);
        let (s0, t0) = galvanostatic_stress(0.0, tau, &roots);
        assert!(s1.abs() < 1e-12 && (s0 - t0).abs() < 1e-6 && t1 < 0.0 && s0 > 0.0);
        // Late times: steady parabola c = x²/2 + const gives σ_r/K = (1 − x²)/5,
        // σ_θ/K = (1 − 2x²)/5 (derived from ZSS Eqs. 4–5).
        let (sr5, st5) = galvanostatic_stress(0.5, 5.0, &roots);
        assert!((sr5 - 0.75 / 5.0).abs() < 1e-12 && (st5 - 0.5 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn hydrostatic_stress_is_local_in_c() {
        // σ_h = (2K/3)(c̄ − c) for any profile: the exact D_eff reduction rests on this.
        let host = Host::ceria();
        let n = 801;
        let r: Vec<f64> = (0..n).map(|i| 2e-6 * i as f64 / (n - 1) as f64).collect();
        let c: Vec<f64> = r.iter().map(|&x| 0.3 + 0.2 * (7e6 * x).sin() * (x / 2e-6).powi(2)).collect();
        let (sr, st) = sphere_stresses(&host, &r, &c);
        let cum = cumulative_r2_integral(&r, &c);
        let cbar = 3.0 * cum[n - 1] / r[n - 1].powi(3);
        let k = host.stress_scale();
        for i in 0..n {
            let sh = (sr[i] + 2.0 * st[i]) / 3.0;
            assert!((sh - 2.0 * k / 3.0 * (cbar - c[i])).abs() < 1e-9 * k);
        }
        // Uniform c: no stress.
        let (sr, st) = sphere_stresses(&host, &r, &vec![0.4; n]);
        assert!(sr.iter().chain(&st).all(|s| s.abs() < 1e-6 * k));
    }

    #[test]
    fn potentiostatic_series() {
        // Uptake from the profile equals Crank 6.20.
        for &tau in &[0.005, 0.05, 0.3] {
            let m = 3.0 * integrate(|x| x * x * potentiostatic_concentration(x, tau, 400), 0.0, 1.0, 50, 8);
            assert!((m - potentiostatic_uptake(tau, 400)).abs() < 1e-6, "τ={tau}: {m}");
        }
        // Surface at c_s for τ > 0; centre → 1 at late times; centre ≈ 0 very early.
        assert!((potentiostatic_concentration(1.0, 0.01, 400) - 1.0).abs() < 1e-12);
        // Centre at τ = 1: 1 + 2 Σ (−1)ⁿ e^{−n²π²} ≈ 1 − 2e^{−π²} (next term 2e^{−4π²} ~ 1e-17).
        assert!((potentiostatic_concentration(0.0, 1.0, 50) - (1.0 - 2.0 * (-PI * PI).exp())).abs() < 1e-14);
        assert!(potentiostatic_concentration(0.0, 0.005, 200).abs() < 1e-6);
    }
}
