//! Force ramps and force volumes: `\*Ciao force image list` blocks.
//!
//! Each block holds one channel (deflection error, height sensor, ...). Its samples per curve
//! are `\Samps/line: <approach> <retract>` (Gwyddion `get_samples_per_curve`; plus `\Hold
//! Samples` from the force list). A single ramp (`\Start context: FOL`) stores one curve per
//! block; a force volume (`FVOL`, or `\Operating mode: Force Volume`) stores
//! `force/line × Lines` curves back to back, curve `i` at `offset + i·samples·width`.
//!
//! Within a curve the approach ("extend") segment is stored **time-reversed**: both segments
//! start at the turnaround point (TAP525 height sensor: extend[0] = retract[0] = 2411 counts,
//! the turnaround; Gwyddion `hash_to_lawn` reverses the approach). Retract follows in time
//! order, then any hold samples (Gwyddion storage order).
//!
//! Samples are little-endian signed integers; from version 9.2 they are int32 whatever
//! `\Bytes/pixel` says (the 20200904_Egel4 ramp: `Bytes/pixel: 2`, 2048 samples in 8192
//! bytes). We take the width from `Data length / samples` when that is exactly 2 or 4, else
//! from the version (Gwyddion: `version >= 0x09200000` → 32 bit).
//!
//! Counts become volts with the parenthesised hard scale (see [`super::scale`] for why force
//! ramps differ from images), and volts become metres with the referenced soft scale
//! (`[Sens. DeflSens]` → deflection sensitivity). The spring constant is the `\Spring
//! Constant` of the deflection block (Gwyddion converts a block to force with its own value).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::header::{Header, Section, to_count};
use super::scale::{ChannelScale, Convention, channel_scale, parameter_si, scan_size_m, storage_width};
use crate::data::{
    Calibration, Channel, ChannelKind, ForceCurve, GridIndex, GridShape, Metadata, Segment, SegmentKind,
};
use crate::io::{CurveSource, IoError, Location, SourceInfo, check_declared};

/// What a force block measures, for mapping onto [`ChannelKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelRole {
    /// Cantilever deflection (`DeflectionError`, soft scale `Sens. DeflSens`).
    Deflection,
    /// Z sensor (`ZSensor`, "Height Sensor"), soft scale `Sens. ZsensSens`.
    HeightSensor,
    /// Anything else: kept in its hard unit as [`ChannelKind::Other`].
    Other,
}

/// One `\*Ciao force image list` block.
#[derive(Debug, Clone, PartialEq)]
pub struct ForceChannel {
    /// Display name (`Deflection Error`).
    pub name: String,
    /// Internal tag (`DeflectionError`), used as the key of the raw channel.
    pub tag: String,
    pub role: ChannelRole,
    /// `\Data offset`, bytes from the start of the file.
    pub data_offset: u64,
    /// `\Data length`, bytes.
    pub data_length: u64,
    /// `\Bytes/pixel` as written (the scaling quantum).
    pub bytes_per_pixel: u64,
    /// Width of one stored sample, bytes (2 or 4).
    pub bytes_per_sample: u64,
    pub scale: ChannelScale,
    /// `\Spring Constant` of this block, N/m.
    pub spring_constant_n_per_m: Option<f64>,
    /// Header line of the section, for errors.
    pub header_line: usize,
}

/// Everything needed to read curves, derived once from the header.
#[derive(Debug, Clone, PartialEq)]
pub struct ForceLayout {
    pub n_approach: usize,
    pub n_retract: usize,
    pub n_hold: usize,
    pub n_curves: usize,
    pub force_volume: bool,
    /// PeakForce capture: the ramp is a sine, not a line; no piezo channel is synthesised.
    pub peakforce: bool,
    pub grid: Option<GridShape>,
    pub channels: Vec<ForceChannel>,
    /// `\@4:Ramp size` hard value, V.
    pub ramp_size_v: Option<f64>,
    /// Ramp size × `Sens. Zsens`, m.
    pub ramp_size_m: Option<f64>,
    /// Piezo step per approach sample = ramp size / approach samples, m.
    pub z_step_m: Option<f64>,
    pub approach_duration_s: Option<f64>,
    pub retract_duration_s: Option<f64>,
    pub hold_duration_s: Option<f64>,
    pub calibration: Calibration,
    pub metadata: Metadata,
}

impl ForceLayout {
    /// Samples of one curve over all segments.
    pub fn samples_per_curve(&self) -> usize {
        self.n_approach + self.n_retract + self.n_hold
    }
}

/// An open NanoScope force file: header, layout and the path to read curves from. Reads are
/// positioned per call (each call opens its own handle), so this is `Send + Sync` and never
/// holds more than one curve.
#[derive(Debug, Clone)]
pub struct ForceFile {
    pub path: PathBuf,
    pub file_len: u64,
    pub header: Header,
    pub layout: ForceLayout,
}

impl ForceFile {
    /// Derive the layout from a parsed header and check every block lies inside the file.
    pub fn new(path: &Path, header: Header, file_len: u64) -> Result<ForceFile, IoError> {
        let layout = layout(path, &header, file_len)?;
        Ok(ForceFile { path: path.to_path_buf(), file_len, header, layout })
    }

    /// Raw counts of one channel of one curve, in file order (approach time-reversed, then
    /// retract, then hold).
    pub fn raw(&self, channel: usize, curve: usize) -> Result<Vec<i64>, IoError> {
        let ch = self.layout.channels.get(channel).ok_or_else(|| {
            IoError::new(
                &self.path,
                format!("channel {channel} requested, the file has {}", self.layout.channels.len()),
            )
        })?;
        if curve >= self.layout.n_curves {
            return Err(IoError::at(
                &self.path,
                Location::Curve(curve),
                format!("curve {curve} requested, the file holds {}", self.layout.n_curves),
            ));
        }
        let n = self.layout.samples_per_curve();
        let width = ch.bytes_per_sample;
        // All products were checked against the file size in `layout`.
        let start = ch.data_offset + (curve as u64) * (n as u64) * width;
        let len = check_declared(
            &self.path,
            Location::Byte(start),
            "curve samples",
            n as u64,
            width,
            self.file_len.saturating_sub(start),
        )?;
        let mut buf = vec![0u8; len * width as usize];
        let mut f = File::open(&self.path).map_err(|e| IoError::from_io(&self.path, &e))?;
        f.seek(SeekFrom::Start(start)).map_err(|e| IoError::at_byte(&self.path, start, format!("cannot seek: {e}")))?;
        f.read_exact(&mut buf).map_err(|e| {
            IoError::at_byte(&self.path, start, format!("expected {} bytes of curve data: {e}", buf.len()))
        })?;
        Ok(decode(&buf, width))
    }

    /// Read curve `index` as a [`ForceCurve`] (see the module notes for the channels).
    pub fn read_curve(&self, index: usize) -> Result<ForceCurve, IoError> {
        let l = &self.layout;
        let (na, nr, nh) = (l.n_approach, l.n_retract, l.n_hold);
        let mut approach = Segment::new(SegmentKind::Approach, "approach");
        let mut hold = Segment::new(SegmentKind::Pause, "hold");
        let mut retract = Segment::new(SegmentKind::Retract, "retract");
        approach.duration_s = l.approach_duration_s;
        hold.duration_s = l.hold_duration_s;
        retract.duration_s = l.retract_duration_s;

        let k = l.calibration.spring_constant_n_per_m;
        let mut seen_deflection = false;
        let mut seen_height = false;
        let mut keys: Vec<String> = Vec::new();
        for (c, ch) in l.channels.iter().enumerate() {
            let raw = self.raw(c, index)?;
            let (app_raw, rest) = raw.split_at(na.min(raw.len()));
            let (ret_raw, hold_raw) = rest.split_at(nr.min(rest.len()));
            // Approach is stored from the turnaround outwards: reverse into time order.
            let app: Vec<f64> = app_raw.iter().rev().map(|&r| r as f64).collect();
            let ret: Vec<f64> = ret_raw.iter().map(|&r| r as f64).collect();
            let hld: Vec<f64> = hold_raw.iter().map(|&r| r as f64).collect();

            let mut key = ch.tag.clone();
            if keys.contains(&key) {
                key = format!("{}_{c}", ch.tag);
            }
            keys.push(key.clone());
            for (seg, data) in [(&mut approach, &app), (&mut retract, &ret), (&mut hold, &hld)] {
                let hard: Vec<f64> = data.iter().map(|&r| ch.scale.hard(r)).collect();
                let phys: Vec<f64> = data.iter().map(|&r| ch.scale.physical(r)).collect();
                match ch.role {
                    ChannelRole::Deflection if !seen_deflection => {
                        if ch.scale.unit == "m" {
                            if let Some(k) = k {
                                let force = phys.iter().map(|d| d * k).collect();
                                seg.channels.push(Channel::new(ChannelKind::Force, ch.name.clone(), "N", force));
                            }
                            seg.channels.push(Channel::new(ChannelKind::Deflection, ch.name.clone(), "m", phys));
                        } else {
                            seg.channels.push(Channel::new(
                                ChannelKind::Deflection,
                                ch.name.clone(),
                                &ch.scale.hard_unit,
                                hard.clone(),
                            ));
                        }
                    }
                    ChannelRole::HeightSensor if !seen_height && ch.scale.unit == "m" => {
                        // The sensor reads z extension (largest at the turnaround); vegard's
                        // height grows away from the sample, hence the sign.
                        let h = phys.iter().map(|z| -z).collect();
                        seg.channels.push(Channel::new(ChannelKind::MeasuredHeight, ch.name.clone(), "m", h));
                    }
                    _ => {}
                }
                seg.channels.push(Channel::new(
                    ChannelKind::Other(key.clone()),
                    ch.name.clone(),
                    &ch.scale.hard_unit,
                    hard,
                ));
            }
            match ch.role {
                ChannelRole::Deflection => seen_deflection = true,
                ChannelRole::HeightSensor if ch.scale.unit == "m" => seen_height = true,
                _ => {}
            }
        }

        // Piezo ramp: linear, 0 at the turnaround, growing away from the sample.
        if let (Some(ramp), false) = (l.ramp_size_m, l.peakforce) {
            let step_a = ramp / na.max(1) as f64;
            let step_r = ramp / nr.max(1) as f64;
            let za = (0..na).map(|i| (na - 1 - i) as f64 * step_a).collect();
            let zr = (0..nr).map(|j| j as f64 * step_r).collect();
            approach.channels.push(Channel::new(ChannelKind::PiezoHeight, "ramp", "m", za));
            retract.channels.push(Channel::new(ChannelKind::PiezoHeight, "ramp", "m", zr));
            hold.channels.push(Channel::new(ChannelKind::PiezoHeight, "ramp", "m", vec![0.0; nh]));
        }
        // Time since the start of the curve: approach, hold, retract.
        if let (Some(ta), Some(tr)) = (l.approach_duration_s, l.retract_duration_s) {
            let th = l.hold_duration_s.unwrap_or(0.0);
            let t_app = (0..na).map(|i| i as f64 * ta / na as f64).collect();
            let t_hold = (0..nh).map(|i| ta + i as f64 * th / nh as f64).collect();
            let t_ret = (0..nr).map(|j| ta + th + j as f64 * tr / nr as f64).collect();
            approach.channels.push(Channel::new(ChannelKind::Time, "time", "s", t_app));
            if l.hold_duration_s.is_some() {
                hold.channels.push(Channel::new(ChannelKind::Time, "time", "s", t_hold));
            }
            retract.channels.push(Channel::new(ChannelKind::Time, "time", "s", t_ret));
        }

        let mut curve = ForceCurve::new(index);
        curve.calibration = l.calibration;
        curve.metadata = l.metadata.clone();
        if let Some(g) = l.grid {
            let nx = g.nx.max(1);
            curve.grid = Some(GridIndex { x: index % nx, y: index / nx });
        }
        curve.segments.push(approach);
        if nh > 0 {
            curve.segments.push(hold);
        }
        curve.segments.push(retract);
        Ok(curve)
    }
}

impl CurveSource for ForceFile {
    fn info(&self) -> SourceInfo {
        let first = self.read_curve(0).ok();
        SourceInfo {
            format: super::RECIPE.key.to_string(),
            n_curves: self.layout.n_curves,
            grid: self.layout.grid,
            channels: first
                .as_ref()
                .and_then(|c| c.segments.first())
                .map(|s| s.channels.iter().map(|c| (c.kind.clone(), c.unit.clone())).collect())
                .unwrap_or_default(),
            segments: first.map(|c| c.segments.iter().map(|s| s.name.clone()).collect()).unwrap_or_default(),
            calibration: self.layout.calibration,
            metadata: self.layout.metadata.clone(),
        }
    }

    fn n_curves(&self) -> usize {
        self.layout.n_curves
    }

    fn curve(&self, index: usize) -> Result<ForceCurve, IoError> {
        self.read_curve(index)
    }
}

/// Little-endian signed integers of `width` bytes.
fn decode(buf: &[u8], width: u64) -> Vec<i64> {
    match width {
        1 => buf.iter().map(|&b| i64::from(b as i8)).collect(),
        2 => buf.chunks_exact(2).map(|c| i64::from(i16::from_le_bytes([c[0], c[1]]))).collect(),
        _ => buf.chunks_exact(4).map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect(),
    }
}

/// Role of a block from its `\@4:Image Data: S [Tag] "Name"` and Z-scale soft reference.
fn role(tag: &str, soft_ref: Option<&str>) -> ChannelRole {
    let t = tag.to_ascii_lowercase();
    let s = soft_ref.unwrap_or("").to_ascii_lowercase();
    if t == "zsensor" || s == "sens. zsenssens" {
        ChannelRole::HeightSensor
    } else if t.contains("deflection") || s == "sens. deflsens" {
        ChannelRole::Deflection
    } else {
        ChannelRole::Other
    }
}

/// `@N:Image Data` of any group number.
fn image_data(section: &Section) -> Option<(String, String)> {
    section.entries.iter().find(|e| e.key.to_ascii_lowercase().ends_with(":image data")).and_then(|e| {
        let p = super::param::Param::parse(&e.value)?;
        let tag = p.soft_ref.clone().unwrap_or_else(|| p.text.replace(' ', ""));
        let name = if p.text.is_empty() { tag.clone() } else { p.text };
        Some((name, tag))
    })
}

/// `@N:Z scale` of any group number.
fn z_scale_key(section: &Section) -> Option<String> {
    section.entries.iter().find(|e| e.key.to_ascii_lowercase().ends_with(":z scale")).map(|e| e.key.clone())
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite() && *x > 0.0)
}

fn to_usize(path: &Path, section: &Section, key: &str, v: Option<u64>) -> Result<usize, IoError> {
    let v = v.ok_or_else(|| {
        IoError::at(path, section.location(key), format!("expected a non-negative whole number for '{key}'"))
    })?;
    usize::try_from(v).map_err(|_| IoError::at(path, section.location(key), format!("'{key}' = {v} is too large")))
}

fn layout(path: &Path, header: &Header, file_len: u64) -> Result<ForceLayout, IoError> {
    let blocks: Vec<&Section> = header.sections_named("Ciao force image list").collect();
    let Some(first) = blocks.first() else {
        return Err(IoError::new(path, "expected at least one '\\*Ciao force image list' section, found none"));
    };
    let force_list = header.section("Ciao force list");
    let scan_list = header.section("Ciao scan list");
    let version = header.version();

    // Samples per segment: the block's own `Samps/line: <approach> <retract>`, else the force list's.
    let samps_key = "Samps/line";
    let samps = {
        let own = first.counts(samps_key);
        if own.is_empty() { force_list.map(|f| f.counts(samps_key)).unwrap_or_default() } else { own }
    };
    let n_approach = to_usize(path, first, samps_key, samps.first().copied())?;
    let n_retract = to_usize(path, first, samps_key, Some(samps.get(1).copied().unwrap_or(n_approach as u64)))?;
    let n_hold = match force_list.and_then(|f| f.number("Hold Samples")) {
        Some(h) => to_usize(path, force_list.unwrap_or(first), "Hold Samples", to_count(h.round()))?,
        None => 0,
    };
    if n_approach == 0 || n_retract == 0 {
        return Err(IoError::at(
            path,
            first.location(samps_key),
            "expected non-zero approach and retract sample counts",
        ));
    }

    // Single ramp or volume? `FVOL` start context or `Force Volume` mode (Gwyddion).
    let context = header.start_context().unwrap_or("");
    let mode = header.operating_mode().unwrap_or("");
    let force_volume = context.eq_ignore_ascii_case("FVOL")
        || (mode.eq_ignore_ascii_case("Force Volume") && !context.eq_ignore_ascii_case("FOL"));
    let (n_curves, grid) = if force_volume {
        let fl = force_list.ok_or_else(|| IoError::new(path, "force volume without '\\*Ciao force list' section"))?;
        let sl = scan_list.ok_or_else(|| IoError::new(path, "force volume without '\\*Ciao scan list' section"))?;
        let nx = to_usize(path, fl, "force/line", fl.count("force/line"))?;
        let ny = to_usize(path, sl, "Lines", sl.count("Lines"))?;
        let n = nx.checked_mul(ny).filter(|&n| n > 0).ok_or_else(|| {
            IoError::at(path, fl.location("force/line"), format!("expected a non-empty grid, found {nx} × {ny}"))
        })?;
        let size = sl.get("Scan Size").and_then(scan_size_m);
        (n, Some(GridShape { nx, ny, size_m: size }))
    } else {
        (1, None)
    };
    let per_curve = (n_approach as u64)
        .checked_add(n_retract as u64)
        .and_then(|n| n.checked_add(n_hold as u64))
        .ok_or_else(|| IoError::at(path, first.location(samps_key), "absurd sample counts"))?;
    let total = per_curve
        .checked_mul(n_curves as u64)
        .ok_or_else(|| IoError::at(path, first.location(samps_key), "absurd number of samples"))?;

    let mut channels = Vec::with_capacity(blocks.len());
    for b in &blocks {
        let offset = b.count("Data offset").ok_or_else(|| {
            IoError::at(path, b.location("Data offset"), "expected a non-negative whole number of bytes")
        })?;
        let length = b.count("Data length").ok_or_else(|| {
            IoError::at(path, b.location("Data length"), "expected a non-negative whole number of bytes")
        })?;
        let bpp = b.count("Bytes/pixel").unwrap_or(2);
        let width = storage_width(length, total, bpp, version);
        let available = file_len.checked_sub(offset).ok_or_else(|| {
            IoError::at(
                path,
                b.location("Data offset"),
                format!("data offset {offset} lies beyond the end of the file ({file_len} bytes)"),
            )
        })?;
        // The samples must fit in the declared block and the block in the file.
        check_declared(path, b.location("Data length"), "force samples", total, width, length)?;
        check_declared(path, b.location("Data offset"), "force samples", total, width, available)?;
        let (name, tag) = image_data(b)
            .unwrap_or_else(|| (format!("channel {}", channels.len()), format!("channel{}", channels.len())));
        let zkey = z_scale_key(b)
            .ok_or_else(|| IoError::at(path, b.location("@4:Z scale"), "expected a '\\@4:Z scale' line"))?;
        let zscale = b.param(&zkey).ok_or_else(|| {
            IoError::at(path, b.location(&zkey), "expected 'V [soft scale] (hard scale V/LSB) hard value V'")
        })?;
        let scale = channel_scale(header, &zscale, bpp, Convention::Force)
            .ok_or_else(|| IoError::at(path, b.location(&zkey), "expected a finite hard scale in '(... V/LSB)'"))?;
        channels.push(ForceChannel {
            role: role(&tag, zscale.soft_ref.as_deref()),
            name,
            tag,
            data_offset: offset,
            data_length: length,
            bytes_per_pixel: bpp,
            bytes_per_sample: width,
            scale,
            spring_constant_n_per_m: positive(b.number("Spring Constant")),
            header_line: b.line,
        });
    }

    // Calibration from the deflection block.
    let defl = channels.iter().find(|c| c.role == ChannelRole::Deflection);
    let spring = defl
        .and_then(|c| c.spring_constant_n_per_m)
        .or_else(|| channels.iter().find_map(|c| c.spring_constant_n_per_m));
    let sensitivity = defl.filter(|c| c.scale.unit == "m" && c.scale.soft_ref.is_some()).map(|c| c.scale.soft);
    let calibration = Calibration { spring_constant_n_per_m: spring, sensitivity_m_per_v: positive(sensitivity) };

    // Ramp: `\@4:Ramp size` of the block (else the force list's `Ramp size Zsweep`), × Sens. Zsens.
    let defl_block = defl.and_then(|d| blocks.iter().find(|b| b.line == d.header_line)).unwrap_or(first);
    let ramp = parameter_si(header, defl_block, "@4:Ramp size")
        .or_else(|| force_list.and_then(|f| parameter_si(header, f, "@4:Ramp size Zsweep")));
    let (ramp_size_m, ramp_size_v) = match &ramp {
        Some((v, unit, hard, _)) if unit == "m" => (positive(Some(*v)), positive(Some(*hard))),
        Some((_, _, hard, _)) => (None, positive(Some(*hard))),
        None => (None, None),
    };
    let z_step_m = ramp_size_m.map(|r| r / n_approach as f64);

    // Durations: ramp size / velocity (pyfmreader), else half a period of the ramp rate.
    let scan_rate = positive(force_list.and_then(|f| f.number("Scan rate")));
    let duration = |vel_key: &str| {
        let vel = positive(force_list.and_then(|f| f.number(vel_key)));
        match (ramp_size_v, vel) {
            (Some(r), Some(v)) => positive(Some(r / v)),
            _ => scan_rate.map(|f| 0.5 / f),
        }
    };
    let approach_duration_s = duration("Forward vel.");
    let retract_duration_s = duration("Reverse vel.");
    let hold_duration_s = if n_hold > 0 { positive(force_list.and_then(|f| f.number("Hold Time"))) } else { None };
    // PeakForce capture (pyfmreader: `\PeakForce Capture: Allow`; `.pfc` files).
    let peakforce = scan_list.and_then(|s| s.get("PeakForce Capture")).is_some_and(|v| v.eq_ignore_ascii_case("Allow"))
        || path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("pfc"));

    let mut meta = super::common_metadata(header);
    meta.set_text(
        "nanoscope:ramp",
        if peakforce { "sinusoidal (PeakForce capture), not reconstructed" } else { "linear" },
    );
    if let Some(f) = force_list {
        if let Some(t) = f.get("Trigger mode") {
            meta.set_text("trigger_mode", t);
        }
        if let Some(r) = scan_rate {
            meta.set_number("scan_rate", r, Some("Hz"));
        }
        if let Some(c) = f.number("Deflection Sensitivity Correction") {
            meta.set_number("deflection_sensitivity_correction", c, None);
        }
        for (key, name) in [("Forward vel.", "forward_velocity"), ("Reverse vel.", "reverse_velocity")] {
            if let (Some(v), Some(zs)) = (f.number(key), super::scale::soft_scale(header, "Sens. Zsens")) {
                meta.set_number(name, v * zs.0, Some("m/s"));
            }
        }
        let trigger = f.entries.iter().find(|e| e.key.to_ascii_lowercase().starts_with("@4:trig threshold"));
        if let Some(v) = trigger.and_then(|e| super::param::Param::parse(&e.value)).and_then(|p| p.hard_value) {
            meta.set_number("trigger_threshold", v, Some("V"));
        }
        if n_hold > 0 {
            meta.set_number("hold_samples", n_hold as f64, None);
        }
    }
    if let Some(v) = ramp_size_v {
        meta.set_number("ramp_size_v", v, Some("V"));
    }
    if let Some(m) = ramp_size_m {
        meta.set_number("ramp_size", m, Some("m"));
    }
    if let Some(z) = z_step_m {
        meta.set_number("z_step", z, Some("m"));
    }
    meta.set_text("force_volume", if force_volume { "yes" } else { "no" });
    for (i, c) in channels.iter().enumerate() {
        meta.set_text(format!("nanoscope:channel{i}"), format!("{} [{}] ({})", c.name, c.tag, c.scale.unit));
        meta.set_number(format!("nanoscope:channel{i}.data_offset"), c.data_offset as f64, Some("B"));
        meta.set_number(format!("nanoscope:channel{i}.data_length"), c.data_length as f64, Some("B"));
        meta.set_number(format!("nanoscope:channel{i}.lsb"), c.scale.hard_per_lsb, Some(&c.scale.hard_unit));
        if let Some(k) = c.spring_constant_n_per_m {
            meta.set_number(format!("nanoscope:channel{i}.spring_constant"), k, Some("N/m"));
        }
    }

    Ok(ForceLayout {
        n_approach,
        n_retract,
        n_hold,
        n_curves,
        force_volume,
        peakforce,
        grid,
        channels,
        ramp_size_v,
        ramp_size_m,
        z_step_m,
        approach_duration_s,
        retract_duration_s,
        hold_duration_s,
        calibration,
        metadata: meta,
    })
}
