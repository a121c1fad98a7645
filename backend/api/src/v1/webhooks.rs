//! Webhook endpoints, their deliveries and attempts (`/v1/webhooks`).

use crate::ids::WebhookEndpointId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// An optional whole number, which JSON may write as `220` or `220.0` (both integers to JSON
/// Schema); a fraction or a number out of range is refused.
fn whole_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u64)
    });
    whole
        .and_then(|w| u32::try_from(w).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("{n} is not a whole number from 0 to {}", u32::MAX))
        })
}

/// How deliveries are written: `standard` (Standard Webhooks: the typed event, signed) or
/// `slack` (a Slack incoming webhook's Block Kit message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    #[default]
    Standard,
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Standard => "standard",
            WebhookFormat::Slack => "slack",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhookRequest {
    /// Where deliveries go: `https://` (or `http://`), a public address; no credentials in it.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2048, example = "https://hooks.example.com/versiqii")
    )]
    pub url: String,
    /// Event types to deliver: exact (`drift.changed`), a prefix (`deployment.*`) or `*`, the
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 64, min_items = 1))]
    pub events: Option<Vec<String>>,
    /// Only events in these environments (1 to 64 names); every event when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 64, min_items = 1))]
    pub environments: Option<Vec<String>>,
    #[serde(default)]
    pub format: WebhookFormat,
    /// What the endpoint is for.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub description: String,
    /// Deliver one at a time, in order (a failing delivery holds back the ones after it).
    #[serde(default)]
    pub ordered: bool,
    /// At most this many deliveries a second (1 to 10000); no limit when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_u32"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub rate_limit: Option<u32>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 64, min_items = 1))]
    pub events: Option<Vec<String>>,
    /// New environments; an empty list removes the filter (every event again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 64))]
    pub environments: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered: Option<bool>,
    /// A new limit; 0 removes it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_u32"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10000))]
    pub rate_limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: WebhookEndpointId,
    pub url: String,
    pub description: String,
    pub format: WebhookFormat,
    pub events: Vec<String>,
    /// `null`: every environment.
    #[serde(default)]
    pub environments: Option<Vec<String>>,
    pub ordered: bool,
    #[serde(default)]
    pub rate_limit: Option<u32>,
    /// `enabled` or `disabled`.
    pub status: String,
    /// Why it is disabled: `manual`, or `failing` (every delivery failed for 5 days).
    #[serde(default)]
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed; `null` when the last one succeeded.
    #[serde(default)]
    pub failing_since: Option<DateTime<Utc>>,
    /// After a rotation, the previous secret signs too until then.
    #[serde(default)]
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An endpoint with its signing secret, shown only in this answer (creation and rotation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookView,
    /// `whsec_` and base64: verify each delivery's `webhook-signature` with it.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    pub id: i64,
    /// The `webhook-id` header: the same for every endpoint and every retry of the event.
    pub msg_id: String,
    pub event_type: String,
    pub event_at: DateTime<Utc>,
    /// `pending`, `delivered` or `failed` (out of attempts).
    pub status: String,
    /// Attempts in the current round.
    pub attempts: i32,
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last attempt's HTTP status, if it got one.
    #[serde(default)]
    pub last_status: Option<i32>,
    #[serde(default)]
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    /// Pass as `before` for the next (older) page; `null` on the last.
    #[serde(default)]
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptView {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    /// `succeeded`, `failed`, `throttled` (429/503), `timeout` or `refused` (an address the
    /// service may not reach: nothing was sent).
    pub outcome: String,
    #[serde(default)]
    pub response_status: Option<i32>,
    /// The first KiB of the answer.
    #[serde(default)]
    pub response_body: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: DeliveryView,
    pub attempts: Vec<AttemptView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// Every event from this time on that the endpoint takes.
    pub since: DateTime<Utc>,
    /// Send deliveries that succeeded again too (otherwise only failed and missing ones).
    #[serde(default)]
    pub include_delivered: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayResult {
    /// Deliveries queued.
    pub queued: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only deliveries in this state: `pending`, `delivered` or `failed`.
    #[cfg_attr(feature = "openapi", param(pattern = "^(pending|delivered|failed)$"))]
    pub status: Option<String>,
    /// Only deliveries with an id below this one (the last page's `next_before`).
    pub before: Option<i64>,
    /// At most this many (1 to 200, default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
}

/// A member's digest: the organisation's events of some types in one mail an hour or a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DigestRequest {
    /// Event types (`drift.changed`, `deployment.*`, `*`); default `drift.changed`,
    /// `deployment.refused` and `binding.refused`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 64, min_items = 1))]
    pub events: Option<Vec<String>>,
    /// `hourly` or `daily` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(hourly|daily)$"))]
    pub every: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DigestView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub user_id: crate::ids::UserId,
    pub email: String,
    pub events: Vec<String>,
    /// `hourly` or `daily`.
    pub every: String,
    /// When the next digest goes out (it is skipped when nothing happened).
    pub next_due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DigestList {
    pub items: Vec<DigestView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_are_whole_numbers_however_json_writes_them() {
        let limit =
            |json: &str| serde_json::from_str::<WebhookUpdateRequest>(json).map(|r| r.rate_limit);
        assert_eq!(limit(r#"{"rate_limit": 220}"#).unwrap(), Some(220));
        assert_eq!(limit(r#"{"rate_limit": 220.0}"#).unwrap(), Some(220));
        assert_eq!(limit(r#"{"rate_limit": null}"#).unwrap(), None);
        assert_eq!(limit("{}").unwrap(), None);
        for bad in [
            r#"{"rate_limit": 2.5}"#,
            r#"{"rate_limit": -1}"#,
            r#"{"rate_limit": 1e12}"#,
            r#"{"rate_limit": "3"}"#,
        ] {
            assert!(limit(bad).is_err(), "{bad}");
        }
    }
}
