#!/usr/bin/env python3
"""Benchmark: vegard vs nanite on the same force curves, same model, same preprocessing.

Runs both in one go and prints curves/s for each, the ratio, and how far the moduli agree.

  python3 bench/nanite_compare.py --vegard target/release/vegard [--n 10000] [--shared ../shared/data]

Needs nanite from PyPI (the script tells how to install it into a scratch venv).
Settings shared by both tools (nanite's common practice for Hertz-type models):
  preprocessing compute_tip_position, correct_force_offset, correct_tip_offset
  (deviation_from_baseline); approach segment; tip-position axis; full range; baseline free;
  no contact-point weighting; model hertz_para / hertz-paraboloid, nu = 0.5.
"""
import argparse
import json
import shutil
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vgc import write_vgc  # noqa: E402

try:
    import nanite
    import afmformats
except ImportError:
    sys.exit("nanite is missing: python3 -m venv /tmp/venv-nanite && /tmp/venv-nanite/bin/pip install nanite "
             "and run this script with /tmp/venv-nanite/bin/python")

R = 10e-6
NU = 0.5
K = 0.05


def synthetic_curves(n, points, seed=7):
    """Hertz paraboloid approach/retract curves with E in 1-20 kPa and noise, as measured:
    height(measured) = tip position - F/k (nanite: tip position = height + F/k)."""
    rng = np.random.default_rng(seed)
    curves, truth = [], []
    for i in range(n):
        E = 10 ** rng.uniform(3, 4.3)
        cp = rng.uniform(-0.3e-6, 0.3e-6) + 5e-6
        fmax = 2e-9
        dmax = (fmax / (4 / 3 * E / (1 - NU ** 2) * np.sqrt(R))) ** (2 / 3)
        x_app = np.linspace(cp + 3e-6, cp - dmax, points)
        x_ret = x_app[::-1]
        segs = []
        for kind, x in (("approach", x_app), ("retract", x_ret)):
            delta = np.clip(cp - x, 0, None)
            f = 4 / 3 * E / (1 - NU ** 2) * np.sqrt(R) * delta ** 1.5
            f = f + rng.normal(0, 10e-12, points) + 30e-12  # 10 pN noise, 30 pN offset
            h = x - f / K
            t = np.linspace(0, 1, points) + (1 if kind == "retract" else 0)
            segs.append((kind, kind, {"height_measured": h, "force": f, "time": t}))
        curves.append({"index": i, "grid": None, "k": K, "segments": segs})
        truth.append(E)
    return curves, truth


def nanite_fit(fdist, model="hertz_para", R=R, nu=NU):
    idnt = fdist if isinstance(fdist, nanite.Indentation) else nanite.Indentation(*fdist)
    idnt.apply_preprocessing(["compute_tip_position", "correct_force_offset", "correct_tip_offset"],
                             options={"correct_tip_offset": {"method": "deviation_from_baseline"}})
    params = idnt.get_initial_fit_parameters(model_key=model)
    params["R"].value = R
    params["nu"].value = nu
    idnt.fit_model(model_key=model, params_initial=params, weight_cp=False,
                   x_axis="tip position", y_axis="force", segment="approach")
    return idnt.fit_properties["params_fitted"]["E"].value


def to_afmformats(c):
    f = np.concatenate([s[2]["force"] for s in c["segments"]])
    h = np.concatenate([s[2]["height_measured"] for s in c["segments"]])
    t = np.concatenate([s[2]["time"] for s in c["segments"]])
    seg = np.concatenate([np.full(len(s[2]["force"]), j) for j, s in enumerate(c["segments"])])
    meta = {"spring constant": K, "sensitivity": 50e-9, "enum": c["index"], "path": "synthetic",
            "duration": 2.0, "imaging mode": "force-distance", "point count": len(f)}
    return ({"force": f, "height (measured)": h, "time": t, "segment": seg}, meta)


def run_vegard(vegard, files, extra, out_json):
    t0 = time.perf_counter()
    subprocess.run([vegard, "nanomech", *files, "--quiet", "--json", out_json, *extra], check=True,
                   stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    with open(out_json) as f:
        return dt, json.load(f)["curves"]


def report(name, n, t_nanite, t_vegard, e_nanite, e_vegard):
    e_nanite, e_vegard = np.asarray(e_nanite, float), np.asarray(e_vegard, float)
    ok = np.isfinite(e_nanite) & np.isfinite(e_vegard)
    rel = np.abs(e_vegard[ok] - e_nanite[ok]) / np.abs(e_nanite[ok])
    print(f"\n== {name}: {n} curves")
    print(f"   nanite {nanite.__version__}: {n / t_nanite:10.1f} curves/s ({t_nanite:.2f} s)")
    print(f"   vegard        : {n / t_vegard:10.1f} curves/s ({t_vegard:.3f} s, whole CLI run incl. reading and JSON)")
    print(f"   ratio vegard/nanite throughput: {t_nanite / t_vegard:.1f}x")
    print(f"   moduli compared: {ok.sum()}/{n}; relative difference median {np.median(rel):.2e}, "
          f"max {rel.max():.2e}; within 1e-3: {(rel <= 1e-3).mean() * 100:.2f} %")
    return rel


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vegard", required=True, help="path to the vegard binary (release build)")
    ap.add_argument("--n", type=int, default=10000, help="number of synthetic curves")
    ap.add_argument("--points", type=int, default=500, help="points per segment")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vegard-bench-")
    common = ["--model", "hertz-paraboloid", "--tip-radius", str(R), "--poisson", str(NU),
              "--contact-point", "deviation_from_baseline"]

    # 1) synthetic Hertz curves
    curves, truth = synthetic_curves(args.n, args.points)
    path = os.path.join(tmp, "synthetic.vgc")
    write_vgc(path, curves, [("height_measured", "height", "m"), ("force", "force", "N"), ("time", "time", "s")])
    t0 = time.perf_counter()
    e_nan = [nanite_fit(to_afmformats(c)) for c in curves]
    t_nan = time.perf_counter() - t0
    t_veg, recs = run_vegard(args.vegard, [path], common, os.path.join(tmp, "synthetic.json"))
    e_veg = [r["modulus_pa"] if r["modulus_pa"] is not None else np.nan for r in recs]
    report("synthetic Hertz curves", args.n, t_nan, t_veg, e_nan, e_veg)
    truth = np.asarray(truth)
    print(f"   vs truth: vegard median |dE/E| {np.nanmedian(np.abs(np.asarray(e_veg) / truth - 1)):.2e}, "
          f"nanite {np.nanmedian(np.abs(np.asarray(e_nan) / truth - 1)):.2e}")

    # 2) the real JPK files (nanite reads them with afmformats; vegard with its own reader)
    real = [os.path.join(args.shared, p) for p in (
        "forcecurves/fmt-jpk-fd_spot3-0192.jpk-force",
        "forcecurves/fmt-jpk-fd_map-data-reference-points.jpk-force-map",
        "forcecurves/fmt-jpk-fd_2020.02.07-16.29.05.036.jpk-qi-data",
        "formats/jpk/fmt-jpk-fd_map2x2_extracted.jpk-force-map",
        "formats/jpk/fmt-jpk-fd_qi-data-2021.04.13.jpk-qi-series")]
    real = [p for p in real if os.path.exists(p)]
    if not real:
        print("\n(real JPK files not found: skipped)")
        return
    reps = 20
    e_nan, n = [], 0
    t0 = time.perf_counter()
    for _ in range(reps):
        e_nan = []
        for p in real:
            for fd in nanite.load_group(p):
                e_nan.append(nanite_fit(fd))
    t_nan = (time.perf_counter() - t0) / reps
    n = len(e_nan)
    # One vegard run over `reps` copies of the files (process start amortised, as nanite's
    # loop runs in one interpreter; vegard reads each distinct path once, so the copies live
    # in their own folders). vegard lists inputs in path order: match records by file name
    # and curve index to nanite's order.
    copies = []
    for k in range(reps):
        d = os.path.join(tmp, "real", f"rep{k:02d}")
        os.makedirs(d, exist_ok=True)
        for p in real:
            q = os.path.join(d, os.path.basename(p))
            shutil.copyfile(p, q)
            copies.append(q)
    t_veg, recs = run_vegard(args.vegard, copies, common, os.path.join(tmp, "real.json"))
    t_veg /= reps
    first = {(os.path.basename(r["file"]), r["index"]): r for r in recs if os.sep + "rep00" + os.sep in r["file"]}
    order = [(os.path.basename(p), fd_i) for p in real for fd_i in range(len(nanite.load_group(p)))]
    recs = [first[key] for key in order]
    e_veg = [r["modulus_pa"] if r["modulus_pa"] is not None else np.nan for r in recs[:n]]
    report(f"real JPK files ({len(real)} files, each read and fitted {reps} times)", n, t_nan, t_veg, e_nan, e_veg)
    for i, (a, b) in enumerate(zip(e_nan, e_veg)):
        print(f"   curve {i:2d}: nanite {a:14.6g} Pa   vegard {b:14.6g} Pa   flags {recs[i]['flags']}")


if __name__ == "__main__":
    main()
