//! Configs (natural JSON, as a person writes them in YAML or JSON) against an Avro schema.
//! The mapping is documented in docs/avro.md; in short, values are what they look like, union
//! values are unwrapped, and logical types take the readable form or the underlying number.
//!
//! A union tries its branches in turn, so nested unions could cost a product of branch counts:
//! every check is bounded by [`MAX_STEPS`] visits and [`MAX_VALUE_DEPTH`] levels, past which
//! it reports `too-complex` instead of going on.

use super::model::{Logical, Named, NamedKind, Node, Prim};
use crate::schema::Violation;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Map, Value};

/// Most schema-against-value visits one validation may make.
pub const MAX_STEPS: usize = 4_000_000;
/// Deepest config nesting checked.
pub const MAX_VALUE_DEPTH: usize = 256;

const DAY_MILLIS: i128 = 86_400_000;

pub(crate) fn check(named: &[Named], node: &Node, value: &Value) -> Vec<Violation> {
    let mut checker = Checker {
        named,
        steps: 0,
        quick: false,
        defaults: true,
    };
    let mut out = Vec::new();
    checker.visit(node, value, &Path::ROOT, 0, &mut out);
    out
}

pub(crate) fn validate(named: &[Named], node: &Node, value: &Value) -> Vec<Violation> {
    let mut checker = Checker {
        named,
        steps: 0,
        quick: false,
        defaults: false,
    };
    let mut out = Vec::new();
    checker.visit(node, value, &Path::ROOT, 0, &mut out);
    if checker.steps > MAX_STEPS {
        out.retain(|v| v.keyword == "too-complex");
        out.truncate(1);
    }
    out
}

struct Checker<'a> {
    named: &'a [Named],
    steps: usize,
    /// Stop at the first violation: only whether the value matches is wanted.
    quick: bool,
    /// Checking a default written in the `.avsc`: a decimal may then be in Avro's byte-string
    /// encoding, as other Avro tools write it.
    defaults: bool,
}

fn violation(pointer: &Path<'_>, keyword: &str, message: String) -> Violation {
    Violation {
        pointer: pointer.render(),
        keyword: keyword.to_owned(),
        message,
    }
}

/// Where a check is in the config, rendered as a JSON pointer only when a violation needs it
/// (building a string per visited value costs more than the check itself).
#[derive(Clone, Copy)]
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    key: Option<&'a str>,
    index: usize,
}

impl<'a> Path<'a> {
    const ROOT: Path<'static> = Path {
        parent: None,
        key: None,
        index: 0,
    };

    fn key(parent: &'a Path<'a>, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(parent),
            key: Some(key),
            index: 0,
        }
    }

    fn index(parent: &'a Path<'a>, index: usize) -> Path<'a> {
        Path {
            parent: Some(parent),
            key: None,
            index,
        }
    }

    fn render(&self) -> String {
        let mut tokens = Vec::new();
        let mut at = Some(self);
        while let Some(path) = at {
            if path.parent.is_some() {
                tokens.push(match path.key {
                    Some(key) => key.replace('~', "~0").replace('/', "~1"),
                    None => path.index.to_string(),
                });
            }
            at = path.parent;
        }
        tokens.iter().rev().fold(String::new(), |mut out, t| {
            out.push('/');
            out.push_str(t);
            out
        })
    }
}

pub(crate) fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The integer a JSON number stands for, if it is one (`3.0` is 3, as in JSON Schema).
fn integer(value: &Value) -> Option<i128> {
    if let Some(i) = value.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = value.as_u64() {
        return Some(i128::from(u));
    }
    let f = value.as_f64()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e19).then_some(f as i128)
}

/// Bytes and fixed are strings whose characters are bytes (U+0000 to U+00FF), as in Avro's
/// JSON encoding and in `.avsc` defaults. Returns the number of bytes.
fn byte_string(text: &str) -> Option<u64> {
    text.chars()
        .all(|c| u32::from(c) <= 0xFF)
        .then(|| text.chars().count() as u64)
}

impl Checker<'_> {
    /// A violation; in quick mode its pointer is not rendered, since it is thrown away.
    fn violation(&self, ptr: &Path<'_>, keyword: &str, message: String) -> Violation {
        if self.quick {
            return Violation {
                pointer: String::new(),
                keyword: keyword.to_owned(),
                message,
            };
        }
        violation(ptr, keyword, message)
    }

    fn visit(
        &mut self,
        node: &Node,
        value: &Value,
        ptr: &Path<'_>,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        if self.quick && !out.is_empty() {
            return;
        }
        self.steps += 1;
        if self.steps > MAX_STEPS || depth > MAX_VALUE_DEPTH {
            if !out.iter().any(|v| v.keyword == "too-complex") {
                out.push(violation(
                    ptr,
                    "too-complex",
                    "the config is too deep or too costly to check against this schema".to_owned(),
                ));
            }
            return;
        }
        match node {
            Node::Prim(prim, logical) => self.scalar(*prim, *logical, value, ptr, out),
            Node::Array(items) => match value {
                Value::Array(list) => {
                    for (i, item) in list.iter().enumerate() {
                        self.visit(items, item, &Path::index(ptr, i), depth + 1, out);
                    }
                }
                other => out.push(self.violation(
                    ptr,
                    "type",
                    format!("expected an array, found {}", kind(other)),
                )),
            },
            Node::Map(values) => match value {
                Value::Object(map) => {
                    for (key, item) in map {
                        self.visit(values, item, &Path::key(ptr, key), depth + 1, out);
                    }
                }
                other => out.push(self.violation(
                    ptr,
                    "type",
                    format!("expected a map (an object), found {}", kind(other)),
                )),
            },
            Node::Union(branches) => self.union(branches, value, ptr, depth, out),
            Node::Named(id) => {
                let Some(named) = self.named.get(*id) else {
                    return;
                };
                match &named.kind {
                    NamedKind::Record(fields) => {
                        let Value::Object(map) = value else {
                            out.push(self.violation(
                                ptr,
                                "type",
                                format!(
                                    "expected an object (record {}), found {}",
                                    named.fullname,
                                    kind(value)
                                ),
                            ));
                            return;
                        };
                        for field in fields {
                            match map.get(&field.name) {
                                Some(item) => self.visit(
                                    &field.ty,
                                    item,
                                    &Path::key(ptr, &field.name),
                                    depth + 1,
                                    out,
                                ),
                                None if field.default.is_some() => {}
                                None => out.push(self.violation(
                                    ptr,
                                    "required",
                                    format!("missing field `{}`, which has no default", field.name),
                                )),
                            }
                        }
                        for key in map.keys() {
                            if !fields.iter().any(|f| &f.name == key) {
                                out.push(self.violation(
                                    &Path::key(ptr, key),
                                    "additional-property",
                                    format!("record {} has no field `{key}`", named.fullname),
                                ));
                            }
                        }
                    }
                    NamedKind::Enum { symbols, .. } => match value {
                        Value::String(s) if symbols.contains(s) => {}
                        Value::String(s) => out.push(self.violation(
                            ptr,
                            "enum",
                            format!(
                                "`{s}` is not a symbol of enum {} ({})",
                                named.fullname,
                                symbols.join(", ")
                            ),
                        )),
                        other => out.push(self.violation(
                            ptr,
                            "type",
                            format!(
                                "expected a symbol of enum {} (a string), found {}",
                                named.fullname,
                                kind(other)
                            ),
                        )),
                    },
                    NamedKind::Fixed { size, logical } => {
                        self.fixed(*size, *logical, &named.fullname, value, ptr, out)
                    }
                }
            }
        }
    }

    fn union(
        &mut self,
        branches: &[Node],
        value: &Value,
        ptr: &Path<'_>,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let fitting: Vec<&Node> = branches.iter().filter(|b| self.fits(b, value)).collect();
        // Branches are tried in quick mode (stop at the first violation): a failed try is
        // thrown away, and nested unions would otherwise pay for every detail of every try.
        let quick = std::mem::replace(&mut self.quick, true);
        let mut failed: Option<Vec<Violation>> = None;
        for branch in &fitting {
            let mut found = Vec::new();
            self.visit(branch, value, ptr, depth + 1, &mut found);
            if found.is_empty() {
                self.quick = quick;
                return;
            }
            if found.iter().any(|v| v.keyword == "too-complex") {
                self.quick = quick;
                out.extend(found);
                return;
            }
            failed.get_or_insert(found);
        }
        self.quick = quick;
        if quick {
            out.extend(failed.into_iter().flatten().take(1));
            if out.is_empty() {
                out.push(self.violation(ptr, "union", "no branch matches".to_owned()));
            }
            return;
        }
        // Avro's JSON encoding wraps a union value as {"<branch type>": value}; accepted when
        // the object matches no branch as it stands, so the reading is never ambiguous.
        if !self.defaults {
            if let Value::Object(map) = value {
                if let Some((key, inner)) = single(map) {
                    if let Some(branch) = branches.iter().find(|b| self.branch_name(b) == key) {
                        self.visit(branch, inner, &Path::key(ptr, key), depth + 1, out);
                        return;
                    }
                }
            }
        }
        match fitting.as_slice() {
            // One branch could take this kind of value: its own violations say more.
            [only] => self.visit(only, value, ptr, depth + 1, out),
            _ => {
                let names: Vec<&str> = branches.iter().map(|b| self.branch_name(b)).collect();
                out.push(self.violation(
                    ptr,
                    "union",
                    format!(
                        "{} matches none of the union's branches ({})",
                        kind(value),
                        names.join(", ")
                    ),
                ));
            }
        }
    }

    fn branch_name<'n>(&'n self, node: &'n Node) -> &'n str {
        match node {
            Node::Prim(prim, _) => prim.name(),
            Node::Array(_) => "array",
            Node::Map(_) => "map",
            Node::Union(_) => "union",
            Node::Named(id) => self.named.get(*id).map_or("", |n| n.fullname.as_str()),
        }
    }

    /// Whether the value's JSON kind is one the branch could take: a cheap filter before the
    /// full check.
    fn fits(&self, node: &Node, value: &Value) -> bool {
        match (node, value) {
            (Node::Prim(Prim::Null, _), Value::Null) => true,
            (Node::Prim(Prim::Boolean, _), Value::Bool(_)) => true,
            (
                Node::Prim(Prim::Int | Prim::Long | Prim::Float | Prim::Double, _),
                Value::Number(_),
            ) => true,
            (Node::Prim(Prim::Int | Prim::Long, Some(_)), Value::String(_)) => true,
            (Node::Prim(Prim::Bytes | Prim::String, _), Value::String(_)) => true,
            (Node::Prim(Prim::Bytes, Some(Logical::Decimal { .. })), Value::Number(_)) => true,
            (Node::Array(_), Value::Array(_)) => true,
            (Node::Map(_), Value::Object(_)) => true,
            (Node::Named(id), _) => match self.named.get(*id).map(|n| &n.kind) {
                Some(NamedKind::Record(_)) => value.is_object(),
                Some(NamedKind::Enum { .. }) => value.is_string(),
                Some(NamedKind::Fixed { logical, .. }) => matches!(
                    (logical, value),
                    (_, Value::String(_))
                        | (Some(Logical::Decimal { .. }), Value::Number(_))
                        | (Some(Logical::Duration), Value::Object(_))
                ),
                None => false,
            },
            _ => false,
        }
    }

    fn scalar(
        &self,
        prim: Prim,
        logical: Option<Logical>,
        value: &Value,
        ptr: &Path<'_>,
        out: &mut Vec<Violation>,
    ) {
        let wrong = |out: &mut Vec<Violation>, expected: &str| {
            out.push(self.violation(
                ptr,
                "type",
                format!("expected {expected}, found {}", kind(value)),
            ));
        };
        match prim {
            Prim::Null if value.is_null() => {}
            Prim::Null => wrong(out, "null"),
            Prim::Boolean if value.is_boolean() => {}
            Prim::Boolean => wrong(out, "a boolean"),
            Prim::Int | Prim::Long => {
                let (lo, hi, word) = if prim == Prim::Int {
                    (
                        i128::from(i32::MIN),
                        i128::from(i32::MAX),
                        "an int (32-bit)",
                    )
                } else {
                    (
                        i128::from(i64::MIN),
                        i128::from(i64::MAX),
                        "a long (64-bit)",
                    )
                };
                if let (Some(logical), Value::String(text)) = (logical, value) {
                    return logical_text(logical, text, ptr, out);
                }
                match integer(value) {
                    Some(n) if n < lo || n > hi => out.push(self.violation(
                        ptr,
                        "range",
                        format!("{n} is out of range for {word}"),
                    )),
                    Some(n) => {
                        let bound = match logical {
                            Some(Logical::TimeMillis) => Some(DAY_MILLIS),
                            Some(Logical::TimeMicros) => Some(DAY_MILLIS * 1000),
                            _ => None,
                        };
                        if let Some(bound) = bound {
                            if !(0..bound).contains(&n) {
                                out.push(self.violation(
                                    ptr,
                                    "logical-type",
                                    format!(
                                        "{n} is not a time of day ({}: 0 to {})",
                                        logical.map_or("", Logical::name),
                                        bound - 1
                                    ),
                                ));
                            }
                        }
                    }
                    None if value.is_number() => out.push(self.violation(
                        ptr,
                        "type",
                        format!("expected {word}, found a fractional number"),
                    )),
                    None => match logical {
                        Some(logical) => {
                            wrong(out, &format!("{word} or a {} string", logical.name()))
                        }
                        None => wrong(out, word),
                    },
                }
            }
            Prim::Float | Prim::Double => match value.as_f64() {
                Some(f) if prim == Prim::Float && f.abs() > f64::from(f32::MAX) => {
                    out.push(self.violation(
                        ptr,
                        "range",
                        format!("{f} is out of range for a float (32-bit)"),
                    ))
                }
                Some(_) => {}
                None => wrong(out, "a number"),
            },
            Prim::String => match (value, logical) {
                (Value::String(text), Some(Logical::Uuid)) => {
                    if text.len() != 36 || uuid::Uuid::parse_str(text).is_err() {
                        out.push(self.violation(
                            ptr,
                            "logical-type",
                            format!("`{text}` is not a UUID (8-4-4-4-12 hexadecimal digits)"),
                        ));
                    }
                }
                (Value::String(_), _) => {}
                _ => wrong(out, "a string"),
            },
            Prim::Bytes => match (value, logical) {
                (_, Some(Logical::Decimal { precision, scale })) => {
                    self.decimal(precision, scale, value, ptr, out);
                }
                (Value::String(text), _) => {
                    if byte_string(text).is_none() {
                        out.push(self.violation(
                            ptr,
                            "bytes",
                            "bytes are written as a string of characters U+0000 to U+00FF, one per byte".to_owned(),
                        ));
                    }
                }
                _ => wrong(out, "bytes (a string)"),
            },
        }
    }

    fn fixed(
        &self,
        size: u64,
        logical: Option<Logical>,
        name: &str,
        value: &Value,
        ptr: &Path<'_>,
        out: &mut Vec<Violation>,
    ) {
        match (logical, value) {
            (Some(Logical::Decimal { precision, scale }), _) => {
                if !(self.defaults && value.as_str().and_then(byte_string) == Some(size)) {
                    self.decimal(precision, scale, value, ptr, out);
                }
            }
            (Some(Logical::Duration), Value::Object(map)) => duration(map, ptr, out),
            (_, Value::String(text)) => match byte_string(text) {
                Some(n) if n == size => {}
                Some(n) => out.push(self.violation(
                    ptr,
                    "size",
                    format!("fixed {name} holds exactly {size} bytes, found {n}"),
                )),
                None => out.push(self.violation(
                    ptr,
                    "bytes",
                    "bytes are written as a string of characters U+0000 to U+00FF, one per byte"
                        .to_owned(),
                )),
            },
            (Some(Logical::Duration), other) => out.push(self.violation(
                ptr,
                "type",
                format!(
                    "expected a duration ({{\"months\", \"days\", \"millis\"}}), found {}",
                    kind(other)
                ),
            )),
            (_, other) => out.push(self.violation(
                ptr,
                "type",
                format!(
                    "expected fixed {name} (a string of {size} bytes), found {}",
                    kind(other)
                ),
            )),
        }
    }

    fn decimal(
        &self,
        precision: u32,
        scale: u32,
        value: &Value,
        ptr: &Path<'_>,
        out: &mut Vec<Violation>,
    ) {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            other => {
                out.push(self.violation(
                    ptr,
                    "type",
                    format!(
                        "expected a decimal (a number or a string), found {}",
                        kind(other)
                    ),
                ));
                return;
            }
        };
        if self.defaults
            && value.is_string()
            && byte_string(&text).is_some()
            && decimal_digits(&text).is_none()
        {
            return;
        }
        match decimal_digits(&text) {
            None => out.push(self.violation(
                ptr,
                "logical-type",
                format!("`{text}` is not a decimal number"),
            )),
            Some((int_digits, frac_digits)) => {
                let whole = u64::from(precision - scale);
                if frac_digits > u64::from(scale) || int_digits > whole {
                    out.push(self.violation(
                        ptr,
                        "logical-type",
                        format!(
                            "{text} does not fit decimal({precision}, {scale}): at most {whole} digits before the point and {scale} after"
                        ),
                    ));
                }
            }
        }
    }
}

fn single(map: &Map<String, Value>) -> Option<(&str, &Value)> {
    if map.len() != 1 {
        return None;
    }
    map.iter().next().map(|(k, v)| (k.as_str(), v))
}

fn logical_text(logical: Logical, text: &str, ptr: &Path<'_>, out: &mut Vec<Violation>) {
    let ok = match logical {
        Logical::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
        Logical::TimeMillis | Logical::TimeMicros => {
            NaiveTime::parse_from_str(text, "%H:%M:%S%.f").is_ok()
        }
        Logical::TimestampMillis | Logical::TimestampMicros => {
            DateTime::parse_from_rfc3339(text).is_ok()
        }
        Logical::TimestampNanos => DateTime::parse_from_rfc3339(text)
            .ok()
            .and_then(|t| t.timestamp_nanos_opt())
            .is_some(),
        Logical::LocalTimestampMillis | Logical::LocalTimestampMicros => local(text).is_some(),
        Logical::LocalTimestampNanos => local(text)
            .and_then(|t| t.and_utc().timestamp_nanos_opt())
            .is_some(),
        _ => false,
    };
    if !ok {
        let form = match logical {
            Logical::Date => "a date such as 2026-12-04",
            Logical::TimeMillis | Logical::TimeMicros => "a time of day such as 13:45:00.250",
            Logical::TimestampMillis | Logical::TimestampMicros | Logical::TimestampNanos => {
                "an RFC 3339 timestamp such as 2026-12-04T13:45:00Z (nanoseconds: years 1677 to 2262)"
            }
            _ => "a local timestamp such as 2026-12-04T13:45:00",
        };
        out.push(violation(
            ptr,
            "logical-type",
            format!("`{text}` is not {form} ({})", logical.name()),
        ));
    }
}

fn local(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

fn duration(map: &Map<String, Value>, ptr: &Path<'_>, out: &mut Vec<Violation>) {
    for (key, value) in map {
        let here = Path::key(ptr, key);
        if !matches!(key.as_str(), "months" | "days" | "millis") {
            out.push(violation(
                &here,
                "additional-property",
                format!("a duration has `months`, `days` and `millis`, not `{key}`"),
            ));
        } else if !matches!(integer(value), Some(n) if (0..=i128::from(u32::MAX)).contains(&n)) {
            out.push(violation(
                &here,
                "logical-type",
                format!("a duration's `{key}` is an integer from 0 to 4294967295"),
            ));
        }
    }
}

/// Digits before the point (leading zeros dropped) and after it (trailing zeros dropped) of
/// a decimal number such as `-12.50` or `1.5e3`; `None` when the text is not one.
fn decimal_digits(text: &str) -> Option<(u64, u64)> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], body[at + 1..].parse::<i64>().ok()?),
        None => (body, 0),
    };
    if !(-100_000..=100_000).contains(&exponent) {
        return None;
    }
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
    let point = whole.len() as i64 + exponent;
    let Some(first) = digits.iter().position(|&d| d != b'0') else {
        return Some((0, 0));
    };
    let last = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
    let int_digits = (point - first as i64).max(0) as u64;
    let frac_digits = (last as i64 - point).max(0) as u64;
    Some((int_digits, frac_digits))
}

/// The config with every absent field that has a default filled in, recursively.
pub(crate) fn with_defaults(named: &[Named], node: &Node, value: &Value, depth: usize) -> Value {
    if depth > MAX_VALUE_DEPTH {
        return value.clone();
    }
    match (node, value) {
        (Node::Array(items), Value::Array(list)) => Value::Array(
            list.iter()
                .map(|v| with_defaults(named, items, v, depth + 1))
                .collect(),
        ),
        (Node::Map(values), Value::Object(map)) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), with_defaults(named, values, v, depth + 1)))
                .collect(),
        ),
        (Node::Union(branches), _) => {
            let branch = branches
                .iter()
                .find(|b| validate(named, b, value).is_empty());
            match branch {
                Some(branch) => with_defaults(named, branch, value, depth + 1),
                None => value.clone(),
            }
        }
        (Node::Named(id), Value::Object(map)) => {
            let Some(NamedKind::Record(fields)) = named.get(*id).map(|n| &n.kind) else {
                return value.clone();
            };
            let mut filled = map.clone();
            for field in fields {
                let current = match (map.get(&field.name), &field.default) {
                    (Some(v), _) => v,
                    (None, Some(default)) => default,
                    (None, None) => continue,
                };
                let done = with_defaults(named, &field.ty, current, depth + 1);
                filled.insert(field.name.clone(), done);
            }
            Value::Object(filled)
        }
        _ => value.clone(),
    }
}

#[cfg(test)]
mod unit {
    use super::decimal_digits;

    #[test]
    fn decimal_digits_count_significant_places() {
        assert_eq!(decimal_digits("123.450"), Some((3, 2)));
        assert_eq!(decimal_digits("-0.05"), Some((0, 2)));
        assert_eq!(decimal_digits("1.5e3"), Some((4, 0)));
        assert_eq!(decimal_digits("15e-3"), Some((0, 3)));
        assert_eq!(decimal_digits("000"), Some((0, 0)));
        assert_eq!(decimal_digits("1e999999"), None);
        assert_eq!(decimal_digits("1.2.3"), None);
        assert_eq!(decimal_digits("."), None);
        assert_eq!(decimal_digits("12a"), None);
    }
}
