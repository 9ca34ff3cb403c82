//! Force–distance plots: named series (approach, retract, ...) with SI-prefixed axes
//! (nm / nN chosen from the data range), a fitted model drawn as a line on top, the fit
//! window shaded as an x band, labelled markers (contact point) and a legend placed in
//! the emptiest corner.

use super::RenderError;
use super::axes::{Axis, Chart, Sample, padded_range};
use super::canvas::{Align, Canvas, ellipsize};

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesStyle {
    /// A coloured line (measured curves).
    Line,
    /// Small dots (sparse or noisy data).
    Points,
    /// A thick black line drawn above everything else (a fitted model).
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

/// A force–distance (or any x–y) plot.
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
    /// Picture size, px.
    pub size: (u32, u32),
}

impl CurvePlot {
    /// An empty plot with axis quantities and units, 800×520 px.
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
            size: (800, 520),
        }
    }
}

/// Colour-blind-safe palette for measured series (Okabe & Ito 2008, "Color Universal
/// Design"): blue, vermillion, bluish green, orange, reddish purple, sky blue.
pub(crate) const PALETTE: [[u8; 3]; 6] =
    [[0, 114, 178], [213, 94, 0], [0, 158, 115], [230, 159, 0], [204, 121, 167], [86, 180, 233]];
const SHADE_RGB: [u8; 3] = [255, 236, 179];
const MARKER_RGB: [u8; 3] = [200, 0, 0];

/// Draw the plot as a PNG.
pub fn curve_plot(plot: &CurvePlot) -> Result<Vec<u8>, RenderError> {
    let (w, h) = plot.size;
    if w < 200 || h < 150 {
        return Err(RenderError::Invalid(format!("curve plot size {w}×{h} px is too small (at least 200×150)")));
    }
    let all: Vec<(f64, f64)> = plot.series.iter().flat_map(|s| s.points()).collect();
    let marks: Vec<&Marker> = plot.markers.iter().filter(|m| m.0.is_finite() && m.1.is_finite()).collect();
    if all.is_empty() {
        return Err(RenderError::Empty(format!("plot '{}' has no finite data point", plot.title)));
    }
    let xs = all.iter().map(|p| p.0).chain(marks.iter().map(|m| m.0));
    let ys = all.iter().map(|p| p.1).chain(marks.iter().map(|m| m.1));
    let xr = padded_range(xs, 0.03).ok_or_else(|| RenderError::Empty("no x values".into()))?;
    let yr = padded_range(ys, 0.06).ok_or_else(|| RenderError::Empty("no y values".into()))?;

    let mut c = Canvas::new(w, h)?;
    let x = Axis::new(xr.0, xr.1, &plot.x_label, &plot.x_unit, 8);
    let y = Axis::new(yr.0, yr.1, &plot.y_label, &plot.y_unit, 7);
    let chart = Chart::new(&c, &plot.title, x, y)?;
    let clip = chart.clip();
    chart.draw_grid(&mut c);
    let mut legend = Vec::new();

    if let Some((a, b)) = plot.shaded_x.filter(|(a, b)| a.is_finite() && b.is_finite() && a != b) {
        let (xa, _) = chart.px((a.min(b), 0.0));
        let (xb, _) = chart.px((a.max(b), 0.0));
        c.fill_rect_f((xa, chart.top), (xb, chart.bottom + 1.0), clip, SHADE_RGB);
        legend.push((Sample::Band(SHADE_RGB), plot.shaded_label.clone()));
    }
    // Measured series first, fits on top.
    let mut color_i = 0;
    for fit_pass in [false, true] {
        for s in plot.series.iter().filter(|s| (s.style == SeriesStyle::Fit) == fit_pass) {
            let pts: Vec<(f64, f64)> = s.points().map(|p| chart.px(p)).collect();
            let sample = match s.style {
                SeriesStyle::Fit => {
                    c.polyline(&pts, 3, clip, [0, 0, 0]);
                    Sample::Line([0, 0, 0], 3)
                }
                SeriesStyle::Line => {
                    let col = PALETTE[color_i % PALETTE.len()];
                    color_i += 1;
                    c.polyline(&pts, 2, clip, col);
                    Sample::Line(col, 2)
                }
                SeriesStyle::Points => {
                    let col = PALETTE[color_i % PALETTE.len()];
                    color_i += 1;
                    for p in &pts {
                        c.disc(*p, 2.0, clip, col);
                    }
                    Sample::Dot(col)
                }
            };
            legend.push((sample, s.name.clone()));
        }
    }
    chart.draw_axes(&mut c)?;

    let pts_px: Vec<(f64, f64)> = all.iter().map(|p| chart.px(*p)).collect();
    for m in &marks {
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
    chart.draw_legend(&mut c, &legend, &pts_px)?;
    c.to_png()
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
        p.size = (10, 10);
        assert!(curve_plot(&p).is_err());
    }
}
