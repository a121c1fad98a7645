//! Invoicing: a tenant's month priced from its stored usage, its SLA report and its credits
//! (`versiqii_core::billing`), kept as a draft during the grace period and then finalized:
//! numbered without gaps (the number is taken in the finalizing transaction), its PDF rendered,
//! an `invoice.finalized` event, immutable from then on. Payments come through a provider
//! ([`PaymentProvider`]); the one that needs no network records a manual payment.

use super::{Actor, Ops, TenantWrite};
use crate::error::{ApiError, ErrorCode};
use crate::quota::Plans;
use chrono::{Datelike, Utc};
use versiqii_api::events::InvoiceFinalized;
use versiqii_api::AuditAction;
use versiqii_core::billing::{
    format_money, invoice_number, price_month, render_pdf, Currency, InvoiceDocument, Line,
    MonthUsage, PlanPricing, Priced,
};
use versiqii_core::sla::{format_ppm, Month};
use versiqii_core::TenantId;
use versiqii_store::{InvoiceFigures, InvoiceRow};

/// What one tenant's month came to.
#[derive(Debug)]
pub enum Invoiced {
    /// Stored as a draft (new or recomputed).
    Draft(InvoiceRow),
    /// Finalized now.
    Finalized(InvoiceRow),
    /// Finalized before; left as it is.
    AlreadyFinal(InvoiceRow),
    /// Nothing to bill (a plan with no price and nothing due).
    Nothing,
}

fn pricing(plans: &Plans, plan: &str) -> PlanPricing {
    let cents = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    match plans.of(plan) {
        Some(p) => PlanPricing {
            name: plan.to_owned(),
            base_cents: cents(p.price_cents),
            included_calls: p.included_calls,
            overage_calls_per_1k_cents: cents(p.overage_calls_per_1k_cents),
            included_deliveries: p.included_deliveries,
            overage_deliveries_per_1k_cents: cents(p.overage_deliveries_per_1k_cents),
            included_seats: p.included_seats,
            seat_cents: cents(p.seat_cents),
            sla_target_ppm: u32::try_from(p.sla_target_ppm).ok().filter(|t| *t > 0),
        },
        None => PlanPricing {
            name: plan.to_owned(),
            base_cents: 0,
            included_calls: 0,
            overage_calls_per_1k_cents: 0,
            included_deliveries: 0,
            overage_deliveries_per_1k_cents: 0,
            included_seats: 0,
            seat_cents: 0,
            sla_target_ppm: None,
        },
    }
}

fn currency(ops: &Ops) -> Result<Currency, ApiError> {
    Currency::parse(&ops.billing.currency)
        .map_err(|e| anyhow::anyhow!("billing.currency: {e}").into())
}

fn figures(
    plan: &str,
    currency: &Currency,
    usage: MonthUsage,
    priced: &Priced,
    target: Option<u32>,
    availability: Option<u32>,
    tax_rate_bp: u32,
) -> Result<InvoiceFigures, ApiError> {
    let int = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    Ok(InvoiceFigures {
        plan: plan.to_owned(),
        currency: currency.as_str().to_owned(),
        usage: serde_json::to_value(usage).map_err(anyhow::Error::from)?,
        lines: serde_json::to_value(&priced.lines).map_err(anyhow::Error::from)?,
        subtotal_cents: priced.subtotal_cents,
        availability_ppm: availability.map(int),
        sla_target_ppm: target.map(int),
        sla_credit_percent: int(priced.sla_credit_percent),
        sla_credit_cents: priced.sla_credit_cents,
        credit_applied_cents: priced.credit_applied_cents,
        tax_rate_bp: int(tax_rate_bp),
        tax_cents: priced.tax_cents,
        total_cents: priced.total_cents,
    })
}

/// Drafts `tenant`'s invoice for `month` from what is stored now, or (with `finalize`, for a
/// month that has ended) finalizes it.
pub async fn invoice_month(
    ops: &Ops,
    tenant: TenantId,
    month: Month,
    finalize: bool,
) -> Result<Invoiced, ApiError> {
    let now = Utc::now();
    if finalize && month.end().and_utc() > now {
        return Err(ApiError::invalid(
            "/finalize",
            format!("{month} has not ended: its invoice cannot be finalized yet"),
        ));
    }
    // The SLA report reads in a transaction of its own, before the write.
    let sla = ops.sla_report(tenant, month).await?;
    let currency = currency(ops)?;
    let tax_rate_bp = ops.billing.tax_rate_bp;
    let period = month.to_string();
    let mut w = TenantWrite::open(ops, tenant, Actor::new("system:billing")).await?;
    let existing = w.tx().invoice_for_period(&period).await?;
    if let Some(row) = existing.as_ref().filter(|r| r.status != "draft") {
        return Ok(Invoiced::AlreadyFinal(row.clone()));
    }
    let plan = w.tx().plan_name().await?;
    let pricing = pricing(&ops.plans, &plan);
    let start = month.start().date();
    let end = month.end().date();
    let billed = w.tx().billed_usage(start, end).await?;
    let usage = MonthUsage {
        calls: billed.calls,
        deliveries: billed.deliveries,
        seats: billed.seats,
    };
    let balance = w.tx().credit_balance(&period).await?;
    let availability = pricing.sla_target_ppm.map(|_| sla.availability_ppm);
    let priced = price_month(&pricing, &usage, availability, tax_rate_bp, balance);
    if existing.is_none() && priced.subtotal_cents == 0 && priced.total_cents == 0 {
        return Ok(Invoiced::Nothing);
    }
    let figures = figures(
        &plan,
        &currency,
        usage,
        &priced,
        pricing.sla_target_ppm,
        availability,
        tax_rate_bp,
    )?;
    let draft = w
        .tx()
        .put_draft(&period, &figures)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the {period} invoice was finalized meanwhile"))?;
    if !finalize {
        w.commit().await?;
        return Ok(Invoiced::Draft(draft));
    }
    let seq = w.tx().next_invoice_number(now.year()).await?;
    let number = invoice_number(&ops.billing.number_prefix, now.year(), seq);
    let tenant_row = w
        .tx()
        .tenant_row()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the tenant vanished"))?;
    let pdf = render_pdf(&InvoiceDocument {
        number: number.clone(),
        issued_on: now.date_naive().to_string(),
        period: month.label(),
        seller: ops.billing.seller.clone(),
        customer: vec![
            tenant_row.name.clone(),
            format!("Organisation {}", tenant_row.slug),
        ],
        currency: currency.clone(),
        lines: priced.lines.clone(),
        subtotal_cents: priced.subtotal_cents,
        sla_credit_cents: priced.sla_credit_cents,
        credit_applied_cents: priced.credit_applied_cents,
        tax_rate_bp,
        tax_cents: priced.tax_cents,
        total_cents: priced.total_cents,
        availability: availability.map(|a| {
            format!(
                "{} in {} (target {})",
                format_ppm(a),
                month.label(),
                format_ppm(pricing.sla_target_ppm.unwrap_or(0))
            )
        }),
        note: Some(format!(
            "Plan {plan}. Amounts in {}; due on receipt.",
            currency.as_str()
        )),
    });
    let pdf_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
    let row = w
        .tx()
        .finalize_invoice(draft.id, &number, pdf)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the draft vanished"))?;
    w.audit(
        AuditAction::InvoiceFinalize,
        format!("invoice:{number}"),
        None,
        Some(&pdf_hash),
    );
    w.emit(InvoiceFinalized {
        invoice_id: row.id,
        number: number.clone(),
        period: period.clone(),
        currency: currency.as_str().to_owned(),
        total_cents: row.total_cents,
        sla_credit_percent: priced.sla_credit_percent,
    });
    w.commit().await?;
    Ok(Invoiced::Finalized(row))
}

/// What a billing run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    pub drafted: u32,
    pub finalized: u32,
    pub unchanged: u32,
    pub skipped: u32,
    pub failed: u32,
}

/// Invoices every tenant that existed in `month`: drafts, or finalizes when `finalize`.
/// One tenant's failure is logged and counted; the others go on.
pub async fn run_month(ops: &Ops, month: Month, finalize: bool) -> Result<RunSummary, ApiError> {
    let tenants = ops.store.billing_tenants(month.end().and_utc()).await?;
    let mut summary = RunSummary::default();
    for tenant in tenants {
        match invoice_month(ops, TenantId(tenant), month, finalize).await {
            Ok(Invoiced::Draft(_)) => summary.drafted += 1,
            Ok(Invoiced::Finalized(_)) => summary.finalized += 1,
            Ok(Invoiced::AlreadyFinal(_)) => summary.unchanged += 1,
            Ok(Invoiced::Nothing) => summary.skipped += 1,
            Err(e) => {
                tracing::warn!(%tenant, %month, error = %e, "billing: a tenant's invoice failed");
                summary.failed += 1;
            }
        }
    }
    Ok(summary)
}

/// The scheduled run: last month's invoices are drafts until `grace_days` after it ended, then
/// finalized. Every instance may run it: each invoice is written under its row's lock (a
/// draft recomputed twice is the same draft; a finalized one is left alone), and a number is
/// taken only by the transaction that finalizes.
pub async fn scheduled(ops: &Ops) -> Result<Option<RunSummary>, ApiError> {
    let now = Utc::now();
    let this =
        Month::new(now.year(), now.month()).map_err(|e| anyhow::anyhow!("this month: {e}"))?;
    let last = Month::new(
        if now.month() == 1 {
            now.year() - 1
        } else {
            now.year()
        },
        if now.month() == 1 {
            12
        } else {
            now.month() - 1
        },
    )
    .map_err(|e| anyhow::anyhow!("last month: {e}"))?;
    debug_assert_eq!(last.next(), Some(this));
    let grace = chrono::Duration::days(i64::from(ops.billing.grace_days));
    let finalize = this.start().and_utc() + grace <= now;
    Ok(Some(run_month(ops, last, finalize).await?))
}

/// Runs [`scheduled`] every `every`, until the process ends.
pub async fn run_forever(ops: Ops, every: std::time::Duration) {
    loop {
        match scheduled(&ops).await {
            Ok(Some(summary)) => tracing::info!(?summary, "billing run"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "billing run failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// How a payment is taken. The service ships one that needs no network; a card processor
/// (docs/billing.md: the Stripe adapter) implements the same two steps.
pub trait PaymentProvider: Send + Sync {
    /// The name recorded with each payment.
    fn name(&self) -> &'static str;
    /// Checks a payment's reference before it is recorded (a provider would confirm it with
    /// its API; the manual one checks its shape).
    fn confirm(&self, invoice: &InvoiceRow, reference: &str) -> Result<(), ApiError>;
}

/// Payments received by other means (a bank transfer), recorded by an operator with their
/// reference.
pub struct ManualPayments;

impl PaymentProvider for ManualPayments {
    fn name(&self) -> &'static str {
        "manual"
    }

    fn confirm(&self, _invoice: &InvoiceRow, reference: &str) -> Result<(), ApiError> {
        let ok = (1..=200).contains(&reference.chars().count())
            && !reference.chars().any(char::is_control)
            && !reference.trim().is_empty();
        if ok {
            Ok(())
        } else {
            Err(ApiError::invalid(
                "/reference",
                "the payment's reference: one line of 1 to 200 characters",
            ))
        }
    }
}

/// Records a finalized invoice's payment through `provider`, in the tenant's write path.
pub async fn record_payment(
    mut w: TenantWrite,
    provider: &dyn PaymentProvider,
    invoice: uuid::Uuid,
    reference: &str,
) -> Result<InvoiceRow, ApiError> {
    let row = w
        .tx()
        .invoice(invoice)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("invoice {invoice}")))?;
    if row.status != "final" {
        return Err(ApiError::Conflict {
            code: ErrorCode::InvoiceNotPayable,
            detail: format!(
                "the invoice is {}: only a finalized, unpaid invoice takes a payment",
                row.status
            ),
        });
    }
    provider.confirm(&row, reference.trim())?;
    let paid = w
        .tx()
        .mark_invoice_paid(invoice, provider.name(), reference.trim())
        .await?
        .ok_or_else(|| ApiError::Conflict {
            code: ErrorCode::InvoiceNotPayable,
            detail: "the invoice was paid meanwhile".into(),
        })?;
    w.audit(
        AuditAction::InvoicePay,
        format!("invoice:{}", paid.number.as_deref().unwrap_or("-")),
        None,
        Some(&format!("{}:{}", provider.name(), reference.trim())),
    );
    w.commit().await?;
    Ok(paid)
}

/// An invoice's lines as stored.
pub fn lines(row: &InvoiceRow) -> Vec<Line> {
    serde_json::from_value(row.lines.clone()).unwrap_or_default()
}

/// Money as invoices print it.
pub fn money(cents: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => format_money(cents, &c),
        Err(_) => format!("{cents} {currency}"),
    }
}
