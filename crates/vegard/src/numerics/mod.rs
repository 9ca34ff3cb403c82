//! Math with no physics.

pub mod gmres;
pub mod lm;
pub(crate) mod numpy_compat;
pub mod sparse;
pub mod stats;
