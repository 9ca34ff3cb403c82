//! Force–distance plots: named series (approach, retract, ...) with SI-prefixed axes
//! (nm / nN chosen from the data range), a fitted model drawn as a line on top (clipped to
//! the data's axes), the fit window shaded as an x band, labelled markers (contact point), a
//! legend placed in the emptiest corner and, optionally, a residual panel underneath that
//! shares the x axis.

use super::RenderError;
use super::axes::{Axis, Chart, ChartOptions, Rect, Sample, padded_range};
use super::canvas::{Align, Canvas, ellipsize};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesStyle {
    /// A coloured line (measured curves).
    Line,
    /// Small dots (sparse or noisy data).
    Points,
    /// A thick black line drawn above everything else (a fitted model), clipped to the plot
    /// area: it does not widen the axes.
    Fit,
}

/// One named data series, x and y in SI units (m, N).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub style: SeriesStyle,
}

impl Series {
    pub fn new(name: impl Into<String>, x: Vec<f64>, y: Vec<f64>, style: SeriesStyle) -> Series {
        Series { name: name.into(), x, y, style }
    }

    /// Finite (x, y) pairs (pairs up to the shorter of the two columns).
    pub(crate) fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.x.iter().zip(&self.y).map(|(x, y)| (*x, *y)).filter(|(x, y)| x.is_finite() && y.is_finite())
    }
}

/// A labelled point, e.g. (contact x, contact y, "contact point").
pub type Marker = (f64, f64, String);

/// Picture size of a plot without residual panel, px.
pub const DEFAULT_SIZE: (u32, u32) = (800, 520);
/// Picture size of a plot with a residual panel, px.
pub const DEFAULT_SIZE_WITH_RESIDUALS: (u32, u32) = (800, 640);

/// A force–distance (or any x–y) plot.
///
/// The axes cover the measured series ([`SeriesStyle::Line`], [`SeriesStyle::Points`]) and
/// the markers only: a fitted model ([`SeriesStyle::Fit`]) is clipped to the plot area and
/// never stretches the axes, so a model evaluated beyond the data cannot squeeze the data
/// into a corner. (A plot with no measured series and no marker takes its ranges from its
/// fits.)
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePlot {
    pub title: String,
    /// Axis quantities and SI units ("Distance", "m"); the prefix is chosen from the data.
    pub x_label: String,
    pub x_unit: String,
    pub y_label: String,
    pub y_unit: String,
    pub series: Vec<Series>,
    /// An x range to shade (the fit window), SI.
    pub shaded_x: Option<(f64, f64)>,
    /// Legend name of the shaded band.
    pub shaded_label: String,
    pub markers: Vec<Marker>,
    /// Residuals (data − model) in SI units, on the same x as the main plot. When any has a
    /// finite point, a residual panel is drawn under the main chart, sharing its x axis.
    pub residuals: Vec<Series>,
    /// Quantity on the residual panel's y axis; its unit is `y_unit` ("Residual (pN)").
    pub residual_label: String,
    /// Picture size, px. `None`: [`DEFAULT_SIZE`], or [`DEFAULT_SIZE_WITH_RESIDUALS`] when
    /// the plot has a residual panel.
    pub size: Option<(u32, u32)>,
}

impl CurvePlot {
    /// An empty plot with axis quantities and units, no residuals, automatic size.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        x_unit: impl Into<String>,
        y_label: impl Into<String>,
        y_unit: impl Into<String>,
    ) -> CurvePlot {
        CurvePlot {
            title: title.into(),
            x_label: x_label.into(),
            x_unit: x_unit.into(),
            y_label: y_label.into(),
            y_unit: y_unit.into(),
            series: Vec::new(),
            shaded_x: None,
            shaded_label: "fit window".into(),
            markers: Vec::new(),
            residuals: Vec::new(),
            residual_label: "Residual".into(),
            size: None,
        }
    }

    /// Whether a residual panel is drawn (some residual series has a finite point).
    pub fn has_residuals(&self) -> bool {
        self.residuals.iter().any(|s| s.points().next().is_some())
    }

    /// The size of the picture [`curve_plot`] draws, px.
    pub fn picture_size(&self) -> (u32, u32) {
        self.size.unwrap_or(if self.has_residuals() { DEFAULT_SIZE_WITH_RESIDUALS } else { DEFAULT_SIZE })
    }
}

/// Colour-blind-safe palette for measured series (Okabe & Ito 2008, "Color Universal
/// Design"): blue, vermillion, bluish green, orange, reddish purple, sky blue.
pub(crate) const PALETTE: [[u8; 3]; 6] =
    [[0, 114, 178], [213, 94, 0], [0, 158, 115], [230, 159, 0], [204, 121, 167], [86, 180, 233]];
const SHADE_RGB: [u8; 3] = [255, 236, 179];
const MARKER_RGB: [u8; 3] = [200, 0, 0];
const FIT_RGB: [u8; 3] = [0, 0, 0];
/// Residuals not matching a measured series by name, when there is only one series.
const RESIDUAL_RGB: [u8; 3] = [70, 70, 70];
const ZERO_RGB: [u8; 3] = [120, 120, 120];
/// Share of the plot height that goes to the main chart when there is a residual panel.
const MAIN_SHARE: f64 = 0.7;
/// Up to this many residual points are drawn as dots, more as a thin line.
const MAX_RESIDUAL_DOTS: usize = 400;

fn is_measured(s: &Series) -> bool {
    s.style != SeriesStyle::Fit
}

/// An SI range (lo, hi).
type Range = (f64, f64);

/// The SI ranges (x, y) of the main chart's axes: padded ranges of the measured series and
/// the markers (of the fits when there is neither).
pub(crate) fn plot_ranges(plot: &CurvePlot) -> Result<(Range, Range), RenderError> {
    let marks = plot.markers.iter().filter(|m| m.0.is_finite() && m.1.is_finite()).map(|m| (m.0, m.1));
    let mut pts: Vec<(f64, f64)> = plot.series.iter().filter(|s| is_measured(s)).flat_map(|s| s.points()).collect();
    pts.extend(marks);
    if pts.is_empty() {
        pts = plot.series.iter().flat_map(|s| s.points()).collect();
    }
    if pts.is_empty() {
        return Err(RenderError::Empty(format!("plot '{}' has no finite data point", plot.title)));
    }
    let xr = padded_range(pts.iter().map(|p| p.0), 0.03).ok_or_else(|| RenderError::Empty("no x values".into()))?;
    let yr = padded_range(pts.iter().map(|p| p.1), 0.06).ok_or_else(|| RenderError::Empty("no y values".into()))?;
    Ok((xr, yr))
}

/// The SI y range of the residual panel: symmetric about zero so the zero line is in the
/// middle; `None` without a finite residual.
pub(crate) fn residual_range(plot: &CurvePlot) -> Option<Range> {
    let m = plot.residuals.iter().flat_map(|s| s.points()).map(|p| p.1.abs()).reduce(f64::max)?;
    if m > 0.0 && (1.15 * m).is_finite() { Some((-1.15 * m, 1.15 * m)) } else { padded_range([m].into_iter(), 0.0) }
}

/// Draw the plot as a PNG.
pub fn curve_plot(plot: &CurvePlot) -> Result<Vec<u8>, RenderError> {
    let (w, h) = plot.picture_size();
    if w < 200 || h < 150 {
        return Err(RenderError::Invalid(format!("curve plot size {w}×{h} px is too small (at least 200×150)")));
    }
    let mut c = Canvas::new(w, h)?;
    let (main, res) = layout(plot, &c)?;
    let colors = draw_main(&mut c, &main, plot)?;
    if let Some(res) = res {
        draw_residuals(&mut c, &res, plot, &colors)?;
    }
    c.to_png()
}

/// The charts of `plot` on `c`: the main one and, with residuals, the residual panel under
/// it (same x axis, left and right edges; plot heights about 70 : 30).
pub(crate) fn layout(plot: &CurvePlot, c: &Canvas) -> Result<(Chart, Option<Chart>), RenderError> {
    let (xr, yr) = plot_ranges(plot)?;
    let rr = residual_range(plot);
    let x = Axis::new(xr.0, xr.1, &plot.x_label, &plot.x_unit, 8);
    let y = Axis::new(yr.0, yr.1, &plot.y_label, &plot.y_unit, if rr.is_some() { 6 } else { 7 });
    let Some(rr) = rr else {
        return Ok((Chart::new(c, &plot.title, x, y)?, None));
    };
    let ry = Axis::new(rr.0, rr.1, &plot.residual_label, &plot.y_unit, 4);
    let min_left = Chart::left_margin(c, &y)?.max(Chart::left_margin(c, &ry)?);
    let (top_m, bottom_m) = (Chart::top_margin(c, &plot.title)?, Chart::bottom_margin(c, true)?);
    let (inner_bottom, inner_top) = (Chart::bottom_margin(c, false)?, Chart::top_margin(c, "")?);
    let (w, h) = (c.w as f64, c.h as f64);
    let plots_h = h - top_m - bottom_m - inner_bottom - inner_top;
    let split = top_m + (MAIN_SHARE * plots_h).round() + inner_bottom;
    let upper = Rect { x0: 0.0, y0: 0.0, x1: w, y1: split };
    let lower = Rect { x0: 0.0, y0: split, x1: w, y1: h };
    let main = Chart::in_rect(c, upper, &plot.title, x.clone(), y, ChartOptions { x_labels: false, min_left })?;
    let res = Chart::in_rect(c, lower, "", x, ry, ChartOptions { x_labels: true, min_left })?;
    Ok((main, Some(res)))
}

/// The shaded fit window, if any: its SI x range, ordered.
fn shaded(plot: &CurvePlot) -> Option<Range> {
    plot.shaded_x.filter(|(a, b)| a.is_finite() && b.is_finite() && a != b).map(|(a, b)| (a.min(b), a.max(b)))
}

fn draw_band(c: &mut Canvas, chart: &Chart, (a, b): Range) {
    let (xa, _) = chart.px((a, 0.0));
    let (xb, _) = chart.px((b, 0.0));
    c.fill_rect_f((xa, chart.top), (xb, chart.bottom + 1.0), chart.clip(), SHADE_RGB);
}

/// The main chart: band, measured series, fits, axes, markers, legend. Returns the colour
/// of each measured series by name (for the residuals).
fn draw_main(c: &mut Canvas, chart: &Chart, plot: &CurvePlot) -> Result<Vec<(String, [u8; 3])>, RenderError> {
    let clip = chart.clip();
    chart.draw_grid(c);
    let mut legend = Vec::new();
    let mut colors = Vec::new();

    if let Some(band) = shaded(plot) {
        draw_band(c, chart, band);
        legend.push((Sample::Band(SHADE_RGB), plot.shaded_label.clone()));
    }
    // Measured series first, fits on top (clipped; one entirely outside is not listed).
    for s in plot.series.iter().filter(|s| is_measured(s)) {
        let col = PALETTE[colors.len() % PALETTE.len()];
        colors.push((s.name.clone(), col));
        let pts: Vec<(f64, f64)> = s.points().map(|p| chart.px(p)).collect();
        if s.style == SeriesStyle::Points {
            for p in &pts {
                c.disc(*p, 2.0, clip, col);
            }
            legend.push((Sample::Dot(col), s.name.clone()));
        } else {
            c.polyline(&pts, 2, clip, col);
            legend.push((Sample::Line(col, 2), s.name.clone()));
        }
    }
    let mut pts_px: Vec<(f64, f64)> =
        plot.series.iter().filter(|s| is_measured(s)).flat_map(|s| s.points()).map(|p| chart.px(p)).collect();
    for s in plot.series.iter().filter(|s| !is_measured(s)) {
        let pts: Vec<(f64, f64)> = s.points().map(|p| chart.px(p)).collect();
        let visible = if pts.len() == 1 {
            c.disc(pts[0], 2.5, clip, FIT_RGB);
            let (x, y) = pts[0];
            x >= clip.x0 && x < clip.x1 && y >= clip.y0 && y < clip.y1
        } else {
            c.polyline(&pts, 3, clip, FIT_RGB)
        };
        if visible {
            legend.push((Sample::Line(FIT_RGB, 3), s.name.clone()));
        }
        pts_px.extend(pts);
    }
    chart.draw_axes(c)?;

    for m in plot.markers.iter().filter(|m| m.0.is_finite() && m.1.is_finite()) {
        let (mx, my) = chart.px((m.0, m.1));
        c.line((mx - 6.0, my - 6.0), (mx + 6.0, my + 6.0), 2, clip, MARKER_RGB);
        c.line((mx - 6.0, my + 6.0), (mx + 6.0, my - 6.0), 2, clip, MARKER_RGB);
        let label = ellipsize(&m.2, 40);
        if !label.is_empty() {
            // Label above-right of the point on a white patch so data lines do not run through it.
            let (tw, th) = c.text_size(&label, 13.0, false)?;
            let (mut lx, mut ly) = (mx + 10.0, my - 12.0 - th as f64 / 2.0);
            if lx + tw as f64 > chart.right - 4.0 {
                lx = mx - 10.0 - tw as f64;
            }
            if ly - th as f64 / 2.0 < chart.top + 2.0 {
                ly = my + 12.0 + th as f64 / 2.0;
            }
            c.fill_rect_f(
                (lx - 3.0, ly - th as f64 / 2.0 - 1.0),
                (lx + tw as f64 + 3.0, ly + th as f64 / 2.0 + 1.0),
                clip,
                [255, 255, 255],
            );
            c.text(lx.round() as i32, ly.round() as i32, &label, 13.0, false, Align::Left, MARKER_RGB, false)?;
        }
    }
    chart.draw_legend(c, &legend, &pts_px)?;
    Ok(colors)
}

/// The residual panel: the band, a thin zero line, the residuals as small dots (a thin line
/// when there are many), axes; a legend only when there are several residual series.
fn draw_residuals(
    c: &mut Canvas,
    chart: &Chart,
    plot: &CurvePlot,
    colors: &[(String, [u8; 3])],
) -> Result<(), RenderError> {
    let clip = chart.clip();
    chart.draw_grid(c);
    if let Some(band) = shaded(plot) {
        draw_band(c, chart, band);
    }
    let (_, y0) = chart.px((0.0, 0.0));
    c.line((chart.left, y0.round()), (chart.right, y0.round()), 1, clip, ZERO_RGB);
    let n_points: usize = plot.residuals.iter().map(|s| s.points().count()).sum();
    let dots = n_points <= MAX_RESIDUAL_DOTS;
    let series: Vec<&Series> = plot.residuals.iter().filter(|s| s.points().next().is_some()).collect();
    let mut legend = Vec::new();
    let mut pts_px = Vec::new();
    for (k, s) in series.iter().enumerate() {
        let col = match colors.iter().find(|(name, _)| *name == s.name) {
            Some((_, col)) => *col,
            None if series.len() == 1 => RESIDUAL_RGB,
            None => PALETTE[k % PALETTE.len()],
        };
        let pts: Vec<(f64, f64)> = s.points().map(|p| chart.px(p)).collect();
        if dots {
            for p in &pts {
                c.disc(*p, 1.6, clip, col);
            }
            legend.push((Sample::Dot(col), s.name.clone()));
        } else {
            c.polyline(&pts, 1, clip, col);
            legend.push((Sample::Line(col, 1), s.name.clone()));
        }
        pts_px.extend(pts);
    }
    chart.draw_axes(c)?;
    if series.len() > 1 {
        chart.draw_legend(c, &legend, &pts_px)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_plots_are_errors() {
        let mut p = CurvePlot::new("t", "Distance", "m", "Force", "N");
        assert!(matches!(curve_plot(&p), Err(RenderError::Empty(_))));
        p.series.push(Series::new("nan", vec![f64::NAN], vec![1.0], SeriesStyle::Line));
        assert!(curve_plot(&p).is_err());
        p.series.push(Series::new("one", vec![1e-9], vec![1e-9], SeriesStyle::Points));
        assert!(curve_plot(&p).is_ok());
        p.size = Some((10, 10));
        assert!(curve_plot(&p).is_err());
    }

    /// Approach data peaking at 4 nN over 0..100 nm, and a model evaluated far beyond it.
    fn data_and_wild_fit() -> CurvePlot {
        let x: Vec<f64> = (0..101).map(|i| i as f64 * 1e-9).collect();
        let y: Vec<f64> = x.iter().map(|&v| 4e-9 * (v / 100e-9).powf(1.5)).collect();
        let mut p = CurvePlot::new("t", "Distance", "m", "Force", "N");
        p.series.push(Series::new("approach", x, y, SeriesStyle::Line));
        p.markers.push((20e-9, 0.0, "contact point".into()));
        p
    }

    #[test]
    fn fits_do_not_stretch_the_axes() {
        let p = data_and_wild_fit();
        let without = plot_ranges(&p).unwrap();
        let mut with = p.clone();
        let fx: Vec<f64> = (0..200).map(|i| -50e-9 + i as f64 * 2e-9).collect();
        let fy: Vec<f64> = fx.iter().map(|&v| 19e-9 * (v.max(0.0) / 100e-9).powi(3)).collect();
        with.series.push(Series::new("model", fx, fy, SeriesStyle::Fit));
        assert_eq!(plot_ranges(&with).unwrap(), without);
        // y up to data 4 nN (padded), x over the data (padded): not to 19 nN or 350 nm.
        let ((x0, x1), (y0, y1)) = without;
        assert!(x0 > -5e-9 && x1 < 105e-9 && y0 > -1e-9 && y1 < 4.5e-9, "{without:?}");
        // A fit entirely outside the axes draws nothing but does not fail.
        let mut away = p.clone();
        away.series.push(Series::new("far", vec![1e-6, 2e-6], vec![1e-6, 2e-6], SeriesStyle::Fit));
        assert_eq!(plot_ranges(&away).unwrap(), without);
        assert_eq!(curve_plot(&away).unwrap(), curve_plot(&p).unwrap());
        // Fits alone still make a plot.
        let mut only = CurvePlot::new("t", "Distance", "m", "Force", "N");
        only.series.push(Series::new("model", vec![0.0, 1e-9], vec![0.0, 1e-9], SeriesStyle::Fit));
        assert!(plot_ranges(&only).is_ok());
    }

    #[test]
    fn residual_panel_sets_the_size_and_range() {
        let mut p = data_and_wild_fit();
        assert_eq!(p.picture_size(), DEFAULT_SIZE);
        p.residuals.push(Series::new("approach", vec![1e-9, 2e-9], vec![f64::NAN, f64::NAN], SeriesStyle::Points));
        assert!(!p.has_residuals(), "no finite residual: no panel");
        assert_eq!(p.picture_size(), DEFAULT_SIZE);
        p.residuals[0].y = vec![-30e-12, 50e-12];
        assert!(p.has_residuals());
        assert_eq!(p.picture_size(), DEFAULT_SIZE_WITH_RESIDUALS);
        let (lo, hi) = residual_range(&p).unwrap();
        assert!((lo + hi).abs() < 1e-24 && hi > 50e-12 && hi < 60e-12, "{lo} {hi}");
        let ry = Axis::new(lo, hi, &p.residual_label, &p.y_unit, 4);
        assert_eq!(ry.label, "Residual (pN)");
        p.size = Some((600, 400));
        assert_eq!(p.picture_size(), (600, 400));
        // All-zero residuals (a perfect fit) still give a drawable range.
        p.residuals[0].y = vec![0.0, 0.0];
        let (lo, hi) = residual_range(&p).unwrap();
        assert!(lo < 0.0 && hi > 0.0);
        assert!(curve_plot(&p).is_ok());
        // Two panels sharing the x axis exactly, with aligned edges, although the y tick
        // labels differ in width.
        p.residuals[0].y = vec![-30e-12, 50e-12];
        p.size = None;
        let c = Canvas::new(800, 640).unwrap();
        let (main, res) = layout(&p, &c).unwrap();
        let res = res.unwrap();
        assert_eq!((main.left, main.right), (res.left, res.right));
        assert_eq!(
            (main.x.lo, main.x.hi, &main.x.ticks, main.x.prefix),
            (res.x.lo, res.x.hi, &res.x.ticks, res.x.prefix)
        );
        assert!(Chart::left_margin(&c, &main.y).unwrap() != Chart::left_margin(&c, &res.y).unwrap());
        assert!(main.bottom < res.top);
        let share = (main.bottom - main.top) / (main.bottom - main.top + res.bottom - res.top);
        assert!((share - 0.7).abs() < 0.01, "{share}");
        assert_eq!(res.y.label, "Residual (pN)");
        assert_eq!(main.y.label, "Force (nN)");
        // Too small for two panels: an error, not a panic.
        p.size = Some((200, 150));
        assert!(matches!(curve_plot(&p), Err(RenderError::Invalid(_))));
    }
}
