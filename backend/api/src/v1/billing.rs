//! Plans and invoices (`/v1/plans`, `/v1/plan`, `/v1/invoices`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A plan's terms: price, what it includes, overage prices, quotas and SLA target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanView {
    pub name: String,
    /// The currency's code; amounts are in its minor units.
    pub currency: String,
    pub price_cents: u64,
    pub included_calls: u64,
    pub overage_calls_per_1k_cents: u64,
    pub included_deliveries: u64,
    pub overage_deliveries_per_1k_cents: u64,
    pub included_seats: u64,
    pub seat_cents: u64,
    /// Quotas; absent is unlimited.
    pub quota_configs: Option<u64>,
    pub quota_targets: Option<u64>,
    pub quota_seats: Option<u64>,
    pub quota_calls_month: Option<u64>,
    /// Requests a second (0: unlimited).
    pub rate: f64,
    /// The availability promised, in parts per million (999000 is 99.9%); absent: none.
    pub sla_target_ppm: Option<u64>,
    /// Whether owners may move to it themselves (others go through sales).
    pub self_serve: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanList {
    /// The organisation's plan now.
    pub current: String,
    pub items: Vec<PlanView>,
}

/// An owner's move to another self-serve plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChoosePlanRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub plan: String,
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLineView {
    /// `base`, `calls`, `deliveries`, `seats`, `sla_credit` or `credit`.
    pub kind: String,
    pub description: String,
    pub quantity: u64,
    pub unit_cents: i64,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceView {
    pub id: Uuid,
    /// The calendar month billed, `2026-11`.
    pub period: String,
    /// `draft` (recomputed until the grace period ends), `final` (immutable) or `paid`.
    pub status: String,
    /// Given at finalization, without gaps.
    pub number: Option<String>,
    pub plan: String,
    pub currency: String,
    pub lines: Vec<InvoiceLineView>,
    pub subtotal_cents: i64,
    /// The month's availability in parts per million, when the plan promises one.
    pub availability_ppm: Option<i32>,
    pub sla_target_ppm: Option<i32>,
    pub sla_credit_percent: i32,
    pub sla_credit_cents: i64,
    pub credit_applied_cents: i64,
    /// Basis points (1900 = 19%).
    pub tax_rate_bp: i32,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub finalized_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub payment_reference: Option<String>,
    /// `/v1/invoices/{id}/pdf` once finalized.
    pub pdf_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceList {
    pub items: Vec<InvoiceView>,
    /// Credits granted and not yet taken off a finalized invoice, in minor units.
    pub credit_balance_cents: i64,
}
