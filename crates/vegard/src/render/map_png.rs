//! 2-D maps as PNG: the map (nearest-neighbour upscaled so a 25×25 force map is readable,
//! block-averaged when larger than the display), a colour bar labelled with quantity and
//! prefixed unit, a scale bar of a round physical length, a title and a one-line footnote
//! (colour map, limits, invalid pixel count). Invalid pixels are white, and so is a block
//! that is more than half invalid. [`map_thumbnail_png`] draws the map alone, small, for
//! index pages.
//!
//! Layout (all in pixels, see [`MapLayout`]):
//! ```text
//!  Title
//!  ┌──────────────┐  ┌─┐ 120
//!  │     map      │  │ │ 100   DMT modulus (MPa)  (rotated)
//!  └──────────────┘  └─┘  80
//!  ━━━━━ 1 µm
//!  viridis · full range · 12 of 625 pixels invalid (white)
//! ```

use crate::data::Image;

use super::RenderError;
use super::canvas::{Align, Canvas, FRAME_RGB, GREY_RGB, TEXT_RGB, ellipsize};
use super::colormap::{Colormap, INVALID_RGB};
use super::units;

/// How the colour scale's ends are chosen.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ColorLimits {
    /// Minimum to maximum of the valid pixels.
    Full,
    /// Percentiles (0–100) of the valid pixels, e.g. (1, 99): robust against a few outliers
    /// (failed fits) that would otherwise squeeze every other pixel into one colour.
    Percentiles(f64, f64),
    /// Fixed limits in SI units (to compare maps on one scale).
    Fixed(f64, f64),
}

/// How to draw a map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapStyle {
    /// Title above the map; `None`: the image name.
    pub title: Option<String>,
    /// Quantity on the colour bar ("DMT modulus"); `None`: the image name.
    pub quantity: Option<String>,
    pub colormap: Colormap,
    pub limits: ColorLimits,
    /// Make the limits symmetric about zero (±max |limit|), for signed data on a
    /// diverging map.
    pub symmetric: bool,
    /// Longest side of the map on screen, px (the map is scaled to about this size).
    pub map_px: u32,
    /// Draw a scale bar when the physical size is known.
    pub scale_bar: bool,
}

impl Default for MapStyle {
    fn default() -> Self {
        MapStyle {
            title: None,
            quantity: None,
            colormap: Colormap::Viridis,
            limits: ColorLimits::Full,
            symmetric: false,
            map_px: 420,
            scale_bar: true,
        }
    }
}

/// A scale bar: a black bar of `len_px` × `thickness` px at (x, y) standing for `length_m`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleBar {
    pub x: u32,
    pub y: u32,
    pub len_px: u32,
    pub thickness: u32,
    pub length_m: f64,
}

/// Where everything goes in a map picture. Source pixel (x, y) covers the display pixels
/// `map_x + [x·map_w/nx, (x+1)·map_w/nx)` (rounded down), likewise in y.
#[derive(Debug, Clone, PartialEq)]
pub struct MapLayout {
    pub width: u32,
    pub height: u32,
    pub map_x: u32,
    pub map_y: u32,
    pub map_w: u32,
    pub map_h: u32,
    pub colorbar_x: u32,
    pub colorbar_y: u32,
    pub colorbar_w: u32,
    pub colorbar_h: u32,
    pub scale_bar: Option<ScaleBar>,
    /// Colour limits used (SI): `lo` maps to the bottom of the colour bar, `hi` to its top.
    pub limits: (f64, f64),
}

impl MapLayout {
    /// Centre (screen x, y) of source pixel (x, y).
    pub fn pixel_center(&self, image: &Image, x: usize, y: usize) -> (u32, u32) {
        let sx = |i: usize, n: usize, d: u32| {
            let a = (i as u64 * d as u64).div_ceil(n as u64);
            let b = ((i as u64 + 1) * d as u64).div_ceil(n as u64);
            ((a + b.max(a + 1)) / 2) as u32
        };
        (
            self.map_x + sx(x, image.nx, self.map_w).min(self.map_w - 1),
            self.map_y + sx(y, image.ny, self.map_h).min(self.map_h - 1),
        )
    }
}

const PAD: u32 = 16;
const TITLE_H: u32 = 40;
const BAR_GAP: u32 = 18;
const BAR_W: u32 = 20;
const TICK_LEN: u32 = 5;
const LABEL_SIZE: f64 = 14.0;
const QUANTITY_SIZE: f64 = 15.0;
const TITLE_SIZE: f64 = 19.0;
const NOTE_SIZE: f64 = 12.0;
const MIN_BAR_H: u32 = 160;

/// The valid value at index i (mask true and finite).
fn valid(image: &Image, i: usize) -> Option<f64> {
    match (image.mask.get(i), image.data.get(i)) {
        (Some(true), Some(v)) if v.is_finite() => Some(*v),
        _ => None,
    }
}

fn check(image: &Image) -> Result<(), RenderError> {
    let n = image.nx.checked_mul(image.ny).ok_or_else(|| RenderError::Invalid("map size overflows".into()))?;
    if n == 0 {
        return Err(RenderError::Invalid(format!("map '{}' is {}×{} pixels", image.name, image.nx, image.ny)));
    }
    if image.data.len() != n || image.mask.len() != n {
        return Err(RenderError::Invalid(format!(
            "map '{}' is {}×{} but holds {} values and {} mask entries",
            image.name,
            image.nx,
            image.ny,
            image.data.len(),
            image.mask.len()
        )));
    }
    Ok(())
}

/// Percentile `p` (0–100) of sorted values, linear between order statistics
/// (Hyndman & Fan 1996 definition 7, numpy's default).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let p = p.clamp(0.0, 100.0) / 100.0;
    let h = p * (sorted.len() - 1) as f64;
    let (i, f) = (h.floor() as usize, h - h.floor());
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + f * (next - sorted[i]),
        None => sorted[i],
    }
}

/// The colour limits (lo < hi, both finite) for `image`. With no valid pixel the limits
/// are (0, 1); a constant map gets a small range around its value so it shows the middle
/// colour instead of dividing by zero.
pub fn color_limits(image: &Image, limits: &ColorLimits, symmetric: bool) -> (f64, f64) {
    let mut vals: Vec<f64> = (0..image.data.len().min(image.mask.len())).filter_map(|i| valid(image, i)).collect();
    let (mut lo, mut hi) = match *limits {
        ColorLimits::Fixed(a, b) if a.is_finite() && b.is_finite() && a != b => (a.min(b), a.max(b)),
        _ if vals.is_empty() => (0.0, 1.0),
        ColorLimits::Percentiles(a, b) if a.is_finite() && b.is_finite() => {
            vals.sort_by(f64::total_cmp);
            (percentile(&vals, a.min(b)), percentile(&vals, a.max(b)))
        }
        _ => vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v))),
    };
    if symmetric {
        let m = lo.abs().max(hi.abs());
        (lo, hi) = (-m, m);
    }
    if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()) || !(hi - lo).is_finite() {
        let c = 0.5 * (lo + hi);
        let half = if c == 0.0 || !c.is_finite() { 1.0 } else { 0.05 * c.abs() };
        let c = if c.is_finite() { c } else { 0.0 };
        (lo, hi) = (c - half, c + half);
    }
    (lo, hi)
}

/// The shortest displayed side, px: a 300×2 line of curves is stretched to this so it
/// stays visible (the footnote then says the map is not to scale).
const MIN_SIDE: u32 = 24;

/// Displayed map size: integer nearest-neighbour magnification for square pixels that fit
/// at least once; otherwise the physical aspect ratio fitted into `map_px`; never thinner
/// than [`MIN_SIDE`].
fn display_size(image: &Image, map_px: u32) -> (u32, u32) {
    let (w, h) = display_size_to_scale(image, map_px);
    (w.max(MIN_SIDE), h.max(MIN_SIDE))
}

fn display_size_to_scale(image: &Image, map_px: u32) -> (u32, u32) {
    let target = map_px.clamp(16, 4000) as f64;
    let (nx, ny) = (image.nx as f64, image.ny as f64);
    let aspect = match image.size_m {
        Some((lx, ly)) if lx > 0.0 && ly > 0.0 && lx.is_finite() && ly.is_finite() => lx / ly,
        _ => nx / ny,
    };
    let square_pixels = ((aspect / (nx / ny)) - 1.0).abs() < 1e-3;
    let k = (target / nx.max(ny)).floor();
    if square_pixels && k >= 1.0 {
        return ((nx * k) as u32, (ny * k) as u32);
    }
    if aspect >= 1.0 {
        (target as u32, ((target / aspect).round() as u32).max(1))
    } else {
        (((target * aspect).round() as u32).max(1), target as u32)
    }
}

/// Source index range [lo, hi) shown by display pixel `d` of `dn` along an axis of `n`.
fn source_range(d: u32, dn: u32, n: usize) -> (usize, usize) {
    let lo = (d as u64 * n as u64 / dn as u64) as usize;
    let hi = ((d as u64 + 1) * n as u64 / dn as u64) as usize;
    (lo.min(n - 1), hi.max(lo + 1).min(n))
}

/// A physical size we can use for a scale bar.
fn physical_size(image: &Image) -> Option<(f64, f64)> {
    image.size_m.filter(|(x, y)| x.is_finite() && y.is_finite() && *x > 0.0 && *y > 0.0)
}

struct Texts {
    title: String,
    quantity_label: String,
    /// Screen x of the (rotated) quantity label's centre line, next to the tick labels.
    quantity_x: u32,
    tick_labels: Vec<(f64, String)>,
    scale_label: String,
    note: String,
}

fn texts(image: &Image, style: &MapStyle, limits: (f64, f64), scale_len: Option<f64>, downsampled: bool) -> Texts {
    let title = ellipsize(style.title.as_deref().unwrap_or(&image.name), 90);
    let quantity = ellipsize(style.quantity.as_deref().unwrap_or(&image.name), 60);
    let prefix = units::display_prefix(limits.0, limits.1, &image.unit);
    let quantity_label = units::axis_label(&quantity, prefix, &ellipsize(&image.unit, 16));
    let (lo, hi) = (limits.0 / prefix.factor, limits.1 / prefix.factor);
    let step = units::nice_step(hi - lo, 5);
    let dec = units::decimals_for_step(step);
    let tick_labels =
        units::ticks(lo, hi, step).into_iter().map(|v| (v * prefix.factor, units::format_fixed(v, dec))).collect();
    let scale_label = scale_len.map(|l| units::format_quantity(l, "m")).unwrap_or_default();
    let n = image.nx * image.ny;
    let n_invalid = (0..n).filter(|&i| valid(image, i).is_none()).count();
    let limits_txt = match style.limits {
        ColorLimits::Full => "full range".to_string(),
        ColorLimits::Percentiles(a, b) => format!("{}–{} percentile", units::format_sig(a, 3), units::format_sig(b, 3)),
        ColorLimits::Fixed(..) => "fixed limits".to_string(),
    };
    let mut note = format!("{} · {}×{} px · {limits_txt}", style.colormap.name(), image.nx, image.ny);
    if style.symmetric {
        note.push_str(", symmetric");
    }
    if n_invalid == n {
        note.push_str(" · no valid pixel");
    } else if n_invalid > 0 {
        note.push_str(&format!(" · {n_invalid} of {n} pixels invalid (white)"));
    }
    if downsampled {
        note.push_str(" · shown block-averaged");
    }
    if display_size(image, style.map_px) != display_size_to_scale(image, style.map_px) {
        note.push_str(" · stretched, not to scale");
    }
    if physical_size(image).is_none() {
        note.push_str(" · physical size unknown");
    }
    Texts { title, quantity_label, quantity_x: 0, tick_labels, scale_label, note }
}

/// Compute the layout (and the texts that determine its width).
fn layout_and_texts(image: &Image, style: &MapStyle) -> Result<(MapLayout, Texts), RenderError> {
    check(image)?;
    let limits = color_limits(image, &style.limits, style.symmetric);
    let (map_w, map_h) = display_size(image, style.map_px);
    let downsampled = (map_w as usize) < image.nx || (map_h as usize) < image.ny;
    let scale_len = physical_size(image).filter(|_| style.scale_bar).map(|(lx, _)| units::nice_length(0.3 * lx));
    let mut t = texts(image, style, limits, scale_len, downsampled);

    let probe = Canvas::new(1, 1)?;
    let mut label_w = 0;
    for (_, s) in &t.tick_labels {
        label_w = label_w.max(probe.text_size(s, LABEL_SIZE, false)?.0);
    }
    let (qty_w, _) = probe.text_size(&t.quantity_label, QUANTITY_SIZE, false)?;
    let (title_w, _) = probe.text_size(&t.title, TITLE_SIZE, true)?;
    let (note_w, _) = probe.text_size(&t.note, NOTE_SIZE, false)?;

    let map_x = PAD;
    let map_y = TITLE_H;
    let colorbar_h = map_h.max(MIN_BAR_H);
    // The quantity label runs along the colour bar; a long one makes the bar taller.
    let colorbar_h = colorbar_h.max(qty_w + 10);
    let colorbar_x = map_x + map_w + BAR_GAP;
    let colorbar_y = map_y;
    let right = colorbar_x + BAR_W + TICK_LEN + 4 + label_w + 12 + (QUANTITY_SIZE as u32 + 4) + PAD;
    // Right after the tick labels (not at the picture's edge, which a long footnote or title
    // can push far away).
    t.quantity_x = right - PAD - (QUANTITY_SIZE as u32) / 2 - 2;
    let width = right.max(PAD + title_w + PAD).max(PAD + note_w + PAD);

    let below = map_y + map_h.max(colorbar_h) + 16;
    let scale_bar = match (scale_len, physical_size(image)) {
        (Some(len), Some((lx, _))) if len > 0.0 => Some(ScaleBar {
            x: map_x,
            y: below,
            len_px: (len / lx * map_w as f64).round() as u32,
            thickness: 5,
            length_m: len,
        }),
        _ => None,
    };
    let note_y = below + if scale_bar.is_some() { 24 } else { 0 };
    let height = note_y + 24;
    let layout = MapLayout {
        width,
        height,
        map_x,
        map_y,
        map_w,
        map_h,
        colorbar_x,
        colorbar_y,
        colorbar_w: BAR_W,
        colorbar_h,
        scale_bar,
        limits,
    };
    Ok((layout, t))
}

/// The layout [`map_png`] uses for this image and style (for tests and for placing
/// annotations).
pub fn map_layout(image: &Image, style: &MapStyle) -> Result<MapLayout, RenderError> {
    layout_and_texts(image, style).map(|(l, _)| l)
}

/// Colour of one display pixel showing the source block [x0, x1) × [y0, y1): white
/// ([`INVALID_RGB`]) when more than half of the block is invalid, else the colour of the mean
/// of its valid pixels (one source pixel when magnifying: white exactly when it is invalid).
fn block_color(
    image: &Image,
    (x0, x1): (usize, usize),
    (y0, y1): (usize, usize),
    limits: (f64, f64),
    cm: Colormap,
) -> [u8; 3] {
    let (mut mean, mut n_valid, mut n) = (0.0, 0u32, 0u32);
    for y in y0..y1 {
        for x in x0..x1 {
            n += 1;
            if let Some(v) = valid(image, y * image.nx + x) {
                n_valid += 1;
                // Running mean: no overflow from summing many large values.
                mean += (v - mean) / n_valid as f64;
            }
        }
    }
    if n_valid == 0 || 2 * (n - n_valid) > n {
        return INVALID_RGB;
    }
    cm.map((mean - limits.0) / (limits.1 - limits.0))
}

/// Draw the map into the `w`×`h` rectangle at (x, y) of `c`: display pixel (dx, dy) shows
/// the source block [`source_range`] gives (nearest neighbour when magnifying, block
/// average when reducing; see [`block_color`]).
fn draw_map_pixels(
    c: &mut Canvas,
    image: &Image,
    (x, y, w, h): (u32, u32, u32, u32),
    limits: (f64, f64),
    cm: Colormap,
) {
    let col_ranges: Vec<(usize, usize)> = (0..w).map(|d| source_range(d, w, image.nx)).collect();
    // An upscaled map repeats each source pixel over many screen pixels: compute the colour
    // once per distinct (rows, cols) block and reuse it along the row and down the column.
    let mut row_colors: Vec<[u8; 3]> = Vec::with_capacity(w as usize);
    let mut last_rows = None;
    for dy in 0..h {
        let rows = source_range(dy, h, image.ny);
        if last_rows != Some(rows) {
            row_colors.clear();
            let mut last: Option<((usize, usize), [u8; 3])> = None;
            for &cols in &col_ranges {
                let color = match last {
                    Some((c0, col)) if c0 == cols => col,
                    _ => block_color(image, cols, rows, limits, cm),
                };
                last = Some((cols, color));
                row_colors.push(color);
            }
            last_rows = Some(rows);
        }
        for (dx, &color) in row_colors.iter().enumerate() {
            c.set((x + dx as u32) as i64, (y + dy) as i64, color);
        }
    }
}

/// Longest side of a thumbnail, px: at least this ...
const THUMB_MIN: u32 = 16;
/// ... and at most this.
const THUMB_MAX: u32 = 2000;

/// Size of the map inside a thumbnail of `px` (1-px frame included) on its longest side:
/// the physical aspect ratio (pixel grid when unknown), the short side at least
/// [`MIN_SIDE`] (or the long side, if shorter).
fn thumbnail_map_size(image: &Image, px: u32) -> (u32, u32) {
    let long = px - 2;
    let (nx, ny) = (image.nx as f64, image.ny as f64);
    let aspect = match physical_size(image) {
        Some((lx, ly)) => lx / ly,
        None => nx / ny,
    };
    let short = |a: f64| ((long as f64 * a).round() as u32).clamp(MIN_SIDE.min(long), long);
    if aspect >= 1.0 { (long, short(1.0 / aspect)) } else { (short(aspect), long) }
}

/// A thumbnail of `image` for index pages: only the map, with the colours and limits
/// [`map_png`] uses for `style` (invalid pixels white, blocks more than half invalid
/// white), scaled so its longest side including a 1-px frame is `px` (16–2000) px; no text.
pub fn map_thumbnail_png(image: &Image, style: &MapStyle, px: u32) -> Result<Vec<u8>, RenderError> {
    check(image)?;
    if !(THUMB_MIN..=THUMB_MAX).contains(&px) {
        return Err(RenderError::Invalid(format!("thumbnail size {px} px out of range {THUMB_MIN}–{THUMB_MAX}")));
    }
    let limits = color_limits(image, &style.limits, style.symmetric);
    let (w, h) = thumbnail_map_size(image, px);
    let mut c = Canvas::new(w + 2, h + 2)?;
    draw_map_pixels(&mut c, image, (1, 1, w, h), limits, style.colormap);
    c.frame_around(1, 1, w as i64, h as i64, FRAME_RGB);
    c.to_png()
}

/// Draw `image` as a PNG.
pub fn map_png(image: &Image, style: &MapStyle) -> Result<Vec<u8>, RenderError> {
    let (l, t) = layout_and_texts(image, style)?;
    let mut c = Canvas::new(l.width, l.height)?;
    let (lo, hi) = l.limits;
    let cm = style.colormap;
    draw_map_pixels(&mut c, image, (l.map_x, l.map_y, l.map_w, l.map_h), l.limits, style.colormap);
    c.frame_around(l.map_x as i64, l.map_y as i64, l.map_w as i64, l.map_h as i64, FRAME_RGB);

    // Colour bar: row r (from the top) shows the colour of t = 1 − (r + ½)/h.
    for r in 0..l.colorbar_h {
        let tv = 1.0 - (r as f64 + 0.5) / l.colorbar_h as f64;
        let color = cm.map(tv);
        c.fill_rect(l.colorbar_x as i64, (l.colorbar_y + r) as i64, l.colorbar_w as i64, 1, color);
    }
    c.frame_around(l.colorbar_x as i64, l.colorbar_y as i64, l.colorbar_w as i64, l.colorbar_h as i64, FRAME_RGB);
    let tick_x = l.colorbar_x + l.colorbar_w + 1;
    for (v, s) in &t.tick_labels {
        let frac = (v - lo) / (hi - lo);
        let y = l.colorbar_y as f64 + (1.0 - frac) * l.colorbar_h as f64;
        let y = (y.round() as i64).clamp(l.colorbar_y as i64, (l.colorbar_y + l.colorbar_h) as i64 - 1);
        c.fill_rect(tick_x as i64, y, TICK_LEN as i64, 1, FRAME_RGB);
        c.text((tick_x + TICK_LEN + 4) as i32, y as i32, s, LABEL_SIZE, false, Align::Left, TEXT_RGB, false)?;
    }
    let qty_y = l.colorbar_y + l.colorbar_h / 2;
    c.text(t.quantity_x as i32, qty_y as i32, &t.quantity_label, QUANTITY_SIZE, false, Align::Center, TEXT_RGB, true)?;

    // Title, scale bar, footnote.
    c.text(l.map_x as i32, (TITLE_H / 2) as i32, &t.title, TITLE_SIZE, true, Align::Left, TEXT_RGB, false)?;
    if let Some(sb) = l.scale_bar {
        c.fill_rect(sb.x as i64, sb.y as i64, sb.len_px as i64, sb.thickness as i64, [0, 0, 0]);
        let ty = (sb.y + sb.thickness / 2) as i32;
        c.text((sb.x + sb.len_px + 8) as i32, ty, &t.scale_label, LABEL_SIZE, false, Align::Left, TEXT_RGB, false)?;
    }
    let note_y = l.height - 14;
    c.text(l.map_x as i32, note_y as i32, &t.note, NOTE_SIZE, false, Align::Left, GREY_RGB, false)?;
    c.to_png()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn ramp(nx: usize, ny: usize) -> Image {
        let mut im = Image::new("ramp", "Pa", nx, ny);
        for y in 0..ny {
            for x in 0..nx {
                im.set(x, y, (x + y * nx) as f64, true);
            }
        }
        im
    }

    #[test]
    fn limits_cover_edge_cases() {
        let mut im = ramp(10, 10);
        assert_eq!(color_limits(&im, &ColorLimits::Full, false), (0.0, 99.0));
        let (lo, hi) = color_limits(&im, &ColorLimits::Percentiles(10.0, 90.0), false);
        assert!((lo - 9.9).abs() < 1e-9 && (hi - 89.1).abs() < 1e-9, "{lo} {hi}");
        assert_eq!(color_limits(&im, &ColorLimits::Fixed(5.0, 2.0), false), (2.0, 5.0));
        assert_eq!(color_limits(&im, &ColorLimits::Full, true), (-99.0, 99.0));
        im.data.iter_mut().for_each(|v| *v = 7.0);
        let (lo, hi) = color_limits(&im, &ColorLimits::Full, false);
        assert!(lo < 7.0 && hi > 7.0);
        let empty = Image::new("e", "Pa", 3, 3);
        assert_eq!(color_limits(&empty, &ColorLimits::Percentiles(1.0, 99.0), false), (0.0, 1.0));
    }

    #[test]
    fn display_sizes() {
        assert_eq!(display_size(&ramp(25, 25), 420), (400, 400));
        assert_eq!(display_size(&ramp(1, 1), 420), (420, 420));
        assert_eq!(display_size(&ramp(1000, 500), 420), (420, 210));
        assert_eq!(display_size(&ramp(300, 2), 420), (300, 24));
        let mut im = ramp(10, 10);
        im.size_m = Some((2e-6, 1e-6));
        assert_eq!(display_size(&im, 400), (400, 200));
    }

    #[test]
    fn source_ranges_tile_the_axis() {
        for (dn, n) in [(400u32, 25usize), (420, 1000), (7, 7), (420, 421)] {
            let mut covered = vec![0; n];
            for d in 0..dn {
                let (a, b) = source_range(d, dn, n);
                assert!(a < b && b <= n);
                for c in &mut covered[a..b] {
                    *c += 1;
                }
            }
            assert!(covered.iter().all(|&c| c >= 1), "dn {dn} n {n}");
        }
    }

    #[test]
    fn inconsistent_images_are_errors_not_panics() {
        let mut im = ramp(3, 3);
        im.data.pop();
        assert!(matches!(map_png(&im, &MapStyle::default()), Err(RenderError::Invalid(_))));
        let im = Image::new("zero", "Pa", 0, 5);
        assert!(map_png(&im, &MapStyle::default()).is_err());
    }

    /// Ticks are numbers with at most 4 significant digits in [0.1, 1000) (or 0).
    pub(crate) fn assert_readable_ticks(labels: &[String]) {
        assert!(labels.len() >= 2, "{labels:?}");
        for s in labels {
            let v: f64 = s.replace('−', "-").parse().unwrap_or_else(|_| panic!("tick label '{s}'"));
            assert!(v == 0.0 || (0.1..1000.0).contains(&v.abs()), "tick label '{s}' out of [0.1, 1000)");
            let digits = s.trim_start_matches('−').replace('.', "").trim_start_matches('0').len();
            assert!(digits <= 4, "tick label '{s}' has more than 4 significant digits");
        }
    }

    fn linear(name: &str, unit: &str, lo: f64, hi: f64) -> Image {
        let mut im = Image::new(name, unit, 11, 11);
        for i in 0..121 {
            im.data[i] = lo + (hi - lo) * i as f64 / 120.0;
            im.mask[i] = true;
        }
        im
    }

    #[test]
    fn colour_bar_ticks_use_a_fitting_prefix() {
        for (name, unit, lo, hi, want) in [
            ("Dissipation", "J", 1e-17, 3e-17, &["aJ"][..]),
            ("Adhesion", "N", 2e-9, 4e-9, &["nN"][..]),
            ("DMT modulus", "Pa", 2e8, 2e9, &["MPa", "GPa"][..]),
            ("Height", "m", -3e-9, 5e-9, &["nm"][..]),
            ("Stiffness", "N/m", 0.02, 0.4, &["mN/m"][..]),
        ] {
            let im = linear(name, unit, lo, hi);
            let style = MapStyle::default();
            let (l, t) = layout_and_texts(&im, &style).unwrap();
            assert!(want.iter().any(|u| t.quantity_label == format!("{name} ({u})")), "{}", t.quantity_label);
            let labels: Vec<String> = t.tick_labels.iter().map(|(_, s)| s.clone()).collect();
            assert_readable_ticks(&labels);
            // Tick positions (SI) lie within the limits.
            let tol = 1e-9 * (l.limits.1 - l.limits.0);
            assert!(t.tick_labels.iter().all(|(v, _)| *v >= l.limits.0 - tol && *v <= l.limits.1 + tol));
            if unit == "J" {
                assert_eq!(labels.first().map(String::as_str), Some("10"), "{labels:?}");
                assert_eq!(labels.last().map(String::as_str), Some("30"), "{labels:?}");
                assert!(labels.contains(&"20".to_string()), "{labels:?}");
            }
        }
    }

    #[test]
    fn blocks_more_than_half_invalid_are_white() {
        // 4×2 source pixels shown as 2×1 display pixels: blocks of 2×2.
        let mut im = Image::new("b", "Pa", 4, 2);
        im.data = vec![10.0, 20.0, 1.0, 3.0, 30.0, 40.0, 5.0, 7.0];
        im.mask = vec![true; 8];
        let cm = Colormap::Viridis;
        let lim = (0.0, 40.0);
        let colour = |im: &Image, bx: usize| block_color(im, (2 * bx, 2 * bx + 2), (0, 2), lim, cm);
        assert_eq!(colour(&im, 0), cm.map(25.0 / 40.0));
        // One of four invalid (NaN although the mask says valid): mean of the other three.
        im.data[0] = f64::NAN;
        assert_eq!(colour(&im, 0), cm.map(30.0 / 40.0));
        // Exactly half invalid: still the mean of the valid half.
        im.mask[1] = false;
        assert_eq!(colour(&im, 0), cm.map(35.0 / 40.0));
        // More than half invalid: white, never a dark or averaged colour.
        im.mask[4] = false;
        assert_eq!(colour(&im, 0), INVALID_RGB);
        im.data[5] = f64::INFINITY;
        assert_eq!(colour(&im, 0), INVALID_RGB);
        assert_eq!(colour(&im, 1), cm.map(4.0 / 40.0));
    }

    #[test]
    fn thumbnail_sizes() {
        assert_eq!(thumbnail_map_size(&ramp(25, 25), 160), (158, 158));
        assert_eq!(thumbnail_map_size(&ramp(2000, 1500), 160), (158, 119));
        assert_eq!(thumbnail_map_size(&ramp(300, 2), 160), (158, 24));
        let mut tall = ramp(10, 10);
        tall.size_m = Some((1e-6, 4e-6));
        assert_eq!(thumbnail_map_size(&tall, 100), (25, 98));
        assert!(map_thumbnail_png(&ramp(5, 5), &MapStyle::default(), 4).is_err());
        assert!(map_thumbnail_png(&ramp(5, 5), &MapStyle::default(), 16).is_ok());
    }
}
