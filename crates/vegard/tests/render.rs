//! Pictures and exports: PNGs decode with the promised size and content (white invalid
//! pixels, colour bar following the colour map, scale bar of the right physical length),
//! GSF files (`vegard::io::gsf`) round-trip bit-exactly and the real Gwyddion file reads with
//! its reference values, the HTML report escapes everything, atomic writes
//! (`vegard::io::write_atomic`) leave no debris, and the same input always gives the same bytes.

mod common;

use std::path::{Path, PathBuf};

use vegard::data::Image;
use vegard::io::gsf::{self, GsfInvalid};
use vegard::io::{atomic, write_atomic};
use vegard::render::{
    self, Colormap, CurvePlot, HistogramPlot, MapStyle, Report, Series, SeriesStyle, colormap, map_layout, map_png,
};

#[global_allocator]
static ALLOC: common::CappedAlloc = common::CappedAlloc::new(256 << 20);

/// A decoded 8-bit RGB picture.
struct Rgb {
    w: u32,
    h: u32,
    px: Vec<u8>,
}

impl Rgb {
    fn at(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.w as usize + x as usize) * 3;
        [self.px[i], self.px[i + 1], self.px[i + 2]]
    }
}

fn decode(png_bytes: &[u8]) -> Rgb {
    let dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = dec.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    Rgb { w: info.width, h: info.height, px: buf }
}

/// Where test pictures go, to be looked at by a person.
fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("render-pictures");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn save(name: &str, bytes: &[u8]) {
    write_atomic(&out_dir().join(name), bytes).unwrap();
}

/// A 25×25 DMT-modulus-like map over 5 µm: a smooth 20–120 MPa landscape with a few
/// flagged pixels (mask false) and one NaN that claims to be valid.
fn modulus_map() -> Image {
    let mut im = Image::new("DMT modulus", "Pa", 25, 25);
    im.size_m = Some((5e-6, 5e-6));
    for y in 0..25 {
        for x in 0..25 {
            let v = 20e6 + 100e6 * ((x as f64 / 24.0) * 0.7 + 0.3 * (y as f64 / 24.0 * 3.0).sin().abs());
            im.set(x, y, v, true);
        }
    }
    for (x, y) in [(3, 4), (10, 10), (24, 0), (0, 24)] {
        im.set(x, y, 1.0, false);
    }
    im.data[12 * 25 + 7] = f64::NAN;
    im
}

#[test]
fn map_png_shows_invalid_pixels_white_and_valid_ones_in_colour() {
    let im = modulus_map();
    let style = MapStyle::default();
    let bytes = map_png(&im, &style).unwrap();
    save("map_modulus_25x25.png", &bytes);
    let l = map_layout(&im, &style).unwrap();
    let pic = decode(&bytes);
    assert_eq!((pic.w, pic.h), (l.width, l.height));
    // 25×25 at 420 px: 16× nearest-neighbour magnification.
    assert_eq!((l.map_w, l.map_h), (400, 400));

    for (x, y) in [(3, 4), (10, 10), (24, 0), (0, 24), (7, 12)] {
        let (sx, sy) = l.pixel_center(&im, x, y);
        assert_eq!(pic.at(sx, sy), colormap::INVALID_RGB, "invalid pixel ({x}, {y}) at screen ({sx}, {sy})");
    }
    let (lo, hi) = l.limits;
    let (vmin, vmax) = im.range().unwrap();
    assert_eq!((lo, hi), (vmin, vmax));
    for (x, y) in [(0, 0), (5, 5), (24, 24), (13, 2)] {
        let (sx, sy) = l.pixel_center(&im, x, y);
        let want = Colormap::Viridis.map((im.get(x, y) - lo) / (hi - lo));
        assert_eq!(pic.at(sx, sy), want, "valid pixel ({x}, {y})");
        // Nearest-neighbour: the whole 16×16 block has the pixel's colour.
        let (bx, by) = (l.map_x + x as u32 * 16, l.map_y + y as u32 * 16);
        assert_eq!(pic.at(bx, by), want);
        assert_eq!(pic.at(bx + 15, by + 15), want);
    }
}

#[test]
fn colour_bar_follows_the_colour_map() {
    for cm in Colormap::ALL {
        let im = modulus_map();
        let style = MapStyle { colormap: cm, ..MapStyle::default() };
        let pic = decode(&map_png(&im, &style).unwrap());
        let l = map_layout(&im, &style).unwrap();
        let cx = l.colorbar_x + l.colorbar_w / 2;
        for r in 0..l.colorbar_h {
            let t = 1.0 - (r as f64 + 0.5) / l.colorbar_h as f64;
            assert_eq!(pic.at(cx, l.colorbar_y + r), cm.map(t), "{} colour bar row {r}", cm.name());
        }
        // The top of the bar is the high end.
        assert_eq!(pic.at(cx, l.colorbar_y), cm.map(1.0));
    }
}

#[test]
fn scale_bar_length_matches_the_physical_length() {
    for (size_m, want_len) in [(5e-6, 1e-6), (2e-6, 5e-7), (80e-6, 2e-5), (300e-9, 5e-8)] {
        let mut im = modulus_map();
        im.size_m = Some((size_m, size_m));
        let style = MapStyle::default();
        let l = map_layout(&im, &style).unwrap();
        let sb = l.scale_bar.expect("scale bar");
        assert!((sb.length_m - want_len).abs() < 1e-12 * want_len, "{size_m}: {}", sb.length_m);
        let pic = decode(&map_png(&im, &style).unwrap());
        // Count the black run on the bar's middle row, independently of `len_px`.
        let row = sb.y + sb.thickness / 2;
        let run = (sb.x..pic.w).take_while(|&x| pic.at(x, row) == [0, 0, 0]).count() as f64;
        let want_px = want_len / (size_m / l.map_w as f64);
        assert!((run - want_px).abs() <= 1.0, "scale bar {run} px, want {want_px} px for {want_len} m");
        assert!(sb.x == l.map_x && sb.y > l.map_y + l.map_h, "scale bar below the map");
    }
}

#[test]
fn awkward_maps_still_draw() {
    let style = MapStyle::default();
    // All invalid.
    let all_invalid = Image::new("nothing", "Pa", 8, 8);
    let l = map_layout(&all_invalid, &style).unwrap();
    let pic = decode(&map_png(&all_invalid, &style).unwrap());
    for (x, y) in [(0, 0), (4, 4), (7, 7)] {
        let (sx, sy) = l.pixel_center(&all_invalid, x, y);
        assert_eq!(pic.at(sx, sy), colormap::INVALID_RGB);
    }
    // NaN everywhere although the mask says valid.
    let mut nan = Image::new("nan", "N/m", 4, 3);
    nan.data.fill(f64::NAN);
    nan.mask.fill(true);
    let pic = decode(&map_png(&nan, &style).unwrap());
    let l = map_layout(&nan, &style).unwrap();
    let (sx, sy) = l.pixel_center(&nan, 2, 1);
    assert_eq!(pic.at(sx, sy), colormap::INVALID_RGB);
    // 1×1 and constant maps: drawn in the middle colour of the map.
    let mut one = Image::new("one", "Pa", 1, 1);
    one.set(0, 0, 5e7, true);
    let mut constant = Image::new("flat", "m", 6, 6);
    constant.data.fill(3e-9);
    constant.mask.fill(true);
    for im in [&one, &constant] {
        let l = map_layout(im, &style).unwrap();
        let pic = decode(&map_png(im, &style).unwrap());
        let (sx, sy) = l.pixel_center(im, 0, 0);
        assert_eq!(pic.at(sx, sy), Colormap::Viridis.map(0.5), "{}", im.name);
        save(&format!("map_{}.png", im.name), &map_png(im, &style).unwrap());
    }
    // Huge map: shown block-averaged at the display size, not at 2000 px.
    let mut huge = Image::new("Height", "m", 2000, 1500);
    huge.size_m = Some((40e-6, 30e-6));
    for y in 0..1500 {
        for x in 0..2000 {
            huge.set(x, y, 1e-9 * ((x as f64 / 97.0).sin() + (y as f64 / 53.0).cos()), (x * 7 + y) % 101 != 0);
        }
    }
    let l = map_layout(&huge, &style).unwrap();
    assert_eq!((l.map_w, l.map_h), (420, 315));
    let bytes = map_png(&huge, &style).unwrap();
    let pic = decode(&bytes);
    assert!(pic.w < 800 && pic.h < 600, "{}×{}", pic.w, pic.h);
    save("map_huge_downsampled.png", &bytes);
    // A thin strip and a map with unknown physical size.
    let mut strip = Image::new("strip", "V", 300, 2);
    strip.data.iter_mut().enumerate().for_each(|(i, v)| *v = i as f64 * 1e-3);
    strip.mask.fill(true);
    let bytes = map_png(&strip, &style).unwrap();
    let l = map_layout(&strip, &style).unwrap();
    assert!(l.scale_bar.is_none());
    assert!(l.colorbar_h >= 160);
    save("map_strip.png", &bytes);
}

#[test]
fn diverging_map_with_symmetric_limits() {
    let mut im = Image::new("ESM amplitude·cos φ", "V", 40, 30);
    im.size_m = Some((2e-6, 1.5e-6));
    for y in 0..30 {
        for x in 0..40 {
            im.set(x, y, 3e-3 * ((x as f64 - 20.0) / 20.0) + 1e-3 * (y as f64 / 5.0).sin(), true);
        }
    }
    let style = MapStyle {
        colormap: Colormap::CoolWarm,
        symmetric: true,
        limits: render::ColorLimits::Percentiles(1.0, 99.0),
        title: Some("ESM response, sample A".into()),
        quantity: Some("Piezoresponse".into()),
        ..MapStyle::default()
    };
    let l = map_layout(&im, &style).unwrap();
    assert!((l.limits.0 + l.limits.1).abs() < 1e-15, "not symmetric: {:?}", l.limits);
    let bytes = map_png(&im, &style).unwrap();
    save("map_esm_coolwarm.png", &bytes);
}

#[test]
fn pictures_are_deterministic() {
    let im = modulus_map();
    let a = map_png(&im, &MapStyle::default()).unwrap();
    let b = map_png(&im.clone(), &MapStyle::default()).unwrap();
    assert_eq!(a, b);
    let p = force_plot();
    assert_eq!(render::curve_plot(&p).unwrap(), render::curve_plot(&p.clone()).unwrap());
    let h = histogram();
    assert_eq!(render::histogram_png(&h).unwrap(), render::histogram_png(&h.clone()).unwrap());
}

/// A Hertz-like approach/retract pair with a fit over part of the contact region.
fn force_plot() -> CurvePlot {
    let n = 400;
    let z: Vec<f64> = (0..n).map(|i| -40e-9 + 140e-9 * i as f64 / (n - 1) as f64).collect();
    // F = (4/3)·E*·√R·δ^{3/2} with E* ≈ 50 MPa, R = 20 nm: about 110 nN at 80 nm.
    let hertz = |d: f64| if d > 0.0 { 4.0 / 3.0 * 50e6 * 20e-9f64.sqrt() * d.powf(1.5) } else { 0.0 };
    let noise = |i: usize| 0.6e-9 * (((i as f64 * 12.9898).sin() * 43758.5453).fract() - 0.5);
    let app: Vec<f64> = z.iter().enumerate().map(|(i, &d)| hertz(d) + noise(i)).collect();
    let ret: Vec<f64> = z
        .iter()
        .enumerate()
        .map(|(i, &d)| hertz(d) - if d > -8e-9 && d < 5e-9 { 4e-9 } else { 0.0 } + noise(i + 7))
        .collect();
    let zf: Vec<f64> = z.iter().copied().filter(|&d| (0.0..=80e-9).contains(&d)).collect();
    let fit: Vec<f64> = zf.iter().map(|&d| hertz(d)).collect();
    let mut p = CurvePlot::new("Force curve (12, 7) — Hertz fit", "Indentation", "m", "Force", "N");
    p.series.push(Series::new("approach", z.clone(), app, SeriesStyle::Line));
    p.series.push(Series::new("retract", z, ret, SeriesStyle::Line));
    p.series.push(Series::new("Hertz fit, E = 50 MPa", zf, fit, SeriesStyle::Fit));
    p.shaded_x = Some((0.0, 80e-9));
    p.markers.push((0.0, 0.0, "contact point".into()));
    p
}

fn histogram() -> HistogramPlot {
    let im = modulus_map();
    let mut h = HistogramPlot::new("DMT modulus, 25×25 map", "DMT modulus", "Pa", im.valid_values().collect());
    h.bin_width = Some(20e6);
    // A Gaussian in counts per bin: n · width · pdf.
    let n = h.values.len() as f64;
    let (mu, sd) = (75e6, 25e6);
    let xs: Vec<f64> = (0..200).map(|i| i as f64 * 1e6).collect();
    let ys = xs
        .iter()
        .map(|x| n * 20e6 * (-(x - mu).powi(2) / (2.0 * sd * sd)).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt()))
        .collect();
    h.curves.push(Series::new("normal fit", xs, ys, SeriesStyle::Fit));
    h
}

#[test]
fn curve_plot_decodes_and_shades_the_fit_window() {
    let p = force_plot();
    let bytes = render::curve_plot(&p).unwrap();
    save("curve_hertz.png", &bytes);
    let pic = decode(&bytes);
    assert_eq!((pic.w, pic.h), p.size);
    let shade = [255, 236, 179];
    let shaded =
        (0..pic.h).flat_map(|y| (0..pic.w).map(move |x| (x, y))).filter(|&(x, y)| pic.at(x, y) == shade).count();
    assert!(shaded > 5000, "fit window band not visible ({shaded} px)");
    // The approach colour (Okabe–Ito blue) and the fit (black) are drawn.
    let has = |c: [u8; 3]| pic.px.chunks(3).any(|p| p == c);
    assert!(has([0, 114, 178]) && has([0, 0, 0]));
}

#[test]
fn histogram_decodes() {
    let h = histogram();
    let bytes = render::histogram_png(&h).unwrap();
    save("histogram_modulus.png", &bytes);
    let pic = decode(&bytes);
    assert_eq!((pic.w, pic.h), h.size);
    assert!(pic.px.chunks(3).any(|p| p == [110, 150, 200]), "no bars drawn");
    let bins = render::histogram_bins(&h.values, 20e6).unwrap();
    assert_eq!(bins.total(), 620);
    let png = render::histogram_of_image(&modulus_map(), None, "auto bins").unwrap();
    save("histogram_auto.png", &png);
}

#[test]
fn gsf_round_trip_is_bit_exact() {
    let mut im = Image::new("Young's modulus <fit>", "Pa", 7, 5);
    im.size_m = Some((3.3e-6, 2.1e-6));
    for y in 0..5 {
        for x in 0..7 {
            // f32-representable values of many magnitudes and both signs.
            let v = ((x as f32 - 3.0) * 1.7e7 + y as f32 * 1.3e-3) as f64;
            im.set(x, y, v, (x + y) % 4 != 0);
        }
    }
    im.set(1, 1, f32::MIN_POSITIVE as f64, true);
    im.set(2, 1, -(f32::MAX as f64), true);
    let bytes = gsf::gsf_bytes(&im);
    let path = out_dir().join("roundtrip.gsf");
    write_atomic(&path, &bytes).unwrap();
    let back = gsf::read_gsf(&path).unwrap();
    assert_eq!((back.nx, back.ny), (7, 5));
    assert_eq!(back.name, im.name);
    assert_eq!(back.unit, "Pa");
    assert_eq!(back.size_m, im.size_m, "physical size must survive exactly");
    assert_eq!(back.mask, im.mask);
    for i in 0..35 {
        if im.mask[i] {
            assert_eq!(back.data[i].to_bits(), im.data[i].to_bits(), "pixel {i}");
        } else {
            assert!(back.data[i].is_nan());
        }
    }
    // Fill mode writes 0 and the companion mask field tells which pixels are real.
    let filled = gsf::parse_gsf(Path::new("f.gsf"), &gsf::gsf_bytes_with(&im, GsfInvalid::Fill(0.0))).unwrap();
    let mask = gsf::parse_gsf(Path::new("m.gsf"), &gsf::gsf_mask_bytes(&im)).unwrap();
    for i in 0..35 {
        assert_eq!(mask.data[i] == 1.0, im.mask[i]);
        if !im.mask[i] {
            assert_eq!(filled.data[i], 0.0);
        }
    }
    assert!(mask.unit.is_empty());
}

#[test]
fn real_gwyddion_file_reads_with_reference_values() {
    let Some(path) = common::shared_data("formats/gwyddion_gsf/GwiddionReader_chip.gsf") else { return };
    let im = gsf::read_gsf(&path).unwrap();
    assert_eq!((im.nx, im.ny), (300, 300));
    assert_eq!(im.size_m, Some((8e-5, 8e-5)));
    assert_eq!(im.unit, "m");
    assert_eq!(im.name, "Topography");
    assert_eq!(im.n_invalid(), 0);
    // README [C] values index as [row, column]: [1, 0] is the first pixel of the second
    // scan line. They are the float32 values widened to f64, so they match exactly.
    assert_eq!(im.get(0, 0), 1.8345124772167765e-05);
    assert_eq!(im.get(1, 0), 1.8351716789766215e-05);
    assert_eq!(im.get(0, 1), 1.8387148884357885e-05);
    assert_eq!(im.get(299, 299), 1.6730495190131478e-05);
    let (min, max) = im.range().unwrap();
    assert_eq!((min, max), (1.2514911759353708e-05, 1.9495428205118515e-05));
    let n = im.data.len() as f64;
    let mean = im.data.iter().sum::<f64>() / n;
    // numpy's std (ddof = 0, population) — the reference was computed with numpy.
    let std = (im.data.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    common::assert_rel("mean", mean, 1.6141403134740054e-05, 1e-9);
    common::assert_rel("std", std, 1.5150054560562318e-06, 1e-6);
    save("gsf_chip_topography.png", &map_png(&im, &MapStyle::default()).unwrap());

    // Damaged copies are errors, never panics or huge allocations.
    let bytes = std::fs::read(&path).unwrap();
    for (k, m) in common::mutations(&bytes, 400, 0x65f).iter().enumerate() {
        if let Ok(im) = gsf::parse_gsf(Path::new("mutant.gsf"), m) {
            assert_eq!(im.data.len(), im.nx * im.ny, "mutant {k}");
        }
    }
}

#[test]
fn html_report_escapes_everything_and_embeds_pictures() {
    let evil = "<script>alert('x')</script>";
    let png = map_png(&modulus_map(), &MapStyle::default()).unwrap();
    let mut r = Report::new(format!("Report {evil}"));
    r.section(evil)
        .paragraph(format!("Sample & {evil}"))
        .image_png(evil, &png)
        .table(&["key", evil], &[vec![evil.to_string(), "<b>".into()]])
        .key_values(&[(evil, "\"><img src=x onerror=alert(1)>")])
        .code_block(format!("{{\"note\": \"{evil}\"}}"));
    let html = r.to_html();
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "unescaped script tag");
    assert!(!lower.contains("<img src=x"), "attribute injection");
    assert!(!lower.contains("<b>"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    // The embedded picture decodes back to the same PNG bytes.
    let start = html.find("data:image/png;base64,").unwrap() + "data:image/png;base64,".len();
    let end = start + html[start..].find('"').unwrap();
    assert_eq!(base64_decode(&html[start..end]), png);
    let path = out_dir().join("report.html");
    r.write(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), html);
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("bad base64 char {c}"),
    } as u32;
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk.iter().take(4 - pad).enumerate().fold(0u32, |n, (i, &c)| n | val(c) << (18 - 6 * i));
        out.extend(&[(n >> 16) as u8, (n >> 8) as u8, n as u8][..3 - pad]);
    }
    out
}

#[test]
fn write_atomic_replaces_and_leaves_no_temp_file() {
    let dir = out_dir().join("atomic").join("nested").join("deeper");
    let _ = std::fs::remove_dir_all(out_dir().join("atomic"));
    let target = dir.join("result.json");
    write_atomic(&target, b"first version").unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"first version");
    write_atomic(&target, b"second").unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"second");
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, vec!["result.json".to_string()], "temporary file left behind");

    // Writing over a directory fails, leaves the directory alone and no temp file.
    let blocker = dir.join("is_a_dir");
    std::fs::create_dir_all(blocker.join("child")).unwrap();
    assert!(write_atomic(&blocker, b"x").is_err());
    assert!(blocker.join("child").is_dir());
    assert!(!atomic::temp_path(&blocker).unwrap().exists());

    // The temp file sits next to the target (same file system: rename is atomic).
    assert_eq!(atomic::temp_path(&target).unwrap(), dir.join(".result.json.vegard-tmp"));
}
