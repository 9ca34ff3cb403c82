//! The sparse solver (`numerics::sparse`) on the tip-model meshes: nested dissection against AMD.

use super::elasticity::{self, Eigenstrain, Isotropic, Support};
use super::system::Constrained;
use super::{Boundary, CylinderSpec, Mesh, Order, scalar};
use crate::numerics::sparse::{MatrixKind, Ordering, Pattern, Symbolic};

/// The tip-model mesh of the scikit-fem benchmark (bench/README.md): 10 L × 10 L, fine region 1 L,
/// growth 1.25, h_max 1 L.
fn tip_mesh(order: Order, h_min: f64) -> Mesh {
    let spec = CylinderSpec { radius: 10.0, depth: 10.0, h_min, fine_extent: 1.0, growth: 1.25, h_max: 1.0, order };
    Mesh::cylinder(&spec).unwrap()
}

#[test]
fn nested_dissection_is_a_node_permutation_and_solves_like_amd() {
    let mesh = tip_mesh(Order::P2, 0.1);
    assert_eq!(mesh.n_nodes(), 2601);
    let sp = scalar::pattern(&mesh).unwrap();
    let vp = elasticity::pattern_from_scalar(&mesh, &sp).unwrap();
    // The ordering of the elasticity pattern: a permutation of the 2 × 2601 unknowns, (u_r, u_z) of a node
    // adjacent and in that order, inverse consistent.
    let (fwd, inv) = vp.nested_dissection_permutation().unwrap();
    let mut sorted = fwd.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..vp.dim()).collect::<Vec<_>>());
    assert!(fwd.chunks_exact(2).all(|pair| pair[0] % 2 == 0 && pair[1] == pair[0] + 1));
    assert!(fwd.iter().enumerate().all(|(q, &j)| inv[j] == q));
    // Elasticity with the benchmark's supports and an eigenstrain bump, and a diffusion step: the two
    // orderings eliminate in different orders, so the solutions differ by rounding amplified by the
    // conditioning of the matrices; 1e-10 of the largest value is far above that (the benchmark sees
    // ≤ 2e-13) and far below any error that matters.
    let mat = Isotropic::new(100e9, 0.3).unwrap();
    let mut kv = vp.zeros();
    elasticity::stiffness_into(&mesh, &vp, &mat, &mut kv).unwrap();
    let fixed =
        elasticity::supports(&mesh, &[(Boundary::Bottom, Support::NoAxial), (Boundary::Side, Support::NoRadial)]);
    let f = elasticity::eigenstrain_load(&mesh, &mat, Eigenstrain::Field(&|r, z| 1e-3 * (-(r * r + z * z)).exp()));
    let solve = |o| Constrained::from_pattern_with(&vp, &kv, &fixed, MatrixKind::Spd, o).unwrap().solve(&f).unwrap();
    let (u_amd, u_nd) = (solve(Ordering::Amd), solve(Ordering::NestedDissection));
    let big = u_amd.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = u_amd.iter().zip(&u_nd).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(big > 0.0 && diff <= 1e-10 * big, "{diff:e} of {big:e}");
    let mut av = sp.zeros();
    scalar::mass_into(&mesh, &sp, |_, _| 1.0, 100.0, &mut av).unwrap();
    scalar::stiffness_into(&mesh, &sp, |_, _| 1.0, 1.0, &mut av).unwrap();
    let b: Vec<f64> = mesh.nodes.iter().map(|p| (-(p[0] * p[0] + p[1] * p[1])).exp()).collect();
    let solve = |o| {
        Symbolic::analyse_pattern_with(&sp, MatrixKind::Spd, o).unwrap().factor_pattern(&sp, &av).unwrap().solve(&b)
    };
    let (c_amd, c_nd) = (solve(Ordering::Amd), solve(Ordering::NestedDissection));
    let big = c_amd.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = c_amd.iter().zip(&c_nd).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(big > 0.0 && diff <= 1e-10 * big, "{diff:e} of {big:e}");
    // Without coordinates nested dissection falls back to AMD: the same analysis.
    let bare = Pattern::from_element_dofs(sp.dim(), sp.dofs_per_element(), &{
        let mut d = Vec::new();
        (0..mesh.n_elements()).for_each(|e| d.extend_from_slice(mesh.element(e)));
        d
    })
    .unwrap();
    assert_eq!(
        Symbolic::analyse_pattern_with(&bare, MatrixKind::Spd, Ordering::NestedDissection).unwrap().factor_len(),
        Symbolic::analyse_pattern_with(&sp, MatrixKind::Spd, Ordering::Amd).unwrap().factor_len()
    );
}

#[test]
fn nested_dissection_gives_smaller_factors_on_the_largest_benchmark_mesh() {
    // P2, h_min 0.025 L: 15 129 nodes. Stored values of the supernodal L (full elasticity pattern, no
    // unknown eliminated; diffusion pattern): AMD 2 783 260 / 739 901, nested dissection
    // 2 436 640 / 656 538 (−12.5 % / −11.3 %). `Ordering::Auto` picks nested dissection here.
    let mesh = tip_mesh(Order::P2, 0.025);
    assert_eq!(mesh.n_nodes(), 15129);
    let sp = scalar::pattern(&mesh).unwrap();
    let vp = elasticity::pattern_from_scalar(&mesh, &sp).unwrap();
    for p in [&sp, &vp] {
        let len = |o| Symbolic::analyse_pattern_with(p, MatrixKind::Spd, o).unwrap().factor_len().unwrap();
        let (amd, nd, auto) = (len(Ordering::Amd), len(Ordering::NestedDissection), len(Ordering::Auto));
        assert!(nd <= amd * 95 / 100, "{} unknowns: nested dissection {nd}, AMD {amd}", p.dim());
        assert_eq!(auto, nd);
    }
}
