//! A JPK file as a streamed [`CurveSource`]: the zip directory and the shared headers
//! are parsed once; each `curve(i)` reads only that curve's entries, from any thread.

use crate::data::{Calibration, Channel, ChannelKind, ForceCurve, GridIndex, GridShape, Metadata, SegmentKind};
use crate::io::{CurveSource, IoError, Location, SourceInfo};

use super::conversion::number;
use super::layout::{Archive, Hierarchy, Scope};
use super::properties::Properties;
use super::segments::{self, Mode, SegmentData};

/// Segment directories beyond this are not looked for (real files have 2–4).
const MAX_SEGMENTS: usize = 4096;

/// The measurement grid of a force map / QI map (`<type>.position-pattern.grid.*`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct GridPattern {
    nx: usize,
    ny: usize,
    center_m: (f64, f64),
    size_m: (f64, f64),
}

/// Column (or row) of the grid pixel whose centre is nearest to `pos`, as afmformats'
/// `position_m2px`: centres are `linspace(c − L/2, c + L/2, n, endpoint=False) + Δ/2`,
/// and the first of equally near centres wins. The grid rotation `theta` is ignored, as
/// afmformats does (all test files have theta = 0).
fn nearest_pixel(pos: f64, size: f64, center: f64, n: usize) -> Option<usize> {
    if n == 0 || !pos.is_finite() || !size.is_finite() || !center.is_finite() {
        return None;
    }
    let s1 = center - size / 2.0;
    let s2 = center + size / 2.0;
    let step = (s2 - s1) / n as f64;
    if step == 0.0 || !step.is_finite() {
        return Some(0);
    }
    let centre = |i: usize| i as f64 * step + s1 + step / 2.0;
    let guess = ((pos - s1) / step - 0.5).round();
    let guess = if guess.is_finite() { guess.clamp(0.0, (n - 1) as f64) as usize } else { 0 };
    let lo = guess.saturating_sub(1);
    let hi = (guess + 1).min(n - 1);
    let mut best = lo;
    for i in lo..=hi {
        if (centre(i) - pos).abs() < (centre(best) - pos).abs() {
            best = i;
        }
    }
    Some(best)
}

/// A JPK force file (`.jpk-force`, `.jpk-force-map`, `.jpk-qi-data`, `.jpk-qi-series`).
pub struct JpkSource {
    archive: Archive,
    hierarchy: Hierarchy,
    /// Top-level `header.properties`.
    general: Properties,
    /// `shared-data/header.properties` (empty for old files).
    shared: Properties,
    /// Curve numbers: `index/<n>/` of indexed files, `[0]` for single curves.
    enums: Vec<u64>,
    pattern: Option<GridPattern>,
    info: SourceInfo,
}

impl JpkSource {
    /// Parse the archive directory and the shared headers.
    pub fn open(path: &std::path::Path) -> Result<JpkSource, IoError> {
        let archive = Archive::open(path)?;
        let hierarchy = archive.hierarchy()?;
        let general = archive.read_properties("header.properties")?;
        let shared = if archive.contains("shared-data/header.properties") {
            archive.read_properties("shared-data/header.properties")?
        } else {
            Properties::default()
        };
        let enums = match hierarchy {
            Hierarchy::Single => vec![0],
            Hierarchy::Indexed => archive.index_numbers(),
        };
        let pattern = grid_pattern(&general);
        let grid = pattern.map(|p| GridShape { nx: p.nx, ny: p.ny, size_m: Some(p.size_m) });
        let info = SourceInfo {
            format: "jpk".to_string(),
            n_curves: enums.len(),
            grid,
            channels: Vec::new(),
            segments: Vec::new(),
            calibration: Calibration::default(),
            metadata: source_metadata(&general),
        };
        let mut source = JpkSource { archive, hierarchy, general, shared, enums, pattern, info };
        // Describe the source from its first curve's headers (the data files are checked
        // against the zip directory, not inflated: reading the curve is the analysis'
        // job). A single curve whose headers cannot be read fails here; in a map one bad
        // pixel must not hide the others.
        if !source.enums.is_empty() {
            match source.read_curve(0, Mode::Describe) {
                Ok(c) => {
                    source.info.channels = c
                        .segments
                        .first()
                        .map(|s| s.channels.iter().map(|ch| (ch.kind.clone(), ch.unit.clone())).collect())
                        .unwrap_or_default();
                    source.info.segments = c.segments.iter().map(|s| s.name.clone()).collect();
                    source.info.calibration = c.calibration;
                }
                Err(e) if source.hierarchy == Hierarchy::Single => return Err(e),
                Err(_) => {}
            }
        }
        Ok(source)
    }

    /// The number `n` of curve `index` (the `index/<n>/` directory; 0 for single files).
    pub fn curve_number(&self, index: usize) -> Option<u64> {
        self.enums.get(index).copied()
    }

    fn prefix(&self, index: usize) -> Result<(String, u64), IoError> {
        let n = self.curve_number(index).ok_or_else(|| {
            IoError::at(
                &self.archive.path,
                Location::Curve(index),
                format!("curve {index} requested, the file holds {}", self.enums.len()),
            )
        })?;
        Ok(match self.hierarchy {
            Hierarchy::Single => (String::new(), n),
            Hierarchy::Indexed => (format!("index/{n}/"), n),
        })
    }

    /// Curve header: `index/<n>/header.properties`, or the top-level header for single
    /// curves (afmformats reads it as both).
    fn curve_header(&self, prefix: &str) -> Result<Option<Properties>, IoError> {
        match self.hierarchy {
            Hierarchy::Single => Ok(None),
            Hierarchy::Indexed => self.archive.read_properties(&format!("{prefix}header.properties")).map(Some),
        }
    }

    fn segment_dirs(&self, prefix: &str) -> Vec<String> {
        (0..MAX_SEGMENTS)
            .map(|s| format!("{prefix}segments/{s}/"))
            .take_while(|d| self.archive.contains(&format!("{d}segment-header.properties")))
            .collect()
    }

    /// One channel of one segment in a chosen calibration slot (`None` = the channel's
    /// default slot), with its unit. Slot names are JPK's: `volts` (encoder output only),
    /// `distance`, `force`, `nominal`, `calibrated`, `absolute`, ...
    pub fn channel_slot(
        &self,
        index: usize,
        segment: usize,
        channel: &str,
        slot: Option<&str>,
    ) -> Result<(Vec<f64>, String), IoError> {
        let (prefix, _) = self.prefix(index)?;
        let own = self.curve_header(&prefix)?;
        let index_props = own.as_ref().unwrap_or(&self.general);
        let seg_dir = format!("{prefix}segments/{segment}/");
        let header_entry = format!("{seg_dir}segment-header.properties");
        let seg_props = self.archive.read_properties(&header_entry)?;
        let scope = Scope::new(&self.general, &self.shared, index_props, &seg_props);
        segments::channel_in_slot(&self.archive, &scope, &seg_dir, &header_entry, channel, slot, None)
    }

    fn read_curve(&self, index: usize, mode: Mode) -> Result<ForceCurve, IoError> {
        // A single curve is (nearly) the whole file: read it with one system call.
        let snapshot = match (self.hierarchy, mode) {
            (Hierarchy::Single, Mode::Load) => self.archive.snapshot(),
            _ => None,
        };
        let archive = snapshot.as_ref().unwrap_or(&self.archive);
        let (prefix, curve_number) = self.prefix(index)?;
        let own = self.curve_header(&prefix)?;
        let index_props = own.as_ref().unwrap_or(&self.general);
        let dirs = self.segment_dirs(&prefix);
        if dirs.is_empty() {
            return Err(IoError::at(
                &self.archive.path,
                Location::Entry { entry: format!("{prefix}segments/0/segment-header.properties"), byte: None },
                "expected at least one segment, found none",
            ));
        }
        let mut parts: Vec<SegmentData> = Vec::with_capacity(dirs.len());
        for (s, dir) in dirs.iter().enumerate() {
            let seg_props = archive.read_properties(&format!("{dir}segment-header.properties"))?;
            let scope = Scope::new(&self.general, &self.shared, index_props, &seg_props);
            parts.push(segments::read_segment(archive, &scope, dir, s, mode)?);
        }

        let mut curve = ForceCurve::new(index);
        curve.calibration = Calibration {
            spring_constant_n_per_m: parts.iter().find_map(|p| p.spring_constant),
            sensitivity_m_per_v: parts.iter().find_map(|p| p.sensitivity),
        };
        // Time, accumulated over segments as afmformats does; only if every segment
        // states its duration (a partial time axis would be misleading).
        if parts.iter().all(|p| p.duration_s.is_some()) {
            let mut start = 0.0;
            for p in &mut parts {
                let d = p.duration_s.unwrap_or(0.0);
                let t = match mode {
                    Mode::Load => segments::segment_time(start, d, p.n_points),
                    Mode::Describe => Vec::new(),
                };
                p.segment.channels.push(Channel::new(ChannelKind::Time, "time", "s", t));
                start += d;
            }
        }

        let series = index_props.get("type").unwrap_or("");
        let position = (
            index_props.get(&format!("{series}.header.position.x")).and_then(number),
            index_props.get(&format!("{series}.header.position.y")).and_then(number),
        );
        if let (Some(x), Some(y)) = position {
            curve.position_m = Some((x, y));
            if let Some(p) = self.pattern
                && let (Some(gx), Some(gy)) =
                    (nearest_pixel(x, p.size_m.0, p.center_m.0, p.nx), nearest_pixel(y, p.size_m.1, p.center_m.1, p.ny))
            {
                curve.grid = Some(GridIndex { x: gx, y: gy });
            }
        }

        let mut md = self.info.metadata.clone();
        md.set_number("jpk:index", curve_number as f64, None);
        if let Some(pi) = index_props.get(&format!("{series}.header.position-index")).and_then(number) {
            md.set_number("jpk:position-index", pi, None);
        }
        let approach = parts.iter().find(|p| p.segment.kind == SegmentKind::Approach).or(parts.first());
        if let Some(a) = approach {
            if let Some(ts) = &a.time_stamp {
                let mut it = ts.split_whitespace();
                if let (Some(date), Some(time)) = (it.next(), it.next()) {
                    md.set_text("date", date);
                    md.set_text("time", time);
                }
                md.set_text("jpk:time-stamp", ts.as_str());
            }
            if let Some(sp) = a.setpoint_v {
                md.set_number("jpk:setpoint", sp, Some("V"));
                // afmformats: setpoint [N] = setpoint [V] · k · InvOLS
                if let (Some(k), Some(s)) =
                    (curve.calibration.spring_constant_n_per_m, curve.calibration.sensitivity_m_per_v)
                {
                    md.set_number("setpoint", sp * k * s, Some("N"));
                }
            }
        }
        if parts.iter().all(|p| p.duration_s.is_some()) {
            md.set_number("duration", parts.iter().filter_map(|p| p.duration_s).sum(), Some("s"));
        }
        for p in &parts {
            let label = match p.segment.kind {
                SegmentKind::Approach => "approach",
                SegmentKind::Retract => "retract",
                _ => continue,
            };
            if let (Some(z0), Some(z1), Some(d)) = (p.z_start_m, p.z_end_m, p.duration_s)
                && d > 0.0
            {
                md.set_number(format!("speed_{label}"), (z0 - z1).abs() / d, Some("m/s"));
            }
        }
        curve.metadata = md;
        curve.segments = parts.into_iter().map(|p| p.segment).collect();
        Ok(curve)
    }
}

impl CurveSource for JpkSource {
    fn info(&self) -> SourceInfo {
        self.info.clone()
    }

    fn n_curves(&self) -> usize {
        self.enums.len()
    }

    fn curve(&self, index: usize) -> Result<ForceCurve, IoError> {
        self.read_curve(index, Mode::Load)
    }
}

fn grid_pattern(general: &Properties) -> Option<GridPattern> {
    let t = general.get("type")?;
    let g = |k: &str| general.get(&format!("{t}.position-pattern.grid.{k}")).and_then(number);
    let count = |k: &str| g(k).filter(|v| *v >= 1.0 && v.fract() == 0.0 && *v <= 1.0e9).map(|v| v as usize);
    Some(GridPattern {
        nx: count("ilength")?,
        ny: count("jlength")?,
        center_m: (g("xcenter").unwrap_or(0.0), g("ycenter").unwrap_or(0.0)),
        size_m: (g("ulength")?, g("vlength")?),
    })
}

/// File-level metadata from the top-level header.
fn source_metadata(general: &Properties) -> Metadata {
    let mut md = Metadata::default();
    let t = general.get("type").unwrap_or("");
    let text = |md: &mut Metadata, key: &str, prop: &str| {
        if let Some(v) = general.get(prop).filter(|v| !v.is_empty()) {
            md.set_text(key, v);
        }
    };
    text(&mut md, "instrument", &format!("{t}.description.instrument"));
    text(&mut md, "software_version", &format!("{t}.description.source-software"));
    text(&mut md, "user", &format!("{t}.description.user-name"));
    text(&mut md, "jpk:type", "type");
    text(&mut md, "jpk:jpk-data-file", "jpk-data-file");
    text(&mut md, "jpk:file-format-version", "file-format-version");
    text(&mut md, "jpk:start-time", &format!("{t}.start-time"));
    md.set_text("software", "JPK");
    for prop in [
        format!("{t}.settings.force-settings.relative-setpoint"),
        format!("{t}.header.force-settings.relative-setpoint"),
        format!("{t}.header.quantitative-imaging-settings.relative-setpoint"),
    ] {
        if let Some(v) = general.get(&prop).and_then(number) {
            md.set_number("jpk:relative-setpoint", v, Some("V"));
            break;
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::nearest_pixel;

    #[test]
    fn pixel_centres() {
        // 10 px over 6e-4 m centred at 3.0197265625e-4: first centre 3.197265625e-5
        assert_eq!(nearest_pixel(3.1972656250000005e-5, 6.0e-4, 3.0197265625e-4, 10), Some(0));
        assert_eq!(nearest_pixel(5.718359375000001e-4, 6.0e-4, 3.0197265625e-4, 10), Some(9));
        assert_eq!(nearest_pixel(1.0, 6.0e-4, 0.0, 10), Some(9));
        assert_eq!(nearest_pixel(-1.0, 6.0e-4, 0.0, 10), Some(0));
        assert_eq!(nearest_pixel(f64::NAN, 6.0e-4, 0.0, 10), None);
        assert_eq!(nearest_pixel(0.0, 6.0e-4, 0.0, 0), None);
    }
}
