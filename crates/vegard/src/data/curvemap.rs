//! Force volumes: streaming access ([`CurveSource`]) and a column-wise block store
//! ([`CurveMap`]).
//!
//! A 512×512 map of 2×1000-point curves is ~4 GB per channel in f64: it is never read
//! whole. Analyses pull curves from a [`CurveSource`] in blocks (see
//! [`CurveMap::read_block`]), process them in parallel and drop them.

use serde::{Deserialize, Serialize};

use super::{Calibration, Channel, ChannelKind, ForceCurve, GridIndex, Metadata, Segment, SegmentKind};
use crate::io::IoError;

/// Size of the measurement grid (columns × rows) and its physical extent, if known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridShape {
    pub nx: usize,
    pub ny: usize,
    /// Scan size in x and y, m.
    pub size_m: Option<(f64, f64)>,
}

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

/// A column-wise in-memory block of curves that share a segment layout.
///
/// Each channel is one contiguous `Vec<f64>` holding every curve's samples back to back;
/// `offsets[i]..offsets[i+1]` delimit curve `i`, and `segment_bounds[i]` gives the start of
/// each segment inside that range. This is what fast per-pixel kernels want: one channel
/// of many curves in one slice.
#[derive(Debug, Clone, Default)]
pub struct CurveMap {
    /// (kind, vendor name, unit) of each stored channel.
    pub channels: Vec<(ChannelKind, String, String)>,
    /// One flat column per channel, all curves concatenated.
    pub columns: Vec<Vec<f64>>,
    /// Start of every curve in the columns; length n_curves + 1.
    pub offsets: Vec<usize>,
    /// Segment kinds/names/starts per curve (starts relative to the curve's offset).
    pub segments: Vec<Vec<(SegmentKind, String, usize)>>,
    pub indices: Vec<usize>,
    pub grid: Vec<Option<GridIndex>>,
    pub calibration: Vec<Calibration>,
}

impl CurveMap {
    /// Empty map storing the given channels.
    pub fn with_channels(channels: Vec<(ChannelKind, String, String)>) -> Self {
        let n = channels.len();
        CurveMap { channels, columns: vec![Vec::new(); n], offsets: vec![0], ..Default::default() }
    }

    pub fn n_curves(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Append a curve. Channels of this map missing from a segment are filled with NaN so
    /// the columns stay aligned.
    pub fn push(&mut self, curve: &ForceCurve) {
        let mut seg_meta = Vec::with_capacity(curve.segments.len());
        let mut start = 0;
        for seg in &curve.segments {
            seg_meta.push((seg.kind, seg.name.clone(), start));
            let n = seg.len();
            for (col, (kind, _, _)) in self.columns.iter_mut().zip(&self.channels) {
                match seg.data(kind) {
                    Some(d) => col.extend_from_slice(d),
                    None => col.extend(std::iter::repeat_n(f64::NAN, n)),
                }
            }
            start += n;
        }
        let last = *self.offsets.last().unwrap_or(&0);
        self.offsets.push(last + start);
        self.segments.push(seg_meta);
        self.indices.push(curve.index);
        self.grid.push(curve.grid);
        self.calibration.push(curve.calibration);
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

    /// One channel of curve `i` (all segments).
    pub fn column(&self, channel: usize, i: usize) -> &[f64] {
        &self.columns[channel][self.offsets[i]..self.offsets[i + 1]]
    }

    /// Rebuild curve `i` as a [`ForceCurve`].
    pub fn curve(&self, i: usize) -> ForceCurve {
        let mut curve = ForceCurve::new(self.indices[i]);
        curve.grid = self.grid[i];
        curve.calibration = self.calibration[i];
        let total = self.offsets[i + 1] - self.offsets[i];
        let segs = &self.segments[i];
        for (s, (kind, name, start)) in segs.iter().enumerate() {
            let end = segs.get(s + 1).map_or(total, |n| n.2);
            let mut seg = Segment::new(*kind, name.clone());
            for (c, (ck, cname, unit)) in self.channels.iter().enumerate() {
                let col = self.column(c, i);
                seg.channels.push(Channel::new(ck.clone(), cname.clone(), unit.clone(), col[*start..end].to_vec()));
            }
            curve.segments.push(seg);
        }
        curve
    }
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
