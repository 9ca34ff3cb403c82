//! The per-curve nanomechanics pipeline.
//!
//! For each curve: calibration overrides → tip position (height + F/k) → force offset
//! (baseline of the approach) → optional tilt and tip offset (contact point at x = 0) →
//! contact point → modulus fit with the chosen model on the chosen segment and window → QNM
//! channels (adhesion, peak force, deformation, dissipation) → height at contact → quality
//! flags ([`Flag`], every one raised by default with a stated threshold).
//!
//! Defaults follow nanite for Hertz-type models (tip-position axis, approach segment, force
//! and tip offsets corrected, full range, baseline free) and Wolff & Hausen 2023 for `dmt`
//! (retract segment, window 0.3–0.9 of the force range, adhesion fixed to the measured
//! pull-off); what differs between models is declared by each model (`models/`).

use serde::{Deserialize, Serialize};

use super::channels;
use super::contact_point;
use super::fit::{self, FitOptions};
use super::flags::Flag;
use super::models::StartInputs;
use super::preprocess;
use super::settings::{NanomechSettings, Setup};
use crate::data::{ChannelKind, ForceCurve, SegmentKind};

/// One curve's results (a JSON record; units in the names; NaN becomes `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveResult {
    pub file: String,
    pub index: usize,
    pub grid_x: Option<usize>,
    pub grid_y: Option<usize>,
    pub model: String,
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub modulus_pa: f64,
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub modulus_stderr_pa: f64,
    /// Fitted contact point on the (possibly offset-corrected) tip-position axis, m.
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub contact_point_m: f64,
    /// Index of the contact point in the fitted segment (from the contact-point method).
    pub contact_point_index: Option<usize>,
    /// Sample height at contact, m: the height channel (measured height, or piezo height
    /// where there is none) where the tip touches the surface, z = x_c + tip offset − F/k.
    /// It does not depend on the tip-offset correction; across a map it is the topography
    /// (before levelling), higher where the sample is higher.
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub contact_height_m: f64,
    /// Largest indentation in the fit window, x_c − min x, m.
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub max_indentation_m: f64,
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub baseline_n: f64,
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub r2: f64,
    /// Other fitted parameters (e.g. JKR work of adhesion) by key.
    #[serde(deserialize_with = "crate::data::nan_json::named")]
    pub extra_params: Vec<(String, f64)>,
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub adhesion_n: f64,
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub peak_force_n: f64,
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub deformation_m: f64,
    #[serde(deserialize_with = "crate::data::nan_json::number")]
    pub dissipation_j: f64,
    /// Tip-position range of the fitted points, m.
    #[serde(deserialize_with = "crate::data::nan_json::pair")]
    pub fit_range_m: [f64; 2],
    /// Force window of the fit, N (absolute, baseline-corrected).
    #[serde(deserialize_with = "crate::data::nan_json::pair")]
    pub fit_force_range_n: [f64; 2],
    pub n_fit_points: usize,
    pub spring_constant_n_per_m: Option<f64>,
    pub sensitivity_m_per_v: Option<f64>,
    pub flags: Vec<Flag>,
}

/// A per-curve number read off a result (NaN where absent).
pub type NumberColumn = (&'static str, fn(&CurveResult) -> f64);

fn opt_index(v: Option<usize>) -> f64 {
    v.map_or(f64::NAN, |v| v as f64)
}

/// Every number of a result by its column name (the CSV's names, units in them), NaN where
/// absent: the per-curve arrays the Python package hands out.
pub const NUMBER_COLUMNS: [NumberColumn; 22] = [
    ("index", |r| r.index as f64),
    ("grid_x", |r| opt_index(r.grid_x)),
    ("grid_y", |r| opt_index(r.grid_y)),
    ("modulus_pa", |r| r.modulus_pa),
    ("modulus_stderr_pa", |r| r.modulus_stderr_pa),
    ("contact_point_m", |r| r.contact_point_m),
    ("contact_point_index", |r| opt_index(r.contact_point_index)),
    ("contact_height_m", |r| r.contact_height_m),
    ("max_indentation_m", |r| r.max_indentation_m),
    ("baseline_n", |r| r.baseline_n),
    ("r2", |r| r.r2),
    ("adhesion_n", |r| r.adhesion_n),
    ("peak_force_n", |r| r.peak_force_n),
    ("deformation_m", |r| r.deformation_m),
    ("dissipation_j", |r| r.dissipation_j),
    ("fit_start_m", |r| r.fit_range_m[0]),
    ("fit_end_m", |r| r.fit_range_m[1]),
    ("fit_force_low_n", |r| r.fit_force_range_n[0]),
    ("fit_force_high_n", |r| r.fit_force_range_n[1]),
    ("n_fit_points", |r| r.n_fit_points as f64),
    ("spring_constant_n_per_m", |r| r.spring_constant_n_per_m.unwrap_or(f64::NAN)),
    ("sensitivity_m_per_v", |r| r.sensitivity_m_per_v.unwrap_or(f64::NAN)),
];

impl CurveResult {
    fn empty(file: &str, curve_index: usize, model: &str) -> Self {
        CurveResult {
            file: file.to_string(),
            index: curve_index,
            grid_x: None,
            grid_y: None,
            model: model.to_string(),
            modulus_pa: f64::NAN,
            modulus_stderr_pa: f64::NAN,
            contact_point_m: f64::NAN,
            contact_point_index: None,
            contact_height_m: f64::NAN,
            max_indentation_m: f64::NAN,
            baseline_n: f64::NAN,
            r2: f64::NAN,
            extra_params: Vec::new(),
            adhesion_n: f64::NAN,
            peak_force_n: f64::NAN,
            deformation_m: f64::NAN,
            dissipation_j: f64::NAN,
            fit_range_m: [f64::NAN; 2],
            fit_force_range_n: [f64::NAN; 2],
            n_fit_points: 0,
            spring_constant_n_per_m: None,
            sensitivity_m_per_v: None,
            flags: Vec::new(),
        }
    }

    /// A result for a curve that could not be read.
    pub fn read_error(file: &str, index: usize, model: &str) -> Self {
        let mut r = Self::empty(file, index, model);
        r.flags.push(Flag::ReadError);
        r
    }

    /// Are the curve's numbers to be trusted (no flag)?
    pub fn is_valid(&self) -> bool {
        self.flags.is_empty()
    }
}

/// The preprocessed data behind a result, for plots.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveDetail {
    /// (segment kind, tip position m, force N) after preprocessing.
    pub segments: Vec<(SegmentKind, Vec<f64>, Vec<f64>)>,
    /// Indices of the fitted samples in the fitted segment.
    pub fit_indices: (usize, usize),
    pub fitted_segment: SegmentKind,
    /// The fitted parameter vector (model params, contact point, baseline).
    pub fit_values: Vec<f64>,
}

/// Apply calibration overrides: a new InvOLS s' rescales deflection (and force) by s'/s, a
/// new spring constant k' rescales force by k'/k.
fn apply_calibration(curve: &mut ForceCurve, settings: &NanomechSettings) {
    let cal = curve.calibration;
    let mut force_factor = 1.0;
    let mut defl_factor = 1.0;
    if let (Some(new), Some(old)) = (settings.sensitivity_m_per_v, cal.sensitivity_m_per_v) {
        defl_factor = new / old;
        force_factor *= defl_factor;
    }
    if let Some(new) = settings.spring_constant_n_per_m {
        if let Some(old) = cal.spring_constant_n_per_m {
            force_factor *= new / old;
        }
        curve.calibration.spring_constant_n_per_m = Some(new);
    }
    if let Some(new) = settings.sensitivity_m_per_v {
        curve.calibration.sensitivity_m_per_v = Some(new);
    }
    if force_factor != 1.0 || defl_factor != 1.0 {
        for seg in &mut curve.segments {
            if let Some(f) = seg.channel_mut(&ChannelKind::Force) {
                f.data.iter_mut().for_each(|v| *v *= force_factor);
            }
            if let Some(d) = seg.channel_mut(&ChannelKind::Deflection) {
                d.data.iter_mut().for_each(|v| *v *= defl_factor);
            }
        }
    }
}

/// What preprocessing took out of the axes, to put back for the height at contact.
#[derive(Debug, Clone, Copy, Default)]
struct Offsets {
    /// Subtracted from the tip position (tip-offset correction), m.
    tip_m: f64,
    /// Subtracted from the force (force offset, and the re-zeroing after a tilt), N.
    force_n: f64,
}

/// Analyse one curve. With `detail`, also return the preprocessed data for plotting.
pub fn analyse_curve(
    mut curve: ForceCurve,
    file: &str,
    setup: &Setup,
    detail: bool,
) -> (CurveResult, Option<CurveDetail>) {
    let s = &setup.settings;
    let mut r = CurveResult::empty(file, curve.index, setup.model.spec().key);
    r.grid_x = curve.grid.map(|g| g.x);
    r.grid_y = curve.grid.map(|g| g.y);
    apply_calibration(&mut curve, s);
    r.spring_constant_n_per_m = curve.calibration.spring_constant_n_per_m;
    r.sensitivity_m_per_v = curve.calibration.sensitivity_m_per_v;
    if curve.calibration.spring_constant_n_per_m.is_none()
        || curve.segments.iter().any(|g| g.data(&ChannelKind::Force).is_none())
    {
        r.flags.push(Flag::MissingCalibration);
        return (r, None);
    }
    let mut offsets = Offsets::default();
    let force_offset = preprocess::compute_tip_position(&mut curve)
        .and_then(|()| preprocess::correct_force_offset(&mut curve, preprocess::ForceOffsetMethod::BaselineMean));
    match force_offset {
        Ok(f) => offsets.force_n = f,
        Err(_) => {
            // The offset needs a contact to find the baseline before it; on pure noise (a ramp
            // that stopped short) it fails. Say which of the two it was.
            r.flags.push(if is_noise_only(&curve, s.min_contact_snr) {
                Flag::NoContact
            } else {
                Flag::PreprocessFailed
            });
            return (r, None);
        }
    }
    // The tilt line is pinned at the contact point, so the flattened baseline then sits at
    // minus the line's value there: zero it again with a second force offset.
    if s.correct_tilt {
        let tilt = preprocess::correct_tilt(
            &mut curve,
            setup.contact_point,
            preprocess::TiltRegion::All,
            preprocess::TiltStrategy::Shift,
        )
        .and_then(|_| preprocess::correct_force_offset(&mut curve, preprocess::ForceOffsetMethod::BaselineMean));
        match tilt {
            Ok(f) => offsets.force_n += f,
            Err(_) => {
                r.flags.push(Flag::PreprocessFailed);
                return (r, None);
            }
        }
    }
    if s.correct_tip_offset {
        match preprocess::correct_tip_offset(&mut curve, setup.contact_point) {
            Ok(x) => offsets.tip_m = x,
            Err(_) => r.flags.push(Flag::NoContact),
        }
    }
    let fitted = analyse_preprocessed(&curve, setup, &mut r);
    if let Some((_, values)) = &fitted {
        // z = x − F/k with the axes as measured: x_c back on the tip-position axis of the
        // file, F the fitted force at contact with the force offset put back.
        let k = curve.calibration.spring_constant_n_per_m.unwrap_or(f64::NAN);
        let f_contact = fit::model_force(setup.model, &setup.tip, values, r.contact_point_m) + offsets.force_n;
        r.contact_height_m = r.contact_point_m + offsets.tip_m - f_contact / k;
    }
    quality_flags(setup, &mut r);
    let detail = detail.then(|| CurveDetail {
        segments: curve
            .segments
            .iter()
            .filter_map(|g| {
                Some((g.kind, g.data(&ChannelKind::TipPosition)?.to_vec(), g.data(&ChannelKind::Force)?.to_vec()))
            })
            .collect(),
        fit_indices: fitted.as_ref().map_or((0, 0), |f| f.0),
        fitted_segment: setup.segment,
        fit_values: fitted.map(|f| f.1).unwrap_or_default(),
    });
    r.flags.sort();
    r.flags.dedup();
    (r, detail)
}

/// The statistical and physical checks on a fitted curve, each against its threshold in
/// the settings (see [`Flag::meaning`]). Only curves that reached a fit are checked: the
/// others carry the flag that stopped them.
fn quality_flags(setup: &Setup, r: &mut CurveResult) {
    let s = &setup.settings;
    if r.n_fit_points == 0 || r.flags.iter().any(|f| matches!(f, Flag::NoConvergence | Flag::TooFewPoints)) {
        return;
    }
    if r.r2.is_nan() || r.r2 < s.min_r2 {
        r.flags.push(Flag::PoorFit);
    }
    if r.deformation_m < 0.0 {
        r.flags.push(Flag::NegativeDeformation);
    }
    // (Written so that a NaN indentation counts as none.)
    if r.max_indentation_m.is_nan() || r.max_indentation_m <= 0.0 {
        r.flags.push(Flag::NegativeIndentation);
    }
    let params: Vec<f64> = std::iter::once(r.modulus_pa).chain(r.extra_params.iter().map(|p| p.1)).collect();
    if let Some(limit) = setup.model.validity_length_m(&params, &setup.tip)
        && r.max_indentation_m > s.max_indentation_ratio * limit
    {
        r.flags.push(Flag::BeyondValidity);
    }
}

/// Is the approach force nowhere above `snr` × its baseline noise (measured from the
/// baseline median, before any offset correction)?
fn is_noise_only(curve: &ForceCurve, snr: f64) -> bool {
    let Some(f) = curve.segment(SegmentKind::Approach).and_then(|g| g.data(&ChannelKind::Force)) else {
        return false;
    };
    let Some(sigma) = channels::baseline_noise(f) else { return false };
    let mut head: Vec<f64> =
        f[..(f.len() / 10).max(10).min(f.len())].iter().copied().filter(|v| v.is_finite()).collect();
    if head.is_empty() {
        return false;
    }
    let base = crate::numerics::stats::median_in_place(&mut head);
    let peak = f.iter().copied().filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max);
    // (Written so that a NaN peak counts as "no contact".)
    let contact = peak - base > snr * sigma;
    sigma > 0.0 && !contact
}

/// QNM channels, the contact check and the fit on a preprocessed curve (tip position and
/// offset-corrected force present). Returns the fitted index range and parameter vector.
fn analyse_preprocessed(curve: &ForceCurve, setup: &Setup, r: &mut CurveResult) -> Option<((usize, usize), Vec<f64>)> {
    qnm_channels(curve, r);
    // Pure noise (the ramp stopped short of the sample) must not produce a modulus.
    let approach_force = curve.segment(SegmentKind::Approach).and_then(|g| g.data(&ChannelKind::Force));
    if let Some(sigma) = approach_force.and_then(channels::baseline_noise).filter(|s| *s > 0.0) {
        let contact = r.peak_force_n > setup.settings.min_contact_snr * sigma; // false for NaN
        if !contact {
            r.flags.push(Flag::NoContact);
            return None;
        }
    }
    let Some(seg) = curve.segment(setup.segment).filter(|g| !g.is_empty()) else {
        r.flags.push(Flag::MissingSegment);
        return None;
    };
    let (Some(x), Some(f)) = (seg.data(&ChannelKind::TipPosition), seg.data(&ChannelKind::Force)) else {
        r.flags.push(Flag::PreprocessFailed);
        return None;
    };
    // Contact point as nanite computes it: on the force from the approach onwards (nanite
    // cuts that at its first maximum, which may lie a few samples into the retract).
    let cp_force: Option<Vec<f64>> = (setup.segment == SegmentKind::Approach).then(|| {
        let first = curve.segments.iter().position(|g| g.kind == SegmentKind::Approach).unwrap_or(0);
        curve.segments[first..].iter().filter_map(|g| g.data(&ChannelKind::Force)).flatten().copied().collect()
    });
    fit_segment(x, f, cp_force.as_deref(), setup, r)
}

/// Adhesion, peak force, deformation and dissipation from the preprocessed curve.
fn qnm_channels(curve: &ForceCurve, r: &mut CurveResult) {
    let xf = |kind| {
        let g = curve.segment(kind)?;
        Some((g.data(&ChannelKind::TipPosition)?, g.data(&ChannelKind::Force)?))
    };
    let approach = xf(SegmentKind::Approach);
    let retract = xf(SegmentKind::Retract);
    if let Some((_, f)) = retract {
        r.adhesion_n = channels::adhesion(f).map_or(f64::NAN, |a| a.1);
    }
    let peak = [approach, retract].into_iter().flatten().filter_map(|(_, f)| channels::peak_force(f)).map(|p| p.1);
    r.peak_force_n = peak.fold(f64::NAN, f64::max);
    // Deformation on the approach (walking back from peak to where the force leaves zero);
    // on the retract if there is no approach.
    r.deformation_m = match (approach, retract) {
        (Some((x, f)), _) => channels::peak_force(f).and_then(|(i, _)| channels::deformation(x, f, i, true)),
        (None, Some((x, f))) => channels::peak_force(f).and_then(|(i, _)| channels::deformation(x, f, i, false)),
        _ => None,
    }
    .unwrap_or(f64::NAN);
    if let (Some((ax, af)), Some((rx, rf))) = (approach, retract) {
        r.dissipation_j = channels::dissipation(ax, af, rx, rf);
    }
}

/// The contact-point index on a segment by the setup's method: on the force from the
/// approach onwards for an approach fit (as nanite), on the reversed segment otherwise (a
/// retract reads backwards like an approach).
fn contact_index(f: &[f64], cp_force: Option<&[f64]>, setup: &Setup) -> Option<usize> {
    match (setup.segment, cp_force) {
        (SegmentKind::Approach, Some(all)) => {
            contact_point::contact_point_index(all, setup.contact_point).ok().map(|i| i.min(f.len() - 1))
        }
        _ => {
            let rev: Vec<f64> = f.iter().rev().copied().collect();
            contact_point::contact_point_index(&rev, setup.contact_point).ok().map(|i| f.len() - 1 - i.min(f.len() - 1))
        }
    }
}

/// The index range to fit: a force window, a crop, or everything. `None` (with the flag
/// set) when the window finds no contact part.
fn fit_range(f: &[f64], cp_index: Option<usize>, setup: &Setup, r: &mut CurveResult) -> Option<(usize, usize)> {
    if let Some([lo, hi]) = setup.window {
        let w = if setup.segment == SegmentKind::Retract {
            channels::retract_window(f, lo, hi)
        } else {
            let rev: Vec<f64> = f.iter().rev().copied().collect();
            channels::retract_window(&rev, lo, hi).map(|w| channels::FitWindow {
                start: f.len() - w.end,
                end: f.len() - w.start,
                ..w
            })
        };
        let Some(w) = w else {
            r.flags.push(Flag::NoContact);
            return None;
        };
        r.fit_force_range_n = [w.force_low_n, w.force_high_n];
        return Some((w.start, w.end));
    }
    if let (Some(factor), Some(icp), SegmentKind::Approach) = (setup.settings.crop_factor, cp_index, setup.segment) {
        let n = f.len();
        let keep = ((factor * (n - icp) as f64) as usize).min(n);
        return Some((n - keep, n));
    }
    Some((0, f.len()))
}

/// Fit the model on one segment; returns the fitted index range and parameter vector.
fn fit_segment(
    x: &[f64],
    f: &[f64],
    cp_force: Option<&[f64]>,
    setup: &Setup,
    r: &mut CurveResult,
) -> Option<((usize, usize), Vec<f64>)> {
    let s = &setup.settings;
    let spec = setup.model.spec();
    let cp_index = contact_index(f, cp_force, setup);
    r.contact_point_index = cp_index;
    let (start, end) = fit_range(f, cp_index, setup, r)?;
    let (xs, fs) = (&x[start..end], &f[start..end]);
    r.n_fit_points = xs.iter().zip(fs).filter(|(a, b)| a.is_finite() && b.is_finite()).count();
    let (xmin, xmax) =
        xs.iter().filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    r.fit_range_m = [xmin, xmax];
    if r.n_fit_points < s.min_fit_points.max(spec.params.len() + 3) {
        r.flags.push(Flag::TooFewPoints);
        return None;
    }
    // Where the model starts (its own knowledge: held parameters, adhesive offsets).
    let start_inputs = StartInputs { pull_off_force_n: r.adhesion_n, film_thickness_m: s.film_thickness_m };
    let model_start = setup.model.start(&start_inputs, &setup.tip);
    // Contact point from the method, or the pull-off for adhesive models (their window lies
    // entirely in contact; δ = 0 is at the adhesion minimum, beyond it).
    let cp0 = if model_start.contact_at_pull_off {
        let (imin, _) = channels::adhesion(f).unwrap_or((f.len() - 1, 0.0));
        x[imin]
    } else {
        cp_index.map_or(xmax, |i| x[i])
    };
    let mut init = model_start.values.clone();
    let (imax, fmax) = fs
        .iter()
        .copied()
        .enumerate()
        .filter(|p| p.1.is_finite())
        .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
    let delta_max = cp0 - xs[imax];
    if delta_max > 0.0 {
        // E from the largest force: every force law here scales with E at fixed δ (JKR
        // approximately), so F(δ_max; E = 1 Pa) sets the scale.
        let mut unit = init.clone();
        unit[0] = 1.0;
        let offset = model_start.force_offset_n;
        let per_pa = setup.model.force(delta_max, &unit, &setup.tip) + offset;
        if per_pa.is_finite() && per_pa > 0.0 {
            init[0] = (fmax + offset) / per_pa;
        }
    }
    let mut fixed: Vec<String> = model_start.held.iter().map(|k| k.to_string()).collect();
    if model_start.hold_baseline || s.fix_baseline {
        fixed.push(fit::BASELINE.into());
    }
    let opts = FitOptions {
        init,
        contact_point_m: cp0,
        baseline_n: 0.0,
        fixed,
        weight_cp_m: s.weight_cp_m,
        ..FitOptions::default()
    };
    match fit::fit_curve(setup.model, &setup.tip, xs, fs, &opts) {
        Ok(res) => {
            r.modulus_pa = res.modulus_pa();
            r.modulus_stderr_pa = res.stderr.first().copied().unwrap_or(f64::NAN);
            r.contact_point_m = res.contact_point_m();
            r.baseline_n = res.baseline_n();
            r.r2 = res.r2;
            r.max_indentation_m = r.contact_point_m - xmin;
            r.extra_params = res
                .keys
                .iter()
                .zip(&res.values)
                .skip(1)
                .take(spec.params.len() - 1)
                .map(|(k, v)| (k.to_string(), *v))
                .collect();
            if !res.converged {
                r.flags.push(Flag::NoConvergence);
            }
            if !r.modulus_pa.is_finite() {
                r.flags.push(Flag::ModulusNotFinite);
            } else if r.modulus_pa <= 0.0 {
                r.flags.push(Flag::ModulusNotPositive);
            }
            if at_bound(spec, &res, &opts) {
                r.flags.push(Flag::ParameterAtBound);
            }
            let (xa, xb) = x
                .iter()
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let inside = r.contact_point_m >= xa && r.contact_point_m <= xb; // false for NaN
            if !inside {
                r.flags.push(Flag::ContactPointOutside);
            }
            Some(((start, end), res.values))
        }
        Err(_) => {
            r.flags.push(Flag::NoConvergence);
            None
        }
    }
}

/// Does a free model parameter sit on one of its declared bounds (within 1e-9 of its
/// magnitude)? The bounded fitter projects onto the bounds, so a fit that wanted to cross
/// one stops exactly there.
fn at_bound(spec: &super::models::ModelSpec, res: &fit::FitResult, opts: &FitOptions) -> bool {
    spec.params.iter().zip(&res.values).any(|(p, &v)| {
        if opts.fixed.iter().any(|k| k == p.key) {
            return false;
        }
        let tol = 1e-9 * v.abs().max(f64::MIN_POSITIVE);
        (p.min.is_finite() && v <= p.min + tol) || (p.max.is_finite() && v >= p.max - tol)
    })
}
