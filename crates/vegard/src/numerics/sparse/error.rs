//! The error of the sparse assembly, ordering and factorisation.

/// What can go wrong assembling, ordering or factorising a sparse matrix. (`sim::fem` reports it as the
/// `FemError` variant of the same name, with the same message.)
#[derive(Debug, thiserror::Error)]
pub enum SparseError {
    /// An input is out of range (names it and what was expected).
    #[error("invalid input: {0}")]
    Input(String),
    /// The factorisation or solve failed (e.g. a matrix that should be SPD is not).
    #[error("linear solver: {0}")]
    Solver(String),
}
