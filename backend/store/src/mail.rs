//! The mail outbox and password reset tokens (`migrations/0008_mail.sql`). Neither is a tenant
//! table: the app role reaches them only through definer functions, from any transaction (a
//! tenant's, or one opened by [`Store::begin_untenanted`]), so a mail is queued in the same
//! transaction as the change that causes it.

use crate::{Store, StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult, TransactionTrait};
use uuid::Uuid;
use versiqii_core::TenantId;

/// The channel `mail_enqueue` notifies at commit, so a worker wakes at once.
pub const MAIL_CHANNEL: &str = "mail_outbox";

/// A mail a worker claimed for sending.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ClaimedMail {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    /// Null only if a row was changed by hand; the worker gives such a mail up.
    pub sealed: Option<Vec<u8>>,
    /// Attempts started, this one included.
    pub attempts: i32,
}

/// A mail's status after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailRetry {
    /// Due again after the backoff.
    Later,
    /// Out of attempts: kept as dead, never sent.
    Dead,
}

/// Queues a mail (its message sealed by the caller) in `conn`'s transaction.
pub async fn enqueue_mail<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    recipient: &str,
    sealed: Vec<u8>,
) -> Result<i64, StoreError> {
    let row = conn
        .query_one(TenantTx::stmt(
            "select mail_enqueue($1, $2, $3) as id",
            [kind.into(), recipient.into(), sealed.into()],
        ))
        .await?
        .ok_or(StoreError::Db(sea_orm::DbErr::RecordNotInserted))?;
    Ok(row.try_get("", "id")?)
}

/// Stores a reset token's hash for the account with `email`; its user id, or `None` when no
/// account has that email.
pub async fn request_password_reset<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    let row = conn
        .query_one(TenantTx::stmt(
            "select password_reset_request($1, $2, $3) as user_id",
            [email.into(), token_hash.to_vec().into(), expires_at.into()],
        ))
        .await?;
    match row {
        Some(row) => Ok(row.try_get("", "user_id")?),
        None => Ok(None),
    }
}

/// Uses a reset token: sets the password hash, ends the person's sessions and voids their other
/// links. The user id, or `None` for an unknown, used or expired token (nothing changed).
pub async fn use_password_reset<C: ConnectionTrait>(
    conn: &C,
    token_hash: &[u8],
    password_hash: &str,
) -> Result<Option<Uuid>, StoreError> {
    let row = conn
        .query_one(TenantTx::stmt(
            "select password_reset_use($1, $2) as user_id",
            [token_hash.to_vec().into(), password_hash.into()],
        ))
        .await?;
    match row {
        Some(row) => Ok(row.try_get("", "user_id")?),
        None => Ok(None),
    }
}

impl Store {
    /// A transaction for no tenant: every tenant table shows nothing in it, the definer
    /// functions (mail, password resets) work.
    pub async fn begin_untenanted(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(self.app.begin().await?)
    }

    /// The person a valid reset token belongs to and their organisations, oldest first (no
    /// organisation: an empty list); `None` for an unknown, used or expired token.
    pub async fn password_reset_find(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<(Uuid, Vec<TenantId>)>, StoreError> {
        let rows = self
            .app
            .query_all(TenantTx::stmt(
                "select user_id, tenant_id from password_reset_find($1)",
                [token_hash.to_vec().into()],
            ))
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let user: Uuid = first.try_get("", "user_id")?;
        let mut tenants = Vec::new();
        for row in &rows {
            if let Some(t) = row.try_get::<Option<Uuid>>("", "tenant_id")? {
                tenants.push(TenantId(t));
            }
        }
        Ok(Some((user, tenants)))
    }

    /// Claims up to `limit` due mails for `lease_secs` (skipping those another worker holds).
    pub async fn claim_mail(
        &self,
        limit: u32,
        lease_secs: u32,
    ) -> Result<Vec<ClaimedMail>, StoreError> {
        Ok(ClaimedMail::find_by_statement(TenantTx::stmt(
            "select id, kind, recipient, sealed, attempts from mail_claim($1, $2)",
            [
                i32::try_from(limit).unwrap_or(i32::MAX).into(),
                i32::try_from(lease_secs).unwrap_or(i32::MAX).into(),
            ],
        ))
        .all(&self.app)
        .await?)
    }

    pub async fn mark_mail_sent(&self, id: i64) -> Result<(), StoreError> {
        self.app
            .execute(TenantTx::stmt("select mail_mark_sent($1)", [id.into()]))
            .await?;
        Ok(())
    }

    /// Records a failed attempt: due again in `retry_ms`, or dead once it had `max_attempts`.
    pub async fn mark_mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_ms: u64,
        max_attempts: u32,
    ) -> Result<MailRetry, StoreError> {
        let row = self
            .app
            .query_one(TenantTx::stmt(
                "select mail_mark_failed($1, $2, $3, $4) as status",
                [
                    id.into(),
                    error.into(),
                    i64::try_from(retry_ms).unwrap_or(i64::MAX).into(),
                    i32::try_from(max_attempts).unwrap_or(i32::MAX).into(),
                ],
            ))
            .await?;
        let status: Option<String> = match row {
            Some(row) => row.try_get("", "status")?,
            None => None,
        };
        Ok(if status.as_deref() == Some("dead") {
            MailRetry::Dead
        } else {
            MailRetry::Later
        })
    }
}
