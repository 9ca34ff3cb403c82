//! Fitting a contact model to one force curve.
//!
//! Convention (as nanite): `x` is the tip position (or piezo height), increasing away from the
//! sample; the indentation is `δ = x_c − x` and the fitted curve is
//! `F(x) = F_model(max(δ, 0)) + baseline`. The fitted parameters are the model's own (spec
//! order) followed by the contact point `x_c` (m) and the baseline force (N); any of them can be
//! fixed by key (`"contact_point"`, `"baseline"`, or a model key such as `"modulus"`).
//!
//! How it is fast (≈ µs per curve, see `examples/fit_speed.rs`): the least-squares problem hands
//! its normal equations to [`crate::numerics::lm`] in one pass over the points, with the models'
//! analytic derivatives ([`ContactModel::force_with_gradient`]); points out of contact share one
//! model evaluation; parameters are scaled internally (E by its start value, x_c by the x span,
//! the baseline by the force span) so that the 1e3..1e11 Pa and 1e-5 m magnitudes never meet in
//! one matrix. Nothing is allocated per iteration; `fit_curve` allocates only its result.

use crate::nanomech::models::{ContactModel, Tip};
use crate::numerics::lm::{self, LmConfig, MAX_PARAMS, Matrix, NormalEquations};

/// Key of the fitted contact point in [`FitResult::keys`] and [`FitOptions::fixed`].
pub const CONTACT_POINT: &str = "contact_point";
/// Key of the fitted baseline force.
pub const BASELINE: &str = "baseline";

/// What to fit and from where.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Initial model parameters in spec order; empty = spec defaults, with the modulus rescaled
    /// to the data (one linear least-squares pass) unless it is fixed.
    pub init: Vec<f64>,
    /// Initial contact point x_c (m); NaN = guess from the data (where the force first rises
    /// above the baseline noise, coming from the far end of the curve).
    pub contact_point_m: f64,
    /// Initial baseline force (N); NaN = median force over the 25 % of points farthest from the
    /// sample (minus the model's force at δ = 0 for adhesive models).
    pub baseline_n: f64,
    /// Keys held at their initial value: model parameter keys, `"contact_point"`, `"baseline"`.
    pub fixed: Vec<String>,
    /// Maximum Levenberg–Marquardt steps.
    pub max_iterations: usize,
    /// Contact-point weighting distance d (m), as nanite's `weight_cp`: every residual is
    /// multiplied by w = min(|x − x_c| / d, 1), so points near the contact point, where real
    /// curves deviate from any contact model, count less (nanite `residuals.py`,
    /// `compute_contact_point_weights`). `None` or 0 = unweighted (nanite `weight_cp=False`).
    pub weight_cp_m: Option<f64>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            init: Vec::new(),
            contact_point_m: f64::NAN,
            baseline_n: f64::NAN,
            fixed: Vec::new(),
            max_iterations: 200,
            weight_cp_m: None,
        }
    }
}

/// A fitted curve: every parameter (model params, contact point, baseline) with its standard
/// error (`σ²(JᵀJ)⁻¹`, σ² = SSR/(n − p); NaN for fixed parameters or a singular fit).
#[derive(Debug, Clone, PartialEq)]
pub struct FitResult {
    pub model: &'static str,
    pub keys: Vec<&'static str>,
    pub units: Vec<&'static str>,
    pub values: Vec<f64>,
    pub stderr: Vec<f64>,
    /// Coefficient of determination of the fit over all points.
    pub r2: f64,
    /// Root-mean-square residual (N).
    pub rms_n: f64,
    pub n_points: usize,
    pub iterations: usize,
    pub converged: bool,
}

impl FitResult {
    /// Value of the parameter `key` (`"modulus"`, `"contact_point"`, ...).
    pub fn get(&self, key: &str) -> Option<f64> {
        self.keys.iter().position(|k| *k == key).map(|i| self.values[i])
    }
    /// Standard error of the parameter `key`.
    pub fn stderr_of(&self, key: &str) -> Option<f64> {
        self.keys.iter().position(|k| *k == key).map(|i| self.stderr[i])
    }
    /// Young's modulus E of the sample (the first model parameter, Pa).
    pub fn modulus_pa(&self) -> f64 {
        self.values.first().copied().unwrap_or(f64::NAN)
    }
    pub fn contact_point_m(&self) -> f64 {
        self.get(CONTACT_POINT).unwrap_or(f64::NAN)
    }
    pub fn baseline_n(&self) -> f64 {
        self.get(BASELINE).unwrap_or(f64::NAN)
    }
}

/// Why a curve could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("curve has {x} position values but {force} force values")]
    LengthMismatch { x: usize, force: usize },
    #[error("too few points to fit: {n}, need at least {need} (free parameters + 1)")]
    TooFewPoints { n: usize, need: usize },
    #[error("non-finite data at point {index} (x = {x}, F = {force})")]
    NonFiniteData { index: usize, x: f64, force: f64 },
    #[error("all positions are equal: the x axis spans nothing")]
    DegenerateAxis,
    #[error("model {model}: expected {expected} initial values ({keys}), got {got}")]
    InitLength { model: &'static str, expected: usize, got: usize, keys: String },
    #[error("model {model}: unknown parameter key {key:?} in `fixed`, expected one of {keys}")]
    UnknownKey { model: &'static str, key: String, keys: String },
    #[error("model {model}: non-finite initial value for {key}")]
    NonFiniteInit { model: &'static str, key: &'static str },
    #[error("model {model}: every parameter is fixed, nothing to fit")]
    NoFreeParameters { model: &'static str },
    #[error("model {model}: {n} parameters, the fitter handles at most {max}")]
    TooManyParameters { model: &'static str, n: usize, max: usize },
    #[error("model {model}: fit failed ({reason})")]
    NoConvergence { model: &'static str, reason: String },
}

/// `F(x) = F_model(max(x_c − x, 0)) + baseline` for `values` = model params, x_c, baseline.
pub fn model_force(model: &dyn ContactModel, tip: &Tip, values: &[f64], x_m: f64) -> f64 {
    let nm = model.spec().params.len();
    if values.len() < nm + 2 {
        return f64::NAN;
    }
    let delta = (values[nm] - x_m).max(0.0);
    model.force(delta, &values[..nm], tip) + values[nm + 1]
}

/// The least-squares problem of one curve in scaled coordinates `u`:
/// `value[k] = offset[k] + scale[k]·u`, for the free parameters only.
struct CurveProblem<'a> {
    model: &'a dyn ContactModel,
    tip: &'a Tip,
    x: &'a [f64],
    f: &'a [f64],
    /// Number of model parameters (values = model params, x_c, baseline).
    nm: usize,
    /// Start values of all parameters (fixed ones stay there).
    v0: [f64; MAX_PARAMS + 2],
    offset: [f64; MAX_PARAMS + 2],
    scale: [f64; MAX_PARAMS + 2],
    /// Indices (into values) of the free parameters.
    free: [usize; MAX_PARAMS],
    n_free: usize,
    /// Per-curve scratch (allocated once in `fit_curve`, reused by every iteration): the
    /// in-contact indentations and forces, and the model's batch outputs.
    delta: Vec<f64>,
    y: Vec<f64>,
    fm: Vec<f64>,
    dfd: Vec<f64>,
    grad: Vec<f64>,
    /// Contact-point weighting distance (m), if any.
    weight_cp: Option<f64>,
}

impl CurveProblem<'_> {
    /// Collect the in-contact points (δ = x_c − x > 0, in data order) into the scratch
    /// buffers and evaluate the model on them in one batch; every out-of-contact force goes
    /// to `out_of_contact`. Returns the number of points in contact.
    fn gather_contact(&mut self, xc: f64, params: &[f64], mut out_of_contact: impl FnMut(f64)) -> usize {
        let nm = self.nm;
        let mut m = 0;
        for (&x, &y) in self.x.iter().zip(self.f) {
            let delta = xc - x;
            if delta > 0.0 {
                self.delta[m] = delta;
                self.y[m] = y;
                m += 1;
            } else {
                out_of_contact(y);
            }
        }
        self.model.force_with_gradient_batch(
            &self.delta[..m],
            params,
            self.tip,
            &mut self.fm[..m],
            &mut self.dfd[..m],
            &mut self.grad[..m * nm],
        );
        m
    }

    fn values(&self, u: &[f64]) -> [f64; MAX_PARAMS + 2] {
        let mut v = self.v0;
        for (k, &i) in self.free[..self.n_free].iter().enumerate() {
            v[i] = self.offset[i] + self.scale[i] * u[k];
        }
        v
    }
}

impl NormalEquations for CurveProblem<'_> {
    fn n_params(&self) -> usize {
        self.n_free
    }
    fn n_residuals(&self) -> usize {
        self.x.len()
    }
    fn evaluate(&mut self, u: &[f64], jtj: &mut Matrix, jtr: &mut [f64; MAX_PARAMS]) -> f64 {
        if let Some(d) = self.weight_cp {
            return self.evaluate_weighted(u, jtj, jtr, d);
        }
        // Monomorphised for the usual sizes so the per-point accumulation lives in registers.
        match self.n_free {
            1 => self.evaluate_n::<1>(u, jtj, jtr),
            2 => self.evaluate_n::<2>(u, jtj, jtr),
            3 => self.evaluate_n::<3>(u, jtj, jtr),
            4 => self.evaluate_n::<4>(u, jtj, jtr),
            5 => self.evaluate_n::<5>(u, jtj, jtr),
            6 => self.evaluate_n::<6>(u, jtj, jtr),
            7 => self.evaluate_n::<7>(u, jtj, jtr),
            _ => self.evaluate_n::<8>(u, jtj, jtr),
        }
    }
}

impl CurveProblem<'_> {
    /// `JᵀJ`, `Jᵀr` and the sum of squares for `NF` free parameters: one pass to split the points
    /// into out-of-contact (δ ≤ 0: common model value and gradient, only Σr and Σr² needed) and
    /// in-contact ones, one batch model evaluation, one accumulation pass.
    fn evaluate_n<const NF: usize>(&mut self, u: &[f64], jtj: &mut Matrix, jtr: &mut [f64; MAX_PARAMS]) -> f64 {
        let nm = self.nm;
        let v = self.values(u);
        let params = &v[..nm];
        let (xc, base) = (v[nm], v[nm + 1]);
        let mut idx = [0usize; NF];
        let mut sc = [0.0; NF];
        for k in 0..NF {
            idx[k] = self.free[k];
            sc[k] = self.scale[self.free[k]];
        }
        // Full gradient layout: [∂F/∂params..., ∂F/∂x_c, ∂F/∂baseline].
        let mut full = [0.0; MAX_PARAMS + 2];
        let (f0, _) = self.model.force_with_gradient(0.0, params, self.tip, &mut full[..nm]);
        full[nm] = 0.0;
        full[nm + 1] = 1.0;
        let mut g0 = [0.0; NF];
        for k in 0..NF {
            g0[k] = full[idx[k]] * sc[k];
        }
        let off0 = f0 + base;
        let (mut n0, mut sr0, mut ssr0) = (0usize, 0.0, 0.0);
        let m = self.gather_contact(xc, params, |y| {
            let r = off0 - y;
            n0 += 1;
            sr0 += r;
            ssr0 += r * r;
        });
        let mut a = [[0.0; NF]; NF];
        let mut b = [0.0; NF];
        let mut ssr = 0.0;
        for i in 0..m {
            full[..nm].copy_from_slice(&self.grad[i * nm..(i + 1) * nm]);
            full[nm] = self.dfd[i];
            let mut g = [0.0; NF];
            for k in 0..NF {
                g[k] = full[idx[k]] * sc[k];
            }
            let r = self.fm[i] + base - self.y[i];
            for p in 0..NF {
                b[p] += g[p] * r;
                for q in p..NF {
                    a[p][q] += g[p] * g[q];
                }
            }
            ssr += r * r;
        }
        let n0 = n0 as f64;
        for p in 0..NF {
            jtr[p] = b[p] + g0[p] * sr0;
            for q in p..NF {
                jtj[p][q] = a[p][q] + n0 * g0[p] * g0[q];
                jtj[q][p] = jtj[p][q];
            }
        }
        ssr + ssr0
    }
}

impl CurveProblem<'_> {
    /// The normal equations of the contact-point-weighted residuals ρᵢ = wᵢ rᵢ with
    /// wᵢ = min(|δᵢ|/d, 1), δᵢ = x_c − xᵢ. The weight moves with x_c, so
    /// ∂ρᵢ/∂x_c = wᵢ ∂rᵢ/∂x_c + rᵢ sign(δᵢ)/d inside the weighting band (nanite lets lmfit take
    /// the same derivative by finite differences).
    fn evaluate_weighted(&mut self, u: &[f64], jtj: &mut Matrix, jtr: &mut [f64; MAX_PARAMS], d: f64) -> f64 {
        let nm = self.nm;
        let nf = self.n_free;
        let v = self.values(u);
        let params = &v[..nm];
        let (xc, base) = (v[nm], v[nm + 1]);
        self.gather_contact(xc, params, |_| {});
        let mut out_of_contact = [0.0; MAX_PARAMS + 2];
        let (f0, _) = self.model.force_with_gradient(0.0, params, self.tip, &mut out_of_contact[..nm]);
        out_of_contact[nm + 1] = 1.0;
        for row in jtj.iter_mut().take(nf) {
            row[..nf].iter_mut().for_each(|v| *v = 0.0);
        }
        jtr[..nf].iter_mut().for_each(|v| *v = 0.0);
        let mut ssr = 0.0;
        let mut i_contact = 0;
        let mut full = [0.0; MAX_PARAMS + 2];
        for (&x, &y) in self.x.iter().zip(self.f) {
            let delta = xc - x;
            let f = if delta > 0.0 {
                full[..nm].copy_from_slice(&self.grad[i_contact * nm..(i_contact + 1) * nm]);
                full[nm] = self.dfd[i_contact];
                full[nm + 1] = 1.0;
                i_contact += 1;
                self.fm[i_contact - 1]
            } else {
                full = out_of_contact;
                f0
            };
            let r = f + base - y;
            let a = delta.abs() / d;
            let (w, dw_dxc) = if a < 1.0 { (a, delta.signum() / d) } else { (1.0, 0.0) };
            let mut g = [0.0; MAX_PARAMS];
            for (k, gk) in g.iter_mut().enumerate().take(nf) {
                let i = self.free[k];
                let mut dv = w * full[i];
                if i == nm {
                    dv += r * dw_dxc;
                }
                *gk = dv * self.scale[i];
            }
            let rw = w * r;
            for p in 0..nf {
                jtr[p] += g[p] * rw;
                for q in p..nf {
                    jtj[p][q] += g[p] * g[q];
                }
            }
            ssr += rw * rw;
        }
        // Mirror the upper triangle (a transpose copy: index loops are the clear form).
        #[allow(clippy::needless_range_loop)]
        for p in 1..nf {
            for q in 0..p {
                jtj[p][q] = jtj[q][p];
            }
        }
        ssr
    }
}

/// Fit `model` to the curve `(x_m, force_n)` (any order of points).
pub fn fit_curve(
    model: &dyn ContactModel,
    tip: &Tip,
    x_m: &[f64],
    force_n: &[f64],
    opts: &FitOptions,
) -> Result<FitResult, FitError> {
    let spec = model.spec();
    let name = spec.key;
    let nm = spec.params.len();
    let n_total = nm + 2;
    if n_total > MAX_PARAMS + 2 || nm > MAX_PARAMS {
        return Err(FitError::TooManyParameters { model: name, n: n_total, max: MAX_PARAMS });
    }
    let n = x_m.len();
    if force_n.len() != n {
        return Err(FitError::LengthMismatch { x: n, force: force_n.len() });
    }
    if let Some(i) = (0..n).find(|&i| !x_m[i].is_finite() || !force_n[i].is_finite()) {
        return Err(FitError::NonFiniteData { index: i, x: x_m[i], force: force_n[i] });
    }
    let keys: Vec<&'static str> = spec.params.iter().map(|p| p.key).chain([CONTACT_POINT, BASELINE]).collect();
    let units: Vec<&'static str> = spec.params.iter().map(|p| p.unit).chain(["m", "N"]).collect();
    let key_list = || keys.join(", ");
    if !opts.init.is_empty() && opts.init.len() != nm {
        return Err(FitError::InitLength { model: name, expected: nm, got: opts.init.len(), keys: key_list() });
    }
    let mut is_fixed = [false; MAX_PARAMS + 2];
    for k in &opts.fixed {
        match keys.iter().position(|key| key == k) {
            Some(i) => is_fixed[i] = true,
            None => return Err(FitError::UnknownKey { model: name, key: k.clone(), keys: key_list() }),
        }
    }
    let n_free = is_fixed[..n_total].iter().filter(|f| !**f).count();
    if n_free == 0 {
        return Err(FitError::NoFreeParameters { model: name });
    }
    if n_free > MAX_PARAMS {
        return Err(FitError::TooManyParameters { model: name, n: n_free, max: MAX_PARAMS });
    }
    if n <= n_free {
        return Err(FitError::TooFewPoints { n, need: n_free + 1 });
    }

    // Data ranges for scaling and start values.
    let (mut x_min, mut x_max, mut f_min, mut f_max) =
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for (&x, &f) in x_m.iter().zip(force_n) {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        f_min = f_min.min(f);
        f_max = f_max.max(f);
    }
    let x_span = x_max - x_min;
    // (NaN spans are impossible here: all x are finite.)
    if x_span <= 0.0 {
        return Err(FitError::DegenerateAxis);
    }
    let f_span = if f_max > f_min { f_max - f_min } else { f_max.abs().max(1e-12) };

    // Start values.
    let mut v0 = [0.0; MAX_PARAMS + 2];
    for (j, p) in spec.params.iter().enumerate() {
        v0[j] = if opts.init.is_empty() { p.default } else { opts.init[j] };
    }
    let far = far_baseline(x_m, force_n, x_max - 0.25 * x_span);
    let cp0 = if opts.contact_point_m.is_finite() {
        opts.contact_point_m
    } else {
        guess_contact_point(x_m, force_n, far, f_max)
    };
    v0[nm] = cp0;
    let b_given = opts.baseline_n.is_finite();
    let mut scratch = [0.0; MAX_PARAMS];
    let adhesive_offset = |v: &[f64; MAX_PARAMS + 2], s: &mut [f64; MAX_PARAMS]| -> f64 {
        let f0 = model.force_with_gradient(0.0, &v[..nm], tip, &mut s[..nm]).0;
        if f0.is_finite() { f0 } else { 0.0 }
    };
    v0[nm + 1] = if b_given { opts.baseline_n } else { far - adhesive_offset(&v0, &mut scratch) };
    // Per-curve scratch, reused by the start-value pass and every LM iteration.
    let mut delta = vec![0.0; n];
    let mut y = vec![0.0; n];
    let mut fm = vec![0.0; n];
    let mut dfd = vec![0.0; n];
    let mut grad = vec![0.0; n * nm];
    // Rescale the modulus to the data when no start was given: F − F(0) is proportional to E* for
    // every model here (exactly, or nearly for JKR), so one linear least-squares pass gives it.
    if opts.init.is_empty() && !is_fixed[0] {
        let e_try = v0[0];
        let f_zero = adhesive_offset(&v0, &mut scratch);
        let mut m = 0;
        for (&x, &f) in x_m.iter().zip(force_n) {
            if cp0 - x > 0.0 {
                delta[m] = cp0 - x;
                y[m] = f - v0[nm + 1] - f_zero;
                m += 1;
            }
        }
        model.force_with_gradient_batch(&delta[..m], &v0[..nm], tip, &mut fm[..m], &mut dfd[..m], &mut grad[..m * nm]);
        let (mut sgy, mut sgg) = (0.0, 0.0);
        for i in 0..m {
            let g = fm[i] - f_zero;
            sgy += g * y[i];
            sgg += g * g;
        }
        let ratio = sgy / sgg;
        if ratio.is_finite() && ratio > 0.0 {
            v0[0] = e_try * ratio;
            if !b_given {
                v0[nm + 1] = far - adhesive_offset(&v0, &mut scratch);
            }
        }
    }
    for (i, &key) in keys.iter().enumerate() {
        if !v0[i].is_finite() {
            return Err(FitError::NonFiniteInit { model: name, key });
        }
    }

    // Scaling: u = (value − offset)/scale.
    let mut offset = [0.0; MAX_PARAMS + 2];
    let mut scale = [1.0; MAX_PARAMS + 2];
    let mut lower = [f64::NEG_INFINITY; MAX_PARAMS];
    let mut upper = [f64::INFINITY; MAX_PARAMS];
    let mut u0 = [0.0; MAX_PARAMS];
    for (j, p) in spec.params.iter().enumerate() {
        scale[j] = if v0[j] != 0.0 {
            v0[j].abs()
        } else {
            match p.unit {
                "N" => f_span,
                "m" => x_span,
                _ if p.default != 0.0 => p.default.abs(),
                _ => 1.0,
            }
        };
    }
    offset[nm] = cp0;
    scale[nm] = x_span;
    offset[nm + 1] = v0[nm + 1];
    scale[nm + 1] = f_span;
    let mut free = [0usize; MAX_PARAMS];
    let mut k = 0;
    for i in 0..n_total {
        if is_fixed[i] {
            continue;
        }
        free[k] = i;
        u0[k] = (v0[i] - offset[i]) / scale[i];
        if i < nm {
            lower[k] = (spec.params[i].min - offset[i]) / scale[i];
            upper[k] = (spec.params[i].max - offset[i]) / scale[i];
        } else if i == nm {
            // The contact point stays within a span of the data on either side.
            lower[k] = (x_min - x_span - offset[i]) / scale[i];
            upper[k] = (x_max + x_span - offset[i]) / scale[i];
        }
        k += 1;
    }

    let weight_cp = opts.weight_cp_m.filter(|d| d.is_finite() && *d > 0.0);
    let mut problem = CurveProblem {
        model,
        tip,
        x: x_m,
        f: force_n,
        nm,
        v0,
        offset,
        scale,
        free,
        n_free,
        delta,
        y,
        fm,
        dfd,
        grad,
        weight_cp,
    };
    let cfg = LmConfig { max_iterations: opts.max_iterations, ..LmConfig::default() };
    let res = lm::minimize(&mut problem, &u0[..n_free], &lower[..n_free], &upper[..n_free], &cfg);
    if !res.ssr.is_finite() || res.params().iter().any(|p| !p.is_finite()) {
        return Err(FitError::NoConvergence { model: name, reason: format!("{:?}", res.reason) });
    }
    let v = problem.values(res.params());
    let mut stderr = vec![f64::NAN; n_total];
    for (k, &i) in free[..n_free].iter().enumerate() {
        stderr[i] = res.stderr[k] * scale[i];
    }
    let mean = force_n.iter().sum::<f64>() / n as f64;
    let sst: f64 = force_n.iter().map(|f| (f - mean) * (f - mean)).sum();
    // R² and RMS describe the model against the data, unweighted, even for a weighted fit.
    let ssr = if weight_cp.is_some() {
        x_m.iter().zip(force_n).map(|(&x, &f)| (model_force(model, tip, &v[..n_total], x) - f).powi(2)).sum()
    } else {
        res.ssr
    };
    Ok(FitResult {
        model: name,
        keys,
        units,
        values: v[..n_total].to_vec(),
        stderr,
        r2: 1.0 - ssr / sst,
        rms_n: (ssr / n as f64).sqrt(),
        n_points: n,
        iterations: res.iterations,
        converged: res.converged,
    })
}

/// Median force of the points with `x ≥ x_cut` (the far, out-of-contact end). Allocates one
/// small buffer per curve (not per iteration).
fn far_baseline(x: &[f64], f: &[f64], x_cut: f64) -> f64 {
    let mut far: Vec<f64> = x.iter().zip(f).filter(|(x, _)| **x >= x_cut).map(|(_, f)| *f).collect();
    if far.is_empty() {
        return 0.0;
    }
    crate::numerics::stats::median_in_place(&mut far)
}

/// Largest x at which the force exceeds the baseline by 5 % of the force range: the start of
/// the contact region seen from the far end. Coarse on purpose; the fit refines it.
fn guess_contact_point(x: &[f64], f: &[f64], baseline: f64, f_max: f64) -> f64 {
    let thr = baseline + 0.05 * (f_max - baseline);
    let mut best = f64::NEG_INFINITY;
    for (&xi, &fi) in x.iter().zip(f) {
        if fi > thr && xi > best {
            best = xi;
        }
    }
    if best.is_finite() { best } else { x.iter().copied().fold(f64::NEG_INFINITY, f64::max) }
}
