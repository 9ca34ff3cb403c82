//! The only file that talks to faer (0.24): triplet assembly → CSC, sparse Cholesky (SPD) / LU (general),
//! with the symbolic analysis kept so a matrix with the same pattern (e.g. each time step) refactors cheaply.

use super::FemError;
use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::{Llt, Lu, SymbolicLlt, SymbolicLu};
use faer::sparse::{SparseColMat, Triplet};
use faer::{Mat, Side};

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
    pub fn to_csc(&self) -> Result<CscMatrix, FemError> {
        let t: Vec<Triplet<usize, usize, f64>> = self.entries.iter().map(|&(i, j, v)| Triplet::new(i, j, v)).collect();
        SparseColMat::try_new_from_triplets(self.n, self.n, &t)
            .map(CscMatrix)
            .map_err(|e| FemError::Solver(format!("building CSC matrix: {e:?}")))
    }
}

/// Square sparse matrix (CSC).
#[derive(Clone, Debug)]
pub struct CscMatrix(SparseColMat<usize, f64>);

impl CscMatrix {
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
}

/// Whether the matrix is symmetric positive definite (Cholesky) or general (LU with partial pivoting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixKind {
    Spd,
    General,
}

/// Symbolic analysis (fill-reducing ordering, elimination tree) reusable for any matrix with the same pattern.
#[derive(Clone, Debug)]
pub enum Symbolic {
    Cholesky(SymbolicLlt<usize>),
    Lu(SymbolicLu<usize>),
}

impl Symbolic {
    pub fn analyse(a: &CscMatrix, kind: MatrixKind) -> Result<Symbolic, FemError> {
        let s = a.0.symbolic();
        match kind {
            MatrixKind::Spd => SymbolicLlt::try_new(s, Side::Lower).map(Symbolic::Cholesky),
            MatrixKind::General => SymbolicLu::try_new(s).map(Symbolic::Lu),
        }
        .map_err(|e| FemError::Solver(format!("symbolic factorisation: {e:?}")))
    }

    /// Numeric factorisation of `a` (same pattern as the analysed matrix).
    pub fn factor(&self, a: &CscMatrix) -> Result<Factor, FemError> {
        match self {
            Symbolic::Cholesky(s) => Llt::try_new_with_symbolic(s.clone(), a.0.as_ref(), Side::Lower)
                .map(Factor::Cholesky)
                .map_err(|e| FemError::Solver(format!("Cholesky (matrix not SPD?): {e:?}"))),
            Symbolic::Lu(s) => Lu::try_new_with_symbolic(s.clone(), a.0.as_ref())
                .map(|f| Factor::Lu(Box::new(f)))
                .map_err(|e| FemError::Solver(format!("LU: {e:?}"))),
        }
    }
}

/// Numeric factorisation.
#[derive(Clone, Debug)]
pub enum Factor {
    Cholesky(Llt<usize, f64>),
    /// Boxed: the LU factor is much larger than the Cholesky handle.
    Lu(Box<Lu<usize, f64>>),
}

impl Factor {
    /// Analyse and factor in one go.
    pub fn new(a: &CscMatrix, kind: MatrixKind) -> Result<Factor, FemError> {
        Symbolic::analyse(a, kind)?.factor(a)
    }

    /// x = A⁻¹ b.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let mut x = Mat::<f64>::from_fn(b.len(), 1, |i, _| b[i]);
        match self {
            Factor::Cholesky(f) => f.solve_in_place(x.as_mut()),
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
}
