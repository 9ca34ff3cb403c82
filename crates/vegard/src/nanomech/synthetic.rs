//! Synthetic force curves and force volumes with known truth, for the demo, tests and
//! benchmarks. The force laws are written out here independently of `models/` so that a
//! round trip through the fitter checks both.
//!
//! A PeakForce-like curve over a sample with modulus E, adhesion F_adh and surface height
//! x_s (m): with indentation δ = x_s − x,
//! - approach: F = max(0, 4/3 E* √R δ^{3/2} − F_adh) for δ > 0, else 0 (no snap-in);
//! - retract (DMT, Wolff & Hausen 2023): F = 4/3 E* √R δ^{3/2} − F_adh for δ ≥ 0, and for the
//!   separation s = −δ > 0 the adhesive neck relaxes linearly, F = −F_adh (1 − s/ℓ)₊ with
//!   ℓ = [`NECK_LENGTH_M`].
//!
//! The piezo height is z = x − F/k (tip position = height + F/k, as nanite). As in
//! PeakForce tapping the ramp is sinusoidal in time, x(t) = x_bottom + A (1 + cos πt)/2 on the
//! approach (t ∈ [0, 1]) and its mirror on the retract, so samples crowd near the turning
//! point where the contact happens; Gaussian force noise is added.

use crate::data::{Channel, ChannelKind, ForceCurve, GridIndex, GridShape, Segment, SegmentKind};

/// Length over which the adhesive neck relaxes after pull-off in synthetic retract curves.
pub const NECK_LENGTH_M: f64 = 2e-9;

/// The truth behind one synthetic curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurveTruth {
    pub modulus_pa: f64,
    pub adhesion_n: f64,
    /// Surface (contact-point) tip position, m.
    pub surface_m: f64,
}

/// Acquisition settings of a synthetic curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Acquisition {
    pub tip_radius_m: f64,
    pub poisson: f64,
    pub spring_constant_n_per_m: f64,
    /// Peak force (setpoint) above baseline, N.
    pub peak_force_n: f64,
    /// Ramp length above the surface, m.
    pub ramp_m: f64,
    /// Samples per segment.
    pub points_per_segment: usize,
    /// Standard deviation of the added force noise, N.
    pub noise_n: f64,
    /// Duration of each segment, s.
    pub segment_duration_s: f64,
}

impl Default for Acquisition {
    fn default() -> Self {
        Acquisition {
            tip_radius_m: 20e-9,
            poisson: 0.3,
            spring_constant_n_per_m: 40.0,
            peak_force_n: 20e-9,
            ramp_m: 60e-9,
            points_per_segment: 500,
            noise_n: 0.05e-9,
            segment_duration_s: 5e-4,
        }
    }
}

/// Deterministic xorshift64* + Box–Muller normal generator (no dependency).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeds go through the SplitMix64 finaliser (Steele et al. 2014) so that neighbouring
    /// seeds (pixel indices) start from unrelated states.
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn uniform(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        ((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn hertz(e_star: f64, r: f64, delta: f64) -> f64 {
    4.0 / 3.0 * e_star * r.sqrt() * delta.max(0.0).powf(1.5)
}

/// One PeakForce-like curve (approach + retract) with the given truth.
pub fn qnm_curve(index: usize, truth: &CurveTruth, acq: &Acquisition, rng: &mut Rng) -> ForceCurve {
    let e_star = truth.modulus_pa / (1.0 - acq.poisson * acq.poisson);
    // Indentation at which the elastic force reaches the setpoint (plus adhesion).
    let delta_max =
        ((acq.peak_force_n + truth.adhesion_n) / (4.0 / 3.0 * e_star * acq.tip_radius_m.sqrt())).powf(2.0 / 3.0);
    let x_top = truth.surface_m + acq.ramp_m;
    let x_bottom = truth.surface_m - delta_max;
    let n = acq.points_per_segment.max(2);
    let dt = acq.segment_duration_s / n as f64;
    let k = acq.spring_constant_n_per_m;
    let mut curve = ForceCurve::new(index);
    curve.calibration.spring_constant_n_per_m = Some(k);
    for (kind, name) in [(SegmentKind::Approach, "extend"), (SegmentKind::Retract, "retract")] {
        let mut force = Vec::with_capacity(n);
        let mut height = Vec::with_capacity(n);
        let mut time = Vec::with_capacity(n);
        for i in 0..n {
            let t = i as f64 / (n - 1) as f64;
            let up = 0.5 * (1.0 + (std::f64::consts::PI * t).cos());
            let x = match kind {
                SegmentKind::Approach => x_bottom + (x_top - x_bottom) * up,
                _ => x_bottom + (x_top - x_bottom) * (1.0 - up),
            };
            let delta = truth.surface_m - x;
            let f = match kind {
                SegmentKind::Approach => {
                    (hertz(e_star, acq.tip_radius_m, delta) - truth.adhesion_n).max(0.0)
                        * f64::from(u8::from(delta > 0.0))
                }
                _ if delta >= 0.0 => hertz(e_star, acq.tip_radius_m, delta) - truth.adhesion_n,
                _ => -truth.adhesion_n * (1.0 + delta / NECK_LENGTH_M).max(0.0),
            };
            let f_noisy = f + acq.noise_n * rng.normal();
            force.push(f_noisy);
            // The piezo moved the base; the tip sits F/k above it (nanite's convention).
            height.push(x - f_noisy / k);
            let t0 = if kind == SegmentKind::Approach { 0.0 } else { acq.segment_duration_s };
            time.push(t0 + i as f64 * dt);
        }
        let mut seg = Segment::new(kind, name);
        seg.duration_s = Some(acq.segment_duration_s);
        seg.channels.push(Channel::new(ChannelKind::MeasuredHeight, "height", "m", height));
        seg.channels.push(Channel::new(ChannelKind::Force, "force", "N", force));
        seg.channels.push(Channel::new(ChannelKind::Time, "time", "s", time));
        curve.segments.push(seg);
    }
    curve
}

/// A synthetic SEI-like surface: Voronoi grains of three phases (Wolff & Hausen 2023, Fig. 5 finds
/// stiffness populations near 0.2, 0.4–0.8 and >1 GPa), a gentle topography, and a few
/// pixels whose curves are pure noise (no contact: must be flagged, not fitted).
#[derive(Debug, Clone)]
pub struct SeiSurface {
    pub nx: usize,
    pub ny: usize,
    pub size_m: f64,
    seeds: Vec<(f64, f64, usize)>,
    /// (modulus Pa, adhesion N) of each phase.
    pub phases: [(f64, f64); 3],
    /// Fraction of pixels with a failed (no-contact) curve.
    pub broken_fraction: f64,
    seed: u64,
}

impl SeiSurface {
    pub fn new(nx: usize, ny: usize, size_m: f64, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let n_grains = ((nx * ny) as f64 / 60.0).clamp(4.0, 400.0) as usize;
        let seeds = (0..n_grains)
            .map(|i| {
                let u = rng.uniform();
                // The first three grains take one phase each, so even a small map shows all three.
                let phase = match i {
                    0..3 => i,
                    _ if u < 0.45 => 0,
                    _ if u < 0.8 => 1,
                    _ => 2,
                };
                (rng.uniform() * nx as f64, rng.uniform() * ny as f64, phase)
            })
            .collect();
        SeiSurface {
            nx,
            ny,
            size_m,
            seeds,
            phases: [(200e6, 6e-9), (600e6, 4e-9), (1.8e9, 2e-9)],
            broken_fraction: 0.01,
            seed,
        }
    }

    pub fn grid(&self) -> GridShape {
        GridShape { nx: self.nx, ny: self.ny, size_m: Some((self.size_m, self.size_m)) }
    }

    /// Phase of pixel (x, y): the nearest Voronoi seed's.
    pub fn phase(&self, x: usize, y: usize) -> usize {
        let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
        self.seeds
            .iter()
            .min_by(|a, b| {
                let da = (a.0 - px).powi(2) + (a.1 - py).powi(2);
                let db = (b.0 - px).powi(2) + (b.1 - py).powi(2);
                da.total_cmp(&db)
            })
            .map_or(0, |s| s.2)
    }

    /// Truth at pixel (x, y); None for a broken pixel.
    pub fn truth(&self, x: usize, y: usize) -> Option<CurveTruth> {
        let mut rng = Rng::new(self.seed ^ ((y * self.nx + x) as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
        if rng.uniform() < self.broken_fraction {
            return None;
        }
        let (e, adh) = self.phases[self.phase(x, y)];
        // ±5 % spread within a phase, gentle 10 nm topography.
        let e = e * (1.0 + 0.05 * rng.normal());
        let (fx, fy) = (x as f64 / self.nx as f64, y as f64 / self.ny as f64);
        let surface = 10e-9 * (2.0 * std::f64::consts::PI * fx).sin() * (std::f64::consts::PI * fy).cos();
        Some(CurveTruth { modulus_pa: e, adhesion_n: adh, surface_m: surface })
    }

    /// The curve measured at pixel (x, y). Broken pixels give a curve that never reaches
    /// the surface (the ramp stopped short): only noise.
    pub fn curve(&self, x: usize, y: usize, acq: &Acquisition) -> ForceCurve {
        let index = y * self.nx + x;
        let mut rng = Rng::new(self.seed.wrapping_add(index as u64 * 7919));
        let mut curve = match self.truth(x, y) {
            Some(t) => qnm_curve(index, &t, acq, &mut rng),
            None => {
                let far = CurveTruth { modulus_pa: 1e9, adhesion_n: 0.0, surface_m: -1e-3 };
                let mut c = qnm_curve(index, &far, &Acquisition { peak_force_n: 0.0, ..*acq }, &mut rng);
                // The ramp never reached the sample: re-centre heights near the others.
                for seg in &mut c.segments {
                    if let Some(h) = seg.channel_mut(&ChannelKind::MeasuredHeight) {
                        h.data.iter_mut().for_each(|v| *v += 1e-3);
                    }
                }
                c
            }
        };
        curve.grid = Some(GridIndex { x, y });
        curve.position_m =
            Some(((x as f64 + 0.5) * self.size_m / self.nx as f64, (y as f64 + 0.5) * self.size_m / self.ny as f64));
        curve
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_reaches_setpoint_and_adhesion() {
        let acq = Acquisition { noise_n: 0.0, ..Acquisition::default() };
        let t = CurveTruth { modulus_pa: 1e9, adhesion_n: 3e-9, surface_m: 0.0 };
        let c = qnm_curve(0, &t, &acq, &mut Rng::new(1));
        let ap = c.segment(SegmentKind::Approach).unwrap().data(&ChannelKind::Force).unwrap();
        let re = c.segment(SegmentKind::Retract).unwrap().data(&ChannelKind::Force).unwrap();
        let peak = ap.iter().cloned().fold(f64::MIN, f64::max);
        assert!((peak - 20e-9).abs() < 1e-15, "{peak}");
        let min = re.iter().cloned().fold(f64::MAX, f64::min);
        // The minimum −F_adh is reached exactly at δ = 0; the nearest sample is at most one
        // step h in tip position away (the sinusoidal ramp's largest step is A·sin(π/2n)·…
        // bounded by A·π/(2(n−1))), where the elastic term adds at most hertz(h).
        let delta_max = (23e-9 / (4.0 / 3.0 * 1e9 / 0.91 * 20e-9f64.sqrt())).powf(2.0 / 3.0);
        let h = (60e-9 + delta_max) * std::f64::consts::PI / (2.0 * 499.0);
        let slack = hertz(1e9 / 0.91, 20e-9, h);
        assert!(min >= -3e-9 - 1e-24 && min <= -3e-9 + slack, "{min} (slack {slack})");
    }

    #[test]
    fn normal_generator_moments() {
        let mut r = Rng::new(42);
        let v: Vec<f64> = (0..200_000).map(|_| r.normal()).collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        assert!(m.abs() < 0.01 && (s - 1.0).abs() < 0.01, "{m} {s}");
    }
}
