//! Gradient zero-crossing of the indentation part (nanite `poc_gradient_zero_crossing`).
//!
//! 1. smooth the force with a moving average of width `w = max(5, ⌊0.01 N⌋)` (SciPy
//!    `uniform_filter1d`, reflecting edges);
//! 2. take the gradient `g = dF/di` and drop everything after the maximum of the smoothed
//!    force less 10 samples (`c = N − argmax + 10` samples are cut from the end);
//! 3. if more than 50 samples remain, smooth `g` with the same moving average;
//! 4. the contact point is the *last* sample with `g ≤ 0.01 · max g` (searching back from
//!    the indentation maximum), shifted by `w` to undo the lag of the two centred filters:
//!    `cp = N − j − c + w` where j counts from the end of g.
//!
//! `None` when fewer than two samples, fewer than 51 gradient samples, or no sample below
//! the threshold.

use crate::numerics::numpy_compat::{argmax, gradient, uniform_filter1d_reflect};

pub fn index(force: &[f64]) -> Option<i64> {
    let n = force.len();
    let filtsize = 5usize.max((n as f64 * 0.01) as usize);
    let y = uniform_filter1d_reflect(force, filtsize);
    if y.len() <= 1 {
        return None;
    }
    let cutoff = y.len() - argmax(&y)? + 10;
    let g_full = gradient(&y);
    let keep = g_full.len().saturating_sub(cutoff);
    let grad = &g_full[..keep];
    if grad.len() <= 50 {
        return None;
    }
    let gradn = uniform_filter1d_reflect(grad, filtsize);
    let thresh = 0.01 * gradn.iter().copied().fold(f64::NEG_INFINITY, |m, v| if v > m || v.is_nan() { v } else { m });
    let last = gradn.iter().rposition(|&g| g <= thresh)?;
    let from_end = gradn.len() - 1 - last;
    // y.size - from_end - cutoff + filtsize, evaluated in signed arithmetic as in Python
    Some(y.len() as i64 - from_end as i64 - cutoff as i64 + filtsize as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_onset_of_rise() {
        let f: Vec<f64> = (0..400).map(|i| if i < 250 { 0.0 } else { ((i - 250) as f64).powi(2) }).collect();
        let cp = super::index(&f).unwrap();
        assert!((245..=256).contains(&cp), "cp = {cp}");
        assert_eq!(super::index(&[0.0, 1.0, 2.0]), None);
    }
}
