//! The comparison walk: is every config the accepting schema allows also allowed by the
//! constraining one? Approximations always lean towards reporting a break.

use super::equiv::Equiv;
use super::json::{capitalise, json_eq, show};
use super::patterns::Matcher;
use super::report::Break;
use super::schema::{opaque_groups, Doc, Opaque};
use super::types::{Lean, Types};
use super::values::refuted;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// Deeper than any sane config; past it we report instead of risking the stack.
const MAX_DEPTH: usize = 128;
/// Locations visited (and breaks replayed from earlier visits) per comparison; shared `$ref`s
/// can otherwise multiply the work.
const MAX_VISITS: usize = 20_000;

static NULL: Value = Value::Null;
static TRUE: Value = Value::Bool(true);
static FALSE: Value = Value::Bool(false);

/// How messages name the two schemas, e.g. "the old schema" and "the new schema".
#[derive(Debug, Clone)]
pub(super) struct Sides {
    /// The schema whose configs must keep passing.
    pub src: String,
    /// The schema they must pass.
    pub dst: String,
}

/// The accepting schema at one config location: a conjunction of subschemas, cut down to the
/// values of an `enum`/`const` further up when there was one.
#[derive(Debug, Clone)]
pub(super) struct Accepting<'a> {
    pub conjuncts: Vec<&'a Value>,
    pub values: Option<Vec<&'a Value>>,
    /// Set when only configs of these types are being considered.
    pub only: Types,
}

impl<'a> Accepting<'a> {
    pub fn new(conjuncts: Vec<&'a Value>, values: Option<Vec<&'a Value>>) -> Self {
        Accepting {
            conjuncts,
            values,
            only: Types::ALL,
        }
    }
}

/// What the accepting side admits at a location; `None` from [`admitted`] means nothing.
pub(super) struct Admitted<'a> {
    pub types: Types,
    /// Every value admitted, when that set is finite.
    pub values: Option<Vec<&'a Value>>,
}

pub(super) fn admitted<'a>(node: &Accepting<'a>) -> Option<Admitted<'a>> {
    let mut types = node.only;
    let mut values = node.values.clone();
    for c in &node.conjuncts {
        match c {
            Value::Bool(false) => return None,
            Value::Object(m) => {
                types = types & Types::declared(m, Lean::Wide);
                if let Some(Value::Array(options)) = m.get("enum") {
                    values = Some(narrow(values, options.iter().collect()));
                }
                if let Some(only) = m.get("const") {
                    values = Some(narrow(values, vec![only]));
                }
            }
            _ => {}
        }
    }
    let values = match values {
        Some(mut vs) => {
            let objects = || node.conjuncts.iter().copied().filter_map(Value::as_object);
            vs.retain(|v| types.admits(v) && !objects().any(|m| refuted(m, v)));
            types = vs.iter().fold(Types::NONE, |acc, v| acc | Types::of(v));
            Some(vs)
        }
        None if (Types::NULL | Types::BOOLEAN).contains(types) => {
            let all: [&'static Value; 3] = [&NULL, &TRUE, &FALSE];
            Some(all.into_iter().filter(|v| types.admits(v)).collect())
        }
        None => None,
    };
    (!types.is_empty()).then_some(Admitted { types, values })
}

fn narrow<'a>(current: Option<Vec<&'a Value>>, allowed: Vec<&'a Value>) -> Vec<&'a Value> {
    match current {
        None => allowed,
        Some(vs) => vs
            .into_iter()
            .filter(|v| allowed.iter().any(|a| json_eq(a, v)))
            .collect(),
    }
}

/// One location being checked against one constraining conjunct.
pub(super) struct Here<'o, 'a> {
    pub old: &'o Accepting<'a>,
    /// Types both sides admit; checks for other types would only repeat `type-narrowed`.
    pub live: Types,
    pub values: Option<Vec<&'a Value>>,
    pub ptr: &'o str,
    pub depth: usize,
}

impl<'a> Here<'_, 'a> {
    /// The accepting conjuncts that are schema objects.
    pub fn objects(&self) -> impl Iterator<Item = &'a Map<String, Value>> + '_ {
        self.old
            .conjuncts
            .iter()
            .copied()
            .filter_map(Value::as_object)
    }
}

type Key = (Vec<usize>, Option<Vec<usize>>, Types, Vec<usize>);

/// A break found below a location, with its pointer relative to that location.
type Found = (String, String, String);

/// What comparing one location found.
struct Outcome {
    found: Vec<Found>,
    /// Positions in `in_progress` of the comparisons further up that this one met again and so
    /// assumed would pass; empty once the outcome is final. While the last of them is in
    /// progress (`until` is its generation), comparing the location again would make the very
    /// same assumptions. When it ends without a break the assumption is confirmed and passes
    /// to what that comparison assumed in turn; when it ends with one, the outcome is void.
    assumed: Vec<usize>,
    /// Unused (0) when `assumed` is empty; generations start at 1.
    until: u64,
}

fn addresses(xs: &[&Value]) -> Vec<usize> {
    let mut out: Vec<usize> = xs.iter().map(|x| *x as *const Value as usize).collect();
    out.sort_unstable();
    out
}

pub(super) struct Walker<'a> {
    pub old: Doc<'a>,
    pub new: Doc<'a>,
    sides: Sides,
    pub equiv: Equiv<'a>,
    breaks: Vec<Break>,
    /// Locations being compared further up, each with a generation number of its own;
    /// meeting one again means a `$ref` cycle, which adds nothing new.
    in_progress: Vec<(Key, u64)>,
    generations: u64,
    /// Positions in `in_progress` met again since the innermost comparison began.
    met: BTreeSet<usize>,
    /// Outcomes of finished comparisons. Without them every path that reaches a location
    /// (each `anyOf` branch, each JSON type tried against a union, ...) compares it again, and
    /// recursive schemas make that exponential.
    known: HashMap<Key, Outcome>,
    /// Keys of `known` by the generation of the last comparison their outcome assumed.
    waiting: HashMap<u64, Vec<Key>>,
    visits: usize,
    /// Property names against `patternProperties` regexes.
    pub matcher: Matcher,
    /// Reversed comparisons (see [`Walker::passes_reversed`]) in progress further up, across
    /// walkers: accepting and constraining schema, and the length of the pointer asked at.
    reversals: Vec<((usize, usize), usize)>,
    /// Where the walk first ran out of depth or budget. Kept apart from `breaks` so that a
    /// trial comparison (see [`Walker::passes`]) cannot discard it.
    incomplete: Option<String>,
}

/// Every break against `accepting` in `constraining`, sorted by pointer, then rule.
pub(super) fn breaks_between(accepting: &Value, constraining: &Value, sides: Sides) -> Vec<Break> {
    // Identical documents resolve every reference identically, however deep or tangled.
    if json_eq(accepting, constraining) {
        return Vec::new();
    }
    let (old, new) = (Doc::new(accepting), Doc::new(constraining));
    let mut walker = Walker {
        old,
        new,
        sides,
        equiv: Equiv::new(old, new),
        breaks: Vec::new(),
        in_progress: Vec::new(),
        generations: 0,
        met: BTreeSet::new(),
        known: HashMap::new(),
        waiting: HashMap::new(),
        visits: 0,
        incomplete: None,
        matcher: Matcher::default(),
        reversals: Vec::new(),
    };
    let start = Accepting::new(old.flatten(accepting), None);
    walker.compare(start, &new.flatten(constraining), "", 0);
    if let Some(ptr) = walker.incomplete.take() {
        let message = format!(
            "{} and {} nest too deeply or share too many references to compare completely, so the checker treats them as incompatible.",
            walker.src(),
            walker.sides.dst
        );
        walker.push(&ptr, "undecidable", message);
    }
    let mut breaks = walker.breaks;
    breaks
        .sort_by(|a, b| (&a.pointer, &a.rule, &a.message).cmp(&(&b.pointer, &b.rule, &b.message)));
    breaks.dedup();
    breaks
}

impl<'a> Walker<'a> {
    /// Reports what `new` (a conjunction) rejects of what `old` accepts at `ptr`.
    pub fn compare(&mut self, old: Accepting<'a>, new: &[&'a Value], ptr: &str, depth: usize) {
        if new.is_empty() {
            return;
        }
        for alternative in self.branches(old) {
            self.compare_one(alternative, new, ptr, depth);
        }
    }

    fn compare_one(&mut self, old: Accepting<'a>, new: &[&'a Value], ptr: &str, depth: usize) {
        if depth > MAX_DEPTH || self.visits >= MAX_VISITS {
            self.incomplete.get_or_insert_with(|| ptr.to_owned());
            return;
        }
        self.visits += 1;
        let key = (
            addresses(&old.conjuncts),
            old.values.as_deref().map(addresses),
            old.only,
            addresses(new),
        );
        if let Some(at) = self.in_progress.iter().position(|(k, _)| *k == key) {
            self.met.insert(at);
            return;
        }
        if self.replay(&key, ptr) {
            return;
        }
        let Some(admits) = admitted(&old) else {
            return;
        };
        let at = self.in_progress.len();
        let mark = self.breaks.len();
        let outer_met = std::mem::take(&mut self.met);
        self.generations += 1;
        self.in_progress.push((key, self.generations));
        for &n in new {
            // A conjunct the accepting side already has cannot reject anything it accepts.
            let implied = old.conjuncts.iter().any(|o| self.equiv.schema(o, n));
            if !implied {
                self.check_one(&old, &admits, n, ptr, depth);
            }
        }
        let popped = self.in_progress.pop();
        let met = std::mem::replace(&mut self.met, outer_met);
        // Meeting itself again only confirmed the assumption; what lies further up still counts.
        let assumed: Vec<usize> = met.range(..at).copied().collect();
        self.met.extend(assumed.iter().copied());
        let (Some((key, generation)), None) = (popped, &self.incomplete) else {
            return;
        };
        self.settle(generation, at, &assumed, self.breaks.len() == mark);
        // Breaks below are all under `ptr`, as pointers only ever grow.
        let found: Option<Vec<Found>> = self.breaks[mark..]
            .iter()
            .map(|b| {
                let suffix = b.pointer.strip_prefix(ptr)?;
                Some((suffix.to_owned(), b.rule.clone(), b.message.clone()))
            })
            .collect();
        if let Some(found) = found {
            self.remember(key, found, assumed);
        }
    }

    /// Records an outcome, to be settled with the last comparison it assumed.
    fn remember(&mut self, key: Key, found: Vec<Found>, assumed: Vec<usize>) {
        let until = match assumed.last() {
            None => 0,
            Some(&last) => match self.in_progress.get(last) {
                Some((_, generation)) => *generation,
                None => return,
            },
        };
        if until != 0 {
            self.waiting.entry(until).or_default().push(key.clone());
        }
        let outcome = Outcome {
            found,
            assumed,
            until,
        };
        self.known.insert(key, outcome);
    }

    /// The comparison of generation `generation`, at position `at`, has ended: outcomes that
    /// assumed it would pass now assume what it assumed instead, or are void if it failed.
    fn settle(&mut self, generation: u64, at: usize, assumed: &[usize], passed: bool) {
        for key in self.waiting.remove(&generation).unwrap_or_default() {
            let Some(outcome) = self.known.remove(&key) else {
                continue;
            };
            if outcome.until != generation {
                self.known.insert(key, outcome);
                continue;
            }
            if passed {
                let mut still: Vec<usize> = outcome.assumed;
                still.retain(|i| *i < at);
                still.extend_from_slice(assumed);
                still.sort_unstable();
                still.dedup();
                self.remember(key, outcome.found, still);
            }
        }
    }

    /// Reports again what comparing `key` found before, if that still holds; at `ptr` now.
    fn replay(&mut self, key: &Key, ptr: &str) -> bool {
        let Some(outcome) = self.known.get(key) else {
            return false;
        };
        let holds = match outcome.assumed.last() {
            None => true,
            Some(&last) => self
                .in_progress
                .get(last)
                .is_some_and(|(_, generation)| *generation == outcome.until),
        };
        if !holds {
            return false;
        }
        // Replayed breaks count as visits: shared references can make them exponentially
        // many, and the budget is what keeps the report (and the time) bounded.
        if self.visits + outcome.found.len() > MAX_VISITS {
            self.incomplete.get_or_insert_with(|| ptr.to_owned());
            return true;
        }
        self.visits += outcome.found.len();
        let replayed: Vec<Break> = outcome
            .found
            .iter()
            .map(|(suffix, rule, message)| Break {
                pointer: format!("{ptr}{suffix}"),
                rule: rule.clone(),
                message: message.clone(),
                against: String::new(),
            })
            .collect();
        self.met.extend(outcome.assumed.iter().copied());
        self.breaks.extend(replayed);
        true
    }

    /// Whether everything `accepting` (a schema of the constraining document) accepts, the
    /// accepting document's `constraining` accepts too: the comparison the other way round,
    /// which `not` needs. It shares this walk's budget and depth, so nested `not`s cannot
    /// multiply the work; running out answers no.
    ///
    /// Meeting the same reversed question again further down the config (a longer `ptr`: a
    /// value inside the one first asked about) assumes it passes, as a `$ref` cycle does: a
    /// counter-example would need a config nested without end. Met again at the same place,
    /// nothing was gained and the answer is no.
    pub fn passes_reversed(
        &mut self,
        accepting: &'a Value,
        constraining: &'a Value,
        ptr: &str,
        depth: usize,
    ) -> bool {
        if depth > MAX_DEPTH || self.visits >= MAX_VISITS {
            return false;
        }
        let question = (
            accepting as *const Value as usize,
            constraining as *const Value as usize,
        );
        if let Some((_, asked_at)) = self.reversals.iter().find(|(q, _)| *q == question) {
            return ptr.len() > *asked_at;
        }
        let mut reversals = std::mem::take(&mut self.reversals);
        reversals.push((question, ptr.len()));
        let (old, new) = (self.new, self.old);
        let mut reversed = Walker {
            old,
            new,
            sides: self.sides.clone(),
            equiv: Equiv::new(old, new),
            breaks: Vec::new(),
            in_progress: Vec::new(),
            generations: 0,
            met: BTreeSet::new(),
            known: HashMap::new(),
            waiting: HashMap::new(),
            visits: self.visits,
            incomplete: None,
            matcher: std::mem::take(&mut self.matcher),
            reversals,
        };
        let start = Accepting::new(old.flatten(accepting), None);
        reversed.compare(start, &new.flatten(constraining), ptr, depth + 1);
        self.visits = reversed.visits;
        self.matcher = std::mem::take(&mut reversed.matcher);
        self.reversals = std::mem::take(&mut reversed.reversals);
        self.reversals.pop();
        reversed.breaks.is_empty() && reversed.incomplete.is_none()
    }

    /// Whether `new` accepts everything `old` does, as far as the checker can tell. Nothing
    /// found along the way is reported.
    pub fn passes(
        &mut self,
        old: Accepting<'a>,
        new: &[&'a Value],
        ptr: &str,
        depth: usize,
    ) -> bool {
        let mark = self.breaks.len();
        self.compare(old, new, ptr, depth);
        let clean = self.breaks.len() == mark;
        self.breaks.truncate(mark);
        clean
    }

    fn check_one(
        &mut self,
        old: &Accepting<'a>,
        admits: &Admitted<'a>,
        n: &'a Value,
        ptr: &str,
        depth: usize,
    ) {
        let m = match n {
            Value::Object(m) => m,
            Value::Bool(true) => return,
            Value::Bool(false) => {
                let message = format!(
                    "{} allows values here, but {} is `false` and rejects every value.",
                    self.src(),
                    self.sides.dst
                );
                self.push(ptr, "type-narrowed", message);
                return;
            }
            other => {
                let message = format!(
                    "{} has {} where a schema belongs, so the checker cannot decide what it accepts.",
                    self.dst(),
                    show(other)
                );
                self.push(ptr, "undecidable", message);
                return;
            }
        };
        self.opaque(old, admits, n, m, ptr, depth);
        let types = Types::declared(m, Lean::Narrow);
        if !types.contains(admits.types) {
            self.type_narrowed(admits.types, types, ptr);
        }
        let live = admits.types & types;
        if live.is_empty() {
            return;
        }
        let here = Here {
            old,
            live,
            values: admits
                .values
                .as_ref()
                .map(|vs| vs.iter().copied().filter(|v| live.admits(v)).collect()),
            ptr,
            depth,
        };
        self.enum_and_const(&here, m);
        self.format(&here, m);
        if live.intersects(Types::NUMBER) {
            self.numbers(&here, m);
        }
        if live.intersects(Types::STRING) {
            self.strings(&here, m);
        }
        if live.intersects(Types::ARRAY) {
            self.arrays(&here, m);
        }
        if live.intersects(Types::OBJECT) {
            self.objects(&here, n, m);
        }
    }

    fn type_narrowed(&mut self, old: Types, new: Types, ptr: &str) {
        let accepted = if old == Types::ALL {
            "any value here".to_owned()
        } else {
            format!("values of type {}", old.describe())
        };
        let message = if new.is_empty() {
            format!(
                "{} allows {accepted}, but the `type` of {} admits no type at all.",
                self.src(),
                self.sides.dst
            )
        } else {
            format!(
                "{} allows {accepted}, but {} only allows {}.",
                self.src(),
                self.sides.dst,
                new.describe()
            )
        };
        self.push(ptr, "type-narrowed", message);
    }

    /// Keywords the checker cannot reason about pass only when the accepting side has the
    /// very same ones.
    fn opaque(
        &mut self,
        old: &Accepting<'a>,
        admits: &Admitted<'a>,
        n: &'a Value,
        m: &'a Map<String, Value>,
        ptr: &str,
        depth: usize,
    ) {
        for group in opaque_groups(&self.new, n) {
            let name = group.name;
            if self.shared(old, group, m) {
                continue;
            }
            if let ("anyOf" | "oneOf", Some(Value::Array(branches))) = (name, m.get(name)) {
                self.union(old, admits, name, branches, ptr, depth);
                continue;
            }
            if let ("not", Some(negated)) = (name, m.get(name)) {
                let live = admits.types & Types::declared(m, Lean::Narrow);
                if self.excluded(old, admits, live, negated, ptr, depth) {
                    continue;
                }
            }
            let had = old.conjuncts.iter().any(|o| o.get(name).is_some());
            let message = match (name, had) {
                ("$ref", _) => format!(
                    "{} uses `$ref` {}, which this checker cannot follow (only `#...` references within the same document), so it cannot decide whether every config {} accepts still passes.",
                    self.dst(),
                    m.get("$ref").map(show).unwrap_or_default(),
                    self.sides.src
                ),
                (_, true) => format!(
                    "{} has a different `{name}` than {}, and the checker cannot decide whether it accepts every config {} accepts, so this counts as breaking.",
                    self.dst(),
                    self.sides.src,
                    self.sides.src
                ),
                (_, false) => format!(
                    "{} has `{name}` where {} has none, and the checker cannot decide whether it accepts every config {} accepts, so this counts as breaking.",
                    self.dst(),
                    self.sides.src,
                    self.sides.src
                ),
            };
            self.push(ptr, "undecidable", message);
        }
    }

    /// Whether an accepting conjunct has every keyword of `group` the same as `m` (or equally
    /// absent), so that what they decide together rejects nothing more in `m`.
    pub fn shared(
        &mut self,
        old: &Accepting<'a>,
        group: &Opaque,
        m: &'a Map<String, Value>,
    ) -> bool {
        old.conjuncts
            .iter()
            .copied()
            .filter_map(Value::as_object)
            .any(|o| {
                group.keys.iter().all(|k| match (o.get(*k), m.get(*k)) {
                    (None, None) => true,
                    (Some(a), Some(b)) => self.equiv.keyword(k, a, b),
                    _ => false,
                })
            })
    }

    pub fn push(&mut self, ptr: &str, rule: &str, message: String) {
        self.breaks.push(Break {
            pointer: ptr.to_owned(),
            rule: rule.to_owned(),
            message,
            against: String::new(),
        });
    }

    /// The accepting schema's name, to start a sentence.
    pub fn src(&self) -> String {
        capitalise(&self.sides.src)
    }

    /// The constraining schema's name, to start a sentence.
    pub fn dst(&self) -> String {
        capitalise(&self.sides.dst)
    }

    pub fn src_name(&self) -> &str {
        &self.sides.src
    }

    pub fn dst_name(&self) -> &str {
        &self.sides.dst
    }
}
