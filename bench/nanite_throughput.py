#!/usr/bin/env python3
"""Whole-job throughput: vegard vs nanite on N copies of one real JPK force curve.

  python bench/nanite_throughput.py --vegard target/release/vegard [--n 1000] [--runs 5]

The whole job, for both tools, in one process each and in the same run of this script:
read every file, preprocess (tip position, force offset, tip offset by deviation from
baseline), find the contact point and fit the paraboloidal Hertz model (R = 10 um,
nu = 0.5, approach segment, full range, baseline free, no contact-point weighting).

* nanite: one Python process (this one) loops over the files: `nanite.load_group` (reads
  with afmformats) and the fit of `nanite_compare.nanite_fit`.
* vegard: one CLI process over all files, including the SHA-256 provenance hashing and the
  JSON output:  vegard nanomech DIR/*.jpk-force --model hertz-paraboloid --tip-radius 10um
  --poisson 0.5 --quiet --json out.json

Prints files/s for each (vegard: median of --runs CLI runs, min and max beside it), the
ratio of the throughputs, and the largest relative difference between the two tools'
moduli over all files; exits non-zero if it exceeds --rtol.
"""
import argparse
import json
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
    from nanite_compare import nanite_fit
except ImportError:
    sys.exit("nanite is missing: python3 -m venv /tmp/venv-nanite && /tmp/venv-nanite/bin/pip install nanite "
             "and run this script with /tmp/venv-nanite/bin/python")

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILE = os.path.join(HERE, "..", "..", "shared", "data", "forcecurves", "fmt-jpk-fd_spot3-0192.jpk-force")
R_TIP = 10e-6
NU = 0.5


def make_copies(src, n, where):
    names = []
    for i in range(n):
        dst = os.path.join(where, f"spot3-{i:05d}.jpk-force")
        shutil.copyfile(src, dst)
        names.append(dst)
    return names


def run_nanite(files):
    moduli = {}
    t0 = time.perf_counter()
    for p in files:
        for fd in nanite.load_group(p):
            moduli[p] = nanite_fit(fd, model="hertz_para", R=R_TIP, nu=NU)
    return time.perf_counter() - t0, moduli


def run_vegard(vegard, files, out_json):
    cmd = [vegard, "nanomech", *files, "--model", "hertz-paraboloid", "--tip-radius", "10um", "--poisson", "0.5",
           "--quiet", "--json", out_json]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    with open(out_json) as f:
        curves = json.load(f)["curves"]
    return dt, {c["file"]: c["modulus_pa"] for c in curves}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vegard", required=True, help="path to the vegard binary (release build)")
    ap.add_argument("--file", default=DEFAULT_FILE, help="the JPK file to copy (default: shared spot3 curve)")
    ap.add_argument("--n", type=int, default=1000, help="number of copies (default 1000)")
    ap.add_argument("--runs", type=int, default=5, help="vegard CLI runs; the median is reported (default 5)")
    ap.add_argument("--nanite-n", type=int, default=None,
                    help="time nanite on the first K copies only (default: all N; files/s is per file either way)")
    ap.add_argument("--rtol", type=float, default=1e-5, help="largest relative modulus difference accepted")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="vegard-throughput-")
    try:
        files = make_copies(os.path.abspath(args.file), args.n, tmp)
        nan_files = files[: args.nanite_n] if args.nanite_n else files
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"{args.n} copies of {os.path.basename(args.file)} in {tmp}; load average before: {load:.2f}, "
              f"{os.cpu_count()} cpus")

        # vegard first (warm-up run not counted), then nanite, then vegard again: the
        # median of the runs on both sides of nanite's loop
        out_json = os.path.join(tmp, "out.json")
        run_vegard(args.vegard, files, out_json)
        t_veg = []
        half = max(1, args.runs // 2)
        for _ in range(half):
            t_veg.append(run_vegard(args.vegard, files, out_json)[0])
        t_nan, e_nan = run_nanite(nan_files)
        for _ in range(args.runs - half):
            dt, e_veg = run_vegard(args.vegard, files, out_json)
            t_veg.append(dt)
        load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

        nan_rate = len(nan_files) / t_nan
        veg_med = statistics.median(t_veg)
        veg_rate = args.n / veg_med
        print(f"nanite {nanite.__version__}: {nan_rate:10.1f} files/s  ({len(nan_files)} files in {t_nan:.2f} s, "
              f"one Python process: afmformats read + preprocess + fit)")
        print(f"vegard         : {veg_rate:10.1f} files/s  (median of {len(t_veg)} CLI runs over {args.n} files: "
              f"{veg_med:.3f} s; min {min(t_veg):.3f} s, max {max(t_veg):.3f} s; read + preprocess + fit + "
              f"SHA-256 + JSON)")
        print(f"ratio vegard/nanite files/s: {veg_rate / nan_rate:.1f}x   (load average after: {load_after:.2f})")

        missing = [p for p in files if e_veg.get(p) is None]
        rel = []
        for p in nan_files:
            a, b = e_nan[p], e_veg.get(p)
            if b is not None:
                rel.append(abs(b - a) / abs(a))
        worst = max(rel) if rel else float("nan")
        print(f"moduli: {len(rel)} files compared, vegard {min(e_veg.values()):.6f}..{max(e_veg.values()):.6f} Pa, "
              f"nanite {min(e_nan.values()):.6f}..{max(e_nan.values()):.6f} Pa; "
              f"max relative difference {worst:.2e} (tolerance {args.rtol:g})")
        if missing or not rel or not worst <= args.rtol:
            print(f"FAIL: {len(missing)} files without a vegard modulus, max relative difference {worst:.2e}")
            return 1
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
