//! Lagrange shape functions on straight-sided triangles and the affine map to (r, z).
//!
//! Reference triangle with barycentric λ0 = 1 − ξ − η, λ1 = ξ, λ2 = η. P1: N_i = λ_i. P2 (Zienkiewicz &
//! Taylor, The Finite Element Method, Vol. 1, §8.8): vertices N_i = λ_i (2λ_i − 1), mid-edges
//! N_01 = 4 λ0 λ1, N_12 = 4 λ1 λ2, N_20 = 4 λ2 λ0 — the node order of [`super::Mesh::element`].

use super::mesh::{Mesh, Order};
use super::quadrature::{TrianglePoint, triangle_degree5};

/// Reference coordinates (ξ, η) of the six P2 nodes (the first three are the P1 nodes).
pub const REFERENCE_NODES: [[f64; 2]; 6] = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]];

/// Shape-function values and reference derivatives (∂/∂ξ, ∂/∂η) at (ξ, η); entries beyond the order's node
/// count are zero.
pub fn reference_shape(order: Order, xi: f64, eta: f64) -> ([f64; 6], [f64; 6], [f64; 6]) {
    let l0 = 1.0 - xi - eta;
    match order {
        Order::P1 => ([l0, xi, eta, 0.0, 0.0, 0.0], [-1.0, 1.0, 0.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 1.0, 0.0, 0.0, 0.0]),
        Order::P2 => {
            let n = [
                l0 * (2.0 * l0 - 1.0),
                xi * (2.0 * xi - 1.0),
                eta * (2.0 * eta - 1.0),
                4.0 * l0 * xi,
                4.0 * xi * eta,
                4.0 * eta * l0,
            ];
            // ∂λ0/∂ξ = ∂λ0/∂η = −1.
            let dxi = [1.0 - 4.0 * l0, 4.0 * xi - 1.0, 0.0, 4.0 * (l0 - xi), 4.0 * eta, -4.0 * eta];
            let deta = [1.0 - 4.0 * l0, 0.0, 4.0 * eta - 1.0, -4.0 * xi, 4.0 * xi, 4.0 * (l0 - eta)];
            (n, dxi, deta)
        }
    }
}

/// The reference shape functions and their (ξ, η) derivatives tabulated at the points of the 7-point degree-5
/// rule ([`super::quadrature::triangle_degree5`]), once per order: an element loop then only applies its
/// affine map ([`AffineMap::tabulated`]) instead of re-evaluating the polynomials at every point of every
/// element. The values are those of [`reference_shape`] at the same points, so the integrals are unchanged.
#[derive(Clone, Copy, Debug)]
pub struct RefTable {
    pub order: Order,
    pub rule: [TrianglePoint; 7],
    pub n: [[f64; 6]; 7],
    pub dxi: [[f64; 6]; 7],
    pub deta: [[f64; 6]; 7],
}

impl RefTable {
    pub fn degree5(order: Order) -> RefTable {
        let rule = triangle_degree5();
        let mut t = RefTable { order, rule, n: [[0.0; 6]; 7], dxi: [[0.0; 6]; 7], deta: [[0.0; 6]; 7] };
        for (q, p) in rule.iter().enumerate() {
            (t.n[q], t.dxi[q], t.deta[q]) = reference_shape(order, p.xi, p.eta);
        }
        t
    }
}

/// Shape functions of one element evaluated at one point, in physical coordinates.
#[derive(Clone, Copy, Debug)]
pub struct ShapeAt {
    /// Physical position.
    pub r: f64,
    pub z: f64,
    /// Area weight dA (quadrature weight × |det J|); multiply by r for the axisymmetric measure.
    pub area_weight: f64,
    pub n: [f64; 6],
    pub dn_dr: [f64; 6],
    pub dn_dz: [f64; 6],
}

/// The affine map of element `e`: vertices and inverse Jacobian.
#[derive(Clone, Copy, Debug)]
pub struct AffineMap {
    pub origin: [f64; 2],
    /// det ∂(r, z)/∂(ξ, η) (> 0 for counter-clockwise vertices).
    pub det: f64,
    /// Rows: ∇ξ and ∇η in (r, z).
    pub inv: [[f64; 2]; 2],
    pub jac: [[f64; 2]; 2],
}

impl AffineMap {
    pub fn of(mesh: &Mesh, e: usize) -> AffineMap {
        let v = mesh.element(e);
        let (p0, p1, p2) = (mesh.nodes[v[0]], mesh.nodes[v[1]], mesh.nodes[v[2]]);
        let jac = [[p1[0] - p0[0], p2[0] - p0[0]], [p1[1] - p0[1], p2[1] - p0[1]]];
        let det = jac[0][0] * jac[1][1] - jac[0][1] * jac[1][0];
        // J⁻¹ = [[∂ξ/∂r, ∂ξ/∂z], [∂η/∂r, ∂η/∂z]].
        let inv = [[jac[1][1] / det, -jac[0][1] / det], [-jac[1][0] / det, jac[0][0] / det]];
        AffineMap { origin: p0, det, inv, jac }
    }

    /// Shape functions of `order` at reference point (ξ, η) with quadrature weight `w` (reference measure).
    pub fn shape(&self, order: Order, xi: f64, eta: f64, w: f64) -> ShapeAt {
        let (n, dxi, deta) = reference_shape(order, xi, eta);
        let mut dn_dr = [0.0; 6];
        let mut dn_dz = [0.0; 6];
        for k in 0..order.nodes_per_element() {
            dn_dr[k] = dxi[k] * self.inv[0][0] + deta[k] * self.inv[1][0];
            dn_dz[k] = dxi[k] * self.inv[0][1] + deta[k] * self.inv[1][1];
        }
        ShapeAt {
            r: self.origin[0] + self.jac[0][0] * xi + self.jac[0][1] * eta,
            z: self.origin[1] + self.jac[1][0] * xi + self.jac[1][1] * eta,
            area_weight: w * self.det.abs(),
            n,
            dn_dr,
            dn_dz,
        }
    }

    /// Position (r, z) of reference point (ξ, η).
    #[inline]
    pub fn position(&self, xi: f64, eta: f64) -> (f64, f64) {
        (
            self.origin[0] + self.jac[0][0] * xi + self.jac[0][1] * eta,
            self.origin[1] + self.jac[1][0] * xi + self.jac[1][1] * eta,
        )
    }

    /// Shape functions at point `q` of the degree-5 rule, from the values tabulated once in `tab` (the same
    /// values as [`Self::shape`] at that point, without re-evaluating the polynomials). Element loops call
    /// this point by point (`for q in 0..7`), which keeps the per-point data in registers instead of
    /// building (and copying) an array of seven [`ShapeAt`].
    #[inline(always)]
    pub fn tabulated(&self, tab: &RefTable, q: usize) -> ShapeAt {
        let npe = tab.order.nodes_per_element();
        let p = tab.rule[q];
        let (r, z) = self.position(p.xi, p.eta);
        let mut dn_dr = [0.0; 6];
        let mut dn_dz = [0.0; 6];
        for k in 0..npe {
            dn_dr[k] = tab.dxi[q][k] * self.inv[0][0] + tab.deta[q][k] * self.inv[1][0];
            dn_dz[k] = tab.dxi[q][k] * self.inv[0][1] + tab.deta[q][k] * self.inv[1][1];
        }
        ShapeAt { r, z, area_weight: p.weight * self.det.abs(), n: tab.n[q], dn_dr, dn_dz }
    }

    /// As [`Self::at_points`] for a fixed-size rule, on the stack (no allocation). Hot element loops use
    /// [`Self::tabulated`] point by point instead: building and returning the whole array copies it (7 points:
    /// 1.2 KB per element), which dominated the assembly profile.
    pub fn at_points_array<const N: usize>(&self, order: Order, rule: &[TrianglePoint; N]) -> [ShapeAt; N] {
        std::array::from_fn(|q| self.shape(order, rule[q].xi, rule[q].eta, rule[q].weight))
    }

    /// Shape functions at every point of a quadrature rule.
    pub fn at_points(&self, order: Order, rule: &[TrianglePoint]) -> Vec<ShapeAt> {
        rule.iter().map(|q| self.shape(order, q.xi, q.eta, q.weight)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabulated_shapes_equal_direct_evaluation() {
        // The table only moves the polynomial evaluation out of the element loop: bit-for-bit the same values.
        let spec = crate::sim::fem::CylinderSpec {
            radius: 3.0,
            depth: 2.0,
            h_min: 0.5,
            fine_extent: 1.0,
            growth: 1.3,
            h_max: 1.0,
            order: Order::P2,
        };
        for order in [Order::P1, Order::P2] {
            let mesh = Mesh::cylinder(&crate::sim::fem::CylinderSpec { order, ..spec }).unwrap();
            let tab = RefTable::degree5(order);
            for e in 0..mesh.n_elements() {
                let map = AffineMap::of(&mesh, e);
                for (q, p) in triangle_degree5().iter().enumerate() {
                    let (a, b) = (map.tabulated(&tab, q), map.shape(order, p.xi, p.eta, p.weight));
                    assert_eq!((a.r, a.z, a.area_weight), (b.r, b.z, b.area_weight));
                    assert_eq!((a.n, a.dn_dr, a.dn_dz), (b.n, b.dn_dr, b.dn_dz));
                }
            }
        }
    }

    #[test]
    fn p2_partition_of_unity_and_kronecker() {
        for (k, p) in REFERENCE_NODES.iter().enumerate() {
            let (n, dxi, deta) = reference_shape(Order::P2, p[0], p[1]);
            for (j, v) in n.iter().enumerate() {
                assert!((v - if j == k { 1.0 } else { 0.0 }).abs() < 1e-14);
            }
            assert!(dxi.iter().sum::<f64>().abs() < 1e-13 && deta.iter().sum::<f64>().abs() < 1e-13);
        }
        // Derivatives against finite differences at an interior point.
        let (x, y, h) = (0.23, 0.31, 1e-6);
        let (_, dxi, deta) = reference_shape(Order::P2, x, y);
        let (np, _, _) = reference_shape(Order::P2, x + h, y);
        let (nm, _, _) = reference_shape(Order::P2, x - h, y);
        let (nq, _, _) = reference_shape(Order::P2, x, y + h);
        let (nn, _, _) = reference_shape(Order::P2, x, y - h);
        for k in 0..6 {
            assert!(((np[k] - nm[k]) / (2.0 * h) - dxi[k]).abs() < 1e-8);
            assert!(((nq[k] - nn[k]) / (2.0 * h) - deta[k]).abs() < 1e-8);
        }
    }
}
