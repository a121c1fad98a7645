//! Caps on what a document may hold once parsed, whatever the size of its text.
//!
//! A YAML alias repeats the value its anchor names, so a few kilobytes of text can stand for
//! gigabytes of data (the parser limits how many times aliases are followed, not how much each
//! one expands to). Parsing is therefore metered value by value: every value produced is charged
//! the bytes it takes in compact JSON, an alias each time it is used, and nesting is counted, so
//! a document over its caps is refused before it is built. The same measure checks values built
//! some other way (a migration's output), so "larger than a config may be" means one thing.
//!
//! Compact JSON bytes bound the number of values too: every value costs at least one byte plus
//! its separator, so 256 KiB hold at most about 128 Ki values.

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::Value;
use std::cell::Cell;
use std::fmt;

use super::MAX_CONFIG_BYTES;

/// How deep arrays and objects may nest in a config or a schema (the top level is level 1).
pub const MAX_DEPTH: usize = 64;

/// What a parsed document may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Arrays and objects nested in one another, the top level's included.
    pub max_depth: usize,
    /// The data's size as compact JSON, YAML aliases expanded (each use counts).
    pub max_json_bytes: usize,
}

impl Caps {
    /// A config's, uploaded or migrated: 64 levels and 256 KiB of compact JSON (the same as the
    /// cap on its text, so no revision holds more data than an upload may).
    pub const CONFIG: Caps = Caps {
        max_depth: MAX_DEPTH,
        max_json_bytes: MAX_CONFIG_BYTES,
    };

    /// A JSON Schema's read from a file: 64 levels and 4 MiB of compact JSON (the server takes
    /// schemas in request bodies of 1 MiB by default).
    pub const SCHEMA: Caps = Caps {
        max_depth: MAX_DEPTH,
        max_json_bytes: 4 << 20,
    };
}

/// Which cap a document goes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cap {
    Depth,
    Size,
}

/// A value over its caps, found after it was built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "cap", rename_all = "snake_case")]
pub enum OverCap {
    #[error(
        "nests arrays and objects more than {max} levels deep at {}",
        or_root(pointer)
    )]
    Depth { max: usize, pointer: String },
    #[error("is larger than {} as compact JSON", kib(*max))]
    Size { max: usize },
}

fn or_root(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the top level"
    } else {
        pointer
    }
}

/// "256 KiB", or bytes when the cap is not a whole number of KiB.
pub(crate) fn kib(bytes: usize) -> String {
    if bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Checks a value built some other way than by parsing (a migration's output) against `caps`:
/// the depth first, without descending past the cap, then the size as compact JSON, stopping
/// as soon as it is over.
pub fn check_value(value: &Value, caps: &Caps) -> Result<(), OverCap> {
    check_depth(value, caps.max_depth)?;
    if json_size_within(value, caps.max_json_bytes).is_none() {
        return Err(OverCap::Size {
            max: caps.max_json_bytes,
        });
    }
    Ok(())
}

/// Checks that arrays and objects nest at most `max` levels deep in `value` (a JSON body whose
/// size its transport already capped), without descending further than that.
pub fn check_depth(value: &Value, max: usize) -> Result<(), OverCap> {
    // The common case in one quick walk; the place is only looked for when there is one.
    if within_depth(value, max) {
        return Ok(());
    }
    match too_deep(value, 1, max) {
        None => Ok(()),
        Some(path) => Err(OverCap::Depth {
            max,
            pointer: path.iter().rev().fold(String::new(), |mut out, segment| {
                out.push('/');
                out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
                out
            }),
        }),
    }
}

/// Whether `value`'s arrays and objects nest at most `levels` deep.
fn within_depth(value: &Value, levels: usize) -> bool {
    let nested = |child: &Value| match child {
        Value::Array(_) | Value::Object(_) => within_depth(child, levels - 1),
        _ => true,
    };
    match value {
        Value::Array(_) | Value::Object(_) if levels == 0 => false,
        Value::Array(items) => items.iter().all(nested),
        Value::Object(map) => map.values().all(nested),
        _ => true,
    }
}

/// The path (innermost first) of the first container nested deeper than `max`; the walk never
/// goes further down than that.
fn too_deep(value: &Value, depth: usize, max: usize) -> Option<Vec<String>> {
    let found = |child: &Value, segment: &dyn Fn() -> String| {
        too_deep(child, depth + 1, max).map(|mut path| {
            path.push(segment());
            path
        })
    };
    match value {
        Value::Array(_) | Value::Object(_) if depth > max => Some(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, child)| found(child, &|| index.to_string())),
        Value::Object(map) => map
            .iter()
            .find_map(|(key, child)| found(child, &|| key.clone())),
        _ => None,
    }
}

/// The size of `value` as compact JSON (canonical JSON has the same size), or `None` as soon as
/// it is over `max`. Recursion follows the value's depth: check that first.
pub fn json_size_within(value: &Value, max: usize) -> Option<usize> {
    let mut counter = Counter { written: 0, max };
    serde_json::to_writer(&mut counter, value).ok()?;
    Some(counter.written)
}

/// Counts bytes and fails once over `max`, which stops the serializer.
struct Counter {
    written: usize,
    max: usize,
}

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written = self.written.saturating_add(buf.len());
        if self.written > self.max {
            return Err(std::io::Error::other("over the cap"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes `text` takes as a JSON string, quotes included (serde_json's escapes).
#[inline]
pub(crate) fn json_str_len(text: &str) -> usize {
    // Most strings escape nothing: one branch-free pass to find out.
    let escapes = text.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !escapes {
        return text.len() + 2;
    }
    json_str_len_escaped(text)
}

#[cold]
fn json_str_len_escaped(text: &str) -> usize {
    let extra: usize = text
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
            0..=0x1f => 5,
            _ => 0,
        })
        .sum();
    text.len() + 2 + extra
}

/// The bytes an unsigned integer takes in JSON.
fn digits(v: u64) -> usize {
    v.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The bytes a number takes in JSON.
pub(crate) fn json_number_len(number: &serde_json::Number) -> usize {
    if let Some(v) = number.as_u64() {
        return digits(v);
    }
    if let Some(v) = number.as_i64() {
        return digits(v.unsigned_abs()) + usize::from(v < 0);
    }
    struct Len(usize);
    impl fmt::Write for Len {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut len = Len(0);
    let _ = fmt::write(&mut len, format_args!("{number}"));
    len.0
}

/// The running account of one parse: bytes charged so far, and which cap stopped it.
pub(crate) struct Meter {
    caps: Caps,
    used: Cell<usize>,
    over: Cell<Option<Cap>>,
}

impl Meter {
    pub(crate) fn new(caps: Caps) -> Meter {
        Meter {
            caps,
            used: Cell::new(0),
            over: Cell::new(None),
        }
    }

    /// The cap the parse went over, if that is why it failed.
    pub(crate) fn over(&self) -> Option<Cap> {
        self.over.get()
    }

    pub(crate) fn caps(&self) -> &Caps {
        &self.caps
    }

    /// Charges `bytes`; an error once the total is over the cap.
    #[inline]
    pub(crate) fn charge<E: de::Error>(&self, bytes: usize) -> Result<(), E> {
        let used = self.used.get().saturating_add(bytes);
        self.used.set(used);
        if used > self.caps.max_json_bytes {
            return Err(self.over_size());
        }
        Ok(())
    }

    #[cold]
    fn over_size<E: de::Error>(&self) -> E {
        self.over.set(Some(Cap::Size));
        E::custom(format!(
            "the data is larger than {} as compact JSON (a YAML alias counts each time it is used)",
            kib(self.caps.max_json_bytes)
        ))
    }

    /// Gives back what a value replaced by a duplicate key had been charged.
    pub(crate) fn refund(&self, bytes: usize) {
        self.used.set(self.used.get().saturating_sub(bytes));
    }

    /// Enters an array or object at `depth` (the top level's is 1): an error past the cap.
    #[inline]
    pub(crate) fn enter<E: de::Error>(&self, depth: usize) -> Result<(), E> {
        if depth > self.caps.max_depth {
            return Err(self.over_depth());
        }
        // The brackets or braces.
        self.charge(2)
    }

    #[cold]
    fn over_depth<E: de::Error>(&self) -> E {
        self.over.set(Some(Cap::Depth));
        E::custom(format!(
            "arrays and objects nest more than {} levels deep",
            self.caps.max_depth
        ))
    }
}

/// Walks a document without building it, charging what building it would: for typed parses
/// (lens files) that must know the document is within its caps before they expand it. Any
/// scalar may be a key here; keys are charged as JSON strings of their text.
#[derive(Clone, Copy)]
pub(crate) struct Measure<'m> {
    pub(crate) meter: &'m Meter,
    pub(crate) depth: usize,
    pub(crate) key: bool,
}

impl Measure<'_> {
    fn scalar<E: de::Error>(self, json_len: usize) -> Result<(), E> {
        // A key is charged as a string with its colon: two quotes and the colon.
        let len = if self.key { json_len + 3 } else { json_len };
        self.meter.charge(len)
    }

    fn nested(self) -> Self {
        Measure {
            depth: self.depth + 1,
            key: false,
            ..self
        }
    }
}

impl<'de> DeserializeSeed<'de> for Measure<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Measure<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(if v { 4 } else { 5 })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(json_number_len(&v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(json_number_len(&v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<(), E> {
        self.scalar(v.to_string().len())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<(), E> {
        self.scalar(v.to_string().len())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        match serde_json::Number::from_f64(v) {
            Some(number) => self.scalar(json_number_len(&number)),
            None => self.scalar(4),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let len = json_str_len(v);
        self.meter.charge(if self.key { len + 1 } else { len })
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
        self.scalar(v.len() * 4)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(4)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar(4)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.nested();
        self.meter.enter(inner.depth)?;
        let mut first = true;
        while seq.next_element_seed(inner)?.is_some() {
            if !std::mem::take(&mut first) {
                self.meter.charge(1)?;
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.nested();
        self.meter.enter(inner.depth)?;
        let mut first = true;
        while map.next_key_seed(Measure { key: true, ..inner })?.is_some() {
            map.next_value_seed(inner)?;
            if !std::mem::take(&mut first) {
                self.meter.charge(1)?;
            }
        }
        Ok(())
    }

    /// A YAML tag (`!name value`): the tag and the value are both charged.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        use de::VariantAccess;
        let (_, variant) = data.variant_seed(Measure { key: true, ..self })?;
        variant.newtype_variant_seed(self)
    }
}
