//! The ESM forward model of seed 000: parameters and presets, waveforms, the virtual
//! experiments, and the analysis of ESM loops, relaxation and frequency curves (shared by
//! simulated and measured data, see `data::esm`).

pub mod loops;
pub mod params;
pub mod waveform;
