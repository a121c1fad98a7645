//! Invites into an organisation (`migrations/0010_invites.sql`): a tenant table like any other,
//! plus one definer function that finds an invite by its token's hash before the tenant is
//! known (acceptance starts from the mailed link alone).

use crate::{Store, StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

/// An invite as the tenant sees it (never its token's hash).
#[derive(Debug, Clone, FromQueryResult)]
pub struct InviteRow {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub send_count: i32,
    pub last_sent_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<Uuid>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What a link's token names, found before the tenant is known.
#[derive(Debug, Clone, FromQueryResult)]
pub struct InviteByToken {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new invite's row.
pub struct NewInvite<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub role: &'a str,
    pub token_hash: &'a [u8],
    pub invited_by: &'a str,
    pub expires_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, email, role, invited_by, created_at, expires_at, send_count, \
                       last_sent_at, accepted_at, accepted_by, revoked_at";

impl Store {
    /// The invite a token names, in whatever state, or `None` for an unknown token.
    pub async fn invite_by_token(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<InviteByToken>, StoreError> {
        Ok(InviteByToken::find_by_statement(TenantTx::stmt(
            "select tenant_id, id, email, role, expires_at, accepted_at, revoked_at
               from invite_find($1)",
            [token_hash.to_vec().into()],
        ))
        .one(&self.app)
        .await?)
    }
}

impl TenantTx {
    /// Stores an invite; a second open invite for the same email is a `StoreError::Conflict`.
    pub async fn create_invite(&self, invite: NewInvite<'_>) -> Result<InviteRow, StoreError> {
        let row = InviteRow::find_by_statement(Self::stmt(
            &format!(
                "insert into invites (tenant_id, id, email, role, token_hash, invited_by, expires_at)
                 values ($1, $2, $3, $4, $5, $6, $7)
                 returning {COLUMNS}"
            ),
            [
                self.tenant().0.into(),
                invite.id.into(),
                invite.email.into(),
                invite.role.into(),
                invite.token_hash.to_vec().into(),
                invite.invited_by.into(),
                invite.expires_at.into(),
            ],
        ))
        .one(self.connection())
        .await?;
        row.ok_or(StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    /// The tenant's invites, newest first.
    pub async fn invites(&self) -> Result<Vec<InviteRow>, StoreError> {
        Ok(InviteRow::find_by_statement(Self::stmt(
            &format!("select {COLUMNS} from invites order by created_at desc, id"),
            [],
        ))
        .all(self.connection())
        .await?)
    }

    /// The invite a token names, locked (as [`Self::invite_for_update`]); `None` when the token
    /// is unknown here, e.g. replaced by a resend since it was looked up.
    pub async fn invite_by_token_for_update(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<InviteRow>, StoreError> {
        Ok(InviteRow::find_by_statement(Self::stmt(
            &format!("select {COLUMNS} from invites where token_hash = $1 for update"),
            [token_hash.to_vec().into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// How a member appears as an inviter: their display name, else their email.
    pub async fn member_name(&self, user: Uuid) -> Result<Option<String>, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select coalesce(nullif(u.display_name, ''), u.email) as name
                   from users u join memberships m on m.user_id = u.id where u.id = $1",
                [user.into()],
            ))
            .await?;
        match row {
            Some(row) => Ok(row.try_get("", "name")?),
            None => Ok(None),
        }
    }

    /// One invite, locked for the rest of the transaction (a resend, a revoke and an
    /// acceptance of the same invite are serialised).
    pub async fn invite_for_update(&self, id: Uuid) -> Result<Option<InviteRow>, StoreError> {
        Ok(InviteRow::find_by_statement(Self::stmt(
            &format!("select {COLUMNS} from invites where id = $1 for update"),
            [id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// Whether a member of this tenant has `email` (only members are visible here).
    pub async fn member_with_email(&self, email: &str) -> Result<bool, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select exists (select 1 from users u join memberships m on m.user_id = u.id
                                 where u.email = $1) as found",
                [email.into()],
            ))
            .await?;
        match row {
            Some(row) => Ok(row.try_get("", "found")?),
            None => Ok(false),
        }
    }

    /// A new link for an open invite: the new token's hash (the old link stops working), a new
    /// expiry, one more mail counted.
    pub async fn renew_invite(
        &self,
        id: Uuid,
        token_hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<InviteRow, StoreError> {
        let row = InviteRow::find_by_statement(Self::stmt(
            &format!(
                "update invites
                    set token_hash = $2, expires_at = $3, send_count = send_count + 1,
                        last_sent_at = now()
                  where id = $1 and accepted_at is null and revoked_at is null
                  returning {COLUMNS}"
            ),
            [id.into(), token_hash.to_vec().into(), expires_at.into()],
        ))
        .one(self.connection())
        .await?;
        row.ok_or(StoreError::Db(sea_orm::DbErr::RecordNotUpdated))
    }

    pub async fn revoke_invite(&self, id: Uuid) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "update invites set revoked_at = now()
                  where id = $1 and accepted_at is null and revoked_at is null",
                [id.into()],
            ))
            .await?;
        Ok(())
    }

    /// Marks an open invite accepted by `user`; false when it was not open any more.
    pub async fn accept_invite(&self, id: Uuid, user: Uuid) -> Result<bool, StoreError> {
        let done = self
            .connection()
            .execute(Self::stmt(
                "update invites set accepted_at = now(), accepted_by = $2
                  where id = $1 and accepted_at is null and revoked_at is null",
                [id.into(), user.into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
