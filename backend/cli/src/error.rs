//! Every failure the CLI can report, how it is printed, and which exit code it maps to.

use serde_json::Value;
use std::fmt;

/// Exit codes are part of the CLI's contract with scripts, so they live in one place.
pub mod exit {
    pub const REJECTED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const FAILURE: u8 = 3;
}

#[derive(Debug)]
pub enum CliError {
    /// Bad input detected before (or instead of) talking to the server.
    Usage(String),
    /// The server answered with a non-success status.
    Api { status: u16, problem: Problem },
    /// Network trouble, or a response we cannot make sense of.
    Failure(String),
    /// The command has already reported its verdict (e.g. `validate` listed the invalid
    /// files); only the exit code is left to give.
    Reported(u8),
}

impl CliError {
    pub fn usage(msg: impl Into<String>) -> Self {
        Self::Usage(msg.into())
    }

    pub fn failure(msg: impl Into<String>) -> Self {
        Self::Failure(msg.into())
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => exit::USAGE,
            Self::Api { status, .. } => exit_code_for_status(*status),
            Self::Failure(_) => exit::FAILURE,
            Self::Reported(code) => *code,
        }
    }

    /// The stderr lines for this error: one summary line, then one per field error.
    pub fn render(&self) -> Vec<String> {
        match self {
            Self::Usage(msg) | Self::Failure(msg) => vec![format!("error: {}", one_line(msg))],
            Self::Reported(_) => Vec::new(),
            Self::Api { status, problem } => problem.render(*status),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render().join("\n"))
    }
}

pub fn exit_code_for_status(status: u16) -> u8 {
    match status {
        400 | 404 | 405 | 410 | 413 | 414 | 415 => exit::USAGE,
        // A request timeout is a transport problem, not a verdict on the request.
        408 => exit::FAILURE,
        400..=499 => exit::REJECTED,
        _ => exit::FAILURE,
    }
}

/// The fields of an RFC 9457 problem document that the CLI shows. Parsing is lenient
/// because error bodies may come from a proxy rather than from Versiqii itself.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Problem {
    pub title: Option<String>,
    pub detail: Option<String>,
    pub code: Option<String>,
    pub errors: Vec<FieldError>,
    /// The `plan` extension of a refused deployment (409 `deployment_refused`), shown in
    /// words after the error line. Boxed to keep `CliError` small.
    pub plan: Option<Box<Value>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub pointer: String,
    pub message: String,
}

impl Problem {
    pub fn from_body(body: &str) -> Self {
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            return Self::default();
        };
        let text = |v: &Value, key: &str| {
            v.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        };
        fn list(items: Option<&Value>) -> Vec<&Value> {
            items
                .and_then(Value::as_array)
                .map(|items| items.iter().collect())
                .unwrap_or_default()
        }
        let mut errors: Vec<FieldError> = list(value.get("errors"))
            .into_iter()
            .filter_map(|item| {
                Some(FieldError {
                    pointer: text(item, "pointer").unwrap_or_default(),
                    message: text(item, "message")?,
                })
            })
            .collect();
        // Config violations (422 `config_invalid`) and schema breaks (409
        // `schema_incompatible`) point into a document, where "" is its root.
        let document_pointer =
            |item: &Value| text(item, "pointer").unwrap_or_else(|| "(root)".to_owned());
        errors.extend(
            list(value.get("violations"))
                .into_iter()
                .filter_map(|item| {
                    Some(FieldError {
                        pointer: document_pointer(item),
                        message: text(item, "message")?,
                    })
                }),
        );
        errors.extend(
            list(value.get("report").and_then(|report| report.get("breaks")))
                .into_iter()
                .filter_map(|item| {
                    let message = text(item, "message")?;
                    Some(FieldError {
                        pointer: document_pointer(item),
                        message: match text(item, "rule") {
                            Some(rule) => format!("{rule}: {message}"),
                            None => message,
                        },
                    })
                }),
        );
        Self {
            title: text(&value, "title"),
            detail: text(&value, "detail"),
            code: text(&value, "code"),
            errors,
            plan: value
                .get("plan")
                .filter(|plan| plan.is_object())
                .cloned()
                .map(Box::new),
        }
    }

    pub fn render(&self, status: u16) -> Vec<String> {
        let summary = self
            .detail
            .as_deref()
            .or(self.title.as_deref())
            .map(one_line)
            .unwrap_or_else(|| format!("the server answered {}", status_label(status)));
        let code = match &self.code {
            Some(code) => one_line(code),
            None => format!("HTTP {status}"),
        };
        let mut lines = vec![format!("error: {summary} ({code})")];
        for field in &self.errors {
            let pointer = if field.pointer.is_empty() {
                "(body)".to_owned()
            } else {
                one_line(&field.pointer)
            };
            lines.push(format!("  {pointer}: {}", one_line(&field.message)));
        }
        if let Some(plan) = &self.plan {
            lines.extend(crate::commands::plan_lines(plan, false));
        }
        lines
    }
}

fn status_label(status: u16) -> String {
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("HTTP {status} {reason}"),
        None => format!("HTTP {status}"),
    }
}

/// Server-supplied text goes to a terminal, so control characters (newlines, escape
/// sequences) are neutralised to keep each error to one honest line.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_documented_exit_codes() {
        for status in [401, 403, 409, 422, 429] {
            assert_eq!(exit_code_for_status(status), 1, "status {status}");
        }
        for status in [400, 404, 413, 415] {
            assert_eq!(exit_code_for_status(status), 2, "status {status}");
        }
        for status in [500, 502, 503, 504, 408, 302] {
            assert_eq!(exit_code_for_status(status), 3, "status {status}");
        }
    }

    #[test]
    fn error_kinds_map_to_exit_codes() {
        assert_eq!(CliError::usage("x").exit_code(), 2);
        assert_eq!(CliError::failure("x").exit_code(), 3);
        let api = CliError::Api {
            status: 409,
            problem: Problem::default(),
        };
        assert_eq!(api.exit_code(), 1);
    }

    #[test]
    fn problem_prefers_detail_and_lists_field_errors() {
        let body = r#"{"type":"about:blank","title":"Validation failed","status":422,
            "code":"validation_failed","detail":"The request body is invalid.",
            "errors":[{"pointer":"/email","keyword":"format","message":"must be an email"},
                      {"pointer":"","message":"unknown field"}]}"#;
        let lines = Problem::from_body(body).render(422);
        assert_eq!(
            lines,
            vec![
                "error: The request body is invalid. (validation_failed)",
                "  /email: must be an email",
                "  (body): unknown field",
            ]
        );
    }

    #[test]
    fn problem_lists_config_violations() {
        let body = r#"{"title":"Config invalid","status":422,"code":"config_invalid",
            "detail":"The config does not match schema OpenAPI-Payments@2025-07.",
            "violations":[
                {"pointer":"/currency","keyword":"enum","message":"\"XYZ\" is not one of [\"EUR\"]"},
                {"pointer":"","keyword":"required","message":"\"timeout\" is required"}]}"#;
        let error = CliError::Api {
            status: 422,
            problem: Problem::from_body(body),
        };
        assert_eq!(error.exit_code(), 1);
        assert_eq!(
            error.render(),
            vec![
                "error: The config does not match schema OpenAPI-Payments@2025-07. \
                 (config_invalid)",
                "  /currency: \"XYZ\" is not one of [\"EUR\"]",
                "  (root): \"timeout\" is required",
            ]
        );
    }

    #[test]
    fn problem_lists_every_schema_break() {
        let body = r#"{"title":"Schema incompatible","status":409,"code":"schema_incompatible",
            "report":{"level":"BACKWARD","compatible":false,"checked_against":["2025-07"],
                "breaks":[
                    {"pointer":"/properties/amount","rule":"type_narrowed",
                     "message":"number became integer","against":"2025-07"},
                    {"pointer":"/required","rule":"required_added",
                     "message":"\"currency\" is now required","against":"2025-07"}]}}"#;
        let error = CliError::Api {
            status: 409,
            problem: Problem::from_body(body),
        };
        assert_eq!(error.exit_code(), 1);
        assert_eq!(
            error.render(),
            vec![
                "error: Schema incompatible (schema_incompatible)",
                "  /properties/amount: type_narrowed: number became integer",
                "  /required: required_added: \"currency\" is now required",
            ]
        );
    }

    #[test]
    fn refused_deployments_print_their_plan() {
        let body = r#"{"title":"Deployment refused","status":409,"code":"deployment_refused",
            "detail":"payment-api@4.0.0 cannot be deployed to prod-eu.",
            "plan":{"env":"prod-eu","target":"payment-api","from_version":"3.2.1",
                "to_version":"4.0.0","applied":false,"forced":false,"safe":false,
                "problems":[{"kind":"requires-unmet",
                    "message":"payment-api@4.0.0 requires auth >=2 but prod-eu runs auth@1.6.0"}],
                "summary":""}}"#;
        let error = CliError::Api {
            status: 409,
            problem: Problem::from_body(body),
        };
        assert_eq!(error.exit_code(), 1);
        assert_eq!(
            error.render(),
            vec![
                "error: payment-api@4.0.0 cannot be deployed to prod-eu. (deployment_refused)",
                "plan for payment-api in prod-eu: 3.2.1 -> 4.0.0",
                "  - requires-unmet: payment-api@4.0.0 requires auth >=2 but prod-eu runs auth@1.6.0",
                "refused: nothing changed",
            ]
        );
    }

    #[test]
    fn problem_falls_back_to_title_then_status() {
        let titled = Problem::from_body(r#"{"title":"Conflict","code":"slug_taken"}"#);
        assert_eq!(titled.render(409), vec!["error: Conflict (slug_taken)"]);

        let proxy = Problem::from_body("<html>Bad Gateway</html>");
        assert_eq!(
            proxy.render(502),
            vec!["error: the server answered HTTP 502 Bad Gateway (HTTP 502)"]
        );
    }

    #[test]
    fn problem_text_is_kept_on_one_line() {
        let p = Problem::from_body(r#"{"detail":"two\nlines\u001b[31m","code":"x"}"#);
        assert_eq!(p.render(400), vec!["error: two lines [31m (x)"]);
    }
}
