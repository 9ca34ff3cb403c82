"""vegard.dask on a real dask.distributed cluster (LocalCluster, 2 worker processes of 1
thread each, reached through its tcp:// address as a remote cluster would be): every
distributed call gives exactly what the serial call gives, including after a worker is
killed in the middle of a run.

Equality is exact: the same library computes the same numbers on the same curves, whatever
process runs it. Only the provenance's ``created_utc`` and ``command`` may differ.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from conftest import REPO, force_curve_files

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402

import vegard  # noqa: E402
import vegard.dask as vd  # noqa: E402
import vegard.nanomech as nm  # noqa: E402
import vegard.simulate as sim  # noqa: E402
import vegard.synthetic  # noqa: E402
from vegard import _vegard  # noqa: E402

PARABOLOID = dict(model="hertz-paraboloid", tip_radius=10e-6, poisson=0.5)
# The synthetic SEI volume is simulated for DMT with this tip and sample (products/demo.rs).
DMT = dict(model="dmt", tip_radius=20e-9, poisson=0.3)


@pytest.fixture(scope="module")
def client():
    # A scheduler log long enough to see every task of a run (test_killed_worker...).
    with dask.config.set({"distributed.admin.low-level-log-length": 1_000_000}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
    # Through the scheduler's tcp:// address, as Client("tcp://scheduler:8786") would.
    assert cluster.scheduler_address.startswith("tcp://")
    c = distributed.Client(cluster.scheduler_address)
    c.wait_for_workers(2)
    yield c
    c.close()
    cluster.close()


def provenance_but_time(res):
    p = dict(res.provenance)
    p.pop("created_utc")
    p.pop("command")
    return p


def assert_same_results(got, want):
    assert got.records == want.records
    assert got.errors == want.errors
    assert got.files == want.files
    assert got.summary == want.summary
    assert got.outcome == want.outcome
    assert provenance_but_time(got) == provenance_but_time(want)
    ga, wa = got.arrays, want.arrays
    assert ga.keys() == wa.keys()
    for k in wa:
        assert np.array_equal(ga[k], wa[k], equal_nan=ga[k].dtype.kind == "f"), k


# -- (a) many real files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_files(tmp_path_factory):
    """300 real force-curve files (the shared data's files the library reads as curves,
    copied under distinct names), plus inputs that give error rows: real files that hold no
    curves, a missing file, a pattern without a match, a folder without data."""
    curves, not_curves = [], []
    for f in force_curve_files():
        try:
            (curves if _vegard.count_curves(str(f)) > 0 else not_curves).append(f)
        except OSError:
            not_curves.append(f)
    assert len(curves) >= 5 and not_curves, (curves, not_curves)
    d = tmp_path_factory.mktemp("many")
    files = []
    for i in range(300):
        src = curves[i % len(curves)]
        dst = d / f"{i:03d}-{src.name}"
        shutil.copyfile(src, dst)
        files.append(str(dst))
    (d / "empty").mkdir()
    extra = [str(f) for f in not_curves[:3]] + [
        str(d / "missing.jpk-force"),
        str(d / "nothing-*.ibw"),
        str(d / "empty"),
    ]
    return files + extra


@pytest.fixture(scope="module")
def many_serial(many_files):
    return nm.analyse(many_files, **PARABOLOID)


@pytest.mark.parametrize("files_per_task", [1, 7])
def test_analyse_files_equals_serial(client, many_files, many_serial, files_per_task):
    got = vd.analyse_files(many_files, client, files_per_task=files_per_task, **PARABOLOID)
    assert_same_results(got, many_serial)
    assert len(got.files) == 300
    assert len(got.records) >= 300
    # Files without curves, the missing file, then the pattern and the empty folder.
    assert len(got.errors) == 6
    assert got.errors[-2][0].endswith("nothing-*.ibw") and got.errors[-1][0].endswith("empty")
    assert got.provenance["command"] == "python: vegard.dask.analyse_files"


def test_analyse_files_default_client_and_config(client, many_files, tmp_path):
    """client=None takes the default client; a config file travels with the tasks."""
    cfg = tmp_path / "nanomech.toml"
    cfg.write_text('model = "hertz-paraboloid"\npoisson = 0.5\ntip_radius_m = 1e-5\nmin_r2 = 0.95\n')
    inputs = many_files[:20]
    got = vd.analyse_files(inputs, config=cfg)
    want = nm.analyse(inputs, config=cfg)
    assert_same_results(got, want)
    assert got.provenance["parameters"]["min_r2"] == 0.95


def test_bad_settings_raise_before_any_task(many_files):
    class NoTasks:
        asynchronous = False

        def submit(self, *a, **k):
            raise AssertionError("a task was submitted")

    with pytest.raises(vegard.SettingsError):
        vd.analyse_files(many_files[:3], NoTasks(), model="hertz-paraboloid", poisson=0.5)  # no tip radius
    with pytest.raises(vegard.SettingsError):
        vd.analyse_volume(many_files[0], NoTasks(), model="no-such-model", tip_radius=1e-6, poisson=0.5)
    with pytest.raises(vegard.SettingsError):
        vd.analyse_files(many_files[:3], NoTasks(), files_per_task=0, **PARABOLOID)
    with pytest.raises(vegard.SettingsError):
        vd.esm_sweep({"diffusivity": []}, client=NoTasks())


def test_no_client_is_a_clear_error(tmp_path):
    code = (
        "import vegard.dask\n"
        "try:\n"
        "    vegard.dask.analyse_files(['x.jpk-force'], model='hertz-paraboloid', tip_radius=1e-5, poisson=0.5)\n"
        "except RuntimeError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "no Dask client" in out.stdout


# -- (b) a force volume in blocks ---------------------------------------------------------


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    """A synthetic 256 × 256 force volume (100 points per segment, 336 MB), removed after."""
    path = tmp_path_factory.mktemp("volume") / "sei256.vgc"
    vegard.synthetic.write_sei_volume(path, pixels=256, points=100, seed=7)
    yield str(path)
    path.unlink()


@pytest.fixture(scope="module")
def volume_serial(volume):
    return nm.analyse(volume, **DMT)


@pytest.mark.parametrize("block_size", [4096, 5000])
def test_analyse_volume_equals_serial(client, volume, volume_serial, block_size):
    got = vd.analyse_volume(volume, client, block_size=block_size, **DMT)
    assert got.n_curves == 256 * 256
    assert_same_results(got, volume_serial)
    gm, wm = got.maps(), volume_serial.maps()
    assert gm.keys() == wm.keys()
    for k in wm:
        assert gm[k].data.shape == (256, 256)
        assert np.array_equal(np.isnan(gm[k].data), np.isnan(wm[k].data)), k
        assert np.array_equal(gm[k].data, wm[k].data, equal_nan=True), k
        assert gm[k].unit == wm[k].unit
        assert np.array_equal(gm[k].x_m, wm[k].x_m) and np.array_equal(gm[k].y_m, wm[k].y_m)
    # Both valid and flagged pixels are compared.
    assert 0 < np.isnan(wm["modulus"].data).sum() < 256 * 256
    # The first block hashed the whole file for the provenance.
    assert len(got.provenance["inputs"][0]["sha256"]) == 64


def test_analyse_volume_unreadable_is_the_serial_error_row(client, tmp_path):
    for path in [str(tmp_path / "missing.vgc"), str(REPO / "pyproject.toml")]:
        got = vd.analyse_volume(path, client, **DMT)
        want = nm.analyse(path, **DMT)
        assert got.errors == want.errors and len(got.errors) == 1
        assert got.records == [] and got.outcome == "no_input_analysed"


# -- (c) an ESM parameter sweep -----------------------------------------------------------


def esm_record_but_time(r):
    d = dict(r.record)
    d["provenance"] = {k: v for k, v in d["provenance"].items() if k != "created_utc"}
    return d


def test_esm_sweep_equals_serial(client):
    grid = {"diffusivity": [1e-16, 1e-15, 1e-14, 1e-13], "baseline_concentration": [0.1, 0.2, 0.3, 0.4]}
    sweep = vd.esm_sweep(grid, "amplitude", client, mesh="coarse", ac_amplitude_v=1.0)
    assert sweep.shape == (4, 4) and sweep.names == ["diffusivity", "baseline_concentration"]
    assert np.array_equal(sweep.axes["diffusivity"], grid["diffusivity"])
    for i, d in enumerate(grid["diffusivity"]):
        for j, c in enumerate(grid["baseline_concentration"]):
            want = sim.esm("amplitude", mesh="coarse", diffusivity=d, baseline_concentration=c, ac_amplitude_v=1.0)
            got = sweep.results[i, j]
            assert isinstance(got, sim.EsmResult)
            assert got.record["params"]["diffusivity_m2_per_s"] == d
            assert got.record["params"]["baseline_concentration"] == c
            assert esm_record_but_time(got) == esm_record_but_time(want)
            assert got.lines == want.lines
    amp = sweep.summary_array("amplitude_m")
    assert amp.shape == (4, 4) and np.all(amp > 0)
    assert len(np.unique(amp)) == 16
    da = sweep.to_xarray("amplitude_m")
    assert da.dims == ("diffusivity", "baseline_concentration")
    assert np.array_equal(da.values, amp)
    assert np.array_equal(da.coords["baseline_concentration"].values, grid["baseline_concentration"])


def test_esm_sweep_frequency_settings(client):
    settings = {"omega_hat_min": 1e-2, "omega_hat_max": 1e2, "points": 5}
    sweep = vd.esm_sweep({"baseline_concentration": [0.1, 0.3]}, "frequency", client, mesh="coarse", settings=settings)
    for j, c in enumerate([0.1, 0.3]):
        want = sim.esm("frequency", mesh="coarse", settings=settings, baseline_concentration=c)
        assert esm_record_but_time(sweep[j]) == esm_record_but_time(want)
        assert sweep[j].record["settings"]["points"] == 5
    assert sweep.summary_array("crossover_phase.frequency_hz").shape == (2,)


def test_esm_sweep_bad_point_names_it(client):
    with pytest.raises(vegard.SettingsError, match="baseline_concentration=1.5"):
        vd.esm_sweep({"baseline_concentration": [0.2, 1.5]}, "amplitude", client, mesh="coarse")


# -- (d) a worker killed in the middle of a run -------------------------------------------


def test_killed_worker_gives_the_same_result(client, volume, volume_serial):
    client.wait_for_workers(2)
    pids = client.run(os.getpid)
    result, failure = [], []

    def run():
        try:
            result.append(vd.analyse_volume(volume, client, block_size=256, **DMT))
        except BaseException as e:  # reported below
            failure.append(e)

    t = threading.Thread(target=run)
    t.start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and t.is_alive():
        for addr, keys in client.processing().items():
            if any(str(k).startswith("vegard-block-") for k in keys):
                victim = addr
                break
        else:
            time.sleep(0.005)
    assert victim is not None, "no block task seen running"
    assert t.is_alive(), "the run ended before the worker could be killed"
    os.kill(pids[victim], signal.SIGKILL)
    t.join(timeout=300)
    assert not t.is_alive()
    assert not failure, failure
    assert victim not in client.scheduler_info()["workers"]
    got = result[0]
    assert got.n_curves == 256 * 256
    assert got.records == volume_serial.records
    gm, wm = got.maps(), volume_serial.maps()
    for k in wm:
        assert np.array_equal(gm[k].data, wm[k].data, equal_nan=True), k
    # Dask computed again what the killed worker held: some block went to a worker twice.
    assert max(client.run_on_scheduler(block_tasks_started).values()) >= 2
    # The nanny starts a new worker in place of the killed one.
    client.wait_for_workers(2, timeout=60)


def block_tasks_started(dask_scheduler):
    """On the scheduler: how many times each vegard-block task was sent to a worker."""
    started = {}
    for t in dask_scheduler.transition_log:
        if str(t.key).startswith("vegard-block-") and t.finish == "processing":
            started[t.key] = started.get(t.key, 0) + 1
    return started
