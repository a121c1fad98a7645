//! Tenants, users and memberships.

use crate::{Store, StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;
use versiqii_core::{Role, TenantId};

#[derive(Debug, Clone, FromQueryResult)]
pub struct TenantRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub plan: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub role: String,
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: Role,
    /// Proved already (an invite's link reached the address); otherwise a link is mailed.
    pub email_verified: bool,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct LoginRow {
    pub user_id: Uuid,
    pub password_hash: String,
}

/// One of a person's organisations, with their role there.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OrganisationRow {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

/// A member of the transaction's tenant.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MemberRow {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

impl Store {
    /// Looks a login email up before any tenant is known (a definer function on the owner side).
    pub async fn find_login(&self, email: &str) -> Result<Option<LoginRow>, StoreError> {
        Ok(LoginRow::find_by_statement(TenantTx::stmt(
            "select user_id, password_hash from auth_find_login($1)",
            [email.into()],
        ))
        .one(&self.app)
        .await?)
    }

    /// The organisations `user` belongs to, oldest membership first. Call it only with an
    /// authenticated user's own id.
    pub async fn organisations(&self, user: Uuid) -> Result<Vec<OrganisationRow>, StoreError> {
        Ok(OrganisationRow::find_by_statement(TenantTx::stmt(
            "select tenant_id, slug, name, role, joined_at from people_organisations($1)",
            [user.into()],
        ))
        .all(&self.app)
        .await?)
    }
}

impl Store {
    /// The tenant's plan (`free`, `team`, `enterprise`), read in a transaction of its own.
    pub async fn tenant_plan(&self, tenant: TenantId) -> Result<Option<String>, StoreError> {
        let tx = self.begin_for(tenant).await?;
        let row = tx.tenant_row().await?;
        tx.commit().await?;
        Ok(row.map(|r| r.plan))
    }
}

impl TenantTx {
    /// Creates the tenant this transaction was opened for.
    pub async fn create_tenant(&self, slug: &str, name: &str) -> Result<TenantRow, StoreError> {
        let TenantId(id) = self.tenant();
        let row = TenantRow::find_by_statement(Self::stmt(
            "insert into tenants (id, slug, name) values ($1, $2, $3)
             returning id, slug, name, plan, created_at",
            [id.into(), slug.into(), name.into()],
        ))
        .one(self.connection())
        .await?;
        row.ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    pub async fn tenant_row(&self) -> Result<Option<TenantRow>, StoreError> {
        Ok(TenantRow::find_by_statement(Self::stmt(
            "select id, slug, name, plan, created_at from tenants",
            [],
        ))
        .one(self.connection())
        .await?)
    }

    /// Creates a person and makes them a member of this tenant with `user.role`.
    pub async fn create_user(&self, user: NewUser<'_>) -> Result<UserRow, StoreError> {
        let TenantId(tenant) = self.tenant();
        self.connection()
            .execute(Self::stmt(
                "insert into users (id, email, display_name, password_hash, email_verified_at)
                 values ($1, $2, $3, $4, case when $5 then now() end)",
                [
                    user.id.into(),
                    user.email.into(),
                    user.display_name.map(str::to_owned).into(),
                    user.password_hash.into(),
                    user.email_verified.into(),
                ],
            ))
            .await?;
        self.connection()
            .execute(Self::stmt(
                "insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)",
                [tenant.into(), user.id.into(), user.role.as_str().into()],
            ))
            .await?;
        Ok(UserRow {
            id: user.id,
            email: user.email.to_owned(),
            display_name: user.display_name.map(str::to_owned),
            role: user.role.as_str().to_owned(),
        })
    }

    /// The user's role in this tenant, or `None` when they are not (or no longer) a member.
    pub async fn membership_role(&self, user: Uuid) -> Result<Option<Role>, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select role from memberships where user_id = $1",
                [user.into()],
            ))
            .await?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("", "role")?;
        Ok(role.parse().ok())
    }

    /// Makes an existing person a member of this tenant.
    pub async fn add_member(&self, user: Uuid, role: Role) -> Result<(), StoreError> {
        let TenantId(tenant) = self.tenant();
        self.connection()
            .execute(Self::stmt(
                "insert into memberships (tenant_id, user_id, role) values ($1, $2, $3)",
                [tenant.into(), user.into(), role.as_str().into()],
            ))
            .await?;
        Ok(())
    }

    /// The tenant's members, owners first, then by when they joined.
    pub async fn members(&self) -> Result<Vec<MemberRow>, StoreError> {
        Ok(MemberRow::find_by_statement(Self::stmt(
            "select u.id as user_id, u.email, u.display_name, m.role, m.created_at as joined_at
               from memberships m join users u on u.id = m.user_id
              order by case m.role when 'owner' then 0 when 'admin' then 1
                                   when 'editor' then 2 else 3 end, m.created_at, u.email",
            [],
        ))
        .all(self.connection())
        .await?)
    }

    /// One member, locked for the rest of the transaction (role changes and removals of the
    /// same member, or of the last two owners, are serialised).
    pub async fn member_for_update(&self, user: Uuid) -> Result<Option<MemberRow>, StoreError> {
        // Every owner's row is locked too: two owners demoting each other at once must not
        // both see the other as the remaining owner.
        self.connection()
            .execute(Self::stmt(
                "select 1 from memberships where role = 'owner' for update",
                [],
            ))
            .await?;
        Ok(MemberRow::find_by_statement(Self::stmt(
            "select u.id as user_id, u.email, u.display_name, m.role, m.created_at as joined_at
               from memberships m join users u on u.id = m.user_id
              where m.user_id = $1 for update of m",
            [user.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// How many owners the tenant has.
    pub async fn owner_count(&self) -> Result<i64, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select count(*) as n from memberships where role = 'owner'",
                [],
            ))
            .await?;
        Ok(match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        })
    }

    pub async fn set_member_role(&self, user: Uuid, role: Role) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "update memberships set role = $2 where user_id = $1",
                [user.into(), role.as_str().into()],
            ))
            .await?;
        Ok(())
    }

    pub async fn remove_member(&self, user: Uuid) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "delete from memberships where user_id = $1",
                [user.into()],
            ))
            .await?;
        Ok(())
    }
}
