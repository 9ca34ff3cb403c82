//! Math with no physics.

pub mod gmres;
pub mod lm;
pub mod stats;
