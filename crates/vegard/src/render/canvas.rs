//! An RGB pixel buffer with text (DejaVu Sans through plotters' ab_glyph renderer) and a
//! deterministic PNG encoder. Shared by the map, curve and histogram pictures.
//!
//! The fonts are the DejaVu files compiled into the binary (the `dejavu` crate), never
//! system fonts, so a picture comes out byte-identical on every machine.

use std::sync::OnceLock;

use plotters::backend::RGBPixel;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform};

use super::RenderError;

/// The font family name under which the embedded DejaVu Sans is registered.
pub(crate) const FONT: &str = "vegard-dejavu-sans";

pub(crate) const TEXT_RGB: [u8; 3] = [25, 25, 25];
pub(crate) const GREY_RGB: [u8; 3] = [90, 90, 90];
pub(crate) const FRAME_RGB: [u8; 3] = [60, 60, 60];

/// Register the embedded fonts once per process.
pub(crate) fn ensure_fonts() -> Result<(), RenderError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok { Ok(()) } else { Err(RenderError::Font("embedded DejaVu Sans could not be parsed".into())) }
}

/// A text style in the embedded font.
pub(crate) fn font(size: f64, bold: bool) -> FontDesc<'static> {
    let style = if bold { FontStyle::Bold } else { FontStyle::Normal };
    FontDesc::new(FontFamily::Name(FONT), size, style)
}

pub(crate) fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Horizontal anchor of a text.
#[derive(Clone, Copy)]
pub(crate) enum Align {
    Left,
    Center,
}

/// A white RGB canvas.
pub(crate) struct Canvas {
    pub w: u32,
    pub h: u32,
    pub rgb: Vec<u8>,
}

impl Canvas {
    pub fn new(w: u32, h: u32) -> Result<Canvas, RenderError> {
        ensure_fonts()?;
        // Pictures are for people: refuse sizes no screen or report needs (and that would
        // allocate gigabytes).
        if w == 0 || h == 0 || w > 20_000 || h > 20_000 {
            return Err(RenderError::Invalid(format!("picture size {w}×{h} px out of range")));
        }
        Ok(Canvas { w, h, rgb: vec![255; w as usize * h as usize * 3] })
    }

    /// Set one pixel (ignored outside the canvas).
    pub fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as u64) < self.w as u64 && (y as u64) < self.h as u64 {
            let i = (y as usize * self.w as usize + x as usize) * 3;
            self.rgb[i..i + 3].copy_from_slice(&c);
        }
    }

    /// Fill the rectangle [x, x+w) × [y, y+h) (clipped to the canvas).
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: [u8; 3]) {
        for yy in y.max(0)..(y + h).min(self.h as i64) {
            for xx in x.max(0)..(x + w).min(self.w as i64) {
                self.set(xx, yy, c);
            }
        }
    }

    /// A 1-px outline just outside the rectangle [x, x+w) × [y, y+h).
    pub fn frame_around(&mut self, x: i64, y: i64, w: i64, h: i64, c: [u8; 3]) {
        self.fill_rect(x - 1, y - 1, w + 2, 1, c);
        self.fill_rect(x - 1, y + h, w + 2, 1, c);
        self.fill_rect(x - 1, y, 1, h, c);
        self.fill_rect(x + w, y, 1, h, c);
    }

    /// Width and height of `text` in pixels.
    pub fn text_size(&self, text: &str, size: f64, bold: bool) -> Result<(u32, u32), RenderError> {
        let style = TextStyle::from(font(size, bold));
        let ((x0, y0), (x1, y1)) = plotters::style::FontDesc::layout_box(&style.font, text)
            .map_err(|e| RenderError::Font(format!("{e:?}")))?;
        Ok(((x1 - x0).max(0) as u32, (y1 - y0).max(0) as u32))
    }

    /// Draw `text` anchored at (x, y): horizontally by `align`, vertically centred.
    /// `vertical` turns it 90° counter-clockwise (reading bottom to top, for y-axis labels).
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        x: i32,
        y: i32,
        text: &str,
        size: f64,
        bold: bool,
        align: Align,
        color: [u8; 3],
        vertical: bool,
    ) -> Result<(), RenderError> {
        if text.is_empty() {
            return Ok(());
        }
        let hpos = match align {
            Align::Left => HPos::Left,
            Align::Center => HPos::Center,
        };
        let c = rgb(color);
        let mut style = font(size, bold).color(&c).pos(Pos::new(hpos, VPos::Center));
        if vertical {
            style = style.transform(FontTransform::Rotate270);
        }
        let area = self.backend()?.into_drawing_area();
        area.draw_text(text, &style, (x, y)).map_err(|e| RenderError::Draw(e.to_string()))?;
        area.present().map_err(|e| RenderError::Draw(e.to_string()))?;
        Ok(())
    }

    /// A plotters backend drawing straight into this canvas.
    pub fn backend(&mut self) -> Result<BitMapBackend<'_, RGBPixel>, RenderError> {
        let (w, h) = (self.w, self.h);
        BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut self.rgb, (w, h))
            .map_err(|e| RenderError::Draw(e.to_string()))
    }

    /// Encode as an 8-bit RGB PNG (no time stamps or other varying chunks: same pixels,
    /// same bytes).
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        encode_png(self.w, self.h, &self.rgb)
    }
}

/// Encode an RGB buffer (`w·h·3` bytes, row-major) as PNG.
pub(crate) fn encode_png(w: u32, h: u32, rgb: &[u8]) -> Result<Vec<u8>, RenderError> {
    if rgb.len() != w as usize * h as usize * 3 {
        return Err(RenderError::Invalid(format!("RGB buffer of {} bytes for {w}×{h} px", rgb.len())));
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| RenderError::Encode(e.to_string()))?;
    writer.write_image_data(rgb).map_err(|e| RenderError::Encode(e.to_string()))?;
    writer.finish().map_err(|e| RenderError::Encode(e.to_string()))?;
    Ok(out)
}

/// Shorten `text` to at most `max_chars` characters, ending in "…" when cut.
pub(crate) fn ellipsize(text: &str, max_chars: usize) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() <= max_chars {
        one_line
    } else {
        let mut s: String = one_line.chars().take(max_chars.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}
