//! Physical constants, CODATA 2018 (Tiesinga et al., Rev. Mod. Phys. 93, 025010 (2021)).
//! R and F are exact in the 2019 SI (from N_A, k_B and e); ε0 is the measured value.

/// Molar gas constant R = N_A k_B in J/(mol K) (CODATA 2018, exact).
pub const GAS_CONSTANT: f64 = 8.314_462_618;
/// Faraday constant F = N_A e in C/mol (CODATA 2018, exact to the digits given).
pub const FARADAY: f64 = 96_485.332_12;
/// Vacuum electric permittivity ε0 in F/m (CODATA 2018, relative uncertainty 1.5e-10).
pub const EPSILON_0: f64 = 8.854_187_812_8e-12;
