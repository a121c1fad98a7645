//! A forgotten password (`/v1/auth/password/*`): before a caller is authenticated, like sign-up
//! and login. Rate-limited per email address and per client.

use crate::app::SessionPolicy;
use crate::auth::authorized::Gatekeeper;
use crate::auth::passwords;
use crate::error::{ApiError, FieldError, Problem};
use crate::ops::Ops;
use crate::rate_limit::RateLimiter;
use actix_web::{post, web, HttpRequest, HttpResponse};
use std::sync::Arc;
use versiqii_api::v1::{ForgotPasswordAccepted, ForgotPasswordRequest, ResetPasswordRequest};
use versiqii_core::{Email, Password};

/// This module's part of the OpenAPI document (its tag is `auth`'s).
#[derive(utoipa::OpenApi)]
#[openapi(paths(forgot_password, reset_password))]
pub struct Doc;

const HOUR: u64 = 3600;

/// Mails a link to reset the password of the account with this email, if there is one. The
/// answer is the same either way (and takes about as long); the link works once, for an hour.
#[utoipa::path(operation_id = "forgotPassword", tag = "auth", request_body = ForgotPasswordRequest,
    responses(
    (status = 202, body = ForgotPasswordAccepted,
        description = "The same answer whether or not the email has an account"),
    (status = 422, body = Problem, content_type = "application/problem+json",
        description = "`invalid_input`: not an email address (a line break in it among others)"),
    (status = 429, body = Problem, content_type = "application/problem+json",
        description = "`rate_limited`: too many requests for this address or from this client")))]
#[post("/v1/auth/password/forgot")]
pub async fn forgot_password(
    req: HttpRequest,
    gate: web::Data<Arc<Gatekeeper>>,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    limiter: web::Data<RateLimiter>,
    body: web::Json<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let raw = body.into_inner().email;
    // A line break would be a header injection; refused before anything else, whatever the
    // address parser would make of it.
    if raw.chars().any(char::is_control) || raw.trim() != raw {
        return Err(ApiError::invalid(
            "/email",
            "an email address holds no line breaks, other control characters or surrounding \
             blanks",
        ));
    }
    let email = Email::parse(&raw).map_err(|e| ApiError::invalid("/email", e))?;
    limiter
        .hit(
            &format!("reset-ip:{}", gate.proxies.key(&req)),
            policy.reset_requests_per_hour,
            HOUR,
        )
        .await?;
    limiter
        .hit(
            &format!("reset-mail:{}", email.as_str()),
            policy.reset_mails_per_hour,
            HOUR,
        )
        .await?;
    ops.forgot_password(&email).await?;
    Ok(HttpResponse::Accepted().json(ForgotPasswordAccepted {
        message: ForgotPasswordAccepted::MESSAGE.into(),
    }))
}

/// Sets a new password with the token from a reset mail. The token works once; every session
/// of the account ends (refresh tokens stop working; access tokens run out within their
/// lifetime), and the reset is audited.
#[utoipa::path(operation_id = "resetPassword", tag = "auth", request_body = ResetPasswordRequest,
    responses(
    (status = 204, description = "The password is changed; sign in with it"),
    (status = 400, body = Problem, content_type = "application/problem+json",
        description = "`reset_token_invalid`: the link is unknown, already used or expired \
            (or `invalid_body`, `malformed_json`: the body does not parse)"),
    (status = 422, body = Problem, content_type = "application/problem+json",
        description = "`invalid_input`: the new password breaks the policy (12 to 1024 characters)"),
    (status = 429, body = Problem, content_type = "application/problem+json",
        description = "`rate_limited`: too many requests from this client")))]
#[post("/v1/auth/password/reset")]
pub async fn reset_password(
    req: HttpRequest,
    gate: web::Data<Arc<Gatekeeper>>,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    limiter: web::Data<RateLimiter>,
    body: web::Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let password = Password::parse(body.password)
        .map_err(|e| ApiError::Invalid(vec![FieldError::new("/password", e)]))?;
    limiter
        .hit(
            &format!("reset-ip:{}", gate.proxies.key(&req)),
            policy.reset_requests_per_hour,
            HOUR,
        )
        .await?;
    if !crate::auth::secrets::RESET_TOKEN.shape_ok(&body.token) {
        return Err(crate::ops::password::invalid_token());
    }
    let password_hash = passwords::hash(password.expose().to_owned()).await?;
    ops.reset_password(&body.token, &password_hash).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(forgot_password).service(reset_password);
}
