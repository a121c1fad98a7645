//! People with no organisation and their personal sessions, through the definer functions of
//! `migrations/0011_personal_sessions.sql`: these rows belong to a person, not a tenant.

use crate::{Store, StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

/// Creates a person who belongs to no organisation yet; `Conflict` when the email has an
/// account.
pub async fn create_person<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    email: &str,
    display_name: Option<&str>,
    password_hash: &str,
) -> Result<(), StoreError> {
    conn.execute(TenantTx::stmt(
        "select person_create($1, $2, $3, $4)",
        [
            id.into(),
            email.into(),
            Value::from(display_name.map(str::to_owned)),
            password_hash.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Stores a personal session's refresh token (its hash) for a person who proved who they are.
pub async fn create_person_session<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(TenantTx::stmt(
        "select person_session_create($1, $2, $3)",
        [user.into(), token_hash.to_vec().into(), expires_at.into()],
    ))
    .await?;
    Ok(())
}

impl Store {
    /// Trades a personal refresh token for a new one: the person, or `None` when the token is
    /// unknown, expired or used (a used one also ends the person's other personal sessions).
    pub async fn rotate_person_session(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let row = self
            .app
            .query_one(TenantTx::stmt(
                "select person_session_rotate($1, $2, $3) as user_id",
                [
                    old_hash.to_vec().into(),
                    new_hash.to_vec().into(),
                    expires_at.into(),
                ],
            ))
            .await?;
        match row {
            Some(row) => Ok(row.try_get("", "user_id")?),
            None => Ok(None),
        }
    }

    /// Ends a personal session; `true` when it was open.
    pub async fn revoke_person_session(&self, token_hash: &[u8]) -> Result<bool, StoreError> {
        let row = self
            .app
            .query_one(TenantTx::stmt(
                "select person_session_revoke($1) as ended",
                [token_hash.to_vec().into()],
            ))
            .await?;
        match row {
            Some(row) => Ok(row.try_get("", "ended")?),
            None => Ok(false),
        }
    }
}
