//! Checking a config (a JSON value) against a message's proto3 canonical JSON mapping.
//!
//! prost-reflect's deserializer is the reference but stops at its first error and says nothing
//! of where it was, so the message is walked here to report every violation with its JSON
//! pointer; prost-reflect then runs as a backstop, so a config the walker lets through but the
//! mapping rejects is still refused (reported at the root).

use super::compile::ProtoSchema;
use crate::schema::Violation;
use base64::Engine as _;
use prost_reflect::{
    DeserializeOptions, DynamicMessage, EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor,
    OneofDescriptor,
};
use serde_json::Value;

/// Deepest message nesting walked; deeper configs get one `depth` violation.
pub const MAX_DEPTH: usize = 64;

impl ProtoSchema {
    /// Every way `config` is not a valid JSON encoding of the config message, in document
    /// order. Unknown fields are refused.
    pub fn validate(&self, config: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut pointer = String::new();
        walk_message(self.message(), config, &mut pointer, 0, &mut out);
        if out.is_empty() {
            let options = DeserializeOptions::new().deny_unknown_fields(true);
            if let Err(err) =
                DynamicMessage::deserialize_with_options(self.message().clone(), config, &options)
            {
                out.push(violation("", "type", err.to_string()));
            }
        }
        out
    }

    pub fn is_valid(&self, config: &Value) -> bool {
        self.validate(config).is_empty()
    }
}

fn violation(pointer: &str, keyword: &str, message: impl Into<String>) -> Violation {
    Violation {
        pointer: pointer.to_owned(),
        keyword: keyword.to_owned(),
        message: message.into(),
    }
}

/// Appends `/token` (escaped) to the pointer, runs `f`, and restores it.
fn with_token<T>(pointer: &mut String, token: &str, f: impl FnOnce(&mut String) -> T) -> T {
    let len = pointer.len();
    pointer.push('/');
    if token.contains(['~', '/']) {
        pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
    } else {
        pointer.push_str(token);
    }
    let result = f(pointer);
    pointer.truncate(len);
    result
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn walk_message(
    message: &MessageDescriptor,
    value: &Value,
    pointer: &mut String,
    depth: usize,
    out: &mut Vec<Violation>,
) {
    if depth > MAX_DEPTH {
        out.push(violation(
            pointer,
            "depth",
            format!("nested deeper than {MAX_DEPTH} messages"),
        ));
        return;
    }
    if let Some(check) = message
        .full_name()
        .strip_prefix("google.protobuf.")
        .and_then(|_| well_known(message.full_name()))
    {
        check(message, value, pointer, depth, out);
        return;
    }
    let Value::Object(object) = value else {
        out.push(violation(
            pointer,
            "type",
            format!(
                "expected an object ({}), got {}",
                message.full_name(),
                json_type(value)
            ),
        ));
        return;
    };
    // (oneof, first member key) and (field number, key) met so far: bounded by the message's
    // oneofs and fields, and small, so vectors beat hashing.
    let mut oneofs: Vec<(OneofDescriptor, &str)> = Vec::new();
    let mut seen: Vec<(u32, &str)> = Vec::new();
    for (key, item) in object {
        let field = message
            .get_field_by_json_name(key)
            .or_else(|| message.get_field_by_name(key));
        let Some(field) = field else {
            with_token(pointer, key, |p| {
                out.push(violation(
                    p,
                    "unknown-field",
                    format!("`{key}` is not a field of {}", message.full_name()),
                ))
            });
            continue;
        };
        with_token(pointer, key, |p| {
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == field.number()) {
                out.push(violation(
                    p,
                    "duplicate",
                    format!("field `{}` is also given as `{first}`", field.name()),
                ));
                return;
            }
            seen.push((field.number(), key));
            if item.is_null() && !accepts_null_value(&field) {
                return; // null means the default value
            }
            if let Some(oneof) = field.containing_oneof().filter(|o| !o.is_synthetic()) {
                if let Some((_, first)) = oneofs.iter().find(|(o, _)| *o == oneof) {
                    out.push(violation(
                        p,
                        "oneof",
                        format!(
                            "`{key}` and `{first}` are both members of oneof `{}`",
                            oneof.name()
                        ),
                    ));
                } else {
                    oneofs.push((oneof, key));
                }
            }
            walk_field(&field, item, p, depth, out);
        });
    }
}

/// `google.protobuf.Value` fields take `null` as a value; every other field reads it as unset.
fn accepts_null_value(field: &FieldDescriptor) -> bool {
    !field.is_list()
        && !field.is_map()
        && match field.kind() {
            Kind::Message(m) => m.full_name() == "google.protobuf.Value",
            Kind::Enum(e) => e.full_name() == "google.protobuf.NullValue",
            _ => false,
        }
}

fn walk_field(
    field: &FieldDescriptor,
    value: &Value,
    pointer: &mut String,
    depth: usize,
    out: &mut Vec<Violation>,
) {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            return;
        };
        let Value::Object(object) = value else {
            out.push(violation(
                pointer,
                "type",
                format!("expected an object (map), got {}", json_type(value)),
            ));
            return;
        };
        let key_kind = entry.map_entry_key_field().kind();
        let value_field = entry.map_entry_value_field();
        for (key, item) in object {
            with_token(pointer, key, |p| {
                if let Err(message) = check_map_key(&key_kind, key) {
                    out.push(violation(p, "map-key", message));
                }
                walk_single(&value_field.kind(), item, p, depth, out);
            });
        }
    } else if field.is_list() {
        let Value::Array(items) = value else {
            out.push(violation(
                pointer,
                "type",
                format!("expected an array, got {}", json_type(value)),
            ));
            return;
        };
        for (index, item) in items.iter().enumerate() {
            with_token(pointer, &index.to_string(), |p| {
                if item.is_null() && !accepts_null_value(field) {
                    out.push(violation(
                        p,
                        "type",
                        "null is not allowed in a repeated field",
                    ));
                } else {
                    walk_single(&field.kind(), item, p, depth, out);
                }
            });
        }
    } else {
        walk_single(&field.kind(), value, pointer, depth, out);
    }
}

fn walk_single(
    kind: &Kind,
    value: &Value,
    pointer: &mut String,
    depth: usize,
    out: &mut Vec<Violation>,
) {
    let result = match kind {
        Kind::Message(message) => {
            walk_message(message, value, pointer, depth + 1, out);
            Ok(())
        }
        Kind::Enum(enumeration) => check_enum(enumeration, value),
        scalar => check_scalar(scalar, value),
    };
    if let Err((keyword, message)) = result {
        out.push(violation(pointer, keyword, message));
    }
}

type Check = Result<(), (&'static str, String)>;

fn type_error(expected: &str, value: &Value) -> (&'static str, String) {
    (
        "type",
        format!("expected {expected}, got {}", json_type(value)),
    )
}

fn check_enum(enumeration: &EnumDescriptor, value: &Value) -> Check {
    if enumeration.full_name() == "google.protobuf.NullValue" && value.is_null() {
        return Ok(());
    }
    check_named_enum(enumeration, value)
}

fn check_named_enum(enumeration: &EnumDescriptor, value: &Value) -> Check {
    match value {
        Value::String(name) => {
            if enumeration.get_value_by_name(name).is_some() {
                Ok(())
            } else {
                let names: Vec<String> = enumeration
                    .values()
                    .map(|v| v.name().to_owned())
                    .take(10)
                    .collect();
                Err((
                    "enum",
                    format!(
                        "`{name}` is not a value of {} (one of {})",
                        enumeration.full_name(),
                        names.join(", ")
                    ),
                ))
            }
        }
        Value::Number(n) => match n.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(_) => Ok(()),
            None => Err(("range", format!("enum number {n} is not an int32"))),
        },
        other => Err(type_error("an enum name (string) or number", other)),
    }
}

/// Integer bounds of each integral kind, as i128 so every one fits.
fn int_bounds(kind: &Kind) -> Option<(i128, i128, bool)> {
    // (min, max, 64-bit: may be a string)
    Some(match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => (i32::MIN.into(), i32::MAX.into(), false),
        Kind::Uint32 | Kind::Fixed32 => (0, u32::MAX.into(), false),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => (i64::MIN.into(), i64::MAX.into(), true),
        Kind::Uint64 | Kind::Fixed64 => (0, u64::MAX.into(), true),
        _ => return None,
    })
}

/// The integer a JSON number or numeric string denotes, if it is integral.
fn integral(value: &Value) -> Option<Result<i128, ()>> {
    match value {
        Value::Number(n) => Some(if let Some(i) = n.as_i64() {
            Ok(i.into())
        } else if let Some(u) = n.as_u64() {
            Ok(u.into())
        } else {
            match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1.8e19 => Ok(f as i128),
                _ => Err(()),
            }
        }),
        Value::String(s) => Some(parse_int_string(s)),
        _ => None,
    }
}

/// Integer strings as prost-reflect reads them: an optional sign and digits, nothing else.
fn parse_int_string(s: &str) -> Result<i128, ()> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    s.parse::<i128>().map_err(|_| ())
}

fn check_scalar(kind: &Kind, value: &Value) -> Check {
    if let Some((min, max, wide)) = int_bounds(kind) {
        let what = if wide {
            "an integer (number or string)"
        } else {
            "an integer"
        };
        return match integral(value) {
            None => Err(type_error(what, value)),
            Some(Err(())) => Err(("type", format!("expected {what}, got {value}"))),
            Some(Ok(i)) if i < min || i > max => Err((
                "range",
                format!("{i} is out of range for {} [{min}, {max}]", kind_name(kind)),
            )),
            Some(Ok(_)) => Ok(()),
        };
    }
    match kind {
        Kind::Double | Kind::Float => {
            let number = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => {
                    return Ok(())
                }
                Value::String(s) => s.parse::<f64>().ok().filter(|f| f.is_finite()),
                other => return Err(type_error("a number", other)),
            };
            match number {
                None => Err(("type", format!("expected a number, got {value}"))),
                Some(f) if matches!(kind, Kind::Float) && f.abs() > f64::from(f32::MAX) => {
                    Err(("range", format!("{f} is out of range for float")))
                }
                Some(_) => Ok(()),
            }
        }
        Kind::Bool => match value {
            Value::Bool(_) => Ok(()),
            other => Err(type_error("a boolean", other)),
        },
        Kind::String => match value {
            Value::String(_) => Ok(()),
            other => Err(type_error("a string", other)),
        },
        Kind::Bytes => match value {
            Value::String(s) => {
                if decode_base64(s) {
                    Ok(())
                } else {
                    Err((
                        "format",
                        "expected base64 (standard or URL-safe)".to_owned(),
                    ))
                }
            }
            other => Err(type_error("a base64 string", other)),
        },
        _ => Ok(()),
    }
}

/// Base64 as prost-reflect reads it: standard or URL-safe alphabet, padding optional, trailing
/// bits ignored.
fn decode_base64(s: &str) -> bool {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    use base64::engine::DecodePaddingMode;
    const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, CONFIG);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, CONFIG);
    STANDARD.decode(s).is_ok() || URL_SAFE.decode(s).is_ok()
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Int32 => "int32",
        Kind::Sint32 => "sint32",
        Kind::Sfixed32 => "sfixed32",
        Kind::Uint32 => "uint32",
        Kind::Fixed32 => "fixed32",
        Kind::Int64 => "int64",
        Kind::Sint64 => "sint64",
        Kind::Sfixed64 => "sfixed64",
        Kind::Uint64 => "uint64",
        Kind::Fixed64 => "fixed64",
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
        Kind::Message(_) => "message",
        Kind::Enum(_) => "enum",
    }
}

type WellKnown = fn(&MessageDescriptor, &Value, &mut String, usize, &mut Vec<Violation>);

/// Well-known types with a JSON form of their own.
fn well_known(name: &str) -> Option<WellKnown> {
    Some(match name {
        "google.protobuf.Timestamp" => {
            |_, v, p, _, out| string_form(v, p, out, "an RFC 3339 timestamp", is_timestamp)
        }
        "google.protobuf.Duration" => {
            |_, v, p, _, out| string_form(v, p, out, "a duration such as \"1.5s\"", is_duration)
        }
        "google.protobuf.FieldMask" => {
            |_, v, p, _, out| string_form(v, p, out, "a field mask string", |_| true)
        }
        "google.protobuf.Struct" => |_, v, p, _, out| {
            if !v.is_object() {
                out.push(violation(
                    p,
                    "type",
                    format!("expected an object, got {}", json_type(v)),
                ));
            }
        },
        "google.protobuf.ListValue" => |_, v, p, _, out| {
            if !v.is_array() {
                out.push(violation(
                    p,
                    "type",
                    format!("expected an array, got {}", json_type(v)),
                ));
            }
        },
        "google.protobuf.Value" => |_, _, _, _, _| {},
        "google.protobuf.Empty" => |_, v, p, _, out| match v {
            Value::Object(o) if o.is_empty() => {}
            Value::Object(_) => out.push(violation(
                p,
                "unknown-field",
                "google.protobuf.Empty takes no fields",
            )),
            other => out.push(violation(
                p,
                "type",
                format!("expected an object, got {}", json_type(other)),
            )),
        },
        "google.protobuf.Any" => |m, v, p, _, out| {
            // The embedded type must be in the pool: let the reference mapping decide.
            let options = DeserializeOptions::new().deny_unknown_fields(true);
            if let Err(err) = DynamicMessage::deserialize_with_options(m.clone(), v, &options) {
                out.push(violation(p, "type", err.to_string()));
            }
        },
        "google.protobuf.DoubleValue"
        | "google.protobuf.FloatValue"
        | "google.protobuf.Int64Value"
        | "google.protobuf.UInt64Value"
        | "google.protobuf.Int32Value"
        | "google.protobuf.UInt32Value"
        | "google.protobuf.BoolValue"
        | "google.protobuf.StringValue"
        | "google.protobuf.BytesValue" => |m, v, p, _, out| {
            if let Some(field) = m.get_field(1) {
                if let Err((keyword, message)) = check_scalar(&field.kind(), v) {
                    out.push(violation(p, keyword, message));
                }
            }
        },
        _ => return None,
    })
}

fn string_form(
    value: &Value,
    pointer: &str,
    out: &mut Vec<Violation>,
    what: &str,
    ok: fn(&str) -> bool,
) {
    match value {
        Value::String(s) if ok(s) => {}
        Value::String(s) => out.push(violation(pointer, "format", format!("`{s}` is not {what}"))),
        other => out.push(violation(
            pointer,
            "type",
            format!("expected {what}, got {}", json_type(other)),
        )),
    }
}

fn is_timestamp(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| {
            let year = chrono::Datelike::year(&t.with_timezone(&chrono::Utc));
            (1..=9999).contains(&year)
        })
        .unwrap_or(false)
}

/// `-?digits(.digits{1,9})?s`, seconds within ±315,576,000,000 as the mapping requires.
fn is_duration(s: &str) -> bool {
    let Some(body) = s.strip_suffix('s') else {
        return false;
    };
    let body = body.strip_prefix('-').unwrap_or(body);
    let (seconds, nanos) = match body.split_once('.') {
        Some((s, n)) => (s, Some(n)),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(seconds)
        && seconds.len() <= 12
        && seconds.parse::<u64>().is_ok_and(|s| s <= 315_576_000_000)
        && nanos.is_none_or(|n| digits(n) && n.len() <= 9)
}

fn check_map_key(kind: &Kind, key: &str) -> Result<(), String> {
    match kind {
        Kind::String => Ok(()),
        Kind::Bool => match key {
            "true" | "false" => Ok(()),
            _ => Err(format!("map key `{key}` is not `true` or `false`")),
        },
        other => {
            let (min, max, _) =
                int_bounds(other).ok_or_else(|| "unsupported map key".to_owned())?;
            match key.parse::<i128>() {
                Ok(i) if (min..=max).contains(&i) => Ok(()),
                _ => Err(format!("map key `{key}` is not a {}", kind_name(other))),
            }
        }
    }
}
