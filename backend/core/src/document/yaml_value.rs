//! YAML and JSON straight into `serde_json::Value`, refusing what JSON cannot hold and
//! metering what is built against the document's caps (see `caps`).
//!
//! `serde_json::Value`'s own `Deserialize` would quietly turn the YAML keys `1`, `true` or
//! `~` into the strings "1", "true" and "~", and `.nan` into null; a config that relies on
//! either means something other than its author thinks, so both are errors here. Building
//! the value in one pass also avoids the detour through `serde_yaml_ng::Value`.
//!
//! Every value is charged its compact JSON size before it is built (a string before it is
//! copied), and every array and object its depth, so a YAML alias bomb or a deeply nested
//! document stops at the cap having built no more than the cap allows.

use super::caps::{json_number_len, json_size_within, json_str_len, Meter};
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

pub(crate) fn from_yaml(bytes: &[u8], meter: &Meter) -> Result<Value, serde_yaml_ng::Error> {
    JsonValue::top(Some(bytes), meter).deserialize(serde_yaml_ng::Deserializer::from_slice(bytes))
}

pub(crate) fn from_json(bytes: &[u8], meter: &Meter) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = JsonValue::top(None, meter).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Carries the YAML input so that keys can be checked against their source text (`None` for
/// JSON, whose keys are always strings), the meter, and the depth of the value it builds.
#[derive(Clone, Copy)]
struct JsonValue<'de, 'm> {
    input: Option<&'de [u8]>,
    meter: &'m Meter,
    /// Arrays and objects around the value.
    depth: usize,
}

impl<'de, 'm> JsonValue<'de, 'm> {
    fn top(input: Option<&'de [u8]>, meter: &'m Meter) -> Self {
        JsonValue {
            input,
            meter,
            depth: 0,
        }
    }

    /// The seed of the values inside an array or object this value opens; an error past the
    /// depth cap.
    fn enter<E: de::Error>(self) -> Result<Self, E> {
        let inner = JsonValue {
            depth: self.depth + 1,
            ..self
        };
        self.meter.enter(inner.depth)?;
        Ok(inner)
    }

    fn number<E: de::Error>(self, number: Number) -> Result<Value, E> {
        self.meter.charge(json_number_len(&number))?;
        Ok(Value::Number(number))
    }

    fn string<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.meter.charge(json_str_len(v))
    }
}

impl<'de> DeserializeSeed<'de> for JsonValue<'de, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonValue<'de, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the JSON data model")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.meter.charge(if v { 4 } else { 5 })?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.number(v.into())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.number(v.into())
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(v), _) => self.number(v.into()),
            (_, Ok(v)) => self.number(v.into()),
            _ => Err(E::custom(format!("integer {v} is out of range"))),
        }
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        match u64::try_from(v) {
            Ok(v) => self.number(v.into()),
            Err(_) => Err(E::custom(format!("integer {v} is out of range"))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        match Number::from_f64(v) {
            Some(number) => self.number(number),
            None => Err(E::custom(format!("{v} is not a number JSON can represent"))),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.string(v)?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.string(&v)?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.meter.charge(4)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.enter()?;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(inner)? {
            if !items.is_empty() {
                self.meter.charge(1)?;
            }
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.enter()?;
        let mut object = Map::new();
        let key_seed = StringKey {
            input: self.input,
            meter: self.meter,
        };
        while let Some((key, key_len)) = map.next_key_seed(key_seed)? {
            let value = map.next_value_seed(inner)?;
            if !object.is_empty() {
                self.meter.charge(1)?;
            }
            // The later value wins, as in serde_json: the earlier one, its key and a comma
            // were charged for nothing.
            if let Some(replaced) = object.insert(key, value) {
                let replaced = json_size_within(&replaced, usize::MAX).unwrap_or(0);
                self.meter.refund(key_len + replaced + 1);
            }
        }
        Ok(Value::Object(object))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, _data: A) -> Result<Value, A::Error> {
        Err(de::Error::custom(
            "YAML tags such as `!name` have no JSON equivalent",
        ))
    }
}

/// A mapping key, which JSON only allows to be a string; charged with its quotes and colon.
///
/// YAML keys are read as strings (`deserialize_str`) because resolving every key as a possible
/// number or boolean costs about a tenth of the whole parse. What that resolution would have
/// caught is recovered cheaply: a plain (unquoted) key whose text YAML resolves to something
/// other than a string is refused. Keys arrive as slices of the input, so the byte before
/// one tells a plain key from a quoted one.
#[derive(Clone, Copy)]
struct StringKey<'de, 'm> {
    /// The YAML input; `None` for JSON.
    input: Option<&'de [u8]>,
    meter: &'m Meter,
}

impl StringKey<'_, '_> {
    /// Charges a key with its quotes and colon; what it was charged.
    fn charge<E: de::Error>(self, key: &str) -> Result<usize, E> {
        let len = json_str_len(key) + 1;
        self.meter.charge(len)?;
        Ok(len)
    }
}

/// The key, and the bytes it was charged.
type Key = (String, usize);

impl<'de> DeserializeSeed<'de> for StringKey<'de, '_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for StringKey<'de, '_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string: JSON object keys must be strings")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key, E> {
        if let Some(input) = self.input {
            if is_plain(input, v) && resolves_to_non_string(v) {
                return Err(not_a_string(v));
            }
        }
        Ok((v.to_owned(), self.charge(v)?))
    }

    /// Quoted, escaped and multi-line keys are copied rather than borrowed, and those are
    /// strings; so is an empty key with no source text at all, which YAML reads as null.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        if v.is_empty() && self.input.is_some() {
            return Err(not_a_string("null"));
        }
        Ok((v.to_owned(), self.charge(v)?))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        let len = self.charge(&v)?;
        Ok((v, len))
    }
}

fn not_a_string<E: de::Error>(key: &str) -> E {
    E::custom(format!(
        "mapping key {key} is not a string; quote it to use it as a JSON object key"
    ))
}

/// A plain scalar starts the input or follows blank space or an indicator (an empty key
/// sits right after its `?`). A borrowed quoted key starts after its opening quote, or
/// (when escapes shorten it, as in `"\x32"`) somewhere inside the quoted text.
fn is_plain(input: &[u8], key: &str) -> bool {
    let offset = (key.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    match offset.checked_sub(1).map(|at| input.get(at)) {
        None => true,
        Some(before) => matches!(
            before,
            None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'[' | b',' | b'?' | b':')
        ),
    }
}

/// Whether YAML (as `serde_yaml_ng` resolves plain scalars) reads `text` as null, a boolean
/// or a number.
fn resolves_to_non_string(text: &str) -> bool {
    const NULLS_AND_BOOLS: [&str; 10] = [
        "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    ];
    let Some(first) = text.bytes().next() else {
        return true;
    };
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return NULLS_AND_BOOLS.contains(&text);
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    // YAML 1.2 reads digits with a leading zero as a string.
    if unsigned.len() > 1
        && unsigned.starts_with('0')
        && unsigned.bytes().skip(1).all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let radix_int = [("0x", 16), ("0o", 8), ("0b", 2)]
        .iter()
        .any(|(prefix, radix)| {
            unsigned.strip_prefix(prefix).is_some_and(|digits| {
                !digits.starts_with(['+', '-']) && u128::from_str_radix(digits, *radix).is_ok()
            })
        });
    radix_int
        || unsigned.parse::<u128>().is_ok()
        || matches!(
            unsigned,
            ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
        )
        || text.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_resolve_like_yaml() {
        for text in [
            "", "~", "null", "TRUE", "false", "1", "-7", "+3", "0x1F", "0o17", "0b101", "1.5",
            "-.5", "1e3", ".inf", "-.inf", ".nan",
        ] {
            assert!(resolves_to_non_string(text), "{text:?}");
        }
        for text in [
            "name",
            "nulls",
            "yes",
            "on",
            "007",
            "-0123",
            "1.2.3",
            ".hidden",
            "-x",
            "0x",
            "0xZZ",
            "inf",
            "nan",
            "v1",
            "cost-center",
        ] {
            assert!(!resolves_to_non_string(text), "{text:?}");
        }
    }
}
