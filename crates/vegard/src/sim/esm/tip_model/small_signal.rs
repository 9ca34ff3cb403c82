//! Frequency-domain small-signal response of the tip model: the complex surface displacement u_z(0, 0) per
//! volt of a small AC tip bias δV e^{iωt} superposed on a DC bias, about a frozen state (seed 000 Eqs. 1–4;
//! seed 001 Fig. 1b for the frequency response).
//!
//! **Linearisation.** With the discrete residual of the time stepper (see the parent module doc, element
//! average c̄_e in the diffusion coefficient)
//! F_i(c) = Σ_e ∫ [∇c/(1−c̄_e) + c ∇w]·∇N_i r, w = φ̂ − σ̂_h,
//! a perturbation δc, δw about the state (c_s, w_s) gives
//! δF = ∫ [∇δc/(1−c̄_e) + ∇c_s δc̄_e/(1−c̄_e)² + δc ∇w_s + c_s ∇δw]·∇N_i r,
//! δw = ψ δV/V_T − δσ̂_h(δc), where ψ is the unit potential, V_T = RT/(Fz) and δσ̂_h(δc) is the hydrostatic
//! stress of the Vegard eigenstrain (Ω c_max/3) δc from the model's elastic solve (linear, dense). With
//! time-harmonic fields δc(t) = Re[δĉ e^{iωt}] and ω̂ = ωL²/D:
//! (iω̂ M + A + P) δĉ = f (M the lumped mass of the time stepper), A δc = the first three terms, P δc = K_c(−S δc) (S = ∂σ̂_h/∂c, K_c = ∫ c_s ∇N_j·∇N_i r),
//! f = −K_c ψ δV/V_T. This is the exact derivative of the Galerkin time-stepping operator, so the ω → 0 limit
//! equals the quasi-static response of `step` to a small DC step and the time-harmonic solution equals the
//! long-time periodic state of `step` as Δt → 0 (both verified in `tests/esm_small_signal.rs`). The drift
//! term is plain Galerkin, acceptable here because the perturbation is small and the linearisation is taken
//! about a state with small drift (the off-state or a small DC bias); the exponentially fitted flux that the
//! time stepper is moving to would change the linear operator A only by O(h·|∇w_s|) near strong fields.
//!
//! **Solve.** δĉ = x + iy as the real block system [[A', −ω̂M], [ω̂M, A']] with A' = A + βK_c̄, sparse LU
//! (MatrixKind::General). The dense stress operator P is lagged in a Picard iteration, stabilised exactly
//! like the time stepper (`stress_stiffening`): β = θ_max/2 of it is moved into the implicit diffusion
//! coefficient (K_c̄ with the element average of c_s) and subtracted again with the previous iterate, so the
//! iteration contracts with factor ≤ (θ_max c/2)/(1/(1−c) + θ_max c/2); iterate until
//! max |Δδĉ| ≤ [`AC_PICARD_TOL`] · max |δĉ|.
//!
//! **Mass constraint.** Every column of A, K_c and P sums to zero (Σ_i ∇N_i = 0), so 1ᵀ(A + P) = 0 and
//! 1ᵀ f = 0: at ω = 0 the closed system is singular (the null mode is the shift of the equilibrium amount).
//! The system is bordered with the constraint Σ_i m_i δc_i = 0 (m = M·1, a Lagrange multiplier per real
//! and imaginary part): at ω = 0 it fixes the null mode (δV moves ions but conserves their amount); at
//! ω > 0 the constraint already holds for the exact solution (1ᵀ iω̂ M δĉ = 1ᵀ(f − (A + P) δĉ) = 0) and the
//! multipliers vanish.
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

use super::{State, TipModel, TipModelError};
use crate::sim::fem::elasticity::{self, Eigenstrain};
use crate::sim::fem::element::AffineMap;
use crate::sim::fem::quadrature::triangle_degree5;
use crate::sim::fem::scalar;
use crate::sim::fem::sparse::{Factor, MatrixKind, Triplets};
use crate::sim::fem::{FemError, Order};
use serde::Serialize;

/// Relative convergence tolerance of the stress Picard iteration: max |Δδĉ| ≤ this × max |δĉ|.
pub const AC_PICARD_TOL: f64 = 1e-10;
/// Largest number of Picard iterations before [`TipModelError::NotConverged`].
pub const AC_PICARD_MAX_ITER: usize = 500;

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

/// The linearised transport operator and its data, about one frozen state.
struct Linearised {
    /// A + β K_c̄ (Galerkin linearisation plus the Picard stabilisation).
    a_stab: Triplets,
    /// K_c: ∫ c_s ∇N_j·∇N_i r.
    k_c: crate::sim::fem::sparse::CscMatrix,
    /// β K_c̄.
    k_beta: crate::sim::fem::sparse::CscMatrix,
    /// f per volt: −K_c ψ / V_T.
    drive: Vec<f64>,
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

    /// Solve (s M + A + P) δĉ = f for the normalised complex frequency s = (s_re, s_im) (s = iω̂ for the
    /// time-harmonic response).
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
        if state.c.len() != n || state.sigma_h_pa.len() != n {
            return Err(FemError::Input(format!(
                "state has {} / {} values, expected {n}",
                state.c.len(),
                state.sigma_h_pa.len()
            ))
            .into());
        }
        if let Some((node, &value)) = state.c.iter().enumerate().find(|(_, v)| !(**v > 0.0 && **v < 1.0)) {
            let p = self.mesh.nodes[node];
            return Err(TipModelError::OutOfRange { node, value, r_l: p[0], z_l: p[1] });
        }
        let lin = self.linearise(state, dc_bias_v)?;

        // Bordered real block system, unknowns [x (n), y (n), λ_x, λ_y].
        let dim = 2 * n + 2;
        let mut t = Triplets::with_capacity(dim, 2 * lin.a_stab.entries().len() + 2 * n * 9 + 4 * n);
        for &(i, j, v) in lin.a_stab.entries() {
            t.add(i, j, v);
            t.add(n + i, n + j, v);
        }
        let dynamic = s.0 != 0.0 || s.1 != 0.0;
        if dynamic {
            // The lumped mass of the time stepper (mod.rs), so that the periodic limit of `step` is this
            // response exactly as Δt → 0.
            for (i, &v) in self.lumped_mass.iter().enumerate() {
                t.add(i, i, s.0 * v);
                t.add(n + i, n + i, s.0 * v);
                t.add(i, n + i, -s.1 * v);
                t.add(n + i, i, s.1 * v);
            }
        }
        let m_row: Vec<f64> = self.mass.mul_vec(&vec![1.0; n]);
        for (i, &mi) in m_row.iter().enumerate() {
            t.add(i, 2 * n, mi);
            t.add(2 * n, i, mi);
            t.add(n + i, 2 * n + 1, mi);
            t.add(2 * n + 1, n + i, mi);
        }
        let lu = Factor::new(&t.to_csc()?, MatrixKind::General)?;

        let beta_rhs = |z: &[f64]| -> Result<Vec<f64>, TipModelError> {
            // (β K_c̄ + K_c S) z: the part of the stress coupling moved to the right-hand side.
            let s = self.perturbation_stress_hat(z)?;
            let a = lin.k_beta.mul_vec(z);
            let b = lin.k_c.mul_vec(&s);
            Ok(a.iter().zip(&b).map(|(p, q)| p + q).collect())
        };
        let mut x = vec![0.0; n];
        let mut y = vec![0.0; n];
        let mut last = f64::INFINITY;
        for _ in 0..AC_PICARD_MAX_ITER {
            let rx = beta_rhs(&x)?;
            let ry = if dynamic { beta_rhs(&y)? } else { vec![0.0; n] };
            let mut b = vec![0.0; dim];
            for i in 0..n {
                b[i] = lin.drive[i] + rx[i];
                b[n + i] = ry[i];
            }
            let z = lu.solve(&b);
            let scale = z[..2 * n].iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let change =
                z[..n].iter().zip(&x).chain(z[n..2 * n].iter().zip(&y)).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            x.copy_from_slice(&z[..n]);
            y.copy_from_slice(&z[n..2 * n]);
            if !scale.is_finite() {
                break;
            }
            last = change / scale.max(f64::MIN_POSITIVE);
            if last <= AC_PICARD_TOL {
                return Ok((x, y));
            }
        }
        Err(TipModelError::NotConverged { iterations: AC_PICARD_MAX_ITER, last_change: last })
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

    /// Assemble the linearised operator about (state, dc_bias_v) (module doc).
    #[allow(clippy::needless_range_loop)] // i, j address the local matrix and the shape arrays together.
    fn linearise(&self, state: &State, dc_bias_v: f64) -> Result<Linearised, TipModelError> {
        let mesh = &self.mesh;
        let n = mesh.n_nodes();
        let (vt, su) = (self.thermal_voltage_v(), self.stress_unit_pa());
        let c = &state.c;
        let w: Vec<f64> = (0..n).map(|i| self.unit_potential[i] * dc_bias_v / vt - state.sigma_h_pa[i] / su).collect();
        let beta = 0.5 * self.stress_stiffening();
        let rule = triangle_degree5();
        let mut a = Triplets::with_capacity(n, mesh.n_elements() * 9);
        let mut kc = Triplets::with_capacity(n, mesh.n_elements() * 9);
        let mut cbar_beta = Vec::with_capacity(mesh.n_elements());
        for e in 0..mesh.n_elements() {
            let nodes = mesh.element(e);
            let cbar = nodes.iter().map(|&i| c[i]).sum::<f64>() / 3.0;
            cbar_beta.push(beta * cbar);
            let d = 1.0 / (1.0 - cbar);
            let d2 = d * d;
            let map = AffineMap::of(mesh, e);
            let mut la = [[0.0; 3]; 3];
            let mut lk = [[0.0; 3]; 3];
            for s in map.at_points(Order::P1, &rule) {
                let (mut wr, mut wz, mut cr, mut cz, mut ch) = (0.0, 0.0, 0.0, 0.0, 0.0);
                for k in 0..3 {
                    wr += s.dn_dr[k] * w[nodes[k]];
                    wz += s.dn_dz[k] * w[nodes[k]];
                    cr += s.dn_dr[k] * c[nodes[k]];
                    cz += s.dn_dz[k] * c[nodes[k]];
                    ch += s.n[k] * c[nodes[k]];
                }
                let wt = s.area_weight * s.r;
                for i in 0..3 {
                    let drift = wr * s.dn_dr[i] + wz * s.dn_dz[i];
                    // ∇c_s/(1−c̄)² · ∇N_i, times ∂c̄_e/∂c_j = 1/3.
                    let dcoef = d2 * (cr * s.dn_dr[i] + cz * s.dn_dz[i]) / 3.0;
                    for j in 0..3 {
                        let grad = s.dn_dr[i] * s.dn_dr[j] + s.dn_dz[i] * s.dn_dz[j];
                        la[i][j] += wt * (d * grad + dcoef + s.n[j] * drift);
                        lk[i][j] += wt * ch * grad;
                    }
                }
            }
            for i in 0..3 {
                for j in 0..3 {
                    a.add(nodes[i], nodes[j], la[i][j]);
                    kc.add(nodes[i], nodes[j], lk[i][j]);
                }
            }
        }
        let k_beta_t = scalar::stiffness_per_element(mesh, &cbar_beta);
        a.add_scaled(&k_beta_t, 1.0);
        let k_c = kc.to_csc()?;
        let psi_hat: Vec<f64> = self.unit_potential.iter().map(|p| p / vt).collect();
        let drive = k_c.mul_vec(&psi_hat).into_iter().map(|v| -v).collect();
        Ok(Linearised { a_stab: a, k_c, k_beta: k_beta_t.to_csc()?, drive })
    }
}

fn check_frequency(frequency_hz: f64) -> Result<(), TipModelError> {
    if frequency_hz >= 0.0 && frequency_hz.is_finite() {
        Ok(())
    } else {
        Err(TipModelError::Input { name: "frequency_hz", value: frequency_hz, expected: "finite and ≥ 0" })
    }
}
