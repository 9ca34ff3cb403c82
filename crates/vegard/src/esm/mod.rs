//! Electrochemical strain microscopy analysis, for measured and simulated data alike:
//! bias-spectroscopy loops (opening, area, remanence, coercive biases), relaxation time
//! constants, and the cross-over frequency of a frequency response (seed 000 Figs. 4–6,
//! Eqs. 6–9; seed 001).

pub mod loops;
