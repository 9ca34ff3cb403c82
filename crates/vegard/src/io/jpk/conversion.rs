//! From stored integers to physical values: the encoder and the conversion chain.
//!
//! A JPK channel (`channel.<name>.*` in the segment header, or `lcd-info.<n>.*` in
//! `shared-data/header.properties` for the newer layout) is stored raw, big-endian. Its
//! *encoder* (`encoder.type`, `encoder.scaling.offset/multiplier`, unit usually V) maps the
//! integers onto the *base* calibration slot (`conversion-set.conversions.base`, e.g.
//! `volts`). Every other slot is defined relative to another one
//! (`conversion-set.conversion.<slot>.base-calibration-slot`) by a linear map
//! `y = multiplier·x + offset`. For vDeflection: volts → distance (× InvOLS, m/V) → force
//! (× spring constant, N/m). For height: volts → nominal → calibrated.
//!
//! The operation order follows afmformats (`jpk_data.load_dat_raw`/`load_dat_unit`):
//! `raw·m + o` for the encoder, then each link from the base outwards, so values agree
//! bit for bit.

use std::collections::HashSet;

use super::properties::with_key;

/// Property lookup relative to one channel (`get("encoder.type")`).
pub type ChannelLookup<'a, 'b> = dyn Fn(&str) -> Option<&'a str> + 'b;

/// How samples are stored in a `.dat` file (always big-endian, Java's byte order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawType {
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl RawType {
    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            RawType::I16 | RawType::U16 => 2,
            RawType::I32 | RawType::U32 | RawType::F32 => 4,
            RawType::I64 | RawType::U64 | RawType::F64 => 8,
        }
    }

    /// From an encoder type (`signedshort`, `unsignedinteger`, ...).
    pub fn from_encoder(name: &str) -> Option<RawType> {
        Some(match name {
            "signedshort" => RawType::I16,
            "unsignedshort" => RawType::U16,
            "signedinteger" => RawType::I32,
            "unsignedinteger" => RawType::U32,
            "signedlong" => RawType::I64,
            "unsignedlong" => RawType::U64,
            _ => return None,
        })
    }

    /// From a data type without encoder: old layout `data.type` (`short`, `float`, ...)
    /// or shared layout `type` (`float-data`, `double-data`, ...). Integers without an
    /// encoder are taken as signed.
    pub fn from_data_type(name: &str) -> Option<RawType> {
        Some(match name.strip_suffix("-data").unwrap_or(name) {
            "short" => RawType::I16,
            "integer" => RawType::I32,
            "long" => RawType::I64,
            "float" => RawType::F32,
            "double" => RawType::F64,
            _ => return None,
        })
    }

    /// Decode big-endian samples; trailing bytes that do not make a whole sample are
    /// rejected by the caller before this is called.
    pub fn decode(self, bytes: &[u8]) -> Vec<f64> {
        let n = self.size();
        let chunks = bytes.chunks_exact(n);
        match self {
            RawType::I16 => chunks.map(|c| f64::from(i16::from_be_bytes([c[0], c[1]]))).collect(),
            RawType::U16 => chunks.map(|c| f64::from(u16::from_be_bytes([c[0], c[1]]))).collect(),
            RawType::I32 => chunks.map(|c| f64::from(i32::from_be_bytes([c[0], c[1], c[2], c[3]]))).collect(),
            RawType::U32 => chunks.map(|c| f64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))).collect(),
            RawType::F32 => chunks.map(|c| f64::from(f32::from_be_bytes([c[0], c[1], c[2], c[3]]))).collect(),
            RawType::I64 => chunks.map(|c| i64::from_be_bytes(eight(c)) as f64).collect(),
            RawType::U64 => chunks.map(|c| u64::from_be_bytes(eight(c)) as f64).collect(),
            RawType::F64 => chunks.map(|c| f64::from_be_bytes(eight(c))).collect(),
        }
    }
}

fn eight(c: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(c);
    a
}

/// `y = multiplier·x + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linear {
    pub multiplier: f64,
    pub offset: f64,
}

impl Linear {
    #[inline]
    pub fn apply(self, x: f64) -> f64 {
        // written out (no mul_add) so rounding matches numpy's `m*x + o`
        self.multiplier * x + self.offset
    }
}

/// Parse a Java number (`1.0E-4`, `NaN`); afmformats treats NaN as "not given".
pub fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| !v.is_nan())
}

/// Storage of one channel: raw type, encoder (if any) and the base slot it yields.
#[derive(Debug, Clone, PartialEq)]
pub struct Storage {
    pub raw: RawType,
    /// None when the stored numbers already are base-slot values (float data).
    pub encoder: Option<Linear>,
    /// Name of the base slot (`volts`, `absolute`, ...).
    pub base_slot: String,
    /// Unit of the base slot.
    pub base_unit: String,
}

/// Read the storage description of a channel. Errors name the missing key (relative to
/// the channel).
pub fn storage(get: &ChannelLookup<'_, '_>) -> Result<Storage, String> {
    let first = |keys: &[&str]| keys.iter().find_map(|k| get(k));
    let base_slot = get("conversion-set.conversions.base").unwrap_or("volts").to_string();
    let encoder_type = first(&["data.encoder.type", "encoder.type"]);
    if let Some(enc) = encoder_type {
        let raw = RawType::from_encoder(enc)
            .ok_or_else(|| format!("encoder.type: expected signedshort/unsignedshort/signedinteger/unsignedinteger/signedlong/unsignedlong, found '{enc}'"))?;
        if let Some(t) = first(&["data.encoder.scaling.type", "encoder.scaling.type"])
            && t != "linear"
        {
            return Err(format!("encoder.scaling.type: expected 'linear', found '{t}'"));
        }
        let num = |keys: &[&str], what: &str| -> Result<f64, String> {
            let s = first(keys).ok_or_else(|| format!("missing encoder.scaling.{what}"))?;
            number(s).ok_or_else(|| format!("encoder.scaling.{what}: expected a number, found '{s}'"))
        };
        let multiplier = num(&["data.encoder.scaling.multiplier", "encoder.scaling.multiplier"], "multiplier")?;
        let offset = num(&["data.encoder.scaling.offset", "encoder.scaling.offset"], "offset")?;
        let base_unit = first(&[
            "data.encoder.scaling.unit.unit",
            "encoder.scaling.unit.unit",
            "data.encoder.scaling.unit",
            "encoder.scaling.unit",
            "unit.unit",
        ])
        .unwrap_or("")
        .to_string();
        return Ok(Storage { raw, encoder: Some(Linear { multiplier, offset }), base_slot, base_unit });
    }
    let dtype = first(&["data.type", "type"]).ok_or("missing data.type / encoder.type")?;
    let raw = RawType::from_data_type(dtype)
        .ok_or_else(|| format!("data type: expected short/integer/long/float/double (-data), found '{dtype}'"))?;
    let base_unit = first(&["unit.unit", "data.unit.unit"]).unwrap_or("").to_string();
    Ok(Storage { raw, encoder: None, base_slot, base_unit })
}

/// The chain of linear maps from the base slot to `slot` (applied first to last) and the
/// unit of `slot`.
pub fn chain(get: &ChannelLookup<'_, '_>, storage: &Storage, slot: &str) -> Result<(Vec<Linear>, String), String> {
    let mut links = Vec::new();
    let mut seen = HashSet::new();
    let mut cur = slot.to_string();
    let conv = "conversion-set.conversion";
    while cur != storage.base_slot {
        if !seen.insert(cur.clone()) {
            return Err(format!("conversion slots form a cycle at '{cur}'"));
        }
        // keys built on the stack; the message formats only on error
        let lookup = |rest: &str| with_key(&[conv, ".", &cur, ".", rest], |k| get(k));
        let key = |rest: &str| format!("{conv}.{cur}.{rest}");
        if let Some(t) = lookup("scaling.type")
            && t != "linear"
        {
            return Err(format!("{}: expected 'linear', found '{t}'", key("scaling.type")));
        }
        let num = |rest: &str| -> Result<f64, String> {
            let s = lookup(rest).ok_or_else(|| format!("missing {}", key(rest)))?;
            number(s).ok_or_else(|| format!("{}: expected a number, found '{s}'", key(rest)))
        };
        links.push(Linear { multiplier: num("scaling.multiplier")?, offset: num("scaling.offset")? });
        let next = "base-calibration-slot";
        cur = lookup(next).ok_or_else(|| format!("missing {}", key(next)))?.to_string();
    }
    links.reverse();
    let unit = if slot == storage.base_slot {
        storage.base_unit.clone()
    } else {
        let lookup = |rest: &str| with_key(&[conv, ".", slot, ".", rest], |k| get(k));
        lookup("scaling.unit.unit")
            .or_else(|| lookup("scaling.unit"))
            .ok_or_else(|| format!("missing {conv}.{slot}.scaling.unit.unit"))?
            .to_string()
    };
    Ok((links, unit))
}

/// Does the channel define `slot` (the base, or a conversion marked defined)?
pub fn has_slot(get: &ChannelLookup<'_, '_>, storage: &Storage, slot: &str) -> bool {
    let lookup = |rest: &str| with_key(&["conversion-set.conversion.", slot, ".", rest], |k| get(k));
    slot == storage.base_slot || (lookup("defined") != Some("false") && lookup("scaling.multiplier").is_some())
}

/// Raw bytes → values in `slot`.
pub fn convert(storage: &Storage, links: &[Linear], bytes: &[u8]) -> Vec<f64> {
    let mut v = storage.raw.decode(bytes);
    if let Some(enc) = storage.encoder {
        v.iter_mut().for_each(|x| *x = enc.apply(*x));
    }
    for link in links {
        v.iter_mut().for_each(|x| *x = link.apply(*x));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup<'m>(map: &'m HashMap<&'static str, &'static str>) -> impl Fn(&str) -> Option<&'static str> + 'm {
        move |k: &str| map.get(k).copied()
    }

    #[test]
    fn chain_volts_distance_force() {
        let map: HashMap<&str, &str> = [
            ("data.encoder.type", "signedshort"),
            ("data.encoder.scaling.offset", "1.0"),
            ("data.encoder.scaling.multiplier", "2.0"),
            ("data.encoder.scaling.unit.unit", "V"),
            ("conversion-set.conversions.base", "volts"),
            ("conversion-set.conversion.distance.base-calibration-slot", "volts"),
            ("conversion-set.conversion.distance.scaling.multiplier", "10.0"),
            ("conversion-set.conversion.distance.scaling.offset", "0.5"),
            ("conversion-set.conversion.distance.scaling.unit.unit", "m"),
            ("conversion-set.conversion.force.base-calibration-slot", "distance"),
            ("conversion-set.conversion.force.scaling.multiplier", "3.0"),
            ("conversion-set.conversion.force.scaling.offset", "0.0"),
            ("conversion-set.conversion.force.scaling.unit.unit", "N"),
            ("conversion-set.conversion.loop.base-calibration-slot", "loop"),
            ("conversion-set.conversion.loop.scaling.multiplier", "1"),
            ("conversion-set.conversion.loop.scaling.offset", "0"),
        ]
        .into_iter()
        .collect();
        let get = lookup(&map);
        let st = storage(&get).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(st.raw, RawType::I16);
        let (links, unit) = chain(&get, &st, "force").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(unit, "N");
        // raw -2 → V = -3 → m = -29.5 → N = -88.5
        let v = convert(&st, &links, &(-2i16).to_be_bytes());
        assert_eq!(v, vec![-88.5]);
        assert!(chain(&get, &st, "loop").is_err());
        assert!(chain(&get, &st, "nonexistent").is_err());
    }
}
