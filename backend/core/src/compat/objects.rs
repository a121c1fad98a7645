//! Object checks: property counts, `required`, and property schemas by name.

use super::json::{any_member, child, count};
use super::scalars::Counted;
use super::schema::{closure, Closure, Opaque, Side, UNEVALUATED_PROPERTIES};
use super::walk::{admitted, Accepting, Here, Walker};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

const NOUN: Counted = Counted {
    what: "objects",
    unit: "properties",
};

/// Past this many combinations of pattern schemas we stop enumerating them; leaving a
/// conjunct out only widens the accepting side.
const MAX_ALTERNATIVES: usize = 16;

/// Why the constraining side forbids a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Forbidden {
    /// Declared `false` in `properties`.
    Declared,
    /// A matching `patternProperties` schema is `false`.
    Pattern,
    /// Left to an `additionalProperties`/`unevaluatedProperties` of `false`.
    Closure,
}

/// `patternProperties`, compared as a whole when both sides have the same.
const PATTERN_PROPERTIES: Opaque = Opaque {
    name: "patternProperties",
    keys: &["patternProperties"],
};

fn declared<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.get("properties")?.as_object()?.get(name)
}

fn required(m: &Map<String, Value>) -> impl Iterator<Item = &str> {
    m.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

impl<'a> Walker<'a> {
    pub(super) fn objects(&mut self, here: &Here<'_, 'a>, n: &'a Value, m: &'a Map<String, Value>) {
        let finite: Option<Vec<&'a Map<String, Value>>> = here
            .values
            .as_ref()
            .map(|vs| vs.iter().filter_map(|v| v.as_object()).collect());
        if finite.as_ref().is_some_and(Vec::is_empty) {
            return;
        }
        let old_required: BTreeSet<&str> = here.objects().flat_map(required).collect();
        let old_max = match &finite {
            Some(objects) => objects.iter().map(|o| o.len() as u64).max(),
            None => here
                .objects()
                .filter_map(|o| count(o, "maxProperties"))
                .min(),
        };
        let old_min = match &finite {
            Some(objects) => objects.iter().map(|o| o.len() as u64).min().unwrap_or(0),
            None => here
                .objects()
                .filter_map(|o| count(o, "minProperties"))
                .chain([old_required.len() as u64])
                .max()
                .unwrap_or(0),
        };
        if let Some(limit) = count(m, "maxProperties") {
            let rule = ("maxProperties", "max-properties-decreased");
            self.max_count(here.ptr, &NOUN, rule, limit, old_max);
        }
        if let Some(limit) = count(m, "minProperties") {
            let rule = ("minProperties", "min-properties-increased");
            self.min_count(here.ptr, &NOUN, rule, limit, old_min);
        }
        for name in required(m) {
            let already = match &finite {
                Some(objects) => objects.iter().all(|o| o.contains_key(name)),
                None => old_required.contains(name),
            };
            if !already {
                let message = format!(
                    "{} requires property `{name}`, which {} does not require.",
                    self.dst(),
                    self.src_name()
                );
                self.push(&child(here.ptr, name), "required-added", message);
            }
        }
        self.properties(here, n, m, finite.as_deref());
        self.dependencies(here, m, finite.as_deref(), &old_required);
    }

    fn properties(
        &mut self,
        here: &Here<'_, 'a>,
        n: &'a Value,
        m: &'a Map<String, Value>,
        finite: Option<&[&'a Map<String, Value>]>,
    ) {
        let (old_doc, new_doc) = (self.old, self.new);
        let olds: Vec<(&'a Map<String, Value>, Closure<'a>)> = here
            .old
            .conjuncts
            .iter()
            .copied()
            .filter_map(|c| Some((c.as_object()?, closure(&old_doc, c, Side::Accepting))))
            .collect();
        let mut new_closure = closure(&new_doc, n, Side::Constraining);
        // The very same `unevaluatedProperties` with the very same inputs on the accepting
        // side already rejected whatever it would reject here.
        if new_closure.keyword == "unevaluatedProperties"
            && self.shared(here.old, &UNEVALUATED_PROPERTIES, m)
        {
            new_closure.schema = None;
        }
        let new_props = m.get("properties").and_then(Value::as_object);
        let names: BTreeSet<&'a str> = olds
            .iter()
            .filter_map(|(o, _)| o.get("properties")?.as_object())
            .chain(new_props)
            .flat_map(|props| props.keys().map(String::as_str))
            .collect();

        // The very same `patternProperties` on the accepting side already holds every name
        // to them; otherwise names are matched against each regex.
        let new_patterns = m
            .get("patternProperties")
            .filter(|_| !self.shared(here.old, &PATTERN_PROPERTIES, m));
        for &name in &names {
            let declared_here = new_props.and_then(|p| p.get(name));
            let pointer = child(here.ptr, name);
            let by_pattern: Vec<&'a Value> = match new_patterns {
                None => Vec::new(),
                Some(patterns) => match self.matcher.matching(patterns, name) {
                    Some(schemas) => schemas,
                    None => {
                        let message = format!(
                            "{} has `patternProperties` the checker cannot match against `{name}`, so it cannot decide whether every config {} accepts still passes.",
                            self.dst(),
                            self.src_name()
                        );
                        self.push(&pointer, "undecidable", message);
                        Vec::new()
                    }
                },
            };
            let mut governing = by_pattern.clone();
            match declared_here {
                Some(schema) => governing.push(schema),
                // A name a pattern matches is evaluated: the closure does not see it.
                None if !by_pattern.is_empty() => {}
                None if new_closure.evaluated_elsewhere.contains(name) => {}
                None => {
                    let unevaluated = new_closure.keyword == "unevaluatedProperties";
                    if let Some(schema) = new_closure.schema {
                        if !(unevaluated && self.evaluated_by_branch(here, n, name)) {
                            governing.push(schema);
                        }
                    }
                }
            }
            governing.retain(|g| **g != Value::Bool(true));
            if governing.is_empty() {
                continue;
            }
            let values = finite.map(|objects| objects.iter().filter_map(|o| o.get(name)).collect());
            let alternatives =
                self.alternatives(&olds, Some(name), declared_here.is_some(), m, values);
            if governing.contains(&&Value::Bool(false)) {
                if alternatives.iter().any(|a| admitted(a).is_some()) {
                    let why = if declared_here == Some(&Value::Bool(false)) {
                        Forbidden::Declared
                    } else if by_pattern.contains(&&Value::Bool(false)) {
                        Forbidden::Pattern
                    } else {
                        Forbidden::Closure
                    };
                    self.property_removed(&pointer, name, &olds, why, &new_closure);
                }
                continue;
            }
            let constraints: Vec<&'a Value> =
                governing.iter().flat_map(|g| new_doc.flatten(g)).collect();
            for old in alternatives {
                self.compare(old, &constraints, &pointer, here.depth + 1);
            }
        }

        let rest_values: Option<Vec<&'a Value>> = finite.map(|objects| {
            objects
                .iter()
                .flat_map(|o| o.iter())
                .filter(|(k, _)| !names.contains(k.as_str()))
                .map(|(_, v)| v)
                .collect()
        });
        if let Some(patterns) = new_patterns.and_then(Value::as_object) {
            for (pattern, schema) in patterns {
                self.pattern_rest(here, &olds, m, pattern, schema, rest_values.clone());
            }
        }
        let Some(rest) = new_closure.schema else {
            return;
        };
        if rest == &Value::Bool(true) {
            return;
        }
        let alternatives = self.alternatives(&olds, None, false, m, rest_values);
        if rest == &Value::Bool(false) {
            if alternatives.iter().any(|a| admitted(a).is_some()) {
                let message = format!(
                    "{} allows properties it does not declare, but {} sets `{}` to `false`.",
                    self.src(),
                    self.dst_name(),
                    new_closure.keyword
                );
                self.push(here.ptr, "additional-properties-closed", message);
            }
            return;
        }
        let constraints = new_doc.flatten(rest);
        for old in alternatives {
            self.compare(old, &constraints, &any_member(here.ptr), here.depth + 1);
        }
    }

    /// Whether a branch of an `anyOf`/`oneOf` in the constraining schema that declares `name`
    /// passes for every config the accepting side allows here. A passing branch evaluates
    /// `name` (for `oneOf`, a valid config passes that branch alone), so
    /// `unevaluatedProperties` never sees it.
    fn evaluated_by_branch(&mut self, here: &Here<'_, 'a>, n: &'a Value, name: &str) -> bool {
        let new_doc = self.new;
        let mut candidates: Vec<Vec<&'a Value>> = Vec::new();
        for c in std::iter::once(n).chain(new_doc.flatten(n)) {
            let Some(c) = c.as_object() else {
                continue;
            };
            for keyword in ["anyOf", "oneOf"] {
                let branches = c
                    .get(keyword)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                for branch in branches {
                    let conjuncts = new_doc.flatten(branch);
                    let declares = conjuncts
                        .iter()
                        .filter_map(|b| b.as_object())
                        .any(|b| declared(b, name).is_some());
                    if declares {
                        candidates.push(conjuncts);
                    }
                }
            }
        }
        candidates
            .iter()
            .any(|branch| self.passes(here.old.clone(), branch, here.ptr, here.depth + 1))
    }

    /// The accepting side's schemas for property `name` (`None`: a property no schema names).
    /// Where a conjunct's `patternProperties` might match, the property may be governed by the
    /// pattern's schema or the `additionalProperties` one; we cannot run the regex, so each
    /// possibility becomes its own alternative and all must pass.
    fn alternatives(
        &mut self,
        olds: &[(&'a Map<String, Value>, Closure<'a>)],
        name: Option<&str>,
        declared_in_new: bool,
        new: &'a Map<String, Value>,
        values: Option<Vec<&'a Value>>,
    ) -> Vec<Accepting<'a>> {
        let mut combos: Vec<Vec<&'a Value>> = vec![Vec::new()];
        for (o, closure) in olds {
            let patterns = o.get("patternProperties");
            // Where the regexes can be run on the name, its schemas are known exactly: every
            // matching pattern's, with the declared one or else (no pattern matching) the
            // closure's.
            let matching = match (name, patterns) {
                (Some(q), Some(patterns)) => self.matcher.matching(patterns, q),
                (Some(_), None) => Some(Vec::new()),
                (None, _) => None,
            };
            if let (Some(q), Some(matching)) = (name, matching) {
                let mut all = matching;
                if let Some(schema) = declared(o, q) {
                    all.push(schema);
                } else if closure.evaluated_elsewhere.contains(q) {
                    continue;
                } else if all.is_empty() {
                    all.extend(closure.schema);
                }
                combos
                    .iter_mut()
                    .for_each(|c| c.extend(all.iter().copied()));
                continue;
            }
            let options: Vec<&'a Value> = if let Some(schema) = name.and_then(|q| declared(o, q)) {
                vec![schema]
            } else if name.is_some_and(|q| closure.evaluated_elsewhere.contains(q)) {
                continue;
            } else {
                let Some(base) = closure.schema else {
                    continue;
                };
                let mut options = vec![base];
                if let Some(patterns) = patterns {
                    // Identical patterns on both sides govern matching names identically, so
                    // only names the new side declares itself need the pattern schemas.
                    let mirrored = !declared_in_new
                        && new.get("patternProperties").is_some_and(|np| {
                            self.equiv.keyword("patternProperties", patterns, np)
                        });
                    if !mirrored {
                        options.extend(patterns.as_object().into_iter().flat_map(|p| p.values()));
                    }
                }
                if options.contains(&&Value::Bool(true)) {
                    continue;
                }
                options
            };
            if let [only] = options.as_slice() {
                combos.iter_mut().for_each(|c| c.push(*only));
            } else if combos.len() * options.len() <= MAX_ALTERNATIVES {
                combos = combos
                    .iter()
                    .flat_map(|c| {
                        options.iter().map(move |o| {
                            let mut next = c.clone();
                            next.push(*o);
                            next
                        })
                    })
                    .collect();
            }
        }
        let old_doc = self.old;
        combos
            .into_iter()
            .map(|schemas| {
                let conjuncts = schemas
                    .into_iter()
                    .flat_map(|s| old_doc.flatten(s))
                    .collect();
                Accepting::new(conjuncts, values.clone())
            })
            .collect()
    }

    /// Names no properties declare that match a constraining `patternProperties` regex. An
    /// accepting pattern with the very same text holds them to its schema; otherwise they may
    /// hold whatever the accepting side allows for undeclared names. Whether one regex's names
    /// are a subset of another's is not decided.
    fn pattern_rest(
        &mut self,
        here: &Here<'_, 'a>,
        olds: &[(&'a Map<String, Value>, Closure<'a>)],
        m: &'a Map<String, Value>,
        pattern: &str,
        schema: &'a Value,
        values: Option<Vec<&'a Value>>,
    ) {
        if schema == &Value::Bool(true) {
            return;
        }
        let old_doc = self.old;
        let same: Vec<&'a Value> = olds
            .iter()
            .filter_map(|(o, _)| o.get("patternProperties")?.get(pattern))
            .collect();
        let alternatives = if same.is_empty() {
            self.alternatives(olds, None, false, m, values)
        } else {
            let conjuncts = same.into_iter().flat_map(|s| old_doc.flatten(s)).collect();
            vec![Accepting::new(conjuncts, values)]
        };
        let pointer = any_member(here.ptr);
        if schema == &Value::Bool(false) {
            if alternatives.iter().any(|a| admitted(a).is_some()) {
                let message = format!(
                    "{} allows properties it does not declare, but {} forbids those matching `{pattern}` (`patternProperties` schema `false`).",
                    self.src(),
                    self.dst_name()
                );
                self.push(&pointer, "property-removed", message);
            }
            return;
        }
        let constraints = self.new.flatten(schema);
        for old in alternatives {
            self.compare(old, &constraints, &pointer, here.depth + 1);
        }
    }

    fn property_removed(
        &mut self,
        pointer: &str,
        name: &str,
        olds: &[(&'a Map<String, Value>, Closure<'a>)],
        why: Forbidden,
        closure: &Closure<'a>,
    ) {
        let old_declares = olds.iter().any(|(o, _)| declared(o, name).is_some());
        let message = if why == Forbidden::Pattern {
            format!(
                "{} forbids property `{name}` through a `patternProperties` schema of `false`, but {} allows it.",
                self.dst(),
                self.src_name()
            )
        } else if why == Forbidden::Declared {
            format!(
                "{} declares property `{name}` as `false`, so it may not appear, but {} allows it.",
                self.dst(),
                self.src_name()
            )
        } else if old_declares {
            format!(
                "{} declares property `{name}`, but {} does not declare it and sets `{}` to `false`.",
                self.src(),
                self.dst_name(),
                closure.keyword
            )
        } else {
            format!(
                "{} allows property `{name}`, but {} does not declare it and sets `{}` to `false`.",
                self.src(),
                self.dst_name(),
                closure.keyword
            )
        };
        self.push(pointer, "property-removed", message);
    }
}
