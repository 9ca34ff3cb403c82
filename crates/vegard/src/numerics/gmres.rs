//! Restarted, right-preconditioned GMRES for a linear system A x = b given only the action of A and of a
//! preconditioner M⁻¹ ≈ A⁻¹ (Saad & Schultz, SIAM J. Sci. Stat. Comput. 7, 856 (1986); right preconditioning
//! and Givens rotations as in Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., Alg. 6.9 and
//! §9.3.2).
//!
//! Right preconditioning solves A M⁻¹ y = b, x = M⁻¹ y, so the residual that GMRES minimises and reports is
//! the true residual ‖b − A x‖₂ (not a preconditioned one): the stopping test `rtol` is on ‖b − A x‖₂/‖b‖₂.
//! Used by the Newton–Krylov step of the ESM tip model (matrix-free Jacobian of the coupled
//! transport–stress residual, preconditioned by the factorised transport Jacobian with lagged stress).

/// Outcome of [`gmres`].
#[derive(Clone, Debug, PartialEq)]
pub struct GmresResult {
    /// The approximate solution (x₀ = 0).
    pub x: Vec<f64>,
    /// Krylov iterations over all cycles (each one application of A and of M⁻¹; every restart costs one
    /// more application of A).
    pub iterations: usize,
    /// Final ‖b − A x‖₂/‖b‖₂ as tracked by the Givens recurrence (0 for b = 0).
    pub relative_residual: f64,
    /// Whether `relative_residual` ≤ `rtol` was reached within `max_iter`.
    pub converged: bool,
}

/// Solves A x = b from x₀ = 0 by GMRES(`restart`) with right preconditioner M⁻¹, stopping when
/// ‖b − Ax‖₂ ≤ `rtol` ‖b‖₂ or after `max_iter` applications of A (then the best iterate found is returned
/// with `converged = false`: an inexact Newton method can still use it). `apply_a(v)` returns A v,
/// `apply_m_inv(v)` returns M⁻¹ v; the first error of either is returned as is.
pub fn gmres<E>(
    mut apply_a: impl FnMut(&[f64]) -> Result<Vec<f64>, E>,
    mut apply_m_inv: impl FnMut(&[f64]) -> Result<Vec<f64>, E>,
    b: &[f64],
    rtol: f64,
    restart: usize,
    max_iter: usize,
) -> Result<GmresResult, E> {
    let n = b.len();
    let restart = restart.max(1);
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let b_norm = norm(b);
    let mut x = vec![0.0; n];
    if b_norm == 0.0 || !b_norm.is_finite() {
        let relative_residual = if b_norm == 0.0 { 0.0 } else { f64::NAN };
        return Ok(GmresResult { x, iterations: 0, relative_residual, converged: b_norm == 0.0 });
    }
    let mut r = b.to_vec();
    let mut iterations = 0;
    let mut rel = 1.0;
    while iterations < max_iter {
        let beta = norm(&r);
        rel = beta / b_norm;
        if rel <= rtol {
            break;
        }
        // Arnoldi basis V, Hessenberg H (column-wise, (k+2) entries in column k), Givens (cs, sn), g = β e₁
        // rotated.
        let mut v: Vec<Vec<f64>> = vec![r.iter().map(|x| x / beta).collect()];
        let mut z: Vec<Vec<f64>> = Vec::new();
        let mut h: Vec<Vec<f64>> = Vec::new();
        let (mut cs, mut sn): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        let mut g = vec![beta];
        for k in 0..restart {
            if iterations >= max_iter {
                break;
            }
            let zk = apply_m_inv(&v[k])?;
            let mut w = apply_a(&zk)?;
            iterations += 1;
            z.push(zk);
            // Modified Gram–Schmidt, with one reorthogonalisation pass (cheap at these sizes, keeps the
            // basis orthogonal when the preconditioned operator is close to the identity).
            let mut col = vec![0.0; k + 2];
            for _pass in 0..2 {
                for (j, vj) in v.iter().enumerate() {
                    let d: f64 = w.iter().zip(vj).map(|(a, b)| a * b).sum();
                    col[j] += d;
                    w.iter_mut().zip(vj).for_each(|(a, b)| *a -= d * b);
                }
            }
            let w_norm = norm(&w);
            col[k + 1] = w_norm;
            // Apply the previous rotations, then a new one zeroing col[k+1].
            for j in 0..k {
                let t = cs[j] * col[j] + sn[j] * col[j + 1];
                col[j + 1] = -sn[j] * col[j] + cs[j] * col[j + 1];
                col[j] = t;
            }
            let d = col[k].hypot(col[k + 1]);
            let (c, s) = if d == 0.0 { (1.0, 0.0) } else { (col[k] / d, col[k + 1] / d) };
            col[k] = d;
            col[k + 1] = 0.0;
            cs.push(c);
            sn.push(s);
            g.push(-s * g[k]);
            g[k] *= c;
            h.push(col);
            rel = g[k + 1].abs() / b_norm;
            let breakdown = w_norm <= 1e-14 * beta;
            if !breakdown {
                v.push(w.iter().map(|x| x / w_norm).collect());
            }
            if rel <= rtol || breakdown {
                break;
            }
        }
        // Back substitution R y = g, x += Z y.
        let m = h.len();
        let mut y = vec![0.0; m];
        for i in (0..m).rev() {
            let mut s = g[i];
            for (j, yj) in y.iter().enumerate().skip(i + 1) {
                s -= h[j][i] * yj;
            }
            y[i] = if h[i][i] != 0.0 { s / h[i][i] } else { 0.0 };
        }
        for (zj, yj) in z.iter().zip(&y) {
            x.iter_mut().zip(zj).for_each(|(a, b)| *a += yj * b);
        }
        if rel <= rtol || iterations >= max_iter {
            break;
        }
        // Restart (or, after a breakdown, where the Krylov space is invariant and x is exact up to rounding,
        // a final check) from the true residual: one more application of A, not counted in `iterations`.
        let ax = apply_a(&x)?;
        r = b.iter().zip(&ax).map(|(b, a)| b - a).collect();
        if m < restart {
            rel = norm(&r) / b_norm;
            break;
        }
    }
    Ok(GmresResult { x, iterations, relative_residual: rel, converged: rel <= rtol })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A non-symmetric convection–diffusion matrix (1-D upwind, n = 200) as a closure.
    fn convection_diffusion(n: usize, peclet: f64) -> impl Fn(&[f64]) -> Vec<f64> {
        move |v: &[f64]| {
            (0..n)
                .map(|i| {
                    let left = if i > 0 { v[i - 1] } else { 0.0 };
                    let right = if i + 1 < n { v[i + 1] } else { 0.0 };
                    (2.0 + peclet) * v[i] - (1.0 + peclet) * left - right
                })
                .collect()
        }
    }

    /// Unpreconditioned GMRES on a non-symmetric tridiagonal system reaches rtol = 1e-10 and the returned x
    /// satisfies ‖b − Ax‖/‖b‖ ≤ 1e-10 (checked independently of the recurrence, to 1e-9 for rounding); with
    /// full restart (restart ≥ n) GMRES is exact in at most n iterations.
    #[test]
    fn solves_a_nonsymmetric_system() {
        let n = 200;
        let a = convection_diffusion(n, 0.7);
        let b: Vec<f64> = (0..n).map(|i| (0.1 * i as f64).sin() + 1.0).collect();
        let id = |v: &[f64]| Ok::<_, ()>(v.to_vec());
        let out = gmres(|v| Ok::<_, ()>(a(v)), id, &b, 1e-10, 60, 5000).unwrap();
        let ax = a(&out.x);
        let res = ax.iter().zip(&b).map(|(p, q)| (p - q).powi(2)).sum::<f64>().sqrt();
        let bn = b.iter().map(|q| q * q).sum::<f64>().sqrt();
        println!(
            "GMRES(60): {} iterations, recurrence {:.2e}, true {:.2e}",
            out.iterations,
            out.relative_residual,
            res / bn
        );
        assert!(out.converged && res / bn < 1e-9);
    }

    /// With an exact preconditioner (M⁻¹ = A⁻¹ of a diagonal A) GMRES converges in one iteration to rounding
    /// (1e-14). Also: b = 0 returns x = 0 without applying A, a budget too small reports
    /// `converged = false` with a reduced residual, and an operator error is passed through.
    #[test]
    fn preconditioning_and_edge_cases() {
        let n = 50;
        let d: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
        let b: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let apply = |v: &[f64]| Ok::<_, ()>(v.iter().zip(&d).map(|(x, di)| x * di).collect::<Vec<_>>());
        let inv = |v: &[f64]| Ok::<_, ()>(v.iter().zip(&d).map(|(x, di)| x / di).collect::<Vec<_>>());
        let out = gmres(apply, inv, &b, 1e-12, 20, 100).unwrap();
        assert!(out.converged && out.iterations == 1, "exact preconditioner: {out:?}");
        for i in 0..n {
            assert!((out.x[i] - b[i] / d[i]).abs() < 1e-14);
        }
        let zero = gmres(|_: &[f64]| Err::<Vec<f64>, &str>("not called"), |v| Ok(v.to_vec()), &[0.0; 4], 1e-9, 5, 5);
        assert_eq!(zero.unwrap().x, vec![0.0; 4]);
        let a = convection_diffusion(n, 0.7);
        let short = gmres(|v| Ok::<_, ()>(a(v)), |v| Ok(v.to_vec()), &b, 1e-12, 3, 3).unwrap();
        assert!(!short.converged && short.iterations == 3 && short.relative_residual < 1.0);
        // An error from the operator is passed through.
        let err = gmres(|_: &[f64]| Err::<Vec<f64>, &str>("boom"), |v| Ok(v.to_vec()), &b, 1e-9, 5, 5);
        assert_eq!(err.unwrap_err(), "boom");
    }
}
