//! Parameters of the ESM forward model of Eshghinejad, Nasr Esfahani, Lei & Li, "Resolving local
//! electrochemistry at the nanoscale via electrochemical strain microscopy", arXiv:1704.01158 (2017):
//! material constants (Table 1), geometry (Fig. 1b), the mobile species and the drive, with the
//! normalisations of the Methods section (x̂ = x/L, t̂ = tD/L², φ̂ = φFz/RT, σ̂_h = σ_hΩ/RT) and
//! the characteristic times of the diffusion problem (Eq. 9).
//!
//! Every field is SI and says its unit in its name. [`EsmParams::set`] overrides one value by key
//! (`--set diffusivity=1e-14` on the command line), so a sweep is a list of overrides of a preset.
//!
//! Defaults for what Table 1 does not give (the reasons are repeated on each field):
//!
//! | quantity | default | why |
//! |---|---|---|
//! | tip radius L | 25 nm | Methods: PPP-EFM probes with PtIr5 coating, "tip radius of 25 nm" |
//! | sample radius | 10 L | Fig. 1(b): "radius ratio of 1/10" between tip and cylindrical sample |
//! | sample thickness | 10 L | not given; as deep as the sample is wide, so the clamped bottom is as far from the tip as the side |
//! | diffusivity D | 1e-16 m²/s | not given; makes L²/D = 6.25 s, inside the range of periods P = 0.5–5 s of Fig. 4, where the loop opening changes with P (Fig. 4d). Reported LiFePO₄ chemical diffusivities span ~1e-18–1e-14 m²/s |
//! | baseline concentration c₀ | 0.1 | not given; dilute, in the linear part of Fig. 3(a) (amplitude ∝ c₀, Eq. 5), and far from c = 1 where ln(c/(1−c)) diverges, leaving room for a negative bias to accumulate ions |
//! | temperature T | 298.15 K | room temperature; the experiments were in ambient air |
//! | charge number z | 1 | Li⁺ in LiFePO₄; the sign convention makes negative tip bias attract the species (Fig. 4b, 6a) |
//! | AC amplitude | 1 V | Methods: drive amplitude 1 V for spectroscopy (3 V for mapping) |
//! | AC frequency | 300 kHz | not used by the quasi-static model; recorded as metadata. Contact resonance of a 70 kHz (free) PPP-EFM lever, "several hundred kHz" (Hausen & Balke 2024) |

use serde::{Deserialize, Serialize};

/// Physical constants (CODATA 2018), defined once in `sim::analytic::constants`.
pub use crate::sim::analytic::{EPSILON_0 as VACUUM_PERMITTIVITY, FARADAY, GAS_CONSTANT};

/// Default tip radius L, m: Eshghinejad et al. 2017, Methods ("tip radius of 25 nm").
pub const DEFAULT_TIP_RADIUS_M: f64 = 25e-9;
/// Default diffusivity D, m²/s (see the module table: L²/D = 6.25 s within P = 0.5–5 s).
pub const DEFAULT_DIFFUSIVITY_M2_PER_S: f64 = 1e-16;
/// Default temperature T, K.
pub const DEFAULT_TEMPERATURE_K: f64 = 298.15;

/// Everything the ESM forward model needs. SI units; names carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EsmParams {
    /// Name of the material or preset (`ceria`, `lifepo4`, or user text).
    pub material: String,
    /// Tip radius L, m: also the reference length of the normalisation x̂ = x/L.
    pub tip_radius_m: f64,
    /// Radius of the cylindrical sample, m (Fig. 1b: 10 L).
    pub sample_radius_m: f64,
    /// Thickness of the sample (tip to grounded substrate), m.
    pub sample_thickness_m: f64,
    /// Young's modulus E, Pa (Table 1).
    pub youngs_modulus_pa: f64,
    /// Poisson's ratio ν (Table 1).
    pub poisson: f64,
    /// Partial molar volume Ω, m³/mol (Table 1; Eqs. 2–4).
    pub partial_molar_volume_m3_per_mol: f64,
    /// Maximum concentration c_max, mol/m³ (Table 1; c = ĉ/c_max in Eq. 2).
    pub c_max_mol_per_m3: f64,
    /// Relative permittivity ε_r (Table 1; Eq. 1).
    pub relative_permittivity: f64,
    /// Ionic diffusivity D, m²/s (Eq. 3).
    pub diffusivity_m2_per_s: f64,
    /// Baseline (uniform, initial) dimensionless concentration c₀ ∈ (0, 1) (Eq. 5, Fig. 3a).
    pub baseline_concentration: f64,
    /// Temperature T, K.
    pub temperature_k: f64,
    /// Charge number z of the mobile species (Eq. 2).
    pub charge_number: f64,
    /// Amplitude of the AC drive, V (Methods: 1 V spectroscopy, 3 V mapping).
    pub ac_amplitude_v: f64,
    /// Frequency of the AC drive, Hz (metadata for the quasi-static model).
    pub ac_frequency_hz: f64,
}

/// A material preset of Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Ceria,
    LiFePO4,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Ceria, Preset::LiFePO4];

    pub fn key(self) -> &'static str {
        match self {
            Preset::Ceria => "ceria",
            Preset::LiFePO4 => "lifepo4",
        }
    }

    /// The preset named `key` (case-insensitive; `lfp` is accepted for LiFePO₄).
    pub fn from_key(key: &str) -> Result<Preset, ParamError> {
        match key.trim().to_ascii_lowercase().as_str() {
            "ceria" | "ceo2" => Ok(Preset::Ceria),
            "lifepo4" | "lfp" => Ok(Preset::LiFePO4),
            _ => Err(ParamError::UnknownPreset { name: key.to_string() }),
        }
    }

    pub fn params(self) -> EsmParams {
        match self {
            Preset::Ceria => EsmParams::ceria(),
            Preset::LiFePO4 => EsmParams::lifepo4(),
        }
    }
}

/// What went wrong with a parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("unknown ESM parameter key `{key}`; known keys: {known}")]
    UnknownKey { key: String, known: String },
    #[error("unknown material preset `{name}`; known presets: ceria, lifepo4")]
    UnknownPreset { name: String },
    #[error("expected KEY=VALUE (e.g. diffusivity=1e-14), found `{text}`")]
    Syntax { text: String },
    #[error("parameter `{key}`: expected a number in SI units (e.g. 1e-14), found `{value}`")]
    NotANumber { key: String, value: String },
    #[error("parameter `{key}` = {value}: {expected}")]
    OutOfRange { key: &'static str, value: f64, expected: &'static str },
}

/// One settable parameter: canonical key (the field name), accepted aliases, and accessors.
struct Key {
    name: &'static str,
    aliases: &'static [&'static str],
    get: fn(&EsmParams) -> f64,
    set: fn(&mut EsmParams, f64),
}

/// The table of settable keys; order = order in error messages.
const KEYS: &[Key] = &[
    Key {
        name: "tip_radius_m",
        aliases: &["tip_radius", "l"],
        get: |p| p.tip_radius_m,
        set: |p, v| p.tip_radius_m = v,
    },
    Key {
        name: "sample_radius_m",
        aliases: &["sample_radius"],
        get: |p| p.sample_radius_m,
        set: |p, v| p.sample_radius_m = v,
    },
    Key {
        name: "sample_thickness_m",
        aliases: &["sample_thickness", "thickness"],
        get: |p| p.sample_thickness_m,
        set: |p, v| p.sample_thickness_m = v,
    },
    Key {
        name: "youngs_modulus_pa",
        aliases: &["youngs_modulus", "modulus", "e"],
        get: |p| p.youngs_modulus_pa,
        set: |p, v| p.youngs_modulus_pa = v,
    },
    Key { name: "poisson", aliases: &["nu", "poisson_ratio"], get: |p| p.poisson, set: |p, v| p.poisson = v },
    Key {
        name: "partial_molar_volume_m3_per_mol",
        aliases: &["partial_molar_volume", "omega"],
        get: |p| p.partial_molar_volume_m3_per_mol,
        set: |p, v| p.partial_molar_volume_m3_per_mol = v,
    },
    Key {
        name: "c_max_mol_per_m3",
        aliases: &["c_max", "cmax"],
        get: |p| p.c_max_mol_per_m3,
        set: |p, v| p.c_max_mol_per_m3 = v,
    },
    Key {
        name: "relative_permittivity",
        aliases: &["permittivity", "epsilon_r", "eps_r"],
        get: |p| p.relative_permittivity,
        set: |p, v| p.relative_permittivity = v,
    },
    Key {
        name: "diffusivity_m2_per_s",
        aliases: &["diffusivity", "d"],
        get: |p| p.diffusivity_m2_per_s,
        set: |p, v| p.diffusivity_m2_per_s = v,
    },
    Key {
        name: "baseline_concentration",
        aliases: &["c0"],
        get: |p| p.baseline_concentration,
        set: |p, v| p.baseline_concentration = v,
    },
    Key { name: "temperature_k", aliases: &["temperature"], get: |p| p.temperature_k, set: |p, v| p.temperature_k = v },
    Key { name: "charge_number", aliases: &["z"], get: |p| p.charge_number, set: |p, v| p.charge_number = v },
    Key {
        name: "ac_amplitude_v",
        aliases: &["ac_amplitude", "vac"],
        get: |p| p.ac_amplitude_v,
        set: |p, v| p.ac_amplitude_v = v,
    },
    Key {
        name: "ac_frequency_hz",
        aliases: &["ac_frequency", "fac"],
        get: |p| p.ac_frequency_hz,
        set: |p, v| p.ac_frequency_hz = v,
    },
];

fn find_key(key: &str) -> Option<&'static Key> {
    let k = key.trim().to_ascii_lowercase();
    KEYS.iter().find(|e| e.name == k || e.aliases.contains(&k.as_str()))
}

impl Default for EsmParams {
    /// The LiFePO₄ preset: the material of the spectroscopy and relaxation experiments
    /// (Figs. 4–6).
    fn default() -> Self {
        EsmParams::lifepo4()
    }
}

impl EsmParams {
    /// Geometry, species and drive defaults shared by both presets (module table), with the
    /// given Table 1 material constants.
    fn with_material(material: &str, e_pa: f64, nu: f64, omega: f64, c_max: f64, eps_r: f64) -> Self {
        let l = DEFAULT_TIP_RADIUS_M;
        EsmParams {
            material: material.to_string(),
            tip_radius_m: l,
            sample_radius_m: 10.0 * l,
            sample_thickness_m: 10.0 * l,
            youngs_modulus_pa: e_pa,
            poisson: nu,
            partial_molar_volume_m3_per_mol: omega,
            c_max_mol_per_m3: c_max,
            relative_permittivity: eps_r,
            diffusivity_m2_per_s: DEFAULT_DIFFUSIVITY_M2_PER_S,
            baseline_concentration: 0.1,
            temperature_k: DEFAULT_TEMPERATURE_K,
            charge_number: 1.0,
            ac_amplitude_v: 1.0,
            ac_frequency_hz: 300e3,
        }
    }

    /// Ceria, Eshghinejad et al. 2017, Table 1: E = 165 GPa, ν = 0.3, Ω = 5.4e-6 m³/mol, c_max = 18 450 mol/m³,
    /// ε_r = 10.
    pub fn ceria() -> Self {
        Self::with_material("ceria", 165e9, 0.3, 5.4e-6, 18_450.0, 10.0)
    }

    /// LiFePO₄, Eshghinejad et al. 2017, Table 1: E = 100 GPa, ν = 0.3, Ω = 3.5e-6 m³/mol, c_max = 22 900 mol/m³,
    /// ε_r = 10.
    pub fn lifepo4() -> Self {
        Self::with_material("lifepo4", 100e9, 0.3, 3.5e-6, 22_900.0, 10.0)
    }

    /// The canonical keys accepted by [`EsmParams::set`] (aliases are listed by [`Self::key_help`]).
    pub fn keys() -> Vec<&'static str> {
        KEYS.iter().map(|k| k.name).collect()
    }

    /// One line per key: `name (aliases: a, b) = current value`.
    pub fn key_help(&self) -> String {
        KEYS.iter()
            .map(|k| format!("{} (aliases: {}) = {}", k.name, k.aliases.join(", "), (k.get)(self)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn known_keys() -> String {
        KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
    }

    /// The value of a numeric parameter by key (canonical name or alias, case-insensitive).
    pub fn get(&self, key: &str) -> Result<f64, ParamError> {
        find_key(key)
            .map(|k| (k.get)(self))
            .ok_or_else(|| ParamError::UnknownKey { key: key.to_string(), known: Self::known_keys() })
    }

    /// Override one numeric parameter by key, SI units (`set("diffusivity", 1e-14)`). The new
    /// value is checked with [`Self::validate`]; on error nothing changes.
    pub fn set(&mut self, key: &str, value: f64) -> Result<(), ParamError> {
        let k =
            find_key(key).ok_or_else(|| ParamError::UnknownKey { key: key.to_string(), known: Self::known_keys() })?;
        let mut trial = self.clone();
        (k.set)(&mut trial, value);
        trial.validate()?;
        *self = trial;
        Ok(())
    }

    /// Apply `KEY=VALUE` with VALUE a plain number in SI units (`diffusivity=1e-14`,
    /// `tip_radius_m=2.5e-8`). Also accepts `material=ceria` to reset to a preset (before the
    /// other overrides, since it replaces every value).
    pub fn set_from_str(&mut self, assignment: &str) -> Result<(), ParamError> {
        let (key, value) =
            assignment.split_once('=').ok_or_else(|| ParamError::Syntax { text: assignment.to_string() })?;
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || value.is_empty() {
            return Err(ParamError::Syntax { text: assignment.to_string() });
        }
        if key.eq_ignore_ascii_case("material") || key.eq_ignore_ascii_case("preset") {
            *self = Preset::from_key(value)?.params();
            return Ok(());
        }
        if find_key(key).is_none() {
            return Err(ParamError::UnknownKey { key: key.to_string(), known: Self::known_keys() });
        }
        let v: f64 =
            value.parse().map_err(|_| ParamError::NotANumber { key: key.to_string(), value: value.to_string() })?;
        self.set(key, v)
    }

    /// Apply a list of `KEY=VALUE` overrides in order.
    pub fn with_overrides<S: AsRef<str>>(mut self, overrides: &[S]) -> Result<Self, ParamError> {
        for o in overrides {
            self.set_from_str(o.as_ref())?;
        }
        Ok(self)
    }

    /// Physical admissibility of every value.
    pub fn validate(&self) -> Result<(), ParamError> {
        fn positive(key: &'static str, v: f64) -> Result<(), ParamError> {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(ParamError::OutOfRange { key, value: v, expected: "expected a finite value > 0" })
            }
        }
        positive("tip_radius_m", self.tip_radius_m)?;
        positive("sample_radius_m", self.sample_radius_m)?;
        positive("sample_thickness_m", self.sample_thickness_m)?;
        positive("youngs_modulus_pa", self.youngs_modulus_pa)?;
        positive("partial_molar_volume_m3_per_mol", self.partial_molar_volume_m3_per_mol)?;
        positive("c_max_mol_per_m3", self.c_max_mol_per_m3)?;
        positive("relative_permittivity", self.relative_permittivity)?;
        positive("diffusivity_m2_per_s", self.diffusivity_m2_per_s)?;
        positive("temperature_k", self.temperature_k)?;
        positive("ac_frequency_hz", self.ac_frequency_hz)?;
        // Isotropic elasticity needs a positive-definite stiffness: −1 < ν < 1/2.
        if !(self.poisson > -1.0 && self.poisson < 0.5) {
            return Err(ParamError::OutOfRange {
                key: "poisson",
                value: self.poisson,
                expected: "expected −1 < ν < 0.5 (isotropic elastic stiffness)",
            });
        }
        // ln(c/(1−c)) in Eq. 2 is defined only for 0 < c < 1.
        if !(self.baseline_concentration > 0.0 && self.baseline_concentration < 1.0) {
            return Err(ParamError::OutOfRange {
                key: "baseline_concentration",
                value: self.baseline_concentration,
                expected: "expected 0 < c0 < 1 (c = ĉ/c_max; Eq. 2 has ln(c/(1−c)))",
            });
        }
        if !(self.charge_number.is_finite() && self.charge_number != 0.0) {
            return Err(ParamError::OutOfRange {
                key: "charge_number",
                value: self.charge_number,
                expected: "expected a finite non-zero charge number z",
            });
        }
        if !(self.ac_amplitude_v.is_finite() && self.ac_amplitude_v >= 0.0) {
            return Err(ParamError::OutOfRange {
                key: "ac_amplitude_v",
                value: self.ac_amplitude_v,
                expected: "expected a finite value ≥ 0",
            });
        }
        // Fig. 1(b): the tip sits on a sample much wider than itself.
        if self.sample_radius_m <= self.tip_radius_m {
            return Err(ParamError::OutOfRange {
                key: "sample_radius_m",
                value: self.sample_radius_m,
                expected: "expected a sample radius larger than the tip radius (Fig. 1b uses 10 L)",
            });
        }
        Ok(())
    }

    // ---- Normalisations of the Methods section and their inverses ----

    /// RT/F, V (the thermal voltage for z = 1).
    pub fn thermal_voltage_v(&self) -> f64 {
        GAS_CONSTANT * self.temperature_k / FARADAY
    }

    /// x̂ = x/L.
    pub fn x_hat(&self, x_m: f64) -> f64 {
        x_m / self.tip_radius_m
    }
    /// x = x̂ L, m.
    pub fn x_from_hat(&self, x_hat: f64) -> f64 {
        x_hat * self.tip_radius_m
    }

    /// t̂ = t D / L².
    pub fn t_hat(&self, t_s: f64) -> f64 {
        t_s / self.diffusion_time_s()
    }
    /// t = t̂ L² / D, s.
    pub fn t_from_hat(&self, t_hat: f64) -> f64 {
        t_hat * self.diffusion_time_s()
    }

    /// φ̂ = φ F z / (R T).
    pub fn phi_hat(&self, phi_v: f64) -> f64 {
        phi_v * FARADAY * self.charge_number / (GAS_CONSTANT * self.temperature_k)
    }
    /// φ = φ̂ R T / (F z), V.
    pub fn phi_from_hat(&self, phi_hat: f64) -> f64 {
        phi_hat * GAS_CONSTANT * self.temperature_k / (FARADAY * self.charge_number)
    }

    /// σ̂_h = σ_h Ω / (R T).
    pub fn sigma_hat(&self, sigma_pa: f64) -> f64 {
        sigma_pa * self.partial_molar_volume_m3_per_mol / (GAS_CONSTANT * self.temperature_k)
    }
    /// σ_h = σ̂_h R T / Ω, Pa.
    pub fn sigma_from_hat(&self, sigma_hat: f64) -> f64 {
        sigma_hat * GAS_CONSTANT * self.temperature_k / self.partial_molar_volume_m3_per_mol
    }

    /// Normalised Young's modulus E Ω / (R T): how stiff the lattice is against the chemical
    /// energy scale (the coupling strength of the σ_h term in Eqs. 2–3).
    pub fn modulus_hat(&self) -> f64 {
        self.sigma_hat(self.youngs_modulus_pa)
    }

    /// Vegard strain per unit dimensionless concentration, Ω c_max / 3 (Eq. 4: ε* = Ω c_max c I / 3).
    pub fn vegard_coefficient(&self) -> f64 {
        self.partial_molar_volume_m3_per_mol * self.c_max_mol_per_m3 / 3.0
    }

    /// Shear modulus E / (2(1+ν)), Pa.
    pub fn shear_modulus_pa(&self) -> f64 {
        self.youngs_modulus_pa / (2.0 * (1.0 + self.poisson))
    }

    /// Permittivity ε₀ ε_r, F/m (Eq. 1).
    pub fn permittivity_f_per_m(&self) -> f64 {
        VACUUM_PERMITTIVITY * self.relative_permittivity
    }

    // ---- Characteristic times and frequencies ----

    /// The diffusion time over the tip radius, L²/D, s: the time unit of t̂.
    pub fn diffusion_time_s(&self) -> f64 {
        self.tip_radius_m * self.tip_radius_m / self.diffusivity_m2_per_s
    }

    /// The characteristic diffusion frequency D/(2π L²), Hz: an AC drive well below it lets the
    /// ions follow the bias, well above it they cannot (Hausen & Balke 2024, Fig. 1b; the cross-over).
    pub fn diffusion_frequency_hz(&self) -> f64 {
        1.0 / (2.0 * std::f64::consts::PI * self.diffusion_time_s())
    }

    /// The relaxation time of mode m over a closed domain of size l, τ_m = l² / (D π² m²), s
    /// (Eshghinejad et al. 2017, Eq. 9).
    pub fn relaxation_time_s(&self, length_m: f64, mode: u32) -> f64 {
        let m = f64::from(mode.max(1));
        length_m * length_m / (self.diffusivity_m2_per_s * std::f64::consts::PI.powi(2) * m * m)
    }

    /// The waveform period P, s, equivalent to a normalised period P̂ = P D / L² (Fig. 4d: "a
    /// longer period is equivalent to a higher diffusivity").
    pub fn period_hat(&self, period_s: f64) -> f64 {
        self.t_hat(period_s)
    }
}

/// Diffusivity from a measured relaxation time of mode m over a length l, D = l² / (π² m² τ),
/// m²/s (Eshghinejad et al. 2017, Eq. 9 solved for D).
pub fn diffusivity_from_tau(tau_s: f64, length_m: f64, mode: u32) -> f64 {
    let m = f64::from(mode.max(1));
    length_m * length_m / (std::f64::consts::PI.powi(2) * m * m * tau_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisations_invert() {
        let p = EsmParams::ceria();
        for v in [-3.0, 0.0, 1e-3, 7.5] {
            assert!((p.x_from_hat(p.x_hat(v)) - v).abs() <= 1e-15 * v.abs().max(1.0));
            assert!((p.t_from_hat(p.t_hat(v)) - v).abs() <= 1e-15 * v.abs().max(1.0));
            assert!((p.phi_from_hat(p.phi_hat(v)) - v).abs() <= 1e-15 * v.abs().max(1.0));
            assert!((p.sigma_from_hat(p.sigma_hat(v * 1e9)) - v * 1e9).abs() <= 1e-6 * v.abs().max(1.0));
        }
        // φ̂ = 1 at the thermal voltage RT/F ≈ 25.69 mV at 298.15 K.
        assert!((p.thermal_voltage_v() - 0.025_693).abs() < 1e-6);
        assert!((p.phi_hat(p.thermal_voltage_v()) - 1.0).abs() < 1e-12);
        // L²/D = (25 nm)² / 1e-16 = 6.25 s.
        assert!((p.diffusion_time_s() - 6.25).abs() < 1e-12);
    }

    #[test]
    fn eq9_and_inverse() {
        let p = EsmParams::lifepo4();
        let tau = p.relaxation_time_s(100e-9, 1);
        assert!((diffusivity_from_tau(tau, 100e-9, 1) - p.diffusivity_m2_per_s).abs() < 1e-28);
        // Mode 2 decays four times faster.
        assert!((p.relaxation_time_s(100e-9, 2) * 4.0 - tau).abs() < 1e-12 * tau);
    }

    #[test]
    fn failed_set_changes_nothing() {
        let mut p = EsmParams::ceria();
        let before = p.clone();
        assert!(p.set("poisson", 0.5).is_err());
        assert!(p.set("c0", 1.0).is_err());
        assert_eq!(p, before);
    }
}
