//! Frequency-domain small-signal response of the tip model: the complex surface displacement u_z(0, 0) per
//! volt of a small AC tip bias δV e^{iωt} superposed on a DC bias, about a frozen state (Eshghinejad et al. 2017, Eqs. 1–4;
//! Hausen & Balke 2024, Fig. 1b for the frequency response).
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
//! **Adjoint.** For derivatives of R with respect to the frozen state (the resolution function of
//! `sim::esm::mapping` needs ∂R/∂c₀ on every mesh r-line), write the bordered system about state s as
//! A(s) z = b(s) and the response as R = gᵀ C(s) δη̂ (g: u_z(0, 0) per unit δc; complex, with the complex
//! system (J + sD) δη̂ = f in place of its real block form). With the adjoint λ of Aᵀλ = ∂R/∂z — the
//! transpose, not the conjugate transpose: R is complex-linear in δη̂ — the Lagrangian
//! L(s) = gᵀ C(s) δη̂ − λᵀ (A(s) z − b(s)), evaluated with z and λ of the linearisation state s₀, has
//! dL/ds = dR/ds at s₀ (the standard adjoint identity: the dz/ds terms cancel), so a derivative of R in any
//! direction of the state costs two residual evaluations (assembly of J_η, J_w and b about s₀ ± δh, one
//! application of A, no solve) instead of two solves ([`AcAdjoint::lagrangian`]). In the real block form,
//! Aᵀ is [[Jᵀ + s_re D, −s_im D], [s_im D, Jᵀ + s_re D]] bordered with column d and row m (the complex
//! transpose, not the real transpose of the block matrix); Jᵀ = J_ηᵀ − C Sᵀ J_wᵀ, with Sᵀ applied by the
//! transposed chain (nodal stress recovery, the symmetric elastic solve with homogeneous supports,
//! eigenstrain load: `elasticity::hydrostatic_stress_transpose`, `eigenstrain_load_transpose`, checked by
//! dot-product identities), the preconditioner the LU of the transposed block matrix.
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
use crate::numerics::sparse::{CscMatrix, Factor, MatrixKind, Symbolic, Triplets};
use crate::sim::fem::FemError;
use crate::sim::fem::elasticity::{self, Eigenstrain};
use serde::Serialize;
use std::sync::Mutex;

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
        let system = Bordered::new(self, state, dc_bias_v, s)?;
        let z = system.solve(&system.rhs(), false)?;
        Ok(system.concentration(&z))
    }

    /// The forward and adjoint small-signal solutions about `state` at `frequency_hz` for derivatives of the
    /// response with respect to the state ([`AcAdjoint`], module doc "Adjoint").
    pub fn ac_adjoint(&self, state: &State, dc_bias_v: f64, frequency_hz: f64) -> Result<AcAdjoint, TipModelError> {
        check_frequency(frequency_hz)?;
        let omega_hat = 2.0 * std::f64::consts::PI * frequency_hz * self.time_unit_s();
        let s = (0.0, omega_hat);
        let system = Bordered::new(self, state, dc_bias_v, s)?;
        let forward = system.solve(&system.rhs(), false)?;
        // R = gᵀ (c' ⊙ δη̂) with g = ∂u_z(0,0)/∂δc (the transposed elastic map applied to e_z at the origin).
        let output = self.displacement_functional()?;
        let n = self.mesh.n_nodes();
        let mut rhs = vec![0.0; 2 * n + 2];
        for i in 0..n {
            rhs[i] = system.lin.slope[i] * output[i];
        }
        let adjoint = system.solve(&rhs, true)?;
        let (x, y) = system.concentration(&forward);
        let response = AcResponse { re_m_per_v: self.perturbation_uz_m(&x)?, im_m_per_v: self.perturbation_uz_m(&y)? };
        Ok(AcAdjoint { dc_bias_v, s, forward, adjoint, output, response })
    }

    /// g with gᵀδc = u_z(0, 0) in m of the eigenstrain of δc ([`Self::perturbation_uz_m`]): the transposed
    /// chain eigenstrain → load → displacement (K symmetric, supports homogeneous).
    fn displacement_functional(&self) -> Result<Vec<f64>, TipModelError> {
        let mut e = vec![0.0; 2 * self.mesh.n_nodes()];
        e[2 * self.origin + 1] = self.params.tip_radius_m;
        let v = self.elastic_solve_transpose(&e)?;
        let k = self.eigenstrain_per_concentration();
        Ok(elasticity::eigenstrain_load_transpose(&self.mesh, &self.material, &v).into_iter().map(|g| k * g).collect())
    }

    /// The transpose of the constrained elastic solve f ↦ u: the same solve, since K is symmetric and the
    /// supports are homogeneous (u = 0 on the fixed components).
    fn elastic_solve_transpose(&self, v: &[f64]) -> Result<Vec<f64>, TipModelError> {
        Ok(self.elastic.solve(v)?)
    }

    /// The transpose of δc ↦ δσ̂_h(δc) ([`Self::perturbation_stress_hat`]).
    fn perturbation_stress_hat_transpose(&self, w: &[f64]) -> Result<Vec<f64>, TipModelError> {
        let su = self.stress_unit_pa();
        let scaled: Vec<f64> = w.iter().map(|v| v / su).collect();
        let (a_u, a_e) = elasticity::hydrostatic_stress_transpose(&self.mesh, &self.material, &scaled);
        let v = self.elastic_solve_transpose(&a_u)?;
        let load = elasticity::eigenstrain_load_transpose(&self.mesh, &self.material, &v);
        let k = self.eigenstrain_per_concentration();
        Ok(load.iter().zip(&a_e).map(|(a, b)| k * (a + b)).collect())
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
        let k = self.eigenstrain_per_concentration();
        dc.iter().map(|v| k * v).collect()
    }

    /// Vegard eigenstrain per unit concentration change, Ω c_max/3.
    fn eigenstrain_per_concentration(&self) -> f64 {
        let p = &self.params;
        p.partial_molar_volume_m3_per_mol * p.c_max_mol_per_m3 / 3.0
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
                    // Exact zeros (saturated nodes) are kept: the pattern then depends on the mesh only, so
                    // the preconditioner's symbolic analysis is reused across reads (`AnalysisCache`).
                    target.add(nodes[row], nodes[col % 3], (rp[row] - rm[row]) / (2.0 * h));
                }
            }
        }
        let slope: Vec<f64> = eta.iter().map(|&e| logistic_slope(e)).collect();
        let psi_hat: Vec<f64> = self.unit_potential.iter().map(|p| p / vt).collect();
        let drive = j_w.to_csc()?.mul_vec(&psi_hat).into_iter().map(|v| -v).collect();
        Ok(Linearised { j_eta, j_w, slope, drive, beta: self.stress_stiffening() * 0.5 })
    }
}

/// The symbolic LU analyses (fill-reducing ordering and elimination structure) of the small-signal
/// preconditioners of one model, kept across reads. **Why:** every read factors a matrix of the same few
/// patterns (per mesh: static or dynamic, forward or transposed), and the analysis (COLAMD ordering) cost
/// as much as the numeric factorisation (perf, 2026-12-04: ~11 % of a relaxation run). An analysis is
/// reused only for an identical pattern (column pointers and row indices compared), so a matrix of another
/// pattern can never be factored with a wrong analysis; the linearisation keeps exact zeros, so the patterns
/// depend on the mesh only.
#[derive(Debug, Default)]
pub(super) struct AnalysisCache {
    entries: Mutex<Vec<CachedAnalysis>>,
}

#[derive(Debug)]
struct CachedAnalysis {
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    symbolic: Symbolic,
}

/// Patterns kept per model (forward and transposed, with and without the sD block, and a spare).
const CACHED_ANALYSES: usize = 6;

impl AnalysisCache {
    /// The sparse LU factor of `a`, with the analysis of its pattern from the cache (or made and kept).
    fn factor(&self, a: &CscMatrix) -> Result<Factor, FemError> {
        let (col_ptr, row_idx, _) = a.parts();
        let cached = {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.iter().find(|c| c.col_ptr == col_ptr && c.row_idx == row_idx).map(|c| c.symbolic.clone())
        };
        let symbolic = match cached {
            Some(s) => s,
            None => {
                let s = Symbolic::analyse(a, MatrixKind::General)?;
                let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
                if entries.len() >= CACHED_ANALYSES {
                    entries.remove(0);
                }
                entries.push(CachedAnalysis {
                    col_ptr: col_ptr.to_vec(),
                    row_idx: row_idx.to_vec(),
                    symbolic: s.clone(),
                });
                s
            }
        };
        Ok(symbolic.factor(a)?)
    }
}

/// The bordered real block system of the small-signal response about one frozen state at one normalised
/// complex frequency s (module doc "Solve" and "Mass constraint"): unknowns z = [x (n), y (n), μ_x, μ_y] with
/// δη̂ = x + iy, rows (J + sD) δη̂ + m μ = f and dᵀ δη̂ = 0, d = m c'.
struct Bordered<'a> {
    model: &'a TipModel,
    lin: Linearised,
    j_eta: CscMatrix,
    j_w: CscMatrix,
    /// D = diag(m c'(η)): the lumped mass of the time stepper in the logit variable.
    d: Vec<f64>,
    s: (f64, f64),
}

impl<'a> Bordered<'a> {
    fn new(model: &'a TipModel, state: &State, dc_bias_v: f64, s: (f64, f64)) -> Result<Self, TipModelError> {
        if !dc_bias_v.is_finite() {
            return Err(TipModelError::Input { name: "dc_bias_v", value: dc_bias_v, expected: "finite" });
        }
        let n = model.mesh.n_nodes();
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
            let p = model.mesh.nodes[node];
            return Err(TipModelError::OutOfRange { node, value: logistic(value), r_l: p[0], z_l: p[1] });
        }
        if let Some((i, &v)) = state.sigma_h_pa.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(FemError::Input(format!("state: σ_h = {v} Pa at node {i}, expected finite")).into());
        }
        let lin = model.linearise(state, dc_bias_v)?;
        let d = model.lumped_mass.iter().zip(&lin.slope).map(|(m, c)| m * c).collect();
        let (j_eta, j_w) = (lin.j_eta.to_csc()?, lin.j_w.to_csc()?);
        Ok(Bordered { model, lin, j_eta, j_w, d, s })
    }

    fn n(&self) -> usize {
        self.d.len()
    }

    fn dynamic(&self) -> bool {
        self.s.0 != 0.0 || self.s.1 != 0.0
    }

    /// The right-hand side [f, 0, 0, 0].
    fn rhs(&self) -> Vec<f64> {
        let mut b = vec![0.0; 2 * self.n() + 2];
        b[..self.n()].copy_from_slice(&self.lin.drive);
        b
    }

    /// δĉ = c' δη̂ (real and imaginary parts) of a solution z.
    fn concentration(&self, z: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = self.n();
        let x = z[..n].iter().zip(&self.lin.slope).map(|(a, b)| a * b).collect();
        let y = z[n..2 * n].iter().zip(&self.lin.slope).map(|(a, b)| a * b).collect();
        (x, y)
    }

    /// A z (or, `transposed`, the real block form of the complex transpose Aᵀ z: J → Jᵀ, sD unchanged, border
    /// column m ↔ row d). The stress term of J is −J_w S C with S the dense elastic map δc ↦ δσ̂_h, applied by
    /// one back-substitution of the kept elastic factor (its transpose by the transposed chain).
    fn apply(&self, z: &[f64], transposed: bool) -> Result<Vec<f64>, TipModelError> {
        let (n, model, slope) = (self.n(), self.model, &self.lin.slope);
        let mass = &model.lumped_mass;
        let (column, row) = if transposed { (&self.d, mass) } else { (mass, &self.d) };
        let mut out = vec![0.0; 2 * n + 2];
        for (block, lambda) in [(0, 2 * n), (n, 2 * n + 1)] {
            let v = &z[block..block + n];
            let stress_part: Vec<f64> = if transposed {
                // −C Sᵀ J_wᵀ v.
                let q = self.j_w.mul_vec_transpose(v);
                model.perturbation_stress_hat_transpose(&q)?.iter().zip(slope).map(|(a, c)| -a * c).collect()
            } else {
                // J_w δw with δw = −δσ̂_h(c' v) (the potential part is the drive).
                let dc: Vec<f64> = v.iter().zip(slope).map(|(a, b)| a * b).collect();
                let dw: Vec<f64> = model.perturbation_stress_hat(&dc)?.into_iter().map(|x| -x).collect();
                self.j_w.mul_vec(&dw)
            };
            let a = if transposed { self.j_eta.mul_vec_transpose(v) } else { self.j_eta.mul_vec(v) };
            for i in 0..n {
                out[block + i] += a[i] + stress_part[i] + column[i] * z[lambda];
            }
            out[lambda] = v.iter().zip(row).map(|(a, m)| a * m).sum();
        }
        if self.dynamic() {
            let (s, d) = (self.s, &self.d);
            for i in 0..n {
                out[i] += s.0 * d[i] * z[i] - s.1 * d[i] * z[n + i];
                out[n + i] += s.1 * d[i] * z[i] + s.0 * d[i] * z[n + i];
            }
        }
        Ok(out)
    }

    /// Sparse LU of the block system with the dense stress term replaced by its local estimate
    /// P ≈ β diag(c') (β as in the time stepper's `stress_stiffening`), or of its transpose.
    fn preconditioner(&self, transposed: bool) -> Result<Factor, TipModelError> {
        let (n, lin) = (self.n(), &self.lin);
        let dim = 2 * n + 2;
        let mut t = Triplets::with_capacity(dim, 2 * (lin.j_eta.entries().len() + lin.j_w.entries().len()) + 8 * n);
        let mut add = |i: usize, j: usize, v: f64| if transposed { t.add(j, i, v) } else { t.add(i, j, v) };
        for block in [0, n] {
            for &(i, j, v) in lin.j_eta.entries() {
                add(block + i, block + j, v);
            }
            for &(i, j, v) in lin.j_w.entries() {
                add(block + i, block + j, v * lin.beta * lin.slope[j]);
            }
        }
        for (i, (&m, &di)) in self.model.lumped_mass.iter().zip(&self.d).enumerate() {
            add(i, 2 * n, m);
            add(2 * n, i, di);
            add(n + i, 2 * n + 1, m);
            add(2 * n + 1, n + i, di);
        }
        if self.dynamic() {
            // sD is diagonal in each block: the same in the complex transpose.
            for (i, &v) in self.d.iter().enumerate() {
                t.add(i, i, self.s.0 * v);
                t.add(n + i, n + i, self.s.0 * v);
                t.add(i, n + i, -self.s.1 * v);
                t.add(n + i, i, self.s.1 * v);
            }
        }
        let a = t.to_csc()?;
        Ok(self.model.ac_analyses.factor(&a)?)
    }

    /// Solve A z = b (or Aᵀ z = b) by right-preconditioned GMRES to [`AC_GMRES_TOL`].
    fn solve(&self, b: &[f64], transposed: bool) -> Result<Vec<f64>, TipModelError> {
        let precond = self.preconditioner(transposed)?;
        let out =
            gmres(|z| self.apply(z, transposed), |v| Ok(precond.solve(v)), b, AC_GMRES_TOL, 60, AC_GMRES_MAX_ITER)?;
        if !out.converged {
            return Err(TipModelError::NotConverged { iterations: out.iterations, last_change: out.relative_residual });
        }
        Ok(out.x)
    }
}

/// The forward solution z and the adjoint solution λ (Aᵀλ = ∂R/∂z, transpose not conjugate transpose) of the
/// small-signal system about one state, for derivatives of the response R with respect to the state
/// (module doc "Adjoint"): dR = ∂_s[gᵀ C(s) δη̂ − λᵀ r(s, z)] with the residual r(s, z) = A(s) z − b(s) of
/// the system about a nearby state s and z, λ held fixed.
#[derive(Clone, Debug)]
pub struct AcAdjoint {
    dc_bias_v: f64,
    s: (f64, f64),
    /// [x, y, μ_x, μ_y] (real block form).
    forward: Vec<f64>,
    /// [λ_x, λ_y, ν_x, ν_y]: λ = λ_x + iλ_y.
    adjoint: Vec<f64>,
    /// g: u_z(0, 0) = gᵀ δc, m per unit concentration.
    output: Vec<f64>,
    /// The response at the linearisation state, per volt.
    pub response: AcResponse,
}

impl AcAdjoint {
    /// The complex Lagrangian L(s) = gᵀ C(s) δη̂ − λᵀ r(s, z) at `state` (a state of `model`, the model the
    /// adjoint was computed on) with z, λ from the linearisation state: L equals R there (r = 0) and
    /// dL/ds = dR/ds to first order in the state change, so a central difference of L over states
    /// s₀ ± δh gives dR/dδ along h to O(δ²) with residual evaluations only (no solves).
    pub fn lagrangian(&self, model: &TipModel, state: &State) -> Result<AcResponse, TipModelError> {
        let system = Bordered::new(model, state, self.dc_bias_v, self.s)?;
        let n = system.n();
        if self.forward.len() != 2 * n + 2 {
            return Err(
                FemError::Input(format!("adjoint of {} unknowns on a mesh of {n} nodes", self.forward.len())).into()
            );
        }
        let mut r = system.apply(&self.forward, false)?;
        for (ri, bi) in r.iter_mut().zip(system.rhs()) {
            *ri -= bi;
        }
        let (z, lam) = (&self.forward, &self.adjoint);
        let (mut re, mut im) = (0.0, 0.0);
        for i in 0..n {
            let gc = self.output[i] * system.lin.slope[i];
            re += gc * z[i];
            im += gc * z[n + i];
        }
        // λᵀ r, complex bilinear (no conjugation): rows k (real part) and n + k (imaginary part), border
        // rows 2n, 2n + 1.
        let pairs = (0..n).map(|k| (k, n + k)).chain(std::iter::once((2 * n, 2 * n + 1)));
        for (a, b) in pairs {
            re -= lam[a] * r[a] - lam[b] * r[b];
            im -= lam[a] * r[b] + lam[b] * r[a];
        }
        Ok(AcResponse { re_m_per_v: re, im_m_per_v: im })
    }
}

fn check_frequency(frequency_hz: f64) -> Result<(), TipModelError> {
    if frequency_hz >= 0.0 && frequency_hz.is_finite() {
        Ok(())
    } else {
        Err(TipModelError::Input { name: "frequency_hz", value: frequency_hz, expected: "finite and ≥ 0" })
    }
}
