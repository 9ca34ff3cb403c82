//! Small statistics helpers (no allocation except where stated). Empty input gives NaN.

/// Arithmetic mean.
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample standard deviation (denominator n − 1); NaN for fewer than two values.
pub fn std(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Median, reordering `x` in place (O(n) selection). NaNs sort last (`total_cmp`).
pub fn median_in_place(x: &mut [f64]) -> f64 {
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let mid = n / 2;
    x.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    let hi = x[mid];
    if n % 2 == 1 {
        return hi;
    }
    // The lower middle is the largest element of the left partition.
    let lo = x[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    0.5 * (lo + hi)
}

/// Median of a slice (copies it once).
pub fn median(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    median_in_place(&mut v)
}

/// Coefficient of determination R² = 1 − SSR/SST of `model` against `data`.
pub fn r_squared(data: &[f64], model: &[f64]) -> f64 {
    if data.len() != model.len() || data.is_empty() {
        return f64::NAN;
    }
    let m = mean(data);
    let ssr: f64 = data.iter().zip(model).map(|(d, f)| (d - f) * (d - f)).sum();
    let sst: f64 = data.iter().map(|d| (d - m) * (d - m)).sum();
    1.0 - ssr / sst
}

/// Ordinary least-squares line `y = intercept + slope·x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    pub slope: f64,
    pub intercept: f64,
    pub r2: f64,
    /// Standard error of the slope (NaN for fewer than three points).
    pub slope_stderr: f64,
}

/// Least-squares straight line through `(x, y)`; NaN fields if fewer than two points or all
/// `x` equal. Centred sums for numerical stability.
pub fn linear_regression(x: &[f64], y: &[f64]) -> LinearFit {
    let nan = LinearFit { slope: f64::NAN, intercept: f64::NAN, r2: f64::NAN, slope_stderr: f64::NAN };
    let n = x.len();
    if n < 2 || y.len() != n {
        return nan;
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if sxx <= 0.0 {
        return nan;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ssr = (syy - slope * sxy).max(0.0);
    let r2 = if syy > 0.0 { 1.0 - ssr / syy } else { 1.0 };
    let slope_stderr = if n > 2 { (ssr / (n - 2) as f64 / sxx).sqrt() } else { f64::NAN };
    LinearFit { slope, intercept, r2, slope_stderr }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&x), 5.0);
        // Sample variance 32/7.
        assert!((std(&x) - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(median(&x), 4.5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn regression_exact_line() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [1.0, 3.0, 5.0, 7.0];
        let f = linear_regression(&x, &y);
        assert!((f.slope - 2.0).abs() < 1e-12 && (f.intercept - 1.0).abs() < 1e-12);
        assert!((f.r2 - 1.0).abs() < 1e-12);
        assert!(f.slope_stderr.abs() < 1e-7);
        let model: Vec<f64> = x.iter().map(|v| 1.0 + 2.0 * v).collect();
        assert!((r_squared(&y, &model) - 1.0).abs() < 1e-12);
    }
}
