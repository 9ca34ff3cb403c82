//! Force-curve preprocessing: tip position, force offset, baseline tilt, contact point,
//! approach/retract split and monotonic heights (Russell et al. 2025, §3.1: the force curve is force
//! against tip–sample separation; its contact region gives the modulus).
//!
//! Definitions follow nanite 4.2.3 (`nanite/preproc.py`; Müller et al., BMC Bioinformatics
//! 20, 465 (2019)) so that results can be compared with nanite/PyJibe sample for sample.
//! Every step works on all segments of a [`ForceCurve`]. "The ramp" below means the
//! segments from the first approach segment on, concatenated in file order: it is nanite's
//! data array (approach then retract), and contact-point indices count from its start.

use thiserror::Error;

use crate::data::{Channel, ChannelKind, ForceCurve, SegmentKind};
use crate::nanomech::contact_point::{self, ContactPointError, ContactPointMethod};
use crate::numerics::numpy_compat::{self, argmax, median_filter_nearest, pairwise_sum};

/// What stops a preprocessing step or a contact-point estimate.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PreprocessError {
    #[error("the curve has no approach segment")]
    NoApproach,
    #[error("no {0} channel in segment {1:?}")]
    MissingChannel(&'static str, String),
    #[error("no spring constant in the calibration (needed for tip position = height + F/k)")]
    NoSpringConstant,
    #[error("spring constant {0} N/m is not a positive finite number")]
    BadSpringConstant(f64),
    #[error("channel {channel} has unit {found:?}, expected {expected:?}")]
    WrongUnit { channel: &'static str, expected: &'static str, found: String },
    #[error("curve too short: needs at least {needed} samples in the loading part, found {found}")]
    CurveTooShort { needed: usize, found: usize },
    #[error("{channel} sample {index} is NaN or infinite")]
    NonFinite { channel: &'static str, index: usize },
    #[error("tip position ({other} samples) is shorter than the force ({force} samples)")]
    LengthMismatch { force: usize, other: usize },
    #[error("contact-point fit {method} failed: {reason}")]
    FitFailed { method: &'static str, reason: String },
    /// The contact point a step needs could not be found (its own message).
    #[error(transparent)]
    ContactPoint(#[from] ContactPointError),
    #[error("{0}")]
    Unsupported(String),
}

/// Name of the tip-position channel vegard computes (a file's own tip position keeps its name).
pub const COMPUTED_TIP_POSITION_NAME: &str = "tip position (height + F/k)";

/// Index of the first approach segment.
fn first_approach(curve: &ForceCurve) -> Result<usize, PreprocessError> {
    curve.segments.iter().position(|s| s.kind == SegmentKind::Approach).ok_or(PreprocessError::NoApproach)
}

/// A channel concatenated over the ramp (segments from the first approach on).
fn ramp(curve: &ForceCurve, kind: &ChannelKind, what: &'static str) -> Result<Vec<f64>, PreprocessError> {
    let start = first_approach(curve)?;
    let mut out = Vec::new();
    for s in &curve.segments[start..] {
        let data = s.data(kind).ok_or_else(|| PreprocessError::MissingChannel(what, s.name.clone()))?;
        out.extend_from_slice(data);
    }
    Ok(out)
}

/// Apply `f(ramp_index, value)` to a channel in every ramp segment.
fn map_ramp(
    curve: &mut ForceCurve,
    kind: &ChannelKind,
    mut f: impl FnMut(usize, f64) -> f64,
) -> Result<(), PreprocessError> {
    let start = first_approach(curve)?;
    let mut k = 0;
    for s in &mut curve.segments[start..] {
        if let Some(c) = s.channel_mut(kind) {
            for v in c.data.iter_mut() {
                *v = f(k, *v);
                k += 1;
            }
        }
    }
    Ok(())
}

fn check_unit(c: &Channel, what: &'static str, expected: &'static str) -> Result<(), PreprocessError> {
    if c.unit == expected {
        Ok(())
    } else {
        Err(PreprocessError::WrongUnit { channel: what, expected, found: c.unit.clone() })
    }
}

/// Tip position `z_tip = h + F/k` (nanite `compute_tip_position`).
///
/// h is the measured height (z sensor) or, when a segment has none, the piezo height
/// (nanite requires the measured height; the fallback is vegard's, for instruments without
/// a z sensor). Both heights grow away from the sample and a repulsive force bends the
/// cantilever up by F/k, so the tip sits F/k above the cantilever base: this reproduces
/// JPK's "Vertical Tip Position" (nanite: "with the checked option Use Unsmoothed Height").
/// A tip-position channel that came with the file is kept, as in nanite.
pub fn compute_tip_position(curve: &mut ForceCurve) -> Result<(), PreprocessError> {
    let k = curve.calibration.spring_constant_n_per_m.ok_or(PreprocessError::NoSpringConstant)?;
    if !(k.is_finite() && k > 0.0) {
        return Err(PreprocessError::BadSpringConstant(k));
    }
    let use_measured = curve.segments.iter().all(|s| s.channel(&ChannelKind::MeasuredHeight).is_some());
    let height_kind = if use_measured { ChannelKind::MeasuredHeight } else { ChannelKind::PiezoHeight };
    for s in &mut curve.segments {
        if let Some(tp) = s.channel(&ChannelKind::TipPosition)
            && tp.name != COMPUTED_TIP_POSITION_NAME
        {
            continue;
        }
        let force =
            s.channel(&ChannelKind::Force).ok_or_else(|| PreprocessError::MissingChannel("force", s.name.clone()))?;
        check_unit(force, "force", "N")?;
        let height = s
            .channel(&height_kind)
            .ok_or_else(|| PreprocessError::MissingChannel("height (measured or piezo)", s.name.clone()))?;
        check_unit(height, "height", "m")?;
        let tip: Vec<f64> = height.data.iter().zip(&force.data).map(|(&h, &f)| h + f / k).collect();
        s.set_channel(Channel::new(ChannelKind::TipPosition, COMPUTED_TIP_POSITION_NAME, "m", tip));
    }
    Ok(())
}

/// How the force offset (baseline level) is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForceOffsetMethod {
    /// nanite's `correct_force_offset`: mean force before the contact point found by
    /// deviation from baseline, `F_off = ⟨F[0 .. cp]⟩` (the first sample if cp = 0).
    #[default]
    BaselineMean,
    /// Same, with the contact point from another method.
    BaselineMeanWith(ContactPointMethod),
    /// The first sample of the approach (what nanite falls back to when cp = 0).
    FirstSample,
}

/// Subtract the baseline force level from every segment; returns the offset, N.
pub fn correct_force_offset(curve: &mut ForceCurve, method: ForceOffsetMethod) -> Result<f64, PreprocessError> {
    let force = ramp(curve, &ChannelKind::Force, "force")?;
    let first = *force.first().ok_or(PreprocessError::CurveTooShort { needed: 2, found: 0 })?;
    let offset = match method {
        ForceOffsetMethod::FirstSample => first,
        ForceOffsetMethod::BaselineMean => baseline_mean(&force, ContactPointMethod::DeviationFromBaseline)?,
        ForceOffsetMethod::BaselineMeanWith(m) => baseline_mean(&force, m)?,
    };
    for s in &mut curve.segments {
        if let Some(c) = s.channel_mut(&ChannelKind::Force) {
            for v in c.data.iter_mut() {
                *v -= offset;
            }
        }
    }
    Ok(offset)
}

fn baseline_mean(force: &[f64], method: ContactPointMethod) -> Result<f64, PreprocessError> {
    let idp = contact_point::contact_point_index(force, method)?;
    Ok(if idp == 0 { force[0] } else { numpy_compat::mean(&force[..idp]) })
}

/// Shift the tip position so that it is zero at the contact point (nanite
/// `correct_tip_offset`); returns the subtracted tip position, m. Needs
/// [`compute_tip_position`] first.
pub fn correct_tip_offset(curve: &mut ForceCurve, method: ContactPointMethod) -> Result<f64, PreprocessError> {
    let force = ramp(curve, &ChannelKind::Force, "force")?;
    let tip = ramp(curve, &ChannelKind::TipPosition, "tip position (run compute_tip_position first)")?;
    if tip.len() != force.len() {
        return Err(PreprocessError::LengthMismatch { force: force.len(), other: tip.len() });
    }
    let cp = contact_point::contact_point_index_xy(Some(&tip), &force, method)?;
    let offset = tip[cp];
    for s in &mut curve.segments {
        if let Some(c) = s.channel_mut(&ChannelKind::TipPosition) {
            for v in c.data.iter_mut() {
                *v -= offset;
            }
        }
    }
    Ok(offset)
}

/// Which samples a baseline-tilt correction changes (nanite `correct_force_slope`, `region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TiltRegion {
    /// Only the baseline before the contact point (nanite's default); the line is pinned to
    /// zero at the contact point so the indentation part is untouched.
    #[default]
    Baseline,
    /// The approach up to the turning point (deepest indentation).
    Approach,
    /// Every sample of the ramp, line pinned to zero at the contact point.
    All,
}

/// Abscissa of the tilt (nanite `correct_force_slope`, `strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TiltStrategy {
    /// Force depends on tip–sample distance (optical interference, hydrodynamic drag):
    /// fit against the tip position (nanite "shift", default).
    #[default]
    Shift,
    /// Force drifts in time (thermal drift): fit against time (nanite "drift").
    Drift,
}

/// The line removed by [`correct_tilt`]: `F_tilt(u) = slope · u + intercept` (u = tip
/// position in m or time in s), pinned at sample `pinned_at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TiltCorrection {
    pub slope: f64,
    pub intercept: f64,
    pub contact_index: usize,
}

/// Baseline tilt correction (nanite `correct_force_slope`): fit a straight line by least
/// squares to the force before the contact point, `F ≈ s·u + c` over `i < cp`
/// (cp ≥ 2), and subtract it, shifted so that it is zero at the contact point
/// (Baseline/All) or at the turning point (Approach), from the chosen region. Needs the
/// tip position ([`compute_tip_position`]); the contact point comes from `method` (nanite
/// uses the sample where the offset-corrected tip position is closest to zero, i.e. the
/// contact point of the preceding `correct_tip_offset`).
pub fn correct_tilt(
    curve: &mut ForceCurve,
    method: ContactPointMethod,
    region: TiltRegion,
    strategy: TiltStrategy,
) -> Result<TiltCorrection, PreprocessError> {
    let force = ramp(curve, &ChannelKind::Force, "force")?;
    let tip = ramp(curve, &ChannelKind::TipPosition, "tip position (run compute_tip_position first)")?;
    let u = match strategy {
        TiltStrategy::Shift => tip.clone(),
        TiltStrategy::Drift => ramp(curve, &ChannelKind::Time, "time")?,
    };
    if tip.len() != force.len() || u.len() != force.len() {
        return Err(PreprocessError::LengthMismatch { force: force.len(), other: tip.len().min(u.len()) });
    }
    let idp = contact_point::contact_point_index_xy(Some(&tip), &force, method)?.max(2);
    if idp > force.len() {
        return Err(PreprocessError::CurveTooShort { needed: idp, found: force.len() });
    }
    let (slope, intercept) = fit_line(&u[..idp], &force[..idp]).ok_or(PreprocessError::FitFailed {
        method: "correct_tilt",
        reason: "the baseline abscissa is constant".into(),
    })?;
    let line = |x: f64| slope * x + intercept;
    let (end, pin) = match region {
        TiltRegion::Baseline => (idp, line(u[idp - 1])),
        TiltRegion::All => (force.len(), line(u[idp.min(force.len() - 1)])),
        TiltRegion::Approach => {
            let turn = turning_point(&tip, &force, idp).max(2);
            (turn, line(u[turn - 1]))
        }
    };
    map_ramp(curve, &ChannelKind::Force, |k, v| if k < end { v - (line(u[k]) - pin) } else { v })?;
    Ok(TiltCorrection { slope, intercept, contact_index: idp })
}

/// Ordinary least-squares line through (x, y): (slope, intercept).
fn fit_line(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let sxx: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    (sxx > 0.0).then(|| (sxy / sxx, my - sxy / sxx * mx))
}

/// Turning point (nanite `find_turning_point`): the sample farthest from the contact point
/// in normalised (indentation, force) coordinates. Tip position relative to the contact
/// point is scaled so the deepest indentation is 1 (heights above contact → 0); the force,
/// minus the baseline mean, is scaled to a maximum of 1 and values below the baseline
/// standard deviation are zeroed; the turning point is `argmax(x² + y²)`.
pub fn turning_point(tip_position: &[f64], force: &[f64], contact_index: usize) -> usize {
    let idp = contact_index.min(force.len());
    let x0 = tip_position.get(idp).copied().unwrap_or(0.0);
    let mut x: Vec<f64> = tip_position.iter().map(|&v| v - x0).collect();
    let xmin = x.iter().copied().fold(f64::INFINITY, f64::min);
    if xmin != 0.0 {
        x.iter_mut().for_each(|v| *v /= xmin);
    }
    x.iter_mut().for_each(|v| *v = v.max(0.0));
    let base = &force[..idp];
    let avg = if base.is_empty() { f64::NAN } else { numpy_compat::mean(base) };
    let mut y: Vec<f64> = force.iter().map(|&f| f - avg).collect();
    let ymax = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    y.iter_mut().for_each(|v| *v /= ymax);
    let sd = if idp == 0 { f64::NAN } else { numpy_compat::std(&y[..idp]) };
    y.iter_mut().for_each(|v| {
        if *v < sd {
            *v = 0.0
        }
    });
    let r: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * a + b * b).collect();
    argmax(&r).unwrap_or(0)
}

/// Re-split approach and retract at the turning point (nanite
/// `correct_split_approach_retract`): the instrument switches segments when the piezo
/// turns, but the force can keep rising for a few samples (system lag, cantilever
/// relaxation), so samples up to the deepest indentation are moved into the approach.
/// The contact point for the turning-point search is the deviation from baseline on the
/// whole ramp. Needs the tip position and a ramp of exactly one approach followed by one
/// retract segment. Returns the new approach length.
pub fn correct_split_approach_retract(curve: &mut ForceCurve) -> Result<usize, PreprocessError> {
    let start = first_approach(curve)?;
    let kinds: Vec<SegmentKind> = curve.segments[start..].iter().map(|s| s.kind).collect();
    if kinds != [SegmentKind::Approach, SegmentKind::Retract] {
        return Err(PreprocessError::Unsupported(format!(
            "splitting approach/retract needs an approach followed by a retract segment, found {kinds:?}"
        )));
    }
    let force = ramp(curve, &ChannelKind::Force, "force")?;
    if let Some(index) = force.iter().position(|v| !v.is_finite()) {
        return Err(PreprocessError::NonFinite { channel: "force", index });
    }
    let tip = ramp(curve, &ChannelKind::TipPosition, "tip position (run compute_tip_position first)")?;
    let idp = contact_point::baseline_deviation::index(&force)
        .filter(|&i| i > 0)
        .ok_or_else(|| PreprocessError::Unsupported("cannot split approach/retract: no contact point found".into()))?;
    let turn = turning_point(&tip, &force, idp);
    let (app, ret) = curve.segments.split_at_mut(start + 1);
    let (app, ret) = (&mut app[start], &mut ret[0]);
    let n_app = app.len();
    // every channel present in both segments is re-split; others cannot stay consistent
    let kinds: Vec<ChannelKind> =
        app.channels.iter().map(|c| c.kind.clone()).filter(|k| ret.channel(k).is_some()).collect();
    app.channels.retain(|c| kinds.contains(&c.kind));
    ret.channels.retain(|c| kinds.contains(&c.kind));
    for kind in &kinds {
        let (Some(a), Some(r)) = (app.channel_mut(kind), ret.channel_mut(kind)) else { continue };
        let mut all = std::mem::take(&mut a.data);
        all.append(&mut r.data);
        r.data = all.split_off(turn.min(all.len()));
        a.data = all;
    }
    if turn != n_app {
        app.duration_s = None;
        ret.duration_s = None;
    }
    Ok(turn)
}

/// Make the height channels monotonic (nanite `smooth_height` / `smooth_axis_monotone`).
///
/// Each of measured height, piezo height and tip position, separately in every approach and
/// retract segment, is median-filtered (window 15, edges repeated); while the result is not
/// monotonic (|Σ g| ≠ Σ |g| for its gradient g) the window is doubled plus one. Runs of
/// equal values are then spread linearly towards the next distinct value so that the axis
/// is strictly monotonic, as nanite does.
pub fn smooth_height(curve: &mut ForceCurve) -> Result<(), PreprocessError> {
    for s in &mut curve.segments {
        if !matches!(s.kind, SegmentKind::Approach | SegmentKind::Retract) {
            continue;
        }
        for kind in [ChannelKind::MeasuredHeight, ChannelKind::PiezoHeight, ChannelKind::TipPosition] {
            if let Some(c) = s.channel_mut(&kind) {
                if c.data.is_empty() {
                    continue;
                }
                if let Some(index) = c.data.iter().position(|v| !v.is_finite()) {
                    return Err(PreprocessError::NonFinite { channel: "height", index });
                }
                c.data = smooth_axis_monotone(&c.data)?;
            }
        }
    }
    Ok(())
}

/// nanite `smooth_axis_monotone(data, window=15, max_iter=1000)`.
pub fn smooth_axis_monotone(data: &[f64]) -> Result<Vec<f64>, PreprocessError> {
    const MAX_ITER: usize = 1000;
    let mut window = 15usize;
    let mut smooth = median_filter_nearest(data, window);
    loop {
        let g = numpy_compat::gradient(&smooth);
        let abs: Vec<f64> = g.iter().map(|v| v.abs()).collect();
        if pairwise_sum(&g).abs() == pairwise_sum(&abs) {
            break;
        }
        window = window * 2 + 1;
        // nanite would go on to absurd windows; beyond 8× the data length the filter
        // output no longer changes in character, so we stop with an error instead.
        if window > 8 * data.len() + 16 {
            return Err(PreprocessError::Unsupported("height cannot be made monotonic by median filtering".into()));
        }
        smooth = median_filter_nearest(data, window);
    }
    let n = smooth.len();
    for _ in 0..MAX_ITER {
        let mut sorted = smooth.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.windows(2).all(|w| w[0] != w[1]) {
            return Ok(smooth);
        }
        // first run of equal neighbours
        let mut equal = Vec::new();
        let mut myset = false;
        for ii in 0..n.saturating_sub(1) {
            if smooth[ii + 1] == smooth[ii] {
                equal.push(ii + 1);
                myset = true;
            } else if myset {
                break;
            }
            if n == ii + 2 {
                break;
            }
        }
        let (Some(&first), Some(&last)) = (equal.first(), equal.last()) else {
            // equal values that are not neighbours: the axis is not monotonic after all
            return Err(PreprocessError::Unsupported("height has repeated non-adjacent values".into()));
        };
        let len = equal.len() as f64;
        for (count, &idx) in equal.iter().enumerate() {
            if last + 1 < n {
                smooth[idx] += (smooth[last + 1] - smooth[first]) / (len + 5.0) * (count + 1) as f64;
            } else {
                // run reaches the end: nudge the last sample by a tenth of the first step
                let dx = (smooth[1] - smooth[0]) / 10.0;
                smooth[n - 1] += dx;
            }
        }
    }
    Err(PreprocessError::Unsupported("height: equal values could not be separated".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Calibration, Segment};

    /// Approach of `n` samples (contact at `ic`, Hertz-like) and a mirrored retract.
    fn synthetic(n: usize, ic: usize, offset: f64) -> ForceCurve {
        let mut c = ForceCurve::new(0);
        c.calibration = Calibration { spring_constant_n_per_m: Some(0.05), sensitivity_m_per_v: None };
        let h: Vec<f64> = (0..n).map(|i| 3e-6 - 1e-9 * i as f64).collect();
        let f: Vec<f64> =
            (0..n).map(|i| offset + if i > ic { 1e-9 * ((i - ic) as f64 / 100.0).powf(1.5) } else { 0.0 }).collect();
        let t: Vec<f64> = (0..n).map(|i| i as f64 * 1e-3).collect();
        for (kind, name, rev) in [(SegmentKind::Approach, "extend", false), (SegmentKind::Retract, "retract", true)] {
            let mut s = Segment::new(kind, name);
            let pick = |v: &Vec<f64>| if rev { v.iter().rev().copied().collect() } else { v.clone() };
            s.set_channel(Channel::new(ChannelKind::MeasuredHeight, "measuredHeight", "m", pick(&h)));
            s.set_channel(Channel::new(ChannelKind::Force, "vDeflection", "N", pick(&f)));
            s.set_channel(Channel::new(ChannelKind::Time, "t", "s", t.clone()));
            c.segments.push(s);
        }
        c
    }

    #[test]
    fn tip_position_is_height_plus_force_over_k() {
        let mut c = synthetic(200, 120, 1e-10);
        compute_tip_position(&mut c).unwrap();
        let s = &c.segments[0];
        let (h, f, z) = (
            s.data(&ChannelKind::MeasuredHeight).unwrap(),
            s.data(&ChannelKind::Force).unwrap(),
            s.data(&ChannelKind::TipPosition).unwrap(),
        );
        for i in [0, 150, 199] {
            assert_eq!(z[i], h[i] + f[i] / 0.05);
        }
        c.calibration.spring_constant_n_per_m = None;
        assert_eq!(compute_tip_position(&mut c), Err(PreprocessError::NoSpringConstant));
    }

    #[test]
    fn missing_force_is_named() {
        let mut c = synthetic(50, 30, 0.0);
        c.segments[1].channels.retain(|ch| ch.kind != ChannelKind::Force);
        let e = compute_tip_position(&mut c).unwrap_err();
        assert_eq!(e, PreprocessError::MissingChannel("force", "retract".into()));
        assert!(e.to_string().contains("no force channel"));
    }

    #[test]
    fn force_offset_removes_baseline() {
        let mut c = synthetic(400, 250, 3e-10);
        let off = correct_force_offset(&mut c, ForceOffsetMethod::BaselineMean).unwrap();
        assert!((off - 3e-10).abs() < 1e-24, "{off}");
        let f = c.segments[0].data(&ChannelKind::Force).unwrap();
        assert!(f[0].abs() < 1e-24 && f[399] > 0.0);
        let off2 = correct_force_offset(&mut c, ForceOffsetMethod::FirstSample).unwrap();
        assert!(off2.abs() < 1e-24);
    }

    #[test]
    fn tip_offset_zero_at_contact() {
        let mut c = synthetic(400, 250, 0.0);
        compute_tip_position(&mut c).unwrap();
        correct_tip_offset(&mut c, ContactPointMethod::DeviationFromBaseline).unwrap();
        let z = c.segments[0].data(&ChannelKind::TipPosition).unwrap();
        // first sample above the (zero-width) baseline band is 251
        assert_eq!(z[251], 0.0);
        let mut bare = synthetic(100, 60, 0.0);
        assert!(matches!(
            correct_tip_offset(&mut bare, ContactPointMethod::FrechetDirectPath),
            Err(PreprocessError::MissingChannel(..))
        ));
    }

    #[test]
    fn tilt_is_removed_from_baseline() {
        let mut c = synthetic(600, 400, 0.0);
        // add a tilt linear in height to approach and retract
        for s in &mut c.segments {
            let h = s.data(&ChannelKind::MeasuredHeight).unwrap().to_vec();
            let f = s.channel_mut(&ChannelKind::Force).unwrap();
            for (v, hh) in f.data.iter_mut().zip(&h) {
                *v += 1e-4 * (hh - 3e-6);
            }
        }
        compute_tip_position(&mut c).unwrap();
        let t =
            correct_tilt(&mut c, ContactPointMethod::FitLinePolynomial, TiltRegion::All, TiltStrategy::Shift).unwrap();
        // slope against tip position; the tip moves as the height before contact
        assert!((t.slope - 1e-4).abs() < 1e-6, "{t:?}");
        // the line is pinned at the contact point: the baseline becomes flat at the force
        // the tilt had reached there (≈ −4e-11 N), it is not pulled to zero
        let f = c.segments[0].data(&ChannelKind::Force).unwrap();
        let (lo, hi) = f[..380].iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        assert!(hi - lo < 1e-15, "baseline flat after correction: spread {}", hi - lo);
        assert!((f[0] + 4e-11).abs() < 2e-12, "{}", f[0]);
    }

    #[test]
    fn split_moves_lagging_samples_to_approach() {
        let mut c = synthetic(300, 150, 0.0);
        // the force keeps rising for 5 samples of the retract (piezo lag)
        let app_f = c.segments[0].data(&ChannelKind::Force).unwrap().to_vec();
        let app_h = c.segments[0].data(&ChannelKind::MeasuredHeight).unwrap().to_vec();
        let r = &mut c.segments[1];
        let mut rf = r.data(&ChannelKind::Force).unwrap().to_vec();
        let mut rh = r.data(&ChannelKind::MeasuredHeight).unwrap().to_vec();
        for k in 0..5 {
            rf.insert(k, app_f[299] + 1e-11 * (k + 1) as f64);
            rh.insert(k, app_h[299] - 1e-9 * (k + 1) as f64);
            rf.pop();
            rh.pop();
        }
        r.set_channel(Channel::new(ChannelKind::Force, "vDeflection", "N", rf));
        r.set_channel(Channel::new(ChannelKind::MeasuredHeight, "measuredHeight", "m", rh));
        compute_tip_position(&mut c).unwrap();
        let n_app = correct_split_approach_retract(&mut c).unwrap();
        // the deepest sample (retract index 4 = ramp index 304) opens the new retract,
        // as nanite's `segment[idturn:] = 1`
        assert_eq!(n_app, 304);
        assert_eq!(c.segments[0].len(), 304);
        assert_eq!(c.segments[1].len(), 296);
    }

    #[test]
    fn smooth_height_is_strictly_monotonic() {
        // staircase height (quantised sensor) with a glitch
        let mut h: Vec<f64> = (0..200).map(|i| 1e-6 - 1e-9 * (i / 4) as f64).collect();
        h[57] += 5e-9;
        let s = smooth_axis_monotone(&h).unwrap();
        assert!(s.windows(2).all(|w| w[1] < w[0]), "strictly decreasing");
        assert!((s[100] - h[100]).abs() < 3e-9);
    }
}
