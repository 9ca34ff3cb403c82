//! Fréchet distance to the direct path (nanite `poc_frechet_direct_path`).
//!
//! Both axes are normalised to [0, 1]: `x_i = i/(N−1)`, `y_i = (F_i − min F)/(max F − min F)`.
//! The curve is rotated by α = −π/4, `y'_i = x_i sin α + y_i cos α`, so that the distance
//! from the diagonal (0,0)–(1,1) becomes a height; the contact point is the sample farthest
//! *below* the diagonal, `argmin y'`. Robust to tilted baselines; depends on the baseline
//! length (a short baseline pulls the estimate towards the end). nanite uses it as the
//! start value of its fitting methods.

use crate::numerics::numpy_compat::argmin;

/// `None` for an empty or constant force (nanite would return 0 there, from `argmin` over
/// NaN values; we refuse instead of inventing a contact point).
pub fn index(force: &[f64]) -> Option<usize> {
    let n = force.len();
    let fmin = force.iter().copied().fold(f64::INFINITY, f64::min);
    let fmax = force.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let range = fmax - fmin;
    if n == 0 || range.is_nan() || range == 0.0 {
        return None;
    }
    // np.linspace(0, 1, n): i * (1/(n-1)), last sample exactly 1
    let step = if n > 1 { 1.0 / (n - 1) as f64 } else { 0.0 };
    let alpha = -std::f64::consts::FRAC_PI_4;
    let (sa, ca) = (alpha.sin(), alpha.cos());
    let yr: Vec<f64> = force
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            let x = if i + 1 == n && n > 1 { 1.0 } else { i as f64 * step };
            let y = (f - fmin) / range;
            x * sa + y * ca
        })
        .collect();
    argmin(&yr)
}

#[cfg(test)]
mod tests {
    #[test]
    fn kink_is_found() {
        // flat for 60 samples, then a straight rise: the kink is the farthest point
        let f: Vec<f64> = (0..100).map(|i| if i < 60 { 0.0 } else { (i - 60) as f64 }).collect();
        assert_eq!(super::index(&f), Some(60));
        assert_eq!(super::index(&[1.0; 10]), None);
    }
}
