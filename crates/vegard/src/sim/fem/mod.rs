//! Axisymmetric finite elements on (r, z) triangles: the foundation of the ESM forward model (issue 3).
//!
//! Every weak form is written per radian: ∫ … r dr dz, i.e. the 3-D integral ∫ … 2π r dr dz divided by 2π.
//! The factor cancels as long as stiffness, mass and loads all use it (they do here); a caller converting a
//! load to a total force (N) or a flux to a total current multiplies by 2π.
//!
//! - [`mesh`]: graded tensor-product triangulation of the cylinder r ∈ [0, R], z ∈ [−H, 0], P1 or P2, with
//!   boundary tags (axis, top, bottom, side) and nested refinement for convergence studies.
//! - [`quadrature`], [`element`]: triangle / edge rules, shape functions and their (r, z) gradients.
//! - [`scalar`]: Laplace / Poisson / diffusion matrices (K, M), loads, Neumann edges, L2 errors.
//! - [`elasticity`]: axisymmetric isotropic elasticity with an isotropic eigenstrain (Vegard) load, tractions,
//!   supports, nodal stress recovery and the surface displacement.
//! - [`system`]: Dirichlet conditions by elimination, on top of [`crate::numerics::sparse`] (the only module
//!   that touches faer, with [`crate::numerics::sparse::ordering`]: geometric nested dissection, a
//!   fill-reducing ordering for large meshes).

pub mod elasticity;
pub mod element;
pub mod mesh;
pub mod quadrature;
pub mod scalar;
pub mod system;

#[cfg(test)]
mod sparse_on_meshes;

pub use mesh::{Boundary, CylinderSpec, Mesh, Order};

use crate::numerics::sparse::SparseError;

/// What can go wrong building or solving a finite-element problem.
#[derive(Debug, thiserror::Error)]
pub enum FemError {
    /// A mesh or problem parameter is out of range (names the parameter and what was expected).
    #[error("invalid input: {0}")]
    Input(String),
    /// The sparse factorisation or solve failed (e.g. a matrix that should be SPD is not).
    #[error("linear solver: {0}")]
    Solver(String),
}

impl From<SparseError> for FemError {
    /// The variant of the same name (same message).
    fn from(e: SparseError) -> Self {
        match e {
            SparseError::Input(m) => FemError::Input(m),
            SparseError::Solver(m) => FemError::Solver(m),
        }
    }
}
