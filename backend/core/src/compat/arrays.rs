//! Array checks: item counts, `uniqueItems`, item schemas by position (`unevaluatedItems`
//! read as the schema for the items after the fixed ones, where that is sound), and
//! `contains` with `minContains`/`maxContains`.

use super::json::{any_member, child, count, json_eq};
use super::scalars::Counted;
use super::schema::Doc;
use super::schema::{Tuple, UNEVALUATED_ITEMS};
use super::walk::{admitted, Accepting, Here, Walker};
use serde_json::{Map, Value};

const NOUN: Counted = Counted {
    what: "arrays",
    unit: "items",
};

fn all_unique(items: &[Value]) -> bool {
    items
        .iter()
        .enumerate()
        .all(|(i, a)| items.iter().skip(i + 1).all(|b| !json_eq(a, b)))
}

impl<'a> Walker<'a> {
    pub(super) fn arrays(&mut self, here: &Here<'_, 'a>, m: &'a Map<String, Value>) {
        let finite: Option<Vec<&'a Vec<Value>>> = here
            .values
            .as_ref()
            .map(|vs| vs.iter().filter_map(|v| v.as_array()).collect());
        if finite.as_ref().is_some_and(Vec::is_empty) {
            return;
        }
        let old_doc = self.old;
        let old_tuples: Vec<Tuple<'a>> = here
            .old
            .conjuncts
            .iter()
            .filter_map(|c| {
                let o = c.as_object()?;
                Some(accepting_tuple(&old_doc, c, o))
            })
            .collect();
        let old_max = match &finite {
            Some(arrays) => arrays.iter().map(|a| a.len() as u64).max(),
            None => here
                .objects()
                .filter_map(|o| count(o, "maxItems"))
                .chain(
                    old_tuples
                        .iter()
                        .filter(|t| t.rest == Some(&Value::Bool(false)))
                        .map(|t| t.prefix.len() as u64),
                )
                .min(),
        };
        let old_min = match &finite {
            Some(arrays) => arrays.iter().map(|a| a.len() as u64).min().unwrap_or(0),
            None => here
                .objects()
                .filter_map(|o| count(o, "minItems"))
                .max()
                .unwrap_or(0),
        };
        if let Some(n) = count(m, "maxItems") {
            self.max_count(
                here.ptr,
                &NOUN,
                ("maxItems", "max-items-decreased"),
                n,
                old_max,
            );
        }
        if let Some(n) = count(m, "minItems") {
            self.min_count(
                here.ptr,
                &NOUN,
                ("minItems", "min-items-increased"),
                n,
                old_min,
            );
        }
        if m.get("uniqueItems") == Some(&Value::Bool(true)) {
            let unique = match &finite {
                Some(arrays) => arrays.iter().all(|a| all_unique(a)),
                None => here
                    .objects()
                    .any(|o| o.get("uniqueItems") == Some(&Value::Bool(true))),
            };
            if !unique && !matches!(old_max, Some(n) if n <= 1) {
                let message = format!(
                    "{} allows arrays with repeated items, but {} sets `uniqueItems` to true.",
                    self.src(),
                    self.dst_name()
                );
                self.push(here.ptr, "unique-items-added", message);
            }
        }
        self.items(here, m, &old_tuples, old_max, finite.as_deref());
        self.contains(here, m, &old_tuples, old_min, old_max);
    }

    fn items(
        &mut self,
        here: &Here<'_, 'a>,
        m: &'a Map<String, Value>,
        old_tuples: &[Tuple<'a>],
        old_max: Option<u64>,
        finite: Option<&[&'a Vec<Value>]>,
    ) {
        let mut new_tuple = Tuple::of(m);
        // Items after the fixed ones that nothing else evaluates meet `unevaluatedItems`;
        // applying it to all of them only adds constraints, which is safe on this side. The
        // same keyword with the same inputs on the accepting side already rejected as much.
        if new_tuple.rest.is_none()
            && self.new.modern()
            && m.contains_key("unevaluatedItems")
            && !self.shared(here.old, &UNEVALUATED_ITEMS, m)
        {
            new_tuple.rest = m.get("unevaluatedItems");
        }
        let fixed = old_tuples
            .iter()
            .map(|t| t.prefix.len())
            .chain([new_tuple.prefix.len()])
            .max()
            .unwrap_or(0);
        let reaches = |index: usize| !matches!(old_max, Some(n) if n <= index as u64);
        let old_doc = self.old;
        let new_doc = self.new;
        for index in 0..fixed {
            if !reaches(index) {
                return;
            }
            let Some(schema) = new_tuple.at(index) else {
                continue;
            };
            let old = Accepting::new(
                old_tuples
                    .iter()
                    .filter_map(|t| t.at(index))
                    .flat_map(|s| old_doc.flatten(s))
                    .collect(),
                finite.map(|arrays| arrays.iter().filter_map(|a| a.get(index)).collect()),
            );
            let pointer = child(here.ptr, &index.to_string());
            self.compare(old, &new_doc.flatten(schema), &pointer, here.depth + 1);
        }
        let Some(rest) = new_tuple.rest else {
            return;
        };
        if !reaches(fixed) {
            return;
        }
        let old = Accepting::new(
            old_tuples
                .iter()
                .filter_map(|t| t.rest)
                .flat_map(|s| old_doc.flatten(s))
                .collect(),
            finite.map(|arrays| arrays.iter().flat_map(|a| a.iter().skip(fixed)).collect()),
        );
        if rest == &Value::Bool(false) {
            if admitted(&old).is_some() {
                let message = if fixed == 0 {
                    format!(
                        "{} allows non-empty arrays, but {} allows no items at all (`items` or `unevaluatedItems` is `false`).",
                        self.src(),
                        self.dst_name()
                    )
                } else {
                    format!(
                        "{} allows arrays with more than {fixed} items, but {} allows no items after the first {fixed}.",
                        self.src(),
                        self.dst_name()
                    )
                };
                self.push(here.ptr, "max-items-decreased", message);
            }
            return;
        }
        self.compare(
            old,
            &new_doc.flatten(rest),
            &any_member(here.ptr),
            here.depth + 1,
        );
    }
}

/// An accepting conjunct's item schemas. `unevaluatedItems` counts as the schema for the items
/// after the fixed ones only when nothing that may apply beside it (even conditionally)
/// evaluates items; otherwise it is left out, which only widens this side.
fn accepting_tuple<'a>(doc: &Doc<'a>, schema: &'a Value, o: &'a Map<String, Value>) -> Tuple<'a> {
    let mut tuple = Tuple::of(o);
    if tuple.rest.is_some() || !doc.modern() || o.contains_key("contains") {
        return tuple;
    }
    let Some(unevaluated) = o.get("unevaluatedItems") else {
        return tuple;
    };
    let evaluating = [
        "prefixItems",
        "items",
        "additionalItems",
        "contains",
        "unevaluatedItems",
    ];
    let alone = doc.in_place(schema).is_some_and(|all| {
        !all.iter()
            .any(|s| evaluating.iter().any(|k| s.contains_key(*k)))
    });
    if alone {
        tuple.rest = Some(unevaluated);
    }
    tuple
}
