//! `anyOf` and `oneOf`. On the accepting side they split into alternatives, each checked on its
//! own. On the constraining side they are decided per JSON type: when only one branch can
//! accept a type at all, every config of that type must pass that branch; otherwise we try
//! each branch alone and give up as `undecidable` when none suffices.

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
                    // `oneOf` forbids; that cannot be ruled out here.
                    let enough = keyword == "anyOf"
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
