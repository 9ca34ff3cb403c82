//! Force volumes: the measurement grid ([`GridShape`]) and a column-wise block store of
//! curves ([`CurveMap`]).
//!
//! A 512×512 map of 2×1000-point curves is ~4 GB per channel in f64: it is never held
//! whole. Readers stream curves one at a time (`io::CurveSource`); analyses gather them in
//! blocks (`io::read_block` fills a [`CurveMap`]), process them in parallel and drop them.

use serde::{Deserialize, Serialize};

use super::{Calibration, Channel, ChannelKind, ForceCurve, GridIndex, Segment, SegmentKind};

/// Size of the measurement grid (columns × rows) and its physical extent, if known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridShape {
    pub nx: usize,
    pub ny: usize,
    /// Scan size in x and y, m.
    pub size_m: Option<(f64, f64)>,
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
