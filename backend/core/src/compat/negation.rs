//! `not` on the constraining side. `not: S'` accepts every config the accepting side does when
//! nothing the accepting side admits passes `S'`: because `S'` admits none of its types or
//! values, or because the accepting side has `not: S` with `S'` accepting no more than `S`
//! (the comparison the other way round).

use super::types::Types;
use super::values::refuted;
use super::walk::{admitted, Accepting, Admitted, Walker};
use serde_json::Value;

impl<'a> Walker<'a> {
    /// Whether `not: negated` rejects none of the accepting side's configs of types `live`.
    pub(super) fn excluded(
        &mut self,
        old: &Accepting<'a>,
        admits: &Admitted<'a>,
        live: Types,
        negated: &'a Value,
        ptr: &str,
        depth: usize,
    ) -> bool {
        if live.is_empty() {
            return true;
        }
        // Types and values are read with `const`, which drafts 3 and 4 ignore; there only the
        // comparison with an accepting `not` is made.
        if !self.new.has_const() {
            return self.negations_cover(old, negated, ptr, depth);
        }
        let negated_conjuncts = self.new.flatten(negated);
        // Read generously, as the negated schema's acceptance is what must be ruled out.
        let Some(negated_admits) = admitted(&Accepting::new(negated_conjuncts.clone(), None))
        else {
            return true;
        };
        if !negated_admits.types.intersects(live) {
            return true;
        }
        if let Some(values) = &admits.values {
            let objects: Vec<_> = negated_conjuncts
                .iter()
                .filter_map(|c| c.as_object())
                .collect();
            let all_refuted = values
                .iter()
                .filter(|v| live.admits(v))
                .all(|v| objects.iter().any(|m| refuted(m, v)));
            if all_refuted {
                return true;
            }
        }
        self.negations_cover(old, negated, ptr, depth)
    }

    /// Whether an accepting `not: S` excludes at least what `negated` does.
    fn negations_cover(
        &mut self,
        old: &Accepting<'a>,
        negated: &'a Value,
        ptr: &str,
        depth: usize,
    ) -> bool {
        let negations: Vec<&'a Value> = old
            .conjuncts
            .iter()
            .filter_map(|c| c.as_object()?.get("not"))
            .collect();
        negations
            .into_iter()
            .any(|s| self.passes_reversed(negated, s, ptr, depth))
    }
}
