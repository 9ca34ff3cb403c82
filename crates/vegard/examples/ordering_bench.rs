//! Fill-reducing orderings compared on the tip-model matrices: AMD vs geometric nested dissection for the
//! reduced elasticity matrix and the diffusion matrix M/Δt + K, with the size of the Cholesky factor and the
//! times of analysis, numeric factorisation and one solve (best of `--repeat`, sequential faer).
//!
//! Run: `cargo run --release -p vegard --example ordering_bench -- --h-min 0.025 --order p2 --repeat 7`.

use std::time::Instant;

use vegard::numerics::sparse::{MatrixKind, Ordering, Symbolic};
use vegard::sim::esm::params::EsmParams;
use vegard::sim::esm::tip_model::MeshOptions;
use vegard::sim::fem::elasticity::{self, Eigenstrain, Isotropic, Support};
use vegard::sim::fem::scalar;
use vegard::sim::fem::system::Constrained;
use vegard::sim::fem::{Boundary, CylinderSpec, Mesh, Order};

fn best_of<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeat {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("repeat ≥ 1"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let (mut h_min, mut order, mut repeat) = (0.025, Order::P2, 7usize);
    for kv in argv.chunks(2) {
        match (kv[0].as_str(), kv.get(1).map(String::as_str)) {
            ("--h-min", Some(v)) => h_min = v.parse()?,
            ("--order", Some("p1")) => order = Order::P1,
            ("--order", Some("p2")) => order = Order::P2,
            ("--repeat", Some(v)) => repeat = v.parse()?,
            (k, _) => return Err(format!("unknown option {k} (expected --h-min, --order p1|p2, --repeat)").into()),
        }
    }
    faer::set_global_parallelism(faer::Par::Seq);
    let params = EsmParams::lifepo4();
    let opts = MeshOptions { h_min_l: h_min, ..MeshOptions::default() };
    let l = params.tip_radius_m;
    let mesh = Mesh::cylinder(&CylinderSpec {
        radius: params.sample_radius_m / l,
        depth: params.sample_thickness_m / l,
        h_min,
        fine_extent: opts.fine_extent_l,
        growth: opts.growth,
        h_max: opts.h_max_l,
        order,
    })?;
    let sp = scalar::pattern(&mesh)?;
    let vp = elasticity::pattern_from_scalar(&mesh, &sp)?;
    let material = Isotropic::new(params.youngs_modulus_pa, params.poisson)?;
    let mut kv = vp.zeros();
    elasticity::stiffness_into(&mesh, &vp, &material, &mut kv)?;
    let c0 = params.baseline_concentration;
    let eig: Vec<f64> = mesh
        .nodes
        .iter()
        .map(|p| {
            params.partial_molar_volume_m3_per_mol * params.c_max_mol_per_m3 / 3.0
                * 0.1
                * (-(p[0] * p[0] + p[1] * p[1]) / 0.5).exp()
        })
        .collect();
    let f = elasticity::eigenstrain_load(&mesh, &material, Eigenstrain::PerNode(&eig));
    let fixed =
        elasticity::supports(&mesh, &[(Boundary::Bottom, Support::NoAxial), (Boundary::Side, Support::NoRadial)]);
    println!("{order:?} h_min {h_min} L: {} nodes", mesh.n_nodes());
    let mut u_ref: Option<Vec<f64>> = None;
    for ordering in [Ordering::Amd, Ordering::NestedDissection] {
        let (t_setup, sys) =
            best_of(repeat, || Constrained::from_pattern_with(&vp, &kv, &fixed, MatrixKind::Spd, ordering));
        let sys = sys?;
        let (t_solve, u) = best_of(repeat, || sys.solve(&f));
        let u = u?;
        let diff = u_ref.as_ref().map_or(0.0, |r| {
            let scale = r.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            r.iter().zip(&u).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())) / scale
        });
        println!(
            "  elastic   {ordering:?}: {} free, nnz(L) {}, analyse+factor {:.2} ms, solve {:.3} ms, rel diff {diff:.1e}",
            sys.n_free(),
            sys.factor_len().unwrap_or(0),
            1e3 * t_setup,
            1e3 * t_solve
        );
        u_ref.get_or_insert(u);
    }
    let dt = 0.01;
    let mut mv = sp.zeros();
    scalar::mass_into(&mesh, &sp, |_, _| 1.0, 1.0, &mut mv)?;
    let mut av: Vec<f64> = mv.iter().map(|v| v / dt).collect();
    scalar::stiffness_into(&mesh, &sp, |_, _| 1.0, 1.0, &mut av)?;
    let c: Vec<f64> = mesh.nodes.iter().map(|p| c0 + 0.1 * (-(p[0] * p[0] + p[1] * p[1]) / 0.5).exp()).collect();
    let b: Vec<f64> = sp.mul_vec(&mv, &c)?.iter().map(|v| v / dt).collect();
    let mut c_ref: Option<Vec<f64>> = None;
    for ordering in [Ordering::Amd, Ordering::NestedDissection] {
        let (t_sym, sym) = best_of(repeat, || Symbolic::analyse_pattern_with(&sp, MatrixKind::Spd, ordering));
        let sym = sym?;
        let mut fac = sym.factor_pattern(&sp, &av)?;
        let (t_num, r) = best_of(repeat, || sym.refactor_pattern(&sp, &av, &mut fac));
        r?;
        let (t_solve, x) = best_of(repeat, || fac.solve(&b));
        let diff = c_ref.as_ref().map_or(0.0, |r| r.iter().zip(&x).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())));
        println!(
            "  diffusion {ordering:?}: nnz(L) {}, analyse {:.2} ms, refactor {:.2} ms, solve {:.3} ms, max diff {diff:.1e}",
            sym.factor_len().unwrap_or(0),
            1e3 * t_sym,
            1e3 * t_num,
            1e3 * t_solve
        );
        c_ref.get_or_insert(x);
    }
    // Per-step costs A/B, interleaved round by round so that the load of a shared machine hits both
    // orderings alike: elastic = solve with the kept factor; diffusion = refactor into the kept factor and
    // solve. Minimum and median over `rounds`.
    let rounds = 10 * repeat;
    let systems = [Ordering::Amd, Ordering::NestedDissection]
        .map(|o| Constrained::from_pattern_with(&vp, &kv, &fixed, MatrixKind::Spd, o));
    let [el_amd, el_nd] = systems;
    let (el_amd, el_nd) = (el_amd?, el_nd?);
    let sym =
        [Ordering::Amd, Ordering::NestedDissection].map(|o| Symbolic::analyse_pattern_with(&sp, MatrixKind::Spd, o));
    let [sym_amd, sym_nd] = sym;
    let (sym_amd, sym_nd) = (sym_amd?, sym_nd?);
    let (mut fac_amd, mut fac_nd) = (sym_amd.factor_pattern(&sp, &av)?, sym_nd.factor_pattern(&sp, &av)?);
    let mut t = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
    for _ in 0..rounds {
        for (k, sys) in [&el_amd, &el_nd].into_iter().enumerate() {
            let t0 = Instant::now();
            std::hint::black_box(sys.solve(&f)?);
            t[0][k].push(t0.elapsed().as_secs_f64());
        }
        for (k, (sym, fac)) in [(&sym_amd, &mut fac_amd), (&sym_nd, &mut fac_nd)].into_iter().enumerate() {
            let t0 = Instant::now();
            sym.refactor_pattern(&sp, &av, fac)?;
            std::hint::black_box(fac.solve(&b));
            t[1][k].push(t0.elapsed().as_secs_f64());
        }
    }
    for (name, [amd, nd]) in ["elastic solve", "diffusion refactor + solve"].iter().zip(t.iter_mut()) {
        for v in [&mut *amd, &mut *nd] {
            v.sort_by(f64::total_cmp);
        }
        println!(
            "  interleaved {name} ({rounds} rounds): AMD min {:.3} / median {:.3} ms, ND min {:.3} / median {:.3} ms",
            1e3 * amd[0],
            1e3 * amd[rounds / 2],
            1e3 * nd[0],
            1e3 * nd[rounds / 2]
        );
    }
    Ok(())
}
