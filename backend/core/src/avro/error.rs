//! Why a text is not an acceptable Avro schema. Every message is one line.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AvroSchemaError {
    #[error("the schema is {size} bytes or nodes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("the schema nests deeper than {limit} levels at {pointer}")]
    TooDeep { pointer: String, limit: usize },
    #[error("not JSON: {message}")]
    NotJson { message: String },
    #[error("not a valid Avro schema at {pointer}: {message}")]
    Malformed { pointer: String, message: String },
    #[error(
        "invalid Avro name `{name}` at {pointer}: names are [A-Za-z_][A-Za-z0-9_]*, dot-separated"
    )]
    InvalidName { pointer: String, name: String },
    #[error("`{name}` is defined twice (at {pointer})")]
    DuplicateName { pointer: String, name: String },
    #[error("unknown type `{name}` at {pointer}: not a primitive, not defined earlier in the schema, not in its references{}", searched_text(searched))]
    UnknownName {
        pointer: String,
        name: String,
        /// Labels of the referenced schemas that were searched.
        searched: Vec<String>,
    },
    #[error("referenced schemas {first} and {second} define `{name}` differently")]
    ConflictingReferences {
        name: String,
        first: String,
        second: String,
    },
    #[error("the default at {pointer} does not match the field's type: {message}")]
    InvalidDefault { pointer: String, message: String },
    #[error("the top-level schema of a config family must be a record, not {found}")]
    NotARecord { found: String },
    #[error("schema references form a cycle: {}", path.join(" -> "))]
    ReferenceCycle { path: Vec<String> },
    #[error("reference {label} is not among the schemas given")]
    MissingReference { label: String },
}

fn searched_text(labels: &[String]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!(" ({})", labels.join(", "))
    }
}
