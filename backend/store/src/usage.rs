//! Usage counts per tenant, UTC day and kind (`migrations/0016_usage.sql`).

use crate::{Store, StoreError, TenantTx};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

/// One count to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageCount {
    pub tenant: Uuid,
    pub day: NaiveDate,
    pub kind: &'static str,
    pub count: u64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct UsageRow {
    pub day: NaiveDate,
    pub kind: String,
    pub count: i64,
}

impl Store {
    /// Adds counts, all in one statement (additive: instances and restarts add up).
    pub async fn add_usage(&self, counts: &[UsageCount]) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        let text = |f: &dyn Fn(&UsageCount) -> String| {
            format!("{{{}}}", counts.iter().map(f).collect::<Vec<_>>().join(","))
        };
        self.app
            .execute(TenantTx::stmt(
                "select usage_add($1::uuid[], $2::date[], $3::text[], $4::bigint[])",
                [
                    text(&|c| c.tenant.to_string()).into(),
                    text(&|c| c.day.to_string()).into(),
                    text(&|c| c.kind.to_owned()).into(),
                    text(&|c| c.count.to_string()).into(),
                ],
            ))
            .await?;
        Ok(())
    }
}

impl TenantTx {
    /// The tenant's usage on the days from `from` up to (not including) `to`, by day and kind.
    pub async fn usage_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UsageRow>, StoreError> {
        Ok(UsageRow::find_by_statement(Self::stmt(
            "select day, kind, count from usage_daily where day >= $1 and day < $2
              order by day, kind",
            [from.into(), to.into()],
        ))
        .all(self.connection())
        .await?)
    }

    /// The tenant's usage from `from` on, by day and kind.
    pub async fn usage_since(&self, from: NaiveDate) -> Result<Vec<UsageRow>, StoreError> {
        Ok(UsageRow::find_by_statement(Self::stmt(
            "select day, kind, count from usage_daily where day >= $1 order by day, kind",
            [from.into()],
        ))
        .all(self.connection())
        .await?)
    }
}

/// What a quota counts, as the store measures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaMeasure {
    /// Config lineages.
    Configs,
    Targets,
    /// Members, and invites still open (each may become one).
    SeatsWithInvites,
    /// Members only (an invite being accepted is not counted twice).
    Seats,
}

/// The kinds in `usage_daily` that are API calls (`TenantTx::calls_since` sums these).
pub const CALL_KINDS: &[&str] = &[
    "api_reads",
    "api_writes",
    "api_validations",
    "api_migrations",
];

impl Store {
    /// Snapshots every tenant's stored quantities into `day`'s usage: the gauges when `gauges`
    /// (the day is today), and the day's webhook deliveries.
    pub async fn snapshot_usage(&self, day: NaiveDate, gauges: bool) -> Result<(), StoreError> {
        self.app
            .execute(TenantTx::stmt(
                "select usage_snapshot($1, $2)",
                [day.into(), gauges.into()],
            ))
            .await?;
        Ok(())
    }
}

impl TenantTx {
    /// The tenant's plan (`tenants.plan`).
    pub async fn plan_name(&self) -> Result<String, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt("select plan from tenants", []))
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotFound("tenant".into())))?;
        Ok(row.try_get("", "plan")?)
    }

    /// Serialises the tenant's writes that claim `quota` until this transaction ends.
    pub async fn lock_quota(&self, quota: &str) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select pg_advisory_xact_lock(hashtextextended('quota:' || $1::text || ':' || $2, 0))",
                [self.tenant().0.into(), quota.into()],
            ))
            .await?;
        Ok(())
    }

    /// How much of `measure` the tenant holds now.
    pub async fn quota_used(&self, measure: QuotaMeasure) -> Result<u64, StoreError> {
        let sql = match measure {
            QuotaMeasure::Configs => "select count(*) as n from configs",
            QuotaMeasure::Targets => "select count(*) as n from targets",
            QuotaMeasure::Seats => "select count(*) as n from memberships",
            QuotaMeasure::SeatsWithInvites => {
                "select (select count(*) from memberships)
                      + (select count(*) from invites
                          where accepted_at is null and revoked_at is null and expires_at > now())
                        as n"
            }
        };
        let row = self
            .connection()
            .query_one(Self::stmt(sql, []))
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotFound("count".into())))?;
        let n: i64 = row.try_get("", "n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The tenant's API calls stored for the days from `from` on.
    pub async fn calls_since(&self, from: NaiveDate) -> Result<u64, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select coalesce(sum(count), 0)::bigint as n from usage_daily
                  where day >= $1 and kind in ('api_reads', 'api_writes', 'api_validations',
                                               'api_migrations')",
                [from.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotFound("sum".into())))?;
        let n: i64 = row.try_get("", "n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Records that the tenant was warned about `quota` in `period`; false when it was already.
    pub async fn note_quota_warning(&self, quota: &str, period: &str) -> Result<bool, StoreError> {
        let done = self
            .connection()
            .execute(Self::stmt(
                "insert into quota_warnings (tenant_id, quota, period) values ($1, $2, $3)
                 on conflict do nothing",
                [self.tenant().0.into(), quota.into(), period.into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
