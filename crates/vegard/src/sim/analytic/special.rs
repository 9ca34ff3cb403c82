//! Special functions needed by the references: complete elliptic integrals (AGM) and
//! Gauss–Legendre nodes for the quadrature cross-checks.

use std::f64::consts::PI;

/// Complete elliptic integrals K(k) and E(k) of the first and second kind, modulus k
/// (not parameter m = k²), 0 ≤ k ≤ 1 (K(1) = ∞, E(1) = 1), by the arithmetic–geometric mean
/// (Abramowitz & Stegun 17.6.1–17.6.4). Converges quadratically; accurate to ~1e-15.
pub fn ellip_ke(k: f64) -> (f64, f64) {
    if k >= 1.0 {
        // K diverges logarithmically, E(1) = 1.
        return (f64::INFINITY, 1.0);
    }
    let mut a = 1.0_f64;
    let mut b = (1.0 - k * k).sqrt();
    let mut c = k;
    // E = K (1 − Σ_{n≥0} 2^{n−1} c_n²), c_0 = k.
    let mut sum = 0.5 * c * c;
    let mut pow = 0.5;
    for _ in 0..40 {
        if c.abs() < 1e-17 {
            break;
        }
        let an = 0.5 * (a + b);
        let bn = (a * b).sqrt();
        c = 0.5 * (a - b);
        a = an;
        b = bn;
        pow *= 2.0;
        sum += pow * c * c;
    }
    let kk = PI / (2.0 * a);
    (kk, kk * (1.0 - sum))
}

/// Gauss–Legendre nodes and weights on [-1, 1] (Newton on P_n, Golub–Welsch free).
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    for i in 0..n {
        let mut z = (PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, z);
            for j in 2..=n {
                let p2 = ((2 * j - 1) as f64 * z * p1 - (j - 1) as f64 * p0) / j as f64;
                p0 = p1;
                p1 = p2;
            }
            let pn = if n == 0 {
                1.0
            } else if n == 1 {
                z
            } else {
                p1
            };
            let pm = if n == 1 { 1.0 } else { p0 };
            dp = n as f64 * (z * pn - pm) / (z * z - 1.0);
            let dz = pn / dp;
            z -= dz;
            if dz.abs() < 1e-16 {
                break;
            }
        }
        x[i] = z;
        w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
    (x, w)
}

/// ∫_a^b f by composite Gauss–Legendre with `panels` panels of `order` points.
pub fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, panels: usize, order: usize) -> f64 {
    let (x, w) = gauss_legendre(order);
    let h = (b - a) / panels as f64;
    let mut s = 0.0;
    for p in 0..panels {
        let m = a + (p as f64 + 0.5) * h;
        for (xi, wi) in x.iter().zip(&w) {
            s += wi * f(m + 0.5 * h * xi);
        }
    }
    0.5 * h * s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elliptic_known_values() {
        // K(0) = E(0) = π/2; K(1/√2) = Γ(1/4)²/(4√π) = 1.8540746773013719 (A&S Table 17.1).
        let (k0, e0) = ellip_ke(0.0);
        assert!((k0 - PI / 2.0).abs() < 1e-15 && (e0 - PI / 2.0).abs() < 1e-15);
        let (k, e) = ellip_ke(std::f64::consts::FRAC_1_SQRT_2);
        assert!((k - 1.854_074_677_301_371_9).abs() < 1e-13, "K = {k}");
        // Legendre relation at k = 1/√2: 2EK − K² = π/2.
        assert!((2.0 * e * k - k * k - PI / 2.0).abs() < 1e-13);
        // E(k) by quadrature of √(1 − k² sin²t).
        for &kk in &[0.1, 0.5, 0.9, 0.99] {
            let (_, e) = ellip_ke(kk);
            let q = integrate(|t| (1.0 - kk * kk * t.sin().powi(2)).sqrt(), 0.0, PI / 2.0, 8, 16);
            assert!((e - q).abs() < 1e-13, "E({kk}) = {e} vs quadrature {q}");
        }
    }

    #[test]
    fn gauss_legendre_exact_for_polynomials() {
        let (x, w) = gauss_legendre(5);
        // Exact up to degree 9.
        let s: f64 = x.iter().zip(&w).map(|(x, w)| w * x.powi(8)).sum();
        assert!((s - 2.0 / 9.0).abs() < 1e-14);
        assert!((integrate(|t| t.exp(), 0.0, 1.0, 2, 8) - (1f64.exp() - 1.0)).abs() < 1e-14);
    }
}
