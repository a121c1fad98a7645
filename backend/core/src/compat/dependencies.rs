//! `dependentRequired`, `dependentSchemas` and the older `dependencies` (both forms): what an
//! object must satisfy when it has a given property. A dependent schema is compared like any
//! conjunct, against the accepting side narrowed by its own dependent schemas for the same
//! property; dependent required names must be required, or dependent on the same property, on
//! the accepting side, unless it forbids the property altogether.

use super::json::{child, show};
use super::schema::Doc;
use super::types::Types;
use super::walk::{Accepting, Here, Walker};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// A schema object's dependencies as its draft reads them: property, then the names it
/// requires or the schema it adds.
struct Dependent<'a> {
    required: Vec<(&'a str, Vec<&'a str>)>,
    schemas: Vec<(&'a str, &'a Value)>,
}

/// `Err` names a keyword whose value is malformed.
fn read<'a>(doc: &Doc<'a>, m: &'a Map<String, Value>) -> Result<Dependent<'a>, &'static str> {
    let mut out = Dependent {
        required: Vec::new(),
        schemas: Vec::new(),
    };
    let names = |v: &'a Value| -> Option<Vec<&'a str>> {
        v.as_array()?.iter().map(Value::as_str).collect()
    };
    if doc.modern() {
        if let Some(v) = m.get("dependentRequired") {
            let entries = v.as_object().ok_or("dependentRequired")?;
            for (trigger, needs) in entries {
                out.required
                    .push((trigger, names(needs).ok_or("dependentRequired")?));
            }
        }
        if let Some(v) = m.get("dependentSchemas") {
            let entries = v.as_object().ok_or("dependentSchemas")?;
            out.schemas
                .extend(entries.iter().map(|(k, s)| (k.as_str(), s)));
        }
    }
    if let Some(v) = m.get("dependencies") {
        let entries = v.as_object().ok_or("dependencies")?;
        for (trigger, dependency) in entries {
            if dependency.is_array() {
                out.required
                    .push((trigger, names(dependency).ok_or("dependencies")?));
            } else {
                out.schemas.push((trigger, dependency));
            }
        }
    }
    Ok(out)
}

impl<'a> Walker<'a> {
    pub(super) fn dependencies(
        &mut self,
        here: &Here<'_, 'a>,
        m: &'a Map<String, Value>,
        finite: Option<&[&'a Map<String, Value>]>,
        old_required: &BTreeSet<&str>,
    ) {
        let (old_doc, new_doc) = (self.old, self.new);
        let new = match read(&new_doc, m) {
            Ok(new) => new,
            Err(keyword) => {
                let message = format!(
                    "{} has a malformed `{keyword}` ({}), so the checker cannot decide what it accepts.",
                    self.dst(),
                    m.get(keyword).map(show).unwrap_or_default()
                );
                self.push(here.ptr, "undecidable", message);
                return;
            }
        };
        if new.required.is_empty() && new.schemas.is_empty() {
            return;
        }
        // Malformed dependencies on the accepting side are left out: that only widens it.
        let olds: Vec<Dependent<'a>> = here
            .objects()
            .filter_map(|o| read(&old_doc, o).ok())
            .collect();
        let forbidden = |name: &str| {
            here.objects().any(|o| {
                o.get("properties")
                    .and_then(|p| p.get(name))
                    .is_some_and(|s| s == &Value::Bool(false))
            })
        };
        let present = |name: &str| match finite {
            Some(objects) => objects.iter().any(|o| o.contains_key(name)),
            None => !forbidden(name),
        };
        for (trigger, needs) in &new.required {
            if !present(trigger) {
                continue;
            }
            let missing: Vec<&str> = needs
                .iter()
                .copied()
                .filter(|need| match finite {
                    Some(objects) => objects
                        .iter()
                        .any(|o| o.contains_key(*trigger) && !o.contains_key(*need)),
                    None => {
                        need != trigger
                            && !old_required.contains(need)
                            && !olds
                                .iter()
                                .flat_map(|d| &d.required)
                                .any(|(t, ns)| t == trigger && ns.contains(need))
                    }
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let listed: Vec<String> = missing.iter().map(|n| format!("`{n}`")).collect();
            let message = format!(
                "{} requires {} whenever `{trigger}` is present, which {} does not require.",
                self.dst(),
                listed.join(", "),
                self.src_name()
            );
            self.push(
                &child(here.ptr, trigger),
                "dependent-required-added",
                message,
            );
        }
        for (trigger, schema) in new.schemas {
            if schema == &Value::Bool(true) || !present(trigger) {
                continue;
            }
            let same: Vec<&'a Value> = olds
                .iter()
                .flat_map(|d| &d.schemas)
                .filter(|(t, _)| *t == trigger)
                .map(|(_, s)| *s)
                .collect();
            if same.iter().any(|s| self.equiv.schema(s, schema)) {
                continue;
            }
            if schema == &Value::Bool(false) {
                let message = format!(
                    "{} forbids property `{trigger}` (its dependent schema is `false`), but {} allows it.",
                    self.dst(),
                    self.src_name()
                );
                self.push(&child(here.ptr, trigger), "property-removed", message);
                continue;
            }
            // Without duplicates, so that a dependent schema reaching back to this one (a
            // `$ref` cycle) meets the same comparison again and ends.
            let mut conjuncts = here.old.conjuncts.clone();
            for c in same.into_iter().flat_map(|s| old_doc.flatten(s)) {
                if !conjuncts.iter().any(|k| std::ptr::eq(*k, c)) {
                    conjuncts.push(c);
                }
            }
            let values = here.values.as_ref().map(|vs| {
                vs.iter()
                    .copied()
                    .filter(|v| v.as_object().is_some_and(|o| o.contains_key(trigger)))
                    .collect()
            });
            let old = Accepting {
                conjuncts,
                values,
                only: here.old.only & Types::OBJECT,
            };
            self.compare(old, &new_doc.flatten(schema), here.ptr, here.depth + 1);
        }
    }
}
