//! Axisymmetric scalar problems: −∇·(k ∇u) = f (electrostatics, steady diffusion) and the mass matrix for
//! transient diffusion (M u̇ + K u = f). Weak form per radian (see [`super`]):
//! K_ij = ∫ k ∇N_i·∇N_j r dr dz, M_ij = ∫ c N_i N_j r dr dz, f_i = ∫ f N_i r dr dz, and the Neumann flux
//! g = k ∂u/∂n on a boundary part adds ∫ g N_i r ds. The axis r = 0 needs nothing: its natural condition
//! ∂u/∂r = 0 is the symmetry condition, and the r weight vanishes there anyway.

use super::element::AffineMap;
use super::mesh::{Boundary, Mesh};
use super::quadrature::{interval_gauss3, triangle_degree5};
use super::sparse::Triplets;

/// Stiffness K_ij = ∫ k(r, z) ∇N_i·∇N_j r dr dz (k evaluated at the quadrature points).
pub fn stiffness(mesh: &Mesh, k: impl Fn(f64, f64) -> f64) -> Triplets {
    assemble_matrix(mesh, |s, i, j| k(s.r, s.z) * (s.dn_dr[i] * s.dn_dr[j] + s.dn_dz[i] * s.dn_dz[j]))
}

// Index loops: i, j address the local matrix and two shape arrays at once.
#[allow(clippy::needless_range_loop)]
/// Stiffness with one conductivity / permittivity per element (e.g. material regions).
pub fn stiffness_per_element(mesh: &Mesh, k: &[f64]) -> Triplets {
    let mut t = Triplets::with_capacity(mesh.n_nodes(), mesh.n_elements() * 36);
    let rule = triangle_degree5();
    let npe = mesh.order.nodes_per_element();
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        let ke = k.get(e).copied().unwrap_or(0.0);
        let mut local = [[0.0; 6]; 6];
        for s in map.at_points(mesh.order, &rule) {
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

/// Load f_i = ∫ f(r, z) N_i r dr dz.
pub fn load(mesh: &Mesh, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let rule = triangle_degree5();
    let npe = mesh.order.nodes_per_element();
    let mut b = vec![0.0; mesh.n_nodes()];
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        for s in map.at_points(mesh.order, &rule) {
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
    let rule = triangle_degree5();
    let npe = mesh.order.nodes_per_element();
    let mut sum = 0.0;
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let nodes = mesh.element(e);
        for s in map.at_points(mesh.order, &rule) {
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
    let rule = triangle_degree5();
    let npe = mesh.order.nodes_per_element();
    for e in 0..mesh.n_elements() {
        let map = AffineMap::of(mesh, e);
        let mut local = [[0.0; 6]; 6];
        for s in map.at_points(mesh.order, &rule) {
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
