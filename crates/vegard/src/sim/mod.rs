//! Simulation: the virtual instrument. Finite elements (axisymmetric, r-weighted), closed-form
//! references used to verify them, 1-D reduced models, and the ESM forward model of Eshghinejad et al. 2017
//! (coupled electrostatics, ion diffusion and Vegard strain under a biased tip).

pub mod analytic;
pub mod esm;
pub mod fem;
pub mod film1d;
pub mod sphere1d;
