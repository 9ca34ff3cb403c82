//! Force curves: segments of equally long channel columns, with units and calibration.

use serde::{Deserialize, Serialize};

use super::Metadata;

/// What a channel measures. Readers map vendor names onto these; anything else is
/// kept as [`ChannelKind::Other`] with the vendor's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Piezo (z actuator) position, m. Larger = further from the sample (tip retracted).
    PiezoHeight,
    /// Height measured by the z sensor (strain gauge / LVDT), m, same sign convention.
    MeasuredHeight,
    /// Cantilever deflection, m (or V before calibration; see the unit).
    Deflection,
    /// Force on the tip, N (positive = repulsive, pushing the cantilever up).
    Force,
    /// Time since the start of the curve, s.
    Time,
    /// Tip position = height + F/k, m (computed by preprocessing).
    TipPosition,
    /// A vendor channel we keep but do not interpret.
    Other(String),
}

impl ChannelKind {
    /// Short, stable key used in exports and `vegard info`.
    pub fn key(&self) -> &str {
        match self {
            ChannelKind::PiezoHeight => "height_piezo",
            ChannelKind::MeasuredHeight => "height_measured",
            ChannelKind::Deflection => "deflection",
            ChannelKind::Force => "force",
            ChannelKind::Time => "time",
            ChannelKind::TipPosition => "tip_position",
            ChannelKind::Other(name) => name,
        }
    }

    /// Inverse of [`ChannelKind::key`].
    pub fn from_key(key: &str) -> ChannelKind {
        match key {
            "height_piezo" => ChannelKind::PiezoHeight,
            "height_measured" => ChannelKind::MeasuredHeight,
            "deflection" => ChannelKind::Deflection,
            "force" => ChannelKind::Force,
            "time" => ChannelKind::Time,
            "tip_position" => ChannelKind::TipPosition,
            other => ChannelKind::Other(other.to_string()),
        }
    }
}

/// One column of samples with its unit (SI: "m", "N", "s", "V").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub kind: ChannelKind,
    /// The vendor's own name for this channel (e.g. JPK `vDeflection`, Asylum `ZSnsr`).
    pub name: String,
    pub unit: String,
    pub data: Vec<f64>,
}

impl Channel {
    pub fn new(kind: ChannelKind, name: impl Into<String>, unit: impl Into<String>, data: Vec<f64>) -> Self {
        Channel { kind, name: name.into(), unit: unit.into(), data }
    }
}

/// The role of a segment in the ramp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// Tip moves towards the sample ("extend", "trace").
    Approach,
    /// Tip dwells at constant height or force.
    Pause,
    /// Tip moves away from the sample ("retract", "retrace").
    Retract,
    /// Anything else (modulation, unknown vendor segment).
    Other,
}

impl SegmentKind {
    pub fn key(self) -> &'static str {
        match self {
            SegmentKind::Approach => "approach",
            SegmentKind::Pause => "pause",
            SegmentKind::Retract => "retract",
            SegmentKind::Other => "other",
        }
    }
}

/// A contiguous part of the ramp. Every channel of a segment has the same length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub kind: SegmentKind,
    /// Vendor segment name, e.g. JPK `extend`, `pause-at-end`.
    pub name: String,
    /// Nominal duration, s, if the file states it.
    pub duration_s: Option<f64>,
    pub channels: Vec<Channel>,
}

impl Segment {
    pub fn new(kind: SegmentKind, name: impl Into<String>) -> Self {
        Segment { kind, name: name.into(), duration_s: None, channels: Vec::new() }
    }

    /// Number of samples (length of the first channel; all are equal).
    pub fn len(&self) -> usize {
        self.channels.first().map_or(0, |c| c.data.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn channel(&self, kind: &ChannelKind) -> Option<&Channel> {
        self.channels.iter().find(|c| &c.kind == kind)
    }

    pub fn channel_mut(&mut self, kind: &ChannelKind) -> Option<&mut Channel> {
        self.channels.iter_mut().find(|c| &c.kind == kind)
    }

    /// Data of a channel, if present.
    pub fn data(&self, kind: &ChannelKind) -> Option<&[f64]> {
        self.channel(kind).map(|c| c.data.as_slice())
    }

    /// Insert or replace a channel (replacing keeps the position).
    pub fn set_channel(&mut self, channel: Channel) {
        match self.channels.iter_mut().find(|c| c.kind == channel.kind) {
            Some(slot) => *slot = channel,
            None => self.channels.push(channel),
        }
    }
}

/// Cantilever calibration as stored in the file (or overridden by the user).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Spring constant k, N/m.
    pub spring_constant_n_per_m: Option<f64>,
    /// Deflection sensitivity (InvOLS), m/V.
    pub sensitivity_m_per_v: Option<f64>,
}

/// Position of a curve in a force map: column `x`, row `y` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GridIndex {
    pub x: usize,
    pub y: usize,
}

/// One force–distance measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForceCurve {
    /// Index of the curve within its file (enumeration order of the file).
    pub index: usize,
    pub grid: Option<GridIndex>,
    /// Lateral position of the curve, m (x, y), if the file gives it.
    pub position_m: Option<(f64, f64)>,
    pub calibration: Calibration,
    pub segments: Vec<Segment>,
    pub metadata: Metadata,
}

impl ForceCurve {
    pub fn new(index: usize) -> Self {
        ForceCurve {
            index,
            grid: None,
            position_m: None,
            calibration: Calibration::default(),
            segments: Vec::new(),
            metadata: Metadata::default(),
        }
    }

    /// Total number of samples over all segments.
    pub fn len(&self) -> usize {
        self.segments.iter().map(Segment::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first segment of the given kind.
    pub fn segment(&self, kind: SegmentKind) -> Option<&Segment> {
        self.segments.iter().find(|s| s.kind == kind)
    }

    pub fn segment_mut(&mut self, kind: SegmentKind) -> Option<&mut Segment> {
        self.segments.iter_mut().find(|s| s.kind == kind)
    }

    /// A channel concatenated over all segments (None if any segment lacks it).
    pub fn concat(&self, kind: &ChannelKind) -> Option<Vec<f64>> {
        let mut out = Vec::with_capacity(self.len());
        for s in &self.segments {
            out.extend_from_slice(s.data(kind)?);
        }
        Some(out)
    }

    /// Segment number of every sample (0, 1, 2, ... in segment order), as nanite's
    /// `segment` column.
    pub fn segment_column(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.len());
        for (i, s) in self.segments.iter().enumerate() {
            out.extend(std::iter::repeat_n(i, s.len()));
        }
        out
    }

    /// Channel kinds present in every segment.
    pub fn channel_kinds(&self) -> Vec<ChannelKind> {
        let Some(first) = self.segments.first() else {
            return Vec::new();
        };
        first
            .channels
            .iter()
            .map(|c| c.kind.clone())
            .filter(|k| self.segments.iter().all(|s| s.channel(k).is_some()))
            .collect()
    }
}
