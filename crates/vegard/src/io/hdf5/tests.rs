use super::*;

/// A small file exercising every feature: nested groups, f64/i64 datasets of rank 0–2,
/// scalar/array/string attributes, two dimension scales.
pub(super) fn sample() -> H5Builder {
    let mut b = H5Builder::new();
    let root = b.root();
    b.attr(root, "title", AttrValue::Str("vegard HDF5 sample — µm".into())).unwrap();
    b.attr(root, "empty", AttrValue::Str(String::new())).unwrap();
    // Non-ASCII names (UTF-8 character-set fields) and a link name above 255 bytes (2-byte length).
    b.attr(root, "µ_key", AttrValue::F64(1e-6)).unwrap();
    b.group(root, "grüppe").unwrap();
    b.group(root, &"n".repeat(300)).unwrap();
    let g = b.group(root, "Measurement_000").unwrap();
    let c = b.group(g, "Channel_000").unwrap();
    let img = b.dataset(c, "image", &[2, 3], Data::F64(vec![1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN])).unwrap();
    let y = b.dataset(c, "y", &[2], Data::F64(vec![0.5e-6, 1.5e-6])).unwrap();
    let x = b.dataset(c, "x", &[3], Data::F64(vec![0.0, 1e-6, 2e-6])).unwrap();
    let count = b.dataset(c, "count", &[3], Data::I64(vec![-1, 0, i64::MAX])).unwrap();
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
    b.attach_scale(count, 0, x, "x").unwrap(); // one scale on two datasets
    b
}

/// The smallest file with a dimension scale: `/d` = [1.5, −2.0] (units "m") with scale `/x` =
/// [0, 1] on dimension 0. Written for `golden_minimal_file` when VEGARD_HDF5_GOLDEN is set.
fn minimal() -> H5Builder {
    let mut b = H5Builder::new();
    let root = b.root();
    let d = b.dataset(root, "d", &[2], Data::F64(vec![1.5, -2.0])).unwrap();
    let x = b.dataset(root, "x", &[2], Data::F64(vec![0.0, 1.0])).unwrap();
    b.attr(d, "units", AttrValue::Str("m".into())).unwrap();
    b.make_scale(x, "x").unwrap();
    b.attach_scale(d, 0, x, "x").unwrap();
    b
}

#[test]
fn golden_minimal_file() {
    // Byte-exact regression: this SHA-256 is of the file h5py 3.16 / HDF5 2.0.0 read as
    // d = [1.5, -2.0], d.attrs["units"] == "m", d.dims[0][0] == f["x"], d.dims[0].label == "x"
    // (checked 2026-11-30). A deliberate format change must be re-validated with h5py the same
    // way (VEGARD_HDF5_GOLDEN=path cargo test -p vegard --lib golden) before updating it.
    use sha2::{Digest, Sha256};
    let bytes = minimal().to_bytes().unwrap();
    if let Ok(p) = std::env::var("VEGARD_HDF5_GOLDEN") {
        std::fs::write(p, &bytes).unwrap();
    }
    let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(bytes.len(), GOLDEN_LEN);
    assert_eq!(hex, GOLDEN_SHA256);
    assert_eq!(minimal().to_bytes().unwrap(), bytes, "deterministic");
}

const GOLDEN_LEN: usize = 4888;
const GOLDEN_SHA256: &str = "693f793ff7561430bfada04fa6d5bcfded43e3fcd792e2d6e08a8ed470b45380";

#[test]
fn write_sample_for_external_check() {
    // The sample parses with our reader; with VEGARD_HDF5_SAMPLE=path it is also written there for
    // bench/nsid_check.py --sample (together with `path.many.h5`, see the test below).
    let bytes = sample().to_bytes().unwrap();
    File::open(&bytes).at("Measurement_000/Channel_000/image");
    if let Ok(p) = std::env::var("VEGARD_HDF5_SAMPLE") {
        sample().write(std::path::Path::new(&p)).unwrap();
    }
}

use read::{File, SUPERBLOCK, Value};

#[test]
fn superblock_layout() {
    let bytes = sample().to_bytes().unwrap();
    assert_eq!(&bytes[..8], b"\x89HDF\r\n\x1a\n");
    assert_eq!(&bytes[8..12], &[2, 8, 8, 0], "version 2, 8-byte offsets and lengths, flags 0");
    assert_eq!(u64::from_le_bytes(bytes[28..36].try_into().unwrap()), bytes.len() as u64, "end of file");
    assert_eq!(u64::from_le_bytes(bytes[36..44].try_into().unwrap()), SUPERBLOCK, "root header follows");
    let f = File::open(&bytes); // checks the superblock checksum
    assert_eq!(f.root, 48);
    assert_eq!(&bytes[48..53], b"OHDR\x02");
}

#[test]
fn sample_round_trips_through_our_reader() {
    let bytes = sample().to_bytes().unwrap();
    let f = File::open(&bytes);
    let root = f.at("");
    assert_eq!(root.str_attr("title"), "vegard HDF5 sample — µm");
    assert_eq!(root.str_attr("empty"), "");
    assert_eq!(root.attrs["µ_key"].value, Value::F64(vec![1e-6]));
    let top: Vec<String> = root.links.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(top, ["grüppe".to_string(), "n".repeat(300), "Measurement_000".into()]);
    let c = "Measurement_000/Channel_000";
    let names: Vec<String> = f.at(c).links.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["image", "y", "x", "count", "scalar", "empty"]);
    let img = f.at(&format!("{c}/image"));
    assert_eq!(img.shape.as_deref(), Some(&[2u64, 3][..]));
    match &img.data {
        Some(Value::F64(v)) => {
            assert_eq!(&v[..5], &[1.0, 2.0, 3.0, 4.0, 5.0]);
            assert!(v[5].is_nan());
        }
        d => panic!("image data {d:?}"),
    }
    assert_eq!(f.at(&format!("{c}/count")).data, Some(Value::I64(vec![-1, 0, i64::MAX])));
    let scalar = f.at(&format!("{c}/scalar"));
    assert_eq!((scalar.shape.as_deref(), scalar.data), (Some(&[][..]), Some(Value::F64(vec![42.0]))));
    assert_eq!(f.at(&format!("{c}/empty")).data, Some(Value::F64(vec![])));
    let a = |k: &str| img.attrs[k].value.clone();
    assert_eq!(a("units"), Value::Str(vec!["m".into()]));
    assert_eq!(a("f"), Value::F64(vec![2.5]));
    assert_eq!(a("i"), Value::I64(vec![-7]));
    assert_eq!(a("fs"), Value::F64(vec![1.0, -2.0]));
    assert_eq!(a("is"), Value::I64(vec![3, 4, 5]));
    assert_eq!(a("ss"), Value::Str(vec!["a".into(), "".into(), "ç".into()]));
    assert_eq!(a("fixed"), Value::Fixed(vec!["abc".into()]));
    assert_eq!(img.attrs["fs"].shape, [2]);
    assert!(img.attrs["f"].shape.is_empty(), "scalar dataspace");
    // Dimension scales: DIMENSION_LIST on the image points at y and x; each scale's
    // REFERENCE_LIST points back with the dimension index; CLASS/NAME as the DS library.
    let (y, x) = (f.at(&format!("{c}/y")), f.at(&format!("{c}/x")));
    assert_eq!(a("DIMENSION_LIST"), Value::RefSeqs(vec![vec![y.addr], vec![x.addr]]));
    assert_eq!(a("DIMENSION_LABELS"), Value::Str(vec!["y".into(), "x".into()]));
    let count = f.at(&format!("{c}/count"));
    for (s, name, refs) in [(&y, "y", vec![(img.addr, 0)]), (&x, "x", vec![(img.addr, 1), (count.addr, 0)])] {
        assert_eq!(s.str_attr("CLASS"), "DIMENSION_SCALE");
        assert_eq!(s.str_attr("NAME"), name);
        assert_eq!(s.attrs["REFERENCE_LIST"].value, Value::RefList(refs));
    }
    assert_eq!(count.attrs["DIMENSION_LIST"].value, Value::RefSeqs(vec![vec![x.addr]]));
}

#[test]
fn large_counts_use_phase_change_fields_and_several_heap_collections() {
    // 20 attributes and 20 links (above the library's compact default of 8) and 3 MB of strings
    // (above the 1 MiB collection cap): every object still parses and every string survives.
    let mut b = H5Builder::new();
    let root = b.root();
    let big: Vec<String> = (0..3).map(|i| char::from(b'a' + i).to_string().repeat(1_000_000)).collect();
    for i in 0..20 {
        b.attr(root, &format!("a{i}"), AttrValue::I64(i)).unwrap();
        b.group(root, &format!("g{i}")).unwrap();
    }
    b.attr(root, "big", AttrValue::Strs(big.clone())).unwrap();
    let bytes = b.to_bytes().unwrap();
    if let Ok(p) = std::env::var("VEGARD_HDF5_SAMPLE") {
        b.write(std::path::Path::new(&format!("{p}.many.h5"))).unwrap();
    }
    assert_eq!(bytes.windows(4).filter(|w| w == b"GCOL").count(), 3, "one collection per 1 MB string");
    let f = File::open(&bytes);
    let r = f.at("");
    assert_eq!(r.links.len(), 20);
    assert_eq!(r.attrs.len(), 21);
    assert_eq!(r.attrs["a19"].value, Value::I64(vec![19]));
    assert_eq!(r.attrs["big"].value, Value::Str(big));
    assert_eq!(bytes[53] & 0x10, 0x10, "attribute phase change stored");
    for (_, addr) in &r.links {
        f.object(*addr);
    }
}

#[test]
fn bad_input_is_an_error_naming_the_problem() {
    let mut b = H5Builder::new();
    let root = b.root();
    let e = b.group(root, "a/b").unwrap_err();
    assert!(e.0.contains("a/b") && e.0.contains("without '/'"), "{e}");
    b.group(root, "g").unwrap();
    assert!(b.group(root, "g").unwrap_err().0.contains("already holds"));
    let e = b.dataset(root, "d", &[2, 2], Data::F64(vec![1.0; 3])).unwrap_err();
    assert!(e.0.contains("needs 4 values, 3 given"), "{e}");
    let d = b.dataset(root, "d", &[2], Data::F64(vec![1.0; 2])).unwrap();
    let s = b.dataset(root, "s", &[2], Data::F64(vec![1.0; 2])).unwrap();
    assert!(b.dataset(d, "x", &[1], Data::F64(vec![1.0])).unwrap_err().0.contains("not a group"));
    assert!(b.attach_scale(d, 0, s, "s").unwrap_err().0.contains("not a dimension scale"));
    b.make_scale(s, "s").unwrap();
    assert!(b.attach_scale(d, 1, s, "s").unwrap_err().0.contains("dimension 1 out of range"));
    assert!(b.attr(d, "DIMENSION_LIST", AttrValue::I64(1)).unwrap_err().0.contains("dimension-scale"));
    let e = b.attr(root, "c", AttrValue::FixedAscii("é".into())).and_then(|_| b.to_bytes()).unwrap_err();
    assert!(e.0.contains("ASCII"), "{e}");
}

#[test]
fn unwritable_path_names_the_file() {
    let dir = std::env::temp_dir().join(format!("vegard-hdf5-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let blocker = dir.join("plain-file");
    std::fs::write(&blocker, b"x").unwrap();
    let target = blocker.join("out.h5"); // parent is a file: cannot be created
    let e = sample().write(&target).unwrap_err();
    assert!(e.to_string().contains("out.h5"), "{e}");
    let ok = dir.join("ok.h5");
    sample().write(&ok).unwrap();
    assert_eq!(std::fs::read(&ok).unwrap(), sample().to_bytes().unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
