//! One error table for the API, rendered once as RFC 9457 `application/problem+json` with a stable
//! `code`. Internal errors are logged (and sent to Sentry) with the request id; their body says
//! nothing about the cause.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
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
    /// A documented path asked with a method it does not have; `allow` lists those it has.
    #[error("{path} has no {method}: use {allow}")]
    MethodNotAllowed {
        method: String,
        path: String,
        allow: String,
    },
    #[error("{detail}")]
    BadRequest { code: ErrorCode, detail: String },
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("{detail}")]
    Conflict { code: ErrorCode, detail: String },
    /// Well-formed but refused on its merits (a migration that does not load or fails).
    #[error("{detail}")]
    Unprocessable { code: ErrorCode, detail: String },
    #[error("the document is not a valid schema in its format")]
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
    /// The config's text, or its data once parsed, is over the cap; the detail says which.
    #[error("{0}")]
    ConfigTooLarge(String),
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
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("this organisation is suspended: {0}")]
    TenantSuspended(String),
    #[error("an operator's look at an organisation reads only")]
    ImpersonationReadOnly,
    #[error("the {plan} plan's {limit} API calls this month are used up; the quota renews in {retry_after} seconds, or move to a larger plan")]
    CallQuotaExhausted {
        plan: String,
        limit: u64,
        retry_after: u64,
    },
    #[error("{what} took longer than {limit_ms} ms, the limit of one task; simplify the schema or config")]
    ComputeTooLong { what: &'static str, limit_ms: u128 },
    #[error("this tenant's earlier work holds its share of the CPU pool; retry in {retry_after} seconds")]
    ComputeBusy { retry_after: u64 },
    #[error("a dependency is unavailable: {0}")]
    Unavailable(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub use versiqii_api::{ErrorCode, FieldError, Problem, ViolationView};

/// A core violation as the wire shows it.
pub fn violation_view(v: versiqii_core::schema::Violation) -> ViolationView {
    ViolationView {
        pointer: v.pointer,
        keyword: v.keyword,
        message: v.message,
    }
}

impl ApiError {
    /// The error's stable code; its HTTP status, title and meaning are in the table
    /// (`versiqii_api::ErrorCode`), so each error is mapped to HTTP in one place.
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Self::Unauthenticated(_) => C::Unauthenticated,
            Self::InvalidApiKey(_) => C::InvalidApiKey,
            Self::InvalidCredentials => C::InvalidCredentials,
            Self::Forbidden { .. } => C::Forbidden,
            Self::NotFound(_) => C::NotFound,
            Self::MethodNotAllowed { .. } => C::MethodNotAllowed,
            Self::BadRequest { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. } => *code,
            Self::Invalid(_) => C::InvalidInput,
            Self::SchemaInvalid(_) => C::SchemaInvalid,
            Self::Incompatible { .. } => C::SchemaIncompatible,
            Self::ConfigInvalid { .. } => C::ConfigInvalid,
            Self::InvalidDocument(_) => C::InvalidDocument,
            Self::InvalidName(_) => C::InvalidName,
            Self::ConfigTooLarge(_) => C::ConfigTooLarge,
            Self::DeploymentRefused { .. } => C::DeploymentRefused,
            Self::PayloadTooLarge { .. } => C::PayloadTooLarge,
            Self::UnsupportedMediaType => C::UnsupportedMediaType,
            Self::RateLimited { .. } => C::RateLimited,
            Self::QuotaExceeded(_) => C::QuotaExceeded,
            Self::TenantSuspended(_) => C::TenantSuspended,
            Self::ImpersonationReadOnly => C::ImpersonationReadOnly,
            Self::CallQuotaExhausted { .. } => C::CallQuotaExhausted,
            Self::ComputeTooLong { .. } => C::ComputeTimeExceeded,
            Self::ComputeBusy { .. } => C::ComputeBusy,
            Self::Unavailable(_) => C::Unavailable,
            Self::Internal(_) => C::Internal,
        }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(what.to_string())
    }

    pub fn invalid(pointer: &str, message: impl ToString) -> Self {
        Self::Invalid(vec![FieldError::new(pointer, message)])
    }

    fn problem(&self) -> Problem {
        let code = self.code();
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
            request_id: crate::request_id::current(),
            errors,
            violations,
            report,
            plan,
            ..Problem::new(code, detail)
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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
        if let Self::RateLimited { retry_after }
        | Self::ComputeBusy { retry_after }
        | Self::CallQuotaExhausted { retry_after, .. } = self
        {
            res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        if matches!(self, Self::Unauthenticated(_) | Self::InvalidApiKey(_)) {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Self::MethodNotAllowed { allow, .. } = self {
            res.insert_header((header::ALLOW, allow.clone()));
        }
        res.json(problem)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(detail) => ApiError::Conflict {
                code: ErrorCode::Conflict,
                detail: format!("already exists ({detail})"),
            },
            StoreError::Unstorable => ApiError::BadRequest {
                code: ErrorCode::InvalidBody,
                detail:
                    "the request holds text with a U+0000 (NUL) character, which cannot be stored"
                        .to_owned(),
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
            code: ErrorCode::InvalidBody,
            detail: format!("the body does not match the expected shape: {e}"),
        },
        J::Deserialize(e) => ApiError::BadRequest {
            code: ErrorCode::MalformedJson,
            detail: format!("the body is not valid JSON: {e}"),
        },
        other => ApiError::BadRequest {
            code: ErrorCode::MalformedJson,
            detail: format!("the body could not be read: {other}"),
        },
    }
}

pub fn path_error(err: actix_web::error::PathError) -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::InvalidPath,
        detail: err.to_string(),
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::InvalidQuery,
        detail: err.to_string(),
    }
}
