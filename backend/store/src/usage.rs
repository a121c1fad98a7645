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
