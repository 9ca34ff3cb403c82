"""vegard.open on every real force-curve file: curves as float64 arrays in SI units, the
grid, calibration, metadata, and a repr that says what the file holds."""

import os

import numpy as np
import pytest

import vegard
from conftest import force_curve_files


def readable_files():
    out = []
    for f in force_curve_files():
        try:
            ds = vegard.open(f)
        except vegard.FormatError:
            continue
        if ds.kind == "curves":
            out.append((f, ds))
    return out


def test_every_force_curve_file_opens_with_si_channels():
    files = readable_files()
    assert len(files) >= 10
    for path, ds in files:
        assert ds.path == str(path)
        assert ds.n_curves == len(ds) >= 1
        r = repr(ds)
        assert ds.format in r and "force curve" in r, r
        for i in {0, ds.n_curves - 1}:
            c = ds.curve(i)
            assert c["index"] == i
            assert c["segments"], path
            for seg in c["segments"]:
                assert seg["kind"] in ("approach", "retract", "pause", "other")
                lengths = {len(a) for a in seg["channels"].values()}
                assert len(lengths) == 1, (path, seg["name"], lengths)
                for key, a in seg["channels"].items():
                    assert isinstance(a, np.ndarray) and a.dtype == np.float64 and a.ndim == 1
                    unit = seg["units"][key]
                    if key in ("force",):
                        assert unit == "N"
                    if key.startswith("height") or key == "tip_position":
                        assert unit == "m"
                    if key == "time":
                        assert unit == "s"
        # Negative indices count from the end, as in Python.
        assert ds.curve(-1)["index"] == ds.n_curves - 1
        with pytest.raises(IndexError):
            ds.curve(ds.n_curves)


def test_force_volume_knows_its_grid_and_calibration():
    maps = [(p, ds) for p, ds in readable_files() if ds.grid is not None]
    assert maps, "no force volume among the shared files"
    for p, ds in maps:
        nx, ny = ds.grid
        assert nx >= 1 and ny >= 1
        k = ds.calibration["spring_constant_n_per_m"]
        assert k is None or 1e-5 < k < 1e4
        assert isinstance(ds.metadata, dict)
        assert "grid" in repr(ds)


def test_describe_is_vegard_info():
    (path, ds) = readable_files()[0]
    text = ds.describe()
    assert str(path) in text or os.path.basename(str(path)) in text


def test_missing_empty_and_wrong_inputs(tmp_path):
    with pytest.raises(vegard.FormatError, match="No such file"):
        vegard.open(tmp_path / "missing.jpk-force")
    empty = tmp_path / "empty.jpk-force"
    empty.write_bytes(b"")
    with pytest.raises(vegard.FormatError, match="empty"):
        vegard.open(empty)
    with pytest.raises(vegard.FormatError, match="folder"):
        vegard.open(tmp_path)
    junk = tmp_path / "notes.xyz"
    junk.write_bytes(b"\x00\x01hello")
    with pytest.raises(vegard.FormatError, match="unknown file format"):
        vegard.open(junk)
    with pytest.raises(TypeError):
        vegard.open(42)
    # A FormatError is an OSError and a VegardError.
    assert issubclass(vegard.FormatError, OSError) and issubclass(vegard.FormatError, vegard.VegardError)


def test_image_files_give_2d_arrays_with_their_scan_size():
    from conftest import require_shared

    for parts, n in [(("formats", "asylum_ibw", "AR_20211011.ibw"), 4), (("formats", "bruker_nanoscope", "di-3.di"), 4)]:
        ds = vegard.open(require_shared(*parts))
        assert ds.kind == "images" and len(ds) == n and ds.n_curves == 0
        assert f"{n} images" in repr(ds)
        ims = ds.images()
        nx, ny = ds.grid
        for im in ims:
            assert im["data"].shape == (ny, nx) and im["data"].dtype == np.float64
            assert im["x_m"].shape == (nx,) and im["y_m"].shape == (ny,)
        assert ims[0]["unit"] == "m" and 1e-7 < ds.scan_size_m[0] < 1e-3
        with pytest.raises(vegard.FormatError, match="images"):
            ds.curve(0)
