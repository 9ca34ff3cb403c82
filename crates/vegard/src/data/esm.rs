//! Electrochemical strain microscopy (ESM) data: what a measurement or the virtual instrument
//! (`sim::esm`) hands to the ESM analyses, in one vocabulary (issue 3: "each experiment outputs
//! the same data model as measured ESM data").
//!
//! - [`BiasSpectroscopy`]: ESM voltage spectroscopy ("hysteresis loops"), Eshghinejad et al. 2017, Fig. 4: a
//!   triangular DC envelope applied as short pulses, the AC response read per pulse, typically in
//!   the off state (DC stepped back to zero) to minimise electrostatics. One row per read.
//! - [`Relaxation`]: ESM time spectroscopy, Eshghinejad et al. 2017, Fig. 6: amplitude versus time under a
//!   stepwise DC bias, with the fitted time constant τ (Eq. 8) once analysed.
//! - [`FrequencyResponse`]: amplitude and phase versus AC frequency (Hausen & Balke 2024, Fig. 1b), whose
//!   cross-over marks the characteristic diffusion frequency.
//! - [`EsmMap`]: amplitude (and phase) maps as [`Image`]s (Eshghinejad et al. 2017, Fig. 2).
//!
//! Columns are parallel vectors (JSON-friendly, one entry per read). Each type carries where it
//! came from ([`EsmSource`]), a [`Metadata`] table and an optional [`Provenance`].
//! Amplitudes are surface displacements in m (the intrinsic, SHO-corrected amplitude for
//! measured data, Eshghinejad et al. 2017 "ESM Amplitude"); phases in degrees.

use serde::{Deserialize, Serialize};

use super::{Image, Metadata};
use crate::provenance::Provenance;

use super::nan_json::{nullable, nullable_opt};

/// Where ESM data came from. JSON: `"simulation"` or `{"file": "path/to/file.ibw"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EsmSource {
    /// The virtual instrument (`sim::esm`).
    #[default]
    Simulation,
    /// A measured file (path as given).
    File(String),
    /// Made up for a test or demonstration (synthetic curve with known parameters).
    Synthetic,
}

/// Bias state of a pulse: DC applied (`on`) or stepped back to zero (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PulseState {
    On,
    Off,
}

/// Inconsistent ESM data (column lengths, non-finite coordinates).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EsmDataError {
    #[error("ESM data column `{field}` has {found} entries, expected {expected} (as `{reference}`)")]
    LengthMismatch { field: &'static str, reference: &'static str, expected: usize, found: usize },
    #[error("ESM data column `{field}` entry {index} is not finite ({value})")]
    NonFinite { field: &'static str, index: usize, value: f64 },
    #[error("ESM data field `{field}` = {value}: {expected}")]
    Invalid { field: &'static str, value: f64, expected: &'static str },
}

fn check_len(field: &'static str, reference: &'static str, expected: usize, found: usize) -> Result<(), EsmDataError> {
    if found == expected { Ok(()) } else { Err(EsmDataError::LengthMismatch { field, reference, expected, found }) }
}

fn check_finite(field: &'static str, v: &[f64]) -> Result<(), EsmDataError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(EsmDataError::NonFinite { field, index, value: v[index] }),
        None => Ok(()),
    }
}

/// ESM voltage spectroscopy: one row per AC read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiasSpectroscopy {
    pub source: EsmSource,
    /// Period P of the triangular DC envelope, s (Eshghinejad et al. 2017: 0.5, 2, 5 s).
    pub period_s: f64,
    /// Pulses per period (Eshghinejad et al. 2017, Methods: 35).
    pub pulses_per_period: u32,
    /// AC drive amplitude, V (None if unknown).
    #[serde(default)]
    pub ac_amplitude_v: Option<f64>,
    /// AC drive frequency, Hz (None if unknown).
    #[serde(default)]
    pub ac_frequency_hz: Option<f64>,
    /// The DC bias of the pulse this read belongs to, V (for off-state reads: the bias of the
    /// preceding on-state, the abscissa of the loop).
    #[serde(with = "nullable")]
    pub bias_v: Vec<f64>,
    /// ESM amplitude, m.
    #[serde(with = "nullable")]
    pub amplitude_m: Vec<f64>,
    /// ESM phase, degrees (None if not recorded).
    #[serde(default, with = "nullable_opt")]
    pub phase_deg: Option<Vec<f64>>,
    /// Cycle (repetition of the waveform) of each read, from 0.
    pub cycle: Vec<u32>,
    /// Pulse index within the cycle, from 0.
    pub pulse: Vec<u32>,
    /// State in which the read was taken.
    pub state: Vec<PulseState>,
    /// Time of the read (middle of its window) from the start of the waveform, s (None if
    /// unknown).
    #[serde(default, with = "nullable_opt")]
    pub time_s: Option<Vec<f64>>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

/// One row of a [`BiasSpectroscopy`] table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectroscopyRead {
    pub bias_v: f64,
    pub amplitude_m: f64,
    pub phase_deg: Option<f64>,
    pub time_s: Option<f64>,
    pub cycle: u32,
    pub pulse: u32,
    pub state: PulseState,
}

fn push_optional(column: &mut Option<Vec<f64>>, value: Option<f64>, n_before: usize) {
    match (column.as_mut(), value) {
        (Some(c), v) => c.push(v.unwrap_or(f64::NAN)),
        (None, Some(v)) => {
            let mut c = vec![f64::NAN; n_before];
            c.push(v);
            *column = Some(c);
        }
        (None, None) => {}
    }
}

/// One loop (one cycle, one state) as bias and amplitude in acquisition order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopData {
    pub cycle: u32,
    pub state: PulseState,
    #[serde(with = "nullable")]
    pub bias_v: Vec<f64>,
    #[serde(with = "nullable")]
    pub amplitude_m: Vec<f64>,
}

impl BiasSpectroscopy {
    /// An empty table for the given waveform period and pulses per period.
    pub fn new(source: EsmSource, period_s: f64, pulses_per_period: u32) -> Self {
        BiasSpectroscopy {
            source,
            period_s,
            pulses_per_period,
            ac_amplitude_v: None,
            ac_frequency_hz: None,
            bias_v: Vec::new(),
            amplitude_m: Vec::new(),
            phase_deg: None,
            cycle: Vec::new(),
            pulse: Vec::new(),
            state: Vec::new(),
            time_s: None,
            metadata: Metadata::default(),
            provenance: None,
        }
    }

    /// Append one read. Optional columns are created on the first value given (earlier rows
    /// filled with NaN) and padded with NaN when a later read lacks the value, so the columns
    /// always stay parallel.
    pub fn push(&mut self, read: SpectroscopyRead) {
        let n = self.bias_v.len();
        push_optional(&mut self.phase_deg, read.phase_deg, n);
        push_optional(&mut self.time_s, read.time_s, n);
        self.bias_v.push(read.bias_v);
        self.amplitude_m.push(read.amplitude_m);
        self.cycle.push(read.cycle);
        self.pulse.push(read.pulse);
        self.state.push(read.state);
    }

    pub fn len(&self) -> usize {
        self.bias_v.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bias_v.is_empty()
    }

    /// Equal column lengths, finite bias, positive period.
    pub fn validate(&self) -> Result<(), EsmDataError> {
        let n = self.bias_v.len();
        check_len("amplitude_m", "bias_v", n, self.amplitude_m.len())?;
        check_len("cycle", "bias_v", n, self.cycle.len())?;
        check_len("pulse", "bias_v", n, self.pulse.len())?;
        check_len("state", "bias_v", n, self.state.len())?;
        if let Some(p) = &self.phase_deg {
            check_len("phase_deg", "bias_v", n, p.len())?;
        }
        if let Some(t) = &self.time_s {
            check_len("time_s", "bias_v", n, t.len())?;
        }
        check_finite("bias_v", &self.bias_v)?;
        if !(self.period_s.is_finite() && self.period_s > 0.0) {
            return Err(EsmDataError::Invalid { field: "period_s", value: self.period_s, expected: "expected > 0" });
        }
        Ok(())
    }

    /// Distinct cycles present, ascending.
    pub fn cycles(&self) -> Vec<u32> {
        let mut c = self.cycle.clone();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// The reads of one cycle in one state, in acquisition order (rows with a non-finite
    /// amplitude are skipped: a failed SHO fit is a gap, not a value).
    pub fn loop_data(&self, cycle: u32, state: PulseState) -> LoopData {
        let n = self.len().min(self.amplitude_m.len()).min(self.cycle.len()).min(self.state.len());
        let mut out = LoopData { cycle, state, bias_v: Vec::new(), amplitude_m: Vec::new() };
        for i in 0..n {
            if self.cycle[i] == cycle && self.state[i] == state && self.amplitude_m[i].is_finite() {
                out.bias_v.push(self.bias_v[i]);
                out.amplitude_m.push(self.amplitude_m[i]);
            }
        }
        out
    }

    /// Every cycle's loop in the off state (the reads Eshghinejad et al. 2017, Fig. 4 plots).
    pub fn off_state_loops(&self) -> Vec<LoopData> {
        self.cycles().into_iter().map(|c| self.loop_data(c, PulseState::Off)).collect()
    }
}

/// ESM time spectroscopy (relaxation): amplitude versus time under a stepwise DC bias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relaxation {
    pub source: EsmSource,
    /// Time from the start of the waveform, s.
    #[serde(with = "nullable")]
    pub time_s: Vec<f64>,
    /// ESM amplitude, m.
    #[serde(with = "nullable")]
    pub amplitude_m: Vec<f64>,
    /// DC bias applied at each time, V.
    #[serde(with = "nullable")]
    pub bias_v: Vec<f64>,
    /// ESM phase, degrees (None if not recorded).
    #[serde(default, with = "nullable_opt")]
    pub phase_deg: Option<Vec<f64>>,
    /// Fitted relaxation time constant τ, s (Eq. 8), once analysed.
    #[serde(default)]
    pub tau_s: Option<f64>,
    #[serde(default)]
    pub ac_amplitude_v: Option<f64>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

impl Relaxation {
    pub fn new(source: EsmSource) -> Self {
        Relaxation {
            source,
            time_s: Vec::new(),
            amplitude_m: Vec::new(),
            bias_v: Vec::new(),
            phase_deg: None,
            tau_s: None,
            ac_amplitude_v: None,
            metadata: Metadata::default(),
            provenance: None,
        }
    }

    pub fn len(&self) -> usize {
        self.time_s.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time_s.is_empty()
    }

    /// Equal column lengths, finite and non-decreasing times.
    pub fn validate(&self) -> Result<(), EsmDataError> {
        let n = self.time_s.len();
        check_len("amplitude_m", "time_s", n, self.amplitude_m.len())?;
        check_len("bias_v", "time_s", n, self.bias_v.len())?;
        if let Some(p) = &self.phase_deg {
            check_len("phase_deg", "time_s", n, p.len())?;
        }
        check_finite("time_s", &self.time_s)?;
        if let Some(i) = self.time_s.windows(2).position(|w| w[1] < w[0]) {
            return Err(EsmDataError::Invalid {
                field: "time_s",
                value: self.time_s[i + 1],
                expected: "expected non-decreasing times",
            });
        }
        Ok(())
    }

    /// Index ranges of constant DC bias (the steps of Fig. 6), in order.
    pub fn steps(&self) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..=self.bias_v.len() {
            if i == self.bias_v.len() || self.bias_v[i] != self.bias_v[start] {
                if i > start {
                    out.push(start..i);
                }
                start = i;
            }
        }
        out
    }
}

/// ESM amplitude and phase versus AC frequency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyResponse {
    pub source: EsmSource,
    #[serde(with = "nullable")]
    pub frequency_hz: Vec<f64>,
    /// ESM amplitude, m.
    #[serde(with = "nullable")]
    pub amplitude_m: Vec<f64>,
    /// ESM phase, degrees.
    #[serde(with = "nullable")]
    pub phase_deg: Vec<f64>,
    /// DC bias during the sweep, V (None if unknown).
    #[serde(default)]
    pub dc_bias_v: Option<f64>,
    #[serde(default)]
    pub ac_amplitude_v: Option<f64>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

impl FrequencyResponse {
    pub fn len(&self) -> usize {
        self.frequency_hz.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frequency_hz.is_empty()
    }

    /// Equal column lengths, finite positive frequencies.
    pub fn validate(&self) -> Result<(), EsmDataError> {
        let n = self.frequency_hz.len();
        check_len("amplitude_m", "frequency_hz", n, self.amplitude_m.len())?;
        check_len("phase_deg", "frequency_hz", n, self.phase_deg.len())?;
        if let Some(i) = self.frequency_hz.iter().position(|f| !(f.is_finite() && *f > 0.0)) {
            return Err(EsmDataError::Invalid {
                field: "frequency_hz",
                value: self.frequency_hz[i],
                expected: "expected finite frequencies > 0",
            });
        }
        Ok(())
    }
}

/// ESM amplitude (and phase) maps, Eshghinejad et al. 2017, Fig. 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EsmMap {
    pub source: EsmSource,
    /// Amplitude, unit "m".
    pub amplitude: Image,
    /// Phase, unit "deg".
    #[serde(default)]
    pub phase: Option<Image>,
    #[serde(default)]
    pub ac_amplitude_v: Option<f64>,
    #[serde(default)]
    pub ac_frequency_hz: Option<f64>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

/// Any ESM data set, tagged by kind in JSON (`{"kind": "relaxation", ...}`): the one type a
/// reader or the simulator returns and a report writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EsmData {
    BiasSpectroscopy(BiasSpectroscopy),
    Relaxation(Relaxation),
    FrequencyResponse(FrequencyResponse),
    Map(EsmMap),
}

impl EsmData {
    pub fn source(&self) -> &EsmSource {
        match self {
            EsmData::BiasSpectroscopy(d) => &d.source,
            EsmData::Relaxation(d) => &d.source,
            EsmData::FrequencyResponse(d) => &d.source,
            EsmData::Map(d) => &d.source,
        }
    }
}
