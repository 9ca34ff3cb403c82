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

/// Like [`graded_sequence`], but starting with a geometric **boundary layer** at x = 0: steps `h_first`,
/// `h_first`·g, `h_first`·g², … (g = `layer_growth`) while they are below `h_min`, then the graded sequence
/// (uniform `h_min` up to `fine_extent` from x = 0, geometric growth beyond) continues from the layer's end.
/// Consecutive steps change by at most the factor g (h_min over the last layer step is ≤ g). Used for the
/// diffusion layer of thickness √(2D/ω) under the top surface at high AC frequency (tip model).
pub fn layered_sequence(
    length: f64,
    h_first: f64,
    layer_growth: f64,
    h_min: f64,
    fine_extent: f64,
    growth: f64,
    h_max: f64,
) -> Result<Vec<f64>, FemError> {
    let ok = h_first > 0.0 && h_first.is_finite() && h_first < h_min && layer_growth > 1.0 && layer_growth <= 2.0;
    // The layer's depth is < h_min·g/(g − 1); it must leave room for at least one h_min step.
    let layer_depth_bound = h_min * layer_growth / (layer_growth - 1.0);
    let room = length.is_finite() && length > layer_depth_bound + h_min;
    if !ok || h_min / h_first > 1e9 || !room {
        return Err(FemError::Input(format!(
            "layered_sequence: expected 0 < h_first < h_min (≥ 1e-9 h_min), 1 < layer_growth ≤ 2 and length > the \
             layer depth + h_min; found h_first {h_first}, layer_growth {layer_growth}, h_min {h_min}, length {length}"
        )));
    }
    let mut xs = vec![0.0];
    let (mut x, mut h) = (0.0, h_first);
    while h < h_min {
        x += h;
        xs.push(x);
        h *= layer_growth;
    }
    let rest = graded_sequence(length - x, h_min, fine_extent - x, growth, h_max)?;
    xs.extend(rest.into_iter().skip(1).map(|d| x + d));
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

    /// The P1 interpolant of nodal `values` (one per node of this P1 tensor mesh) at each of `points` (r, z):
    /// linear on the triangle of the tensor cell that contains the point (cells cut along their (r↑, z↑)
    /// diagonal, as built by [`Mesh::tensor`]). Points outside the cylinder are an input error.
    pub fn interpolate_p1(&self, values: &[f64], points: &[[f64; 2]]) -> Result<Vec<f64>, FemError> {
        let (nr, nz) = (self.r_lines.len(), self.z_lines.len());
        if self.order != Order::P1 || values.len() != nr * nz {
            return Err(FemError::Input(format!(
                "interpolate_p1: expected a P1 tensor mesh and {} nodal values, found {:?} and {}",
                nr * nz,
                self.order,
                values.len()
            )));
        }
        // Index of the interval [v[k], v[k+1]] holding x (clamped to the end intervals; x checked in range).
        let cell = |v: &[f64], x: f64| v.partition_point(|&a| a <= x).clamp(1, v.len() - 1) - 1;
        let (r_end, z_start) = (self.r_lines[nr - 1], self.z_lines[0]);
        let mut out = Vec::with_capacity(points.len());
        for &[r, z] in points {
            let tol = 1e-12 * (r_end - z_start);
            if !(r >= -tol && r <= r_end + tol && z >= z_start - tol && z <= tol) {
                return Err(FemError::Input(format!(
                    "interpolate_p1: point (r, z) = ({r}, {z}) outside the cylinder r ∈ [0, {r_end}], z ∈ [{z_start}, 0]"
                )));
            }
            let (i, j) = (cell(&self.r_lines, r), cell(&self.z_lines, z));
            let s = ((r - self.r_lines[i]) / (self.r_lines[i + 1] - self.r_lines[i])).clamp(0.0, 1.0);
            let t = ((z - self.z_lines[j]) / (self.z_lines[j + 1] - self.z_lines[j])).clamp(0.0, 1.0);
            let id = |i: usize, j: usize| values[j * nr + i];
            let (a, b, c, d) = (id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j + 1));
            // Triangle (a, b, c) below the diagonal (t ≤ s), (a, c, d) above it.
            out.push(if t <= s { (1.0 - s) * a + (s - t) * b + t * c } else { (1.0 - t) * a + (t - s) * d + s * c });
        }
        Ok(out)
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

    /// The layer starts at h_first, grows by at most g per step up to h_min, then follows the graded
    /// sequence; the end point is exact.
    #[test]
    fn layered_sequence_starts_with_a_geometric_layer() {
        let x = layered_sequence(10.0, 1e-4, 1.25, 0.05, 1.0, 1.2, 1.0).unwrap();
        assert_eq!(x[0], 0.0);
        assert_eq!(*x.last().unwrap(), 10.0);
        let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        assert!((h[0] - 1e-4).abs() < 1e-18);
        for w in h[..h.len() - 1].windows(2) {
            assert!(w[1] / w[0] <= 1.25 + 1e-9, "ratio {}", w[1] / w[0]);
        }
        // log(0.05/1e-4)/log(1.25) = 27.85: 28 layer steps below h_min, then h_min.
        assert_eq!(h.iter().take_while(|&&v| v < 0.05 - 1e-12).count(), 28);
        assert!((h[28] - 0.05).abs() < 1e-12);
        assert!(layered_sequence(10.0, 0.06, 1.25, 0.05, 1.0, 1.2, 1.0).is_err());
        assert!(layered_sequence(10.0, 1e-4, 1.0, 0.05, 1.0, 1.2, 1.0).is_err());
        assert!(layered_sequence(0.2, 1e-4, 1.25, 0.05, 1.0, 1.2, 1.0).is_err());
    }

    /// The EAFE transport step needs every edge weight ω_ij = −∫_e r ∇N_i·∇N_j ≥ 0 (weakly acute
    /// triangles). Tensor cells cut along a diagonal give right triangles, for any aspect ratio: here the
    /// layered lines of the high-frequency read mesh (rows 2.6e-5 L under the top next to 0.05 L columns,
    /// aspect up to 2000). Asserted ∇N_i·∇N_j ≤ 1e-12 × max |∇N|² on every edge.
    #[test]
    fn layered_tensor_meshes_are_weakly_acute() {
        let r = layered_sequence(10.0, 0.05 / 8.0, 1.25, 0.05, 1.0, 1.25, 1.0).unwrap();
        let d = layered_sequence(10.0, 2.6e-5, 1.25, 0.05, 1.0, 1.25, 1.0).unwrap();
        let m = Mesh::tensor(r, d.iter().rev().map(|v| -v).collect(), Order::P1).unwrap();
        let mut worst = f64::NEG_INFINITY;
        for e in 0..m.n_elements() {
            let p: Vec<[f64; 2]> = m.element(e).iter().map(|&i| m.nodes[i]).collect();
            let det = (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[2][0] - p[0][0]) * (p[1][1] - p[0][1]);
            assert!(det > 0.0, "element {e} is not counter-clockwise");
            let g: Vec<[f64; 2]> = (0..3)
                .map(|k| {
                    let (a, b) = (p[(k + 1) % 3], p[(k + 2) % 3]);
                    [(a[1] - b[1]) / det, (b[0] - a[0]) / det]
                })
                .collect();
            let scale = g.iter().map(|v| v[0] * v[0] + v[1] * v[1]).fold(0.0, f64::max);
            for k in 0..3 {
                let (a, b) = (g[k], g[(k + 1) % 3]);
                worst = worst.max((a[0] * b[0] + a[1] * b[1]) / scale);
            }
        }
        assert!(worst <= 1e-12, "an obtuse angle: ∇N_i·∇N_j / max|∇N|² = {worst}");
    }

    /// P1 interpolation reproduces linear fields exactly (any cell, either triangle), the nodal values at
    /// the nodes, and rejects points outside. Tolerance: rounding (1e-12).
    #[test]
    fn p1_interpolation_is_exact_for_linear_fields() {
        let m = Mesh::tensor(vec![0.0, 0.3, 1.0, 2.5], vec![-2.0, -0.7, -0.1, 0.0], Order::P1).unwrap();
        let f = |p: [f64; 2]| 1.5 - 2.0 * p[0] + 0.7 * p[1];
        let values: Vec<f64> = m.nodes.iter().map(|&p| f(p)).collect();
        let points = [[0.0, 0.0], [0.1, -0.05], [0.29, -0.69], [2.5, -2.0], [1.7, -0.3], [0.5, -1.9]];
        for (p, v) in points.iter().zip(m.interpolate_p1(&values, &points).unwrap()) {
            assert!((v - f(*p)).abs() < 1e-12, "{p:?}: {v} vs {}", f(*p));
        }
        let at_nodes = m.interpolate_p1(&values, &m.nodes).unwrap();
        assert!(at_nodes.iter().zip(&values).all(|(a, b)| (a - b).abs() < 1e-12));
        assert!(m.interpolate_p1(&values, &[[0.1, 0.2]]).is_err());
        assert!(m.interpolate_p1(&values[1..], &[[0.1, -0.2]]).is_err());
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
