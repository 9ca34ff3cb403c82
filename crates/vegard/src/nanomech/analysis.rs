//! The per-curve nanomechanics pipeline and its batch driver.
//!
//! For each curve: calibration overrides → tip position (height + F/k) → force offset
//! (baseline of the approach) → optional tip offset (contact point at x = 0) → contact point
//! → modulus fit with the chosen model on the chosen segment and window → QNM channels
//! (adhesion, peak force, deformation, dissipation) → quality flags.
//!
//! Defaults follow nanite for Hertz-type models (tip-position axis, approach segment, force
//! and tip offsets corrected, full range, baseline free) and Wolff & Hausen 2023 for `dmt` (retract
//! segment, window 0.3–0.9 of the force range, adhesion fixed to the measured pull-off).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::channels;
use super::contact_point::{self, ContactPointMethod};
use super::fit::{self, FitOptions};
use super::models::{self, ContactModel, Tip};
use super::preprocess;
use crate::data::{ChannelKind, ForceCurve, GridShape, Image, SegmentKind};
use crate::io::CurveSource;

/// Everything that decides a nanomechanics result. Serialised verbatim into the provenance
/// record; a TOML config file holds the same keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NanomechSettings {
    /// Contact model key (see `vegard models`).
    pub model: String,
    /// Tip radius R, m (spheres, paraboloids, DMT, JKR; punch radius for flat-punch).
    pub tip_radius_m: f64,
    /// Half-opening angle, degrees (cone; face angle for pyramids).
    pub half_angle_deg: f64,
    /// Poisson's ratio of the sample.
    pub poisson: f64,
    /// Young's modulus of the tip, Pa (None = rigid tip).
    pub tip_modulus_pa: Option<f64>,
    pub tip_poisson: f64,
    /// Segment to fit: approach or retract (None = the model's default).
    pub segment: Option<SegmentKind>,
    /// Fit window as fractions of the segment's force range (F_min + a·ΔF … F_min + b·ΔF);
    /// None = the model's default (dmt/jkr: 0.3–0.9 on the retract; others: full range).
    pub window: Option<[f64; 2]>,
    /// Contact-point method key.
    pub contact_point: String,
    /// Remove a linear baseline tilt (interference, drag) fitted to the approach before the
    /// contact point against tip position, from every segment, line pinned at the contact
    /// point (nanite `correct_force_slope`, region "all", strategy "shift"), then re-zero the
    /// baseline.
    pub correct_tilt: bool,
    /// Shift the tip position so that the contact point is at 0 (nanite's
    /// `correct_tip_offset`).
    pub correct_tip_offset: bool,
    /// Keep the baseline force fixed at 0 instead of fitting it.
    pub fix_baseline: bool,
    /// Crop the approach to its last `factor × (N − i_contact)` points before fitting (as
    /// the JPK Data Processing comparison in nanite's tests, factor 3). None = no crop.
    pub crop_factor: Option<f64>,
    /// Contact-point weighting distance, m (nanite's `weight_cp`; None = no weighting).
    pub weight_cp_m: Option<f64>,
    /// Film thickness h, m, for the Dimitriadis bottom-effect models (held fixed).
    pub film_thickness_m: Option<f64>,
    /// Override the file's spring constant, N/m (force is rescaled).
    pub spring_constant_n_per_m: Option<f64>,
    /// Override the file's deflection sensitivity (InvOLS), m/V (deflection and force are
    /// rescaled).
    pub sensitivity_m_per_v: Option<f64>,
    /// Fewer fit points than this flags the curve `too_few_points`.
    pub min_fit_points: usize,
    /// R² below this flags the curve `poor_fit` (None = never).
    pub min_r2: Option<f64>,
    /// A curve whose peak force is less than this many baseline-noise standard deviations
    /// above the baseline is flagged `no_contact` (a ramp that never reached the sample).
    /// The default 5 sits above the largest excursion of pure Gaussian noise, √(2 ln n) σ
    /// ≈ 4.3 σ for n = 10⁴ samples, and below weak but real QI contacts (≈ 8–10 σ in
    /// fmt-jpk-fd_2020.02.07 curves 1 and 2).
    pub min_contact_snr: f64,
}

impl Default for NanomechSettings {
    fn default() -> Self {
        NanomechSettings {
            model: "hertz-paraboloid".into(),
            tip_radius_m: 20e-9,
            half_angle_deg: 20.0,
            poisson: 0.5,
            tip_modulus_pa: None,
            tip_poisson: 0.2,
            segment: None,
            window: None,
            contact_point: ContactPointMethod::DeviationFromBaseline.key().into(),
            correct_tilt: false,
            correct_tip_offset: true,
            fix_baseline: false,
            crop_factor: None,
            weight_cp_m: None,
            film_thickness_m: None,
            spring_constant_n_per_m: None,
            sensitivity_m_per_v: None,
            min_fit_points: 8,
            min_r2: None,
            min_contact_snr: 5.0,
        }
    }
}

/// Why a curve's modulus is not to be trusted. A flagged curve is a masked pixel (drawn
/// white), never a failed batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The curve could not be read from the file.
    ReadError,
    /// No spring constant (or force channel) to compute forces.
    MissingCalibration,
    /// The segment to fit is missing or empty.
    MissingSegment,
    /// Preprocessing failed (all NaN, too short, ...).
    PreprocessFailed,
    /// The force never leaves the baseline: no contact part to fit.
    NoContact,
    /// Fewer fit points than `min_fit_points`.
    TooFewPoints,
    /// Fitted modulus ≤ 0.
    ModulusNotPositive,
    /// Fitted modulus NaN or infinite.
    ModulusNotFinite,
    /// Fitted contact point outside the measured x range.
    ContactPointOutside,
    /// The fitter did not converge.
    NoConvergence,
    /// R² below the configured threshold.
    PoorFit,
}

impl Flag {
    pub fn key(self) -> &'static str {
        match self {
            Flag::ReadError => "read_error",
            Flag::MissingCalibration => "missing_calibration",
            Flag::MissingSegment => "missing_segment",
            Flag::PreprocessFailed => "preprocess_failed",
            Flag::NoContact => "no_contact",
            Flag::TooFewPoints => "too_few_points",
            Flag::ModulusNotPositive => "modulus_not_positive",
            Flag::ModulusNotFinite => "modulus_not_finite",
            Flag::ContactPointOutside => "contact_point_outside",
            Flag::NoConvergence => "no_convergence",
            Flag::PoorFit => "poor_fit",
        }
    }

    pub fn all() -> &'static [Flag] {
        &[
            Flag::ReadError,
            Flag::MissingCalibration,
            Flag::MissingSegment,
            Flag::PreprocessFailed,
            Flag::NoContact,
            Flag::TooFewPoints,
            Flag::ModulusNotPositive,
            Flag::ModulusNotFinite,
            Flag::ContactPointOutside,
            Flag::NoConvergence,
            Flag::PoorFit,
        ]
    }
}

/// One curve's results (a JSON record; units in the names; NaN becomes `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveResult {
    pub file: String,
    pub index: usize,
    pub grid_x: Option<usize>,
    pub grid_y: Option<usize>,
    pub model: String,
    pub modulus_pa: f64,
    pub modulus_stderr_pa: f64,
    pub contact_point_m: f64,
    /// Index of the contact point in the fitted segment (from the contact-point method).
    pub contact_point_index: Option<usize>,
    pub baseline_n: f64,
    pub r2: f64,
    /// Other fitted parameters (e.g. JKR work of adhesion) by key.
    pub extra_params: Vec<(String, f64)>,
    pub adhesion_n: f64,
    pub peak_force_n: f64,
    pub deformation_m: f64,
    pub dissipation_j: f64,
    /// Tip-position range of the fitted points, m.
    pub fit_range_m: [f64; 2],
    /// Force window of the fit, N (absolute, baseline-corrected).
    pub fit_force_range_n: [f64; 2],
    pub n_fit_points: usize,
    pub spring_constant_n_per_m: Option<f64>,
    pub sensitivity_m_per_v: Option<f64>,
    pub flags: Vec<Flag>,
}

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

    /// Is the modulus usable (no flag)?
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

/// A resolved setup: model, tip, segment and window, checked once per batch.
pub struct Setup {
    pub settings: NanomechSettings,
    pub model: &'static dyn ContactModel,
    pub tip: Tip,
    pub segment: SegmentKind,
    pub window: Option<[f64; 2]>,
    pub contact_point: ContactPointMethod,
}

/// Settings that cannot work (unknown model, nonsense numbers).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid nanomechanics settings: {0}")]
pub struct SettingsError(pub String);

/// Is this model adhesive (fitted on the retract within a force window by default)?
fn is_adhesive(key: &str) -> bool {
    matches!(key, "dmt" | "jkr")
}

impl Setup {
    pub fn new(settings: &NanomechSettings) -> Result<Setup, SettingsError> {
        let model = models::by_key(&settings.model).ok_or_else(|| {
            let keys: Vec<&str> = models::registry().iter().map(|m| m.spec().key).collect();
            SettingsError(format!("unknown model '{}' (known: {})", settings.model, keys.join(", ")))
        })?;
        let positive = |v: f64, what: &str| {
            if v.is_finite() && v > 0.0 { Ok(()) } else { Err(SettingsError(format!("{what} must be > 0, got {v}"))) }
        };
        positive(settings.tip_radius_m, "tip radius")?;
        if !(settings.half_angle_deg > 0.0 && settings.half_angle_deg < 90.0) {
            return Err(SettingsError(format!(
                "half angle must be in (0, 90) degrees, got {}",
                settings.half_angle_deg
            )));
        }
        if !(settings.poisson > -1.0 && settings.poisson <= 0.5) {
            return Err(SettingsError(format!("Poisson's ratio must be in (-1, 0.5], got {}", settings.poisson)));
        }
        if let Some(k) = settings.spring_constant_n_per_m {
            positive(k, "spring constant")?;
        }
        if let Some(s) = settings.sensitivity_m_per_v {
            positive(s, "sensitivity")?;
        }
        let needs_film = model.spec().params.iter().any(|p| p.key == "film_thickness");
        match settings.film_thickness_m {
            None if needs_film => {
                return Err(SettingsError(format!(
                    "model '{}' needs the film thickness (--film-thickness)",
                    settings.model
                )));
            }
            Some(h) => positive(h, "film thickness")?,
            None => {}
        }
        let adhesive = is_adhesive(&settings.model);
        let segment = settings.segment.unwrap_or(if adhesive { SegmentKind::Retract } else { SegmentKind::Approach });
        let window = settings.window.or(if adhesive { Some([0.3, 0.9]) } else { None });
        if let Some([a, b]) = window
            && !((0.0..1.0).contains(&a) && a < b && b <= 1.0)
        {
            return Err(SettingsError(format!("fit window must satisfy 0 ≤ lower < upper ≤ 1, got {a}–{b}")));
        }
        let contact_point = ContactPointMethod::from_key(&settings.contact_point).ok_or_else(|| {
            let keys: Vec<&str> = ContactPointMethod::all().iter().map(|m| m.key()).collect();
            SettingsError(format!(
                "unknown contact-point method '{}' (known: {})",
                settings.contact_point,
                keys.join(", ")
            ))
        })?;
        let tip = Tip {
            radius_m: settings.tip_radius_m,
            half_angle_rad: settings.half_angle_deg.to_radians(),
            poisson: settings.poisson,
            tip_modulus_pa: settings.tip_modulus_pa,
            tip_poisson: settings.tip_poisson,
        };
        Ok(Setup { settings: settings.clone(), model, tip, segment, window, contact_point })
    }
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

/// Analyse one curve. With `detail`, also return the preprocessed data for plotting.
pub fn analyse_curve(
    mut curve: ForceCurve,
    file: &str,
    setup: &Setup,
    detail: bool,
) -> (CurveResult, Option<CurveDetail>) {
    let s = &setup.settings;
    let mut r = CurveResult::empty(file, curve.index, &s.model);
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
    if preprocess::compute_tip_position(&mut curve).is_err()
        || preprocess::correct_force_offset(&mut curve, preprocess::ForceOffsetMethod::BaselineMean).is_err()
    {
        // The offset needs a contact to find the baseline before it; on pure noise (a ramp
        // that stopped short) it fails. Say which of the two it was.
        r.flags.push(if is_noise_only(&curve, s.min_contact_snr) { Flag::NoContact } else { Flag::PreprocessFailed });
        return (r, None);
    }
    // The tilt line is pinned at the contact point, so the flattened baseline then sits at
    // minus the line's value there: zero it again with a second force offset.
    if s.correct_tilt
        && (preprocess::correct_tilt(
            &mut curve,
            setup.contact_point,
            preprocess::TiltRegion::All,
            preprocess::TiltStrategy::Shift,
        )
        .is_err()
            || preprocess::correct_force_offset(&mut curve, preprocess::ForceOffsetMethod::BaselineMean).is_err())
    {
        r.flags.push(Flag::PreprocessFailed);
        return (r, None);
    }
    if s.correct_tip_offset && preprocess::correct_tip_offset(&mut curve, setup.contact_point).is_err() {
        r.flags.push(Flag::NoContact);
    }
    let fitted = analyse_preprocessed(&curve, setup, &mut r);
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

/// Is the approach force nowhere above `snr` × its baseline noise (measured from the
/// baseline median, before any offset correction)?
fn is_noise_only(curve: &ForceCurve, snr: f64) -> bool {
    let Some(f) = curve.segment(SegmentKind::Approach).and_then(|g| g.data(&ChannelKind::Force)) else {
        return false;
    };
    let Some(sigma) = channels::baseline_noise(f) else { return false };
    let mut head: Vec<f64> =
        f[..(f.len() / 10).max(10).min(f.len())].iter().copied().filter(|v| v.is_finite()).collect();
    head.sort_by(f64::total_cmp);
    let base = head[head.len() / 2];
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

/// Fit the model on one segment; returns the fitted index range and parameter vector.
fn fit_segment(
    x: &[f64],
    f: &[f64],
    cp_force: Option<&[f64]>,
    setup: &Setup,
    r: &mut CurveResult,
) -> Option<((usize, usize), Vec<f64>)> {
    let s = &setup.settings;
    let adhesive = is_adhesive(&s.model);
    // Contact point by the chosen method (approach-type data: force rising at the end; a
    // retract is read backwards).
    let cp_index = match (setup.segment, cp_force) {
        (SegmentKind::Approach, Some(all)) => {
            contact_point::contact_point_index(all, setup.contact_point).ok().map(|i| i.min(f.len() - 1))
        }
        _ => {
            let rev: Vec<f64> = f.iter().rev().copied().collect();
            contact_point::contact_point_index(&rev, setup.contact_point).ok().map(|i| f.len() - 1 - i.min(f.len() - 1))
        }
    };
    r.contact_point_index = cp_index;
    // Fit range: a force window, a crop, or everything.
    let (start, end) = if let Some([lo, hi]) = setup.window {
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
        match w {
            Some(w) => {
                r.fit_force_range_n = [w.force_low_n, w.force_high_n];
                (w.start, w.end)
            }
            None => {
                r.flags.push(Flag::NoContact);
                return None;
            }
        }
    } else if let (Some(factor), Some(icp), SegmentKind::Approach) = (s.crop_factor, cp_index, setup.segment) {
        let n = f.len();
        let keep = ((factor * (n - icp) as f64) as usize).min(n);
        (n - keep, n)
    } else {
        (0, f.len())
    };
    let (xs, fs) = (&x[start..end], &f[start..end]);
    r.n_fit_points = xs.iter().zip(fs).filter(|(a, b)| a.is_finite() && b.is_finite()).count();
    let (xmin, xmax) =
        xs.iter().filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    r.fit_range_m = [xmin, xmax];
    if r.n_fit_points < s.min_fit_points.max(model_param_count(setup) + 1) {
        r.flags.push(Flag::TooFewPoints);
        return None;
    }
    // Initial values: contact point from the method (or the window's top for adhesive
    // models: the window lies entirely in contact), modulus scaled from the largest force.
    let cp0 = if adhesive {
        // DMT/JKR: the contact (δ = 0) is at the adhesion minimum, beyond the window.
        let (imin, _) = channels::adhesion(f).unwrap_or((f.len() - 1, 0.0));
        x[imin]
    } else {
        cp_index.map_or(xmax, |i| x[i])
    };
    let mut opts = FitOptions { contact_point_m: cp0, baseline_n: 0.0, ..FitOptions::default() };
    let spec = setup.model.spec();
    let (imax, fmax) = fs
        .iter()
        .copied()
        .enumerate()
        .filter(|p| p.1.is_finite())
        .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
    let delta_max = cp0 - xs[imax];
    let mut init: Vec<f64> = spec.params.iter().map(|p| p.default).collect();
    let mut fixed: Vec<String> = Vec::new();
    for (i, p) in spec.params.iter().enumerate() {
        match p.key {
            // Wolff & Hausen 2023 / Bruker: the adhesion is measured (pull-off minimum) and held fixed.
            "adhesion_force" => {
                init[i] = r.adhesion_n.max(0.0);
                fixed.push(p.key.into());
            }
            // JKR pull-off force 3/2 π w R (Johnson et al. 1971) gives the starting w.
            "work_of_adhesion" => {
                init[i] = (2.0 * r.adhesion_n / (3.0 * std::f64::consts::PI * setup.tip.radius_m)).max(1e-6);
            }
            // Dimitriadis film thickness: a measured input, never fitted.
            "film_thickness" => {
                init[i] = s.film_thickness_m.unwrap_or(p.default);
                fixed.push(p.key.into());
            }
            _ => {}
        }
    }
    if delta_max > 0.0 {
        // E from the largest force: every force law here scales with E at fixed δ (JKR
        // approximately), so F(δ_max; E = 1 Pa) sets the scale.
        let mut unit = init.clone();
        unit[0] = 1.0;
        let offset = if adhesive { r.adhesion_n.max(0.0) } else { 0.0 };
        let per_pa = setup.model.force(delta_max, &unit, &setup.tip) + offset;
        if per_pa.is_finite() && per_pa > 0.0 {
            init[0] = (fmax + offset) / per_pa;
        }
    }
    opts.fixed = fixed;
    if adhesive {
        // The adhesive term and a free baseline are the same constant offset: hold the
        // baseline at the corrected zero.
        opts.fixed.push("baseline".into());
    }
    if s.fix_baseline {
        opts.fixed.push("baseline".into());
    }
    opts.init = init;
    opts.weight_cp_m = s.weight_cp_m;
    match fit::fit_curve(setup.model, &setup.tip, xs, fs, &opts) {
        Ok(res) => {
            r.modulus_pa = res.modulus_pa();
            r.modulus_stderr_pa = res.stderr.first().copied().unwrap_or(f64::NAN);
            r.contact_point_m = res.contact_point_m();
            r.baseline_n = res.baseline_n();
            r.r2 = res.r2;
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
            let (xa, xb) = x
                .iter()
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let inside = r.contact_point_m >= xa && r.contact_point_m <= xb; // false for NaN
            if !inside {
                r.flags.push(Flag::ContactPointOutside);
            }
            if s.min_r2.is_some_and(|m| r.r2.is_nan() || r.r2 < m) {
                r.flags.push(Flag::PoorFit);
            }
            Some(((start, end), res.values))
        }
        Err(_) => {
            r.flags.push(Flag::NoConvergence);
            None
        }
    }
}

fn model_param_count(setup: &Setup) -> usize {
    setup.model.spec().params.len() + 2
}

/// Analyse every curve of a source in parallel. Each curve is read, analysed and dropped
/// inside the worker, so memory holds only the results and one curve per thread, whatever
/// the map size. `progress` is called after every block of curves with the number just
/// finished (an increment, so several files can share one progress bar).
pub fn analyse_source(
    source: &dyn CurveSource,
    file: &str,
    setup: &Setup,
    progress: &(dyn Fn(usize) + Sync),
) -> Vec<CurveResult> {
    const BLOCK: usize = 512;
    let n = source.n_curves();
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let block: Vec<CurveResult> = (start..end)
            .into_par_iter()
            .map(|i| match source.curve(i) {
                Ok(c) => analyse_curve(c, file, setup, false).0,
                Err(_) => CurveResult::read_error(file, i, &setup.settings.model),
            })
            .collect();
        progress(block.len());
        out.extend(block);
    }
    out
}

/// The maps of a force volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Maps {
    pub modulus: Image,
    pub adhesion: Image,
    pub deformation: Image,
    pub dissipation: Image,
    pub peak_force: Image,
    /// Contact-point height (topography at zero force), m.
    pub height: Image,
    pub r2: Image,
}

impl Maps {
    pub fn all(&self) -> [(&'static str, &Image); 7] {
        [
            ("modulus", &self.modulus),
            ("adhesion", &self.adhesion),
            ("deformation", &self.deformation),
            ("dissipation", &self.dissipation),
            ("peak_force", &self.peak_force),
            ("height", &self.height),
            ("r2", &self.r2),
        ]
    }
}

/// Arrange per-curve results on the grid. The modulus (and R², contact-point height) of a
/// flagged curve is masked; adhesion, deformation, dissipation and peak force are masked
/// only when the curve could not be read or preprocessed (they do not depend on the fit).
pub fn maps(results: &[CurveResult], grid: &GridShape, model_name: &str) -> Maps {
    let mk = |name: &str, unit: &str| {
        let mut im = Image::new(name, unit, grid.nx, grid.ny);
        im.size_m = grid.size_m;
        im
    };
    let mut m = Maps {
        modulus: mk(&format!("{model_name} modulus"), "Pa"),
        adhesion: mk("Adhesion", "N"),
        deformation: mk("Deformation", "m"),
        dissipation: mk("Dissipation", "J"),
        peak_force: mk("Peak force", "N"),
        height: mk("Contact-point height", "m"),
        r2: mk("Fit R²", ""),
    };
    for r in results {
        let (Some(x), Some(y)) = (r.grid_x, r.grid_y) else { continue };
        if x >= grid.nx || y >= grid.ny {
            continue;
        }
        let fit_ok = r.is_valid();
        let data_ok =
            !r.flags.iter().any(|f| matches!(f, Flag::ReadError | Flag::MissingCalibration | Flag::PreprocessFailed));
        m.modulus.set(x, y, r.modulus_pa, fit_ok);
        m.r2.set(x, y, r.r2, fit_ok);
        m.height.set(x, y, r.contact_point_m, fit_ok);
        m.adhesion.set(x, y, r.adhesion_n, data_ok);
        m.deformation.set(x, y, r.deformation_m, data_ok);
        m.dissipation.set(x, y, r.dissipation_j, data_ok);
        m.peak_force.set(x, y, r.peak_force_n, data_ok);
    }
    m
}

/// Count of each flag over a batch (for the summary).
pub fn flag_counts(results: &[CurveResult]) -> Vec<(Flag, usize)> {
    Flag::all()
        .iter()
        .map(|&f| (f, results.iter().filter(|r| r.flags.contains(&f)).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}
