//! PeakForce-QNM channels of one curve: peak force, adhesion, deformation, dissipation
//! and the DMT fit window (Wolff & Hausen 2023: "the DMT model was fit ... within the boundaries of
//! 30 %–90 % of the range between maximum and minimum force"; Russell et al. 2025, §3.1, §4.1).
//!
//! All functions take the tip-position axis `x` (m, increasing away from the sample) and
//! the force `f` (N, baseline already removed so that the free cantilever reads 0).

use crate::numerics::stats::median_in_place;

/// Largest force on a segment: (index, force N). None for an empty or all-NaN segment.
pub fn peak_force(f: &[f64]) -> Option<(usize, f64)> {
    f.iter().copied().enumerate().filter(|(_, v)| v.is_finite()).max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Adhesion = the depth of the pull-off minimum below the baseline on the retract segment:
/// (index of the minimum, −min F) in N. Positive when the tip sticks; 0 or negative means
/// no adhesion was resolved.
pub fn adhesion(retract_f: &[f64]) -> Option<(usize, f64)> {
    retract_f
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, v)| (i, -v))
}

/// Deformation (m): how far the tip travelled between touching the surface and peak force,
/// `x(F = 0) − x(F = peak)`, on a segment ordered as measured. From the peak sample we walk
/// towards the non-contact end of the segment (backwards on an approach, forwards on a
/// retract: `towards_start`) until the force first drops to zero, and interpolate the
/// crossing linearly. None if the force never returns to zero (contact never left).
pub fn deformation(x: &[f64], f: &[f64], peak: usize, towards_start: bool) -> Option<f64> {
    if peak >= x.len() || peak >= f.len() {
        return None;
    }
    let x_peak = x[peak];
    let step = |i: usize| if towards_start { i.checked_sub(1) } else { Some(i + 1).filter(|&j| j < f.len()) };
    let mut i = peak;
    while let Some(j) = step(i) {
        if f[j] <= 0.0 {
            // Linear interpolation of the zero crossing between samples i (F > 0) and j.
            let t = if f[i] != f[j] { f[i] / (f[i] - f[j]) } else { 0.0 };
            let x0 = x[i] + t * (x[j] - x[i]);
            return Some(x0 - x_peak);
        }
        i = j;
    }
    None
}

/// Dissipated energy (J): the area enclosed by the approach and retract curves,
/// `W = −∮ F dx` along the measured path (approach then retract), by the trapezoidal rule.
/// Positive when the retract lies below the approach (energy lost in the sample, e.g.
/// visco-plastic SEI or adhesion hysteresis).
pub fn dissipation(approach_x: &[f64], approach_f: &[f64], retract_x: &[f64], retract_f: &[f64]) -> f64 {
    let path_integral = |x: &[f64], f: &[f64]| -> f64 {
        x.windows(2)
            .zip(f.windows(2))
            .map(|(xw, fw)| 0.5 * (fw[0] + fw[1]) * (xw[1] - xw[0]))
            .filter(|v| v.is_finite())
            .sum::<f64>()
    };
    // Close the loop between the last approach and first retract sample as well.
    let joint = match (approach_x.last(), approach_f.last(), retract_x.first(), retract_f.first()) {
        (Some(&x0), Some(&f0), Some(&x1), Some(&f1)) => path_integral(&[x0, x1], &[f0, f1]),
        _ => 0.0,
    };
    -(path_integral(approach_x, approach_f) + joint + path_integral(retract_x, retract_f))
}

/// The samples of a retract segment used for the DMT fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitWindow {
    /// Index range (start..end) into the retract segment.
    pub start: usize,
    pub end: usize,
    /// Force bounds of the window, N (absolute, baseline-corrected).
    pub force_low_n: f64,
    pub force_high_n: f64,
}

/// The QNM fit window on a retract segment: between the peak force and the adhesion
/// minimum, the samples whose force lies within `F_min + lower·(F_max − F_min)` and
/// `F_min + upper·(F_max − F_min)` (Wolff & Hausen 2023: 0.3, 0.9). None if the segment has no
/// contact part.
///
/// Between the peak and the pull-off the retract force falls monotonically except for
/// noise, and PeakForce ramps crowd samples there, so noise makes neighbouring samples
/// cross a bound back and forth. The window is therefore the contiguous run from just after
/// the *last* sample above the upper bound to the *last* sample not below the lower bound:
/// every sample strictly inside is used, and a noisy crossing cannot cut the run short.
pub fn retract_window(f: &[f64], lower: f64, upper: f64) -> Option<FitWindow> {
    let (i_peak, f_max) = peak_force(f)?;
    let (i_min, neg_min) = adhesion(&f[i_peak..])?;
    let i_min = i_peak + i_min;
    let f_min = -neg_min;
    let range = f_max - f_min;
    if range.is_nan() || range <= 0.0 {
        return None;
    }
    let lo = f_min + lower * range;
    let hi = f_min + upper * range;
    let part = &f[i_peak..=i_min];
    let start = i_peak + part.iter().rposition(|&v| v > hi).map_or(0, |i| i + 1);
    let end = i_peak + part.iter().rposition(|&v| v >= lo)? + 1;
    (end > start).then_some(FitWindow { start, end, force_low_n: lo, force_high_n: hi })
}

/// Robust standard deviation of the force baseline: 1.4826 × the median absolute deviation
/// of the first quarter (at least 10 samples) of an approach segment, which is far from the
/// sample. Used to tell a contact from noise; a quarter rather than nanite's baseline tenth
/// because the scale estimate needs samples (its relative error is ≈ 1/√n).
pub fn baseline_noise(approach_f: &[f64]) -> Option<f64> {
    let n = (approach_f.len() / 4).max(10).min(approach_f.len());
    let mut v: Vec<f64> = approach_f[..n].iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 5 {
        return None;
    }
    let med = median_in_place(&mut v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
    Some(1.4826 * median_in_place(&mut dev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_and_adhesion() {
        let f = [0.0, 1.0, 3.0, 2.0, -0.5, -1.5, -0.2, 0.0];
        assert_eq!(peak_force(&f), Some((2, 3.0)));
        assert_eq!(adhesion(&f), Some((5, 1.5)));
        assert_eq!(peak_force(&[]), None);
        assert_eq!(peak_force(&[f64::NAN]), None);
    }

    #[test]
    fn deformation_interpolates_zero_crossing() {
        // Approach: x decreasing, force rises linearly after x = 10 (1 N per unit).
        let x: Vec<f64> = (0..=20).map(|i| 20.0 - i as f64).collect();
        let f: Vec<f64> = x.iter().map(|&x| 10.5 - x).collect();
        let (ip, _) = peak_force(&f).unwrap();
        let d = deformation(&x, &f, ip, true).unwrap();
        assert!((d - 10.5).abs() < 1e-12, "{d}");
        // Never leaves contact: None.
        assert_eq!(deformation(&[0.0, 1.0], &[1.0, 2.0], 1, true), None);
    }

    #[test]
    fn dissipation_of_a_rectangle_loop() {
        // Approach from x=2 to x=0 at F=1, retract from 0 to 2 at F=0: W = 2 J lost.
        let ax = [2.0, 1.0, 0.0];
        let af = [1.0, 1.0, 1.0];
        let rx = [0.0, 1.0, 2.0];
        let rf = [0.0, 0.0, 0.0];
        // The closing step (x=0 → 0) has zero length, so only the areas count.
        assert!((dissipation(&ax, &af, &rx, &rf) - 2.0).abs() < 1e-12);
        // Elastic (identical) curves dissipate nothing.
        let rf2 = [1.0, 1.0, 1.0];
        assert!(dissipation(&ax, &af, &rx, &rf2).abs() < 1e-12);
    }

    #[test]
    fn noise_estimate() {
        // ±1 alternating: the first quarter (20 of 80) has median 0 and MAD 1.
        let f: Vec<f64> = (0..80).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        assert!((baseline_noise(&f).unwrap() - 1.4826).abs() < 1e-12);
        assert_eq!(baseline_noise(&[1.0, 2.0]), None);
    }

    #[test]
    fn window_between_fractions() {
        // Retract: 10 → 0 → -2 → 0.
        let f = [10.0, 9.5, 8.0, 6.0, 4.0, 2.0, 0.5, -1.0, -2.0, -1.0, 0.0];
        let w = retract_window(&f, 0.3, 0.9).unwrap();
        // range 12, lo = -2 + 3.6 = 1.6, hi = -2 + 10.8 = 8.8
        assert_eq!((w.start, w.end), (2, 6));
        // Noise crossing the upper bound after the window started does not cut it short,
        // nor does a dip below the lower bound that comes back.
        let f = [10.0, 8.5, 8.9, 8.0, 6.0, 4.0, 1.5, 1.7, 0.5, -2.0, 0.0];
        let w = retract_window(&f, 0.3, 0.9).unwrap();
        assert_eq!((w.start, w.end), (3, 8));
        assert!((w.force_low_n - 1.6).abs() < 1e-12 && (w.force_high_n - 8.8).abs() < 1e-12);
        assert_eq!(retract_window(&[0.0, 0.0], 0.3, 0.9), None);
    }
}
