#!/usr/bin/env python3
"""Cross-check vegard's NSID files (our own HDF5 writer) against h5py and pyNSID/sidpy.

Usage:  python nsid_check.py RESULT.json RESULT.h5 [RESULT2.json RESULT2.h5 ...]
        python nsid_check.py --sample SAMPLE.h5   (the writer's test file, see below)

The pairs come from `vegard simulate esm ... --json R.json --nsid R.h5` (or `--out DIR`:
DIR/result.json, DIR/result.h5). For every `data` record of the JSON the script checks

1. with h5py (the HDF5 C library): the file opens; `Measurement_<i>` holds one channel per data
   column, `Channel_<j>/<name>/<name>`; every value is bit-identical to the JSON number
   (JSON null = NaN); every dimension has a dimension scale attached
   (`dset.dims[k][0]` is the sibling dataset named by `dset.dims[k].label`, H5DSis_attached);
2. with pyNSID: `check_if_main` accepts every main dataset, `get_all_main` finds all of them,
   and `read_h5py_dataset` returns a sidpy.Dataset with the right units, quantity, data type,
   dimension values/units/quantity/dimension type and the `metadata` dict.

`--sample` checks the file the Rust unit test `io::hdf5::tests::write_sample_for_external_check`
writes when VEGARD_HDF5_SAMPLE=SAMPLE.h5 is set (every writer feature: rank 0-2, i64, empty
dataset, NaN, UTF-8/empty/fixed strings, numeric arrays, 2 scales), and SAMPLE.h5.many.h5
(20 links, 21 attributes, three 1 MB strings in three heap collections).

Prints one line per record and "ALL OK" at the end; exits 1 on the first failure.
Environment used for docs (bench/README.md): python -m venv /work/venv-nsid &&
/work/venv-nsid/bin/pip install h5py pyNSID sidpy.
"""
import json
import sys
import warnings

import h5py
import numpy as np
import pyNSID
from pyNSID.io import hdf_utils

warnings.simplefilter("ignore", FutureWarning)


def arr(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def bits_equal(a, b):
    a = np.ascontiguousarray(a, dtype=float)
    b = np.ascontiguousarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def expected_channels(rec):
    """(channel name, values, units, quantity, data_type, [(dim name, values, units, dim type)])."""
    kind = rec["kind"]
    out = []
    if kind == "bias_spectroscopy":
        t = rec.get("time_s")
        if t is not None and all(x is not None for x in t):
            dim = [("time", arr(t), "s", "TEMPORAL")]
        else:
            dim = [("read", np.arange(len(rec["bias_v"]), dtype=float), "", "UNKNOWN")]
        out.append(("amplitude", arr(rec["amplitude_m"]), "m", "ESM amplitude", "LINE_PLOT", dim))
        out.append(("bias", arr(rec["bias_v"]), "V", "DC bias", "LINE_PLOT", dim))
        if rec.get("phase_deg") is not None:
            out.append(("phase", arr(rec["phase_deg"]), "deg", "ESM phase", "LINE_PLOT", dim))
        out.append(("cycle", np.array(rec["cycle"], dtype=np.int64), "", "cycle", "LINE_PLOT", dim))
        out.append(("pulse", np.array(rec["pulse"], dtype=np.int64), "", "pulse index", "LINE_PLOT", dim))
        state = np.array([1 if s == "on" else 0 for s in rec["state"]], dtype=np.int64)
        out.append(("state", state, "", "pulse state (1 on, 0 off)", "LINE_PLOT", dim))
    elif kind == "relaxation":
        dim = [("time", arr(rec["time_s"]), "s", "TEMPORAL")]
        out.append(("amplitude", arr(rec["amplitude_m"]), "m", "ESM amplitude", "LINE_PLOT", dim))
        out.append(("bias", arr(rec["bias_v"]), "V", "DC bias", "LINE_PLOT", dim))
        if rec.get("phase_deg") is not None:
            out.append(("phase", arr(rec["phase_deg"]), "deg", "ESM phase", "LINE_PLOT", dim))
    elif kind == "frequency_response":
        dim = [("frequency", arr(rec["frequency_hz"]), "Hz", "SPECTRAL")]
        out.append(("amplitude", arr(rec["amplitude_m"]), "m", "ESM amplitude", "SPECTRUM", dim))
        out.append(("phase", arr(rec["phase_deg"]), "deg", "ESM phase", "SPECTRUM", dim))
    elif kind == "map":
        for name, q in [("amplitude", "ESM amplitude"), ("phase", "ESM phase")]:
            im = rec.get(name)
            if im is None:
                continue
            nx, ny = im["nx"], im["ny"]
            dims = []
            for dn, n, k in [("y", ny, 1), ("x", nx, 0)]:
                if im.get("size_m") is not None:
                    s = im["size_m"][k]
                    dims.append((dn, np.array([(i + 0.5) * s / n for i in range(n)]), "m", "SPATIAL"))
                else:
                    dims.append((dn, np.arange(n, dtype=float), "pixel", "SPATIAL"))
            data = arr(im["data"]).reshape(ny, nx)
            out.append((name, data, im["unit"], q, "IMAGE", dims))
            mask = np.array(im["mask"], dtype=np.int64).reshape(ny, nx)
            out.append((name + "_valid", mask, "", "valid pixel (1 valid, 0 flagged)", "IMAGE", dims))
    else:
        raise SystemExit(f"unknown kind {kind}")
    return out


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def check_pair(json_path, h5_path):
    doc = json.load(open(json_path))
    f = h5py.File(h5_path, "r")
    check(f.attrs["experiment"] == doc["experiment"], "root attribute experiment")
    check(json.loads(f.attrs["params_json"]) == doc["params"], "root params_json equals JSON params")
    mains = hdf_utils.get_all_main(f)
    n_main = 0
    for i, rec in enumerate(doc["data"]):
        mg = f[f"Measurement_{i:03d}"]
        check(mg.attrs["kind"] == rec["kind"], f"{h5_path} measurement {i} kind")
        chans = expected_channels(rec)
        check(len(mg) == len(chans), f"measurement {i}: {len(mg)} channels, expected {len(chans)}")
        for j, (name, values, units, quantity, dtype, dims) in enumerate(chans):
            g = mg[f"Channel_{j:03d}/{name}"]
            d = g[name]
            n_main += 1
            # 1. h5py: values, attributes, dimension scales.
            if values.dtype == np.int64:
                check(d.dtype == np.int64 and np.array_equal(d[()], values), f"{d.name} int values")
            else:
                check(d.dtype == np.float64 and bits_equal(d[()], values), f"{d.name} bit-identical to JSON")
            check(len(d.attrs) == len(list(d.attrs)), f"{d.name}: H5Oget_info attribute count")
            for k, v in [("units", units), ("quantity", quantity), ("data_type", dtype)]:
                check(d.attrs[k] == v, f"{d.name} attribute {k} = {d.attrs[k]!r}, expected {v!r}")
            for k, (dn, dv, du, dt) in enumerate(dims):
                scale = d.dims[k][0]
                check(d.dims[k].label == dn, f"{d.name} dim {k} label")
                check(scale.name == g[dn].name, f"{d.name} dim {k} scale is {scale.name}")
                check(h5py.h5ds.is_scale(scale.id), f"{scale.name} is a dimension scale")
                check(h5py.h5ds.is_attached(d.id, scale.id, k), f"{scale.name} attached to dim {k}")
                check(bits_equal(scale[()], dv), f"{scale.name} values bit-identical")
                check(scale.attrs["units"] == du and scale.attrs["dimension_type"] == dt, f"{scale.name} attrs")
            # 2. pyNSID / sidpy.
            check(hdf_utils.check_if_main(d), f"pyNSID check_if_main({d.name})")
            check(any(m.name == d.name for m in mains), f"get_all_main finds {d.name}")
            sd = hdf_utils.read_h5py_dataset(d)
            check(sd.units == units and sd.quantity == quantity, f"sidpy units/quantity of {d.name}")
            check(sd.data_type.name == dtype, f"sidpy data_type of {d.name}: {sd.data_type}")
            check(np.array_equal(np.asarray(sd), values.astype(float), equal_nan=True), f"sidpy values {d.name}")
            for k, (dn, dv, du, dt) in enumerate(dims):
                ax = sd._axes[k]
                check(ax.name == dn and ax.units == du, f"sidpy dim {k} of {d.name}: {ax.name} {ax.units}")
                check(ax.dimension_type.name == dt, f"sidpy dim type {ax.dimension_type}")
                check(bits_equal(np.asarray(ax), dv), f"sidpy dim {k} values of {d.name}")
            md = sd.metadata
            for key in ["period_s", "tau_s", "ac_amplitude_v", "ac_frequency_hz", "dc_bias_v"]:
                if rec.get(key) is not None:
                    check(md[key] == rec[key], f"metadata {key} of {d.name}: {md.get(key)} vs {rec[key]}")
        print(f"{h5_path}: measurement {i} ({rec['kind']}): {len(chans)} channels OK")
    check(len(mains) == n_main, f"get_all_main found {len(mains)} main datasets, expected {n_main}")
    return n_main


def check_sample(path):
    f = h5py.File(path, "r")
    check(dict(f.attrs) == {"title": "vegard HDF5 sample — µm", "empty": "", "µ_key": 1e-6},
          f"root attributes {dict(f.attrs)}")
    check(sorted(f) == sorted(["grüppe", "n" * 300, "Measurement_000"]), f"root members {list(f)}")
    c = f["Measurement_000/Channel_000"]
    check(list(c) == sorted(["image", "y", "x", "count", "scalar", "empty"]), f"members {list(c)}")
    img = c["image"]
    check(bits_equal(img[()], np.array([[1, 2, 3], [4, 5, np.nan]])), "image values")
    check(c["count"].dtype == np.int64 and list(c["count"][()]) == [-1, 0, 2**63 - 1], "i64 values")
    check(c["scalar"].shape == () and c["scalar"][()] == 42.0, "scalar dataset")
    check(c["empty"].shape == (0,), "empty dataset")
    a = img.attrs
    check(len(a) == 9, f"9 attributes on image (H5Oget_info), got {len(a)}")
    check(a["units"] == "m" and a["f"] == 2.5 and a["i"] == -7 and a["fixed"] == b"abc", "scalar attributes")
    check(list(a["fs"]) == [1.0, -2.0] and list(a["is"]) == [3, 4, 5], "array attributes")
    check(list(a["ss"]) == ["a", "", "ç"], "string array attribute")
    for k, n in [(0, "y"), (1, "x")]:
        check(img.dims[k].label == n and img.dims[k][0].name == c[n].name, f"scale {n} on dim {k}")
        check(h5py.h5ds.is_attached(img.id, c[n].id, k), f"{n} attached")
    cnt = c["count"]
    check(cnt.dims[0][0].name == c["x"].name and h5py.h5ds.is_attached(cnt.id, c["x"].id, 0), "shared scale x")
    back = [(f[r[0]].name, int(r[1])) for r in c["x"].attrs["REFERENCE_LIST"]]
    check(back == [(img.name, 1), (cnt.name, 0)], f"x REFERENCE_LIST dereferences to {back}")
    g = h5py.File(path + ".many.h5", "r")
    check(len(g) == 20 and len(g.attrs) == 21 and g.attrs["a19"] == 19, "20 links, 21 attributes")
    check([s[:1] * len(s) == s and len(s) for s in g.attrs["big"]] == [10**6] * 3, "three 1 MB strings")
    print(f"{path} (+ .many.h5): sample OK")


def main(args):
    if len(args) == 2 and args[0] == "--sample":
        check_sample(args[1])
        return
    if len(args) % 2 or not args:
        raise SystemExit(__doc__)
    total = 0
    for j, h in zip(args[::2], args[1::2]):
        total += check_pair(j, h)
    print(f"ALL OK: {total} main datasets (h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}, "
          f"pyNSID {pyNSID.__version__})")


if __name__ == "__main__":
    main(sys.argv[1:])
