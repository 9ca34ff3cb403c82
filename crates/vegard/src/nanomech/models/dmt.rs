//! Derjaguin–Muller–Toporov: Hertz plus a constant adhesive force.

use super::hertz_paraboloid::MODULUS;
use super::{ADHESIVE_WINDOW, ContactModel, ModelSpec, ParamSpec, Start, StartInputs, Tip, TipShape};
use crate::data::SegmentKind;

/// `F = 4/3 E* √R δ^{3/2} − F_adh` (Derjaguin, Muller & Toporov 1975), the model Bruker's
/// PeakForce QNM fits to the retract curve between 30 % and 90 % of the force range (Wolff & Hausen 2023).
/// For a DMT contact `F_adh = 2πwR`; here it is a parameter, normally *fixed* to the measured
/// pull-off (adhesion) force.
///
/// Note for fitting: in the convention `F(x) = F_model(max(δ,0)) + baseline`, `F_adh` enters
/// every point as a constant offset, exactly like the baseline: the two cannot both be free
/// (the normal equations are singular and the fitter reports NaN standard errors). Fix one:
/// `adhesion_force` to the measured pull-off force (usual), or `baseline` to the free-cantilever
/// level and fit `adhesion_force`.
pub struct Dmt;

const ADHESION: ParamSpec = ParamSpec {
    key: "adhesion_force",
    symbol: "F_adh",
    unit: "N",
    description: "Adhesion (pull-off) force, positive; usually fixed to the measured value",
    default: 0.0,
    min: 0.0,
    max: f64::INFINITY,
};

static SPEC: ModelSpec = ModelSpec {
    key: "dmt",
    name: "DMT (Hertz + constant adhesion)",
    formula: "F = 4/3 · E/(1−ν²) · √R · δ^(3/2) − F_adh",
    tip: TipShape::Radius,
    params: &[MODULUS, ADHESION],
    validity: "Stiff, weakly adhesive contacts with small tip radius (Tabor parameter μ < 0.1); δ ≪ R. \
               F_adh and the baseline are interchangeable offsets: fix one of them.",
    citation: "B. V. Derjaguin, V. M. Muller, Yu. P. Toporov, J. Colloid Interface Sci. 53, 314 (1975); \
               PeakForce QNM use as in Wolff & Hausen 2023",
    default_segment: SegmentKind::Retract,
    default_window: Some(ADHESIVE_WINDOW),
    needs_film_thickness: false,
    validity_length: Some("R"),
};

impl ContactModel for Dmt {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    /// The adhesion is measured (the pull-off minimum of the retract) and held, as PeakForce
    /// QNM does (Wolff & Hausen 2023); the baseline is then held too (the two are the same offset).
    fn start(&self, inputs: &StartInputs, _tip: &Tip) -> Start {
        let mut start = Start::adhesive(&SPEC, inputs.pull_off_force_n);
        start.set(&SPEC, ADHESION.key, inputs.pull_off_force_n.max(0.0));
        start.held.push(ADHESION.key);
        start
    }

    fn validity_length_m(&self, _params: &[f64], tip: &Tip) -> Option<f64> {
        Some(tip.radius_m)
    }

    fn force(&self, delta_m: f64, params: &[f64], tip: &Tip) -> f64 {
        let d = delta_m.max(0.0);
        4.0 / 3.0 * tip.reduced_modulus(params[0]) * tip.radius_m.sqrt() * d * d.sqrt() - params[1]
    }

    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        grad[1] = -1.0;
        if delta_m <= 0.0 {
            grad[0] = 0.0;
            return (-params[1], 0.0);
        }
        let (es, des) = tip.reduced_modulus_with_derivative(params[0]);
        let s = delta_m.sqrt();
        let k = 4.0 / 3.0 * tip.radius_m.sqrt() * s;
        grad[0] = k * delta_m * des;
        (k * es * delta_m - params[1], 1.5 * k * es)
    }
}
