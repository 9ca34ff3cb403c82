"""Results from Python: maps as 2-D arrays with axes, pandas/xarray views, pickling and
merging, and the CLI's products written by the library."""

import json
import os
import pickle
import subprocess

import numpy as np
import pytest

import vegard
from conftest import require_shared

MAP = ("forcecurves", "fmt-jpk-fd_map-data-reference-points.jpk-force-map")
SPOT = ("forcecurves", "fmt-jpk-fd_spot3-0192.jpk-force")
SETTINGS = dict(model="hertz-paraboloid", tip_radius="10um", poisson=0.5)


@pytest.fixture(scope="module")
def map_results():
    return vegard.nanomech.analyse(require_shared(*MAP), **SETTINGS)


def test_maps_are_2d_arrays_with_axes(map_results):
    ds = vegard.open(require_shared(*MAP))
    nx, ny = ds.grid
    maps = map_results.maps()
    assert set(maps) == {"modulus", "adhesion", "deformation", "dissipation", "peak_force", "height", "r2"}
    m = maps["modulus"]
    assert m.data.shape == (ny, nx) and m.unit == "Pa"
    assert m.x_m.shape == (nx,) and m.y_m.shape == (ny,)
    sx, sy = ds.scan_size_m
    assert m.extent_m == [0.0, sx, 0.0, sy]
    # Each valid curve is at its grid position; everything else is NaN.
    valid = [r for r in map_results.records if not r["flags"]]
    assert int(np.isfinite(m.data).sum()) == len(valid)
    for r in valid:
        assert m.data[r["grid_y"], r["grid_x"]] == r["modulus_pa"]
    # A single curve has no maps.
    assert vegard.nanomech.analyse(require_shared(*SPOT), **SETTINGS).maps() is None


def test_pandas_and_xarray_views(map_results):
    df = map_results.to_pandas()
    assert len(df) == map_results.n_curves
    assert list(df["modulus_pa"]) == [r["modulus_pa"] for r in map_results.records]
    assert df["valid"].sum() == map_results.n_valid
    xr_ds = map_results.to_xarray()
    assert xr_ds["modulus"].attrs["units"] == "Pa"
    np.testing.assert_array_equal(xr_ds["modulus"].values, map_results.maps()["modulus"].data)


def test_pickle_round_trip_and_merge(map_results):
    again = pickle.loads(pickle.dumps(map_results))
    assert again.records == map_results.records
    assert again.record["summary"] == map_results.record["summary"]
    # NaN survives the trip (JSON null in both).
    a, b = again.arrays, map_results.arrays
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    spot = vegard.nanomech.analyse(require_shared(*SPOT), **SETTINGS)
    both = vegard.nanomech.Results.merge([map_results, spot])
    serial = vegard.nanomech.analyse([require_shared(*MAP), require_shared(*SPOT)], **SETTINGS)
    assert both.records == serial.records
    other = vegard.nanomech.analyse(require_shared(*SPOT), model="dmt", tip_radius="20nm", poisson=0.3)
    with pytest.raises(vegard.SettingsError, match="different settings"):
        vegard.nanomech.Results.merge([spot, other])


def test_products_equal_the_cli(map_results, cli, tmp_path):
    path = str(require_shared(*MAP))
    py_out = tmp_path / "py"
    warnings = map_results.write_report(py_out)
    assert warnings == []
    cli_out = tmp_path / "cli"
    subprocess.run(
        [cli, "nanomech", "--quiet", path, "--model", "hertz-paraboloid", "--tip-radius", "10um", "--poisson", "0.5",
         "--out", str(cli_out)],
        check=True, capture_output=True,
    )  # fmt: skip
    listing = lambda d: sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs)  # noqa: E731
    assert listing(py_out) == listing(cli_out)
    a = json.loads((py_out / "results.json").read_text())
    b = json.loads((cli_out / "results.json").read_text())
    for rec in (a, b):
        rec["provenance"].pop("created_utc")
        rec["provenance"].pop("command")
    assert a == b
    assert (py_out / "report.html").read_text().startswith("<!DOCTYPE html>")
    # Writing again into the same folder needs force=True, as --force.
    with pytest.raises(vegard.OutputError):
        map_results.write_report(py_out)
    map_results.write_report(py_out, force=True)


def test_json_and_gsf(map_results, tmp_path):
    j = tmp_path / "r.json"
    map_results.write_json(j)
    rec = json.loads(j.read_text())
    assert rec["curves"] == map_results.records
    g = tmp_path / "modulus.gsf"
    map_results.write_gsf(g)
    head = g.read_bytes()[:40]
    assert head.startswith(b"Gwyddion Simple Field 1.0")
    with pytest.raises(vegard.SettingsError, match="unknown"):
        map_results.write_gsf(tmp_path / "x.gsf", map="nope")
