//! Geometric nested dissection: a fill-reducing ordering for sparse Cholesky on 2-D meshes whose vertices
//! have coordinates.
//!
//! The vertex set is split at the median coordinate along r or z, whichever gives the smaller separator,
//! with the cut moved to the nearest grid line (vertices with equal coordinates stay on one side); the
//! vertices of one half that are adjacent to the other half (the smaller of the two such sets) form the
//! separator, which is numbered last, and the two remaining halves are dissected recursively. Below `leaf`
//! vertices a part is ordered by approximate minimum degree on its own subgraph. (The textbook rule, cutting
//! across the longer extent, gave 61 % more fill than AMD on the graded tip-model meshes: a coarse strip is
//! long in length but short in vertices, and cutting it lengthwise gives long separators.) On 2-D grid-like graphs this gives fill O(n log n) and
//! factorisation work O(n^{3/2}), which is optimal up to constants (George, SIAM J. Numer. Anal. 10 (1973)
//! 345; Lipton, Rose & Tarjan, SIAM J. Numer. Anal. 16 (1979) 346), and smaller factors than minimum-degree
//! orderings on large regular 2-D meshes. Median splits (by vertex count, not by length) keep the two halves
//! balanced on graded meshes, where most vertices sit in the fine region.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::sparse::SymbolicSparseColMat;
use faer::sparse::linalg::amd;

use super::error::SparseError;

/// Parts at most this large are ordered by AMD on their subgraph instead of being dissected further.
/// Measured on the tip-model meshes (bench/README.md): on P2 h_min 0.025 L the elasticity factor holds
/// 2.38 / 2.41 / 2.41 / 2.62 / 2.59 M values with leaves of 8 / 16 / 32 / 128 / 256 nodes, the diffusion
/// factor 675 / 657 / 689 / 723 / 720 k.
pub const DEFAULT_LEAF: usize = 16;

/// A symmetric graph in CSC form (column j lists the neighbours of vertex j; the diagonal may be present).
pub struct Graph<'a> {
    pub col_ptr: &'a [usize],
    pub row_idx: &'a [usize],
}

impl Graph<'_> {
    fn n(&self) -> usize {
        self.col_ptr.len() - 1
    }

    fn neighbours(&self, v: usize) -> &[usize] {
        &self.row_idx[self.col_ptr[v]..self.col_ptr[v + 1]]
    }
}

/// Elimination order (position → vertex) of `graph` by geometric nested dissection with the vertex
/// coordinates `xy`; parts of at most `leaf` vertices (≥ 1) are ordered by AMD.
pub fn nested_dissection(graph: &Graph<'_>, xy: &[[f64; 2]], leaf: usize) -> Result<Vec<usize>, SparseError> {
    let n = graph.n();
    if xy.len() != n || leaf == 0 {
        return Err(SparseError::Input(format!(
            "nested dissection: {} coordinates for {n} vertices and leaf size {leaf}: expected one per vertex and ≥ 1",
            xy.len()
        )));
    }
    // The coordinate range of each vertex's neighbours: a vertex can only touch the other side of a cut if
    // its neighbours reach across it, which rules out most vertices without reading their neighbours.
    let reach: Vec<[[f64; 2]; 2]> = (0..n)
        .map(|v| {
            let mut r = [xy[v], xy[v]];
            for &w in graph.neighbours(v) {
                for d in 0..2 {
                    r[0][d] = r[0][d].min(xy[w][d]);
                    r[1][d] = r[1][d].max(xy[w][d]);
                }
            }
            r
        })
        .collect();
    let mut state = State { graph, xy, reach, leaf, part: vec![0; n], next_label: 0, local: vec![usize::MAX; n] };
    let mut order = Vec::with_capacity(n);
    let mut all: Vec<usize> = (0..n).collect();
    state.dissect(&mut all, &mut order)?;
    Ok(order)
}

/// Moves the entries satisfying `keep` to the front (in no particular order); returns how many there are.
fn partition_front(items: &mut [usize], keep: impl Fn(usize) -> bool) -> usize {
    let mut n = 0;
    for k in 0..items.len() {
        if keep(items[k]) {
            items.swap(n, k);
            n += 1;
        }
    }
    n
}

/// A median cut of a part: `vertices[..mid]` below it, the rest above; the boundary layer of each side
/// (its vertices adjacent to the other side).
struct Cut {
    mid: usize,
    boundary: [Vec<usize>; 2],
}

impl Cut {
    /// The smaller boundary layer: the separator this cut gives.
    fn separator_side(&self) -> usize {
        if self.boundary[0].len() <= self.boundary[1].len() { 0 } else { 1 }
    }

    fn separator_len(&self) -> usize {
        self.boundary[self.separator_side()].len()
    }
}

struct State<'a, 'g> {
    graph: &'a Graph<'g>,
    xy: &'a [[f64; 2]],
    /// [min, max] of the coordinates of each vertex and its neighbours.
    reach: Vec<[[f64; 2]; 2]>,
    leaf: usize,
    /// Label of the part each vertex was last put in (labels are never reused, so no resetting is needed).
    part: Vec<u32>,
    next_label: u32,
    /// Scratch: local index of a vertex in the leaf being ordered (usize::MAX elsewhere).
    local: Vec<usize>,
}

impl State<'_, '_> {
    fn label(&mut self) -> u32 {
        self.next_label += 1;
        self.next_label
    }

    /// Appends the elimination order of `vertices` to `order`.
    fn dissect(&mut self, vertices: &mut [usize], order: &mut Vec<usize>) -> Result<(), SparseError> {
        if vertices.len() <= self.leaf {
            return self.order_leaf(vertices, order);
        }
        // Cut at the median along each axis and keep the cut with the smaller separator. Not simply across
        // the longer extent: on a graded mesh a part that is long in length can be short in vertices (a
        // coarse strip), and cutting it across its long side gives long separators.
        let cuts = [self.cut(vertices, 0), self.cut(vertices, 1)];
        let len = |c: &Option<Cut>| c.as_ref().map_or(usize::MAX, Cut::separator_len);
        let axis = if len(&cuts[0]) <= len(&cuts[1]) { 0 } else { 1 };
        // `vertices` is arranged for the last cut made; redo the first if it won.
        let [c0, c1] = cuts;
        let cut = if axis == 0 { c0.and_then(|_| self.cut(vertices, 0)) } else { c1 };
        let Some(cut) = cut else {
            // Every vertex at the same point: nothing to cut.
            return self.order_leaf(vertices, order);
        };
        let side = cut.separator_side();
        let sep_label = self.label();
        for &v in &cut.boundary[side] {
            self.part[v] = sep_label;
        }
        let (lower, upper) = vertices.split_at_mut(cut.mid);
        let half = if side == 0 { lower } else { upper };
        let part = &self.part;
        let keep = partition_front(half, |v| part[v] != sep_label);
        let (lower, upper) = vertices.split_at_mut(cut.mid);
        let (lower, upper) = if side == 0 { (&mut lower[..keep], upper) } else { (lower, &mut upper[..keep]) };
        self.dissect(lower, order)?;
        self.dissect(upper, order)?;
        // The separator last, along the cut.
        let (xy, along) = (self.xy, 1 - axis);
        let mut separator = cut.boundary[side].clone();
        separator.sort_by(|&p, &q| xy[p][along].total_cmp(&xy[q][along]).then(p.cmp(&q)));
        order.extend_from_slice(&separator);
        Ok(())
    }

    /// Cuts `vertices` at the median along `axis`, moved to the nearest change of coordinate so that vertices
    /// with equal coordinates (a grid line) stay on one side, and labels the two sides. None if all vertices
    /// have the same coordinate.
    fn cut(&mut self, vertices: &mut [usize], axis: usize) -> Option<Cut> {
        let (n, half) = (vertices.len(), vertices.len() / 2);
        let xy = self.xy;
        let key = |v: usize| xy[v][axis];
        vertices.select_nth_unstable_by(half, |&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        let x_med = key(vertices[half]);
        // Ties with the median: those below `half` to the end of the lower side, those above to the start
        // of the upper side; then cut before or after the tied block, whichever is nearer the middle.
        let below = partition_front(&mut vertices[..half], |v| key(v) < x_med);
        let above = half + partition_front(&mut vertices[half..], |v| key(v) == x_med);
        let mid = match (below, above) {
            (0, a) if a == n => return None,
            (0, a) => a,
            (b, a) if a == n => b,
            (b, a) => {
                if half - b <= a - half {
                    b
                } else {
                    a
                }
            }
        };
        let labels = [self.label(), self.label()];
        let (lower, upper) = vertices.split_at_mut(mid);
        lower.iter().for_each(|&v| self.part[v] = labels[0]);
        upper.iter().for_each(|&v| self.part[v] = labels[1]);
        // The highest coordinate below the cut and the lowest above it: a lower vertex whose neighbours do
        // not reach `x_up` cannot touch the upper side, and vice versa.
        let x_low = lower.iter().map(|&v| key(v)).fold(f64::NEG_INFINITY, f64::max);
        let x_up = upper.iter().map(|&v| key(v)).fold(f64::INFINITY, f64::min);
        let (part, graph, reach) = (&self.part, self.graph, &self.reach);
        let touches = |v: usize, other: u32| graph.neighbours(v).iter().any(|&w| part[w] == other);
        let boundary = [
            lower.iter().copied().filter(|&v| reach[v][1][axis] >= x_up && touches(v, labels[1])).collect(),
            upper.iter().copied().filter(|&v| reach[v][0][axis] <= x_low && touches(v, labels[0])).collect(),
        ];
        Some(Cut { mid, boundary })
    }

    /// Appends `vertices` in the AMD order of the subgraph they induce.
    fn order_leaf(&mut self, vertices: &mut [usize], order: &mut Vec<usize>) -> Result<(), SparseError> {
        let m = vertices.len();
        if m <= 2 {
            order.extend_from_slice(vertices);
            return Ok(());
        }
        vertices.sort_unstable();
        for (k, &v) in vertices.iter().enumerate() {
            self.local[v] = k;
        }
        let mut cp = Vec::with_capacity(m + 1);
        cp.push(0usize);
        let mut ri = Vec::new();
        for &v in vertices.iter() {
            let start = ri.len();
            ri.extend(self.graph.neighbours(v).iter().map(|&w| self.local[w]).filter(|&k| k != usize::MAX));
            ri[start..].sort_unstable();
            cp.push(ri.len());
        }
        for &v in vertices.iter() {
            self.local[v] = usize::MAX;
        }
        let nnz = ri.len();
        let sub = SymbolicSparseColMat::new_checked(m, m, cp, None, ri);
        let (mut fwd, mut inv) = (vec![0usize; m], vec![0usize; m]);
        let mut mem = MemBuffer::try_new(amd::order_scratch::<usize>(m, nnz))
            .map_err(|e| SparseError::Solver(format!("ordering workspace: {e:?}")))?;
        amd::order(&mut fwd, &mut inv, sub.as_ref(), amd::Control::default(), MemStack::new(&mut mem))
            .map_err(|e| SparseError::Solver(format!("AMD ordering of a dissection leaf: {e:?}")))?;
        order.extend(fwd.iter().map(|&k| vertices[k]));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 5-point grid graph of nx × ny vertices (diagonal included), vertex i + nx j at (i, j).
    fn grid(nx: usize, ny: usize) -> (Vec<usize>, Vec<usize>, Vec<[f64; 2]>) {
        let mut cp = vec![0usize];
        let mut ri = Vec::new();
        let mut xy = Vec::new();
        for j in 0..ny {
            for i in 0..nx {
                let v = i + nx * j;
                let mut nb = vec![v];
                if i > 0 {
                    nb.push(v - 1);
                }
                if i + 1 < nx {
                    nb.push(v + 1);
                }
                if j > 0 {
                    nb.push(v - nx);
                }
                if j + 1 < ny {
                    nb.push(v + nx);
                }
                nb.sort_unstable();
                ri.extend(nb);
                cp.push(ri.len());
                xy.push([i as f64, j as f64]);
            }
        }
        (cp, ri, xy)
    }

    #[test]
    fn every_vertex_once_and_separators_last() {
        let (cp, ri, xy) = grid(40, 25);
        let g = Graph { col_ptr: &cp, row_idx: &ri };
        for leaf in [1, 7, 64, 2000] {
            let order = nested_dissection(&g, &xy, leaf).unwrap();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..1000).collect::<Vec<_>>(), "leaf {leaf}");
        }
        // Top level on the 40 × 25 grid: the split is along x (the longer extent) at the median, so the last
        // vertices are one grid column, 25 vertices at the same x.
        let order = nested_dissection(&g, &xy, 64).unwrap();
        let last = &order[1000 - 25..];
        assert!(last.iter().all(|&v| xy[v][0] == xy[last[0]][0]), "{last:?}");
        // and no vertex before the separator is adjacent across it: the two halves are independent.
        let x_sep = xy[last[0]][0];
        for &v in &order[..1000 - 25] {
            for &w in &ri[cp[v]..cp[v + 1]] {
                assert!(
                    (xy[v][0] < x_sep) == (xy[w][0] < x_sep) || xy[w][0] == x_sep,
                    "edge {v}–{w} crosses the separator"
                );
            }
        }
        assert!(nested_dissection(&g, &xy[1..], 64).is_err());
        assert!(nested_dissection(&g, &xy, 0).is_err());
        // Coordinates that cannot be cut (all vertices at one point, or on one line): still a permutation,
        // no endless recursion.
        for same in [vec![[0.0, 0.0]; 1000], (0..1000).map(|v| [0.0, (v % 40) as f64]).collect()] {
            let mut order = nested_dissection(&g, &same, 8).unwrap();
            order.sort_unstable();
            assert_eq!(order, (0..1000).collect::<Vec<_>>());
        }
    }
}
