//! ESM data ([`crate::data::esm`]) as **NSID** HDF5 files — the layout of pycroscopy's pyNSID
//! (`pyNSID.io.hdf_io.write_nsid_dataset`) that `pyNSID.io.hdf_utils.read_h5py_dataset` reads
//! into `sidpy.Dataset`s. Written with our own HDF5 writer ([`super::hdf5`]).
//!
//! Layout (one measurement per [`EsmData`] record, one channel per data column):
//!
//! ```text
//! /                                   attributes given by the caller (experiment, params JSON…)
//! /Measurement_000                    kind, source, provenance (JSON)
//! /Measurement_000/Channel_000/<name>            group, book-keeping attributes
//!     <name>                          main dataset (f64 or i64): quantity, units, data_type,
//!                                     modality, source, title, main_data_name, nsid_version,
//!                                     pyNSID_version, sidpy_version, creator
//!     <dim>                           one 1-D f64 dataset per dimension: name, quantity, units,
//!                                     dimension_type; a dimension scale attached to <name>
//!     metadata/                       the record's scalar fields (keys as in JSON, SI)
//!     original_metadata/              the record's `metadata` table
//! ```
//!
//! pyNSID's `check_if_main` needs: every dimension of the main dataset with an attached scale,
//! whose dimension label names a sibling 1-D dataset of the right length holding `name`,
//! `quantity`, `units`, `dimension_type`; string attributes `quantity`, `units`,
//! `main_data_name`, `pyNSID_version`, `data_type`, `modality`, `source` on the main dataset.
//! `data_type` and `dimension_type` are sidpy enum names (`sidpy.DataType`,
//! `sidpy.DimensionType`). Values are written exactly as in the JSON (amplitudes m, bias V,
//! time s, frequency Hz, phase in degrees as the data model holds it).

use std::path::Path;

use super::IoError;
use super::hdf5::{AttrValue, Data, H5Builder, Hdf5Error, ObjId};
use crate::data::esm::{EsmData, EsmSource, PulseState};
use crate::data::{Image, MetaValue, Metadata};

/// pyNSID release whose reader this layout was checked against (bench/nsid_check.py); written
/// as `pyNSID_version` / `nsid_version`, which pyNSID's `check_if_main` requires.
pub const PYNSID_VERSION: &str = "0.0.7.2";
/// sidpy release of that check (`sidpy_version`, as pyNSID's book-keeping writes it).
pub const SIDPY_VERSION: &str = "0.12.9";
/// `modality` of every ESM channel.
pub const MODALITY: &str = "electrochemical strain microscopy";

/// `sidpy.DataType` names used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    Spectrum,
    LinePlot,
    Image,
}

impl DataType {
    pub fn name(self) -> &'static str {
        match self {
            DataType::Spectrum => "SPECTRUM",
            DataType::LinePlot => "LINE_PLOT",
            DataType::Image => "IMAGE",
        }
    }
}

/// `sidpy.DimensionType` names used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DimensionType {
    Unknown,
    Spatial,
    Spectral,
    Temporal,
}

impl DimensionType {
    pub fn name(self) -> &'static str {
        match self {
            DimensionType::Unknown => "UNKNOWN",
            DimensionType::Spatial => "SPATIAL",
            DimensionType::Spectral => "SPECTRAL",
            DimensionType::Temporal => "TEMPORAL",
        }
    }
}

/// One dimension (axis) of a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// Dataset and scale name (ASCII, unique within the channel).
    pub name: String,
    pub quantity: String,
    pub units: String,
    pub dimension_type: DimensionType,
    pub values: Vec<f64>,
}

/// One NSID main dataset with its dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub name: String,
    pub title: String,
    pub quantity: String,
    pub units: String,
    pub data_type: DataType,
    /// Row-major values; the shape is the lengths of `dims`.
    pub values: Data,
    pub dims: Vec<Dimension>,
}

/// One measurement: channels sharing metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The data-model kind (`bias_spectroscopy`, `relaxation`, `frequency_response`, `map`).
    pub kind: String,
    /// sidpy `source`: "simulation", "synthetic" or the measured file's path.
    pub source: String,
    pub channels: Vec<Channel>,
    /// The record's scalar fields (`metadata` group), SI as in JSON.
    pub metadata: Vec<(String, AttrValue)>,
    /// The record's metadata table (`original_metadata` group).
    pub original_metadata: Vec<(String, AttrValue)>,
    /// Provenance as JSON text, if any.
    pub provenance: Option<String>,
}

fn source_name(s: &EsmSource) -> String {
    match s {
        EsmSource::Simulation => "simulation".into(),
        EsmSource::Synthetic => "synthetic".into(),
        EsmSource::File(p) => p.clone(),
    }
}

/// `Metadata` as attributes: numbers as f64 (`<key>.unit` beside when they carry a unit), text as
/// strings.
fn metadata_attrs(m: &Metadata) -> Vec<(String, AttrValue)> {
    let mut out = Vec::new();
    for (k, v) in m.iter() {
        match v {
            MetaValue::Number { value, unit } => {
                out.push((k.clone(), AttrValue::F64(*value)));
                if let Some(u) = unit {
                    out.push((format!("{k}.unit"), AttrValue::Str(u.clone())));
                }
            }
            MetaValue::Text(s) => out.push((k.clone(), AttrValue::Str(s.clone()))),
        }
    }
    out
}

fn opt_f64(out: &mut Vec<(String, AttrValue)>, key: &str, v: Option<f64>) {
    if let Some(v) = v {
        out.push((key.into(), AttrValue::F64(v)));
    }
}

fn line(name: &str, quantity: &str, units: &str, dt: DataType, values: Data, dim: &Dimension) -> Channel {
    Channel {
        name: name.into(),
        title: quantity.into(),
        quantity: quantity.into(),
        units: units.into(),
        data_type: dt,
        values,
        dims: vec![dim.clone()],
    }
}

fn invalid(e: impl std::fmt::Display) -> Hdf5Error {
    Hdf5Error(format!("ESM data not writable as NSID: {e}"))
}

/// The read axis of a spectroscopy table: the read times when all are known, else the index.
fn read_axis(time_s: Option<&Vec<f64>>, n: usize) -> Dimension {
    match time_s {
        Some(t) if t.iter().all(|x| x.is_finite()) => Dimension {
            name: "time".into(),
            quantity: "time".into(),
            units: "s".into(),
            dimension_type: DimensionType::Temporal,
            values: t.clone(),
        },
        _ => Dimension {
            name: "read".into(),
            quantity: "read index".into(),
            units: "".into(),
            dimension_type: DimensionType::Unknown,
            values: (0..n).map(|i| i as f64).collect(),
        },
    }
}

/// Pixel-centre coordinates of `n` pixels over `size` m, or pixel indices if the size is unknown.
fn image_axis(name: &str, n: usize, size: Option<f64>) -> Dimension {
    let (units, quantity, values) = match size {
        Some(s) => ("m", name.to_string(), (0..n).map(|i| (i as f64 + 0.5) * s / n as f64).collect()),
        None => ("pixel", format!("{name} pixel index"), (0..n).map(|i| i as f64).collect()),
    };
    Dimension { name: name.into(), quantity, units: units.into(), dimension_type: DimensionType::Spatial, values }
}

fn image_channels(im: &Image, name: &str, quantity: &str, out: &mut Vec<Channel>) -> Result<(), Hdf5Error> {
    let n = im.nx.checked_mul(im.ny).ok_or_else(|| invalid(format!("image `{}` too large", im.name)))?;
    if im.data.len() != n || im.mask.len() != n {
        return Err(invalid(format!(
            "image `{}`: {}×{} pixels but {} values and {} mask entries",
            im.name,
            im.nx,
            im.ny,
            im.data.len(),
            im.mask.len()
        )));
    }
    // Row-major data[y·nx + x]: dimension 0 is y (scan lines), dimension 1 is x.
    let dims = vec![image_axis("y", im.ny, im.size_m.map(|s| s.1)), image_axis("x", im.nx, im.size_m.map(|s| s.0))];
    out.push(Channel {
        name: name.into(),
        title: quantity.into(),
        quantity: quantity.into(),
        units: im.unit.clone(),
        data_type: DataType::Image,
        values: Data::F64(im.data.clone()),
        dims: dims.clone(),
    });
    out.push(Channel {
        name: format!("{name}_valid"),
        title: format!("{quantity}: valid pixels"),
        quantity: "valid pixel (1 valid, 0 flagged)".into(),
        units: "".into(),
        data_type: DataType::Image,
        values: Data::I64(im.mask.iter().map(|&m| i64::from(m)).collect()),
        dims,
    });
    Ok(())
}

/// The NSID measurement of one ESM record (validated first).
pub fn esm_measurement(d: &EsmData) -> Result<Measurement, Hdf5Error> {
    let mut metadata = Vec::new();
    let mut channels = Vec::new();
    let (kind, meta, prov) = match d {
        EsmData::BiasSpectroscopy(s) => {
            s.validate().map_err(invalid)?;
            let axis = read_axis(s.time_s.as_ref(), s.len());
            let lp = DataType::LinePlot;
            channels.push(line("amplitude", "ESM amplitude", "m", lp, Data::F64(s.amplitude_m.clone()), &axis));
            channels.push(line("bias", "DC bias", "V", lp, Data::F64(s.bias_v.clone()), &axis));
            if let Some(p) = &s.phase_deg {
                channels.push(line("phase", "ESM phase", "deg", lp, Data::F64(p.clone()), &axis));
            }
            let ints = |v: &[u32]| Data::I64(v.iter().map(|&x| i64::from(x)).collect());
            channels.push(line("cycle", "cycle", "", lp, ints(&s.cycle), &axis));
            channels.push(line("pulse", "pulse index", "", lp, ints(&s.pulse), &axis));
            let state = s.state.iter().map(|&st| i64::from(st == PulseState::On)).collect();
            channels.push(line("state", "pulse state (1 on, 0 off)", "", lp, Data::I64(state), &axis));
            metadata.push(("period_s".into(), AttrValue::F64(s.period_s)));
            metadata.push(("pulses_per_period".into(), AttrValue::I64(i64::from(s.pulses_per_period))));
            opt_f64(&mut metadata, "ac_amplitude_v", s.ac_amplitude_v);
            opt_f64(&mut metadata, "ac_frequency_hz", s.ac_frequency_hz);
            ("bias_spectroscopy", &s.metadata, &s.provenance)
        }
        EsmData::Relaxation(r) => {
            r.validate().map_err(invalid)?;
            let axis = Dimension {
                name: "time".into(),
                quantity: "time".into(),
                units: "s".into(),
                dimension_type: DimensionType::Temporal,
                values: r.time_s.clone(),
            };
            let lp = DataType::LinePlot;
            channels.push(line("amplitude", "ESM amplitude", "m", lp, Data::F64(r.amplitude_m.clone()), &axis));
            channels.push(line("bias", "DC bias", "V", lp, Data::F64(r.bias_v.clone()), &axis));
            if let Some(p) = &r.phase_deg {
                channels.push(line("phase", "ESM phase", "deg", lp, Data::F64(p.clone()), &axis));
            }
            opt_f64(&mut metadata, "tau_s", r.tau_s);
            opt_f64(&mut metadata, "ac_amplitude_v", r.ac_amplitude_v);
            ("relaxation", &r.metadata, &r.provenance)
        }
        EsmData::FrequencyResponse(f) => {
            f.validate().map_err(invalid)?;
            let axis = Dimension {
                name: "frequency".into(),
                quantity: "AC frequency".into(),
                units: "Hz".into(),
                dimension_type: DimensionType::Spectral,
                values: f.frequency_hz.clone(),
            };
            let sp = DataType::Spectrum;
            channels.push(line("amplitude", "ESM amplitude", "m", sp, Data::F64(f.amplitude_m.clone()), &axis));
            channels.push(line("phase", "ESM phase", "deg", sp, Data::F64(f.phase_deg.clone()), &axis));
            opt_f64(&mut metadata, "dc_bias_v", f.dc_bias_v);
            opt_f64(&mut metadata, "ac_amplitude_v", f.ac_amplitude_v);
            ("frequency_response", &f.metadata, &f.provenance)
        }
        EsmData::Map(m) => {
            image_channels(&m.amplitude, "amplitude", "ESM amplitude", &mut channels)?;
            if let Some(p) = &m.phase {
                image_channels(p, "phase", "ESM phase", &mut channels)?;
            }
            opt_f64(&mut metadata, "ac_amplitude_v", m.ac_amplitude_v);
            opt_f64(&mut metadata, "ac_frequency_hz", m.ac_frequency_hz);
            ("map", &m.metadata, &m.provenance)
        }
    };
    let provenance = match prov {
        Some(p) => Some(serde_json::to_string(p).map_err(invalid)?),
        None => None,
    };
    Ok(Measurement {
        kind: kind.into(),
        source: source_name(d.source()),
        channels,
        metadata,
        original_metadata: metadata_attrs(meta),
        provenance,
    })
}

fn str_attr(b: &mut H5Builder, id: ObjId, name: &str, v: &str) -> Result<(), Hdf5Error> {
    b.attr(id, name, AttrValue::Str(v.to_string()))
}

fn attr_group(b: &mut H5Builder, parent: ObjId, name: &str, attrs: &[(String, AttrValue)]) -> Result<(), Hdf5Error> {
    let g = b.group(parent, name)?;
    for (k, v) in attrs {
        b.attr(g, k, v.clone())?;
    }
    Ok(())
}

fn write_channel(
    b: &mut H5Builder,
    parent: ObjId,
    m: &Measurement,
    c: &Channel,
    creator: &str,
) -> Result<(), Hdf5Error> {
    let g = b.group(parent, &c.name)?;
    for (k, v) in [("pyNSID_version", PYNSID_VERSION), ("sidpy_version", SIDPY_VERSION), ("creator", creator)] {
        str_attr(b, g, k, v)?;
    }
    let shape: Vec<usize> = c.dims.iter().map(|d| d.values.len()).collect();
    let main = b.dataset(g, &c.name, &shape, c.values.clone())?;
    let attrs = [
        ("quantity", c.quantity.as_str()),
        ("units", &c.units),
        ("main_data_name", &c.title),
        ("title", &c.title),
        ("data_type", c.data_type.name()),
        ("modality", MODALITY),
        ("source", &m.source),
        ("nsid_version", PYNSID_VERSION),
        ("pyNSID_version", PYNSID_VERSION),
        ("sidpy_version", SIDPY_VERSION),
        ("creator", creator),
    ];
    for (k, v) in attrs {
        str_attr(b, main, k, v)?;
    }
    for (i, d) in c.dims.iter().enumerate() {
        if d.name == c.name || c.dims[..i].iter().any(|o| o.name == d.name) {
            return Err(Hdf5Error(format!("channel `{}`: dimension name `{}` is not unique", c.name, d.name)));
        }
        let ds = b.dataset(g, &d.name, &[d.values.len()], Data::F64(d.values.clone()))?;
        for (k, v) in [
            ("name", d.name.as_str()),
            ("quantity", &d.quantity),
            ("units", &d.units),
            ("dimension_type", d.dimension_type.name()),
        ] {
            str_attr(b, ds, k, v)?;
        }
        b.make_scale(ds, &d.name)?;
        b.attach_scale(main, i, ds, &d.name)?;
    }
    attr_group(b, g, "metadata", &m.metadata)?;
    attr_group(b, g, "original_metadata", &m.original_metadata)?;
    Ok(())
}

/// The NSID file of `measurements` (`Measurement_000`, … in order), with `root_attrs` on `/`.
pub fn build(
    measurements: &[Measurement],
    root_attrs: &[(String, AttrValue)],
    creator: &str,
) -> Result<H5Builder, Hdf5Error> {
    let mut b = H5Builder::new();
    let root = b.root();
    for (k, v) in root_attrs {
        b.attr(root, k, v.clone())?;
    }
    for (i, m) in measurements.iter().enumerate() {
        let mg = b.group(root, &format!("Measurement_{i:03}"))?;
        str_attr(&mut b, mg, "kind", &m.kind)?;
        str_attr(&mut b, mg, "source", &m.source)?;
        if let Some(p) = &m.provenance {
            str_attr(&mut b, mg, "provenance", p)?;
        }
        for (j, c) in m.channels.iter().enumerate() {
            let cg = b.group(mg, &format!("Channel_{j:03}"))?;
            write_channel(&mut b, cg, m, c, creator)?;
        }
    }
    Ok(b)
}

/// The creator string written to every channel: `vegard <version>`.
pub fn creator() -> String {
    format!("vegard {}", env!("CARGO_PKG_VERSION"))
}

/// NSID bytes of ESM records, with `root_attrs` on `/`.
pub fn esm_bytes(data: &[EsmData], root_attrs: &[(String, AttrValue)]) -> Result<Vec<u8>, Hdf5Error> {
    let ms = data.iter().map(esm_measurement).collect::<Result<Vec<_>, _>>()?;
    build(&ms, root_attrs, &creator())?.to_bytes()
}

/// Write ESM records as an NSID file at `path` (atomically); errors name the file.
pub fn write_esm(path: &Path, data: &[EsmData], root_attrs: &[(String, AttrValue)]) -> Result<(), IoError> {
    let bytes = esm_bytes(data, root_attrs).map_err(|e| IoError::new(path, e.to_string()))?;
    super::write_atomic(path, &bytes).map_err(|e| IoError::new(path, format!("cannot write: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::esm::{FrequencyResponse, Relaxation};
    use crate::io::hdf5::read::{File, Value};

    fn relaxation() -> Relaxation {
        let mut r = Relaxation::new(EsmSource::Simulation);
        r.time_s = vec![0.0, 0.5, 1.0, 1.5];
        r.amplitude_m = vec![1e-12, 2e-12, f64::NAN, 3.5e-12];
        r.bias_v = vec![0.0, 1.0, 1.0, 0.0];
        r.tau_s = Some(0.25);
        r.metadata.set_number("tip_radius", 2.5e-8, Some("m"));
        r.metadata.set_text("note", "synthetic");
        r
    }

    /// The pyNSID layout: Measurement_000/Channel_<j>/<name>/<name>, the dimension scale beside
    /// it, the attributes `check_if_main` needs, bit-identical values (NaN kept), metadata groups.
    #[test]
    fn relaxation_layout_and_values() {
        let bytes =
            esm_bytes(&[EsmData::Relaxation(relaxation())], &[("experiment".into(), AttrValue::Str("x".into()))])
                .unwrap();
        let f = File::open(&bytes);
        assert_eq!(f.at("").str_attr("experiment"), "x");
        let m = f.at("Measurement_000");
        assert_eq!(m.str_attr("kind"), "relaxation");
        assert_eq!(m.links.len(), 2, "amplitude and bias channels (no phase)");
        let g = f.at("Measurement_000/Channel_000/amplitude");
        let names: Vec<String> = g.links.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names, ["amplitude", "time", "metadata", "original_metadata"]);
        let main = f.at("Measurement_000/Channel_000/amplitude/amplitude");
        for (k, v) in [
            ("quantity", "ESM amplitude"),
            ("units", "m"),
            ("data_type", "LINE_PLOT"),
            ("modality", MODALITY),
            ("source", "simulation"),
            ("main_data_name", "ESM amplitude"),
            ("pyNSID_version", PYNSID_VERSION),
        ] {
            assert_eq!(main.str_attr(k), v, "{k}");
        }
        match &main.data {
            Some(Value::F64(v)) => {
                let want = relaxation().amplitude_m;
                assert!(v.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "{v:?}");
            }
            d => panic!("{d:?}"),
        }
        let time = f.at("Measurement_000/Channel_000/amplitude/time");
        assert_eq!(time.data, Some(Value::F64(relaxation().time_s)));
        for (k, v) in [("name", "time"), ("units", "s"), ("quantity", "time"), ("dimension_type", "TEMPORAL")] {
            assert_eq!(time.str_attr(k), v, "{k}");
        }
        assert_eq!(main.attrs["DIMENSION_LIST"].value, Value::RefSeqs(vec![vec![time.addr]]));
        assert_eq!(main.attrs["DIMENSION_LABELS"].value, Value::Str(vec!["time".into()]));
        assert_eq!(time.attrs["REFERENCE_LIST"].value, Value::RefList(vec![(main.addr, 0)]));
        let md = f.at("Measurement_000/Channel_000/amplitude/metadata");
        assert_eq!(md.attrs["tau_s"].value, Value::F64(vec![0.25]));
        let om = f.at("Measurement_000/Channel_001/bias/original_metadata");
        assert_eq!(om.attrs["tip_radius"].value, Value::F64(vec![2.5e-8]));
        assert_eq!(om.str_attr("tip_radius.unit"), "m");
        assert_eq!(om.str_attr("note"), "synthetic");
    }

    /// A map: (ny, nx) row-major image, y then x pixel-centre axes in m, and the validity mask.
    #[test]
    fn map_dimensions_follow_the_row_major_layout() {
        let mut im = Image::new("amplitude", "m", 3, 2);
        im.size_m = Some((3e-6, 1e-6));
        for (i, v) in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0].into_iter().enumerate() {
            im.set(i % 3, i / 3, v, i != 4);
        }
        let map = crate::data::esm::EsmMap {
            source: EsmSource::File("scan.ibw".into()),
            amplitude: im,
            phase: None,
            ac_amplitude_v: Some(1.0),
            ac_frequency_hz: None,
            metadata: Metadata::default(),
            provenance: None,
        };
        let bytes = esm_bytes(&[EsmData::Map(map)], &[]).unwrap();
        let f = File::open(&bytes);
        let main = f.at("Measurement_000/Channel_000/amplitude/amplitude");
        assert_eq!(main.shape.as_deref(), Some(&[2u64, 3][..]));
        assert_eq!(main.str_attr("data_type"), "IMAGE");
        assert_eq!(main.str_attr("source"), "scan.ibw");
        let y = f.at("Measurement_000/Channel_000/amplitude/y");
        let x = f.at("Measurement_000/Channel_000/amplitude/x");
        assert_eq!(y.data, Some(Value::F64(vec![0.25e-6, 0.75e-6])));
        assert_eq!(x.data, Some(Value::F64(vec![0.5e-6, 1.5e-6, 2.5e-6])));
        assert_eq!(main.attrs["DIMENSION_LIST"].value, Value::RefSeqs(vec![vec![y.addr], vec![x.addr]]));
        let valid = f.at("Measurement_000/Channel_001/amplitude_valid/amplitude_valid");
        assert_eq!(valid.data, Some(Value::I64(vec![1, 1, 1, 1, 0, 1])));
    }

    #[test]
    fn inconsistent_records_are_refused_with_the_column_named() {
        let mut r = relaxation();
        r.bias_v.pop();
        let e = esm_bytes(&[EsmData::Relaxation(r)], &[]).unwrap_err();
        assert!(e.0.contains("bias_v") && e.0.contains("expected 4"), "{e}");
        let fr = FrequencyResponse {
            source: EsmSource::Synthetic,
            frequency_hz: vec![1.0, -2.0],
            amplitude_m: vec![1.0, 2.0],
            phase_deg: vec![0.0, 1.0],
            dc_bias_v: None,
            ac_amplitude_v: None,
            metadata: Metadata::default(),
            provenance: None,
        };
        let e = esm_bytes(&[EsmData::FrequencyResponse(fr)], &[]).unwrap_err();
        assert!(e.0.contains("frequency_hz"), "{e}");
        let dir = std::env::temp_dir().join(format!("vegard-nsid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("f"), b"x").unwrap();
        let e = write_esm(&dir.join("f").join("r.h5"), &[EsmData::Relaxation(relaxation())], &[]).unwrap_err();
        assert!(e.to_string().contains("r.h5"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
