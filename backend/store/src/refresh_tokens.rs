//! Opaque refresh tokens, stored as SHA-256 and rotated on every use. Presenting a token that was
//! already rotated means it leaked: every token of that user is revoked.

use crate::{Store, StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;
use versiqii_core::TenantId;

/// How long after a rotation the old token may be presented once more without counting as a leak:
/// long enough for a client whose answer was lost to ask again, too short to be worth stealing.
pub const REUSE_GRACE_SECS: f64 = 30.0;

#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    Rotated {
        user_id: Uuid,
    },
    /// Unknown, expired or revoked (a revoked one also revokes the user's other tokens).
    Refused,
}

impl Store {
    pub async fn find_refresh_tenant(&self, hash: &[u8]) -> Result<Option<TenantId>, StoreError> {
        let row = self
            .app
            .query_one(TenantTx::stmt(
                "select auth_find_refresh_tenant($1) as tenant_id",
                [hash.to_vec().into()],
            ))
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id: Option<Uuid> = row.try_get("", "tenant_id")?;
        Ok(id.map(TenantId))
    }
}

impl TenantTx {
    pub async fn create_refresh_token(
        &self,
        user_id: Uuid,
        hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<Uuid, StoreError> {
        let TenantId(tenant) = self.tenant();
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into refresh_tokens (tenant_id, id, user_id, token_hash, expires_at)
                 values ($1, $2, $3, $4, $5)",
                [
                    tenant.into(),
                    id.into(),
                    user_id.into(),
                    hash.to_vec().into(),
                    expires_at.into(),
                ],
            ))
            .await?;
        Ok(id)
    }

    pub async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<Rotation, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select id, user_id, revoked_at is not null as revoked, expires_at < now() as expired,
                        revoked_at > now() - make_interval(secs => $2) as lately, replaced_by
                 from refresh_tokens where token_hash = $1 for update",
                [old_hash.to_vec().into(), REUSE_GRACE_SECS.into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(Rotation::Refused);
        };
        let old_id: Uuid = row.try_get("", "id")?;
        let user_id: Uuid = row.try_get("", "user_id")?;
        let revoked: bool = row.try_get("", "revoked")?;
        let expired: bool = row.try_get("", "expired")?;
        if revoked {
            let lately: Option<bool> = row.try_get("", "lately")?;
            let successor: Option<Uuid> = row.try_get("", "replaced_by")?;
            // Rotated moments ago and its successor never used: the answer carrying the successor
            // was lost (a reload or a dropped connection mid-refresh), not stolen. The unused
            // successor ends and a new one takes its place; any later reuse is a leak as before.
            if let (Some(true), Some(successor)) = (lately, successor) {
                if self.end_unused_refresh_token(successor).await? {
                    let new_id = self
                        .create_refresh_token(user_id, new_hash, expires_at)
                        .await?;
                    self.connection()
                        .execute(Self::stmt(
                            "update refresh_tokens set replaced_by = $2 where id = $1",
                            [old_id.into(), new_id.into()],
                        ))
                        .await?;
                    return Ok(Rotation::Rotated { user_id });
                }
            }
            self.revoke_user_refresh_tokens(user_id).await?;
            return Ok(Rotation::Refused);
        }
        if expired {
            return Ok(Rotation::Refused);
        }
        let new_id = self
            .create_refresh_token(user_id, new_hash, expires_at)
            .await?;
        self.connection()
            .execute(Self::stmt(
                "update refresh_tokens set revoked_at = now(), replaced_by = $2 where id = $1",
                [old_id.into(), new_id.into()],
            ))
            .await?;
        Ok(Rotation::Rotated { user_id })
    }

    /// Ends a token that was never used (neither rotated nor revoked); `false` when it was.
    async fn end_unused_refresh_token(&self, id: Uuid) -> Result<bool, StoreError> {
        let res = self
            .connection()
            .execute(Self::stmt(
                "update refresh_tokens set revoked_at = now() where id = $1 and revoked_at is null",
                [id.into()],
            ))
            .await?;
        Ok(res.rows_affected() == 1)
    }

    pub async fn revoke_refresh_token(&self, hash: &[u8]) -> Result<bool, StoreError> {
        let res = self
            .connection()
            .execute(Self::stmt(
                "update refresh_tokens set revoked_at = now() where token_hash = $1 and revoked_at is null",
                [hash.to_vec().into()],
            ))
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Ends every session of `user_id` in this tenant.
    pub async fn revoke_user_refresh_tokens(&self, user_id: Uuid) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null",
                [user_id.into()],
            ))
            .await?;
        Ok(())
    }
}
