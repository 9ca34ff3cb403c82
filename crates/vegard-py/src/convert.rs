//! Python values → the library's settings values (JSON, or TOML for the ESM config): numbers
//! (numpy scalars included), strings, booleans and lists; `None` means "not given". Anything
//! else, and NaN or infinity, is a `SettingsError` naming the key.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString};

use crate::errors;

/// A Python value as JSON for the settings layer: numbers, strings, booleans, lists of
/// those; `None` means "not given". Anything else names the key and what was expected.
pub fn to_json(key: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<serde_json::Value>> {
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Some(serde_json::Value::Bool(v.extract()?)));
    }
    if v.is_instance_of::<PyInt>() {
        let i: i64 = v.extract().map_err(|_| errors::settings(format!("{key}: integer out of range")))?;
        return Ok(Some(serde_json::json!(i)));
    }
    // Python floats, and numpy scalars (anything with __float__ that is not text).
    if (v.is_instance_of::<PyFloat>() || v.hasattr("__float__")? && !v.is_instance_of::<PyString>())
        && let Ok(x) = v.extract::<f64>()
    {
        if !x.is_finite() {
            return Err(errors::settings(format!("{key}: got {x}; give a finite number")));
        }
        return Ok(Some(serde_json::json!(x)));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Some(serde_json::Value::String(v.extract()?)));
    }
    // Lists, tuples and 1-D arrays (any iterable that is not text or a mapping).
    let iterable = !v.is_instance_of::<PyDict>() && !v.is_instance_of::<PyBytes>();
    if iterable && let Ok(iter) = v.try_iter() {
        let mut items = Vec::new();
        for (i, item) in iter.enumerate() {
            match to_json(&format!("{key}[{i}]"), &item?)? {
                Some(j) => items.push(j),
                None => return Err(errors::settings(format!("{key}[{i}]: None is not a value"))),
            }
        }
        return Ok(Some(serde_json::Value::Array(items)));
    }
    let type_name = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(errors::settings(format!(
        "{key}: a {type_name} is not a setting value (give a number, a string with a unit, a bool or a list)"
    )))
}

/// [`to_json`] as TOML (the ESM job reads a TOML config).
pub fn to_toml(key: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<toml::Value>> {
    match to_json(key, v)? {
        None => Ok(None),
        Some(j) => toml::Value::try_from(j).map(Some).map_err(|e| errors::settings(format!("{key}: {e}"))),
    }
}
