//! Floating-point building blocks that reproduce NumPy/SciPy bit for bit.
//!
//! nanite's contact-point methods end in integer indices chosen by comparisons (`>`,
//! `argmax`, `int(x0)`) and, for the fitting methods, by a Nelder–Mead path that branches
//! on comparisons of sums of squares. To give *the same index* as nanite on the same data
//! we therefore evaluate every sum in the order NumPy does. The orders below were checked
//! against numpy 2.4.6 / scipy 1.17.1 (see `bench/make_nanite_poc_fixture.py` and the test
//! `nanite_poc_synthetic`).

/// NumPy's pairwise summation (`np.add.reduce` on a contiguous float64 array,
/// `numpy/_core/src/umath/loops_utils.h.src`, `pairwise_sum`): blocks of at most 128
/// values are summed with 8 interleaved accumulators, longer arrays are split in two
/// halves (rounded down to a multiple of 8) and summed recursively.
pub(crate) fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.mean` / `np.average` without weights: pairwise sum divided by the count.
pub(crate) fn mean(a: &[f64]) -> f64 {
    pairwise_sum(a) / a.len() as f64
}

/// `np.std` (ddof = 0): `sqrt(mean((a - mean(a))**2))`.
pub(crate) fn std(a: &[f64]) -> f64 {
    let m = mean(a);
    let sq: Vec<f64> = a.iter().map(|&v| (v - m) * (v - m)).collect();
    (pairwise_sum(&sq) / a.len() as f64).sqrt()
}

/// `np.argmax`: index of the first maximum (None for an empty slice).
pub(crate) fn argmax(a: &[f64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in a.iter().enumerate() {
        match best {
            Some((_, b)) if v <= b => {}
            _ => best = Some((i, v)),
        }
    }
    best.map(|(i, _)| i)
}

/// `np.argmin`: index of the first minimum (None for an empty slice).
pub(crate) fn argmin(a: &[f64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in a.iter().enumerate() {
        match best {
            Some((_, b)) if v >= b => {}
            _ => best = Some((i, v)),
        }
    }
    best.map(|(i, _)| i)
}

/// Index into `0..n` for position `i` of a line extended in SciPy's `reflect` mode
/// (`d c b a | a b c d | d c b a`, half-sample symmetric).
fn reflect_index(i: isize, n: usize) -> usize {
    let n = n as isize;
    let period = 2 * n;
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - 1 - m }) as usize
}

/// `scipy.ndimage.uniform_filter1d(a, size, mode="reflect")` (origin 0), implemented as
/// SciPy's `NI_UniformFilter1D`: a running sum over the extended line, `size / 2` samples
/// before and `size - size/2 - 1` after each point, updated by `+ (new - old)` and divided
/// by `size` at every output.
pub(crate) fn uniform_filter1d_reflect(a: &[f64], size: usize) -> Vec<f64> {
    let n = a.len();
    if n == 0 || size == 0 {
        return a.to_vec();
    }
    let before = (size / 2) as isize;
    let ext = |k: isize| a[reflect_index(k - before, n)];
    let fs = size as f64;
    let mut out = Vec::with_capacity(n);
    let mut tmp = 0.0;
    for k in 0..size as isize {
        tmp += ext(k);
    }
    out.push(tmp / fs);
    for ll in 1..n as isize {
        tmp += ext(ll + size as isize - 1) - ext(ll - 1);
        out.push(tmp / fs);
    }
    out
}

/// `np.gradient(a)` for unit spacing: central differences `(a[i+1] - a[i-1]) / 2` inside,
/// one-sided first-order differences at both ends. Needs at least two samples.
pub(crate) fn gradient(a: &[f64]) -> Vec<f64> {
    let n = a.len();
    if n < 2 {
        return Vec::new();
    }
    let mut g = Vec::with_capacity(n);
    g.push(a[1] - a[0]);
    for i in 1..n - 1 {
        g.push((a[i + 1] - a[i - 1]) / 2.0);
    }
    g.push(a[n - 1] - a[n - 2]);
    g
}

/// `scipy.ndimage.median_filter(a, size, mode="nearest")` for odd `size`: the median of the
/// `size` samples centred on each point, edges extended by repeating the end samples.
pub(crate) fn median_filter_nearest(a: &[f64], size: usize) -> Vec<f64> {
    let n = a.len();
    let half = (size / 2) as isize;
    let mut win = Vec::with_capacity(size);
    (0..n as isize)
        .map(|i| {
            win.clear();
            for k in i - half..i - half + size as isize {
                win.push(a[k.clamp(0, n as isize - 1) as usize]);
            }
            win.sort_by(f64::total_cmp);
            win[size / 2]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_numpy_examples() {
        // np.sum(np.arange(1, 201) * 0.1) == 2010.0 (pairwise), while Python's
        // left-to-right sum() of the same values gives 2010.0000000000002.
        let a: Vec<f64> = (1..=200).map(|i| i as f64 * 0.1).collect();
        assert_eq!(pairwise_sum(&a), 2010.0);
        assert_eq!(a.iter().sum::<f64>(), 2010.0000000000002);
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
    }

    #[test]
    fn uniform_filter_reflect_edges() {
        // scipy.ndimage.uniform_filter1d([1,2,3,4,5], 3) == [1.333.., 2, 3, 4, 4.666..]
        let out = uniform_filter1d_reflect(&[1.0, 2.0, 3.0, 4.0, 5.0], 3);
        assert!((out[0] - 4.0 / 3.0).abs() < 1e-15);
        assert!((out[2] - 3.0).abs() < 1e-15);
        assert!((out[4] - 14.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn gradient_and_argmax() {
        assert_eq!(gradient(&[1.0, 4.0, 9.0, 16.0]), vec![3.0, 4.0, 6.0, 7.0]);
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), Some(1));
        assert_eq!(argmin(&[1.0, 0.0, 0.0, 2.0]), Some(1));
        assert_eq!(argmax(&[]), None);
    }

    #[test]
    fn median_nearest() {
        assert_eq!(median_filter_nearest(&[5.0, 1.0, 3.0, 2.0, 4.0], 3), vec![5.0, 3.0, 2.0, 3.0, 4.0]);
    }
}
