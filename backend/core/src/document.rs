//! Config documents as bytes in, JSON data out: the one place that decides what JSON or YAML
//! text means, so the CLI and the server agree on every file.

mod caps;
mod yaml_value;

pub use caps::{check_depth, check_value, json_size_within, Cap, Caps, OverCap, MAX_DEPTH};

use caps::{kib, Meter};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Configs are small; a cap keeps one pathological file from stalling a batch or a request.
/// The same cap holds for a config's data as compact JSON (see [`Caps::CONFIG`]).
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// The format a file extension (without the dot) announces, if any.
    pub fn from_path_ext(ext: &str) -> Option<Format> {
        if ext.eq_ignore_ascii_case("json") {
            Some(Format::Json)
        } else if ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml") {
            Some(Format::Yaml)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocumentError {
    #[error("document is larger than the {} KiB limit", max / 1024)]
    TooLarge { max: usize },
    #[error("document is not valid UTF-8")]
    NotUtf8,
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("invalid YAML{}: {message}", position(*line, *column))]
    Yaml {
        line: usize,
        column: usize,
        message: String,
    },
    /// The data is over its size cap as compact JSON: YAML aliases count each time they are
    /// used, so a small text can get here. Refused where the cap was crossed, unbuilt.
    #[error(
        "document expands to more than {} as compact JSON{} (a YAML alias counts each time it is used)",
        kib(*max), position(*line, *column)
    )]
    ExpandsTooLarge {
        max: usize,
        line: usize,
        column: usize,
    },
    #[error("document nests arrays and objects more than {max} levels deep{}", position(*line, *column))]
    TooDeep {
        max: usize,
        line: usize,
        column: usize,
    },
}

/// Parses a config into the JSON data model, within [`Caps::CONFIG`]. With `format` unset,
/// text whose first non-blank character opens a JSON object or array is tried as JSON first,
/// and anything else (or JSON that does not parse) is read as YAML, which also accepts most
/// JSON.
pub fn parse_document(
    bytes: &[u8],
    format: Option<Format>,
) -> Result<(Value, Format), DocumentError> {
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(DocumentError::TooLarge {
            max: MAX_CONFIG_BYTES,
        });
    }
    parse_within(bytes, format, &Caps::CONFIG)
}

/// Parses a document of any text size (a schema) into the JSON data model within `caps`,
/// detecting the format as [`parse_document`] does.
pub fn parse_within(
    bytes: &[u8],
    format: Option<Format>,
    caps: &Caps,
) -> Result<(Value, Format), DocumentError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    match format {
        Some(Format::Json) => parse_json(bytes, caps).map(|v| (v, Format::Json)),
        Some(Format::Yaml) => parse_yaml(bytes, caps).map(|v| (v, Format::Yaml)),
        None => {
            if looks_like_json(bytes) {
                match parse_json(bytes, caps) {
                    Ok(value) => return Ok((value, Format::Json)),
                    // Over a cap as JSON is over it as YAML too.
                    Err(
                        over @ (DocumentError::ExpandsTooLarge { .. }
                        | DocumentError::TooDeep { .. }),
                    ) => return Err(over),
                    Err(_) => {}
                }
            }
            parse_yaml(bytes, caps).map(|v| (v, Format::Yaml))
        }
    }
}

/// Checks that a YAML (or JSON) text stays within `caps` once its aliases are expanded,
/// building nothing: for parsers of typed documents (lens files), which cannot meter what they
/// build. Syntax errors are left to them, except where they stop the walk.
pub fn check_yaml_within(text: &str, caps: &Caps) -> Result<(), DocumentError> {
    use serde::de::DeserializeSeed;
    let meter = Meter::new(*caps);
    let seed = caps::Measure {
        meter: &meter,
        depth: 0,
        key: false,
    };
    match seed.deserialize(serde_yaml_ng::Deserializer::from_str(text)) {
        Ok(()) => Ok(()),
        Err(e) => match over_cap(&meter, e.location().map(|at| (at.line(), at.column()))) {
            Some(over) => Err(over),
            None => Ok(()),
        },
    }
}

/// The error for a parse the meter stopped, if it did.
fn over_cap(meter: &Meter, at: Option<(usize, usize)>) -> Option<DocumentError> {
    let (line, column) = at.unwrap_or((0, 0));
    let caps = meter.caps();
    Some(match meter.over()? {
        Cap::Size => DocumentError::ExpandsTooLarge {
            max: caps.max_json_bytes,
            line,
            column,
        },
        Cap::Depth => DocumentError::TooDeep {
            max: caps.max_depth,
            line,
            column,
        },
    })
}

fn looks_like_json(bytes: &[u8]) -> bool {
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// How much larger than its text a JSON document can be as compact JSON: whitespace goes,
/// strings and keys never grow (no escape is longer than what it re-encodes to), integers
/// keep their text, and a float grows at most 4.5 times (`9e15` is `9000000000000000.0`).
const MAX_JSON_GROWTH: usize = 5;

/// JSON has no aliases: what it builds is bounded by its text (and serde_json's recursion
/// limit), so the common case parses unmetered and is checked after, which is cheaper; the
/// size only needs measuring when the text could expand past the cap. A document over a cap,
/// or one that does not parse, is parsed again metered, which says why and where.
fn parse_json(bytes: &[u8], caps: &Caps) -> Result<Value, DocumentError> {
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        let small = bytes.len().saturating_mul(MAX_JSON_GROWTH) <= caps.max_json_bytes;
        if check_depth(&value, caps.max_depth).is_ok()
            && (small || json_size_within(&value, caps.max_json_bytes).is_some())
        {
            return Ok(value);
        }
    }
    parse_json_metered(bytes, caps)
}

fn parse_json_metered(bytes: &[u8], caps: &Caps) -> Result<Value, DocumentError> {
    let meter = Meter::new(*caps);
    yaml_value::from_json(bytes, &meter).map_err(|e| {
        if let Some(over) = over_cap(&meter, Some((e.line(), e.column()))) {
            return over;
        }
        if std::str::from_utf8(bytes).is_err() {
            return DocumentError::NotUtf8;
        }
        let (line, column) = (e.line(), e.column());
        DocumentError::Json {
            line,
            column,
            message: without_position(e.to_string(), line, column),
        }
    })
}

fn parse_yaml(bytes: &[u8], caps: &Caps) -> Result<Value, DocumentError> {
    let meter = Meter::new(*caps);
    yaml_value::from_yaml(bytes, &meter).map_err(|e| {
        let at = e.location().map(|at| (at.line(), at.column()));
        if let Some(over) = over_cap(&meter, at) {
            return over;
        }
        if std::str::from_utf8(bytes).is_err() {
            return DocumentError::NotUtf8;
        }
        let (line, column) = at.unwrap_or((0, 0));
        DocumentError::Yaml {
            line,
            column,
            message: without_position(e.to_string(), line, column),
        }
    })
}

/// YAML errors such as "more than one document" have no position; 0 stands for none.
fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line}, column {column}")
    }
}

/// Parser messages repeat the position we already report in a structured way.
fn without_position(message: String, line: usize, column: usize) -> String {
    let suffix = format!(" at line {line} column {column}");
    let message = match message.strip_suffix(&suffix) {
        Some(trimmed) => trimmed.to_owned(),
        None => message.replacen(&suffix, "", 1),
    };
    message.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::canonical_json;
    use proptest::prelude::*;
    use serde_json::json;

    const YAML: &str = "\
name: payments
replicas: 3
ratio: 0.5
enabled: true
nothing: null
ports:
  - name: http
    port: 8080
labels:
  tier: gold
  \"1\": quoted
";

    fn expected() -> Value {
        json!({
            "name": "payments", "replicas": 3, "ratio": 0.5, "enabled": true, "nothing": null,
            "ports": [{"name": "http", "port": 8080}],
            "labels": {"tier": "gold", "1": "quoted"}
        })
    }

    #[test]
    fn json_and_yaml_of_the_same_data_parse_equal() {
        let json_text = serde_json::to_vec_pretty(&expected()).unwrap();
        let (from_json, f1) = parse_document(&json_text, Some(Format::Json)).unwrap();
        let (from_yaml, f2) = parse_document(YAML.as_bytes(), Some(Format::Yaml)).unwrap();
        assert_eq!((f1, f2), (Format::Json, Format::Yaml));
        assert_eq!(from_json, expected());
        assert_eq!(from_yaml, expected());
    }

    #[test]
    fn detection_prefers_json_then_falls_back_to_yaml() {
        let (v, f) = parse_document(b"  {\"a\": [1, 2]}", None).unwrap();
        assert_eq!((v, f), (json!({"a": [1, 2]}), Format::Json));
        let (v, f) = parse_document(b"{a: 1}", None).unwrap();
        assert_eq!((v, f), (json!({"a": 1}), Format::Yaml));
        let (v, f) = parse_document(YAML.as_bytes(), None).unwrap();
        assert_eq!((v, f), (expected(), Format::Yaml));
    }

    #[test]
    fn extensions_map_to_formats() {
        assert_eq!(Format::from_path_ext("json"), Some(Format::Json));
        assert_eq!(Format::from_path_ext("YML"), Some(Format::Yaml));
        assert_eq!(Format::from_path_ext("yaml"), Some(Format::Yaml));
        assert_eq!(Format::from_path_ext("toml"), None);
        assert_eq!(serde_json::to_value(Format::Yaml).unwrap(), json!("yaml"));
    }

    #[test]
    fn invalid_yaml_reports_its_line() {
        let err = parse_document(b"a: 1\nb: [1, 2\nc: 3\n", Some(Format::Yaml)).unwrap_err();
        let DocumentError::Yaml { line, .. } = &err else {
            panic!("expected a YAML error, got {err:?}");
        };
        assert!(*line >= 2, "{err}");
        let text = err.to_string();
        assert!(text.starts_with(&format!("invalid YAML at line {line}, column ")));
        assert!(!text.contains('\n'));
    }

    #[test]
    fn invalid_json_reports_line_and_column() {
        let err = parse_document(b"{\n  \"a\": 1,\n}", Some(Format::Json)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid JSON at line 3, column 1: trailing comma"
        );
    }

    #[test]
    fn yaml_keys_must_be_strings() {
        for text in [
            "1: a\n",
            "true: a\n",
            "~: a\n",
            "x:\n  2.5: a\n",
            "- {0x1F: a}\n",
            "? \n: a\n",
        ] {
            let err = parse_document(text.as_bytes(), Some(Format::Yaml)).unwrap_err();
            assert!(
                err.to_string().contains("is not a string"),
                "{text:?}: {err}"
            );
        }
        let err = parse_document(b"? [a]\n: b\n", Some(Format::Yaml)).unwrap_err();
        assert!(err.to_string().contains("keys must be strings"), "{err}");
    }

    #[test]
    fn quoted_block_and_anchored_keys_are_strings_whatever_they_look_like() {
        let text = "\"1\": a\n'true': b\n\"\\x32\": c\n? |\n  3\n: d\nx: &k \"4\"\n*k : e\n";
        let (v, _) = parse_document(text.as_bytes(), Some(Format::Yaml)).unwrap();
        let expected = json!({"1": "a", "true": "b", "2": "c", "3\n": "d", "x": "4", "4": "e"});
        assert_eq!(v, expected);
    }

    #[test]
    fn yaml_outside_the_json_data_model_is_refused() {
        for text in ["a: .nan\n", "a: !custom 1\n", "a: 1\n---\nb: 2\n"] {
            assert!(
                parse_document(text.as_bytes(), Some(Format::Yaml)).is_err(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn size_cap_and_encoding_are_checked() {
        let big = vec![b' '; MAX_CONFIG_BYTES + 1];
        assert_eq!(
            parse_document(&big, None).unwrap_err(),
            DocumentError::TooLarge {
                max: MAX_CONFIG_BYTES
            }
        );
        assert_eq!(
            parse_document(b"a: \xff\xfe\n", Some(Format::Yaml)).unwrap_err(),
            DocumentError::NotUtf8
        );
        assert_eq!(
            parse_document(b"{\"a\": \"\xff\"}", Some(Format::Json)).unwrap_err(),
            DocumentError::NotUtf8
        );
        let (v, _) = parse_document(b"\xEF\xBB\xBF{\"a\": 1}", Some(Format::Json)).unwrap();
        assert_eq!(v, json!({"a": 1}));
    }

    /// Billion laughs within the YAML parser's own limit on alias jumps (a hundred per event):
    /// few jumps, each to a large value. A thousand strings, then two levels of a hundred
    /// aliases each: 10^7 strings (60 MB of JSON) from 7 KB of text.
    fn laughs() -> String {
        let mut text = format!("a0: &a0 [{}]\n", vec!["lol"; 1000].join(", "));
        for level in 1..3 {
            let refs = vec![format!("*a{}", level - 1); 100].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        text
    }

    #[test]
    fn a_yaml_alias_bomb_is_refused_quickly_where_it_crosses_the_cap() {
        let bomb = laughs();
        assert!(bomb.len() < 8 * 1024, "{}", bomb.len());
        let started = std::time::Instant::now();
        for format in [Some(Format::Yaml), None] {
            let err = parse_document(bomb.as_bytes(), format).unwrap_err();
            let DocumentError::ExpandsTooLarge { max, line, .. } = err else {
                panic!("expected ExpandsTooLarge, got {err:?}");
            };
            assert_eq!(max, MAX_CONFIG_BYTES);
            // Where the parser was when the cap was crossed (inside an alias, the place of
            // the anchored value it repeats).
            assert!(line >= 1, "{err}");
            assert!(err.to_string().contains("256 KiB"), "{err}");
            assert!(err.to_string().contains("alias"), "{err}");
        }
        // A thousand aliases of one long string: few values, many bytes.
        let long = format!(
            "s: &s \"{}\"\nt: [{}]\n",
            "x".repeat(100_000),
            vec!["*s"; 1000].join(", ")
        );
        let err = parse_document(long.as_bytes(), Some(Format::Yaml)).unwrap_err();
        assert!(
            matches!(err, DocumentError::ExpandsTooLarge { .. }),
            "{err:?}"
        );
        // Building what the meter allows takes milliseconds; 10 s is generous for a loaded
        // machine's debug build, and far below what building the whole would take.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        // Typed parsers get the same verdict without anything built.
        let err = check_yaml_within(&bomb, &Caps::CONFIG).unwrap_err();
        assert!(
            matches!(err, DocumentError::ExpandsTooLarge { .. }),
            "{err:?}"
        );
        // The classic bomb (aliases of aliases, nine levels deep) already stops at the
        // parser's limit on alias jumps.
        let mut classic = String::from("a0: &a0 [lol]\n");
        for level in 1..10 {
            let refs = vec![format!("*a{}", level - 1); 10].join(", ");
            classic.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        assert!(parse_document(classic.as_bytes(), None).is_err());
    }

    #[test]
    fn anchors_within_the_cap_still_parse() {
        let text = "base: &base {cpu: 1, tags: [a, b]}\nweb: *base\nworker: *base\n";
        let (v, _) = parse_document(text.as_bytes(), Some(Format::Yaml)).unwrap();
        assert_eq!(v["worker"], json!({"cpu": 1, "tags": ["a", "b"]}));
        assert_eq!(check_yaml_within(text, &Caps::CONFIG), Ok(()));
    }

    fn nested_json(depth: usize) -> String {
        format!(
            "{}1{}",
            "{\"a\":[".repeat(depth / 2),
            "]}".repeat(depth / 2)
        )
    }

    fn nested_yaml(depth: usize) -> String {
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn nesting_is_capped_at_64_levels_in_json_and_yaml() {
        for (text, format) in [
            (nested_json(MAX_DEPTH), Format::Json),
            (nested_yaml(MAX_DEPTH), Format::Yaml),
        ] {
            let (value, _) = parse_document(text.as_bytes(), Some(format)).unwrap();
            assert_eq!(check_value(&value, &Caps::CONFIG), Ok(()));
        }
        for (text, format) in [
            (nested_json(MAX_DEPTH + 2), Some(Format::Json)),
            (nested_json(MAX_DEPTH + 2), None),
            (nested_yaml(MAX_DEPTH + 1), Some(Format::Yaml)),
            (format!("a:\n  b: {}\n", nested_yaml(MAX_DEPTH - 1)), None),
        ] {
            let err = parse_document(text.as_bytes(), format).unwrap_err();
            assert!(
                matches!(
                    err,
                    DocumentError::TooDeep {
                        max: MAX_DEPTH,
                        line: 1..,
                        ..
                    }
                ),
                "{format:?} {err:?}"
            );
            assert!(
                err.to_string().contains("more than 64 levels deep"),
                "{err}"
            );
        }
        // Far deeper input than the parsers' own recursion limits gets the same answer.
        let err = parse_document(nested_json(10_000).as_bytes(), None).unwrap_err();
        assert!(matches!(err, DocumentError::TooDeep { .. }), "{err:?}");
    }

    #[test]
    fn check_value_finds_the_first_place_too_deep_and_measures_size() {
        let mut deep = json!(1);
        for _ in 0..MAX_DEPTH {
            deep = json!({"k/ey": [deep]});
        }
        let err = check_value(&json!({"ok": 1, "deep": deep}), &Caps::CONFIG).unwrap_err();
        let OverCap::Depth { max, pointer } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*max, MAX_DEPTH);
        assert!(pointer.starts_with("/deep/k~1ey/0/k~1ey/0/"), "{pointer}");
        assert_eq!(pointer.matches('/').count(), MAX_DEPTH);
        let big = json!({"s": "x".repeat(MAX_CONFIG_BYTES)});
        assert_eq!(
            check_value(&big, &Caps::CONFIG),
            Err(OverCap::Size {
                max: MAX_CONFIG_BYTES
            })
        );
        assert_eq!(check_value(&expected(), &Caps::CONFIG), Ok(()));
        assert_eq!(
            json_size_within(&expected(), usize::MAX),
            Some(crate::canonical::canonical_json(&expected()).len())
        );
    }

    #[test]
    fn the_cap_is_on_the_data_so_duplicate_keys_are_not_charged_twice() {
        let text = format!(
            "{{\"a\": \"{}\", \"a\": 1}}",
            "x".repeat(MAX_CONFIG_BYTES - 100)
        );
        let caps = Caps {
            max_json_bytes: 200,
            ..Caps::CONFIG
        };
        // JSON is measured once built: the data is small.
        let (v, _) = parse_within(text.as_bytes(), Some(Format::Json), &caps).unwrap();
        assert_eq!(v, json!({"a": 1}));
        // YAML is metered as it is built: over the cap before the duplicate replaces it.
        assert!(parse_within(text.as_bytes(), Some(Format::Yaml), &caps).is_err());
        let (v, _) = parse_within(b"{\"a\": [1, 2], \"b\": 2, \"a\": 3}", None, &caps).unwrap();
        assert_eq!(v, json!({"a": 3, "b": 2}));
        // The replaced value is given back: only a transient overcharge, by the entry replaced.
        let exact = crate::canonical::canonical_json(&v).len();
        let at = |max_json_bytes| Caps {
            max_json_bytes,
            ..Caps::CONFIG
        };
        let twice = "a: [1, 2]\na: 3\nb: 2\n";
        let replaced = r#""a":[1,2],"#.len();
        assert!(parse_within(twice.as_bytes(), Some(Format::Yaml), &at(exact + replaced)).is_ok());
        assert!(parse_within(twice.as_bytes(), Some(Format::Yaml), &at(exact - 1)).is_err());
    }

    #[test]
    fn json_grows_at_most_max_json_growth_times_its_text() {
        let mut worst = (0.0, String::new());
        for sign in ["", "-"] {
            for digit in 1..=9 {
                for exponent in -30..=30 {
                    for e in ["e", "E"] {
                        let token = format!("{sign}{digit}{e}{exponent}");
                        let value: Value =
                            serde_json::from_str(&format!("[{token},{token}]")).unwrap();
                        let grown =
                            canonical_json(&value).len() as f64 / (2 * token.len() + 3) as f64;
                        if grown > worst.0 {
                            worst = (grown, token);
                        }
                    }
                }
            }
        }
        assert!(worst.0 <= 4.5, "{worst:?}");
        // So a JSON text a fifth of the cap is never measured, and a larger one is, exactly.
        let floats = format!("[{}]", vec!["9e15"; 30_000].join(","));
        assert!(floats.len() < MAX_CONFIG_BYTES);
        let err = parse_document(floats.as_bytes(), Some(Format::Json)).unwrap_err();
        assert!(
            matches!(err, DocumentError::ExpandsTooLarge { .. }),
            "{err:?}"
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
            "[\"\\\\\n\t\u{1}\u{7f}é\u{2028}a]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("\\PC{0,6}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The meter charges exactly the canonical JSON's size: a document is accepted at its
        /// size and refused one byte under, in JSON and in YAML, and `check_value` agrees.
        #[test]
        fn the_meter_charges_exactly_the_canonical_size(value in json_value()) {
            let value = json!({"v": value});
            let size = crate::canonical::canonical_json(&value).len();
            let at = |max_json_bytes| Caps { max_json_bytes, max_depth: MAX_DEPTH };
            let json_text = serde_json::to_vec_pretty(&value).unwrap();
            let yaml_text = serde_yaml_ng::to_string(&value).unwrap();
            for (text, format) in [(&json_text[..], Format::Json), (yaml_text.as_bytes(), Format::Yaml)] {
                let (parsed, _) = parse_within(text, Some(format), &at(size)).unwrap();
                prop_assert_eq!(&parsed, &value);
                let err = parse_within(text, Some(format), &at(size - 1)).unwrap_err();
                let is_over = matches!(err, DocumentError::ExpandsTooLarge { .. });
                prop_assert!(is_over, "{:?}", err);
            }
            prop_assert_eq!(check_value(&value, &at(size)), Ok(()));
            prop_assert!(check_value(&value, &at(size - 1)).is_err());
            prop_assert_eq!(json_size_within(&value, usize::MAX), Some(size));
            prop_assert_eq!(check_yaml_within(&yaml_text, &at(size + 64)), Ok(()));
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_document(&bytes, None);
            let _ = parse_document(&bytes, Some(Format::Json));
            let _ = parse_document(&bytes, Some(Format::Yaml));
        }

        #[test]
        fn yaml_like_text_never_panics(text in "[ \\-:\\[\\]{}a-c0-9,\"'&*!?#|>\\n]{0,200}") {
            let _ = parse_document(text.as_bytes(), None);
        }
    }
}
