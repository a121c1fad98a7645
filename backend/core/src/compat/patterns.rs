//! Whether a concrete property name matches a `patternProperties` regex, decided by the very
//! validator configs are checked with (its regex dialect and engine), so the answer is exact.
//! Whether one pattern's names are a subset of another's is not decided: the checker stays
//! conservative there.

use crate::schema::CompiledSchema;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Patterns compiled per comparison; past it names are "unknown", which only costs precision.
const MAX_PATTERNS: usize = 64;

#[derive(Default)]
pub(super) struct Matcher {
    /// `None`: the pattern does not compile (the validator would refuse the schema).
    compiled: HashMap<String, Option<CompiledSchema>>,
}

impl Matcher {
    /// `None` when the answer is unknown.
    pub fn matches(&mut self, pattern: &str, name: &str) -> Option<bool> {
        if !self.compiled.contains_key(pattern) {
            if self.compiled.len() >= MAX_PATTERNS {
                return None;
            }
            let compiled = CompiledSchema::compile(&json!({ "pattern": pattern })).ok();
            self.compiled.insert(pattern.to_owned(), compiled);
        }
        let validator = self.compiled.get(pattern)?.as_ref()?;
        Some(validator.is_valid(&Value::String(name.to_owned())))
    }

    /// The schemas of the patterns in `patterns` that `name` matches; `None` when that is not
    /// known for every pattern.
    pub fn matching<'a>(&mut self, patterns: &'a Value, name: &str) -> Option<Vec<&'a Value>> {
        let patterns: &'a Map<String, Value> = patterns.as_object()?;
        let mut out = Vec::new();
        for (pattern, schema) in patterns {
            if self.matches(pattern, name)? {
                out.push(schema);
            }
        }
        Some(out)
    }
}
