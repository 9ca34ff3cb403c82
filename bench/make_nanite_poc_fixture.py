#!/usr/bin/env python3
"""Generate crates/vegard/tests/data/nanite_poc_synthetic.json.

Synthetic force curves (our own data, CC0) on which nanite's contact-point
(POC) methods and its `correct_force_offset` preprocessing step are run; the
Rust test `crates/vegard/tests/nanite_poc.rs` checks that vegard gives the
same indices and offsets.

Usage (nanite 4.2.3 was used for the committed fixture):

    python3 -m venv /work/venv-nanite
    /work/venv-nanite/bin/pip install nanite==4.2.3
    /work/venv-nanite/bin/python bench/make_nanite_poc_fixture.py

Forces are stored as integer counts of `lsb_n` newtons: nanite is run on
`counts * lsb_n` (float64), which Rust reproduces bit for bit, so both
sides see exactly the same numbers without a large file of 17-digit floats.
"""
import json
import pathlib

import numpy as np
import nanite
from nanite import poc, preproc

METHODS = [
    "deviation_from_baseline",
    "fit_constant_line",
    "fit_constant_polynomial",
    "fit_line_polynomial",
    "frechet_direct_path",
    "gradient_zero_crossing",
]
LSB_N = 1e-13  # force quantum of the stored counts, N

OUT = (pathlib.Path(__file__).resolve().parent.parent
       / "crates" / "vegard" / "tests" / "data" / "nanite_poc_synthetic.json")


def make_curve(rng, n_app, contact_frac, noise_n, tilt_n, exponent,
               f_max_n, n_ret, overshoot, adhesion_n, wiggle_n):
    """Approach (baseline + power-law contact) followed by a retract part.

    Baseline: offset + linear tilt (tilt_n over the whole approach) + a slow
    sinusoid (optical interference, amplitude wiggle_n) + white noise.
    Contact: F = f_max * ((i - ic) / (n_app - 1 - ic))**exponent for i > ic.
    Retract: the approach contact part reversed; `overshoot` extra points at
    its start keep rising (piezo lag, as in real JPK data), and the end shows
    an adhesion dip of depth adhesion_n.
    """
    i = np.arange(n_app)
    ic = int(contact_frac * (n_app - 1))
    offset = rng.uniform(-5e-10, 5e-10)
    base = (offset + tilt_n * i / (n_app - 1)
            + wiggle_n * np.sin(2 * np.pi * i / rng.uniform(300, 900)))
    delta = np.clip((i - ic) / (n_app - 1 - ic), 0, None)
    app = base + f_max_n * delta**exponent
    app += rng.normal(0, noise_n, n_app)
    # retract: continue rising for `overshoot` points, then mirror the approach
    rise = app[-1] + f_max_n * 0.002 * np.arange(1, overshoot + 1)
    back = (base[::-1][:n_ret] + f_max_n * delta[::-1][:n_ret]**exponent
            - adhesion_n * np.exp(-((np.arange(n_ret) - 0.8 * n_ret) / 15.0)**2))
    back += rng.normal(0, noise_n, back.size)
    full = np.concatenate([app, rise, back])
    counts = np.round(full / LSB_N).astype(np.int64)
    return counts, ic, n_app


def tied_simplex(force, method):
    """True if lmfit's Nelder-Mead sees equal objective values in its initial simplex.

    Then the vertex order depends on NumPy's (unstable, CPU-specific) argsort and
    nanite's own result is not reproducible across machines.
    """
    import lmfit.minimizer as lm
    values = []
    orig = lm.Minimizer.penalty

    def penalty(self, fvars):
        val = orig(self, fvars)
        values.append(float(val))
        return val

    lm.Minimizer.penalty = penalty
    try:
        poc.compute_poc(force, method)
    finally:
        lm.Minimizer.penalty = orig
    nvar = {"fit_constant_line": 3, "fit_constant_polynomial": 5,
            "fit_line_polynomial": 6}[method]
    first = values[:nvar + 1]
    return len(set(first)) < len(first)


def nanite_reference(force):
    """Run nanite on the full force array, exactly as `fd["force"]`."""
    ref = {m: int(poc.compute_poc(force, m)) for m in METHODS}
    tied = [m for m in METHODS if m.startswith("fit_") and tied_simplex(force, m)]
    # nanite's own preprocessing step on a minimal dict-like dataset
    data = {"force": np.array(force, copy=True)}
    preproc.preproc_correct_force_offset(data)
    return ref, float(data["force"][0]), tied


def main():
    rng = np.random.default_rng(20240611)
    specs = []
    # (n_app, contact_frac, noise, tilt, exponent, fmax, n_ret, overshoot,
    #  adhesion, wiggle)
    for k in range(20):
        specs.append(dict(
            n_app=int(rng.choice([300, 500, 800, 1000, 1200])),
            contact_frac=float(rng.uniform(0.3, 0.9)),
            noise_n=float(10 ** rng.uniform(-11.5, -10)),
            tilt_n=float(rng.choice([0.0, 0.0, 2e-10, -3e-10, 1e-9])),
            exponent=float(rng.choice([1.5, 2.0, 1.0])),
            f_max_n=float(10 ** rng.uniform(-9, -8)),
            n_ret=int(rng.integers(50, 200)),
            overshoot=int(rng.choice([0, 0, 5, 12])),
            adhesion_n=float(rng.uniform(0, 3e-10)),
            wiggle_n=float(rng.choice([0.0, 0.0, 5e-11, 2e-10])),
        ))
    # two edge cases: a flat curve without contact (deviation_from_baseline
    # finds nothing, nanite falls back to the middle) and a very short one.
    specs.append(dict(n_app=400, contact_frac=0.999, noise_n=3e-11, tilt_n=0.0,
                      exponent=1.5, f_max_n=1e-12, n_ret=60, overshoot=0,
                      adhesion_n=0.0, wiggle_n=0.0))
    specs.append(dict(n_app=90, contact_frac=0.5, noise_n=1e-11, tilt_n=0.0,
                      exponent=1.5, f_max_n=2e-9, n_ret=20, overshoot=0,
                      adhesion_n=0.0, wiggle_n=0.0))
    curves = []
    for k, spec in enumerate(specs):
        counts, ic, n_app = make_curve(rng, **spec)
        force = counts * LSB_N
        ref, corrected0, tied = nanite_reference(force)
        curves.append({
            "name": f"synthetic-{k:02d}",
            "spec": spec,
            "true_contact_index": ic,
            "n_approach": n_app,
            "force_counts": [int(c) for c in counts],
            "nanite_poc": ref,
            # fits whose initial simplex has tied objective values (see tied_simplex)
            "nanite_tied_simplex": tied,
            # first force sample after nanite's correct_force_offset (exact float)
            # as repr() text: serde_json's default float parser is not always
            # correctly rounded, Rust's str::parse::<f64> is
            "nanite_corrected_force0_n": repr(corrected0),
        })
        print(f"{k:2d} n={counts.size:5d} ic={ic:5d} tied={tied} " +
              " ".join(f"{m[:12]}={v}" for m, v in ref.items()))
    out = {
        "description": "Synthetic force curves (vegard's own, CC0) with nanite's "
                       "contact-point indices (nanite.poc.compute_poc on the full "
                       "force array) and correct_force_offset offsets. Generated by "
                       "bench/make_nanite_poc_fixture.py.",
        "nanite_version": nanite.__version__,
        "numpy_version": np.__version__,
        "lsb_n": repr(LSB_N),
        "curves": curves,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
