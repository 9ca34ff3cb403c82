//! The ESM forward model of Eshghinejad et al. 2017: parameters and presets, waveforms, the
//! coupled tip model, its virtual experiments and amplitude maps. Their results are `data::esm` types, analysed by [`crate::esm`]
//! exactly like measured data.

pub mod experiments;
pub mod mapping;
pub mod params;
pub mod tip_model;
pub mod waveform;
