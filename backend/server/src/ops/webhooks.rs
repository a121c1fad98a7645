//! Webhook endpoints: created with their signing secret shown once (and a test message queued
//! for them alone), changed, enabled and disabled, rotated (the old secret signs beside the new
//! one for a while), deleted; one delivery sent again, or every event since a time replayed.
//! A URL is checked against the egress policy when it is saved (the dispatcher checks again at
//! every delivery, since a name can change its answer).

use super::{Ops, TenantWrite, WriteTicket};
use crate::error::{ApiError, ErrorCode};
use crate::webhooks::client::Client;
use crate::webhooks::keyring::KeyRing;
use crate::webhooks::EgressError;
use chrono::{DateTime, Utc};
use rand::RngCore;
use uuid::Uuid;
use versiqii_api::events::{
    Event, EventEnvelope, WebhookEndpointCreated, WebhookEndpointDeleted, WebhookEndpointUpdated,
    WebhookTest,
};
use versiqii_api::v1::WebhookFormat;
use versiqii_api::AuditAction;
use versiqii_core::webhook::{EventPattern, WebhookSecret, WebhookUrl};
use versiqii_store::{EndpointChanges, EndpointRow, NewEndpoint, Resend};

/// What endpoint operations need besides the tenant's write.
pub struct WebhookTools {
    pub client: Client,
    pub keys: KeyRing,
    pub max_endpoints: u64,
    /// How long a rotated-out secret keeps signing.
    pub overlap_secs: u64,
    /// An hourly and a daily digest's period.
    pub digest_periods: (u64, u64),
    /// This process's dispatcher's counts, for `/metrics`.
    pub metrics: std::sync::Arc<crate::webhooks::dispatcher::DispatchMetrics>,
}

pub struct NewEndpointSpec {
    pub url: WebhookUrl,
    pub events: Vec<EventPattern>,
    pub envs: Option<Vec<String>>,
    pub format: WebhookFormat,
    pub description: String,
    pub ordered: bool,
    pub rate_limit: Option<u32>,
}

/// Changes; `None` keeps a field.
#[derive(Default)]
pub struct EndpointUpdate {
    pub url: Option<WebhookUrl>,
    pub events: Option<Vec<EventPattern>>,
    /// `Some(None)` removes the filter.
    pub envs: Option<Option<Vec<String>>>,
    pub description: Option<String>,
    pub ordered: Option<bool>,
    pub rate_limit: Option<Option<u32>>,
}

/// Whether the service may send to `url` now: a refused address, or a name that does not
/// resolve, is an error naming it.
async fn check_reachable(tools: &WebhookTools, url: &WebhookUrl) -> Result<(), ApiError> {
    match tools.client.addresses(url).await {
        Ok(_) => Ok(()),
        Err(e @ EgressError::Refused { .. }) => Err(ApiError::Unprocessable {
            code: ErrorCode::WebhookUrlRefused,
            detail: e.to_string(),
        }),
        Err(e @ EgressError::Unresolvable { .. }) => Err(ApiError::Unprocessable {
            code: ErrorCode::WebhookUrlUnresolvable,
            detail: e.to_string(),
        }),
    }
}

fn new_secret() -> WebhookSecret {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    WebhookSecret::from_random(bytes)
}

fn patterns(events: &[EventPattern]) -> Vec<String> {
    events.iter().map(|p| p.as_str().to_owned()).collect()
}

fn object(id: Uuid) -> String {
    format!("webhook:{id}")
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound(format!("webhook endpoint {id}"))
}

/// The test message an endpoint gets alone.
async fn queue_test(w: &TenantWrite, endpoint: Uuid, message: &str) -> Result<(), ApiError> {
    let event = Event::WebhookTest(WebhookTest {
        endpoint_id: endpoint,
        message: message.to_owned(),
    });
    let payload =
        serde_json::to_value(EventEnvelope::from(event.clone())).map_err(anyhow::Error::from)?;
    w.tx()
        .enqueue_for_endpoint(event.type_name(), payload, endpoint)
        .await?;
    Ok(())
}

/// Creates an endpoint; its secret is returned this once.
pub async fn create(
    ops: &Ops,
    ticket: WriteTicket,
    spec: NewEndpointSpec,
) -> Result<(EndpointRow, WebhookSecret), ApiError> {
    let tools = &ops.webhooks;
    check_reachable(tools, &spec.url).await?;
    let mut w = ticket.open(ops).await?;
    if w.tx().count_endpoints().await? >= tools.max_endpoints {
        return Err(ApiError::Conflict {
            code: ErrorCode::WebhookLimit,
            detail: format!(
                "the organisation has {} webhook endpoints, as many as it may; delete one first",
                tools.max_endpoints
            ),
        });
    }
    let id = Uuid::new_v4();
    let secret = new_secret();
    let events = patterns(&spec.events);
    let row = w
        .tx()
        .create_endpoint(NewEndpoint {
            id,
            url: spec.url.as_str(),
            description: &spec.description,
            format: spec.format.as_str(),
            event_types: &events,
            envs: spec.envs.as_deref(),
            ordered: spec.ordered,
            rate_limit: spec.rate_limit,
            sealed_secret: tools.keys.seal(id, &secret),
        })
        .await?;
    w.audit(AuditAction::WebhookCreate, object(id), None, None);
    w.emit(WebhookEndpointCreated {
        endpoint_id: id,
        url: row.url.clone(),
        format: row.format.clone(),
        events,
    });
    queue_test(
        &w,
        id,
        "This endpoint is connected: Versiqii will deliver its events here.",
    )
    .await?;
    w.commit().await?;
    Ok((row, secret))
}

pub async fn update(
    ops: &Ops,
    ticket: WriteTicket,
    id: Uuid,
    change: EndpointUpdate,
) -> Result<EndpointRow, ApiError> {
    if let Some(url) = &change.url {
        check_reachable(&ops.webhooks, url).await?;
    }
    let mut w = ticket.open(ops).await?;
    let events = change.events.as_deref().map(patterns);
    let envs = change.envs.as_ref().map(|e| e.as_deref());
    let row = w
        .tx()
        .update_endpoint(
            id,
            &EndpointChanges {
                url: change.url.as_ref().map(WebhookUrl::as_str),
                description: change.description.as_deref(),
                event_types: events.as_deref(),
                envs,
                ordered: change.ordered,
                rate_limit: change.rate_limit,
            },
        )
        .await?
        .ok_or_else(|| not_found(id))?;
    w.audit(AuditAction::WebhookUpdate, object(id), None, None);
    w.emit(WebhookEndpointUpdated {
        endpoint_id: id,
        url: row.url.clone(),
        change: "settings".into(),
    });
    w.commit().await?;
    Ok(row)
}

/// Enables (its pending deliveries go out) or disables an endpoint.
pub async fn set_enabled(
    mut w: TenantWrite,
    id: Uuid,
    enabled: bool,
) -> Result<EndpointRow, ApiError> {
    let row = w
        .tx()
        .set_endpoint_enabled(id, enabled)
        .await?
        .ok_or_else(|| not_found(id))?;
    let (action, change) = if enabled {
        (AuditAction::WebhookEnable, "enabled")
    } else {
        (AuditAction::WebhookDisable, "disabled")
    };
    w.audit(action, object(id), None, None);
    w.emit(WebhookEndpointUpdated {
        endpoint_id: id,
        url: row.url.clone(),
        change: change.into(),
    });
    w.commit().await?;
    Ok(row)
}

/// A new secret, returned this once; the old one signs beside it for `overlap_secs`.
pub async fn rotate_secret(
    ops: &Ops,
    mut w: TenantWrite,
    id: Uuid,
) -> Result<(EndpointRow, WebhookSecret), ApiError> {
    let tools = &ops.webhooks;
    let secret = new_secret();
    let row = w
        .tx()
        .rotate_endpoint_secret(id, tools.keys.seal(id, &secret), tools.overlap_secs)
        .await?
        .ok_or_else(|| not_found(id))?;
    w.audit(AuditAction::WebhookRotateSecret, object(id), None, None);
    w.emit(WebhookEndpointUpdated {
        endpoint_id: id,
        url: row.url.clone(),
        change: "secret_rotated".into(),
    });
    w.commit().await?;
    Ok((row, secret))
}

pub async fn delete(mut w: TenantWrite, id: Uuid) -> Result<(), ApiError> {
    let row = w.tx().endpoint(id).await?.ok_or_else(|| not_found(id))?;
    w.tx().delete_endpoint(id).await?;
    w.audit(AuditAction::WebhookDelete, object(id), None, None);
    w.emit(WebhookEndpointDeleted {
        endpoint_id: id,
        url: row.url,
    });
    w.commit().await
}

/// Sends one finished delivery again.
pub async fn resend(mut w: TenantWrite, endpoint: Uuid, delivery: i64) -> Result<(), ApiError> {
    match w.tx().resend_delivery(endpoint, delivery).await? {
        Resend::Queued => {}
        Resend::Pending => {
            return Err(ApiError::Conflict {
                code: ErrorCode::DeliveryPending,
                detail: format!(
                    "delivery {delivery} is still pending: it goes out without a resend"
                ),
            })
        }
        Resend::NotFound => {
            return Err(ApiError::NotFound(format!(
                "delivery {delivery} of webhook endpoint {endpoint}"
            )))
        }
    }
    w.audit(
        AuditAction::WebhookResend,
        format!("webhook:{endpoint}/delivery:{delivery}"),
        None,
        None,
    );
    w.commit().await
}

/// Queues every event since `since` the endpoint takes (failed and missing deliveries, and
/// delivered ones when asked); how many.
pub async fn replay(
    mut w: TenantWrite,
    endpoint: Uuid,
    since: DateTime<Utc>,
    include_delivered: bool,
) -> Result<u64, ApiError> {
    w.tx()
        .endpoint(endpoint)
        .await?
        .ok_or_else(|| not_found(endpoint))?;
    let queued = w
        .tx()
        .replay_endpoint(endpoint, since, include_delivered)
        .await?;
    w.audit(
        AuditAction::WebhookReplay,
        object(endpoint),
        None,
        Some(&format!("since:{}", since.to_rfc3339())),
    );
    w.commit().await?;
    Ok(queued)
}

/// Queues a test message for the endpoint alone.
pub async fn test(mut w: TenantWrite, endpoint: Uuid) -> Result<(), ApiError> {
    w.tx()
        .endpoint(endpoint)
        .await?
        .ok_or_else(|| not_found(endpoint))?;
    queue_test(&w, endpoint, "A test message, sent on request.").await?;
    w.audit(AuditAction::WebhookTest, object(endpoint), None, None);
    w.commit().await
}

/// Subscribes a member to a digest (or changes theirs).
pub async fn set_digest(
    ops: &Ops,
    mut w: TenantWrite,
    user: Uuid,
    events: Vec<EventPattern>,
    daily: bool,
) -> Result<versiqii_store::DigestRow, ApiError> {
    let (hourly, daily_secs) = ops.webhooks.digest_periods;
    let (every, period) = if daily {
        ("daily", daily_secs)
    } else {
        ("hourly", hourly)
    };
    let row = w
        .tx()
        .set_digest(user, &patterns(&events), every, period)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("member {user}")))?;
    w.audit(
        AuditAction::DigestSet,
        format!("digest:{user}"),
        None,
        Some(&format!("{every}:{}", row.event_types)),
    );
    w.commit().await?;
    Ok(row)
}

pub async fn delete_digest(mut w: TenantWrite, user: Uuid) -> Result<(), ApiError> {
    if !w.tx().delete_digest(user).await? {
        return Err(ApiError::NotFound(format!("digest of member {user}")));
    }
    w.audit(
        AuditAction::DigestRemove,
        format!("digest:{user}"),
        None,
        None,
    );
    w.commit().await
}
