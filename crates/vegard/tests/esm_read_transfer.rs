//! The experiments step the DC state on the stepping mesh and solve the AC read on a copy of it with surface
//! and axis layers (`experiments::Reader`), carrying the state over by P1 interpolation of its logits
//! (`experiments::transfer_state`). This checks that carry-over against a DC state stepped on the read mesh
//! itself: a ±1 V pulse of 0.5 L²/D from the uniform equilibrium (LiFePO₄ preset, c̄ = 0.1), then the
//! 300 kHz read at 0 V (the off-state read of the spectroscopy waveform). Each test prints its numbers.

use vegard::sim::esm::experiments::transfer_state;
use vegard::sim::esm::params::EsmParams;
use vegard::sim::esm::tip_model::{AcResponse, MeshOptions, State, TipModel};

/// |a − b| of two complex responses.
fn diff(a: AcResponse, b: AcResponse) -> f64 {
    (a.re_m_per_v - b.re_m_per_v).hypot(a.im_m_per_v - b.im_m_per_v)
}

struct Comparison {
    uniform: AcResponse,
    transferred: AcResponse,
    stepped_on_read_mesh: AcResponse,
}

/// The read after a pulse of `bias_v` for `duration_l2_d` L²/D, stepped on `step_mesh` and transferred, and
/// stepped on the read mesh (`step_mesh` with the layers of the preset read frequency) directly.
fn compare(params: &EsmParams, step_mesh: MeshOptions, bias_v: f64, duration_l2_d: f64) -> Comparison {
    let f = params.ac_frequency_hz;
    let stepper = TipModel::new(params, step_mesh).unwrap();
    let reader = TipModel::new(params, step_mesh.with_frequency_layer(params, f).unwrap()).unwrap();
    let duration_s = duration_l2_d * stepper.time_unit_s();
    let pulse = |m: &TipModel| -> State { m.advance(&m.equilibrium_state(), bias_v, duration_s).unwrap() };
    let moved = transfer_state(&stepper, &reader, &pulse(&stepper)).unwrap();
    Comparison {
        uniform: reader.ac_response(&reader.equilibrium_state(), 0.0, f).unwrap(),
        transferred: reader.ac_response(&moved, 0.0, f).unwrap(),
        stepped_on_read_mesh: reader.ac_response(&pulse(&reader), 0.0, f).unwrap(),
    }
}

fn report(label: &str, bias_v: f64, c: &Comparison) -> (f64, f64, f64) {
    let (t, d) = (c.transferred, c.stepped_on_read_mesh);
    let amp = (t.amplitude_m_per_v() - d.amplitude_m_per_v()) / d.amplitude_m_per_v();
    let phase = t.phase_deg() - d.phase_deg();
    let of_change = diff(t, d) / diff(d, c.uniform);
    println!(
        "{label}, {bias_v:+} V: uniform {:.5e} m/V {:.3}°; transferred {:.5e} m/V {:.3}°; stepped on read mesh \
         {:.5e} m/V {:.3}°; Δ|R|/|R| = {amp:.3e}, Δphase = {phase:.3e}°, |ΔR|/|R_pulse − R_uniform| = {of_change:.3e}",
        c.uniform.amplitude_m_per_v(),
        c.uniform.phase_deg(),
        t.amplitude_m_per_v(),
        t.phase_deg(),
        d.amplitude_m_per_v(),
        d.phase_deg()
    );
    (amp, phase, of_change)
}

/// Coarse stepping mesh (h_min = 0.1 L) against its read mesh (the same plus the 300 kHz layers, 957 nodes).
/// Measured (2026-11-30): +1 V (depletion; the read falls 200-fold to 1.58e-17 m/V): amplitude −0.12 %,
/// phase 3e-5°; −1 V (accumulation): amplitude −3.03 %, phase −0.64° (7.3 % of the change the pulse makes).
/// The −1 V difference is the O(h²) error of carrying a DC state resolved on the coarse mesh over to the
/// finer surface rows of the read mesh, not a defect of the transfer: it falls 4.6-fold per halving of
/// h_min (3.03 %, 0.66 %, 0.14 % at h_min = 0.1, 0.05, 0.025 L, `read_transfer_refinement`), and the reads
/// of states stepped on the read mesh are the closer ones to the finest mesh's (module doc of the
/// refinement test). Tolerances: 4 % / 1° at −1 V, 0.5 % / 0.01° at +1 V (the measured values with margin;
/// a transfer that lost the state — wrong nodes, the DC σ_h not recomputed — is off by the change itself,
/// ≈ 30 % at −1 V and 100 % at +1 V).
#[test]
fn transferred_read_matches_state_stepped_on_read_mesh() {
    let params = EsmParams::lifepo4();
    for (bias_v, amp_tol, phase_tol_deg) in [(1.0, 5e-3, 1e-2), (-1.0, 4e-2, 1.0)] {
        let c = compare(&params, MeshOptions::coarse(), bias_v, 0.5);
        let (amp, phase, _) = report("coarse", bias_v, &c);
        assert!(amp.abs() < amp_tol, "{bias_v} V: amplitude differs by {amp:e}");
        assert!(phase.abs() < phase_tol_deg, "{bias_v} V: phase differs by {phase}°");
    }
}

/// Which read is right where they differ: the same comparison with the stepping mesh refined
/// (h_min = 0.1, 0.05, 0.025 L; each read mesh is its stepping mesh plus the layers). Measured at −1 V
/// (amplitudes in 1e-15 m/V; transferred / stepped on the read mesh): 2.2233 / 2.2927, 2.2973 / 2.3125,
/// 2.3219 / 2.3253: the difference falls 4.6-fold per halving (second order, the P1 carry-over of a DC
/// state that varies steeply under the surface at accumulation), and the state stepped on the read mesh is
/// the closer to the finest read (1.4 % vs 4.4 % off it on the coarse mesh, 0.55 % vs 1.2 % on the default
/// one): stepping on the read mesh is the more accurate, the transfer error is a discretisation error of
/// the stepping mesh that vanishes at second order. Asserted: the relative amplitude difference falls by
/// at least 3× per halving at −1 V and decreases at +1 V. Heavy (2.5 min in release):
/// `cargo test --release -p vegard --test esm_read_transfer -- --ignored --nocapture`.
#[test]
#[ignore]
fn read_transfer_refinement() {
    let params = EsmParams::lifepo4();
    for (bias_v, min_ratio) in [(-1.0, 3.0), (1.0, 1.0)] {
        let mut errors = Vec::new();
        for h in [0.1, 0.05, 0.025] {
            let mesh =
                MeshOptions { h_min_l: h, ..if h >= 0.1 { MeshOptions::coarse() } else { MeshOptions::default() } };
            let t0 = std::time::Instant::now();
            let c = compare(&params, mesh, bias_v, 0.5);
            let (amp, _, _) = report(&format!("h_min = {h} L ({:.1} s)", t0.elapsed().as_secs_f64()), bias_v, &c);
            errors.push(amp.abs());
        }
        for w in errors.windows(2) {
            assert!(w[0] / w[1] > min_ratio, "{bias_v} V: transfer error {:e} → {:e}", w[0], w[1]);
        }
    }
}
