//! What a run writes, defined once for the command line and the Python package: the output
//! folder (checked first, one run at a time, a manifest of what was written), tables, JSON
//! records with provenance, maps, curve figures and HTML reports.

pub mod curve_figure;
pub mod demo;
pub mod esm;
pub mod nanomech;
pub mod output;
pub mod synth;

pub use curve_figure::{PlotAxis, PlotCurves};
pub use output::{Manifest, OutputDir, OutputError};
