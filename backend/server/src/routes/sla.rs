//! The organisation's availability and latency against its plan's SLA.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::Ops;
use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, Utc};
use versiqii_api::v1::{SlaQuery, SlaView};
use versiqii_core::sla::{format_ppm, Month};

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(show),
    tags((name = "sla", description = "The organisation's availability and latency against its plan's SLA"))
)]
pub struct Doc;

/// `2026-11` (a month to come has no minutes yet); default this month.
fn parse_month(text: Option<&str>) -> Result<Month, ApiError> {
    let now = Utc::now();
    let this = Month::new(now.year(), now.month()).map_err(|e| anyhow::anyhow!(e))?;
    let Some(text) = text else {
        return Ok(this);
    };
    text.parse::<Month>()
        .map_err(|_| ApiError::invalid("/month", "a month like 2026-12"))
}

/// A month's availability (down minutes: more than 5% of the organisation's requests answered
/// 5xx, or a synthetic probe failed), p99 latency and requests, against the plan's target.
#[utoipa::path(operation_id = "showSla", tag = "sla", params(SlaQuery),
    security(("bearer" = ["usage:read"])), responses(
    (status = 200, body = SlaView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/sla")]
pub async fn show(
    auth: Authorized<perm::UsageRead>,
    ops: web::Data<Ops>,
    query: web::Query<SlaQuery>,
) -> Result<HttpResponse, ApiError> {
    let month = parse_month(query.month.as_deref())?;
    let m = crate::sla::month_report_in(auth.begin().await?, &ops.plans, month, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(view(m)))
}

/// A month's report as the API shows it (to tenants here, to operators in the portal).
pub(crate) fn view(m: crate::sla::SlaMonth) -> SlaView {
    let r = m.report;
    SlaView {
        month: r.month.to_string(),
        minutes: r.minutes,
        down_minutes: r.down_minutes,
        availability_ppm: r.availability_ppm,
        availability: format_ppm(r.availability_ppm),
        p99_ms: r.p99_micros.map(|us| us as f64 / 1000.0),
        requests: r.requests,
        errors_5xx: r.errors_5xx,
        target_ppm: r.target_ppm,
        met: r.met,
        down: m.down,
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show);
}
