//! Everything that decides a nanomechanics result, checked before any work starts.
//!
//! [`NanomechSettings`] is the one definition of the settings: its keys are the TOML config
//! keys, the JSON `provenance.parameters` block, and (with the CLI's flag names beside them)
//! what the command line and the Python package accept. Physical inputs the user must choose
//! have no default: the contact model, the tip geometry that model needs and the sample's
//! Poisson ratio. Everything else has a stated default ([`NanomechSettings::default`]),
//! shown by `vegard nanomech --help` and recorded, resolved, in the provenance.
//!
//! [`Setup::new`] turns settings into a checked, resolved setup: it refuses what cannot
//! work (unknown model, geometry the model does not use, a Poisson ratio above 0.5) and
//! magnitudes that are almost certainly a unit mistake ("10 m is not a tip radius; did you
//! mean 10nm or 10um?").

use serde::{Deserialize, Serialize};

use super::contact_point::ContactPointMethod;
use super::models::{self, ContactModel, TipShape};
use crate::data::SegmentKind;
use crate::units::format_si;

/// Everything that decides a nanomechanics result. Serialised (resolved, see
/// [`Setup::settings`]) into the provenance record; a TOML config file holds the same keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NanomechSettings {
    /// Contact model key (see `vegard models`). Required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Tip radius R, m (spheres, paraboloids, DMT, JKR, thin films; punch radius for
    /// flat-punch). Required by those models, refused by the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_radius_m: Option<f64>,
    /// Half-opening angle, degrees (cone; face angle for pyramids). Required by those
    /// models, refused by the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub half_angle_deg: Option<f64>,
    /// Poisson's ratio of the sample. Required (0.5 for incompressible soft matter, about
    /// 0.2–0.35 for ceramics, metals and inorganic SEI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poisson: Option<f64>,
    /// Young's modulus of the tip, Pa (absent = rigid tip).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_modulus_pa: Option<f64>,
    /// Poisson's ratio of the tip; required with `tip_modulus_pa`, refused without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_poisson: Option<f64>,
    /// Segment to fit: approach or retract (absent = the model's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<SegmentKind>,
    /// Fit window as fractions of the segment's force range (F_min + a·ΔF … F_min + b·ΔF);
    /// absent = the model's default (dmt/jkr: 0.3–0.9 on the retract; others: full range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<[f64; 2]>,
    /// Contact-point method key (default `deviation_from_baseline`).
    pub contact_point: String,
    /// Remove a linear baseline tilt (interference, drag) fitted to the approach before the
    /// contact point against tip position, from every segment, line pinned at the contact
    /// point (nanite `correct_force_slope`, region "all", strategy "shift"), then re-zero the
    /// baseline (default false).
    pub correct_tilt: bool,
    /// Shift the tip position so that the contact point is at 0 (nanite's
    /// `correct_tip_offset`; default true). The height-at-contact map does not depend on it.
    pub correct_tip_offset: bool,
    /// Keep the baseline force fixed at 0 instead of fitting it (default false).
    pub fix_baseline: bool,
    /// Crop the approach to its last `factor × (N − i_contact)` points before fitting (as
    /// the JPK Data Processing comparison in nanite's tests, factor 3). Absent = no crop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crop_factor: Option<f64>,
    /// Contact-point weighting distance, m (nanite's `weight_cp`; absent = no weighting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_cp_m: Option<f64>,
    /// Film thickness h, m, for the Dimitriadis thin-film models (held fixed). Required by
    /// those models, refused by the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub film_thickness_m: Option<f64>,
    /// Override the file's spring constant, N/m (force is rescaled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spring_constant_n_per_m: Option<f64>,
    /// Override the file's deflection sensitivity (InvOLS), m/V (deflection and force are
    /// rescaled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity_m_per_v: Option<f64>,
    /// Fewer fit points than this flags the curve `too_few_points` (default 8).
    pub min_fit_points: usize,
    /// R² of the fit below this flags the curve `poor_fit` (default 0.9: the model explains
    /// less than 90 % of the force variance in the fit window).
    pub min_r2: f64,
    /// A curve whose peak force is less than this many baseline-noise standard deviations
    /// above the baseline is flagged `no_contact` (a ramp that never reached the sample).
    /// The default 5 sits above the largest excursion of pure Gaussian noise, √(2 ln n) σ
    /// ≈ 4.3 σ for n = 10⁴ samples, and below weak but real QI contacts (≈ 8–10 σ in
    /// fmt-jpk-fd_2020.02.07 curves 1 and 2).
    pub min_contact_snr: f64,
    /// The largest indentation in the fit above this multiple of the model's validity length
    /// (R for spheres, paraboloids, DMT and JKR; the punch radius a; min(R, h²/R) for thin
    /// films) flags the curve `beyond_validity` (default 1).
    pub max_indentation_ratio: f64,
}

/// Default contact-point method.
pub const DEFAULT_CONTACT_POINT: ContactPointMethod = ContactPointMethod::DeviationFromBaseline;
/// Default `min_fit_points`.
pub const DEFAULT_MIN_FIT_POINTS: usize = 8;
/// Default `min_r2`.
pub const DEFAULT_MIN_R2: f64 = 0.9;
/// Default `min_contact_snr`.
pub const DEFAULT_MIN_CONTACT_SNR: f64 = 5.0;
/// Default `max_indentation_ratio`.
pub const DEFAULT_MAX_INDENTATION_RATIO: f64 = 1.0;

impl Default for NanomechSettings {
    fn default() -> Self {
        NanomechSettings {
            model: None,
            tip_radius_m: None,
            half_angle_deg: None,
            poisson: None,
            tip_modulus_pa: None,
            tip_poisson: None,
            segment: None,
            window: None,
            contact_point: DEFAULT_CONTACT_POINT.key().into(),
            correct_tilt: false,
            correct_tip_offset: true,
            fix_baseline: false,
            crop_factor: None,
            weight_cp_m: None,
            film_thickness_m: None,
            spring_constant_n_per_m: None,
            sensitivity_m_per_v: None,
            min_fit_points: DEFAULT_MIN_FIT_POINTS,
            min_r2: DEFAULT_MIN_R2,
            min_contact_snr: DEFAULT_MIN_CONTACT_SNR,
            max_indentation_ratio: DEFAULT_MAX_INDENTATION_RATIO,
        }
    }
}

/// Settings that cannot work (unknown model, missing geometry, nonsense numbers), with what
/// to do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid nanomechanics settings: {0}")]
pub struct SettingsError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, SettingsError> {
    Err(SettingsError(msg.into()))
}

impl NanomechSettings {
    /// Settings from layers: the defaults, then a TOML config text (if any), then overrides
    /// by key (the command-line flags, or Python keyword arguments). Unknown keys are an
    /// error naming them; `source` names the config in messages.
    pub fn from_layers(
        config: Option<(&str, &str)>,
        overrides: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<NanomechSettings, SettingsError> {
        let mut merged = serde_json::Map::new();
        if let Some((source, text)) = config {
            let table: serde_json::Value =
                toml::from_str(text).map_err(|e| SettingsError(format!("config {source}: {e}")))?;
            if let serde_json::Value::Object(m) = table {
                merged.extend(m);
            }
            // Check the config alone first, so its errors name the config.
            serde_json::from_value::<NanomechSettings>(serde_json::Value::Object(merged.clone()))
                .map_err(|e| SettingsError(format!("config {source}: {e}")))?;
        }
        merged.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        serde_json::from_value(serde_json::Value::Object(merged.clone()))
            .map_err(|e| SettingsError(name_the_key(&merged, e)))
    }
}

/// Every settings key with what it means, for references (`vegard.nanomech.settings_reference()`
/// in Python, docs). A test holds it equal to the fields of [`NanomechSettings`].
pub const KEYS: [(&str, &str); 21] = [
    ("model", "contact model key (required; `vegard models`)"),
    ("tip_radius_m", "tip radius R, m (spheres, paraboloids, DMT, JKR, films; punch radius for flat-punch)"),
    ("half_angle_deg", "half-opening angle of cones, face angle of pyramids, degrees"),
    ("poisson", "Poisson's ratio of the sample (required)"),
    ("tip_modulus_pa", "Young's modulus of the tip, Pa (absent: rigid tip)"),
    ("tip_poisson", "Poisson's ratio of the tip (required with tip_modulus_pa)"),
    ("segment", "segment to fit: approach or retract (absent: the model's)"),
    ("window", "fit window as fractions of the force range [a, b] (absent: the model's)"),
    ("contact_point", "contact-point method key"),
    ("correct_tilt", "remove a linear baseline tilt before the contact point"),
    ("correct_tip_offset", "shift the tip position to put the contact point at 0"),
    ("fix_baseline", "hold the baseline force at 0 instead of fitting it"),
    ("crop_factor", "fit only the last factor × (N − contact index) approach points (absent: no crop)"),
    ("weight_cp_m", "down-weight residuals within this distance of the contact point, m"),
    ("film_thickness_m", "film thickness h for the Dimitriadis thin-film models, m"),
    ("spring_constant_n_per_m", "override the file's spring constant, N/m"),
    ("sensitivity_m_per_v", "override the file's deflection sensitivity (InvOLS), m/V"),
    ("min_fit_points", "fewer fit points than this flags too_few_points"),
    ("min_r2", "R² below this flags poor_fit"),
    ("min_contact_snr", "peak force below this many baseline-noise σ flags no_contact"),
    ("max_indentation_ratio", "indentation above this × the model's validity length flags beyond_validity"),
];

/// Short names for the settings whose keys carry a unit (`tip_radius` for `tip_radius_m`):
/// the command line's flag names, and what Python users write. A short name takes a number
/// in the key's SI unit or a string with its unit (`"10um"`, `"20deg"`, `"40mN/m"`).
/// (short name, settings key, unit the string is parsed in).
pub const SHORT_NAMES: [(&str, &str, &str); 7] = [
    ("tip_radius", "tip_radius_m", "m"),
    ("half_angle", "half_angle_deg", "deg"),
    ("tip_modulus", "tip_modulus_pa", "Pa"),
    ("weight_cp", "weight_cp_m", "m"),
    ("film_thickness", "film_thickness_m", "m"),
    ("spring_constant", "spring_constant_n_per_m", "N/m"),
    ("sensitivity", "sensitivity_m_per_v", "m/V"),
];

/// A quantity given as text with its unit, in the unit of `key`.
fn parse_with_unit(name: &str, text: &str, unit: &str) -> Result<f64, SettingsError> {
    let parsed = if unit == "deg" {
        crate::units::parse_angle(text).map(f64::to_degrees)
    } else {
        crate::units::parse_quantity(text, unit)
    };
    parsed.map_err(|e| SettingsError(format!("{name}: {e}")))
}

impl NanomechSettings {
    /// [`NanomechSettings::from_layers`] with named overrides as people write them: every
    /// settings key, or its short name from [`SHORT_NAMES`] (a number in SI units, or a
    /// string with its unit). Giving a key and its short name together is an error.
    pub fn from_named(
        config: Option<(&str, &str)>,
        named: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<NanomechSettings, SettingsError> {
        let mut overrides = serde_json::Map::new();
        for (name, value) in named {
            let short = SHORT_NAMES.iter().find(|(s, _, _)| s == name);
            let (key, unit) = match short {
                Some((_, key, unit)) => (*key, Some(*unit)),
                None => (name.as_str(), SHORT_NAMES.iter().find(|(_, k, _)| k == name).map(|(_, _, u)| *u)),
            };
            if overrides.contains_key(key) {
                return err(format!("{key} given twice (as {key} and as its short name); give one"));
            }
            let value = match (value, unit) {
                (serde_json::Value::String(text), Some(unit)) => {
                    serde_json::json!(parse_with_unit(name, text, unit)?)
                }
                (v, _) => v.clone(),
            };
            overrides.insert(key.to_string(), value);
        }
        Self::from_layers(config, &overrides)
    }
}

/// serde's message for a bad value ("invalid type: sequence, expected f64") does not say
/// which key held it: find the key whose value alone fails, and name it.
fn name_the_key(merged: &serde_json::Map<String, serde_json::Value>, e: serde_json::Error) -> String {
    for (k, v) in merged {
        let one: serde_json::Map<String, serde_json::Value> = std::iter::once((k.clone(), v.clone())).collect();
        if let Err(single) = serde_json::from_value::<NanomechSettings>(serde_json::Value::Object(one)) {
            return format!("{k} = {v}: {single}");
        }
    }
    e.to_string()
}

/// A plausible range for a length-like input, and the hint for a value outside it.
struct Plausible {
    what: &'static str,
    key: &'static str,
    unit: &'static str,
    low: f64,
    high: f64,
    /// Prefixed units to suggest when a bare number was probably meant in them.
    suggest: &'static [&'static str],
}

impl Plausible {
    fn check(&self, value: f64) -> Result<(), SettingsError> {
        if !value.is_finite() || value <= 0.0 {
            return err(format!("{} ({}) must be > 0, got {}", self.what, self.key, format_si(value, self.unit, 3)));
        }
        if value < self.low || value > self.high {
            let hint: Vec<String> = self.suggest.iter().map(|u| format!("{}{u}", trim_number(value))).collect();
            let mut msg = format!(
                "{} is not a plausible {} ({}: expected {} … {})",
                format_si(value, self.unit, 3),
                self.what,
                self.key,
                format_si(self.low, self.unit, 0),
                format_si(self.high, self.unit, 0)
            );
            if !hint.is_empty() {
                msg += &format!("; did you mean {}?", hint.join(" or "));
            }
            return err(msg);
        }
        Ok(())
    }
}

/// `10`, `2.5`, `1e-12`: the number as a person typed it.
fn trim_number(v: f64) -> String {
    let s = format!("{v}");
    if s.len() > 12 { format!("{v:e}") } else { s }
}

const TIP_RADIUS: Plausible = Plausible {
    what: "tip radius",
    key: "tip_radius_m, --tip-radius",
    unit: "m",
    low: 0.1e-9,
    high: 1e-3,
    suggest: &["nm", "um"],
};
const FILM_THICKNESS: Plausible = Plausible {
    what: "film thickness",
    key: "film_thickness_m, --film-thickness",
    unit: "m",
    low: 0.1e-9,
    high: 10e-3,
    suggest: &["nm", "um"],
};
const WEIGHT_CP: Plausible = Plausible {
    what: "contact-point weighting distance",
    key: "weight_cp_m, --weight-cp",
    unit: "m",
    low: 1e-12,
    high: 1e-3,
    suggest: &["nm", "um"],
};
const SPRING_CONSTANT: Plausible = Plausible {
    what: "cantilever spring constant",
    key: "spring_constant_n_per_m, --spring-constant",
    unit: "N/m",
    low: 1e-5,
    high: 1e4,
    suggest: &["mN/m"],
};
const SENSITIVITY: Plausible = Plausible {
    what: "deflection sensitivity (InvOLS)",
    key: "sensitivity_m_per_v, --sensitivity",
    unit: "m/V",
    low: 1e-10,
    high: 1e-5,
    suggest: &["nm/V"],
};
const TIP_MODULUS: Plausible = Plausible {
    what: "tip Young's modulus",
    key: "tip_modulus_pa, --tip-modulus",
    unit: "Pa",
    low: 1e5,
    high: 2e12,
    suggest: &["GPa"],
};

/// A resolved setup: model, tip, segment and window, checked once per batch.
pub struct Setup {
    /// The settings as used: segment and window resolved to the model's defaults, so that
    /// this record, given back as a config, reproduces the run.
    pub settings: NanomechSettings,
    pub model: &'static dyn ContactModel,
    pub tip: models::Tip,
    pub segment: SegmentKind,
    pub window: Option<[f64; 2]>,
    pub contact_point: ContactPointMethod,
}

fn ratio(v: f64, what: &str, key: &str) -> Result<f64, SettingsError> {
    if v.is_finite() && v > -1.0 && v <= 0.5 {
        Ok(v)
    } else {
        err(format!("{what} ({key}) must lie in (−1, 0.5], got {v}"))
    }
}

impl Setup {
    pub fn new(settings: &NanomechSettings) -> Result<Setup, SettingsError> {
        let keys = || models::registry().iter().map(|m| m.spec().key).collect::<Vec<_>>().join(", ");
        let Some(key) = settings.model.as_deref() else {
            return err(format!(
                "choose a contact model (model, --model): one of {}; `vegard models` shows their formulas \
                 (hertz-paraboloid for spherical tips on soft samples, dmt for PeakForce QNM)",
                keys()
            ));
        };
        let model =
            models::by_key(key).ok_or_else(|| SettingsError(format!("unknown model '{key}' (known: {})", keys())))?;
        let spec = model.spec();
        let Some(poisson) = settings.poisson else {
            return err(format!(
                "give the sample's Poisson ratio (poisson, --poisson): the {key} modulus scales with 1 − ν² \
                 (0.5 for incompressible soft matter, about 0.2–0.35 for ceramics, metals and inorganic SEI)"
            ));
        };
        let poisson = ratio(poisson, "Poisson's ratio", "poisson, --poisson")?;
        // The tip geometry the model needs, and none that it does not use.
        let (radius, half_angle) = match spec.tip {
            TipShape::Radius | TipShape::PunchRadius => {
                let what = if spec.tip == TipShape::PunchRadius { "punch radius a" } else { "tip radius R" };
                let Some(r) = settings.tip_radius_m else {
                    return err(format!(
                        "the {key} model needs the {what}: give tip_radius_m (--tip-radius, e.g. 20nm or 10um)"
                    ));
                };
                if let Some(a) = settings.half_angle_deg {
                    return err(format!(
                        "the {key} model does not use a half angle (half_angle_deg, --half-angle = {a}°): remove it, \
                         or choose cone, pyramid-4 or pyramid-3"
                    ));
                }
                TIP_RADIUS.check(r)?;
                (r, f64::NAN)
            }
            TipShape::HalfAngle => {
                if let Some(r) = settings.tip_radius_m {
                    return err(format!(
                        "the {key} model is a sharp tip and does not use a tip radius (tip_radius_m, --tip-radius = \
                         {}): remove it, or choose a spherical model (hertz-paraboloid, sneddon-sphere)",
                        format_si(r, "m", 3)
                    ));
                }
                let Some(a) = settings.half_angle_deg else {
                    return err(format!(
                        "the {key} model needs the tip's half-opening angle (face angle for pyramids): give \
                         half_angle_deg (--half-angle, e.g. 20deg)"
                    ));
                };
                if !(a > 0.0 && a < 90.0) {
                    return err(format!("half angle (half_angle_deg, --half-angle) must be in (0, 90)°, got {a}"));
                }
                (f64::NAN, a.to_radians())
            }
        };
        match (settings.film_thickness_m, spec.needs_film_thickness) {
            (None, true) => {
                return err(format!(
                    "the {key} model needs the film thickness h (film_thickness_m, --film-thickness, e.g. 500nm)"
                ));
            }
            (Some(h), false) => {
                return err(format!(
                    "the {key} model does not use a film thickness (film_thickness_m, --film-thickness = {}): remove \
                     it, or choose hertz-paraboloid-film-bonded or -unbonded",
                    format_si(h, "m", 3)
                ));
            }
            (Some(h), true) => FILM_THICKNESS.check(h)?,
            (None, false) => {}
        }
        let tip_poisson = match (settings.tip_modulus_pa, settings.tip_poisson) {
            (Some(e), Some(nu)) => {
                TIP_MODULUS.check(e)?;
                ratio(nu, "the tip's Poisson ratio", "tip_poisson, --tip-poisson")?
            }
            (Some(_), None) => {
                return err("with a tip modulus (tip_modulus_pa, --tip-modulus) give the tip's Poisson ratio too \
                            (tip_poisson, --tip-poisson; 0.07 for diamond, 0.27 for silicon nitride)");
            }
            (None, Some(_)) => {
                return err("tip_poisson (--tip-poisson) is used only with a tip modulus (tip_modulus_pa, \
                            --tip-modulus); without one the tip is rigid");
            }
            (None, None) => f64::NAN,
        };
        if let Some(k) = settings.spring_constant_n_per_m {
            SPRING_CONSTANT.check(k)?;
        }
        if let Some(s) = settings.sensitivity_m_per_v {
            SENSITIVITY.check(s)?;
        }
        if let Some(d) = settings.weight_cp_m {
            WEIGHT_CP.check(d)?;
        }
        if let Some(c) = settings.crop_factor
            && !(c.is_finite() && c > 0.0)
        {
            return err(format!("crop factor (crop_factor, --crop-factor) must be > 0, got {c}"));
        }
        if !(settings.min_r2.is_finite() && settings.min_r2 <= 1.0) {
            return err(format!("min_r2 (--min-r2) must be a number ≤ 1, got {}", settings.min_r2));
        }
        if !(settings.min_contact_snr.is_finite() && settings.min_contact_snr >= 0.0) {
            return err(format!("min_contact_snr (--min-contact-snr) must be ≥ 0, got {}", settings.min_contact_snr));
        }
        if !(settings.max_indentation_ratio.is_finite() && settings.max_indentation_ratio > 0.0) {
            return err(format!(
                "max_indentation_ratio (--max-indentation-ratio) must be > 0, got {}",
                settings.max_indentation_ratio
            ));
        }
        if settings.min_fit_points == 0 {
            return err("min_fit_points (--min-fit-points) must be ≥ 1");
        }
        let segment = settings.segment.unwrap_or(spec.default_segment);
        let window = settings.window.or(spec.default_window);
        if let Some([a, b]) = window
            && !((0.0..1.0).contains(&a) && a < b && b <= 1.0)
        {
            return err(format!("fit window must satisfy 0 ≤ lower < upper ≤ 1, got {a}–{b}"));
        }
        let contact_point = ContactPointMethod::from_key(&settings.contact_point).ok_or_else(|| {
            let keys: Vec<&str> = ContactPointMethod::all().iter().map(|m| m.key()).collect();
            SettingsError(format!(
                "unknown contact-point method '{}' (known: {})",
                settings.contact_point,
                keys.join(", ")
            ))
        })?;
        let tip = models::Tip {
            radius_m: radius,
            half_angle_rad: half_angle,
            poisson,
            tip_modulus_pa: settings.tip_modulus_pa,
            tip_poisson,
        };
        let mut resolved = settings.clone();
        resolved.segment = Some(segment);
        resolved.window = window;
        Ok(Setup { settings: resolved, model, tip, segment, window, contact_point })
    }

    /// The settings as used, for people: one (name, value) pair per setting that shaped the
    /// result, defaults included, in SI with prefixes.
    pub fn describe(&self) -> Vec<(String, String)> {
        let s = &self.settings;
        let spec = self.model.spec();
        let mut kv: Vec<(String, String)> = vec![("model".into(), spec.key.into())];
        match spec.tip {
            TipShape::Radius => kv.push(("tip radius R".into(), format_si(self.tip.radius_m, "m", 3))),
            TipShape::PunchRadius => kv.push(("punch radius a".into(), format_si(self.tip.radius_m, "m", 3))),
            TipShape::HalfAngle => {
                kv.push(("half angle".into(), format!("{}°", trim_number(self.tip.half_angle_rad.to_degrees()))))
            }
        }
        kv.push(("sample Poisson ratio ν".into(), trim_number(self.tip.poisson)));
        match self.tip.tip_modulus_pa {
            Some(e) => kv.push((
                "tip".into(),
                format!("E = {}, ν = {}", format_si(e, "Pa", 3), trim_number(self.tip.tip_poisson)),
            )),
            None => kv.push(("tip".into(), "rigid".into())),
        }
        if let Some(h) = s.film_thickness_m {
            kv.push(("film thickness h".into(), format_si(h, "m", 3)));
        }
        kv.push(("segment".into(), self.segment.key().into()));
        kv.push((
            "fit range".into(),
            match (self.window, s.crop_factor) {
                (Some([a, b]), _) => {
                    format!("{}–{} % of the force range", trim_number(a * 100.0), trim_number(b * 100.0))
                }
                (None, Some(c)) => format!("last {} × (N − contact index) points", trim_number(c)),
                (None, None) => "whole segment".into(),
            },
        ));
        kv.push(("contact point".into(), self.contact_point.key().into()));
        kv.push(("tip offset".into(), if s.correct_tip_offset { "corrected" } else { "not corrected" }.into()));
        kv.push(("baseline tilt".into(), if s.correct_tilt { "removed" } else { "kept" }.into()));
        kv.push(("baseline force".into(), if s.fix_baseline { "held at 0" } else { "fitted" }.into()));
        if let Some(d) = s.weight_cp_m {
            kv.push(("contact-point weighting".into(), format_si(d, "m", 3)));
        }
        if let Some(k) = s.spring_constant_n_per_m {
            kv.push(("spring constant (override)".into(), format_si(k, "N/m", 4)));
        }
        if let Some(v) = s.sensitivity_m_per_v {
            kv.push(("InvOLS (override)".into(), format_si(v, "m/V", 4)));
        }
        kv.push((
            "flag thresholds".into(),
            format!(
                "R² < {}, fewer than {} fit points, peak < {} σ of baseline noise, indentation > {} × {}",
                trim_number(s.min_r2),
                s.min_fit_points,
                trim_number(s.min_contact_snr),
                trim_number(s.max_indentation_ratio),
                spec.validity_length.unwrap_or("(no limit for this model)")
            ),
        ));
        kv
    }

    /// [`Setup::describe`] on one line.
    pub fn describe_line(&self) -> String {
        self.describe().iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn short_names_take_numbers_and_units() {
        let a = NanomechSettings::from_named(None, &named(serde_json::json!({"tip_radius": "10um", "poisson": 0.5})))
            .unwrap();
        let b = NanomechSettings::from_named(None, &named(serde_json::json!({"tip_radius": 10e-6, "poisson": 0.5})))
            .unwrap();
        let c = NanomechSettings::from_named(None, &named(serde_json::json!({"tip_radius_m": 1e-5, "poisson": 0.5})))
            .unwrap();
        assert_eq!(a.tip_radius_m, Some(10e-6));
        assert_eq!(a, b);
        assert_eq!(b, c);
        let angle = NanomechSettings::from_named(None, &named(serde_json::json!({"half_angle": "20deg"}))).unwrap();
        assert!((angle.half_angle_deg.unwrap() - 20.0).abs() < 1e-12);
    }

    #[test]
    fn keys_are_the_fields() {
        // Every listed key is accepted...
        for (key, _) in KEYS {
            let v = match key {
                "model" | "contact_point" => serde_json::json!("x"),
                "segment" => serde_json::json!("approach"),
                "window" => serde_json::json!([0.1, 0.9]),
                "correct_tilt" | "correct_tip_offset" | "fix_baseline" => serde_json::json!(true),
                "min_fit_points" => serde_json::json!(8),
                _ => serde_json::json!(0.5),
            };
            let one = named(serde_json::json!({ key: v }));
            assert!(NanomechSettings::from_layers(None, &one).is_ok(), "{key}");
        }
        // ...and serde's list of known fields is exactly the list.
        let e = NanomechSettings::from_layers(None, &named(serde_json::json!({"no_such_key": 1}))).unwrap_err().0;
        let n_fields = e.matches('`').count() / 2 - 1;
        assert_eq!(n_fields, KEYS.len(), "{e}");
        for (key, _) in KEYS {
            assert!(e.contains(&format!("`{key}`")), "{key} missing from {e}");
        }
    }

    #[test]
    fn short_names_refuse_doubles_bad_units_and_unknown_keys() {
        let twice = named(serde_json::json!({"tip_radius": 1e-8, "tip_radius_m": 2e-8}));
        assert!(NanomechSettings::from_named(None, &twice).unwrap_err().0.contains("given twice"));
        let bad = named(serde_json::json!({"tip_radius": "10 furlongs"}));
        assert!(NanomechSettings::from_named(None, &bad).unwrap_err().0.starts_with("tip_radius:"));
        let unknown = named(serde_json::json!({"tip_raduis": 1e-8}));
        let e = NanomechSettings::from_named(None, &unknown).unwrap_err().0;
        assert!(e.contains("unknown field `tip_raduis`"), "{e}");
    }
}
