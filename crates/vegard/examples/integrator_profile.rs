//! Profile of the carried adaptive BDF2 [`Integrator`] on the relaxation waveform (Eshghinejad et al. 2017, Fig. 6): per read
//! interval, the wall time, accepted / rejected / BDF1 steps, step solves, nonlinear iterations, line-search
//! fallbacks, GMRES iterations and the planned step; per waveform step the totals. No AC reads (they cost the
//! same with every stepping scheme), only the DC stepping.
//!
//! Run: `cargo run --release -p vegard --example integrator_profile -- [--mesh coarse|default] [--amplitude 2]
//! [--reads 40] [--atol 1e-4 --rtol 1e-3] [--advance] [--quiet]` (`--advance`: per-read `TipModel::advance`
//! instead, the experiments' default, for comparison).

use std::time::Instant;

use vegard::sim::esm::params::EsmParams;
use vegard::sim::esm::tip_model::{Integrator, MeshOptions, TipModel, Tolerance};
use vegard::sim::esm::waveform::{RelaxationConfig, Waveform};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let number = |flag: &str, default: f64| value(flag).map(|v| v.parse::<f64>().expect(flag)).unwrap_or(default);
    let mesh = match value("--mesh").as_deref() {
        None | Some("coarse") => MeshOptions::coarse(),
        Some("default") => MeshOptions::default(),
        Some(other) => panic!("--mesh coarse|default, not {other}"),
    };
    let amplitude = number("--amplitude", 2.0);
    let reads = number("--reads", 40.0) as u32;
    let tolerance = Tolerance { absolute: number("--atol", 1e-4), relative: number("--rtol", 1e-3) };
    let per_read_advance = args.iter().any(|a| a == "--advance");
    let quiet = args.iter().any(|a| a == "--quiet");

    let p = EsmParams::lifepo4();
    let model = TipModel::new(&p, mesh).expect("model");
    let tau = model.time_unit_s();
    let w = Waveform::relaxation(&RelaxationConfig {
        amplitude_v: amplitude,
        lead_s: number("--lead", 0.32) * tau,
        hold_s: number("--hold", 1.6) * tau,
        relax_s: number("--relax", 20.0) * tau,
        ac: None,
    })
    .expect("waveform");
    println!(
        "LiFePO4, {} nodes, L²/D = {tau} s, ±{amplitude} V, {reads} reads per step, {}",
        model.mesh().n_nodes(),
        if per_read_advance { "per-read advance".to_string() } else { format!("integrator {tolerance:?}") }
    );
    let mut integrator = model.integrator(model.equilibrium_state(), tolerance).expect("integrator");
    let mut plain = model.equilibrium_state();
    let t_all = Instant::now();
    let mut start = 0.0;
    // Step counts of the integrator and the model's solver counters, and their change between two snapshots.
    let snapshot = |m: &TipModel, i: &Integrator| {
        let s = i.stats();
        [
            s.accepted,
            s.rejected,
            s.bdf1,
            m.step_solves(),
            m.nonlinear_iterations(),
            m.line_search_fallbacks(),
            m.krylov_iterations(),
        ]
    };
    let change = |a: [usize; 7], b: [usize; 7]| {
        let d: Vec<usize> = b.iter().zip(&a).map(|(b, a)| b - a).collect();
        format!(
            "accepted {:4} rejected {:3} bdf1 {:4}  solves {:4} iterations {:6} fallbacks {:4} gmres {:6}",
            d[0], d[1], d[2], d[3], d[4], d[5], d[6]
        )
    };
    for (k, step) in w.steps.iter().enumerate() {
        let (t_step, first) = (Instant::now(), snapshot(&model, &integrator));
        for j in 1..=reads {
            let t = start + step.duration_s * f64::from(j) / f64::from(reads);
            let (t_read, before) = (Instant::now(), snapshot(&model, &integrator));
            if per_read_advance {
                plain = model.advance(&plain, step.bias_v, t - plain.time_s).expect("advance");
            } else {
                integrator.advance_to(t, step.bias_v).expect("integrator");
            }
            if !quiet {
                println!(
                    "  t̂ {:8.4} {:+.1} V  {:8.3} s  {}  planned Δt̂ {}",
                    t / tau,
                    step.bias_v,
                    t_read.elapsed().as_secs_f64(),
                    change(before, snapshot(&model, &integrator)),
                    integrator.planned_step_s().map_or("-".into(), |d| format!("{:.3e}", d / tau)),
                );
            }
        }
        println!(
            "step {k} ({:+.1} V, {:.2} L²/D): {:.1} s  {}",
            step.bias_v,
            step.duration_s / tau,
            t_step.elapsed().as_secs_f64(),
            change(first, snapshot(&model, &integrator)),
        );
        start += step.duration_s;
    }
    println!("total {:.1} s", t_all.elapsed().as_secs_f64());
}
