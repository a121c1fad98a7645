//! Billing for operators: a billing run on demand, a tenant's invoices and SLA, an invoice's
//! PDF, and payments recorded through the manual provider.

use super::{Admin, OperatorAuth, Portal, Support};
use crate::error::{ApiError, Problem};
use crate::ops::{billing, Ops};
use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;
use versiqii_api::ops::{
    BillingRunRequest, BillingRunView, InvoiceSummaryList, InvoiceSummaryView, PaymentRequest,
};
use versiqii_api::v1::{InvoiceView, SlaQuery, SlaView};
use versiqii_core::sla::Month;
use versiqii_core::TenantId;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(run, tenant_invoices, invoice_pdf, record_payment, tenant_sla),
    tags((name = "billing", description = "Invoices, payments and SLA, for operators"))
)]
pub struct Doc;

fn month(text: &str) -> Result<Month, ApiError> {
    text.parse::<Month>()
        .map_err(|_| ApiError::invalid("/period", "a month like 2026-11"))
}

/// Drafts, or finalizes, every tenant's invoice for a month now.
#[utoipa::path(operation_id = "opsRunBilling", tag = "billing", request_body = BillingRunRequest,
    security(("operator" = [])), responses(
    (status = 200, body = BillingRunView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/ops/v1/billing/run")]
pub async fn run(
    auth: OperatorAuth<Admin>,
    portal: web::Data<Portal>,
    ops: web::Data<Ops>,
    body: web::Json<BillingRunRequest>,
) -> Result<HttpResponse, ApiError> {
    let month = month(&body.period)?;
    if body.finalize && month.end().and_utc() > chrono::Utc::now() {
        return Err(ApiError::invalid(
            "/finalize",
            format!("{month} has not ended: its invoices cannot be finalized yet"),
        ));
    }
    let summary = billing::run_month(&ops, month, body.finalize).await?;
    portal
        .record(
            &auth.operator,
            if body.finalize {
                "billing.finalize"
            } else {
                "billing.draft"
            },
            &format!("period:{month}"),
            None,
            Some(&format!("{summary:?}")),
        )
        .await?;
    Ok(HttpResponse::Ok().json(BillingRunView {
        period: month.to_string(),
        drafted: summary.drafted,
        finalized: summary.finalized,
        unchanged: summary.unchanged,
        skipped: summary.skipped,
        failed: summary.failed,
    }))
}

/// A tenant's invoices, newest month first.
#[utoipa::path(operation_id = "opsListTenantInvoices", tag = "billing",
    params(("id" = Uuid, Path, description = "The tenant's id")),
    security(("operator" = [])), responses(
    (status = 200, body = InvoiceSummaryList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/ops/v1/tenants/{id}/invoices")]
pub async fn tenant_invoices(
    _auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rows = portal.store()?.tenant_invoices(*id).await?;
    Ok(HttpResponse::Ok().json(InvoiceSummaryList {
        items: rows
            .into_iter()
            .map(|r| InvoiceSummaryView {
                id: r.id,
                period: r.period,
                status: r.status,
                number: r.number,
                plan: r.plan,
                currency: r.currency,
                total_cents: r.total_cents,
                finalized_at: r.finalized_at,
                paid_at: r.paid_at,
                payment_reference: r.payment_reference,
            })
            .collect(),
    }))
}

/// A finalized invoice's PDF.
#[utoipa::path(operation_id = "opsDownloadInvoicePdf", tag = "billing",
    params(("id" = Uuid, Path, description = "The invoice's id")),
    security(("operator" = [])), responses(
    (status = 200, content_type = "application/pdf", description = "The invoice as PDF"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/ops/v1/invoices/{id}/pdf")]
pub async fn invoice_pdf(
    _auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (number, pdf) = portal
        .store()?
        .invoice_pdf(*id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("a finalized invoice {id}")))?;
    Ok(crate::routes::billing::pdf_response(&number, pdf))
}

/// Records a payment received by other means (the manual provider), with its reference.
#[utoipa::path(operation_id = "opsRecordPayment", tag = "billing", request_body = PaymentRequest,
    params(("id" = Uuid, Path, description = "The tenant's id"),
           ("invoice" = Uuid, Path, description = "The invoice's id")),
    security(("operator" = [])), responses(
    (status = 200, body = InvoiceView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`invoice_not_payable`"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/ops/v1/tenants/{id}/invoices/{invoice}/payments")]
pub async fn record_payment(
    auth: OperatorAuth<Admin>,
    portal: web::Data<Portal>,
    ops: web::Data<Ops>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<PaymentRequest>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, invoice) = path.into_inner();
    portal
        .store()?
        .tenant(tenant)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("tenant {tenant}")))?;
    let w = ops
        .write_as_operator(TenantId(tenant), auth.operator.id)
        .await?;
    let paid =
        billing::record_payment(w, &billing::ManualPayments, invoice, &body.reference).await?;
    portal
        .record(
            &auth.operator,
            "invoice.pay",
            &format!("invoice:{}", paid.number.as_deref().unwrap_or("-")),
            Some(tenant),
            Some(body.reference.trim()),
        )
        .await?;
    Ok(HttpResponse::Ok().json(crate::routes::billing::invoice_view(paid)))
}

/// A tenant's SLA for a month, as the tenant sees it.
#[utoipa::path(operation_id = "opsTenantSla", tag = "billing",
    params(("id" = Uuid, Path, description = "The tenant's id"), SlaQuery),
    security(("operator" = [])), responses(
    (status = 200, body = SlaView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[get("/ops/v1/tenants/{id}/sla")]
pub async fn tenant_sla(
    _auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
    query: web::Query<SlaQuery>,
) -> Result<HttpResponse, ApiError> {
    portal
        .store()?
        .tenant(*id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("tenant {id}")))?;
    let now = chrono::Utc::now();
    let month = match query.month.as_deref() {
        Some(text) => text
            .parse::<Month>()
            .map_err(|_| ApiError::invalid("/month", "a month like 2026-11"))?,
        None => Month::new(chrono::Datelike::year(&now), chrono::Datelike::month(&now))
            .map_err(|e| anyhow::anyhow!(e))?,
    };
    let m = crate::sla::month_report(&ops.store, &ops.plans, TenantId(*id), month, now).await?;
    Ok(HttpResponse::Ok().json(crate::routes::sla::view(m)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(run)
        .service(tenant_invoices)
        .service(invoice_pdf)
        .service(record_payment)
        .service(tenant_sla);
}
