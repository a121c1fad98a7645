//! Tests for the compatibility checker. Expectations list `(pointer, rule)` pairs so that a
//! wrong pointer or an extra break fails as loudly as a missing one.

mod decided;
mod levels;
mod properties;
mod refs;
mod rules;
mod soundness;
mod symmetry;

use super::backward_breaks;
use serde_json::Value;

fn found(old: &Value, new: &Value) -> Vec<(String, String)> {
    backward_breaks(old, new)
        .into_iter()
        .map(|b| (b.pointer, b.rule))
        .collect()
}

#[track_caller]
fn assert_breaks(old: &Value, new: &Value, expected: &[(&str, &str)]) {
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(p, r)| ((*p).to_owned(), (*r).to_owned()))
        .collect();
    assert_eq!(
        found(old, new),
        expected,
        "\nold: {old}\nnew: {new}\nbreaks: {:#?}",
        backward_breaks(old, new)
    );
}
