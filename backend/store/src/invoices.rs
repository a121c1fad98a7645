//! Invoices (`migrations/0020_invoices.sql`): drafts recomputed during a month's grace period,
//! then finalized with a gapless number and a PDF, immutable but for their payment.

use crate::{OperatorStore, Store, StoreError, TenantTx};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct InvoiceRow {
    pub id: Uuid,
    pub period: String,
    pub status: String,
    pub number: Option<String>,
    pub plan: String,
    pub currency: String,
    pub usage: Value,
    pub lines: Value,
    pub subtotal_cents: i64,
    pub availability_ppm: Option<i32>,
    pub sla_target_ppm: Option<i32>,
    pub sla_credit_percent: i32,
    pub sla_credit_cents: i64,
    pub credit_applied_cents: i64,
    pub tax_rate_bp: i32,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub payment_provider: Option<String>,
    pub payment_reference: Option<String>,
}

/// What a month's pricing came to, as stored.
#[derive(Debug, Clone)]
pub struct InvoiceFigures {
    pub plan: String,
    pub currency: String,
    pub usage: Value,
    pub lines: Value,
    pub subtotal_cents: i64,
    pub availability_ppm: Option<i32>,
    pub sla_target_ppm: Option<i32>,
    pub sla_credit_percent: i32,
    pub sla_credit_cents: i64,
    pub credit_applied_cents: i64,
    pub tax_rate_bp: i32,
    pub tax_cents: i64,
    pub total_cents: i64,
}

/// A tenant's invoice as operators list it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct InvoiceSummary {
    pub id: Uuid,
    pub period: String,
    pub status: String,
    pub number: Option<String>,
    pub plan: String,
    pub currency: String,
    pub total_cents: i64,
    pub finalized_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub payment_reference: Option<String>,
}

/// The month's usage as invoices price it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BilledUsage {
    pub calls: u64,
    pub deliveries: u64,
    /// The month's peak.
    pub seats: u64,
}

const COLUMNS: &str = "id, period, status, number, plan, currency, usage, lines, subtotal_cents, \
     availability_ppm, sla_target_ppm, sla_credit_percent, sla_credit_cents, credit_applied_cents, \
     tax_rate_bp, tax_cents, total_cents, created_at, updated_at, finalized_at, paid_at, \
     payment_provider, payment_reference";

fn figures_values(f: &InvoiceFigures) -> Vec<sea_orm::Value> {
    vec![
        f.plan.clone().into(),
        f.currency.clone().into(),
        f.usage.clone().into(),
        f.lines.clone().into(),
        f.subtotal_cents.into(),
        f.availability_ppm.into(),
        f.sla_target_ppm.into(),
        f.sla_credit_percent.into(),
        f.sla_credit_cents.into(),
        f.credit_applied_cents.into(),
        f.tax_rate_bp.into(),
        f.tax_cents.into(),
        f.total_cents.into(),
    ]
}

fn count(row: Option<sea_orm::QueryResult>) -> Result<i64, StoreError> {
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

impl Store {
    /// Every tenant created before `before`, oldest first.
    pub async fn billing_tenants(&self, before: DateTime<Utc>) -> Result<Vec<Uuid>, StoreError> {
        let rows = self
            .app
            .query_all(TenantTx::stmt(
                "select billing_tenants($1) as id",
                [before.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<Uuid>("", "id").map_err(StoreError::from))
            .collect()
    }
}

impl TenantTx {
    /// The month's usage as invoices price it, for the days from `from` up to `to`.
    pub async fn billed_usage(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BilledUsage, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select
                   coalesce(sum(count) filter (where kind like 'api\\_%'), 0)::bigint as calls,
                   coalesce(sum(count) filter (where kind = 'webhook_deliveries'), 0)::bigint as deliveries,
                   coalesce(max(count) filter (where kind = 'seats'), 0)::bigint as seats
                 from usage_daily where day >= $1 and day < $2",
                [from.into(), to.into()],
            ))
            .await?;
        let get = |name: &str| -> Result<u64, StoreError> {
            Ok(row
                .as_ref()
                .map(|r| r.try_get::<i64>("", name))
                .transpose()?
                .map_or(0, |n| u64::try_from(n).unwrap_or(0)))
        };
        Ok(BilledUsage {
            calls: get("calls")?,
            deliveries: get("deliveries")?,
            seats: get("seats")?,
        })
    }

    /// Credits granted and not yet taken off a finalized invoice (other than `period`'s).
    pub async fn credit_balance(&self, period: &str) -> Result<i64, StoreError> {
        let granted = count(
            self.connection()
                .query_one(Self::stmt(
                    "select coalesce(sum(amount_cents), 0)::bigint as n from credits",
                    [],
                ))
                .await?,
        )?;
        let applied = count(
            self.connection()
                .query_one(Self::stmt(
                    "select coalesce(sum(credit_applied_cents), 0)::bigint as n from invoices
                      where status <> 'draft' and period <> $1",
                    [period.into()],
                ))
                .await?,
        )?;
        Ok((granted - applied).max(0))
    }

    /// The period's invoice, locked for this transaction.
    pub async fn invoice_for_period(&self, period: &str) -> Result<Option<InvoiceRow>, StoreError> {
        Ok(InvoiceRow::find_by_statement(Self::stmt(
            &format!("select {COLUMNS} from invoices where period = $1 for update"),
            [period.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// Stores the period's draft (new, or recomputed); a finalized invoice is left alone and
    /// `None` comes back.
    pub async fn put_draft(
        &self,
        period: &str,
        f: &InvoiceFigures,
    ) -> Result<Option<InvoiceRow>, StoreError> {
        let mut values = vec![self.tenant().0.into(), Uuid::new_v4().into(), period.into()];
        values.extend(figures_values(f));
        Ok(InvoiceRow::find_by_statement(Self::stmt(
            &format!(
                "insert into invoices (tenant_id, id, period, status, plan, currency, usage, lines,
                    subtotal_cents, availability_ppm, sla_target_ppm, sla_credit_percent,
                    sla_credit_cents, credit_applied_cents, tax_rate_bp, tax_cents, total_cents)
                 values ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 on conflict (tenant_id, period) do update set
                    plan = excluded.plan, currency = excluded.currency, usage = excluded.usage,
                    lines = excluded.lines, subtotal_cents = excluded.subtotal_cents,
                    availability_ppm = excluded.availability_ppm,
                    sla_target_ppm = excluded.sla_target_ppm,
                    sla_credit_percent = excluded.sla_credit_percent,
                    sla_credit_cents = excluded.sla_credit_cents,
                    credit_applied_cents = excluded.credit_applied_cents,
                    tax_rate_bp = excluded.tax_rate_bp, tax_cents = excluded.tax_cents,
                    total_cents = excluded.total_cents, updated_at = now()
                  where invoices.status = 'draft'
                 returning {COLUMNS}"
            ),
            values,
        ))
        .one(self.connection())
        .await?)
    }

    /// The next invoice number of `year`, taken in this transaction (given back if it rolls
    /// back, so numbers have no gaps).
    pub async fn next_invoice_number(&self, year: i32) -> Result<u64, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select invoice_next_number($1) as n",
                [year.into()],
            ))
            .await?;
        Ok(u64::try_from(count(row)?).unwrap_or(0))
    }

    /// Finalizes a draft with its number and PDF.
    pub async fn finalize_invoice(
        &self,
        id: Uuid,
        number: &str,
        pdf: Vec<u8>,
    ) -> Result<Option<InvoiceRow>, StoreError> {
        Ok(InvoiceRow::find_by_statement(Self::stmt(
            &format!(
                "update invoices set status = 'final', number = $2, pdf = $3, finalized_at = now(),
                        updated_at = now()
                  where id = $1 and status = 'draft' returning {COLUMNS}"
            ),
            [id.into(), number.into(), pdf.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// Records a finalized invoice's payment (once).
    pub async fn mark_invoice_paid(
        &self,
        id: Uuid,
        provider: &str,
        reference: &str,
    ) -> Result<Option<InvoiceRow>, StoreError> {
        Ok(InvoiceRow::find_by_statement(Self::stmt(
            &format!(
                "update invoices set status = 'paid', paid_at = now(), payment_provider = $2,
                        payment_reference = $3
                  where id = $1 and status = 'final' returning {COLUMNS}"
            ),
            [id.into(), provider.into(), reference.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// The tenant's invoices, newest period first.
    pub async fn invoices(&self) -> Result<Vec<InvoiceRow>, StoreError> {
        Ok(InvoiceRow::find_by_statement(Self::stmt(
            &format!("select {COLUMNS} from invoices order by period desc"),
            [],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn invoice(&self, id: Uuid) -> Result<Option<InvoiceRow>, StoreError> {
        Ok(InvoiceRow::find_by_statement(Self::stmt(
            &format!("select {COLUMNS} from invoices where id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// A finalized invoice's number and PDF.
    pub async fn invoice_pdf(&self, id: Uuid) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select number, pdf from invoices where id = $1 and pdf is not null",
                [id.into()],
            ))
            .await?;
        row.map(|r| Ok((r.try_get("", "number")?, r.try_get("", "pdf")?)))
            .transpose()
    }
}

impl OperatorStore {
    pub async fn tenant_invoices(&self, tenant: Uuid) -> Result<Vec<InvoiceSummary>, StoreError> {
        Ok(InvoiceSummary::find_by_statement(TenantTx::stmt(
            "select id, period, status, number, plan, currency, total_cents, finalized_at,
                    paid_at, payment_reference
               from op_tenant_invoices($1)",
            [tenant.into()],
        ))
        .all(self.db())
        .await?)
    }

    pub async fn invoice_pdf(
        &self,
        invoice: Uuid,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = self
            .db()
            .query_one(TenantTx::stmt(
                "select number, pdf from op_invoice_pdf($1)",
                [invoice.into()],
            ))
            .await?;
        row.map(|r| Ok((r.try_get("", "number")?, r.try_get("", "pdf")?)))
            .transpose()
    }
}
