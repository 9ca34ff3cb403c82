#!/usr/bin/env python3
"""vegard vs scikit-fem on one step of the ESM tip model: the same axisymmetric problems on the same mesh.

Usage (from the repository root):
    python3 -m venv /work/venv-skfem && /work/venv-skfem/bin/pip install scikit-fem numpy scipy
    /work/venv-skfem/bin/python bench/skfem_compare.py --h-min 0.1 0.05 0.025 --order p1 p2 --repeat 5

For each mesh size and order the script runs the Rust example `fem_step_bench` (cargo run --release), which
builds the tip-model mesh (Mesh::cylinder, units of the tip radius L), solves the problems with vegard's
library, times each phase (best of --repeat) and writes mesh, boundary node sets, input fields, solutions and
timings to JSON. The script then loads that mesh into a skfem MeshTri (same vertices and triangles), assembles
the same r-weighted weak forms with skfem, solves them with scipy's spsolve, times the same phases (best of
--repeat, in this process, after imports) and compares the solutions node by node.

Problems (weak forms per radian, weight r; see crates/vegard/src/sim/fem/{scalar,elasticity}.rs):
  (a) axisymmetric isotropic elasticity with a Vegard eigenstrain e* = (Omega c_max / 3)(c - c0) (Eshghinejad et al. 2017
      Eq. 4), strains (du_r/dr, du_z/dz, u_r/r, du_r/dz + du_z/dr), K = int B^T D B r, load
      int 3 K_b e* (dv_r/dr + dv_z/dz + v_r/r) r; bottom u_z = 0, side u_r = 0, axis u_r = 0, top free;
  (b) one backward-Euler diffusion step (M/dt + K) c = M c^n / dt, M = int u v r, K = int grad u . grad v r,
      zero flux on every boundary (natural), so no Dirichlet rows.

Quadrature: intorder=5 on both sides, skfem's 7-point degree-5 rule, the same Radon / Strang-Fix points
vegard uses (checked below). Degree 5 integrates every r-weighted polynomial integrand exactly for P1 and P2
(P2 mass: 2 + 2 + 1). The hoop term (u_r/r)(v_r/r) r = u_r v_r / r is not a polynomial on elements touching
the axis (where it stays bounded because u_r = 0 there), so it is integrated approximately, but with the same
rule on both sides: the discretisations are identical and the solutions should agree to rounding.

Timed phases (wall clock, best of --repeat):
  setup     vegard: Mesh::cylinder + boundary node sets.  skfem: MeshTri(p, t) + the vector and scalar Basis
            objects (skfem precomputes shape functions at the quadrature points there; vegard does it inside
            its element loops) + mapping the boundary node sets to DOFs.
  assemble  element loops to a sparse matrix, plus the load / right-hand side (skfem's asm returns CSR).
  solve     elimination of the fixed unknowns (vegard Constrained::new / from_pattern, skfem condense),
            factorisation and triangular solves: faer sparse LU and Cholesky (triplet and pattern paths) vs
            scipy spsolve (SuperLU, COLAMD, unless scikit-umfpack is installed; the script reports which) and
            splu in two settings (COLAMD; MMD_AT_PLUS_A + SymmetricMode); the fastest scipy variant is the
            reference ("best scipy"). scipy has no sparse Cholesky without scikit-sparse (not installed).
  per step  what a time loop pays after setup: elasticity = eigenstrain load + solve with the kept factor
            (both sides); diffusion = re-assemble K, add the kept M/dt, rhs with the kept M, refactor
            (vegard: numeric Cholesky with the kept symbolic analysis; scipy: fastest of spsolve / splu) and
            solve.
Not timed: process start, imports, JSON I/O, cargo.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import scipy
import scipy.sparse.linalg as spla
import skfem
from skfem import Basis, BilinearForm, ElementTriP1, ElementTriP2, ElementVector, LinearForm, MeshTri, asm, condense
from skfem.helpers import dot, grad
from skfem.quadrature import get_quadrature
from skfem.refdom import RefTri

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTORDER = 5

# vegard's rule (crates/vegard/src/sim/fem/quadrature.rs), barycentric (l1, l2) = (xi, eta), weights sum to 1/2.
A1, B1, W1 = 0.059_715_871_789_770, 0.470_142_064_105_115, 0.132_394_152_788_506
A2, B2, W2 = 0.797_426_985_353_087, 0.101_286_507_323_456, 0.125_939_180_544_827


def check_quadrature():
    """skfem's intorder-5 triangle rule must be vegard's 7-point rule (same points, same weights)."""
    X, W = get_quadrature(RefTri, INTORDER)
    vegard = [(1 / 3, 1 / 3, 0.225)] + [(a, b, w) for (a, b, w) in
                                         [(A1, B1, W1), (B1, A1, W1), (B1, B1, W1), (A2, B2, W2), (B2, A2, W2),
                                          (B2, B2, W2)]]
    if X.shape[1] != 7:
        raise SystemExit(f"skfem intorder {INTORDER} has {X.shape[1]} points, expected 7")
    worst = 0.0
    for (a, b, w) in vegard:
        d = np.abs(X[0] - a) + np.abs(X[1] - b)
        k = int(np.argmin(d))
        worst = max(worst, d[k], abs(W[k] - 0.5 * w))
    return worst


# splu variants: scipy's default (COLAMD column ordering, partial pivoting) and the setting SuperLU's
# documentation recommends for (nearly) symmetric, diagonally dominant matrices: symmetric mode with the
# minimum-degree ordering of A^T + A and diagonal pivoting preferred.
SPLU_VARIANTS = ["COLAMD", "MMD_AT_PLUS_A+symmetric"]


def splu_factor(A, variant):
    A = A.tocsc()
    if variant == "COLAMD":
        return spla.splu(A, permc_spec="COLAMD")
    return spla.splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options=dict(SymmetricMode=True))


def best_of(repeat, f):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def run_vegard(h_min, order, repeat, out, threads, ordering):
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "vegard", "--example", "fem_step_bench", "--",
           "--h-min", str(h_min), "--order", order, "--repeat", str(repeat), "--out", out, "--threads", threads,
           "--ordering", ordering]
    subprocess.run(cmd, cwd=ROOT, check=True)
    with open(out) as fh:
        return json.load(fh)


def skfem_side(d, repeat):
    nodes = np.vstack([d["nodes_r"], d["nodes_z"]])
    order = d["order"]
    npe = 3 if order == "p1" else 6
    el = np.asarray(d["elements"], dtype=np.int64).reshape(-1, npe)
    nn = nodes.shape[1]

    # vegard node -> skfem vertex (P2: vertices are a subset of the nodes; mid-edge nodes map to facets).
    vert_nodes = np.unique(el[:, :3])
    vert_of_node = -np.ones(nn, dtype=np.int64)
    vert_of_node[vert_nodes] = np.arange(len(vert_nodes))
    # Contiguous copies: skfem would otherwise convert (and warn) inside MeshTri, inside the timed setup.
    p = np.ascontiguousarray(nodes[:, vert_nodes])
    t = np.ascontiguousarray(vert_of_node[el[:, :3]].T)
    mids = {}
    if order == "p2":
        for (i, j, m) in [(0, 1, 3), (1, 2, 4), (2, 0, 5)]:
            for a, b, c in zip(vert_of_node[el[:, i]], vert_of_node[el[:, j]], el[:, m]):
                mids[(min(a, b), max(a, b))] = c
    elem = ElementTriP1() if order == "p1" else ElementTriP2()
    E, nu = d["youngs_modulus_pa"], d["poisson"]
    lam, mu = E * nu / ((1 + nu) * (1 - 2 * nu)), E / (2 * (1 + nu))
    kb = E / (3 * (1 - 2 * nu))

    def setup():
        mesh = MeshTri(p, t)
        bv = Basis(mesh, ElementVector(elem), intorder=INTORDER)
        bs = bv.with_element(elem)  # same quadrature, scalar element
        # skfem DOF of every vegard node: scalar and (u_r, u_z).
        sdof = np.empty(nn, dtype=np.int64)
        vdof = np.empty((2, nn), dtype=np.int64)
        sdof[vert_nodes] = bs.nodal_dofs[0]
        vdof[:, vert_nodes] = bv.nodal_dofs
        if order == "p2":
            f = mesh.facets
            mid = np.array([mids[(min(a, b), max(a, b))] for a, b in zip(f[0], f[1])])
            sdof[mid] = bs.facet_dofs[0]
            vdof[:, mid] = bv.facet_dofs
        D = np.unique(np.concatenate([vdof[0, d["axis"]], vdof[1, d["bottom"]], vdof[0, d["side"]]]))
        return mesh, bv, bs, sdof, vdof, D

    t_setup, (mesh, bv, bs, sdof, vdof, D) = best_of(repeat, setup)

    # Same constrained unknowns as vegard (its index 2i + k is component k of node i).
    vegard_fixed = np.asarray(d["elastic_fixed_dofs"])
    mapped = np.sort(vdof[vegard_fixed % 2, vegard_fixed // 2])
    assert np.array_equal(mapped, D), "Dirichlet sets differ"

    eig = np.empty(bs.N)
    eig[sdof] = d["eigenstrain"]
    c_n = np.empty(bs.N)
    c_n[sdof] = d["c_n"]
    dt = d["dt"]

    def eps(u, r):
        return (u.grad[0][0], u.grad[1][1], u.value[0] / r, u.grad[0][1] + u.grad[1][0])

    @BilinearForm
    def elastic(u, v, w):
        r = w.x[0]
        eu, ev = eps(u, r), eps(v, r)
        tu, tv = eu[0] + eu[1] + eu[2], ev[0] + ev[1] + ev[2]
        return (lam * tu * tv + 2 * mu * (eu[0] * ev[0] + eu[1] * ev[1] + eu[2] * ev[2]) + mu * eu[3] * ev[3]) * r

    @LinearForm
    def eig_load(v, w):
        r = w.x[0]
        return 3 * kb * w["es"].value * (v.grad[0][0] + v.grad[1][1] + v.value[0] / r) * r

    @BilinearForm
    def mass(u, v, w):
        return u * v * w.x[0]

    @BilinearForm
    def laplace(u, v, w):
        return dot(grad(u), grad(v)) * w.x[0]

    def el_assemble():
        K = asm(elastic, bv)
        f = asm(eig_load, bv, es=bs.interpolate(eig))
        return K, f

    t_el_asm, (K, f) = best_of(repeat, el_assemble)

    def el_solve():
        Ac, bc, x, I = condense(K, f, D=D)
        x = x.copy()
        x[I] = spla.spsolve(Ac, bc)
        return x

    t_el_solve, u = best_of(repeat, el_solve)

    # scipy's SuperLU with the factor object kept (splu), in the orderings that suit a symmetric matrix; the
    # peer has no sparse Cholesky without extra packages (scikit-sparse / CHOLMOD is not installed: it needs
    # SuiteSparse and a compiler). The fastest variant is reported.
    def el_solve_splu(variant):
        def run():
            Ac, bc, x, I = condense(K, f, D=D)
            x = x.copy()
            x[I] = splu_factor(Ac, variant).solve(bc)
            return x
        return run

    el_variants = {v: best_of(repeat, el_solve_splu(v)) for v in SPLU_VARIANTS}
    el_best = min(el_variants, key=lambda v: el_variants[v][0])
    t_el_splu = el_variants[el_best][0]

    # Per time step: the elastic matrix is constant, so the factor of the condensed matrix is kept from setup;
    # a step is the eigenstrain load, the condensed right-hand side and the triangular solves.
    I_free = np.setdiff1d(np.arange(bv.N), D)
    lu_el = splu_factor(K[I_free][:, I_free], el_best)

    def el_step():
        f_s = asm(eig_load, bv, es=bs.interpolate(eig))
        x = np.zeros(bv.N)
        x[I_free] = lu_el.solve(f_s[I_free])  # fixed values are zero: no K_ID x_D term
        return x

    t_el_step, u_step = best_of(repeat, el_step)

    def df_assemble():
        M = asm(mass, bs)
        Kd = asm(laplace, bs)
        return M / dt + Kd, M @ c_n / dt

    t_df_asm, (A, b) = best_of(repeat, df_assemble)
    t_df_solve, c_new = best_of(repeat, lambda: spla.spsolve(A, b))
    df_variants = {v: best_of(repeat, lambda v=v: splu_factor(A, v).solve(b)) for v in SPLU_VARIANTS}
    df_best = min(df_variants, key=lambda v: df_variants[v][0])
    t_df_splu = df_variants[df_best][0]

    # Per time step: re-assemble K (concentration-dependent D in the tip model), add the kept M/dt, rhs with
    # the kept M, factor and solve; spsolve or the best splu variant, whichever is faster.
    M_keep = asm(mass, bs)

    def df_step(variant):
        def run():
            A_s = M_keep / dt + asm(laplace, bs)
            b_s = M_keep @ c_n / dt
            if variant == "spsolve":
                return spla.spsolve(A_s, b_s)
            return splu_factor(A_s, variant).solve(b_s)
        return run

    step_variants = {v: best_of(repeat, df_step(v)) for v in ["spsolve"] + SPLU_VARIANTS}
    step_best = min(step_variants, key=lambda v: step_variants[v][0])
    t_df_step, c_step = step_variants[step_best]

    # Back to vegard's node order.
    def to_vegard(x):
        out = np.empty(2 * nn)
        out[0::2] = x[vdof[0]]
        out[1::2] = x[vdof[1]]
        return out

    u_v = to_vegard(u)
    return {
        "timings_s": {"setup": t_setup, "elastic_assemble": t_el_asm, "elastic_solve": t_el_solve,
                      "diffusion_assemble": t_df_asm, "diffusion_solve": t_df_solve,
                      "elastic_solve_splu": t_el_splu, "diffusion_solve_splu": t_df_splu,
                      "elastic_step": t_el_step, "diffusion_step": t_df_step},
        "variants": {"elastic_splu": el_best, "diffusion_splu": df_best, "diffusion_step": step_best},
        "u": u_v, "u_step": to_vegard(u_step), "c_new": c_new[sdof], "c_step": c_step[sdof],
        "n_dofs_vector": bv.N, "n_fixed": len(D),
    }


def rel_max(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(a)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--h-min", type=float, nargs="+", default=[0.1, 0.05, 0.025], help="h_min in tip radii L")
    ap.add_argument("--order", nargs="+", default=["p1", "p2"], choices=["p1", "p2"])
    ap.add_argument("--repeat", type=int, default=5, help="best of N for every phase, both sides")
    ap.add_argument("--threads", default="seq", choices=["seq", "rayon"],
                    help="faer parallelism on vegard's side (seq = single thread, like SuperLU; rayon = faer's "
                         "default, all cores)")
    ap.add_argument("--ordering", default="auto", choices=["auto", "amd", "nd"],
                    help="vegard's fill-reducing ordering for the pattern-path Cholesky (auto = the library's "
                         "choice: nested dissection from 4000 nodes, AMD below)")
    ap.add_argument("--workdir", default="/tmp/vegard_skfem_bench")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    try:
        import scikits.umfpack  # noqa: F401
        solver = "UMFPACK (scikit-umfpack installed)"
    except ImportError:
        solver = "SuperLU (scipy.sparse.linalg.spsolve, permc_spec COLAMD)"
    print(f"python {platform.python_version()}, scikit-fem {skfem.__version__}, numpy {np.__version__}, "
          f"scipy {scipy.__version__}; skfem linear solver: {solver}; nproc {os.cpu_count()}; "
          f"vegard faer parallelism: {args.threads}, ordering: {args.ordering}")
    print(f"quadrature: intorder {INTORDER}, skfem rule vs vegard's 7-point rule: max |difference| "
          f"{check_quadrature():.1e}")

    rows = []
    for order in args.order:
        for h in args.h_min:
            out = os.path.join(args.workdir, f"vegard_{order}_{h}.json")
            d = run_vegard(h, order, args.repeat, out, args.threads, args.ordering)
            s = skfem_side(d, args.repeat)
            tv, ts = d["timings_s"], s["timings_s"]
            agree = {
                "u (LU)": rel_max(d["u_lu"], s["u"]),
                "u (Cholesky)": rel_max(d["u_cholesky"], s["u"]),
                "u (pattern Cholesky)": rel_max(d["u_pattern_cholesky"], s["u"]),
                "u (pattern LU)": rel_max(d["u_pattern_lu"], s["u"]),
                "u (step)": rel_max(d["u_step"], s["u_step"]),
                "c": rel_max(d["c_new"], s["c_new"]),
                "c (pattern Cholesky)": rel_max(d["c_new_pattern_cholesky"], s["c_new"]),
                "c (step)": rel_max(d["c_new_step"], s["c_step"]),
                "c - c^n (pattern Cholesky)": rel_max(np.subtract(d["c_new_pattern_cholesky"], d["c_n"]),
                                                      s["c_new"] - np.asarray(d["c_n"])),
            }
            el_s = min(ts["elastic_solve"], ts["elastic_solve_splu"])
            df_s = min(ts["diffusion_solve"], ts["diffusion_solve_splu"])
            setup_v = tv["mesh"] + tv["patterns"]
            phases = [
                ("setup (vegard: mesh + patterns)", setup_v, ts["setup"]),
                ("elastic assemble (triplets)", tv["elastic_assemble"], ts["elastic_assemble"]),
                ("elastic assemble (pattern)", tv["elastic_assemble_pattern"], ts["elastic_assemble"]),
                ("elastic solve LU vs spsolve", tv["elastic_solve_lu"], ts["elastic_solve"]),
                ("elastic solve pattern LU vs best scipy", tv["elastic_solve_pattern_lu"], el_s),
                ("elastic solve pattern Cholesky vs best scipy", tv["elastic_solve_pattern_cholesky"], el_s),
                ("diffusion assemble (triplets)", tv["diffusion_assemble"], ts["diffusion_assemble"]),
                ("diffusion assemble (pattern)", tv["diffusion_assemble_pattern"], ts["diffusion_assemble"]),
                ("diffusion solve LU vs spsolve", tv["diffusion_solve_lu"], ts["diffusion_solve"]),
                ("diffusion solve Cholesky (triplets) vs best scipy", tv["diffusion_solve_cholesky"], df_s),
                ("diffusion solve pattern Cholesky vs best scipy", tv["diffusion_solve_pattern_cholesky"], df_s),
                ("diffusion solve pattern LU vs best scipy", tv["diffusion_solve_pattern_lu"], df_s),
            ]
            tot_old = tv["mesh"] + tv["elastic_assemble"] + tv["elastic_solve_lu"] + tv["diffusion_assemble"] \
                + tv["diffusion_solve_lu"]
            tot_s_old = ts["setup"] + ts["elastic_assemble"] + ts["elastic_solve"] + ts["diffusion_assemble"] \
                + ts["diffusion_solve"]
            tot_new = setup_v + tv["elastic_assemble_pattern"] + tv["elastic_solve_pattern_cholesky"] \
                + tv["diffusion_assemble_pattern"] + tv["diffusion_solve_pattern_cholesky"]
            tot_new_lu = setup_v + tv["elastic_assemble_pattern"] + tv["elastic_solve_pattern_lu"] \
                + tv["diffusion_assemble_pattern"] + tv["diffusion_solve_pattern_lu"]
            tot_s_best = ts["setup"] + ts["elastic_assemble"] + el_s + ts["diffusion_assemble"] + df_s
            phases += [
                ("one step, all LU (old path) vs spsolve", tot_old, tot_s_old),
                ("one step, pattern + LU vs best scipy", tot_new_lu, tot_s_best),
                ("one step, pattern + Cholesky vs best scipy", tot_new, tot_s_best),
                ("per step: elastic (load + solve, kept factor)", tv["elastic_step"], ts["elastic_step"]),
                ("per step: diffusion (re-assemble K, refactor, solve)", tv["diffusion_step"], ts["diffusion_step"]),
                ("per step: total", tv["elastic_step"] + tv["diffusion_step"],
                 ts["elastic_step"] + ts["diffusion_step"]),
            ]
            print(f"\n## {order.upper()}, h_min = {h} L: {d['n_nodes']} nodes, {d['n_elements']} triangles, "
                  f"elasticity {2 * d['n_nodes']} unknowns ({s['n_fixed']} fixed), best of {args.repeat}, "
                  f"load average {os.getloadavg()[0]:.1f}")
            print("agreement (max |vegard - skfem| / max |vegard|): "
                  + ", ".join(f"{k} {v:.1e}" for k, v in agree.items()))
            print(f"scipy variants chosen: {s['variants']}")
            print(f"vegard Cholesky factors ({d['ordering']}): stored values of L, elasticity "
                  f"{d['factor_len']['elastic']}, diffusion {d['factor_len']['diffusion']}")
            parts = tv["diffusion_solve_lu_parts"]
            print("vegard diffusion solve parts (s): " + ", ".join(f"{k} {v:.2e}" for k, v in parts.items()))
            print("| phase | vegard s | skfem s | skfem / vegard |")
            print("|---|---|---|---|")
            for name, a, b in phases:
                print(f"| {name} | {a:.2e} | {b:.2e} | {b / a:.1f}× |")
            rows.append({"order": order, "h_min_l": h, "n_nodes": d["n_nodes"], "agreement": agree,
                         "variants": s["variants"], "loadavg": os.getloadavg(),
                         "ordering": d["ordering"], "factor_len": d["factor_len"],
                         "phases": [{"phase": n_, "vegard_s": a, "skfem_s": b} for n_, a, b in phases]})
    with open(os.path.join(args.workdir, "summary.json"), "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    sys.exit(main())
