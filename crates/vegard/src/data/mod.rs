//! The data model: one vocabulary for readers, analyses and simulations.
//!
//! A force measurement is a [`ForceCurve`]: an ordered list of [`Segment`]s (approach,
//! pause, retract, ...) each holding equally long [`Channel`] columns with named units,
//! plus its [`Calibration`] (spring constant, deflection sensitivity), an optional grid
//! position in a map and a [`Metadata`] table. Force volumes are read one curve at a time
//! (the readers' `io::CurveSource`) or a block at a time into a column-wise [`CurveMap`], so
//! a 512×512 map never needs to be held in memory whole.

mod curve;
mod curvemap;
pub mod esm;
mod image;
mod metadata;
pub(crate) mod nan_json;

pub use curve::{Calibration, Channel, ChannelKind, ForceCurve, GridIndex, Segment, SegmentKind};
pub use curvemap::{CurveMap, GridShape};
pub use image::Image;
pub use metadata::{MetaValue, Metadata};
