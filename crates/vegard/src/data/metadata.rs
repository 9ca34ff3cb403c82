//! A key table with units: what the instrument recorded, kept verbatim where useful.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A metadata value: a number with an optional unit, or text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaValue {
    Number { value: f64, unit: Option<String> },
    Text(String),
}

impl std::fmt::Display for MetaValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetaValue::Number { value, unit: Some(u) } => write!(f, "{value} {u}"),
            MetaValue::Number { value, unit: None } => write!(f, "{value}"),
            MetaValue::Text(s) => f.write_str(s),
        }
    }
}

/// Ordered key → value table (keys like `instrument`, `software_version`, `date`,
/// or vendor keys verbatim, e.g. `jpk:force-settings.relative-setpoint`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata(pub BTreeMap<String, MetaValue>);

impl Metadata {
    pub fn set_text(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), MetaValue::Text(value.into()));
    }

    pub fn set_number(&mut self, key: impl Into<String>, value: f64, unit: Option<&str>) {
        self.0.insert(key.into(), MetaValue::Number { value, unit: unit.map(str::to_string) });
    }

    pub fn get(&self, key: &str) -> Option<&MetaValue> {
        self.0.get(key)
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        match self.0.get(key)? {
            MetaValue::Text(s) => Some(s),
            MetaValue::Number { .. } => None,
        }
    }

    pub fn number(&self, key: &str) -> Option<f64> {
        match self.0.get(key)? {
            MetaValue::Number { value, .. } => Some(*value),
            MetaValue::Text(s) => s.trim().parse().ok(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &MetaValue)> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
