//! `GET /v1/audit`: the tenant's hash-chained audit log.

use crate::ids::AuditEventId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// At most this many events (1 to 500, default 100).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<u64>,
    /// Only events with a sequence number below this one (for paging back).
    pub before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEventView {
    pub seq: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: AuditEventId,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
}

/// The first event of the chain that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditBreak {
    /// The event's sequence number.
    pub seq: i64,
    /// What does not hold: a missing event, a broken link, or altered content.
    pub reason: String,
}

/// `GET /v1/audit/verify`: the tenant's chain recomputed from its first event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditVerification {
    /// Every event's hash and link hold.
    pub ok: bool,
    /// Events checked (up to and including the first broken one).
    pub events: u64,
    /// Absent when `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<AuditBreak>,
}
