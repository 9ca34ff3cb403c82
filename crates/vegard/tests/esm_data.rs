//! The ESM data model, parameters, waveforms and analyses (issue 3): presets of Eshghinejad et al. 2017
//! Table 1, `--set` overrides, the 35-pulse waveform of the Methods, loops with a known opening,
//! relaxations with a known τ under noise, cross-over frequencies, and JSON round trips.

mod common;

use common::{XorShift, assert_rel};
use vegard::data::Image;
use vegard::data::esm::{
    BiasSpectroscopy, EsmData, EsmMap, EsmSource, FrequencyResponse, PulseState, Relaxation, SpectroscopyRead,
};
use vegard::esm::loops::{
    AnalysisError, CrossoverCriterion, analyze_loop, analyze_spectroscopy, crossover_frequency, fit_relaxation,
    fit_relaxation_steps,
};
use vegard::sim::esm::params::{EsmParams, ParamError, Preset, diffusivity_from_tau};
use vegard::sim::esm::waveform::{RelaxationConfig, SpectroscopyConfig, Waveform};

/// Standard normal deviate (Box–Muller on the shared deterministic generator).
fn gauss(rng: &mut XorShift) -> f64 {
    let u1 = ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let u2 = ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

// ------------------------------------------------------------------ parameters

#[test]
fn table1_presets() {
    let c = EsmParams::ceria();
    assert_eq!(c.youngs_modulus_pa, 165e9);
    assert_eq!(c.poisson, 0.3);
    assert_eq!(c.partial_molar_volume_m3_per_mol, 5.4e-6);
    assert_eq!(c.c_max_mol_per_m3, 18_450.0);
    assert_eq!(c.relative_permittivity, 10.0);
    let l = EsmParams::lifepo4();
    assert_eq!(l.youngs_modulus_pa, 100e9);
    assert_eq!(l.poisson, 0.3);
    assert_eq!(l.partial_molar_volume_m3_per_mol, 3.5e-6);
    assert_eq!(l.c_max_mol_per_m3, 22_900.0);
    assert_eq!(l.relative_permittivity, 10.0);
    for p in Preset::ALL {
        let e = p.params();
        e.validate().unwrap();
        assert_eq!(Preset::from_key(p.key()).unwrap(), p);
        // Methods: tip radius 25 nm; Fig. 1(b): tip/sample radius ratio 1/10.
        assert_eq!(e.tip_radius_m, 25e-9);
        assert_rel("sample radius / L", e.sample_radius_m / e.tip_radius_m, 10.0, 1e-12);
    }
    // Vegard strain per unit c (Eq. 4): Ω c_max / 3 = 5.4e-6 × 18450 / 3 = 0.03321 for ceria.
    assert_rel("ceria Ω c_max/3", c.vegard_coefficient(), 0.033_21, 1e-12);
    // σ̂ scale: E Ω/RT = 165e9 × 5.4e-6 / (8.314462618 × 298.15) = 3.5943e5.
    assert_rel("ceria EΩ/RT", c.modulus_hat(), 165e9 * 5.4e-6 / (8.314_462_618 * 298.15), 1e-12);
    assert!(Preset::from_key("graphite").is_err());
}

#[test]
fn overrides_by_key() {
    let mut p = EsmParams::lifepo4();
    p.set("diffusivity", 1e-14).unwrap();
    assert_eq!(p.diffusivity_m2_per_s, 1e-14);
    p.set_from_str("tip_radius_m=2e-8").unwrap();
    assert_eq!(p.tip_radius_m, 2e-8);
    p.set_from_str(" C0 = 0.25 ").unwrap();
    assert_eq!(p.baseline_concentration, 0.25);
    assert_eq!(p.get("d").unwrap(), 1e-14);
    // L²/D with L = 20 nm, D = 1e-14: 4e-16/1e-14 = 0.04 s.
    assert_rel("L²/D", p.diffusion_time_s(), 0.04, 1e-12);
    let q = EsmParams::ceria().with_overrides(&["material=lifepo4", "omega=4e-6"]).unwrap();
    assert_eq!(q.material, "lifepo4");
    assert_eq!(q.partial_molar_volume_m3_per_mol, 4e-6);
    // Every canonical key is settable and readable.
    for k in EsmParams::keys() {
        let mut e = EsmParams::ceria();
        let v = e.get(k).unwrap();
        e.set(k, v).unwrap();
        assert_eq!(e, EsmParams::ceria(), "{k}");
    }
}

#[test]
fn override_errors_are_clear() {
    let mut p = EsmParams::ceria();
    let e = p.set_from_str("difusivity=1e-14").unwrap_err();
    assert!(matches!(e, ParamError::UnknownKey { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("difusivity") && msg.contains("diffusivity_m2_per_s") && msg.contains("tip_radius_m"),
        "{msg}"
    );

    let e = p.set_from_str("diffusivity").unwrap_err();
    assert!(matches!(e, ParamError::Syntax { .. }), "{e}");
    assert!(e.to_string().contains("KEY=VALUE"));
    assert!(matches!(p.set_from_str("=3").unwrap_err(), ParamError::Syntax { .. }));

    let e = p.set_from_str("tip_radius=25nm").unwrap_err();
    assert!(matches!(e, ParamError::NotANumber { .. }));
    assert!(e.to_string().contains("25nm") && e.to_string().contains("SI"), "{e}");

    let e = p.set_from_str("diffusivity=-1").unwrap_err();
    assert!(matches!(e, ParamError::OutOfRange { key: "diffusivity_m2_per_s", .. }), "{e}");
    assert!(matches!(p.set("poisson", 0.5).unwrap_err(), ParamError::OutOfRange { key: "poisson", .. }));
    assert!(matches!(p.set("c0", 0.0).unwrap_err(), ParamError::OutOfRange { key: "baseline_concentration", .. }));
    assert!(matches!(p.set("z", 0.0).unwrap_err(), ParamError::OutOfRange { key: "charge_number", .. }));
    assert!(matches!(p.set("sample_radius", 1e-9).unwrap_err(), ParamError::OutOfRange { .. }));
    assert!(matches!(p.set("d", f64::NAN).unwrap_err(), ParamError::OutOfRange { .. }));
    assert!(matches!(p.set_from_str("material=graphite").unwrap_err(), ParamError::UnknownPreset { .. }));
    // Nothing changed.
    assert_eq!(p, EsmParams::ceria());
}

// ------------------------------------------------------------------ waveforms

#[test]
fn pulse_durations_of_the_methods() {
    // Eshghinejad et al. 2017, Methods: "Each period for P=0.5, 2 and 5 s contains 35 short pulses with equal
    // durations for off-and on-states, resulting in pulse durations of 7.1 ms, 28.6 ms, and
    // 71.4 ms": P/70 rounded to 0.1 ms.
    for (period, ms) in [(0.5, 7.1), (2.0, 28.6), (5.0, 71.4)] {
        let cfg = SpectroscopyConfig { period_s: period, ..Default::default() };
        let w = Waveform::bias_spectroscopy(&cfg).unwrap();
        let d = w.pulse_duration_s().unwrap();
        assert!(((d * 1e4).round() / 10.0 - ms).abs() < 1e-9, "P = {period}: {d}");
        for s in &w.steps {
            assert!((s.duration_s - d).abs() < 1e-15);
        }
        // 3 cycles × 35 pulses × (on + off).
        assert_eq!(w.steps.len(), 3 * 35 * 2);
        assert_rel("total duration", w.duration_s(), 3.0 * period, 1e-12);
    }
}

#[test]
fn spectroscopy_envelope_and_bookkeeping() {
    let cfg = SpectroscopyConfig { amplitude_v: 7.0, period_s: 2.0, cycles: 2, ..Default::default() };
    let w = Waveform::bias_spectroscopy(&cfg).unwrap();
    // Steps are contiguous, alternate on/off, and share the pulse index in pairs.
    for (i, s) in w.steps.iter().enumerate() {
        if i > 0 {
            assert!((s.start_s - w.steps[i - 1].end_s()).abs() < 1e-12);
        }
        assert_eq!(s.state, if i % 2 == 0 { PulseState::On } else { PulseState::Off });
        assert_eq!(s.pulse as usize, (i / 2) % 35);
        assert_eq!(s.cycle as usize, i / 70);
        if s.state == PulseState::Off {
            assert_eq!(s.bias_v, 0.0);
        }
    }
    // On-state biases: the triangle sampled at k/35 — 0, then 4A/35 steps up to the peak.
    let on: Vec<f64> = w.steps.iter().filter(|s| s.state == PulseState::On).map(|s| s.bias_v).collect();
    assert_eq!(on[0], 0.0);
    assert_rel("pulse 1", on[1], 7.0 * 4.0 / 35.0, 1e-12);
    let max = on.iter().cloned().fold(f64::MIN, f64::max);
    let min = on.iter().cloned().fold(f64::MAX, f64::min);
    assert_rel("largest sampled bias (34/35 of A)", max, 7.0 * 34.0 / 35.0, 1e-12);
    assert_rel("smallest sampled bias", min, -7.0 * 34.0 / 35.0, 1e-12);
    // Antisymmetric about mid-period: V(k) = −V(35 − k).
    for k in 1..35 {
        assert!((on[k] + on[35 - k]).abs() < 1e-12, "k = {k}");
    }
    // Cycles repeat.
    assert_eq!(&on[..35], &on[35..]);
    // Off-state reads carry the preceding on-state bias and lie in the off half.
    let reads = w.off_read_windows();
    assert_eq!(reads.len(), 70);
    for (r, v) in reads.iter().zip(&on) {
        assert_eq!(r.bias_v, *v);
        assert_eq!(r.dc_bias_v, 0.0);
        assert_eq!(w.dc_bias_v(r.mid_s()), 0.0);
        assert_eq!(w.dc_bias_v(r.start_s - 1e-6), *v);
    }
    // Polarity −1 mirrors the waveform.
    let m = Waveform::bias_spectroscopy(&SpectroscopyConfig { first_polarity: -1.0, ..cfg }).unwrap();
    for (a, b) in w.steps.iter().zip(&m.steps) {
        assert_eq!(a.bias_v, -b.bias_v);
    }
    // Bad settings are errors, not panics or huge allocations.
    assert!(Waveform::bias_spectroscopy(&SpectroscopyConfig { period_s: 0.0, ..cfg }).is_err());
    assert!(Waveform::bias_spectroscopy(&SpectroscopyConfig { cycles: u32::MAX, ..cfg }).is_err());
    assert!(Waveform::bias_spectroscopy(&SpectroscopyConfig { amplitude_v: f64::NAN, ..cfg }).is_err());
}

#[test]
fn relaxation_and_harmonic_waveforms() {
    let cfg = RelaxationConfig { amplitude_v: 5.0, lead_s: 1.0, hold_s: 2.0, relax_s: 3.0, ac: None };
    let w = Waveform::relaxation(&cfg).unwrap();
    let levels: Vec<(f64, f64)> = w.steps.iter().map(|s| (s.bias_v, s.duration_s)).collect();
    assert_eq!(levels, vec![(0.0, 1.0), (5.0, 2.0), (0.0, 3.0), (-5.0, 2.0), (0.0, 3.0)]);
    assert_eq!(w.breakpoints_s(), vec![0.0, 1.0, 3.0, 6.0, 8.0, 11.0]);
    assert_eq!(w.dc_bias_v(2.0), 5.0);
    assert_eq!(w.dc_bias_v(7.0), -5.0);
    assert_eq!(w.steps[1].state, PulseState::On);
    assert_eq!(w.steps[2].state, PulseState::Off);

    let h = Waveform::harmonic(1.0, 10.0, 1.0).unwrap();
    let (t, v) = h.sample(1e-3, 10_000).unwrap();
    assert_eq!(t.len(), 1001);
    // sin(2π·10·0.025) = 1.
    assert!((v[25] - 1.0).abs() < 1e-12);
    assert!(h.sample(1e-9, 10_000).is_err());
}

// ------------------------------------------------------------------ loops

/// A spectroscopy table from the waveform with an amplitude model per branch.
fn synthetic_spectroscopy(
    cfg: &SpectroscopyConfig,
    model: impl Fn(f64, bool) -> f64,
    noise_m: f64,
    seed: u64,
) -> BiasSpectroscopy {
    let w = Waveform::bias_spectroscopy(cfg).unwrap();
    let mut d = BiasSpectroscopy::new(EsmSource::Synthetic, cfg.period_s, cfg.pulses_per_period);
    let mut rng = XorShift(seed);
    for r in w.off_read_windows() {
        // The envelope rises in the first and last quarters of the period; the pulse's bias is
        // the envelope at the pulse start k/N, so its direction is the envelope's there.
        let s = f64::from(r.pulse) / f64::from(cfg.pulses_per_period);
        let rising = !(0.25..0.75).contains(&s);
        let a = model(r.bias_v, rising) + noise_m * gauss(&mut rng);
        d.push(SpectroscopyRead {
            bias_v: r.bias_v,
            amplitude_m: a,
            phase_deg: Some(90.0),
            time_s: Some(r.mid_s()),
            cycle: r.cycle,
            pulse: r.pulse,
            state: r.state,
        });
    }
    d.validate().unwrap();
    d
}

#[test]
fn loop_with_known_opening_and_area() {
    // Amplitude falls with bias (Eshghinejad et al. 2017, Fig. 4b: higher under negative bias); the branches
    // separate by h(1 − V²/Vm²): opening h at 0 V, closed at the turning points ±Vm, area
    // ∫ h(1 − V²/Vm²) dV = 4 h Vm / 3.
    let cfg = SpectroscopyConfig { amplitude_v: 10.0, ..Default::default() };
    let vm = 10.0 * 34.0 / 35.0;
    let (a0, slope, h) = (50e-12, 2e-12, 8e-12);
    let model = |v: f64, rising: bool| {
        let sep = 0.5 * h * (1.0 - (v / vm).powi(2));
        a0 - slope * v + if rising { -sep } else { sep }
    };
    let d = synthetic_spectroscopy(&cfg, model, 0.0, 1);
    let res = analyze_spectroscopy(&d, PulseState::Off).unwrap();
    assert_eq!(res.len(), 3);
    for (c, m) in res {
        let m = m.unwrap();
        println!(
            "loop cycle {c}: opening error {:.2e}, area error {:.2e}",
            m.opening_m / h - 1.0,
            m.area_v_m / (4.0 * h * vm / 3.0) - 1.0
        );
        // The forward branch has a read at exactly 0 V (pulse 0); the reverse branch is
        // interpolated between ±2A/35, where the parabola sags by (h/2)(2/34)² = 0.17 % of h.
        assert_rel(&format!("cycle {c} opening"), m.opening_m, h, 2e-3);
        assert_rel("forward at 0 V", m.amplitude_at_zero_forward_m, a0 - h / 2.0, 1e-12);
        // Trapezoid + linear interpolation of a parabola with read spacing Δ = 4A/35:
        // relative error ≈ Δ²/(4Vm²) = (4/34)²/4 = 0.35 %.
        assert_rel("area", m.area_v_m, 4.0 * h * vm / 3.0, 4e-3);
        assert_rel("signed area", m.signed_area_v_m, m.area_v_m, 1e-12);
        assert_rel("bias max", m.bias_max_v, vm, 1e-12);
        assert_eq!(m.n_forward + m.n_reverse, 35 + 2);
    }
}

#[test]
fn loop_coercive_biases_and_sign() {
    // Two parallel lines shifted by ±Vc: forward A = a0 − k(V − Vc), reverse A = a0 − k(V + Vc).
    // Mid level a0 (extremes at ±Vm are symmetric), crossed at +Vc (forward) and −Vc (reverse);
    // opening reverse − forward = −2kVc.
    let cfg = SpectroscopyConfig { amplitude_v: 10.0, cycles: 1, ..Default::default() };
    let (a0, k, vc) = (40e-12, 1e-12, 2.5);
    let model = |v: f64, rising: bool| if rising { a0 - k * (v - vc) } else { a0 - k * (v + vc) };
    let d = synthetic_spectroscopy(&cfg, model, 0.0, 1);
    let l = d.loop_data(0, PulseState::Off);
    let m = analyze_loop(&l.bias_v, &l.amplitude_m).unwrap();
    assert_rel("opening", m.opening_m, -2.0 * k * vc, 1e-9);
    // The turning points (±Vm) are generated on the reverse line (the envelope falls there) and
    // belong to both branches, so the extremes are a0 + k(32A/35 + Vc) (forward at −32A/35) and
    // a0 − k(34A/35 + Vc) (reverse at +34A/35): the mid level sits k·A/35 below a0, and each line
    // crosses it A/35 to the right of ±Vc.
    let shift = 10.0 / 35.0;
    assert_rel("mid level", m.mid_amplitude_m, a0 - k * shift, 1e-9);
    let cf = m.coercive_forward_v.unwrap();
    let cr = m.coercive_reverse_v.unwrap();
    assert!((cf - (vc + shift)).abs() < 1e-9 && (cr - (-vc + shift)).abs() < 1e-9, "coercive {cf} {cr}");
    assert!(m.signed_area_v_m < 0.0);
}

#[test]
fn loop_errors() {
    assert!(matches!(analyze_loop(&[0.0, 1.0], &[1.0, 2.0]), Err(AnalysisError::TooFewPoints { .. })));
    assert!(matches!(analyze_loop(&[0.0, 1.0], &[1.0]), Err(AnalysisError::LengthMismatch { .. })));
    // A loop that never reaches 0 V has no opening.
    let e = analyze_loop(&[1.0, 2.0, 3.0, 2.0, 1.0], &[1.0; 5]).unwrap_err();
    assert!(matches!(e, AnalysisError::ZeroBiasNotCovered { .. }), "{e}");
    // NaN reads (failed SHO fits) are skipped, not propagated.
    let m = analyze_loop(&[0.0, 1.0, f64::NAN, 0.0, -1.0, 0.0], &[1.0, 0.5, 3.0, 2.0, 2.5, 1.0]).unwrap();
    assert!(m.opening_m.is_finite());
}

// ------------------------------------------------------------------ relaxation

#[test]
fn relaxation_tau_recovered_under_noise() {
    // A(t) = 50 pm + 20 pm·exp(−t/2 s), 0–10 s at 20 ms (501 reads). The precision of τ is set
    // by the noise: with Gaussian noise of 2 % of ΔA the reported (and observed) standard error of
    // τ is ≈ 0.85 % (τ is correlated with A∞), so the 1 % bar of issue 3 is tested at 0.5 % noise
    // (σ_τ ≈ 0.21 %, the bar is ≈ 5σ), and at 2 % noise the error is checked against 3× the
    // reported standard error instead.
    let (a_inf, da, tau) = (50e-12, 20e-12, 2.0);
    let t: Vec<f64> = (0..=500).map(|i| i as f64 * 0.02).collect();
    for (noise, bar_is_stderr) in [(0.1e-12, false), (0.4e-12, true)] {
        let mut worst: f64 = 0.0;
        for seed in 1..=10u64 {
            let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let a: Vec<f64> = t.iter().map(|&t| a_inf + da * (-t / tau).exp() + noise * gauss(&mut rng)).collect();
            let f = fit_relaxation(&t, &a).unwrap();
            if bar_is_stderr {
                assert!((f.tau_s - tau).abs() < 3.0 * f.tau_stderr_s, "seed {seed}: {f:?}");
                assert!(f.tau_stderr_s < 0.012 * tau, "seed {seed}: {f:?}");
            } else {
                assert_rel("τ", f.tau_s, tau, 0.01);
                assert_rel("A∞", f.a_inf_m, a_inf, 0.01);
                assert_rel("ΔA", f.delta_a_m, da, 0.01);
                assert!(f.tau_stderr_s > 0.0 && f.tau_stderr_s < 0.004 * tau, "stderr {}", f.tau_stderr_s);
            }
            assert!((f.rms_residual_m / noise - 1.0).abs() < 0.15, "rms {}", f.rms_residual_m);
            worst = worst.max((f.tau_s / tau - 1.0).abs());
        }
        println!(
            "relaxation: noise {:.1} % of ΔA: worst relative τ error over 10 seeds = {worst:.2e}",
            noise / da * 100.0
        );
    }
    // Noise-free: exact to the LM tolerances.
    let a: Vec<f64> = t.iter().map(|&t| a_inf - da * (-(t) / 0.3).exp()).collect();
    let f = fit_relaxation(&t, &a).unwrap();
    assert_rel("τ noise-free (rising)", f.tau_s, 0.3, 1e-7);
    assert_rel("ΔA noise-free (rising)", f.delta_a_m, -da, 1e-7);
}

#[test]
fn relaxation_steps_and_eq9() {
    // Stepwise waveform of Fig. 6; within each step the amplitude relaxes with τ = 1.5 s from
    // where the previous step left it towards the step's level.
    let w = Waveform::relaxation(&RelaxationConfig {
        amplitude_v: 5.0,
        lead_s: 2.0,
        hold_s: 10.0,
        relax_s: 15.0,
        ac: None,
    })
    .unwrap();
    let tau = 1.5;
    let level = |v: f64| 30e-12 - 2e-12 * v;
    let mut d = Relaxation::new(EsmSource::Synthetic);
    let dt = 0.01;
    let mut a = level(0.0);
    let n = (w.duration_s() / dt).round() as usize;
    for i in 0..n {
        let t = i as f64 * dt;
        let v = w.dc_bias_v(t);
        d.time_s.push(t);
        d.bias_v.push(v);
        d.amplitude_m.push(a);
        // Exact one-step update of dA/dt = (level − A)/τ.
        a = level(v) + (a - level(v)) * (-dt / tau).exp();
    }
    d.validate().unwrap();
    // The bias at t is that of the step, but the amplitude sampled at t is the value at the start
    // of the interval: the first read of a step is the previous step's end value (t₀ aligned).
    let fits = fit_relaxation_steps(&d).unwrap();
    assert_eq!(fits.len(), 4);
    for s in fits {
        let (r, v) = (s.range, s.bias_v);
        let f = s.fit.unwrap();
        assert_rel(&format!("τ of step at {v} V ({r:?})"), f.tau_s, tau, 1e-6);
        assert_rel("A∞", f.a_inf_m, level(v), 1e-3);
    }
    // Eq. 9 inverted: τ = 1.5 s over l = 100 nm → D = 1e-14/(1.5 π²).
    let dd = diffusivity_from_tau(tau, 100e-9, 1);
    assert_rel("D from τ", dd, 1e-14 / (1.5 * std::f64::consts::PI.powi(2)), 1e-12);
    assert!(matches!(fit_relaxation(&[0.0, 1.0, 2.0], &[1.0, 0.5, 0.2]), Err(AnalysisError::TooFewPoints { .. })));
}

// ------------------------------------------------------------------ frequency response

fn first_order(fc: f64, per_decade: usize) -> FrequencyResponse {
    let f: Vec<f64> = (0..=6 * per_decade).map(|i| 10f64.powf(i as f64 / per_decade as f64)).collect();
    let amp = f.iter().map(|f| 10e-12 / (1.0 + (f / fc).powi(2)).sqrt()).collect();
    let phase = f.iter().map(|f| 30.0 - (f / fc).atan().to_degrees()).collect();
    FrequencyResponse {
        source: EsmSource::Synthetic,
        frequency_hz: f,
        amplitude_m: amp,
        phase_deg: phase,
        dc_bias_v: Some(0.0),
        ac_amplitude_v: Some(1.0),
        metadata: Default::default(),
        provenance: None,
    }
}

#[test]
fn crossover_of_a_first_order_response() {
    // H = 1/(1 + i f/fc) (plus a 30° instrument phase offset): both criteria give fc. Sampled at
    // 10 points per decade; the interpolation is linear in log f, exact at the inflection of
    // atan for the phase; for the amplitude the error stays below 0.5 % at this density.
    let fc = 1234.0;
    let fr = first_order(fc, 10);
    let p = crossover_frequency(&fr, CrossoverCriterion::PhaseLag45).unwrap();
    let a = crossover_frequency(&fr, CrossoverCriterion::HalfPower).unwrap();
    println!("crossover: phase {:.3} Hz, amplitude {:.3} Hz (true {fc})", p.frequency_hz, a.frequency_hz);
    assert_rel("phase cross-over", p.frequency_hz, fc, 2e-3);
    assert_rel("amplitude cross-over", a.frequency_hz, fc, 5e-3);
    assert_rel("τ", p.time_constant_s(), 1.0 / (2.0 * std::f64::consts::PI * fc), 2e-3);
    // Out of range: the response never falls.
    let flat = first_order(1e9, 10);
    assert!(matches!(
        crossover_frequency(&flat, CrossoverCriterion::HalfPower),
        Err(AnalysisError::NoCrossover { .. })
    ));
}

// ------------------------------------------------------------------ JSON

/// serde_json's default float parser (without its `float_roundtrip` feature) may return the
/// neighbouring double of what it wrote: numbers are compared to 1 ulp-ish (4e-16 relative),
/// everything else exactly.
fn json_close(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 4e-16 * x.abs().max(y.abs()), "{path}: {x:e} vs {y:e}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: length");
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                json_close(u, v, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{path}: keys");
            for (k, u) in x {
                json_close(u, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

fn assert_json_close<T: serde::Serialize>(a: &T, b: &T) {
    json_close(&serde_json::to_value(a).unwrap(), &serde_json::to_value(b).unwrap(), "$");
}

fn round_trip(d: &EsmData) -> EsmData {
    let s = serde_json::to_string(d).unwrap();
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{e}\n{s}"))
}

#[test]
fn json_round_trip_of_every_type() {
    let cfg = SpectroscopyConfig { cycles: 1, ..Default::default() };
    let mut spec = synthetic_spectroscopy(&cfg, |v, _| 1e-11 - 1e-13 * v, 1e-13, 3);
    // A failed read is NaN; JSON writes null and must read it back as NaN.
    spec.amplitude_m[3] = f64::NAN;
    spec.source = EsmSource::File("points/grain_1.ibw".into());
    spec.metadata.set_number("ac_drive", 1.0, Some("V"));
    let back = match round_trip(&EsmData::BiasSpectroscopy(spec.clone())) {
        EsmData::BiasSpectroscopy(b) => b,
        other => panic!("wrong kind {other:?}"),
    };
    assert!(back.amplitude_m[3].is_nan());
    let (mut x, mut y) = (spec.clone(), back.clone());
    x.amplitude_m[3] = 0.0;
    y.amplitude_m[3] = 0.0;
    assert_json_close(&EsmData::BiasSpectroscopy(x), &EsmData::BiasSpectroscopy(y));

    // The JSON names of the contract.
    let v = serde_json::to_value(EsmData::BiasSpectroscopy(spec)).unwrap();
    assert_eq!(v["kind"], "bias_spectroscopy");
    assert_eq!(v["source"]["file"], "points/grain_1.ibw");
    for key in ["bias_v", "amplitude_m", "phase_deg", "cycle", "pulse", "state", "period_s", "time_s"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["state"][0], "off");
    assert!(v["amplitude_m"][3].is_null());

    let mut rel = Relaxation::new(EsmSource::Simulation);
    rel.time_s = vec![0.0, 0.1, 0.2];
    rel.amplitude_m = vec![1e-11, 2e-11, 1.5e-11];
    rel.bias_v = vec![0.0, 5.0, 5.0];
    rel.tau_s = Some(0.7);
    let rd = EsmData::Relaxation(rel);
    assert_json_close(&round_trip(&rd), &rd);
    let v = serde_json::to_value(&rd).unwrap();
    assert_eq!(v["source"], "simulation");
    assert_eq!(v["tau_s"], 0.7);

    let fd = EsmData::FrequencyResponse(first_order(100.0, 3));
    assert_json_close(&round_trip(&fd), &fd);

    let mut img = Image::new("amplitude", "m", 3, 2);
    for y in 0..2 {
        for x in 0..3 {
            img.set(x, y, (x + 3 * y) as f64 * 1e-12, true);
        }
    }
    img.size_m = Some((80.0 * 25e-9, 80.0 * 25e-9 * 2.0 / 3.0));
    let map = EsmData::Map(EsmMap {
        source: EsmSource::Simulation,
        amplitude: img,
        phase: None,
        ac_amplitude_v: Some(3.0),
        ac_frequency_hz: None,
        metadata: Default::default(),
        provenance: Some(vegard::provenance::Provenance::new(
            "esm-map",
            serde_json::to_value(EsmParams::ceria()).unwrap(),
        )),
    });
    assert_json_close(&round_trip(&map), &map);

    // Parameters and waveforms are data too (they go into provenance).
    let p = EsmParams::lifepo4();
    assert_json_close(&serde_json::from_str::<EsmParams>(&serde_json::to_string(&p).unwrap()).unwrap(), &p);
    let w = Waveform::relaxation(&RelaxationConfig::default()).unwrap();
    assert_json_close(&serde_json::from_str::<Waveform>(&serde_json::to_string(&w).unwrap()).unwrap(), &w);
}

#[test]
fn data_validation_names_the_column() {
    let mut r = Relaxation::new(EsmSource::Simulation);
    r.time_s = vec![0.0, 1.0];
    r.amplitude_m = vec![1.0];
    r.bias_v = vec![0.0, 0.0];
    let e = r.validate().unwrap_err().to_string();
    assert!(e.contains("amplitude_m") && e.contains("time_s"), "{e}");
    r.amplitude_m.push(1.0);
    r.time_s = vec![1.0, 0.0];
    assert!(r.validate().unwrap_err().to_string().contains("non-decreasing"));
    let mut f = first_order(10.0, 2);
    f.frequency_hz[0] = 0.0;
    assert!(f.validate().unwrap_err().to_string().contains("frequency_hz"));
}
