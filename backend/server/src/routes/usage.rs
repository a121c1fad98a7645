//! The organisation's usage against its plan's quotas.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::Ops;
use crate::quota::{month_start, period, Quota};
use actix_web::{get, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use std::collections::BTreeMap;
use versiqii_api::v1::{QuotaView, UsageDay, UsageQuery, UsageTotal, UsageView};
use versiqii_store::{QuotaMeasure, CALL_KINDS};

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(show),
    tags((name = "usage", description = "The organisation's metered usage and its plan's quotas"))
)]
pub struct Doc;

/// Quantities whose month figure is their peak, not their sum.
pub(crate) const GAUGES: [&str; 5] = [
    "configs",
    "config_bytes",
    "targets_active",
    "bindings",
    "seats",
];

fn parse_month(text: Option<&str>) -> Result<NaiveDate, ApiError> {
    let this = month_start(Utc::now().date_naive());
    let Some(text) = text else {
        return Ok(this);
    };
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 7)
        .ok_or_else(|| ApiError::invalid("/month", "a month like 2026-12"))
}

fn percent(used: u64, limit: Option<u64>) -> Option<u64> {
    limit.map(|l| (u128::from(used) * 100 / u128::from(l.max(1))) as u64)
}

/// The organisation's plan, every quota as it stands now, and a month's metered usage: totals
/// and each day's figures.
#[utoipa::path(operation_id = "showUsage", tag = "usage", params(UsageQuery),
    security(("bearer" = ["usage:read"])), responses(
    (status = 200, body = UsageView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_input`: not a month"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/usage")]
pub async fn show(
    auth: Authorized<perm::UsageRead>,
    ops: web::Data<Ops>,
    query: web::Query<UsageQuery>,
) -> Result<HttpResponse, ApiError> {
    let from = parse_month(query.month.as_deref())?;
    let to = from
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(from);
    let this_month = month_start(Utc::now().date_naive());
    let tx = auth.begin().await?;
    let plan = tx.plan_name().await?;
    let rows = tx.usage_between(from, to).await?;
    let calls_now = tx.calls_since(this_month).await?;
    let mut quotas = Vec::with_capacity(Quota::ALL.len());
    for quota in Quota::ALL {
        let used = match quota {
            Quota::Configs => tx.quota_used(QuotaMeasure::Configs).await?,
            Quota::Targets => tx.quota_used(QuotaMeasure::Targets).await?,
            Quota::Seats => tx.quota_used(QuotaMeasure::SeatsWithInvites).await?,
            Quota::CallsMonth => calls_now.saturating_add(
                ops.gate
                    .meter
                    .pending_calls(auth.principal.tenant.0, this_month),
            ),
        };
        let limit = ops.plans.limit(&plan, quota);
        quotas.push(QuotaView {
            quota: quota.as_str().to_owned(),
            used,
            limit,
            percent: percent(used, limit),
        });
    }
    tx.commit().await?;
    let mut totals: BTreeMap<String, (u64, bool)> = BTreeMap::new();
    let mut days = Vec::with_capacity(rows.len());
    for row in rows {
        let value = u64::try_from(row.count).unwrap_or(0);
        let gauge = GAUGES.contains(&row.kind.as_str());
        let total = totals.entry(row.kind.clone()).or_insert((0, gauge));
        total.0 = if gauge {
            total.0.max(value)
        } else {
            total.0.saturating_add(value)
        };
        days.push(UsageDay {
            day: row.day,
            kind: row.kind,
            value,
        });
    }
    for kind in CALL_KINDS {
        totals.entry((*kind).to_owned()).or_insert((0, false));
    }
    Ok(HttpResponse::Ok().json(UsageView {
        plan,
        period: period(from),
        quotas,
        totals: totals
            .into_iter()
            .map(|(kind, (value, gauge))| UsageTotal {
                kind,
                value,
                aggregate: if gauge { "peak" } else { "sum" }.to_owned(),
            })
            .collect(),
        days,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show);
}
