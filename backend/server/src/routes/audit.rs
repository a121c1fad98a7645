//! The tenant's append-only, hash-chained audit log.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use actix_web::{get, web, HttpResponse};
use versiqii_api::v1::{AuditBreak, AuditEventView, AuditPage, AuditQuery, AuditVerification};

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, verify),
    tags((name = "audit", description = "The append-only, hash-chained audit log"))
)]
pub struct Doc;

/// The tenant's audit log, newest first.
#[utoipa::path(operation_id = "listAuditEvents", tag = "audit", params(AuditQuery), security(("bearer" = ["audit:read"])), responses(
    (status = 200, body = AuditPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_input`: `limit` is not 1 to 500")))]
#[get("/v1/audit")]
pub async fn list(
    auth: Authorized<perm::AuditRead>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("/limit", "limit is between 1 and 500"));
    }
    let tx = auth.begin().await?;
    let events = tx.list_audit(limit, query.before).await?;
    tx.commit().await?;
    let items = events
        .into_iter()
        .map(|e| AuditEventView {
            seq: e.seq,
            id: e.id.into(),
            actor: e.actor,
            action: e.action,
            object: e.object,
            before_hash: e.before_hash,
            after_hash: e.after_hash,
            prev_hash: e.prev_hash,
            hash: e.hash,
            at: e.at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(AuditPage { items }))
}

/// Recomputes the tenant's whole chain from its first event and names the first event whose
/// hash or link to its predecessor does not hold (an altered, removed or inserted event).
#[utoipa::path(operation_id = "verifyAuditChain", tag = "audit", security(("bearer" = ["audit:read"])), responses(
    (status = 200, body = AuditVerification, description = "The verdict: `ok`, or the first broken event"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/audit/verify")]
pub async fn verify(auth: Authorized<perm::AuditRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let verdict = tx.verify_audit().await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(AuditVerification {
        ok: verdict.first_broken.is_none(),
        events: verdict.events,
        first_broken: verdict.first_broken.map(|b| AuditBreak {
            seq: b.seq,
            reason: b.reason,
        }),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(verify).service(list);
}
