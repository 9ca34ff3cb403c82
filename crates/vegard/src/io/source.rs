//! Reading force volumes curve by curve: the streaming [`CurveSource`] trait every curve reader
//! implements, the [`SourceInfo`] it describes itself with, the in-memory [`CurveList`] and
//! [`read_block`], which pulls a range of curves into a column-wise [`CurveMap`].
//!
//! A 512×512 map of 2×1000-point curves is ~4 GB per channel in f64: it is never read
//! whole. Analyses pull curves from a [`CurveSource`] in blocks, process them in parallel and
//! drop them.

use serde::{Deserialize, Serialize};

use super::error::IoError;
use crate::data::{Calibration, ChannelKind, CurveMap, ForceCurve, GridShape, Metadata};

/// What a source holds, for `vegard info` and provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Format recipe key, e.g. `jpk-force`.
    pub format: String,
    pub n_curves: usize,
    pub grid: Option<GridShape>,
    /// Channel kinds with units, as found in the first curve.
    pub channels: Vec<(ChannelKind, String)>,
    /// Segment names of the first curve.
    pub segments: Vec<String>,
    /// Calibration of the first curve (per-curve values may differ).
    pub calibration: Calibration,
    pub metadata: Metadata,
}

/// Anything force curves can be read from, one at a time, from any thread.
///
/// Implementations must be cheap to call concurrently (each call opens or seeks its own
/// view of the file) and must never allocate more than one curve's worth of memory per
/// call, whatever the header claims.
pub trait CurveSource: Send + Sync {
    /// Description of the whole source.
    fn info(&self) -> SourceInfo;
    /// Number of curves.
    fn n_curves(&self) -> usize;
    /// Read curve `index` (0-based, enumeration order of the file).
    fn curve(&self, index: usize) -> Result<ForceCurve, IoError>;
}

/// Read `range` of curves from a source into a block. Curves that fail to read are
/// returned separately with their error (a bad curve is a flagged pixel, not a failed
/// batch).
pub fn read_block(
    source: &dyn CurveSource,
    range: std::ops::Range<usize>,
    channels: Vec<(ChannelKind, String, String)>,
) -> (CurveMap, Vec<(usize, IoError)>) {
    let mut map = CurveMap::with_channels(channels);
    let mut errors = Vec::new();
    for i in range {
        match source.curve(i) {
            Ok(c) => map.push(&c),
            Err(e) => errors.push((i, e)),
        }
    }
    (map, errors)
}

/// An in-memory list of curves is a source too (single files, text curves, tests).
pub struct CurveList {
    pub info: SourceInfo,
    pub curves: Vec<ForceCurve>,
}

impl CurveList {
    /// Wrap curves, describing them from the first one.
    pub fn new(format: &str, curves: Vec<ForceCurve>, grid: Option<GridShape>, metadata: Metadata) -> Self {
        let info = SourceInfo {
            format: format.to_string(),
            n_curves: curves.len(),
            grid,
            channels: curves
                .first()
                .and_then(|c| c.segments.first())
                .map(|s| s.channels.iter().map(|c| (c.kind.clone(), c.unit.clone())).collect())
                .unwrap_or_default(),
            segments: curves.first().map(|c| c.segments.iter().map(|s| s.name.clone()).collect()).unwrap_or_default(),
            calibration: curves.first().map(|c| c.calibration).unwrap_or_default(),
            metadata,
        };
        CurveList { info, curves }
    }
}

impl CurveSource for CurveList {
    fn info(&self) -> SourceInfo {
        self.info.clone()
    }

    fn n_curves(&self) -> usize {
        self.curves.len()
    }

    fn curve(&self, index: usize) -> Result<ForceCurve, IoError> {
        self.curves.get(index).cloned().ok_or_else(|| {
            IoError::new(&self.info.format, format!("curve {index} requested, the source holds {}", self.curves.len()))
        })
    }
}
