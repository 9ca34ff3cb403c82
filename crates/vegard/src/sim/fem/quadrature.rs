//! Quadrature rules on the reference triangle {ξ ≥ 0, η ≥ 0, ξ + η ≤ 1} (area 1/2) and on the unit interval.
//!
//! The axisymmetric integrands carry an extra factor r (degree 1 on affine elements), so a P2 mass matrix
//! needs degree 2 + 2 + 1 = 5: the 7-point Radon / Strang–Fix rule (Strang & Fix, An Analysis of the Finite
//! Element Method, 1973, Table 4.1; Dunavant 1985 degree 5) is exact for it.

/// A point (ξ, η) on the reference triangle and its weight (the weights sum to the reference area 1/2).
#[derive(Clone, Copy, Debug)]
pub struct TrianglePoint {
    pub xi: f64,
    pub eta: f64,
    pub weight: f64,
}

/// 7-point rule exact for polynomials of degree ≤ 5 on a triangle.
pub fn triangle_degree5() -> [TrianglePoint; 7] {
    const A1: f64 = 0.059_715_871_789_770;
    const B1: f64 = 0.470_142_064_105_115;
    const W1: f64 = 0.132_394_152_788_506;
    const A2: f64 = 0.797_426_985_353_087;
    const B2: f64 = 0.101_286_507_323_456;
    const W2: f64 = 0.125_939_180_544_827;
    let p = |l1: f64, l2: f64, w: f64| TrianglePoint { xi: l1, eta: l2, weight: 0.5 * w };
    [
        p(1.0 / 3.0, 1.0 / 3.0, 0.225),
        p(A1, B1, W1),
        p(B1, A1, W1),
        p(B1, B1, W1),
        p(A2, B2, W2),
        p(B2, A2, W2),
        p(B2, B2, W2),
    ]
}

/// 3-point Gauss–Legendre rule on [0, 1] (exact to degree 5): (position, weight), weights sum to 1.
pub fn interval_gauss3() -> [(f64, f64); 3] {
    let d = 0.5 * (0.6f64).sqrt();
    [(0.5 - d, 5.0 / 18.0), (0.5, 8.0 / 18.0), (0.5 + d, 5.0 / 18.0)]
}
