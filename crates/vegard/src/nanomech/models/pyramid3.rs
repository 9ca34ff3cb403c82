//! Regular three-sided pyramid (e.g. Berkovich-like AFM tips).

use super::cone::quadratic_law;
use super::hertz_paraboloid::MODULUS;
use super::{ContactModel, ModelSpec, Tip, TipShape};
use crate::data::SegmentKind;

/// `0.8887`: three-sided pyramid prefactor of nanite's `hertz_pyr3s`
/// (`F = 0.8887 tan α · E/(1−ν²) · δ²`), attributed there to Bilodeau, J. Appl. Mech. 59, 519
/// (1992). (nanite's docstring prints 0.887, its code uses 0.8887; we follow the code.)
pub const PYRAMID3_BILODEAU: f64 = 0.8887;

/// `F = 0.8887 · E* · tan α · δ²`, α = face angle.
pub struct Pyramid3;

static SPEC: ModelSpec = ModelSpec {
    key: "pyramid-3",
    name: "Three-sided pyramid (Bilodeau)",
    formula: "F = 0.8887 · E/(1−ν²) · tan α · δ², α = face angle",
    tip: TipShape::HalfAngle,
    params: &[MODULUS],
    validity: "Sharp regular three-sided pyramid, face angle α (tip rounding negligible), linear elastic \
               isotropic half-space, frictionless, no adhesion.",
    citation: "G. G. Bilodeau, J. Appl. Mech. 59, 519 (1992); constant as in nanite `hertz_pyr3s`",
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: false,
    validity_length: None,
};

impl ContactModel for Pyramid3 {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn force(&self, delta_m: f64, params: &[f64], tip: &Tip) -> f64 {
        if delta_m <= 0.0 {
            return 0.0;
        }
        PYRAMID3_BILODEAU * tip.half_angle_rad.tan() * tip.reduced_modulus(params[0]) * delta_m * delta_m
    }

    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        quadratic_law(PYRAMID3_BILODEAU * tip.half_angle_rad.tan(), delta_m, params, tip, grad)
    }
}
