//! NaN-preserving JSON for f64 columns.
//!
//! JSON has no NaN: serde_json writes a non-finite f64 as `null` and then refuses to read it
//! back. A NaN value is meaningful here (an invalid pixel, a failed SHO fit, a missing read),
//! so columns are written with `null` for non-finite entries and read back with `null` → NaN.
pub(crate) mod nullable {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| if x.is_finite() { Some(*x) } else { None }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let v: Vec<Option<f64>> = Deserialize::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    }
}

/// [`nullable`] for optional columns.
pub(crate) mod nullable_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::nullable::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        let v: Option<Vec<Option<f64>>> = Deserialize::deserialize(d)?;
        Ok(v.map(|v| v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()))
    }
}

/// Reading back a single f64 written as a number or `null` (NaN); serde_json writes a
/// non-finite f64 as `null` already, so only the reading side is needed. For records that
/// travel between processes (Python pickling, Dask workers) and must come back unchanged.
pub(crate) fn number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v: Option<f64> = serde::Deserialize::deserialize(d)?;
    Ok(v.unwrap_or(f64::NAN))
}

/// [`number`] for a pair.
pub(crate) fn pair<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[f64; 2], D::Error> {
    let v: [Option<f64>; 2] = serde::Deserialize::deserialize(d)?;
    Ok(v.map(|x| x.unwrap_or(f64::NAN)))
}

/// [`number`] for named numbers.
pub(crate) fn named<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
    let v: Vec<(String, Option<f64>)> = serde::Deserialize::deserialize(d)?;
    Ok(v.into_iter().map(|(k, x)| (k, x.unwrap_or(f64::NAN))).collect())
}
