//! One error table for the API, rendered once as RFC 9457 `application/problem+json` with a stable
//! `code`. Internal errors are logged (and sent to Sentry) with the request id; their body says
//! nothing about the cause.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;
use versiqii_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    InvalidApiKey(String),
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("your role does not allow {action} on {object}")]
    Forbidden {
        object: &'static str,
        action: &'static str,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// Well-formed but refused on its merits (a migration that does not load or fails).
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("the document is not a valid JSON Schema")]
    SchemaInvalid(Vec<FieldError>),
    #[error("the schema breaks {level} compatibility with {breaks} change(s)")]
    Incompatible {
        level: String,
        breaks: usize,
        report: serde_json::Value,
    },
    #[error("the config is not valid for {target} (schema {schema}): {count} violation(s)")]
    ConfigInvalid {
        target: String,
        schema: String,
        count: usize,
        violations: Vec<ViolationView>,
    },
    #[error("{0}")]
    InvalidDocument(String),
    #[error("{0}")]
    InvalidName(String),
    #[error("the config is larger than {limit} bytes")]
    ConfigTooLarge { limit: usize },
    #[error("{summary}")]
    DeploymentRefused {
        summary: String,
        plan: serde_json::Value,
    },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("too many requests; retry in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    #[error("a dependency is unavailable: {0}")]
    Unavailable(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One problem with one field of the request, located by a JSON pointer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub pointer: String,
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: &str, message: impl ToString) -> Self {
        Self {
            pointer: pointer.to_owned(),
            message: message.to_string(),
        }
    }
}

/// One way a config fails its schema.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ViolationView {
    /// Where in the config, as a JSON pointer.
    pub pointer: String,
    /// The schema keyword that failed, e.g. `required` or `maximum`.
    pub keyword: String,
    pub message: String,
}

impl From<versiqii_core::schema::Violation> for ViolationView {
    fn from(v: versiqii_core::schema::Violation) -> Self {
        Self {
            pointer: v.pointer,
            keyword: v.keyword,
            message: v.message,
        }
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// Stable, machine-readable; safe to match on.
    pub code: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `config_invalid`: every violation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<ViolationView>,
    /// For `schema_incompatible`: the compatibility report with every break.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<serde_json::Value>,
    /// For `deployment_refused`: the plan, with every problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<serde_json::Value>,
}

impl ApiError {
    pub fn code(&self) -> (&'static str, StatusCode) {
        use StatusCode as S;
        match self {
            Self::Unauthenticated(_) => ("unauthenticated", S::UNAUTHORIZED),
            Self::InvalidApiKey(_) => ("invalid_api_key", S::UNAUTHORIZED),
            Self::InvalidCredentials => ("invalid_credentials", S::UNAUTHORIZED),
            Self::Forbidden { .. } => ("forbidden", S::FORBIDDEN),
            Self::NotFound(_) => ("not_found", S::NOT_FOUND),
            Self::BadRequest { code, .. } => (code, S::BAD_REQUEST),
            Self::Invalid(_) => ("invalid_input", S::UNPROCESSABLE_ENTITY),
            Self::Conflict { code, .. } => (code, S::CONFLICT),
            Self::Unprocessable { code, .. } => (code, S::UNPROCESSABLE_ENTITY),
            Self::SchemaInvalid(_) => ("schema_invalid", S::BAD_REQUEST),
            Self::Incompatible { .. } => ("schema_incompatible", S::CONFLICT),
            Self::ConfigInvalid { .. } => ("config_invalid", S::UNPROCESSABLE_ENTITY),
            Self::InvalidDocument(_) => ("invalid_document", S::BAD_REQUEST),
            Self::InvalidName(_) => ("invalid_name", S::BAD_REQUEST),
            Self::ConfigTooLarge { .. } => ("config_too_large", S::PAYLOAD_TOO_LARGE),
            Self::DeploymentRefused { .. } => ("deployment_refused", S::CONFLICT),
            Self::PayloadTooLarge { .. } => ("payload_too_large", S::PAYLOAD_TOO_LARGE),
            Self::UnsupportedMediaType => ("unsupported_media_type", S::UNSUPPORTED_MEDIA_TYPE),
            Self::RateLimited { .. } => ("rate_limited", S::TOO_MANY_REQUESTS),
            Self::Unavailable(_) => ("unavailable", S::SERVICE_UNAVAILABLE),
            Self::Internal(_) => ("internal", S::INTERNAL_SERVER_ERROR),
        }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(what.to_string())
    }

    pub fn invalid(pointer: &str, message: impl ToString) -> Self {
        Self::Invalid(vec![FieldError::new(pointer, message)])
    }

    fn problem(&self) -> Problem {
        let (code, status) = self.code();
        let detail = match self {
            Self::Internal(_) => {
                "an internal error occurred; quote the request id when reporting it".to_owned()
            }
            other => other.to_string(),
        };
        let errors = match self {
            Self::Invalid(errors) | Self::SchemaInvalid(errors) => errors.clone(),
            _ => Vec::new(),
        };
        let violations = match self {
            Self::ConfigInvalid { violations, .. } => violations.clone(),
            _ => Vec::new(),
        };
        let report = match self {
            Self::Incompatible { report, .. } => Some(report.clone()),
            _ => None,
        };
        let plan = match self {
            Self::DeploymentRefused { plan, .. } => Some(plan.clone()),
            _ => None,
        };
        Problem {
            type_: format!(
                "https://docs.versiqii.dev/problems/{}",
                code.replace('_', "-")
            ),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code: code.to_owned(),
            detail,
            request_id: crate::request_id::current(),
            errors,
            violations,
            report,
            plan,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().1
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        if let Self::Internal(err) = self {
            tracing::error!(request_id = ?problem.request_id, error = ?err, "internal error");
            sentry::with_scope(
                |scope| scope.set_tag("request_id", problem.request_id.as_deref().unwrap_or("-")),
                || sentry::capture_message(&format!("{err:#}"), sentry::Level::Error),
            );
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Self::RateLimited { retry_after } = self {
            res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        if matches!(self, Self::Unauthenticated(_) | Self::InvalidApiKey(_)) {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.json(problem)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(detail) => ApiError::Conflict {
                code: "conflict",
                detail: format!("already exists ({detail})"),
            },
            StoreError::Db(db) => ApiError::Internal(anyhow::Error::new(db)),
        }
    }
}

/// Body errors from actix's extractors, mapped into the same table.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => {
            ApiError::PayloadTooLarge { limit }
        }
        J::ContentType => ApiError::UnsupportedMediaType,
        J::Deserialize(e) if e.is_data() => ApiError::BadRequest {
            code: "invalid_body",
            detail: format!("the body does not match the expected shape: {e}"),
        },
        J::Deserialize(e) => ApiError::BadRequest {
            code: "malformed_json",
            detail: format!("the body is not valid JSON: {e}"),
        },
        other => ApiError::BadRequest {
            code: "malformed_json",
            detail: format!("the body could not be read: {other}"),
        },
    }
}

pub fn path_error(err: actix_web::error::PathError) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_path",
        detail: err.to_string(),
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        detail: err.to_string(),
    }
}
