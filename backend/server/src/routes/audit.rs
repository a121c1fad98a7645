use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// At most this many events (1 to 500, default 100).
    pub limit: Option<u64>,
    /// Only events with a sequence number below this one (for paging back).
    pub before: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    pub id: Uuid,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub before_hash: Option<String>,
    pub after_hash: Option<String>,
    /// The previous event's hash; the chain breaks if any event is altered or removed.
    pub prev_hash: String,
    pub hash: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
}

/// The tenant's audit log, newest first.
#[utoipa::path(operation_id = "listAuditEvents", tag = "audit", params(AuditQuery), security(("bearer" = ["audit:read"])), responses(
    (status = 200, body = AuditPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
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
            id: e.id,
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list);
}
