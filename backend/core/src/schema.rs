//! JSON Schemas checked against their meta-schema, compiled once, then used to judge many
//! documents. Only references inside the schema resolve: there is no network or file access.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, PatternOptions, ValidationError, Validator};
use serde::Serialize;
use serde_json::Value;

/// One place where a document breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON pointer into the document; empty for the document itself.
    pub pointer: String,
    /// The schema keyword that failed, e.g. `required` or `maximum`.
    pub keyword: String,
    pub message: String,
}

/// One reason a schema is not an acceptable JSON Schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaProblem {
    /// JSON pointer into the schema.
    pub pointer: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SchemaError {
    #[error("not a valid JSON Schema: {}", summary(errors))]
    NotJsonSchema { errors: Vec<SchemaProblem> },
    #[error("unsupported $schema {uri:?}: use draft 4, 6, 7, 2019-09 or 2020-12")]
    UnknownDraft { uri: String },
    #[error("cannot resolve a $ref ({message}); only references inside the schema are supported, so bundle external ones into it")]
    Unresolvable { message: String },
}

fn summary(errors: &[SchemaProblem]) -> String {
    let shown: Vec<String> = errors
        .iter()
        .take(3)
        .map(|p| format!("{}: {}", display_pointer(&p.pointer), p.message))
        .collect();
    let more = errors.len().saturating_sub(shown.len());
    let mut text = shown.join("; ");
    if more > 0 {
        text.push_str(&format!(" (and {more} more)"));
    }
    text
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

pub struct CompiledSchema {
    validator: Validator,
    draft: Draft,
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSchema")
            .field("draft", &self.draft)
            .finish_non_exhaustive()
    }
}

impl CompiledSchema {
    /// Checks `schema` against the meta-schema its `$schema` names (draft 2020-12 when it
    /// names none), reporting every problem at once, then compiles it with formats asserted.
    pub fn compile(schema: &Value) -> Result<Self, SchemaError> {
        let draft = Draft::default().detect(schema);
        if draft == Draft::Unknown {
            let uri = schema
                .get("$schema")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            return Err(SchemaError::UnknownDraft { uri });
        }
        let meta = jsonschema::meta::validator_for(schema).map_err(build_error)?;
        let errors: Vec<SchemaProblem> = meta
            .iter_errors(schema)
            .map(|e| SchemaProblem {
                pointer: e.instance_path().as_str().to_owned(),
                message: e.to_string(),
            })
            .collect();
        if !errors.is_empty() {
            return Err(SchemaError::NotJsonSchema { errors });
        }
        let validator = jsonschema::options()
            .with_draft(draft)
            .should_validate_formats(true)
            .with_pattern_options(linear_patterns())
            .build(schema)
            .map_err(build_error)?;
        Ok(Self { validator, draft })
    }

    pub fn draft(&self) -> Draft {
        self.draft
    }

    /// Stops at the first failure: the fast path for the common, valid document.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Every violation, in the order the validator finds them.
    pub fn validate(&self, instance: &Value) -> Vec<Violation> {
        self.validator
            .iter_errors(instance)
            .map(|e| Violation {
                pointer: e.instance_path().as_str().to_owned(),
                keyword: e.kind().keyword().to_owned(),
                message: e.to_string(),
            })
            .collect()
    }
}

/// The compiled size one `pattern` may take, and the lazy DFA's cache per pattern.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;
const PATTERN_DFA_LIMIT: usize = 1 << 20;

/// `pattern` and `patternProperties` run on the `regex` crate's engine, whose matching time is
/// linear in the input whatever the pattern: a backtracking engine lets one pattern such as
/// `^(a+)+$` spin for minutes on a short string. Patterns that need backtracking (lookaround,
/// backreferences) do not compile and the schema is refused with that reason.
fn linear_patterns() -> PatternOptions<jsonschema::Regex> {
    PatternOptions::regex()
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_DFA_LIMIT)
}

/// Compilation fails for unresolvable references and for things the meta-schema does
/// not catch, such as a `pattern` that is not a regular expression.
fn build_error(error: ValidationError<'_>) -> SchemaError {
    match error.kind() {
        ValidationErrorKind::Referencing(e) => SchemaError::Unresolvable {
            message: e.to_string(),
        },
        ValidationErrorKind::Format { format } if format == "regex" => SchemaError::NotJsonSchema {
            errors: vec![SchemaProblem {
                pointer: error.instance_path().as_str().to_owned(),
                message: format!(
                    "{} is not a pattern the linear-time regex engine accepts: lookaround and \
                     backreferences are not supported, and a pattern must compile within {} KiB",
                    error.instance(),
                    PATTERN_SIZE_LIMIT / 1024
                ),
            }],
        },
        _ => SchemaError::NotJsonSchema {
            errors: vec![SchemaProblem {
                pointer: error.instance_path().as_str().to_owned(),
                message: error.to_string(),
            }],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["name", "replicas"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z]+$"},
                "replicas": {"type": "integer", "minimum": 0, "maximum": 10},
                "owner": {"type": "string", "format": "email"},
                "ports": {"type": "array", "items": {"$ref": "#/$defs/port"}}
            },
            "$defs": {"port": {"type": "integer", "maximum": 65535}}
        })
    }

    #[test]
    fn valid_documents_pass() {
        let s = CompiledSchema::compile(&schema()).unwrap();
        let doc = json!({"name": "api", "replicas": 3, "owner": "a@b.test", "ports": [80]});
        assert!(s.is_valid(&doc));
        assert!(s.validate(&doc).is_empty());
        assert_eq!(s.draft(), Draft::Draft202012);
    }

    #[test]
    fn violations_carry_pointer_and_keyword() {
        let s = CompiledSchema::compile(&schema()).unwrap();
        let doc = json!({"name": "API", "replicas": 11, "ports": [80, 70000], "extra": 1});
        assert!(!s.is_valid(&doc));
        let mut found: Vec<(String, String)> = s
            .validate(&doc)
            .into_iter()
            .map(|v| (v.pointer, v.keyword))
            .collect();
        found.sort();
        let expected = [
            ("", "additionalProperties"),
            ("/name", "pattern"),
            ("/ports/1", "maximum"),
            ("/replicas", "maximum"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(p, k)| (p.to_string(), k.to_string()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn missing_properties_are_reported_at_the_parent() {
        let s = CompiledSchema::compile(&schema()).unwrap();
        let v = s.validate(&json!({"name": "api"}));
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].pointer.as_str(), v[0].keyword.as_str()),
            ("", "required")
        );
        assert!(v[0].message.contains("replicas"), "{}", v[0].message);
    }

    #[test]
    fn formats_are_asserted() {
        let s = CompiledSchema::compile(&schema()).unwrap();
        let v = s.validate(&json!({"name": "api", "replicas": 1, "owner": "nobody"}));
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].pointer.as_str(), v[0].keyword.as_str()),
            ("/owner", "format")
        );
    }

    #[test]
    fn non_schemas_are_refused_with_pointers() {
        let err = CompiledSchema::compile(&json!({"type": 12})).unwrap_err();
        let SchemaError::NotJsonSchema { errors } = &err else {
            panic!("expected NotJsonSchema, got {err:?}");
        };
        assert!(errors.iter().all(|p| p.pointer == "/type"), "{errors:?}");

        let err = CompiledSchema::compile(&json!({
            "properties": {"a": {"minimum": "x"}, "b": {"required": "y"}}
        }))
        .unwrap_err();
        let SchemaError::NotJsonSchema { errors } = &err else {
            panic!("expected NotJsonSchema, got {err:?}");
        };
        let pointers: Vec<&str> = errors.iter().map(|p| p.pointer.as_str()).collect();
        assert!(pointers.contains(&"/properties/a/minimum"), "{pointers:?}");
        assert!(pointers.contains(&"/properties/b/required"), "{pointers:?}");
        assert!(!err.to_string().contains('\n'));

        assert!(CompiledSchema::compile(&json!(42)).is_err());
    }

    #[test]
    fn older_drafts_are_honoured() {
        let draft4 = json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "properties": {"n": {"maximum": 5, "exclusiveMaximum": true}}
        });
        let s = CompiledSchema::compile(&draft4).unwrap();
        assert_eq!(s.draft(), Draft::Draft4);
        assert!(!s.is_valid(&json!({"n": 5})));
        // `exclusiveMaximum: true` is a draft 4 idiom; 2020-12 needs a number there.
        let mut as_2020 = draft4;
        as_2020["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        assert!(matches!(
            CompiledSchema::compile(&as_2020),
            Err(SchemaError::NotJsonSchema { .. })
        ));
    }

    #[test]
    fn unknown_drafts_and_external_refs_are_clear_errors() {
        let err =
            CompiledSchema::compile(&json!({"$schema": "https://example.test/meta"})).unwrap_err();
        assert!(matches!(err, SchemaError::UnknownDraft { .. }), "{err:?}");

        let err = CompiledSchema::compile(&json!({"$ref": "https://example.test/other.json"}))
            .unwrap_err();
        assert!(matches!(err, SchemaError::Unresolvable { .. }), "{err:?}");
        assert!(err.to_string().contains("bundle"), "{err}");
    }

    #[test]
    fn bad_regexes_are_schema_problems() {
        let err = CompiledSchema::compile(&json!({"pattern": "("})).unwrap_err();
        assert!(matches!(err, SchemaError::NotJsonSchema { .. }), "{err:?}");
    }

    /// `^(a+)+$` against 30 `a`s and a `b` takes a backtracking engine 2^30 steps; the linear
    /// engine answers at once, for `pattern` and `patternProperties` alike.
    #[test]
    fn catastrophic_patterns_match_in_linear_time() {
        let evil = "a".repeat(30) + "b";
        let schema = CompiledSchema::compile(&json!({
            "type": "object",
            "properties": {"name": {"type": "string", "pattern": "^(a+)+$"}},
            "patternProperties": {"^(x+x+)+y$": {"type": "integer"}}
        }))
        .unwrap();
        let started = std::time::Instant::now();
        let doc =
            json!({"name": evil, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": "not an integer"});
        let violations = schema.validate(&doc);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].keyword, "pattern");
        assert!(schema.is_valid(&json!({"name": "aaaa"})));
        // Not a timing assertion: a backtracking engine would not get here in any test run.
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
    }

    #[test]
    fn patterns_that_need_backtracking_are_refused_with_the_reason() {
        for pattern in ["^(?!admin).*$", "^(a)\\1$", "(?<=x)y"] {
            let err = CompiledSchema::compile(&json!({"properties": {"n": {"pattern": pattern}}}))
                .unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, SchemaError::NotJsonSchema { .. }), "{err:?}");
            assert!(text.contains("linear-time"), "{pattern}: {text}");
            assert!(text.contains("/properties/n/pattern"), "{pattern}: {text}");
        }
        let err = CompiledSchema::compile(&json!({"patternProperties": {"^(?=x)": {}}}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("linear-time"), "{err}");
        assert!(err.contains("patternProperties"), "{err}");
    }

    #[test]
    fn errors_serialize_for_scripts() {
        let err = CompiledSchema::compile(&json!({"type": 12})).unwrap_err();
        let v = serde_json::to_value(&err).unwrap();
        assert_eq!(v["kind"], "not_json_schema");
        assert_eq!(v["errors"][0]["pointer"], "/type");
    }
}
