//! Force–distance plots: named series (approach, retract, ...) with SI-prefixed axes
//! (nm / nN chosen from the data range), a fitted model drawn as a line on top, the fit
//! window shaded as an x band, labelled markers (contact point) and a legend placed in
//! the emptiest corner.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::RenderError;
use super::canvas::{Canvas, TEXT_RGB, ellipsize, font, rgb};
use super::units::{self, SiPrefix};

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

/// Padded finite range of `values`; a degenerate range is widened so axes can be drawn.
pub(crate) fn padded_range(values: impl Iterator<Item = f64>, pad_frac: f64) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if lo > hi {
        return None;
    }
    let span = hi - lo;
    if span <= f64::EPSILON * lo.abs().max(hi.abs()) {
        let half = if lo == 0.0 { 1.0 } else { 0.05 * lo.abs() };
        return Some((lo - half, hi + half));
    }
    Some((lo - pad_frac * span, hi + pad_frac * span))
}

/// A tick label formatter with decimals suited to the axis span (in display units).
pub(crate) fn tick_format(span: f64) -> impl Fn(&f64) -> String {
    let dec = units::decimals_for_step(units::nice_step(span, 10));
    move |v: &f64| units::format_fixed(*v, dec)
}

/// Which corner has the fewest points in a box of the given fraction of the plot, as a
/// plotters legend position.
pub(crate) fn emptiest_corner(
    pts: &[(f64, f64)],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    (fw, fh): (f64, f64),
) -> SeriesLabelPosition {
    let count = |right: bool, top: bool| {
        pts.iter()
            .filter(|(x, y)| {
                let fx = (x - x0) / (x1 - x0);
                let fy = (y - y0) / (y1 - y0);
                let in_x = if right { fx >= 1.0 - fw } else { fx <= fw };
                let in_y = if top { fy >= 1.0 - fh } else { fy <= fh };
                in_x && in_y
            })
            .count()
    };
    let corners = [
        (count(true, true), SeriesLabelPosition::UpperRight),
        (count(false, true), SeriesLabelPosition::UpperLeft),
        (count(true, false), SeriesLabelPosition::LowerRight),
        (count(false, false), SeriesLabelPosition::LowerLeft),
    ];
    // First minimum wins: upper right is preferred on a tie.
    let best = corners.iter().map(|c| c.0).min().unwrap_or(0);
    corners.into_iter().find(|c| c.0 == best).map(|c| c.1).unwrap_or(SeriesLabelPosition::UpperRight)
}

fn derr<E: std::fmt::Display>(e: E) -> RenderError {
    RenderError::Draw(e.to_string())
}

/// Draw the plot as a PNG.
pub fn curve_plot(plot: &CurvePlot) -> Result<Vec<u8>, RenderError> {
    let (w, h) = plot.size;
    if w < 200 || h < 150 {
        return Err(RenderError::Invalid(format!("curve plot size {w}×{h} px is too small (at least 200×150)")));
    }
    let all: Vec<(f64, f64)> = plot.series.iter().flat_map(|s| s.points()).collect();
    let marks: Vec<(f64, f64)> =
        plot.markers.iter().map(|m| (m.0, m.1)).filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    if all.is_empty() {
        return Err(RenderError::Empty(format!("plot '{}' has no finite data point", plot.title)));
    }
    let pts = || all.iter().chain(&marks);
    let xr = padded_range(pts().map(|p| p.0), 0.03).ok_or_else(|| RenderError::Empty("no x values".into()))?;
    let yr = padded_range(pts().map(|p| p.1), 0.06).ok_or_else(|| RenderError::Empty("no y values".into()))?;
    let xp = units::display_prefix(xr.0, xr.1, &plot.x_unit);
    let yp = units::display_prefix(yr.0, yr.1, &plot.y_unit);

    let mut canvas = Canvas::new(w, h)?;
    {
        let backend = canvas.backend()?;
        let root = backend.into_drawing_area();
        draw_chart(&root, plot, &all, xr, yr, xp, yp)?;
        root.present().map_err(derr)?;
    }
    canvas.to_png()
}

fn draw_chart(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    plot: &CurvePlot,
    all: &[(f64, f64)],
    xr: (f64, f64),
    yr: (f64, f64),
    xp: SiPrefix,
    yp: SiPrefix,
) -> Result<(), RenderError> {
    let (sx, sy) = (1.0 / xp.factor, 1.0 / yp.factor);
    let (x0, x1, y0, y1) = (xr.0 * sx, xr.1 * sx, yr.0 * sy, yr.1 * sy);
    let text = rgb(TEXT_RGB);
    let mut chart = ChartBuilder::on(root)
        .caption(ellipsize(&plot.title, 80), font(19.0, true).color(&text))
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(76)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(derr)?;
    let xf = tick_format(x1 - x0);
    let yf = tick_format(y1 - y0);
    chart
        .configure_mesh()
        .x_desc(units::axis_label(&plot.x_label, xp, &plot.x_unit))
        .y_desc(units::axis_label(&plot.y_label, yp, &plot.y_unit))
        .axis_desc_style(font(15.0, false).color(&text))
        .label_style(font(13.0, false).color(&text))
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(RGBColor(244, 244, 244))
        .axis_style(RGBColor(60, 60, 60))
        .draw()
        .map_err(derr)?;

    if let Some((a, b)) = plot.shaded_x.filter(|(a, b)| a.is_finite() && b.is_finite()) {
        let (a, b) = ((a.min(b) * sx).max(x0), (a.max(b) * sx).min(x1));
        if b > a {
            let fill = rgb(SHADE_RGB).filled();
            chart
                .draw_series(std::iter::once(Rectangle::new([(a, y0), (b, y1)], fill)))
                .map_err(derr)?
                .label(plot.shaded_label.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], fill));
        }
    }

    // Measured series first, fits on top.
    let mut color_i = 0;
    for fit_pass in [false, true] {
        for s in plot.series.iter().filter(|s| (s.style == SeriesStyle::Fit) == fit_pass) {
            let pts: Vec<(f64, f64)> = s.points().map(|(x, y)| (x * sx, y * sy)).collect();
            let name = ellipsize(&s.name, 40);
            match s.style {
                SeriesStyle::Fit => {
                    let st = BLACK.stroke_width(2);
                    chart
                        .draw_series(LineSeries::new(pts, st))
                        .map_err(derr)?
                        .label(name)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], st));
                }
                SeriesStyle::Line => {
                    let c = rgb(PALETTE[color_i % PALETTE.len()]);
                    color_i += 1;
                    let st = c.stroke_width(2);
                    chart
                        .draw_series(LineSeries::new(pts, st))
                        .map_err(derr)?
                        .label(name)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], st));
                }
                SeriesStyle::Points => {
                    let c = rgb(PALETTE[color_i % PALETTE.len()]);
                    color_i += 1;
                    chart
                        .draw_series(pts.into_iter().map(|p| Circle::new(p, 2, c.filled())))
                        .map_err(derr)?
                        .label(name)
                        .legend(move |(x, y)| Circle::new((x + 9, y), 3, c.filled()));
                }
            }
        }
    }

    let mark = rgb(MARKER_RGB);
    for (x, y, label) in plot.markers.iter().filter(|m| m.0.is_finite() && m.1.is_finite()) {
        let label = ellipsize(label, 40);
        let el = EmptyElement::at((x * sx, y * sy))
            + Cross::new((0, 0), 6, mark.stroke_width(2))
            + Circle::new((0, 0), 7, mark.stroke_width(1))
            + Text::new(label, (10, -20), font(13.0, false).color(&mark));
        chart.draw_series(std::iter::once(el)).map_err(derr)?;
    }

    let scaled: Vec<(f64, f64)> = all.iter().map(|(x, y)| (x * sx, y * sy)).collect();
    let corner = emptiest_corner(&scaled, (x0, x1), (y0, y1), (0.3, 0.3));
    chart
        .configure_series_labels()
        .position(corner)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(150, 150, 150))
        .label_font(font(13.0, false).color(&text))
        .draw()
        .map_err(derr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_corners() {
        assert_eq!(padded_range([1.0, 3.0].into_iter(), 0.0), Some((1.0, 3.0)));
        assert_eq!(padded_range([f64::NAN].into_iter(), 0.1), None);
        let (a, b) = padded_range([2.0, 2.0].into_iter(), 0.1).unwrap();
        assert!(a < 2.0 && b > 2.0);
        // Data only in the upper right: the legend goes to the upper left.
        let pts = [(0.9, 0.9), (0.95, 0.8)];
        assert!(matches!(emptiest_corner(&pts, (0.0, 1.0), (0.0, 1.0), (0.3, 0.3)), SeriesLabelPosition::UpperLeft));
    }

    #[test]
    fn empty_plots_are_errors() {
        let mut p = CurvePlot::new("t", "Distance", "m", "Force", "N");
        assert!(matches!(curve_plot(&p), Err(RenderError::Empty(_))));
        p.series.push(Series::new("nan", vec![f64::NAN], vec![1.0], SeriesStyle::Line));
        assert!(curve_plot(&p).is_err());
        p.series.push(Series::new("one", vec![1e-9], vec![1e-9], SeriesStyle::Points));
        assert!(curve_plot(&p).is_ok());
    }
}
