//! Frequency-domain small-signal response of the tip model: the complex surface displacement u_z(0, 0) per
//! volt of a small AC tip bias δV e^{iωt} superposed on a DC bias, about a frozen state (seed 000 Eqs. 1–4;
//! seed 001 Fig. 1b for the frequency response).
//!
//! **Linearisation.** The time stepper (parent module doc, transport.rs) solves, per node i,
//! m_i (c(η_i) − cⁿ_i)/Δt̂ + F_i(η, w) = 0, F_i = Σ_edges ω_ij M_ij (μ_i − μ_j), μ = η + w,
//! with the logit η = ln(c/(1−c)), w = φ̂ − σ̂_h and the EAFE edge mobilities M_ij(η_i, η_j, w_i, w_j, s_e)
//! (`edge_mobility`, including the stress stabilisation s_e = β c̄_e that the converged step contains).
//! A perturbation δη, δw about a frozen state gives δF = J_η δη + J_w δw with the Jacobians of F, built
//! element by element by central differences of the element fluxes (relative step 1e-5: truncation ≈ 1e-10,
//! rounding ≈ 1e-11); δw = ψ δV/V_T − δσ̂_h(δc), δc = c'(η) δη, c' = c(1 − c) computed from η, where ψ is
//! the unit potential, V_T = RT/(Fz) and δσ̂_h(δc) = S δc the hydrostatic stress of the Vegard eigenstrain
//! (Ω c_max/3) δc from the model's elastic solve (linear, dense). With time-harmonic fields
//! δη(t) = Re[δη̂ e^{iωt}] and ω̂ = ωL²/D:
//! (iω̂ D + J_η − J_w S C) δη̂ = f, D = diag(m c'), C = diag(c'), f = −J_w ψ/V_T,
//! and δĉ = c' δη̂. This is the exact derivative of the discrete operator of [`TipModel::step`] about any
//! state (not only equilibria), so the ω → 0 limit equals the quasi-static response of `step` to a small DC
//! step and the time-harmonic solution equals the long-time periodic state of `step` as Δt → 0 (verified in
//! `tests/esm_small_signal.rs`, also about a −1 V accumulation state). Working in η keeps the unknown
//! well scaled where c or 1 − c is tiny (reads at strong accumulation, where 1 − c rounds to 0 in f64 and a
//! linearisation in c would divide by it); at a uniform equilibrium it reduces to the Galerkin
//! linearisation ∫ [∇δc/(1−c) + c ∇δw]·∇N_i r.
//!
//! **Solve.** δη̂ = x + iy as the real block system [[J, −ω̂D], [ω̂D, J]] (J = J_η − J_w S C) by GMRES
//! (`numerics::gmres`, right-preconditioned, stop at relative residual [`AC_GMRES_TOL`]); the operator
//! applies the dense stress term with one back-substitution of the kept elastic factor per block, the
//! preconditioner is the sparse LU of the same block system with S replaced by its local estimate
//! −β I (β = half the fully constrained stress feedback, as in the stepper's stabilisation).
//!
//! **Mass constraint.** Every column of J_η and J_w sums to zero (each edge flux enters two rows with
//! opposite signs), so 1ᵀ J = 0 and 1ᵀ f = 0: at ω = 0 the closed system is singular (the null mode is the
//! shift of the equilibrium amount). The system is bordered with the constraint Σ_i m_i c'_i δη_i = 0 (the
//! amount, a Lagrange multiplier per real and imaginary part, multiplier column m): at ω = 0 it fixes the
//! null mode (δV moves ions but conserves their amount); at ω > 0 the constraint already holds for the
//! exact solution and the multipliers vanish.
//!
//! **Displacement.** u_z(0, 0) of the eigenstrain (Ω c_max/3) δĉ (linear; real and imaginary parts solved
//! separately), per volt. Convention: u(t) = Re[(re + i·im) δV e^{iωt}].
//!
//! **High-frequency limit (derivation).** In the interior of a uniform state ∇·(c_s∇ψ) = 0, so the field
//! injects ions only where the migration flux c_s ∂ψ/∂n meets a blocking boundary (the top surface under
//! the tip and the grounded bottom). The zero-flux condition fixes the *flux* q into a diffusion layer of
//! thickness δ = √(2D/ω), not the concentration, so the amount per area in the layer is q/(iω) and, because
//! the layer becomes thin compared with L, its surface displacement tends to that of a surface sheet of the
//! same amount: |u| ∝ ω⁻¹ with a phase lag of 90° relative to the quasi-static response (not the ω^{-1/2},
//! 45° of a concentration-controlled Warburg electrode; only the surface concentration q/√(iωD) falls as
//! ω^{-1/2}). Discretely the limit is exact: δĉ → M⁻¹f/(iω̂).
//!
//! **Resolving the layer.** On a mesh whose top row is thicker than δ the discrete response is already in
//! that limit, but its prefactor is wrong (the lumped mass puts the row's amount at the surface nodes, an
//! O(h/δ) error in the centroid). [`super::MeshOptions::with_frequency_layer`] adds a geometric surface
//! layer (first row δ/8) and an axis layer in r (first column h_min/8): the sheet's displacement at r = 0
//! weighs the lateral profile of the injected flux near the axis strongly (the flux varies on the scale
//! 2L/(κ+1) ≈ 0.18 L of the sphere tip's image series). Convergence in `tests/esm_high_frequency.rs`.
//!
//! **Numbers (LiFePO₄ preset, sphere tip in contact, c₀ = 0.1, L = 25 nm, D = 1e-16 m²/s, L²/D = 6.25 s;
//! `tests/esm_small_signal.rs`, coarse mesh unless noted).** ω = 0: R = −1.7333e-9 m/V (a positive tip bias
//! pushes Li⁺ away: the surface sinks), equal to the time-stepped ±0.1 mV steady states to 3e-6. ω̂ = 1:
//! |R| = 9.48e-10 m/V, lag 28.8°; BDF1 time-domain runs converge to it at first order. Cross-over: 45° lag
//! at ω̂ ≈ 16.4 (0.42 Hz), half power at ω̂ ≈ 0.43 (0.011 Hz). Slope d ln|R|/d ln ω ≈ −0.3 to −0.7 for
//! ω̂ = 1…10³, → −1 above ω̂ ~ 10⁵. Mesh convergence on the plain meshes: second order for ω̂ ≤ 10²
//! (h_min = 0.1, 0.05, 0.025 L: 9.483, 9.576, 9.598 × 10⁻¹⁰ m/V at ω̂ = 1). With the layers
//! (`tests/esm_high_frequency.rs`, h_min = 0.1, 0.05, 0.025 L, surface layer δ/4, δ/8, δ/16): at the preset
//! 300 kHz (ω̂ = 1.18·10⁷) |R| = 3.3052, 3.3108, 3.3137 × 10⁻¹⁵ m/V (Richardson 3.317e-15), phase 93.40°,
//! 91.94°, 91.26° (→ 90.7°); ω̂|R| = 3.90e-8 m/V there and 3.82e-8 at ω̂ = 10⁶: the ω⁻¹ tail. The
//! unlayered meshes give 2.41e-15 (coarse) and 3.36e-15 (default) at 300 kHz, and 2.84, 3.95, 4.89 × 10⁻¹⁴
//! m/V at ω̂ = 10⁶ for h_min = 0.1, 0.05, 0.025 L (3.84, 3.84, 3.82 × 10⁻¹⁴ with the layers).

use super::transport::{edge_mobility, edge_weights, logistic, logistic_slope};
use super::{LOGIT_MAX, State, TipModel, TipModelError};
use crate::numerics::gmres::gmres;
use crate::sim::fem::FemError;
use crate::sim::fem::elasticity::{self, Eigenstrain};
use crate::sim::fem::sparse::{Factor, MatrixKind, Triplets};
use serde::Serialize;

/// Relative residual ‖b − A z‖₂/‖b‖₂ at which GMRES stops on the small-signal system.
pub const AC_GMRES_TOL: f64 = 1e-12;
/// Largest number of GMRES iterations before [`TipModelError::NotConverged`].
pub const AC_GMRES_MAX_ITER: usize = 600;
/// Relative step of the central differences of the element fluxes.
const FD_STEP: f64 = 1e-5;

/// Complex small-signal surface displacement u_z(0, 0) per volt of AC bias:
/// u(t) = Re[(re + i·im) · V_ac · e^{iωt}].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AcResponse {
    pub re_m_per_v: f64,
    pub im_m_per_v: f64,
}

impl AcResponse {
    /// |re + i·im|, m/V.
    pub fn amplitude_m_per_v(&self) -> f64 {
        self.re_m_per_v.hypot(self.im_m_per_v)
    }

    /// arg(re + i·im) in degrees, (−180°, 180°].
    pub fn phase_deg(&self) -> f64 {
        self.im_m_per_v.atan2(self.re_m_per_v).to_degrees()
    }
}

/// The linearised transport operator about one frozen state (module doc).
struct Linearised {
    /// J_η = ∂F/∂η.
    j_eta: Triplets,
    /// J_w = ∂F/∂w.
    j_w: Triplets,
    /// c'(η) = c(1 − c) at each node (from the logit, accurate at both ends).
    slope: Vec<f64>,
    /// f per volt: −J_w ψ/V_T.
    drive: Vec<f64>,
    /// Local estimate of the stress feedback δw ≈ β δc for the preconditioner.
    beta: f64,
}

impl TipModel {
    /// Complex small-signal response u_z(0, 0) per volt of an AC tip bias at `frequency_hz` (≥ 0) about the
    /// frozen `state` held at `dc_bias_v` (module doc: linearised Galerkin operator, Picard on the stress
    /// coupling, mass constraint). The state is not advanced; it need not be stationary.
    pub fn ac_response(&self, state: &State, dc_bias_v: f64, frequency_hz: f64) -> Result<AcResponse, TipModelError> {
        let (x, y) = self.ac_concentration(state, dc_bias_v, frequency_hz)?;
        Ok(AcResponse { re_m_per_v: self.perturbation_uz_m(&x)?, im_m_per_v: self.perturbation_uz_m(&y)? })
    }

    /// The exact periodic small-signal response of the backward-Euler stepper [`TipModel::step`] with steps
    /// `dt_s` to a sampled sinusoidal bias: BDF1 replaces iω by s = (1 − e^{−iωΔt})/Δt, so this is the
    /// response with that complex frequency (for verifying time-domain runs; → [`Self::ac_response`] as
    /// Δt → 0, with relative error ≈ ωΔt/2 on the dynamic part).
    pub fn bdf1_periodic_response(
        &self,
        state: &State,
        dc_bias_v: f64,
        frequency_hz: f64,
        dt_s: f64,
    ) -> Result<AcResponse, TipModelError> {
        if !(dt_s > 0.0 && dt_s.is_finite()) {
            return Err(TipModelError::Input { name: "dt_s", value: dt_s, expected: "finite and > 0" });
        }
        check_frequency(frequency_hz)?;
        let dt = dt_s / self.time_unit_s();
        let wdt = 2.0 * std::f64::consts::PI * frequency_hz * dt_s;
        let s = ((1.0 - wdt.cos()) / dt, wdt.sin() / dt);
        let (x, y) = self.concentration_response(state, dc_bias_v, s)?;
        Ok(AcResponse { re_m_per_v: self.perturbation_uz_m(&x)?, im_m_per_v: self.perturbation_uz_m(&y)? })
    }

    /// Complex concentration amplitude δĉ = x + i·y per volt at `frequency_hz` (module doc).
    pub fn ac_concentration(
        &self,
        state: &State,
        dc_bias_v: f64,
        frequency_hz: f64,
    ) -> Result<(Vec<f64>, Vec<f64>), TipModelError> {
        check_frequency(frequency_hz)?;
        let omega_hat = 2.0 * std::f64::consts::PI * frequency_hz * self.time_unit_s();
        self.concentration_response(state, dc_bias_v, (0.0, omega_hat))
    }

    /// Solve (s D + J_η + J_w P) δη = f for the normalised complex frequency s = (s_re, s_im) (s = iω̂ for
    /// the time-harmonic response) and return δĉ = c'(η) δη (module doc).
    fn concentration_response(
        &self,
        state: &State,
        dc_bias_v: f64,
        s: (f64, f64),
    ) -> Result<(Vec<f64>, Vec<f64>), TipModelError> {
        if !dc_bias_v.is_finite() {
            return Err(TipModelError::Input { name: "dc_bias_v", value: dc_bias_v, expected: "finite" });
        }
        let n = self.mesh.n_nodes();
        if state.logit_c.len() != n || state.sigma_h_pa.len() != n {
            return Err(FemError::Input(format!(
                "state has {} logits / {} stresses, expected {n}",
                state.logit_c.len(),
                state.sigma_h_pa.len()
            ))
            .into());
        }
        if let Some((node, &value)) =
            state.logit_c.iter().enumerate().find(|(_, v)| !(v.is_finite() && v.abs() <= LOGIT_MAX))
        {
            let p = self.mesh.nodes[node];
            return Err(TipModelError::OutOfRange { node, value: logistic(value), r_l: p[0], z_l: p[1] });
        }
        if let Some((i, &v)) = state.sigma_h_pa.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(FemError::Input(format!("state: σ_h = {v} Pa at node {i}, expected finite")).into());
        }
        let lin = self.linearise(state, dc_bias_v)?;
        let slope = &lin.slope;
        // D = diag(m c'(η)): the lumped mass of the time stepper in the logit variable.
        let d: Vec<f64> = self.lumped_mass.iter().zip(slope).map(|(m, c)| m * c).collect();
        let dynamic = s.0 != 0.0 || s.1 != 0.0;

        // Bordered real block system, unknowns [x (n), y (n), λ_x, λ_y]: rows Σ m_i c'_i δη_i = 0 (the amount),
        // multiplier columns m (1ᵀm > 0, so the bordered matrix is regular although 1ᵀ(J_η + J_w P) = 0).
        let dim = 2 * n + 2;
        let border = |t: &mut Triplets| {
            for (i, (&m, &di)) in self.lumped_mass.iter().zip(&d).enumerate() {
                t.add(i, 2 * n, m);
                t.add(2 * n, i, di);
                t.add(n + i, 2 * n + 1, m);
                t.add(2 * n + 1, n + i, di);
            }
        };
        // Preconditioner: the block system with the dense stress term replaced by its local estimate
        // P ≈ β diag(c') (β as in the time stepper's `stress_stiffening`), factored once.
        let mut t = Triplets::with_capacity(dim, 2 * (lin.j_eta.entries().len() + lin.j_w.entries().len()) + 8 * n);
        for (block, &(i, j, v)) in [0, n].iter().flat_map(|b| lin.j_eta.entries().iter().map(move |e| (*b, e))) {
            t.add(block + i, block + j, v);
        }
        for (block, &(i, j, v)) in [0, n].iter().flat_map(|b| lin.j_w.entries().iter().map(move |e| (*b, e))) {
            t.add(block + i, block + j, v * lin.beta * slope[j]);
        }
        if dynamic {
            for (i, &v) in d.iter().enumerate() {
                t.add(i, i, s.0 * v);
                t.add(n + i, n + i, s.0 * v);
                t.add(i, n + i, -s.1 * v);
                t.add(n + i, i, s.1 * v);
            }
        }
        border(&mut t);
        let precond = Factor::new(&t.to_csc()?, MatrixKind::General)?;
        let j_eta = lin.j_eta.to_csc()?;
        let j_w = lin.j_w.to_csc()?;

        // The exact operator, with the stress of the eigenstrain of δc = c' δη from the kept elastic factor.
        let apply = |z: &[f64]| -> Result<Vec<f64>, TipModelError> {
            let mut out = vec![0.0; dim];
            for (block, lambda) in [(0, 2 * n), (n, 2 * n + 1)] {
                let v = &z[block..block + n];
                let dc: Vec<f64> = v.iter().zip(slope).map(|(a, b)| a * b).collect();
                // δw = −δσ̂_h(δc) (the potential part is the drive).
                let dw: Vec<f64> = self.perturbation_stress_hat(&dc)?.into_iter().map(|x| -x).collect();
                let a = j_eta.mul_vec(v);
                let b = j_w.mul_vec(&dw);
                for i in 0..n {
                    out[block + i] += a[i] + b[i] + self.lumped_mass[i] * z[lambda];
                }
                out[lambda] = dc.iter().zip(&self.lumped_mass).map(|(a, m)| a * m).sum();
            }
            if dynamic {
                for i in 0..n {
                    out[i] += s.0 * d[i] * z[i] - s.1 * d[i] * z[n + i];
                    out[n + i] += s.1 * d[i] * z[i] + s.0 * d[i] * z[n + i];
                }
            }
            Ok(out)
        };
        let mut b = vec![0.0; dim];
        b[..n].copy_from_slice(&lin.drive);
        let out = gmres(apply, |v| Ok(precond.solve(v)), &b, AC_GMRES_TOL, 60, AC_GMRES_MAX_ITER)?;
        if !out.converged {
            return Err(TipModelError::NotConverged { iterations: out.iterations, last_change: out.relative_residual });
        }
        let x = out.x[..n].iter().zip(slope).map(|(a, b)| a * b).collect();
        let y = out.x[n..2 * n].iter().zip(slope).map(|(a, b)| a * b).collect();
        Ok((x, y))
    }

    /// u_z(0, 0), m, of the eigenstrain (Ω c_max/3) δc of a concentration perturbation `dc` (linear in `dc`).
    pub fn perturbation_uz_m(&self, dc: &[f64]) -> Result<f64, TipModelError> {
        let eig = self.perturbation_eigenstrain(dc);
        let f = elasticity::eigenstrain_load(&self.mesh, &self.material, Eigenstrain::PerNode(&eig));
        let u = self.elastic.solve(&f)?;
        Ok(u[2 * self.origin + 1] * self.params.tip_radius_m)
    }

    /// δσ̂_h = δσ_h Ω/RT of a concentration perturbation `dc` (linear in `dc`).
    fn perturbation_stress_hat(&self, dc: &[f64]) -> Result<Vec<f64>, TipModelError> {
        let eig = self.perturbation_eigenstrain(dc);
        let f = elasticity::eigenstrain_load(&self.mesh, &self.material, Eigenstrain::PerNode(&eig));
        let u = self.elastic.solve(&f)?;
        let s = elasticity::nodal_stress(&self.mesh, &self.material, &u, Some(Eigenstrain::PerNode(&eig)));
        let su = self.stress_unit_pa();
        Ok(elasticity::hydrostatic(&s).into_iter().map(|v| v / su).collect())
    }

    fn perturbation_eigenstrain(&self, dc: &[f64]) -> Vec<f64> {
        let p = &self.params;
        let k = p.partial_molar_volume_m3_per_mol * p.c_max_mol_per_m3 / 3.0;
        dc.iter().map(|v| k * v).collect()
    }

    /// The Jacobians of the steady EAFE flux divergence F_i(η, w) = Σ_edges ω_ij M_ij (μ_i − μ_j), μ = η + w,
    /// of the time stepper (transport.rs: `edge_mobility` with the stress stabilisation s_e = β c̄_e that the
    /// converged step contains) about (state, dc_bias_v), element by element by central differences.
    fn linearise(&self, state: &State, dc_bias_v: f64) -> Result<Linearised, TipModelError> {
        let mesh = &self.mesh;
        let n = mesh.n_nodes();
        let (vt, su) = (self.thermal_voltage_v(), self.stress_unit_pa());
        let eta = &state.logit_c;
        let w: Vec<f64> = (0..n).map(|i| self.unit_potential[i] * dc_bias_v / vt - state.sigma_h_pa[i] / su).collect();
        let beta = 0.5 * self.stress_stiffening();
        let mut j_eta = Triplets::with_capacity(n, mesh.n_elements() * 9);
        let mut j_w = Triplets::with_capacity(n, mesh.n_elements() * 9);
        for e in 0..mesh.n_elements() {
            let nodes = mesh.element(e);
            let omega = edge_weights(mesh, e);
            let local = |x: &[f64; 6]| -> [f64; 3] {
                // x = (η_a, η_b, η_c, w_a, w_b, w_c): the element's contribution to F at its nodes.
                let stab = beta * (logistic(x[0]) + logistic(x[1]) + logistic(x[2])) / 3.0;
                let mut r = [0.0; 3];
                for (k, &om) in omega.iter().enumerate() {
                    if om == 0.0 {
                        continue;
                    }
                    let (i, j) = (k, (k + 1) % 3);
                    let m = edge_mobility(x[i], x[j], x[3 + i], x[3 + j], stab);
                    let flux = om * m * (x[i] + x[3 + i] - x[j] - x[3 + j]);
                    r[i] += flux;
                    r[j] -= flux;
                }
                r
            };
            let x0 = [eta[nodes[0]], eta[nodes[1]], eta[nodes[2]], w[nodes[0]], w[nodes[1]], w[nodes[2]]];
            for col in 0..6 {
                // Central difference: truncation O(h²) ≈ 1e-10 relative, rounding ≈ ε/h ≈ 1e-11.
                let h = FD_STEP * (1.0 + x0[col].abs());
                let (mut xp, mut xm) = (x0, x0);
                xp[col] += h;
                xm[col] -= h;
                let (rp, rm) = (local(&xp), local(&xm));
                let target = if col < 3 { &mut j_eta } else { &mut j_w };
                for row in 0..3 {
                    let v = (rp[row] - rm[row]) / (2.0 * h);
                    if v != 0.0 {
                        target.add(nodes[row], nodes[col % 3], v);
                    }
                }
            }
        }
        let slope: Vec<f64> = eta.iter().map(|&e| logistic_slope(e)).collect();
        let psi_hat: Vec<f64> = self.unit_potential.iter().map(|p| p / vt).collect();
        let drive = j_w.to_csc()?.mul_vec(&psi_hat).into_iter().map(|v| -v).collect();
        Ok(Linearised { j_eta, j_w, slope, drive, beta: self.stress_stiffening() * 0.5 })
    }
}

fn check_frequency(frequency_hz: f64) -> Result<(), TipModelError> {
    if frequency_hz >= 0.0 && frequency_hz.is_finite() {
        Ok(())
    } else {
        Err(TipModelError::Input { name: "frequency_hz", value: frequency_hz, expected: "finite and ≥ 0" })
    }
}
