//! Webhook endpoints, their deliveries and attempts (admins only: a Slack webhook's URL is a
//! secret of its own).

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, FieldError, Problem};
use crate::ops::webhooks::{self as ops_webhooks, EndpointUpdate, NewEndpointSpec};
use crate::ops::Ops;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use uuid::Uuid;
use versiqii_api::v1::{
    AttemptView, DeliveryDetail, DeliveryList, DeliveryQuery, DeliveryView, NewWebhookRequest,
    ReplayRequest, ReplayResult, WebhookFormat, WebhookList, WebhookUpdateRequest, WebhookView,
    WebhookWithSecret,
};
use versiqii_core::webhook::{EventPattern, WebhookUrl};
use versiqii_store::{AttemptRow, DeliveryRow, EndpointRow};

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list, show, update, delete_endpoint, enable, disable, rotate_secret, test,
          deliveries, delivery, resend, replay),
    tags((name = "webhooks", description = "Signed webhooks (Standard Webhooks) and Slack messages for the organisation's events"))
)]
pub struct Doc;

pub fn endpoint_view(row: EndpointRow) -> WebhookView {
    let events = row.event_types();
    let environments = row.envs();
    WebhookView {
        id: row.id.into(),
        url: row.url,
        description: row.description,
        format: if row.format == "slack" {
            WebhookFormat::Slack
        } else {
            WebhookFormat::Standard
        },
        events,
        environments,
        ordered: row.ordered,
        rate_limit: row.rate_limit.and_then(|r| u32::try_from(r).ok()),
        status: row.status,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since,
        previous_secret_until: row.previous_secret_until,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn delivery_view(row: DeliveryRow) -> DeliveryView {
    DeliveryView {
        id: row.id,
        msg_id: format!("msg_{}", row.msg_id.simple()),
        event_type: row.event_type,
        event_at: row.event_at,
        status: row.status,
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
        last_status: row.last_status,
        last_error: row.last_error,
        created_at: row.created_at,
        delivered_at: row.delivered_at,
    }
}

fn attempt_view(row: AttemptRow) -> AttemptView {
    AttemptView {
        attempt: row.attempt,
        started_at: row.started_at,
        duration_ms: row.duration_ms,
        outcome: row.outcome,
        response_status: row.response_status,
        response_body: row.response_body,
        error: row.error,
    }
}

fn parse_url(text: &str, errors: &mut Vec<FieldError>) -> Option<WebhookUrl> {
    WebhookUrl::parse(text)
        .map_err(|e| errors.push(FieldError::new("/url", e)))
        .ok()
}

fn parse_events(given: &[String], errors: &mut Vec<FieldError>) -> Vec<EventPattern> {
    if given.is_empty() || given.len() > 64 {
        errors.push(FieldError::new(
            "/events",
            "name 1 to 64 event types (`drift.changed`, `deployment.*`), or leave it out for `*`",
        ));
    }
    known_patterns(given, errors)
}

/// Each event type pattern parsed, once, and matching some type of the catalogue; errors at
/// `/events/{i}` (webhooks and digests take the same patterns).
pub(crate) fn known_patterns(given: &[String], errors: &mut Vec<FieldError>) -> Vec<EventPattern> {
    let mut out: Vec<EventPattern> = Vec::new();
    for (i, text) in given.iter().enumerate() {
        match EventPattern::parse(text) {
            Ok(p) => {
                let known = p.as_str() == "*"
                    || versiqii_api::events::EventType::ALL
                        .iter()
                        .any(|t| p.matches(t.as_str()));
                if !known {
                    errors.push(FieldError::new(
                        &format!("/events/{i}"),
                        format!("`{text}` matches no event type (docs/events.md lists them)"),
                    ));
                } else if !out.contains(&p) {
                    out.push(p);
                }
            }
            Err(e) => errors.push(FieldError::new(&format!("/events/{i}"), e)),
        }
    }
    out
}

fn parse_envs(given: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    if given.len() > 64 {
        errors.push(FieldError::new("/environments", "at most 64 environments"));
    }
    let mut envs: Vec<String> = Vec::new();
    for (i, text) in given.iter().enumerate() {
        match crate::routes::envs::parse_env(text) {
            Ok(env) if !envs.iter().any(|e| e == env.as_str()) => {
                envs.push(env.as_str().to_owned())
            }
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new(
                &format!("/environments/{i}"),
                "an environment name: letters, digits, '.', '_' or '-', at most 100",
            )),
        }
    }
    envs.sort();
    envs
}

fn parse_description(text: &str, errors: &mut Vec<FieldError>) -> String {
    let text = text.trim();
    if text.chars().count() > 500 || text.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "/description",
            "at most 500 characters, on one line",
        ));
    }
    text.to_owned()
}

fn parse_new(body: &NewWebhookRequest) -> Result<NewEndpointSpec, ApiError> {
    let mut errors = Vec::new();
    let url = parse_url(&body.url, &mut errors);
    let events = match &body.events {
        Some(given) => parse_events(given, &mut errors),
        None => parse_events(&["*".to_owned()], &mut errors),
    };
    let envs = body.environments.as_ref().map(|given| {
        if given.is_empty() {
            errors.push(FieldError::new(
                "/environments",
                "name 1 to 64 environments, or leave it out for every one",
            ));
        }
        parse_envs(given, &mut errors)
    });
    let description = parse_description(&body.description, &mut errors);
    if body.rate_limit.is_some_and(|r| !(1..=10_000).contains(&r)) {
        errors.push(FieldError::new(
            "/rate_limit",
            "between 1 and 10000 a second",
        ));
    }
    match url {
        Some(url) if errors.is_empty() => Ok(NewEndpointSpec {
            url,
            events,
            envs,
            format: body.format,
            description,
            ordered: body.ordered,
            rate_limit: body.rate_limit,
        }),
        _ => Err(ApiError::Invalid(errors)),
    }
}

fn parse_update(body: &WebhookUpdateRequest) -> Result<EndpointUpdate, ApiError> {
    let mut errors = Vec::new();
    let url = body.url.as_deref().map(|u| parse_url(u, &mut errors));
    let events = body.events.as_deref().map(|e| parse_events(e, &mut errors));
    let envs = body.environments.as_deref().map(|given| {
        let envs = parse_envs(given, &mut errors);
        (!envs.is_empty()).then_some(envs)
    });
    let description = body
        .description
        .as_deref()
        .map(|d| parse_description(d, &mut errors));
    if body.rate_limit.is_some_and(|r| r > 10_000) {
        errors.push(FieldError::new(
            "/rate_limit",
            "between 0 (no limit) and 10000",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    Ok(EndpointUpdate {
        url: url.flatten(),
        events,
        envs,
        description,
        ordered: body.ordered,
        rate_limit: body.rate_limit.map(|r| (r > 0).then_some(r)),
    })
}

/// Creates an endpoint. Its signing secret is in this answer once and never again, and a
/// `webhook.test` message is queued for it alone. The URL must be public: a host that is, or
/// resolves only to, a private, loopback, link-local or otherwise internal address is refused.
#[utoipa::path(operation_id = "createWebhook", tag = "webhooks", request_body = NewWebhookRequest,
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 201, body = WebhookWithSecret),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`webhook_limit`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_input`; `webhook_url_refused`: an internal address; `webhook_url_unresolvable`")))]
#[post("/v1/webhooks")]
pub async fn create(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let spec = parse_new(&body)?;
    let (row, secret) = ops_webhooks::create(&ops, auth.ticket(), spec).await?;
    Ok(HttpResponse::Created().json(WebhookWithSecret {
        endpoint: endpoint_view(row),
        secret: secret.expose(),
    }))
}

/// The organisation's endpoints, oldest first. Secrets are never listed.
#[utoipa::path(operation_id = "listWebhooks", tag = "webhooks", security(("bearer" = ["webhooks:read"])), responses(
    (status = 200, body = WebhookList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/webhooks")]
pub async fn list(auth: Authorized<perm::WebhooksRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.list_endpoints().await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        items: rows.into_iter().map(endpoint_view).collect(),
    }))
}

async fn find(auth: &Authorized<perm::WebhooksRead>, id: Uuid) -> Result<EndpointRow, ApiError> {
    let tx = auth.begin().await?;
    let row = tx.endpoint(id).await?;
    tx.commit().await?;
    row.ok_or_else(|| ApiError::NotFound(format!("webhook endpoint {id}")))
}

/// One endpoint.
#[utoipa::path(operation_id = "getWebhook", tag = "webhooks", params(("id" = Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = ["webhooks:read"])), responses(
    (status = 200, body = WebhookView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/webhooks/{id}")]
pub async fn show(
    auth: Authorized<perm::WebhooksRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(endpoint_view(find(&auth, id.into_inner()).await?)))
}

/// Changes an endpoint's URL, event types, environments, description, ordering or rate limit
/// (absent fields stay). Deliveries already made keep going to the endpoint as it is now.
#[utoipa::path(operation_id = "updateWebhook", tag = "webhooks", request_body = WebhookUpdateRequest,
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 200, body = WebhookView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_input`; `webhook_url_refused`; `webhook_url_unresolvable`")))]
#[patch("/v1/webhooks/{id}")]
pub async fn update(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
    body: web::Json<WebhookUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let change = parse_update(&body)?;
    let row = ops_webhooks::update(&ops, auth.ticket(), id.into_inner(), change).await?;
    Ok(HttpResponse::Ok().json(endpoint_view(row)))
}

/// Deletes an endpoint with its deliveries and their attempts.
#[utoipa::path(operation_id = "deleteWebhook", tag = "webhooks", params(("id" = Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 204, description = "Deleted"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/v1/webhooks/{id}")]
pub async fn delete_endpoint(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    ops_webhooks::delete(auth.write(&ops).await?, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Enables an endpoint (also one the dispatcher disabled): its pending deliveries go out.
#[utoipa::path(operation_id = "enableWebhook", tag = "webhooks", params(("id" = Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 200, body = WebhookView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/webhooks/{id}/enable")]
pub async fn enable(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = ops_webhooks::set_enabled(auth.write(&ops).await?, id.into_inner(), true).await?;
    Ok(HttpResponse::Ok().json(endpoint_view(row)))
}

/// Disables an endpoint: nothing is sent to it (new events are not queued for it) until it is
/// enabled again.
#[utoipa::path(operation_id = "disableWebhook", tag = "webhooks", params(("id" = Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 200, body = WebhookView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/webhooks/{id}/disable")]
pub async fn disable(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = ops_webhooks::set_enabled(auth.write(&ops).await?, id.into_inner(), false).await?;
    Ok(HttpResponse::Ok().json(endpoint_view(row)))
}

/// A new signing secret, in this answer once. The old one keeps signing beside it (a second
/// `v1,` signature) for `webhooks.previous_secret_hours`, so receivers can switch.
#[utoipa::path(operation_id = "rotateWebhookSecret", tag = "webhooks", params(("id" = Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 200, body = WebhookWithSecret),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (row, secret) =
        ops_webhooks::rotate_secret(&ops, auth.write(&ops).await?, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(WebhookWithSecret {
        endpoint: endpoint_view(row),
        secret: secret.expose(),
    }))
}

/// Queues a `webhook.test` message for this endpoint alone.
#[utoipa::path(operation_id = "testWebhook", tag = "webhooks", params(("id" = Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 202, description = "Queued"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/webhooks/{id}/test")]
pub async fn test(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    ops_webhooks::test(auth.write(&ops).await?, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// An endpoint's deliveries, newest first, a page at a time.
#[utoipa::path(operation_id = "listWebhookDeliveries", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id"), DeliveryQuery),
    security(("bearer" = ["webhooks:read"])), responses(
    (status = 200, body = DeliveryList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_input`: a bad `status` or `limit`")))]
#[get("/v1/webhooks/{id}/deliveries")]
pub async fn deliveries(
    auth: Authorized<perm::WebhooksRead>,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("/limit", "limit is between 1 and 200"));
    }
    if let Some(s) = &query.status {
        if !matches!(s.as_str(), "pending" | "delivered" | "failed") {
            return Err(ApiError::invalid("/status", "pending, delivered or failed"));
        }
    }
    let id = id.into_inner();
    let tx = auth.begin().await?;
    if tx.endpoint(id).await?.is_none() {
        return Err(ApiError::NotFound(format!("webhook endpoint {id}")));
    }
    let rows = tx
        .list_deliveries(id, query.status.as_deref(), query.before, limit)
        .await?;
    tx.commit().await?;
    let next_before = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(HttpResponse::Ok().json(DeliveryList {
        items: rows.into_iter().map(delivery_view).collect(),
        next_before,
    }))
}

/// One delivery with every attempt: status, answer code, duration and the answer's first KiB.
#[utoipa::path(operation_id = "getWebhookDelivery", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id"), ("delivery" = i64, Path, description = "The delivery's id")),
    security(("bearer" = ["webhooks:read"])), responses(
    (status = 200, body = DeliveryDetail),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/webhooks/{id}/deliveries/{delivery}")]
pub async fn delivery(
    auth: Authorized<perm::WebhooksRead>,
    path: web::Path<(Uuid, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    let tx = auth.begin().await?;
    let row = tx.delivery(id, delivery).await?.ok_or_else(|| {
        ApiError::NotFound(format!("delivery {delivery} of webhook endpoint {id}"))
    })?;
    let attempts = tx.attempts(delivery).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(DeliveryDetail {
        delivery: delivery_view(row),
        attempts: attempts.into_iter().map(attempt_view).collect(),
    }))
}

/// Sends a delivery that succeeded or failed once more (a new round of attempts, the same
/// `webhook-id`, so receivers can tell it is the same event).
#[utoipa::path(operation_id = "resendWebhookDelivery", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id"), ("delivery" = i64, Path, description = "The delivery's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 202, description = "Queued"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`delivery_pending`")))]
#[post("/v1/webhooks/{id}/deliveries/{delivery}/resend")]
pub async fn resend(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    path: web::Path<(Uuid, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    ops_webhooks::resend(auth.write(&ops).await?, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Queues every event since a time that the endpoint takes: those that failed, those it never
/// got (created or enabled later), and with `include_delivered` those it got too.
#[utoipa::path(operation_id = "replayWebhook", tag = "webhooks", request_body = ReplayRequest,
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = ["webhooks:write"])), responses(
    (status = 202, body = ReplayResult),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/webhooks/{id}/replay")]
pub async fn replay(
    auth: Authorized<perm::WebhooksWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
    body: web::Json<ReplayRequest>,
) -> Result<HttpResponse, ApiError> {
    let queued = ops_webhooks::replay(
        auth.write(&ops).await?,
        id.into_inner(),
        body.since,
        body.include_delivered,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(ReplayResult { queued }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(show)
        .service(update)
        .service(delete_endpoint)
        .service(enable)
        .service(disable)
        .service(rotate_secret)
        .service(test)
        .service(deliveries)
        .service(delivery)
        .service(resend)
        .service(replay);
}
