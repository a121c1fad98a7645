//! The organisation's usage and its plan's quotas (`/v1/usage`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// `GET /v1/usage`'s query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// The calendar month (UTC) whose usage to show, `2026-12`; default: this month.
    #[cfg_attr(
        feature = "openapi",
        param(pattern = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$")
    )]
    pub month: Option<String>,
}

/// One quota: how much is used now against the plan's limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaView {
    /// `configs`, `targets`, `seats` (members and open invites) or `calls_month`.
    pub quota: String,
    pub used: u64,
    /// The plan's limit; absent when unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// `used` as a whole percentage of `limit` (a `quota.warning` event is sent at 80).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u64>,
}

/// One metered quantity over the month: the sum for counts (API calls by kind, webhook
/// deliveries), the peak for stored quantities (configs, config bytes, targets deployed,
/// bindings, seats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageTotal {
    /// `api_reads`, `api_writes`, `api_validations`, `api_migrations`, `webhook_deliveries`,
    /// `configs`, `config_bytes`, `targets_active`, `bindings` or `seats`.
    pub kind: String,
    pub value: u64,
    /// `sum` or `peak`.
    pub aggregate: String,
}

/// One day's count of one quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageDay {
    pub day: NaiveDate,
    pub kind: String,
    pub value: u64,
}

/// The organisation's plan, quotas and the month's usage. API calls are stored every few
/// seconds (`metering.flush_ms`) and stored quantities every `metering.snapshot_secs`, so the
/// month's figures may trail the last moments; quotas on stored things are counted live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageView {
    pub plan: String,
    /// The month shown, `2026-12`.
    pub period: String,
    /// Every quota now (whichever month is shown).
    pub quotas: Vec<QuotaView>,
    pub totals: Vec<UsageTotal>,
    pub days: Vec<UsageDay>,
}
