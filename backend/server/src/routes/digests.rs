//! Email digests: admins choose which members get which of the organisation's events in one
//! mail an hour or a day (sent by the dispatcher; skipped when nothing happened).

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, FieldError, Problem};
use crate::ops::{webhooks as ops_webhooks, Ops};
use actix_web::{delete, get, put, web, HttpResponse};
use uuid::Uuid;
use versiqii_api::v1::{DigestList, DigestRequest, DigestView};
use versiqii_core::webhook::EventPattern;
use versiqii_store::DigestRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, set, remove),
    tags((name = "digests", description = "Email digests of the organisation's events for chosen members"))
)]
pub struct Doc;

/// What a digest holds when the request names nothing.
const DEFAULT_EVENTS: [&str; 3] = ["drift.changed", "deployment.refused", "binding.refused"];

fn view(row: DigestRow) -> DigestView {
    DigestView {
        user_id: row.user_id.into(),
        events: row.event_types(),
        email: row.email,
        every: row.every,
        next_due_at: row.next_due_at,
        created_at: row.created_at,
    }
}

fn parse(body: &DigestRequest) -> Result<(Vec<EventPattern>, bool), ApiError> {
    let mut errors = Vec::new();
    let given: Vec<String> = match &body.events {
        Some(events) => events.clone(),
        None => DEFAULT_EVENTS.iter().map(|e| (*e).to_owned()).collect(),
    };
    if given.is_empty() || given.len() > 64 {
        errors.push(FieldError::new("/events", "name 1 to 64 event types"));
    }
    let events = crate::routes::webhooks::known_patterns(&given, &mut errors);
    let daily = match body.every.as_deref() {
        None | Some("daily") => true,
        Some("hourly") => false,
        Some(_) => {
            errors.push(FieldError::new("/every", "hourly or daily"));
            true
        }
    };
    if errors.is_empty() {
        Ok((events, daily))
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// The organisation's digest subscriptions, by email.
#[utoipa::path(operation_id = "listDigests", tag = "digests", security(("bearer" = ["webhooks:read"])), responses(
    (status = 200, body = DigestList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/digests")]
pub async fn list(auth: Authorized<perm::WebhooksRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.list_digests().await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(DigestList {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// Subscribes a member to a digest of the organisation's events (or changes theirs): from now
/// on, the events of these types gathered in one mail an hour or a day; none when nothing
/// happened.
#[utoipa::path(operation_id = "setDigest", tag = "digests", request_body = DigestRequest,
    params(("user_id" = Uuid, Path, description = "The member's id (`versiqii members list`)")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 200, body = DigestView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such member"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/v1/digests/{user_id}")]
pub async fn set(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    user: web::Path<Uuid>,
    body: web::Json<DigestRequest>,
) -> Result<HttpResponse, ApiError> {
    let (events, daily) = parse(&body)?;
    let row = ops_webhooks::set_digest(
        &ops,
        auth.write(&ops).await?,
        user.into_inner(),
        events,
        daily,
    )
    .await?;
    Ok(HttpResponse::Ok().json(view(row)))
}

/// Ends a member's digest.
#[utoipa::path(operation_id = "deleteDigest", tag = "digests",
    params(("user_id" = Uuid, Path, description = "The member's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 204, description = "Unsubscribed"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/v1/digests/{user_id}")]
pub async fn remove(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    user: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    ops_webhooks::delete_digest(auth.write(&ops).await?, user.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(set).service(remove);
}
