//! Robust model-based contact point (vegard's own method; not in nanite).
//!
//! For every candidate contact index `c` the approach is modelled as a constant baseline
//! followed by a power-law contact,
//!
//! `F_i = b`                 for i < c,
//! `F_i = b + A · δ_i(c)^p`   for i ≥ c,   with `δ_i(c) = max(0, s·(z_c − z_i))`,
//!
//! where z is the tip position (or the sample index when no abscissa is given), s = ±1 the
//! approach direction (tip position decreases while indenting), and p the contact exponent:
//! 3/2 for a sphere or paraboloid (Hertz), 2 for a cone (Sneddon); see Russell et al. 2025, §3.1 and
//! e.g. Butt, Cappella & Kappl, Surf. Sci. Rep. 59, 1 (2005), eqs. 27 and 31. For fixed
//! c the model is *linear* in (b, A), so the least-squares fit is closed-form (2×2 normal
//! equations); A is constrained to A ≥ 0 (a repulsive contact; if the unconstrained
//! optimum has A < 0 the fit is the baseline mean alone). The contact point is the c with
//! the smallest residual sum of squares.
//!
//! Why: no start value, no iterative optimiser that can stall, and every sample weighs
//! in, so white noise on the baseline averages out instead of triggering a threshold.
//! The search is coarse to fine: ~128 evenly spaced candidates, then the three best local
//! minima are refined with an 8× finer step until the step is one sample. Cost
//! O(N · (128 + 3 · 16 · log₈ N)) for N samples.

/// Contact-point index (into `force`) for contact exponent `exponent`.
/// `z`: tip position (same length as `force`) or `None` to use the sample index.
/// Returns `None` for fewer than 8 samples or a length mismatch.
pub fn index(z: Option<&[f64]>, force: &[f64], exponent: f64) -> Option<usize> {
    let n = force.len();
    if n < 8 || z.is_some_and(|z| z.len() != n) {
        return None;
    }
    // Work on a centred, scaled copy: the SSE comparisons are then well conditioned for
    // forces of order 1e-9 N as well as raw counts.
    let fmean = force.iter().sum::<f64>() / n as f64;
    let fscale = force.iter().map(|f| (f - fmean).abs()).fold(0.0, f64::max);
    let fscale = if fscale > 0.0 { fscale } else { 1.0 };
    let f: Vec<f64> = force.iter().map(|v| (v - fmean) / fscale).collect();
    let z: Vec<f64> = match z {
        Some(z) => z.to_vec(),
        None => (0..n).map(|i| i as f64).collect(),
    };
    // direction of indentation: +1 when z decreases along the approach
    let s = if z[n - 1] < z[0] { 1.0 } else { -1.0 };
    let zscale = (z[n - 1] - z[0]).abs();
    let zscale = if zscale > 0.0 { zscale } else { 1.0 };

    let sse = |c: usize| -> f64 {
        // sums for the normal equations of F = b + A g
        let (mut sg, mut sgg, mut sgf, mut sf) = (0.0, 0.0, 0.0, 0.0);
        let g_of = |i: usize| -> f64 { if i < c { 0.0 } else { (s * (z[c] - z[i]) / zscale).max(0.0).powf(exponent) } };
        for (i, &fi) in f.iter().enumerate() {
            let g = g_of(i);
            sg += g;
            sgg += g * g;
            sgf += g * fi;
            sf += fi;
        }
        let nf = n as f64;
        let det = nf * sgg - sg * sg;
        let (mut b, mut a) = (sf / nf, 0.0);
        if det > 0.0 {
            let a_opt = (nf * sgf - sg * sf) / det;
            if a_opt > 0.0 {
                a = a_opt;
                b = (sf - a * sg) / nf;
            }
        }
        f.iter()
            .enumerate()
            .map(|(i, &fi)| {
                let r = fi - b - a * g_of(i);
                r * r
            })
            .sum()
    };

    // candidates keep at least two samples on each side
    let (lo, hi) = (2usize, n - 3);
    let step = ((hi - lo) / 128).max(1);
    let mut grid: Vec<(usize, f64)> = (lo..=hi).step_by(step).map(|c| (c, sse(c))).collect();
    // the three best local minima of the coarse grid
    let mut seeds: Vec<(usize, f64)> = (0..grid.len())
        .filter(|&k| {
            let v = grid[k].1;
            (k == 0 || grid[k - 1].1 >= v) && (k + 1 == grid.len() || grid[k + 1].1 >= v)
        })
        .map(|k| grid[k])
        .collect();
    seeds.sort_by(|a, b| a.1.total_cmp(&b.1));
    seeds.truncate(3);
    let mut best = seeds.first().copied().unwrap_or(grid[0]);
    for seed in seeds {
        let mut centre = seed;
        let mut st = step;
        while st > 1 {
            let fine = (st / 8).max(1);
            let from = centre.0.saturating_sub(st).max(lo);
            let to = (centre.0 + st).min(hi);
            grid = (from..=to).step_by(fine).map(|c| (c, sse(c))).collect();
            for &g in &grid {
                if g.1 < centre.1 {
                    centre = g;
                }
            }
            st = fine;
        }
        if centre.1 < best.1 {
            best = centre;
        }
    }
    Some(best.0)
}

#[cfg(test)]
mod tests {
    use super::index;

    /// Hertz-like approach with noise from a deterministic generator.
    fn curve(n: usize, ic: usize, noise: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut state = seed | 1;
        let mut rnd = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let z: Vec<f64> = (0..n).map(|i| 2e-6 - 1e-9 * i as f64).collect();
        let f: Vec<f64> = (0..n)
            .map(|i| {
                let d = (z[ic] - z[i]).max(0.0);
                2e-9 * (d / 1e-7).powf(1.5) + noise * rnd()
            })
            .collect();
        (z, f)
    }

    #[test]
    fn recovers_contact_point_under_noise() {
        for (k, &(n, ic, noise)) in
            [(500, 300, 2e-11), (1000, 400, 5e-11), (2000, 1700, 1e-10), (300, 60, 2e-11)].iter().enumerate()
        {
            let (z, f) = curve(n, ic, noise, 7 + k as u64);
            let cp = index(Some(&z), &f, 1.5).unwrap();
            assert!((cp as i64 - ic as i64).abs() <= (n / 100).max(3) as i64, "n={n} ic={ic}: got {cp}");
            let cp_idx = index(None, &f, 1.5).unwrap();
            assert!((cp_idx as i64 - ic as i64).abs() <= (n / 100).max(3) as i64, "index abscissa: {cp_idx}");
        }
    }

    #[test]
    fn too_short_or_mismatched() {
        assert_eq!(index(None, &[0.0; 5], 1.5), None);
        assert_eq!(index(Some(&[0.0; 9]), &[0.0; 10], 1.5), None);
    }
}
