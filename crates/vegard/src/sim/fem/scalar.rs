//! Axisymmetric scalar problems: −∇·(k ∇u) = f (electrostatics, steady diffusion) and the mass matrix for
//! transient diffusion (M u̇ + K u = f). Weak form per radian (see [`super`]):
//! K_ij = ∫ k ∇N_i·∇N_j r dr dz, M_ij = ∫ c N_i N_j r dr dz, f_i = ∫ f N_i r dr dz, and the Neumann flux
//! g = k ∂u/∂n on a boundary part adds ∫ g N_i r ds. The axis r = 0 needs nothing: its natural condition
//! ∂u/∂r = 0 is the symmetry condition, and the r weight vanishes there anyway.

use super::FemError;
use super::element::{AffineMap, RefTable};
use super::mesh::{Boundary, Mesh, Order};
use super::quadrature::interval_gauss3;
use crate::numerics::sparse::{Pattern, Triplets};

/// Stiffness K_ij = ∫ k(r, z) ∇N_i·∇N_j r dr dz (k evaluated at the quadrature points).
pub fn stiffness(mesh: &Mesh, k: impl Fn(f64, f64) -> f64) -> Triplets {
    assemble_matrix(mesh, |s, i, j| k(s.r, s.z) * (s.dn_dr[i] * s.dn_dr[j] + s.dn_dz[i] * s.dn_dz[j]))
}

// Index loops: i, j address the local matrix and two shape arrays at once.
#[allow(clippy::needless_range_loop)]
/// Stiffness with one conductivity / permittivity per element (e.g. material regions).
pub fn stiffness_per_element(mesh: &Mesh, k: &[f64]) -> Triplets {
    let mut t = Triplets::with_capacity(mesh.n_nodes(), mesh.n_elements() * 36);
    let tab = RefTable::degree5(mesh.order);
    let npe = mesh.order.nodes_per_element();
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        let ke = k.get(e).copied().unwrap_or(0.0);
        let mut local = [[0.0; 6]; 6];
        for q in 0..7 {
            let s = map.tabulated(&tab, q);
            let w = s.area_weight * s.r * ke;
            for i in 0..npe {
                for j in 0..npe {
                    local[i][j] += w * (s.dn_dr[i] * s.dn_dr[j] + s.dn_dz[i] * s.dn_dz[j]);
                }
            }
        }
        scatter(&mut t, nodes, &local);
    }
    t
}

/// Mass M_ij = ∫ c(r, z) N_i N_j r dr dz (consistent mass).
pub fn mass(mesh: &Mesh, c: impl Fn(f64, f64) -> f64) -> Triplets {
    assemble_matrix(mesh, |s, i, j| c(s.r, s.z) * s.n[i] * s.n[j])
}

/// Sparsity pattern of the scalar matrices (K, M) on `mesh`: one unknown per node, element e couples its
/// nodes. Build once per mesh, then re-assemble with [`stiffness_into`], [`mass_into`] or
/// [`mass_stiffness_into`] (no sorting).
pub fn pattern(mesh: &Mesh) -> Result<Pattern, FemError> {
    let npe = mesh.order.nodes_per_element();
    let mut dofs = Vec::with_capacity(mesh.n_elements() * npe);
    for e in 0..mesh.n_elements() {
        dofs.extend_from_slice(mesh.element(e));
    }
    Ok(Pattern::from_element_dofs(mesh.n_nodes(), npe, &dofs)?.with_coordinates(mesh.nodes.clone())?)
}

/// Adds `scale` × K (K as in [`stiffness`]) to `values`, the value array of `pattern` (from [`pattern`]).
pub fn stiffness_into(
    mesh: &Mesh,
    pattern: &Pattern,
    k: impl Fn(f64, f64) -> f64,
    scale: f64,
    values: &mut [f64],
) -> Result<(), FemError> {
    add_into(mesh, pattern, values, |r, z| (0.0, scale * k(r, z)))
}

/// Adds `scale` × M (M as in [`mass`]) to `values`, the value array of `pattern`.
pub fn mass_into(
    mesh: &Mesh,
    pattern: &Pattern,
    c: impl Fn(f64, f64) -> f64,
    scale: f64,
    values: &mut [f64],
) -> Result<(), FemError> {
    add_into(mesh, pattern, values, |r, z| (scale * c(r, z), 0.0))
}

/// Adds `mass_scale` × M_c + `stiffness_scale` × K_k in one element loop, e.g. M/Δt + K for a backward-Euler
/// diffusion step (c = 1, k = D): the operator a time loop re-assembles each step.
pub fn mass_stiffness_into(
    mesh: &Mesh,
    pattern: &Pattern,
    c: impl Fn(f64, f64) -> f64,
    k: impl Fn(f64, f64) -> f64,
    mass_scale: f64,
    stiffness_scale: f64,
    values: &mut [f64],
) -> Result<(), FemError> {
    add_into(mesh, pattern, values, |r, z| (mass_scale * c(r, z), stiffness_scale * k(r, z)))
}

/// Checks that `pattern` and `values` belong to `mesh` with `k` unknowns per node.
pub(crate) fn check_pattern(mesh: &Mesh, pattern: &Pattern, values: &[f64], per_node: usize) -> Result<(), FemError> {
    let npe = per_node * mesh.order.nodes_per_element();
    if pattern.dim() != per_node * mesh.n_nodes()
        || pattern.n_elements() != mesh.n_elements()
        || pattern.dofs_per_element() != npe
        || values.len() != pattern.nnz()
    {
        return Err(FemError::Input(format!(
            "pattern of {} unknowns, {} elements × {} unknowns and {} values: expected {} unknowns, {} elements × \
             {npe} unknowns and {} values (the pattern of this mesh)",
            pattern.dim(),
            pattern.n_elements(),
            pattern.dofs_per_element(),
            values.len(),
            per_node * mesh.n_nodes(),
            mesh.n_elements(),
            pattern.nnz()
        )));
    }
    Ok(())
}

/// Element loop adding ∫ (a N_i N_j + b ∇N_i·∇N_j) r dr dz with (a, b) = `coef(r, z)` at each quadrature
/// point, scattered through the pattern's slots. The shape functions come from the table of the reference
/// element (once per call); on P1 the gradients are constant on an element, so the stiffness part is
/// (Σ_q w_q r_q b_q) ∇N_i·∇N_j — the same quadrature sum with the constant factored out (equal up to
/// rounding), and the mass part uses the tabulated products N_i N_j at the points.
#[allow(clippy::needless_range_loop)] // i, j address the local matrix and the shape arrays together.
fn add_into(
    mesh: &Mesh,
    pattern: &Pattern,
    values: &mut [f64],
    coef: impl Fn(f64, f64) -> (f64, f64),
) -> Result<(), FemError> {
    check_pattern(mesh, pattern, values, 1)?;
    let tab = RefTable::degree5(mesh.order);
    match mesh.order {
        Order::P1 => {
            // N_i N_j at each point (upper triangle, row-major: 00 01 02 11 12 22).
            let nn: [[f64; 6]; 7] = std::array::from_fn(|q| {
                let n = &tab.n[q];
                [n[0] * n[0], n[0] * n[1], n[0] * n[2], n[1] * n[1], n[1] * n[2], n[2] * n[2]]
            });
            for e in 0..mesh.n_elements() {
                let map = AffineMap::of(mesh, e);
                let det = map.det.abs();
                let mut m = [0.0; 6];
                let mut sb = 0.0;
                for q in 0..7 {
                    let p = tab.rule[q];
                    let (r, z) = map.position(p.xi, p.eta);
                    let (a, b) = coef(r, z);
                    let w = p.weight * det * r;
                    let wa = w * a;
                    for k in 0..6 {
                        m[k] += wa * nn[q][k];
                    }
                    sb += w * b;
                }
                // Constant gradients: ∇N_k = (∂ξ/∂· , ∂η/∂·) combination of the reference ones.
                let gr = [-map.inv[0][0] - map.inv[1][0], map.inv[0][0], map.inv[1][0]];
                let gz = [-map.inv[0][1] - map.inv[1][1], map.inv[0][1], map.inv[1][1]];
                let g = |i: usize, j: usize| sb * (gr[i] * gr[j] + gz[i] * gz[j]);
                let u =
                    [m[0] + g(0, 0), m[1] + g(0, 1), m[2] + g(0, 2), m[3] + g(1, 1), m[4] + g(1, 2), m[5] + g(2, 2)];
                let local = [u[0], u[1], u[2], u[1], u[3], u[4], u[2], u[4], u[5]];
                let slots = pattern.element_slots(e);
                for (s, v) in slots.iter().zip(local) {
                    values[*s] += v;
                }
            }
        }
        Order::P2 => {
            let npe = 6;
            for e in 0..mesh.n_elements() {
                let map = AffineMap::of(mesh, e);
                let mut local = [[0.0; 6]; 6];
                for q in 0..7 {
                    let s = map.tabulated(&tab, q);
                    let (a, b) = coef(s.r, s.z);
                    let w = s.area_weight * s.r;
                    let (wa, wb) = (w * a, w * b);
                    // Symmetric integrand: the upper triangle only, mirrored below (half the work per point).
                    for i in 0..npe {
                        for j in i..npe {
                            local[i][j] +=
                                wa * s.n[i] * s.n[j] + wb * (s.dn_dr[i] * s.dn_dr[j] + s.dn_dz[i] * s.dn_dz[j]);
                        }
                    }
                }
                let slots = pattern.element_slots(e);
                for i in 0..npe {
                    for j in 0..npe {
                        values[slots[i * npe + j]] += if j >= i { local[i][j] } else { local[j][i] };
                    }
                }
            }
        }
    }
    Ok(())
}

/// Load f_i = ∫ f(r, z) N_i r dr dz.
pub fn load(mesh: &Mesh, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let tab = RefTable::degree5(mesh.order);
    let npe = mesh.order.nodes_per_element();
    let mut b = vec![0.0; mesh.n_nodes()];
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        for q in 0..7 {
            let s = map.tabulated(&tab, q);
            let w = s.area_weight * s.r * f(s.r, s.z);
            for i in 0..npe {
                b[nodes[i]] += w * s.n[i];
            }
        }
    }
    b
}

/// Neumann load ∫ g(r, z) N_i r ds over the edges tagged `tag` (g = outward flux density k ∂u/∂n).
pub fn neumann_load(mesh: &Mesh, tag: Boundary, g: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let mut b = vec![0.0; mesh.n_nodes()];
    edge_integrate(mesh, tag, |r, z, n, nodes| {
        let w = g(r, z) * r;
        for (k, &node) in nodes.iter().enumerate() {
            b[node] += w * n[k];
        }
    });
    b
}

/// Calls `visit(r, z, w·N, nodes)` at each Gauss point of each edge tagged `tag`, where w·N are the 1-D shape
/// functions (ends, then mid for P2) multiplied by the quadrature weight × edge length.
pub(crate) fn edge_integrate(mesh: &Mesh, tag: Boundary, mut visit: impl FnMut(f64, f64, &[f64], &[usize])) {
    for edge in mesh.edges.iter().filter(|e| e.tag == tag) {
        let nodes = edge.nodes();
        let (a, b) = (mesh.nodes[edge.ends[0]], mesh.nodes[edge.ends[1]]);
        let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        for (t, w) in interval_gauss3() {
            let (r, z) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
            let n: Vec<f64> = if edge.mid.is_some() {
                vec![(1.0 - t) * (1.0 - 2.0 * t), t * (2.0 * t - 1.0), 4.0 * t * (1.0 - t)]
            } else {
                vec![1.0 - t, t]
            };
            let wn: Vec<f64> = n.iter().map(|v| v * w * len).collect();
            visit(r, z, &wn, &nodes);
        }
    }
}

/// Weighted L2 error (∫ (u_h − u)² r dr dz)^{1/2} of the nodal field `u_h` against `exact`.
pub fn l2_error(mesh: &Mesh, u_h: &[f64], exact: impl Fn(f64, f64) -> f64) -> f64 {
    let tab = RefTable::degree5(mesh.order);
    let npe = mesh.order.nodes_per_element();
    let mut sum = 0.0;
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        for q in 0..7 {
            let s = map.tabulated(&tab, q);
            let uh: f64 = (0..npe).map(|i| s.n[i] * u_h[nodes[i]]).sum();
            sum += s.area_weight * s.r * (uh - exact(s.r, s.z)).powi(2);
        }
    }
    sum.sqrt()
}

/// Weighted L2 norm of `exact` (for relative errors).
pub fn l2_norm(mesh: &Mesh, exact: impl Fn(f64, f64) -> f64) -> f64 {
    l2_error(mesh, &vec![0.0; mesh.n_nodes()], exact)
}

/// Dirichlet pairs (node, value) for all nodes on the given boundary parts, from a function of (r, z).
pub fn dirichlet_from(mesh: &Mesh, tags: &[Boundary], g: impl Fn(f64, f64) -> f64) -> Vec<(usize, f64)> {
    let mut nodes: Vec<usize> = tags.iter().flat_map(|&t| mesh.nodes_on(t)).collect();
    nodes.sort_unstable();
    nodes.dedup();
    nodes.into_iter().map(|i| (i, g(mesh.nodes[i][0], mesh.nodes[i][1]))).collect()
}

#[allow(clippy::needless_range_loop)] // i, j address the local matrix and the shape arrays together.
fn assemble_matrix(mesh: &Mesh, integrand: impl Fn(&super::element::ShapeAt, usize, usize) -> f64) -> Triplets {
    let mut t = Triplets::with_capacity(mesh.n_nodes(), mesh.n_elements() * 36);
    let tab = RefTable::degree5(mesh.order);
    let npe = mesh.order.nodes_per_element();
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let mut local = [[0.0; 6]; 6];
        for q in 0..7 {
            let s = map.tabulated(&tab, q);
            let w = s.area_weight * s.r;
            for i in 0..npe {
                for j in 0..npe {
                    local[i][j] += w * integrand(&s, i, j);
                }
            }
        }
        scatter(&mut t, mesh.element(e), &local);
    }
    t
}

fn scatter(t: &mut Triplets, nodes: &[usize], local: &[[f64; 6]; 6]) {
    for (i, &a) in nodes.iter().enumerate() {
        for (j, &b) in nodes.iter().enumerate() {
            t.add(a, b, local[i][j]);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::numerics::sparse::CscMatrix;
    use crate::sim::fem::CylinderSpec;

    /// A small graded cylinder (non-uniform elements, axis elements included).
    pub(crate) fn small_mesh(order: Order) -> Mesh {
        let spec =
            CylinderSpec { radius: 3.0, depth: 2.0, h_min: 0.25, fine_extent: 1.0, growth: 1.3, h_max: 1.0, order };
        Mesh::cylinder(&spec).unwrap()
    }

    /// Dense copy of a CSC matrix.
    pub(crate) fn dense(a: &CscMatrix) -> Vec<Vec<f64>> {
        let (cp, ri, v) = a.parts();
        let n = a.dim();
        let mut d = vec![vec![0.0; n]; n];
        for j in 0..n {
            for p in cp[j]..cp[j + 1] {
                d[ri[p]][j] += v[p];
            }
        }
        d
    }

    /// max |A − B| / max |A| over all entries.
    pub(crate) fn rel_max_diff(a: &CscMatrix, b: &CscMatrix) -> f64 {
        let (da, db) = (dense(a), dense(b));
        let (mut diff, mut big) = (0.0f64, 0.0f64);
        for (ra, rb) in da.iter().zip(&db) {
            for (x, y) in ra.iter().zip(rb) {
                diff = diff.max((x - y).abs());
                big = big.max(x.abs());
            }
        }
        diff / big
    }

    #[test]
    fn pattern_assembly_matches_triplets() {
        // The pattern path sums the same element contributions in a different order (and scales the
        // integrand as (w·k)·(…) instead of w·(k·(…))), so entries agree to rounding: a few ulps of the
        // largest entry, checked at 1e-15 relative to max |A|.
        let k = |r: f64, z: f64| 1.0 + 0.5 * r - 0.3 * z;
        let c = |r: f64, _z: f64| 2.0 + r * r;
        for order in [Order::P1, Order::P2] {
            let mesh = small_mesh(order);
            let p = pattern(&mesh).unwrap();
            let mut kv = p.zeros();
            stiffness_into(&mesh, &p, k, 1.0, &mut kv).unwrap();
            let e = rel_max_diff(&stiffness(&mesh, k).to_csc().unwrap(), &p.matrix(&kv).unwrap());
            assert!(e < 1e-15, "{order:?} stiffness: {e:e}");
            let mut mv = p.zeros();
            mass_into(&mesh, &p, c, 1.0, &mut mv).unwrap();
            let e = rel_max_diff(&mass(&mesh, c).to_csc().unwrap(), &p.matrix(&mv).unwrap());
            assert!(e < 1e-15, "{order:?} mass: {e:e}");
            // M/Δt + K in one loop vs the triplet sum.
            let dt = 0.01;
            let mut av = p.zeros();
            mass_stiffness_into(&mesh, &p, c, k, 1.0 / dt, 1.0, &mut av).unwrap();
            let mut a = Triplets::new(mesh.n_nodes());
            a.add_scaled(&mass(&mesh, c), 1.0 / dt);
            a.add_scaled(&stiffness(&mesh, k), 1.0);
            let e = rel_max_diff(&a.to_csc().unwrap(), &p.matrix(&av).unwrap());
            assert!(e < 1e-15, "{order:?} M/dt + K: {e:e}");
            // Same stored pattern as the triplet path (no extra or missing entries).
            assert_eq!(a.to_csc().unwrap().nnz(), p.nnz());
            // Mat-vec on the pattern agrees with the CSC one.
            let x: Vec<f64> = (0..mesh.n_nodes()).map(|i| (i as f64).sin()).collect();
            let y1 = p.mul_vec(&av, &x).unwrap();
            let y2 = a.to_csc().unwrap().mul_vec(&x);
            let big = y2.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(y1.iter().zip(&y2).all(|(u, v)| (u - v).abs() <= 1e-14 * big));
        }
    }

    #[test]
    fn pattern_rejects_a_foreign_value_array() {
        let mesh = small_mesh(Order::P1);
        let p = pattern(&mesh).unwrap();
        let mut short = vec![0.0; p.nnz() - 1];
        assert!(stiffness_into(&mesh, &p, |_, _| 1.0, 1.0, &mut short).is_err());
        let other = pattern(&small_mesh(Order::P2)).unwrap();
        let mut v = other.zeros();
        assert!(mass_into(&mesh, &other, |_, _| 1.0, 1.0, &mut v).is_err());
    }
}
