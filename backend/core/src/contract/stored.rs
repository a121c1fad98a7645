//! How a schema version of any format is stored: one self-contained JSON document that holds
//! everything needed to compile it again, its references' content included. A JSON Schema is
//! stored as itself (its references bundled under `$defs`, see [`super::bundle`]); an Avro or
//! Protobuf version is an envelope tagged with [`FORMAT_KEY`]. Because the document is the
//! whole, its content hash pins the references too, and every reader (validation, drift,
//! migrations, export) needs nothing but the document.

use super::{Contract, ContractError};
use crate::avro::{AvroSchema, Reference};
use crate::protobuf::{ProtoFile, ProtoSchema};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fmt;
use std::str::FromStr;

/// The key that tags an Avro or Protobuf envelope; a JSON Schema may not use it at its top.
pub const FORMAT_KEY: &str = "$versiqii";

/// The schema language of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Format {
    #[default]
    JsonSchema,
    Avro,
    Protobuf,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::JsonSchema, Format::Avro, Format::Protobuf];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::JsonSchema => "json_schema",
            Format::Avro => "avro",
            Format::Protobuf => "protobuf",
        }
    }
}

impl Format {
    /// As people write it: `JSON Schema`, `Avro`, `Protobuf`.
    pub fn label(self) -> &'static str {
        match self {
            Format::JsonSchema => "JSON Schema",
            Format::Avro => "Avro",
            Format::Protobuf => "Protobuf",
        }
    }
}

/// As people write it (see [`Format::label`]); [`Format::as_str`] is the API's name.
impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown schema format `{0}`: json_schema, avro or protobuf")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// The format a stored document is in.
pub fn format_of(document: &Value) -> Format {
    match document.get(FORMAT_KEY).and_then(Value::as_str) {
        Some("avro") => Format::Avro,
        Some("protobuf") => Format::Protobuf,
        _ => Format::JsonSchema,
    }
}

/// A schema of a referenced version carried in an Avro envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvroRef {
    /// `family@version`.
    pub label: String,
    pub schema: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AvroEnvelope {
    schema: Value,
    #[serde(default)]
    references: Vec<AvroRef>,
}

/// A `.proto` file: the path others import it by, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtoSource {
    pub path: String,
    pub source: String,
}

/// A file of a referenced version carried in a Protobuf envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtoRef {
    /// `family@version`.
    pub label: String,
    pub path: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ProtoEnvelope {
    message: Option<String>,
    files: Vec<ProtoSource>,
    #[serde(default)]
    references: Vec<ProtoRef>,
}

/// A referenced version as registration sees it: its label and stored document.
pub struct Referenced<'a> {
    pub label: &'a str,
    pub document: &'a Value,
}

/// The stored document of a JSON Schema version: `schema` with the versions it references
/// bundled under `$defs` (see [`super::bundle`]), each a JSON Schema.
pub fn json_schema_document(
    schema: Value,
    references: &[Referenced<'_>],
) -> Result<Value, ContractError> {
    if let Some(r) = references
        .iter()
        .find(|r| format_of(r.document) != Format::JsonSchema)
    {
        return Err(ContractError::ReferenceFormat {
            label: r.label.to_owned(),
            expected: Format::JsonSchema,
            found: format_of(r.document),
        });
    }
    Ok(super::bundle(schema, references)?)
}

/// The stored document of an Avro version: `schema` (the `.avsc` JSON) and the schemas of every
/// version it references, directly or not, dependencies first.
pub fn avro_document(schema: Value, references: &[Referenced<'_>]) -> Result<Value, ContractError> {
    let mut closure: Vec<AvroRef> = Vec::new();
    for r in references {
        let envelope = avro_envelope(r.document).ok_or_else(|| ContractError::ReferenceFormat {
            label: r.label.to_owned(),
            expected: Format::Avro,
            found: format_of(r.document),
        })?;
        for inner in envelope.references {
            if !closure.iter().any(|c| c.label == inner.label) {
                closure.push(inner);
            }
        }
        if !closure.iter().any(|c| c.label == r.label) {
            closure.push(AvroRef {
                label: r.label.to_owned(),
                schema: envelope.schema,
            });
        }
    }
    Ok(json!({FORMAT_KEY: "avro", "schema": schema, "references": closure}))
}

/// The stored document of a Protobuf version: its files (the first is the main one), the config
/// message's full name, and the files of every version it references, directly or not.
pub fn protobuf_document(
    message: Option<&str>,
    files: Vec<ProtoSource>,
    references: &[Referenced<'_>],
) -> Result<Value, ContractError> {
    let mut closure: Vec<ProtoRef> = Vec::new();
    for r in references {
        let envelope =
            proto_envelope(r.document).ok_or_else(|| ContractError::ReferenceFormat {
                label: r.label.to_owned(),
                expected: Format::Protobuf,
                found: format_of(r.document),
            })?;
        for inner in envelope.references {
            add_proto_ref(&mut closure, inner)?;
        }
        for file in envelope.files {
            add_proto_ref(
                &mut closure,
                ProtoRef {
                    label: r.label.to_owned(),
                    path: file.path,
                    source: file.source,
                },
            )?;
        }
    }
    // An import sent along (the CLI reads them from disk) that a reference provides unchanged is
    // the reference's file; a different one under the same path would make two truths.
    let mut own: Vec<ProtoSource> = Vec::with_capacity(files.len());
    for (i, file) in files.into_iter().enumerate() {
        match closure.iter().find(|c| c.path == file.path) {
            Some(c) if c.source == file.source && i > 0 => {}
            Some(c) => {
                return Err(ContractError::FileConflict {
                    path: file.path,
                    first: "this version".into(),
                    second: c.label.clone(),
                })
            }
            None => own.push(file),
        }
    }
    Ok(json!({FORMAT_KEY: "protobuf", "message": message, "files": own, "references": closure}))
}

fn add_proto_ref(closure: &mut Vec<ProtoRef>, r: ProtoRef) -> Result<(), ContractError> {
    match closure.iter().find(|c| c.path == r.path) {
        Some(c) if c.source == r.source => Ok(()),
        Some(c) => Err(ContractError::FileConflict {
            path: r.path,
            first: c.label.clone(),
            second: r.label,
        }),
        None => {
            closure.push(r);
            Ok(())
        }
    }
}

// Read from the document in place (`&Value` is a deserializer): no copy of it first.
fn avro_envelope(document: &Value) -> Option<AvroEnvelope> {
    (format_of(document) == Format::Avro)
        .then(|| AvroEnvelope::deserialize(document).ok())
        .flatten()
}

fn proto_envelope(document: &Value) -> Option<ProtoEnvelope> {
    (format_of(document) == Format::Protobuf)
        .then(|| ProtoEnvelope::deserialize(document).ok())
        .flatten()
}

/// The Avro schema of a stored document, its references parsed first.
pub(super) fn compile_avro(document: &Value) -> Result<AvroSchema, ContractError> {
    let envelope = avro_envelope(document).ok_or(ContractError::Envelope(Format::Avro))?;
    let mut parsed: Vec<(String, AvroSchema)> = Vec::with_capacity(envelope.references.len());
    for r in &envelope.references {
        let refs: Vec<Reference<'_>> = parsed
            .iter()
            .map(|(label, schema)| Reference { label, schema })
            .collect();
        let schema =
            AvroSchema::from_value(&r.schema, &refs).map_err(|e| ContractError::Reference {
                label: r.label.clone(),
                message: e.to_string(),
            })?;
        parsed.push((r.label.clone(), schema));
    }
    let refs: Vec<Reference<'_>> = parsed
        .iter()
        .map(|(label, schema)| Reference { label, schema })
        .collect();
    AvroSchema::from_value(&envelope.schema, &refs)
        .and_then(AvroSchema::require_record)
        .map_err(ContractError::Avro)
}

/// The Protobuf schema of a stored document: its files and its references' files compiled.
pub(super) fn compile_protobuf(document: &Value) -> Result<ProtoSchema, ContractError> {
    let envelope = proto_envelope(document).ok_or(ContractError::Envelope(Format::Protobuf))?;
    let files: Vec<ProtoFile<'_>> = envelope
        .files
        .iter()
        .map(|f| ProtoFile::new(&f.path, &f.source))
        .chain(
            envelope
                .references
                .iter()
                .map(|r| ProtoFile::referenced(&r.path, &r.source, &r.label)),
        )
        .collect();
    ProtoSchema::compile(&files, envelope.message.as_deref()).map_err(ContractError::Protobuf)
}

/// The stored document with the config message's full name filled in (a Protobuf version given
/// without `--message` pins the one message its main file defines).
pub fn pin_message(mut document: Value, contract: &Contract) -> Value {
    if let (Contract::Protobuf(schema), Some(obj)) = (contract, document.as_object_mut()) {
        obj.insert(
            "message".into(),
            Value::String(schema.message_name().to_owned()),
        );
    }
    document
}

/// The config message a stored Protobuf document names, if any.
pub fn message_of(document: &Value) -> Option<&str> {
    (format_of(document) == Format::Protobuf)
        .then(|| document.get("message").and_then(Value::as_str))
        .flatten()
}
