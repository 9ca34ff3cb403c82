"""Python equals the CLI: for every real force-curve file in the shared data and every
contact model, `vegard.nanomech.analyse` gives the JSON record `vegard nanomech --json`
writes (curves, error rows, summaries, settings, provenance but its time and command), and
`vegard.simulate.esm` gives the CLI's document for the frequency and relaxation experiments.
Both call the same library, so equality is exact (floats compared bit for bit through JSON,
which both write with shortest round-trip formatting)."""

import json
import subprocess

import pytest

import vegard
from conftest import force_curve_files

# (model, CLI geometry flags, Python keyword geometry): the scan of docs/nanomechanics.md.
MODELS = [
    ("hertz-paraboloid", ["--tip-radius", "20nm"], {"tip_radius": "20nm"}),
    ("sneddon-sphere", ["--tip-radius", "20nm"], {"tip_radius": 20e-9}),
    ("sneddon-sphere-approx", ["--tip-radius", "20nm"], {"tip_radius_m": 20e-9}),
    ("cone", ["--half-angle", "20deg"], {"half_angle": "20deg"}),
    ("pyramid-4", ["--half-angle", "20"], {"half_angle": 20}),
    ("pyramid-3", ["--half-angle", "20"], {"half_angle_deg": 20.0}),
    ("flat-punch", ["--tip-radius", "20nm"], {"tip_radius": "20nm"}),
    ("dmt", ["--tip-radius", "20nm"], {"tip_radius": "20nm"}),
    ("jkr", ["--tip-radius", "20nm"], {"tip_radius": "20nm"}),
    (
        "hertz-paraboloid-film-bonded",
        ["--tip-radius", "20nm", "--film-thickness", "1um"],
        {"tip_radius": "20nm", "film_thickness": "1um"},
    ),
    (
        "hertz-paraboloid-film-unbonded",
        ["--tip-radius", "20nm", "--film-thickness", "1um"],
        {"tip_radius": "20nm", "film_thickness": 1e-6},
    ),
]


def test_every_registered_model_is_covered():
    assert sorted(m["key"] for m in vegard.models()) == sorted(m for m, _, _ in MODELS)


def comparable(record):
    """The record without what legitimately differs between two runs: the wall-clock time
    and the command line in the provenance."""
    r = dict(record)
    prov = dict(r["provenance"])
    prov.pop("created_utc")
    prov.pop("command")
    r["provenance"] = prov
    return r


@pytest.mark.parametrize("model,flags,kwargs", MODELS, ids=[m for m, _, _ in MODELS])
def test_nanomech_equals_cli(model, flags, kwargs, cli, tmp_path):
    files = [str(f) for f in force_curve_files()]
    assert len(files) >= 20, files
    out = tmp_path / "cli.json"
    run = subprocess.run(
        [cli, "nanomech", "--quiet", *files, "--model", model, *flags, "--poisson", "0.3", "--json", str(out)],
        capture_output=True,
        text=True,
    )
    # 0: all read; 3: some files are not force curves (images, damaged): error rows.
    assert run.returncode in (0, 3), run.stderr
    expected = json.loads(out.read_text())
    res = vegard.nanomech.analyse(files, model=model, poisson=0.3, **kwargs)
    got = res.record
    assert comparable(got) == comparable(expected)
    # The per-curve records are the contract's `records`.
    assert res.records == expected["curves"]
    assert len(res.records) > 0
    # Arrays agree with the records, NaN where the JSON has null.
    arr = res.arrays
    for key in ("modulus_pa", "contact_point_m", "r2"):
        for value, rec in zip(arr[key], res.records):
            if rec[key] is None:
                assert value != value
            else:
                assert value == rec[key]
    assert [bool(v) for v in arr["valid"]] == [not r["flags"] for r in res.records]


ESM_CONFIGS = {
    "frequency": 'experiment = "frequency"\nmesh = "coarse"\n[settings]\npoints = 4\n',
    "relaxation": 'experiment = "relaxation"\nmesh = "coarse"\n[settings]\namplitude_v = 0.5\nreads_per_step = 5\n',
}


@pytest.mark.parametrize("experiment", sorted(ESM_CONFIGS))
def test_simulate_esm_equals_cli(experiment, cli, tmp_path):
    cfg = tmp_path / "esm.toml"
    cfg.write_text(ESM_CONFIGS[experiment])
    out = tmp_path / "cli.json"
    run = subprocess.run(
        [cli, "simulate", "esm", "--quiet", "--config", str(cfg), "--json", str(out)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    expected = json.loads(out.read_text())
    # The same run from keyword arguments instead of the config file.
    settings = {"points": 4} if experiment == "frequency" else {"amplitude_v": 0.5, "reads_per_step": 5}
    res = vegard.simulate.esm(experiment, mesh="coarse", settings=settings)
    assert comparable(res.record) == comparable(expected)
    assert res.experiment == experiment
    # Data records come as arrays too.
    assert res.data and all(isinstance(d, dict) for d in res.data)
