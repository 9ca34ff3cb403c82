//! Summary statistics of a set of curve results: counts (flagged curves by reason) and the
//! statistics of the valid curves only. The one place they are computed; the CLI's summary
//! line, the JSON, the CSV and the reports all read it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::analysis::CurveResult;
use super::flags::Flag;
use crate::numerics::stats;
use crate::units::{format_count, format_si_sig};

/// What a set of curves gave. Statistics use valid (unflagged) curves only; a curve with
/// two flags counts under both reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n_curves: usize,
    pub n_valid: usize,
    pub n_flagged: usize,
    /// Flagged curves by reason (flag key → count).
    pub flag_counts: BTreeMap<String, usize>,
    pub modulus_median_pa: f64,
    pub modulus_mean_pa: f64,
    /// Sample standard deviation of the valid moduli.
    pub modulus_std_pa: f64,
    pub adhesion_median_n: f64,
    pub deformation_median_m: f64,
    pub dissipation_median_j: f64,
    pub peak_force_median_n: f64,
}

impl Summary {
    pub fn of(results: &[CurveResult]) -> Summary {
        let valid: Vec<&CurveResult> = results.iter().filter(|r| r.is_valid()).collect();
        let column = |f: fn(&CurveResult) -> f64| -> Vec<f64> { valid.iter().map(|r| f(r)).collect() };
        let moduli = column(|r| r.modulus_pa);
        let median = |mut v: Vec<f64>| {
            v.retain(|x| x.is_finite());
            stats::median_in_place(&mut v)
        };
        Summary {
            n_curves: results.len(),
            n_valid: valid.len(),
            n_flagged: results.len() - valid.len(),
            flag_counts: flag_counts(results).into_iter().map(|(f, n)| (f.key().to_string(), n)).collect(),
            modulus_median_pa: stats::median(&moduli),
            modulus_mean_pa: stats::mean(&moduli),
            modulus_std_pa: stats::std(&moduli),
            adhesion_median_n: median(column(|r| r.adhesion_n)),
            deformation_median_m: median(column(|r| r.deformation_m)),
            dissipation_median_j: median(column(|r| r.dissipation_j)),
            peak_force_median_n: median(column(|r| r.peak_force_n)),
        }
    }

    /// One line for people: `4 curves, 1 valid, 3 flagged (poor_fit 3), median modulus 38.6 kPa`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{}, {} valid, {} flagged",
            format_count(self.n_curves, "curve", "curves"),
            self.n_valid,
            self.n_flagged
        );
        if !self.flag_counts.is_empty() {
            let c: Vec<String> = Flag::all()
                .iter()
                .filter_map(|f| self.flag_counts.get(f.key()).map(|n| format!("{} {n}", f.key())))
                .collect();
            s += &format!(" ({})", c.join(", "));
        }
        if self.n_valid > 0 {
            s += &format!(", median modulus {}", format_si_sig(self.modulus_median_pa, "Pa", 4));
        }
        s
    }
}

/// Count of each flag over a set of results, in the order of [`Flag::all`] (only flags
/// that occur).
pub fn flag_counts(results: &[CurveResult]) -> Vec<(Flag, usize)> {
    Flag::all()
        .iter()
        .map(|&f| (f, results.iter().filter(|r| r.flags.contains(&f)).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}
