//! One elasticity solve and one diffusion step of the ESM tip model, timed phase by phase, for the comparison
//! with scikit-fem in `bench/skfem_compare.py` (which runs this example and reads its JSON output).
//!
//! Run: `cargo run --release -p vegard --example fem_step_bench -- --h-min 0.05 --order p1 --repeat 5 --out
//! /tmp/step.json`.
//!
//! The mesh is the tip-model mesh (`TipModel::new`): `Mesh::cylinder` in units of the tip radius L, radius and
//! depth from the LiFePO₄ preset (10 L each), `MeshOptions::default()` grading (fine region 1 L, growth 1.25,
//! h_max 1 L) with the given h_min. The problems use only library functions:
//!
//! (a) elasticity: `elasticity::stiffness` + `elasticity::eigenstrain_load` with the Vegard eigenstrain
//!     e* = (Ω c_max/3)(c − c₀) from a nodal concentration c (Eshghinejad et al. 2017, Eq. 4), supports as in the tip model
//!     (bottom u_z = 0, side u_r = 0, axis u_r = 0, top traction-free), solved by `system::Constrained`
//!     (elimination) with sparse LU (`MatrixKind::General`, what scipy's spsolve does) and, separately, with
//!     sparse Cholesky (`MatrixKind::Spd`, what the tip model uses);
//! (b) one backward-Euler diffusion step (M/Δt + K) c = M cⁿ/Δt, r-weighted, zero flux everywhere
//!     (`scalar::mass`, `scalar::stiffness`; sparse LU as before, and sparse Cholesky: M/Δt + K is SPD).
//!
//! Timed phases (wall clock, best of `--repeat`): mesh = `Mesh::cylinder` + boundary node sets; assemble =
//! element loops to triplets plus the load / right-hand side; solve = elimination of the fixed unknowns,
//! triplets → CSC, symbolic + numeric factorisation, triangular solves; the diffusion solve is also timed part
//! by part. Our loops are single-threaded; faer's factorisations use its global parallelism, which defaults
//! to rayon over all cores: `--threads seq` sets `faer::Par::Seq` (like for like with SuperLU), `--threads
//! rayon` keeps faer's default (what the library does today).
//!
//! Pattern path (what a time loop uses): `scalar::pattern` / `elasticity::pattern_from_scalar` are built once with the mesh
//! (timed as part of setup, like skfem's Basis); assembly is then a scatter-add into the CSC value array
//! (`stiffness_into`, `mass_into`), the elasticity system is `Constrained::from_pattern`, the diffusion matrix
//! M/Δt + K (SPD) is factored by Cholesky with `Symbolic::analyse_pattern` + `factor_pattern`. The *per-step*
//! timings are what each further time step costs once setup is done: elasticity = eigenstrain load + solve
//! with the kept factor (the matrix does not change); diffusion = re-assemble K into the pattern, add the kept
//! M/Δt, right-hand side M cⁿ/Δt with the kept M, numeric Cholesky with the kept symbolic analysis into the
//! kept factor's buffer (`Symbolic::refactor_pattern`), solve.
//!
//! Options: `--h-min` (L, default 0.05), `--order p1|p2`, `--repeat N` (default 5), `--dt` (normalised step,
//! default 0.01), `--threads seq|rayon` (default rayon), `--ordering auto|amd|nd` (fill-reducing ordering of
//! the pattern-path Cholesky factorisations, default auto = what the library does: nested dissection on
//! meshes of ≥ 4000 nodes, AMD below), `--out` (JSON path). The JSON also records nnz(L) of both factors.

// The output JSON object is large enough to exceed serde_json::json!'s default macro recursion depth.
#![recursion_limit = "256"]

use std::time::Instant;

use vegard::numerics::sparse::{Factor, MatrixKind, Ordering, Pattern, Symbolic, Triplets};
use vegard::sim::esm::params::EsmParams;
use vegard::sim::esm::tip_model::MeshOptions;
use vegard::sim::fem::elasticity::{self, Eigenstrain, Isotropic, Support};
use vegard::sim::fem::scalar;
use vegard::sim::fem::system::Constrained;
use vegard::sim::fem::{Boundary, CylinderSpec, Mesh, Order};

type FemResult<T> = Result<T, vegard::sim::fem::FemError>;
/// Stiffness values, load, fixed unknowns.
type ElasticParts = (Vec<f64>, Vec<f64>, Vec<(usize, f64)>);
/// Mass values, M/Δt + K values, right-hand side.
type DiffusionParts = (Vec<f64>, Vec<f64>, Vec<f64>);

struct Args {
    h_min_l: f64,
    order: Order,
    repeat: usize,
    dt: f64,
    out: String,
    /// faer's global parallelism: "seq" or "rayon" (faer's default, all cores).
    threads: String,
    /// Fill-reducing ordering of the pattern-path Cholesky factorisations.
    ordering: Ordering,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        h_min_l: 0.05,
        order: Order::P1,
        repeat: 5,
        dt: 0.01,
        out: "fem_step_bench.json".into(),
        threads: "rayon".into(),
        ordering: Ordering::Auto,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| format!("option {k}: expected a value after it"))?;
        let num = |v: &str| v.parse::<f64>().map_err(|_| format!("option {k}: expected a number, got {v}"));
        match k.as_str() {
            "--h-min" => a.h_min_l = num(v)?,
            "--dt" => a.dt = num(v)?,
            "--repeat" => a.repeat = v.parse().map_err(|_| format!("--repeat: expected an integer, got {v}"))?,
            "--order" => {
                a.order = match v.as_str() {
                    "p1" | "P1" => Order::P1,
                    "p2" | "P2" => Order::P2,
                    _ => return Err(format!("--order: expected p1 or p2, got {v}")),
                }
            }
            "--out" => a.out = v.clone(),
            "--threads" => {
                if v != "seq" && v != "rayon" {
                    return Err(format!("--threads: expected seq or rayon, got {v}"));
                }
                a.threads = v.clone()
            }
            "--ordering" => {
                a.ordering = match v.as_str() {
                    "auto" => Ordering::Auto,
                    "amd" => Ordering::Amd,
                    "nd" => Ordering::NestedDissection,
                    _ => return Err(format!("--ordering: expected auto, amd or nd, got {v}")),
                }
            }
            _ => {
                return Err(format!(
                    "unknown option {k} (expected --h-min, --order, --repeat, --dt, --out, --threads, --ordering)"
                ));
            }
        }
    }
    if !(a.h_min_l > 0.0 && a.dt > 0.0 && a.repeat >= 1) {
        return Err("expected --h-min > 0, --dt > 0, --repeat ≥ 1".into());
    }
    Ok(a)
}

/// Best wall-clock time (s) of `repeat` runs of `f`, and the last result.
fn best_of<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeat {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    match out {
        Some(v) => (best, v),
        None => unreachable!("repeat ≥ 1 is checked"),
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("fem_step_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    if args.threads == "seq" {
        // faer defaults to rayon over all cores inside its supernodal factorisations; "seq" makes the
        // comparison with single-threaded SuperLU like for like.
        faer::set_global_parallelism(faer::Par::Seq);
    }
    let params = EsmParams::lifepo4();
    let opts = MeshOptions { h_min_l: args.h_min_l, ..MeshOptions::default() };
    let l = params.tip_radius_m;
    let spec = CylinderSpec {
        radius: params.sample_radius_m / l,
        depth: params.sample_thickness_m / l,
        h_min: opts.h_min_l,
        fine_extent: opts.fine_extent_l,
        growth: opts.growth,
        h_max: opts.h_max_l,
        order: args.order,
    };
    let (t_mesh, mesh) = best_of(args.repeat, || {
        let m = Mesh::cylinder(&spec);
        if let Ok(m) = &m {
            // The boundary node sets are part of setting up the problem (skfem's side finds its facets too).
            std::hint::black_box(
                [Boundary::Axis, Boundary::Top, Boundary::Bottom, Boundary::Side].map(|t| m.nodes_on(t)),
            );
        }
        m
    });
    let mesh = mesh?;
    let n = mesh.n_nodes();
    let (t_patterns, patterns) = best_of(args.repeat, || -> Result<(Pattern, Pattern), vegard::sim::fem::FemError> {
        let sp = scalar::pattern(&mesh)?;
        let vp = elasticity::pattern_from_scalar(&mesh, &sp)?;
        Ok((sp, vp))
    });
    let (sp, vp) = patterns?;

    // A concentration bump under the tip (what a bias pulse leaves behind): c = c₀ + 0.1 exp(−(r² + z²)/0.5).
    let c0 = params.baseline_concentration;
    let c_n: Vec<f64> = mesh.nodes.iter().map(|p| c0 + 0.1 * (-(p[0] * p[0] + p[1] * p[1]) / 0.5).exp()).collect();
    let vegard_k = params.partial_molar_volume_m3_per_mol * params.c_max_mol_per_m3 / 3.0;
    let eig: Vec<f64> = c_n.iter().map(|c| vegard_k * (c - c0)).collect();
    let material = Isotropic::new(params.youngs_modulus_pa, params.poisson)?;

    // (a) elasticity.
    let (t_el_asm, (k_el, f_el, fixed)) = best_of(args.repeat, || {
        let k = elasticity::stiffness(&mesh, &material);
        let f = elasticity::eigenstrain_load(&mesh, &material, Eigenstrain::PerNode(&eig));
        let fixed =
            elasticity::supports(&mesh, &[(Boundary::Bottom, Support::NoAxial), (Boundary::Side, Support::NoRadial)]);
        (k, f, fixed)
    });
    let (t_el_lu, u_lu) =
        best_of(args.repeat, || Constrained::new(&k_el, &fixed, MatrixKind::General).and_then(|s| s.solve(&f_el)));
    let u_lu = u_lu?;
    let (t_el_chol, u_chol) =
        best_of(args.repeat, || Constrained::new(&k_el, &fixed, MatrixKind::Spd).and_then(|s| s.solve(&f_el)));
    let u_chol = u_chol?;

    // (a') the same through the pattern: assemble, eliminate, factor, solve.
    let supports_of =
        || elasticity::supports(&mesh, &[(Boundary::Bottom, Support::NoAxial), (Boundary::Side, Support::NoRadial)]);
    let (t_el_asm_p, el_p) = best_of(args.repeat, || -> FemResult<ElasticParts> {
        let mut kv = vp.zeros();
        elasticity::stiffness_into(&mesh, &vp, &material, &mut kv)?;
        let f = elasticity::eigenstrain_load(&mesh, &material, Eigenstrain::PerNode(&eig));
        Ok((kv, f, supports_of()))
    });
    let (kv_el, f_el_p, fixed_p) = el_p?;
    // Its stiffness part alone (the rest is the eigenstrain load, timed below as a per-step part, and the
    // support sets).
    let (t_el_asm_k, kv_only) = best_of(args.repeat, || -> FemResult<Vec<f64>> {
        let mut kv = vp.zeros();
        elasticity::stiffness_into(&mesh, &vp, &material, &mut kv)?;
        Ok(kv)
    });
    kv_only?;
    let (t_el_chol_p, u_chol_p) = best_of(args.repeat, || {
        Constrained::from_pattern_with(&vp, &kv_el, &fixed_p, MatrixKind::Spd, args.ordering)
            .and_then(|s| s.solve(&f_el_p))
    });
    let u_chol_p = u_chol_p?;
    let (t_el_lu_p, u_lu_p) = best_of(args.repeat, || {
        Constrained::from_pattern(&vp, &kv_el, &fixed_p, MatrixKind::General).and_then(|s| s.solve(&f_el_p))
    });
    let u_lu_p = u_lu_p?;
    // Per step of a time loop: the elastic matrix is constant, so a step is the new eigenstrain load and the
    // triangular solves with the factor kept from setup.
    let el_sys = Constrained::from_pattern_with(&vp, &kv_el, &fixed_p, MatrixKind::Spd, args.ordering)?;
    let (t_el_step, u_step) = best_of(args.repeat, || {
        let f = elasticity::eigenstrain_load(&mesh, &material, Eigenstrain::PerNode(&eig));
        el_sys.solve(&f)
    });
    let u_step = u_step?;
    // Its two parts.
    let (t_el_step_load, f_step) =
        best_of(args.repeat, || elasticity::eigenstrain_load(&mesh, &material, Eigenstrain::PerNode(&eig)));
    let (t_el_step_solve, _) = best_of(args.repeat, || el_sys.solve(&f_step));

    // (b) one backward-Euler diffusion step, zero flux: (M/Δt + K) c = M cⁿ/Δt.
    let dt = args.dt;
    let (t_df_asm, b_df_pair) = best_of(args.repeat, || -> Result<(Triplets, Vec<f64>), vegard::sim::fem::FemError> {
        let m = scalar::mass(&mesh, |_, _| 1.0);
        let k = scalar::stiffness(&mesh, |_, _| 1.0);
        let mut a = Triplets::with_capacity(n, m.entries().len() + k.entries().len());
        a.add_scaled(&m, 1.0 / dt);
        a.add_scaled(&k, 1.0);
        let b: Vec<f64> = m.to_csc()?.mul_vec(&c_n).iter().map(|v| v / dt).collect();
        Ok((a, b))
    });
    let (a_df, b_df) = b_df_pair?;
    let (t_df_solve, c_new) = best_of(args.repeat, || -> Result<Vec<f64>, vegard::sim::fem::FemError> {
        Ok(Factor::new(&a_df.to_csc()?, MatrixKind::General)?.solve(&b_df))
    });
    let c_new = c_new?;
    // Breakdown of the diffusion solve: triplets → CSC, symbolic analysis, numeric LU, triangular solves.
    let (t_csc, a_csc) = best_of(args.repeat, || a_df.to_csc());
    let a_csc = a_csc?;
    let (t_sym, sym) = best_of(args.repeat, || Symbolic::analyse(&a_csc, MatrixKind::General));
    let sym = sym?;
    let (t_num, fac) = best_of(args.repeat, || sym.factor(&a_csc));
    let fac = fac?;
    let (t_tri, _) = best_of(args.repeat, || fac.solve(&b_df));
    // The matrix is SPD (r-weighted mass + stiffness): Cholesky from the same triplets.
    let (t_df_chol, c_chol) = best_of(args.repeat, || -> Result<Vec<f64>, vegard::sim::fem::FemError> {
        Ok(Factor::new(&a_df.to_csc()?, MatrixKind::Spd)?.solve(&b_df))
    });
    let c_chol = c_chol?;

    // (b') through the pattern: M and K scattered into the CSC values (two element loops, like skfem's two
    // asm calls), A = M/Δt + K, b = M cⁿ/Δt.
    let (t_df_asm_p, df_p) = best_of(args.repeat, || -> FemResult<DiffusionParts> {
        let mut mv = sp.zeros();
        scalar::mass_into(&mesh, &sp, |_, _| 1.0, 1.0, &mut mv)?;
        let mut av: Vec<f64> = mv.iter().map(|v| v / dt).collect();
        scalar::stiffness_into(&mesh, &sp, |_, _| 1.0, 1.0, &mut av)?;
        let b: Vec<f64> = sp.mul_vec(&mv, &c_n)?.iter().map(|v| v / dt).collect();
        Ok((mv, av, b))
    });
    let (mv_df, av_df, b_df_p) = df_p?;
    let (t_df_chol_p, c_chol_p) = best_of(args.repeat, || -> Result<Vec<f64>, vegard::sim::fem::FemError> {
        Ok(Symbolic::analyse_pattern_with(&sp, MatrixKind::Spd, args.ordering)?
            .factor_pattern(&sp, &av_df)?
            .solve(&b_df_p))
    });
    let c_chol_p = c_chol_p?;
    let (t_df_lu_p, c_lu_p) = best_of(args.repeat, || -> Result<Vec<f64>, vegard::sim::fem::FemError> {
        Ok(Symbolic::analyse_pattern(&sp, MatrixKind::General)?.factor_pattern(&sp, &av_df)?.solve(&b_df_p))
    });
    let c_lu_p = c_lu_p?;
    // Per step of a time loop: re-assemble K (e.g. a concentration-dependent D) into the kept pattern, add the
    // kept M/Δt, right-hand side with the kept M, numeric Cholesky with the kept symbolic analysis, solve.
    let sym_df = Symbolic::analyse_pattern_with(&sp, MatrixKind::Spd, args.ordering)?;
    // The factor object is kept too (set up once): each step refactors into its buffer for L.
    let mut fac_df = sym_df.factor_pattern(&sp, &av_df)?;
    let mut av_step = sp.zeros();
    let (t_df_step, c_step) = best_of(args.repeat, || -> Result<Vec<f64>, vegard::sim::fem::FemError> {
        for (a, m) in av_step.iter_mut().zip(&mv_df) {
            *a = m / dt;
        }
        scalar::stiffness_into(&mesh, &sp, |_, _| 1.0, 1.0, &mut av_step)?;
        let b: Vec<f64> = sp.mul_vec(&mv_df, &c_n)?.iter().map(|v| v / dt).collect();
        sym_df.refactor_pattern(&sp, &av_step, &mut fac_df)?;
        Ok(fac_df.solve(&b))
    });
    let c_step = c_step?;
    // Its parts: re-assembly (values + right-hand side), numeric Cholesky, triangular solves.
    let (t_df_step_asm, b_step) = best_of(args.repeat, || -> FemResult<Vec<f64>> {
        for (a, m) in av_step.iter_mut().zip(&mv_df) {
            *a = m / dt;
        }
        scalar::stiffness_into(&mesh, &sp, |_, _| 1.0, 1.0, &mut av_step)?;
        Ok(sp.mul_vec(&mv_df, &c_n)?.iter().map(|v| v / dt).collect())
    });
    let b_step = b_step?;
    let (t_df_step_num, refactored) = best_of(args.repeat, || sym_df.refactor_pattern(&sp, &av_step, &mut fac_df));
    refactored?;
    let (t_df_step_tri, _) = best_of(args.repeat, || fac_df.solve(&b_step));

    let mut elements = Vec::with_capacity(mesh.n_elements() * mesh.order.nodes_per_element());
    for e in 0..mesh.n_elements() {
        elements.extend_from_slice(mesh.element(e));
    }
    let fixed_dofs: Vec<usize> = fixed.iter().map(|p| p.0).collect();
    let out = serde_json::json!({
        "order": match args.order { Order::P1 => "p1", Order::P2 => "p2" },
        "h_min_l": args.h_min_l,
        "repeat": args.repeat,
        "n_nodes": n,
        "n_elements": mesh.n_elements(),
        "nodes_r": mesh.nodes.iter().map(|p| p[0]).collect::<Vec<_>>(),
        "nodes_z": mesh.nodes.iter().map(|p| p[1]).collect::<Vec<_>>(),
        "elements": elements,
        "axis": mesh.nodes_on(Boundary::Axis),
        "top": mesh.nodes_on(Boundary::Top),
        "bottom": mesh.nodes_on(Boundary::Bottom),
        "side": mesh.nodes_on(Boundary::Side),
        "youngs_modulus_pa": material.young,
        "poisson": material.poisson,
        "eigenstrain": eig,
        "c_n": c_n,
        "dt": dt,
        "elastic_fixed_dofs": fixed_dofs,
        "u_lu": u_lu,
        "u_cholesky": u_chol,
        "c_new": c_new,
        "c_new_cholesky": c_chol,
        "c_new_pattern_cholesky": c_chol_p,
        "c_new_pattern_lu": c_lu_p,
        "c_new_step": c_step,
        "u_pattern_cholesky": u_chol_p,
        "u_pattern_lu": u_lu_p,
        "u_step": u_step,
        "timings_s": {
            "mesh": t_mesh,
            "patterns": t_patterns,
            "elastic_assemble_pattern": t_el_asm_p,
            "elastic_solve_pattern_cholesky": t_el_chol_p,
            "elastic_solve_pattern_lu": t_el_lu_p,
            "elastic_step": t_el_step,
            "diffusion_solve_cholesky": t_df_chol,
            "diffusion_assemble_pattern": t_df_asm_p,
            "diffusion_solve_pattern_cholesky": t_df_chol_p,
            "diffusion_solve_pattern_lu": t_df_lu_p,
            "diffusion_step": t_df_step,
            "elastic_assemble_pattern_stiffness": t_el_asm_k,
            "elastic_step_parts": { "load": t_el_step_load, "solve": t_el_step_solve },
            "diffusion_step_parts": { "assemble": t_df_step_asm, "numeric": t_df_step_num, "triangular": t_df_step_tri },
            "elastic_assemble": t_el_asm,
            "elastic_solve_lu": t_el_lu,
            "elastic_solve_cholesky": t_el_chol,
            "diffusion_assemble": t_df_asm,
            "diffusion_solve_lu": t_df_solve,
            "diffusion_solve_lu_parts": { "to_csc": t_csc, "symbolic": t_sym, "numeric": t_num, "triangular": t_tri },
        },
        "threads": args.threads,
        "ordering": format!("{:?}", args.ordering),
        "factor_len": { "elastic": el_sys.factor_len(), "diffusion": sym_df.factor_len() },
    });
    std::fs::write(&args.out, serde_json::to_vec(&out)?)?;
    println!(
        "fem_step_bench: {:?} h_min {} L, {} nodes, {} elements -> {}",
        args.order,
        args.h_min_l,
        n,
        mesh.n_elements(),
        args.out
    );
    Ok(())
}
