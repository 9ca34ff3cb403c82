//! Discretisation of the ion-transport operator of the tip model (Eq. 3 of Eshghinejad et al. 2017 in normalised form):
//! an edge-averaged, exponentially fitted finite-element (EAFE) scheme that is positivity-preserving, exactly
//! conservative and well balanced (its discrete steady state is exactly μ = const).
//!
//! **Flux.** ∂c/∂t̂ = ∇·[∇c/(1−c) + c∇w] = ∇·[c∇(h(c) + w)], h(c) = ln(c/(1−c)), w = φ̂ − σ̂_h. Along an edge
//! the flux is written in Slotboom form −J = a(∇c + c∇ψ) = a e^{−ψ}∇(e^{ψ}c) with a lagged diffusion
//! coefficient a and a∇ψ = ∇w (w is P1, so ψ is linear along every edge).
//!
//! **EAFE** (Xu & Zikatanov 1999, "A monotone finite element scheme for convection-diffusion equations",
//! Math. Comp. 68, 1429; along one edge it is the Scharfetter–Gummel flux): assuming the flux constant along
//! the edge (i, j) and ψ linear on it, ∫ e^{ψ}/a ds · J·t = −(e^{ψ_j}c_j − e^{ψ_i}c_i) gives the edge flux
//! a[B(δ_ij) c_i − B(−δ_ij) c_j] (per unit of the edge's stiffness weight), δ_ij = ψ_j − ψ_i = (w_j − w_i)/a
//! and B(x) = x/(eˣ − 1) the Bernoulli function. The weight of edge (i, j) in element e is
//! ω_ij = −K^e_ij, K^e_ij = ∫_e r ∇N_i·∇N_j (the r-weighted P1 Laplacian), so for δ → 0 the scheme is the
//! Galerkin a K^e. Row i of the element matrix gets A_ii += ω a B(δ_ij), A_ij −= ω a B(−δ_ij).
//!
//! **Diffusion coefficient.** a_ij = (h(c_j) − h(c_i))/(ln c_j − ln c_i) from the lagged c (→ 1/(1−c) for
//! c_i = c_j), the edge mean of Bessemoulin-Chatard (2012, "A finite volume scheme for convection–diffusion
//! equations with nonlinear diffusion derived from the Scharfetter–Gummel scheme", Numer. Math. 121, 637).
//! An edge then carries no flux exactly when h(c_j) + w_j = h(c_i) + w_i, so the discrete steady state is
//! μ/RT = h(c) + w = const at every node, on any mesh. (The element average 1/(1 − c̄_e) tried first gives
//! a first-order O(h) error in μ at equilibrium: 8.7e-4 → 4.1e-4 → 2.2e-4 RT at 0.5 V for h = 0.1 → 0.025 L.)
//!
//! **Properties.** (1) Every column sums to zero, so with the row-sum lumped mass m_i the amount ∑ m_i c_i is
//! conserved exactly by each linear solve. (2) On a weakly acute mesh (all ω_ij ≥ 0; the tensor-product right
//! triangles of [`crate::sim::fem::Mesh::cylinder`] have ω = 0 on the diagonals and ω > 0 on the legs,
//! tested) the off-diagonals are ≤ 0, and diag(m)/Δt̂ + A has positive column sums: its transpose is strictly
//! diagonally dominant, so it is an M-matrix, its inverse is ≥ 0 and every solve with right-hand side
//! m cⁿ/Δt̂ > 0 gives c > 0. No bound c < 1 follows from this structure: where ions pile up (negative tip
//! bias) the lagged a is too small and a Picard iterate can exceed 1; for that case the same flux is used in
//! chemical-potential form F_ij = ω M_ij (μ_i − μ_j) with the logit as the unknown (`edge_mobility`,
//! `TipModel::logit_system`; parent module doc).
//!
//! **Stress stabilisation** (see `TipModel::stress_stiffening`): the staggered coupling lags σ̂_h; the Picard
//! iteration is stabilised by adding s_e = β c̄_e to the diffusion coefficient (implicit) and subtracting the
//! same amount with the lagged iterate c^k. To keep the M-matrix property the subtracted part is not put on
//! the right-hand side (where β c̄_e K c^k is negative at a local minimum of c^k and can make c < 0) but
//! into the drift: β c̄_e ∇c^k ≈ c β c̄_e ∇ln c^k, i.e. along each edge a = a_ij + s_e and
//! a δ_ij = (w_j − w_i) − s_e (ln c^k_j − ln c^k_i). At convergence (c^k = c) a zero edge flux is
//! (a_ij + s_e)Δln c = −Δw + s_e Δln c, i.e. Δh = −Δw: the stabilisation leaves the discrete equilibrium
//! exact; away from equilibrium it changes the flux by O(h) (c̄_e vs c inside the element).

use super::{TipModel, TipModelError};
use crate::numerics::sparse::Triplets;
use crate::sim::fem::Mesh;

/// Bernoulli function B(x) = x/(eˣ − 1), evaluated without cancellation near 0 and without overflow for
/// large |x| (B(x) → x e^{−x} for x → +∞, → −x for x → −∞).
pub(crate) fn bernoulli(x: f64) -> f64 {
    if x.abs() < 1e-5 {
        // Taylor series 1 − x/2 + x²/12 − x⁴/720 …: the x⁴ term is below 1e-22 here.
        1.0 - 0.5 * x + x * x / 12.0
    } else if x > 0.0 {
        // x e^{−x}/(1 − e^{−x}): no overflow of eˣ.
        -x * (-x).exp() / (-x).exp_m1()
    } else {
        x / x.exp_m1()
    }
}

/// Edge weights ω of element `e`: ω[k] = −∫_e r ∇N_a·∇N_b for the edge (a, b) = (k, (k+1) mod 3) in local
/// numbering. ∇N is constant on a P1 triangle and ∫_e r = |e| r̄_e, so ω[k] = −|e| r̄_e ∇N_a·∇N_b exactly.
pub(crate) fn edge_weights(mesh: &Mesh, e: usize) -> [f64; 3] {
    let v = mesh.element(e);
    let p = [mesh.nodes[v[0]], mesh.nodes[v[1]], mesh.nodes[v[2]]];
    let det = (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[2][0] - p[0][0]) * (p[1][1] - p[0][1]);
    // ∇N_k = (z_{k+1} − z_{k+2}, r_{k+2} − r_{k+1}) / det.
    let grad = |k: usize| {
        let (a, b) = (p[(k + 1) % 3], p[(k + 2) % 3]);
        [(a[1] - b[1]) / det, (b[0] - a[0]) / det]
    };
    let g = [grad(0), grad(1), grad(2)];
    let area = 0.5 * det.abs();
    let r_mean = (p[0][0] + p[1][0] + p[2][0]) / 3.0;
    let mut w = [0.0; 3];
    for (k, wk) in w.iter_mut().enumerate() {
        let (a, b) = (g[k], g[(k + 1) % 3]);
        *wk = -area * r_mean * (a[0] * b[0] + a[1] * b[1]);
    }
    w
}

/// Edge mean of the diffusion coefficient 1/(1 − c) for the flux c∇h(c), h = ln(c/(1−c)) (Bessemoulin-Chatard
/// 2012): a = (h(c_j) − h(c_i))/(ln c_j − ln c_i) = 1 − Δln(1−c)/Δln c, and 1/(1 − c) for c_i = c_j. With it
/// a zero edge flux at convergence is h(c_j) − h(c_i) = −(w_j − w_i) exactly.
pub(crate) fn edge_diffusivity(ci: f64, cj: f64) -> f64 {
    let x = (cj / ci).ln();
    if x.abs() < 1e-6 { 1.0 / (1.0 - 0.5 * (ci + cj)) } else { 1.0 - ((-cj).ln_1p() - (-ci).ln_1p()) / x }
}

/// c = 1/(1 + e^{−η}), the concentration of the logit η = ln(c/(1−c)), without overflow.
pub(crate) fn logistic(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + eˣ) without overflow or cancellation: ln c = −softplus(−η), ln(1 − c) = −softplus(η).
pub(crate) fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// dc/dη = c(1 − c) = e^{−|η|}/(1 + e^{−|η|})², accurate at both ends.
pub(crate) fn logistic_slope(eta: f64) -> f64 {
    let e = (-eta.abs()).exp();
    e / ((1.0 + e) * (1.0 + e))
}

/// The logit ln(c/(1−c)) of a concentration c ∈ (0, 1) (NaN/±∞ outside).
pub(crate) fn logit(c: f64) -> f64 {
    c.ln() - (-c).ln_1p()
}

/// ln B(x), B the Bernoulli function, without underflow of B for large positive x (B ~ x e^{−x}).
pub(crate) fn ln_bernoulli(x: f64) -> f64 {
    if x.abs() <= 1.0 {
        bernoulli(x).ln()
    } else if x > 0.0 {
        x.ln() - x - (-(-x).exp()).ln_1p()
    } else {
        (-x).ln() - (-(x.exp())).ln_1p()
    }
}

/// Mobility M (per unit edge weight ω) of the EAFE edge flux written in chemical-potential form,
/// F_ij = ω M (μ_i − μ_j), μ = η + w, η = ln(c/(1−c)), with everything computed from the logits η_i, η_j
/// (never from 1 − c formed next to 1). The EAFE flux (module doc) with a = a_ij + s, a_ij the
/// Bessemoulin-Chatard mean (h = η), δ = (Δw − sΔln c)/a, is F/ω = a B(δ)[c_i − e^{δ} c_j]
/// (B(−δ) = e^{δ}B(δ)) = a B(δ) c_i [1 − e^{δ + Δln c}]. Because a_ij Δln c = Δη by the definition of the
/// mean, δ + Δln c = (Δw + Δη)/a = Δμ/a =: y (Δ = j − i), so F/ω = −a B(δ) c_i expm1(y) and
/// M = F/(ω(μ_i − μ_j)) = c_i B(δ)/B(y): identical to the c-form flux, smooth at Δμ = 0 (→ c_i B(δ)),
/// positive and symmetric in (i, j) (B(−x) = eˣB(x)). Evaluated as exp(ln c_i + ln B(δ) − ln B(y)).
/// `stab` is the stress stabilisation s = β c̄_e of the edge's element (module doc).
pub(crate) fn edge_mobility(eta_i: f64, eta_j: f64, w_i: f64, w_j: f64, stab: f64) -> f64 {
    let d_eta = eta_j - eta_i;
    // Δln c = ∫ (1 − c) dη over [η_i, η_j] and a_ij = Δη/Δln c. Near Δη = 0 the difference of the two
    // softplus values cancels (relative error ε/|Δη|), so use the midpoint rule with its Δη³ correction:
    // (1 − c)'' = f(1 − f)(1 − 2f), f = 1 − c; truncation O(Δη⁴) ≤ 1e-12 relative below |Δη| = 1e-3,
    // and the cancellation above it costs ≤ 1e-13.
    let d_lnc = if d_eta.abs() < 1e-3 {
        let f = logistic(-0.5 * (eta_i + eta_j));
        d_eta * (f + d_eta * d_eta / 24.0 * f * (1.0 - f) * (1.0 - 2.0 * f))
    } else {
        softplus(-eta_i) - softplus(-eta_j)
    };
    let a_bc = if d_eta.abs() < 1e-3 {
        let f = logistic(-0.5 * (eta_i + eta_j));
        1.0 / (f + d_eta * d_eta / 24.0 * f * (1.0 - f) * (1.0 - 2.0 * f))
    } else {
        d_eta / d_lnc
    };
    let a = a_bc + stab;
    let delta = (w_j - w_i - stab * d_lnc) / a;
    let y = (d_eta + w_j - w_i) / a;
    (-softplus(-eta_i) + ln_bernoulli(delta) - ln_bernoulli(y)).exp()
}

impl TipModel {
    /// Calls `f(i, j, ω_ij, s_e)` for every edge (i, j) of every element with a non-zero weight ω_ij
    /// (`edge_weights`; an edge shared by two elements is visited once per element, as in the assembly) and
    /// the element's stress stabilisation s_e = β c̄_e of the concentrations `c`.
    fn for_each_edge(&self, c: &[f64], beta: f64, mut f: impl FnMut(usize, usize, f64, f64)) {
        let mesh = &self.mesh;
        for e in 0..mesh.n_elements() {
            let nodes = mesh.element(e);
            let stab = beta * nodes.iter().map(|&i| c[i]).sum::<f64>() / 3.0;
            for (k, &om) in edge_weights(mesh, e).iter().enumerate() {
                if om != 0.0 {
                    f(nodes[k], nodes[(k + 1) % 3], om, stab);
                }
            }
        }
    }

    /// The Newton system of the transport step in the logit η (parent module doc): the residual
    /// G_i = m_i (c(η_i) − cⁿ_i)/Δt̂ + ∑_edges ω M_ij (μ_i − μ_j), μ = η + w, with the mobilities M_ij
    /// (`edge_mobility`, stress stabilisation s_e = β c̄_e) lagged at `eta`, and the Jacobian for the
    /// variable ν = η + β c(η): diag(m c'(η)/(Δt̂ (1 + β c'(η)))) + L(ωM), L the graph Laplacian of the
    /// edge mobilities (symmetric, M > 0 and ω ≥ 0 on a weakly acute mesh: symmetric positive definite).
    /// Returns (Jacobian, G).
    pub(super) fn logit_system(
        &self,
        eta: &[f64],
        c_old: &[f64],
        w: &[f64],
        beta: f64,
        dt: f64,
        newton: bool,
    ) -> Result<(Triplets, Vec<f64>), TipModelError> {
        let mesh = &self.mesh;
        // Column scaling of the ν-Jacobian: ∂/∂ν_k = (1 + β c'_k)^{−1} ∂/∂η_k.
        let scale: Vec<f64> = eta.iter().map(|&e| 1.0 / (1.0 + beta * logistic_slope(e))).collect();
        let n = mesh.n_nodes();
        let c: Vec<f64> = eta.iter().map(|&e| logistic(e)).collect();
        let mu: Vec<f64> = eta.iter().zip(w).map(|(e, w)| e + w).collect();
        let mut t = Triplets::with_capacity(n, mesh.n_elements() * 12 + n);
        // The residual from the same function the matrix-free Newton–Krylov Jacobian differentiates.
        let g = self.logit_residual(eta, c_old, w, beta, dt);
        for (i, &e) in eta.iter().enumerate() {
            let slope = logistic_slope(e);
            t.add(i, i, self.lumped_mass[i] * slope / (dt * (1.0 + beta * slope)));
        }
        self.for_each_edge(&c, beta, |i, j, om, stab| {
            {
                let m0 = edge_mobility(eta[i], eta[j], w[i], w[j], stab);
                let m = om * m0;
                // Lagged mobility (Picard) part: symmetric.
                let (mut d_ii, mut d_ij) = (m, -m);
                let (mut d_ji, mut d_jj) = (-m, m);
                if newton {
                    // Full Newton: + (μ_i − μ_j) ∂(ωM)/∂η_k, by forward differences in η (step 1e-6: the
                    // error ~1e-6 relative only slows the quadratic convergence to a fast linear one). The
                    // stabilisation s_e stays lagged.
                    const H: f64 = 1e-6;
                    let dm_i = om * (edge_mobility(eta[i] + H, eta[j], w[i], w[j], stab) - m0) / H;
                    let dm_j = om * (edge_mobility(eta[i], eta[j] + H, w[i], w[j], stab) - m0) / H;
                    let dmu = mu[i] - mu[j];
                    d_ii += dmu * dm_i * scale[i];
                    d_ij += dmu * dm_j * scale[j];
                    d_ji -= dmu * dm_i * scale[i];
                    d_jj -= dmu * dm_j * scale[j];
                }
                t.add(i, i, d_ii);
                t.add(i, j, d_ij);
                t.add(j, i, d_ji);
                t.add(j, j, d_jj);
            }
        });
        Ok((t, g))
    }

    /// The residual G_i = m_i (c(η_i) − cⁿ_i)/Δt̂ + ∑_edges ω M_ij (μ_i − μ_j) of the transport step in the
    /// logit (`logit_system`), μ = η + w, for a given w (the stress stabilisation s_e = β c̄_e from `eta`).
    pub(super) fn logit_residual(&self, eta: &[f64], c_old: &[f64], w: &[f64], beta: f64, dt: f64) -> Vec<f64> {
        let mesh = &self.mesh;
        let c: Vec<f64> = eta.iter().map(|&e| logistic(e)).collect();
        let mu: Vec<f64> = eta.iter().zip(w).map(|(e, w)| e + w).collect();
        let mut g: Vec<f64> = (0..mesh.n_nodes()).map(|i| self.lumped_mass[i] * (c[i] - c_old[i]) / dt).collect();
        self.for_each_edge(&c, beta, |i, j, om, stab| {
            let flux = om * edge_mobility(eta[i], eta[j], w[i], w[j], stab) * (mu[i] - mu[j]);
            g[i] += flux;
            g[j] -= flux;
        });
        g
    }

    /// diag(m)/Δt̂ + A(c^k, w): the lumped r-weighted mass over Δt̂ plus the EAFE transport operator (module
    /// doc) with a = a_ij(c^k) + β c̄_e and edge potential differences
    /// a δ_ij = (w_j − w_i) − β c̄_e (ln c^k_j − ln c^k_i), c^k = `c_lag` (must be in (0, 1)).
    pub(super) fn transport_matrix(
        &self,
        c_lag: &[f64],
        w: &[f64],
        beta: f64,
        dt: f64,
    ) -> Result<Triplets, TipModelError> {
        let mesh = &self.mesh;
        let mut t = Triplets::with_capacity(mesh.n_nodes(), mesh.n_elements() * 12 + mesh.n_nodes());
        for (i, m) in self.lumped_mass.iter().enumerate() {
            t.add(i, i, m / dt);
        }
        for e in 0..mesh.n_elements() {
            let nodes = mesh.element(e);
            let cbar = nodes.iter().map(|&i| c_lag[i]).sum::<f64>() / 3.0;
            let stab = beta * cbar;
            let omega = edge_weights(mesh, e);
            for (k, &om) in omega.iter().enumerate() {
                if om == 0.0 {
                    continue;
                }
                let (i, j) = (nodes[k], nodes[(k + 1) % 3]);
                let a = edge_diffusivity(c_lag[i], c_lag[j]) + stab;
                let delta = (w[j] - w[i] - stab * (c_lag[j] / c_lag[i]).ln()) / a;
                let (bp, bm) = (om * a * bernoulli(delta), om * a * bernoulli(-delta));
                t.add(i, i, bp);
                t.add(i, j, -bm);
                t.add(j, j, bm);
                t.add(j, i, -bp);
            }
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bernoulli_is_accurate_and_finite() {
        // Reference values from the closed form where it is well conditioned.
        for &x in &[1e-3, 0.1, 1.0, 5.0, 30.0, -1e-3, -0.1, -1.0, -5.0, -30.0] {
            let exact = x / (f64::exp(x) - 1.0);
            assert!((bernoulli(x) - exact).abs() < 1e-13 * exact.abs().max(1.0), "B({x})");
        }
        // Across the series switch the function is continuous to rounding.
        let (a, b) = (bernoulli(1e-5 * (1.0 - 1e-12)), bernoulli(1e-5 * (1.0 + 1e-12)));
        assert!((a - b).abs() < 1e-15);
        assert_eq!(bernoulli(0.0), 1.0);
        // No overflow: B(1000) = 1000 e^{−1000} underflows to 0, B(−1000) = 1000.
        assert!(bernoulli(1000.0) >= 0.0 && bernoulli(1000.0) < 1e-300);
        assert!((bernoulli(-1000.0) - 1000.0).abs() < 1e-12);
        // B(−x) = B(x) + x.
        for &x in &[1e-7, 0.3, 7.0, 40.0] {
            assert!((bernoulli(-x) - bernoulli(x) - x).abs() < 1e-13 * x.max(1.0));
        }
    }
}

#[cfg(test)]
mod mesh_tests {
    use super::*;
    use crate::sim::esm::params::EsmParams;
    use crate::sim::esm::tip_model::MeshOptions;

    /// The M-matrix argument (module doc) needs ω_ij ≥ 0 on every element edge. The cylinder mesh is a tensor
    /// grid of rectangles cut into right triangles: ω = 0 exactly (up to rounding) on the hypotenuse, > 0 on
    /// the legs. Tolerance: rounding of −|e| r̄ ∇N_a·∇N_b, relative 1e-12 of the element's largest weight.
    /// The chemical-potential form of the edge flux (`edge_mobility`, `logit_system`) is the c-form EAFE
    /// flux (`transport_matrix`) rewritten: at a state where both are computable in c (0.02 < c < 0.95),
    /// the residual G(η) − m(c − cⁿ)/Δt̂ equals (A − diag(m)/Δt̂) c with the matrix lagged at the same c.
    /// Tolerance 1e-11 relative to the largest flux term: the Δη → 0 branch of `edge_mobility` is accurate
    /// to ~1e-12 and `edge_diffusivity` switches to its own midpoint value below Δln c = 1e-6.
    #[test]
    fn chemical_potential_form_equals_the_c_form() {
        let m = TipModel::new(&EsmParams::lifepo4(), MeshOptions::coarse()).unwrap();
        let n = m.mesh().n_nodes();
        let dt = 0.3;
        let w: Vec<f64> = m.mesh().nodes.iter().map(|p| 30.0 * (1.5 * p[0]).cos() * (p[1] * 2.0).exp()).collect();
        let c: Vec<f64> = m.mesh().nodes.iter().map(|p| 0.02 + 0.93 * (p[0] + p[1]).sin().powi(2)).collect();
        let eta: Vec<f64> = c.iter().map(|&v| logit(v)).collect();
        let c_old = vec![0.0; n];
        for beta in [0.0, 4.7] {
            let (_, g) = m.logit_system(&eta, &c_old, &w, beta, dt, false).unwrap();
            let a = m.transport_matrix(&c, &w, beta, dt).unwrap().to_csc().unwrap();
            let ac = a.mul_vec(&c);
            let mut worst: f64 = 0.0;
            let mut scale: f64 = 0.0;
            for i in 0..n {
                let reference = ac[i] - m.lumped_mass[i] / dt * c[i];
                let flux = g[i] - m.lumped_mass[i] * logistic(eta[i]) / dt;
                worst = worst.max((flux - reference).abs());
                scale = scale.max(reference.abs());
            }
            println!("β = {beta}: max |G_μ − G_c| = {worst:.2e} (largest flux {scale:.2e})");
            assert!(worst < 1e-11 * scale);
        }
    }

    /// logit/logistic round trips and the vacancy 1 − c at strong accumulation (η = 100: 1 − c = e^{−100},
    /// not representable next to 1 in f64, but exact from η). Tolerances: a few ulps (times |η| where exp
    /// amplifies the rounding of η).
    #[test]
    fn logit_helpers_are_accurate() {
        for &c in &[1e-30, 1e-5, 0.1, 0.5, 0.9, 1.0 - 1e-9] {
            // exp amplifies the rounding of η (≈ ε|η|) into a relative error ≈ ε|η| of c.
            let eta = logit(c);
            assert!((logistic(eta) - c).abs() <= 4.0 * f64::EPSILON * (1.0 + eta.abs()) * c, "c = {c}");
        }
        assert!((logistic(-100.0) / (-100.0f64).exp() - 1.0).abs() < 1e-14);
        assert!((softplus(-100.0) / (-100.0f64).exp() - 1.0).abs() < 1e-14);
        assert!((logistic_slope(100.0) / (-100.0f64).exp() - 1.0).abs() < 1e-14);
        // ln B at large |x| against the closed form where it is representable.
        for &x in &[2.0, 30.0, -2.0, -30.0, 0.5, -0.5] {
            assert!((ln_bernoulli(x) - bernoulli(x).ln()).abs() < 1e-13, "x = {x}");
        }
        assert!((ln_bernoulli(1000.0) - (1000f64.ln() - 1000.0)).abs() < 1e-12);
    }

    #[test]
    fn cylinder_meshes_are_weakly_acute() {
        for opts in [MeshOptions::default(), MeshOptions::coarse()] {
            let m = TipModel::new(&EsmParams::lifepo4(), opts).unwrap();
            let mesh = m.mesh();
            let (mut worst, mut zeros) = (f64::INFINITY, 0usize);
            for e in 0..mesh.n_elements() {
                let w = edge_weights(mesh, e);
                let scale = w.iter().fold(0.0f64, |a, b| a.max(b.abs()));
                assert!(scale > 0.0);
                for wk in w {
                    worst = worst.min(wk / scale);
                    zeros += usize::from(wk.abs() <= 1e-12 * scale);
                }
            }
            println!("h_min = {}: min ω/max|ω| per element = {worst:.2e}, {zeros} zero-weight edges", opts.h_min_l);
            assert!(worst >= -1e-12, "an obtuse angle: ω/max|ω| = {worst}");
        }
    }

    /// The EAFE operator at w = 0, β = 0 and c̄ = c0 is the Galerkin Laplacian 1/(1 − c0) K (module doc), and
    /// every column of the step matrix sums to m_j/Δt̂ (exact conservation). Tolerance: rounding, 1e-12
    /// relative to the largest entry.
    #[test]
    fn eafe_reduces_to_galerkin_and_conserves() {
        let m = TipModel::new(&EsmParams::lifepo4(), MeshOptions::coarse()).unwrap();
        let n = m.mesh().n_nodes();
        let c = vec![0.1; n];
        let dt = 0.5;
        let a = m.transport_matrix(&c, &vec![0.0; n], 0.0, dt).unwrap().to_csc().unwrap();
        let k = crate::sim::fem::scalar::stiffness(m.mesh(), |_, _| 1.0 / 0.9).to_csc().unwrap();
        let x: Vec<f64> = m.mesh().nodes.iter().map(|p| (0.7 * p[0]).sin() + p[1] * p[1]).collect();
        let (ax, kx) = (a.mul_vec(&x), k.mul_vec(&x));
        let scale = ax.iter().fold(0.0f64, |s, v| s.max(v.abs()));
        for i in 0..n {
            let expect = kx[i] + m.lumped_mass[i] / dt * x[i];
            assert!((ax[i] - expect).abs() < 1e-12 * scale, "row {i}: {} vs {expect}", ax[i]);
        }
        // Column sums with a strong, rough drift and a non-uniform lagged c.
        let w: Vec<f64> = m.mesh().nodes.iter().map(|p| 40.0 * (3.0 * p[0]).cos() * (p[1] * 2.0).exp()).collect();
        let c: Vec<f64> = m.mesh().nodes.iter().map(|p| 0.05 + 0.8 * (p[0] + p[1]).sin().powi(2)).collect();
        let mut col = vec![0.0; n];
        let mut big: f64 = 0.0;
        for &(i, j, v) in m.transport_matrix(&c, &w, 4.7, dt).unwrap().entries() {
            col[j] += v;
            big = big.max(v.abs());
            // Off-diagonals are ≤ 0 (M-matrix structure; + rounding of the zero hypotenuse weights).
            assert!(i == j || v <= 1e-13, "({i}, {j}) = {v}");
        }
        for (j, (sum, mj)) in col.iter().zip(&m.lumped_mass).enumerate() {
            assert!((sum - mj / dt).abs() < 1e-12 * big, "column {j}");
        }
    }
}
