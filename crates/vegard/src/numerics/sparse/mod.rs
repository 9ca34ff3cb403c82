//! Sparse linear algebra, the only module that talks to faer (0.24; with [`ordering`], geometric nested
//! dissection): triplet assembly → CSC, sparse Cholesky (SPD) / LU (general), with the symbolic analysis
//! kept so a matrix with the same pattern (e.g. each time step) refactors cheaply. The finite elements
//! (`sim::fem`) and the ESM tip model assemble and solve with it.
//!
//! Two ways to assemble: [`Triplets`] (any entries, summed and sorted into CSC by faer on conversion) and
//! [`Pattern`] (the CSC pattern of a mesh's element-to-unknown map built once, with the value-array slot of
//! every local entry of every element): re-assembling a matrix with the same pattern is then a scatter-add
//! into a flat value array, with no sorting or duplicate merging, and [`Symbolic::factor_pattern`] factors it
//! in place without copying the pattern. This is what a time loop needs: the triplet path spends a large
//! part of a P1 diffusion step sorting (bench/README.md, scikit-fem comparison).

mod error;
pub mod ordering;

pub use error::SparseError;

use std::sync::Arc;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::solvers::Solve;
use faer::perm::PermRef;
use faer::sparse::linalg::SupernodalThreshold;
use faer::sparse::linalg::amd;
use faer::sparse::linalg::cholesky::{
    CholeskySymbolicParams, LltRef, SymbolicCholesky, SymmetricOrdering, factorize_symbolic_cholesky,
};
use faer::sparse::linalg::solvers::{Lu, SymbolicLu};
use faer::sparse::{FaerError, SparseColMat, SparseColMatRef, SymbolicSparseColMat, SymbolicSparseColMatRef, Triplet};
use faer::{Conj, Mat, Side};

/// Coordinate-format assembly buffer for an n × n matrix; duplicate entries are summed.
#[derive(Clone, Debug, Default)]
pub struct Triplets {
    n: usize,
    entries: Vec<(usize, usize, f64)>,
}

impl Triplets {
    pub fn new(n: usize) -> Triplets {
        Triplets { n, entries: Vec::new() }
    }

    pub fn with_capacity(n: usize, cap: usize) -> Triplets {
        Triplets { n, entries: Vec::with_capacity(cap) }
    }

    pub fn dim(&self) -> usize {
        self.n
    }

    /// Adds `v` at (i, j). Indices are produced by our own assembly loops, never by file data.
    pub fn add(&mut self, i: usize, j: usize, v: f64) {
        debug_assert!(i < self.n && j < self.n);
        self.entries.push((i, j, v));
    }

    pub fn entries(&self) -> &[(usize, usize, f64)] {
        &self.entries
    }

    /// Adds `scale × other` (same dimension), e.g. M + Δt K for an implicit diffusion step.
    pub fn add_scaled(&mut self, other: &Triplets, scale: f64) {
        self.entries.extend(other.entries.iter().map(|&(i, j, v)| (i, j, scale * v)));
    }

    /// Compressed sparse column matrix.
    pub fn to_csc(&self) -> Result<CscMatrix, SparseError> {
        let t: Vec<Triplet<usize, usize, f64>> = self.entries.iter().map(|&(i, j, v)| Triplet::new(i, j, v)).collect();
        SparseColMat::try_new_from_triplets(self.n, self.n, &t)
            .map(CscMatrix)
            .map_err(|e| SparseError::Solver(format!("building CSC matrix: {e:?}")))
    }
}

/// CSC sparsity pattern of an n × n matrix assembled from elements with `k` unknowns each, plus the slot
/// (index into the CSC value array) of every entry (a, b) of every element's k × k local matrix.
#[derive(Clone, Debug)]
pub struct Pattern {
    symbolic: SymbolicSparseColMat<usize>,
    k: usize,
    /// `slots[e k² + a k + b]` = value index of (dofs_e[a], dofs_e[b]).
    slots: Vec<usize>,
    /// (r, z) of each unknown, if known: lets the Cholesky analysis use nested dissection ([`Ordering`]).
    xy: Option<Vec<[f64; 2]>>,
}

impl Pattern {
    /// Pattern of the matrix whose element e couples the unknowns `element_dofs[e k .. (e + 1) k]` with each
    /// other (every pair, both orders, diagonal included). Errors on an unknown ≥ n or a length that is not a
    /// multiple of k.
    pub fn from_element_dofs(n: usize, k: usize, element_dofs: &[usize]) -> Result<Pattern, SparseError> {
        if k == 0 || !element_dofs.len().is_multiple_of(k) {
            return Err(SparseError::Input(format!(
                "element unknowns: expected a multiple of {k} entries, got {}",
                element_dofs.len()
            )));
        }
        if let Some(&bad) = element_dofs.iter().find(|&&d| d >= n) {
            return Err(SparseError::Input(format!("element unknown {bad}: expected < {n}")));
        }
        // Column by column (no global sort of all k² pairs per element, which dominated setup on P2 meshes):
        // the elements containing unknown j (a dof → element index built by counting), the union of their
        // unknowns are the rows of column j (sorted: a few dozen entries), and the same pass writes the slot of
        // every element entry (a, b) with dofs[b] = j through a dense row → position scratch array.
        let kk = k * k;
        let ne = element_dofs.len() / k;
        let mut start = vec![0usize; n + 1];
        for &d in element_dofs {
            start[d + 1] += 1;
        }
        for j in 0..n {
            start[j + 1] += start[j];
        }
        let mut fill = start.clone();
        let mut elements_of = vec![0usize; element_dofs.len()];
        for (e, dofs) in element_dofs.chunks_exact(k).enumerate() {
            for &d in dofs {
                elements_of[fill[d]] = e;
                fill[d] += 1;
            }
        }
        let mut col_ptr = Vec::with_capacity(n + 1);
        col_ptr.push(0usize);
        let mut row_idx: Vec<usize> = Vec::with_capacity(ne * kk);
        let mut slots = vec![0usize; ne * kk];
        let mut seen = vec![usize::MAX; n];
        let mut pos = vec![0usize; n];
        let mut rows: Vec<usize> = Vec::with_capacity(8 * k);
        for j in 0..n {
            let els = &elements_of[start[j]..start[j + 1]];
            rows.clear();
            for &e in els {
                for &r in &element_dofs[e * k..(e + 1) * k] {
                    if seen[r] != j {
                        seen[r] = j;
                        rows.push(r);
                    }
                }
            }
            rows.sort_unstable();
            for (q, &r) in rows.iter().enumerate() {
                pos[r] = row_idx.len() + q;
            }
            row_idx.extend_from_slice(&rows);
            col_ptr.push(row_idx.len());
            for &e in els {
                let dofs = &element_dofs[e * k..(e + 1) * k];
                for (bl, _) in dofs.iter().enumerate().filter(|(_, d)| **d == j) {
                    for (al, &r) in dofs.iter().enumerate() {
                        slots[e * kk + al * k + bl] = pos[r];
                    }
                }
            }
        }
        let symbolic = SymbolicSparseColMat::new_checked(n, n, col_ptr, None, row_idx);
        Ok(Pattern { symbolic, k, slots, xy: None })
    }

    /// The pattern of the same elements with `b` unknowns per node instead of one: node i of `self` becomes
    /// unknowns b i, …, b i + b − 1, and element-local unknown b a + s is component s of local node a (the
    /// numbering of `elasticity::pattern`). Read off this pattern's columns and slots (each scalar entry
    /// becomes a b × b block; rows stay sorted), without the per-column merging of [`Self::from_element_dofs`]:
    /// column b j + t holds rows b i + s for the rows i of column j, so its entries start at
    /// b² cp[j] + t b len_j and scalar position q of the column becomes b q + s.
    pub fn expand_blocks(&self, b: usize) -> Result<Pattern, SparseError> {
        if b == 0 {
            return Err(SparseError::Input("unknowns per node: expected ≥ 1, got 0".into()));
        }
        let (n, k) = (self.dim(), self.k);
        let (cp, ri) = (self.col_ptr(), self.row_idx());
        let mut col_ptr = Vec::with_capacity(b * n + 1);
        let mut row_idx = Vec::with_capacity(b * b * ri.len());
        col_ptr.push(0usize);
        let mut col_of = vec![0usize; ri.len()];
        for j in 0..n {
            col_of[cp[j]..cp[j + 1]].fill(j);
            for _ in 0..b {
                for &i in &ri[cp[j]..cp[j + 1]] {
                    row_idx.extend((0..b).map(|s| b * i + s));
                }
                col_ptr.push(row_idx.len());
            }
        }
        let (kb, kk) = (b * k, k * k);
        let mut slots = vec![0usize; self.n_elements() * kb * kb];
        for (e, local) in self.slots.chunks_exact(kk).enumerate() {
            let out = &mut slots[e * kb * kb..(e + 1) * kb * kb];
            for a in 0..k {
                for c in 0..k {
                    let p = local[a * k + c];
                    let j = col_of[p];
                    let (start, len, q) = (cp[j], cp[j + 1] - cp[j], p - cp[j]);
                    for t in 0..b {
                        let base = b * b * start + t * b * len + b * q;
                        for s in 0..b {
                            out[(b * a + s) * kb + b * c + t] = base + s;
                        }
                    }
                }
            }
        }
        let symbolic = SymbolicSparseColMat::new_checked(b * n, b * n, col_ptr, None, row_idx);
        let xy = self.xy.as_ref().map(|xy| xy.iter().flat_map(|p| std::iter::repeat_n(*p, b)).collect());
        Ok(Pattern { symbolic, k: kb, slots, xy })
    }

    /// The same pattern with the coordinates of its unknowns (one per unknown; e.g. the mesh nodes for a
    /// scalar pattern), kept through [`Self::expand_blocks`] and used for nested dissection.
    pub fn with_coordinates(mut self, xy: Vec<[f64; 2]>) -> Result<Pattern, SparseError> {
        if xy.len() != self.dim() {
            return Err(SparseError::Input(format!(
                "{} coordinates: expected {} (one per unknown)",
                xy.len(),
                self.dim()
            )));
        }
        self.xy = Some(xy);
        Ok(self)
    }

    /// Coordinates of the unknowns, if attached.
    pub fn coordinates(&self) -> Option<&[[f64; 2]]> {
        self.xy.as_deref()
    }

    pub fn dim(&self) -> usize {
        self.symbolic.nrows()
    }

    /// Stored entries (length of a value array).
    pub fn nnz(&self) -> usize {
        self.symbolic.row_idx().len()
    }

    /// Unknowns per element.
    pub fn dofs_per_element(&self) -> usize {
        self.k
    }

    pub fn n_elements(&self) -> usize {
        self.slots.len() / (self.k * self.k)
    }

    /// A zero value array.
    pub fn zeros(&self) -> Vec<f64> {
        vec![0.0; self.nnz()]
    }

    /// Value slots of element `e`, row-major: entry (a, b) of its local matrix goes to `values[slots[a k + b]]`.
    pub fn element_slots(&self, e: usize) -> &[usize] {
        let kk = self.k * self.k;
        &self.slots[e * kk..(e + 1) * kk]
    }

    /// Column pointers and row indices (rows sorted within each column).
    pub fn col_ptr(&self) -> &[usize] {
        self.symbolic.col_ptr()
    }

    pub fn row_idx(&self) -> &[usize] {
        self.symbolic.row_idx()
    }

    /// y = A x for the matrix with this pattern and `values`.
    pub fn mul_vec(&self, values: &[f64], x: &[f64]) -> Result<Vec<f64>, SparseError> {
        self.check(values)?;
        if x.len() != self.dim() {
            return Err(SparseError::Input(format!("vector of length {}: expected {}", x.len(), self.dim())));
        }
        let (cp, ri) = (self.col_ptr(), self.row_idx());
        let mut y = vec![0.0; self.dim()];
        for (j, &xj) in x.iter().enumerate() {
            for p in cp[j]..cp[j + 1] {
                y[ri[p]] += values[p] * xj;
            }
        }
        Ok(y)
    }

    /// An owned CSC matrix with this pattern (copies the pattern; prefer [`Symbolic::factor_pattern`]).
    pub fn matrix(&self, values: &[f64]) -> Result<CscMatrix, SparseError> {
        self.check(values)?;
        Ok(CscMatrix(SparseColMat::new(self.symbolic.clone(), values.to_vec())))
    }

    fn check(&self, values: &[f64]) -> Result<(), SparseError> {
        if values.len() == self.nnz() {
            Ok(())
        } else {
            Err(SparseError::Input(format!("value array of length {}: expected {}", values.len(), self.nnz())))
        }
    }

    fn view<'a>(&'a self, values: &'a [f64]) -> Result<SparseColMatRef<'a, usize, f64>, SparseError> {
        self.check(values)?;
        Ok(SparseColMatRef::new(self.symbolic.as_ref(), values))
    }
}

/// Square sparse matrix (CSC).
#[derive(Clone, Debug)]
pub struct CscMatrix(SparseColMat<usize, f64>);

impl CscMatrix {
    /// From CSC arrays (rows sorted and unique within each column); errors name what is wrong.
    pub fn from_csc(
        n: usize,
        col_ptr: Vec<usize>,
        row_idx: Vec<usize>,
        values: Vec<f64>,
    ) -> Result<CscMatrix, SparseError> {
        let ok = col_ptr.len() == n + 1
            && col_ptr.first() == Some(&0)
            && col_ptr.windows(2).all(|w| w[0] <= w[1])
            && col_ptr[n] == row_idx.len()
            && values.len() == row_idx.len()
            && (0..n).all(|j| {
                let r = &row_idx[col_ptr[j]..col_ptr[j + 1]];
                r.windows(2).all(|w| w[0] < w[1]) && r.last().is_none_or(|&i| i < n)
            });
        if !ok {
            return Err(SparseError::Input(format!(
                "CSC arrays: expected {} column pointers from 0, non-decreasing, sorted unique rows < {n} and one \
                 value per row index",
                n + 1
            )));
        }
        let symbolic = SymbolicSparseColMat::new_checked(n, n, col_ptr, None, row_idx);
        Ok(CscMatrix(SparseColMat::new(symbolic, values)))
    }

    pub(crate) fn values_mut(&mut self) -> &mut [f64] {
        self.0.val_mut()
    }

    /// Column pointers, row indices and values.
    pub fn parts(&self) -> (&[usize], &[usize], &[f64]) {
        (self.0.symbolic().col_ptr(), self.0.symbolic().row_idx(), self.0.val())
    }

    pub fn dim(&self) -> usize {
        self.0.nrows()
    }

    pub fn nnz(&self) -> usize {
        self.0.compute_nnz()
    }

    /// y = A x.
    pub fn mul_vec(&self, x: &[f64]) -> Vec<f64> {
        let a = self.0.as_ref();
        let mut y = vec![0.0; self.dim()];
        for (j, &xj) in x.iter().enumerate().take(a.ncols()) {
            let rows = a.row_idx_of_col_raw(j);
            let vals = a.val_of_col(j);
            for (&i, &v) in rows.iter().zip(vals.iter()) {
                y[i] += v * xj;
            }
        }
        y
    }

    /// y = Aᵀ x.
    pub fn mul_vec_transpose(&self, x: &[f64]) -> Vec<f64> {
        let a = self.0.as_ref();
        (0..a.ncols())
            .map(|j| a.row_idx_of_col_raw(j).iter().zip(a.val_of_col(j)).map(|(&i, &v)| v * x[i]).sum())
            .collect()
    }
}

/// Whether the matrix is symmetric positive definite (Cholesky) or general (LU with partial pivoting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixKind {
    Spd,
    General,
}

/// Symbolic analysis (fill-reducing ordering, elimination tree) reusable for any matrix with the same pattern.
///
/// Cholesky (faer's low-level sparse Cholesky, `faer::sparse::linalg::cholesky`) with two settings chosen by
/// measurement on the tip-model matrices (bench/README.md, "vegard vs scikit-fem"):
/// - the **supernodal** factorisation always: faer's automatic choice picks the simplicial (column by column)
///   variant for some of these matrices (P2 elasticity on 5 000 unknowns, P1 diffusion) where it is 2–7×
///   slower than the supernodal one;
/// - the fill-reducing ordering (approximate minimum degree, AMD) is computed on the **graph of the column
///   groups**: consecutive columns with identical row patterns (the (u_r, u_z) pair of a node in elasticity)
///   are one vertex, and the ordering is expanded group by group. This is the "supervariable" compression
///   (Amestoy, Davis & Duff, SIAM J. Matrix Anal. Appl. 17 (1996) 886, §3) done before AMD instead of inside
///   it: AMD runs on a graph with a quarter of the edges, and the fill is within a few per cent of plain AMD's.
///   A matrix without such groups (scalar problems) gets plain AMD;
/// - on large meshes, when the pattern carries the coordinates of its unknowns, **geometric nested
///   dissection** on the same group graph instead of AMD ([`Ordering`], [`ordering`]): on the P2
///   h_min 0.025 L tip-model mesh (15 129 nodes) L is 10–11 % smaller than with AMD (bench/README.md).
#[derive(Clone, Debug)]
pub enum Symbolic {
    /// The analysis and the number of stored entries of the analysed pattern (checked on factorisation).
    Cholesky {
        symbolic: Arc<SymbolicCholesky<usize>>,
        nnz: usize,
    },
    Lu(SymbolicLu<usize>),
}

/// A permutation as (forward, inverse) index arrays.
type Permutation = (Vec<usize>, Vec<usize>);

/// Fill-reducing ordering for the sparse Cholesky factorisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    /// Approximate minimum degree on the graph of the column groups (see [`Symbolic`]).
    Amd,
    /// Geometric nested dissection on the same graph ([`ordering`]); needs the coordinates of the
    /// unknowns ([`Pattern::with_coordinates`]), falls back to AMD without them.
    NestedDissection,
    /// Nested dissection when the coordinates are known and the matrix has at least
    /// [`NESTED_DISSECTION_MIN_GROUPS`] groups (nodes), AMD otherwise.
    Auto,
}

/// Below this many nodes [`Ordering::Auto`] uses AMD. Measured on the tip-model meshes (bench/README.md):
/// nested dissection gives the smaller factor from about this size on.
pub const NESTED_DISSECTION_MIN_GROUPS: usize = 4000;

/// The graph of the groups of consecutive identical columns of a symmetric pattern (the (u_r, u_z) pair of
/// a node in elasticity): group k holds columns `starts[k] .. starts[k + 1]`; None when every group is a
/// single column.
struct Groups {
    starts: Vec<usize>,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
}

fn column_groups(s: SymbolicSparseColMatRef<'_, usize>) -> Option<Groups> {
    let n = s.ncols();
    let (cp, ri) = (s.col_ptr(), s.row_idx());
    let mut group = vec![0usize; n];
    let mut starts = Vec::with_capacity(n + 1);
    if n > 0 {
        starts.push(0);
    }
    for j in 1..n {
        if ri[cp[j - 1]..cp[j]] != ri[cp[j]..cp[j + 1]] {
            starts.push(j);
        }
        group[j] = starts.len() - 1;
    }
    let g = starts.len();
    if g == n {
        return None;
    }
    starts.push(n);
    // Group graph: column of group k = the groups of the rows of its first column (rows sorted, so the groups
    // come sorted and repeated ones are adjacent).
    let mut gcp = Vec::with_capacity(g + 1);
    gcp.push(0usize);
    let mut gri = Vec::with_capacity(ri.len() / 2);
    for &j in &starts[..g] {
        let mut last = usize::MAX;
        for &i in &ri[cp[j]..cp[j + 1]] {
            if group[i] != last {
                last = group[i];
                gri.push(last);
            }
        }
        gcp.push(gri.len());
    }
    Some(Groups { starts, col_ptr: gcp, row_idx: gri })
}

impl Groups {
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// The column permutation of a group permutation (position → group), groups kept contiguous.
    fn expand(&self, group_order: &[usize]) -> Permutation {
        let n = self.starts[self.len()];
        let mut fwd = Vec::with_capacity(n);
        for &k in group_order {
            fwd.extend(self.starts[k]..self.starts[k + 1]);
        }
        let mut inv = vec![0usize; n];
        for (p, &j) in fwd.iter().enumerate() {
            inv[j] = p;
        }
        (fwd, inv)
    }
}

/// Fill-reducing ordering (forward, inverse) of a symmetric pattern by AMD on the graph of its groups of
/// consecutive identical columns; None when there are no such groups (then faer's own AMD is used).
fn grouped_amd(s: SymbolicSparseColMatRef<'_, usize>) -> Result<Option<Permutation>, SparseError> {
    let Some(groups) = column_groups(s) else {
        return Ok(None);
    };
    let g = groups.len();
    let gs = SymbolicSparseColMat::new_checked(g, g, groups.col_ptr.clone(), None, groups.row_idx.clone());
    let (mut gfwd, mut ginv) = (vec![0usize; g], vec![0usize; g]);
    let mut mem = MemBuffer::try_new(amd::order_scratch::<usize>(g, gs.row_idx().len()))
        .map_err(|e| SparseError::Solver(format!("ordering workspace: {e:?}")))?;
    amd::order(&mut gfwd, &mut ginv, gs.as_ref(), amd::Control::default(), MemStack::new(&mut mem))
        .map_err(|e| SparseError::Solver(format!("AMD ordering: {e:?}")))?;
    Ok(Some(groups.expand(&gfwd)))
}

/// Geometric nested dissection (forward, inverse) of a symmetric pattern whose column j is an unknown at
/// `xy[j]`, on the graph of its column groups (a scalar pattern is its own group graph).
fn grouped_nested_dissection(
    s: SymbolicSparseColMatRef<'_, usize>,
    xy: &[[f64; 2]],
) -> Result<Permutation, SparseError> {
    let groups = column_groups(s).unwrap_or_else(|| Groups {
        starts: (0..=s.ncols()).collect(),
        col_ptr: s.col_ptr().to_vec(),
        row_idx: s.row_idx().to_vec(),
    });
    let group_xy: Vec<[f64; 2]> = groups.starts[..groups.len()].iter().map(|&j| xy[j]).collect();
    let graph = ordering::Graph { col_ptr: &groups.col_ptr, row_idx: &groups.row_idx };
    let order = ordering::nested_dissection(&graph, &group_xy, ordering::DEFAULT_LEAF)?;
    Ok(groups.expand(&order))
}

impl Pattern {
    /// [`Ordering::NestedDissection`]'s permutation (forward, inverse) of this pattern's unknowns, for the
    /// tests of the ordering on real meshes (`sim::fem`). Errors without coordinates.
    #[cfg(test)]
    pub(crate) fn nested_dissection_permutation(&self) -> Result<Permutation, SparseError> {
        let xy = self.coordinates().ok_or_else(|| SparseError::Input("pattern without coordinates".into()))?;
        grouped_nested_dissection(self.symbolic.as_ref(), xy)
    }
}

/// Number of column groups (nodes) of a symmetric pattern.
fn n_groups(s: SymbolicSparseColMatRef<'_, usize>) -> usize {
    let (cp, ri) = (s.col_ptr(), s.row_idx());
    1 + (1..s.ncols()).filter(|&j| ri[cp[j - 1]..cp[j]] != ri[cp[j]..cp[j + 1]]).count()
}

impl Symbolic {
    /// Analysis with AMD (no coordinates known).
    pub fn analyse(a: &CscMatrix, kind: MatrixKind) -> Result<Symbolic, SparseError> {
        Symbolic::analyse_raw(a.0.symbolic(), kind, None, Ordering::Amd)
    }

    /// Analysis with `ordering`, the unknowns of `a` at the coordinates `xy` (one per unknown; used by
    /// nested dissection).
    pub fn analyse_with_coordinates(
        a: &CscMatrix,
        kind: MatrixKind,
        xy: &[[f64; 2]],
        ordering: Ordering,
    ) -> Result<Symbolic, SparseError> {
        if xy.len() != a.dim() {
            return Err(SparseError::Input(format!(
                "{} coordinates: expected {} (one per unknown)",
                xy.len(),
                a.dim()
            )));
        }
        Symbolic::analyse_raw(a.0.symbolic(), kind, Some(xy), ordering)
    }

    /// Analysis of the matrices with pattern `p`, ordered by [`Ordering::Auto`].
    pub fn analyse_pattern(p: &Pattern, kind: MatrixKind) -> Result<Symbolic, SparseError> {
        Symbolic::analyse_pattern_with(p, kind, Ordering::Auto)
    }

    /// As [`Self::analyse_pattern`] with a chosen ordering.
    pub fn analyse_pattern_with(p: &Pattern, kind: MatrixKind, ordering: Ordering) -> Result<Symbolic, SparseError> {
        Symbolic::analyse_raw(p.symbolic.as_ref(), kind, p.coordinates(), ordering)
    }

    /// Stored values of the Cholesky factor L (supernodal: the dense supernode blocks, what the numeric
    /// factorisation and each triangular solve stream through); None for LU.
    pub fn factor_len(&self) -> Option<usize> {
        match self {
            Symbolic::Cholesky { symbolic, .. } => Some(symbolic.len_val()),
            Symbolic::Lu(_) => None,
        }
    }

    fn analyse_raw(
        s: SymbolicSparseColMatRef<'_, usize>,
        kind: MatrixKind,
        xy: Option<&[[f64; 2]]>,
        ordering: Ordering,
    ) -> Result<Symbolic, SparseError> {
        let err = |e: FaerError| SparseError::Solver(format!("symbolic factorisation: {e:?}"));
        match kind {
            MatrixKind::Spd => {
                let params = CholeskySymbolicParams {
                    supernodal_flop_ratio_threshold: SupernodalThreshold::FORCE_SUPERNODAL,
                    ..Default::default()
                };
                let dissect = match (ordering, xy) {
                    (Ordering::NestedDissection, Some(xy)) => Some(xy),
                    (Ordering::Auto, Some(xy)) if n_groups(s) >= NESTED_DISSECTION_MIN_GROUPS => Some(xy),
                    _ => None,
                };
                let perm = match dissect {
                    Some(xy) => Some(grouped_nested_dissection(s, xy)?),
                    None => grouped_amd(s)?,
                };
                let sym = match perm {
                    Some((fwd, inv)) => {
                        let perm = PermRef::new_checked(&fwd, &inv, s.ncols());
                        factorize_symbolic_cholesky(s, Side::Lower, SymmetricOrdering::Custom(perm), params)
                    }
                    None => factorize_symbolic_cholesky(s, Side::Lower, SymmetricOrdering::Amd, params),
                }
                .map_err(err)?;
                Ok(Symbolic::Cholesky { symbolic: Arc::new(sym), nnz: s.compute_nnz() })
            }
            MatrixKind::General => SymbolicLu::try_new(s).map(Symbolic::Lu).map_err(err),
        }
    }

    /// Numeric factorisation of `a` (same pattern as the analysed matrix).
    pub fn factor(&self, a: &CscMatrix) -> Result<Factor, SparseError> {
        self.factor_ref(a.0.as_ref())
    }

    /// Numeric factorisation of the matrix with pattern `p` (the analysed one) and `values`, without copying
    /// the pattern: the per-step refactorisation of a time loop.
    pub fn factor_pattern(&self, p: &Pattern, values: &[f64]) -> Result<Factor, SparseError> {
        self.factor_ref(p.view(values)?)
    }

    /// As [`Self::factor_pattern`], but into an existing factor of this analysis: a Cholesky factor keeps
    /// its buffer for L (no allocation and no fresh pages each time step; on the P2 h_min 0.025 L diffusion
    /// matrix L holds 0.7 M values). Any other `factor` is replaced. On error the factor is poisoned (its L
    /// is NaN, so a solve returns NaN rather than the solution of a half-factored matrix).
    pub fn refactor_pattern(&self, p: &Pattern, values: &[f64], factor: &mut Factor) -> Result<(), SparseError> {
        let a = p.view(values)?;
        let reuse = match (self, &mut *factor) {
            (Symbolic::Cholesky { symbolic, .. }, Factor::Cholesky { symbolic: fs, l })
                if Arc::ptr_eq(symbolic, fs) =>
            {
                Some(std::mem::take(l))
            }
            _ => None,
        };
        match self.factor_into(a, reuse) {
            Ok(f) => {
                *factor = f;
                Ok(())
            }
            Err(e) => {
                if let Factor::Cholesky { symbolic, l } = factor {
                    *l = vec![f64::NAN; symbolic.len_val()];
                }
                Err(e)
            }
        }
    }

    fn factor_ref(&self, a: SparseColMatRef<'_, usize, f64>) -> Result<Factor, SparseError> {
        self.factor_into(a, None)
    }

    /// Numeric factorisation; `buffer` (if given) is reused for the values of L.
    fn factor_into(&self, a: SparseColMatRef<'_, usize, f64>, buffer: Option<Vec<f64>>) -> Result<Factor, SparseError> {
        match self {
            Symbolic::Cholesky { symbolic: s, nnz } => {
                if a.nrows() != s.nrows() || a.ncols() != s.ncols() || a.compute_nnz() != *nnz {
                    return Err(SparseError::Input(format!(
                        "matrix of {} unknowns and {} entries: expected {} and {} (the analysed pattern)",
                        a.nrows(),
                        a.compute_nnz(),
                        s.nrows(),
                        nnz
                    )));
                }
                let par = faer::get_global_parallelism();
                let mut l = buffer.unwrap_or_default();
                l.resize(s.len_val(), 0.0);
                let mut mem = MemBuffer::try_new(s.factorize_numeric_llt_scratch::<f64>(par, Default::default()))
                    .map_err(|e| SparseError::Solver(format!("Cholesky workspace: {e:?}")))?;
                s.factorize_numeric_llt::<f64>(
                    &mut l,
                    a,
                    Side::Lower,
                    Default::default(),
                    par,
                    MemStack::new(&mut mem),
                    Default::default(),
                )
                .map_err(|e| SparseError::Solver(format!("Cholesky (matrix not SPD?): {e:?}")))?;
                Ok(Factor::Cholesky { symbolic: Arc::clone(s), l })
            }
            Symbolic::Lu(s) => Lu::try_new_with_symbolic(s.clone(), a)
                .map(|f| Factor::Lu(Box::new(f)))
                .map_err(|e| SparseError::Solver(format!("LU: {e:?}"))),
        }
    }
}

/// Numeric factorisation.
#[derive(Clone, Debug)]
pub enum Factor {
    /// The symbolic analysis it was computed with and the values of L.
    Cholesky { symbolic: Arc<SymbolicCholesky<usize>>, l: Vec<f64> },
    /// Boxed: the LU factor is much larger than the Cholesky handle.
    Lu(Box<Lu<usize, f64>>),
}

impl Factor {
    /// Analyse and factor in one go.
    pub fn new(a: &CscMatrix, kind: MatrixKind) -> Result<Factor, SparseError> {
        Symbolic::analyse(a, kind)?.factor(a)
    }

    /// x = A⁻¹ b.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let mut x = Mat::<f64>::from_fn(b.len(), 1, |i, _| b[i]);
        match self {
            Factor::Cholesky { symbolic, l } => {
                let par = faer::get_global_parallelism();
                let mut mem = MemBuffer::new(symbolic.solve_in_place_scratch::<f64>(1, par));
                LltRef::<'_, usize, f64>::new(symbolic, l).solve_in_place_with_conj(
                    Conj::No,
                    x.as_mut(),
                    par,
                    MemStack::new(&mut mem),
                );
            }
            Factor::Lu(f) => f.solve_in_place(x.as_mut()),
        }
        (0..b.len()).map(|i| x[(i, 0)]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_sum_and_both_solvers_agree() {
        // A = [[4, 1], [1, 3]] assembled with a split diagonal entry.
        let mut t = Triplets::new(2);
        t.add(0, 0, 3.0);
        t.add(0, 0, 1.0);
        t.add(0, 1, 1.0);
        t.add(1, 0, 1.0);
        t.add(1, 1, 3.0);
        let a = t.to_csc().unwrap();
        for kind in [MatrixKind::Spd, MatrixKind::General] {
            let x = Factor::new(&a, kind).unwrap().solve(&[1.0, 2.0]);
            // Exact: det 11, x = (3·1 − 1·2, 4·2 − 1·1)/11.
            assert!((x[0] - 1.0 / 11.0).abs() < 1e-14 && (x[1] - 7.0 / 11.0).abs() < 1e-14);
        }
        assert_eq!(a.mul_vec(&[1.0, 1.0]), vec![5.0, 4.0]);
    }

    #[test]
    fn expanded_blocks_equal_the_pattern_of_the_expanded_unknowns() {
        // Three overlapping "elements" of three nodes on 5 nodes (irregular, unsorted within elements): the
        // block expansion must give exactly the pattern and slots built from the expanded unknown lists.
        let dofs = [0usize, 3, 1, 3, 2, 1, 4, 0, 2];
        let p = Pattern::from_element_dofs(5, 3, &dofs).unwrap();
        for b in 1..=3 {
            let expanded: Vec<usize> = dofs.iter().flat_map(|&i| (0..b).map(move |s| b * i + s)).collect();
            let direct = Pattern::from_element_dofs(5 * b, 3 * b, &expanded).unwrap();
            let blocks = p.expand_blocks(b).unwrap();
            assert_eq!(blocks.col_ptr(), direct.col_ptr(), "b = {b}");
            assert_eq!(blocks.row_idx(), direct.row_idx(), "b = {b}");
            assert_eq!(blocks.dofs_per_element(), 3 * b);
            for e in 0..3 {
                assert_eq!(blocks.element_slots(e), direct.element_slots(e), "b = {b}, element {e}");
            }
        }
        assert!(p.expand_blocks(0).is_err());
    }

    #[test]
    fn grouped_ordering_keeps_node_pairs_together_and_solves() {
        // Two unknowns per node on a path of 4 nodes (elements [0, 1], [1, 2], [2, 3]): the columns 2i, 2i + 1
        // are identical, so the ordering is AMD on the 4-node path expanded pair by pair; the factorisation
        // of the assembled block-tridiagonal A then solves A x = A·1.
        let p = Pattern::from_element_dofs(4, 2, &[0, 1, 1, 2, 2, 3]).unwrap().expand_blocks(2).unwrap();
        let (fwd, inv) = grouped_amd(p.symbolic.as_ref()).unwrap().expect("pairs of identical columns");
        let mut sorted = fwd.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..8).collect::<Vec<_>>());
        for (k, pair) in fwd.chunks_exact(2).enumerate() {
            assert!(pair[0] % 2 == 0 && pair[1] == pair[0] + 1, "pair {k}: {pair:?}");
        }
        assert!(fwd.iter().enumerate().all(|(q, &j)| inv[j] == q));
        // Scalar pattern: no groups, plain AMD.
        assert!(
            grouped_amd(Pattern::from_element_dofs(3, 2, &[0, 1, 1, 2]).unwrap().symbolic.as_ref()).unwrap().is_none()
        );
        let mut v = p.zeros();
        let local = [[2.0, 0.5, -1.0, 0.0], [0.5, 2.0, 0.0, -1.0], [-1.0, 0.0, 2.0, 0.5], [0.0, -1.0, 0.5, 2.0]];
        for e in 0..3 {
            for (slot, x) in p.element_slots(e).iter().zip(local.iter().flatten()) {
                v[*slot] += x;
            }
        }
        // Each element matrix [[B, −I], [−I, B]], B = [[2, ½], [½, 2]], has eigenvalues ½, 3/2, 5/2, 7/2 (SPD),
        // so A is SPD; b = A·1 by the pattern mat-vec, and the solve must return 1 to rounding.
        let b = p.mul_vec(&v, &[1.0; 8]).unwrap();
        let x = Symbolic::analyse_pattern(&p, MatrixKind::Spd).unwrap().factor_pattern(&p, &v).unwrap().solve(&b);
        assert!(x.iter().all(|xi| (xi - 1.0).abs() < 1e-14), "{x:?}");
    }

    #[test]
    fn pattern_slots_and_symbolic_reuse() {
        // Two "elements" sharing unknown 1: [0, 1] and [1, 2] → tridiagonal 3 × 3, 7 entries.
        let p = Pattern::from_element_dofs(3, 2, &[0, 1, 1, 2]).unwrap();
        assert_eq!((p.dim(), p.nnz(), p.n_elements()), (3, 7, 2));
        assert_eq!(p.col_ptr(), &[0, 2, 5, 7]);
        assert_eq!(p.row_idx(), &[0, 1, 0, 1, 2, 1, 2]);
        // Element matrix [[2, −1], [−1, 2]] scattered twice: A = [[2, −1, 0], [−1, 4, −1], [0, −1, 2]].
        let mut v = p.zeros();
        for e in 0..2 {
            for (s, x) in p.element_slots(e).iter().zip([2.0, -1.0, -1.0, 2.0]) {
                v[*s] += x;
            }
        }
        assert_eq!(v, vec![2.0, -1.0, -1.0, 4.0, -1.0, -1.0, 2.0]);
        let sym = Symbolic::analyse_pattern(&p, MatrixKind::Spd).unwrap();
        // A (1, 1, 1)ᵀ = (1, 2, 1)ᵀ, exactly representable; the same symbolic factors 2A (solution halves).
        let x = sym.factor_pattern(&p, &v).unwrap().solve(&[1.0, 2.0, 1.0]);
        assert!(x.iter().all(|xi| (xi - 1.0).abs() < 1e-14), "{x:?}");
        let v2: Vec<f64> = v.iter().map(|a| 2.0 * a).collect();
        let x2 = sym.factor_pattern(&p, &v2).unwrap().solve(&[1.0, 2.0, 1.0]);
        assert!(x2.iter().all(|xi| (xi - 0.5).abs() < 1e-14), "{x2:?}");
        assert_eq!(p.mul_vec(&v, &[1.0, 1.0, 1.0]).unwrap(), vec![1.0, 2.0, 1.0]);
        // Refactoring into a kept factor (its buffer reused) gives the same solutions; a matrix that is not
        // SPD is an error and poisons the factor (NaN solutions, no panic); a wrong value array is an error
        // that leaves the factor intact.
        let mut f = sym.factor_pattern(&p, &v2).unwrap();
        sym.refactor_pattern(&p, &v, &mut f).unwrap();
        assert!(f.solve(&[1.0, 2.0, 1.0]).iter().all(|xi| (xi - 1.0).abs() < 1e-14));
        assert!(sym.refactor_pattern(&p, &v[..6], &mut f).is_err());
        assert!(f.solve(&[1.0, 2.0, 1.0]).iter().all(|xi| (xi - 1.0).abs() < 1e-14));
        let neg: Vec<f64> = v.iter().map(|a| -a).collect();
        assert!(sym.refactor_pattern(&p, &neg, &mut f).is_err());
        assert!(f.solve(&[1.0, 2.0, 1.0]).iter().all(|xi| xi.is_nan()));
        sym.refactor_pattern(&p, &v2, &mut f).unwrap();
        assert!(f.solve(&[1.0, 2.0, 1.0]).iter().all(|xi| (xi - 0.5).abs() < 1e-14));
        // Wrong inputs are errors, not panics.
        assert!(Pattern::from_element_dofs(3, 2, &[0, 3]).is_err());
        assert!(Pattern::from_element_dofs(3, 2, &[0, 1, 2]).is_err());
        assert!(sym.factor_pattern(&p, &v[..6]).is_err());
        assert!(CscMatrix::from_csc(2, vec![0, 1, 2], vec![1, 1], vec![1.0, 1.0]).is_ok());
        assert!(CscMatrix::from_csc(2, vec![0, 2, 2], vec![1, 0], vec![1.0, 1.0]).is_err());
    }
}
