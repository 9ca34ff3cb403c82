//! Math with no physics.

pub mod lm;
pub mod stats;
