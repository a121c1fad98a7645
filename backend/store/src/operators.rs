//! The operators' portal's own pool, as the role `versiqii_operator` (migration 0018): the
//! operators, their sessions and audit chain, and the `op_*` functions that summarise tenants.
//! This is the only code that reads across tenants for people; it reaches no tenant table.

use crate::audit::{hash_parts, GENESIS};
use crate::{AuditVerdict, BrokenLink, Store, StoreError, TenantTx};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct OperatorRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub totp_sealed: String,
    pub totp_last_step: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

pub struct NewOperator<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub totp_sealed: &'a str,
}

/// A tenant as operators see it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct TenantSummary {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub plan: String,
    pub created_at: DateTime<Utc>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub suspended_reason: Option<String>,
    pub members: i64,
    pub owner_email: Option<String>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct UsageFigure {
    pub kind: String,
    pub value: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct CreditRow {
    pub id: Uuid,
    pub amount_cents: i64,
    pub reason: String,
    pub granted_by: String,
    pub created_at: DateTime<Utc>,
}

/// One operator action to record.
pub struct OperatorAuditRecord<'a> {
    pub operator_id: Option<Uuid>,
    /// `operator:<id>` (or `system` for the server itself).
    pub actor: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub tenant_id: Option<Uuid>,
    pub detail: Option<&'a str>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct OperatorAuditRow {
    pub seq: i64,
    pub id: Uuid,
    pub operator_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub tenant_id: Option<Uuid>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub at: DateTime<Utc>,
}

const AUDIT_COLUMNS: &str =
    "seq, id, operator_id, actor, action, object, about_tenant, detail, prev_hash, hash, at";
const AUDIT_SELECT: &str =
    "seq, id, operator_id, actor, action, object, about_tenant as tenant_id, \
                            detail, prev_hash, hash, at";
const OPERATOR_COLUMNS: &str = "id, email, display_name, password_hash, role, totp_sealed, \
                                totp_last_step, created_at, disabled_at";
const TENANT_COLUMNS: &str =
    "id, slug, name, plan, created_at, suspended_at, suspended_reason, members, owner_email";

fn audit_hash(prev: &str, row: &OperatorAuditRow) -> String {
    let opt = |u: Option<Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
    hash_parts(&[
        "op1",
        prev,
        &row.seq.to_string(),
        &row.id.to_string(),
        &opt(row.operator_id),
        &row.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        &row.actor,
        &row.action,
        &row.object,
        &opt(row.tenant_id),
        row.detail.as_deref().unwrap_or(""),
    ])
}

/// `%`, `_` and `\` stand for themselves in a search.
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The portal's pool.
#[derive(Clone)]
pub struct OperatorStore {
    store: Store,
}

impl OperatorStore {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Ok(Self {
            store: Store::connect(url, max_connections).await?,
        })
    }

    /// The role must be as powerless as the app role (no superuser, no BYPASSRLS, owns nothing).
    pub async fn unsafe_role(&self) -> Result<Option<crate::UnsafeRole>, StoreError> {
        self.store.unsafe_role().await
    }

    pub(crate) fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.store.app
    }

    pub async fn create_operator(&self, new: NewOperator<'_>) -> Result<OperatorRow, StoreError> {
        OperatorRow::find_by_statement(TenantTx::stmt(
            &format!(
                "insert into operators (id, email, display_name, password_hash, role, totp_sealed)
                 values ($1, $2, $3, $4, $5, $6) returning {OPERATOR_COLUMNS}"
            ),
            [
                new.id.into(),
                new.email.into(),
                new.display_name.map(str::to_owned).into(),
                new.password_hash.into(),
                new.role.into(),
                new.totp_sealed.into(),
            ],
        ))
        .one(self.db())
        .await?
        .ok_or(StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    pub async fn operator_by_email(&self, email: &str) -> Result<Option<OperatorRow>, StoreError> {
        Ok(OperatorRow::find_by_statement(TenantTx::stmt(
            &format!("select {OPERATOR_COLUMNS} from operators where email = lower($1)"),
            [email.into()],
        ))
        .one(self.db())
        .await?)
    }

    /// Takes TOTP time step `step` for the operator: false when it (or a later one) was used.
    pub async fn take_totp_step(&self, operator: Uuid, step: u64) -> Result<bool, StoreError> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let done = self
            .db()
            .execute(TenantTx::stmt(
                "update operators set totp_last_step = $2
                  where id = $1 and (totp_last_step is null or totp_last_step < $2)",
                [operator.into(), step.into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn create_session(
        &self,
        operator: Uuid,
        token_hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db()
            .execute(TenantTx::stmt(
                "insert into operator_sessions (id, operator_id, token_hash, expires_at)
                 values ($1, $2, $3, $4)",
                [
                    Uuid::new_v4().into(),
                    operator.into(),
                    token_hash.to_vec().into(),
                    expires_at.into(),
                ],
            ))
            .await?;
        Ok(())
    }

    /// The operator of a live session (not expired, not ended, operator not disabled).
    pub async fn session_operator(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<OperatorRow>, StoreError> {
        let columns = OPERATOR_COLUMNS
            .split(", ")
            .map(|c| format!("o.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(OperatorRow::find_by_statement(TenantTx::stmt(
            &format!(
                "select {columns} from operator_sessions s join operators o on o.id = s.operator_id
                  where s.token_hash = $1 and s.expires_at > now() and s.revoked_at is null
                    and o.disabled_at is null"
            ),
            [token_hash.to_vec().into()],
        ))
        .one(self.db())
        .await?)
    }

    pub async fn end_session(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        self.db()
            .execute(TenantTx::stmt(
                "update operator_sessions set revoked_at = now()
                  where token_hash = $1 and revoked_at is null",
                [token_hash.to_vec().into()],
            ))
            .await?;
        Ok(())
    }

    /// Appends to the operators' audit chain (one writer at a time).
    pub async fn record(
        &self,
        rec: OperatorAuditRecord<'_>,
    ) -> Result<OperatorAuditRow, StoreError> {
        let tx = self.db().begin().await?;
        tx.execute(TenantTx::stmt(
            "select pg_advisory_xact_lock(hashtextextended('operator_audit', 0))",
            [],
        ))
        .await?;
        let last = OperatorAuditRow::find_by_statement(TenantTx::stmt(
            &format!("select {AUDIT_SELECT} from operator_audit order by seq desc limit 1"),
            [],
        ))
        .one(&tx)
        .await?;
        let (seq, prev_hash) = match last {
            Some(row) => (row.seq + 1, row.hash),
            None => (1, GENESIS.to_owned()),
        };
        let mut row = OperatorAuditRow {
            seq,
            id: Uuid::new_v4(),
            operator_id: rec.operator_id,
            actor: rec.actor.to_owned(),
            action: rec.action.to_owned(),
            object: rec.object.to_owned(),
            tenant_id: rec.tenant_id,
            detail: rec.detail.map(str::to_owned),
            prev_hash: prev_hash.clone(),
            hash: String::new(),
            // Postgres keeps microseconds: the time hashed is the time stored.
            at: Utc::now().trunc_subsecs(6),
        };
        row.hash = audit_hash(&prev_hash, &row);
        tx.execute(TenantTx::stmt(
            &format!(
                "insert into operator_audit ({AUDIT_COLUMNS})
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ),
            [
                row.seq.into(),
                row.id.into(),
                row.operator_id.into(),
                row.actor.clone().into(),
                row.action.clone().into(),
                row.object.clone().into(),
                row.tenant_id.into(),
                row.detail.clone().into(),
                row.prev_hash.clone().into(),
                row.hash.clone().into(),
                row.at.into(),
            ],
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The chain, newest first, before `before` (a sequence number).
    pub async fn audit_page(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<OperatorAuditRow>, StoreError> {
        Ok(OperatorAuditRow::find_by_statement(TenantTx::stmt(
            &format!(
                "select {AUDIT_SELECT} from operator_audit where seq < $1
                  order by seq desc limit $2"
            ),
            [
                before.unwrap_or(i64::MAX).into(),
                i64::from(limit.clamp(1, 500)).into(),
            ],
        ))
        .all(self.db())
        .await?)
    }

    /// Recomputes the whole chain, oldest first, a page at a time.
    pub async fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let (mut prev_seq, mut prev_hash) = (0i64, GENESIS.to_owned());
        let mut events = 0u64;
        loop {
            let page = OperatorAuditRow::find_by_statement(TenantTx::stmt(
                &format!(
                    "select {AUDIT_SELECT} from operator_audit where seq > $1 order by seq limit 1000"
                ),
                [prev_seq.into()],
            ))
            .all(self.db())
            .await?;
            if page.is_empty() {
                return Ok(AuditVerdict {
                    events,
                    first_broken: None,
                });
            }
            for row in page {
                events += 1;
                let reason = if row.seq != prev_seq + 1 {
                    Some(format!("event #{} follows #{prev_seq}", row.seq))
                } else if row.prev_hash != prev_hash {
                    Some(format!("event #{} does not link to #{prev_seq}", row.seq))
                } else if audit_hash(&prev_hash, &row) != row.hash {
                    Some(format!("event #{} was altered", row.seq))
                } else {
                    None
                };
                if let Some(reason) = reason {
                    return Ok(AuditVerdict {
                        events,
                        first_broken: Some(BrokenLink {
                            seq: row.seq,
                            reason,
                        }),
                    });
                }
                prev_seq = row.seq;
                prev_hash = row.hash;
            }
        }
    }

    /// Tenants whose slug, name or a member's email contains `query`, newest first, created
    /// before `before`.
    pub async fn tenants(
        &self,
        query: Option<&str>,
        limit: u32,
        before: Option<DateTime<Utc>>,
    ) -> Result<Vec<TenantSummary>, StoreError> {
        Ok(TenantSummary::find_by_statement(TenantTx::stmt(
            &format!("select {TENANT_COLUMNS} from op_tenants($1, $2, $3)"),
            [
                query.map(like_literal).into(),
                i32::try_from(limit).unwrap_or(200).into(),
                before.into(),
            ],
        ))
        .all(self.db())
        .await?)
    }

    pub async fn tenant(&self, id: Uuid) -> Result<Option<TenantSummary>, StoreError> {
        Ok(TenantSummary::find_by_statement(TenantTx::stmt(
            &format!("select {TENANT_COLUMNS} from op_tenant($1)"),
            [id.into()],
        ))
        .one(self.db())
        .await?)
    }

    /// A tenant's usage totals on the days from `from` up to `to`.
    pub async fn tenant_usage(
        &self,
        id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UsageFigure>, StoreError> {
        Ok(UsageFigure::find_by_statement(TenantTx::stmt(
            "select kind, value from op_tenant_usage($1, $2, $3)",
            [id.into(), from.into(), to.into()],
        ))
        .all(self.db())
        .await?)
    }

    pub async fn tenant_credits(&self, id: Uuid) -> Result<Vec<CreditRow>, StoreError> {
        Ok(CreditRow::find_by_statement(TenantTx::stmt(
            "select id, amount_cents, reason, granted_by, created_at from op_tenant_credits($1)",
            [id.into()],
        ))
        .all(self.db())
        .await?)
    }
}

impl Store {
    /// The tenants suspended now (ids only), for refusing their requests.
    pub async fn suspended_tenants(&self) -> Result<Vec<Uuid>, StoreError> {
        let rows = self
            .app
            .query_all(TenantTx::stmt("select suspended_tenants() as id", []))
            .await?;
        rows.iter()
            .map(|r| r.try_get::<Uuid>("", "id").map_err(StoreError::from))
            .collect()
    }
}

impl TenantTx {
    /// Changes the tenant's plan; the plan it had.
    pub async fn set_plan(&self, plan: &str) -> Result<String, StoreError> {
        let before = self.plan_name().await?;
        self.connection()
            .execute(Self::stmt("update tenants set plan = $1", [plan.into()]))
            .await?;
        Ok(before)
    }

    /// Suspends (with a reason) or resumes the tenant; whether it changed.
    pub async fn set_suspended(&self, reason: Option<&str>) -> Result<bool, StoreError> {
        let done = match reason {
            Some(reason) => {
                self.connection()
                    .execute(Self::stmt(
                        "update tenants set suspended_at = now(), suspended_reason = $1
                          where suspended_at is null",
                        [reason.into()],
                    ))
                    .await?
            }
            None => {
                self.connection()
                    .execute(Self::stmt(
                        "update tenants set suspended_at = null, suspended_reason = null
                          where suspended_at is not null",
                        [],
                    ))
                    .await?
            }
        };
        if done.rows_affected() == 1 {
            self.connection()
                .execute(Self::stmt(
                    "select pg_notify($1, $2)",
                    [
                        crate::CHANGES_CHANNEL.into(),
                        format!("tenant-status:{}", self.tenant().0).into(),
                    ],
                ))
                .await?;
        }
        Ok(done.rows_affected() == 1)
    }

    pub async fn grant_credit(
        &self,
        amount_cents: i64,
        reason: &str,
        granted_by: &str,
    ) -> Result<CreditRow, StoreError> {
        CreditRow::find_by_statement(Self::stmt(
            "insert into credits (tenant_id, id, amount_cents, reason, granted_by)
             values ($1, $2, $3, $4, $5)
             returning id, amount_cents, reason, granted_by, created_at",
            [
                self.tenant().0.into(),
                Uuid::new_v4().into(),
                amount_cents.into(),
                reason.into(),
                granted_by.into(),
            ],
        ))
        .one(self.connection())
        .await?
        .ok_or(StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    /// The tenant's credits, newest first.
    pub async fn credits(&self) -> Result<Vec<CreditRow>, StoreError> {
        Ok(CreditRow::find_by_statement(Self::stmt(
            "select id, amount_cents, reason, granted_by, created_at from credits
              order by created_at desc",
            [],
        ))
        .all(self.connection())
        .await?)
    }
}
