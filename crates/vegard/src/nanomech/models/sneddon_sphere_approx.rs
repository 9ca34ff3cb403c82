//! Series approximation of Sneddon's sphere in powers of δ/R (as nanite).

use super::hertz_paraboloid::MODULUS;
use super::{ContactModel, ModelSpec, Tip, TipShape};
use crate::data::SegmentKind;

/// `F = 4/3 E* √R δ^{3/2} · (1 − d/10 − d²/840 + 11d³/15120 + 1357d⁴/6652800)`, `d = δ/R`.
///
/// This is the Taylor expansion of Sneddon's exact sphere ([`super::SneddonSphere`]) in δ/R
/// to fourth order, the closed form nanite offers as `sneddon_spher_approx` (coefficients as in
/// nanite's `model_sneddon_spherical_approximation.py`, citing Sneddon 1965). We checked the
/// coefficients instead of trusting them: the relative difference to the exact model scales as
/// (δ/R)⁵ (test `sneddon_approx_matches_exact_to_fifth_order`), i.e. all four are right.
pub struct SneddonSphereApprox;

/// Coefficients of (δ/R)^k, k = 1..4.
pub(crate) const SERIES: [f64; 4] = [-1.0 / 10.0, -1.0 / 840.0, 11.0 / 15120.0, 1357.0 / 6652800.0];

static SPEC: ModelSpec = ModelSpec {
    key: "sneddon-sphere-approx",
    name: "Sneddon (spherical indenter, series approximation)",
    formula: "F = 4/3 · E/(1−ν²) · √R · δ^(3/2) · (1 − d/10 − d²/840 + 11d³/15120 + 1357d⁴/6652800), d = δ/R",
    tip: TipShape::Radius,
    params: &[MODULUS],
    validity: "As the exact Sneddon sphere; the truncated series is accurate to ~1e-7 relative for δ/R ≤ 0.1 \
               and degrades as (δ/R)⁵ beyond. No adhesion.",
    citation: "Series expansion of I. N. Sneddon, Int. J. Eng. Sci. 3, 47 (1965); coefficients as in nanite \
               `sneddon_spher_approx` (P. Müller et al., BMC Bioinformatics 20, 465 (2019))",
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: false,
    validity_length: Some("R"),
};

#[inline]
fn series(d: f64) -> (f64, f64) {
    // P(d) and P'(d), Horner.
    let [c1, c2, c3, c4] = SERIES;
    let p = 1.0 + d * (c1 + d * (c2 + d * (c3 + d * c4)));
    let dp = c1 + d * (2.0 * c2 + d * (3.0 * c3 + d * 4.0 * c4));
    (p, dp)
}

impl ContactModel for SneddonSphereApprox {
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
        let r = tip.radius_m;
        let (p, _) = series(delta_m / r);
        4.0 / 3.0 * tip.reduced_modulus(params[0]) * r.sqrt() * delta_m * delta_m.sqrt() * p
    }

    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        if delta_m <= 0.0 {
            grad[0] = 0.0;
            return (0.0, 0.0);
        }
        let r = tip.radius_m;
        let (es, des) = tip.reduced_modulus_with_derivative(params[0]);
        let (p, dp) = series(delta_m / r);
        let s = delta_m.sqrt();
        let h = 4.0 / 3.0 * r.sqrt() * delta_m * s; // Hertz shape
        let dh = 2.0 * r.sqrt() * s;
        grad[0] = h * p * des;
        (es * h * p, es * (dh * p + h * dp / r))
    }
}
