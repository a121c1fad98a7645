//! Running operations on a document, in place: values move between maps, nothing is cloned
//! except the small values a lens itself carries (defaults and `convert` replacements), and
//! what those add is metered (see [`super::MAX_GROWTH`]).

use serde_json::map::Entry;
use serde_json::{Map, Value};
use versiqii_core::document::json_size_within;

use super::ops::{on_array, Mapping, Op};

type Object = Map<String, Value>;

/// Why an operation failed, and where: `path` lists the keys and indexes from the failing place
/// outwards (innermost first), so enclosing `in` / `map` steps append as the error rises.
#[derive(Debug)]
pub(crate) struct Failure {
    pub op: &'static str,
    pub path: Vec<Segment>,
    pub message: String,
    /// The run went over its growth budget (rather than meeting a document it cannot edit).
    pub too_large: bool,
}

#[derive(Debug)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

impl Failure {
    fn at(op: &'static str, key: &str, message: String) -> Failure {
        Failure {
            op,
            path: vec![Segment::Key(key.to_owned())],
            message,
            too_large: false,
        }
    }

    fn within(mut self, segment: Segment) -> Failure {
        self.path.push(segment);
        self
    }

    /// The RFC 6901 pointer of the failing place, from the document root.
    pub fn pointer(&self) -> String {
        let mut pointer = String::new();
        for segment in self.path.iter().rev() {
            pointer.push('/');
            match segment {
                Segment::Key(key) => {
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
                Segment::Index(index) => pointer.push_str(&index.to_string()),
            }
        }
        pointer
    }
}

/// "a string", "an object", ... for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What one run may still add to the document, in bytes of compact JSON.
pub(crate) struct Growth {
    left: usize,
    max: usize,
}

impl Growth {
    pub(crate) fn new(max: usize) -> Growth {
        Growth { left: max, max }
    }

    /// Spends `bytes`, or fails the operation `op` at `key` once over the budget.
    fn spend(&mut self, bytes: usize, op: &'static str, key: &str) -> Result<(), Failure> {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(self.over(op, key)),
        }
    }

    /// The bytes `value` takes as compact JSON, or a failure when that alone is over what is
    /// left (sized without building anything).
    fn size(&self, value: &Value, op: &'static str, key: &str) -> Result<usize, Failure> {
        json_size_within(value, self.left).ok_or_else(|| self.over(op, key))
    }

    fn over(&self, op: &'static str, key: &str) -> Failure {
        Failure {
            too_large: true,
            ..Failure::at(
                op,
                key,
                format!(
                    "the lens adds more than {} KiB to the document in one run (its defaults and conversions, each time one is applied); no config may be that large",
                    self.max / 1024
                ),
            )
        }
    }
}

/// Runs `ops` on `object` in order; on failure, the index of the failing operation in `ops`.
pub(crate) fn run(
    ops: &[Op],
    object: &mut Object,
    growth: &mut Growth,
) -> Result<(), (usize, Failure)> {
    for (index, op) in ops.iter().enumerate() {
        step(op, object, growth).map_err(|failure| (index, failure))?;
    }
    Ok(())
}

fn step(op: &Op, object: &mut Object, growth: &mut Growth) -> Result<(), Failure> {
    match op {
        Op::Add { name, default } => {
            // No default: the inverse of a `remove` that had none; nothing to restore.
            let Some(default) = default else {
                return Ok(());
            };
            if let Entry::Vacant(slot) = object.entry(name.as_str()) {
                // The key with its quotes, colon and comma, and the value.
                let added = growth.size(default, "add", name)? + name.len() + 4;
                growth.spend(added, "add", name)?;
                slot.insert(default.clone());
            }
            Ok(())
        }
        Op::Remove { name, .. } => {
            object.remove(name);
            Ok(())
        }
        Op::Rename {
            source,
            destination,
        } => rename(object, source, destination),
        Op::Hoist {
            host,
            name,
            owns_host,
        } => hoist(object, host, name, *owns_host),
        Op::Plunge { host, name, .. } => plunge(object, host, name),
        Op::Wrap { name } => {
            if let Some(slot) = object.get_mut(name) {
                *slot = match slot.take() {
                    Value::Null => Value::Array(Vec::new()),
                    value => Value::Array(vec![value]),
                };
            }
            Ok(())
        }
        Op::Head { name } => head(object, name),
        Op::In { name, lens } => lens_in(object, name, lens, growth),
        Op::Map {
            name: Some(name),
            lens,
        } => lens_map(object, name, lens, growth),
        // The parser only lets a `map` without a name run on an array (see `on_array`).
        Op::Map { name: None, .. } => Err(Failure {
            op: "map",
            path: Vec::new(),
            message: "a `map` without a `name` runs on an array, not an object".to_owned(),
            too_large: false,
        }),
        Op::Convert { name, forward, .. } => convert(object, name, forward, growth),
    }
}

// The operations below check for conflicts as late as they can, to look every key up once:
// a failing one may leave the object half-changed, which is fine because `Lens::apply` owns
// the document and drops it with the error.

fn rename(object: &mut Object, source: &str, destination: &str) -> Result<(), Failure> {
    let Some(value) = object.remove(source) else {
        return Ok(());
    };
    match object.entry(destination) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            Ok(())
        }
        Entry::Occupied(_) => Err(Failure::at(
            "rename",
            destination,
            format!("cannot rename `{source}` to `{destination}`: `{destination}` already exists"),
        )),
    }
}

fn hoist(object: &mut Object, host: &str, name: &str, owns_host: bool) -> Result<(), Failure> {
    let (key, value, host_now_empty) = match object.get_mut(host) {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(inner)) => match inner.remove_entry(name) {
            Some((key, value)) => (key, value, inner.is_empty()),
            None => return Ok(()),
        },
        Some(other) => {
            return Err(Failure::at(
                "hoist",
                host,
                format!(
                    "cannot move `{host}.{name}` up: `{host}` is {}, not an object",
                    kind(other)
                ),
            ))
        }
    };
    match object.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(value);
        }
        Entry::Occupied(_) => {
            return Err(Failure::at(
                "hoist",
                name,
                format!("cannot move `{host}.{name}` up: `{name}` already exists"),
            ))
        }
    }
    if host_now_empty && owns_host {
        object.remove(host);
    }
    Ok(())
}

fn plunge(object: &mut Object, host: &str, name: &str) -> Result<(), Failure> {
    let Some((key, value)) = object.remove_entry(name) else {
        return Ok(());
    };
    match object.get_mut(host) {
        Some(Value::Object(inner)) => match inner.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(value);
            }
            Entry::Occupied(_) => {
                return Err(Failure::at(
                    "plunge",
                    name,
                    format!("cannot move `{name}` into `{host}`: `{host}.{name}` already exists"),
                )
                .within(Segment::Key(host.to_owned())))
            }
        },
        Some(slot @ Value::Null) => *slot = Value::Object(Object::from_iter([(key, value)])),
        Some(other) => {
            return Err(Failure::at(
                "plunge",
                host,
                format!(
                    "cannot move `{name}` into `{host}`: `{host}` is {}, not an object",
                    kind(other)
                ),
            ))
        }
        None => {
            let inner = Object::from_iter([(key, value)]);
            object.insert(host.to_owned(), Value::Object(inner));
        }
    }
    Ok(())
}

fn head(object: &mut Object, name: &str) -> Result<(), Failure> {
    let Some(slot) = object.get_mut(name) else {
        return Ok(());
    };
    let first = match slot {
        Value::Null => return Ok(()),
        Value::Array(items) if items.is_empty() => Value::Null,
        Value::Array(items) => items.swap_remove(0),
        other => {
            return Err(Failure::at(
                "head",
                name,
                format!("`{name}` is {}, not an array", kind(other)),
            ))
        }
    };
    *slot = first;
    Ok(())
}

fn lens_in(
    object: &mut Object,
    name: &str,
    lens: &[Op],
    growth: &mut Growth,
) -> Result<(), Failure> {
    let result = match object.get_mut(name) {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(inner)) if !on_array(lens) => {
            run(lens, inner, growth).map_err(|(_, failure)| failure)
        }
        Some(Value::Array(items)) if on_array(lens) => run_on_array(lens, items, growth, name),
        Some(other) => Err(Failure {
            op: "in",
            path: Vec::new(),
            message: format!("`{name}` is {}, not {}", kind(other), wanted(lens)),
            too_large: false,
        }),
    };
    result.map_err(|failure| failure.within(Segment::Key(name.to_owned())))
}

/// "an object" or "an array": what a nested lens runs on.
fn wanted(lens: &[Op]) -> &'static str {
    if on_array(lens) {
        "an array"
    } else {
        "an object"
    }
}

fn lens_map(
    object: &mut Object,
    name: &str,
    lens: &[Op],
    growth: &mut Growth,
) -> Result<(), Failure> {
    let items = match object.get_mut(name) {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(Failure::at(
                "map",
                name,
                format!("`{name}` is {}, not an array", kind(other)),
            ))
        }
    };
    map_items(lens, items, growth, name)
        .map_err(|failure| failure.within(Segment::Key(name.to_owned())))
}

/// Runs a lens made of `map`s without a name (see `on_array`) on the array `items`; `label`
/// names the array in messages (the property an enclosing `in` or `map` selected).
fn run_on_array(
    lens: &[Op],
    items: &mut [Value],
    growth: &mut Growth,
    label: &str,
) -> Result<(), Failure> {
    for op in lens {
        match op {
            Op::Map { name: None, lens } => map_items(lens, items, growth, label)?,
            // The parser keeps other operations out of such a lens.
            other => {
                return Err(Failure {
                    op: other.name(),
                    path: Vec::new(),
                    message: format!("`{label}` is an array, not an object"),
                    too_large: false,
                })
            }
        }
    }
    Ok(())
}

/// Runs `lens` on every element of `items`: objects, or arrays for a lens of `map`s without a
/// name; a null element is left alone. `label` names the array in messages.
fn map_items(
    lens: &[Op],
    items: &mut [Value],
    growth: &mut Growth,
    label: &str,
) -> Result<(), Failure> {
    let wants_array = on_array(lens);
    for (index, item) in items.iter_mut().enumerate() {
        let result = match item {
            Value::Null => Ok(()),
            Value::Object(inner) if !wants_array => {
                run(lens, inner, growth).map_err(|(_, failure)| failure)
            }
            Value::Array(inner) if wants_array => run_on_array(lens, inner, growth, label),
            other => Err(Failure {
                op: "map",
                path: Vec::new(),
                message: format!(
                    "element {index} of `{label}` is {}, not {}",
                    kind(other),
                    wanted(lens)
                ),
                too_large: false,
            }),
        };
        result.map_err(|failure| failure.within(Segment::Index(index)))?;
    }
    Ok(())
}

fn convert(
    object: &mut Object,
    name: &str,
    mapping: &Mapping,
    growth: &mut Growth,
) -> Result<(), Failure> {
    let Some(slot) = object.get_mut(name) else {
        return Ok(());
    };
    match mapping.get(slot) {
        Some(Value::String(replacement)) if slot.is_string() => {
            // Reuse the string's buffer.
            if let Value::String(text) = slot {
                growth.spend(
                    replacement.len().saturating_sub(text.len()),
                    "convert",
                    name,
                )?;
                text.clear();
                text.push_str(replacement);
            }
            Ok(())
        }
        Some(replacement) => {
            // What is replaced is a scalar (only those are looked up): cheap to size.
            let added = growth.size(replacement, "convert", name)?;
            let replaced = json_size_within(slot, usize::MAX).unwrap_or(0);
            growth.spend(added.saturating_sub(replaced), "convert", name)?;
            *slot = replacement.clone();
            Ok(())
        }
        None => Err(Failure::at(
            "convert",
            name,
            format!("no mapping for {} and no default", describe(slot)),
        )),
    }
}

/// A short rendering of a value for messages: scalars as JSON (cut at 40 characters).
fn describe(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => kind(value).to_owned(),
        scalar => {
            let text = scalar.to_string();
            match text.char_indices().nth(40) {
                Some((cut, _)) => format!("{}...", &text[..cut]),
                None => text,
            }
        }
    }
}
