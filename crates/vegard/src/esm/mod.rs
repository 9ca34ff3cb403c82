//! Electrochemical strain microscopy analysis, for measured and simulated data alike:
//! bias-spectroscopy loops (opening, area, remanence, coercive biases), relaxation time
//! constants, and the cross-over frequency of a frequency response (Eshghinejad et al. 2017, Figs. 4–6,
//! Eqs. 6–9; Hausen & Balke 2024).

pub mod loops;
