//! Closed-form references used to verify the simulations: each function is a pure formula
//! with its source and equation number in the doc comment, and each is itself tested
//! (limits, symmetry, series convergence, quadrature cross-checks).
//!
//! Conventions (shared with [`crate::sim::film1d`] and [`crate::sim::sphere1d`]): SI units;
//! the concentration `c` is dimensionless (ĉ / c_max, Eshghinejad et al. 2017, Eq. 2), so the Vegard strain
//! is ε* = (Ω/3) c_max c I (Eshghinejad et al. 2017, Eq. 4) and Ω is the partial molar volume in m³/mol.

pub mod constants;
pub mod film;
pub mod halfspace;
pub mod relaxation;
pub mod special;
pub mod sphere;
pub mod sphere_tip;

pub use constants::{EPSILON_0, FARADAY, GAS_CONSTANT};
