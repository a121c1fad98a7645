//! Whether two schemas (one per document) accept exactly the same configs, judged by
//! structure: local `$ref`s are compared by their targets, annotations and unknown keywords
//! are ignored. "No" may
//! be a false negative; "yes" never is.

use super::json::json_eq;
use super::schema::{Doc, VALIDATION};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Work allowed per comparison run, so adversarial documents cannot make a check crawl. Running
/// out answers "not equivalent", which only ever costs precision.
const STEPS: usize = 1_000_000;
const MAX_DEPTH: usize = 200;

pub(super) struct Equiv<'a> {
    old: Doc<'a>,
    new: Doc<'a>,
    /// Pairs shown equivalent by an earlier question.
    proven: HashSet<(usize, usize)>,
    /// Pairs assumed equivalent while answering the current question: a reference cycle that
    /// meets nothing different is equivalent, and shared subschemas are compared once. If the
    /// answer is yes the assumptions held; if no, they are dropped.
    assumed: HashSet<(usize, usize)>,
    refuted: HashSet<(usize, usize)>,
    depth: usize,
    steps: usize,
}

/// What a keyword's value holds, as far as equivalence is concerned.
enum Holds {
    Schema,
    Schemas,
    SchemaMap,
    Data,
}

fn holds(keyword: &str, value: &Value) -> Holds {
    match keyword {
        "additionalProperties"
        | "unevaluatedProperties"
        | "additionalItems"
        | "unevaluatedItems"
        | "contains"
        | "propertyNames"
        | "not"
        | "if"
        | "then"
        | "else"
        | "contentSchema" => Holds::Schema,
        "items" if value.is_array() => Holds::Schemas,
        "items" => Holds::Schema,
        "allOf" | "anyOf" | "oneOf" | "prefixItems" => Holds::Schemas,
        "properties" | "patternProperties" | "dependentSchemas" | "dependencies" => {
            Holds::SchemaMap
        }
        _ => Holds::Data,
    }
}

impl<'a> Equiv<'a> {
    pub fn new(old: Doc<'a>, new: Doc<'a>) -> Self {
        Equiv {
            old,
            new,
            proven: HashSet::new(),
            assumed: HashSet::new(),
            refuted: HashSet::new(),
            depth: 0,
            steps: STEPS,
        }
    }

    /// `a` from the old document, `b` from the new one.
    pub fn schema(&mut self, a: &'a Value, b: &'a Value) -> bool {
        self.question(|e| e.schema_in(a, b))
    }

    /// Compares one keyword's values, reading schemas inside them as schemas.
    pub fn keyword(&mut self, key: &str, a: &'a Value, b: &'a Value) -> bool {
        self.question(|e| e.keyword_in(key, a, b))
    }

    /// Any difference found anywhere makes the whole answer "no", so assumptions made on the way
    /// are kept exactly when the answer is "yes".
    fn question(&mut self, ask: impl FnOnce(&mut Self) -> bool) -> bool {
        let same = ask(self);
        let assumed = std::mem::take(&mut self.assumed);
        if same {
            self.proven.extend(assumed);
        }
        same
    }

    fn schema_in(&mut self, a: &'a Value, b: &'a Value) -> bool {
        if self.steps == 0 || self.depth > MAX_DEPTH {
            return false;
        }
        self.steps -= 1;
        let (Value::Object(ma), Value::Object(mb)) = (a, b) else {
            return json_eq(a, b);
        };
        let pair = (a as *const Value as usize, b as *const Value as usize);
        if self.proven.contains(&pair) || self.assumed.contains(&pair) {
            return true;
        }
        if self.refuted.contains(&pair) {
            return false;
        }
        self.assumed.insert(pair);
        self.depth += 1;
        let same = self.objects(ma, mb);
        self.depth -= 1;
        if !same {
            self.refuted.insert(pair);
        }
        same
    }

    fn objects(&mut self, ma: &'a Map<String, Value>, mb: &'a Map<String, Value>) -> bool {
        let targets = (self.old.ref_target(ma), self.new.ref_target(mb));
        if let (Some(ta), Some(tb)) = targets {
            if !self.schema_in(ta, tb) {
                return false;
            }
            if self.old.legacy_ref() && self.new.legacy_ref() {
                return true;
            }
        }
        for key in VALIDATION {
            let same = match (ma.get(*key), mb.get(*key)) {
                (None, None) => true,
                (Some(_), Some(_))
                    if *key == "$ref" && targets.0.is_some() && targets.1.is_some() =>
                {
                    true
                }
                (Some(va), Some(vb)) => self.keyword_in(key, va, vb),
                _ => false,
            };
            if !same {
                return false;
            }
        }
        true
    }

    fn keyword_in(&mut self, key: &str, a: &'a Value, b: &'a Value) -> bool {
        if key == "$ref" {
            let target = |doc: &Doc<'a>, v: &'a Value| v.as_str().and_then(|r| doc.resolve(r));
            return match (target(&self.old, a), target(&self.new, b)) {
                (Some(ta), Some(tb)) => self.schema_in(ta, tb),
                (None, None) => json_eq(a, b),
                _ => false,
            };
        }
        match holds(key, a) {
            Holds::Schema => self.schema_in(a, b),
            Holds::Schemas => match (a, b) {
                (Value::Array(xs), Value::Array(ys)) => {
                    xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| self.schema_in(x, y))
                }
                _ => json_eq(a, b),
            },
            Holds::SchemaMap => match (a, b) {
                (Value::Object(xs), Value::Object(ys)) => {
                    xs.len() == ys.len()
                        && xs
                            .iter()
                            .all(|(k, x)| ys.get(k).is_some_and(|y| self.schema_in(x, y)))
                }
                _ => json_eq(a, b),
            },
            Holds::Data => json_eq(a, b),
        }
    }
}
