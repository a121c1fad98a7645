//! The operators' portal's wire contract (`/ops/v1`), published as its own OpenAPI document
//! (`spec/ops-openapi.json`); tenants' clients never see it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Signs an operator in: password and the current code of their authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OperatorLoginRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub password: String,
    /// The 6-digit TOTP code (RFC 6238, 30 s); each code works once.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{6}$"))]
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorView {
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    /// `support` (reads and looks) or `admin` (also changes plans, credits and suspensions).
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorSession {
    /// Send as `Authorization: Bearer <token>` to `/ops/v1`; it works nowhere else.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub operator: OperatorView,
}

/// `GET /ops/v1/tenants`'s query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct TenantQuery {
    /// Part of a slug, a name or a member's email.
    #[cfg_attr(feature = "openapi", param(max_length = 200))]
    pub q: Option<String>,
    /// Only tenants created before this time (the last page's `next_before`).
    pub before: Option<DateTime<Utc>>,
    /// At most this many (1 to 200, default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantSummaryView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub plan: String,
    pub created_at: DateTime<Utc>,
    /// When it was suspended; absent while it is active.
    pub suspended_at: Option<DateTime<Utc>>,
    pub suspended_reason: Option<String>,
    pub members: i64,
    pub owner_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantPage {
    pub items: Vec<TenantSummaryView>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditView {
    pub id: Uuid,
    pub amount_cents: i64,
    pub reason: String,
    /// `operator:<id>`.
    pub granted_by: String,
    pub created_at: DateTime<Utc>,
}

/// One metered quantity this month (sums of counts, peaks of stored quantities).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageFigureView {
    pub kind: String,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantDetail {
    pub tenant: TenantSummaryView,
    /// This calendar month's usage.
    pub usage: Vec<UsageFigureView>,
    pub credits: Vec<CreditView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanChangeRequest {
    /// A plan in the service's settings (`[plans.*]`).
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub plan: String,
    /// Why, for the audit chain.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// Why an action was taken, for the audit chain (and the owners' mail on suspension).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreditRequest {
    /// In minor units of the billing currency, 1 to 100,000,000,000.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1, maximum = 100_000_000_000_i64)
    )]
    pub amount_cents: i64,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// A read-only look at a tenant: an access token for the tenants' API (`/v1`) that reads as a
/// viewer would and changes nothing, for `impersonation_minutes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Impersonation {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub tenant_id: Uuid,
    pub tenant_slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorAuditView {
    pub seq: i64,
    pub id: Uuid,
    /// `operator:<id>`.
    pub actor: String,
    pub action: String,
    pub object: String,
    pub tenant_id: Option<Uuid>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub at: DateTime<Utc>,
}

/// `GET /ops/v1/audit`'s query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct OperatorAuditQuery {
    /// Only entries before this sequence number (the last page's `next_before`).
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub before: Option<i64>,
    /// At most this many (1 to 500, default 100).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorAuditPage {
    pub items: Vec<OperatorAuditView>,
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorAuditVerification {
    pub events: u64,
    /// The first entry whose link or content does not hold; absent when the chain is whole.
    pub first_broken: Option<i64>,
    pub reason: Option<String>,
}

/// Drafts (or finalizes) every tenant's invoice for a month now, instead of waiting for the
/// scheduled run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BillingRunRequest {
    /// The calendar month, `2026-11`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$")
    )]
    pub period: String,
    /// Finalize (number, PDF, immutable) instead of drafting; only for a month that has ended.
    #[serde(default)]
    pub finalize: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillingRunView {
    pub period: String,
    pub drafted: u32,
    pub finalized: u32,
    /// Finalized before: left as they were.
    pub unchanged: u32,
    /// Nothing to bill (no price, nothing due).
    pub skipped: u32,
    pub failed: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceSummaryView {
    pub id: Uuid,
    pub period: String,
    /// `draft`, `final` or `paid`.
    pub status: String,
    pub number: Option<String>,
    pub plan: String,
    pub currency: String,
    pub total_cents: i64,
    pub finalized_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub payment_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceSummaryList {
    pub items: Vec<InvoiceSummaryView>,
}

/// A payment received by other means (a bank transfer), recorded with its reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub reference: String,
}
