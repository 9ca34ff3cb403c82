//! # vegard — electro-chemo-mechanics of battery materials probed by SPM
//!
//! A map of the library. Dependencies point one way: `numerics` and `units` stand alone;
//! `data` uses only them and `provenance`; `io` uses `data`; `nanomech`, `esm` and `sim` use
//! `data` + `numerics` (the nanomech batch driver reads an `io::CurveSource`, the simulated
//! experiments analyse with `esm`); `render` uses `data` (+ `io` to write files); the CLI
//! uses all.
//!
//! - [`data`]: the one vocabulary every reader, analysis and simulation speaks —
//!   [`data::ForceCurve`] with its [`data::Segment`]s and [`data::Channel`]s (units named),
//!   [`data::Calibration`], [`data::Metadata`], column-wise [`data::CurveMap`] force volumes,
//!   [`data::Image`] 2-D maps.
//! - [`io`]: one module per instrument format, each a *recipe* (key, extensions, magic-byte
//!   detection, loader) in [`io::registry`]; [`io::open`] picks the right one. Force curves
//!   stream through the [`io::CurveSource`] trait. The formats vegard writes (`.vgc`,
//!   NSID/HDF5, Gwyddion `.gsf` in [`io::gsf`]) and [`io::write_atomic`] live here too.
//! - [`numerics`]: math with no physics (bounded Levenberg–Marquardt, statistics).
//! - [`nanomech`]: force-curve preprocessing, contact-point estimation, contact models
//!   (one file each under `nanomech/models/`), fitting and the PeakForce-QNM channels.
//! - [`esm`]: ESM loop, relaxation and frequency-response analysis (measured or simulated).
//! - [`sim`]: finite elements, closed-form references and the ESM forward model.
//! - [`render`]: colour maps, map and curve PNGs, histograms, HTML reports.
//! - [`provenance`]: the reproducibility record attached to every product.
//!
//! Units: SI inside, always. Names carry units where they cross a boundary
//! (`modulus_pa`, `tip_radius_m`).

pub mod data;
pub mod esm;
pub mod io;
pub mod nanomech;
pub mod numerics;
pub mod provenance;
pub mod render;
pub mod sim;
pub mod units;

/// The version recorded in every provenance block.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
