//! Histograms of map values (e.g. stiffness or modulus of all valid pixels, 20 MPa bins),
//! with optional overlaid curves (fitted Gaussian mixtures, in counts per bin).
//!
//! Bin edges sit on multiples of the bin width (0, 20, 40, ... MPa), so histograms of
//! different maps with the same width line up.

use plotters::prelude::*;

use crate::data::Image;

use super::RenderError;
use super::canvas::{Canvas, GREY_RGB, TEXT_RGB, ellipsize, font, rgb};
use super::curve_plot::{PALETTE, Series, emptiest_corner, padded_range, tick_format};
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
    pub fn new(title: impl Into<String>, quantity: impl Into<String>, unit: impl Into<String>, values: Vec<f64>) -> Self {
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

fn derr<E: std::fmt::Display>(e: E) -> RenderError {
    RenderError::Draw(e.to_string())
}

/// Draw the histogram as a PNG.
pub fn histogram_png(plot: &HistogramPlot) -> Result<Vec<u8>, RenderError> {
    let (w, h) = plot.size;
    if w < 200 || h < 150 {
        return Err(RenderError::Invalid(format!("histogram size {w}×{h} px is too small (at least 200×150)")));
    }
    let width = plot.bin_width.unwrap_or_else(|| auto_bin_width(&plot.values));
    let bins = histogram_bins(&plot.values, width)?;
    let x_lo = bins.start;
    let x_hi = bins.edge(bins.counts.len());
    let curve_pts: Vec<(f64, f64)> = plot.curves.iter().flat_map(|s| s.points()).collect();
    let max_count = bins.counts.iter().copied().max().unwrap_or(0) as f64;
    let y_top = curve_pts.iter().map(|p| p.1).fold(max_count, f64::max).max(1.0) * 1.08;
    let (x0, x1) = padded_range([x_lo, x_hi].into_iter(), 0.02).unwrap_or((x_lo, x_hi));
    let p = units::display_prefix(x0, x1, &plot.unit);
    let s = 1.0 / p.factor;
    let (x0, x1) = (x0 * s, x1 * s);

    let text = rgb(TEXT_RGB);
    let mut canvas = Canvas::new(w, h)?;
    {
        let backend = canvas.backend()?;
        let root = backend.into_drawing_area();
        let mut chart = ChartBuilder::on(&root)
            .caption(ellipsize(&plot.title, 80), font(19.0, true).color(&text))
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..y_top)
            .map_err(derr)?;
        let xf = tick_format(x1 - x0);
        let yf = tick_format(y_top);
        chart
            .configure_mesh()
            .x_desc(units::axis_label(&plot.quantity, p, &plot.unit))
            .y_desc("Count")
            .axis_desc_style(font(15.0, false).color(&text))
            .label_style(font(13.0, false).color(&text))
            .x_label_formatter(&xf)
            .y_label_formatter(&yf)
            .disable_x_mesh()
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(RGBColor(244, 244, 244))
            .axis_style(RGBColor(60, 60, 60))
            .draw()
            .map_err(derr)?;
        let fill = RGBColor(110, 150, 200).filled();
        let edge = RGBColor(40, 70, 120).stroke_width(1);
        let bars = bins.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, c)| {
            let (a, b) = (bins.edge(i) * s, bins.edge(i + 1) * s);
            [Rectangle::new([(a, 0.0), (b, *c as f64)], fill), Rectangle::new([(a, 0.0), (b, *c as f64)], edge)]
        });
        chart.draw_series(bars.flatten()).map_err(derr)?;
        for (k, c) in plot.curves.iter().enumerate() {
            let st = rgb(PALETTE[(k + 1) % PALETTE.len()]).stroke_width(2);
            let pts: Vec<(f64, f64)> = c.points().map(|(x, y)| (x * s, y)).collect();
            chart
                .draw_series(LineSeries::new(pts, st))
                .map_err(derr)?
                .label(ellipsize(&c.name, 40))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], st));
        }
        if !plot.curves.is_empty() {
            let tops: Vec<(f64, f64)> =
                bins.counts.iter().enumerate().map(|(i, c)| ((bins.edge(i) + 0.5 * bins.width) * s, *c as f64)).collect();
            let corner = emptiest_corner(&tops, (x0, x1), (0.0, y_top), (0.3, 0.3));
            chart
                .configure_series_labels()
                .position(corner)
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(150, 150, 150))
                .label_font(font(13.0, false).color(&text))
                .draw()
                .map_err(derr)?;
        }
        let note = format!(
            "n = {} · bin width {}",
            bins.total(),
            if plot.unit.trim().is_empty() {
                units::format_sig(bins.width, 4)
            } else {
                units::format_quantity(bins.width, &plot.unit)
            }
        );
        let grey = rgb(GREY_RGB);
        root.draw_text(
            &note,
            &font(12.0, false).color(&grey).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Right,
                plotters::style::text_anchor::VPos::Bottom,
            )),
            (w as i32 - 12, h as i32 - 6),
        )
        .map_err(derr)?;
        root.present().map_err(derr)?;
    }
    canvas.to_png()
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
}
