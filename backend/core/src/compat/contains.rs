//! `contains` with `minContains`/`maxContains` on the constraining side: at least `min` and at
//! most `max` items must pass its schema. At least `min` is shown by an accepting `contains`
//! as demanding with a schema no wider, or by every item passing and arrays being long
//! enough; at most `max` by arrays being short enough, or by an accepting `maxContains` no
//! larger over a schema no narrower (the comparison the other way round).

use super::json::{any_member, count};
use super::schema::{Doc, Opaque, Tuple};
use super::walk::{Accepting, Here, Walker};
use serde_json::{Map, Value};

/// `contains` and the counts that go with it.
const CONTAINS: Opaque = Opaque {
    name: "contains",
    keys: &["contains", "minContains", "maxContains"],
};

/// One schema object's `contains`, as its draft reads it.
struct Contains<'a> {
    schema: &'a Value,
    min: u64,
    max: Option<u64>,
}

fn read<'a>(doc: &Doc<'a>, m: &'a Map<String, Value>) -> Option<Contains<'a>> {
    if !doc.has_contains() {
        return None;
    }
    let schema = m.get("contains")?;
    // Before 2019-09 the counts do not exist: one matching item is enough, any number is fine.
    let (min, max) = if doc.modern() {
        (
            count(m, "minContains").unwrap_or(1),
            count(m, "maxContains"),
        )
    } else {
        (1, None)
    };
    Some(Contains { schema, min, max })
}

impl<'a> Walker<'a> {
    pub(super) fn contains(
        &mut self,
        here: &Here<'_, 'a>,
        m: &'a Map<String, Value>,
        old_tuples: &[Tuple<'a>],
        old_min: u64,
        old_max: Option<u64>,
    ) {
        let (old_doc, new_doc) = (self.old, self.new);
        let Some(new) = read(&new_doc, m) else {
            return;
        };
        let same_drafts = old_doc.has_contains() && old_doc.modern() == new_doc.modern();
        if same_drafts && self.shared(here.old, &CONTAINS, m) {
            return;
        }
        let olds: Vec<Contains<'a>> = here.objects().filter_map(|o| read(&old_doc, o)).collect();
        let wanted = new_doc.flatten(new.schema);
        let depth = here.depth + 1;
        // The comparisons below are about items.
        let items = any_member(here.ptr);
        if new.min > 0 {
            let by_contains = olds.iter().any(|c| {
                let matching = Accepting::new(old_doc.flatten(c.schema), None);
                c.min >= new.min && self.passes(matching, &wanted, &items, depth)
            });
            // What every item must pass: the item schemas of tuples without fixed positions.
            let every_item = || {
                Accepting::new(
                    old_tuples
                        .iter()
                        .filter(|t| t.prefix.is_empty())
                        .filter_map(|t| t.rest)
                        .flat_map(|s| old_doc.flatten(s))
                        .collect(),
                    None,
                )
            };
            let enough = by_contains
                || (old_min >= new.min && self.passes(every_item(), &wanted, &items, depth));
            if !enough {
                let (rule, message) = if olds.is_empty() {
                    (
                        "contains-added",
                        format!(
                            "{} requires arrays to have at least {} item(s) matching its `contains` schema, which {} does not require.",
                            self.dst(),
                            new.min,
                            self.src_name()
                        ),
                    )
                } else {
                    (
                        "contains-narrowed",
                        format!(
                            "{} requires arrays to have at least {} item(s) matching its `contains` schema, more or narrower than the `contains` of {}.",
                            self.dst(),
                            new.min,
                            self.src_name()
                        ),
                    )
                };
                self.push(here.ptr, rule, message);
            }
        }
        if let Some(max) = new.max {
            let short = old_max.is_some_and(|n| n <= max);
            let bounded = short
                || olds.iter().any(|c| {
                    c.max.is_some_and(|n| n <= max)
                        && self.passes_reversed(new.schema, c.schema, &items, depth)
                });
            if !bounded {
                let message = format!(
                    "{} allows at most {max} item(s) matching its `contains` schema (`maxContains`), but {} allows arrays that may have more.",
                    self.dst(),
                    self.src_name()
                );
                self.push(here.ptr, "max-contains-decreased", message);
            }
        }
    }
}
