//! The coupled tip–sample ESM model of seed 000 (Eqs. 1–4, Fig. 1, Methods), first version.
//!
//! Axisymmetric sample r ∈ [0, R], z ∈ [−H, 0]; a tip of radius L touches the top at r = 0. Three fields on
//! one P1 triangle mesh (lengths in units of L, so the matrices are O(1)):
//!
//! - **Electrostatics** (Eq. 1): ∇·(ε∇φ) = 0 with uniform ε, so φ = V ψ with ψ the unit solution; bottom
//!   φ = 0 (grounded substrate), side charge-free. The tip is by default ([`TipElectrostatics::Sphere`]) a
//!   conducting sphere of radius L at V across an air gap g ≥ 0 (0 = contact): the top boundary carries the
//!   surface potential of that sphere over a dielectric half-space of the sample's ε_r, from the exact
//!   image-charge series ([`crate::sim::analytic::sphere_tip`]); it is V at the contact point and decays
//!   smoothly outwards, so the field has no singular edge. **Assumption:** the surface potential is that of
//!   a half-space (the grounded substrate 10 L below changes it by the field reaching that deep; see the
//!   test `sphere_surface_potential_matches_the_halfspace_series`). The first version's Dirichlet patch
//!   φ = V for r ≤ a_c ([`TipElectrostatics::ContactPatch`], radius [`MeshOptions::contact_radius_l`], default
//!   0.2 L, the Hertz radius of [`hertz_contact_radius_m`] for F ≈ 0.8 µN on LiFePO₄) stays available for
//!   comparison.
//! - **Ion transport** (Eqs. 2–3), dimensionless c = ĉ/c_max, normalised t̂ = tD/L², φ̂ = φFz/RT,
//!   σ̂_h = σ_hΩ/RT (Methods): ∂c/∂t̂ = ∇̂·[∇̂c/(1−c) − c∇̂σ̂_h + c∇̂φ̂] = ∇̂·[c ∇̂(μ/RT)] with
//!   μ/RT = ln(c/(1−c)) − σ̂_h + φ̂; zero flux on every boundary.
//! - **Mechanics** (Eq. 4): Vegard eigenstrain ε* = (Ω c_max/3)(c − c₀) **I** relative to the stress-free
//!   baseline c₀, σ = C(ε − ε*), ∇·σ = 0; top traction-free, bottom u_z = 0, side u_r = 0, axis u_r = 0.
//!   The ESM signal is u_z(0, 0).
//!
//! Weak form of the diffusion step (per radian, test function v):
//! ∫ (c − cⁿ)/Δt̂ v r + ∫ [∇c/(1−c̄_e) − c∇σ̂_h + c∇φ̂]·∇v r = 0.
//! **Time stepping:** backward Euler (BDF1). **Coupling:** staggered Picard iteration per step: the
//! diffusion step is solved with the element-average 1/(1 − c̄_e) and σ̂_h lagged at the previous iterate
//! (the drift terms are implicit in c with the lagged fields ∇φ̂ − ∇σ̂_h, a linear non-symmetric solve),
//! then the elasticity gives a new σ_h (half of the largest local stress feedback is moved into the implicit
//! diffusion coefficient and subtracted again with the previous iterate, which makes the iteration contract:
//! see `stress_stiffening`); repeat until max |Δc| < [`PICARD_TOL`]. At convergence the step is
//! the fully implicit BDF1 step of the coupled problem.
//!
//! **Limit of this version:** the drift term is plain Galerkin (no upwinding / exponential fitting), and the
//! Dirichlet patch makes ∇φ singular at its edge r = a_c, so in strong fields c overshoots below 0 there:
//! on the default LiFePO₄ preset a step of Δt̂ = 0.1 works at 0.1 V and fails (c < 0, reported as
//! [`TipModelError::OutOfRange`]) from about 0.3 V (φ̂ ≈ 12), on both the coarse and the default mesh. The
//! 1–3 V drives of the seed need a Scharfetter–Gummel (Slotboom) flux and the tip-sphere electrostatics. Because every column of the transport matrix sums
//! to zero (∑_i ∇N_i = 0), the discrete amount ∫ c r dr dz is conserved exactly by each linear solve.

use crate::sim::analytic::constants::{FARADAY, GAS_CONSTANT};
use crate::sim::analytic::sphere_tip::SphereOverDielectric;
use crate::sim::esm::params::EsmParams;
use crate::sim::fem::elasticity::{self, Eigenstrain, Isotropic, Support};
use crate::sim::fem::scalar;
use crate::sim::fem::sparse::{CscMatrix, Factor, MatrixKind};
use crate::sim::fem::system::Constrained;
use crate::sim::fem::{Boundary, CylinderSpec, FemError, Mesh, Order};

mod small_signal;
mod transport;

pub use small_signal::{AC_PICARD_MAX_ITER, AC_PICARD_TOL, AcResponse};

/// Convergence tolerance of the staggered (Picard) coupling: max |c^{k+1} − c^k| (c dimensionless).
pub const PICARD_TOL: f64 = 1e-11;
/// Largest number of Picard iterations per step before [`TipModelError::NotConverged`].
pub const PICARD_MAX_ITER: usize = 300;
/// Growth factor of the substep length in [`TipModel::advance`].
pub const ADVANCE_GROWTH: f64 = 1.5;

/// What can go wrong building or stepping the tip model.
#[derive(Debug, thiserror::Error)]
pub enum TipModelError {
    #[error(transparent)]
    Fem(#[from] FemError),
    #[error("tip model parameter `{name}` = {value}: expected {expected}")]
    Input { name: &'static str, value: f64, expected: &'static str },
    #[error(
        "concentration left (0, 1): c = {value} at node {node} (r = {r_l} L, z = {z_l} L); the Galerkin drift term does not preserve positivity in strong fields (φ̂ = FzV/RT ≳ 10 at the contact edge): use a smaller bias or a finer mesh"
    )]
    OutOfRange { node: usize, value: f64, r_l: f64, z_l: f64 },
    #[error("staggered coupling did not converge in {iterations} iterations (last max |Δc| = {last_change})")]
    NotConverged { iterations: usize, last_change: f64 },
}

/// Mesh and contact options, lengths in units of the tip radius L.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeshOptions {
    /// Element size near the tip, in L.
    pub h_min_l: f64,
    /// Extent of the uniformly fine region from the axis and from the top, in L.
    pub fine_extent_l: f64,
    /// Geometric growth of the element size outside the fine region.
    pub growth: f64,
    /// Largest element size, in L.
    pub h_max_l: f64,
    /// Radius a_c of the Dirichlet patch φ = V under the tip, in L (used by
    /// [`TipElectrostatics::ContactPatch`] only).
    pub contact_radius_l: f64,
    /// How the tip's potential enters the sample (module doc).
    pub electrostatics: TipElectrostatics,
}

/// The tip's boundary condition on the sample's top surface (module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TipElectrostatics {
    /// A conducting sphere of radius L at the tip bias, `gap_l` (in L) above the surface, over a dielectric
    /// half-space of the sample's ε_r: φ_top(r) from the image-charge series.
    Sphere { gap_l: f64 },
    /// φ = V on the top for r ≤ [`MeshOptions::contact_radius_l`], charge-free elsewhere (version 1).
    ContactPatch,
}

impl Default for MeshOptions {
    fn default() -> Self {
        MeshOptions {
            h_min_l: 0.05,
            fine_extent_l: 1.0,
            growth: 1.25,
            h_max_l: 1.0,
            contact_radius_l: 0.2,
            electrostatics: TipElectrostatics::Sphere { gap_l: 0.0 },
        }
    }
}

impl MeshOptions {
    /// A coarse mesh (h = 0.1 L near the tip) for fast tests and sweeps.
    pub fn coarse() -> Self {
        MeshOptions { h_min_l: 0.1, fine_extent_l: 1.0, growth: 1.3, h_max_l: 2.0, ..MeshOptions::default() }
    }
}

/// Hertz contact radius a = (3FL/(4E*))^{1/3} of a rigid sphere of radius L pressed with force F on an elastic
/// half-space, E* = E/(1 − ν²) (Johnson, Contact Mechanics, Eq. 4.22).
pub fn hertz_contact_radius_m(force_n: f64, tip_radius_m: f64, youngs_modulus_pa: f64, poisson: f64) -> f64 {
    let e_star = youngs_modulus_pa / (1.0 - poisson * poisson);
    (3.0 * force_n * tip_radius_m / (4.0 * e_star)).cbrt()
}

/// The unit potential ψ (φ = Vψ) in the sample: Laplace (uniform ε drops out), 0 on the grounded bottom, the
/// tip's surface potential on the top (module doc), charge-free side.
fn unit_potential(mesh: &Mesh, params: &EsmParams, options: &MeshOptions) -> Result<Vec<f64>, TipModelError> {
    let k_phi = scalar::stiffness(mesh, |_, _| 1.0);
    let mut fixed: Vec<(usize, f64)> = mesh.nodes_on(Boundary::Bottom).into_iter().map(|i| (i, 0.0)).collect();
    let top = mesh.nodes_on(Boundary::Top);
    match options.electrostatics {
        TipElectrostatics::ContactPatch => {
            let a = options.contact_radius_l;
            fixed.extend(top.into_iter().filter(|&i| mesh.nodes[i][0] <= a * (1.0 + 1e-9)).map(|i| (i, 1.0)));
        }
        TipElectrostatics::Sphere { gap_l } => {
            let l = params.tip_radius_m;
            if !(gap_l >= 0.0 && gap_l.is_finite()) {
                return Err(TipModelError::Input { name: "gap_l", value: gap_l, expected: "finite and ≥ 0 (in L)" });
            }
            let sphere = SphereOverDielectric::new(l, gap_l * l, params.relative_permittivity).map_err(|e| {
                TipModelError::Input { name: "relative_permittivity", value: e.value, expected: e.expected }
            })?;
            fixed.extend(top.into_iter().map(|i| (i, sphere.potential_per_volt(mesh.nodes[i][0] * l, 0.0))));
        }
    }
    Ok(Constrained::new(&k_phi, &fixed, MatrixKind::Spd)?.solve(&vec![0.0; mesh.n_nodes()])?)
}

/// The state of the sample at one time: nodal fields on [`TipModel::mesh`].
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Dimensionless concentration c = ĉ/c_max at each node.
    pub c: Vec<f64>,
    /// Hydrostatic stress σ_h at each node, Pa (consistent with `c`).
    pub sigma_h_pa: Vec<f64>,
    /// Time since the start, s.
    pub time_s: f64,
}

/// The assembled coupled model: mesh, parameters and the factorisations that do not change.
pub struct TipModel {
    params: EsmParams,
    mesh: Mesh,
    options: MeshOptions,
    /// Unit potential ψ (φ = V ψ).
    unit_potential: Vec<f64>,
    /// Consistent mass matrix ∫ N_i N_j r (mesh in L).
    mass: CscMatrix,
    material: Isotropic,
    elastic: Constrained,
    /// Node at (0, 0).
    origin: usize,
}

impl TipModel {
    pub fn new(params: &EsmParams, options: MeshOptions) -> Result<TipModel, TipModelError> {
        let l = params.tip_radius_m;
        let check = |name: &'static str, value: f64, ok: bool, expected: &'static str| {
            if ok && value.is_finite() { Ok(()) } else { Err(TipModelError::Input { name, value, expected }) }
        };
        check("tip_radius_m", l, l > 0.0, "> 0")?;
        let c0 = params.baseline_concentration;
        check("baseline_concentration", c0, c0 > 0.0 && c0 < 1.0, "in (0, 1)")?;
        check("diffusivity_m2_per_s", params.diffusivity_m2_per_s, params.diffusivity_m2_per_s > 0.0, "> 0")?;
        check("temperature_k", params.temperature_k, params.temperature_k > 0.0, "> 0")?;
        let a = options.contact_radius_l;
        check("contact_radius_l", a, a >= 0.0, "≥ 0 (in units of L)")?;
        let radius = params.sample_radius_m / l;
        let depth = params.sample_thickness_m / l;
        check("sample_radius_m", params.sample_radius_m, radius > a, "larger than the contact radius")?;
        let mesh = Mesh::cylinder(&CylinderSpec {
            radius,
            depth,
            h_min: options.h_min_l,
            fine_extent: options.fine_extent_l,
            growth: options.growth,
            h_max: options.h_max_l,
            order: Order::P1,
        })?;
        let origin = mesh
            .nodes
            .iter()
            .position(|p| p[0] == 0.0 && p[1] == 0.0)
            .ok_or_else(|| FemError::Input("mesh has no node at the tip apex (0, 0)".into()))?;

        let unit_potential = unit_potential(&mesh, params, &options)?;

        let mass = scalar::mass(&mesh, |_, _| 1.0).to_csc()?;
        let material = Isotropic::new(params.youngs_modulus_pa, params.poisson)?;
        let supports =
            elasticity::supports(&mesh, &[(Boundary::Bottom, Support::NoAxial), (Boundary::Side, Support::NoRadial)]);
        let elastic = Constrained::new(&elasticity::stiffness(&mesh, &material), &supports, MatrixKind::Spd)?;
        Ok(TipModel { params: params.clone(), mesh, options, unit_potential, mass, material, elastic, origin })
    }

    pub fn mesh(&self) -> &Mesh {
        &self.mesh
    }

    pub fn params(&self) -> &EsmParams {
        &self.params
    }

    pub fn options(&self) -> &MeshOptions {
        &self.options
    }

    /// RT/(Fz), V: the thermal voltage per charge number (φ̂ = φ / this).
    pub fn thermal_voltage_v(&self) -> f64 {
        GAS_CONSTANT * self.params.temperature_k / (FARADAY * self.params.charge_number)
    }

    /// RT/Ω, Pa: the stress unit of σ̂_h.
    pub fn stress_unit_pa(&self) -> f64 {
        GAS_CONSTANT * self.params.temperature_k / self.params.partial_molar_volume_m3_per_mol
    }

    /// L²/D, s: the time unit of t̂.
    pub fn time_unit_s(&self) -> f64 {
        self.params.tip_radius_m.powi(2) / self.params.diffusivity_m2_per_s
    }

    /// Nodal potential φ, V, for a tip bias `bias_v`.
    pub fn potential(&self, bias_v: f64) -> Vec<f64> {
        self.unit_potential.iter().map(|p| p * bias_v).collect()
    }

    /// The stress-free reference state c = c₀ everywhere (σ_h = 0, u = 0).
    pub fn equilibrium_state(&self) -> State {
        let n = self.mesh.n_nodes();
        State { c: vec![self.params.baseline_concentration; n], sigma_h_pa: vec![0.0; n], time_s: 0.0 }
    }

    /// Amount ∫ c r dr dz (per radian, in L³): conserved by [`Self::step`].
    pub fn amount(&self, state: &State) -> f64 {
        self.mass.mul_vec(&state.c).iter().sum()
    }

    /// Nodal displacements (u_r, u_z interleaved), m, relative to the c₀ state.
    pub fn displacement_m(&self, c: &[f64]) -> Result<Vec<f64>, TipModelError> {
        let eig = self.eigenstrain(c);
        let f = elasticity::eigenstrain_load(&self.mesh, &self.material, Eigenstrain::PerNode(&eig));
        let u = self.elastic.solve(&f)?;
        Ok(u.iter().map(|v| v * self.params.tip_radius_m).collect())
    }

    /// Surface displacement u_z(0, 0) under the tip, m, relative to the c₀ state (positive = up, out of the
    /// sample).
    pub fn surface_displacement_m(&self, state: &State) -> Result<f64, TipModelError> {
        Ok(self.displacement_m(&state.c)?[2 * self.origin + 1])
    }

    /// Hydrostatic stress σ_h (Pa) at the nodes for concentration `c`.
    pub fn hydrostatic_stress_pa(&self, c: &[f64]) -> Result<Vec<f64>, TipModelError> {
        let eig = self.eigenstrain(c);
        let f = elasticity::eigenstrain_load(&self.mesh, &self.material, Eigenstrain::PerNode(&eig));
        // u in units of L on a mesh in units of L: strains and stresses come out in SI.
        let u = self.elastic.solve(&f)?;
        let s = elasticity::nodal_stress(&self.mesh, &self.material, &u, Some(Eigenstrain::PerNode(&eig)));
        Ok(elasticity::hydrostatic(&s))
    }

    /// Dimensionless electrochemical potential μ/RT = ln(c/(1−c)) − σ̂_h + φ̂ at each node, for `bias_v`.
    pub fn chemical_potential_rt(&self, state: &State, bias_v: f64) -> Vec<f64> {
        let (vt, su) = (self.thermal_voltage_v(), self.stress_unit_pa());
        (0..self.mesh.n_nodes())
            .map(|i| {
                let c = state.c[i];
                (c / (1.0 - c)).ln() - state.sigma_h_pa[i] / su + self.unit_potential[i] * bias_v / vt
            })
            .collect()
    }

    /// Integrate over `duration_s` at constant bias `bias_v` (one pulse of a waveform). A bias jump starts a
    /// fast boundary-layer transient, so the substeps start at Δt = min(duration/64, 10⁻³ L²/D) and grow by
    /// [`ADVANCE_GROWTH`] per step up to duration/8; the last step is clipped to land on `duration_s`.
    pub fn advance(&self, state: &State, bias_v: f64, duration_s: f64) -> Result<State, TipModelError> {
        if !(duration_s > 0.0 && duration_s.is_finite()) {
            return Err(TipModelError::Input { name: "duration_s", value: duration_s, expected: "finite and > 0" });
        }
        let end = state.time_s + duration_s;
        let mut dt = (duration_s / 64.0).min(1e-3 * self.time_unit_s());
        let dt_max = duration_s / 8.0;
        let mut s = state.clone();
        while s.time_s < end - 1e-12 * duration_s {
            let remaining = end - s.time_s;
            let this = if remaining < 1.5 * dt { remaining } else { dt };
            s = self.step(&s, bias_v, this)?;
            dt = (dt * ADVANCE_GROWTH).min(dt_max);
        }
        s.time_s = end;
        Ok(s)
    }

    /// One backward-Euler step of length `dt_s` under the tip bias `bias_v`, with the staggered coupling
    /// iterated to convergence (module doc).
    pub fn step(&self, state: &State, bias_v: f64, dt_s: f64) -> Result<State, TipModelError> {
        if !(dt_s > 0.0 && dt_s.is_finite()) {
            return Err(TipModelError::Input { name: "dt_s", value: dt_s, expected: "finite and > 0" });
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
        let dt = dt_s / self.time_unit_s();
        let (vt, su) = (self.thermal_voltage_v(), self.stress_unit_pa());
        let phi_hat: Vec<f64> = self.unit_potential.iter().map(|p| p * bias_v / vt).collect();
        let rhs: Vec<f64> = self.mass.mul_vec(&state.c).iter().map(|v| v / dt).collect();
        let beta = 0.5 * self.stress_stiffening();
        let mut c_k = state.c.clone();
        let mut sigma_k = state.sigma_h_pa.clone();
        let mut last = f64::INFINITY;
        for _ in 0..PICARD_MAX_ITER {
            let w: Vec<f64> = (0..n).map(|i| phi_hat[i] - sigma_k[i] / su).collect();
            let mut a = self.transport_matrix(&c_k, &w, dt)?;
            // Stabilised lagging (see `stress_stiffening`): + β c̄_e ∇c^{k+1} on the left, + β c̄_e ∇c^k on the
            // right; the two cancel at convergence and the right-hand term sums to zero (conservation).
            let cbar: Vec<f64> = (0..self.mesh.n_elements())
                .map(|e| beta * self.mesh.element(e).iter().map(|&i| c_k[i]).sum::<f64>() / 3.0)
                .collect();
            let stab = scalar::stiffness_per_element(&self.mesh, &cbar);
            let stab_rhs = stab.to_csc()?.mul_vec(&c_k);
            a.add_scaled(&stab, 1.0);
            let b: Vec<f64> = rhs.iter().zip(&stab_rhs).map(|(x, y)| x + y).collect();
            let c_new = Factor::new(&a.to_csc()?, MatrixKind::General)?.solve(&b);
            if let Some((node, &value)) = c_new.iter().enumerate().find(|(_, v)| !(**v > 0.0 && **v < 1.0)) {
                let p = self.mesh.nodes[node];
                return Err(TipModelError::OutOfRange { node, value, r_l: p[0], z_l: p[1] });
            }
            last = c_new.iter().zip(&c_k).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            sigma_k = self.hydrostatic_stress_pa(&c_new)?;
            c_k = c_new;
            if last < PICARD_TOL {
                return Ok(State { c: c_k, sigma_h_pa: sigma_k, time_s: state.time_s + dt_s });
            }
        }
        Err(TipModelError::NotConverged { iterations: PICARD_MAX_ITER, last_change: last })
    }

    /// Largest stress feedback, in the drift term −c∇σ̂_h ≈ θ c∇c: a fully constrained dilatation
    /// gives σ_h = −K Ω c_max δc, so θ_max = K Ω² c_max/RT (K the bulk modulus; 9.4 for LiFePO₄). The elastic
    /// operator c ↦ −σ̂_h is positive semi-definite with spectrum in about [0, θ_max] (fine-scale P1 modes
    /// that the displacement cannot relax sit near θ_max), so lagging it plainly diverges once θ_max c₀
    /// exceeds the diffusive 1/(1 − c₀); moving β = θ_max/2 of it into the implicit diffusion coefficient
    /// bounds the Picard contraction factor by (θ_max c₀/2)/(1/(1−c₀) + θ_max c₀/2) < 1.
    fn stress_stiffening(&self) -> f64 {
        let p = &self.params;
        self.material.bulk() * p.partial_molar_volume_m3_per_mol.powi(2) * p.c_max_mol_per_m3
            / (GAS_CONSTANT * p.temperature_k)
    }

    /// (Ω c_max/3)(c − c₀) at each node.
    fn eigenstrain(&self, c: &[f64]) -> Vec<f64> {
        let p = &self.params;
        let k = p.partial_molar_volume_m3_per_mol * p.c_max_mol_per_m3 / 3.0;
        c.iter().map(|ci| k * (ci - p.baseline_concentration)).collect()
    }
}
