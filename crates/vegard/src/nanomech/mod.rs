//! Force-curve nanomechanics: preprocessing, contact point, contact models, fitting and the
//! PeakForce-QNM channels (Russell et al. 2025, §3.1 and §4.1; Wolff & Hausen 2023).

pub mod analysis;
pub mod channels;
pub mod contact_point;
pub mod fit;
pub mod models;
pub mod preprocess;
pub mod synthetic;
