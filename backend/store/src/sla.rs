//! SLA figures: requests and 5xx per tenant and minute, latency histograms per tenant and hour,
//! probe results per region and minute (`migrations/0019_sla.sql`). The rules (what makes a
//! minute down, how histograms merge) are `versiqii_core::sla`'s; this module moves numbers.

use crate::{Store, StoreError, TenantTx};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};
use std::collections::BTreeMap;
use uuid::Uuid;
use versiqii_core::sla::LatencyHistogram;

/// One tenant's minute to add: requests and how many of them answered 5xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaMinuteCount {
    pub tenant: Uuid,
    /// The minute's start (seconds zero).
    pub minute: DateTime<Utc>,
    pub requests: u64,
    pub errors: u64,
}

/// One tenant's figures over a period, as stored: what a month's report is built from.
#[derive(Debug, Clone, Default)]
pub struct SlaFigures {
    pub requests: u64,
    pub errors: u64,
    /// Minutes with at least one 5xx: (minute, requests, errors). Minutes without errors can be
    /// down only by a failed probe, which [`Store::failed_probe_minutes`] lists.
    pub error_minutes: Vec<(DateTime<Utc>, u64, u64)>,
    /// The period's hourly histograms merged.
    pub latency: LatencyHistogram,
}

/// A tenant's figures for every tenant, for the operators' `/metrics`.
#[derive(Debug, Clone)]
pub struct TenantSlaFigures {
    pub tenant: Uuid,
    pub slug: String,
    pub plan: String,
    pub figures: SlaFigures,
}

/// One tenant's usage of one kind over a period: the sum of its days and its largest day.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TenantUsageFigure {
    pub tenant_id: Uuid,
    pub kind: String,
    pub total: i64,
    pub peak: i64,
}

#[derive(FromQueryResult)]
struct MinuteRow {
    minute: DateTime<Utc>,
    requests: i64,
    errors: i64,
}

#[derive(FromQueryResult)]
struct HistogramRow {
    histogram: Vec<u8>,
}

#[derive(FromQueryResult)]
struct LockedRow {
    tenant_id: Uuid,
    hour: DateTime<Utc>,
    histogram: Vec<u8>,
}

#[derive(FromQueryResult)]
struct FigureRow {
    tenant_id: Uuid,
    slug: Option<String>,
    plan: Option<String>,
    what: String,
    minute: Option<DateTime<Utc>>,
    requests: Option<i64>,
    errors: Option<i64>,
    histogram: Option<Vec<u8>>,
}

#[derive(FromQueryResult)]
struct ProbeMinute {
    minute: DateTime<Utc>,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `{a,b,c}`, a Postgres array literal of values that need no quoting (UUIDs, numbers, hex,
/// RFC 3339 times).
fn array<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    format!("{{{}}}", items.iter().map(f).collect::<Vec<_>>().join(","))
}

fn time(t: &DateTime<Utc>) -> String {
    format!("\"{}\"", t.to_rfc3339())
}

/// Merges stored bytes into `into`; bytes that are not ours (or a row just created, empty) add
/// nothing, so one bad row cannot stop the month's report.
fn merge_stored(into: &mut LatencyHistogram, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    match LatencyHistogram::from_bytes(bytes) {
        Ok(h) => into.merge(&h),
        Err(e) => tracing::warn!(error = %e, "sla: a stored latency histogram is unreadable"),
    }
}

impl Store {
    /// Adds minute counts in one statement (additive: instances and restarts add up).
    pub async fn add_sla_minutes(&self, counts: &[SlaMinuteCount]) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        self.app
            .execute(TenantTx::stmt(
                "select sla_minutes_add($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[])",
                [
                    array(counts, |c| c.tenant.to_string()).into(),
                    array(counts, |c| time(&c.minute)).into(),
                    array(counts, |c| c.requests.to_string()).into(),
                    array(counts, |c| c.errors.to_string()).into(),
                ],
            ))
            .await?;
        Ok(())
    }

    /// Merges each histogram into its stored (tenant, hour) row, in one transaction: the rows
    /// are created if missing and locked in key order (`sla_latency_lock`), merged here, written
    /// back (`sla_latency_put`). An instance flushing the same hours meanwhile waits for the
    /// commit, so nothing is lost or counted twice; either everything is added or nothing.
    pub async fn merge_sla_latency(
        &self,
        histograms: &[(Uuid, DateTime<Utc>, LatencyHistogram)],
    ) -> Result<(), StoreError> {
        if histograms.is_empty() {
            return Ok(());
        }
        let mut adds: BTreeMap<(Uuid, DateTime<Utc>), LatencyHistogram> = BTreeMap::new();
        for (tenant, hour, h) in histograms {
            adds.entry((*tenant, *hour)).or_default().merge(h);
        }
        let keys: Vec<(Uuid, DateTime<Utc>)> = adds.keys().copied().collect();
        let tx = self.app.begin().await?;
        let locked = LockedRow::find_by_statement(TenantTx::stmt(
            "select tenant_id, hour, histogram from sla_latency_lock($1::uuid[], $2::timestamptz[])",
            [
                array(&keys, |k| k.0.to_string()).into(),
                array(&keys, |k| time(&k.1)).into(),
            ],
        ))
        .all(&tx)
        .await?;
        let mut merged = Vec::with_capacity(locked.len());
        for row in locked {
            let Some(add) = adds.get(&(row.tenant_id, row.hour)) else {
                continue;
            };
            let mut h = LatencyHistogram::new();
            merge_stored(&mut h, &row.histogram);
            h.merge(add);
            merged.push((row.tenant_id, row.hour, hex::encode(h.to_bytes())));
        }
        tx.execute(TenantTx::stmt(
            "select sla_latency_put($1::uuid[], $2::timestamptz[], $3::text[])",
            [
                array(&merged, |m| m.0.to_string()).into(),
                array(&merged, |m| time(&m.1)).into(),
                array(&merged, |m| m.2.clone()).into(),
            ],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a probe's result in `at`'s minute for `region`.
    pub async fn record_probe(
        &self,
        region: &str,
        at: DateTime<Utc>,
        ok: bool,
        latency_ms: u32,
    ) -> Result<(), StoreError> {
        self.app
            .execute(TenantTx::stmt(
                "select sla_probe_record($1, $2, $3, $4)",
                [
                    region.into(),
                    at.into(),
                    ok.into(),
                    i32::try_from(latency_ms).unwrap_or(i32::MAX).into(),
                ],
            ))
            .await?;
        Ok(())
    }

    /// The minutes in [from, to) in which some region's probe failed, each once, in order.
    pub async fn failed_probe_minutes(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        failed_probe_minutes(&self.app, from, to).await
    }

    /// Every tenant's SLA figures for [from, to), through the definer function
    /// `sla_month_figures` (aggregates and histograms only).
    pub async fn sla_figures_of_all(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TenantSlaFigures>, StoreError> {
        let rows = FigureRow::find_by_statement(TenantTx::stmt(
            "select tenant_id, slug, plan, what, minute, requests, errors, histogram
               from sla_month_figures($1, $2)",
            [from.into(), to.into()],
        ))
        .all(&self.app)
        .await?;
        let mut all: BTreeMap<Uuid, TenantSlaFigures> = BTreeMap::new();
        let mut rest = Vec::new();
        for row in rows {
            if row.what == "total" {
                all.insert(
                    row.tenant_id,
                    TenantSlaFigures {
                        tenant: row.tenant_id,
                        slug: row.slug.unwrap_or_default(),
                        plan: row.plan.unwrap_or_default(),
                        figures: SlaFigures {
                            requests: count(row.requests.unwrap_or(0)),
                            errors: count(row.errors.unwrap_or(0)),
                            ..Default::default()
                        },
                    },
                );
            } else {
                rest.push(row);
            }
        }
        for row in rest {
            let Some(t) = all.get_mut(&row.tenant_id) else {
                continue;
            };
            match (row.what.as_str(), row.minute, row.histogram) {
                ("minute", Some(minute), _) => t.figures.error_minutes.push((
                    minute,
                    count(row.requests.unwrap_or(0)),
                    count(row.errors.unwrap_or(0)),
                )),
                ("latency", _, Some(bytes)) => merge_stored(&mut t.figures.latency, &bytes),
                _ => {}
            }
        }
        Ok(all.into_values().collect())
    }

    /// Every tenant's usage over the days [from, to), by kind, through the definer function
    /// `usage_month_figures`.
    pub async fn usage_figures_of_all(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<TenantUsageFigure>, StoreError> {
        Ok(TenantUsageFigure::find_by_statement(TenantTx::stmt(
            "select tenant_id, kind, total, peak from usage_month_figures($1, $2)
              order by tenant_id, kind",
            [from.into(), to.into()],
        ))
        .all(&self.app)
        .await?)
    }
}

async fn failed_probe_minutes(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, StoreError> {
    Ok(ProbeMinute::find_by_statement(TenantTx::stmt(
        "select distinct minute from sla_probes
          where not ok and minute >= $1 and minute < $2 order by minute",
        [from.into(), to.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| r.minute)
    .collect())
}

impl TenantTx {
    /// The tenant's SLA figures for [from, to) (row-level security: its own rows only).
    pub async fn sla_figures(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<SlaFigures, StoreError> {
        let db = self.connection();
        let totals = db
            .query_one(Self::stmt(
                "select coalesce(sum(requests), 0)::bigint as requests,
                        coalesce(sum(errors), 0)::bigint as errors
                   from sla_minutes where minute >= $1 and minute < $2",
                [from.into(), to.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotFound("sum".into())))?;
        let error_minutes = MinuteRow::find_by_statement(Self::stmt(
            "select minute, requests, errors from sla_minutes
              where errors > 0 and minute >= $1 and minute < $2 order by minute",
            [from.into(), to.into()],
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.minute, count(r.requests), count(r.errors)))
        .collect();
        let mut latency = LatencyHistogram::new();
        let rows = HistogramRow::find_by_statement(Self::stmt(
            "select histogram from sla_latency where hour >= $1 and hour < $2",
            [from.into(), to.into()],
        ))
        .all(db)
        .await?;
        for row in rows {
            merge_stored(&mut latency, &row.histogram);
        }
        Ok(SlaFigures {
            requests: count(totals.try_get("", "requests")?),
            errors: count(totals.try_get("", "errors")?),
            error_minutes,
            latency,
        })
    }

    /// The minutes in [from, to) in which some region's probe failed (not tenant data).
    pub async fn failed_probe_minutes(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        failed_probe_minutes(self.connection(), from, to).await
    }
}
