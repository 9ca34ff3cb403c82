//! The picture of one analysed curve, and which curves a report shows.
//!
//! A curve figure shows the measured segments over their own range, the fitted model only
//! over the fit window (never beyond the data), the window shaded, the contact point, and a
//! residual panel (data − model in the window), on the tip-position axis or on the
//! indentation axis δ = x_c − x.

use serde::{Deserialize, Serialize};

use crate::data::SegmentKind;
use crate::io::CurveSource;
use crate::nanomech::{CurveResult, Flag, Setup, analyse_curve, fit};
use crate::render::{CurvePlot, RenderError, Series, SeriesStyle, curve_plot};

/// Which curves get a figure (`--plot-curves`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PlotCurves {
    /// No curve figures.
    None,
    /// The curves nearest the median, lowest and highest valid modulus, and one example of
    /// each flag that occurs (default).
    #[default]
    Gallery,
    /// Every flagged curve (to inspect what was rejected).
    Flagged,
    /// Every curve (large maps: many files).
    All,
}

impl PlotCurves {
    pub fn from_key(key: &str) -> Option<PlotCurves> {
        match key {
            "none" => Some(PlotCurves::None),
            "gallery" => Some(PlotCurves::Gallery),
            "flagged" => Some(PlotCurves::Flagged),
            "all" => Some(PlotCurves::All),
            _ => None,
        }
    }
}

/// The x axis of curve figures (`--plot-axis`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PlotAxis {
    /// Tip position (after the preprocessing's offsets), as nanite and JPK plot it (default).
    #[default]
    TipPosition,
    /// Indentation δ = x_c − x from the fitted contact point (positive into the sample).
    Indentation,
}

impl PlotAxis {
    pub fn from_key(key: &str) -> Option<PlotAxis> {
        match key {
            "tip-position" | "tip_position" => Some(PlotAxis::TipPosition),
            "indentation" => Some(PlotAxis::Indentation),
            _ => None,
        }
    }
}

/// The curves to draw, with why each was chosen, in result order of choice.
pub fn curves_to_plot(results: &[CurveResult], which: PlotCurves) -> Vec<(usize, String)> {
    let plottable = |r: &CurveResult| !r.flags.iter().any(|f| f.is_data_failure());
    match which {
        PlotCurves::None => Vec::new(),
        PlotCurves::All => {
            results.iter().enumerate().filter(|(_, r)| plottable(r)).map(|(i, _)| (i, String::new())).collect()
        }
        PlotCurves::Flagged => results
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_valid() && plottable(r))
            .map(|(i, r)| (i, format!("flagged: {}", flag_list(r))))
            .collect(),
        PlotCurves::Gallery => {
            let mut valid: Vec<usize> = (0..results.len()).filter(|&i| results[i].is_valid()).collect();
            valid.sort_by(|&a, &b| results[a].modulus_pa.total_cmp(&results[b].modulus_pa));
            let mut out: Vec<(usize, String)> = Vec::new();
            let push = |i: usize, why: String, out: &mut Vec<(usize, String)>| {
                if !out.iter().any(|o| o.0 == i) {
                    out.push((i, why));
                }
            };
            if let Some(&m) = valid.get(valid.len() / 2) {
                push(m, "median modulus".into(), &mut out);
            }
            if valid.len() > 1 {
                push(valid[0], "lowest modulus".into(), &mut out);
                push(valid[valid.len() - 1], "highest modulus".into(), &mut out);
            }
            for &flag in Flag::all() {
                if let Some(i) =
                    (0..results.len()).find(|&i| results[i].flags.contains(&flag) && plottable(&results[i]))
                {
                    push(i, format!("example of {}", flag.key()), &mut out);
                }
            }
            out
        }
    }
}

fn flag_list(r: &CurveResult) -> String {
    r.flags.iter().map(|f| f.key()).collect::<Vec<_>>().join(", ")
}

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    #[error("curve {index} could not be read again: {message}")]
    Read { index: usize, message: String },
    #[error("curve {index} could not be preprocessed (flags: {flags})")]
    NoData { index: usize, flags: String },
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// The figure of result `i` (re-read from `source` and analysed again with its detail).
pub fn curve_figure(
    source: &dyn CurveSource,
    i: usize,
    result: &CurveResult,
    setup: &Setup,
    axis: PlotAxis,
) -> Result<Vec<u8>, FigureError> {
    let curve = source.curve(i).map_err(|e| FigureError::Read { index: result.index, message: e.to_string() })?;
    let (_, detail) = analyse_curve(curve, &result.file, setup, true);
    let d = detail.ok_or_else(|| FigureError::NoData { index: result.index, flags: flag_list(result) })?;
    let spec = setup.model.spec();
    let flags = if result.flags.is_empty() { String::new() } else { format!(" — {}", flag_list(result)) };
    let at = match (result.grid_x, result.grid_y) {
        (Some(x), Some(y)) => format!(" at ({x}, {y})"),
        _ => String::new(),
    };
    let xc = result.contact_point_m;
    let fitted = !d.fit_values.is_empty() && xc.is_finite();
    // On the indentation axis every x becomes δ = x_c − x (only when there is a fit).
    let indentation = axis == PlotAxis::Indentation && fitted;
    let to_axis = |x: f64| if indentation { xc - x } else { x };
    let (x_label, what) = if indentation { ("Indentation δ", "δ") } else { ("Tip position", "x") };
    let mut plot =
        CurvePlot::new(format!("Curve {}{at} — {}{flags}", result.index, spec.key), x_label, "m", "Force", "N");
    for (kind, x, f) in &d.segments {
        plot.series.push(Series::new(
            kind.key(),
            x.iter().map(|&v| to_axis(v)).collect(),
            f.clone(),
            SeriesStyle::Line,
        ));
    }
    let fitted_seg = d.segments.iter().find(|s| s.0 == d.fitted_segment);
    if let (true, Some((_, x, f))) = (fitted, fitted_seg) {
        let (a, b) = d.fit_indices;
        if b > a && b <= x.len() {
            // The model over the fit window only, at the window's own positions (sorted so
            // the line does not double back), and the residuals there.
            let mut pts: Vec<(f64, f64)> = x[a..b]
                .iter()
                .zip(&f[a..b])
                .filter(|(x, f)| x.is_finite() && f.is_finite())
                .map(|(&x, &f)| (x, f))
                .collect();
            pts.sort_by(|p, q| p.0.total_cmp(&q.0));
            let model: Vec<f64> =
                pts.iter().map(|p| fit::model_force(setup.model, &setup.tip, &d.fit_values, p.0)).collect();
            let xs: Vec<f64> = pts.iter().map(|p| to_axis(p.0)).collect();
            let resid: Vec<f64> = pts.iter().zip(&model).map(|(p, m)| p.1 - m).collect();
            plot.series.push(Series::new(format!("{} fit", spec.key), xs.clone(), model, SeriesStyle::Fit));
            plot.residuals.push(Series::new("data − model", xs.clone(), resid, SeriesStyle::Points));
            let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
            plot.shaded_x = Some((lo, hi));
        }
        let y = fit::model_force(setup.model, &setup.tip, &d.fit_values, xc);
        plot.markers.push((
            to_axis(xc),
            y,
            format!(
                "contact point {what} = {}",
                if indentation { "0".into() } else { crate::units::format_si(xc, "m", 3) }
            ),
        ));
    }
    if d.fitted_segment == SegmentKind::Retract {
        plot.shaded_label = "fit window (retract)".into();
    }
    Ok(curve_plot(&plot)?)
}
