//! Declarative lenses (Cambria's operations): a list of reversible edits on a JSON document.
//! STUB — being implemented; the public API below is fixed.

use serde_json::Value;

use crate::Direction;

/// The JSON Schema that lens files are checked against (also served to users).
pub const LENS_SCHEMA: &str = "{}";

#[derive(Debug, thiserror::Error)]
pub enum LensError {
    /// The lens file is not a valid lens (YAML/JSON syntax or shape).
    #[error("invalid lens: {0}")]
    Invalid(String),
    /// Applying the lens to a document failed (for example `hoist` on a non-object).
    #[error("lens step {step} ({op}) at {pointer}: {message}")]
    Apply {
        step: usize,
        op: &'static str,
        pointer: String,
        message: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lens {
    _private: (),
}

impl Lens {
    /// Parses a lens file (YAML or JSON).
    pub fn parse(text: &str) -> Result<Lens, LensError> {
        let _ = text;
        Err(LensError::Invalid("lenses are not implemented yet".into()))
    }

    /// Runs the lens on `doc`, forwards for `Up`, the inverse for `Down`.
    pub fn apply(&self, doc: Value, direction: Direction) -> Result<Value, LensError> {
        let _ = direction;
        Ok(doc)
    }

    /// Number of operations (for reports).
    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
