//! Axisymmetric (r, z) triangular mesh of the cylinder r ∈ [0, R], z ∈ [−H, 0] (top surface z = 0).
//!
//! Built as a tensor product of two graded 1-D vertex sequences (fine near the tip at the origin, growing
//! geometrically outward), each rectangle cut into two triangles along its (r↑, z↑) diagonal. P2 meshes put
//! the mid-edge nodes on the half-way lines of the same grid, so elements are straight-sided (affine) and a P2
//! mesh has exactly the vertices of the P1 mesh with the same spec. [`Mesh::refined`] bisects every interval
//! (nested refinement, grading preserved) for convergence studies.

use super::FemError;

/// Polynomial order of the Lagrange triangle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Linear, 3 nodes.
    P1,
    /// Quadratic, 6 nodes: vertices 0, 1, 2 then mid-edges 01, 12, 20.
    P2,
}

impl Order {
    pub fn nodes_per_element(self) -> usize {
        match self {
            Order::P1 => 3,
            Order::P2 => 6,
        }
    }
}

/// Which part of the cylinder's boundary an edge lies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Boundary {
    /// r = 0 (symmetry axis).
    Axis,
    /// z = 0 (sample surface, under the tip).
    Top,
    /// z = −H (back electrode / substrate).
    Bottom,
    /// r = R (outer side).
    Side,
}

/// A boundary edge: its two end nodes and, for P2, its mid node.
#[derive(Clone, Copy, Debug)]
pub struct BoundaryEdge {
    pub tag: Boundary,
    pub ends: [usize; 2],
    pub mid: Option<usize>,
}

impl BoundaryEdge {
    /// Nodes in the order matching 1-D shape functions (end 0, end 1, mid).
    pub fn nodes(&self) -> Vec<usize> {
        let mut v = self.ends.to_vec();
        v.extend(self.mid);
        v
    }
}

/// Parameters of a graded cylinder mesh (lengths in m, or in units of the tip radius L).
#[derive(Clone, Copy, Debug)]
pub struct CylinderSpec {
    /// Cylinder radius R.
    pub radius: f64,
    /// Sample thickness H (z from −H to 0).
    pub depth: f64,
    /// Element size in the fine region (e.g. L/20 under a tip of radius L).
    pub h_min: f64,
    /// Extent of the uniformly fine region from r = 0 and from z = 0 (e.g. 2 L).
    pub fine_extent: f64,
    /// Geometric growth ratio of consecutive intervals outside it (1 < growth ≤ 1.3 recommended).
    pub growth: f64,
    /// Largest allowed element size.
    pub h_max: f64,
    pub order: Order,
}

/// Positions 0 = x_0 < x_1 < … < x_n = length: uniform steps h_min up to `fine_extent`, then steps growing by
/// `growth` up to `h_max`. The last step is stretched or merged so that x_n = length exactly; it stays within
/// [0.5, 1.5] × the geometric step it replaces.
pub fn graded_sequence(
    length: f64,
    h_min: f64,
    fine_extent: f64,
    growth: f64,
    h_max: f64,
) -> Result<Vec<f64>, FemError> {
    let ok = length.is_finite() && length > 0.0 && h_min > 0.0 && h_min <= length && growth >= 1.0 && h_max >= h_min;
    if !ok || growth > 2.0 || length / h_min > 1e6 {
        return Err(FemError::Input(format!(
            "graded_sequence: expected 0 < h_min ≤ length (≤ 1e6 h_min), 1 ≤ growth ≤ 2, h_max ≥ h_min; found \
             length {length}, h_min {h_min}, growth {growth}, h_max {h_max}"
        )));
    }
    let mut xs = vec![0.0];
    let mut h = h_min;
    let mut x = 0.0;
    loop {
        if x + 1e-9 * h_min >= fine_extent.max(0.0) {
            h = (h * growth).min(h_max);
        }
        if x + h >= length - 0.5 * h {
            // Last step: either stretch (remaining ≤ 1.5 h) or take this one and a remainder ≥ 0.5 h.
            xs.push(length);
            break;
        }
        x += h;
        xs.push(x);
    }
    Ok(xs)
}

/// Triangular mesh with boundary tags. Nodes are (r, z).
#[derive(Clone, Debug)]
pub struct Mesh {
    pub order: Order,
    pub nodes: Vec<[f64; 2]>,
    /// Element connectivity, `order.nodes_per_element()` entries per element, counter-clockwise vertices.
    connectivity: Vec<usize>,
    pub edges: Vec<BoundaryEdge>,
    /// Vertex r-lines and z-lines of the tensor grid (z ascending from −H to 0).
    pub r_lines: Vec<f64>,
    pub z_lines: Vec<f64>,
}

impl Mesh {
    /// Graded cylinder following `spec`.
    pub fn cylinder(spec: &CylinderSpec) -> Result<Mesh, FemError> {
        let r = graded_sequence(spec.radius, spec.h_min, spec.fine_extent, spec.growth, spec.h_max)?;
        let depth = graded_sequence(spec.depth, spec.h_min, spec.fine_extent, spec.growth, spec.h_max)?;
        let z: Vec<f64> = depth.iter().rev().map(|d| -d).collect();
        Mesh::tensor(r, z, spec.order)
    }

    /// Tensor-product mesh on given vertex lines: `r_lines` ascending from 0, `z_lines` ascending ending at 0.
    pub fn tensor(r_lines: Vec<f64>, z_lines: Vec<f64>, order: Order) -> Result<Mesh, FemError> {
        let ascending =
            |v: &[f64]| v.len() >= 2 && v.windows(2).all(|w| w[1] > w[0]) && v.iter().all(|x| x.is_finite());
        if !ascending(&r_lines) || !ascending(&z_lines) || r_lines[0] != 0.0 || z_lines[z_lines.len() - 1] != 0.0 {
            return Err(FemError::Input(
                "Mesh::tensor: expected ascending finite r-lines starting at 0 and z-lines ending at 0".into(),
            ));
        }
        let s = match order {
            Order::P1 => 1,
            Order::P2 => 2,
        };
        let refine_lines = |v: &[f64]| -> Vec<f64> {
            if s == 1 {
                return v.to_vec();
            }
            let mut g = Vec::with_capacity(2 * v.len());
            for w in v.windows(2) {
                g.push(w[0]);
                g.push(0.5 * (w[0] + w[1]));
            }
            g.push(v[v.len() - 1]);
            g
        };
        let rg = refine_lines(&r_lines);
        let zg = refine_lines(&z_lines);
        let (nr, nz) = (rg.len(), zg.len());
        let mut nodes = Vec::with_capacity(nr * nz);
        for &z in &zg {
            for &r in &rg {
                nodes.push([r, z]);
            }
        }
        let id = |i: usize, j: usize| j * nr + i;
        let (cr, cz) = (r_lines.len() - 1, z_lines.len() - 1);
        let mut connectivity = Vec::with_capacity(2 * cr * cz * order.nodes_per_element());
        for cj in 0..cz {
            for ci in 0..cr {
                let (i, j) = (s * ci, s * cj);
                let (a, b, c, d) = (id(i, j), id(i + s, j), id(i + s, j + s), id(i, j + s));
                match order {
                    Order::P1 => {
                        connectivity.extend([a, b, c]);
                        connectivity.extend([a, c, d]);
                    }
                    Order::P2 => {
                        connectivity.extend([a, b, c, id(i + 1, j), id(i + 2, j + 1), id(i + 1, j + 1)]);
                        connectivity.extend([a, c, d, id(i + 1, j + 1), id(i + 1, j + 2), id(i, j + 1)]);
                    }
                }
            }
        }
        let mut edges = Vec::new();
        let mid = |m: usize| if s == 2 { Some(m) } else { None };
        for ci in 0..cr {
            let i = s * ci;
            let last = nz - 1;
            edges.push(BoundaryEdge { tag: Boundary::Bottom, ends: [id(i, 0), id(i + s, 0)], mid: mid(id(i + 1, 0)) });
            edges.push(BoundaryEdge {
                tag: Boundary::Top,
                ends: [id(i, last), id(i + s, last)],
                mid: mid(id(i + 1, last)),
            });
        }
        for cj in 0..cz {
            let j = s * cj;
            let last = nr - 1;
            edges.push(BoundaryEdge { tag: Boundary::Axis, ends: [id(0, j), id(0, j + s)], mid: mid(id(0, j + 1)) });
            edges.push(BoundaryEdge {
                tag: Boundary::Side,
                ends: [id(last, j), id(last, j + s)],
                mid: mid(id(last, j + 1)),
            });
        }
        Ok(Mesh { order, nodes, connectivity, edges, r_lines, z_lines })
    }

    /// The same domain with every vertex interval bisected (h → h/2 everywhere, grading preserved).
    pub fn refined(&self) -> Mesh {
        let bisect = |v: &[f64]| -> Vec<f64> {
            let mut g = Vec::with_capacity(2 * v.len());
            for w in v.windows(2) {
                g.push(w[0]);
                g.push(0.5 * (w[0] + w[1]));
            }
            g.push(v[v.len() - 1]);
            g
        };
        // The lines were valid for `self`, so they are valid after bisection.
        match Mesh::tensor(bisect(&self.r_lines), bisect(&self.z_lines), self.order) {
            Ok(m) => m,
            Err(_) => unreachable!("bisected valid lines stay valid"),
        }
    }

    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    pub fn n_elements(&self) -> usize {
        self.connectivity.len() / self.order.nodes_per_element()
    }

    /// Node indices of element `e` (3 or 6).
    pub fn element(&self, e: usize) -> &[usize] {
        let k = self.order.nodes_per_element();
        &self.connectivity[e * k..(e + 1) * k]
    }

    /// Sorted, de-duplicated nodes on the boundary part `tag` (corners belong to both adjoining parts).
    pub fn nodes_on(&self, tag: Boundary) -> Vec<usize> {
        let mut v: Vec<usize> = self.edges.iter().filter(|e| e.tag == tag).flat_map(|e| e.nodes()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Top-surface nodes sorted by r: the surface profile abscissae.
    pub fn top_nodes_by_r(&self) -> Vec<usize> {
        let mut v = self.nodes_on(Boundary::Top);
        v.sort_by(|&a, &b| self.nodes[a][0].total_cmp(&self.nodes[b][0]));
        v
    }

    /// Largest vertex spacing in r and in z (a mesh-size measure for convergence plots).
    pub fn h_max(&self) -> f64 {
        let m = |v: &[f64]| v.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
        m(&self.r_lines).max(m(&self.z_lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graded_sequence_is_fine_then_geometric() {
        let x = graded_sequence(10.0, 0.05, 1.0, 1.2, 1.0).unwrap();
        assert_eq!(x[0], 0.0);
        assert_eq!(*x.last().unwrap(), 10.0);
        let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        assert!((h[0] - 0.05).abs() < 1e-12);
        for w in h[..h.len() - 1].windows(2) {
            assert!(w[1] / w[0] <= 1.2 + 1e-9, "ratio {}", w[1] / w[0]);
        }
        assert!(*h.last().unwrap() <= 1.5 + 1e-9);
    }

    #[test]
    fn p2_mesh_counts_and_tags() {
        let m = Mesh::tensor(vec![0.0, 1.0, 2.0], vec![-1.0, 0.0], Order::P2).unwrap();
        assert_eq!(m.n_nodes(), 5 * 3);
        assert_eq!(m.n_elements(), 4);
        assert_eq!(m.nodes_on(Boundary::Top).len(), 5);
        assert_eq!(m.nodes_on(Boundary::Axis).len(), 3);
        let r = m.refined();
        assert_eq!(r.n_elements(), 16);
    }
}
