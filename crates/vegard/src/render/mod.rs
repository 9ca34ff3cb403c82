//! Pictures: colour maps, map PNGs with colour bar and scale bar, force–distance plots,
//! histograms and the self-contained HTML report. (Maps as Gwyddion `.gsf` files are a file
//! format: [`crate::io::gsf`].)
//!
//! Conventions shared by every picture:
//! - values arrive in SI units and are shown with a fitting SI prefix ([`units`]): a modulus
//!   map in Pa gets a colour bar labelled "DMT modulus (MPa)", a curve in m/N gets nm/nN axes;
//! - invalid (masked or non-finite) map pixels are drawn **white** ([`colormap::INVALID_RGB`]);
//! - text uses the DejaVu Sans fonts compiled into the binary and PNGs are encoded without
//!   time stamps, so the same input gives byte-identical files on every machine;
//! - output files are written with [`crate::io::write_atomic`] (no half-written file is ever
//!   visible).

mod axes;
mod canvas;
pub mod colormap;
mod colormap_tables;
pub mod curve_plot;
pub mod histogram;
pub mod map_png;
pub mod report;
pub mod units;

pub use colormap::Colormap;
pub use curve_plot::{CurvePlot, Marker, Series, SeriesStyle, curve_plot};
pub use histogram::{Bins, HistogramPlot, histogram_bins, histogram_of_image, histogram_png};
pub use map_png::{ColorLimits, MapLayout, MapStyle, ScaleBar, color_limits, map_layout, map_png};
pub use report::Report;

/// A picture could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// The input cannot be drawn as asked (inconsistent sizes, bad limits, too many bins).
    #[error("cannot draw: {0}")]
    Invalid(String),
    /// Nothing finite to draw.
    #[error("nothing to draw: {0}")]
    Empty(String),
    /// The embedded font failed.
    #[error("font: {0}")]
    Font(String),
    /// The drawing library failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}
