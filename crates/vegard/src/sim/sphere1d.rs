//! Radial stress-coupled diffusion in a free elastic sphere (particle model of Zhang, Shyy &
//! Sastry, J. Electrochem. Soc. 154, A910 (2007)) with the chemical potential of Eshghinejad et al. 2017, Eq. 2:
//!
//! ∂c/∂t = (1/r²) ∂/∂r [r² D (∂c/∂r/(1−c) − (Ω/RT) c ∂σ_h/∂r)],
//!
//! σ_h = (σ_r + 2σ_θ)/3 from the closed-form sphere stresses of the *current* profile
//! ([`crate::sim::analytic::sphere::sphere_stresses`]). The coupling can instead be replaced by
//! the exact reduction D_eff = D[1/(1−c) + θc] ([`Coupling::EffectiveDiffusivity`]) so the two
//! can be compared.
//!
//! Discretisation: vertex-centred finite volumes with r² weights (node 0 at the centre),
//! faces at midpoints, lumped storage; Kirchhoff (−ln(1−c)) form of the entropic flux and face
//! means for the stress term; BDF1/BDF2 + Newton. The Newton Jacobian of the stress term uses
//! ∂σ_h,i/∂c_j = (2K/3)(∂c̄/∂c_j − δ_ij): the dense ∂c̄ part cancels in the face differences
//! σ_h,i+1 − σ_h,i, so the tridiagonal Jacobian is exact.

use crate::sim::analytic::constants::GAS_CONSTANT;
use crate::sim::analytic::sphere::{Host, sphere_stresses};
use crate::sim::film1d::{Entropy, NewtonSystem, Scheme, SolveError, Top, newton_update};

/// How the stress enters the flux.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coupling {
    /// No stress term.
    None,
    /// −(Ω/RT) c ∂σ_h/∂r with σ_h from the ZSS closed-form stresses of the profile.
    Stress,
    /// No stress, but the diffusivity D[1/(1−c) + θc] (or D[1 + θc] for dilute entropy).
    EffectiveDiffusivity,
}

/// Material and transport parameters of the particle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SphereParams {
    /// Diffusivity D (m²/s).
    pub d: f64,
    pub host: Host,
    pub entropy: Entropy,
    pub coupling: Coupling,
}

/// The radial model on nodes r (r[0] = 0, r[n] = R). Surface conditions use [`Top`]:
/// `Flux(q)` is the influx through r = R (molar flux / c_max, m/s), `Concentration` is
/// potentiostatic.
#[derive(Clone, Debug)]
pub struct Sphere1d {
    pub r: Vec<f64>,
    pub params: SphereParams,
    vol: Vec<f64>,
    area: Vec<f64>,
}

impl Sphere1d {
    pub fn new(r: Vec<f64>, params: SphereParams) -> Result<Self, SolveError> {
        if r.len() < 3 || r[0] != 0.0 || r.windows(2).any(|w| w[1] <= w[0]) {
            return Err(SolveError::Input("need ≥ 3 strictly increasing radii starting at 0".into()));
        }
        let n = r.len();
        let faces: Vec<f64> = r.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
        let mut vol = vec![0.0; n];
        for i in 0..n {
            let lo = if i == 0 { 0.0 } else { faces[i - 1] };
            let hi = if i == n - 1 { r[n - 1] } else { faces[i] };
            vol[i] = (hi.powi(3) - lo.powi(3)) / 3.0;
        }
        let area = faces.iter().map(|f| f * f).collect();
        Ok(Sphere1d { r, params, vol, area })
    }

    /// Lumped control volumes (per steradian, m³/sr).
    pub fn volumes(&self) -> &[f64] {
        &self.vol
    }

    /// Volume-average concentration c̄.
    pub fn mean_concentration(&self, c: &[f64]) -> f64 {
        let v: f64 = self.vol.iter().sum();
        self.vol.iter().zip(c).map(|(v, c)| v * c).sum::<f64>() / v
    }

    /// (σ_r, σ_θ) in Pa of the profile (ZSS Eqs. 4–5).
    pub fn stresses(&self, c: &[f64]) -> (Vec<f64>, Vec<f64>) {
        sphere_stresses(&self.params.host, &self.r, c)
    }

    fn g(&self, c: f64) -> (f64, f64) {
        let p = &self.params;
        let (mut g, mut dg) = match p.entropy {
            Entropy::Lattice => (-(1.0 - c).ln(), 1.0 / (1.0 - c)),
            Entropy::Dilute => (c, 1.0),
        };
        if p.coupling == Coupling::EffectiveDiffusivity {
            // ∫ θ c dc = θ c²/2 (Kirchhoff form of the D_eff term).
            let th = p.host.theta();
            g += 0.5 * th * c * c;
            dg += th * c;
        }
        (g, dg)
    }

    /// Radial flux through face i+½ (positive outwards, per unit area) and its derivatives.
    fn face_flux(&self, i: usize, cl: f64, cr: f64, sl: f64, sr: f64) -> (f64, f64, f64) {
        let p = &self.params;
        let k = p.d / (self.r[i + 1] - self.r[i]);
        let (gl, dgl) = self.g(cl);
        let (gr, dgr) = self.g(cr);
        let (om, ds) = if p.coupling == Coupling::Stress {
            (p.host.omega / (GAS_CONSTANT * p.host.temperature), -2.0 * p.host.stress_scale() / 3.0)
        } else {
            (0.0, 0.0)
        };
        let cf = 0.5 * (cl + cr);
        let j = -k * (gr - gl - om * cf * (sr - sl));
        let djl = -k * (-dgl - om * (0.5 * (sr - sl) - cf * ds));
        let djr = -k * (dgr - om * (0.5 * (sr - sl) + cf * ds));
        (j, djl, djr)
    }

    fn hydrostatic(&self, c: &[f64]) -> Vec<f64> {
        if self.params.coupling != Coupling::Stress {
            return vec![0.0; c.len()];
        }
        let (sr, st) = self.stresses(c);
        sr.iter().zip(&st).map(|(a, b)| (a + 2.0 * b) / 3.0).collect()
    }

    fn implicit_step(&self, a0: f64, c_pred: &[f64], dt: f64, top: Top, step: usize) -> Result<Vec<f64>, SolveError> {
        let n = self.r.len();
        let mut c = c_pred.to_vec();
        if let Top::Concentration(ct) = top {
            c[n - 1] = ct;
        }
        let big_r2 = self.r[n - 1] * self.r[n - 1];
        let mut last = f64::NAN;
        for _ in 0..30 {
            let sh = self.hydrostatic(&c);
            let mut lo = vec![0.0; n];
            let mut di = vec![0.0; n];
            let mut up = vec![0.0; n];
            let mut res = vec![0.0; n];
            for i in 0..n {
                res[i] = a0 * self.vol[i] * (c[i] - c_pred[i]) / dt;
                di[i] = a0 * self.vol[i] / dt;
            }
            for i in 0..n - 1 {
                let (j, jl, jr) = self.face_flux(i, c[i], c[i + 1], sh[i], sh[i + 1]);
                let a = self.area[i];
                res[i] += a * j;
                di[i] += a * jl;
                up[i] += a * jr;
                res[i + 1] -= a * j;
                lo[i + 1] -= a * jl;
                di[i + 1] -= a * jr;
            }
            let lattice = self.params.entropy == Entropy::Lattice;
            let norm = newton_update(&mut c, NewtonSystem { res, lo, di, up }, top, big_r2, lattice, step)?;
            if norm < 1e-13 {
                return Ok(c);
            }
            last = norm;
        }
        Err(SolveError::Newton { step, update: last })
    }

    /// Integrate from `c0` to t_end in `n_steps` equal steps (BDF2 starts with one BDF1 step);
    /// `top(t)` is the surface condition at time t.
    pub fn run(
        &self,
        c0: &[f64],
        t_end: f64,
        n_steps: usize,
        scheme: Scheme,
        top: &dyn Fn(f64) -> Top,
    ) -> Result<Vec<f64>, SolveError> {
        if c0.len() != self.r.len() || n_steps == 0 || t_end <= 0.0 {
            return Err(SolveError::Input("c0 length must match the nodes; n_steps, t_end > 0".into()));
        }
        let dt = t_end / n_steps as f64;
        let mut prev: Option<Vec<f64>> = None;
        let mut cur = c0.to_vec();
        for s in 0..n_steps {
            let t = (s + 1) as f64 * dt;
            let next = match (scheme, &prev) {
                (Scheme::Bdf2, Some(p)) => {
                    let pred: Vec<f64> = cur.iter().zip(p).map(|(a, b)| (4.0 * a - b) / 3.0).collect();
                    self.implicit_step(1.5, &pred, dt, top(t), s)?
                }
                _ => self.implicit_step(1.0, &cur, dt, top(t), s)?,
            };
            prev = Some(std::mem::replace(&mut cur, next));
        }
        Ok(cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_sum_to_sphere_and_mass_conserved() {
        let p = SphereParams { d: 1e-15, host: Host::lifepo4(), entropy: Entropy::Lattice, coupling: Coupling::Stress };
        let r: Vec<f64> = (0..=20).map(|i| 1e-6 * i as f64 / 20.0).collect();
        let s = Sphere1d::new(r.clone(), p).unwrap();
        let v: f64 = s.volumes().iter().sum();
        assert!((v - 1e-18 / 3.0).abs() < 1e-30);
        let c0: Vec<f64> = r.iter().map(|x| 0.3 + 0.2 * (x / 1e-6).powi(2)).collect();
        let c = s.run(&c0, 100.0, 20, Scheme::Bdf2, &|_| Top::Blocked).unwrap();
        assert!((s.mean_concentration(&c) - s.mean_concentration(&c0)).abs() < 1e-14);
        // Relaxes towards uniform.
        assert!(c[20] - c[0] < 0.2 * 0.5);
    }
}
