//! The coupled tip–sample ESM model of Eshghinejad et al. 2017 (Eqs. 1–4, Fig. 1, Methods), first version.
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
//! **Transport step** (details and citations in `transport.rs`): per radian, with the lumped (row-sum)
//! r-weighted mass m_i, backward Euler (BDF1)
//! m_i (c_i − cⁿ_i)/Δt̂ + ∑_edges ω_ij a_ij [B(δ_ij) c_i − B(−δ_ij) c_j] = 0,
//! an edge-averaged exponentially fitted (EAFE, Xu & Zikatanov 1999; Scharfetter–Gummel along each edge)
//! discretisation of −∇·[∇c/(1−c) + c∇w], w = φ̂ − σ̂_h, with ω_ij ≥ 0 the edge weights of the r-weighted P1
//! Laplacian, a_ij the edge mean of 1/(1−c) (Bessemoulin-Chatard 2012) and δ_ij = (w_j − w_i)/a_ij.
//! **Why:** the plain Galerkin drift of the first version was not monotone and drove c < 0 at the edge of
//! the contact patch from about 0.3 V (φ̂ ≈ 12); the EAFE matrix with lumped mass is an M-matrix, so each
//! solve keeps c > 0 at any bias, every column sums to zero so ∑ m_i c_i ([`TipModel::amount`]) is
//! conserved exactly, and the discrete steady state is exactly μ/RT = ln(c/(1−c)) + w = const.
//! **Solving a step** (same discrete equations on every path; all paths stop at max |Δc| < [`PICARD_TOL`]):
//! 1. *Concentration-form Picard* (tried first when every logit < [`C_FORM_MAX_LOGIT`], i.e. 1 − c > 1e-9):
//!    staggered iteration, the transport step solved with a_ij and σ̂_h lagged at the previous iterate (a
//!    linear non-symmetric M-matrix solve), then the elasticity gives a new σ_h (half of the largest local
//!    stress feedback is moved into the implicit diffusion coefficient and subtracted again with the previous
//!    iterate, inside the exponentially fitted drift so positivity is kept: see `stress_stiffening` and
//!    `transport.rs`). It keeps c > 0 and conserves ∑ m_i c_i at every solve, but nothing bounds c < 1: where
//!    ions pile up (negative tip bias) the lagged 1/(1 − c) is too small and the iterates overshoot 1, so it
//!    gives up as soon as an iterate moves a node more than half-way to 1 (from about −0.1 V). It converges
//!    only linearly (the lagged stress), so once an iterate moves less than [`C_FORM_HANDOVER`] it hands
//!    over to the coupled Newton–Krylov iteration of 2 (started at that iterate, Krylov from the first
//!    iteration); if that does not converge, the Picard iteration is rerun to convergence on its own.
//! 2. *Logit Newton* (strong accumulation, c → 1): the unknown is η = ln(c/(1−c)), so c = 1/(1 + e^{−η}) and
//!    1 − c = 1/(1 + e^{η}) are both in (0, 1) and accurate (at −3 V, 1 − c ≈ e^{−100} is not representable
//!    next to 1 in f64; [`State::logit_c`] carries it). Each EAFE edge flux is rewritten exactly as
//!    F_ij = ω_ij M_ij (μ_i − μ_j), μ = η + w, with the mobility M_ij = c_i B(δ_ij)/B((μ_j − μ_i)/a_ij)
//!    (transport.rs, `edge_mobility`), and the coupled residual
//!    G(η) = m_i (c(η_i) − cⁿ_i)/Δt̂ + ∑_j ω_ij M_ij (μ_i − μ_j), w = φ̂ − S(c(η))/(RT/Ω),
//!    with σ_h = S(c) the (affine, non-local) elasticity solve and nodal projection, is driven to zero.
//!    *Far from the solution* (after a bias jump) each iteration takes the lagged-stress direction: Newton in
//!    the variable ν = η + βc(η), which puts the stress stabilisation β (see `stress_stiffening`) into the
//!    implicit part, so with the mobilities lagged the Jacobian diag(m c'/(Δt̂(1 + βc'))) + L(ωM) is symmetric
//!    positive definite (sparse Cholesky); the full-mobility Jacobian adds (μ_i − μ_j) ∂M_ij/∂η (forward
//!    differences; sparse LU). *Close to it* (an undamped iteration with max |Δη| < [`KRYLOV_SWITCH`]) the
//!    direction is the **coupled Newton step** J δη = −G with J the full Jacobian of G(η) including σ_h(η):
//!    Jacobian-free Newton–Krylov (Knoll & Keyes, J. Comput. Phys. 193, 357 (2004)), J v by a forward
//!    difference of G (perturbation max |h v| = 1e-7 in η; one transport residual and one back-substitution
//!    with the kept elastic Cholesky factor per product), solved by GMRES ([`crate::numerics::gmres`], ≤
//!    [`KRYLOV_MAX_ITER`] iterations) right-preconditioned by the lagged-stress Jacobian above (already
//!    factorised for the iteration), with the forcing term min([`NEWTON_FORCING`]‖G_k‖/‖G_0‖, |Δη_{k−1}|²)
//!    (Eisenstat & Walker 1996) so the iteration is quadratic. The update is applied node by node to the
//!    minority fraction (c ← c + c'δη where c < 1/2, 1 − c ← 1 − c − c'δη otherwise; the logit moves by at
//!    most [`LOGIT_STEP_MAX`] where that fails), and the iteration stops at max |Δc| < [`PICARD_TOL`] and
//!    max |Δη| < [`LOGIT_TOL`]. The full-mobility Jacobian is used from the first iteration; if that does
//!    not converge in [`PICARD_MAX_ITER`] iterations the step is redone with lagged mobilities until max
//!    |Δη| < [`NEWTON_SWITCH`], then the full one (each recovers cases where the other cycles: an almost
//!    empty node refilling when the bias changes sign needed the lagged start with the lagged stress; a
//!    failed first attempt costs [`PICARD_MAX_ITER`] iterations). The flux form conserves ∑ m_i c_i for any mobility, so the amount is conserved
//!    to the Newton residual (≤ 4e-15 relative in the tests), and an edge carries no flux exactly when
//!    μ_i = μ_j: the discrete equilibrium stays exact.
//!
//! 3. *Globalisation* (every logit iteration): a backtracking line search on the merit ‖G‖₂ of the coupled
//!    residual (`line_search`): trial points λδη, λ = 1, 1/2, …, 2^−[`LINE_SEARCH_HALVINGS`], each by the
//!    minority update above and, if that does not decrease ‖G‖ enough, by the plain logit update η + λδη;
//!    the first trial with Armijo's sufficient decrease ‖G‖ ≤ (1 − 10⁻⁴λ)‖G_k‖ is taken (Eisenstat & Walker,
//!    SIAM J. Optim. 4, 393 (1994), for inexact Newton directions). The logit path matters at polarity
//!    reversals over saturated regions (1 − c ≈ e^{−100} → c ≈ e^{−100}: the logit must move by ~200, the
//!    minority update moves it by ln(1 + |δη|) per iteration). Directions that are not Newton directions
//!    for ‖G‖ (the lagged-stress one far from the solution) need not decrease it; if no trial does, the
//!    full minority step is taken as before (counted by [`TipModel::line_search_fallbacks`]); below max
//!    |δη| = [`LINE_SEARCH_MIN_STEP`] (quadratic region, ‖G‖ near its rounding floor) the full step is taken
//!    without a search. Measured (`hard_step_benchmark`, coarse mesh, 50 single steps of Δt̂ = 0.001–10 from
//!    equilibrium to ±1/±2/±3 V and from the ±3 V states to ±3 V): 2 fail (+3 → −3 V at Δt̂ = 0.1, −3 → +3 V at
//!    Δt̂ = 10), where without the line search 5 of the 40 steps with Δt̂ ≥ 0.01 failed (−3 → +3 V at every
//!    Δt̂ ≥ 0.01, +3 → −3 V at 0.1); the iterations of the other steps change little (−3 V from equilibrium,
//!    Δt̂ = 0.1/1/10: 26/30/35 → 17/19/28; −2 V: 19/21/24 → 14/14/14).
//! 4. *Step reduction*: where the nonlinear solve of a step still fails, [`TipModel::step_splitting`] (used by
//!    [`TipModel::advance`]) replaces it by two half steps, recursively ([`STEP_SPLITS`]); both remaining
//!    hard single steps above are integrated that way (`failing_long_steps_are_split`).
//!
//! At convergence every path is the fully implicit BDF1 step of the coupled problem.
//!
//! **Time stepping.** [`TipModel::step`] is BDF1; [`TipModel::advance`] takes graded BDF1 substeps (first
//! Δt = min(duration/64, 10⁻³ L²/D), ×[`ADVANCE_GROWTH`] per step up to duration/8), unchanged.
//! [`TipModel::step_bdf2`] is the variable-step BDF2 step (ratio ω ≤ [`BDF2_MAX_RATIO`] < 1 + √2 for
//! zero-stability), solved by the same solver as a BDF1 step from the effective old state
//! c̃ = [(1 + ω)cⁿ − ω²/(1 + ω)cⁿ⁻¹]/α over Δt/α, α = (1 + 2ω)/(1 + ω), so the discrete operator and the
//! amount conservation are those of BDF1. **Positivity fallback:** where c̃ ≤ 0 or ≥ 1 at some node (the
//! history term is negative at an extremely depleted node, e.g. the first step after a 3 V jump) the M-matrix
//! positivity argument fails, and the step is taken as BDF1 instead (also when the BDF2 solve does not
//! converge); `step_bdf2` reports which. [`TipModel::advance_adaptive`] integrates a pulse with one BDF1
//! step, then BDF2 with a local-error estimate from the third divided difference of c over the last four
//! levels (the variable-step BDF2 error constant) and step-size control to an absolute tolerance in c.
//! Verified: observed order 1.89 (u_z) and 2.15 (max |c|) for a relaxation after a 0.3 V step
//! (`bdf2_is_second_order_in_time`); for a 0.3 V, 1 s pulse on the coarse mesh, tol = 1e-3 takes 29 steps
//! for a u_z error of 2.3e-3 (relative) and max |Δc| 5.0e-4, where graded BDF1 needs 38 steps for 4.3e-3 /
//! 6.4e-4 and 70 for 2.2e-3 / 3.3e-4 (`advance` itself: 14 steps, 1.45e-2 / 2.1e-3); amount conserved to
//! ≤ 3e-15.
//!
//! **Verified** (tests/esm_tip_model.rs, LiFePO₄ preset): 1 V and 3 V drives run on the coarse and default
//! meshes with 0 < c < 1 (min c ≈ 1e-16 at 1 V, 1e-34–1e-38 at 3 V after t̂ = 1), −1 V and −3 V with
//! 1 − c down to 6e-14 and 3e-44, the amount is conserved to ≤ 5e-15 (3 V over 50 steps, ±1 V, ±3 V, a
//! bipolar +1/−1/0 V pulse sequence), μ/RT is constant at equilibrium under ±0.5 V to ≤ 4e-13 RT, depletion
//! and accumulation of the tip region saturate with the bias. The coupled Newton–Krylov iteration converges
//! quadratically (`newton_krylov_converges_quadratically`: ln e_{k+1}/ln e_k = 1.8–2.2 once max |Δη| < 0.1,
//! e.g. 5e-2, 2e-3, 2e-5, 2e-10 at −1 V). Iterations per step on the default mesh (1521 nodes, ten steps of
//! Δt̂ = 0.1 from the reference state; dev test profile, 2 shared cores, `solver_benchmark`), lagged stress
//! → Newton–Krylov: +1 V 16 → 5.3 (0.17 → 0.11 s/step), −1 V 30 → 7.4 (0.36 → 0.19 s), +3 V 20 → 5.3
//! (0.19 → 0.11 s), −3 V 34 → 9.8 (0.37 → 0.16 s); the bipolar +1/−1/0 V `advance` sequence on the default
//! mesh now runs (4.7 s; the lagged-stress cascade failed on it). On average 3–5 GMRES iterations per
//! iteration (170 GMRES for the 53 iterations at +1 V, 330 for the 74 at −1 V).
//!
//! **Limits of this version.** (1) |η| < [`LOGIT_MAX`] = 700 (c or 1 − c above e^{−700}, |φ̂| well below
//! 700, i.e. |V| ≲ 18 V at 300 K). (2) The globalisation is a line search on ‖G‖₂ over a cascade of
//! directions (lagged stress far from the solution, Newton–Krylov close to it), with step reduction as the
//! last resort; far from the solution the lagged-stress direction is not guaranteed to be a descent
//! direction for ‖G‖, so this is not a proof of global convergence (2 of the 50 hard single steps of
//! `hard_step_benchmark` need step reduction); the forward-difference Jacobian–vector product limits the
//! linear rate near the rounding floor to ~1e-7.
//! (3) [`TipModel::advance`] is graded BDF1 without error control; the relaxation, the spectroscopy and the
//! frequency sweep's DC settle use the carried adaptive BDF2 [`Integrator`] (integrator.rs: restarts only
//! at a bias change, node-RMS error relative to min(c, 1 − c)). [`TipModel::advance_adaptive`] is a fresh
//! integrator with an absolute tolerance and the max norm; an absolute tolerance in c does not control
//! 1 − c ≪ tol at strong accumulation (where c rounds to 1 in f64, e.g. at −3 V, c̃ = 1 and every step
//! falls back to BDF1), and its gain over graded BDF1 on a 0.3 V pulse is ≈ 1.3–2.4× in steps at equal
//! accuracy.
//! (4) [`TipModel::ac_response`] linearises in the logit (small_signal.rs), so it accepts any state the
//! stepper produces (|η| ≤ [`LOGIT_MAX`]); its Jacobians are central differences (≈ 1e-10 relative).

use crate::numerics::gmres::gmres;
use crate::numerics::sparse::{CscMatrix, MatrixKind, SparseError, Symbolic, Triplets};
use crate::sim::analytic::constants::{FARADAY, GAS_CONSTANT};
use crate::sim::analytic::sphere_tip::SphereOverDielectric;
use crate::sim::esm::params::EsmParams;
use crate::sim::fem::elasticity::{self, Eigenstrain, Isotropic, Support};
use crate::sim::fem::mesh::{graded_sequence, layered_sequence};
use crate::sim::fem::scalar;
use crate::sim::fem::system::Constrained;
use crate::sim::fem::{Boundary, CylinderSpec, FemError, Mesh, Order};
use std::sync::atomic::{AtomicUsize, Ordering};

mod integrator;
mod small_signal;
mod transport;

pub use integrator::{ErrorNorm, Integrator, Tolerance};
pub use small_signal::{AC_GMRES_MAX_ITER, AC_GMRES_TOL, AcAdjoint, AcResponse};

/// Convergence tolerance of the staggered (Picard) coupling: max |c^{k+1} − c^k| (c dimensionless).
pub const PICARD_TOL: f64 = 1e-11;
/// Largest number of Picard iterations per step before [`TipModelError::NotConverged`].
pub const PICARD_MAX_ITER: usize = 300;
/// Convergence tolerance on the logit η = ln(c/(1−c)) per step: max |η^{k+1} − η^k| (in units of RT of the
/// chemical potential), needed besides [`PICARD_TOL`] because Δc says nothing about 1 − c ≪ 1e-11.
pub const LOGIT_TOL: f64 = 1e-9;
/// Largest change of any logit in one Newton iteration (damping after a bias jump).
pub const LOGIT_STEP_MAX: f64 = 4.0;
/// Max |Δη| below which the transport step switches from lagged mobilities to the full Newton Jacobian.
pub const NEWTON_SWITCH: f64 = 1e-2;
/// The concentration-form iteration is tried first only if every logit is below this (1 − c > 1e-9, so
/// 1/(1 − c) is known to 1e-7 relative from c).
pub const C_FORM_MAX_LOGIT: f64 = 20.7;
/// Largest |η| accepted: e^{−700} is near the smallest normal f64, so c or 1 − c would underflow beyond.
pub const LOGIT_MAX: f64 = 700.0;
/// Growth factor of the substep length in [`TipModel::advance`].
pub const ADVANCE_GROWTH: f64 = 1.5;

/// Max |Δc| of a concentration-form Picard iterate below which it hands over to the coupled Newton–Krylov
/// iteration in the logit (module doc).
pub const C_FORM_HANDOVER: f64 = 1e-3;
/// Largest GMRES forcing term (relative linear residual) of the Newton–Krylov step; it shrinks with the
/// nonlinear residual, ‖G_k‖/‖G_0‖ times this, so the Newton iteration stays quadratic.
pub const NEWTON_FORCING: f64 = 1e-2;
/// Max |Δη| of an undamped iteration below which the logit iteration switches from the lagged-stress
/// direction to the coupled Newton–Krylov direction.
pub const KRYLOV_SWITCH: f64 = 0.5;
/// GMRES iterations per Newton step (no restart below this).
pub const KRYLOV_MAX_ITER: usize = 40;
/// Size of the logit perturbation max |h v| of the forward-difference Jacobian–vector product (η is a
/// log-variable: a relative perturbation of c or 1 − c; rounding error ~ ε|μ|/1e-7 ≲ 1e-7 relative).
const JFNK_STEP: f64 = 1e-7;

/// Largest step ratio ω = Δtₙ/Δtₙ₋₁ of the variable-step BDF2 step (zero-stable below 1 + √2 ≈ 2.414).
pub const BDF2_MAX_RATIO: f64 = 2.4;
/// Halvings of the line search of the logit Newton iteration (λ down to 2⁻⁶).
pub const LINE_SEARCH_HALVINGS: u32 = 6;
/// Below this max |δη| the logit Newton iteration takes the full step without a line search: the iterate is
/// in the region of quadratic convergence, and near the rounding floor of ‖G‖ the sufficient-decrease test
/// would only see noise.
pub const LINE_SEARCH_MIN_STEP: f64 = 1e-3;
/// Halvings of a time step whose nonlinear solve does not converge ([`TipModel::step_splitting`]).
pub const STEP_SPLITS: u32 = 6;

/// Step counts of [`TipModel::advance_adaptive`] and [`Integrator`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdaptiveStats {
    /// Accepted steps (BDF1 and BDF2).
    pub accepted: usize,
    /// Rejected (redone shorter) BDF2 steps.
    pub rejected: usize,
    /// Accepted steps taken as BDF1 (the start, and positivity fallbacks).
    pub bdf1: usize,
}

/// Outcome of the concentration-form Picard iteration.
enum CForm {
    /// Converged: (c, σ_h, iterations).
    Converged(Vec<f64>, Vec<f64>, usize),
    /// Close enough to hand over to the Newton–Krylov iteration: (c iterate, its max |Δc|, iterations).
    Handover(Vec<f64>, f64, usize),
    /// An iterate headed for c = 1 or left (0, 1), or no convergence: iterations spent.
    GaveUp(usize),
}

/// What can go wrong building or stepping the tip model.
#[derive(Debug, thiserror::Error)]
pub enum TipModelError {
    #[error(transparent)]
    Fem(#[from] FemError),
    #[error("tip model parameter `{name}` = {value}: expected {expected}")]
    Input { name: &'static str, value: f64, expected: &'static str },
    #[error(
        "concentration outside (0, 1): c = {value} at node {node} (r = {r_l} L, z = {z_l} L); the transport step keeps c > 0 by construction (M-matrix), so this is either an input state outside (0, 1), a rounding underflow of an extremely depleted node, or c driven to 1 (full occupation) by the bias: use a smaller bias or time step"
    )]
    OutOfRange { node: usize, value: f64, r_l: f64, z_l: f64 },
    #[error("staggered coupling did not converge in {iterations} iterations (last max |Δc| = {last_change})")]
    NotConverged { iterations: usize, last_change: f64 },
    #[error(
        "adaptive time step fell to {step_s:e} s at t = {time_s} s without meeting the local error tolerance (the state changes faster than the integrator can follow: check the bias and the tolerance)"
    )]
    StepTooSmall { time_s: f64, step_s: f64 },
}

impl From<SparseError> for TipModelError {
    /// As the [`FemError`] it becomes (same message).
    fn from(e: SparseError) -> Self {
        TipModelError::Fem(e.into())
    }
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
    /// Thickness of the first element row under the top surface, in L: a geometric boundary layer (ratio
    /// [`SURFACE_LAYER_GROWTH`]) from it up to `h_min_l` (`None`: uniform h_min from the top). It resolves the
    /// AC diffusion layer √(2D/ω) at high read frequencies; see [`MeshOptions::resolving_frequency`].
    pub surface_layer_l: Option<f64>,
    /// First r-step at the axis, in L: a geometric layer (ratio [`SURFACE_LAYER_GROWTH`]) from it up to
    /// `h_min_l` (`None`: uniform h_min from the axis). Resolves the lateral structure of the injected flux
    /// under the tip at high AC frequency.
    pub axis_layer_l: Option<f64>,
    /// The virtual experiments (`sim::esm::experiments`) read the AC response on a copy of this mesh with
    /// the surface and axis layers of [`MeshOptions::with_frequency_layer`] for the read frequency, the state
    /// interpolated onto it (if `surface_layer_l` is `None`; default `true`). `false`: read on this mesh.
    pub layered_reads: bool,
}

/// Growth ratio of consecutive element rows in the surface boundary layer ([`MeshOptions::surface_layer_l`]).
pub const SURFACE_LAYER_GROWTH: f64 = 1.25;
/// First-row thickness of the surface layer per AC diffusion length δ = √(2D/ω):
/// [`MeshOptions::resolving_frequency`] sets h_s = δ / this (convergence study in tests/esm_high_frequency.rs).
pub const SURFACE_LAYER_PER_DIFFUSION_LENGTH: f64 = 8.0;
/// First r-step of the axis layer per h_min in [`MeshOptions::with_frequency_layer`]: h_axis = h_min / this.
pub const AXIS_LAYER_PER_H_MIN: f64 = 8.0;

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
            surface_layer_l: None,
            axis_layer_l: None,
            layered_reads: true,
        }
    }
}

impl MeshOptions {
    /// A coarse mesh (h = 0.1 L near the tip) for fast tests and sweeps.
    pub fn coarse() -> Self {
        MeshOptions { h_min_l: 0.1, fine_extent_l: 1.0, growth: 1.3, h_max_l: 2.0, ..MeshOptions::default() }
    }

    /// The default mesh with the surface and axis layers resolving the AC diffusion layer at `frequency_hz`
    /// ([`Self::with_frequency_layer`]).
    pub fn resolving_frequency(params: &EsmParams, frequency_hz: f64) -> Result<Self, TipModelError> {
        MeshOptions::default().with_frequency_layer(params, frequency_hz)
    }

    /// These options with a surface layer whose first row is h_s = δ/[`SURFACE_LAYER_PER_DIFFUSION_LENGTH`],
    /// δ = √(2D/ω) = L√(2/ω̂) the decay length of the AC concentration under the surface (the bare D: the
    /// stress feedback only raises the effective diffusivity, so δ is a lower bound), and an axis layer from
    /// h_min/[`AXIS_LAYER_PER_H_MIN`] (the displacement of the thin injected layer weighs its lateral profile
    /// near r = 0 strongly). No layers (`None`) where h_s ≥ h_min (low frequencies: h_min resolves the
    /// diffusion layer already) or at ω = 0; a layer set already is kept.
    pub fn with_frequency_layer(self, params: &EsmParams, frequency_hz: f64) -> Result<Self, TipModelError> {
        if !(frequency_hz >= 0.0 && frequency_hz.is_finite()) {
            return Err(TipModelError::Input {
                name: "frequency_hz", value: frequency_hz, expected: "finite and ≥ 0"
            });
        }
        let (l, d) = (params.tip_radius_m, params.diffusivity_m2_per_s);
        if !(l > 0.0 && l.is_finite()) {
            return Err(TipModelError::Input { name: "tip_radius_m", value: l, expected: "finite and > 0" });
        }
        if !(d > 0.0 && d.is_finite()) {
            return Err(TipModelError::Input { name: "diffusivity_m2_per_s", value: d, expected: "finite and > 0" });
        }
        let omega_hat = 2.0 * std::f64::consts::PI * frequency_hz * l * l / d;
        let h_s = (2.0 / omega_hat).sqrt() / SURFACE_LAYER_PER_DIFFUSION_LENGTH;
        if h_s >= self.h_min_l || self.surface_layer_l.is_some() {
            return Ok(self);
        }
        let axis = self.axis_layer_l.unwrap_or(self.h_min_l / AXIS_LAYER_PER_H_MIN);
        Ok(MeshOptions { surface_layer_l: Some(h_s), axis_layer_l: Some(axis), ..self })
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

/// The state of the sample at one time: nodal fields on [`TipModel::mesh`]. Build it with
/// [`State::from_concentration`] or [`State::from_logit`] so that `c` and `logit_c` agree.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Dimensionless concentration c = ĉ/c_max at each node. Where 1 − c < 1.1e-16 (strong accumulation)
    /// this rounds to 1.0: `logit_c` carries the state, [`State::vacancy`] gives 1 − c accurately.
    pub c: Vec<f64>,
    /// Hydrostatic stress σ_h at each node, Pa (consistent with `c`).
    pub sigma_h_pa: Vec<f64>,
    /// Time since the start, s.
    pub time_s: f64,
    /// The logit η = ln(c/(1−c)) at each node (the unknown of [`TipModel::step`]); c = 1/(1 + e^{−η}).
    pub logit_c: Vec<f64>,
}

impl State {
    /// A state from concentrations c (each in (0, 1) for [`TipModel::step`]); the logits are computed from c.
    pub fn from_concentration(c: Vec<f64>, sigma_h_pa: Vec<f64>, time_s: f64) -> State {
        let logit_c = c.iter().map(|&v| transport::logit(v)).collect();
        State { c, sigma_h_pa, time_s, logit_c }
    }

    /// A state from logits η = ln(c/(1−c)); c = 1/(1 + e^{−η}).
    pub fn from_logit(logit_c: Vec<f64>, sigma_h_pa: Vec<f64>, time_s: f64) -> State {
        let c = logit_c.iter().map(|&e| transport::logistic(e)).collect();
        State { c, sigma_h_pa, time_s, logit_c }
    }

    /// The vacancy fraction 1 − c = 1/(1 + e^{η}) at each node, from the logits (no cancellation).
    pub fn vacancy(&self) -> Vec<f64> {
        self.logit_c.iter().map(|&e| transport::logistic(-e)).collect()
    }
}

/// The assembled coupled model: mesh, parameters and the factorisations that do not change.
pub struct TipModel {
    params: EsmParams,
    mesh: Mesh,
    options: MeshOptions,
    /// Unit potential ψ (φ = V ψ).
    unit_potential: Vec<f64>,
    /// Row-sum lumped mass m_i = ∑_j ∫ N_i N_j r (mesh in L) as a diagonal matrix: the mass of the
    /// positivity-preserving transport step (transport.rs) and of [`Self::amount`].
    mass: CscMatrix,
    /// The diagonal of `mass`.
    lumped_mass: Vec<f64>,
    material: Isotropic,
    elastic: Constrained,
    /// Node at (0, 0).
    origin: usize,
    /// GMRES iterations spent by the Newton–Krylov steps so far (diagnostics, [`Self::krylov_iterations`]).
    krylov_iterations: AtomicUsize,
    /// Line searches that ended without sufficient decrease (for benchmarks and tests).
    line_search_fallbacks: AtomicUsize,
    /// Nonlinear iterations (Picard and Newton, converged or not) of all steps so far (diagnostics).
    nonlinear_iterations: AtomicUsize,
    /// Step solves attempted (BDF1 and BDF2, converged or not) so far (diagnostics).
    step_solves: AtomicUsize,
    /// Symbolic analyses of the small-signal preconditioners, reused across reads (small_signal.rs).
    ac_analyses: small_signal::AnalysisCache,
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
        let mesh = if options.surface_layer_l.is_none() && options.axis_layer_l.is_none() {
            Mesh::cylinder(&CylinderSpec {
                radius,
                depth,
                h_min: options.h_min_l,
                fine_extent: options.fine_extent_l,
                growth: options.growth,
                h_max: options.h_max_l,
                order: Order::P1,
            })?
        } else {
            // The same tensor grid with geometric layers at the axis (r) and/or under the top surface (z).
            let (h, ext, g, hmax) = (options.h_min_l, options.fine_extent_l, options.growth, options.h_max_l);
            let lines = |length: f64, layer: Option<f64>, name: &'static str| -> Result<Vec<f64>, TipModelError> {
                match layer {
                    Some(h0) => {
                        check(name, h0, h0 > 0.0 && h0 < h, "in (0, h_min_l) (in units of L)")?;
                        Ok(layered_sequence(length, h0, SURFACE_LAYER_GROWTH, h, ext, g, hmax)?)
                    }
                    None => Ok(graded_sequence(length, h, ext, g, hmax)?),
                }
            };
            let r = lines(radius, options.axis_layer_l, "axis_layer_l")?;
            let depth_lines = lines(depth, options.surface_layer_l, "surface_layer_l")?;
            Mesh::tensor(r, depth_lines.iter().rev().map(|d| -d).collect(), Order::P1)?
        };
        let origin = mesh
            .nodes
            .iter()
            .position(|p| p[0] == 0.0 && p[1] == 0.0)
            .ok_or_else(|| FemError::Input("mesh has no node at the tip apex (0, 0)".into()))?;

        let unit_potential = unit_potential(&mesh, params, &options)?;

        // Lumped (row-sum) mass: with it the EAFE step matrix is an M-matrix (transport.rs); the lumped amount
        // ∑ m_i c_i equals the consistent ∫ c r dr dz of the P1 field (∑_i M_ij = m_j).
        let lumped_mass = scalar::mass(&mesh, |_, _| 1.0).to_csc()?.mul_vec(&vec![1.0; mesh.n_nodes()]);
        let mut diag = Triplets::new(mesh.n_nodes());
        for (i, m) in lumped_mass.iter().enumerate() {
            diag.add(i, i, *m);
        }
        let mass = diag.to_csc()?;
        let material = Isotropic::new(params.youngs_modulus_pa, params.poisson)?;
        let supports =
            elasticity::supports(&mesh, &[(Boundary::Bottom, Support::NoAxial), (Boundary::Side, Support::NoRadial)]);
        let elastic = Constrained::new(&elasticity::stiffness(&mesh, &material), &supports, MatrixKind::Spd)?;
        Ok(TipModel {
            params: params.clone(),
            mesh,
            options,
            unit_potential,
            mass,
            lumped_mass,
            material,
            elastic,
            origin,
            krylov_iterations: AtomicUsize::new(0),
            line_search_fallbacks: AtomicUsize::new(0),
            nonlinear_iterations: AtomicUsize::new(0),
            step_solves: AtomicUsize::new(0),
            ac_analyses: Default::default(),
        })
    }

    /// Total GMRES iterations (each one coupled residual and one preconditioner solve) of the Newton–Krylov
    /// steps taken by this model so far (for benchmarks).
    pub fn krylov_iterations(&self) -> usize {
        self.krylov_iterations.load(Ordering::Relaxed)
    }

    /// Line searches of the logit Newton iteration, in all steps so far, that took their best trial without
    /// sufficient decrease of the residual norm (module doc).
    pub fn line_search_fallbacks(&self) -> usize {
        self.line_search_fallbacks.load(Ordering::Relaxed)
    }

    /// Nonlinear iterations (concentration-form Picard and logit Newton, converged or not) of all step solves
    /// so far (for profiling the time stepping).
    pub fn nonlinear_iterations(&self) -> usize {
        self.nonlinear_iterations.load(Ordering::Relaxed)
    }

    /// Step solves (BDF1 and BDF2 attempts, converged or not) so far (for profiling the time stepping).
    pub fn step_solves(&self) -> usize {
        self.step_solves.load(Ordering::Relaxed)
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
        State::from_concentration(vec![self.params.baseline_concentration; n], vec![0.0; n], 0.0)
    }

    /// Amount ∫ c r dr dz = ∑ m_i c_i (per radian, in L³, lumped mass): conserved exactly by [`Self::step`].
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

    /// Dimensionless electrochemical potential μ/RT = ln(c/(1−c)) − σ̂_h + φ̂ at each node, for `bias_v`
    /// (from the state's logits).
    pub fn chemical_potential_rt(&self, state: &State, bias_v: f64) -> Vec<f64> {
        let (vt, su) = (self.thermal_voltage_v(), self.stress_unit_pa());
        (0..self.mesh.n_nodes())
            .map(|i| state.logit_c[i] - state.sigma_h_pa[i] / su + self.unit_potential[i] * bias_v / vt)
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
            s = self.step_splitting(&s, bias_v, this)?;
            dt = (dt * ADVANCE_GROWTH).min(dt_max);
        }
        s.time_s = end;
        Ok(s)
    }

    /// One variable-step BDF2 step of length `dt_s` from `state` (at tⁿ) with the previous state `previous`
    /// (at tⁿ⁻¹), ω = Δtₙ/Δtₙ₋₁ ≤ [`BDF2_MAX_RATIO`] (zero-stability of variable-step BDF2 needs ω < 1 + √2;
    /// Grigorieff 1983, Hairer–Nørsett–Wanner I §III.5):
    /// α c^{n+1} − (1 + ω) cⁿ + ω²/(1 + ω) cⁿ⁻¹ = Δt f(c^{n+1}), α = (1 + 2ω)/(1 + ω),
    /// solved as the BDF1 step (same discrete operator, same solver) from the effective old state
    /// c̃ = [(1 + ω) cⁿ − ω²/(1 + ω) cⁿ⁻¹]/α over Δt/α (∑ m c̃ = ∑ m cⁿ, so the amount is conserved).
    /// **Positivity fallback:** the history term can make c̃ ≤ 0 (or ≥ 1) at an extremely depleted (filled)
    /// node, which breaks the M-matrix positivity argument; then, and if the BDF2 solve does not converge,
    /// the step is taken as BDF1 instead. Returns the new state and whether it was BDF2.
    pub fn step_bdf2(
        &self,
        previous: &State,
        state: &State,
        bias_v: f64,
        dt_s: f64,
    ) -> Result<(State, bool), TipModelError> {
        let dt_prev = state.time_s - previous.time_s;
        let omega = dt_s / dt_prev;
        if !(dt_prev > 0.0 && omega > 0.0 && omega <= BDF2_MAX_RATIO) {
            return Err(TipModelError::Input {
                name: "dt_s",
                value: dt_s,
                expected: "> 0 and at most BDF2_MAX_RATIO × (state.time_s − previous.time_s) > 0",
            });
        }
        if previous.c.len() != state.c.len() {
            return Err(FemError::Input(format!(
                "previous state has {} values, expected {}",
                previous.c.len(),
                state.c.len()
            ))
            .into());
        }
        let alpha = (1.0 + 2.0 * omega) / (1.0 + omega);
        let (a1, a2) = (1.0 + omega, omega * omega / (1.0 + omega));
        let c_eff: Vec<f64> = state.c.iter().zip(&previous.c).map(|(c1, c0)| (a1 * c1 - a2 * c0) / alpha).collect();
        // Positivity (and c̃ < 1, where the logit solve needs c̃ representable below 1) at every node.
        if c_eff.iter().all(|&v| v > 0.0 && v < 1.0) {
            match self.step_general(state, Some((&c_eff, alpha)), bias_v, dt_s) {
                Ok((s, _, _)) => return Ok((s, true)),
                Err(TipModelError::NotConverged { .. } | TipModelError::OutOfRange { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((self.step(state, bias_v, dt_s)?, false))
    }

    /// Integrate over `duration_s` at constant bias `bias_v` with adaptive variable-step BDF2: a fresh
    /// [`Integrator`] (one BDF1 step of Δt₀ = min(duration/64, 10⁻³ L²/D)/8, then BDF2 steps
    /// ([`Self::step_bdf2`]) whose local error is estimated from the third divided difference of c over the
    /// last four time levels, e ≈ Δt³ (1 + ω)²/(6ω(1 + 2ω)) |c‴|, the local truncation error of
    /// variable-step BDF2 divided by α; 2/9 Δt³ |c‴| at ω = 1) with an absolute tolerance `tol` in c and the
    /// max norm over the nodes ([`ErrorNorm::Max`]): a step with max_i e_i > `tol` is redone shorter; the
    /// next step is Δt·min(2, max(0.2, 0.9 (tol/e)^{1/3})), ratio ≤ [`BDF2_MAX_RATIO`]. Steps that fell back
    /// to BDF1 (positivity, [`Self::step_bdf2`]) are controlled with the BDF1 estimate. Returns the end state
    /// and the step counts.
    pub fn advance_adaptive(
        &self,
        state: &State,
        bias_v: f64,
        duration_s: f64,
        tol: f64,
    ) -> Result<(State, AdaptiveStats), TipModelError> {
        if !(tol > 0.0 && tol.is_finite()) {
            return Err(TipModelError::Input { name: "tol", value: tol, expected: "finite and > 0 (in c)" });
        }
        let mut integrator = self.integrator(state.clone(), Tolerance::absolute(tol))?.with_norm(ErrorNorm::Max);
        integrator.advance(bias_v, duration_s)?;
        let stats = integrator.stats();
        Ok((integrator.into_state(), stats))
    }

    /// One backward-Euler step of length `dt_s` under the tip bias `bias_v`, the transport–stress coupling
    /// solved to convergence (module doc: staggered Picard, then the coupled Newton–Krylov iteration).
    pub fn step(&self, state: &State, bias_v: f64, dt_s: f64) -> Result<State, TipModelError> {
        Ok(self.step_counted(state, bias_v, dt_s)?.0)
    }

    /// The BDF1 step of [`Self::step`] over `dt_s`; where its nonlinear solve does not converge, the step is
    /// split into two BDF1 steps of `dt_s`/2 (recursively, down to `dt_s`/2^[`STEP_SPLITS`]). The usual
    /// globalisation of an implicit integrator by step reduction (Hairer & Wanner II §IV.8): a shorter step
    /// starts the Newton iteration closer to its solution (the previous state), so the saturated polarity
    /// reversals that defeat one long step (e.g. a +3 V state stepped to −3 V over Δt̂ = 0.1:
    /// `hard_step_benchmark`) are integrated. The result is then the composition of the shorter steps (a
    /// more accurate BDF1 solution of the same pulse), not the single long step.
    pub fn step_splitting(&self, state: &State, bias_v: f64, dt_s: f64) -> Result<State, TipModelError> {
        self.step_split_depth(state, bias_v, dt_s, STEP_SPLITS)
    }

    fn step_split_depth(&self, state: &State, bias_v: f64, dt_s: f64, depth: u32) -> Result<State, TipModelError> {
        match self.step(state, bias_v, dt_s) {
            Err(TipModelError::NotConverged { .. }) if depth > 0 => {
                let half = self.step_split_depth(state, bias_v, 0.5 * dt_s, depth - 1)?;
                let mut out = self.step_split_depth(&half, bias_v, 0.5 * dt_s, depth - 1)?;
                out.time_s = state.time_s + dt_s;
                Ok(out)
            }
            other => other,
        }
    }

    /// [`Self::step`], also returning the number of nonlinear iterations it took (Picard and Newton; for
    /// benchmarks).
    pub fn step_counted(&self, state: &State, bias_v: f64, dt_s: f64) -> Result<(State, usize), TipModelError> {
        let (s, k, _) = self.step_traced(state, bias_v, dt_s)?;
        Ok((s, k))
    }

    /// [`Self::step`], also returning the number of iterations and the max |Δη| of every iteration of the
    /// logit Newton iteration that converged (empty if the concentration-form Picard iteration converged on
    /// its own): the convergence history, for tests of the Newton–Krylov iteration.
    pub fn step_traced(
        &self,
        state: &State,
        bias_v: f64,
        dt_s: f64,
    ) -> Result<(State, usize, Vec<f64>), TipModelError> {
        self.step_general(state, None, bias_v, dt_s)
    }

    /// The implicit step from `state` over `dt_s`: BDF1 if `bdf2` is None, else the variable-step BDF2 step
    /// written as a BDF1 step (module doc, [`Self::step_bdf2`]) from the effective old state c̃ = `bdf2.0`
    /// over Δt/α, α = `bdf2.1`.
    fn step_general(
        &self,
        state: &State,
        bdf2: Option<(&[f64], f64)>,
        bias_v: f64,
        dt_s: f64,
    ) -> Result<(State, usize, Vec<f64>), TipModelError> {
        let out = self.solve_step(state, bdf2, bias_v, dt_s);
        self.step_solves.fetch_add(1, Ordering::Relaxed);
        let iterations = match &out {
            Ok((_, k, _)) => *k,
            Err(TipModelError::NotConverged { iterations, .. }) => *iterations,
            Err(_) => 0,
        };
        self.nonlinear_iterations.fetch_add(iterations, Ordering::Relaxed);
        out
    }

    /// The body of [`Self::step_general`] (which counts the solves and iterations).
    fn solve_step(
        &self,
        state: &State,
        bdf2: Option<(&[f64], f64)>,
        bias_v: f64,
        dt_s: f64,
    ) -> Result<(State, usize, Vec<f64>), TipModelError> {
        if !(dt_s > 0.0 && dt_s.is_finite()) {
            return Err(TipModelError::Input { name: "dt_s", value: dt_s, expected: "finite and > 0" });
        }
        if !bias_v.is_finite() {
            return Err(TipModelError::Input { name: "bias_v", value: bias_v, expected: "finite" });
        }
        let n = self.mesh.n_nodes();
        if state.c.len() != n || state.sigma_h_pa.len() != n || state.logit_c.len() != n {
            return Err(FemError::Input(format!(
                "state has {} / {} / {} values (c / sigma_h_pa / logit_c), expected {n}",
                state.c.len(),
                state.sigma_h_pa.len(),
                state.logit_c.len()
            ))
            .into());
        }
        self.check_logit(&state.logit_c)?;
        if let Some((node, &value)) = state.c.iter().enumerate().find(|(_, v)| !(**v >= 0.0 && **v <= 1.0)) {
            let p = self.mesh.nodes[node];
            return Err(TipModelError::OutOfRange { node, value, r_l: p[0], z_l: p[1] });
        }
        let (c_old, dt) = match bdf2 {
            Some((c_eff, alpha)) => (c_eff, dt_s / self.time_unit_s() / alpha),
            None => (&state.c[..], dt_s / self.time_unit_s()),
        };
        let vt = self.thermal_voltage_v();
        let phi_hat: Vec<f64> = self.unit_potential.iter().map(|p| p * bias_v / vt).collect();
        let beta = 0.5 * self.stress_stiffening();
        // First the concentration-form iteration (robust for depletion), if the state's 1 − c is well
        // represented next to 1 in f64; it gives up as soon as an iterate heads for c = 1.
        let mut spent = 0;
        if state.logit_c.iter().all(|&e| e < C_FORM_MAX_LOGIT) {
            // The Picard iterates hand over to the coupled Newton–Krylov iteration (quadratic) once they move
            // less than C_FORM_HANDOVER; if that fails, the plain Picard iteration is run to convergence.
            match self.step_c_form(state, c_old, &phi_hat, beta, dt, Some(C_FORM_HANDOVER))? {
                CForm::Converged(c, sigma, iterations) => {
                    return Ok((State::from_concentration(c, sigma, state.time_s + dt_s), iterations, Vec::new()));
                }
                CForm::Handover(c, change, iterations) => {
                    let start: Vec<f64> = c.iter().map(|&v| transport::logit(v)).collect();
                    match self.step_logit(c_old, &start, &phi_hat, beta, dt, false, Some(change)) {
                        Ok((eta, sigma, history)) => {
                            let k = history.len();
                            return Ok((State::from_logit(eta, sigma, state.time_s + dt_s), iterations + k, history));
                        }
                        Err(TipModelError::NotConverged { .. }) => {
                            spent += iterations + PICARD_MAX_ITER;
                            if let CForm::Converged(c, sigma, k) =
                                self.step_c_form(state, c_old, &phi_hat, beta, dt, None)?
                            {
                                let out = State::from_concentration(c, sigma, state.time_s + dt_s);
                                return Ok((out, spent + k, Vec::new()));
                            }
                        }
                        Err(e) => return Err(e),
                    }
                }
                CForm::GaveUp(iterations) => spent += iterations,
            }
        }
        // Then the Newton iteration in the logit, with the full Jacobian from the start; if that fails, with
        // lagged mobilities first (a symmetric M-matrix Jacobian) and the full one near convergence. Each
        // path, when it converges, solves the same discrete equations (module doc).
        let mut failure = None;
        for picard_first in [false, true] {
            match self.step_logit(c_old, &state.logit_c, &phi_hat, beta, dt, picard_first, None) {
                Ok((eta, sigma, history)) => {
                    let out = State::from_logit(eta, sigma, state.time_s + dt_s);
                    return Ok((out, spent + history.len(), history));
                }
                Err(e @ TipModelError::NotConverged { .. }) => {
                    spent += PICARD_MAX_ITER;
                    failure = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(failure.unwrap_or(TipModelError::NotConverged { iterations: spent, last_change: f64::NAN }))
    }

    /// The Newton iteration of the transport step in the logit η (module doc) from the logits `start`: the
    /// lagged-stress direction far from the solution, the coupled Newton–Krylov direction close to it (from
    /// the first iteration if `krylov_from_start` = Some(size of the last change), the hand-over from the
    /// concentration form). `picard_first`: start with lagged mobilities and switch to the full-mobility
    /// preconditioner once max |Δη| < [`NEWTON_SWITCH`]. Returns (η, σ_h, max |Δη| of each iteration).
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn step_logit(
        &self,
        c_old: &[f64],
        start: &[f64],
        phi_hat: &[f64],
        beta: f64,
        dt: f64,
        picard_first: bool,
        krylov_from_start: Option<f64>,
    ) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>), TipModelError> {
        let n = self.mesh.n_nodes();
        let su = self.stress_unit_pa();
        let mut history = Vec::new();
        let mut eta = start.to_vec();
        let mut c: Vec<f64> = eta.iter().map(|&e| transport::logistic(e)).collect();
        // σ_h = S(c) of the iterate at every iteration, so G below is the coupled residual.
        let mut sigma = self.hydrostatic_stress_pa(&c)?;
        let mut g_first: Option<f64> = None;
        // Symbolic analyses of the Picard (SPD) and Newton (general) Jacobians: same pattern in every iteration.
        let mut sym_picard: Option<Symbolic> = None;
        let mut sym_newton: Option<Symbolic> = None;
        let mut newton = !picard_first;
        // The coupled Newton–Krylov direction is used once the iterates are close (or from the start when
        // handed over from the concentration form); before, the lagged-stress direction (cheap, robust after a
        // bias jump).
        let mut krylov = krylov_from_start.is_some();
        // Size of the last step (for the first, the hand-over change of the concentration form in c).
        let mut last_step = krylov_from_start.unwrap_or(f64::INFINITY);
        let mut previous = f64::INFINITY;
        let mut last = f64::INFINITY;
        for iteration in 1..=PICARD_MAX_ITER {
            let w: Vec<f64> = (0..n).map(|i| phi_hat[i] - sigma[i] / su).collect();
            let (jac, g) = self.logit_system(&eta, c_old, &w, beta, dt, newton)?;
            let jac = jac.to_csc()?;
            let (sym, kind) =
                if newton { (&mut sym_newton, MatrixKind::General) } else { (&mut sym_picard, MatrixKind::Spd) };
            if sym.is_none() {
                *sym = Some(Symbolic::analyse(&jac, kind)?);
            }
            let factor = sym
                .as_ref()
                .map(|s| s.factor(&jac))
                .transpose()?
                .ok_or_else(|| FemError::Solver("transport step: no symbolic factorisation".into()))?;
            // The preconditioner: the Newton step in ν = η + βc(η) with σ̂_h lagged, mapped back to η by
            // dη = dν/(1 + βc'), i.e. P⁻¹G = D⁻¹ J_ν⁻¹ G, D = diag(1 + βc').
            let stiff: Vec<f64> = eta.iter().map(|&e| 1.0 + beta * transport::logistic_slope(e)).collect();
            let precondition = |v: &[f64]| -> Result<Vec<f64>, TipModelError> {
                Ok(factor.solve(v).iter().zip(&stiff).map(|(d, s)| d / s).collect())
            };
            let d_eta: Vec<f64> = if krylov {
                // Coupled Newton–Krylov (module doc): J δη = −G with J the Jacobian of the coupled residual
                // G(η) = G(η, w(η)), w = φ̂ − S(c(η))/σ_unit, applied matrix-free by a forward difference of
                // G (one transport residual and one elastic back-substitution per product), GMRES
                // right-preconditioned by the lagged-stress Jacobian.
                let g_norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
                let g0 = *g_first.get_or_insert(g_norm);
                // Forcing term ∝ ‖G_k‖ (and ≤ the square of the last step, which is of the order of the
                // error): keeps the inexact Newton iteration quadratic (Eisenstat & Walker, SIAM J. Sci.
                // Comput. 17, 16 (1996)).
                let rtol = (NEWTON_FORCING * g_norm / g0).min(last_step * last_step).clamp(1e-10, NEWTON_FORCING);
                let jacobian_times = |v: &[f64]| -> Result<Vec<f64>, TipModelError> {
                    let size = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                    if size == 0.0 {
                        return Ok(vec![0.0; n]);
                    }
                    let h = JFNK_STEP / size;
                    let eta_h: Vec<f64> = eta.iter().zip(v).map(|(e, v)| e + h * v).collect();
                    let g_h = self.coupled_residual(&eta_h, c_old, phi_hat, beta, dt)?;
                    Ok(g_h.iter().zip(&g).map(|(a, b)| (a - b) / h).collect())
                };
                let minus_g: Vec<f64> = g.iter().map(|v| -v).collect();
                let out = gmres(jacobian_times, precondition, &minus_g, rtol, KRYLOV_MAX_ITER, KRYLOV_MAX_ITER)?;
                self.krylov_iterations.fetch_add(out.iterations, Ordering::Relaxed);
                out.x
            } else {
                precondition(&g)?.iter().map(|d| -d).collect()
            };
            let biggest = d_eta.iter().fold(0.0f64, |m, d| m.max(d.abs()));
            if !biggest.is_finite() {
                return Err(TipModelError::NotConverged { iterations: iteration, last_change: biggest });
            }
            // Globalisation: a backtracking line search on the merit ‖G‖₂ of the coupled residual along two
            // update paths of the same direction (`minority_update`, `logit_update`; module doc).
            let merit = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            let merit = if biggest < LINE_SEARCH_MIN_STEP { f64::INFINITY } else { merit };
            let search = self.line_search(&eta, &c, &d_eta, merit, c_old, phi_hat, beta, dt)?;
            if search.fallback {
                self.line_search_fallbacks.fetch_add(1, Ordering::Relaxed);
            }
            if !search.merit.is_finite() {
                return Err(TipModelError::NotConverged { iterations: iteration, last_change: search.merit });
            }
            let damped = search.lambda < 1.0 || search.clipped;
            let change_c = search.c.iter().zip(&c).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
            eta = search.eta;
            c = search.c;
            sigma = search.sigma;
            // Lagging the mobilities converges only linearly (slowly where the accumulated region's edge moves,
            // ~0.94 per iteration at −3 V); once the iterates are close (undamped, max |Δη| < NEWTON_SWITCH)
            // switch to the full Newton Jacobian, and back to the robust lagged one if a Newton step grows.
            if newton && biggest > previous {
                newton = false;
            } else if !damped && biggest < NEWTON_SWITCH {
                newton = true;
            }
            if krylov && biggest > previous {
                krylov = false;
            } else if !damped && biggest < KRYLOV_SWITCH {
                krylov = true;
            }
            previous = biggest;
            last = biggest;
            history.push(biggest);
            last_step = biggest;
            if !damped && change_c < PICARD_TOL && biggest < LOGIT_TOL {
                self.check_logit(&eta)?;
                return Ok((eta, sigma, history));
            }
        }
        Err(TipModelError::NotConverged { iterations: PICARD_MAX_ITER, last_change: last })
    }

    /// Backtracking line search of one logit Newton iteration (module doc, "Globalisation"): trial points
    /// along the direction `d_eta` by the two update paths [`minority_update`] and [`logit_update`], step
    /// λ = 1, 1/2, …, 2^−[`LINE_SEARCH_HALVINGS`]; the first trial (at the largest λ, the better path first)
    /// with ‖G(trial)‖₂ ≤ (1 − 10⁻⁴ λ)‖G‖₂ (Armijo's sufficient decrease of the residual norm, as in the
    /// globally convergent inexact Newton method of Eisenstat & Walker, SIAM J. Optim. 4, 393 (1994)) is
    /// accepted. **Why two paths:** the minority update is a Newton step in c (resp. 1 − c), right where the
    /// flux is nearly linear in the minority fraction (depletion, accumulation), but it can change a nearly
    /// filled node's 1 − c only by the factor 1 + |δη| per iteration; when the bias reverses over a saturated
    /// region (1 − c ≈ e^{−100} → c ≈ e^{−100}) the logit must move by ~200 and the logit path gets there in
    /// one step. If no trial decreases the merit enough (a non-Newton direction far from the solution, or
    /// the rounding floor), the trial with the smallest merit is taken (`fallback`). `merit` = ∞ accepts the
    /// first trial (the full step).
    #[allow(clippy::too_many_arguments)]
    fn line_search(
        &self,
        eta: &[f64],
        c: &[f64],
        d_eta: &[f64],
        merit: f64,
        c_old: &[f64],
        phi_hat: &[f64],
        beta: f64,
        dt: f64,
    ) -> Result<LineSearch, TipModelError> {
        let su = self.stress_unit_pa();
        let evaluate = |eta_t: Vec<f64>, clipped: bool, lambda: f64| -> Result<LineSearch, TipModelError> {
            let c_t: Vec<f64> = eta_t.iter().map(|&e| transport::logistic(e)).collect();
            let sigma = self.hydrostatic_stress_pa(&c_t)?;
            let w: Vec<f64> = phi_hat.iter().zip(&sigma).map(|(p, s)| p - s / su).collect();
            let g = self.logit_residual(&eta_t, c_old, &w, beta, dt);
            let m = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            let merit = if m.is_finite() { m } else { f64::INFINITY };
            Ok(LineSearch { eta: eta_t, c: c_t, sigma, merit, lambda, clipped, fallback: false })
        };
        let mut full: Option<LineSearch> = None;
        for halving in 0..=LINE_SEARCH_HALVINGS {
            let lambda = 0.5f64.powi(halving as i32);
            let (minority, clipped) = minority_update(eta, c, d_eta, lambda);
            let minority = evaluate(minority, clipped, lambda)?;
            if minority.merit <= (1.0 - 1e-4 * lambda) * merit || merit == f64::INFINITY {
                return Ok(minority);
            }
            let logit = logit_update(eta, d_eta, lambda);
            if logit != minority.eta {
                let logit = evaluate(logit, false, lambda)?;
                if logit.merit <= (1.0 - 1e-4 * lambda) * merit {
                    return Ok(logit);
                }
            }
            if halving == 0 {
                full = Some(minority);
            }
        }
        let mut out = full.ok_or_else(|| FemError::Solver("line search: no trial point".into()))?;
        out.fallback = true;
        Ok(out)
    }

    /// The staggered Picard iteration in the concentration c (module doc): each iterate is the M-matrix solve
    /// (diag(m)/Δt̂ + A(c^k, w^k)) c^{k+1} = diag(m) cⁿ/Δt̂ > 0 with the EAFE matrix of transport.rs lagged
    /// at c^k, then σ_h from c^{k+1}. It keeps c > 0 but nothing bounds c < 1: it returns `None` (the caller
    /// switches to the logit Newton iteration) as soon as an iterate moves a node more than half-way from
    /// c^k to 1, or does not converge. Returns (c, σ_h, iterations).
    fn step_c_form(
        &self,
        state: &State,
        c_old: &[f64],
        phi_hat: &[f64],
        beta: f64,
        dt: f64,
        handover: Option<f64>,
    ) -> Result<CForm, TipModelError> {
        let n = self.mesh.n_nodes();
        let su = self.stress_unit_pa();
        let rhs: Vec<f64> = self.lumped_mass.iter().zip(c_old).map(|(m, c)| m * c / dt).collect();
        let mut c_k = state.c.clone();
        let mut sigma_k = state.sigma_h_pa.clone();
        let mut symbolic: Option<Symbolic> = None;
        for iteration in 1..=PICARD_MAX_ITER {
            let w: Vec<f64> = (0..n).map(|i| phi_hat[i] - sigma_k[i] / su).collect();
            let a = self.transport_matrix(&c_k, &w, beta, dt)?.to_csc()?;
            if symbolic.is_none() {
                symbolic = Some(Symbolic::analyse(&a, MatrixKind::General)?);
            }
            let factor = symbolic
                .as_ref()
                .map(|s| s.factor(&a))
                .transpose()?
                .ok_or_else(|| FemError::Solver("transport step: no symbolic factorisation".into()))?;
            let c_new = factor.solve(&rhs);
            let heads_for_one = c_new.iter().zip(&c_k).any(|(new, old)| *new > 0.5 * (1.0 + *old));
            if heads_for_one || c_new.iter().any(|v| !(*v > 0.0 && *v < 1.0 && v.is_finite())) {
                return Ok(CForm::GaveUp(iteration));
            }
            let change = c_new.iter().zip(&c_k).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            c_k = c_new;
            if let Some(limit) = handover
                && change < limit
                && change >= PICARD_TOL
            {
                return Ok(CForm::Handover(c_k, change, iteration));
            }
            sigma_k = self.hydrostatic_stress_pa(&c_k)?;
            if change < PICARD_TOL {
                return Ok(CForm::Converged(c_k, sigma_k, iteration));
            }
        }
        Ok(CForm::GaveUp(PICARD_MAX_ITER))
    }

    /// The coupled residual G(η) of the transport step in the logit (`logit_residual`) with σ_h = S(c(η))
    /// from the elasticity solve (one back-substitution with the kept factorisation).
    fn coupled_residual(
        &self,
        eta: &[f64],
        c_old: &[f64],
        phi_hat: &[f64],
        beta: f64,
        dt: f64,
    ) -> Result<Vec<f64>, TipModelError> {
        let su = self.stress_unit_pa();
        let c: Vec<f64> = eta.iter().map(|&e| transport::logistic(e)).collect();
        let sigma = self.hydrostatic_stress_pa(&c)?;
        let w: Vec<f64> = phi_hat.iter().zip(&sigma).map(|(p, s)| p - s / su).collect();
        Ok(self.logit_residual(eta, c_old, &w, beta, dt))
    }

    /// Logits must be finite and |η| < [`LOGIT_MAX`] (beyond it 1 − c or c underflows in f64).
    fn check_logit(&self, eta: &[f64]) -> Result<(), TipModelError> {
        if let Some((node, &value)) = eta.iter().enumerate().find(|(_, v)| v.is_nan() || v.abs() >= LOGIT_MAX) {
            let p = self.mesh.nodes[node];
            let value = if value.is_nan() { value } else { transport::logistic(value) };
            return Err(TipModelError::OutOfRange { node, value, r_l: p[0], z_l: p[1] });
        }
        Ok(())
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

/// A trial point of [`TipModel::line_search`]: logits, concentrations, σ_h (Pa), the merit ‖G‖₂, the step
/// length λ, whether the minority path clipped the logit, and whether it was taken without sufficient
/// decrease.
struct LineSearch {
    eta: Vec<f64>,
    c: Vec<f64>,
    sigma: Vec<f64>,
    merit: f64,
    lambda: f64,
    clipped: bool,
    fallback: bool,
}

/// The update η + λδη applied node by node to the minority species (module doc): the flux is nearly linear
/// in c where c ≪ 1 (EAFE in c with a ≈ 1) and nearly linear in 1 − c where 1 − c ≪ 1, so the linear change
/// δc = c'(η) λδη is applied to c if c < 1/2 and to 1 − c otherwise (a Newton step in c, resp. 1 − c: no
/// exponential overshoot of e^{δη}, and a nearly empty node can refill in one iteration); where that would
/// shrink the minority fraction by more than e^{LOGIT_STEP_MAX} or leave (0, 1), the logit itself moves by
/// λδη clipped to ±[`LOGIT_STEP_MAX`]. Iterates stay inside ±[`LOGIT_MAX`]. Returns the logits and whether
/// any node was clipped.
fn minority_update(eta: &[f64], c: &[f64], d_eta: &[f64], lambda: f64) -> (Vec<f64>, bool) {
    let mut clipped = false;
    let out = eta
        .iter()
        .zip(c)
        .zip(d_eta)
        .map(|((&e, &ci), &d)| {
            let d = lambda * d;
            let dc = transport::logistic_slope(e) * d;
            // The minority fraction x (c or 1 − c) and its linear Newton update x + δx.
            let (x, dx, sign) = if e < 0.0 { (ci, dc, 1.0) } else { (transport::logistic(-e), -dc, -1.0) };
            let x_new = x + dx;
            let floor = x * (-LOGIT_STEP_MAX).exp();
            let moved = if x_new >= floor && x_new < 1.0 {
                sign * transport::logit(x_new)
            } else {
                clipped |= d.abs() > LOGIT_STEP_MAX;
                e + d.clamp(-LOGIT_STEP_MAX, LOGIT_STEP_MAX)
            };
            // A non-finite logit (NaN direction) is caught by the caller's merit (∞) and check_logit.
            moved.clamp(-LOGIT_MAX, LOGIT_MAX)
        })
        .collect();
    (out, clipped)
}

/// The plain update η + λδη of the logits, inside ±[`LOGIT_MAX`].
fn logit_update(eta: &[f64], d_eta: &[f64], lambda: f64) -> Vec<f64> {
    eta.iter().zip(d_eta).map(|(e, d)| (e + lambda * d).clamp(-LOGIT_MAX, LOGIT_MAX)).collect()
}
