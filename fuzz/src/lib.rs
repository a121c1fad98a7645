//! What the fuzz targets share: splitting one input into parts, and reading a part as a
//! document the way the server does.

use serde_json::Value;
use versiqii_core::document::{parse_document, parse_within, Caps};

/// The input up to the first NUL byte, and what follows it (empty when there is none): two
/// documents in one input, each still readable as text in a seed file.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// A config as an upload reads it (JSON or YAML, detected, within [`Caps::CONFIG`]).
pub fn config(bytes: &[u8]) -> Option<Value> {
    parse_document(bytes, None).ok().map(|(value, _)| value)
}

/// A schema as a schema file is read (within [`Caps::SCHEMA`]).
pub fn schema(bytes: &[u8]) -> Option<Value> {
    parse_within(bytes, None, &Caps::SCHEMA)
        .ok()
        .map(|(value, _)| value)
}
