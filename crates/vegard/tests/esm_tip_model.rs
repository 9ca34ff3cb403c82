//! Verification of the coupled ESM tip model (sim::esm::tip_model, Eshghinejad et al. 2017, Eqs. 1–4): conservation,
//! zero-flux equilibrium, the unbiased null state, sign and scaling of the response, and relaxation with
//! τ ∝ L²/D. Each test prints the numbers it checks.

use vegard::sim::esm::params::EsmParams;
use vegard::sim::esm::tip_model::{MeshOptions, State, TipElectrostatics, TipModel};

fn lfp() -> EsmParams {
    EsmParams::lifepo4()
}

fn model(p: &EsmParams, opts: MeshOptions) -> TipModel {
    TipModel::new(p, opts).unwrap()
}

/// Runs `n` steps of `dt_hat` (in L²/D) at constant bias.
fn run(m: &TipModel, mut s: State, bias: f64, dt_hat: f64, n: usize) -> State {
    let dt = dt_hat * m.time_unit_s();
    for _ in 0..n {
        s = m.step(&s, bias, dt).unwrap();
    }
    s
}

fn node_at(m: &TipModel, r: f64, z: f64) -> usize {
    m.mesh().nodes.iter().position(|p| p[0] == r && p[1] == z).unwrap()
}

/// Closed boundaries: every linear solve conserves ∫ c r dr dz (each column of the transport matrix sums to
/// zero), so the amount is constant to rounding.
#[test]
fn mass_is_conserved() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    let mut s = s0;
    let mut worst: f64 = 0.0;
    for _ in 0..8 {
        s = run(&m, s, 0.05, 0.1, 1);
        worst = worst.max(((m.amount(&s) - a0) / a0).abs());
    }
    // Then relaxation without bias.
    for _ in 0..4 {
        s = run(&m, s, 0.0, 0.5, 1);
        worst = worst.max(((m.amount(&s) - a0) / a0).abs());
    }
    let dc = s.c.iter().map(|c| (c - 0.1f64).abs()).fold(0.0, f64::max);
    println!("max relative change of ∫c r dr dz over 12 steps: {worst:.2e} (max |c − c0| = {dc:.3e})");
    assert!(dc > 1e-4, "the bias must actually move ions for this test to mean anything");
    assert!(worst < 1e-10);
}

/// Spread (max − min) of μ/RT = ln(c/(1−c)) − σ̂_h + φ̂ after a long time under a constant bias.
fn equilibrium_spread(opts: MeshOptions, bias: f64) -> (f64, f64, f64) {
    let m = model(&lfp(), opts);
    let mut s = m.equilibrium_state();
    let mut dt = 0.05;
    while dt < 1e5 {
        s = run(&m, s, bias, dt, 1);
        dt *= 3.0;
    }
    s = run(&m, s, bias, 1e6, 2);
    let mu = m.chemical_potential_rt(&s, bias);
    let spread = mu.iter().cloned().fold(f64::MIN, f64::max) - mu.iter().cloned().fold(f64::MAX, f64::min);
    // The same away from the singular edge of the contact patch (distance > 0.5 L from (a_c, 0)).
    let a = m.options().contact_radius_l;
    let far: Vec<f64> =
        m.mesh().nodes.iter().zip(&mu).filter(|(p, _)| (p[0] - a).hypot(p[1]) > 0.5).map(|(_, v)| *v).collect();
    let far_spread = far.iter().cloned().fold(f64::MIN, f64::max) - far.iter().cloned().fold(f64::MAX, f64::min);
    println!("  h_min = {} L: spread {spread:.3e} RT, away from the patch edge {far_spread:.3e} RT", opts.h_min_l);
    let o = node_at(&m, 0.0, 0.0);
    (spread, far_spread, 0.1 - s.c[o])
}

#[test]
fn zero_flux_equilibrium_under_constant_bias() {
    let bias = 0.05; // φ̂ = 1.95 at the contact
    // Version 1's Dirichlet contact patch, with its singular edge (the sphere tip is tested below).
    let coarse = MeshOptions { electrostatics: TipElectrostatics::ContactPatch, ..MeshOptions::coarse() };
    let fine = MeshOptions { h_min_l: coarse.h_min_l / 2.0, h_max_l: coarse.h_max_l / 2.0, ..coarse };
    let (s1, f1, d1) = equilibrium_spread(coarse, bias);
    let (s2, f2, d2) = equilibrium_spread(fine, bias);
    println!(
        "μ/RT spread at equilibrium: h = 0.1 L: {s1:.3e} RT, h = 0.05 L: {s2:.3e} RT (ratio {:.2}); depletion at the apex c0 − c = {d1:.3e} / {d2:.3e}",
        s1 / s2
    );
    // The depletion is O(1) in units of c0 (φ̂ ≈ 2), so the spread is a real test of the equilibrium.
    assert!(d1 > 0.03 && d2 > 0.03);
    // The transport scheme is well balanced: with the edge mean of 1/(1 − c) (transport.rs,
    // `edge_diffusivity`) an edge carries no flux exactly when ln(c/(1−c)) + w is equal at its ends, so the
    // discrete steady state has μ/RT constant on every mesh, up to the Picard tolerance: max |Δc| < 1e-11
    // moves μ by ≤ 1e-11/(c(1−c)) ≤ 7e-10 RT here (c ≥ 0.017), asserted < 1e-9 RT on both meshes (measured
    // 5e-12 and 2e-11). The first EAFE version (element average 1/(1 − c̄_e)) was first order instead
    // (2.5e-3 → 1.2e-3 RT, 2.17×), the Galerkin one needed 0.2 RT because of the singular patch edge.
    assert!(s1 < 1e-9 && s2 < 1e-9, "μ/RT spread {s1:.2e}, {s2:.2e}");
    assert!(f1 <= s1 && f2 <= s2);
    // The equilibrium c itself converges under refinement: the apex depletion differs by 0.2 % between
    // h = 0.1 and 0.05 L (first order would leave a few %); asserted < 1 %.
    assert!((d1 - d2).abs() < 0.01 * d2, "apex depletion {d1:.5e} vs {d2:.5e}");
}

/// The default tip, a sphere in contact over the dielectric (image series on the top surface). With the
/// well-balanced transport (edge mean, see `zero_flux_equilibrium_under_constant_bias`) the discrete μ/RT is
/// constant to the Picard tolerance on any mesh (asserted < 1e-9 RT); the equilibrium itself converges: the
/// apex depletion changes by < 1 % from h = 0.1 to 0.05 L. (With the Galerkin transport the spread was
/// 2.64e-2 → 9.68e-3 RT, dominated by the contact point where the images crowd.)
#[test]
fn zero_flux_equilibrium_under_a_sphere_tip() {
    let bias = 0.05;
    let coarse = MeshOptions::coarse();
    assert_eq!(coarse.electrostatics, TipElectrostatics::Sphere { gap_l: 0.0 });
    let fine = MeshOptions { h_min_l: coarse.h_min_l / 2.0, h_max_l: coarse.h_max_l / 2.0, ..coarse };
    let (s1, _, d1) = equilibrium_spread(coarse, bias);
    let (s2, _, d2) = equilibrium_spread(fine, bias);
    println!("sphere tip: μ/RT spread {s1:.3e} / {s2:.3e} RT; apex depletion {d1:.5e} / {d2:.5e}");
    assert!(d1 > 0.03 && (d1 - d2).abs() < 0.01 * d1, "apex depletion must be O(c0) and mesh-converged");
    assert!(s1 < 1e-9 && s2 < 1e-9, "spread {s1:.3e}, {s2:.3e}");
}

#[test]
fn no_bias_no_change() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s = run(&m, m.equilibrium_state(), 0.0, 0.5, 5);
    let dc = s.c.iter().map(|c| (c - 0.1f64).abs()).fold(0.0, f64::max);
    let u = m.surface_displacement_m(&s).unwrap();
    let sig = s.sigma_h_pa.iter().map(|v| v.abs()).fold(0.0, f64::max);
    println!("no bias: max |c − c0| = {dc:.1e}, u_z(0,0) = {u:.1e} m, max |σ_h| = {sig:.1e} Pa");
    // Rounding only: 1e-21 m is 1e-9 of the response to 0.01 V (≈ 1e-12 m).
    assert!(dc < 1e-13 && u.abs() < 1e-21 && sig < 1e-3);
}

/// u_z(0, 0) after `t_hat` (in `n` steps) at `bias`, and c(0, 0).
fn response(p: &EsmParams, bias: f64, t_hat: f64, n: usize) -> (f64, f64) {
    let m = model(p, MeshOptions::coarse());
    let s = run(&m, m.equilibrium_state(), bias, t_hat / n as f64, n);
    (m.surface_displacement_m(&s).unwrap(), s.c[node_at(&m, 0.0, 0.0)])
}

/// Sign and small-signal linearity. The small-signal regime is φ̂ = FzV/RT ≪ 1: V = 0.01 V is already
/// φ̂ = 0.39 at the contact (the equilibrium depletion there is Boltzmann-like, c/(1−c) ∝ e^{−φ̂}), so
/// u(2V)/u(V) at 0.01 V is ≈ 1.89, not 2 (printed). Linearity to 1 % is asserted at V = 1e-4 V (φ̂ = 0.004).
#[test]
fn positive_bias_depletes_and_pulls_the_surface_down() {
    let p = lfp();
    let (u1, c1) = response(&p, 0.01, 1.0, 5);
    let (u2, _) = response(&p, 0.02, 1.0, 5);
    let (um, cm) = response(&p, -0.01, 1.0, 5);
    let (s1, _) = response(&p, 1e-4, 1.0, 5);
    let (s2, _) = response(&p, 2e-4, 1.0, 5);
    let (sm, _) = response(&p, -1e-4, 1.0, 5);
    println!(
        "t̂ = 1: V = 0.01 V: u = {u1:.4e} m, c(0,0) = {c1:.6}; V = −0.01 V: u = {um:.4e} m, c = {cm:.6}; \
         u(2V)/u(V) = {:.5}, u(−V)/u(V) = {:.5} at 0.01 V; {:.6}, {:.6} at 1e-4 V",
        u2 / u1,
        um / u1,
        s2 / s1,
        sm / s1
    );
    assert!(c1 < 0.1 && u1 < 0.0, "z = +1, V > 0: ions pushed away, Vegard contraction");
    assert!(cm > 0.1 && um > 0.0);
    assert!((s2 / s1 - 2.0).abs() < 0.02, "small-signal linearity within 1 %: {}", s2 / s1);
    assert!((sm / s1 + 1.0).abs() < 0.01, "odd in V to first order");
    // At 0.01 V the second-order (Boltzmann) term is visible but still a correction.
    assert!(u2 / u1 > 1.8 && u2 / u1 < 2.0);
}

/// Fig. 3a: the amplitude grows with c0 away from saturation. Small-signal (V = 1e-4 V) ratios
/// u(c0 = 0.2)/u(c0 = 0.1):
/// - without stress feedback (Ω scaled by 1e-3, so θ ∝ Ω² by 1e-6; u ∝ Ω cancels in the ratio): at
///   equilibrium the linearised zero-flux condition gives δc = c0(1−c0)(−φ̂ + const) exactly, so the ratio
///   is 0.2·0.8/(0.1·0.9) = 16/9; at short times the drift flux c0∇φ̂ makes the moved amount ∝ c0 (ratio → 2,
///   reduced towards 2/√(D(0.2)/D(0.1)) = 1.886 by the c-dependent diffusivity 1/(1−c0));
/// - with the LiFePO₄ stress feedback, which raises the effective diffusivity by θc0 and opposes the
///   redistribution, both ratios are lower (printed).
#[test]
fn amplitude_scales_with_baseline_concentration() {
    let with_c0 = |c0: f64, omega_scale: f64| {
        let mut p = lfp();
        p.baseline_concentration = c0;
        p.partial_molar_volume_m3_per_mol *= omega_scale;
        p
    };
    let ratio = |omega_scale: f64, t_hat: f64, n: usize| {
        response(&with_c0(0.2, omega_scale), 1e-4, t_hat, n).0 / response(&with_c0(0.1, omega_scale), 1e-4, t_hat, n).0
    };
    let (free_short, free_long) = (ratio(1e-3, 0.05, 2), ratio(1e-3, 1e4, 6));
    let (lfp_short, lfp_long) = (ratio(1.0, 0.05, 2), ratio(1.0, 1e4, 6));
    println!(
        "u(c0 = 0.2)/u(c0 = 0.1): no stress feedback: t̂ = 0.05: {free_short:.4}, equilibrium: {free_long:.5} \
         (16/9 = {:.5}); LiFePO₄: t̂ = 0.05: {lfp_short:.4}, equilibrium: {lfp_long:.4}",
        16.0 / 9.0
    );
    assert!((free_short - 2.0).abs() < 0.2, "≈ 2 within 10 % in the dilute regime at short times");
    assert!((free_long - 16.0 / 9.0).abs() < 0.01 * 16.0 / 9.0, "c0(1−c0) law at equilibrium");
    assert!(lfp_short < free_short && lfp_long < free_long && lfp_long > 1.0);
}

/// Relaxation after the bias is removed, in normalised time t̂ = tD/L².
fn relaxation(p: &EsmParams, dt_hat: f64, n: usize) -> (TipModel, Vec<(f64, f64)>) {
    let m = model(p, MeshOptions::coarse());
    let s = run(&m, m.equilibrium_state(), 0.05, 0.2, 5);
    let mut s = State { time_s: 0.0, ..s };
    let mut out = vec![(0.0, m.surface_displacement_m(&s).unwrap())];
    for _ in 0..n {
        s = m.step(&s, 0.0, dt_hat * m.time_unit_s()).unwrap();
        out.push((s.time_s, m.surface_displacement_m(&s).unwrap()));
    }
    (m, out)
}

/// Late-time decay time (in L²/D) of |u_z(0,0)| from log-linear least squares over t̂ ∈ [t0, t1].
fn decay_time(u: &[(f64, f64)], t_unit: f64, t0: f64, t1: f64) -> f64 {
    let pts: Vec<(f64, f64)> = u
        .iter()
        .map(|&(t, v)| (t / t_unit, v.abs().ln()))
        .filter(|(t, _)| *t >= t0 - 1e-9 && *t <= t1 + 1e-9)
        .collect();
    let n = pts.len() as f64;
    let (sx, sy) = pts.iter().fold((0.0, 0.0), |a, &(x, y)| (a.0 + x, a.1 + y));
    let (mx, my) = (sx / n, sy / n);
    let slope = pts.iter().map(|&(x, y)| (x - mx) * (y - my)).sum::<f64>()
        / pts.iter().map(|&(x, _)| (x - mx).powi(2)).sum::<f64>();
    -1.0 / slope
}

/// Relaxation after removing the bias. The slowest closed-cylinder mode, cos(πz/H), changes no surface height
/// (side u_r = 0, bottom u_z = 0: its dilatation integrates to zero over the depth), so u_z(0,0) decays with
/// the first radial Neumann mode J0(j₁r/R), j₁ = 3.8317 (J0' = J1 = 0): τ = R²/(j₁² D_eff) with
/// D_eff = D[1/(1−c0) + θc0] (docs/esm-model.md; θ the clamped-film stress feedback, an approximation for
/// this mode). For R = 10 L, c0 = 0.1, LiFePO₄: τD/L² ≈ 4.6. BDF1 is first order, so τ from Δt̂ = 0.5 and
/// 0.25 is Richardson-extrapolated.
#[test]
fn relaxation_time_scales_as_l2_over_d() {
    let p = lfp();
    let (m, u) = relaxation(&p, 0.5, 40);
    let t_unit = m.time_unit_s();
    let tau_hat = decay_time(&u, t_unit, 10.0, 20.0);
    let (_, u_half) = relaxation(&p, 0.25, 80);
    let tau_half = decay_time(&u_half, t_unit, 10.0, 20.0);
    let tau_extrap = 2.0 * tau_half - tau_hat;
    let (e, nu) = (p.youngs_modulus_pa, p.poisson);
    let omega = p.partial_molar_volume_m3_per_mol;
    let rt = vegard::sim::analytic::GAS_CONSTANT * p.temperature_k;
    let theta = 2.0 * omega * omega * e * p.c_max_mol_per_m3 / (9.0 * rt * (1.0 - nu));
    let c0 = p.baseline_concentration;
    let d_eff = 1.0 / (1.0 - c0) + theta * c0;
    let r_hat = p.sample_radius_m / p.tip_radius_m;
    let tau_mode = r_hat * r_hat / (3.831_705_970_2_f64.powi(2) * d_eff);
    // Monotone decay without sign change.
    let monotone = u.windows(2).all(|w| w[1].1.abs() < w[0].1.abs() && w[1].1 * w[0].1 > 0.0);
    println!(
        "u(0) = {:.4e} m, u(t̂ = 20) = {:.4e} m; late-time τ·D/L² (t̂ ∈ [10, 20]) = {tau_hat:.4} (Δt̂ = 0.5), \
         {tau_half:.4} (Δt̂ = 0.25), extrapolated {tau_extrap:.4}; J0 mode with film D_eff = {d_eff:.3}: {tau_mode:.4}",
        u[0].1,
        u.last().unwrap().1
    );
    assert!(monotone && u[0].1 < 0.0);
    assert!((tau_extrap / tau_mode - 1.0).abs() < 0.1);

    // Doubling D: the same run in normalised time gives the same u(t̂) (τ halves in seconds).
    let mut p2 = p.clone();
    p2.diffusivity_m2_per_s *= 2.0;
    let (m2, u2) = relaxation(&p2, 0.5, 10);
    let worst = u2.iter().zip(&u).map(|(a, b)| ((a.1 - b.1) / b.1).abs()).fold(0.0, f64::max);
    let t_ratio = u2[10].0 / u[10].0;
    println!("2D: time of step 10 ratio {t_ratio:.6}, max relative difference of u(t̂) {worst:.2e}");
    assert!((m2.time_unit_s() / t_unit - 0.5).abs() < 1e-12 && (t_ratio - 0.5).abs() < 1e-12);
    assert!(worst < 1e-9);
}

/// The sample's potential under the default sphere tip against the half-space image series it is built on
/// (sim::analytic::sphere_tip). The FEM solves Laplace in the finite sample with that series as the top value
/// and a grounded bottom 10 L down, so the two differ by a harmonic correction driven by the substrate: it is
/// bounded by the series' own value on the bottom plane, max φ_hs(ρ, −H) (maximum principle; the charge-free
/// side adds a little), plus the O(h²) discretisation error. Checked at points under and beside the tip.
#[test]
fn sphere_surface_potential_matches_the_halfspace_series() {
    use vegard::sim::analytic::sphere_tip::SphereOverDielectric;
    let p = lfp();
    let m = model(&p, MeshOptions::default());
    let l = p.tip_radius_m;
    let series = SphereOverDielectric::new(l, 0.0, p.relative_permittivity).unwrap();
    let depth = p.sample_thickness_m / l;
    let bound = series.potential_per_volt(0.0, -depth * l);
    let psi = m.potential(1.0);
    let mut worst: f64 = 0.0;
    for (r, z) in [(0.0, -0.25), (0.0, -0.5), (0.0, -1.0), (0.5, -0.5), (1.0, -1.0), (0.0, -3.0), (3.0, -2.0)] {
        let i = (0..m.mesh().n_nodes())
            .min_by(|&a, &b| {
                let d = |k: usize| (m.mesh().nodes[k][0] - r).hypot(m.mesh().nodes[k][1] - z);
                d(a).total_cmp(&d(b))
            })
            .unwrap();
        let q = m.mesh().nodes[i];
        let hs = series.potential_per_volt(q[0] * l, q[1] * l);
        println!(
            "  (r, z) = ({:.2}, {:.2}) L: FEM {:.6}, half-space {:.6}, diff {:.2e}",
            q[0],
            q[1],
            psi[i],
            hs,
            psi[i] - hs
        );
        worst = worst.max((psi[i] - hs).abs());
    }
    println!("substrate bound max φ_hs(·, −H) = {bound:.4e}; worst difference {worst:.4e}");
    assert!(worst < bound, "difference {worst:.3e} exceeds the substrate bound {bound:.3e}");
    assert!((psi[node_at(&m, 0.0, 0.0)] - 1.0).abs() < 1e-12, "the contact point is at the tip potential");
}

fn c_range(s: &State) -> (f64, f64) {
    (s.c.iter().cloned().fold(f64::MAX, f64::min), s.c.iter().cloned().fold(f64::MIN, f64::max))
}

/// The 1–3 V drives of Eshghinejad et al. 2017 (φ̂ = 39–117 at the contact): the exponentially fitted (EAFE) transport step is an
/// M-matrix solve with a positive right-hand side, so c stays > 0 however strong the drift (the Galerkin
/// version failed from about 0.3 V). Ten steps of Δt̂ = 0.1 on the coarse and the default mesh; the bounds
/// 0 < c < 1 are exact requirements, not tolerances. Depletion near the tip is nearly complete
/// (c ~ e^{−φ̂}) and the surface moves down.
#[test]
fn one_to_three_volt_steps_stay_in_range() {
    for opts in [MeshOptions::coarse(), MeshOptions::default()] {
        let m = model(&lfp(), opts);
        for bias in [1.0, 3.0] {
            let s = run(&m, m.equilibrium_state(), bias, 0.1, 10);
            let (lo, hi) = c_range(&s);
            let u = m.surface_displacement_m(&s).unwrap();
            println!(
                "h_min = {} L, V = {bias} V, t̂ = 1: min c = {lo:.3e}, max c = {hi:.6}, u_z(0,0) = {u:.4e} m",
                opts.h_min_l
            );
            assert!(lo > 0.0 && hi < 1.0);
            assert!(lo < 1e-10, "the apex region is depleted (Boltzmann factor e^{{-φ̂}})");
            assert!(u < 0.0);
        }
    }
}

/// Exact conservation at 3 V: every column of the EAFE matrix sums to zero and the lumped mass is the one
/// used by `amount`, so each solve conserves ∑ m_i c_i up to the rounding of the sparse LU (~1e-16 per
/// step, relative). 40 steps (t̂ up to 20, Δt̂ growing) then 10 unbiased relaxation steps; tolerance 1e-13.
#[test]
fn mass_is_conserved_at_three_volts() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    let mut s = s0;
    let mut worst: f64 = 0.0;
    for k in 0..40 {
        s = run(&m, s, 3.0, 0.05 * 1.1f64.powi(k), 1);
        worst = worst.max(((m.amount(&s) - a0) / a0).abs());
    }
    let moved = s.c.iter().map(|c| (c - 0.1f64).abs()).fold(0.0, f64::max);
    for _ in 0..10 {
        s = run(&m, s, 0.0, 0.5, 1);
        worst = worst.max(((m.amount(&s) - a0) / a0).abs());
    }
    println!(
        "3 V, 40 steps + 10 relaxation steps: max relative change of the amount {worst:.2e} (max |c − c0| {moved:.3})"
    );
    assert!(moved > 0.09, "the bias must deplete the tip region");
    assert!(worst < 1e-13);
}

/// Zero-flux equilibrium at a strong bias, 0.5 V (φ̂ = 19.5 at the contact, c/(1−c) falls by ~e^{−19} under
/// the tip): the Galerkin version could not reach it. The discrete steady state has μ/RT exactly constant
/// (well-balanced scheme, see `zero_flux_equilibrium_under_constant_bias`); the smallest c is 5e-10, so the
/// bound from the Picard tolerance alone is 1e-11/5e-10 = 0.02 RT, but the last steps (Δt̂ = 1e5, 1e6) start
/// from an almost steady state and converge far below the tolerance: measured 2e-11 and 9e-11 RT, asserted
/// < 1e-8 RT. For comparison, the element-average version of the scheme gave 8.7e-4 → 4.1e-4 → 2.2e-4 RT
/// for h = 0.1, 0.05, 0.025 L (first order, 2.12× and 1.88× per halving).
#[test]
fn zero_flux_equilibrium_at_half_a_volt() {
    let coarse = MeshOptions::coarse();
    let fine = MeshOptions { h_min_l: coarse.h_min_l / 2.0, h_max_l: coarse.h_max_l / 2.0, ..coarse };
    let (s1, _, d1) = equilibrium_spread(coarse, 0.5);
    let (s2, _, d2) = equilibrium_spread(fine, 0.5);
    println!("0.5 V: μ/RT spread h = 0.1 L: {s1:.3e} RT, h = 0.05 L: {s2:.3e} RT; c0 − c(0,0) = {d1:.6} / {d2:.6}");
    assert!(d1 > 0.0999 && d2 > 0.0999, "full depletion at the apex");
    assert!(s1 < 1e-8 && s2 < 1e-8);
}

/// Ten steps of Δt̂ = 0.1 at `bias` from `s0`: the final state, the coupling iterations of each step and the
/// wall time per step, s.
fn ten_counted_steps(m: &TipModel, s0: &State, bias: f64) -> (State, Vec<usize>, f64) {
    let mut s = s0.clone();
    let mut iters = Vec::new();
    let t = std::time::Instant::now();
    for _ in 0..10 {
        let (next, k) = m.step_counted(&s, bias, 0.1 * m.time_unit_s()).unwrap();
        iters.push(k);
        s = next;
    }
    (s, iters, t.elapsed().as_secs_f64() / 10.0)
}

/// ∫ f r dr dz over the tip region r < L, z > −L (nodal field `f`, zero elsewhere): with the lumped (diagonal)
/// mass, `amount()` of a masked field is the region's share exactly.
fn tip_region_amount(m: &TipModel, f: &dyn Fn(usize) -> f64) -> f64 {
    let nodes = &m.mesh().nodes;
    let masked =
        nodes.iter().enumerate().map(|(i, p)| if p[0] < 1.0 + 1e-9 && p[1] > -1.0 - 1e-9 { f(i) } else { 0.0 });
    m.amount(&State::from_concentration(masked.collect(), vec![0.0; nodes.len()], 0.0))
}

/// Fig. 2 / Eq. 3 saturation at 1–3 V: the amount depleted from the tip region (r < L, z > −L)
/// after t̂ = 1 grows with the bias but cannot exceed c0 × the region's volume (c > 0, exact): the response
/// saturates (D(3 V)/D(1 V) is far below the linear 3). The surface displacement (Vegard contraction,
/// negative) grows in magnitude with the bias as well.
#[test]
fn depletion_grows_with_bias_and_saturates() {
    let m = model(&lfp(), MeshOptions::coarse());
    let c0 = 0.1;
    let full = tip_region_amount(&m, &|_| c0);
    let mut last = (0.0, 0.0);
    let mut out = Vec::new();
    for bias in [0.1, 0.3, 1.0, 3.0] {
        let s = run(&m, m.equilibrium_state(), bias, 0.1, 10);
        let depleted = tip_region_amount(&m, &|i| c0 - s.c[i]) / full;
        let u = m.surface_displacement_m(&s).unwrap();
        println!("V = {bias} V: depleted fraction of the tip region {depleted:.5}, u_z(0,0) = {u:.4e} m");
        assert!(depleted > last.0 && u < last.1, "monotone in the bias");
        assert!(depleted <= 1.0 + 1e-12, "c ≥ 0 bounds the depletion");
        last = (depleted, u);
        out.push((depleted, u));
    }
    assert!(out[3].0 > 0.95, "3 V empties the tip region");
    assert!(out[3].0 / out[2].0 < 1.5 && out[3].1 / out[2].1 < 2.0, "saturation, far from linear (3×)");
}

/// Moderate accumulation (negative bias) through `advance`, the path the waveforms use: −0.1 V (φ̂ = −3.9)
/// for 1 s (t̂ = 0.16) on the coarse mesh piles ions up to c ≈ 0.41 under the tip, the surface moves up and
/// the amount is conserved (tolerance 1e-13 as at 3 V). The bounds 0 < c < 1 are exact requirements. Strong
/// accumulation is tested below (`strong_accumulation_*`).
#[test]
fn moderate_accumulation_through_advance() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let s = m.advance(&s0, -0.1, 1.0).unwrap();
    let (lo, hi) = c_range(&s);
    let u = m.surface_displacement_m(&s).unwrap();
    let err = ((m.amount(&s) - m.amount(&s0)) / m.amount(&s0)).abs();
    println!("−0.1 V, 1 s: min c = {lo:.5}, max c = {hi:.5}, u_z(0,0) = {u:.4e} m, relative amount change {err:.1e}");
    assert!(lo > 0.0 && hi < 1.0 && hi > 0.4, "accumulation under the tip");
    assert!(u > 0.0 && err < 1e-13);
}

/// max |1 − amount/amount0| over a sequence of states.
fn amount_error(m: &TipModel, a0: f64, states: &[&State]) -> f64 {
    states.iter().map(|s| ((m.amount(s) - a0) / a0).abs()).fold(0.0, f64::max)
}

/// Strong accumulation (negative bias, Li⁺ pulled under the tip, c → 1): the −1 V and −3 V of Eshghinejad et al. 2017
/// (φ̂ = −39, −117 at the contact). The step's unknown is the logit η = ln(c/(1−c)), so 0 < c < 1 holds by
/// construction and 1 − c = 1/(1 + e^η) is reported without cancellation (at −3 V it is far below the f64
/// spacing next to 1, so `c` itself rounds to 1.0 there and the exact requirement is checked on 1 − c).
/// Ten steps of Δt̂ = 0.1 on the coarse and default meshes; amount conserved to 1e-13 (the Newton solve is
/// converged to Δc < 1e-11 and Δη < 1e-9, and the flux form conserves exactly for any mobility); the
/// surface moves up (Vegard expansion).
#[test]
fn strong_accumulation_steps_stay_in_range() {
    for opts in [MeshOptions::coarse(), MeshOptions::default()] {
        let m = model(&lfp(), opts);
        let s0 = m.equilibrium_state();
        let a0 = m.amount(&s0);
        for bias in [-1.0, -3.0] {
            let (s, iters, per_step) = ten_counted_steps(&m, &s0, bias);
            let vac = s.vacancy();
            let min_vac = vac.iter().cloned().fold(f64::MAX, f64::min);
            let (lo, _) = c_range(&s);
            let u = m.surface_displacement_m(&s).unwrap();
            let err = amount_error(&m, a0, &[&s]);
            println!(
                "h_min = {} L, V = {bias} V, t̂ = 1: min c = {lo:.4}, min 1 − c = {min_vac:.3e}, u_z(0,0) = {u:.4e} m, \
                 amount error {err:.1e}, Newton iterations {iters:?}, {per_step:.3} s/step",
                opts.h_min_l
            );
            assert!(lo > 0.0 && min_vac > 0.0 && vac.iter().all(|v| *v < 1.0));
            assert!(s.c.iter().all(|c| *c > 0.0 && *c <= 1.0));
            assert!(min_vac < 1e-6, "the apex region is saturated");
            assert!(u > 0.0 && err < 1e-13);
        }
    }
}

/// Accumulation through `advance` (the waveform path): −1 V and −3 V pulses of 1 s (t̂ = 0.16) on the coarse
/// and default meshes; the same exact requirements as above.
#[test]
fn strong_accumulation_pulses_through_advance() {
    for opts in [MeshOptions::coarse(), MeshOptions::default()] {
        let m = model(&lfp(), opts);
        let s0 = m.equilibrium_state();
        let a0 = m.amount(&s0);
        for bias in [-1.0, -3.0] {
            let s = m.advance(&s0, bias, 1.0).unwrap();
            let min_vac = s.vacancy().iter().cloned().fold(f64::MAX, f64::min);
            let u = m.surface_displacement_m(&s).unwrap();
            let err = amount_error(&m, a0, &[&s]);
            println!(
                "h_min = {} L, {bias} V for 1 s: min 1 − c = {min_vac:.3e}, u_z(0,0) = {u:.4e} m, amount error {err:.1e}",
                opts.h_min_l
            );
            assert!(min_vac > 0.0 && s.c.iter().all(|c| *c > 0.0 && *c <= 1.0));
            assert!(u > 0.0 && err < 1e-13);
        }
    }
}

/// Zero-flux equilibrium under −0.5 V (φ̂ = −19.5: c/(1−c) rises by ~e^{19} under the tip, c → 1): the
/// discrete steady state has μ/RT constant exactly (well-balanced flux in μ form), so the spread is set by
/// the step's tolerances: Δη < 1e-9 RT per node and Δc < 1e-11, i.e. ≲ 1e-11/(c(1−c)) in μ where c is
/// moderate; asserted < 1e-8 RT as at +0.5 V.
#[test]
fn zero_flux_equilibrium_under_negative_half_a_volt() {
    let (s1, _, d1) = equilibrium_spread(MeshOptions::coarse(), -0.5);
    println!("−0.5 V: μ/RT spread {s1:.3e} RT; c(0,0) − c0 = {:.6}", -d1);
    assert!(-d1 > 0.89, "the apex fills up");
    assert!(s1 < 1e-8);
}

/// Saturation of the accumulation: the amount added to the tip region (r < L, z > −L) after t̂ = 1 grows
/// with |V| but is bounded by (1 − c0) × the region (c < 1), the saturated region (1 − c < 1e-3) grows with
/// |V|, and the surface moves up, more for larger |V| but far from linearly.
#[test]
fn accumulation_grows_with_bias_and_saturates() {
    let m = model(&lfp(), MeshOptions::coarse());
    let c0 = 0.1;
    let room = tip_region_amount(&m, &|_| 1.0 - c0);
    let mut last = (0.0, 0.0, 0usize);
    for bias in [-0.1, -0.3, -1.0, -3.0] {
        let s = run(&m, m.equilibrium_state(), bias, 0.1, 10);
        let added = tip_region_amount(&m, &|i| s.c[i] - c0) / room;
        let saturated = s.vacancy().iter().filter(|v| **v < 1e-3).count();
        let u = m.surface_displacement_m(&s).unwrap();
        println!(
            "V = {bias} V: added fraction of the room in the tip region {added:.5}, {saturated} nodes with 1 − c < 1e-3, u_z(0,0) = {u:.4e} m"
        );
        assert!(added > last.0 && u > last.1 && saturated >= last.2, "monotone in |V|");
        assert!(added <= 1.0 + 1e-12, "c ≤ 1 bounds the accumulation");
        if bias <= -1.0 {
            assert!(saturated > last.2, "the saturated region grows");
        }
        if bias == -3.0 {
            assert!(u / last.1 < 2.0, "saturation, far from linear (3×)");
        }
        last = (added, u, saturated);
    }
}

/// A bipolar sequence through `advance` (the spectroscopy waveform alternates the sign of the DC envelope):
/// +1 V, −1 V, 0 V pulses of 1 s on the coarse mesh. The surface goes down, up, then relaxes towards 0; the
/// amount is conserved to 1e-13 throughout.
#[test]
fn bipolar_pulse_sequence_runs() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    let s1 = m.advance(&s0, 1.0, 1.0).unwrap();
    let s2 = m.advance(&s1, -1.0, 1.0).unwrap();
    let s3 = m.advance(&s2, 0.0, 1.0).unwrap();
    let u: Vec<f64> = [&s1, &s2, &s3].iter().map(|s| m.surface_displacement_m(s).unwrap()).collect();
    let err = amount_error(&m, a0, &[&s1, &s2, &s3]);
    println!(
        "+1 V, −1 V, 0 V (1 s each): u_z(0,0) = {:.4e}, {:.4e}, {:.4e} m; amount error {err:.1e}",
        u[0], u[1], u[2]
    );
    assert!(u[0] < 0.0 && u[1] > 0.0 && u[2].abs() < u[1].abs());
    assert!((s3.time_s - 3.0).abs() < 1e-12);
    assert!(err < 1e-13);
}

/// Iteration counts and wall time per step on the default mesh at ±1 V (ten steps of Δt̂ = 0.1 from the
/// reference state; printed for the report, with the GMRES iterations). +1 V starts in the concentration-form
/// Picard iteration and hands over to the coupled Newton–Krylov iteration, −1 V runs the logit Newton
/// iteration (module doc of tip_model); both must converge and conserve the amount to 1e-13.
#[test]
fn iteration_counts_at_plus_minus_one_volt() {
    let m = model(&lfp(), MeshOptions::default());
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    for bias in [1.0, -1.0] {
        let krylov = m.krylov_iterations();
        let (s, iters, per_step) = ten_counted_steps(&m, &s0, bias);
        let err = amount_error(&m, a0, &[&s]);
        println!(
            "default mesh ({} nodes), V = {bias} V: iterations per step {iters:?} ({} GMRES iterations in all), \
             {per_step:.3} s/step, amount error {err:.1e}",
            m.mesh().n_nodes(),
            m.krylov_iterations() - krylov
        );
        assert!(err < 1e-13);
    }
}

/// The coupled Newton–Krylov iteration (tip_model module doc) converges quadratically: the convergence
/// history e_k = max |Δη_k| of the third step of Δt̂ = 0.1 from the reference state on the coarse mesh, at
/// ±1 V and ±3 V (negative: logit path; positive: hand-over from the concentration form). Once e_k < 0.1,
/// every ratio ln e_{k+1}/ln e_k ≥ 1.6 (order 2 up to the constant; the lagged stress of the previous
/// version gave a linear factor ≈ 0.5, i.e. ratios → 1 and 16–38 iterations per step), pairs ending at the
/// rounding floor (e_{k+1} < 1e-13) excluded, and at most 4 iterations follow e_k < 0.1 (the linear
/// iteration needed ≥ 27 from 0.1 to the tolerance 1e-9 at factor 0.5).
#[test]
fn newton_krylov_converges_quadratically() {
    let m = model(&lfp(), MeshOptions::coarse());
    for bias in [-1.0, 1.0, -3.0, 3.0] {
        let s = run(&m, m.equilibrium_state(), bias, 0.1, 2);
        let (_, k, history) = m.step_traced(&s, bias, 0.1 * m.time_unit_s()).unwrap();
        let orders: Vec<f64> = history.windows(2).map(|w| w[1].ln() / w[0].ln()).collect();
        let shown: Vec<String> = history.iter().map(|e| format!("{e:.1e}")).collect();
        println!("V = {bias} V: {k} iterations, max |Δη| = {shown:?}, ln ratios {orders:.2?}");
        let close = history.iter().position(|e| *e < 0.1).expect("the iteration gets close");
        let tail: Vec<f64> =
            history[close..].windows(2).filter(|w| w[1] >= 1e-13).map(|w| w[1].ln() / w[0].ln()).collect();
        assert!(!tail.is_empty() && tail.iter().all(|r| *r >= 1.6), "V = {bias} V: not quadratic: {tail:?}");
        assert!(history.len() - close - 1 <= 4, "V = {bias} V: {} iterations after e < 0.1", history.len() - close - 1);
    }
}

/// Solver benchmark for the report (module doc of tip_model): default mesh, ten steps of Δt̂ = 0.1 from the
/// reference state at ±1 V and ±3 V (mean iterations and wall time per step), and the bipolar +1/−1/0 V
/// `advance` sequence (1 s each). Timing only (no assertion beyond convergence); run with
/// `cargo test -p vegard --test esm_tip_model solver_benchmark -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: prints timings, ~30 s in the default test profile"]
fn solver_benchmark() {
    let m = model(&lfp(), MeshOptions::default());
    let s0 = m.equilibrium_state();
    for bias in [1.0, -1.0, 3.0, -3.0] {
        let (_, iters, per_step) = ten_counted_steps(&m, &s0, bias);
        let mean = iters.iter().sum::<usize>() as f64 / iters.len() as f64;
        println!("BENCH V = {bias} V: iterations {iters:?} (mean {mean:.1}), {per_step:.3} s/step");
    }
    let t = std::time::Instant::now();
    let s1 = m.advance(&s0, 1.0, 1.0).unwrap();
    let s2 = m.advance(&s1, -1.0, 1.0).unwrap();
    let s3 = m.advance(&s2, 0.0, 1.0).unwrap();
    println!(
        "BENCH bipolar +1/−1/0 V: {:.2} s, u_z = {:.4e} m",
        t.elapsed().as_secs_f64(),
        m.surface_displacement_m(&s3).unwrap()
    );
}

/// Surface displacement and concentrations after relaxing at 0 V over t̂ = 0.5 from a state charged by
/// 0.3 V for t̂ = 0.2 (coarse mesh), with `n` constant BDF2 steps (the first BDF1).
fn bdf2_relaxation(m: &TipModel, charged: &State, n: usize) -> (f64, Vec<f64>) {
    let dt = 0.5 * m.time_unit_s() / n as f64;
    let mut prev = charged.clone();
    let mut cur = m.step(charged, 0.0, dt).unwrap();
    for _ in 1..n {
        let (next, was_bdf2) = m.step_bdf2(&prev, &cur, 0.0, dt).unwrap();
        assert!(was_bdf2, "no positivity fallback in a smooth relaxation");
        prev = cur;
        cur = next;
    }
    (m.surface_displacement_m(&cur).unwrap(), cur.c)
}

/// Variable-step BDF2 (tip_model::TipModel::step_bdf2) is second order in time: relaxation after a 0.3 V
/// bias step, N = 8, 16, 32, 64 constant steps over t̂ = 0.5; the successive differences of u_z(0,0) and of
/// max |c| fall by about 4 per halving: the finest observed orders are asserted in [1.8, 2.2] (measured
/// 1.89 and 2.15; the coarser pair, 1.83 and 2.39, is pre-asymptotic: the charged state has a boundary
/// layer and the first step is BDF1); the amount is conserved to 1e-13.
#[test]
fn bdf2_is_second_order_in_time() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    let charged = run(&m, s0, 0.3, 0.05, 4);
    let runs: Vec<(f64, Vec<f64>)> = [8, 16, 32, 64].iter().map(|&n| bdf2_relaxation(&m, &charged, n)).collect();
    let du: Vec<f64> = runs.windows(2).map(|w| (w[1].0 - w[0].0).abs()).collect();
    let dc: Vec<f64> =
        runs.windows(2).map(|w| w[1].1.iter().zip(&w[0].1).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)).collect();
    let order = |e: &[f64]| -> Vec<f64> { e.windows(2).map(|w| (w[0] / w[1]).log2()).collect() };
    let (pu, pc) = (order(&du), order(&dc));
    let last = runs.last().unwrap();
    let err = ((m.amount(&State::from_concentration(last.1.clone(), vec![0.0; last.1.len()], 0.0)) - a0) / a0).abs();
    println!("BDF2 relaxation: Δu_z {du:?}, orders {pu:.3?}; max Δc {dc:?}, orders {pc:.3?}; amount error {err:.1e}");
    for p in [pu[pu.len() - 1], pc[pc.len() - 1]] {
        assert!((1.8..=2.2).contains(&p), "observed order {p}");
    }
    assert!(err < 1e-13);
}

/// Graded BDF1 as in `advance` with every step divided by `k` (k = 1 is `advance`'s schedule): end state
/// and number of steps.
fn graded_bdf1(m: &TipModel, s0: &State, bias: f64, duration: f64, k: f64) -> (State, usize) {
    let (mut s, mut n) = (s0.clone(), 0);
    let mut dt = (duration / 64.0).min(1e-3 * m.time_unit_s()) / k;
    let (dt_max, end) = (duration / 8.0 / k, s0.time_s + duration);
    while s.time_s < end - 1e-12 * duration {
        let this = if end - s.time_s < 1.5 * dt { end - s.time_s } else { dt };
        s = m.step(&s, bias, this).unwrap();
        dt = (dt * 1.5).min(dt_max);
        n += 1;
    }
    (s, n)
}

/// Adaptive BDF2 (`advance_adaptive`) against graded BDF1 at equal accuracy: a 0.3 V pulse of 1 s
/// (t̂ = 0.16) from the reference state on the coarse mesh; reference: adaptive BDF2 at tol = 1e-6. Graded
/// BDF1 (`advance`'s schedule, steps divided by k = 1, 2, 4, 8) and adaptive BDF2 (tol = 1e-2, 3e-3, 1e-3)
/// are compared by the error in u_z(0,0) (relative) and max |c − c_ref|: the adaptive run at tol = 1e-3
/// must be more accurate in both than BDF1 with k = 4 and take fewer steps (including rejected ones);
/// measured: 29 BDF2 steps for 2.3e-3 / 5.0e-4 against 38 BDF1 steps for 4.3e-3 / 6.3e-4 and 70 for
/// 2.2e-3 / 3.2e-4. Amount conserved to 1e-13.
#[test]
fn adaptive_bdf2_beats_graded_bdf1() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    let (reference, ref_stats) = m.advance_adaptive(&s0, 0.3, 1.0, 1e-6).unwrap();
    let u_ref = m.surface_displacement_m(&reference).unwrap();
    let error = |s: &State| {
        let du = (m.surface_displacement_m(s).unwrap() - u_ref).abs() / u_ref.abs();
        let dc = s.c.iter().zip(&reference.c).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        (du, dc)
    };
    println!("reference (adaptive BDF2, tol 1e-6): {ref_stats:?}");
    let mut bdf1 = Vec::new();
    for k in [1.0, 2.0, 4.0, 8.0] {
        let (s, n) = graded_bdf1(&m, &s0, 0.3, 1.0, k);
        let (du, dc) = error(&s);
        println!("graded BDF1, steps / {k}: {n} steps, relative u_z error {du:.2e}, max |Δc| {dc:.2e}");
        bdf1.push((n, du, dc));
    }
    let mut chosen = None;
    for tol in [1e-2, 3e-3, 1e-3] {
        let (s, stats) = m.advance_adaptive(&s0, 0.3, 1.0, tol).unwrap();
        let (du, dc) = error(&s);
        let err = ((m.amount(&s) - a0) / a0).abs();
        println!(
            "adaptive BDF2, tol {tol:.0e}: {stats:?}, relative u_z error {du:.2e}, max |Δc| {dc:.2e}, amount error {err:.1e}"
        );
        assert!(err < 1e-13 && (s.time_s - 1.0).abs() < 1e-12);
        if tol == 1e-3 {
            chosen = Some((stats.accepted + stats.rejected, du, dc));
        }
    }
    let (n, du, dc) = chosen.unwrap();
    let (n1, du1, dc1) = bdf1[2];
    assert!(du < du1 && dc < dc1 && n < n1, "adaptive BDF2 ({n} steps) vs BDF1 ({n1} steps)");
}

/// The BDF2 positivity fallback (`step_bdf2` doc): after one 3 V step of Δt̂ = 0.1 from the reference state
/// the apex is depleted to c ≪ c0, so the BDF2 history term (1 + ω)cⁿ − ω²/(1 + ω)cⁿ⁻¹ is negative there;
/// the step must be taken as BDF1 (flagged `false`) and equal `step` exactly. A following step from two
/// depleted states stays BDF2 or falls back, and keeps 0 < c < 1 either way.
#[test]
fn bdf2_falls_back_to_bdf1_where_the_history_term_is_negative() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let dt = 0.1 * m.time_unit_s();
    let s1 = m.step(&s0, 3.0, dt).unwrap();
    let min_c = s1.c.iter().cloned().fold(f64::MAX, f64::min);
    let (s2, was_bdf2) = m.step_bdf2(&s0, &s1, 3.0, dt).unwrap();
    println!("min c after one 3 V step {min_c:.2e}; BDF2 step taken as BDF2: {was_bdf2}");
    assert!(min_c < 1e-3 && !was_bdf2);
    assert_eq!(s2, m.step(&s1, 3.0, dt).unwrap());
    let (s3, _) = m.step_bdf2(&s1, &s2, 3.0, dt).unwrap();
    assert!(s3.c.iter().all(|c| *c > 0.0 && *c < 1.0));
    // A ratio beyond the zero-stability bound is an input error, not a silent BDF1 step.
    assert!(m.step_bdf2(&s1, &s2, 3.0, 2.5 * dt).is_err());
}

/// Hard single steps for the globalisation of the step solver (module doc of tip_model, "Solving a step"):
/// one step of Δt̂ ∈ {0.01, 0.1, 1, 10} from the uniform reference state to V ∈ {±1, ±2, ±3} V, and from
/// the ±3 V state (after t̂ = 1) to ∓3 V (polarity reversal), on the coarse mesh. Prints the nonlinear
/// iterations each took (failed paths count [`vegard::sim::esm::tip_model::PICARD_MAX_ITER`]) and the
/// GMRES iterations; asserts every step converges with the amount conserved.
fn hard_steps(m: &TipModel) -> Vec<(String, Result<usize, String>, usize)> {
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    let mut starts = vec![("eq".to_string(), s0.clone())];
    for v in [3.0, -3.0] {
        starts.push((format!("{v:+} V"), m.advance(&s0, v, m.time_unit_s()).unwrap()));
    }
    let mut out = Vec::new();
    for (name, start) in &starts {
        let targets: Vec<f64> = if name == "eq" { vec![1.0, -1.0, 2.0, -2.0, 3.0, -3.0] } else { vec![3.0, -3.0] };
        for v in targets {
            for dt_hat in [0.001, 0.01, 0.1, 1.0, 10.0] {
                let krylov = m.krylov_iterations();
                let case = format!("{name} → {v:+} V, Δt̂ = {dt_hat}");
                match m.step_counted(start, v, dt_hat * m.time_unit_s()) {
                    Ok((s, k)) => {
                        assert!(amount_error(m, a0, &[&s]) < 1e-12, "{case}: amount");
                        out.push((case, Ok(k), m.krylov_iterations() - krylov));
                    }
                    Err(e) => out.push((case, Err(e.to_string()), m.krylov_iterations() - krylov)),
                }
            }
        }
    }
    out
}

/// Benchmark of the step globalisation (see `hard_steps`); run with
/// `cargo test --release -p vegard --test esm_tip_model hard_step_benchmark -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: prints iteration counts, ~1 min in release"]
fn hard_step_benchmark() {
    let m = model(&lfp(), MeshOptions::coarse());
    let t = std::time::Instant::now();
    let rows = hard_steps(&m);
    for (case, k, gmres) in &rows {
        println!("HARD {case}: {k:?} iterations, {gmres} GMRES");
    }
    let total: usize = rows.iter().filter_map(|r| r.1.as_ref().ok()).sum();
    let failed = rows.iter().filter(|r| r.1.is_err()).count();
    println!(
        "HARD total {total} iterations over {} steps, {failed} failed, {} line-search fallbacks, {:.2} s",
        rows.len(),
        m.line_search_fallbacks(),
        t.elapsed().as_secs_f64()
    );
}

/// Polarity reversal over a saturated region (tip_model module doc, "Globalisation"): from the −3 V state
/// (t̂ = 1; 1 − c ≈ e^{−100} under the tip) one BDF1 step to +3 V, where c must fall to ≈ e^{−100}. Without
/// the line search on ‖G‖ every one of these single steps failed (the iterates cycled, |Δη| 17–78 after 300
/// iterations, both paths of the cascade); with it they converge, conserve the amount and stay in range.
#[test]
fn line_search_recovers_polarity_reversals() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    let minus = m.advance(&s0, -3.0, m.time_unit_s()).unwrap();
    let before = m.line_search_fallbacks();
    for dt_hat in [0.01, 0.1, 1.0] {
        let (s, k) = m.step_counted(&minus, 3.0, dt_hat * m.time_unit_s()).unwrap();
        let (lo, hi) = c_range(&s);
        let err = amount_error(&m, a0, &[&s]);
        println!("−3 V → +3 V, Δt̂ = {dt_hat}: {k} iterations, c in [{lo:.1e}, {hi:.6}], amount error {err:.1e}");
        assert!(err < 1e-12 && lo > 0.0 && hi < 1.0);
    }
    println!("line searches without sufficient decrease: {}", m.line_search_fallbacks() - before);
}

/// Where one long step does not converge (+3 V state → −3 V over Δt̂ = 0.1; −3 V → +3 V over Δt̂ = 10; both
/// fail as single steps), `step_splitting` halves it until the substeps converge. The result is a BDF1
/// solution of the pulse on a finer time grid: it conserves the amount, and refining further (4, then 8
/// uniform substeps, each split where needed) converges to the graded `advance` reference (≥ 4× closer from
/// the split result to the eighths). Measured (coarse mesh): u_z start −2.757e-10 m, split −1.565e-10 (its
/// first half failed too: the split is the quarter steps), eighths −1.715e-10, graded −1.728e-10; and start
/// 1.560e-9, split −2.045e-10, quarters −1.999e-10, eighths −1.954e-10, graded −1.950e-10.
#[test]
fn failing_long_steps_are_split() {
    let m = model(&lfp(), MeshOptions::coarse());
    let s0 = m.equilibrium_state();
    let a0 = m.amount(&s0);
    for (from, to, dt_hat) in [(3.0, -3.0, 0.1), (-3.0, 3.0, 10.0)] {
        let start = m.advance(&s0, from, m.time_unit_s()).unwrap();
        let dt = dt_hat * m.time_unit_s();
        let single = m.step(&start, to, dt);
        let split = m.step_splitting(&start, to, dt).unwrap();
        let graded = m.advance(&start, to, dt).unwrap();
        let u = |s: &State| m.surface_displacement_m(s).unwrap();
        let uniform = |k: usize| {
            (0..k).try_fold(start.clone(), |s, _| m.step_splitting(&s, to, dt / k as f64)).map(|s| u(&s)).unwrap()
        };
        let (u_split, u4, u8, u_ref) = (u(&split), uniform(4), uniform(8), u(&graded));
        let err = amount_error(&m, a0, &[&split]);
        println!(
            "{from:+} V → {to:+} V over Δt̂ = {dt_hat}: one step {}; u_z start {:.4e}, split {u_split:.4e}, 4 steps {u4:.4e}, 8 steps {u8:.4e}, graded {u_ref:.4e} m; amount error {err:.1e}",
            if single.is_ok() { "converged" } else { "failed" },
            u(&start),
        );
        assert!(err < 1e-12);
        let (e_split, e8) = ((u_split - u_ref).abs(), (u8 - u_ref).abs());
        assert!(e8 < e_split / 4.0, "refinement does not converge: {e_split:.2e} → {e8:.2e}");
    }
}
