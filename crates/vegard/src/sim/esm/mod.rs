//! The ESM forward model of seed 000: parameters and presets, waveforms, and the virtual
//! experiments.

pub mod params;
pub mod waveform;
