//! Deviation from baseline (nanite `poc_deviation_from_baseline`).
//!
//! The baseline is the first 10 % of the approach, `B = F[0 .. ⌊0.1 N⌋]`, with mean
//! `⟨B⟩` and half-width `r = 2 · max|B − ⟨B⟩|`. The contact point is the first index with
//! `F_i − ⟨B⟩ > r`; `None` when the baseline is empty or no sample crosses the threshold.

use crate::numerics::numpy_compat::mean;

pub fn index(force: &[f64]) -> Option<usize> {
    let nb = (force.len() as f64 * 0.1) as usize;
    let baseline = &force[..nb];
    if baseline.is_empty() {
        return None;
    }
    let avg = mean(baseline);
    let rng = baseline.iter().map(|&b| (b - avg).abs()).fold(f64::NEG_INFINITY, f64::max) * 2.0;
    force.iter().position(|&f| (f - avg) > rng)
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_crossing() {
        let mut f = vec![0.0, 1e-3, -1e-3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        f.extend([0.0, 1e-3, 2.5e-3, 1.0, 2.0]);
        // baseline = first sample only (⌊1.5⌋ = 1): mean 0, threshold 0 → first f > 0 is index 1
        assert_eq!(super::index(&f), Some(1));
        let mut g = vec![0.0; 20];
        g[3] = 1e-3;
        g[18] = 2.5e-3;
        g[19] = 3e-3;
        // baseline = 2 samples [0, 0] → threshold 0, first positive is index 3
        assert_eq!(super::index(&g), Some(3));
        assert_eq!(super::index(&[0.0; 5]), None);
    }
}
