use super::*;

/// A small file exercising every feature: nested groups, f64/i64 datasets of rank 0–2,
/// scalar/array/string attributes, two dimension scales.
pub(super) fn sample() -> H5Builder {
    let mut b = H5Builder::new();
    let root = b.root();
    b.attr(root, "title", AttrValue::Str("vegard HDF5 sample — µm".into())).unwrap();
    b.attr(root, "empty", AttrValue::Str(String::new())).unwrap();
    let g = b.group(root, "Measurement_000").unwrap();
    let c = b.group(g, "Channel_000").unwrap();
    let img = b.dataset(c, "image", &[2, 3], Data::F64(vec![1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN])).unwrap();
    let y = b.dataset(c, "y", &[2], Data::F64(vec![0.5e-6, 1.5e-6])).unwrap();
    let x = b.dataset(c, "x", &[3], Data::F64(vec![0.0, 1e-6, 2e-6])).unwrap();
    b.dataset(c, "count", &[3], Data::I64(vec![-1, 0, i64::MAX])).unwrap();
    b.dataset(c, "scalar", &[], Data::F64(vec![42.0])).unwrap();
    b.dataset(c, "empty", &[0], Data::F64(vec![])).unwrap();
    b.attr(img, "units", AttrValue::Str("m".into())).unwrap();
    b.attr(img, "f", AttrValue::F64(2.5)).unwrap();
    b.attr(img, "i", AttrValue::I64(-7)).unwrap();
    b.attr(img, "fs", AttrValue::F64s(vec![1.0, -2.0])).unwrap();
    b.attr(img, "is", AttrValue::I64s(vec![3, 4, 5])).unwrap();
    b.attr(img, "ss", AttrValue::Strs(vec!["a".into(), "".into(), "ç".into()])).unwrap();
    b.attr(img, "fixed", AttrValue::FixedAscii("abc".into())).unwrap();
    for (name, id) in [("y", y), ("x", x)] {
        b.attr(id, "units", AttrValue::Str("m".into())).unwrap();
        b.make_scale(id, name).unwrap();
    }
    b.attach_scale(img, 0, y, "y").unwrap();
    b.attach_scale(img, 1, x, "x").unwrap();
    b
}

#[test]
fn write_sample_for_external_check() {
    // Written for bench/nsid_check.py (`VEGARD_HDF5_SAMPLE=path cargo test ...`); no-op otherwise.
    if let Ok(p) = std::env::var("VEGARD_HDF5_SAMPLE") {
        sample().write(std::path::Path::new(&p)).unwrap();
    }
}
