//! The parsed form of an Avro schema: a tree of [`Node`]s whose named types live in one table,
//! so recursive types and references are indices, never cycles of pointers.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prim {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
}

impl Prim {
    pub(crate) fn from_name(name: &str) -> Option<Prim> {
        Some(match name {
            "null" => Prim::Null,
            "boolean" => Prim::Boolean,
            "int" => Prim::Int,
            "long" => Prim::Long,
            "float" => Prim::Float,
            "double" => Prim::Double,
            "bytes" => Prim::Bytes,
            "string" => Prim::String,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Prim::Null => "null",
            Prim::Boolean => "boolean",
            Prim::Int => "int",
            Prim::Long => "long",
            Prim::Float => "float",
            Prim::Double => "double",
            Prim::Bytes => "bytes",
            Prim::String => "string",
        }
    }
}

/// Logical types Versiqii checks. One on the wrong underlying type, or a decimal with an
/// impossible precision/scale, is ignored as the specification requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Logical {
    Date,
    TimeMillis,
    TimeMicros,
    TimestampMillis,
    TimestampMicros,
    TimestampNanos,
    LocalTimestampMillis,
    LocalTimestampMicros,
    LocalTimestampNanos,
    Uuid,
    Decimal { precision: u32, scale: u32 },
    Duration,
}

impl Logical {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Logical::Date => "date",
            Logical::TimeMillis => "time-millis",
            Logical::TimeMicros => "time-micros",
            Logical::TimestampMillis => "timestamp-millis",
            Logical::TimestampMicros => "timestamp-micros",
            Logical::TimestampNanos => "timestamp-nanos",
            Logical::LocalTimestampMillis => "local-timestamp-millis",
            Logical::LocalTimestampMicros => "local-timestamp-micros",
            Logical::LocalTimestampNanos => "local-timestamp-nanos",
            Logical::Uuid => "uuid",
            Logical::Decimal { .. } => "decimal",
            Logical::Duration => "duration",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Prim(Prim, Option<Logical>),
    Array(Box<Node>),
    Map(Box<Node>),
    Union(Vec<Node>),
    /// Index into [`super::AvroSchema`]'s table of named types.
    Named(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Named {
    pub fullname: String,
    /// Full names.
    pub aliases: Vec<String>,
    pub kind: NamedKind,
}

impl Named {
    /// Whether a reader type named `self` accepts data written as `writer` (name or alias).
    pub(crate) fn answers_to(&self, writer: &str) -> bool {
        self.fullname == writer || self.aliases.iter().any(|a| a == writer)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NamedKind {
    Record(Vec<Field>),
    Enum {
        symbols: Vec<String>,
        default: Option<String>,
    },
    Fixed {
        size: u64,
        logical: Option<Logical>,
    },
}

impl NamedKind {
    pub(crate) fn word(&self) -> &'static str {
        match self {
            NamedKind::Record(_) => "record",
            NamedKind::Enum { .. } => "enum",
            NamedKind::Fixed { .. } => "fixed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub name: String,
    pub aliases: Vec<String>,
    pub ty: Node,
    pub default: Option<Value>,
}
