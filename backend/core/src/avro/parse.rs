//! From `.avsc` JSON to [`AvroSchema`]: names resolved by full name, first among the types the
//! schema defines, then among its references, whose types are copied in so the result stands
//! alone. Recursion is bounded by [`MAX_DEPTH`], work by [`MAX_NODES`].

use super::error::AvroSchemaError;
use super::model::{Field, Logical, Named, NamedKind, Node, Prim};
use super::{AvroSchema, Reference};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Largest schema text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 1 << 20;
/// Deepest nesting of types (a field's type inside a record inside an array... counts each).
pub const MAX_DEPTH: usize = 64;
/// Most types, fields and enum symbols in one schema, references' copied types included.
pub const MAX_NODES: usize = 100_000;

type Result<T> = std::result::Result<T, AvroSchemaError>;

pub(super) fn parse_text(text: &str, refs: &[Reference<'_>]) -> Result<AvroSchema> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(AvroSchemaError::TooLarge {
            size: text.len(),
            limit: MAX_TEXT_BYTES,
        });
    }
    // serde_json refuses nesting past 128 levels itself, without recursing further.
    let value: Value = serde_json::from_str(text).map_err(|e| AvroSchemaError::NotJson {
        message: e.to_string(),
    })?;
    parse_value(&value, refs)
}

pub(super) fn parse_value(value: &Value, refs: &[Reference<'_>]) -> Result<AvroSchema> {
    let mut parser = Parser {
        named: Vec::new(),
        index: BTreeMap::new(),
        origin: BTreeMap::new(),
        refs,
        importing: BTreeSet::new(),
        nodes: 0,
        local_fields: Vec::new(),
    };
    let root = parser.node(value, "", "", 0)?;
    let schema = AvroSchema {
        root,
        named: parser.named,
        index: parser.index,
        imported: parser.origin,
    };
    let mut memo = vec![None; schema.named.len()];
    let mut active = vec![false; schema.named.len()];
    height(&schema.named, &schema.root, 0, &mut memo, &mut active)?;
    check_defaults(&schema, &parser.local_fields)?;
    Ok(schema)
}

/// Nesting of `node` with each named type spelled out once; refused past
/// [`super::MAX_EXPANDED_DEPTH`], which the recursion itself never exceeds.
fn height(
    named: &[Named],
    node: &Node,
    depth: usize,
    memo: &mut [Option<usize>],
    active: &mut [bool],
) -> Result<usize> {
    if depth > super::MAX_EXPANDED_DEPTH {
        return Err(AvroSchemaError::TooDeep {
            pointer: "(with referenced types spelled out)".to_owned(),
            limit: super::MAX_EXPANDED_DEPTH,
        });
    }
    Ok(match node {
        Node::Prim(..) => 1,
        Node::Array(inner) | Node::Map(inner) => 1 + height(named, inner, depth + 1, memo, active)?,
        Node::Union(branches) => {
            let mut most = 0;
            for branch in branches {
                most = most.max(height(named, branch, depth + 1, memo, active)?);
            }
            1 + most
        }
        Node::Named(id) => {
            let id = *id;
            if let Some(Some(known)) = memo.get(id) {
                return Ok(*known);
            }
            if active.get(id).copied().unwrap_or(true) {
                return Ok(1);
            }
            active[id] = true;
            let mut most = 0;
            if let Some(NamedKind::Record(fields)) = named.get(id).map(|n| &n.kind) {
                for field in fields {
                    most = most.max(height(named, &field.ty, depth + 1, memo, active)?);
                }
            }
            active[id] = false;
            memo[id] = Some(1 + most);
            1 + most
        }
    })
}

struct Parser<'r> {
    named: Vec<Named>,
    index: BTreeMap<String, usize>,
    /// Full name -> label of the reference a copied type came from.
    origin: BTreeMap<String, String>,
    refs: &'r [Reference<'r>],
    /// Full names of referenced types being copied (a recursive one refers to itself).
    importing: BTreeSet<String>,
    nodes: usize,
    /// (named type, field index, pointer of the field) for the defaults to check at the end.
    local_fields: Vec<(usize, usize, String)>,
}

fn malformed(pointer: &str, message: impl Into<String>) -> AvroSchemaError {
    AvroSchemaError::Malformed {
        pointer: show(pointer),
        message: message.into(),
    }
}

fn show(pointer: &str) -> String {
    if pointer.is_empty() {
        "(root)".to_owned()
    } else {
        pointer.to_owned()
    }
}

fn valid_simple(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn valid_full(name: &str) -> bool {
    name.split('.').all(valid_simple)
}

fn qualify(name: &str, namespace: &str) -> String {
    if name.contains('.') || namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{namespace}.{name}")
    }
}

impl Parser<'_> {
    fn count(&mut self, n: usize) -> Result<()> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(AvroSchemaError::TooLarge {
                size: self.nodes,
                limit: MAX_NODES,
            });
        }
        Ok(())
    }

    fn node(&mut self, value: &Value, ns: &str, ptr: &str, depth: usize) -> Result<Node> {
        if depth > MAX_DEPTH {
            return Err(AvroSchemaError::TooDeep {
                pointer: show(ptr),
                limit: MAX_DEPTH,
            });
        }
        self.count(1)?;
        match value {
            Value::String(name) => self.by_name(name, ns, ptr),
            Value::Array(branches) => self.union(branches, ns, ptr, depth),
            Value::Object(obj) => self.object(obj, ns, ptr, depth),
            other => Err(malformed(
                ptr,
                format!("a schema is a string, an array or an object, not {other}"),
            )),
        }
    }

    fn union(&mut self, branches: &[Value], ns: &str, ptr: &str, depth: usize) -> Result<Node> {
        if branches.is_empty() {
            return Err(malformed(ptr, "a union needs at least one branch"));
        }
        let mut nodes = Vec::with_capacity(branches.len());
        let mut seen: Vec<String> = Vec::new();
        for (i, branch) in branches.iter().enumerate() {
            let here = format!("{ptr}/{i}");
            let node = self.node(branch, ns, &here, depth + 1)?;
            let key = match &node {
                Node::Union(_) => {
                    return Err(malformed(&here, "a union cannot directly contain a union"))
                }
                Node::Prim(p, _) => p.name().to_owned(),
                Node::Array(_) => "array".to_owned(),
                Node::Map(_) => "map".to_owned(),
                Node::Named(id) => self.named[*id].fullname.clone(),
            };
            if seen.contains(&key) {
                return Err(malformed(
                    &here,
                    format!("the union already has a `{key}` branch"),
                ));
            }
            seen.push(key);
            nodes.push(node);
        }
        Ok(Node::Union(nodes))
    }

    fn object(
        &mut self,
        obj: &Map<String, Value>,
        ns: &str,
        ptr: &str,
        depth: usize,
    ) -> Result<Node> {
        let ty = obj
            .get("type")
            .ok_or_else(|| malformed(ptr, "the object has no `type`"))?;
        let name = match ty {
            Value::String(name) => name.as_str(),
            Value::Object(_) | Value::Array(_) => {
                return self.node(ty, ns, &format!("{ptr}/type"), depth + 1)
            }
            other => {
                return Err(malformed(
                    ptr,
                    format!("`type` must be a string, not {other}"),
                ))
            }
        };
        if let Some(prim) = Prim::from_name(name) {
            return Ok(Node::Prim(prim, primitive_logical(prim, obj)));
        }
        match name {
            "record" | "error" => self.record(obj, ns, ptr, depth),
            "enum" => self.enumeration(obj, ns, ptr),
            "fixed" => self.fixed(obj, ns, ptr),
            "array" => {
                let items = obj
                    .get("items")
                    .ok_or_else(|| malformed(ptr, "an array needs `items`"))?;
                let node = self.node(items, ns, &format!("{ptr}/items"), depth + 1)?;
                Ok(Node::Array(Box::new(node)))
            }
            "map" => {
                let values = obj
                    .get("values")
                    .ok_or_else(|| malformed(ptr, "a map needs `values`"))?;
                let node = self.node(values, ns, &format!("{ptr}/values"), depth + 1)?;
                Ok(Node::Map(Box::new(node)))
            }
            _ => self.by_name(name, ns, &format!("{ptr}/type")),
        }
    }

    /// Declares a named type and returns its id and namespace, before its body is parsed so
    /// the body may refer to it.
    fn declare(
        &mut self,
        obj: &Map<String, Value>,
        ns: &str,
        ptr: &str,
    ) -> Result<(usize, String)> {
        let name = match obj.get("name") {
            Some(Value::String(name)) => name.as_str(),
            _ => return Err(malformed(ptr, "a named type needs a string `name`")),
        };
        let namespace = if let Some((space, _)) = name.rsplit_once('.') {
            space.to_owned()
        } else {
            match obj.get("namespace") {
                Some(Value::String(space)) => space.clone(),
                Some(Value::Null) | None => ns.to_owned(),
                Some(_) => return Err(malformed(ptr, "`namespace` must be a string")),
            }
        };
        let fullname = qualify(name, &namespace);
        if !valid_full(&fullname) || (!namespace.is_empty() && !valid_full(&namespace)) {
            return Err(AvroSchemaError::InvalidName {
                pointer: show(ptr),
                name: fullname,
            });
        }
        if Prim::from_name(&fullname).is_some() {
            return Err(AvroSchemaError::InvalidName {
                pointer: show(ptr),
                name: fullname,
            });
        }
        if self.index.contains_key(&fullname) {
            return Err(AvroSchemaError::DuplicateName {
                pointer: show(ptr),
                name: fullname,
            });
        }
        let mut aliases = Vec::new();
        for alias in strings(obj.get("aliases"), ptr, "aliases")? {
            let full = qualify(alias, &namespace);
            if !valid_full(&full) {
                return Err(AvroSchemaError::InvalidName {
                    pointer: format!("{ptr}/aliases"),
                    name: full,
                });
            }
            aliases.push(full);
        }
        let id = self.named.len();
        self.named.push(Named {
            fullname: fullname.clone(),
            aliases,
            kind: NamedKind::Record(Vec::new()),
        });
        self.index.insert(fullname, id);
        Ok((id, namespace))
    }

    fn record(
        &mut self,
        obj: &Map<String, Value>,
        ns: &str,
        ptr: &str,
        depth: usize,
    ) -> Result<Node> {
        let (id, namespace) = self.declare(obj, ns, ptr)?;
        let Some(Value::Array(fields)) = obj.get("fields") else {
            return Err(malformed(ptr, "a record needs a `fields` array"));
        };
        let mut parsed: Vec<Field> = Vec::with_capacity(fields.len());
        for (i, field) in fields.iter().enumerate() {
            let here = format!("{ptr}/fields/{i}");
            self.count(1)?;
            let Value::Object(field) = field else {
                return Err(malformed(&here, "a field is an object"));
            };
            let name = match field.get("name") {
                Some(Value::String(name)) if valid_simple(name) => name.clone(),
                Some(Value::String(name)) => {
                    return Err(AvroSchemaError::InvalidName {
                        pointer: here,
                        name: name.clone(),
                    })
                }
                _ => return Err(malformed(&here, "a field needs a string `name`")),
            };
            if parsed.iter().any(|f| f.name == name) {
                return Err(malformed(
                    &here,
                    format!("field `{name}` is declared twice"),
                ));
            }
            let ty = field
                .get("type")
                .ok_or_else(|| malformed(&here, format!("field `{name}` has no `type`")))?;
            let ty = self.node(ty, &namespace, &format!("{here}/type"), depth + 1)?;
            let aliases = strings(field.get("aliases"), &here, "aliases")?
                .into_iter()
                .map(str::to_owned)
                .collect();
            self.local_fields.push((id, i, here));
            parsed.push(Field {
                name,
                aliases,
                ty,
                default: field.get("default").cloned(),
            });
        }
        self.named[id].kind = NamedKind::Record(parsed);
        Ok(Node::Named(id))
    }

    fn enumeration(&mut self, obj: &Map<String, Value>, ns: &str, ptr: &str) -> Result<Node> {
        let (id, _) = self.declare(obj, ns, ptr)?;
        let Some(Value::Array(items)) = obj.get("symbols") else {
            return Err(malformed(ptr, "an enum needs a `symbols` array"));
        };
        self.count(items.len())?;
        let mut symbols: Vec<String> = Vec::with_capacity(items.len());
        for (i, symbol) in items.iter().enumerate() {
            match symbol {
                Value::String(s) if valid_simple(s) && !symbols.contains(s) => {
                    symbols.push(s.clone())
                }
                Value::String(s) if valid_simple(s) => {
                    return Err(malformed(
                        &format!("{ptr}/symbols/{i}"),
                        format!("symbol `{s}` is listed twice"),
                    ))
                }
                other => {
                    return Err(AvroSchemaError::InvalidName {
                        pointer: format!("{ptr}/symbols/{i}"),
                        name: other
                            .as_str()
                            .map_or_else(|| other.to_string(), str::to_owned),
                    })
                }
            }
        }
        let default = match obj.get("default") {
            None => None,
            Some(Value::String(s)) if symbols.contains(s) => Some(s.clone()),
            Some(other) => {
                return Err(AvroSchemaError::InvalidDefault {
                    pointer: format!("{ptr}/default"),
                    message: format!("the enum default {other} is not one of its symbols"),
                })
            }
        };
        self.named[id].kind = NamedKind::Enum { symbols, default };
        Ok(Node::Named(id))
    }

    fn fixed(&mut self, obj: &Map<String, Value>, ns: &str, ptr: &str) -> Result<Node> {
        let (id, _) = self.declare(obj, ns, ptr)?;
        let size = obj
            .get("size")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed(ptr, "a fixed needs a non-negative integer `size`"))?;
        let logical = match obj.get("logicalType").and_then(Value::as_str) {
            Some("decimal") => decimal(obj).filter(|d| match d {
                Logical::Decimal { precision, .. } => {
                    u64::from(*precision) <= max_fixed_precision(size)
                }
                _ => false,
            }),
            Some("duration") if size == 12 => Some(Logical::Duration),
            _ => None,
        };
        self.named[id].kind = NamedKind::Fixed { size, logical };
        Ok(Node::Named(id))
    }

    fn by_name(&mut self, name: &str, ns: &str, ptr: &str) -> Result<Node> {
        if let Some(prim) = Prim::from_name(name) {
            return Ok(Node::Prim(prim, None));
        }
        if !valid_full(name) {
            return Err(AvroSchemaError::InvalidName {
                pointer: show(ptr),
                name: name.to_owned(),
            });
        }
        let mut candidates = vec![qualify(name, ns)];
        if !name.contains('.') && !ns.is_empty() {
            candidates.push(name.to_owned());
        }
        for candidate in &candidates {
            if let Some(&id) = self.index.get(candidate) {
                return Ok(Node::Named(id));
            }
        }
        for candidate in &candidates {
            let mut found: Option<(usize, usize)> = None;
            for (r, reference) in self.refs.iter().enumerate() {
                let Some(&id) = reference.schema.index.get(candidate) else {
                    continue;
                };
                match found {
                    None => found = Some((r, id)),
                    Some((first, first_id)) => {
                        let a = self.refs[first].schema.named_form(first_id);
                        let b = reference.schema.named_form(id);
                        if a != b {
                            return Err(AvroSchemaError::ConflictingReferences {
                                name: candidate.clone(),
                                first: self.refs[first].label.to_owned(),
                                second: reference.label.to_owned(),
                            });
                        }
                    }
                }
            }
            if let Some((r, id)) = found {
                return self.import(r, id).map(Node::Named);
            }
        }
        Err(AvroSchemaError::UnknownName {
            pointer: show(ptr),
            name: name.to_owned(),
            searched: self.refs.iter().map(|r| r.label.to_owned()).collect(),
        })
    }

    /// Copies named type `id` of reference `r` (and the named types it uses) into this schema.
    fn import(&mut self, r: usize, id: usize) -> Result<usize> {
        let source = self.refs[r].schema;
        let label = self.refs[r].label;
        let named = &source.named[id];
        if let Some(&mine) = self.index.get(&named.fullname) {
            if self.importing.contains(&named.fullname) {
                // A recursive type of the reference, met again while it is being copied.
                return Ok(mine);
            }
            let same = match self.origin.get(&named.fullname) {
                // Copied earlier: the same definition if it prints the same.
                Some(_) => self.copied_form(mine) == source.named_form(id),
                None => false,
            };
            if same {
                return Ok(mine);
            }
            return Err(AvroSchemaError::ConflictingReferences {
                name: named.fullname.clone(),
                first: self
                    .origin
                    .get(&named.fullname)
                    .cloned()
                    .unwrap_or_else(|| "this schema".to_owned()),
                second: label.to_owned(),
            });
        }
        self.count(1)?;
        let mine = self.named.len();
        self.named.push(Named {
            fullname: named.fullname.clone(),
            aliases: named.aliases.clone(),
            kind: NamedKind::Record(Vec::new()),
        });
        self.index.insert(named.fullname.clone(), mine);
        // A type copied from a reference keeps the label it was first defined under.
        let first_label = source
            .imported
            .get(&named.fullname)
            .cloned()
            .unwrap_or_else(|| label.to_owned());
        self.origin.insert(named.fullname.clone(), first_label);
        self.importing.insert(named.fullname.clone());
        let kind = match &named.kind {
            NamedKind::Record(fields) => {
                let mut copied = Vec::with_capacity(fields.len());
                for field in fields {
                    self.count(1)?;
                    copied.push(Field {
                        ty: self.remap(r, &field.ty)?,
                        ..field.clone()
                    });
                }
                NamedKind::Record(copied)
            }
            other => other.clone(),
        };
        self.named[mine].kind = kind;
        self.importing.remove(&named.fullname);
        Ok(mine)
    }

    fn remap(&mut self, r: usize, node: &Node) -> Result<Node> {
        Ok(match node {
            Node::Prim(p, l) => Node::Prim(*p, *l),
            Node::Array(items) => Node::Array(Box::new(self.remap(r, items)?)),
            Node::Map(values) => Node::Map(Box::new(self.remap(r, values)?)),
            Node::Union(branches) => Node::Union(
                branches
                    .iter()
                    .map(|b| self.remap(r, b))
                    .collect::<Result<_>>()?,
            ),
            Node::Named(id) => Node::Named(self.import(r, *id)?),
        })
    }

    fn copied_form(&self, id: usize) -> String {
        let view = super::canonical::View { named: &self.named };
        view.named_form(id)
    }
}

fn strings<'v>(value: Option<&'v Value>, ptr: &str, key: &str) -> Result<Vec<&'v str>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| malformed(ptr, format!("`{key}` must be an array of strings")))
            })
            .collect(),
        Some(_) => Err(malformed(
            ptr,
            format!("`{key}` must be an array of strings"),
        )),
    }
}

fn primitive_logical(prim: Prim, obj: &Map<String, Value>) -> Option<Logical> {
    let name = obj.get("logicalType")?.as_str()?;
    Some(match (prim, name) {
        (Prim::Int, "date") => Logical::Date,
        (Prim::Int, "time-millis") => Logical::TimeMillis,
        (Prim::Long, "time-micros") => Logical::TimeMicros,
        (Prim::Long, "timestamp-millis") => Logical::TimestampMillis,
        (Prim::Long, "timestamp-micros") => Logical::TimestampMicros,
        (Prim::Long, "timestamp-nanos") => Logical::TimestampNanos,
        (Prim::Long, "local-timestamp-millis") => Logical::LocalTimestampMillis,
        (Prim::Long, "local-timestamp-micros") => Logical::LocalTimestampMicros,
        (Prim::Long, "local-timestamp-nanos") => Logical::LocalTimestampNanos,
        (Prim::String, "uuid") => Logical::Uuid,
        (Prim::Bytes, "decimal") => return decimal(obj),
        _ => return None,
    })
}

/// A decimal's precision and scale, or `None` when they are invalid (the logical type is then
/// ignored, as the specification says).
fn decimal(obj: &Map<String, Value>) -> Option<Logical> {
    let precision = u32::try_from(obj.get("precision")?.as_u64()?).ok()?;
    let scale = match obj.get("scale") {
        None => 0,
        Some(v) => u32::try_from(v.as_u64()?).ok()?,
    };
    (precision >= 1 && scale <= precision).then_some(Logical::Decimal { precision, scale })
}

/// Most decimal digits a two's-complement integer of `size` bytes always holds.
fn max_fixed_precision(size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    let bits = size.saturating_mul(8).saturating_sub(1) as f64;
    (bits * std::f64::consts::LOG10_2).floor() as u64
}

fn check_defaults(schema: &AvroSchema, fields: &[(usize, usize, String)]) -> Result<()> {
    for (id, index, pointer) in fields {
        let NamedKind::Record(list) = &schema.named[*id].kind else {
            continue;
        };
        let Some(field) = list.get(*index) else {
            continue;
        };
        let Some(default) = &field.default else {
            continue;
        };
        let found = super::validate::check(&schema.named, &field.ty, default);
        if let Some(first) = found.first() {
            let at = if first.pointer.is_empty() {
                String::new()
            } else {
                format!(" at {}", first.pointer)
            };
            return Err(AvroSchemaError::InvalidDefault {
                pointer: format!("{pointer}/default"),
                message: format!("{}{at}", first.message),
            });
        }
    }
    Ok(())
}
