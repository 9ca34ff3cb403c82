//! Axisymmetric linear isotropic elasticity with an isotropic eigenstrain (Vegard strain).
//!
//! Unknowns per node: u_r (index 2i) and u_z (2i + 1). Strains (Zienkiewicz & Taylor Vol. 1, §6.3; Timoshenko
//! & Goodier): ε = (ε_rr, ε_zz, ε_θθ, γ_rz) = (∂u_r/∂r, ∂u_z/∂z, u_r/r, ∂u_r/∂z + ∂u_z/∂r).
//! Stress σ = D (ε − ε*), ε* = e* (1, 1, 1, 0) for an isotropic linear eigenstrain e* (volumetric 3e*; for
//! Vegard's law e* = (Ω/3) Δc with Ω the partial molar volume and Δc the concentration change), D the
//! isotropic stiffness with Lamé λ, μ. Weak form per radian: K = ∫ Bᵀ D B r dr dz, eigenstrain load
//! f* = ∫ Bᵀ D ε* r dr dz = ∫ 3K_b e* (∂N/∂r + N/r, ∂N/∂z) r dr dz (K_b bulk modulus), traction load
//! ∫ N t r ds. On the axis u_r = 0 (symmetry), which also keeps u_r/r finite.

use super::FemError;
use super::element::{AffineMap, REFERENCE_NODES, RefTable};
use super::mesh::{Boundary, Mesh};
use super::scalar::check_pattern;
use super::scalar::edge_integrate;
use crate::numerics::sparse::{Pattern, Triplets};

/// Isotropic linear elastic material.
#[derive(Clone, Copy, Debug)]
pub struct Isotropic {
    /// Young's modulus E (Pa).
    pub young: f64,
    /// Poisson's ratio ν (−1 < ν < 0.5).
    pub poisson: f64,
}

impl Isotropic {
    pub fn new(young: f64, poisson: f64) -> Result<Isotropic, FemError> {
        if !(young > 0.0 && young.is_finite() && poisson > -1.0 && poisson < 0.5) {
            return Err(FemError::Input(format!(
                "elastic constants: expected E > 0 and −1 < ν < 0.5, found E = {young}, ν = {poisson}"
            )));
        }
        Ok(Isotropic { young, poisson })
    }

    /// Lamé constants (λ, μ).
    pub fn lame(&self) -> (f64, f64) {
        let (e, nu) = (self.young, self.poisson);
        (e * nu / ((1.0 + nu) * (1.0 - 2.0 * nu)), e / (2.0 * (1.0 + nu)))
    }

    /// Bulk modulus K_b = E / (3 (1 − 2ν)).
    pub fn bulk(&self) -> f64 {
        self.young / (3.0 * (1.0 - 2.0 * self.poisson))
    }

    /// σ = D ε for ε = (ε_rr, ε_zz, ε_θθ, γ_rz).
    pub fn stress(&self, eps: [f64; 4]) -> [f64; 4] {
        let (l, m) = self.lame();
        let tr = eps[0] + eps[1] + eps[2];
        [l * tr + 2.0 * m * eps[0], l * tr + 2.0 * m * eps[1], l * tr + 2.0 * m * eps[2], m * eps[3]]
    }
}

/// An isotropic linear eigenstrain field e*(r, z) (each normal component; volumetric = 3e*).
#[derive(Clone, Copy)]
pub enum Eigenstrain<'a> {
    /// One value per element.
    PerElement(&'a [f64]),
    /// Nodal values interpolated with the element's shape functions (e.g. (Ω/3) Δc from a diffusion solve).
    PerNode(&'a [f64]),
    /// A function of (r, z).
    Field(&'a dyn Fn(f64, f64) -> f64),
}

impl Eigenstrain<'_> {
    fn at(&self, mesh: &Mesh, e: usize, n: &[f64; 6], r: f64, z: f64) -> f64 {
        match self {
            Eigenstrain::PerElement(v) => v.get(e).copied().unwrap_or(0.0),
            Eigenstrain::PerNode(v) => {
                mesh.element(e).iter().zip(n).map(|(&i, w)| w * v.get(i).copied().unwrap_or(0.0)).sum()
            }
            Eigenstrain::Field(f) => f(r, z),
        }
    }
}

/// Strain–displacement rows for node k at a point: returns (coefficients of u_r, coefficients of u_z) for
/// (ε_rr, ε_zz, ε_θθ, γ_rz). On the axis (r ≈ 0) u_r/r is replaced by its limit ∂u_r/∂r (u_r(0) = 0).
fn b_rows(n: f64, dr: f64, dz: f64, r: f64, r_scale: f64) -> ([f64; 4], [f64; 4]) {
    let hoop = if r > 1e-12 * r_scale { n / r } else { dr };
    ([dr, 0.0, hoop, dz], [0.0, dz, 0.0, dr])
}

/// Stiffness K = ∫ Bᵀ D B r dr dz, 2 unknowns per node.
pub fn stiffness(mesh: &Mesh, mat: &Isotropic) -> Triplets {
    let n2 = 2 * mesh.n_nodes();
    let npe = mesh.order.nodes_per_element();
    let mut t = Triplets::with_capacity(n2, mesh.n_elements() * 4 * npe * npe);
    let scale = mesh.r_lines.last().copied().unwrap_or(1.0);
    let tab = RefTable::degree5(mesh.order);
    let lame = mat.lame();
    for e in 0..mesh.n_elements() {
        let local = local_stiffness(mesh, e, &tab, lame, scale);
        let nodes = mesh.element(e);
        for a in 0..2 * npe {
            for c in 0..2 * npe {
                t.add(2 * nodes[a / 2] + a % 2, 2 * nodes[c / 2] + c % 2, local[a][c]);
            }
        }
    }
    t
}

/// Sparsity pattern of the elasticity matrices on `mesh`: unknowns (u_r, u_z) of node i at 2i, 2i + 1,
/// element unknowns in the order of [`stiffness`]'s local matrix (node k → 2k, 2k + 1).
pub fn pattern(mesh: &Mesh) -> Result<Pattern, FemError> {
    pattern_from_scalar(mesh, &super::scalar::pattern(mesh)?)
}

/// As [`pattern`], from the scalar pattern of the same mesh ([`super::scalar::pattern`]) when it is built
/// anyway (a coupled diffusion–elasticity model needs both): each scalar entry becomes a 2 × 2 block.
pub fn pattern_from_scalar(mesh: &Mesh, scalar: &Pattern) -> Result<Pattern, FemError> {
    let npe = mesh.order.nodes_per_element();
    if scalar.dim() != mesh.n_nodes() || scalar.n_elements() != mesh.n_elements() || scalar.dofs_per_element() != npe {
        return Err(FemError::Input(format!(
            "scalar pattern of {} unknowns and {} elements × {}: expected {} nodes and {} elements × {npe} (the \
             scalar pattern of this mesh)",
            scalar.dim(),
            scalar.n_elements(),
            scalar.dofs_per_element(),
            mesh.n_nodes(),
            mesh.n_elements()
        )));
    }
    Ok(scalar.expand_blocks(2)?)
}

/// Adds K (as in [`stiffness`]) to `values`, the value array of `pattern` (from [`pattern`]): re-assembly
/// without sorting, e.g. when the material changes between solves.
pub fn stiffness_into(mesh: &Mesh, pattern: &Pattern, mat: &Isotropic, values: &mut [f64]) -> Result<(), FemError> {
    check_pattern(mesh, pattern, values, 2)?;
    let k = 2 * mesh.order.nodes_per_element();
    let scale = mesh.r_lines.last().copied().unwrap_or(1.0);
    let tab = RefTable::degree5(mesh.order);
    let lame = mat.lame();
    for e in 0..mesh.n_elements() {
        let local = local_stiffness(mesh, e, &tab, lame, scale);
        let slots = pattern.element_slots(e);
        for a in 0..k {
            for c in 0..k {
                values[slots[a * k + c]] += local[a][c];
            }
        }
    }
    Ok(())
}

/// Local stiffness of element e (unknowns 2k + {0: u_r, 1: u_z} for node k) from the shape functions
/// tabulated in `tab`; `scale` = outer radius, for the on-axis test of [`b_rows`].
///
/// Bᵀ D B written out for the isotropic D (Lamé λ, μ) and the rows of [`b_rows`] — B_r = (∂_r N, 0, h, ∂_z N),
/// B_z = (0, ∂_z N, 0, ∂_r N) with the hoop entry h = N/r — which is the same integrand as B_aᵀ (D B_c)
/// (Zienkiewicz & Taylor Vol. 1, Eq. 6.19) without forming D B per unknown:
///   (r_a, r_c): λ (∂_r N_a + h_a)(∂_r N_c + h_c) + 2μ (∂_r N_a ∂_r N_c + h_a h_c) + μ ∂_z N_a ∂_z N_c,
///   (r_a, z_c): λ (∂_r N_a + h_a) ∂_z N_c + μ ∂_z N_a ∂_r N_c,
///   (z_a, z_c): (λ + 2μ) ∂_z N_a ∂_z N_c + μ ∂_r N_a ∂_r N_c.
#[allow(clippy::needless_range_loop)] // a, c address the local matrix and the per-node arrays together.
#[inline(always)]
fn local_stiffness(mesh: &Mesh, e: usize, tab: &RefTable, lame: (f64, f64), scale: f64) -> [[f64; 12]; 12] {
    let npe = mesh.order.nodes_per_element();
    let (lambda, mu) = lame;
    let map = AffineMap::of(mesh, e);
    let mut local = [[0.0; 12]; 12];
    for q in 0..7 {
        let s = map.tabulated(tab, q);
        let w = s.area_weight * s.r;
        let (lw, mw) = (lambda * w, mu * w);
        let (m2w, l2mw) = (2.0 * mw, lw + 2.0 * mw);
        let mut h = [0.0; 6];
        let mut t = [0.0; 6];
        for k in 0..npe {
            h[k] = b_rows(s.n[k], s.dn_dr[k], s.dn_dz[k], s.r, scale).0[2];
            t[k] = s.dn_dr[k] + h[k];
        }
        let (dr, dz) = (&s.dn_dr, &s.dn_dz);
        // K is symmetric: the upper triangle only, mirrored below, which also makes the stored matrix exactly
        // symmetric for the Cholesky factorisation.
        for a in 0..npe {
            for c in a..npe {
                local[2 * a][2 * c] += lw * t[a] * t[c] + m2w * (dr[a] * dr[c] + h[a] * h[c]) + mw * dz[a] * dz[c];
                local[2 * a][2 * c + 1] += lw * t[a] * dz[c] + mw * dz[a] * dr[c];
                local[2 * a + 1][2 * c + 1] += l2mw * dz[a] * dz[c] + mw * dr[a] * dr[c];
                if c > a {
                    local[2 * a + 1][2 * c] += lw * dz[a] * t[c] + mw * dr[a] * dz[c];
                }
            }
        }
    }
    for a in 0..2 * npe {
        for c in 0..a {
            local[a][c] = local[c][a];
        }
    }
    local
}

/// Load of an isotropic eigenstrain: f* = ∫ Bᵀ D ε* r dr dz.
pub fn eigenstrain_load(mesh: &Mesh, mat: &Isotropic, eig: Eigenstrain<'_>) -> Vec<f64> {
    let npe = mesh.order.nodes_per_element();
    let tab = RefTable::degree5(mesh.order);
    let k3 = 3.0 * mat.bulk();
    let mut f = vec![0.0; 2 * mesh.n_nodes()];
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        // Nodal eigenstrain of the element, gathered once (PerNode), interpolated at each point below.
        let mut nodal = [0.0; 6];
        if let Eigenstrain::PerNode(v) = eig {
            for (x, &i) in nodal.iter_mut().zip(nodes) {
                *x = v.get(i).copied().unwrap_or(0.0);
            }
        }
        for q in 0..7 {
            let s = map.tabulated(&tab, q);
            let es = match eig {
                Eigenstrain::PerNode(_) => (0..npe).map(|k| s.n[k] * nodal[k]).sum(),
                _ => eig.at(mesh, e, &s.n, s.r, s.z),
            };
            if es == 0.0 {
                continue;
            }
            // D (e*, e*, e*, 0) = 3 K_b e* (1, 1, 1, 0); times r: the u_r row is ∂N/∂r r + N.
            let w = s.area_weight * k3 * es;
            for k in 0..npe {
                f[2 * nodes[k]] += w * (s.dn_dr[k] * s.r + s.n[k]);
                f[2 * nodes[k] + 1] += w * s.dn_dz[k] * s.r;
            }
        }
    }
    f
}

/// The transpose of the linear map e* ↦ [`eigenstrain_load`]`(PerNode(e*))`: for a vector `v` of length
/// 2 × nodes, the nodal values g with gᵀe* = vᵀ f*(e*) for every nodal eigenstrain e* (same quadrature,
/// terms summed in the transposed order). Used by adjoint (transposed) solves of the coupled model.
pub fn eigenstrain_load_transpose(mesh: &Mesh, mat: &Isotropic, v: &[f64]) -> Vec<f64> {
    let npe = mesh.order.nodes_per_element();
    let tab = RefTable::degree5(mesh.order);
    let k3 = 3.0 * mat.bulk();
    let mut g = vec![0.0; mesh.n_nodes()];
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        for q in 0..7 {
            let s = map.tabulated(&tab, q);
            let t: f64 = (0..npe)
                .map(|k| v[2 * nodes[k]] * (s.dn_dr[k] * s.r + s.n[k]) + v[2 * nodes[k] + 1] * s.dn_dz[k] * s.r)
                .sum();
            let w = s.area_weight * k3 * t;
            for k in 0..npe {
                g[nodes[k]] += s.n[k] * w;
            }
        }
    }
    g
}

/// The transpose of the linear map (u, e*) ↦ [`hydrostatic`]`(`[`nodal_stress`]`(u, PerNode(e*)))`: for
/// nodal weights `w`, returns (a_u, a_e) with a_uᵀu + a_eᵀe* = wᵀσ_h(u, e*) for every displacement u
/// (length 2 × nodes) and nodal eigenstrain e*. Used by adjoint (transposed) solves of the coupled model.
pub fn hydrostatic_stress_transpose(mesh: &Mesh, mat: &Isotropic, w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let npe = mesh.order.nodes_per_element();
    let scale = mesh.r_lines.last().copied().unwrap_or(1.0);
    let mut count = vec![0u32; mesh.n_nodes()];
    for e in 0..mesh.n_elements() {
        for &i in mesh.element(e).iter().take(npe) {
            count[i] += 1;
        }
    }
    // σ_h = Σ_q t_q ε_q: the trace row of D / 3 (linear in the strain components).
    let t: Vec<f64> = (0..4)
        .map(|q| {
            let mut unit = [0.0; 4];
            unit[q] = 1.0;
            let s = mat.stress(unit);
            (s[0] + s[1] + s[2]) / 3.0
        })
        .collect();
    let (mut a_u, mut a_e) = (vec![0.0; 2 * mesh.n_nodes()], vec![0.0; mesh.n_nodes()]);
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        for (k, p) in REFERENCE_NODES.iter().take(npe).enumerate() {
            let s = map.shape(mesh.order, p[0], p[1], 0.0);
            let a = w[nodes[k]] / f64::from(count[nodes[k]].max(1));
            for m in 0..npe {
                let (br, bz) = b_rows(s.n[m], s.dn_dr[m], s.dn_dz[m], s.r, scale);
                a_u[2 * nodes[m]] += a * (0..4).map(|q| t[q] * br[q]).sum::<f64>();
                a_u[2 * nodes[m] + 1] += a * (0..4).map(|q| t[q] * bz[q]).sum::<f64>();
                // ε − ε*: the eigenstrain enters the three normal components.
                a_e[nodes[m]] -= a * s.n[m] * (t[0] + t[1] + t[2]);
            }
        }
    }
    (a_u, a_e)
}

/// Body-force load ∫ N b r dr dz for a body force density b(r, z) = (b_r, b_z) in N/m³.
pub fn body_force_load(mesh: &Mesh, b: impl Fn(f64, f64) -> [f64; 2]) -> Vec<f64> {
    let npe = mesh.order.nodes_per_element();
    let tab = RefTable::degree5(mesh.order);
    let mut f = vec![0.0; 2 * mesh.n_nodes()];
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        for q in 0..7 {
            let s = map.tabulated(&tab, q);
            let bv = b(s.r, s.z);
            let w = s.area_weight * s.r;
            for k in 0..npe {
                f[2 * nodes[k]] += w * s.n[k] * bv[0];
                f[2 * nodes[k] + 1] += w * s.n[k] * bv[1];
            }
        }
    }
    f
}

/// Traction load ∫ N t r ds on the edges tagged `tag`; `t(r, z)` = (t_r, t_z) in Pa.
pub fn traction_load(mesh: &Mesh, tag: Boundary, t: impl Fn(f64, f64) -> [f64; 2]) -> Vec<f64> {
    let mut f = vec![0.0; 2 * mesh.n_nodes()];
    edge_integrate(mesh, tag, |r, z, wn, nodes| {
        let tv = t(r, z);
        for (k, &node) in nodes.iter().enumerate() {
            f[2 * node] += wn[k] * r * tv[0];
            f[2 * node + 1] += wn[k] * r * tv[1];
        }
    });
    f
}

/// A surface pressure p(r) (Pa, positive pushing into the sample) on the top surface z = 0: t = (0, −p).
pub fn top_pressure_load(mesh: &Mesh, p: impl Fn(f64) -> f64) -> Vec<f64> {
    traction_load(mesh, Boundary::Top, |r, _| [0.0, -p(r)])
}

/// Displacement condition on a boundary part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// u_r = u_z = 0 (clamped, e.g. glued to the substrate).
    Fixed,
    /// u_z = 0, u_r free (roller on a z = const face).
    NoAxial,
    /// u_r = 0, u_z free (roller on an r = const face).
    NoRadial,
}

/// Dirichlet pairs (unknown, 0) for the given supports; the axis condition u_r = 0 is always included.
pub fn supports(mesh: &Mesh, parts: &[(Boundary, Support)]) -> Vec<(usize, f64)> {
    let mut fixed: Vec<(usize, f64)> = mesh.nodes_on(Boundary::Axis).into_iter().map(|i| (2 * i, 0.0)).collect();
    for &(tag, s) in parts {
        for i in mesh.nodes_on(tag) {
            if matches!(s, Support::Fixed | Support::NoRadial) {
                fixed.push((2 * i, 0.0));
            }
            if matches!(s, Support::Fixed | Support::NoAxial) {
                fixed.push((2 * i + 1, 0.0));
            }
        }
    }
    fixed.sort_by_key(|p| p.0);
    fixed.dedup_by_key(|p| p.0);
    fixed
}

/// Surface displacement profile: (r, u_z(r, 0)) for the top nodes, sorted by r.
pub fn surface_uz(mesh: &Mesh, u: &[f64]) -> Vec<(f64, f64)> {
    mesh.top_nodes_by_r().into_iter().map(|i| (mesh.nodes[i][0], u[2 * i + 1])).collect()
}

/// u_z(r, 0) at an arbitrary radius, interpolated with the top edge's own 1-D shape functions (exact
/// trace of the FE field); None if r is outside [0, R].
pub fn surface_uz_at(mesh: &Mesh, u: &[f64], r: f64) -> Option<f64> {
    let edge = mesh.edges.iter().filter(|e| e.tag == Boundary::Top).find(|e| {
        let (a, b) = (mesh.nodes[e.ends[0]][0], mesh.nodes[e.ends[1]][0]);
        a.min(b) <= r && r <= a.max(b)
    })?;
    let (a, b) = (mesh.nodes[edge.ends[0]][0], mesh.nodes[edge.ends[1]][0]);
    let t = (r - a) / (b - a);
    let (u0, u1) = (u[2 * edge.ends[0] + 1], u[2 * edge.ends[1] + 1]);
    Some(match edge.mid {
        Some(m) => (1.0 - t) * (1.0 - 2.0 * t) * u0 + t * (2.0 * t - 1.0) * u1 + 4.0 * t * (1.0 - t) * u[2 * m + 1],
        None => (1.0 - t) * u0 + t * u1,
    })
}

/// Nodal stresses (σ_rr, σ_zz, σ_θθ, σ_rz) recovered by averaging, over the elements sharing a node, the
/// element stress D (ε − ε*) evaluated at that node. Accurate to the order of the stress itself (O(h²) for
/// P2 on smooth fields), which is why the coupled model uses P2 for the hydrostatic stress.
pub fn nodal_stress(mesh: &Mesh, mat: &Isotropic, u: &[f64], eig: Option<Eigenstrain<'_>>) -> Vec<[f64; 4]> {
    let npe = mesh.order.nodes_per_element();
    let scale = mesh.r_lines.last().copied().unwrap_or(1.0);
    let mut sum = vec![[0.0; 4]; mesh.n_nodes()];
    let mut count = vec![0u32; mesh.n_nodes()];
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        for (k, p) in REFERENCE_NODES.iter().take(npe).enumerate() {
            let s = map.shape(mesh.order, p[0], p[1], 0.0);
            let mut eps = [0.0; 4];
            for m in 0..npe {
                let (br, bz) = b_rows(s.n[m], s.dn_dr[m], s.dn_dz[m], s.r, scale);
                let (ur, uz) = (u[2 * nodes[m]], u[2 * nodes[m] + 1]);
                for q in 0..4 {
                    eps[q] += br[q] * ur + bz[q] * uz;
                }
            }
            if let Some(eig) = &eig {
                let es = eig.at(mesh, e, &s.n, s.r, s.z);
                for v in eps.iter_mut().take(3) {
                    *v -= es;
                }
            }
            let sig = mat.stress(eps);
            for q in 0..4 {
                sum[nodes[k]][q] += sig[q];
            }
            count[nodes[k]] += 1;
        }
    }
    sum.iter().zip(&count).map(|(s, &c)| s.map(|v| v / f64::from(c.max(1)))).collect()
}

/// Hydrostatic stress σ_h = (σ_rr + σ_zz + σ_θθ) / 3 from [`nodal_stress`] output.
pub fn hydrostatic(stress: &[[f64; 4]]) -> Vec<f64> {
    stress.iter().map(|s| (s[0] + s[1] + s[2]) / 3.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::sparse::MatrixKind;
    use crate::sim::fem::Order;
    use crate::sim::fem::scalar::tests::{rel_max_diff, small_mesh};
    use crate::sim::fem::system::Constrained;

    #[test]
    fn transposed_eigenstrain_load_and_hydrostatic_stress_are_adjoints() {
        // ⟨v, f*(e*)⟩ = ⟨Bᵀv, e*⟩ and ⟨w, σ_h(u, e*)⟩ = ⟨a_u, u⟩ + ⟨a_e, e*⟩ for pseudo-random vectors: the
        // same sums in another order, so equal to rounding (1e-13 of the sum of |terms|).
        let mat = Isotropic::new(100e9, 0.3).unwrap();
        let wave = |i: usize, k: f64| ((i as f64 + 1.0) * k).sin();
        for order in [Order::P1, Order::P2] {
            let mesh = small_mesh(order);
            let n = mesh.n_nodes();
            let eig: Vec<f64> = (0..n).map(|i| 1e-3 * wave(i, 0.37)).collect();
            let v: Vec<f64> = (0..2 * n).map(|i| wave(i, 1.13)).collect();
            let u: Vec<f64> = (0..2 * n).map(|i| 1e-3 * wave(i, 0.71)).collect();
            let w: Vec<f64> = (0..n).map(|i| wave(i, 2.03)).collect();
            let dot = |a: &[f64], b: &[f64]| -> (f64, f64) {
                a.iter().zip(b).fold((0.0, 0.0), |(s, m), (x, y)| (s + x * y, m + (x * y).abs()))
            };
            let f = eigenstrain_load(&mesh, &mat, Eigenstrain::PerNode(&eig));
            let (lhs, scale) = dot(&v, &f);
            let (rhs, _) = dot(&eigenstrain_load_transpose(&mesh, &mat, &v), &eig);
            assert!((lhs - rhs).abs() <= 1e-13 * scale, "{order:?} load: {lhs:e} vs {rhs:e}");
            let sh = hydrostatic(&nodal_stress(&mesh, &mat, &u, Some(Eigenstrain::PerNode(&eig))));
            let (lhs, scale) = dot(&w, &sh);
            let (a_u, a_e) = hydrostatic_stress_transpose(&mesh, &mat, &w);
            let rhs = dot(&a_u, &u).0 + dot(&a_e, &eig).0;
            assert!((lhs - rhs).abs() <= 1e-13 * scale, "{order:?} stress: {lhs:e} vs {rhs:e}");
        }
    }

    #[test]
    fn explicit_local_stiffness_equals_bt_d_b() {
        // The written-out Bᵀ D B of local_stiffness against the generic form: rows b_rows, D B by
        // Isotropic::stress, dot products, shape functions from AffineMap::shape (not the table). Same
        // integrand and rule, different operation order: agreement to 1e-14 of the largest entry.
        let mat = Isotropic::new(100e9, 0.3).unwrap();
        for order in [Order::P1, Order::P2] {
            let mesh = small_mesh(order);
            let (tab, npe) = (RefTable::degree5(order), order.nodes_per_element());
            let scale = mesh.r_lines.last().copied().unwrap();
            for e in 0..mesh.n_elements() {
                let fast = local_stiffness(&mesh, e, &tab, mat.lame(), scale);
                let map = AffineMap::of(&mesh, e);
                let mut slow = [[0.0; 12]; 12];
                for p in crate::sim::fem::quadrature::triangle_degree5() {
                    let s = map.shape(order, p.xi, p.eta, p.weight);
                    let b: Vec<[f64; 4]> = (0..npe)
                        .flat_map(|k| {
                            let (br, bz) = b_rows(s.n[k], s.dn_dr[k], s.dn_dz[k], s.r, scale);
                            [br, bz]
                        })
                        .collect();
                    for a in 0..2 * npe {
                        for c in 0..2 * npe {
                            let db = mat.stress(b[c]);
                            slow[a][c] += s.area_weight * s.r * (0..4).map(|q| b[a][q] * db[q]).sum::<f64>();
                        }
                    }
                }
                let big = slow.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
                let diff =
                    fast.iter().flatten().zip(slow.iter().flatten()).fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
                assert!(diff <= 1e-14 * big, "{order:?} element {e}: {diff:e} of {big:e}");
            }
        }
    }

    #[test]
    fn pattern_stiffness_and_constrained_solve_match_triplets() {
        // Same element matrices, summed in another order: 1e-15 of max |K| (rounding only). The solves
        // then agree to the conditioning of K times that (1e-10 relative is far above rounding × κ here
        // and far below any discretisation difference).
        let mat = Isotropic::new(100e9, 0.3).unwrap();
        for order in [Order::P1, Order::P2] {
            let mesh = small_mesh(order);
            let p = pattern(&mesh).unwrap();
            let mut kv = p.zeros();
            stiffness_into(&mesh, &p, &mat, &mut kv).unwrap();
            let kt = stiffness(&mesh, &mat);
            let e = rel_max_diff(&kt.to_csc().unwrap(), &p.matrix(&kv).unwrap());
            assert!(e < 1e-15, "{order:?}: {e:e}");
            let fixed = supports(&mesh, &[(Boundary::Bottom, Support::NoAxial), (Boundary::Side, Support::NoRadial)]);
            let f = eigenstrain_load(&mesh, &mat, Eigenstrain::Field(&|r, z| 1e-3 * (-(r * r + z * z)).exp()));
            for kind in [MatrixKind::Spd, MatrixKind::General] {
                let u1 = Constrained::new(&kt, &fixed, kind).unwrap().solve(&f).unwrap();
                let mut sys = Constrained::from_pattern(&p, &kv, &fixed, kind).unwrap();
                let u2 = sys.solve(&f).unwrap();
                let big = u1.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                assert!(big > 0.0 && u1.iter().zip(&u2).all(|(a, b)| (a - b).abs() <= 1e-10 * big));
                // Refactoring with doubled values (kept symbolic analysis) halves the displacement.
                let k2: Vec<f64> = kv.iter().map(|v| 2.0 * v).collect();
                sys.refactor_values(&k2).unwrap();
                let u3 = sys.solve(&f).unwrap();
                assert!(u2.iter().zip(&u3).all(|(a, b)| (0.5 * a - b).abs() <= 1e-12 * big));
            }
        }
    }
}
