//! Anderson acceleration of a fixed-point iteration x = G(x) (Anderson, J. ACM 12, 547 (1965); the
//! "type II" form of Walker & Ni, SIAM J. Numer. Anal. 49, 1715 (2011), Eq. (2.1) with least squares).
//!
//! The staggered coupling of the tip model (concentration ↔ stress) is a contraction whose factor is set by
//! the stress feedback (0.3–0.5 for LiFePO₄); Anderson mixing of the last `depth` iterates turns its linear
//! convergence into a much faster one at the price of a small least-squares solve per iteration.
//!
//! The next iterate is x⁺ = G(x_k) − Σ_j γ_j ΔG_j with γ minimising ‖f_k − Σ_j γ_j Δf_j‖₂, f = G(x) − x,
//! Δf_j = f_{j+1} − f_j, ΔG_j likewise. It is an affine combination of the G values (weights summing to 1),
//! so every linear invariant that G preserves (the amount of ions) is preserved exactly; bounds are not
//! (weights may be negative), so the caller checks its own bounds and calls [`Anderson::reset`] with the
//! plain G value when they fail.

/// Mixing history for Anderson acceleration.
#[derive(Clone, Debug)]
pub struct Anderson {
    depth: usize,
    /// Previous x and G(x) (oldest first), at most `depth + 1`.
    xs: Vec<Vec<f64>>,
    gs: Vec<Vec<f64>>,
}

impl Anderson {
    /// Mix at most `depth` differences (depth 0 = plain fixed-point iteration).
    pub fn new(depth: usize) -> Self {
        Anderson { depth, xs: Vec::new(), gs: Vec::new() }
    }

    /// Forget the history (e.g. after the mixed iterate left the admissible set).
    pub fn reset(&mut self) {
        self.xs.clear();
        self.gs.clear();
    }

    /// Given the current iterate x_k and g = G(x_k), the next iterate.
    pub fn next(&mut self, x: &[f64], g: &[f64]) -> Vec<f64> {
        debug_assert_eq!(x.len(), g.len());
        self.xs.push(x.to_vec());
        self.gs.push(g.to_vec());
        if self.xs.len() > self.depth + 1 {
            self.xs.remove(0);
            self.gs.remove(0);
        }
        let m = self.xs.len() - 1;
        if m == 0 {
            return g.to_vec();
        }
        let n = x.len();
        let f = |k: usize, i: usize| self.gs[k][i] - self.xs[k][i];
        // Columns Δf_j = f_{j+1} − f_j, j = 0..m.
        let df: Vec<Vec<f64>> = (0..m).map(|j| (0..n).map(|i| f(j + 1, i) - f(j, i)).collect()).collect();
        let fk: Vec<f64> = (0..n).map(|i| f(m, i)).collect();
        // Normal equations with a relative Tikhonov term: m ≤ a few, and the regularisation keeps a nearly
        // dependent history from producing huge weights.
        let mut a = vec![vec![0.0; m]; m];
        let mut b = vec![0.0; m];
        for p in 0..m {
            for q in 0..=p {
                let v: f64 = df[p].iter().zip(&df[q]).map(|(x, y)| x * y).sum();
                a[p][q] = v;
                a[q][p] = v;
            }
            b[p] = df[p].iter().zip(&fk).map(|(x, y)| x * y).sum();
        }
        let scale = (0..m).map(|p| a[p][p]).fold(0.0, f64::max);
        if scale == 0.0 || !scale.is_finite() {
            return g.to_vec();
        }
        for (p, row) in a.iter_mut().enumerate() {
            row[p] += 1e-12 * scale;
        }
        let Some(gamma) = solve_small(a, b) else {
            self.reset();
            return g.to_vec();
        };
        let mut out = g.to_vec();
        for (j, gj) in gamma.iter().enumerate() {
            for (i, o) in out.iter_mut().enumerate() {
                *o -= gj * (self.gs[j + 1][i] - self.gs[j][i]);
            }
        }
        out
    }
}

/// Gaussian elimination with partial pivoting for the small dense normal equations.
fn solve_small(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let m = b.len();
    for k in 0..m {
        let p = (k..m).max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs()))?;
        if a[p][k].abs() == 0.0 || !a[p][k].is_finite() {
            return None;
        }
        a.swap(k, p);
        b.swap(k, p);
        for i in k + 1..m {
            let f = a[i][k] / a[k][k];
            for j in k..m {
                a[i][j] -= f * a[k][j];
            }
            b[i] -= f * b[k];
        }
    }
    let mut x = vec![0.0; m];
    for k in (0..m).rev() {
        let s: f64 = (k + 1..m).map(|j| a[k][j] * x[j]).sum();
        x[k] = (b[k] - s) / a[k][k];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A linear contraction G(x) = Mx + b with spectral radius 0.9 (Picard needs ~260 iterations for 1e-12):
    /// Anderson with depth ≥ n reaches the fixed point in about n + 1 iterations (it is then equivalent to
    /// GMRES on (I − M)x = b; Walker & Ni 2011, Theorem 2.2).
    #[test]
    fn accelerates_a_linear_contraction() {
        let n = 6;
        let g = |x: &[f64]| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    let left = if i > 0 { x[i - 1] } else { 0.0 };
                    let right = if i + 1 < n { x[i + 1] } else { 0.0 };
                    0.5 * x[i] + 0.2 * (left + right) + 1.0 + i as f64
                })
                .collect()
        };
        let solve = |depth: usize| -> usize {
            let mut acc = Anderson::new(depth);
            let mut x = vec![0.0; n];
            for it in 1..2000 {
                let gx = g(&x);
                let change = gx.iter().zip(&x).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                if change < 1e-12 {
                    return it;
                }
                x = acc.next(&x, &gx);
            }
            usize::MAX
        };
        let picard = solve(0);
        let anderson = solve(n);
        assert!(picard > 100, "plain iteration {picard}");
        assert!(anderson <= n + 3, "Anderson({n}) took {anderson} iterations");
    }

    /// Weights sum to one: a linear invariant of G (here the sum of the entries) is kept.
    #[test]
    fn preserves_linear_invariants() {
        let g = |x: &[f64]| -> Vec<f64> {
            let mean = x.iter().sum::<f64>() / x.len() as f64;
            let cubic: Vec<f64> = x.iter().map(|v| 0.1 * (v - mean).powi(3)).collect();
            let cubic_mean = cubic.iter().sum::<f64>() / x.len() as f64;
            x.iter().zip(&cubic).map(|(v, c)| mean + 0.7 * (v - mean) + c - cubic_mean).collect()
        };
        let mut acc = Anderson::new(3);
        let mut x = vec![0.1, 0.9, 0.4, 0.6, 0.2];
        let total: f64 = x.iter().sum();
        for _ in 0..20 {
            let gx = g(&x);
            x = acc.next(&x, &gx);
            assert!((x.iter().sum::<f64>() - total).abs() < 1e-13);
        }
    }
}
