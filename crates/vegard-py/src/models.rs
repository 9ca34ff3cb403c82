//! `vegard.models()`: the contact-model registry's own declarations (formula, parameters,
//! units, validity, citation), as `vegard models --json` prints them.

use pyo3::prelude::*;

/// The registry as JSON text (the Python half parses it).
#[pyfunction]
pub fn models_json() -> String {
    serde_json::to_string(&vegard::nanomech::models::catalog::catalog_json()).unwrap_or_default()
}

/// The settings keys with their short names and units: (short name, key, unit).
#[pyfunction]
pub fn settings_short_names() -> Vec<(&'static str, &'static str, &'static str)> {
    vegard::nanomech::settings::SHORT_NAMES.to_vec()
}

/// Every settings key: (key, meaning, default as JSON text or "" when it has none).
#[pyfunction]
pub fn settings_keys() -> Vec<(&'static str, &'static str, String)> {
    let defaults = serde_json::to_value(vegard::nanomech::NanomechSettings::default()).unwrap_or_default();
    vegard::nanomech::settings::KEYS
        .iter()
        .map(|(k, meaning)| (*k, *meaning, defaults.get(*k).map(|v| v.to_string()).unwrap_or_default()))
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(models_json, m)?)?;
    m.add_function(wrap_pyfunction!(settings_short_names, m)?)?;
    m.add_function(wrap_pyfunction!(settings_keys, m)?)?;
    Ok(())
}
