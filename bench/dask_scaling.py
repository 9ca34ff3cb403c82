#!/usr/bin/env python3
"""Scaling of ``vegard.dask.analyse_volume`` over Dask worker processes, and its memory.

Measure a release build (the dev profile compiles vegard itself at opt-level 1). From the
repository root, in a virtualenv with maturin, numpy and dask[distributed]::

    python -m venv /tmp/vrel
    /tmp/vrel/bin/pip install maturin numpy "dask[distributed]"
    /tmp/vrel/bin/maturin build --release --interpreter /tmp/vrel/bin/python --out /tmp/wheels-rel
    /tmp/vrel/bin/pip install --force-reinstall --no-deps /tmp/wheels-rel/vegard-*.whl
    /tmp/vrel/bin/python bench/dask_scaling.py            # --help for the options

What it does (nothing is built here):

1. writes a synthetic SEI-like force volume with ``vegard.synthetic.write_sei_volume``
   (default 256 × 256 curves of 500 points per segment: 1.6 GB) into a temporary folder;
2. times the serial ``vegard.nanomech.analyse`` of the file in a fresh process, once on all
   cores (what a user gets without Dask) and once on one thread (RAYON_NUM_THREADS=1);
3. times ``vegard.dask.analyse_volume`` on a fresh ``LocalCluster`` of 1 worker process,
   then of 2 worker processes (1 thread each, RAYON_NUM_THREADS=1 in the workers, so that
   one worker uses one core): one warm-up run, then ``--repeats`` timed runs; prints the
   medians, the throughput in curves/s and the speed-up 2 workers / 1 worker (goal ≥ 1.7 on
   two free cores);
4. the peak resident memory of every worker (its high-water mark VmHWM, read inside the
   worker via ``client.run``, on fresh clusters; see :func:`peak_rss_mb` for why not
   ``ru_maxrss``, which is printed too; the peak is reset after importing vegard, so it is
   the analysis' peak, compared with the memory at rest then), for several
   block sizes and for a smaller volume with the same block size: the
   memory a worker needs is set by the block size, not by the size of the volume (the file
   is read one curve at a time, results are fetched as each block finishes).

The timings include everything the user waits for: scheduling, the workers reading the file,
sending the results back (pickled) and merging them in order on the client.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

SETTINGS = dict(model="dmt", tip_radius=20e-9, poisson=0.3)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_rss_mb() -> float:
    """Peak resident memory of this process, MB: the kernel's high-water mark of its own
    address space (VmHWM), which is what ``getrusage(RUSAGE_SELF).ru_maxrss`` reports for
    a process that has not exec'd. A Dask worker has: the nanny starts it with fork + exec
    from the client process, and Linux carries the forked copy's peak (the client's memory at
    that moment) into ru_maxrss across the exec, which would make every worker look as large
    as the client. VmHWM is the worker's own; both are printed."""
    return _status_mb("VmHWM")


def ru_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def import_vegard() -> float:
    """In a worker: import vegard (as the first task would), then reset the peak resident
    memory ("5" > /proc/self/clear_refs, Linux), so that the peak read after the runs is the
    analysis', not the worker's start-up. Returns the resident memory at rest, MB."""
    import vegard.dask  # noqa: F401

    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status_mb("VmRSS")


def serial_child(path: str, repeats: int) -> None:
    """In a fresh process: time the serial analysis, print JSON."""
    import vegard.nanomech as nm

    times = []
    n = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = nm.analyse(path, **SETTINGS)
        times.append(time.perf_counter() - t0)
        n = res.n_curves
    print(json.dumps({"times": times, "n_curves": n, "peak_rss_mb": peak_rss_mb()}))


def run_serial(path: str, repeats: int, threads: int | None) -> dict:
    env = dict(os.environ)
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    else:
        env.pop("RAYON_NUM_THREADS", None)
    out = subprocess.run(
        [sys.executable, __file__, "--serial-child", path, "--repeats", str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_dask(path: str, n_workers: int, block_size: int, repeats: int, warmup: bool = True) -> dict:
    from distributed import Client, LocalCluster

    import vegard.dask as vd

    with LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
        env={"RAYON_NUM_THREADS": "1"},
    ) as cluster, Client(cluster) as client:
        client.wait_for_workers(n_workers)
        at_rest = client.run(import_vegard)
        times = []
        n = 0
        for i in range(repeats + (1 if warmup else 0)):
            t0 = time.perf_counter()
            res = vd.analyse_volume(path, client, block_size=block_size, **SETTINGS)
            dt = time.perf_counter() - t0
            n = res.n_curves
            del res
            if warmup and i == 0:
                continue
            times.append(dt)
        peak = client.run(peak_rss_mb)
        maxrss = client.run(ru_maxrss_mb)
    return {
        "times": times,
        "n_curves": n,
        "rss_at_rest_mb": [at_rest[w] for w in sorted(at_rest)],
        "peak_rss_mb": [peak[w] for w in sorted(at_rest)],
        "ru_maxrss_mb": [maxrss[w] for w in sorted(at_rest)],
    }


def fmt_times(times: list) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pixels", type=int, default=256, help="pixels per side of the volume (default 256)")
    ap.add_argument("--points", type=int, default=500, help="points per segment (default 500)")
    ap.add_argument("--small-pixels", type=int, default=128, help="pixels of the smaller volume for the memory check")
    ap.add_argument("--block-size", type=int, default=4096, help="curves per task (default 4096)")
    ap.add_argument("--memory-blocks", default="1024,4096,16384,65536", help="block sizes for the memory table")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per configuration (default 5)")
    ap.add_argument("--pairs", type=int, default=5, help="paired 1-/2-worker runs for the paired speed-up (default 5)")
    ap.add_argument("--dir", default=None, help="where to write the volumes (default: a temporary folder)")
    ap.add_argument("--serial-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serial_child:
        serial_child(args.serial_child, args.repeats)
        return

    import numpy as np

    import vegard
    import vegard.synthetic

    print(f"vegard {vegard.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="vegard-dask-bench-", dir=args.dir) as tmp:
        path = os.path.join(tmp, f"sei{args.pixels}.vgc")
        t0 = time.perf_counter()
        vegard.synthetic.write_sei_volume(path, pixels=args.pixels, points=args.points, seed=1)
        n_curves = args.pixels**2
        print(
            f"volume: {args.pixels}×{args.pixels} curves, {args.points} points per segment, "
            f"{os.path.getsize(path) / 1e9:.2f} GB, written in {time.perf_counter() - t0:.1f} s"
        )
        print(f"settings: {SETTINGS}; block size {args.block_size} curves; {args.repeats} timed runs, medians\n")

        print("serial vegard.nanomech.analyse, one process:")
        serial = {}
        for label, threads in [("all cores", None), ("1 thread", 1)]:
            r = run_serial(path, args.repeats, threads)
            serial[label] = statistics.median(r["times"])
            print(
                f"  {label:10s} median {serial[label]:6.2f} s  {n_curves / serial[label]:9.0f} curves/s  "
                f"peak RSS {r['peak_rss_mb']:.0f} MB   (runs: {fmt_times(r['times'])} s)"
            )

        print("\nvegard.dask.analyse_volume, LocalCluster, processes, 1 thread and RAYON_NUM_THREADS=1 per worker:")
        med = {}
        for workers in (1, 2):
            r = run_dask(path, workers, args.block_size, args.repeats)
            assert r["n_curves"] == n_curves
            med[workers] = statistics.median(r["times"])
            print(
                f"  {workers} worker{'s' if workers > 1 else ' '} median {med[workers]:6.2f} s  "
                f"{n_curves / med[workers]:9.0f} curves/s  "
                f"peak RSS per worker {', '.join(f'{m:.0f}' for m in r['peak_rss_mb'])} MB "
                f"(at rest after import {', '.join(f'{m:.0f}' for m in r['rss_at_rest_mb'])} MB; "
                f"ru_maxrss {', '.join(f'{m:.0f}' for m in r['ru_maxrss_mb'])} MB)   "
                f"(runs: {fmt_times(r['times'])} s)"
            )
        speedup = med[1] / med[2]
        print(f"  speed-up 2 workers / 1 worker: {speedup:.2f}×  (goal ≥ 1.7×: {'met' if speedup >= 1.7 else 'NOT met'})")
        print(f"  2 workers vs serial on all cores: {serial['all cores'] / med[2]:.2f}×")
        # The two medians above come a minute apart: a machine whose load drifts moves them
        # apart. Paired runs (1 worker, then 2, then 2, then 1, ...: each a fresh cluster, a
        # warm-up and the median of 3 timed runs, the steady state) give one ratio per pair
        # close in time.
        ratios = []
        for k in range(args.pairs):
            order = (1, 2) if k % 2 == 0 else (2, 1)
            t = {w: statistics.median(run_dask(path, w, args.block_size, 3)["times"]) for w in order}
            ratios.append(t[1] / t[2])
        print(
            f"  paired speed-up over {args.pairs} pairs: median {statistics.median(ratios):.2f}× "
            f"(pairs: {', '.join(f'{r:.2f}' for r in ratios)})"
        )
        print(
            f"  the machine's own ceiling in this run: the serial analysis on all cores vs one thread "
            f"{serial['1 thread'] / serial['all cores']:.2f}×"
        )

        print("\npeak RSS of one worker (fresh cluster, 1 worker, one run) against block size and volume size:")
        small = os.path.join(tmp, f"sei{args.small_pixels}.vgc")
        vegard.synthetic.write_sei_volume(small, pixels=args.small_pixels, points=args.points, seed=1)
        rows = []
        for block in [int(b) for b in args.memory_blocks.split(",")]:
            for label, p, px in [(f"{args.pixels}²", path, args.pixels), (f"{args.small_pixels}²", small, args.small_pixels)]:
                if block > px * px:
                    continue
                r = run_dask(p, 1, block, 1, warmup=False)
                base, peak = r["rss_at_rest_mb"][0], r["peak_rss_mb"][0]
                rows.append((block, label, base, peak))
                print(
                    f"  block {block:6d} curves, volume {label:5s} ({px * px:6d} curves): "
                    f"peak {peak:6.0f} MB, {peak - base:6.0f} MB above the {base:.0f} MB at rest"
                )
        same_block = [(lab, peak - base) for b, lab, base, peak in rows if b == args.block_size]
        if len(same_block) == 2:
            (l1, m1), (l2, m2) = same_block
            print(
                f"  at block {args.block_size}: {m1:.0f} MB ({l1}) vs {m2:.0f} MB ({l2}) above rest: "
                f"the volume is {args.pixels**2 / args.small_pixels**2:.0f}× larger"
            )
        sizes = np.array([b for b, lab, _, _ in rows if lab == f"{args.pixels}²"], dtype=float)
        extra = np.array([peak - base for b, lab, base, peak in rows if lab == f"{args.pixels}²"])
        if len(sizes) >= 2:
            slope = np.polyfit(sizes, extra, 1)[0]
            print(f"  growth with block size ({args.pixels}²): {slope * 1024:.1f} kB per curve of block")


if __name__ == "__main__":
    main()
