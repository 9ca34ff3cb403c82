//! Asylum Research (MFP-3D, Cypher) files on top of the generic wave.
//!
//! Asylum's software (an Igor Pro package) saves one wave per file and puts every setting in
//! the wave note as `Key: value` lines. Two kinds of file matter here:
//!
//! - **Force curves**: a 2-D wave `(points, columns)`; dimension 0 is time (`sfA[0]` = sample
//!   interval, units `s`), the columns are named by dimension-1 labels (`Raw`, `Defl`,
//!   `ZSnsr`, ...) and share the wave's data units (`m`). The note's `Indexes` (e.g.
//!   `0,1008,2015`) gives the last point of each segment and `Direction` (e.g. `NaN,1,-1,`)
//!   its direction: 1 = extend (approach), -1 = retract, 0 = dwell. Entry 0 of both lists
//!   describes the start of the ramp, not a segment.
//! - **Images**: a 3-D wave `(x fast, y slow, channel)` with dimension-2 labels such as
//!   `HeightRetrace`, `Phase1Retrace`, `NapPotentialTrace`.
//!
//! Conventions follow afmformats (`formats/fmt_igor.py`) so results agree with nanite:
//! `Raw`/`Height` → piezo height = −column, `ZSnsr`/`ZSensor` → measured height = −column
//! (Asylum's Z grows towards the sample; ours grows away from it), `Defl`/`Deflection` [m]
//! × spring constant → force.

use std::path::Path;

use super::note::{key_values, lookup, parse_number};
use super::wave::{Wave, WaveData};
use crate::data::{Calibration, Channel, ChannelKind, ForceCurve, Image, Metadata, Segment, SegmentKind};
use crate::io::{CurveList, Dataset, IoError, Location};

/// Column labels of the piezo (commanded) height, in afmformats' priority order.
const PIEZO_LABELS: [&str; 2] = ["Raw", "Height"];
/// Column labels of the z-sensor (measured) height.
const SENSOR_LABELS: [&str; 2] = ["ZSnsr", "ZSensor"];
/// Column labels of the cantilever deflection.
const DEFLECTION_LABELS: [&str; 2] = ["Defl", "Deflection"];

/// Turn a wave into vegard data: a force curve, a stack of images, or an error saying why it is neither.
pub fn interpret(wave: &Wave, path: &Path) -> Result<Dataset, IoError> {
    let metadata = metadata(wave);
    if is_force_curve(wave) {
        let mut curve = force_curve(wave, path)?;
        curve.metadata = metadata.clone();
        Ok(Dataset::Curves(Box::new(CurveList::new(super::RECIPE.key, vec![curve], None, metadata))))
    } else {
        Ok(Dataset::Images { format: super::RECIPE.key.to_string(), images: images(wave, path)?, metadata })
    }
}

/// A 2-D numeric wave whose columns carry force-curve labels, or whose note carries
/// Asylum's force-ramp keys (`Indexes`, `Direction`).
pub fn is_force_curve(wave: &Wave) -> bool {
    let dims = wave.dims();
    if dims.len() != 2 || !matches!(wave.data, WaveData::Real(_)) {
        return false;
    }
    let labelled = (0..dims[1])
        .filter_map(|j| wave.element_label(1, j))
        .any(|l| PIEZO_LABELS.contains(&l) || SENSOR_LABELS.contains(&l) || DEFLECTION_LABELS.contains(&l));
    let pairs = key_values(&wave.note);
    labelled || (lookup(&pairs, "Indexes").is_some() && lookup(&pairs, "Direction").is_some())
}

/// File facts and the note: `date`, `time`, `instrument`, `software`, `software_version`,
/// `imaging_mode` when the note has them, `wave_name`, `ibw_version`, `byte_order`, and every
/// note key verbatim as `ibw:<key>` (text; the last value when a key repeats). A note
/// without `Key: value` lines is kept whole as `ibw:note`.
pub fn metadata(wave: &Wave) -> Metadata {
    let mut m = Metadata::default();
    m.set_text("wave_name", &wave.name);
    m.set_number("ibw_version", f64::from(wave.bin_header.version), None);
    m.set_text("byte_order", format!("{:?}", wave.bin_header.byte_order).to_lowercase());
    let pairs = key_values(&wave.note);
    for (key, target) in [
        ("Date", "date"),
        ("Time", "time"),
        ("MicroscopeModel", "instrument"),
        ("Version", "software_version"),
        ("ImagingMode", "imaging_mode"),
    ] {
        if let Some(v) = lookup(&pairs, key) {
            m.set_text(target, v);
        }
    }
    if is_asylum(&pairs) {
        m.set_text("software", "Asylum Research");
    }
    if pairs.is_empty() && !wave.note.is_empty() {
        m.set_text("ibw:note", &wave.note);
    }
    for (k, v) in &pairs {
        m.set_text(format!("ibw:{k}"), v);
    }
    m
}

/// Does the note look like Asylum Research's?
fn is_asylum(pairs: &[(String, String)]) -> bool {
    ["MicroscopeModel", "SpringConstant", "InvOLS", "ScanSize", "VerDate"].iter().any(|k| lookup(pairs, k).is_some())
}

/// A positive finite number from the note.
fn note_number(pairs: &[(String, String)], key: &str) -> Option<f64> {
    lookup(pairs, key).and_then(parse_number).filter(|v| v.is_finite() && *v > 0.0)
}

/// The single force curve of an Asylum force-curve wave.
pub fn force_curve(wave: &Wave, path: &Path) -> Result<ForceCurve, IoError> {
    let dims = wave.dims();
    let (n, n_col) = match dims.as_slice() {
        [n, c] => (*n, *c),
        _ => {
            return Err(IoError::new(
                path,
                format!("force curve: expected a 2-D wave (points, columns), found dimensions {dims:?}"),
            ));
        }
    };
    let WaveData::Real(data) = &wave.data else {
        return Err(IoError::new(path, "force curve: expected a real numeric wave"));
    };
    let column = |j: usize| data.get(j * n..(j + 1) * n).unwrap_or_default();
    let label = |j: usize| wave.element_label(1, j).map_or_else(|| format!("column{j}"), str::to_string);
    let find =
        |names: &[&str]| names.iter().find_map(|name| (0..n_col).find(|&j| wave.element_label(1, j) == Some(name)));

    let pairs = key_values(&wave.note);
    let calibration = Calibration {
        spring_constant_n_per_m: note_number(&pairs, "SpringConstant"),
        sensitivity_m_per_v: note_number(&pairs, "InvOLS"),
    };
    let unit = wave.data_units.as_str();

    // Full-length channels first; split into segments below.
    let mut channels: Vec<Channel> = Vec::new();
    let piezo = find(&PIEZO_LABELS);
    let sensor = find(&SENSOR_LABELS);
    let defl = find(&DEFLECTION_LABELS);
    if let Some(j) = defl {
        // Asylum stores deflection in m (InvOLS applied); a V column is converted with InvOLS.
        let (deflection_m, defl_unit): (Vec<f64>, &str) = match (unit, calibration.sensitivity_m_per_v) {
            ("V", Some(s)) => (column(j).iter().map(|v| v * s).collect(), "m"),
            _ => (column(j).to_vec(), unit),
        };
        if let (Some(k), "m") = (calibration.spring_constant_n_per_m, defl_unit) {
            // Hooke's law: F = k · d.
            channels.push(Channel::new(
                ChannelKind::Force,
                label(j),
                "N",
                deflection_m.iter().map(|d| d * k).collect(),
            ));
        }
        channels.push(Channel::new(ChannelKind::Deflection, label(j), defl_unit, deflection_m));
    }
    if let Some(j) = piezo {
        channels.push(Channel::new(ChannelKind::PiezoHeight, label(j), unit, column(j).iter().map(|z| -z).collect()));
    }
    if let Some(j) = sensor {
        channels.push(Channel::new(
            ChannelKind::MeasuredHeight,
            label(j),
            unit,
            column(j).iter().map(|z| -z).collect(),
        ));
    }
    if wave.dim_units[0] == "s" {
        channels.push(Channel::new(ChannelKind::Time, "time", "s", (0..n).map(|i| wave.coordinate(0, i)).collect()));
    }
    for j in (0..n_col).filter(|j| ![piezo, sensor, defl].contains(&Some(*j))) {
        let name = label(j);
        let u = channel_unit(&name, unit);
        channels.push(Channel::new(ChannelKind::Other(name.clone()), name, u, column(j).to_vec()));
    }

    let mut curve = ForceCurve::new(0);
    curve.calibration = calibration;
    for (kind, name, range) in segment_ranges(&pairs, n, path)? {
        let mut seg = Segment::new(kind, name);
        seg.channels = channels
            .iter()
            .map(|c| {
                Channel::new(
                    c.kind.clone(),
                    c.name.clone(),
                    c.unit.clone(),
                    c.data.get(range.clone()).unwrap_or_default().to_vec(),
                )
            })
            .collect();
        curve.segments.push(seg);
    }
    Ok(curve)
}

/// Segments from the note's `Indexes` and `Direction`. `Indexes` lists the last point of
/// each segment after a leading 0 (the first point); segment k (k ≥ 1) runs from
/// `Indexes[k-1]` (+1 after the first) to `Indexes[k]` inclusive and has direction
/// `Direction[k]`. Without `Indexes` the whole ramp is one segment of kind Other.
fn segment_ranges(
    pairs: &[(String, String)],
    n: usize,
    path: &Path,
) -> Result<Vec<(SegmentKind, String, std::ops::Range<usize>)>, IoError> {
    let Some(indexes) = lookup(pairs, "Indexes") else {
        return Ok(vec![(SegmentKind::Other, "ramp".to_string(), 0..n)]);
    };
    let bad = |why: String| IoError::at(path, Location::Key("Indexes".into()), why);
    let idx: Vec<usize> = indexes
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse_number(s)
                .filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v < usize::MAX as f64)
                .map(|v| v as usize)
                .ok_or_else(|| bad(format!("expected non-negative point indices, found '{s}' in '{indexes}'")))
        })
        .collect::<Result<_, _>>()?;
    let increasing = idx.windows(2).all(|w| w[0] < w[1]);
    if idx.len() < 2 || idx.first() != Some(&0) || idx.last() != Some(&(n.saturating_sub(1))) || !increasing {
        return Err(bad(format!(
            "expected increasing point indices from 0 to {} (the wave has {n} points), found '{indexes}'",
            n.saturating_sub(1)
        )));
    }
    let directions: Vec<f64> = lookup(pairs, "Direction")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse_number(s).unwrap_or(f64::NAN))
        .collect();
    let mut out = Vec::with_capacity(idx.len() - 1);
    for k in 1..idx.len() {
        let start = if k == 1 { idx[0] } else { idx[k - 1] + 1 };
        let (kind, name) = match directions.get(k).copied() {
            Some(1.0) => (SegmentKind::Approach, "extend".to_string()),
            Some(-1.0) => (SegmentKind::Retract, "retract".to_string()),
            Some(0.0) => (SegmentKind::Pause, "dwell".to_string()),
            _ => (SegmentKind::Other, format!("segment{k}")),
        };
        out.push((kind, name, start..idx[k] + 1));
    }
    Ok(out)
}

/// Unit of an Asylum channel. All columns/layers of a wave share one data-units field
/// (`m` in practice), so channels that are not lengths are recognised by name, as Asylum's
/// own display does: phase in degrees, potentials and user inputs in V, frequency in Hz,
/// current in A. Everything else (height, amplitude, deflection, z sensor) keeps the wave's units.
pub fn channel_unit(name: &str, wave_units: &str) -> String {
    let n = name.to_ascii_lowercase();
    let unit = if n.contains("phase") {
        "deg"
    } else if n.contains("potential") || n.contains("userin") || n.contains("bias") || n.contains("voltage") {
        "V"
    } else if n.contains("frequency") {
        "Hz"
    } else if n.contains("current") {
        "A"
    } else {
        wave_units
    };
    unit.to_string()
}

/// One image per layer of a 2-D / 3-D / 4-D wave (x = dimension 0, fast scan; y =
/// dimension 1, slow scan; layers = the remaining dimensions).
///
/// Names come from the layer labels (dimension 2); when there are none the single layer of
/// a 3-D wave takes the dimension's own label (Gwyddion writes its channel title there),
/// else the wave name (with the layer number when there are several).
/// Physical size: the note's `FastScanSize`/`SlowScanSize` (Asylum sets sfA = scan size /
/// (n − 1)), else sfA · n, only when the dimension units are metres.
pub fn images(wave: &Wave, path: &Path) -> Result<Vec<Image>, IoError> {
    let dims = wave.dims();
    if dims.len() < 2 {
        return Err(IoError::new(
            path,
            format!(
                "'{}' is a {}-D wave of {} points: expected an Asylum force curve (2-D with Raw/Defl/ZSnsr columns) or image (2-D or 3-D)",
                wave.name,
                dims.len(),
                wave.npnts
            ),
        ));
    }
    let WaveData::Real(data) = &wave.data else {
        return Err(IoError::new(
            path,
            format!("'{}': expected a real numeric wave for images, found {:?}", wave.name, wave.wave_type),
        ));
    };
    let (nx, ny) = (dims[0], dims[1]);
    let n_layers: usize = dims[2..].iter().product();
    let pairs = key_values(&wave.note);
    let asylum = is_asylum(&pairs);
    let size_m = if wave.dim_units[0] == "m" && wave.dim_units[1] == "m" {
        match (note_number(&pairs, "FastScanSize"), note_number(&pairs, "SlowScanSize")) {
            (Some(x), Some(y)) => Some((x, y)),
            _ => Some((wave.sf_a[0] * nx as f64, wave.sf_a[1] * ny as f64)),
        }
    } else {
        None
    };
    let plane = nx * ny;
    let mut out = Vec::with_capacity(n_layers);
    for l in 0..n_layers {
        let name = match (wave.element_label(2, l), wave.dimension_label(2)) {
            (Some(label), _) => label.to_string(),
            (None, Some(dim_label)) if n_layers == 1 => dim_label.to_string(),
            _ if n_layers == 1 => wave.name.clone(),
            _ => format!("{} ({l})", wave.name),
        };
        let unit = if asylum { channel_unit(&name, &wave.data_units) } else { wave.data_units.clone() };
        let layer = data.get(l * plane..(l + 1) * plane).unwrap_or_default().to_vec();
        // Column-major (x fastest) is exactly Image's row-major data[y * nx + x].
        let mask = layer.iter().map(|v| v.is_finite()).collect();
        out.push(Image { name, unit, nx, ny, size_m, data: layer, mask });
    }
    Ok(out)
}
