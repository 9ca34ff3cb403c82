//! Hertz paraboloid on a thin film over a rigid substrate: the bottom-effect correction of
//! Dimitriadis et al., Biophys. J. 82, 2798 (2002).

use super::hertz_paraboloid::MODULUS;
use super::{ContactModel, ModelSpec, ParamSpec, Start, StartInputs, Tip, TipShape};
use crate::data::SegmentKind;
use std::f64::consts::PI;

/// How the film is attached to the substrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilmAttachment {
    /// Film bonded to the substrate (no slip): Dimitriadis et al. Eq. 11.
    Bonded,
    /// Film resting on the substrate, free to slip: Dimitriadis et al. Eq. 12.
    Unbonded,
}

/// `(α₀, β₀)` of Dimitriadis et al. (2002) for Poisson's ratio `nu`:
///
/// - bonded (Eq. 11): `α₀ = −(1.2876 − 1.4678ν + 1.3442ν²)/(1 − ν)`,
///   `β₀ = (0.6387 − 1.0277ν + 1.5164ν²)/(1 − ν)`;
/// - unbonded (Eq. 12): `α₀ = −0.347(3 − 2ν)/(1 − ν)`, `β₀ = 0.056(5 − 2ν)/(1 − ν)`.
///
/// Sign check: α₀ < 0 and β₀ > 0 for all 0 ≤ ν ≤ 0.5, so the first-order term `−2α₀χ/π` is
/// positive — a rigid substrate under a thin film can only stiffen the response, and the bonded
/// film (|α₀| larger) more than the unbonded one. These signs reproduce the incompressible
/// (ν = 0.5) coefficients printed in the paper and quoted by its users — bonded 1.133, 1.283,
/// 0.769; unbonded 0.884, 0.781, 0.386, 0.0048 — and agree with an independent implementation
/// (AtomicJ `HertzianThinSampleParaboloidChadwick`). One discrepancy: for the bonded case the
/// χ⁴ coefficient `16α₀/π⁴ (α₀³ + 3π²β₀/5)` evaluates to **−0.0975**, whereas the numeric
/// form usually quoted reads +0.0975. We implement the general equation (the numeric form is
/// its evaluation; the unbonded numbers, including the sign of the small χ⁴ term, come out of
/// the same formula exactly). The difference is ≤ 0.6 % of F for χ ≤ 0.5 and 4.5 % at χ = 1.
pub fn dimitriadis_coefficients(nu: f64, attachment: FilmAttachment) -> (f64, f64) {
    match attachment {
        FilmAttachment::Bonded => (
            -(1.2876 - 1.4678 * nu + 1.3442 * nu * nu) / (1.0 - nu),
            (0.6387 - 1.0277 * nu + 1.5164 * nu * nu) / (1.0 - nu),
        ),
        FilmAttachment::Unbonded => (-0.347 * (3.0 - 2.0 * nu) / (1.0 - nu), 0.056 * (5.0 - 2.0 * nu) / (1.0 - nu)),
    }
}

/// Coefficients `[c₁, c₂, c₃, c₄]` of the correction `1 + c₁χ + c₂χ² + c₃χ³ + c₄χ⁴`
/// (Dimitriadis et al. 2002, Eqs. 11–12):
/// `c₁ = −2α₀/π`, `c₂ = 4α₀²/π²`, `c₃ = −8/π³ (α₀³ + 4π²β₀/15)`, `c₄ = 16α₀/π⁴ (α₀³ + 3π²β₀/5)`.
pub fn dimitriadis_polynomial(nu: f64, attachment: FilmAttachment) -> [f64; 4] {
    let (a, b) = dimitriadis_coefficients(nu, attachment);
    let (p2, p3, p4) = (PI * PI, PI * PI * PI, PI * PI * PI * PI);
    [
        -2.0 * a / PI,
        4.0 * a * a / p2,
        -8.0 / p3 * (a * a * a + 4.0 * p2 * b / 15.0),
        16.0 * a / p4 * (a * a * a + 3.0 * p2 * b / 5.0),
    ]
}

const FILM_THICKNESS: ParamSpec = ParamSpec {
    key: "film_thickness",
    symbol: "h",
    unit: "m",
    description: "Film thickness above the rigid substrate; fix it to the measured value",
    default: 1e-6,
    min: 1e-12,
    max: f64::INFINITY,
};

/// `F = F_Hertz(δ) · (1 + c₁χ + c₂χ² + c₃χ³ + c₄χ⁴)`, `χ = √(Rδ)/h`.
///
/// Design choice: the film is a *model* (two keys, bonded/unbonded) with the thickness `h` as its
/// second parameter, not an option on [`Tip`]: the correction is derived for a paraboloid only,
/// so a film flag on `Tip` would silently be ignored by — or wrongly applied to — the other
/// models. `h` is normally fixed (`fixed: ["film_thickness"]` with its value in `init`); it can be
/// fitted only when δ reaches χ ≳ 0.3. With a compliant tip the Hertz prefactor uses E*; the
/// paper assumes a rigid indenter.
fn film_force(delta: f64, params: &[f64], tip: &Tip, att: FilmAttachment, grad: &mut [f64]) -> (f64, f64) {
    if delta <= 0.0 {
        grad[0] = 0.0;
        grad[1] = 0.0;
        return (0.0, 0.0);
    }
    let (es, des) = tip.reduced_modulus_with_derivative(params[0]);
    let h = params[1];
    let r = tip.radius_m;
    let [c1, c2, c3, c4] = dimitriadis_polynomial(tip.poisson, att);
    let s = delta.sqrt();
    let chi = (r.sqrt() * s) / h;
    let p = 1.0 + chi * (c1 + chi * (c2 + chi * (c3 + chi * c4)));
    let dp = c1 + chi * (2.0 * c2 + chi * (3.0 * c3 + chi * 4.0 * c4));
    let hz = 4.0 / 3.0 * r.sqrt() * delta * s; // F_Hertz / E*
    let dhz = 2.0 * r.sqrt() * s;
    // dχ/dδ = χ/(2δ), dχ/dh = −χ/h
    grad[0] = hz * p * des;
    grad[1] = es * hz * dp * (-chi / h);
    (es * hz * p, es * (dhz * p + hz * dp * chi / (2.0 * delta)))
}

/// Hertz paraboloid on a film bonded to a rigid substrate (Dimitriadis et al. 2002, Eq. 11).
pub struct HertzFilmBonded;
/// Hertz paraboloid on a film lying unbonded on a rigid substrate (Dimitriadis et al. 2002, Eq. 12).
pub struct HertzFilmUnbonded;

const VALIDITY: &str = "Paraboloid (sphere with δ ≪ R) on a linear elastic film of thickness h on a rigid \
                        substrate; expansion in χ = √(Rδ)/h, accurate for χ ≲ 1 (Dimitriadis et al. Fig. 3). \
                        Fix film_thickness to the measured value.";
const CITATION_BONDED: &str = "E. K. Dimitriadis, F. Horkay, J. Maresca, B. Kachar, R. S. Chadwick, Biophys. J. 82, \
                               2798 (2002), Eq. 11 (bonded); sign check in hertz_film.rs";
const CITATION_UNBONDED: &str = "E. K. Dimitriadis, F. Horkay, J. Maresca, B. Kachar, R. S. Chadwick, Biophys. J. 82, \
                                 2798 (2002), Eq. 12 (not bonded); sign check in hertz_film.rs";

static SPEC_BONDED: ModelSpec = ModelSpec {
    key: "hertz-paraboloid-film-bonded",
    name: "Hertz on a thin bonded film (Dimitriadis)",
    formula: "F = 4/3 · E/(1−ν²) · √R · δ^(3/2) · [1 − 2α₀χ/π + 4α₀²χ²/π² − 8/π³(α₀³ + 4π²β₀/15)χ³ + \
              16α₀/π⁴(α₀³ + 3π²β₀/5)χ⁴], χ = √(Rδ)/h, α₀ = −(1.2876 − 1.4678ν + 1.3442ν²)/(1−ν), \
              β₀ = (0.6387 − 1.0277ν + 1.5164ν²)/(1−ν)",
    tip: TipShape::Radius,
    params: &[MODULUS, FILM_THICKNESS],
    validity: VALIDITY,
    citation: CITATION_BONDED,
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: true,
    validity_length: Some("min(R, h²/R)"),
};

static SPEC_UNBONDED: ModelSpec = ModelSpec {
    key: "hertz-paraboloid-film-unbonded",
    name: "Hertz on a thin unbonded film (Dimitriadis)",
    formula: "F = 4/3 · E/(1−ν²) · √R · δ^(3/2) · [1 − 2α₀χ/π + 4α₀²χ²/π² − 8/π³(α₀³ + 4π²β₀/15)χ³ + \
              16α₀/π⁴(α₀³ + 3π²β₀/5)χ⁴], χ = √(Rδ)/h, α₀ = −0.347(3 − 2ν)/(1−ν), β₀ = 0.056(5 − 2ν)/(1−ν)",
    tip: TipShape::Radius,
    params: &[MODULUS, FILM_THICKNESS],
    validity: VALIDITY,
    citation: CITATION_UNBONDED,
    default_segment: SegmentKind::Approach,
    default_window: None,
    needs_film_thickness: true,
    validity_length: Some("min(R, h²/R)"),
};

/// The film thickness is a measured input, held at the user's value.
fn film_start(spec: &ModelSpec, inputs: &StartInputs) -> Start {
    let mut start = Start::from_spec(spec);
    if let Some(h) = inputs.film_thickness_m {
        start.set(spec, FILM_THICKNESS.key, h);
    }
    start.held.push(FILM_THICKNESS.key);
    start
}

/// The paraboloid needs δ ≪ R and the expansion χ = √(Rδ)/h ≲ 1, i.e. δ ≲ h²/R.
fn film_validity_length(params: &[f64], tip: &Tip) -> Option<f64> {
    let h = params.get(1).copied().unwrap_or(f64::NAN);
    Some(tip.radius_m.min(h * h / tip.radius_m))
}

impl ContactModel for HertzFilmBonded {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC_BONDED
    }
    fn start(&self, inputs: &StartInputs, _tip: &Tip) -> Start {
        film_start(&SPEC_BONDED, inputs)
    }
    fn validity_length_m(&self, params: &[f64], tip: &Tip) -> Option<f64> {
        film_validity_length(params, tip)
    }
    fn force(&self, delta_m: f64, params: &[f64], tip: &Tip) -> f64 {
        film_force(delta_m, params, tip, FilmAttachment::Bonded, &mut [0.0; 2]).0
    }
    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        film_force(delta_m, params, tip, FilmAttachment::Bonded, grad)
    }
}

impl ContactModel for HertzFilmUnbonded {
    fn spec(&self) -> &'static ModelSpec {
        &SPEC_UNBONDED
    }
    fn start(&self, inputs: &StartInputs, _tip: &Tip) -> Start {
        film_start(&SPEC_UNBONDED, inputs)
    }
    fn validity_length_m(&self, params: &[f64], tip: &Tip) -> Option<f64> {
        film_validity_length(params, tip)
    }
    fn force(&self, delta_m: f64, params: &[f64], tip: &Tip) -> f64 {
        film_force(delta_m, params, tip, FilmAttachment::Unbonded, &mut [0.0; 2]).0
    }
    fn force_with_gradient(&self, delta_m: f64, params: &[f64], tip: &Tip, grad: &mut [f64]) -> (f64, f64) {
        film_force(delta_m, params, tip, FilmAttachment::Unbonded, grad)
    }
}
