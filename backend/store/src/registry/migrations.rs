//! Migrations on the edges between a family's schema versions, and the look-ups that migrating
//! and rolling back need.

use super::bindings::BINDING_SELECT;
use crate::{BindingRow, StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

/// A migration without its source (cheap to list and to plan paths with).
#[derive(Debug, Clone, FromQueryResult)]
pub struct MigrationRow {
    pub id: Uuid,
    pub family: String,
    pub from_schema_version_id: Uuid,
    pub from_version: String,
    pub to_schema_version_id: Uuid,
    pub to_version: String,
    pub kind: String,
    pub hash: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct MigrationSource {
    pub id: Uuid,
    pub kind: String,
    pub hash: String,
    pub source: Vec<u8>,
}

pub struct NewMigration<'a> {
    pub family_id: Uuid,
    pub from_schema_version_id: Uuid,
    pub to_schema_version_id: Uuid,
    pub kind: &'a str,
    pub source: &'a [u8],
    pub hash: &'a str,
    pub created_by: &'a str,
}

const MIGRATION_SELECT: &str = "select m.id, f.name as family,
        m.from_schema_version_id, fs.version as from_version,
        m.to_schema_version_id, ts.version as to_version,
        m.kind, m.hash, m.created_by, m.created_at
    from migrations m
    join families f on f.id = m.family_id
    join schema_versions fs on fs.id = m.from_schema_version_id
    join schema_versions ts on ts.id = m.to_schema_version_id";

impl TenantTx {
    /// `None` when that edge already has a migration.
    pub async fn insert_migration(
        &self,
        new: NewMigration<'_>,
    ) -> Result<Option<MigrationRow>, StoreError> {
        let id = Uuid::new_v4();
        let inserted = self
            .connection()
            .execute(Self::stmt(
                "insert into migrations (tenant_id, id, family_id, from_schema_version_id,
                   to_schema_version_id, kind, source, hash, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 on conflict (family_id, from_schema_version_id, to_schema_version_id) do nothing",
                [
                    self.tenant().0.into(),
                    id.into(),
                    new.family_id.into(),
                    new.from_schema_version_id.into(),
                    new.to_schema_version_id.into(),
                    new.kind.into(),
                    new.source.to_vec().into(),
                    new.hash.into(),
                    new.created_by.into(),
                ],
            ))
            .await?;
        if inserted.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(MigrationRow::find_by_statement(Self::stmt(
            &format!("{MIGRATION_SELECT} where m.id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// A family's migrations, oldest first (the order path finding prefers).
    pub async fn migrations_of_family(
        &self,
        family_id: Uuid,
    ) -> Result<Vec<MigrationRow>, StoreError> {
        Ok(MigrationRow::find_by_statement(Self::stmt(
            &format!("{MIGRATION_SELECT} where m.family_id = $1 order by m.created_at, m.id"),
            [family_id.into()],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn migration_sources(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<MigrationSource>, StoreError> {
        Ok(MigrationSource::find_by_statement(Self::stmt(
            "select id, kind, hash, source from migrations where id = any($1)",
            [ids.to_vec().into()],
        ))
        .all(self.connection())
        .await?)
    }

    /// Current bindings (in every environment) whose config was validated against this schema
    /// version: the configs a new migration from it would move.
    pub async fn current_bindings_on_schema(
        &self,
        schema_version_id: Uuid,
    ) -> Result<Vec<BindingRow>, StoreError> {
        Ok(BindingRow::find_by_statement(Self::stmt(
            &format!(
                "{BINDING_SELECT} where b.id = any(array({})) and b.schema_version_id = $2
                 order by e.name, t.name",
                super::cells::newest_per_cell("bindings", "$1", false)
            ),
            [Option::<String>::None.into(), schema_version_id.into()],
        ))
        .all(self.connection())
        .await?)
    }

    /// The binding of a target in an environment as it stood at `at` (the newest one made
    /// before it), for rolling back to how things were.
    pub async fn binding_as_of(
        &self,
        environment_id: Uuid,
        target_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Option<BindingRow>, StoreError> {
        Ok(BindingRow::find_by_statement(Self::stmt(
            &format!(
                "{BINDING_SELECT} where b.environment_id = $1 and b.target_id = $2
                 and b.created_at < $3 order by b.seq desc limit 1"
            ),
            [environment_id.into(), target_id.into(), at.into()],
        ))
        .one(self.connection())
        .await?)
    }
}
