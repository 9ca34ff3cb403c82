//! Bounded Levenberg–Marquardt for small least-squares problems (at most [`MAX_PARAMS`]
//! parameters, any number of residuals).
//!
//! Design (why it looks like this):
//!
//! - **The problem hands over its normal equations**, not its Jacobian. A force curve has
//!   ~1000 residuals and 2–4 parameters; forming `JᵀJ` (p×p) and `Jᵀr` point by point in one
//!   pass needs no n×p Jacobian buffer, so an iteration allocates nothing and touches each data
//!   point once. [`NormalEquations`] is that interface; [`ResidualProblem`] adapts a classical
//!   "residual i and (optionally) its gradient" problem to it, with forward differences when no
//!   analytic gradient is given.
//! - **One pass per step.** Every trial point is evaluated together with its normal equations;
//!   on acceptance they are already there (rejections are rare once λ has settled).
//! - **Damping** after Marquardt (1963) with the scale-invariant diagonal `D = diag(JᵀJ)`
//!   (running maximum, as MINPACK's `lmder`), and Nielsen's λ update (H. B. Nielsen, "Damping
//!   parameter in Marquardt's method", IMM-REP-1999-05, Eq. 2.4): on success
//!   `λ ← λ·max(1/3, 1 − (2ρ − 1)³)`, on failure `λ ← λ·ν, ν ← 2ν`, with ρ the gain ratio
//!   (actual / predicted reduction of the sum of squares).
//! - **Bounds by projection**: the trial point is clamped into `[lower, upper]`; parameters
//!   sitting on a bound whose gradient pushes outward are frozen for that step (a one-step active
//!   set), so the other parameters still move freely.
//! - **Uncertainties** from the covariance `σ² (JᵀJ)⁻¹` with `σ² = SSR/(n − p)` at the solution
//!   (the usual asymptotic estimate, as lmfit/MINPACK report).
//!
//! All linear algebra is on fixed `[[f64; 8]; 8]` arrays (Cholesky).

// Index loops read like the matrix formulas they implement.
#![allow(clippy::needless_range_loop)]

/// Largest number of parameters [`minimize`] handles.
pub const MAX_PARAMS: usize = 8;

/// A p×p matrix in a fixed-size array; only the leading `n_params` rows/columns are used.
pub type Matrix = [[f64; MAX_PARAMS]; MAX_PARAMS];

/// A least-squares problem `min Σ rᵢ(p)²` that can form its normal equations.
pub trait NormalEquations {
    /// Number of parameters p (1..=[`MAX_PARAMS`]).
    fn n_params(&self) -> usize;
    /// Number of residuals n (for σ² = SSR/(n − p)).
    fn n_residuals(&self) -> usize;
    /// At `p`, fill `jtj` (the leading p×p block, both triangles) with `JᵀJ` and `jtr` with
    /// `Jᵀr` where `J = ∂r/∂p`, and return the sum of squared residuals. Return a non-finite
    /// value if the model cannot be evaluated at `p`.
    fn evaluate(&mut self, p: &[f64], jtj: &mut Matrix, jtr: &mut [f64; MAX_PARAMS]) -> f64;
}

/// A least-squares problem given residual by residual.
pub trait Residuals {
    fn n_params(&self) -> usize;
    fn n_residuals(&self) -> usize;
    /// Residual `i` at `p`.
    fn residual(&self, i: usize, p: &[f64]) -> f64;
    /// Analytic gradient `∂rᵢ/∂p` into `grad`; return `false` (the default) to let
    /// [`ResidualProblem`] use forward differences.
    fn gradient(&self, _i: usize, _p: &[f64], _grad: &mut [f64]) -> bool {
        false
    }
}

/// Adapts a [`Residuals`] problem to [`NormalEquations`] (analytic gradient if the problem
/// gives one, forward differences with step `√ε·max(|pⱼ|, 1)` otherwise).
pub struct ResidualProblem<'a, R: Residuals + ?Sized>(pub &'a R);

impl<R: Residuals + ?Sized> NormalEquations for ResidualProblem<'_, R> {
    fn n_params(&self) -> usize {
        self.0.n_params()
    }
    fn n_residuals(&self) -> usize {
        self.0.n_residuals()
    }
    fn evaluate(&mut self, p: &[f64], jtj: &mut Matrix, jtr: &mut [f64; MAX_PARAMS]) -> f64 {
        let np = p.len();
        clear(jtj, jtr, np);
        let mut g = [0.0; MAX_PARAMS];
        let mut pp = [0.0; MAX_PARAMS];
        pp[..np].copy_from_slice(p);
        let h_rel = f64::EPSILON.sqrt();
        let mut ssr = 0.0;
        for i in 0..self.0.n_residuals() {
            let r = self.0.residual(i, p);
            if !self.0.gradient(i, p, &mut g[..np]) {
                for j in 0..np {
                    let h = h_rel * p[j].abs().max(1.0);
                    pp[j] = p[j] + h;
                    g[j] = (self.0.residual(i, &pp[..np]) - r) / h;
                    pp[j] = p[j];
                }
            }
            accumulate(jtj, jtr, &g, r, np);
            ssr += r * r;
        }
        symmetrize(jtj, np);
        ssr
    }
}

/// Zero the leading blocks.
#[inline]
pub fn clear(jtj: &mut Matrix, jtr: &mut [f64; MAX_PARAMS], np: usize) {
    for row in jtj.iter_mut().take(np) {
        row[..np].fill(0.0);
    }
    jtr[..np].fill(0.0);
}

/// Add one residual `r` with gradient `g` to the upper triangle of `JᵀJ` and to `Jᵀr`.
#[inline(always)]
pub fn accumulate(jtj: &mut Matrix, jtr: &mut [f64; MAX_PARAMS], g: &[f64; MAX_PARAMS], r: f64, np: usize) {
    for a in 0..np {
        let ga = g[a];
        jtr[a] += ga * r;
        for b in a..np {
            jtj[a][b] += ga * g[b];
        }
    }
}

/// Copy the upper triangle into the lower one.
#[inline]
pub fn symmetrize(jtj: &mut Matrix, np: usize) {
    for a in 0..np {
        for b in 0..a {
            jtj[a][b] = jtj[b][a];
        }
    }
}

/// Stopping rules and limits.
#[derive(Debug, Clone, Copy)]
pub struct LmConfig {
    /// Maximum number of steps (each step = one evaluation of the normal equations).
    pub max_iterations: usize,
    /// Converged when an accepted step reduces the sum of squares by less than this fraction
    /// and the model predicted no more (MINPACK `ftol`).
    pub ftol: f64,
    /// Converged when the step is below `xtol·(|p| + xtol)` in every parameter (MINPACK `xtol`).
    pub xtol: f64,
    /// Converged when the cosine between residual vector and every Jacobian column is below
    /// this (MINPACK `gtol`).
    pub gtol: f64,
    /// Initial damping λ (relative to the diagonal of `JᵀJ`).
    pub initial_lambda: f64,
}

impl Default for LmConfig {
    fn default() -> Self {
        LmConfig { max_iterations: 200, ftol: 1e-10, xtol: 1e-10, gtol: 1e-10, initial_lambda: 1e-3 }
    }
}

/// Why [`minimize`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Relative reduction of the sum of squares below `ftol`.
    SmallReduction,
    /// Step below `xtol`.
    SmallStep,
    /// Gradient orthogonal to the residuals within `gtol` (includes a perfect fit, SSR = 0).
    SmallGradient,
    /// λ grew without finding a lower sum of squares: the minimum within machine precision.
    NoFurtherReduction,
    /// `max_iterations` reached.
    MaxIterations,
    /// The model returned a non-finite value at the starting point.
    NonFiniteStart,
    /// Invalid problem size (0 or more than [`MAX_PARAMS`] parameters, bounds length).
    InvalidProblem,
}

impl StopReason {
    /// Whether the reason counts as convergence.
    pub fn converged(self) -> bool {
        matches!(
            self,
            StopReason::SmallReduction
                | StopReason::SmallStep
                | StopReason::SmallGradient
                | StopReason::NoFurtherReduction
        )
    }
}

/// Outcome of [`minimize`]. Arrays hold `n_params` meaningful leading entries.
#[derive(Debug, Clone, Copy)]
pub struct LmResult {
    pub n_params: usize,
    pub params: [f64; MAX_PARAMS],
    /// Standard errors √diag(σ² (JᵀJ)⁻¹); NaN if `JᵀJ` is singular or n ≤ p.
    pub stderr: [f64; MAX_PARAMS],
    /// Covariance σ² (JᵀJ)⁻¹ (NaN if singular).
    pub covariance: Matrix,
    /// Sum of squared residuals at `params`.
    pub ssr: f64,
    /// Steps taken (= evaluations of the normal equations after the first).
    pub iterations: usize,
    pub converged: bool,
    pub reason: StopReason,
}

impl LmResult {
    pub fn params(&self) -> &[f64] {
        &self.params[..self.n_params]
    }
    pub fn stderr(&self) -> &[f64] {
        &self.stderr[..self.n_params]
    }
}

/// Minimise `Σ rᵢ²` from `p0` within `[lower, upper]` (use ±∞ for unbounded).
pub fn minimize<P: NormalEquations + ?Sized>(
    problem: &mut P,
    p0: &[f64],
    lower: &[f64],
    upper: &[f64],
    cfg: &LmConfig,
) -> LmResult {
    let np = problem.n_params();
    let mut res = LmResult {
        n_params: np.min(MAX_PARAMS),
        params: [f64::NAN; MAX_PARAMS],
        stderr: [f64::NAN; MAX_PARAMS],
        covariance: [[f64::NAN; MAX_PARAMS]; MAX_PARAMS],
        ssr: f64::NAN,
        iterations: 0,
        converged: false,
        reason: StopReason::InvalidProblem,
    };
    if np == 0 || np > MAX_PARAMS || p0.len() != np || lower.len() != np || upper.len() != np {
        return res;
    }
    let mut p = [0.0; MAX_PARAMS];
    for j in 0..np {
        p[j] = p0[j].clamp(lower[j], upper[j]);
    }
    res.params = p;

    let mut jtj: Matrix = [[0.0; MAX_PARAMS]; MAX_PARAMS];
    let mut jtr = [0.0; MAX_PARAMS];
    let mut ssr = problem.evaluate(&p[..np], &mut jtj, &mut jtr);
    res.ssr = ssr;
    if !ssr.is_finite() || !all_finite(&jtj, &jtr, np) {
        res.reason = StopReason::NonFiniteStart;
        return res;
    }

    let mut diag = [0.0f64; MAX_PARAMS];
    let mut lambda = cfg.initial_lambda;
    let mut nu = 2.0;
    let mut trial_jtj: Matrix = [[0.0; MAX_PARAMS]; MAX_PARAMS];
    let mut trial_jtr = [0.0; MAX_PARAMS];
    let mut reason = StopReason::MaxIterations;

    'outer: while res.iterations < cfg.max_iterations {
        if ssr == 0.0 || gradient_cosine(&jtj, &jtr, ssr, np) <= cfg.gtol {
            reason = StopReason::SmallGradient;
            break;
        }
        for j in 0..np {
            diag[j] = diag[j].max(jtj[j][j]);
        }
        // Freeze parameters on a bound whose descent direction (−Jᵀr) points outward.
        let mut frozen = [false; MAX_PARAMS];
        for j in 0..np {
            frozen[j] = (p[j] <= lower[j] && jtr[j] > 0.0) || (p[j] >= upper[j] && jtr[j] < 0.0);
        }
        // Inner loop: raise λ until a step lowers the sum of squares.
        loop {
            if res.iterations >= cfg.max_iterations {
                break 'outer;
            }
            let mut a: Matrix = [[0.0; MAX_PARAMS]; MAX_PARAMS];
            let mut rhs = [0.0; MAX_PARAMS];
            for i in 0..np {
                for k in 0..np {
                    a[i][k] = if frozen[i] || frozen[k] { 0.0 } else { jtj[i][k] };
                }
                if frozen[i] {
                    a[i][i] = 1.0;
                } else {
                    a[i][i] += lambda * diag[i].max(f64::MIN_POSITIVE);
                    rhs[i] = -jtr[i];
                }
            }
            let mut step = [0.0; MAX_PARAMS];
            let solved = cholesky_solve(&mut a, &rhs, &mut step, np);
            if !solved {
                lambda *= nu;
                nu *= 2.0;
                if lambda > 1e20 {
                    reason = StopReason::NoFurtherReduction;
                    break 'outer;
                }
                continue;
            }
            // Project the trial point into the bounds; use the step actually taken.
            let mut trial = p;
            let mut small_step = true;
            for j in 0..np {
                trial[j] = (p[j] + step[j]).clamp(lower[j], upper[j]);
                step[j] = trial[j] - p[j];
                if step[j].abs() > cfg.xtol * (p[j].abs() + cfg.xtol) {
                    small_step = false;
                }
            }
            // Predicted reduction of the quadratic model: −(2 gᵀs + sᵀ JᵀJ s).
            let mut pred = 0.0;
            for a_ in 0..np {
                let mut hs = 0.0;
                for b in 0..np {
                    hs += jtj[a_][b] * step[b];
                }
                pred -= 2.0 * jtr[a_] * step[a_] + step[a_] * hs;
            }
            res.iterations += 1;
            let trial_ssr = problem.evaluate(&trial[..np], &mut trial_jtj, &mut trial_jtr);
            let ok = trial_ssr.is_finite() && all_finite(&trial_jtj, &trial_jtr, np);
            if ok && trial_ssr < ssr {
                let actual = ssr - trial_ssr;
                let rho = if pred > 0.0 { actual / pred } else { 1.0 };
                lambda *= (1.0f64 / 3.0).max(1.0 - (2.0 * rho - 1.0).powi(3));
                nu = 2.0;
                let rel_actual = actual / ssr;
                let rel_pred = pred / ssr;
                p = trial;
                ssr = trial_ssr;
                jtj = trial_jtj;
                jtr = trial_jtr;
                if rel_actual <= cfg.ftol && rel_pred.abs() <= cfg.ftol {
                    reason = StopReason::SmallReduction;
                    break 'outer;
                }
                if small_step {
                    reason = StopReason::SmallStep;
                    break 'outer;
                }
                break;
            }
            if small_step {
                // A step this small no longer changes the sum of squares: we are at the
                // minimum within the resolution of the parameters.
                reason = StopReason::SmallStep;
                break 'outer;
            }
            lambda *= nu;
            nu *= 2.0;
            if lambda > 1e20 {
                reason = StopReason::NoFurtherReduction;
                break 'outer;
            }
        }
    }

    res.params = p;
    res.ssr = ssr;
    res.reason = reason;
    res.converged = reason.converged();
    // Covariance σ² (JᵀJ)⁻¹ at the solution.
    let n = problem.n_residuals();
    let mut inv: Matrix = [[f64::NAN; MAX_PARAMS]; MAX_PARAMS];
    if n > np && invert_spd(&jtj, &mut inv, np) {
        let s2 = ssr / (n - np) as f64;
        for a in 0..np {
            for b in 0..np {
                res.covariance[a][b] = s2 * inv[a][b];
            }
            res.stderr[a] = res.covariance[a][a].max(0.0).sqrt();
        }
    }
    res
}

fn all_finite(jtj: &Matrix, jtr: &[f64; MAX_PARAMS], np: usize) -> bool {
    (0..np).all(|a| jtr[a].is_finite() && (0..np).all(|b| jtj[a][b].is_finite()))
}

/// max_j |(Jᵀr)_j| / (‖J_j‖ ‖r‖), the MINPACK gradient test.
fn gradient_cosine(jtj: &Matrix, jtr: &[f64; MAX_PARAMS], ssr: f64, np: usize) -> f64 {
    let mut m: f64 = 0.0;
    for j in 0..np {
        let d = jtj[j][j];
        if d > 0.0 {
            m = m.max(jtr[j].abs() / (d * ssr).sqrt());
        }
    }
    m
}

/// In-place Cholesky `A = LLᵀ` (lower triangle of `a` overwritten by L) and solve `A x = b`.
/// Returns false if A is not numerically positive definite.
pub fn cholesky_solve(a: &mut Matrix, b: &[f64; MAX_PARAMS], x: &mut [f64; MAX_PARAMS], n: usize) -> bool {
    if !cholesky(a, n) {
        return false;
    }
    // Forward: L y = b.
    let mut y = [0.0; MAX_PARAMS];
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i][k] * y[k];
        }
        y[i] = s / a[i][i];
    }
    // Backward: Lᵀ x = y.
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= a[k][i] * x[k];
        }
        x[i] = s / a[i][i];
    }
    (0..n).all(|i| x[i].is_finite())
}

fn cholesky(a: &mut Matrix, n: usize) -> bool {
    // Relative pivot floor: a pivot this small relative to its diagonal means rank deficiency.
    for j in 0..n {
        let orig = a[j][j];
        let mut d = orig;
        for k in 0..j {
            d -= a[j][k] * a[j][k];
        }
        if !(d > orig.abs() * 1e-14 && d > 0.0) {
            return false;
        }
        let l = d.sqrt();
        a[j][j] = l;
        for i in j + 1..n {
            let mut s = a[i][j];
            for k in 0..j {
                s -= a[i][k] * a[j][k];
            }
            a[i][j] = s / l;
        }
    }
    true
}

/// Inverse of a symmetric positive-definite matrix via Cholesky. False if singular.
pub fn invert_spd(m: &Matrix, inv: &mut Matrix, n: usize) -> bool {
    let mut a = *m;
    if !cholesky(&mut a, n) {
        return false;
    }
    for col in 0..n {
        let mut e = [0.0; MAX_PARAMS];
        e[col] = 1.0;
        let mut y = [0.0; MAX_PARAMS];
        for i in 0..n {
            let mut s = e[i];
            for k in 0..i {
                s -= a[i][k] * y[k];
            }
            y[i] = s / a[i][i];
        }
        let mut x = [0.0; MAX_PARAMS];
        for i in (0..n).rev() {
            let mut s = y[i];
            for k in i + 1..n {
                s -= a[k][i] * x[k];
            }
            x[i] = s / a[i][i];
        }
        for i in 0..n {
            inv[i][col] = x[i];
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = A exp(−t/τ) + c sampled without noise: LM must recover the parameters to 1e-8.
    struct Decay {
        t: Vec<f64>,
        y: Vec<f64>,
        analytic: bool,
    }

    impl Residuals for Decay {
        fn n_params(&self) -> usize {
            3
        }
        fn n_residuals(&self) -> usize {
            self.t.len()
        }
        fn residual(&self, i: usize, p: &[f64]) -> f64 {
            p[0] * (-self.t[i] / p[1]).exp() + p[2] - self.y[i]
        }
        fn gradient(&self, i: usize, p: &[f64], g: &mut [f64]) -> bool {
            if !self.analytic {
                return false;
            }
            let e = (-self.t[i] / p[1]).exp();
            g[0] = e;
            g[1] = p[0] * e * self.t[i] / (p[1] * p[1]);
            g[2] = 1.0;
            true
        }
    }

    fn decay(analytic: bool) -> Decay {
        let t: Vec<f64> = (0..50).map(|i| i as f64 * 0.2).collect();
        let y = t.iter().map(|&t| 2.5 * (-t / 1.7).exp() + 0.3).collect();
        Decay { t, y, analytic }
    }

    #[test]
    fn exponential_decay_analytic_and_forward_difference() {
        for analytic in [true, false] {
            let d = decay(analytic);
            let inf = f64::INFINITY;
            let r = minimize(
                &mut ResidualProblem(&d),
                &[1.0, 0.5, 0.0],
                &[0.0, 1e-3, -inf],
                &[inf; 3],
                &LmConfig::default(),
            );
            assert!(r.converged, "{:?}", r.reason);
            let want = [2.5, 1.7, 0.3];
            for j in 0..3 {
                assert!((r.params[j] - want[j]).abs() < 1e-7, "analytic={analytic} p{j} = {}", r.params[j]);
            }
            assert!(r.ssr < 1e-20, "ssr {}", r.ssr);
            assert!(r.iterations < 60, "iterations {}", r.iterations);
        }
    }

    /// Rosenbrock as least squares: r = (10(y − x²), 1 − x), minimum (1, 1).
    struct Rosen;
    impl Residuals for Rosen {
        fn n_params(&self) -> usize {
            2
        }
        fn n_residuals(&self) -> usize {
            2
        }
        fn residual(&self, i: usize, p: &[f64]) -> f64 {
            if i == 0 { 10.0 * (p[1] - p[0] * p[0]) } else { 1.0 - p[0] }
        }
    }

    #[test]
    fn rosenbrock_from_classic_start() {
        let inf = f64::INFINITY;
        let r = minimize(&mut ResidualProblem(&Rosen), &[-1.2, 1.0], &[-inf; 2], &[inf; 2], &LmConfig::default());
        assert!(r.converged, "{:?}", r.reason);
        assert!((r.params[0] - 1.0).abs() < 1e-8 && (r.params[1] - 1.0).abs() < 1e-8, "{:?}", r.params());
    }

    #[test]
    fn bound_is_respected_and_active() {
        // Constrain x ≤ 0.5: the constrained Rosenbrock minimum is x = 0.5, y = 0.25.
        let r =
            minimize(&mut ResidualProblem(&Rosen), &[-1.2, 1.0], &[-10.0, -10.0], &[0.5, 10.0], &LmConfig::default());
        assert!(r.converged, "{:?}", r.reason);
        assert!((r.params[0] - 0.5).abs() < 1e-12, "x = {}", r.params[0]);
        assert!((r.params[1] - 0.25).abs() < 1e-8, "y = {}", r.params[1]);
    }

    /// Straight line y = a + b t with known σ: the LM standard errors must equal the
    /// closed-form OLS ones, σ̂²·(XᵀX)⁻¹.
    struct Line {
        t: Vec<f64>,
        y: Vec<f64>,
    }
    impl Residuals for Line {
        fn n_params(&self) -> usize {
            2
        }
        fn n_residuals(&self) -> usize {
            self.t.len()
        }
        fn residual(&self, i: usize, p: &[f64]) -> f64 {
            p[0] + p[1] * self.t[i] - self.y[i]
        }
    }

    #[test]
    fn standard_errors_match_ordinary_least_squares() {
        let t: Vec<f64> = (0..20).map(|i| i as f64).collect();
        // Deterministic "noise" pattern.
        let y: Vec<f64> =
            t.iter().enumerate().map(|(i, &t)| 1.0 + 0.5 * t + 0.1 * ((i * 7 % 5) as f64 - 2.0)).collect();
        let n = t.len() as f64;
        let (st, stt) = (t.iter().sum::<f64>(), t.iter().map(|t| t * t).sum::<f64>());
        let (sy, sty) = (y.iter().sum::<f64>(), t.iter().zip(&y).map(|(t, y)| t * y).sum::<f64>());
        let det = n * stt - st * st;
        let b = (n * sty - st * sy) / det;
        let a = (sy - b * st) / n;
        let ssr: f64 = t.iter().zip(&y).map(|(t, y)| (a + b * t - y).powi(2)).sum();
        let s2 = ssr / (n - 2.0);
        let (se_a, se_b) = ((s2 * stt / det).sqrt(), (s2 * n / det).sqrt());
        let l = Line { t, y };
        let inf = f64::INFINITY;
        let r = minimize(&mut ResidualProblem(&l), &[0.0, 0.0], &[-inf; 2], &[inf; 2], &LmConfig::default());
        assert!(r.converged);
        assert!((r.params[0] - a).abs() < 1e-9 && (r.params[1] - b).abs() < 1e-10);
        assert!((r.stderr[0] / se_a - 1.0).abs() < 1e-6, "{} vs {se_a}", r.stderr[0]);
        assert!((r.stderr[1] / se_b - 1.0).abs() < 1e-6, "{} vs {se_b}", r.stderr[1]);
    }

    #[test]
    fn invalid_sizes_are_reported_not_panicked() {
        let r = minimize(&mut ResidualProblem(&Rosen), &[0.0], &[0.0], &[1.0], &LmConfig::default());
        assert_eq!(r.reason, StopReason::InvalidProblem);
        assert!(!r.converged);
    }
}
