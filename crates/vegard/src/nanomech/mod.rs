//! Force-curve nanomechanics: preprocessing, contact point, contact models, fitting, the
//! PeakForce-QNM channels, quality flags, maps and summaries (Russell et al. 2025, §3.1 and
//! §4.1; Wolff & Hausen 2023).
//!
//! Pure analysis: curves in, results out; no files, no printing. Reading many files and
//! writing products is `crate::batch` and `crate::products`.

pub mod analysis;
pub mod channels;
pub mod contact_point;
pub mod fit;
pub mod flags;
pub mod maps;
pub mod models;
pub mod preprocess;
pub mod settings;
pub mod summary;
pub mod synthetic;

pub use analysis::{CurveDetail, CurveResult, analyse_curve};
pub use flags::Flag;
pub use maps::{Maps, maps};
pub use settings::{NanomechSettings, SettingsError, Setup};
pub use summary::Summary;
