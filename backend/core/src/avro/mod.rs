//! Avro schemas (`.avsc`) as contracts for configs: parsed with references to named types of
//! other schema versions, printed in Parsing Canonical Form, fingerprinted, checked against
//! configs written as natural JSON, and compared by Avro's schema-resolution rules.
//!
//! The parser is Versiqii's own rather than apache-avro's so that every input, including a
//! `serde_json::Value` built by a caller, is refused with a typed one-line error within fixed
//! bounds ([`MAX_DEPTH`], [`MAX_NODES`], [`MAX_TEXT_BYTES`], [`MAX_EXPANDED_DEPTH`]), and so
//! references carry the label (`family@version`) they were pinned under. apache-avro is used
//! in the tests as an oracle for the canonical form and for compatibility.
//!
//! See docs/avro.md for the config mapping and the compatibility rules.

mod canonical;
pub mod compat;
mod error;
mod model;
mod parse;
mod validate;

#[cfg(test)]
mod tests;

pub use error::AvroSchemaError;
pub use parse::{MAX_DEPTH, MAX_NODES, MAX_TEXT_BYTES};
pub use validate::{MAX_STEPS, MAX_VALUE_DEPTH};

use crate::schema::Violation;
use canonical::{Detail, View};
use model::{NamedKind, Node};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Deepest nesting of a schema once the named types it uses are spelled out where first used
/// (references included). Bounds every recursion over a parsed schema.
pub const MAX_EXPANDED_DEPTH: usize = 256;

/// A referenced schema version, already parsed, with the label it is pinned under
/// (`family@version`); the label only appears in errors and [`AvroSchema::imported_names`].
#[derive(Clone, Copy)]
pub struct Reference<'a> {
    pub label: &'a str,
    pub schema: &'a AvroSchema,
}

/// A parsed Avro schema. Stands alone: named types taken from references are copied in.
#[derive(Debug, Clone, PartialEq)]
pub struct AvroSchema {
    root: Node,
    named: Vec<model::Named>,
    index: BTreeMap<String, usize>,
    /// Full name of each type copied from a reference -> label of the reference defining it.
    imported: BTreeMap<String, String>,
}

impl AvroSchema {
    /// Parses `.avsc` text. Names not defined in the text are looked up by full name in
    /// `references`, which must be parsed first (see [`reference_order`]); a name found in
    /// several references must have the same definition in each.
    pub fn parse(text: &str, references: &[Reference<'_>]) -> Result<AvroSchema, AvroSchemaError> {
        let schema = parse::parse_text(text, references)?;
        Ok(schema)
    }

    /// As [`AvroSchema::parse`], from JSON already parsed (for instance from YAML).
    pub fn from_value(
        value: &Value,
        references: &[Reference<'_>],
    ) -> Result<AvroSchema, AvroSchemaError> {
        parse::parse_value(value, references)
    }

    /// Whether the top-level type is a record: a config family's schema must be one (configs
    /// are objects). The parser accepts any top-level type, since a schema that only defines
    /// types for others to reference may be an enum or a union.
    pub fn is_record(&self) -> bool {
        self.root_named()
            .is_some_and(|n| matches!(n.kind, NamedKind::Record(_)))
    }

    /// `Ok(self)` when [`AvroSchema::is_record`], else [`AvroSchemaError::NotARecord`].
    pub fn require_record(self) -> Result<AvroSchema, AvroSchemaError> {
        if self.is_record() {
            return Ok(self);
        }
        let found = match (&self.root, self.root_named()) {
            (_, Some(named)) => format!("{} {}", named.kind.word(), named.fullname),
            (Node::Prim(prim, _), _) => prim.name().to_owned(),
            (Node::Array(_), _) => "an array".to_owned(),
            (Node::Map(_), _) => "a map".to_owned(),
            (_, None) => "a union".to_owned(),
        };
        Err(AvroSchemaError::NotARecord { found })
    }

    /// Full name of the top-level type when it is a named type.
    pub fn name(&self) -> Option<&str> {
        self.root_named().map(|n| n.fullname.as_str())
    }

    /// Full names of every named type the schema can use (its own and its references').
    pub fn named_types(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }

    /// Types copied from references: full name -> label of the reference that defines it.
    pub fn imported_names(&self) -> &BTreeMap<String, String> {
        &self.imported
    }

    /// Avro's Parsing Canonical Form, with referenced types spelled out.
    pub fn canonical_form(&self) -> String {
        self.view().form(&self.root, Detail::Parsing)
    }

    /// SHA-256 of [`AvroSchema::canonical_form`], lowercase hex: Avro's 256-bit fingerprint.
    /// Equal for schemas that encode alike, even if their defaults or logical types differ.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_form().as_bytes()))
    }

    /// The canonical form plus aliases, defaults and logical types (docs/avro.md): equal
    /// exactly when two schemas accept the same configs and resolve alike.
    pub fn full_form(&self) -> String {
        self.view().form(&self.root, Detail::Full)
    }

    /// SHA-256 of [`AvroSchema::full_form`], lowercase hex: the one to deduplicate versions by.
    pub fn full_fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.full_form().as_bytes()))
    }

    /// Where `config` (natural JSON, docs/avro.md) breaks the schema; empty when it is valid.
    /// Sorted by pointer, at most one `too-complex` when the bounds are reached.
    pub fn validate(&self, config: &Value) -> Vec<Violation> {
        let mut found = validate::validate(&self.named, &self.root, config);
        found.sort_by(|a, b| (&a.pointer, &a.keyword).cmp(&(&b.pointer, &b.keyword)));
        found
    }

    /// `config` with every absent record field that has a default filled in, recursively
    /// (inside arrays, maps, and the union branch the value matches). Values that do not
    /// match the schema are left as they are.
    pub fn with_defaults(&self, config: &Value) -> Value {
        validate::with_defaults(&self.named, &self.root, config, 0)
    }

    fn root_named(&self) -> Option<&model::Named> {
        match self.root {
            Node::Named(id) => self.named.get(id),
            _ => None,
        }
    }

    fn view(&self) -> View<'_> {
        View { named: &self.named }
    }

    pub(crate) fn named_form(&self, id: usize) -> String {
        self.view().named_form(id)
    }
}

/// The order to parse `root` and the schemas it references, dependencies first (`root` last),
/// given each label's direct references. Refuses a cycle with its path (`a@1 -> b@2 -> a@1`)
/// and a label missing from `references`.
pub fn reference_order(
    root: &str,
    references: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<String>, AvroSchemaError> {
    let mut order = Vec::new();
    let mut done = BTreeSet::new();
    // Depth-first with an explicit stack: (label, index of the next reference to visit).
    let mut stack: Vec<(String, usize)> = vec![(root.to_owned(), 0)];
    while let Some((label, next)) = stack.last().cloned() {
        let edges: &[String] = match references.get(&label) {
            Some(edges) => edges,
            None if label == root => &[],
            None => return Err(AvroSchemaError::MissingReference { label }),
        };
        match edges.get(next) {
            Some(dep) => {
                if let Some(last) = stack.last_mut() {
                    last.1 += 1;
                }
                if done.contains(dep) {
                    continue;
                }
                if let Some(at) = stack.iter().position(|(l, _)| l == dep) {
                    let mut path: Vec<String> =
                        stack[at..].iter().map(|(l, _)| l.clone()).collect();
                    path.push(dep.clone());
                    return Err(AvroSchemaError::ReferenceCycle { path });
                }
                stack.push((dep.clone(), 0));
            }
            None => {
                stack.pop();
                done.insert(label.clone());
                order.push(label);
            }
        }
    }
    Ok(order)
}
