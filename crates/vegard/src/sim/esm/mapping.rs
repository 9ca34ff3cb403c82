//! ESM amplitude maps over a laterally heterogeneous baseline concentration (Eshghinejad et al. 2017, Fig. 2: a grain-boundary
//! triple junction, 200 × 200 pixels over 80 L) by a linear-response resolution function.
//!
//! **Reduced model.** For a tip at lateral position x over a depth-uniform baseline field c₀(x'), the complex
//! small-signal response is, to first order in the baseline variations about their reference c̄,
//! R(x) ≈ R(c̄) + ∫ g(|x' − x|) (c₀(x') − c̄) d²x',
//! where g(ρ) is the sensitivity of [`TipModel::ac_response`] to the baseline at lateral distance ρ
//! (complex: the phase of each ring's contribution is kept; the sum is taken before the modulus). The ESM
//! amplitude is |R(x)| × V_ac.
//!
//! **Computing g.** On the axisymmetric model, the baseline is perturbed on one r-line of the mesh at a time
//! (all depths: the P1 hat h_j(ρ) centred at r_j, the finest radial "ring" the mesh can represent), the
//! frozen state is built as c = c̄ + δ·h_j with σ_h from [`TipModel::hydrostatic_stress_pa`] (the baseline
//! variation is elastically compatible with the stress-free reference c̄, as in the direct solves), and
//! G_j = ∂R/∂δ by a central difference (±δ, δ = 10⁻³ c̄: truncation O(δ²) ≈ 10⁻⁶ relative). With
//! a_j = ∫ h_j 2πρ dρ the ring area, g(ρ) = Σ_j (G_j/a_j) h_j(ρ), the piecewise-linear sensitivity per area.
//!
//! **Adjoint.** [`ResolutionFunction::compute`] takes every G_j from ONE forward and ONE adjoint small-signal
//! solve about c̄ ([`TipModel::ac_adjoint`]; small_signal.rs module doc "Adjoint"): G_j is the central
//! difference of the Lagrangian L(s) = gᵀC(s)δη̂ − λᵀ(A(s)z − b(s)) over the ring states c̄ ± δh_j, i.e.
//! two residual evaluations per ring (each: σ_h of the ring state, the Jacobians J_η, J_w and the drive
//! about it, one application of the operator), which carry every way the ring perturbation enters — the
//! base state's σ_h, the mobilities, c'(η) in D = diag(m c') and in the stress term, the drive, the mass
//! border and the read-out C(s). [`ResolutionFunction::compute_direct`] keeps the 2 × (r-lines) + 1 direct
//! solves of the same central difference as the reference: `tests/esm_mapping.rs` finds
//! max_j |G_j^adj − G_j^direct| / max_j |G_j| = 6.2e-7 at ω̂ = 1 (coarse mesh, 23 rings; 1.7e-6 of each
//! ring's own |G_j|) and 8.2e-10 at 300 kHz on the coarse read mesh (29 rings; 1.1e-6 of each own |G_j|):
//! the two differ by their O(δ²) truncation terms (the Lagrangian and R have different third derivatives)
//! and by rounding, not by the method. The 200 × 200 maps of `vegard simulate esm --experiment mapping`
//! agree with those of the direct computation to 3e-10 (LiFePO₄, default mesh) / 7e-10 (ceria, coarse) in
//! amplitude and 2e-8° in phase.
//! g vanishes beyond the model's sample radius (the tip model is a cylinder of that radius with closed
//! sides), so the map convolution has a finite kernel.
//!
//! **Map.** The kernel is integrated over each pixel (sub-sampled finely enough to resolve the knot spacing of
//! g) and convolved directly with c₀ − c̄; outside the image c₀ is continued by its nearest edge pixel (the
//! scanned region is taken as representative of its surroundings).
//!
//! **Limits.** First order in c₀ − c̄: the response depends on the baseline nonlinearly (the drive ∝ c,
//! the 1/(1 − c) diffusion, the stress feedback ∝ c), so the error grows with the contrast; the test
//! `tests/esm_mapping.rs` measures it against direct axisymmetric solves (discs and grain-boundary rings
//! centred under the tip). Off-centre geometries are not axisymmetric and cannot be checked directly by the
//! axisymmetric model; the superposition is exact there only in the linear limit. At the preset AC frequency
//! (300 kHz, ω̂ = ωL²/D ≈ 1.2 × 10⁷) the diffusion layer is far thinner than the mesh and g is concentrated
//! where the field injects ions (under the contact patch), so the map is nearly a local read-out of c₀.
//!
//! **Verification and numbers** (coarse mesh, LiFePO₄ preset, c̄ = 0.1, ω̂ = 1; `tests/esm_mapping.rs`
//! holds the full table). Tip at the centre of a disc of radius R = 0.5–5 L or a grain-boundary ring
//! (width 0.5–2.4 L) about R, contrast Δ = 0.005 / 0.02 / 0.08: the pure first-order error (exact
//! linearisation of the same discrete field vs the direct solve) is ≈ 0.9 % / 3.5 % / 15 % of the change for
//! discs and 0.03–0.2 % / 0.1–0.7 % / 0.3–2.5 % for rings, ∝ Δ at small Δ; the total error of the map's
//! continuous convolution at Δ = 0.005 is 0.3–0.8 % of the change for discs (the radial discretisation
//! partly cancels the first-order error) and 2–3 % for rings ≤ 2 L, 11 % of the tiny (5.6e-4 of the
//! signal) change of a ring at 5 L where the coarse far-field mesh is ~1.2 L. Pixel kernel vs radial
//! integral (disc 1 L on 0.05 L pixels): 0.27 % of the change. Fig. 2 geometry (200 × 200 px over 80 L,
//! grains 0.1, boundaries 0.15 of width 2 L), per volt of AC: ω̂ = 1: grains 9.24e-10 m, boundaries
//! 1.26e-9 m, junction 1.28e-9 m; 300 kHz: 3.18e-15 … 4.76e-15 m (a local read-out: the 50 % c₀ contrast
//! maps to a 50 % amplitude contrast). Time (release build, 2 shared cores under load ≈ 7, 2026-11-30):
//! `vegard simulate esm --preset lifepo4 --experiment mapping` (default mesh, 300 kHz read mesh) 9 min 19 s
//! wall / 185 s CPU with the direct solves, 11.6 s wall / 5.7 s CPU with the adjoint; ceria, coarse mesh
//! 52 s / 24.6 s CPU → 2.9 s / 1.4 s CPU. Coarse LiFePO₄ model (dev profile, `tests/esm_mapping.rs`): g at
//! ω̂ = 1 in 0.37 s (direct 5.2 s), at 300 kHz on the coarse read mesh 3.3 s (direct 61 s; 10.6 s / 58 s
//! with the other tests of the file running alongside).

use crate::data::Image;
use crate::data::esm::{EsmMap, EsmSource};
use crate::sim::esm::tip_model::{AcResponse, State, TipModel, TipModelError};
use rayon::prelude::*;

/// Relative size of the baseline perturbation used to difference the response (δ = this × c̄).
pub const RING_PERTURBATION: f64 = 1e-3;

/// The linear-response resolution function g(ρ) of one tip model at one frequency (module doc).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ResolutionFunction {
    pub frequency_hz: f64,
    /// Reference baseline c̄ (the model's baseline concentration).
    pub reference_c0: f64,
    /// Response at the uniform baseline c̄, per volt.
    pub base: AcResponse,
    /// Ring radii r_j (the mesh r-lines), m.
    pub ring_radius_m: Vec<f64>,
    /// Ring areas a_j = ∫ h_j 2πρ dρ, m².
    pub ring_area_m2: Vec<f64>,
    /// G_j = ∂R/∂δ for c₀ = c̄ + δ h_j: complex response per volt per unit of c₀ on the ring, m/V.
    pub ring_response: Vec<AcResponse>,
}

impl ResolutionFunction {
    /// Compute g for `model` (about its uniform baseline) at `frequency_hz` by the adjoint method (module
    /// doc): one forward and one adjoint small-signal solve, then per r-line two residual evaluations.
    pub fn compute(model: &TipModel, frequency_hz: f64) -> Result<Self, TipModelError> {
        let c_bar = model.params().baseline_concentration;
        let delta = RING_PERTURBATION * c_bar.min(1.0 - c_bar);
        let adjoint = model.ac_adjoint(&model.equilibrium_state(), 0.0, frequency_hz)?;
        let ring_response = model
            .mesh()
            .r_lines
            .par_iter()
            .map(|&r_j| {
                let (plus, minus) = ring_states(model, r_j, delta)?;
                let lp = adjoint.lagrangian(model, &plus)?;
                let lm = adjoint.lagrangian(model, &minus)?;
                Ok(central_difference(lp, lm, delta))
            })
            .collect::<Result<Vec<_>, TipModelError>>()?;
        Ok(Self::from_rings(model, frequency_hz, adjoint.response, ring_response))
    }

    /// As [`Self::compute`] by direct solves: 2 × (number of r-lines) + 1 small-signal solves about the
    /// perturbed states (the reference the adjoint computation is verified against, `tests/esm_mapping.rs`).
    pub fn compute_direct(model: &TipModel, frequency_hz: f64) -> Result<Self, TipModelError> {
        let c_bar = model.params().baseline_concentration;
        let delta = RING_PERTURBATION * c_bar.min(1.0 - c_bar);
        let base = model.ac_response(&model.equilibrium_state(), 0.0, frequency_hz)?;
        let ring_response = model
            .mesh()
            .r_lines
            .par_iter()
            .map(|&r_j| {
                let (plus, minus) = ring_states(model, r_j, delta)?;
                let rp = model.ac_response(&plus, 0.0, frequency_hz)?;
                let rm = model.ac_response(&minus, 0.0, frequency_hz)?;
                Ok(central_difference(rp, rm, delta))
            })
            .collect::<Result<Vec<_>, TipModelError>>()?;
        Ok(Self::from_rings(model, frequency_hz, base, ring_response))
    }

    fn from_rings(model: &TipModel, frequency_hz: f64, base: AcResponse, ring_response: Vec<AcResponse>) -> Self {
        let l = model.params().tip_radius_m;
        let r_lines = &model.mesh().r_lines;
        let ring_area_m2 = (0..r_lines.len())
            .map(|j| {
                let mut a = 0.0;
                if j > 0 {
                    let (p, q) = (r_lines[j - 1], r_lines[j]);
                    a += (q - p) * (p + 2.0 * q) / 6.0;
                }
                if j + 1 < r_lines.len() {
                    let (q, s) = (r_lines[j], r_lines[j + 1]);
                    a += (s - q) * (2.0 * q + s) / 6.0;
                }
                2.0 * std::f64::consts::PI * a * l * l
            })
            .collect();
        ResolutionFunction {
            frequency_hz,
            reference_c0: model.params().baseline_concentration,
            base,
            ring_radius_m: r_lines.iter().map(|r| r * l).collect(),
            ring_area_m2,
            ring_response,
        }
    }

    /// Largest lateral distance at which g is non-zero (the model's sample radius), m.
    pub fn support_m(&self) -> f64 {
        self.ring_radius_m.last().copied().unwrap_or(0.0)
    }

    /// g(ρ), complex sensitivity per area, m/V per m² per unit c₀ (0 beyond [`Self::support_m`]).
    pub fn sensitivity(&self, rho_m: f64) -> (f64, f64) {
        let r = &self.ring_radius_m;
        if r.is_empty() || rho_m.is_nan() || rho_m < 0.0 || rho_m > self.support_m() {
            return (0.0, 0.0);
        }
        let k = r.partition_point(|&x| x <= rho_m).clamp(1, r.len() - 1);
        let t = ((rho_m - r[k - 1]) / (r[k] - r[k - 1])).clamp(0.0, 1.0);
        let g = |j: usize| {
            let (a, rr) = (self.ring_area_m2[j], self.ring_response[j]);
            (rr.re_m_per_v / a, rr.im_m_per_v / a)
        };
        let (g0, g1) = (g(k - 1), g(k));
        (g0.0 + t * (g1.0 - g0.0), g0.1 + t * (g1.1 - g0.1))
    }

    /// The reduced response for the tip at the centre of a radially symmetric baseline c₀(ρ):
    /// R(c̄) + ∫ g(ρ)(c₀(ρ) − c̄) 2πρ dρ (each knot interval in 64 sub-intervals, 3-point Gauss: steps in c₀
    /// are resolved to 1/64 of the knot spacing).
    pub fn centre_response_radial(&self, c0_of_rho_m: impl Fn(f64) -> f64) -> AcResponse {
        let gauss = [(-0.774_596_669_241_483_4, 5.0 / 9.0), (0.0, 8.0 / 9.0), (0.774_596_669_241_483_4, 5.0 / 9.0)];
        let (mut re, mut im) = (self.base.re_m_per_v, self.base.im_m_per_v);
        for w in self.ring_radius_m.windows(2) {
            let sub = 64;
            let h = (w[1] - w[0]) / sub as f64;
            for k in 0..sub {
                let mid = w[0] + (k as f64 + 0.5) * h;
                for &(x, wt) in &gauss {
                    let rho = mid + 0.5 * h * x;
                    let (gr, gi) = self.sensitivity(rho);
                    let f = (c0_of_rho_m(rho) - self.reference_c0) * 2.0 * std::f64::consts::PI * rho * 0.5 * h * wt;
                    re += gr * f;
                    im += gi * f;
                }
            }
        }
        AcResponse { re_m_per_v: re, im_m_per_v: im }
    }

    /// The exact linearisation of the direct axisymmetric solve for a radial baseline: R(c̄) +
    /// Σ_j G_j (c₀(r_j) − c̄) with c₀ sampled at the mesh r-lines (its nodal interpolant). Differs from
    /// [`Self::centre_response_radial`] only by how the radial integral is discretised, so comparing the two
    /// with a direct solve separates the first-order (linearisation) error from the discretisation error.
    pub fn centre_response_nodal(&self, c0_of_rho_m: impl Fn(f64) -> f64) -> AcResponse {
        let (mut re, mut im) = (self.base.re_m_per_v, self.base.im_m_per_v);
        for (r, g) in self.ring_radius_m.iter().zip(&self.ring_response) {
            let d = c0_of_rho_m(*r) - self.reference_c0;
            re += g.re_m_per_v * d;
            im += g.im_m_per_v * d;
        }
        AcResponse { re_m_per_v: re, im_m_per_v: im }
    }

    /// Kernel K[dy][dx] = ∫_pixel g(|x|) d²x for offsets |dx|, |dy| ≤ half (pixel units), row-major
    /// (2·half + 1)², complex.
    fn kernel(&self, pixel_m: f64) -> (usize, Vec<(f64, f64)>) {
        let half = (self.support_m() / pixel_m).ceil() as usize + 1;
        let side = 2 * half + 1;
        let knots = &self.ring_radius_m;
        let kernel = (0..side * side)
            .into_par_iter()
            .map(|idx| {
                let dx = (idx % side) as f64 - half as f64;
                let dy = (idx / side) as f64 - half as f64;
                // Radial range covered by this pixel, and the finest knot spacing within it.
                let (x0, x1) = ((dx - 0.5) * pixel_m, (dx + 0.5) * pixel_m);
                let (y0, y1) = ((dy - 0.5) * pixel_m, (dy + 0.5) * pixel_m);
                let nearest = |a: f64, b: f64| if a <= 0.0 && b >= 0.0 { 0.0 } else { a.abs().min(b.abs()) };
                let rmin = nearest(x0, x1).hypot(nearest(y0, y1));
                if rmin > self.support_m() {
                    return (0.0, 0.0);
                }
                let rmax = x0.abs().max(x1.abs()).hypot(y0.abs().max(y1.abs()));
                let spacing = knots
                    .windows(2)
                    .filter(|w| w[1] >= rmin && w[0] <= rmax)
                    .map(|w| w[1] - w[0])
                    .fold(f64::INFINITY, f64::min);
                let s = ((4.0 * pixel_m / spacing).ceil() as usize).clamp(2, 64);
                let h = pixel_m / s as f64;
                let (mut re, mut im) = (0.0, 0.0);
                for a in 0..s {
                    for b in 0..s {
                        let x = x0 + (a as f64 + 0.5) * h;
                        let y = y0 + (b as f64 + 0.5) * h;
                        let (gr, gi) = self.sensitivity(x.hypot(y));
                        re += gr * h * h;
                        im += gi * h * h;
                    }
                }
                (re, im)
            })
            .collect();
        (half, kernel)
    }

    fn check_image(c0: &[f64], nx: usize, ny: usize, pixel_m: f64) -> Result<(), TipModelError> {
        if nx == 0 || ny == 0 || c0.len() != nx * ny {
            return Err(TipModelError::Input {
                name: "c0.len()",
                value: c0.len() as f64,
                expected: "nx · ny values, row-major (y · nx + x), nx, ny > 0",
            });
        }
        if !(pixel_m > 0.0 && pixel_m.is_finite()) {
            return Err(TipModelError::Input { name: "pixel_m", value: pixel_m, expected: "finite and > 0" });
        }
        if let Some(&v) = c0.iter().find(|v| !(**v > 0.0 && **v < 1.0)) {
            return Err(TipModelError::Input { name: "c0", value: v, expected: "every pixel in (0, 1)" });
        }
        Ok(())
    }

    /// Complex reduced response (per volt) with the tip over pixel (ix, iy) of the baseline image `c0`
    /// (row-major, y · nx + x).
    pub fn response_at(
        &self,
        c0: &[f64],
        nx: usize,
        ny: usize,
        pixel_m: f64,
        ix: usize,
        iy: usize,
    ) -> Result<AcResponse, TipModelError> {
        Self::check_image(c0, nx, ny, pixel_m)?;
        if ix >= nx || iy >= ny {
            return Err(TipModelError::Input {
                name: "pixel index",
                value: ix.max(iy) as f64,
                expected: "inside the image",
            });
        }
        let (half, k) = self.kernel(pixel_m);
        Ok(self.convolve_one(c0, nx, ny, half, &k, ix, iy))
    }

    #[allow(clippy::too_many_arguments)]
    fn convolve_one(
        &self,
        c0: &[f64],
        nx: usize,
        ny: usize,
        half: usize,
        k: &[(f64, f64)],
        ix: usize,
        iy: usize,
    ) -> AcResponse {
        let side = 2 * half + 1;
        let (mut re, mut im) = (self.base.re_m_per_v, self.base.im_m_per_v);
        for b in 0..side {
            let y = (iy as isize + b as isize - half as isize).clamp(0, ny as isize - 1) as usize;
            let row = &c0[y * nx..(y + 1) * nx];
            let krow = &k[b * side..(b + 1) * side];
            for (a, &(kr, ki)) in krow.iter().enumerate() {
                if kr == 0.0 && ki == 0.0 {
                    continue;
                }
                let x = (ix as isize + a as isize - half as isize).clamp(0, nx as isize - 1) as usize;
                let d = row[x] - self.reference_c0;
                re += kr * d;
                im += ki * d;
            }
        }
        AcResponse { re_m_per_v: re, im_m_per_v: im }
    }

    /// The ESM map (amplitude |R| · V_ac in m, phase in degrees) over the baseline image `c0` (row-major,
    /// y · nx + x, pixel size `pixel_m`), by direct convolution with the pixel-integrated kernel. Returns an
    /// error (not a panic) for an image of the wrong size, c₀ outside (0, 1) or a bad pixel size/amplitude.
    pub fn map(
        &self,
        c0: &[f64],
        nx: usize,
        ny: usize,
        pixel_m: f64,
        ac_amplitude_v: f64,
    ) -> Result<EsmMap, TipModelError> {
        Self::check_image(c0, nx, ny, pixel_m)?;
        if !(ac_amplitude_v > 0.0 && ac_amplitude_v.is_finite()) {
            return Err(TipModelError::Input {
                name: "ac_amplitude_v",
                value: ac_amplitude_v,
                expected: "finite and > 0",
            });
        }
        let (half, k) = self.kernel(pixel_m);
        let responses: Vec<AcResponse> =
            (0..nx * ny).into_par_iter().map(|i| self.convolve_one(c0, nx, ny, half, &k, i % nx, i / nx)).collect();
        let mut amplitude = Image::new("ESM amplitude", "m", nx, ny);
        let mut phase = Image::new("ESM phase", "deg", nx, ny);
        amplitude.size_m = Some((nx as f64 * pixel_m, ny as f64 * pixel_m));
        phase.size_m = amplitude.size_m;
        for (i, r) in responses.iter().enumerate() {
            amplitude.set(i % nx, i / nx, r.amplitude_m_per_v() * ac_amplitude_v, true);
            phase.set(i % nx, i / nx, r.phase_deg(), true);
        }
        let mut metadata = crate::data::Metadata::default();
        metadata.set_text(
            "method",
            "linear-response resolution function of the axisymmetric tip model (sim::esm::mapping)",
        );
        metadata.set_number("reference_c0", self.reference_c0, None);
        metadata.set_number("kernel_support", self.support_m(), Some("m"));
        Ok(EsmMap {
            source: EsmSource::Simulation,
            amplitude,
            phase: Some(phase),
            ac_amplitude_v: Some(ac_amplitude_v),
            ac_frequency_hz: Some(self.frequency_hz),
            metadata,
            provenance: None,
        })
    }
}

/// The frozen states c̄ ± δ h_j of the r-line at `r_j` (mesh units), with their hydrostatic stress.
fn ring_states(model: &TipModel, r_j: f64, delta: f64) -> Result<(State, State), TipModelError> {
    let c_bar = model.params().baseline_concentration;
    let on_ring = |r: f64| (r - r_j).abs() <= 1e-12 * (1.0 + r_j);
    let plus = nodal_state(model, |r, _| if on_ring(r) { c_bar + delta } else { c_bar })?;
    let minus = nodal_state(model, |r, _| if on_ring(r) { c_bar - delta } else { c_bar })?;
    Ok((plus, minus))
}

/// (plus − minus)/(2δ), complex.
fn central_difference(plus: AcResponse, minus: AcResponse, delta: f64) -> AcResponse {
    AcResponse {
        re_m_per_v: (plus.re_m_per_v - minus.re_m_per_v) / (2.0 * delta),
        im_m_per_v: (plus.im_m_per_v - minus.im_m_per_v) / (2.0 * delta),
    }
}

/// A frozen state with nodal baseline c = `c_of(r_L, z_L)` (mesh coordinates in L) and its hydrostatic
/// stress relative to the model's reference baseline.
pub fn nodal_state(model: &TipModel, c_of: impl Fn(f64, f64) -> f64) -> Result<State, TipModelError> {
    let c: Vec<f64> = model.mesh().nodes.iter().map(|p| c_of(p[0], p[1])).collect();
    let sigma_h_pa = model.hydrostatic_stress_pa(&c)?;
    Ok(State::from_concentration(c, sigma_h_pa, 0.0))
}

/// A depth-uniform radial baseline c₀(ρ) (ρ in m) as a frozen state, for direct axisymmetric solves.
pub fn radial_state(model: &TipModel, c0_of_rho_m: impl Fn(f64) -> f64) -> Result<State, TipModelError> {
    let l = model.params().tip_radius_m;
    nodal_state(model, |r, _| c0_of_rho_m(r * l))
}

/// Eshghinejad et al. 2017, Fig. 2c: three grains meeting at 120° at the image centre, with a higher baseline in the grain
/// boundaries. Boundaries are the three half-lines from the centre at 90°, 210° and 330°; a pixel (centre
/// point) within `boundary_width_m`/2 of one of them has `boundary_c0`, else `grain_c0`. Row-major
/// (y · n + x), `n_px` × `n_px` pixels over `size_m`.
pub fn triple_junction_c0(
    n_px: usize,
    size_m: f64,
    grain_c0: f64,
    boundary_c0: f64,
    boundary_width_m: f64,
) -> Vec<f64> {
    let p = size_m / n_px as f64;
    let centre = 0.5 * size_m;
    let dirs: Vec<(f64, f64)> =
        [90.0f64, 210.0, 330.0].iter().map(|a| (a.to_radians().cos(), a.to_radians().sin())).collect();
    let mut out = Vec::with_capacity(n_px * n_px);
    for iy in 0..n_px {
        for ix in 0..n_px {
            let x = (ix as f64 + 0.5) * p - centre;
            let y = (iy as f64 + 0.5) * p - centre;
            let d = dirs
                .iter()
                .map(|&(ux, uy)| {
                    let along = x * ux + y * uy;
                    if along >= 0.0 { (x * uy - y * ux).abs() } else { x.hypot(y) }
                })
                .fold(f64::INFINITY, f64::min);
            out.push(if d <= 0.5 * boundary_width_m { boundary_c0 } else { grain_c0 });
        }
    }
    out
}
