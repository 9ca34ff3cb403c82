//! One force segment (extend, pause, retract, ...): its header and channels.
//!
//! Channel roles follow afmformats (`jpk_data.JPK_COLUMNS` / `JPK_SLOTS`):
//! * force: `vDeflection`, slot `force` (N); we also keep its `distance` slot as
//!   deflection (m);
//! * height (piezo): `height` or `head-height`, slot `calibrated` (m);
//! * height (measured): `strainGaugeHeight`, `capacitiveSensorHeight` or `measuredHeight`,
//!   slot `nominal` (m).
//!
//! When a segment holds several candidates for a role, afmformats takes the first data
//! file in name order (`find_column_dat` over the sorted archive listing), e.g.
//! `head-height.dat` before `height.dat`, `capacitiveSensorHeight.dat` before
//! `measuredHeight.dat`; the others are kept as vendor channels. Every other channel is
//! kept in its default slot with its unit.

use super::conversion::{self, Storage};
use super::layout::{Archive, Scope};
use crate::data::{Channel, ChannelKind, Segment, SegmentKind};
use crate::io::{IoError, Location, MAX_DECLARED_BYTES, check_declared};

const PIEZO_HEIGHT: [&str; 2] = ["height", "head-height"];
const MEASURED_HEIGHT: [&str; 3] = ["strainGaugeHeight", "capacitiveSensorHeight", "measuredHeight"];
const DEFLECTION: &str = "vDeflection";

/// Raster (computed) channels without any stored channel beside them are limited to this
/// many points, so a header cannot make us allocate without bytes to back it.
const MAX_RASTER_ONLY_POINTS: u64 = 1 << 24;

const SEG: &str = "force-segment-header";

/// A decoded segment plus the header values the curve needs.
#[derive(Debug, Clone)]
pub struct SegmentData {
    /// Channels in SI units (no time yet: time depends on the preceding segments).
    pub segment: Segment,
    pub n_points: usize,
    pub duration_s: Option<f64>,
    /// Spring constant (vDeflection `force` multiplier), N/m.
    pub spring_constant: Option<f64>,
    /// InvOLS (vDeflection `distance` multiplier), m/V.
    pub sensitivity: Option<f64>,
    /// `force-segment-header.time-stamp`, e.g. `2016-03-31 17:51:14.543 +0200`.
    pub time_stamp: Option<String>,
    /// Setpoint as stored (deflection, V).
    pub setpoint_v: Option<f64>,
    pub z_start_m: Option<f64>,
    pub z_end_m: Option<f64>,
}

/// Map JPK's segment style (`settings.style`) or name onto our segment kinds.
pub fn segment_kind(style: Option<&str>, name: &str) -> SegmentKind {
    let word = style.unwrap_or(name);
    if word.starts_with("extend") {
        SegmentKind::Approach
    } else if word.starts_with("retract") {
        SegmentKind::Retract
    } else if word.starts_with("pause") {
        SegmentKind::Pause
    } else {
        SegmentKind::Other
    }
}

/// A channel's stored values: samples in the base slot, or a raster (start + step·i); or
/// only their number ([`Mode::Describe`]).
enum Stored {
    Samples(Vec<f64>),
    Raster { start: f64, step: f64 },
    Count(usize),
}

struct RawChannel<'s> {
    name: &'s str,
    /// Archive entry of the data file (None for raster channels).
    entry: Option<String>,
}

fn key_err(archive: &Archive, entry: &str, message: String) -> IoError {
    IoError::at(&archive.path, Location::Entry { entry: entry.to_string(), byte: None }, message)
}

/// What reading a segment does with the channel data files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Inflate and convert every channel.
    Load,
    /// Check the headers and the declared sizes of the data files (from the zip
    /// directory) without inflating them: channels hold zeros of the right length. Enough
    /// to describe a file (channels, units, segments, calibration).
    Describe,
}

/// Base-slot samples of the channels already read in this segment (vDeflection is wanted
/// in two slots, force and distance: its file is inflated and decoded once).
#[derive(Default)]
pub struct Memo(Vec<(String, Vec<f64>)>);

/// Channel values converted to `slot` (the default slot when None), with the unit.
/// `n_points` is the segment length the stored data must have.
pub fn channel_in_slot(
    archive: &Archive,
    scope: &Scope<'_>,
    seg_dir: &str,
    header_entry: &str,
    name: &str,
    slot: Option<&str>,
    n_points: Option<usize>,
) -> Result<(Vec<f64>, String), IoError> {
    let mut memo = Memo::default();
    let (values, unit, _) =
        channel_values(archive, scope, (seg_dir, header_entry), name, slot, n_points, &mut memo, Mode::Load)?;
    Ok((values, unit))
}

#[allow(clippy::too_many_arguments)]
fn channel_values(
    archive: &Archive,
    scope: &Scope<'_>,
    (seg_dir, header_entry): (&str, &str),
    name: &str,
    slot: Option<&str>,
    n_points: Option<usize>,
    memo: &mut Memo,
    mode: Mode,
) -> Result<(Vec<f64>, String, usize), IoError> {
    let get = scope.channel(name);
    let err = |m: String| key_err(archive, header_entry, format!("channel '{name}': {m}"));
    let storage = conversion::storage(&get).or_else(|e| {
        // raster channels (time) have neither encoder nor data type
        if get("data.start").is_some() {
            Ok(Storage {
                raw: conversion::RawType::F64,
                encoder: None,
                base_slot: get("conversion-set.conversions.base").unwrap_or("").to_string(),
                base_unit: get("unit.unit").unwrap_or("").to_string(),
            })
        } else {
            Err(err(e))
        }
    })?;
    let default = get("conversion-set.conversions.default").unwrap_or(storage.base_slot.as_str());
    let slot = slot.unwrap_or(default);
    let (links, unit) = conversion::chain(&get, &storage, slot).map_err(err)?;
    let memoised = memo.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let stored = match memoised {
        Some(v) => Stored::Samples(v),
        None => {
            let stored = read_stored(archive, scope, seg_dir, header_entry, name, &storage, n_points, mode)?;
            // only vDeflection is wanted twice
            if name == DEFLECTION
                && let Stored::Samples(v) = &stored
            {
                memo.0.push((name.to_string(), v.clone()));
            }
            stored
        }
    };
    let raster_len = || n_points.ok_or_else(|| err("raster channel in a segment of unknown length".into()));
    let values = match stored {
        Stored::Samples(bytes_values) => {
            let mut v = bytes_values;
            for link in &links {
                v.iter_mut().for_each(|x| *x = link.apply(*x));
            }
            v
        }
        Stored::Raster { .. } if mode == Mode::Describe => return Ok((Vec::new(), unit, raster_len()?)),
        Stored::Raster { start, step } => {
            let n = raster_len()?;
            let mut v: Vec<f64> = (0..n).map(|i| start + step * i as f64).collect();
            for link in &links {
                v.iter_mut().for_each(|x| *x = link.apply(*x));
            }
            v
        }
        Stored::Count(n) => return Ok((Vec::new(), unit, n)),
    };
    let n = values.len();
    Ok((values, unit, n))
}

/// Read the data file of a channel and apply its encoder (→ base slot). In
/// [`Mode::Describe`] the file is not inflated: its size comes from the zip directory and
/// only the number of samples is returned.
#[allow(clippy::too_many_arguments)]
fn read_stored(
    archive: &Archive,
    scope: &Scope<'_>,
    seg_dir: &str,
    header_entry: &str,
    name: &str,
    storage: &Storage,
    n_points: Option<usize>,
    mode: Mode,
) -> Result<Stored, IoError> {
    let get = scope.channel(name);
    let Some(file) = get("data.file.name") else {
        let start = get("data.start").and_then(conversion::number);
        let step = get("data.step").and_then(conversion::number);
        return match (start, step) {
            (Some(start), Some(step)) => Ok(Stored::Raster { start, step }),
            _ => Err(key_err(
                archive,
                header_entry,
                format!("channel '{name}': expected data.file.name or data.start/data.step, found neither"),
            )),
        };
    };
    let entry = format!("{seg_dir}{file}");
    let bytes = match mode {
        Mode::Load => Some(archive.read(&entry, MAX_DECLARED_BYTES)?),
        Mode::Describe => None,
    };
    let len = match &bytes {
        Some(b) => b.len(),
        None => archive.entry_size(&entry, MAX_DECLARED_BYTES)?,
    };
    let size = storage.raw.size();
    if len % size != 0 {
        return Err(key_err(
            archive,
            &entry,
            format!("expected a multiple of {size} bytes ({:?} samples), found {len} bytes", storage.raw),
        ));
    }
    let n = len / size;
    if let Some(want) = n_points
        && want != n
    {
        return Err(key_err(
            archive,
            &entry,
            format!("expected {want} samples as the segment header declares, found {n} ({len} bytes)"),
        ));
    }
    let Some(bytes) = bytes else { return Ok(Stored::Count(n)) };
    let mut v = storage.raw.decode(&bytes);
    if let Some(enc) = storage.encoder {
        v.iter_mut().for_each(|x| *x = enc.apply(*x));
    }
    Ok(Stored::Samples(v))
}

/// Number of samples the segment header declares (`force-segment-header.num-points`).
fn declared_points(archive: &Archive, scope: &Scope<'_>, header_entry: &str) -> Result<Option<u64>, IoError> {
    let key = format!("{SEG}.num-points");
    let Some(s) = scope.get(&key) else { return Ok(None) };
    let v = conversion::number(s).filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v < 9.0e15);
    match v {
        Some(v) => Ok(Some(v as u64)),
        None => Err(key_err(archive, header_entry, format!("{key}: expected a point count, found '{s}'"))),
    }
}

/// Decode one segment. `seg_dir` ends with `/` (e.g. `index/3/segments/0/`).
pub fn read_segment(
    archive: &Archive,
    scope: &Scope<'_>,
    seg_dir: &str,
    number: usize,
    mode: Mode,
) -> Result<SegmentData, IoError> {
    let header_entry = format!("{seg_dir}segment-header.properties");
    let style = scope.get(&format!("{SEG}.settings.style"));
    let name =
        scope.get(&format!("{SEG}.name.name")).or(style).map_or_else(|| format!("segment {number}"), str::to_string);
    let kind = segment_kind(style, &name);
    let duration_s = scope
        .number(&format!("{SEG}.duration"))
        .or_else(|| scope.number(&format!("{SEG}.settings.segment-settings.duration")));

    let list = scope.get("channels.list").unwrap_or("");
    let channels: Vec<RawChannel<'_>> = list
        .split_whitespace()
        .map(|name| RawChannel {
            name,
            entry: scope.get(&format!("channel.{name}.data.file.name")).map(|f| format!("{seg_dir}{f}")),
        })
        .collect();

    // Segment length: as declared, else from the first stored channel.
    let declared = declared_points(archive, scope, &header_entry)?;
    let has_files = channels.iter().any(|c| c.entry.is_some());
    let n_points = match declared {
        Some(n) if has_files => Some(check_declared(
            &archive.path,
            Location::Key(format!("{SEG}.num-points")),
            "segment points",
            n,
            1,
            MAX_DECLARED_BYTES,
        )?),
        Some(n) => Some(check_declared(
            &archive.path,
            Location::Key(format!("{SEG}.num-points")),
            "points of a segment without stored channels",
            n,
            1,
            MAX_RASTER_ONLY_POINTS,
        )?),
        None => None,
    };

    // afmformats' choice of height channels: first data file in name order.
    let mut by_file: Vec<&RawChannel<'_>> = channels.iter().filter(|c| c.entry.is_some()).collect();
    by_file.sort_by(|a, b| a.entry.cmp(&b.entry));
    let pick = |names: &[&str]| by_file.iter().find(|c| names.contains(&c.name)).map(|c| c.name);
    let piezo = pick(&PIEZO_HEIGHT);
    let measured = pick(&MEASURED_HEIGHT);

    let mut segment = Segment::new(kind, name);
    segment.duration_s = duration_s;
    let mut others = Vec::new();
    let mut n_points = n_points;
    let mut memo = Memo::default();
    let mut read = |ch: &str, slot: Option<&str>, n: &mut Option<usize>| -> Result<(Vec<f64>, String), IoError> {
        let (v, unit, len) = channel_values(archive, scope, (seg_dir, &header_entry), ch, slot, *n, &mut memo, mode)?;
        *n = Some(len);
        Ok((v, unit))
    };

    let mut spring_constant = None;
    let mut sensitivity = None;
    let mut standard = Vec::new();
    if channels.iter().any(|c| c.name == DEFLECTION) {
        let get = scope.channel(DEFLECTION);
        let storage = conversion::storage(&get).map_err(|e| key_err(archive, &header_entry, e))?;
        let mult = |slot: &str| {
            get(&format!("conversion-set.conversion.{slot}.scaling.multiplier")).and_then(conversion::number)
        };
        spring_constant = mult("force");
        sensitivity = mult("distance");
        let mut any = false;
        for (slot, kind, unit_want) in [("force", ChannelKind::Force, "N"), ("distance", ChannelKind::Deflection, "m")]
        {
            if conversion::has_slot(&get, &storage, slot) {
                let (v, unit) = read(DEFLECTION, Some(slot), &mut n_points)?;
                if unit == unit_want {
                    standard.push(Channel::new(kind, DEFLECTION, unit, v));
                    any = true;
                }
            }
        }
        if !any {
            others.push(DEFLECTION);
        }
    }
    for (role, slot, kind) in
        [(piezo, "calibrated", ChannelKind::PiezoHeight), (measured, "nominal", ChannelKind::MeasuredHeight)]
    {
        let Some(ch) = role else { continue };
        let get = scope.channel(ch);
        let storage =
            conversion::storage(&get).map_err(|e| key_err(archive, &header_entry, format!("channel '{ch}': {e}")))?;
        // afmformats requires the named slot; files without it still load, in the
        // default slot, as long as that is a length.
        let slot = if conversion::has_slot(&get, &storage, slot) { Some(slot) } else { None };
        let (v, unit) = read(ch, slot, &mut n_points)?;
        if unit == "m" {
            standard.push(Channel::new(kind, ch, unit, v));
        } else {
            others.push(ch);
        }
    }
    for c in &channels {
        let claimed = c.name == DEFLECTION || Some(c.name) == piezo || Some(c.name) == measured;
        if !claimed {
            others.push(c.name);
        }
    }
    // Stored channels first, so raster channels know the segment length.
    others.sort_by_key(|name| channels.iter().all(|c| c.name != *name || c.entry.is_none()));
    let mut vendor = Vec::new();
    for ch in others {
        let (v, unit) = read(ch, None, &mut n_points)?;
        // never let a vendor name shadow one of our standard keys (e.g. JPK's `time`)
        let key = match ChannelKind::from_key(ch) {
            ChannelKind::Other(k) => k,
            _ => format!("jpk:{ch}"),
        };
        vendor.push((channels.iter().position(|c| c.name == ch), Channel::new(ChannelKind::Other(key), ch, unit, v)));
    }
    vendor.sort_by_key(|(pos, _)| *pos);
    segment.channels = standard;
    segment.channels.extend(vendor.into_iter().map(|(_, c)| c));

    let n = n_points.unwrap_or(0);
    // (described channels hold no samples: their counts were checked as they were read)
    if let Some(bad) = segment.channels.iter().find(|c| c.data.len() != n && mode == Mode::Load) {
        return Err(key_err(
            archive,
            &header_entry,
            format!("channel '{}' has {} samples, the segment has {n}", bad.name, bad.data.len()),
        ));
    }
    Ok(SegmentData {
        segment,
        n_points: n,
        duration_s,
        spring_constant,
        sensitivity,
        time_stamp: scope.get(&format!("{SEG}.time-stamp")).map(str::to_string),
        setpoint_v: scope.number(&format!("{SEG}.settings.segment-settings.setpoint")),
        z_start_m: scope.number(&format!("{SEG}.settings.segment-settings.z-start")),
        z_end_m: scope.number(&format!("{SEG}.settings.segment-settings.z-end")),
    })
}

/// Time of every sample, as afmformats builds it: `numpy.linspace(start, start +
/// duration, n, endpoint=False)` with `start` the summed durations of the preceding
/// segments, i.e. `t_i = i·((start + d) − start)/n + start`.
pub fn segment_time(start: f64, duration: f64, n: usize) -> Vec<f64> {
    let stop = start + duration;
    let step = (stop - start) / n.max(1) as f64;
    (0..n).map(|i| i as f64 * step + start).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_style_or_name() {
        assert_eq!(segment_kind(Some("extend"), "extend-spm"), SegmentKind::Approach);
        assert_eq!(segment_kind(Some("retract"), "retract-spm"), SegmentKind::Retract);
        assert_eq!(segment_kind(Some("pause"), "pause-at-end-spm"), SegmentKind::Pause);
        assert_eq!(segment_kind(None, "pause-at-start"), SegmentKind::Pause);
        assert_eq!(segment_kind(None, "modulation"), SegmentKind::Other);
    }

    #[test]
    fn time_like_numpy_linspace() {
        assert_eq!(segment_time(0.0, 0.9999999999999998, 2000)[100], 0.04999999999999999);
        assert_eq!(segment_time(1.0, 1.0, 4), vec![1.0, 1.25, 1.5, 1.75]);
        assert!(segment_time(0.0, 1.0, 0).is_empty());
    }
}
