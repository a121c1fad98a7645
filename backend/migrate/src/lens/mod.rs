//! Declarative lenses (Cambria's operations): a list of reversible edits on a JSON document.
//! The file format and every operation are described in `docs/lenses.md`; the JSON Schema of
//! lens files is [`LENS_SCHEMA`]. Cambria's own lens files load as they are, and run as in
//! Cambria except where Cambria loses or invents data (listed in the docs, with the reasons).
//!
//! Running a lens `Up` applies its operations in order; `Down` applies the inverse of each,
//! last one first. Documents are edited in place: values move, they are not copied.

mod apply;
mod ops;
mod parse;
mod table;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::Direction;

pub use ops::{Mapping, Op};
pub use parse::{LENS_CAPS, MAX_DEPTH, MAX_LENS_BYTES, MAX_OPS};

/// How much one run of a lens may add to a document, in bytes of compact JSON: the defaults it
/// adds and what `convert` replacements add over the values they replace, each time one is
/// applied. A `map` applies its lens to every element, so a small lens could otherwise copy
/// its defaults into a document far larger than any config; a run past this is stopped where
/// it crosses it, before the copies pile up. A config's cap, since no output may be larger.
pub const MAX_GROWTH: usize = versiqii_core::document::MAX_CONFIG_BYTES;

/// The JSON Schema that lens files are checked against (also served to users).
pub const LENS_SCHEMA: &str = include_str!("../../lens.schema.json");

#[derive(Debug, thiserror::Error)]
pub enum LensError {
    /// The lens file is not a valid lens (YAML/JSON syntax or shape).
    #[error("invalid lens: {0}")]
    Invalid(String),
    /// Applying the lens to a document failed (for example `hoist` on a non-object).
    ///
    /// `step` is the index of the top-level operation in the lens file and `op` the name, as
    /// written in the file, of the operation that failed (a nested one when the step is an `in`
    /// or a `map`); when running `Down` the message starts with "running down". `pointer` is the
    /// RFC 6901 pointer of the offending place in the document the step was given.
    #[error("lens step {step} ({op}) at {pointer}: {message}")]
    Apply {
        step: usize,
        op: &'static str,
        pointer: String,
        message: String,
    },
    /// Applying the lens would add more than [`MAX_GROWTH`] to the document; `step`, `op` and
    /// `pointer` say where the run crossed it, as for [`LensError::Apply`].
    #[error("lens step {step} ({op}) at {pointer}: {message}")]
    TooLarge {
        step: usize,
        op: &'static str,
        pointer: String,
        message: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lens {
    description: Option<String>,
    schema_name: Option<String>,
    /// As written: what `Up` runs.
    ops: Vec<Op>,
    /// The inverse of each operation, last first: what `Down` runs.
    inverse: Vec<Op>,
}

impl Lens {
    /// Parses a lens file (YAML or JSON).
    pub fn parse(text: &str) -> Result<Lens, LensError> {
        let parsed = parse::parse(text)?;
        Ok(Lens {
            description: parsed.description,
            schema_name: parsed.schema_name,
            inverse: ops::invert(&parsed.ops),
            ops: parsed.ops,
        })
    }

    /// Runs the lens on `doc`, forwards for `Up`, the inverse for `Down`.
    pub fn apply(&self, mut doc: Value, direction: Direction) -> Result<Value, LensError> {
        let ops = match direction {
            Direction::Up => &self.ops,
            Direction::Down => &self.inverse,
        };
        let Some(first) = ops.first() else {
            return Ok(doc);
        };
        let error = |index: usize, op: &'static str, pointer: String, message: String| {
            let (step, op, message) = match direction {
                Direction::Up => (index, op, message),
                Direction::Down => (
                    ops.len() - 1 - index,
                    ops::inverse_name(op),
                    format!("running down: {message}"),
                ),
            };
            LensError::Apply {
                step,
                op,
                pointer,
                message,
            }
        };
        let Some(object) = doc.as_object_mut() else {
            let message = format!("the document is {}, not an object", apply::kind(&doc));
            return Err(error(0, first.name(), String::new(), message));
        };
        let mut growth = apply::Growth::new(MAX_GROWTH);
        apply::run(ops, object, &mut growth).map_err(|(index, failure)| {
            let (pointer, too_large) = (failure.pointer(), failure.too_large);
            match error(index, failure.op, pointer, failure.message) {
                LensError::Apply {
                    step,
                    op,
                    pointer,
                    message,
                } if too_large => LensError::TooLarge {
                    step,
                    op,
                    pointer,
                    message,
                },
                other => other,
            }
        })?;
        Ok(doc)
    }

    /// Number of operations (for reports): the top-level steps, as `LensError::Apply::step`
    /// counts them.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lens that runs the other way: its `Up` is this lens's `Down` and vice versa.
    pub fn reversed(&self) -> Lens {
        Lens {
            description: self.description.clone(),
            schema_name: self.schema_name.clone(),
            ops: self.inverse.clone(),
            inverse: self.ops.clone(),
        }
    }

    /// The top-level operations, as `Up` runs them.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The file's `description`, if it has one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The file's `schemaName` (Cambria's name for the schema the lens produces), if it has one.
    pub fn schema_name(&self) -> Option<&str> {
        self.schema_name.as_deref()
    }
}
