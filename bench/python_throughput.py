#!/usr/bin/env python3
"""Whole job from Python: vegard's Python package vs nanite, and the cost of a Python call
per small file vs one CLI batch, on N copies of one real JPK force curve.

  # a release wheel of vegard in the same virtualenv as nanite:
  python3 -m venv /tmp/venv-nanite && /tmp/venv-nanite/bin/pip install nanite maturin
  /tmp/venv-nanite/bin/maturin build --release --interpreter /tmp/venv-nanite/bin/python --out /tmp/wheels-rel
  /tmp/venv-nanite/bin/pip install --force-reinstall --no-deps /tmp/wheels-rel/vegard-*.whl
  cargo build --release -p vegard-cli
  /tmp/venv-nanite/bin/python bench/python_throughput.py --vegard target/release/vegard [--n 1000] [--runs 5]

The job for every tool: read every file, preprocess (tip position, force offset, tip offset
by deviation from baseline), find the contact point, fit the paraboloidal Hertz model
(R = 10 um, nu = 0.5, approach, full range, baseline free), as bench/nanite_throughput.py.

* nanite: this process loops `nanite.load_group` + fit over the files;
* vegard, Python batch: one `vegard.nanomech.analyse(files, ...)` call (reading, fitting,
  SHA-256 provenance, the JSON record parsed into `records`);
* vegard, Python per file: one `analyse` call per file in a Python loop (what a user's own
  loop costs);
* vegard CLI batch: one `vegard nanomech` process over all files (JSON written).

Prints files/s of each (medians of --runs, interleaved with nanite's loop), the ratios
vegard-Python/nanite and per-file/batch, the Python overhead per call, and the largest
relative modulus difference vegard-Python vs nanite (fails above --rtol).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import nanite
    # the same copies and the same nanite job as the CLI's throughput benchmark
    from nanite_throughput import NU, R_TIP, make_copies, run_nanite
except ImportError:
    sys.exit("nanite is missing: see the usage at the top of this script")
try:
    import vegard
except ImportError:
    sys.exit("vegard (the Python package) is missing: see the usage at the top of this script")

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILE = os.path.join(HERE, "..", "..", "shared", "data", "forcecurves", "fmt-jpk-fd_spot3-0192.jpk-force")
SETTINGS = dict(model="hertz-paraboloid", tip_radius=R_TIP, poisson=NU)


def run_python_batch(files):
    t0 = time.perf_counter()
    res = vegard.nanomech.analyse(files, **SETTINGS)
    records = res.records  # the JSON record, parsed: part of the job
    dt = time.perf_counter() - t0
    return dt, {r["file"]: r["modulus_pa"] for r in records}


def run_python_per_file(files):
    t0 = time.perf_counter()
    moduli = {}
    for p in files:
        r = vegard.nanomech.analyse(p, **SETTINGS).records[0]
        moduli[p] = r["modulus_pa"]
    return time.perf_counter() - t0, moduli


def python_side_per_call(path, n=300):
    """What a call costs in Python and in translation, without the file's own work: the
    settings check, the JSON record made and parsed into `records` (seconds per call)."""
    batch = vegard._vegard.analyse([path], SETTINGS, None, None, None)
    t0 = time.perf_counter()
    for _ in range(n):
        vegard.nanomech.check_settings(**SETTINGS)
        vegard.nanomech.Results(batch).records
    return (time.perf_counter() - t0) / n


def run_cli(exe, files, out_json):
    cmd = [exe, "nanomech", *files, "--model", "hertz-paraboloid", "--tip-radius", "10um", "--poisson", "0.5",
           "--quiet", "--json", out_json]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vegard", required=True, help="the vegard CLI (release build)")
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--nanite-n", type=int, default=None, help="time nanite on the first K copies only")
    ap.add_argument("--rtol", type=float, default=1e-5)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="vegard-python-throughput-")
    try:
        files = make_copies(os.path.abspath(args.file), args.n, tmp)
        nan_files = files[: args.nanite_n] if args.nanite_n else files
        print(f"{args.n} copies of {os.path.basename(args.file)}; vegard {vegard.__version__}, nanite "
              f"{nanite.__version__}; load average before: {os.getloadavg()[0]:.2f}, {os.cpu_count()} cpus")
        out_json = os.path.join(tmp, "out.json")
        # warm-up (page cache, lazy imports), not counted
        run_python_batch(files)
        run_cli(args.vegard, files, out_json)
        t_batch, t_loop, t_cli = [], [], []
        t_nan, e_nan = None, None
        for k in range(args.runs):
            t_batch.append(run_python_batch(files)[0])
            dt, e_loop = run_python_per_file(files)
            t_loop.append(dt)
            t_cli.append(run_cli(args.vegard, files, out_json))
            if k == args.runs // 2:
                t_nan, e_nan = run_nanite(nan_files)
        _, e_veg = run_python_batch(files)
        print(f"load average after: {os.getloadavg()[0]:.2f}")

        rate = lambda ts: args.n / statistics.median(ts)  # noqa: E731
        nan_rate = len(nan_files) / t_nan
        rows = [
            ("nanite (Python loop)", nan_rate, f"{len(nan_files)} files in {t_nan:.2f} s"),
            ("vegard Python, one call", rate(t_batch), f"median {statistics.median(t_batch):.3f} s "
             f"(min {min(t_batch):.3f}, max {max(t_batch):.3f})"),
            ("vegard Python, call per file", rate(t_loop), f"median {statistics.median(t_loop):.3f} s"),
            ("vegard CLI, one process", rate(t_cli), f"median {statistics.median(t_cli):.3f} s"),
        ]  # fmt: skip
        for name, r, note in rows:
            print(f"{name:30s} {r:10.1f} files/s   {note}")
        print(f"ratio vegard Python (one call) / nanite: {rate(t_batch) / nan_rate:.1f}x")
        print(f"ratio vegard Python (call per file) / nanite: {rate(t_loop) / nan_rate:.1f}x")
        per_call = (statistics.median(t_loop) - statistics.median(t_batch)) / args.n
        print(f"Python-side work per call (settings check, JSON record made and parsed): "
              f"{python_side_per_call(files[0]) * 1e3:.3f} ms; the rest of a call is the file's own read and fit, "
              f"on one core where one call over many files spreads them over all cores")
        print(f"Python call per small file vs one Python call: +{per_call * 1e3:.3f} ms per file; "
              f"one Python call vs the CLI batch: {statistics.median(t_cli) / statistics.median(t_batch):.2f}x "
              f"the CLI's throughput")
        rel = [abs(e_veg[p] - e_nan[p]) / abs(e_nan[p]) for p in nan_files]
        same_loop = all(e_loop[p] == e_veg[p] for p in files)
        print(f"moduli: max relative difference vegard vs nanite {max(rel):.2e} (tolerance {args.rtol:g}); "
              f"per-file calls equal the batch: {same_loop}")
        return 0 if max(rel) <= args.rtol and same_loop else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
