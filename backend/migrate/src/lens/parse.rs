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

/// A parsed lens file: its operations and optional description.
pub(crate) struct Parsed {
    pub description: Option<String>,
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
    let ops: Vec<Op> = file.lens.into_iter().map(|op| op.0).collect();
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
    lens: Vec<FileOp>,
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
            Kind::In => Ok(nested(map.next_value()?, true)),
            Kind::Map => Ok(nested(map.next_value()?, false)),
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

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddArgs {
    name: Name,
    #[serde(rename = "type", default, deserialize_with = "some")]
    ty: Option<JsonType>,
    #[serde(default, deserialize_with = "some")]
    default: Option<Value>,
}

fn add_or_remove(args: AddArgs, add: bool) -> Result<Op, String> {
    let default = match (args.default, args.ty) {
        (Some(default), Some(ty)) if !ty.admits(&default) => {
            return Err(format!(
                "`default` {default} is not of `type` {}",
                ty.as_str()
            ))
        }
        (Some(default), _) => default,
        (None, Some(ty)) => ty.zero(),
        (None, None) => {
            return Err(format!(
                "`{}` of `{}` needs a `default` (or a `type` to take its zero value from)",
                if add { "add" } else { "remove" },
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
    Ok(if hoist {
        Op::Hoist { host, name }
    } else {
        Op::Plunge { host, name }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameArgs {
    name: Name,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NestedArgs {
    name: Name,
    lens: Vec<FileOp>,
}

fn nested(NestedArgs { name, lens }: NestedArgs, is_in: bool) -> Op {
    let (name, lens) = (name.0, lens.into_iter().map(|op| op.0).collect());
    if is_in {
        Op::In { name, lens }
    } else {
        Op::Map { name, lens }
    }
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
        None => forward.derive_backward()?,
    };
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
