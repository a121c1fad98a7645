//! Plans and invoices, for the organisation's owners: the plans on offer, a move to another
//! self-serve plan, and the invoices with their PDFs.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::ops::{tenancy, Ops};
use actix_web::{get, put, web, HttpResponse};
use uuid::Uuid;
use versiqii_api::v1::{
    ChoosePlanRequest, InvoiceLineView, InvoiceList, InvoiceView, PlanList, PlanView,
};
use versiqii_store::InvoiceRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(plans, choose_plan, invoices, invoice, invoice_pdf),
    tags((name = "billing", description = "Plans, and the organisation's monthly invoices"))
)]
pub struct Doc;

pub(crate) fn invoice_view(row: InvoiceRow) -> InvoiceView {
    let lines = crate::ops::billing::lines(&row)
        .into_iter()
        .map(|l| InvoiceLineView {
            kind: l.kind.as_str().to_owned(),
            description: l.description,
            quantity: l.quantity,
            unit_cents: l.unit_cents,
            amount_cents: l.amount_cents,
        })
        .collect();
    InvoiceView {
        pdf_url: (row.status != "draft").then(|| format!("/v1/invoices/{}/pdf", row.id)),
        id: row.id,
        period: row.period,
        status: row.status,
        number: row.number,
        plan: row.plan,
        currency: row.currency,
        lines,
        subtotal_cents: row.subtotal_cents,
        availability_ppm: row.availability_ppm,
        sla_target_ppm: row.sla_target_ppm,
        sla_credit_percent: row.sla_credit_percent,
        sla_credit_cents: row.sla_credit_cents,
        credit_applied_cents: row.credit_applied_cents,
        tax_rate_bp: row.tax_rate_bp,
        tax_cents: row.tax_cents,
        total_cents: row.total_cents,
        finalized_at: row.finalized_at,
        paid_at: row.paid_at,
        payment_reference: row.payment_reference,
    }
}

fn plan_views(ops: &Ops) -> Vec<PlanView> {
    let limit = |v: u64| (v > 0).then_some(v);
    ops.plans
        .iter()
        .map(|(name, p)| PlanView {
            name: name.clone(),
            currency: ops.billing.currency.clone(),
            price_cents: p.price_cents,
            included_calls: p.included_calls,
            overage_calls_per_1k_cents: p.overage_calls_per_1k_cents,
            included_deliveries: p.included_deliveries,
            overage_deliveries_per_1k_cents: p.overage_deliveries_per_1k_cents,
            included_seats: p.included_seats,
            seat_cents: p.seat_cents,
            quota_configs: limit(p.quota_configs),
            quota_targets: limit(p.quota_targets),
            quota_seats: limit(p.quota_seats),
            quota_calls_month: limit(p.quota_calls_month),
            rate: p.rate,
            sla_target_ppm: limit(p.sla_target_ppm),
            self_serve: p.self_serve,
        })
        .collect()
}

/// The plans on offer and the organisation's own.
#[utoipa::path(operation_id = "listPlans", tag = "billing", security(("bearer" = ["usage:read"])),
    responses(
    (status = 200, body = PlanList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/plans")]
pub async fn plans(
    auth: Authorized<perm::UsageRead>,
    ops: web::Data<Ops>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let current = tx.plan_name().await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(PlanList {
        current,
        items: plan_views(&ops),
    }))
}

/// Moves the organisation to another self-serve plan from now on (its quotas, rate and
/// prices; the month's invoice is priced on the plan it has when drafted). Owners only.
#[utoipa::path(operation_id = "choosePlan", tag = "billing", request_body = ChoosePlanRequest,
    security(("bearer" = ["billing:write"])), responses(
    (status = 200, body = PlanList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`forbidden`: not an owner; `plan_not_self_serve`: operators set that plan"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such plan")))]
#[put("/v1/plan")]
pub async fn choose_plan(
    auth: Authorized<perm::BillingWrite>,
    ops: web::Data<Ops>,
    body: web::Json<ChoosePlanRequest>,
) -> Result<HttpResponse, ApiError> {
    match ops.plans.iter().find(|(name, _)| **name == body.plan) {
        None => {
            return Err(ApiError::not_found(format!(
                "plan {} (GET /v1/plans lists them)",
                body.plan
            )))
        }
        Some((_, plan)) if !plan.self_serve => {
            return Err(ApiError::Unprocessable {
                code: ErrorCode::PlanNotSelfServe,
                detail: format!(
                    "the {} plan is set up with us, not chosen here: write to sales",
                    body.plan
                ),
            })
        }
        Some(_) => {}
    }
    tenancy::set_plan(auth.write(&ops).await?, &body.plan).await?;
    Ok(HttpResponse::Ok().json(PlanList {
        current: body.plan.clone(),
        items: plan_views(&ops),
    }))
}

/// The organisation's invoices, newest month first, and its credit balance. Owners only.
#[utoipa::path(operation_id = "listInvoices", tag = "billing",
    security(("bearer" = ["billing:read"])), responses(
    (status = 200, body = InvoiceList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/invoices")]
pub async fn invoices(auth: Authorized<perm::BillingRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.invoices().await?;
    let balance = tx.credit_balance("").await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(InvoiceList {
        items: rows.into_iter().map(invoice_view).collect(),
        credit_balance_cents: balance,
    }))
}

/// One invoice with its lines.
#[utoipa::path(operation_id = "showInvoice", tag = "billing",
    params(("id" = Uuid, Path, description = "The invoice's id")),
    security(("bearer" = ["billing:read"])), responses(
    (status = 200, body = InvoiceView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/invoices/{id}")]
pub async fn invoice(
    auth: Authorized<perm::BillingRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let row = tx.invoice(*id).await?;
    tx.commit().await?;
    let row = row.ok_or_else(|| ApiError::not_found(format!("invoice {id}")))?;
    Ok(HttpResponse::Ok().json(invoice_view(row)))
}

/// A finalized invoice's PDF (a draft has none yet).
#[utoipa::path(operation_id = "downloadInvoicePdf", tag = "billing",
    params(("id" = Uuid, Path, description = "The invoice's id")),
    security(("bearer" = ["billing:read"])), responses(
    (status = 200, content_type = "application/pdf", description = "The invoice as PDF"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json",
        description = "No such invoice, or a draft")))]
#[get("/v1/invoices/{id}/pdf")]
pub async fn invoice_pdf(
    auth: Authorized<perm::BillingRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let found = tx.invoice_pdf(*id).await?;
    tx.commit().await?;
    let (number, pdf) =
        found.ok_or_else(|| ApiError::not_found(format!("a finalized invoice {id}")))?;
    Ok(pdf_response(&number, pdf))
}

pub(crate) fn pdf_response(number: &str, pdf: Vec<u8>) -> HttpResponse {
    let safe: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe}.pdf\""),
        ))
        .body(pdf)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(plans)
        .service(choose_plan)
        .service(invoices)
        .service(invoice_pdf)
        .service(invoice);
}
