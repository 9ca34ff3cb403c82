//! Regular four-sided pyramid (the usual Si₃N₄ / Si AFM tip).

use super::cone::quadratic_law;
use super::hertz_paraboloid::MODULUS;
use super::{ContactModel, ModelSpec, Tip, TipShape};
use crate::data::SegmentKind;

/// Bilodeau's numerical result for a regular four-sided pyramid with face angle α:
/// `F = 0.7453 · E/(1−ν²) · tan α · δ²` (G. G. Bilodeau, J. Appl. Mech. 59, 519 (1992)); also
/// the constant of Rico et al., Phys. Rev. E 72, 021914 (2005) and of AtomicJ's "Pyramid"
/// model. **Our default for `pyramid-4`.**
pub const PYRAMID4_BILODEAU: f64 = 0.7453;

/// `1/√2 ≈ 0.7071`: the prefactor of the widely used approximate pyramid formula
/// `F = E tan α δ² / (√2 (1−ν²))` (e.g. JPK Data Processing). It equals a Sneddon cone
/// `2/π · tan θ` with `tan θ = π/(2√2) · tan α`; kept for comparison, not used by default.
pub const PYRAMID4_SNEDDON_EQUIVALENT: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// `4/π^{3/2} ≈ 0.7183`: the Sneddon cone with the same cross-sectional area as the pyramid
/// at every depth (`π δ² tan² θ = 4 δ² tan² α`, i.e. `tan θ = 2/√π · tan α`). A geometric
/// cross-check that 0.7071–0.7453 is the right range; not used by default.
pub const PYRAMID4_EQUAL_AREA_CONE: f64 = 4.0 / (std::f64::consts::PI * 1.772_453_850_905_516);

/// `F = 0.7453 · E* · tan α · δ²`, α = face angle (angle between the axis and a face).
///
/// Why 0.7453: the prefactors in circulation differ by 5 % — Bilodeau/Rico 0.7453, the
/// "√2" form 0.7071 ([`PYRAMID4_SNEDDON_EQUIVALENT`]), and 0.8887, which is nanite's constant
/// for the *three*-sided pyramid ([`super::PYRAMID3_BILODEAU`], `hertz_pyr3s`), not a
/// four-sided one. nanite has no four-sided pyramid model, so there is no nanite default to
/// follow; we use Bilodeau's 0.7453, the value of his pyramid solution that Rico et al. (2005)
/// and AtomicJ use. The modulus scales as 1/prefactor, so results from tools using 0.7071
/// are 5.4 % higher than ours on the same data (0.7453/0.7071 = 1.054).
pub struct Pyramid4;

static SPEC: ModelSpec = ModelSpec {
    key: "pyramid-4",
    name: "Four-sided pyramid (Bilodeau)",
    formula: "F = 0.7453 · E/(1−ν²) · tan α · δ², α = face angle",
    tip: TipShape::HalfAngle,
    params: &[MODULUS],
    validity: "Sharp regular four-sided pyramid, face angle α (tip rounding negligible: δ ≫ R_tip), linear \
               elastic isotropic half-space, frictionless, no adhesion. Prefactors in other tools: 0.7071 \
               (1/√2), 0.7453 (Bilodeau/Rico, used here).",
    citation: "G. G. Bilodeau, J. Appl. Mech. 59, 519 (1992); M. Rico et al., Phys. Rev. E 72, 021914 (2005)",
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: false,
    validity_length: None,
};

impl ContactModel for Pyramid4 {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC
    }

    fn force(&self, delta_m: f64, params: &[f64], tip: &Tip) -> f64 {
        if delta_m <= 0.0 {
            return 0.0;
        }
        PYRAMID4_BILODEAU * tip.half_angle_rad.tan() * tip.reduced_modulus(params[0]) * delta_m * delta_m
    }

    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        quadratic_law(PYRAMID4_BILODEAU * tip.half_angle_rad.tan(), delta_m, params, tip, grad)
    }
}
