//! Mesh convergence of the high-frequency small-signal reads (`TipModel::ac_response`) with the surface and
//! axis boundary layers of `MeshOptions::with_frequency_layer` (LiFePO₄ preset: L = 25 nm, D = 1e-16 m²/s,
//! sphere tip in contact, c₀ = 0.1). The heavy study is `#[ignore]`d:
//! `cargo test --release -p vegard --test esm_high_frequency -- --ignored --nocapture`.

use std::f64::consts::PI;
use vegard::sim::esm::params::EsmParams;
use vegard::sim::esm::tip_model::{AcResponse, MeshOptions, TipModel};

fn hz(m: &TipModel, omega_hat: f64) -> f64 {
    omega_hat / (2.0 * PI * m.time_unit_s())
}

/// The AC diffusion length δ = √(2/ω̂), in L.
fn delta(omega_hat: f64) -> f64 {
    (2.0 / omega_hat).sqrt()
}

fn read(p: &EsmParams, o: MeshOptions, omega_hat: f64) -> (AcResponse, usize) {
    let m = TipModel::new(p, o).unwrap();
    (m.ac_response(&m.equilibrium_state(), 0.0, hz(&m, omega_hat)).unwrap(), m.mesh().n_nodes())
}

/// Observed order p = log₂(d₁/d₂) of three values on meshes refined by 2, and the Richardson value
/// a₂ + (a₂ − a₁)/(2^p − 1).
fn richardson(a: [f64; 3]) -> (f64, f64) {
    let (d1, d2) = (a[1] - a[0], a[2] - a[1]);
    let p = (d1 / d2).log2();
    (p, a[2] + d2 / (2f64.powf(p) - 1.0))
}

/// The surface layer alone (coarse mesh h_min = 0.1 L plus axis layer 0.0125 L, ω̂ = 10⁶, δ = 1.41e-3 L):
/// first rows h_s = δ/2, δ/4, δ/8 converge at first order in h_s (consistent with the lumped mass of the top
/// row, which puts the row's amount at the surface node: an O(h_s) shift of the layer's centroid). Asserted: observed order in
/// [0.8, 1.3] for amplitude and phase; the δ/8 read within 3 % of the Richardson value; no layer (the old
/// mesh) more than 10 % off it. The lag → 90° (the ω⁻¹ asymptote, module doc of small_signal.rs).
#[test]
fn surface_layer_converges_at_first_order() {
    let p = EsmParams::lifepo4();
    let w = 1e6;
    let base = MeshOptions { axis_layer_l: Some(0.0125), ..MeshOptions::coarse() };
    let (none, _) = read(&p, base, w);
    let r: Vec<AcResponse> = [2.0, 4.0, 8.0]
        .iter()
        .map(|k| read(&p, MeshOptions { surface_layer_l: Some(delta(w) / k), ..base }, w).0)
        .collect();
    let amp = [r[0].amplitude_m_per_v(), r[1].amplitude_m_per_v(), r[2].amplitude_m_per_v()];
    let ph = [r[0].phase_deg(), r[1].phase_deg(), r[2].phase_deg()];
    let (pa, ra) = richardson(amp);
    let (pp, rp) = richardson(ph);
    println!(
        "ω̂ = 1e6, h_s = δ/2, δ/4, δ/8: |u| = {amp:?} m/V (order {pa:.2}, Richardson {ra:.5e}); phase {ph:.3?}° \
         (order {pp:.2}, Richardson {rp:.3}°); no layer: {:.5e} m/V, {:.3}°",
        none.amplitude_m_per_v(),
        none.phase_deg()
    );
    for q in [pa, pp] {
        assert!((0.8..1.3).contains(&q), "observed order {q}, expected ≈ 1");
    }
    assert!(((amp[2] - ra) / ra).abs() < 0.03);
    assert!(((none.amplitude_m_per_v() - ra) / ra).abs() > 0.1);
}

/// Joint refinement (h_min, axis layer h_min/8, surface layer δ/k) halved together: h_min = 0.1, 0.05,
/// 0.025 L with k = 4, 8, 16, at ω̂ = 10⁴, 10⁶ and the preset 300 kHz (ω̂ = 1.18·10⁷). Prints amplitude,
/// phase, observed order and Richardson value. Asserted: the last halving changes the amplitude by < 2 % and
/// the phase by < 1°, and less than the first halving (or both amplitude changes < 1 %: at ω̂ ≥ 10⁶ the
/// surface-layer error, first order and negative, and the lateral error, positive, nearly cancel, so the
/// three amplitudes agree to 0.6 % without a clean order). The middle mesh is the experiments' default read
/// mesh (default h_min with `with_frequency_layer`). Run in release (≈ 2 min).
#[test]
#[ignore]
fn joint_refinement_converges_at_high_frequency() {
    let p = EsmParams::lifepo4();
    let preset = 2.0 * PI * p.ac_frequency_hz * p.tip_radius_m.powi(2) / p.diffusivity_m2_per_s;
    let mut checks = Vec::new();
    for w in [1e4, 1e6, preset] {
        let mut amp = [0.0; 3];
        let mut ph = [0.0; 3];
        for (j, h) in [0.1, 0.05, 0.025].into_iter().enumerate() {
            let o = MeshOptions {
                h_min_l: h,
                axis_layer_l: Some(h / 8.0),
                surface_layer_l: Some(delta(w) / (4.0 * 2f64.powi(j as i32))),
                ..MeshOptions::default()
            };
            let t = std::time::Instant::now();
            let (r, n) = read(&p, o, w);
            amp[j] = r.amplitude_m_per_v();
            ph[j] = r.phase_deg();
            println!(
                "ω̂ = {w:.3e}, h_min = {h}: {n} nodes, |u| = {:.5e} m/V, ω̂|u| = {:.5e}, phase {:.3}° ({:.1} s)",
                amp[j],
                w * amp[j],
                ph[j],
                t.elapsed().as_secs_f64()
            );
        }
        let (pa, ra) = richardson(amp);
        let (pp, rp) = richardson(ph);
        println!(
            "ω̂ = {w:.3e}: order {pa:.2} (amplitude), {pp:.2} (phase); Richardson {ra:.5e} m/V, {rp:.3}°; middle mesh \
             off by {:.2} %, {:.2}°",
            100.0 * (amp[1] - ra) / ra,
            ph[1] - rp
        );
        checks.push((w, amp, ph));
    }
    for (w, amp, ph) in checks {
        // Middle vs fine mesh: the change of the last halving bounds the middle mesh's error when the
        // changes contract (or both are below 1 %, where two error sources of opposite sign may cross).
        let (d1, d2) = (((amp[1] - amp[0]) / amp[1]).abs(), ((amp[2] - amp[1]) / amp[2]).abs());
        assert!(d2 < 0.02 && (d2 < d1 || d1.max(d2) < 0.01), "ω̂ = {w}: amplitude changes {d1}, {d2}");
        let (e1, e2) = ((ph[1] - ph[0]).abs(), (ph[2] - ph[1]).abs());
        assert!(e2 < 1.0 && e2 < e1, "ω̂ = {w}: phase changes {e1}°, {e2}°");
    }
}

/// `with_frequency_layer`: no layers where δ/8 ≥ h_min (ω̂ ≤ 12.5 on the default mesh) or at ω = 0; at the
/// preset 300 kHz a first row δ/8 = 5.15e-5 L (δ = √(2/ω̂)) and an axis layer h_min/8; bad input is named.
#[test]
fn frequency_layer_choice() {
    let p = EsmParams::lifepo4();
    let t = p.tip_radius_m.powi(2) / p.diffusivity_m2_per_s;
    let at = |omega_hat: f64| MeshOptions::resolving_frequency(&p, omega_hat / (2.0 * PI * t)).unwrap();
    assert_eq!(at(0.0), MeshOptions::default());
    assert_eq!(at(12.0), MeshOptions::default());
    let o = at(13.0);
    assert!(o.surface_layer_l.is_some_and(|h| (h - delta(13.0) / 8.0).abs() < 1e-12));
    let preset = MeshOptions::resolving_frequency(&p, p.ac_frequency_hz).unwrap();
    let w = 2.0 * PI * p.ac_frequency_hz * t;
    println!("preset ω̂ = {w:.4e}: {preset:?}");
    assert!(preset.surface_layer_l.is_some_and(|h| (h - delta(w) / 8.0).abs() < 1e-15 && (h - 5.15e-5).abs() < 1e-7));
    assert_eq!(preset.axis_layer_l, Some(0.05 / 8.0));
    let err = MeshOptions::resolving_frequency(&p, -1.0).unwrap_err().to_string();
    assert!(err.contains("frequency_hz"), "{err}");
}
