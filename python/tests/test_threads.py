"""Long calls release the GIL (other Python threads run, concurrent calls give the serial
results), report progress, and stop on Ctrl-C."""

import os
import subprocess
import sys
import threading
import time

import pytest

import vegard

DMT = dict(model="dmt", tip_radius="20nm", poisson=0.3)


@pytest.fixture(scope="module")
def volume(cli, tmp_path_factory):
    """A synthetic 96 × 96 PeakForce-QNM volume (`vegard synth`)."""
    path = tmp_path_factory.mktemp("synth") / "sei96.vgc"
    subprocess.run([cli, "synth", "--out", str(path), "--pixels", "96", "--points", "200"], check=True, capture_output=True)
    return path


def test_gil_is_released_while_analysing(volume):
    ticks = 0
    done = threading.Event()
    result = {}

    def work():
        result["r"] = vegard.nanomech.analyse(volume, **DMT)
        done.set()

    t = threading.Thread(target=work)
    started = time.perf_counter()
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    elapsed = time.perf_counter() - started
    assert result["r"].n_curves == 96 * 96
    # The main thread kept running: about one tick per ms of analysis (a held GIL gives ~0).
    assert elapsed > 0.05
    assert ticks > 0.3 * elapsed / 0.001 * 0.5, (ticks, elapsed)


def test_concurrent_calls_equal_serial(volume):
    serial = vegard.nanomech.analyse(volume, **DMT).records
    out = [None, None]

    def work(i):
        out[i] = vegard.nanomech.analyse(volume, **DMT).records

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out[0] == serial and out[1] == serial


def test_progress_callback_sees_every_curve(volume):
    seen = []
    vegard.nanomech.analyse(volume, progress=lambda done, total: seen.append((done, total)), **DMT)
    assert seen, "no progress reported"
    assert seen[-1] == (96 * 96, 96 * 96)
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:]))


def test_progress_with_tqdm(volume):
    tqdm = pytest.importorskip("tqdm")
    import io

    bar = tqdm.tqdm(total=0, file=io.StringIO())
    vegard.nanomech.analyse(volume, progress=bar, **DMT)
    assert bar.n == 96 * 96 and bar.total == 96 * 96


def test_exception_in_callback_stops_the_work(volume):
    calls = []

    def stop(done, total):
        calls.append(done)
        raise KeyboardInterrupt

    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        vegard.nanomech.analyse(volume, progress=stop, **DMT)
    assert len(calls) == 1


CTRL_C = r"""
import os, signal, sys, threading, time, vegard
threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
t = time.perf_counter()
try:
    vegard.nanomech.analyse(sys.argv[1], model="dmt", tip_radius="20nm", poisson=0.3)
    print("finished", time.perf_counter() - t)
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - t)
"""


def test_ctrl_c_interrupts_a_long_analysis(volume, tmp_path):
    # Four copies of the volume: long enough to be interrupted.
    full = vegard.nanomech.analyse(volume, **DMT)
    t0 = time.perf_counter()
    vegard.nanomech.analyse([volume] * 1, **DMT)
    one = time.perf_counter() - t0
    copies = []
    for i in range(max(4, int(2.0 / max(one, 1e-3)) + 1)):
        p = tmp_path / f"v{i}.vgc"
        os.link(volume, p)
        copies.append(str(p))
    script = tmp_path / "ctrl_c.py"
    script.write_text(CTRL_C.replace("sys.argv[1]", repr(copies)))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    word, seconds = run.stdout.split()
    assert word == "interrupted", (run.stdout, one * len(copies))
    # Stopped within a block of curves after the signal, not at the end of the work.
    assert float(seconds) < 0.3 + max(1.0, 0.5 * one * len(copies)), (seconds, one, len(copies))
    assert full.n_curves == 96 * 96


def test_esm_experiment_stops_on_interrupt():
    """A relaxation (≈ 20–50 s in the test build) stops at its next read once the progress
    callback raises, and nothing keeps running in the background: the process uses no CPU
    while it sleeps afterwards."""
    calls = []

    def stop(done, total):
        calls.append((done, total))
        if done >= 1:
            raise KeyboardInterrupt

    settings = {"amplitude_v": 0.5, "reads_per_step": 5}
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        vegard.simulate.esm("relaxation", mesh="coarse", settings=settings, progress=stop)
    stopped = time.perf_counter() - t0
    total = calls[-1][1]
    assert total > 10, calls
    # Stopped after about one read of `total`, not at the end of the run...
    assert stopped < 15.0, (stopped, calls)
    # ...and for good: an abandoned simulation would burn a core while we sleep.
    cpu0 = time.process_time()
    time.sleep(1.0)
    assert time.process_time() - cpu0 < 0.2
