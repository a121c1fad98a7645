//! The operators' audit chain: every operator action, hash-chained, and its verification.

use super::{OperatorAuth, Portal, Support};
use crate::error::{ApiError, Problem};
use actix_web::{get, web, HttpResponse};
use versiqii_api::ops::{
    OperatorAuditPage, OperatorAuditQuery, OperatorAuditVerification, OperatorAuditView,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, verify),
    tags((name = "audit", description = "The operators' own audit chain"))
)]
pub struct Doc;

/// The operators' actions, newest first.
#[utoipa::path(operation_id = "opsListAudit", tag = "audit", params(OperatorAuditQuery),
    security(("operator" = [])), responses(
    (status = 200, body = OperatorAuditPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[get("/ops/v1/audit")]
pub async fn list(
    _auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
    query: web::Query<OperatorAuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("/limit", "from 1 to 500"));
    }
    let rows = portal.store()?.audit_page(query.before, limit).await?;
    let next_before = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    Ok(HttpResponse::Ok().json(OperatorAuditPage {
        items: rows
            .into_iter()
            .map(|r| OperatorAuditView {
                seq: r.seq,
                id: r.id,
                actor: r.actor,
                action: r.action,
                object: r.object,
                tenant_id: r.tenant_id,
                detail: r.detail,
                prev_hash: r.prev_hash,
                hash: r.hash,
                at: r.at,
            })
            .collect(),
        next_before,
    }))
}

/// Recomputes the whole chain and names the first entry that does not hold.
#[utoipa::path(operation_id = "opsVerifyAudit", tag = "audit",
    security(("operator" = [])), responses(
    (status = 200, body = OperatorAuditVerification),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/ops/v1/audit/verify")]
pub async fn verify(
    _auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
) -> Result<HttpResponse, ApiError> {
    let verdict = portal.store()?.verify_audit().await?;
    Ok(HttpResponse::Ok().json(OperatorAuditVerification {
        events: verdict.events,
        first_broken: verdict.first_broken.as_ref().map(|b| b.seq),
        reason: verdict.first_broken.map(|b| b.reason),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `verify` before the list so its path is not read as a query of the list.
    cfg.service(verify).service(list);
}
