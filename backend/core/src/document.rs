//! Config documents as bytes in, JSON data out: the one place that decides what JSON or YAML
//! text means, so the CLI and the server agree on every file.

mod yaml_value;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Configs are small; a cap keeps one pathological file from stalling a batch or a request.
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
}

/// Parses a config into the JSON data model. With `format` unset, text whose first
/// non-blank character opens a JSON object or array is tried as JSON first, and anything
/// else (or JSON that does not parse) is read as YAML, which also accepts most JSON.
pub fn parse_document(
    bytes: &[u8],
    format: Option<Format>,
) -> Result<(Value, Format), DocumentError> {
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(DocumentError::TooLarge {
            max: MAX_CONFIG_BYTES,
        });
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    match format {
        Some(Format::Json) => parse_json(bytes).map(|v| (v, Format::Json)),
        Some(Format::Yaml) => parse_yaml(bytes).map(|v| (v, Format::Yaml)),
        None => {
            if looks_like_json(bytes) {
                if let Ok(value) = serde_json::from_slice(bytes) {
                    return Ok((value, Format::Json));
                }
            }
            parse_yaml(bytes).map(|v| (v, Format::Yaml))
        }
    }
}

fn looks_like_json(bytes: &[u8]) -> bool {
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

fn parse_json(bytes: &[u8]) -> Result<Value, DocumentError> {
    serde_json::from_slice(bytes).map_err(|e| {
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

fn parse_yaml(bytes: &[u8]) -> Result<Value, DocumentError> {
    yaml_value::from_slice(bytes).map_err(|e| {
        if std::str::from_utf8(bytes).is_err() {
            return DocumentError::NotUtf8;
        }
        let (line, column) = e.location().map_or((0, 0), |at| (at.line(), at.column()));
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
