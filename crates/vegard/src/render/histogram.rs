//! Histograms of map values (e.g. stiffness or modulus of all valid pixels, 20 MPa bins),
//! with optional overlaid curves (fitted Gaussian mixtures, in counts per bin).
//!
//! Bin edges sit on multiples of the bin width (0, 20, 40, ... MPa), so histograms of
//! different maps with the same width line up.

use crate::data::Image;

use super::RenderError;
use super::axes::{Axis, Chart, Sample, padded_range};
use super::canvas::{Align, Canvas, GREY_RGB};
use super::curve_plot::{PALETTE, Series};
use super::units;

/// At most this many bins: more is unreadable and would only come from a bin width given
/// in the wrong unit (1 Pa for a GPa modulus).
pub const MAX_BINS: usize = 2000;

/// Counts in bins `[start + i·width, start + (i+1)·width)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    pub start: f64,
    pub width: f64,
    pub counts: Vec<u64>,
}

impl Bins {
    /// Left edge of bin `i`.
    pub fn edge(&self, i: usize) -> f64 {
        self.start + i as f64 * self.width
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// A histogram picture.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramPlot {
    pub title: String,
    /// Quantity and SI unit of the values ("DMT modulus", "Pa").
    pub quantity: String,
    pub unit: String,
    /// Values in SI units; non-finite ones are ignored.
    pub values: Vec<f64>,
    /// Bin width in SI units; `None`: Freedman–Diaconis, rounded to 1, 2 or 5 × 10^k.
    pub bin_width: Option<f64>,
    /// Curves over the bars: x in SI units, y in counts per bin.
    pub curves: Vec<Series>,
    /// Picture size, px.
    pub size: (u32, u32),
}

impl HistogramPlot {
    pub fn new(
        title: impl Into<String>,
        quantity: impl Into<String>,
        unit: impl Into<String>,
        values: Vec<f64>,
    ) -> Self {
        HistogramPlot {
            title: title.into(),
            quantity: quantity.into(),
            unit: unit.into(),
            values,
            bin_width: None,
            curves: Vec::new(),
            size: (800, 500),
        }
    }
}

/// Freedman & Diaconis (1981) bin width 2·IQR·n^(−1/3), rounded to a 1-2-5 number; a
/// tenth of the range when the IQR is zero; 1 for constant data.
pub fn auto_bin_width(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return 1.0;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let iqr = q(0.75) - q(0.25);
    let range = v[v.len() - 1] - v[0];
    let raw = if iqr > 0.0 { 2.0 * iqr / (v.len() as f64).cbrt() } else { range / 10.0 };
    let raw = raw.max(range / MAX_BINS as f64);
    if raw > 0.0 && raw.is_finite() { units::nice_step(raw, 1) } else { 1.0 }
}

/// Count finite `values` in bins of `width` with edges on multiples of `width`.
pub fn histogram_bins(values: &[f64], width: f64) -> Result<Bins, RenderError> {
    if !(width.is_finite() && width > 0.0) {
        return Err(RenderError::Invalid(format!("bin width must be positive and finite, got {width}")));
    }
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    if lo > hi {
        return Err(RenderError::Empty("no finite value to count".into()));
    }
    let first = (lo / width).floor();
    let last = (hi / width).floor();
    let n = last - first + 1.0;
    if !(n.is_finite() && n <= MAX_BINS as f64) {
        return Err(RenderError::Invalid(format!(
            "bin width {width:e} over the range {lo:e}..{hi:e} gives {n:.0} bins (at most {MAX_BINS}); is the width in SI units?"
        )));
    }
    let start = first * width;
    let mut counts = vec![0u64; n as usize];
    for &v in values.iter().filter(|v| v.is_finite()) {
        let i = ((v / width).floor() - first) as usize;
        if let Some(c) = counts.get_mut(i.min(n as usize - 1)) {
            *c += 1;
        }
    }
    Ok(Bins { start, width, counts })
}

/// A histogram of the valid pixels of `image` (its name and unit on the axis).
pub fn histogram_of_image(image: &Image, bin_width: Option<f64>, title: &str) -> Result<Vec<u8>, RenderError> {
    let mut h = HistogramPlot::new(title, image.name.clone(), image.unit.clone(), image.valid_values().collect());
    h.bin_width = bin_width;
    histogram_png(&h)
}

const BAR_RGB: [u8; 3] = [110, 150, 200];
const BAR_EDGE_RGB: [u8; 3] = [40, 70, 120];

/// The axes of a histogram: the values (SI prefix from the binned range) and the counts.
fn axes(plot: &HistogramPlot, bins: &Bins) -> (Axis, Axis) {
    let (x_lo, x_hi) = (bins.start, bins.edge(bins.counts.len()));
    let max_count = bins.counts.iter().copied().max().unwrap_or(0) as f64;
    let curve_top = plot.curves.iter().flat_map(|s| s.points()).map(|p| p.1).fold(max_count, f64::max);
    let y_top = curve_top.max(1.0) * 1.08;
    let (x0, x1) = padded_range([x_lo, x_hi].into_iter(), 0.02).unwrap_or((x_lo, x_hi));
    let x = Axis::new(x0, x1, &plot.quantity, &plot.unit, 8);
    let mut y = Axis::plain(0.0, y_top, "Count", 6);
    // Counts are whole numbers: no tick between integers.
    y.ticks.retain(|(v, _)| v.fract() == 0.0);
    (x, y)
}

/// Draw the histogram as a PNG.
pub fn histogram_png(plot: &HistogramPlot) -> Result<Vec<u8>, RenderError> {
    let (w, h) = plot.size;
    if w < 200 || h < 150 {
        return Err(RenderError::Invalid(format!("histogram size {w}×{h} px is too small (at least 200×150)")));
    }
    let width = plot.bin_width.unwrap_or_else(|| auto_bin_width(&plot.values));
    let bins = histogram_bins(&plot.values, width)?;
    let (x, y) = axes(plot, &bins);
    let mut c = Canvas::new(w, h)?;
    let chart = Chart::new(&c, &plot.title, x, y)?;
    let clip = chart.clip();
    chart.draw_grid(&mut c);
    let mut tops = Vec::new();
    for (i, &n) in bins.counts.iter().enumerate() {
        let (xa, yb) = chart.px((bins.edge(i), 0.0));
        let (xb, yt) = chart.px((bins.edge(i + 1), n as f64));
        tops.push(((xa + xb) / 2.0, yt));
        if n == 0 {
            continue;
        }
        let (xa, xb, yt, yb) = (xa.round(), xb.round(), yt.round(), yb.round());
        c.fill_rect_f((xa, yt), (xb, yb), clip, BAR_RGB);
        for (p, q) in [((xa, yt), (xb, yt)), ((xa, yt), (xa, yb)), ((xb, yt), (xb, yb))] {
            c.line(p, q, 1, clip, BAR_EDGE_RGB);
        }
    }
    let mut legend = Vec::new();
    for (k, s) in plot.curves.iter().enumerate() {
        let col = PALETTE[(k + 1) % PALETTE.len()];
        let pts: Vec<(f64, f64)> = s.points().map(|p| chart.px(p)).collect();
        c.polyline(&pts, 2, clip, col);
        legend.push((Sample::Line(col, 2), s.name.clone()));
    }
    chart.draw_axes(&mut c)?;
    chart.draw_legend(&mut c, &legend, &tops)?;
    let bw = if plot.unit.trim().is_empty() {
        units::format_sig(bins.width, 4)
    } else {
        units::format_quantity(bins.width, &plot.unit)
    };
    let note = format!("n = {}, bin width {bw}", bins.total());
    let (nw, _) = c.text_size(&note, 12.0, false)?;
    c.text((w - 10 - nw) as i32, h as i32 - 12, &note, 12.0, false, Align::Left, GREY_RGB, false)?;
    c.to_png()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_sit_on_multiples_of_the_width() {
        let b = histogram_bins(&[25e6, 39.9e6, 40e6, 101e6, f64::NAN], 20e6).unwrap();
        assert_eq!(b.start, 20e6);
        assert_eq!(b.counts, vec![2, 1, 0, 0, 1]);
        assert_eq!(b.total(), 4);
        let neg = histogram_bins(&[-1.0, -0.5, 0.0], 1.0).unwrap();
        assert_eq!((neg.start, neg.counts.clone()), (-1.0, vec![2, 1]));
    }

    #[test]
    fn absurd_widths_are_errors() {
        assert!(matches!(histogram_bins(&[0.0, 1e9], 1.0), Err(RenderError::Invalid(_))));
        assert!(histogram_bins(&[1.0], 0.0).is_err());
        assert!(histogram_bins(&[1.0], f64::NAN).is_err());
        assert!(matches!(histogram_bins(&[f64::NAN], 1.0), Err(RenderError::Empty(_))));
    }

    #[test]
    fn automatic_width_is_round() {
        let v: Vec<f64> = (0..1000).map(|i| i as f64 * 1e5).collect();
        let w = auto_bin_width(&v);
        let m = w / 10f64.powf(w.log10().floor());
        assert!([1.0, 2.0, 5.0].iter().any(|n| (m - n).abs() < 1e-9), "{w}");
        assert_eq!(auto_bin_width(&[3.0, 3.0, 3.0]), 1.0);
    }

    #[test]
    fn value_axis_uses_a_fitting_prefix() {
        for (unit, lo, hi, want) in
            [("Pa", 2e8, 2e9, &["MPa", "GPa"][..]), ("N", 2e-9, 4e-9, &["nN"][..]), ("J", 1e-17, 3e-17, &["aJ"][..])]
        {
            let values: Vec<f64> = (0..200).map(|i| lo + (hi - lo) * i as f64 / 199.0).collect();
            let plot = HistogramPlot::new("t", "Q", unit, values);
            let bins = histogram_bins(&plot.values, auto_bin_width(&plot.values)).unwrap();
            let (x, y) = axes(&plot, &bins);
            assert!(want.iter().any(|u| x.label == format!("Q ({u})")), "{}", x.label);
            let labels: Vec<String> = x.ticks.iter().map(|(_, s)| s.clone()).collect();
            crate::render::map_png::tests::assert_readable_ticks(&labels);
            assert_eq!(y.label, "Count");
        }
    }
}
