//! Rigid flat-ended cylinder (flat punch).

use super::hertz_paraboloid::MODULUS;
use super::{ContactModel, ModelSpec, Tip, TipShape};
use crate::data::SegmentKind;

/// `F = 2 a E* δ`, a = punch radius (`Tip::radius_m`): the contact area is fixed, so the
/// stiffness 2aE* is constant (Sneddon 1965; Johnson, Contact Mechanics, Eq. 3.33).
pub struct FlatPunch;

static SPEC: ModelSpec = ModelSpec {
    key: "flat-punch",
    name: "Flat cylindrical punch",
    formula: "F = 2 · a · E/(1−ν²) · δ, a = punch radius",
    tip: TipShape::PunchRadius,
    params: &[MODULUS],
    validity: "Rigid flat-ended cylinder of radius a in full contact (flat end parallel to the surface), linear \
               elastic isotropic half-space, δ ≪ a, frictionless, no adhesion.",
    citation: "I. N. Sneddon, Int. J. Eng. Sci. 3, 47 (1965), flat-ended cylinder; K. L. Johnson, Contact \
               Mechanics (1985), Eq. 3.33",
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: false,
    validity_length: Some("a"),
};

impl ContactModel for FlatPunch {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn validity_length_m(&self, _params: &[f64], tip: &Tip) -> Option<f64> {
        Some(tip.radius_m)
    }

    fn force(&self, delta_m: f64, params: &[f64], tip: &Tip) -> f64 {
        if delta_m <= 0.0 {
            return 0.0;
        }
        2.0 * tip.radius_m * tip.reduced_modulus(params[0]) * delta_m
    }

    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        if delta_m <= 0.0 {
            grad[0] = 0.0;
            return (0.0, 0.0);
        }
        let (es, des) = tip.reduced_modulus_with_derivative(params[0]);
        let k = 2.0 * tip.radius_m;
        grad[0] = k * delta_m * des;
        (k * es * delta_m, k * es)
    }
}
