//! Hertz contact of a paraboloidal indenter on an elastic half-space.

use super::{ContactModel, ModelSpec, ParamSpec, Tip, TipShape};
use crate::data::SegmentKind;

/// F = (4/3) E* √R δ^{3/2}, E* = E/(1 − ν²) for a rigid tip.
pub struct HertzParaboloid;

pub(crate) const MODULUS: ParamSpec = ParamSpec {
    key: "modulus",
    symbol: "E",
    unit: "Pa",
    description: "Young's modulus of the sample",
    default: 1e6,
    min: 0.0,
    max: f64::INFINITY,
};

static SPEC: ModelSpec = ModelSpec {
    key: "hertz-paraboloid",
    name: "Hertz (paraboloidal indenter)",
    formula: "F = 4/3 · E/(1−ν²) · √R · δ^(3/2)",
    tip: TipShape::Radius,
    params: &[MODULUS],
    validity: "Small indentation δ ≪ R, linear elastic isotropic half-space, frictionless, no adhesion.",
    citation: "H. Hertz, J. reine angew. Math. 92, 156 (1882); Sneddon, Int. J. Eng. Sci. 3, 47 (1965), Eq. 6.4",
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: false,
    validity_length: Some("R"),
};

impl ContactModel for HertzParaboloid {
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
        4.0 / 3.0 * tip.reduced_modulus(params[0]) * tip.radius_m.sqrt() * delta_m * delta_m.sqrt()
    }

    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        if delta_m <= 0.0 {
            grad[0] = 0.0;
            return (0.0, 0.0);
        }
        let (es, des) = tip.reduced_modulus_with_derivative(params[0]);
        let s = delta_m.sqrt();
        // k = 4/3 √R δ^{1/2}; F = k E* δ; dF/dδ = 3/2 F/δ = 2 √R E* √δ (= 2 a E*, a = √(Rδ)).
        let k = 4.0 / 3.0 * tip.radius_m.sqrt() * s;
        grad[0] = k * delta_m * des;
        (k * es * delta_m, 1.5 * k * es)
    }

    fn force_with_gradient_batch(
        &self,
        delta_m: &[f64],
        params: &[f64],
        tip: &Tip,
        force: &mut [f64],
        dforce_ddelta: &mut [f64],
        grad: &mut [f64],
    ) {
        let (es, des) = tip.reduced_modulus_with_derivative(params[0]);
        let c = 4.0 / 3.0 * tip.radius_m.sqrt();
        let n = delta_m.len();
        for (((&d, f), dfd), g) in delta_m.iter().zip(&mut force[..n]).zip(&mut dforce_ddelta[..n]).zip(&mut grad[..n])
        {
            let d = d.max(0.0);
            let s = d.sqrt();
            let shape = c * d * s;
            *f = es * shape;
            *dfd = 1.5 * c * es * s;
            *g = des * shape;
        }
    }
}
