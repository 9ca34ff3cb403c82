//! Solving an assembled system K u = f with Dirichlet values, by elimination: the fixed unknowns are removed
//! and their known values moved to the right-hand side (f_free −= K_free,fixed g), which keeps an SPD K SPD.

use super::FemError;
use crate::numerics::sparse::{CscMatrix, Factor, MatrixKind, Ordering, Pattern, Symbolic, Triplets};

/// Where an entry of a [`Pattern`] value array goes in the eliminated system.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// Index into the reduced matrix's values.
    Reduced(usize),
    /// Index into `coupling`.
    Coupling(usize),
    /// Row of a fixed unknown: not needed.
    Dropped,
}

/// A linear system with some unknowns prescribed; build once, then [`Constrained::solve`] for many loads.
pub struct Constrained {
    n: usize,
    /// Free index of each unknown, or None if fixed.
    free_index: Vec<Option<usize>>,
    fixed_values: Vec<f64>,
    /// The K_free,fixed coupling entries (free row, fixed column, value).
    coupling: Vec<(usize, usize, f64)>,
    reduced: CscMatrix,
    symbolic: Symbolic,
    factor: Factor,
    kind: MatrixKind,
    /// For systems built by [`Constrained::from_pattern`]: the destination of each pattern value, so
    /// [`Constrained::refactor_values`] re-fills the reduced matrix without any sorting.
    slots: Vec<Slot>,
}

/// Free index of each unknown (None if fixed), prescribed values and the number of free unknowns.
type Split = (Vec<Option<usize>>, Vec<f64>, usize);

fn split_fixed(n: usize, fixed: &[(usize, f64)]) -> Result<Split, FemError> {
    let mut is_fixed = vec![false; n];
    let mut fixed_values = vec![0.0; n];
    for &(i, g) in fixed {
        if i >= n || !g.is_finite() {
            return Err(FemError::Input(format!("Dirichlet value for unknown {i} of {n}: expected finite, got {g}")));
        }
        is_fixed[i] = true;
        fixed_values[i] = g;
    }
    let mut free_index = vec![None; n];
    let mut m = 0;
    for i in 0..n {
        if !is_fixed[i] {
            free_index[i] = Some(m);
            m += 1;
        }
    }
    if m == 0 {
        return Err(FemError::Input("every unknown is prescribed: nothing to solve".into()));
    }
    Ok((free_index, fixed_values, m))
}

impl Constrained {
    /// `fixed`: (unknown, value) pairs; a repeated unknown keeps its last value.
    pub fn new(k: &Triplets, fixed: &[(usize, f64)], kind: MatrixKind) -> Result<Constrained, FemError> {
        let n = k.dim();
        let (free_index, fixed_values, m) = split_fixed(n, fixed)?;
        let mut reduced = Triplets::with_capacity(m, k.entries().len());
        let mut coupling = Vec::new();
        for &(i, j, v) in k.entries() {
            match (free_index[i], free_index[j]) {
                (Some(a), Some(b)) => reduced.add(a, b, v),
                (Some(a), None) => coupling.push((a, j, v)),
                _ => {}
            }
        }
        let reduced = reduced.to_csc()?;
        let symbolic = Symbolic::analyse(&reduced, kind)?;
        let factor = symbolic.factor(&reduced)?;
        Ok(Constrained { n, free_index, fixed_values, coupling, reduced, symbolic, factor, kind, slots: Vec::new() })
    }

    /// As [`Self::new`] for the matrix with `pattern` and `values` (e.g. from `scalar::stiffness_into`): the
    /// reduced matrix is read off the CSC columns directly (removing fixed rows and columns keeps them
    /// sorted), and [`Self::refactor_values`] can later refill it and refactor with the kept symbolic analysis.
    /// A Cholesky factorisation is ordered by [`Ordering::Auto`] (nested dissection on large meshes when the
    /// pattern carries coordinates).
    pub fn from_pattern(
        pattern: &Pattern,
        values: &[f64],
        fixed: &[(usize, f64)],
        kind: MatrixKind,
    ) -> Result<Constrained, FemError> {
        Constrained::from_pattern_with(pattern, values, fixed, kind, Ordering::Auto)
    }

    /// As [`Self::from_pattern`] with a chosen fill-reducing ordering.
    pub fn from_pattern_with(
        pattern: &Pattern,
        values: &[f64],
        fixed: &[(usize, f64)],
        kind: MatrixKind,
        ordering: Ordering,
    ) -> Result<Constrained, FemError> {
        let n = pattern.dim();
        if values.len() != pattern.nnz() {
            return Err(FemError::Input(format!(
                "value array of length {}: expected {} (the pattern's entries)",
                values.len(),
                pattern.nnz()
            )));
        }
        let (free_index, fixed_values, m) = split_fixed(n, fixed)?;
        let (cp, ri) = (pattern.col_ptr(), pattern.row_idx());
        let mut col_ptr = Vec::with_capacity(m + 1);
        col_ptr.push(0);
        let mut row_idx = Vec::with_capacity(values.len());
        let mut red_vals = Vec::with_capacity(values.len());
        let mut coupling = Vec::new();
        let mut slots = Vec::with_capacity(values.len());
        for j in 0..n {
            for p in cp[j]..cp[j + 1] {
                let i = ri[p];
                slots.push(match (free_index[i], free_index[j]) {
                    (Some(a), Some(_)) => {
                        row_idx.push(a);
                        red_vals.push(values[p]);
                        Slot::Reduced(red_vals.len() - 1)
                    }
                    (Some(a), None) => {
                        coupling.push((a, j, values[p]));
                        Slot::Coupling(coupling.len() - 1)
                    }
                    _ => Slot::Dropped,
                });
            }
            if free_index[j].is_some() {
                col_ptr.push(row_idx.len());
            }
        }
        let reduced = CscMatrix::from_csc(m, col_ptr, row_idx, red_vals)?;
        let symbolic = match pattern.coordinates() {
            Some(xy) => {
                let free_xy: Vec<[f64; 2]> =
                    xy.iter().zip(&free_index).filter(|(_, f)| f.is_some()).map(|(p, _)| *p).collect();
                Symbolic::analyse_with_coordinates(&reduced, kind, &free_xy, ordering)?
            }
            None => Symbolic::analyse(&reduced, kind)?,
        };
        let factor = symbolic.factor(&reduced)?;
        Ok(Constrained { n, free_index, fixed_values, coupling, reduced, symbolic, factor, kind, slots })
    }

    /// New matrix values on the pattern given to [`Self::from_pattern`] (same fixed set): refill the reduced
    /// matrix and the coupling by the stored slots and refactor numerically with the kept symbolic analysis.
    pub fn refactor_values(&mut self, values: &[f64]) -> Result<(), FemError> {
        if self.slots.is_empty() || values.len() != self.slots.len() {
            return Err(FemError::Input(format!(
                "value array of length {}: expected {} (a system built by Constrained::from_pattern)",
                values.len(),
                self.slots.len()
            )));
        }
        let red = self.reduced.values_mut();
        for (slot, &v) in self.slots.iter().zip(values) {
            match *slot {
                Slot::Reduced(k) => red[k] = v,
                Slot::Coupling(c) => self.coupling[c].2 = v,
                Slot::Dropped => {}
            }
        }
        self.factor = self.symbolic.factor(&self.reduced)?;
        Ok(())
    }

    /// Stored values of the Cholesky factor (None for LU), see [`Symbolic::factor_len`].
    pub fn factor_len(&self) -> Option<usize> {
        self.symbolic.factor_len()
    }

    /// Number of free unknowns.
    pub fn n_free(&self) -> usize {
        self.reduced.dim()
    }

    /// Full solution vector (fixed entries = their prescribed values) for the load `f` (length n).
    pub fn solve(&self, f: &[f64]) -> Result<Vec<f64>, FemError> {
        self.solve_with_values(f, &self.fixed_values)
    }

    /// As [`Self::solve`] but with new prescribed values `g` (length n, read only at the fixed unknowns).
    pub fn solve_with_values(&self, f: &[f64], g: &[f64]) -> Result<Vec<f64>, FemError> {
        if f.len() != self.n || g.len() != self.n {
            return Err(FemError::Input(format!(
                "load / values of length {} / {}: expected {}",
                f.len(),
                g.len(),
                self.n
            )));
        }
        let mut b = vec![0.0; self.n_free()];
        for (i, fi) in f.iter().enumerate() {
            if let Some(a) = self.free_index[i] {
                b[a] = *fi;
            }
        }
        for &(a, j, v) in &self.coupling {
            b[a] -= v * g[j];
        }
        let x = self.factor.solve(&b);
        Ok((0..self.n).map(|i| self.free_index[i].map_or(g[i], |a| x[a])).collect())
    }

    /// Refactor after the matrix values changed but not the fixed set (e.g. a new time step); the symbolic
    /// analysis is reused when the pattern is unchanged (same number of stored entries).
    pub fn refactor(&mut self, k: &Triplets) -> Result<(), FemError> {
        let mut reduced = Triplets::with_capacity(self.n_free(), k.entries().len());
        self.coupling.clear();
        for &(i, j, v) in k.entries() {
            match (self.free_index[i], self.free_index[j]) {
                (Some(a), Some(b)) => reduced.add(a, b, v),
                (Some(a), None) => self.coupling.push((a, j, v)),
                _ => {}
            }
        }
        let reduced = reduced.to_csc()?;
        if reduced.nnz() != self.reduced.nnz() {
            // The pattern changed after all: redo the symbolic analysis rather than misuse the old one.
            self.symbolic = Symbolic::analyse(&reduced, self.kind)?;
        }
        self.reduced = reduced;
        // The triplet-built reduced matrix no longer matches any pattern slots.
        self.slots.clear();
        self.factor = self.symbolic.factor(&self.reduced)?;
        Ok(())
    }
}

/// One-shot: solve K u = f with `fixed` Dirichlet values.
pub fn solve_dirichlet(
    k: &Triplets,
    f: &[f64],
    fixed: &[(usize, f64)],
    kind: MatrixKind,
) -> Result<Vec<f64>, FemError> {
    Constrained::new(k, fixed, kind)?.solve(f)
}
