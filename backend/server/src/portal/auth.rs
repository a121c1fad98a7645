//! Operators sign in with a password and a TOTP code (each code works once), and get a session
//! token for `/ops/v1` alone.

use super::{Operator, OperatorAuth, OperatorRole, Portal, Support};
use crate::auth::authorized::Gatekeeper;
use crate::auth::passwords;
use crate::auth::secrets::{hash_token, OPERATOR_TOKEN};
use crate::error::{ApiError, Problem};
use crate::rate_limit::RateLimiter;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use base64::Engine as _;
use std::sync::Arc;
use versiqii_api::ops::{OperatorLoginRequest, OperatorSession, OperatorView};
use versiqii_core::totp::{self, TotpSecret};
use versiqii_store::{OperatorAuditRecord, OperatorRow};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(login, logout, me),
    tags((name = "operators", description = "Operators' sign-in and session"))
)]
pub struct Doc;

fn view(row: &OperatorRow) -> OperatorView {
    OperatorView {
        id: row.id,
        email: row.email.clone(),
        display_name: row.display_name.clone(),
        role: row.role.clone(),
    }
}

/// The operator's TOTP secret, unsealed.
pub(crate) fn totp_secret(portal: &Portal, row: &OperatorRow) -> Result<TotpSecret, ApiError> {
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&row.totp_sealed)
        .map_err(|_| anyhow::anyhow!("operator {}'s TOTP secret is not base64", row.id))?;
    let plain = portal
        .keys
        .open_bytes(row.id.as_bytes(), &sealed)
        .map_err(|_| anyhow::anyhow!("operator {}'s TOTP secret does not unseal", row.id))?;
    let bytes: [u8; 20] = plain
        .try_into()
        .map_err(|_| anyhow::anyhow!("operator {}'s TOTP secret has a bad length", row.id))?;
    Ok(TotpSecret::new(bytes))
}

/// Seals a TOTP secret for the operator `id`, as stored.
pub fn seal_totp(
    keys: &crate::webhooks::keyring::KeyRing,
    id: uuid::Uuid,
    secret: &[u8; 20],
) -> String {
    base64::engine::general_purpose::STANDARD.encode(keys.seal_bytes(id.as_bytes(), secret))
}

/// Signs an operator in. A wrong email, password or code all answer 401
/// `invalid_credentials` (which one is not said); a code works once.
#[utoipa::path(operation_id = "opsLogin", tag = "operators", request_body = OperatorLoginRequest,
    responses(
    (status = 200, body = OperatorSession),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "The portal is not configured"),
    (status = 429, body = Problem, content_type = "application/problem+json")))]
#[post("/ops/v1/auth/login")]
pub async fn login(
    req: HttpRequest,
    portal: web::Data<Portal>,
    gate: web::Data<Arc<Gatekeeper>>,
    limiter: web::Data<RateLimiter>,
    body: web::Json<OperatorLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let store = portal.store()?;
    let body = body.into_inner();
    limiter
        .hit(
            &format!("op-login:{}", gate.proxies.key(&req)),
            portal.login_attempts_per_minute,
            60,
        )
        .await?;
    let found = match versiqii_core::Email::parse(&body.email) {
        Ok(email) => store.operator_by_email(email.as_str()).await?,
        Err(_) => None,
    }
    .filter(|row| row.disabled_at.is_none());
    let stored = found.as_ref().map(|r| r.password_hash.clone());
    let password_ok = passwords::verify(body.password, stored).await?;
    let Some(row) = found else {
        return Err(ApiError::InvalidCredentials);
    };
    let now = chrono::Utc::now();
    let step = if password_ok {
        let secret = totp_secret(&portal, &row)?;
        let last = row.totp_last_step.and_then(|s| u64::try_from(s).ok());
        totp::verify(&secret, &body.code, now.timestamp().max(0) as u64, last)
    } else {
        None
    };
    let taken = match step {
        Some(step) => store.take_totp_step(row.id, step).await?,
        None => false,
    };
    if !taken {
        store
            .record(OperatorAuditRecord {
                operator_id: Some(row.id),
                actor: &format!("operator:{}", row.id),
                action: "operator.login_failed",
                object: &format!("operator:{}", row.id),
                tenant_id: None,
                detail: Some(if password_ok { "code" } else { "password" }),
            })
            .await?;
        return Err(ApiError::InvalidCredentials);
    }
    let token = OPERATOR_TOKEN.generate();
    let expires_at = now + chrono::Duration::hours(portal.session_hours as i64);
    store
        .create_session(row.id, &hash_token(&token), expires_at)
        .await?;
    store
        .record(OperatorAuditRecord {
            operator_id: Some(row.id),
            actor: &format!("operator:{}", row.id),
            action: "operator.login",
            object: &format!("operator:{}", row.id),
            tenant_id: None,
            detail: None,
        })
        .await?;
    Ok(HttpResponse::Ok().json(OperatorSession {
        token,
        expires_at,
        operator: view(&row),
    }))
}

/// Ends the operator's session.
#[utoipa::path(operation_id = "opsLogout", tag = "operators", security(("operator" = [])),
    responses(
    (status = 204, description = "Signed out"),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[post("/ops/v1/auth/logout")]
pub async fn logout(
    auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
) -> Result<HttpResponse, ApiError> {
    portal
        .store()?
        .end_session(&auth.operator.token_hash)
        .await?;
    let who = auth.operator.actor();
    portal
        .record(&auth.operator, "operator.logout", &who, None, None)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in operator.
#[utoipa::path(operation_id = "opsMe", tag = "operators", security(("operator" = [])),
    responses(
    (status = 200, body = OperatorView),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/ops/v1/me")]
pub async fn me(auth: OperatorAuth<Support>) -> HttpResponse {
    let Operator {
        id,
        email,
        display_name,
        role,
        ..
    } = auth.operator;
    HttpResponse::Ok().json(OperatorView {
        id,
        email,
        display_name,
        role: OperatorRole::as_str(role).to_owned(),
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login).service(logout).service(me);
}
