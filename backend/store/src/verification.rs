//! Email verification links: only their hashes, through the definer functions of
//! `migrations/0009_verification.sql`.

use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Stores a new link's hash for `user` (voiding their earlier ones); the email to send it to, or
/// `None` when the person's email is verified already.
pub async fn request_email_verification<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let row = conn
        .query_one(TenantTx::stmt(
            "select email_verification_request($1, $2, $3) as email",
            [user.into(), token_hash.to_vec().into(), expires_at.into()],
        ))
        .await?;
    match row {
        Some(row) => Ok(row.try_get("", "email")?),
        None => Ok(None),
    }
}

/// Uses a link: the person it verified, or `None` for an unknown, used or expired one.
pub async fn use_email_verification<C: ConnectionTrait>(
    conn: &C,
    token_hash: &[u8],
) -> Result<Option<Uuid>, StoreError> {
    let row = conn
        .query_one(TenantTx::stmt(
            "select email_verification_use($1) as user_id",
            [token_hash.to_vec().into()],
        ))
        .await?;
    match row {
        Some(row) => Ok(row.try_get("", "user_id")?),
        None => Ok(None),
    }
}

impl TenantTx {
    /// Whether a member's email is verified (`false` for someone not a member here).
    pub async fn email_verified(&self, user: Uuid) -> Result<bool, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select email_verified_at is not null as verified from users where id = $1",
                [user.into()],
            ))
            .await?;
        match row {
            Some(row) => Ok(row.try_get("", "verified")?),
            None => Ok(false),
        }
    }
}
