//! Sneddon's rigid cone.

use super::hertz_paraboloid::MODULUS;
use super::{ContactModel, ModelSpec, Tip, TipShape};
use crate::data::SegmentKind;

/// `F = (2/π) E* tan α δ²` with α the half-opening angle (Sneddon 1965).
pub struct Cone;

static SPEC: ModelSpec = ModelSpec {
    key: "cone",
    name: "Sneddon (conical indenter)",
    formula: "F = 2/π · E/(1−ν²) · tan α · δ²",
    tip: TipShape::HalfAngle,
    params: &[MODULUS],
    validity: "Sharp rigid cone of half-opening angle α (tip rounding negligible: δ ≫ R_tip), linear elastic \
               isotropic half-space, small strains (α not too small), frictionless, no adhesion.",
    citation: "I. N. Sneddon, Int. J. Eng. Sci. 3, 47 (1965), conical punch (Eq. 6.5); nanite `hertz_cone`",
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: false,
    validity_length: None,
};

/// Shared by the quadratic laws `F = c · E* · δ²` (cone, pyramids): returns `(F, dF/dδ)` and
/// `∂F/∂E` in `grad[0]`.
#[inline]
pub(super) fn quadratic_law(c: f64, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
    if delta_m <= 0.0 {
        grad[0] = 0.0;
        return (0.0, 0.0);
    }
    let (es, des) = tip.reduced_modulus_with_derivative(params[0]);
    let d2 = delta_m * delta_m;
    grad[0] = c * d2 * des;
    (c * es * d2, 2.0 * c * es * delta_m)
}

impl ContactModel for Cone {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn force(&self, delta_m: f64, params: &[f64], tip: &Tip) -> f64 {
        if delta_m <= 0.0 {
            return 0.0;
        }
        2.0 / std::f64::consts::PI * tip.half_angle_rad.tan() * tip.reduced_modulus(params[0]) * delta_m * delta_m
    }

    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        quadratic_law(2.0 / std::f64::consts::PI * tip.half_angle_rad.tan(), delta_m, params, tip, grad)
    }
}
