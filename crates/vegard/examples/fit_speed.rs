//! Fit throughput on synthetic Hertz curves, single thread (compare with nanite, which fits
//! with lmfit). Run: `cargo run --release -p vegard --example fit_speed [n_curves] [n_points]`.
//!
//! Each curve: paraboloid R = 5 µm, ν = 0.5, E drawn in 1–10 kPa, contact point in the middle
//! of a 2 µm ramp, 1000 points, baseline offset and 0.5 % Gaussian noise. The fit starts from
//! the defaults (contact point and baseline guessed from the data, E rescaled by one linear
//! pass), fitting E, contact point and baseline, as nanite's default does for E and x_c.

use std::time::Instant;
use vegard::nanomech::fit::{FitOptions, fit_curve, model_force};
use vegard::nanomech::models::{self, Tip};

struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn gauss(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_curves: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let n_points: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let model = models::by_key("hertz-paraboloid").expect("registered");
    let tip = Tip { radius_m: 5e-6, poisson: 0.5, ..Tip::default() };
    let mut rng = Rng(0x1234_5678_9abc_def1);

    let x: Vec<f64> = (0..n_points).map(|i| 2e-6 * i as f64 / (n_points - 1) as f64).collect();
    let mut curves = Vec::with_capacity(n_curves);
    let mut truths = Vec::with_capacity(n_curves);
    for _ in 0..n_curves {
        let e = 1e3 * 10f64.powf(rng.uniform());
        let xc = 1e-6 + 0.2e-6 * (rng.uniform() - 0.5);
        let truth = [e, xc, 0.0];
        let fmax = model_force(model, &tip, &truth, 0.0);
        let base = 0.02 * fmax * (rng.uniform() - 0.5);
        let truth = [e, xc, base];
        let f: Vec<f64> = x.iter().map(|&x| model_force(model, &tip, &truth, x) + 0.005 * fmax * rng.gauss()).collect();
        curves.push(f);
        truths.push(truth);
    }

    let opts = FitOptions::default();
    let t0 = Instant::now();
    let mut worst: f64 = 0.0;
    let mut iters = 0usize;
    let mut failed = 0usize;
    for (f, truth) in curves.iter().zip(&truths) {
        match fit_curve(model, &tip, &x, f, &opts) {
            Ok(fit) if fit.converged => {
                worst = worst.max((fit.modulus_pa() / truth[0] - 1.0).abs());
                iters += fit.iterations;
            }
            _ => failed += 1,
        }
    }
    let dt = t0.elapsed().as_secs_f64();
    println!(
        "{n_curves} Hertz curves × {n_points} points, single thread: {:.2} s, {:.1} µs/curve, {:.0} curves/s",
        dt,
        dt / n_curves as f64 * 1e6,
        n_curves as f64 / dt
    );
    println!(
        "mean LM steps {:.2}, failed/unconverged {failed}, worst |E_fit/E_true − 1| = {:.2e}",
        iters as f64 / (n_curves - failed).max(1) as f64,
        worst
    );
}
