//! Schema compatibility for configs, with the levels of Confluent Schema Registry: would every
//! config valid under one JSON Schema still be valid under another?
//!
//! Deciding that exactly is impossible in general (regex inclusion, `if`, ...), so the checker
//! is conservative: whatever it cannot prove safe is reported, as the closest rule or as
//! `undecidable`. An empty report is a proof; a break may occasionally be a false alarm (for
//! instance a property name no new `patternProperties` regex can in fact match, when the old
//! one's regex differs), never the other way round.
//!
//! A schema is read as a conjunction of subschemas (local `$ref` and `allOf` are followed,
//! `true` dropped); a subschema of the new schema that the old one also has is implied and
//! skipped, which is also how unchanged undecidable keywords pass. `anyOf`/`oneOf` split the
//! old schema into alternatives and, in the new schema, are decided type by type where the
//! branches' types allow it; a `oneOf` with a discriminator (a required property whose
//! `const`/`enum` values no two branches share) is decided like an `anyOf`. Annotations and
//! unknown keywords are ignored.
//!
//! Some keywords need more than comparing like with like (`negation`, `contains`,
//! `dependencies`): a new `not` is checked by comparing the negated schemas the other way
//! round (`Walker::passes_reversed`) or by its types and values; `contains` with its
//! counts against the old `contains`, items and lengths; dependencies as requirements or
//! conjuncts that apply when their property is present. `unevaluatedItems` and
//! `unevaluatedProperties` are read with what is evaluated bounded from below on the new side
//! (constraining more than the validator only adds breaks) and from above on the old side.
//! Concrete property names are matched against `patternProperties` regexes with the
//! validator's own engine (`patterns`). Keywords are read as the document's draft reads them (`$schema`): 2019-09 keywords mean
//! nothing in draft 7, `contains` nothing in draft 4.
//!
//! Rule ids are named for the backward direction ("maximum-decreased": the schema configs must
//! pass has a lower `maximum` than the one they were written for); forward checks swap the
//! schemas and keep the ids, with messages naming which schema is which.

mod arrays;
mod contains;
mod dependencies;
mod equiv;
mod json;
mod level;
mod negation;
mod objects;
mod patterns;
mod report;
mod scalars;
mod schema;
mod types;
mod unions;
mod values;
mod walk;

#[cfg(test)]
mod tests;

pub use level::{CompatLevel, UnknownCompatLevel};
pub use report::{Break, CompatReport};

use serde_json::Value;
use walk::{breaks_between, Sides};

/// Breaks that stop every instance valid under `old` from being valid under `new`, sorted by
/// pointer, then rule. `against` is left empty.
pub fn backward_breaks(old: &Value, new: &Value) -> Vec<Break> {
    let sides = Sides {
        src: "the old schema".to_owned(),
        dst: "the new schema".to_owned(),
    };
    breaks_between(old, new, sides)
}

/// Checks `new` against earlier versions, given oldest first as `(label, schema)`.
/// Non-transitive levels check only the latest earlier version; `NONE` checks nothing.
pub fn check(level: CompatLevel, history: &[(&str, &Value)], new: &Value) -> CompatReport {
    check_levels(level, history, |direction, label, old| {
        let version = format!("version {label}");
        let new_side = "the new schema".to_owned();
        match direction {
            Direction::Backward => breaks_between(
                old,
                new,
                Sides {
                    src: version,
                    dst: new_side,
                },
            ),
            Direction::Forward => breaks_between(
                new,
                old,
                Sides {
                    src: new_side,
                    dst: version,
                },
            ),
        }
    })
}

/// Which way one comparison reads: must the new schema accept what the earlier one accepted
/// (backward), or the earlier one what the new one accepts (forward)?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Backward,
    Forward,
}

/// The walk of the levels that every schema language shares: which earlier versions `level`
/// checks (non-transitive: only the latest; `NONE`: none) and in which directions, and one
/// report of their breaks sorted by pointer, then rule, duplicates dropped.
/// `breaks_of(direction, label, earlier)` compares one earlier version with the new one and
/// leaves `against` empty; it is filled in here.
pub fn check_levels<S>(
    level: CompatLevel,
    history: &[(&str, S)],
    mut breaks_of: impl FnMut(Direction, &str, &S) -> Vec<Break>,
) -> CompatReport {
    let earlier: &[(&str, S)] = match history.split_last() {
        _ if level == CompatLevel::None => &[],
        Some((latest, _)) if !level.is_transitive() => std::slice::from_ref(latest),
        _ => history,
    };
    let mut found: Vec<(usize, Break)> = Vec::new();
    for (index, (label, schema)) in earlier.iter().enumerate() {
        let mut directions = Vec::new();
        if level.checks_backward() {
            directions.push(Direction::Backward);
        }
        if level.checks_forward() {
            directions.push(Direction::Forward);
        }
        for direction in directions {
            found.extend(breaks_of(direction, label, schema).into_iter().map(|b| {
                let against = (*label).to_owned();
                (index, Break { against, ..b })
            }));
        }
    }
    found.sort_by(|(i, a), (j, b)| {
        (&a.pointer, &a.rule, i, &a.message).cmp(&(&b.pointer, &b.rule, j, &b.message))
    });
    found.dedup();
    let breaks: Vec<Break> = found.into_iter().map(|(_, b)| b).collect();
    CompatReport {
        level,
        compatible: breaks.is_empty(),
        checked_against: earlier
            .iter()
            .map(|(label, _)| (*label).to_owned())
            .collect(),
        breaks,
    }
}
