//! Reading lens files (YAML, or JSON, which YAML reads too) into validated operations. The
//! text's size and what it expands to (YAML aliases) are checked first, before anything is
//! built; the shape is checked while deserializing, so errors carry the YAML path, line and
//! column; the limits on operations are checked on the result.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use versiqii_core::document::{check_yaml_within, Caps};

use super::ops::{Mapping, Op};
use super::table::Table;
use super::LensError;

/// At most this many operations in a lens, nested ones included.
pub const MAX_OPS: usize = 1000;
/// At most this many `in` / `map` levels inside one another.
pub const MAX_DEPTH: usize = 32;
/// A lens file's text, at most.
pub const MAX_LENS_BYTES: usize = 64 << 10;
/// What a lens file may expand to (YAML aliases count each time they are used): four times its
/// text as compact JSON, and the YAML parser's own nesting limit, which [`MAX_DEPTH`] levels of
/// `in` / `map` (three YAML levels each) stay under.
pub const LENS_CAPS: Caps = Caps {
    max_depth: 128,
    max_json_bytes: 4 * MAX_LENS_BYTES,
};

/// A parsed lens file: its operations, optional description and Cambria's `schemaName`.
pub(crate) struct Parsed {
    pub description: Option<String>,
    pub schema_name: Option<String>,
    pub ops: Vec<Op>,
}

pub(crate) fn parse(text: &str) -> Result<Parsed, LensError> {
    if text.len() > MAX_LENS_BYTES {
        return Err(invalid(format!(
            "the lens is {} bytes; at most {MAX_LENS_BYTES} are allowed",
            text.len()
        )));
    }
    // Deserializing the operations builds whatever aliases expand to: measured first.
    check_yaml_within(text, &LENS_CAPS).map_err(|e| {
        let over = e.to_string();
        invalid(format!("the lens {}", over.trim_start_matches("document ")))
    })?;
    let file: LensFile = serde_yaml_ng::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let nameless = |op: &Option<FileOp>| matches!(op, Some(FileOp(Op::Map { name: None, .. })));
    if let Some(index) = file.lens.iter().position(nameless) {
        return Err(invalid(format!(
            "lens[{index}].map: missing field `name`: a `map` without a `name` runs on the array an enclosing `in` selects, and at the top level there is none (the document is an object)"
        )));
    }
    // Cambria's loader skips null entries of the top-level list (an empty `-`); so do we.
    let ops: Vec<Op> = file.lens.into_iter().flatten().map(|op| op.0).collect();
    let total = count(&ops);
    if total > MAX_OPS {
        return Err(invalid(format!(
            "the lens has {total} operations (nested ones included); at most {MAX_OPS} are allowed"
        )));
    }
    if let Some(path) = too_deep(&ops, "lens", 0) {
        return Err(invalid(format!(
            "`in`/`map` nest more than {MAX_DEPTH} levels deep at {path}"
        )));
    }
    Ok(Parsed {
        description: file.description,
        schema_name: file.schema_name,
        ops,
    })
}

fn invalid(message: String) -> LensError {
    // Parser messages are one line already; keep it so whatever the YAML library says.
    LensError::Invalid(message.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn count(ops: &[Op]) -> usize {
    ops.iter()
        .map(|op| match op {
            Op::In { lens, .. } | Op::Map { lens, .. } => 1 + count(lens),
            _ => 1,
        })
        .sum()
}

/// The path of the first nested lens deeper than [`MAX_DEPTH`], if any.
fn too_deep(ops: &[Op], path: &str, depth: usize) -> Option<String> {
    for (index, op) in ops.iter().enumerate() {
        if let Op::In { lens, .. } | Op::Map { lens, .. } = op {
            let inner = format!("{path}[{index}].{}.lens", op.name());
            if depth + 1 > MAX_DEPTH {
                return Some(inner);
            }
            if let Some(found) = too_deep(lens, &inner, depth + 1) {
                return Some(found);
            }
        }
    }
    None
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a lens file: a mapping with a `lens` list of operations"
)]
struct LensFile {
    #[serde(default)]
    description: Option<String>,
    /// Cambria's name of the schema the lens produces; kept, not used.
    #[serde(default, rename = "schemaName")]
    schema_name: Option<String>,
    lens: Vec<Option<FileOp>>,
}

/// One operation as written: a mapping with exactly one key, the operation's name.
struct FileOp(Op);

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Add,
    Remove,
    Rename,
    Hoist,
    Plunge,
    Wrap,
    Head,
    In,
    Map,
    Convert,
}

impl<'de> Deserialize<'de> for FileOp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FileOpVisitor)
    }
}

struct FileOpVisitor;

impl<'de> Visitor<'de> for FileOpVisitor {
    type Value = FileOp;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "an operation: a mapping with one key, such as `rename: {source: a, destination: b}`",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FileOp, A::Error> {
        let Some(kind) = map.next_key::<Kind>()? else {
            return Err(de::Error::custom(
                "an operation needs a name, such as `rename: {source: a, destination: b}`",
            ));
        };
        let op = match kind {
            Kind::Add => add_or_remove(map.next_value()?, true),
            Kind::Remove => add_or_remove(map.next_value()?, false),
            Kind::Rename => rename(map.next_value()?),
            Kind::Hoist => host_and_name(map.next_value()?, true),
            Kind::Plunge => host_and_name(map.next_value()?, false),
            Kind::Wrap => Ok(Op::Wrap {
                name: map.next_value::<NameArgs>()?.name.0,
            }),
            Kind::Head => Ok(Op::Head {
                name: map.next_value::<NameArgs>()?.name.0,
            }),
            Kind::In => {
                let InArgs { name, lens } = map.next_value()?;
                nested(lens).map(|lens| Op::In { name: name.0, lens })
            }
            Kind::Map => {
                let MapArgs { name, lens } = map.next_value()?;
                nested(lens).map(|lens| Op::Map {
                    name: name.map(|name| name.0),
                    lens,
                })
            }
            Kind::Convert => convert(map.next_value()?),
        }
        .map_err(de::Error::custom)?;
        if let Some(other) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "an operation has exactly one key, found `{}` and `{other}` (is a `-` missing?)",
                op.name()
            )));
        }
        Ok(FileOp(op))
    }
}

/// A property name: any non-empty string.
struct Name(String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name.is_empty() {
            return Err(de::Error::invalid_value(
                de::Unexpected::Str(""),
                &"a non-empty property name",
            ));
        }
        Ok(Name(name))
    }
}

/// For optional fields (with `#[serde(default)]`) where `null` is a value, not an absence:
/// `default: null` is Some(Null) and `type: null` the JSON type null.
fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Null,
}

impl JsonType {
    const ALL: [JsonType; 7] = [
        JsonType::String,
        JsonType::Number,
        JsonType::Integer,
        JsonType::Boolean,
        JsonType::Object,
        JsonType::Array,
        JsonType::Null,
    ];

    fn zero(self) -> Value {
        match self {
            JsonType::String => Value::String(String::new()),
            JsonType::Number | JsonType::Integer => Value::from(0),
            JsonType::Boolean => Value::Bool(false),
            JsonType::Object => Value::Object(serde_json::Map::new()),
            JsonType::Array => Value::Array(Vec::new()),
            JsonType::Null => Value::Null,
        }
    }

    fn admits(self, value: &Value) -> bool {
        match self {
            JsonType::String => value.is_string(),
            JsonType::Number => value.is_number(),
            JsonType::Integer => value.is_i64() || value.is_u64(),
            JsonType::Boolean => value.is_boolean(),
            JsonType::Object => value.is_object(),
            JsonType::Array => value.is_array(),
            JsonType::Null => value.is_null(),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        }
    }
}

impl<'de> Deserialize<'de> for JsonType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(TypesVisitor { list: false })
            .and_then(|types: Types| match types.0.as_slice() {
                [one] => Ok(*one),
                _ => Err(de::Error::custom("expected one type")),
            })
    }
}

/// A `type` as written: one JSON type, or Cambria's list of them (`[string, null]`). A bare
/// `null` (YAML's null rather than the string) is the type null, as Cambria reads it.
struct Types(Vec<JsonType>);

struct TypesVisitor {
    /// Whether a list is allowed here (not inside a list).
    list: bool,
}

impl TypesVisitor {
    fn one<E: de::Error>(name: &str) -> Result<Types, E> {
        JsonType::ALL
            .into_iter()
            .find(|ty| ty.as_str() == name)
            .map(|ty| Types(vec![ty]))
            .ok_or_else(|| {
                E::unknown_variant(
                    name,
                    &[
                        "string", "number", "integer", "boolean", "object", "array", "null",
                    ],
                )
            })
    }
}

impl<'de> Visitor<'de> for TypesVisitor {
    type Value = Types;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.list {
            f.write_str("a JSON type (`string`, `number`, ...) or a list of them")
        } else {
            f.write_str("a JSON type (`string`, `number`, ...)")
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Types, E> {
        Self::one(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Types, E> {
        Ok(Types(vec![JsonType::Null]))
    }

    fn visit_none<E: de::Error>(self) -> Result<Types, E> {
        Ok(Types(vec![JsonType::Null]))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Types, A::Error> {
        if !self.list {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        let mut types: Vec<JsonType> = Vec::new();
        while let Some(ty) = seq.next_element::<JsonType>()? {
            if types.contains(&ty) {
                return Err(de::Error::custom(format!(
                    "the type `{}` appears twice in `type`",
                    ty.as_str()
                )));
            }
            types.push(ty);
        }
        if types.is_empty() {
            return Err(de::Error::custom("`type` lists no type"));
        }
        Ok(Types(types))
    }
}

impl<'de> Deserialize<'de> for Types {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TypesVisitor { list: true })
    }
}

impl Types {
    /// The value a property of these types gets when the lens gives none: null when null is
    /// one of them (as Cambria does), else the zero value of the first.
    fn zero(&self) -> Value {
        match self.0.as_slice() {
            [first, ..] if !self.0.contains(&JsonType::Null) => first.zero(),
            _ => Value::Null,
        }
    }

    fn admits(&self, value: &Value) -> bool {
        self.0.iter().any(|ty| ty.admits(value))
    }

    /// `string`, or `[string, null]`, for messages.
    fn describe(&self) -> String {
        match self.0.as_slice() {
            [one] => one.as_str().to_owned(),
            many => format!(
                "[{}]",
                many.iter()
                    .map(|ty| ty.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// `value` if it is of these types; for a string that is not, the scalar its text is
    /// (`"true"` -> `true`, `"3"` -> `3`) if that is. For the keys of a JSON lens file's
    /// table, which are strings whatever they stand for.
    fn coerce(&self, value: &Value) -> Option<Value> {
        if self.admits(value) {
            return Some(value.clone());
        }
        let Value::String(text) = value else {
            return None;
        };
        let parsed: Value = serde_json::from_str(text).ok()?;
        (!parsed.is_array() && !parsed.is_object() && self.admits(&parsed)).then_some(parsed)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddArgs {
    name: Name,
    #[serde(rename = "type", default, deserialize_with = "some")]
    ty: Option<Types>,
    #[serde(default, deserialize_with = "some")]
    default: Option<Value>,
    /// Cambria's: whether its JSON Schema lists the property as required. Documents are not
    /// affected; accepted so that Cambria lenses load.
    #[serde(default, rename = "required")]
    _required: Option<bool>,
    /// Cambria's: the type of an array's elements, for its JSON Schema. Checked, not used.
    #[serde(default)]
    items: Option<Items>,
}

/// Cambria's `items` of an `add`/`remove` of an array: the elements' type and default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Items {
    #[serde(rename = "type")]
    ty: Types,
    #[serde(default, deserialize_with = "some")]
    default: Option<Value>,
    #[serde(default)]
    items: Option<Box<Items>>,
}

impl Items {
    fn check(&self) -> Result<(), String> {
        if let Some(default) = &self.default {
            if !self.ty.admits(default) {
                return Err(format!(
                    "`items`: `default` {default} is not of `type` {}",
                    self.ty.describe()
                ));
            }
        }
        self.items.as_ref().map_or(Ok(()), |items| items.check())
    }
}

fn add_or_remove(args: AddArgs, add: bool) -> Result<Op, String> {
    if let Some(items) = &args.items {
        items.check()?;
    }
    let default = match (args.default, args.ty) {
        (Some(default), Some(ty)) if !ty.admits(&default) => {
            return Err(format!(
                "`default` {default} is not of `type` {}",
                ty.describe()
            ))
        }
        (Some(default), _) => Some(default),
        (None, Some(ty)) => Some(ty.zero()),
        // Cambria's `remove: { name: x }`: down has nothing to restore.
        (None, None) if !add => None,
        (None, None) => {
            return Err(format!(
                "`add` of `{}` needs a `default` (or a `type` to take its zero value from)",
                args.name.0
            ))
        }
    };
    let name = args.name.0;
    Ok(if add {
        Op::Add { name, default }
    } else {
        Op::Remove { name, default }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameArgs {
    source: Name,
    destination: Name,
}

fn rename(
    RenameArgs {
        source,
        destination,
    }: RenameArgs,
) -> Result<Op, String> {
    if source.0 == destination.0 {
        return Err(format!(
            "`source` and `destination` are both `{}`",
            source.0
        ));
    }
    Ok(Op::Rename {
        source: source.0,
        destination: destination.0,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HostArgs {
    host: Name,
    name: Name,
}

fn host_and_name(HostArgs { host, name }: HostArgs, hoist: bool) -> Result<Op, String> {
    if host.0 == name.0 {
        return Err(format!("`host` and `name` are both `{}`", host.0));
    }
    let (host, name) = (host.0, name.0);
    // A written hoist leaves its host in place (Cambria); a written plunge owns the host it
    // may create, so that its inverse removes it again once emptied.
    Ok(if hoist {
        Op::Hoist {
            host,
            name,
            owns_host: false,
        }
    } else {
        Op::Plunge {
            host,
            name,
            owns_host: true,
        }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameArgs {
    name: Name,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InArgs {
    name: Name,
    lens: Vec<FileOp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapArgs {
    #[serde(default)]
    name: Option<Name>,
    lens: Vec<FileOp>,
}

/// The operations of an `in`'s or `map`'s lens: either all `map`s without a name (the lens
/// runs on an array) or none (it runs on an object).
fn nested(lens: Vec<FileOp>) -> Result<Vec<Op>, String> {
    let ops: Vec<Op> = lens.into_iter().map(|op| op.0).collect();
    let nameless = |op: &Op| matches!(op, Op::Map { name: None, .. });
    if ops.iter().any(nameless) && !ops.iter().all(nameless) {
        return Err("a `map` without a `name` runs on the array its enclosing `in` (or `map`) selects, so the other operations of that lens would have no object to work on; give each `map` a `name` instead".to_owned());
    }
    Ok(ops)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConvertArgs {
    name: Name,
    mapping: Vec<Table>,
    #[serde(default, deserialize_with = "some")]
    default: Option<Value>,
    #[serde(default, deserialize_with = "some")]
    reverse_default: Option<Value>,
    /// Cambria's: the type of the values up converts, and of those down produces.
    #[serde(default, rename = "sourceType")]
    source_type: Option<Types>,
    /// Cambria's: the type of the values up produces.
    #[serde(default, rename = "destinationType")]
    destination_type: Option<Types>,
}

fn convert(args: ConvertArgs) -> Result<Op, String> {
    let mut tables = args.mapping.into_iter();
    let (Some(forward), backward, None) = (tables.next(), tables.next(), tables.next()) else {
        return Err(
            "`mapping` lists one table (forward) or two (forward, then backward)".to_owned(),
        );
    };
    let backward = match backward {
        Some(backward) => backward,
        None => forward.derive_backward(|key| match &args.source_type {
            Some(types) => types.coerce(key).ok_or_else(|| {
                format!(
                    "cannot derive the backward table: the key {key} is not of `sourceType` {}",
                    types.describe()
                )
            }),
            None => Ok(key.clone()),
        })?,
    };
    // Cambria's types say what each table produces: checked here rather than found out later.
    check_types(
        args.destination_type.as_ref(),
        "destinationType",
        forward.values().chain(args.default.as_ref()),
    )?;
    check_types(
        args.source_type.as_ref(),
        "sourceType",
        backward.values().chain(args.reverse_default.as_ref()),
    )?;
    let duplicate = |key: String| format!("the key `{key}` appears twice in one table");
    let forward = Mapping::new(forward.into_entries(), args.default).map_err(duplicate)?;
    let backward =
        Mapping::new(backward.into_entries(), args.reverse_default).map_err(duplicate)?;
    Ok(Op::Convert {
        name: args.name.0,
        forward,
        backward,
    })
}

/// Every value is of `types` (when given), or a message naming the first that is not.
fn check_types<'a>(
    types: Option<&Types>,
    field: &str,
    mut values: impl Iterator<Item = &'a Value>,
) -> Result<(), String> {
    let Some(types) = types else {
        return Ok(());
    };
    match values.find(|value| !types.admits(value)) {
        Some(value) => Err(format!("{value} is not of `{field}` {}", types.describe())),
        None => Ok(()),
    }
}
