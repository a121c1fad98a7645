//! Every failure the CLI can report, how it is printed, and which exit code it maps to.

use serde_json::Value;
use std::fmt;
use versiqii_api::error::ErrorKind;
use versiqii_api::v1::Plan;
use versiqii_api::{ErrorCode, FieldError, Problem, ViolationView};

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
    /// The server answered with a non-success status. The problem is boxed to keep
    /// `CliError` small.
    Api { status: u16, problem: Box<Problem> },
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

    pub fn api(status: u16, problem: Problem) -> Self {
        Self::Api {
            status,
            problem: Box::new(problem),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => exit::USAGE,
            Self::Api { status, problem } => exit_code_for_problem(*status, problem),
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

/// What the error-code table says a client should do about the code, when this CLI knows
/// the code; otherwise (an older CLI, or a body from a proxy) what the status says.
pub fn exit_code_for_problem(status: u16, problem: &Problem) -> u8 {
    match problem.error_code() {
        Some(code) => exit_code_for_code(code),
        None => exit_code_for_status(status),
    }
}

pub fn exit_code_for_code(code: ErrorCode) -> u8 {
    match code.kind() {
        ErrorKind::Usage => exit::USAGE,
        ErrorKind::Rejected => exit::REJECTED,
        ErrorKind::Failure => exit::FAILURE,
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

/// Reading and printing the API's RFC 9457 problem documents (`versiqii_api::Problem`).
pub trait ProblemExt {
    /// The problem in an error body. A Versiqii problem parses as one; anything else (a
    /// proxy's HTML page, a partial document) is read leniently, field by field, so the
    /// user still gets a readable line.
    fn from_body(body: &str) -> Problem;

    /// One summary line, then one per field error, violation and compatibility break, then
    /// a refused deployment's plan in words.
    fn render(&self, status: u16) -> Vec<String>;
}

impl ProblemExt for Problem {
    fn from_body(body: &str) -> Problem {
        let value = serde_json::from_str::<Value>(body).unwrap_or(Value::Null);
        serde_json::from_value(value.clone()).unwrap_or_else(|_| lenient(&value))
    }

    fn render(&self, status: u16) -> Vec<String> {
        let summary = non_blank(&self.detail)
            .or(non_blank(&self.title))
            .map(one_line)
            .unwrap_or_else(|| format!("the server answered {}", status_label(status)));
        let code = match non_blank(&self.code) {
            Some(code) => one_line(code),
            None => format!("HTTP {status}"),
        };
        let mut lines = vec![format!("error: {summary} ({code})")];
        let mut field = |pointer: &str, empty: &str, message: &str| {
            let pointer = match non_blank(pointer) {
                Some(pointer) => one_line(pointer),
                None => empty.to_owned(),
            };
            lines.push(format!("  {pointer}: {}", one_line(message)));
        };
        // Request fields point into the body; config violations (422 `config_invalid`) and
        // schema breaks (409 `schema_incompatible`) point into a document, where "" is its
        // root.
        for e in self
            .errors
            .iter()
            .filter(|e| non_blank(&e.message).is_some())
        {
            field(&e.pointer, "(body)", &e.message);
        }
        for v in self
            .violations
            .iter()
            .filter(|v| non_blank(&v.message).is_some())
        {
            field(&v.pointer, "(root)", &v.message);
        }
        for item in list(self.report.as_ref().and_then(|r| r.get("breaks"))) {
            let Some(message) = text(item, "message") else {
                continue;
            };
            let pointer = text(item, "pointer").unwrap_or_default();
            match text(item, "rule") {
                Some(rule) => field(&pointer, "(root)", &format!("{rule}: {message}")),
                None => field(&pointer, "(root)", &message),
            }
        }
        let plan = self
            .plan
            .as_ref()
            .and_then(|plan| serde_json::from_value::<Plan>(plan.clone()).ok());
        if let Some(plan) = plan {
            lines.extend(crate::commands::plan_lines(&plan, false));
        }
        lines
    }
}

/// A problem from whatever fields of the body are there and of the right type.
fn lenient(value: &Value) -> Problem {
    let text_or_empty = |key: &str| text(value, key).unwrap_or_default();
    Problem {
        type_: text_or_empty("type"),
        title: text_or_empty("title"),
        status: value
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or_default(),
        code: text_or_empty("code"),
        detail: text_or_empty("detail"),
        request_id: text(value, "request_id"),
        errors: list(value.get("errors"))
            .filter_map(|item| {
                Some(FieldError {
                    pointer: text(item, "pointer").unwrap_or_default(),
                    message: text(item, "message")?,
                })
            })
            .collect(),
        violations: list(value.get("violations"))
            .filter_map(|item| {
                Some(ViolationView {
                    pointer: text(item, "pointer").unwrap_or_default(),
                    keyword: text(item, "keyword").unwrap_or_default(),
                    message: text(item, "message")?,
                })
            })
            .collect(),
        report: value.get("report").filter(|r| r.is_object()).cloned(),
        plan: value.get("plan").filter(|p| p.is_object()).cloned(),
    }
}

/// A non-blank string field of a JSON object.
fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .and_then(non_blank)
        .map(str::to_owned)
}

fn non_blank(text: &str) -> Option<&str> {
    Some(text).filter(|t| !t.trim().is_empty())
}

fn list(items: Option<&Value>) -> impl Iterator<Item = &Value> {
    items.and_then(Value::as_array).into_iter().flatten()
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
        let api = CliError::api(409, Problem::from_body(""));
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
        let error = CliError::api(422, Problem::from_body(body));
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
        let error = CliError::api(409, Problem::from_body(body));
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
        let error = CliError::api(409, Problem::from_body(body));
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

    #[test]
    fn known_codes_exit_by_their_kind() {
        // Every code's kind agrees with what its status alone would say...
        for code in ErrorCode::ALL {
            assert_eq!(
                exit_code_for_code(*code),
                exit_code_for_status(code.status()),
                "{code}"
            );
        }
        // ...and the kind wins when a body's status says otherwise.
        let problem = |code: ErrorCode| Problem::from_body(&format!(r#"{{"code":"{code}"}}"#));
        assert_eq!(
            CliError::api(409, problem(ErrorCode::NotFound)).exit_code(),
            2
        );
        assert_eq!(
            CliError::api(400, problem(ErrorCode::Forbidden)).exit_code(),
            1
        );
        assert_eq!(
            CliError::api(400, problem(ErrorCode::Unavailable)).exit_code(),
            3
        );
        // An unknown code falls back to the status.
        let unknown = Problem::from_body(r#"{"code":"brand_new"}"#);
        assert_eq!(CliError::api(404, unknown.clone()).exit_code(), 2);
        assert_eq!(CliError::api(422, unknown).exit_code(), 1);
    }

    #[test]
    fn versiqii_problems_parse_as_they_are() {
        let sent = Problem::new(ErrorCode::ConfigInvalid, "bad config");
        let mut sent = sent;
        sent.violations.push(ViolationView {
            pointer: "".into(),
            keyword: "required".into(),
            message: "\"a\" is required".into(),
        });
        sent.request_id = Some("r1".into());
        let read = Problem::from_body(&serde_json::to_string(&sent).unwrap());
        assert_eq!(read.request_id.as_deref(), Some("r1"));
        assert_eq!(read.error_code(), Some(ErrorCode::ConfigInvalid));
        assert_eq!(
            read.render(422),
            vec![
                "error: bad config (config_invalid)",
                "  (root): \"a\" is required"
            ]
        );
    }
}
