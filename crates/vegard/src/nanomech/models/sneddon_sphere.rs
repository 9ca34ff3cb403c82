//! Sneddon's exact solution for a rigid sphere on an elastic half-space.

use super::hertz_paraboloid::MODULUS;
use super::{ContactModel, ModelSpec, Tip, TipShape};
use crate::data::SegmentKind;

/// Exact sphere (Sneddon 1965): with contact radius `a` (0 ≤ a < R),
/// `δ = a/2 · ln((R+a)/(R−a))` and `F = E*·[(a² + R²)/2 · ln((R+a)/(R−a)) − aR]`.
///
/// `a` is found from δ by a bracketed Newton iteration ([`sneddon_contact_radius`]). With
/// `t = a/R` the two relations read `δ/R = t·artanh t` and `F = E* R² [(1+t²) artanh t − t]`;
/// the bracket is evaluated as its Taylor series `Σ 4k/(4k²−1) t^{2k+1}` for small `t`, where the
/// closed form cancels catastrophically. For δ/R → 0 it tends to Hertz:
/// `F_Sneddon/F_Hertz = 1 − δ/(10R) + O((δ/R)²)` (tested in `tests/models_roundtrip.rs`).
/// The contact stiffness is `dF/dδ = 2aE*` (Sneddon's general result), used for the Jacobian.
pub struct SneddonSphere;

static SPEC: ModelSpec = ModelSpec {
    key: "sneddon-sphere",
    name: "Sneddon (spherical indenter, exact)",
    formula: "δ = a/2 · ln((R+a)/(R−a)); F = E/(1−ν²) · [(a²+R²)/2 · ln((R+a)/(R−a)) − a·R]",
    tip: TipShape::Radius,
    params: &[MODULUS],
    validity: "Rigid sphere of radius R, contact radius a < R (any δ, but the spherical cap must not be \
               exceeded); linear elastic isotropic half-space, frictionless, no adhesion. Approaches Hertz \
               for δ ≪ R.",
    citation: "I. N. Sneddon, Int. J. Eng. Sci. 3, 47 (1965), spherical punch (Eqs. 6.x); as implemented in \
               nanite `sneddon_spher` (P. Müller et al., BMC Bioinformatics 20, 465 (2019))",
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: false,
    validity_length: Some("R"),
};

/// `(1+t²) artanh t − t` (= F/(E* R²)), accurate for all 0 ≤ t < 1.
fn bracket(t: f64) -> f64 {
    if t < 0.2 {
        // Σ_{k≥1} 4k/(4k²−1) t^{2k+1}; t² ≤ 0.04 so 12 terms reach 1e-17 relative.
        let t2 = t * t;
        let mut term = t * t2;
        let mut sum = 0.0;
        for k in 1..=12 {
            let kf = k as f64;
            sum += 4.0 * kf / (4.0 * kf * kf - 1.0) * term;
            term *= t2;
        }
        sum
    } else {
        (1.0 + t * t) * t.atanh() - t
    }
}

/// Contact radius `a` (m) of a sphere of radius `r` at indentation `delta` (m), solving
/// `δ/R = t·artanh t` for `t = a/R` ∈ [0, 1). Returns 0 for δ ≤ 0 and NaN for R ≤ 0.
pub fn sneddon_contact_radius(delta: f64, r: f64) -> f64 {
    if r.is_nan() || r <= 0.0 || delta.is_nan() {
        return f64::NAN;
    }
    if delta <= 0.0 {
        return 0.0;
    }
    r * solve_t(delta / r)
}

fn solve_t(d: f64) -> f64 {
    // t artanh t = t² + t⁴/3 + …, so t ≈ √(d − d²/3) for small d; for large d, t → tanh(d).
    let mut t = if d < 1.0 { (d - d * d / 3.0).sqrt() } else { d.tanh() };
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let at = t.atanh();
        let g = t * at - d;
        if g > 0.0 {
            hi = t;
        } else {
            lo = t;
        }
        let dg = at + t / (1.0 - t * t);
        let mut next = t - g / dg;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - t).abs() <= 2.0 * f64::EPSILON * t || hi - lo <= 2.0 * f64::EPSILON * hi {
            return next;
        }
        t = next;
    }
    t
}

impl ContactModel for SneddonSphere {
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
        let t = solve_t(delta_m / r);
        tip.reduced_modulus(params[0]) * r * r * bracket(t)
    }

    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        if delta_m <= 0.0 {
            grad[0] = 0.0;
            return (0.0, 0.0);
        }
        let r = tip.radius_m;
        let t = solve_t(delta_m / r);
        let (es, des) = tip.reduced_modulus_with_derivative(params[0]);
        let b = r * r * bracket(t);
        grad[0] = b * des;
        (es * b, 2.0 * r * t * es)
    }
}
