//! `anyOf` and `oneOf`. On the accepting side they split into alternatives, each checked on its
//! own. On the constraining side they are decided per JSON type: when only one branch can
//! accept a type at all, every config of that type must pass that branch; otherwise we try
//! each branch alone and give up as `undecidable` when none suffices. A `oneOf` whose branches
//! all require one property with `const`/`enum` values no two branches share is read as an
//! `anyOf`: no config can pass two of its branches.

use super::json::json_eq;
use super::schema::Doc;
use super::types::Types;
use super::walk::{admitted, Accepting, Admitted, Walker};
use serde_json::Value;

/// Alternatives a single location may split into before we stop splitting. Leaving a union
/// unsplit only widens the accepting side.
const MAX_ALTERNATIVES: usize = 32;

impl<'a> Walker<'a> {
    /// `old` as a list of alternatives free of `anyOf`/`oneOf`, as far as the budget allows.
    pub(super) fn branches(&self, old: Accepting<'a>) -> Vec<Accepting<'a>> {
        let doc = self.old;
        let mut done = Vec::new();
        let mut todo: Vec<(Accepting<'a>, Vec<(usize, &'static str)>)> = vec![(old, Vec::new())];
        while let Some((alternative, split)) = todo.pop() {
            let next = alternative.conjuncts.iter().find_map(|c| {
                let m = c.as_object()?;
                let at = *c as *const Value as usize;
                ["anyOf", "oneOf"].into_iter().find_map(|keyword| {
                    let parts = m.get(keyword)?.as_array()?;
                    let fresh = !parts.is_empty() && !split.contains(&(at, keyword));
                    fresh.then_some((at, keyword, parts))
                })
            });
            let Some((at, keyword, parts)) = next else {
                done.push(alternative);
                continue;
            };
            if done.len() + todo.len() + parts.len() > MAX_ALTERNATIVES {
                done.push(alternative);
                continue;
            }
            for part in parts {
                let mut conjuncts = alternative.conjuncts.clone();
                for c in doc.flatten(part) {
                    if !conjuncts.iter().any(|k| std::ptr::eq(*k, c)) {
                        conjuncts.push(c);
                    }
                }
                let mut split = split.clone();
                split.push((at, keyword));
                let branch = Accepting {
                    conjuncts,
                    values: alternative.values.clone(),
                    only: alternative.only,
                };
                todo.push((branch, split));
            }
        }
        done
    }

    /// Checks a constraining `anyOf`/`oneOf` that the accepting side does not share.
    pub(super) fn union(
        &mut self,
        old: &Accepting<'a>,
        admits: &Admitted<'a>,
        keyword: &str,
        parts: &'a [Value],
        ptr: &str,
        depth: usize,
    ) {
        let doc = self.new;
        let parts: Vec<(Vec<&'a Value>, Types)> = parts
            .iter()
            .map(|part| {
                let conjuncts = doc.flatten(part);
                // Which types a branch could accept, read generously: a type wrongly ruled out
                // here could make another branch look like the only candidate.
                let types = admitted(&Accepting::new(conjuncts.clone(), None))
                    .map_or(Types::NONE, |a| a.types);
                (conjuncts, types)
            })
            .collect();
        let disjoint = keyword == "oneOf" && discriminated(&doc, &parts);
        for atom in admits.types.atoms() {
            let candidates: Vec<&Vec<&'a Value>> = parts
                .iter()
                .filter(|(_, types)| types.intersects(atom))
                .map(|(conjuncts, _)| conjuncts)
                .collect();
            let restricted = Accepting {
                only: old.only & atom,
                ..old.clone()
            };
            match candidates.as_slice() {
                [] => {
                    let message = format!(
                        "{} allows values of type {}, but no branch of the `{keyword}` in {} accepts that type.",
                        self.src(),
                        atom.describe(),
                        self.dst_name()
                    );
                    self.push(ptr, "type-narrowed", message);
                }
                [only] => self.compare(restricted, only, ptr, depth + 1),
                many => {
                    // With several candidates a config may pass more than one branch, which
                    // `oneOf` forbids; that cannot be ruled out here unless a discriminator
                    // keeps the branches apart.
                    let enough = (keyword == "anyOf" || disjoint)
                        && many
                            .iter()
                            .any(|c| self.passes(restricted.clone(), c, ptr, depth + 1));
                    if !enough {
                        let message = format!(
                            "{} allows values of type {} that several `{keyword}` branches of {} could match, and the checker cannot decide whether {}.",
                            self.src(),
                            atom.describe(),
                            self.dst_name(),
                            if keyword == "anyOf" {
                                "together they accept every such config"
                            } else {
                                "each such config matches exactly one"
                            }
                        );
                        self.push(ptr, "undecidable", message);
                    }
                }
            }
        }
    }
}

/// Whether some property is required by every branch with `const`/`enum` values that no two
/// branches share, so that no config passes two branches. Each branch's values are read from
/// one of its conjuncts, a superset of what it allows, so "disjoint" is never wrong.
fn discriminated<'a>(doc: &Doc<'a>, parts: &[(Vec<&'a Value>, Types)]) -> bool {
    let Some((first, _)) = parts.first() else {
        return false;
    };
    let names: Vec<&str> = first
        .iter()
        .filter_map(|c| c.get("required")?.as_array())
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    names.into_iter().any(|name| {
        let mut seen: Vec<&'a Value> = Vec::new();
        parts.iter().all(|(conjuncts, _)| {
            let Some(values) = discriminator(doc, conjuncts, name) else {
                return false;
            };
            let clash = values.iter().any(|v| seen.iter().any(|s| json_eq(s, v)));
            seen.extend(values);
            !clash
        })
    })
}

/// The values a branch allows for the required property `name`, when one of its conjuncts
/// lists them with `const` or `enum`.
fn discriminator<'a>(doc: &Doc<'a>, conjuncts: &[&'a Value], name: &str) -> Option<Vec<&'a Value>> {
    let required = conjuncts.iter().any(|c| {
        c.get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)))
    });
    if !required {
        return None;
    }
    conjuncts
        .iter()
        .filter_map(|c| c.get("properties")?.get(name))
        .flat_map(|schema| doc.flatten(schema))
        .find_map(
            |s| match (s.get("const").filter(|_| doc.has_const()), s.get("enum")) {
                (Some(only), _) => Some(vec![only]),
                (None, Some(Value::Array(options))) => Some(options.iter().collect()),
                _ => None,
            },
        )
}
