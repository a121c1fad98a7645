//! The organisation's availability and latency against its plan's SLA (`/v1/sla`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `GET /v1/sla`'s query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct SlaQuery {
    /// The calendar month (UTC) to report, `2026-11`; default: this month (so far).
    #[cfg_attr(
        feature = "openapi",
        param(pattern = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$")
    )]
    pub month: Option<String>,
}

/// A month's SLA figures. A minute is down when more than 5% of the organisation's requests in
/// it answered 5xx, or when a synthetic probe of the service failed in it (any region).
/// Requests are stored every few seconds (`metering.flush_ms`), so this month's figures may
/// trail the last moments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaView {
    /// The month shown, `2026-11`.
    pub month: String,
    /// Minutes measured: the whole month, or those begun so far for this month.
    pub minutes: u64,
    pub down_minutes: u64,
    /// Availability in parts per million, rounded down (999537 is 99.9537%).
    pub availability_ppm: u32,
    /// The availability as text, three decimals truncated: `99.953%`.
    pub availability: String,
    /// The 99th percentile latency of the month's requests in milliseconds, as the server
    /// measured it (from admission to the handler's answer); absent without requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    pub requests: u64,
    /// Requests answered with a 5xx status.
    pub errors_5xx: u64,
    /// The plan's availability target in parts per million; absent when the plan has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ppm: Option<u32>,
    /// Whether availability reached the target; absent without a target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
    /// The down minutes' starts (UTC), oldest first; the first 1000 when there are more.
    pub down: Vec<DateTime<Utc>>,
}
