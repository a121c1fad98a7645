//! Compatibility of Avro schema versions by Avro's schema-resolution rules (specification,
//! "Schema Resolution"), at Confluent's levels with the same semantics as
//! [`crate::compat::check`]: BACKWARD means the new schema, as reader, resolves data written
//! with the earlier one; FORWARD the other way round; FULL both.
//!
//! Every break is reported, not only the first: a field added without a default, a type that
//! neither matches nor promotes (int → long → float → double, string ↔ bytes), an enum
//! symbol the reader lacks when it has no default, a writer union branch no reader branch
//! reads, a fixed size or a named type's name that differs, and a logical type that changes
//! meaning. Rule ids are named for the reader's view, the same in both directions; messages
//! name which schema is which. A named type met again on the same pair of types is not walked
//! twice, so its breaks appear once, at the first pointer.

use super::model::{Logical, Named, NamedKind, Node, Prim};
use super::validate::child;
use super::AvroSchema;
use crate::compat::{check_levels, Break, CompatLevel, CompatReport, Direction};
use std::collections::HashSet;

/// Most type pairs one comparison may visit (trying union branches multiplies them).
pub const MAX_STEPS: usize = 1_000_000;

/// Checks `new` against earlier versions, given oldest first as `(label, schema)`.
/// Non-transitive levels check only the latest earlier version; `NONE` checks nothing.
/// Breaks are sorted by pointer, then rule; `against` is the earlier version's label.
pub fn check(
    level: CompatLevel,
    history: &[(&str, &AvroSchema)],
    new: &AvroSchema,
) -> CompatReport {
    check_levels(level, history, |direction, label, old| {
        let version = format!("version {label}");
        match direction {
            Direction::Backward => read_breaks(new, "the new schema", old, &version),
            Direction::Forward => read_breaks(old, &version, new, "the new schema"),
        }
    })
}

/// Every reason `reader` cannot resolve data written with `writer`, with `against` empty;
/// the labels name the schemas in messages ("the new schema", "version 3").
pub fn read_breaks(
    reader: &AvroSchema,
    reader_label: &str,
    writer: &AvroSchema,
    writer_label: &str,
) -> Vec<Break> {
    let mut resolver = Resolver {
        w: writer,
        r: reader,
        wl: writer_label,
        rl: reader_label,
        seen: HashSet::new(),
        steps: 0,
        out: Vec::new(),
    };
    resolver.resolve(&writer.root, &reader.root, "");
    let mut out = resolver.out;
    out.sort_by(|a, b| (&a.pointer, &a.rule, &a.message).cmp(&(&b.pointer, &b.rule, &b.message)));
    out.dedup();
    out
}

struct Resolver<'a> {
    w: &'a AvroSchema,
    r: &'a AvroSchema,
    wl: &'a str,
    rl: &'a str,
    /// Pairs of named types (writer, reader) already walked or being walked.
    seen: HashSet<(usize, usize)>,
    steps: usize,
    out: Vec<Break>,
}

fn brk(pointer: &str, rule: &str, message: String) -> Break {
    Break {
        pointer: pointer.to_owned(),
        rule: rule.to_owned(),
        message,
        against: String::new(),
    }
}

fn promotes(writer: Prim, reader: Prim) -> bool {
    use Prim::*;
    writer == reader
        || matches!(
            (writer, reader),
            (Int, Long | Float | Double)
                | (Long, Float | Double)
                | (Float, Double)
                | (String, Bytes)
                | (Bytes, String)
        )
}

fn unqualified(fullname: &str) -> &str {
    fullname.rsplit('.').next().unwrap_or(fullname)
}

/// The specification matches named types by unqualified name; the reader's aliases (full
/// names) also match.
fn names_match(writer: &Named, reader: &Named) -> bool {
    unqualified(&writer.fullname) == unqualified(&reader.fullname)
        || reader.answers_to(&writer.fullname)
}

impl Resolver<'_> {
    fn describe(&self, schema: &AvroSchema, node: &Node) -> String {
        match node {
            Node::Prim(prim, Some(logical)) => format!("{} ({})", prim.name(), logical.name()),
            Node::Prim(prim, None) => prim.name().to_owned(),
            Node::Array(_) => "array".to_owned(),
            Node::Map(_) => "map".to_owned(),
            Node::Union(_) => "union".to_owned(),
            Node::Named(id) => schema
                .named
                .get(*id)
                .map_or_else(String::new, |n| format!("{} {}", n.kind.word(), n.fullname)),
        }
    }

    /// Whether the two could be resolved at all at this level (same kind, promotable, or
    /// named alike): which reader branch a writer branch is compared with in detail.
    fn shallow_match(&self, wn: &Node, rn: &Node) -> bool {
        match (wn, rn) {
            (Node::Prim(w, _), Node::Prim(r, _)) => promotes(*w, *r),
            (Node::Array(_), Node::Array(_)) | (Node::Map(_), Node::Map(_)) => true,
            (Node::Named(w), Node::Named(r)) => {
                match (self.w.named.get(*w), self.r.named.get(*r)) {
                    (Some(w), Some(r)) => w.kind.word() == r.kind.word() && names_match(w, r),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// The breaks resolving `wn` with `rn` would report, without reporting them.
    fn trial(&mut self, wn: &Node, rn: &Node, ptr: &str) -> Vec<Break> {
        let mut sub = Resolver {
            w: self.w,
            r: self.r,
            wl: self.wl,
            rl: self.rl,
            seen: self.seen.clone(),
            steps: self.steps,
            out: Vec::new(),
        };
        sub.resolve(wn, rn, ptr);
        self.steps = sub.steps;
        sub.out
    }

    fn resolve(&mut self, wn: &Node, rn: &Node, ptr: &str) {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            if !self.out.iter().any(|b| b.rule == "too-complex") {
                self.out.push(brk(
                    ptr,
                    "too-complex",
                    format!(
                        "comparing {} with {} takes too many steps; not proven compatible",
                        self.rl, self.wl
                    ),
                ));
            }
            return;
        }
        match (wn, rn) {
            (Node::Union(branches), _) => {
                for branch in branches {
                    self.branch(branch, rn, ptr);
                }
            }
            (_, Node::Union(branches)) => {
                let mut detail: Option<Vec<Break>> = None;
                for branch in branches {
                    let found = self.trial(wn, branch, ptr);
                    if found.is_empty() {
                        return;
                    }
                    if detail.is_none() && self.shallow_match(wn, branch) {
                        detail = Some(found);
                    }
                }
                match detail {
                    Some(found) => self.out.extend(found),
                    None => self.out.push(brk(
                        ptr,
                        "type-changed",
                        format!(
                            "{} has a union with no branch that reads {}'s {}",
                            self.rl,
                            self.wl,
                            self.describe(self.w, wn)
                        ),
                    )),
                }
            }
            _ => self.single(wn, rn, ptr),
        }
    }

    /// One branch of the writer's union against the reader's type (a union or not).
    fn branch(&mut self, wn: &Node, rn: &Node, ptr: &str) {
        let candidates: Vec<&Node> = match rn {
            Node::Union(branches) => branches.iter().collect(),
            other => vec![other],
        };
        let mut detail: Option<Vec<Break>> = None;
        for candidate in &candidates {
            let found = self.trial(wn, candidate, ptr);
            if found.is_empty() {
                return;
            }
            if detail.is_none() && self.shallow_match(wn, candidate) {
                detail = Some(found);
            }
        }
        match detail {
            Some(found) => self.out.extend(found),
            None => {
                let reader = match rn {
                    Node::Union(_) => format!("any branch of {}'s union", self.rl),
                    other => format!("{}'s {}", self.rl, self.describe(self.r, other)),
                };
                self.out.push(brk(
                    ptr,
                    "union-branch-removed",
                    format!(
                        "{}'s union branch {} cannot be read by {reader}",
                        self.wl,
                        self.describe(self.w, wn)
                    ),
                ));
            }
        }
    }

    fn type_changed(&mut self, wn: &Node, rn: &Node, ptr: &str) {
        let message = format!(
            "{} has {} where {} has {}, which Avro does not promote",
            self.rl,
            self.describe(self.r, rn),
            self.wl,
            self.describe(self.w, wn)
        );
        self.out.push(brk(ptr, "type-changed", message));
    }

    fn logical(&mut self, w: Option<Logical>, r: Option<Logical>, ptr: &str) {
        // Adding or dropping a logical type keeps the value; swapping one for another (a
        // timestamp's unit, a decimal's scale) reads the same number with another meaning.
        if let (Some(w), Some(r)) = (w, r) {
            if w != r {
                let show = |l: Logical| match l {
                    Logical::Decimal { precision, scale } => {
                        format!("decimal({precision}, {scale})")
                    }
                    other => other.name().to_owned(),
                };
                let message = format!(
                    "{} reads {} where {} writes {}, the same bits with another meaning",
                    self.rl,
                    show(r),
                    self.wl,
                    show(w)
                );
                self.out.push(brk(ptr, "logical-type-changed", message));
            }
        }
    }

    fn single(&mut self, wn: &Node, rn: &Node, ptr: &str) {
        match (wn, rn) {
            (Node::Prim(w, wl), Node::Prim(r, rl)) => {
                if promotes(*w, *r) {
                    self.logical(*wl, *rl, ptr);
                } else {
                    self.type_changed(wn, rn, ptr);
                }
            }
            (Node::Array(w), Node::Array(r)) | (Node::Map(w), Node::Map(r)) => {
                self.resolve(w, r, &child(ptr, "*"));
            }
            (Node::Named(w), Node::Named(r)) => self.named(*w, *r, wn, rn, ptr),
            _ => self.type_changed(wn, rn, ptr),
        }
    }

    fn named(&mut self, wid: usize, rid: usize, wn: &Node, rn: &Node, ptr: &str) {
        let (w_schema, r_schema) = (self.w, self.r);
        let (Some(w), Some(r)) = (w_schema.named.get(wid), r_schema.named.get(rid)) else {
            return;
        };
        if w.kind.word() != r.kind.word() {
            return self.type_changed(wn, rn, ptr);
        }
        if !self.seen.insert((wid, rid)) {
            return;
        }
        if !names_match(w, r) {
            self.out.push(brk(
                ptr,
                "name-changed",
                format!(
                    "{}'s {} {} is named {} in {}, with no alias for the old name",
                    self.wl,
                    w.kind.word(),
                    w.fullname,
                    r.fullname,
                    self.rl
                ),
            ));
        }
        match (&w.kind, &r.kind) {
            (NamedKind::Record(w_fields), NamedKind::Record(r_fields)) => {
                for rf in r_fields {
                    let here = child(ptr, &rf.name);
                    let wf = std::iter::once(&rf.name)
                        .chain(rf.aliases.iter())
                        .find_map(|name| w_fields.iter().find(|wf| &wf.name == name));
                    match wf {
                        Some(wf) => self.resolve(&wf.ty, &rf.ty, &here),
                        None if rf.default.is_some() => {}
                        None => self.out.push(brk(
                            &here,
                            "field-added-without-default",
                            format!(
                                "{}'s record {} has field `{}` with no default, and {} does not have it",
                                self.rl, r.fullname, rf.name, self.wl
                            ),
                        )),
                    }
                }
            }
            (
                NamedKind::Enum { symbols: ws, .. },
                NamedKind::Enum {
                    symbols: rs,
                    default: None,
                },
            ) => {
                for symbol in ws.iter().filter(|s| !rs.contains(s)) {
                    self.out.push(brk(
                        ptr,
                        "enum-symbol-removed",
                        format!(
                            "{}'s enum {} has symbol `{symbol}`, which {}'s lacks and has no default for",
                            self.wl, w.fullname, self.rl
                        ),
                    ));
                }
            }
            (
                NamedKind::Fixed {
                    size: wsz,
                    logical: wl,
                },
                NamedKind::Fixed {
                    size: rsz,
                    logical: rl,
                },
            ) => {
                if wsz != rsz {
                    self.out.push(brk(
                        ptr,
                        "fixed-size-changed",
                        format!(
                            "fixed {} is {wsz} bytes in {} but {rsz} in {}",
                            r.fullname, self.wl, self.rl
                        ),
                    ));
                }
                self.logical(*wl, *rl, ptr);
            }
            _ => {}
        }
    }
}
