//! The operations a lens is made of, and the inverse of each one.

use serde_json::Value;

/// One step of a lens, as the parser validated it. Every operation works on one object (the
/// document, or the object an enclosing [`Op::In`] / [`Op::Map`] points at) and names the
/// properties it touches; `docs/lenses.md` describes each one with examples.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Sets `name` to `default` when it is absent. Inverse: [`Op::Remove`]. `default` is `None`
    /// only as the inverse of a `remove` without a default or type (Cambria's `remove: {name}`):
    /// that `add` adds nothing.
    Add {
        name: String,
        default: Option<Value>,
    },
    /// Deletes `name`. Inverse: [`Op::Add`] with the same default.
    Remove {
        name: String,
        default: Option<Value>,
    },
    /// Renames `source` to `destination`. Inverse: the swapped rename.
    Rename { source: String, destination: String },
    /// Moves `host.name` up to `name`, leaving `host` in place (as Cambria does) unless
    /// `owns_host`, when a `host` it empties is removed. Inverse: [`Op::Plunge`].
    Hoist {
        host: String,
        name: String,
        owns_host: bool,
    },
    /// Moves `name` down into `host.name`, creating `host` when absent or null. Inverse:
    /// [`Op::Hoist`] with the same `owns_host`, which is true for a `plunge` written in a file
    /// (so that its inverse removes the host the plunge created) and false for the inverse of a
    /// written `hoist` (which leaves the host in place).
    Plunge {
        host: String,
        name: String,
        owns_host: bool,
    },
    /// Replaces the value of `name` by a one-element array. Inverse: [`Op::Head`].
    Wrap { name: String },
    /// Replaces the array at `name` by its first element. Inverse: [`Op::Wrap`].
    Head { name: String },
    /// Runs `lens` on the object at `name`. Inverse: `in` with the inverted lens.
    In { name: String, lens: Vec<Op> },
    /// Runs `lens` on every element of the array at `name`; without a `name` (Cambria's form),
    /// on every element of the array the operation itself is given: the one an enclosing
    /// [`Op::In`] or [`Op::Map`] selected. Inverse: `map` with the inverted lens.
    Map { name: Option<String>, lens: Vec<Op> },
    /// Maps the value at `name` through `forward`. Inverse: the same with the mappings swapped.
    Convert {
        name: String,
        forward: Mapping,
        backward: Mapping,
    },
}

impl Op {
    /// The operation's name as written in lens files (`rename`, `in`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Add { .. } => "add",
            Op::Remove { .. } => "remove",
            Op::Rename { .. } => "rename",
            Op::Hoist { .. } => "hoist",
            Op::Plunge { .. } => "plunge",
            Op::Wrap { .. } => "wrap",
            Op::Head { .. } => "head",
            Op::In { .. } => "in",
            Op::Map { .. } => "map",
            Op::Convert { .. } => "convert",
        }
    }

    /// The operation that undoes this one (exactly, where the operation keeps information).
    pub fn inverse(&self) -> Op {
        match self {
            Op::Add { name, default } => Op::Remove {
                name: name.clone(),
                default: default.clone(),
            },
            Op::Remove { name, default } => Op::Add {
                name: name.clone(),
                default: default.clone(),
            },
            Op::Rename {
                source,
                destination,
            } => Op::Rename {
                source: destination.clone(),
                destination: source.clone(),
            },
            Op::Hoist {
                host,
                name,
                owns_host,
            } => Op::Plunge {
                host: host.clone(),
                name: name.clone(),
                owns_host: *owns_host,
            },
            Op::Plunge {
                host,
                name,
                owns_host,
            } => Op::Hoist {
                host: host.clone(),
                name: name.clone(),
                owns_host: *owns_host,
            },
            Op::Wrap { name } => Op::Head { name: name.clone() },
            Op::Head { name } => Op::Wrap { name: name.clone() },
            Op::In { name, lens } => Op::In {
                name: name.clone(),
                lens: invert(lens),
            },
            Op::Map { name, lens } => Op::Map {
                name: name.clone(),
                lens: invert(lens),
            },
            Op::Convert {
                name,
                forward,
                backward,
            } => Op::Convert {
                name: name.clone(),
                forward: backward.clone(),
                backward: forward.clone(),
            },
        }
    }
}

/// The name of the operation whose inverse is called `name` (`plunge` -> `hoist`).
pub(crate) fn inverse_name(name: &'static str) -> &'static str {
    match name {
        "add" => "remove",
        "remove" => "add",
        "hoist" => "plunge",
        "plunge" => "hoist",
        "wrap" => "head",
        "head" => "wrap",
        other => other,
    }
}

/// Whether a nested lens runs on an array rather than an object: it is made of `map`s without
/// a name (Cambria's `in: { name: tasks, lens: [ { map: ... } ] }`). The parser refuses a lens
/// that mixes those with other operations, so the first one decides.
pub(crate) fn on_array(lens: &[Op]) -> bool {
    matches!(lens.first(), Some(Op::Map { name: None, .. }))
}

/// The lens that undoes `ops`: the inverse of each operation, last one first.
pub(crate) fn invert(ops: &[Op]) -> Vec<Op> {
    ops.iter().rev().map(Op::inverse).collect()
}

/// A `convert` table for one direction: scalar values (matched by their text, see
/// [`Mapping::get`]) to replacement values, and an optional fallback for everything else.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    /// Sorted by key, keys unique.
    entries: Vec<(String, Value)>,
    fallback: Option<Value>,
}

impl Mapping {
    /// Builds a mapping; the offending key as the error when a key appears twice.
    pub(crate) fn new(
        mut entries: Vec<(String, Value)>,
        fallback: Option<Value>,
    ) -> Result<Mapping, String> {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(pair[0].0.clone());
        }
        Ok(Mapping { entries, fallback })
    }

    /// The replacement for `value`: the table entry whose key is the value's text (a string's
    /// content, or the JSON text of a number, boolean or null), else the fallback. Objects and
    /// arrays only ever get the fallback.
    pub fn get(&self, value: &Value) -> Option<&Value> {
        let found = match value {
            Value::String(text) => self.lookup(text),
            Value::Bool(true) => self.lookup("true"),
            Value::Bool(false) => self.lookup("false"),
            Value::Null => self.lookup("null"),
            Value::Number(number) => self.lookup(&number.to_string()),
            Value::Array(_) | Value::Object(_) => None,
        };
        found.or(self.fallback.as_ref())
    }

    fn lookup(&self, key: &str) -> Option<&Value> {
        self.entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|index| &self.entries[index].1)
    }

    /// The table's entries, sorted by key.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The value for anything the table does not list, if any.
    pub fn fallback(&self) -> Option<&Value> {
        self.fallback.as_ref()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
