use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct BindingRow {
    pub id: Uuid,
    pub env: String,
    pub environment_id: Uuid,
    pub target_id: Uuid,
    pub config_id: Uuid,
    pub config_name: String,
    pub revision: i32,
    /// The bound revision's content hash.
    pub config_hash: String,
    pub target: String,
    pub target_version: String,
    pub target_version_id: Uuid,
    pub schema_version_id: Uuid,
    pub schema_version: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub struct NewBinding<'a> {
    pub environment_id: Uuid,
    pub target_id: Uuid,
    pub target_version_id: Uuid,
    pub config_revision_id: Uuid,
    pub schema_version_id: Uuid,
    pub created_by: &'a str,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct EnvRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

pub(crate) const BINDING_SELECT: &str = "select b.id, e.name as env, b.environment_id, b.target_id, r.id as config_id,
        c.name as config_name, r.revision, r.hash as config_hash, t.name as target, tv.version as target_version,
        b.target_version_id, b.schema_version_id, s.version as schema_version, b.created_by, b.created_at
    from bindings b
    join environments e on e.id = b.environment_id
    join config_revisions r on r.id = b.config_revision_id
    join configs c on c.id = r.config_id
    join targets t on t.id = b.target_id
    join target_versions tv on tv.id = b.target_version_id
    join schema_versions s on s.id = b.schema_version_id";

impl TenantTx {
    /// Creates the environment; `None` when one with that name exists.
    pub async fn create_env(&self, name: &str) -> Result<Option<EnvRow>, StoreError> {
        Ok(EnvRow::find_by_statement(Self::stmt(
            "insert into environments (tenant_id, id, name) values ($1, $2, $3)
             on conflict (tenant_id, name) do nothing
             returning id, name, created_at",
            [self.tenant().0.into(), Uuid::new_v4().into(), name.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// The environment, created on first use (bindings, deployments and observations do this).
    pub async fn ensure_env(&self, name: &str) -> Result<EnvRow, StoreError> {
        if let Some(created) = self.create_env(name).await? {
            return Ok(created);
        }
        self.env(name)
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotFound(name.to_owned())))
    }

    pub async fn env(&self, name: &str) -> Result<Option<EnvRow>, StoreError> {
        Ok(EnvRow::find_by_statement(Self::stmt(
            "select id, name, created_at from environments where name = $1",
            [name.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn list_envs(&self) -> Result<Vec<EnvRow>, StoreError> {
        Ok(EnvRow::find_by_statement(Self::stmt(
            "select id, name, created_at from environments order by name",
            [],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn insert_binding(&self, new: NewBinding<'_>) -> Result<BindingRow, StoreError> {
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into bindings (tenant_id, id, environment_id, target_id, target_version_id,
                   config_revision_id, schema_version_id, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
                [
                    self.tenant().0.into(),
                    id.into(),
                    new.environment_id.into(),
                    new.target_id.into(),
                    new.target_version_id.into(),
                    new.config_revision_id.into(),
                    new.schema_version_id.into(),
                    new.created_by.into(),
                ],
            ))
            .await?;
        BindingRow::find_by_statement(Self::stmt(
            &format!("{BINDING_SELECT} where b.id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?
        .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    /// The current binding per environment and target (the newest), optionally in one environment.
    pub async fn current_bindings(&self, env: Option<&str>) -> Result<Vec<BindingRow>, StoreError> {
        Ok(BindingRow::find_by_statement(Self::stmt(
            &format!(
                "{BINDING_SELECT} where b.id = any(array({})) order by e.name, t.name",
                super::cells::newest_per_cell("bindings", "$1", env.is_some())
            ),
            [env.map(str::to_owned).into()],
        ))
        .all(self.connection())
        .await?)
    }
}
