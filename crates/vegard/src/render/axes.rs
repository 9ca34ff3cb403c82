//! Cartesian axes for x–y pictures (curve plots, histograms): SI-prefixed axis labels,
//! 1-2-5 ticks, a light grid, the frame, the title and a legend placed in the corner
//! where it hides the fewest data points.

use super::RenderError;
use super::canvas::{Align, Canvas, Clip, FRAME_RGB, TEXT_RGB, ellipsize};
use super::units;
use crate::units::SiPrefix;

const TITLE_SIZE: f64 = 19.0;
const LABEL_SIZE: f64 = 15.0;
const TICK_SIZE: f64 = 13.0;
const LEGEND_SIZE: f64 = 13.0;
const GRID_RGB: [u8; 3] = [228, 228, 228];

/// One axis: range and ticks in display units (SI value / prefix factor).
pub(crate) struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub prefix: SiPrefix,
    pub ticks: Vec<(f64, String)>,
    pub label: String,
}

impl Axis {
    /// An axis over the SI range `lo..hi` for `quantity` in `unit`, about `n_ticks` ticks.
    pub fn new(lo: f64, hi: f64, quantity: &str, unit: &str, n_ticks: usize) -> Axis {
        let prefix = units::display_prefix(lo, hi, unit);
        let (lo, hi) = (lo / prefix.factor, hi / prefix.factor);
        let step = units::nice_step(hi - lo, n_ticks);
        let dec = units::decimals_for_step(step);
        let ticks = units::ticks(lo, hi, step).into_iter().map(|v| (v, units::format_fixed(v, dec))).collect();
        Axis { lo, hi, prefix, ticks, label: units::axis_label(&ellipsize(quantity, 50), prefix, &ellipsize(unit, 16)) }
    }

    /// An axis with no unit or prefix (counts).
    pub fn plain(lo: f64, hi: f64, label: &str, n_ticks: usize) -> Axis {
        Axis::new(lo, hi, label, "", n_ticks)
    }
}

/// What a legend entry shows next to its name.
#[derive(Clone, Copy)]
pub(crate) enum Sample {
    Line([u8; 3], u32),
    Dot([u8; 3]),
    Band([u8; 3]),
}

/// A chart: the plot rectangle in pixels and its two axes.
pub(crate) struct Chart {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub x: Axis,
    pub y: Axis,
    title: String,
}

impl Chart {
    /// Lay out a chart on `canvas`, leaving room for the title, tick labels and axis labels.
    pub fn new(canvas: &Canvas, title: &str, x: Axis, y: Axis) -> Result<Chart, RenderError> {
        let title = ellipsize(title, 90);
        let (_, th) = canvas.text_size(&title, TITLE_SIZE, true)?;
        let (_, lh) = canvas.text_size(&x.label, LABEL_SIZE, false)?;
        let (_, tick_h) = canvas.text_size("0", TICK_SIZE, false)?;
        let mut ytick_w = 0;
        for (_, s) in &y.ticks {
            ytick_w = ytick_w.max(canvas.text_size(s, TICK_SIZE, false)?.0);
        }
        let left = 14.0 + lh as f64 + 10.0 + ytick_w as f64 + 10.0;
        let top = 14.0 + th as f64 + 14.0;
        let bottom = canvas.h as f64 - (12.0 + lh as f64 + 8.0 + tick_h as f64 + 8.0);
        let right = canvas.w as f64 - 24.0;
        if right - left < 50.0 || bottom - top < 50.0 {
            return Err(RenderError::Invalid(format!(
                "picture {}×{} px leaves no room for the plot",
                canvas.w, canvas.h
            )));
        }
        Ok(Chart { left, top, right, bottom, x, y, title })
    }

    /// Screen position of an SI point.
    pub fn px(&self, (vx, vy): (f64, f64)) -> (f64, f64) {
        let fx = (vx / self.x.prefix.factor - self.x.lo) / (self.x.hi - self.x.lo);
        let fy = (vy / self.y.prefix.factor - self.y.lo) / (self.y.hi - self.y.lo);
        (self.left + fx * (self.right - self.left), self.bottom - fy * (self.bottom - self.top))
    }

    pub fn clip(&self) -> Clip {
        Clip { x0: self.left, y0: self.top, x1: self.right + 1.0, y1: self.bottom + 1.0 }
    }

    fn x_px(&self, v: f64) -> f64 {
        self.left + (v - self.x.lo) / (self.x.hi - self.x.lo) * (self.right - self.left)
    }

    fn y_px(&self, v: f64) -> f64 {
        self.bottom - (v - self.y.lo) / (self.y.hi - self.y.lo) * (self.bottom - self.top)
    }

    /// Light grid lines at the ticks (draw first).
    pub fn draw_grid(&self, c: &mut Canvas) {
        let clip = self.clip();
        for (v, _) in &self.x.ticks {
            let x = self.x_px(*v).round();
            c.line((x, self.top), (x, self.bottom), 1, clip, GRID_RGB);
        }
        for (v, _) in &self.y.ticks {
            let y = self.y_px(*v).round();
            c.line((self.left, y), (self.right, y), 1, clip, GRID_RGB);
        }
    }

    /// Frame, tick marks, tick labels, axis labels and title (draw after the data).
    pub fn draw_axes(&self, c: &mut Canvas) -> Result<(), RenderError> {
        let (l, t, r, b) =
            (self.left.round() as i64, self.top.round() as i64, self.right.round() as i64, self.bottom.round() as i64);
        c.fill_rect(l, t, r - l + 1, 1, FRAME_RGB);
        c.fill_rect(l, b, r - l + 1, 1, FRAME_RGB);
        c.fill_rect(l, t, 1, b - t + 1, FRAME_RGB);
        c.fill_rect(r, t, 1, b - t + 1, FRAME_RGB);
        let (_, tick_h) = c.text_size("0", TICK_SIZE, false)?;
        for (v, s) in &self.x.ticks {
            let x = self.x_px(*v).round() as i64;
            c.fill_rect(x, b + 1, 1, 5, FRAME_RGB);
            c.text(x as i32, (b + 8) as i32 + tick_h as i32 / 2, s, TICK_SIZE, false, Align::Center, TEXT_RGB, false)?;
        }
        for (v, s) in &self.y.ticks {
            let y = self.y_px(*v).round() as i64;
            c.fill_rect(l - 5, y, 5, 1, FRAME_RGB);
            c.text((l - 9) as i32, y as i32, s, TICK_SIZE, false, Align::Right, TEXT_RGB, false)?;
        }
        let (_, lh) = c.text_size(&self.x.label, LABEL_SIZE, false)?;
        let xl_y = b as i32 + 8 + tick_h as i32 + 8 + lh as i32 / 2;
        c.text(((l + r) / 2) as i32, xl_y, &self.x.label, LABEL_SIZE, false, Align::Center, TEXT_RGB, false)?;
        c.text(
            14 + lh as i32 / 2,
            ((t + b) / 2) as i32,
            &self.y.label,
            LABEL_SIZE,
            false,
            Align::Center,
            TEXT_RGB,
            true,
        )?;
        let (_, th) = c.text_size(&self.title, TITLE_SIZE, true)?;
        c.text(
            ((l + r) / 2) as i32,
            14 + th as i32 / 2,
            &self.title,
            TITLE_SIZE,
            true,
            Align::Center,
            TEXT_RGB,
            false,
        )?;
        Ok(())
    }

    /// Draw a legend in the corner of the plot that covers the fewest of `pts_px`.
    pub fn draw_legend(
        &self,
        c: &mut Canvas,
        entries: &[(Sample, String)],
        pts_px: &[(f64, f64)],
    ) -> Result<(), RenderError> {
        if entries.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = entries.iter().map(|(_, n)| ellipsize(n, 40)).collect();
        let mut name_w = 0;
        for n in &names {
            name_w = name_w.max(c.text_size(n, LEGEND_SIZE, false)?.0);
        }
        let row = 20.0;
        let (w, h) = (8.0 + 24.0 + 6.0 + name_w as f64 + 8.0, 6.0 + row * entries.len() as f64 + 2.0);
        let m = 8.0;
        let corners = [
            (self.right - m - w, self.top + m),
            (self.left + m, self.top + m),
            (self.right - m - w, self.bottom - m - h),
            (self.left + m, self.bottom - m - h),
        ];
        let hidden = |(x0, y0): (f64, f64)| {
            pts_px
                .iter()
                .filter(|(x, y)| *x >= x0 - 4.0 && *x <= x0 + w + 4.0 && *y >= y0 - 4.0 && *y <= y0 + h + 4.0)
                .count()
        };
        // First minimum wins: upper right is preferred on a tie.
        let (x0, y0) = corners.iter().copied().min_by_key(|&p| hidden(p)).unwrap_or(corners[0]);
        let (xi, yi) = (x0.round() as i64, y0.round() as i64);
        c.fill_rect(xi, yi, w as i64, h as i64, [255, 255, 255]);
        c.frame_around(xi, yi, w as i64, h as i64, [160, 160, 160]);
        for (k, ((sample, _), name)) in entries.iter().zip(&names).enumerate() {
            let cy = y0 + 4.0 + row * (k as f64 + 0.5);
            let sx = x0 + 8.0;
            let full = c.full_clip();
            match *sample {
                Sample::Line(col, width) => c.line((sx, cy), (sx + 24.0, cy), width, full, col),
                Sample::Dot(col) => c.disc((sx + 12.0, cy), 3.5, full, col),
                Sample::Band(col) => c.fill_rect_f((sx, cy - 6.0), (sx + 24.0, cy + 7.0), full, col),
            }
            c.text((sx + 30.0) as i32, cy.round() as i32, name, LEGEND_SIZE, false, Align::Left, TEXT_RGB, false)?;
        }
        Ok(())
    }
}

/// Padded finite range of `values`; a degenerate range is widened so axes can be drawn.
pub(crate) fn padded_range(values: impl Iterator<Item = f64>, pad_frac: f64) -> Option<(f64, f64)> {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(padded_range([1.0, 3.0].into_iter(), 0.0), Some((1.0, 3.0)));
        assert_eq!(padded_range([f64::NAN].into_iter(), 0.1), None);
        let (a, b) = padded_range([2.0, 2.0].into_iter(), 0.1).unwrap();
        assert!(a < 2.0 && b > 2.0);
    }

    #[test]
    fn axis_scales_to_prefix() {
        let a = Axis::new(-40e-9, 100e-9, "Indentation", "m", 6);
        assert_eq!(a.label, "Indentation (nm)");
        assert!((a.lo + 40.0).abs() < 1e-9 && (a.hi - 100.0).abs() < 1e-9);
        assert!(a.ticks.iter().any(|(v, s)| *v == 0.0 && s == "0"));
    }
}
