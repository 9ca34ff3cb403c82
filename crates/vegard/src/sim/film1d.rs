//! 1-D laterally uniform film z ∈ [0, h] on an ion-blocking substrate (z = 0): the reduced model
//! of Eshghinejad et al. 2017, Eq. 3 used to verify the axisymmetric ESM model.
//!
//! ∂c/∂t = ∂/∂z [D (∂c/∂z/(1−c) − (Ω/RT) c ∂σ_h/∂z + (Fz/RT) c ∂φ/∂z)]   (Eshghinejad et al. 2017, Eq. 3)
//!
//! Laterally clamped film (derived): the film is bonded to a thick substrate and laterally
//! infinite, so ε_xx = ε_yy = 0 and the free top gives σ_zz = 0 everywhere. With
//! ε* = β c I, β = Ω c_max/3 (Eshghinejad et al. 2017, Eq. 4) and Hooke's law, σ_xx = σ_yy = −E β c/(1−ν)
//! (relative to c = 0), σ_h = 2σ_xx/3 = −(2 E Ω c_max/(9(1−ν))) c, and
//! ε_zz = β c (1+ν)/(1−ν), so the top surface rises by u = β (1+ν)/(1−ν) ∫₀ʰ c dz.
//! Then −(Ω/RT) c ∂σ_h/∂z = θ c ∂c/∂z with θ = 2Ω²E c_max/(9RT(1−ν)) — the *same* θ as the free
//! sphere ([`crate::sim::analytic::sphere`]): D_eff = D [1/(1−c) + θ c].
//!
//! Discretisation: vertex-centred finite volumes on a (graded) node set, lumped storage.
//! The face flux uses the exact Kirchhoff form of the entropic term,
//! ∫ dc/(1−c) = −ln(1−c) differences, and the face mean c_f = (c_l + c_r)/2 for the
//! stress and field terms (exact for σ_h linear in c). Time: BDF1 / BDF2 (constant step,
//! BDF1 start), Newton with the exact tridiagonal Jacobian (Thomas algorithm).

use crate::sim::analytic::constants::{FARADAY, GAS_CONSTANT};
use crate::sim::analytic::sphere::Host;
use faer::c64;
use std::ops::{Div, Mul, Sub};

/// Solve a tridiagonal system (Thomas algorithm, no pivoting: the FV matrices are diagonally
/// dominant M-matrices). `lower[i]` multiplies x[i−1], `upper[i]` x[i+1] (lower[0], upper[n−1]
/// unused). Returns None on a zero pivot.
pub fn solve_tridiagonal<T>(lower: &[T], diag: &[T], upper: &[T], rhs: &[T]) -> Option<Vec<T>>
where
    T: Copy + Sub<Output = T> + Mul<Output = T> + Div<Output = T> + PartialEq + Default,
{
    let n = diag.len();
    let mut cp = vec![T::default(); n];
    let mut dp = vec![T::default(); n];
    let zero = T::default();
    if n == 0 || diag[0] == zero {
        return None;
    }
    cp[0] = upper[0] / diag[0];
    dp[0] = rhs[0] / diag[0];
    for i in 1..n {
        let m = diag[i] - lower[i] * cp[i - 1];
        if m == zero {
            return None;
        }
        cp[i] = if i + 1 < n { upper[i] / m } else { zero };
        dp[i] = (rhs[i] - lower[i] * dp[i - 1]) / m;
    }
    let mut x = dp;
    for i in (0..n - 1).rev() {
        x[i] = x[i] - cp[i] * x[i + 1];
    }
    Some(x)
}

/// Node set on [0, h] with n cells whose sizes grow geometrically from the bottom to the top by
/// the factor `ratio` = (top cell)/(bottom cell) — ratio < 1 refines towards the driven top.
pub fn graded_grid(h: f64, n: usize, ratio: f64) -> Vec<f64> {
    let q = if n > 1 { ratio.powf(1.0 / (n - 1) as f64) } else { 1.0 };
    let w: Vec<f64> = (0..n).map(|i| q.powi(i as i32)).collect();
    let total: f64 = w.iter().sum();
    let mut z = vec![0.0; n + 1];
    for i in 0..n {
        z[i + 1] = z[i] + h * w[i] / total;
    }
    z[n] = h;
    z
}

/// Entropic term of μ: `Lattice` is Eshghinejad et al. 2017, Eq. 2 (RT ln(c/(1−c)), flux ∝ ∂c/(1−c)),
/// `Dilute` is RT ln c (flux ∝ ∂c, plain Fick as in Eshghinejad et al. 2017, Eq. 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entropy {
    Lattice,
    Dilute,
}

/// Material and transport parameters of the film.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FilmParams {
    /// Diffusivity D (m²/s).
    pub d: f64,
    pub host: Host,
    /// Charge number z of the mobile ion.
    pub charge: f64,
    pub entropy: Entropy,
    /// Include the −Ω σ_h term of μ (clamped-film σ_h(c), module doc).
    pub stress_coupling: bool,
}

impl FilmParams {
    /// (Ω/RT) × (2EΩc_max/(9(1−ν))) when coupled, else 0: the θ of the module doc.
    pub fn theta(&self) -> f64 {
        if self.stress_coupling { self.host.theta() } else { 0.0 }
    }
}

/// Hydrostatic stress of the laterally clamped film, σ_h = −(2EΩc_max/(9(1−ν))) c (Pa), zero at c = 0.
pub fn clamped_hydrostatic_stress(host: &Host, c: f64) -> f64 {
    -2.0 * host.e * host.omega * host.c_max / (9.0 * (1.0 - host.nu)) * c
}

/// Top boundary condition at one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Top {
    /// No flux.
    Blocked,
    /// Influx q (m/s in units of dimensionless c: molar flux / c_max), positive into the film.
    Flux(f64),
    /// Prescribed concentration (Dirichlet).
    Concentration(f64),
}

/// Harmonic top drive for the frequency-domain solver (complex amplitudes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TopHarmonic {
    Blocked,
    Flux(c64),
    Concentration(c64),
}

/// Time integrator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Bdf1,
    Bdf2,
}

/// Failure of the nonlinear solve.
#[derive(Clone, Debug, PartialEq)]
pub enum SolveError {
    /// Newton did not converge (step index, last update norm).
    Newton { step: usize, update: f64 },
    /// Concentration left (0, 1) for the lattice entropy.
    OutOfRange { step: usize },
    /// Singular tridiagonal system.
    Singular,
    /// Inconsistent input (message).
    Input(String),
}

/// The 1-D film: nodes z (z[0] = 0 substrate, z[n] = h top) and lumped control volumes.
#[derive(Clone, Debug)]
pub struct Film1d {
    pub z: Vec<f64>,
    pub params: FilmParams,
    vol: Vec<f64>,
}

impl Film1d {
    pub fn new(z: Vec<f64>, params: FilmParams) -> Result<Self, SolveError> {
        if z.len() < 3 || z.windows(2).any(|w| w[1] <= w[0]) {
            return Err(SolveError::Input("need ≥ 3 strictly increasing nodes".into()));
        }
        let n = z.len();
        let mut vol = vec![0.0; n];
        for i in 0..n - 1 {
            let half = 0.5 * (z[i + 1] - z[i]);
            vol[i] += half;
            vol[i + 1] += half;
        }
        Ok(Film1d { z, params, vol })
    }

    /// Lumped control volumes (m per unit area).
    pub fn volumes(&self) -> &[f64] {
        &self.vol
    }

    /// Surface displacement (m, up positive) of the clamped film relative to c_ref:
    /// u = (Ω c_max/3)(1+ν)/(1−ν) Σ V_i (c_i − c_ref) (module doc).
    pub fn surface_displacement(&self, c: &[f64], c_ref: f64) -> f64 {
        let h = &self.params.host;
        let s: f64 = self.vol.iter().zip(c).map(|(v, c)| v * (c - c_ref)).sum();
        h.omega * h.c_max / 3.0 * (1.0 + h.nu) / (1.0 - h.nu) * s
    }

    fn g(&self, c: f64) -> (f64, f64) {
        match self.params.entropy {
            Entropy::Lattice => (-(1.0 - c).ln(), 1.0 / (1.0 - c)),
            Entropy::Dilute => (c, 1.0),
        }
    }

    /// Face flux j (positive +z) between nodes l = i, r = i+1 and its derivatives (∂j/∂c_l, ∂j/∂c_r);
    /// `psi` = (Fz/RT)(φ_r − φ_l).
    fn face_flux(&self, i: usize, cl: f64, cr: f64, psi: f64) -> (f64, f64, f64) {
        let p = &self.params;
        let k = p.d / (self.z[i + 1] - self.z[i]);
        let (gl, dgl) = self.g(cl);
        let (gr, dgr) = self.g(cr);
        let om = if p.stress_coupling { p.host.omega / (GAS_CONSTANT * p.host.temperature) } else { 0.0 };
        let (sl, sr) = (clamped_hydrostatic_stress(&p.host, cl), clamped_hydrostatic_stress(&p.host, cr));
        let ds = clamped_hydrostatic_stress(&p.host, 1.0); // dσ_h/dc
        let cf = 0.5 * (cl + cr);
        let j = -k * (gr - gl - om * cf * (sr - sl) + cf * psi);
        let djl = -k * (-dgl - om * (0.5 * (sr - sl) - cf * ds) + 0.5 * psi);
        let djr = -k * (dgr - om * (0.5 * (sr - sl) + cf * ds) + 0.5 * psi);
        (j, djl, djr)
    }

    fn psi(&self, phi: Option<&[f64]>, i: usize) -> f64 {
        let p = &self.params;
        phi.map_or(0.0, |f| p.charge * FARADAY / (GAS_CONSTANT * p.host.temperature) * (f[i + 1] - f[i]))
    }

    /// One implicit step: solves a0 V (c − c_pred)/dt = div j with c_pred the BDF history term
    /// (BDF1: a0 = 1, c_pred = cⁿ; BDF2: a0 = 3/2, c_pred = (4cⁿ − cⁿ⁻¹)/3). `phi` is the
    /// potential (V) at the nodes at the new time.
    fn implicit_step(
        &self,
        a0: f64,
        c_pred: &[f64],
        dt: f64,
        top: Top,
        phi: Option<&[f64]>,
        step: usize,
    ) -> Result<Vec<f64>, SolveError> {
        let n = self.z.len();
        let mut c = c_pred.to_vec();
        if let Top::Concentration(ct) = top {
            c[n - 1] = ct;
        }
        let mut last = f64::NAN;
        for _ in 0..30 {
            let mut lo = vec![0.0; n];
            let mut di = vec![0.0; n];
            let mut up = vec![0.0; n];
            let mut res = vec![0.0; n];
            for i in 0..n {
                res[i] = a0 * self.vol[i] * (c[i] - c_pred[i]) / dt;
                di[i] = a0 * self.vol[i] / dt;
            }
            for i in 0..n - 1 {
                let (j, jl, jr) = self.face_flux(i, c[i], c[i + 1], self.psi(phi, i));
                // Node i loses j, node i+1 gains it: residual = storage − (in − out).
                res[i] += j;
                di[i] += jl;
                up[i] += jr;
                res[i + 1] -= j;
                lo[i + 1] -= jl;
                di[i + 1] -= jr;
            }
            let lattice = self.params.entropy == Entropy::Lattice;
            let norm = newton_update(&mut c, NewtonSystem { res, lo, di, up }, top, 1.0, lattice, step)?;
            if norm < 1e-13 {
                return Ok(c);
            }
            last = norm;
        }
        Err(SolveError::Newton { step, update: last })
    }

    /// Integrate from c(t=0) = `c0` to t_end in `n_steps` equal steps. `top(t)` and `phi(t)`
    /// give the top condition and the nodal potential (V) at time t. BDF2 starts with one BDF1
    /// step. Returns the profile at t_end.
    pub fn run(
        &self,
        c0: &[f64],
        t_end: f64,
        n_steps: usize,
        scheme: Scheme,
        top: &dyn Fn(f64) -> Top,
        phi: &dyn Fn(f64) -> Option<Vec<f64>>,
    ) -> Result<Vec<f64>, SolveError> {
        self.run_observed(c0, t_end, n_steps, scheme, top, phi, &mut |_, _| {})
    }

    /// As [`Film1d::run`], calling `observe(t, c)` after every step (for time series such as the
    /// surface displacement).
    #[allow(clippy::too_many_arguments)]
    pub fn run_observed(
        &self,
        c0: &[f64],
        t_end: f64,
        n_steps: usize,
        scheme: Scheme,
        top: &dyn Fn(f64) -> Top,
        phi: &dyn Fn(f64) -> Option<Vec<f64>>,
        observe: &mut dyn FnMut(f64, &[f64]),
    ) -> Result<Vec<f64>, SolveError> {
        if c0.len() != self.z.len() || n_steps == 0 || t_end <= 0.0 {
            return Err(SolveError::Input("c0 length must match the nodes; n_steps, t_end > 0".into()));
        }
        let dt = t_end / n_steps as f64;
        let mut prev: Option<Vec<f64>> = None;
        let mut cur = c0.to_vec();
        for s in 0..n_steps {
            let t = (s + 1) as f64 * dt;
            let ph = phi(t);
            let next = match (scheme, &prev) {
                (Scheme::Bdf2, Some(p)) => {
                    let pred: Vec<f64> = cur.iter().zip(p).map(|(a, b)| (4.0 * a - b) / 3.0).collect();
                    self.implicit_step(1.5, &pred, dt, top(t), ph.as_deref(), s)?
                }
                _ => self.implicit_step(1.0, &cur, dt, top(t), ph.as_deref(), s)?,
            };
            observe(t, &next);
            prev = Some(std::mem::replace(&mut cur, next));
        }
        Ok(cur)
    }

    /// Frequency-domain small-signal solve about the uniform state c0 (φ0 = 0): the flux is
    /// linearised with the *same* face-flux derivatives as the nonlinear solver, so
    /// iω V δc = div δj with δj = j_l δc_l + j_r δc_r + (∂j/∂ψ) δψ. `dphi` is the complex
    /// potential amplitude (V) at the nodes. Returns the complex δc at the nodes.
    pub fn frequency_response(
        &self,
        c0: f64,
        omega: f64,
        top: TopHarmonic,
        dphi: Option<&[c64]>,
    ) -> Result<Vec<c64>, SolveError> {
        let n = self.z.len();
        let p = &self.params;
        let zero = c64::new(0.0, 0.0);
        let mut lo = vec![zero; n];
        let mut di: Vec<c64> = self.vol.iter().map(|v| c64::new(0.0, omega * v)).collect();
        let mut up = vec![zero; n];
        let mut rhs = vec![zero; n];
        let fz = p.charge * FARADAY / (GAS_CONSTANT * p.host.temperature);
        for i in 0..n - 1 {
            let (_, jl, jr) = self.face_flux(i, c0, c0, 0.0);
            let jpsi = -p.d / (self.z[i + 1] - self.z[i]) * c0;
            di[i] += c64::new(jl, 0.0);
            up[i] += c64::new(jr, 0.0);
            lo[i + 1] -= c64::new(jl, 0.0);
            di[i + 1] -= c64::new(jr, 0.0);
            if let Some(f) = dphi {
                let dj = (f[i + 1] - f[i]) * (jpsi * fz);
                rhs[i] -= dj;
                rhs[i + 1] += dj;
            }
        }
        match top {
            TopHarmonic::Blocked => {}
            TopHarmonic::Flux(q) => rhs[n - 1] += q,
            TopHarmonic::Concentration(ct) => {
                lo[n - 1] = zero;
                di[n - 1] = c64::new(1.0, 0.0);
                rhs[n - 1] = ct;
            }
        }
        solve_tridiagonal(&lo, &di, &up, &rhs).ok_or(SolveError::Singular)
    }

    /// Complex surface displacement amplitude for a small-signal response δc
    /// (as [`Film1d::surface_displacement`]).
    pub fn surface_displacement_complex(&self, dc: &[c64]) -> c64 {
        let h = &self.params.host;
        let s: c64 = self.vol.iter().zip(dc).map(|(v, c)| c * *v).sum();
        s * (h.omega * h.c_max / 3.0 * (1.0 + h.nu) / (1.0 - h.nu))
    }
}

/// The tridiagonal Newton system of one step: residual and Jacobian bands (per node).
pub(crate) struct NewtonSystem {
    pub res: Vec<f64>,
    pub lo: Vec<f64>,
    pub di: Vec<f64>,
    pub up: Vec<f64>,
}

/// One Newton update shared by the film and sphere solvers: apply the top condition to the
/// last node (a flux `q` enters the residual with the geometric weight `flux_weight`, a fixed
/// concentration replaces the last equation), solve for the correction, apply it, and check
/// the lattice range 0 < c < 1. Returns the max-norm of the correction.
pub(crate) fn newton_update(
    c: &mut [f64],
    mut sys: NewtonSystem,
    top: Top,
    flux_weight: f64,
    lattice: bool,
    step: usize,
) -> Result<f64, SolveError> {
    let n = c.len();
    match top {
        Top::Blocked => {}
        Top::Flux(q) => sys.res[n - 1] -= flux_weight * q,
        Top::Concentration(ct) => {
            sys.res[n - 1] = c[n - 1] - ct;
            sys.lo[n - 1] = 0.0;
            sys.di[n - 1] = 1.0;
        }
    }
    let neg: Vec<f64> = sys.res.iter().map(|r| -r).collect();
    let dc = solve_tridiagonal(&sys.lo, &sys.di, &sys.up, &neg).ok_or(SolveError::Singular)?;
    let mut norm: f64 = 0.0;
    for (ci, d) in c.iter_mut().zip(&dc) {
        *ci += d;
        norm = norm.max(d.abs());
    }
    if lattice && c.iter().any(|&x| !(x > 0.0 && x < 1.0)) {
        return Err(SolveError::OutOfRange { step });
    }
    Ok(norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thomas_solves_known_system() {
        let x: Vec<f64> =
            solve_tridiagonal(&[0.0, -1.0, -1.0], &[2.0, 2.0, 2.0], &[-1.0, -1.0, 0.0], &[1.0, 0.0, 1.0]).unwrap();
        for v in x {
            assert!((v - 1.0).abs() < 1e-15);
        }
        let g = graded_grid(2.0, 10, 0.1);
        assert!((g[10] - 2.0).abs() < 1e-15 && ((g[10] - g[9]) / (g[1] - g[0]) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        let p = FilmParams {
            d: 1e-14,
            host: Host::lifepo4(),
            charge: 1.0,
            entropy: Entropy::Lattice,
            stress_coupling: true,
        };
        let f = Film1d::new(graded_grid(1e-7, 4, 0.5), p).unwrap();
        let (cl, cr, psi) = (0.3, 0.45, 0.7);
        let (_, jl, jr) = f.face_flux(1, cl, cr, psi);
        let e = 1e-7;
        let fdl = (f.face_flux(1, cl + e, cr, psi).0 - f.face_flux(1, cl - e, cr, psi).0) / (2.0 * e);
        let fdr = (f.face_flux(1, cl, cr + e, psi).0 - f.face_flux(1, cl, cr - e, psi).0) / (2.0 * e);
        assert!(((jl - fdl) / jl).abs() < 1e-7 && ((jr - fdr) / jr).abs() < 1e-7, "{jl} {fdl} {jr} {fdr}");
    }
}
