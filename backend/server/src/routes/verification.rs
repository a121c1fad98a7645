//! Email verification (`/v1/auth/verify*`): the link mailed at sign-up, and a new one.

use crate::app::SessionPolicy;
use crate::auth::Person;
use crate::error::{ApiError, Problem};
use crate::ops::Ops;
use crate::rate_limit::RateLimiter;
use actix_web::{post, web, HttpResponse};
use versiqii_api::v1::{EmailVerified, VerifyEmailRequest};

/// This module's part of the OpenAPI document (its tag is `auth`'s).
#[derive(utoipa::OpenApi)]
#[openapi(paths(verify_email, resend_verification))]
pub struct Doc;

/// Verifies the email of the person the link was mailed to: once, within 48 hours.
#[utoipa::path(operation_id = "verifyEmail", tag = "auth", request_body = VerifyEmailRequest,
    responses(
    (status = 200, body = EmailVerified),
    (status = 400, body = Problem, content_type = "application/problem+json",
        description = "`verification_token_invalid`: unknown, used or expired")))]
#[post("/v1/auth/verify")]
pub async fn verify_email(
    ops: web::Data<Ops>,
    body: web::Json<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    ops.verify_email(body.token.trim()).await?;
    Ok(HttpResponse::Ok().json(EmailVerified {
        email_verified: true,
    }))
}

/// Mails the caller a new verification link (the earlier ones stop working).
#[utoipa::path(operation_id = "resendVerification", tag = "auth",
    security(("bearer" = ["session:read"])), responses(
    (status = 202, description = "A new link is on its way"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "`people_only`"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`email_already_verified`")))]
#[post("/v1/auth/verify/resend")]
pub async fn resend_verification(
    person: Person,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    limiter: web::Data<RateLimiter>,
) -> Result<HttpResponse, ApiError> {
    let user = person.user;
    limiter
        .hit(
            &format!("verify-mail:{user}"),
            policy.verification_mails_per_hour,
            3600,
        )
        .await?;
    // The mail names the session's organisation, if it is for one.
    let organisation = match person.tenant {
        Some(tenant) => ops
            .store
            .organisations(user)
            .await?
            .into_iter()
            .find(|o| o.tenant_id == tenant.0)
            .map(|o| o.name),
        None => None,
    };
    ops.resend_verification(user, organisation.as_deref())
        .await?;
    Ok(HttpResponse::Accepted().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `resend` is its own path; the order only matters for readers.
    cfg.service(verify_email).service(resend_verification);
}
