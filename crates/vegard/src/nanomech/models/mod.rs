//! Contact models, one file each, registered by key (see [`registry`]).
//!
//! Every model is a declaration ([`ModelSpec`]: key, formula, parameters with units and
//! bounds, validity, citation) plus the force law `F(δ)` for indentation `δ ≥ 0`
//! ([`ContactModel::force`]). The fitter ([`crate::nanomech::fit`]), the CLI and the report
//! read the declaration; nothing about a model is hard-coded elsewhere.
//!
//! Sign conventions (as nanite): the curve's x axis is the tip position (or piezo height),
//! increasing away from the sample; the contact point `x_c` is fitted; the indentation is
//! `δ = x_c − x` and the fitted curve is `F(x) = F_model(max(δ, 0)) + F_baseline`.

use crate::data::SegmentKind;

pub mod catalog;
mod cone;
mod dmt;
mod flat_punch;
mod hertz_film;
mod hertz_paraboloid;
mod jkr;
mod pyramid3;
mod pyramid4;
mod sneddon_sphere;
mod sneddon_sphere_approx;

pub use cone::Cone;
pub use dmt::Dmt;
pub use flat_punch::FlatPunch;
pub use hertz_film::{
    FilmAttachment, HertzFilmBonded, HertzFilmUnbonded, dimitriadis_coefficients, dimitriadis_polynomial,
};
pub use hertz_paraboloid::HertzParaboloid;
pub use jkr::{Jkr, jkr_contact_radius};
pub use pyramid3::{PYRAMID3_BILODEAU, Pyramid3};
pub use pyramid4::{PYRAMID4_BILODEAU, PYRAMID4_EQUAL_AREA_CONE, PYRAMID4_SNEDDON_EQUIVALENT, Pyramid4};
pub use sneddon_sphere::{SneddonSphere, sneddon_contact_radius};
pub use sneddon_sphere_approx::SneddonSphereApprox;

/// Fit window of the adhesive models on the retract, as fractions of the force range: "the DMT
/// model was fit ... within the boundaries of 30 %–90 % of the range between maximum and
/// minimum force" (Wolff & Hausen 2023, Experimental; Bruker's PeakForce QNM default).
pub const ADHESIVE_WINDOW: [f64; 2] = [0.3, 0.9];

/// One model parameter as the model declares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// Key used in JSON and on the CLI (`modulus`, `work_of_adhesion`).
    pub key: &'static str,
    /// Symbol as in the paper (`E`, `w`).
    pub symbol: &'static str,
    /// SI unit (`Pa`, `J/m^2`, `N`).
    pub unit: &'static str,
    pub description: &'static str,
    /// Initial value when the data give no better guess.
    pub default: f64,
    /// Bounds enforced by the fitter.
    pub min: f64,
    pub max: f64,
}

/// Which tip dimension a model needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipShape {
    /// Sphere or paraboloid: needs the radius R.
    Radius,
    /// Cone or pyramid: needs the half-opening angle (face angle for pyramids).
    HalfAngle,
    /// Cylinder: needs the punch radius a.
    PunchRadius,
}

/// A model's declaration. Static data: the registry, the fitter, the CLI and the report read it;
/// nothing about a model is decided elsewhere.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// Stable key used on the CLI and in JSON (`hertz-paraboloid`, `dmt`, ...).
    pub key: &'static str,
    pub name: &'static str,
    /// The force law in plain text, as in the cited source.
    pub formula: &'static str,
    pub tip: TipShape,
    /// Fitted parameters of the force law. The first is always the sample's Young's
    /// modulus E (Pa). The fitter adds the contact point (m) and baseline force (N).
    pub params: &'static [ParamSpec],
    /// When the model holds (and when it does not).
    pub validity: &'static str,
    /// Where the formula comes from (paper, equation).
    pub citation: &'static str,
    /// Segment fitted unless the user chooses another: the approach for elastic models, the
    /// retract for adhesive ones (PeakForce QNM fits the retract; Wolff & Hausen 2023).
    pub default_segment: SegmentKind,
    /// Fit window as fractions of the segment's force range unless the user chooses one
    /// (`None` = the whole segment; adhesive models: 0.3–0.9, Wolff & Hausen 2023).
    pub default_window: Option<[f64; 2]>,
    /// The model needs the film thickness h, a measured input that is never fitted.
    pub needs_film_thickness: bool,
    /// The length the indentation must stay below for the force law to hold, in the words of
    /// the formula ("R", "a"); `None` when the model has no such limit. Its value is
    /// [`ContactModel::validity_length_m`].
    pub validity_length: Option<&'static str>,
}

/// What the fitter's start values may depend on, measured on the curve or given by the user.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StartInputs {
    /// The pull-off (adhesion) force measured on the retract, N, positive (NaN if none).
    pub pull_off_force_n: f64,
    /// Film thickness h given by the user, m (thin-film models).
    pub film_thickness_m: Option<f64>,
}

/// Where a model's fit starts: its parameters' start values and which of them (and whether
/// the baseline force) are held fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    /// Start values in the order of [`ModelSpec::params`]. The modulus is rescaled to the
    /// data afterwards (from the largest force), whatever is given here.
    pub values: Vec<f64>,
    /// Keys of model parameters held at their start value.
    pub held: Vec<&'static str>,
    /// Hold the baseline force at the corrected zero (adhesive models: the adhesive term and a
    /// free baseline are the same constant offset).
    pub hold_baseline: bool,
    /// Start the contact point at the pull-off (the adhesion minimum): adhesive models fit a
    /// window that lies wholly in contact, and δ = 0 is beyond it.
    pub contact_at_pull_off: bool,
    /// Force to add to the data's largest force when the start modulus is scaled from it
    /// (the adhesive pull of DMT and JKR), N.
    pub force_offset_n: f64,
}

impl Start {
    /// The declared defaults, nothing held: elastic models.
    pub fn from_spec(spec: &ModelSpec) -> Start {
        Start {
            values: spec.params.iter().map(|p| p.default).collect(),
            held: Vec::new(),
            hold_baseline: false,
            contact_at_pull_off: false,
            force_offset_n: 0.0,
        }
    }

    /// The start of an adhesive model (DMT, JKR) fitted on the retract: the contact point
    /// starts at the pull-off, the baseline is held at the corrected zero (the adhesive term
    /// and a free baseline are the same offset), and the start modulus is scaled from the
    /// largest force plus the measured pull-off force `pull_off_n`.
    pub fn adhesive(spec: &ModelSpec, pull_off_n: f64) -> Start {
        Start {
            hold_baseline: true,
            contact_at_pull_off: true,
            force_offset_n: pull_off_n.max(0.0),
            ..Start::from_spec(spec)
        }
    }

    /// Set the start value of parameter `key` (no effect if the model has no such key).
    pub fn set(&mut self, spec: &ModelSpec, key: &str, value: f64) {
        if let Some(i) = spec.params.iter().position(|p| p.key == key) {
            self.values[i] = value;
        }
    }
}

/// Tip and sample constants that are not fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tip {
    /// Tip radius R, m (sphere, paraboloid, DMT, JKR) or punch radius (flat punch).
    pub radius_m: f64,
    /// Half-opening angle, rad (cone: half-cone angle; pyramids: face angle).
    pub half_angle_rad: f64,
    /// Poisson's ratio of the sample ν.
    pub poisson: f64,
    /// Young's modulus of the tip, Pa; `None` = rigid tip.
    pub tip_modulus_pa: Option<f64>,
    /// Poisson's ratio of the tip.
    pub tip_poisson: f64,
}

impl Default for Tip {
    fn default() -> Self {
        Tip {
            radius_m: 20e-9,
            half_angle_rad: 20f64.to_radians(),
            poisson: 0.5,
            tip_modulus_pa: None,
            tip_poisson: 0.2,
        }
    }
}

impl Tip {
    /// Reduced (effective) modulus E* of tip and sample,
    /// 1/E* = (1 − ν²)/E + (1 − ν_tip²)/E_tip (Johnson, Contact Mechanics, 1985, Eq. 4.22;
    /// Russell et al. 2025, §3.1). For a rigid tip E* = E/(1 − ν²).
    pub fn reduced_modulus(&self, sample_modulus_pa: f64) -> f64 {
        let sample = (1.0 - self.poisson * self.poisson) / sample_modulus_pa;
        let tip = match self.tip_modulus_pa {
            Some(et) if et.is_finite() && et > 0.0 => (1.0 - self.tip_poisson * self.tip_poisson) / et,
            _ => 0.0,
        };
        1.0 / (sample + tip)
    }

    /// Reduced modulus E* and its derivative dE*/dE with respect to the sample modulus
    /// (for analytic Jacobians): dE*/dE = (1 − ν²)·(E*/E)², written so that E → 0 is finite.
    pub fn reduced_modulus_with_derivative(&self, sample_modulus_pa: f64) -> (f64, f64) {
        let s = 1.0 - self.poisson * self.poisson;
        let tip = match self.tip_modulus_pa {
            Some(et) if et.is_finite() && et > 0.0 => (1.0 - self.tip_poisson * self.tip_poisson) / et,
            _ => 0.0,
        };
        // E*/E = 1/(s + E·c_tip)
        let ratio = 1.0 / (s + sample_modulus_pa * tip);
        (sample_modulus_pa * ratio, s * ratio * ratio)
    }
}

/// A contact model: its declaration and its force law.
pub trait ContactModel: Send + Sync {
    fn spec(&self) -> &'static ModelSpec;

    /// Start values and held parameters for a fit, from what the curve shows and the user's
    /// inputs. The default is the declared defaults with nothing held.
    fn start(&self, _inputs: &StartInputs, _tip: &Tip) -> Start {
        Start::from_spec(self.spec())
    }

    /// The indentation, m, beyond which the force law no longer holds for these parameters
    /// and tip ([`ModelSpec::validity_length`] in words); `None` when there is no such limit.
    fn validity_length_m(&self, _params: &[f64], _tip: &Tip) -> Option<f64> {
        None
    }

    /// Force F (N) at indentation `delta_m ≥ 0` for the model's parameters `params`
    /// (in the order of [`ModelSpec::params`]). Must return 0 at δ = 0 for non-adhesive
    /// models; adhesive models (DMT, JKR) return their force law including the adhesive
    /// term. Never panics; may return NaN for unphysical parameters.
    fn force(&self, delta_m: f64, params: &[f64], tip: &Tip) -> f64;

    /// Force and its derivatives, for the fitter's Jacobian: returns `(F, dF/dδ)` and writes
    /// `∂F/∂params[j]` into `grad[j]` (`grad.len() == params.len()`).
    ///
    /// The default uses forward differences of [`ContactModel::force`] (step `√ε·|value|`);
    /// models override it with the analytic derivatives, which is both faster and exact.
    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        forward_difference_gradient(self, delta_m, params, tip, grad)
    }

    /// [`ContactModel::force_with_gradient`] for many indentations at once (the fitter's hot
    /// loop): for each `i`, `force[i] = F(δᵢ)`, `dforce_ddelta[i] = dF/dδ(δᵢ)` and
    /// `grad[i·p + j] = ∂F/∂params[j](δᵢ)` with `p = params.len()`. All slices must be long
    /// enough (`force`, `dforce_ddelta` ≥ `delta_m.len()`, `grad` ≥ `delta_m.len()·p`).
    ///
    /// The default loops over the single-point method; simple closed-form models override it to
    /// hoist E*, √R, ... out of the loop.
    fn force_with_gradient_batch(
        &self,
        delta_m: &[f64],
        params: &[f64],
        tip: &Tip,
        force: &mut [f64],
        dforce_ddelta: &mut [f64],
        grad: &mut [f64],
    ) {
        let p = params.len();
        for (i, &d) in delta_m.iter().enumerate() {
            let (f, dfd) = self.force_with_gradient(d, params, tip, &mut grad[i * p..(i + 1) * p]);
            force[i] = f;
            dforce_ddelta[i] = dfd;
        }
    }
}

/// Forward-difference `(F, dF/dδ)` and `∂F/∂params` of any model (no allocation; at most 8
/// parameters are differentiated, the rest get NaN).
pub fn forward_difference_gradient<M: ContactModel + ?Sized>(
    model: &M,
    delta_m: f64,
    params: &[f64],
    tip: &Tip,
    grad: &mut [f64],
) -> (f64, f64) {
    const MAXP: usize = 8;
    let h_rel = f64::EPSILON.sqrt();
    let f = model.force(delta_m, params, tip);
    let mut p = [0.0; MAXP];
    let np = params.len().min(MAXP);
    p[..np].copy_from_slice(&params[..np]);
    for j in 0..grad.len().min(params.len()) {
        if j >= MAXP {
            grad[j] = f64::NAN;
            continue;
        }
        let h = h_rel * params[j].abs().max(f64::MIN_POSITIVE.sqrt());
        p[j] = params[j] + h;
        grad[j] = (model.force(delta_m, &p[..np], tip) - f) / h;
        p[j] = params[j];
    }
    let hd = h_rel * delta_m.abs().max(1e-12);
    let dfd = (model.force(delta_m + hd, params, tip) - f) / hd;
    (f, dfd)
}

/// Every registered model, in the order the CLI lists them.
pub fn registry() -> &'static [&'static dyn ContactModel] {
    &[
        &HertzParaboloid,
        &SneddonSphere,
        &SneddonSphereApprox,
        &Cone,
        &Pyramid4,
        &Pyramid3,
        &FlatPunch,
        &Dmt,
        &Jkr,
        &HertzFilmBonded,
        &HertzFilmUnbonded,
    ]
}

/// The model registered under `key`.
pub fn by_key(key: &str) -> Option<&'static dyn ContactModel> {
    registry().iter().copied().find(|m| m.spec().key == key)
}
