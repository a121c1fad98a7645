use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct RevisionRow {
    pub id: Uuid,
    pub config_id: Uuid,
    pub name: String,
    pub revision: i32,
    pub hash: String,
    pub target_version_id: Uuid,
    pub target: String,
    pub target_version: String,
    pub format: String,
    pub original: String,
    pub canonical: Value,
    pub parent_id: Option<Uuid>,
    /// The migration steps that wrote this revision from its parent.
    pub migrated_by: Option<Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ConfigSummary {
    pub name: String,
    pub latest_revision: i32,
    pub latest_id: Uuid,
    pub updated_at: DateTime<Utc>,
}

pub struct NewRevision<'a> {
    pub config_id: Uuid,
    pub hash: &'a str,
    pub target_version_id: Uuid,
    pub format: &'a str,
    pub original: &'a str,
    pub canonical: &'a Value,
    pub parent_id: Option<Uuid>,
    pub migrated_by: Option<&'a Value>,
    pub created_by: &'a str,
}

const REV_SELECT: &str =
    "select r.id, r.config_id, c.name, r.revision, r.hash, r.target_version_id,
        t.name as target, tv.version as target_version, r.format, r.original, r.canonical,
        r.parent_id, r.migrated_by, r.created_by, r.created_at
    from config_revisions r
    join configs c on c.id = r.config_id
    join target_versions tv on tv.id = r.target_version_id
    join targets t on t.id = tv.target_id";

impl TenantTx {
    /// Whether a lineage of this name exists.
    pub async fn config_exists(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .connection()
            .query_one(Self::stmt(
                "select 1 as one from configs where name = $1",
                [name.into()],
            ))
            .await?
            .is_some())
    }

    /// The lineage's id, creating it on first use; locked so revisions are numbered one at a time.
    pub async fn config_for_update(&self, name: &str) -> Result<Uuid, StoreError> {
        self.connection()
            .execute(Self::stmt(
                "insert into configs (tenant_id, id, name) values ($1, $2, $3)
                 on conflict (tenant_id, name) do nothing",
                [self.tenant().0.into(), Uuid::new_v4().into(), name.into()],
            ))
            .await?;
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select id from configs where name = $1 for update",
                [name.into()],
            ))
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotFound(name.to_owned())))?;
        Ok(row.try_get("", "id")?)
    }

    /// Locks a lineage (by id) so its revisions are numbered one at a time.
    pub async fn lock_config(&self, config_id: Uuid) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select 1 from configs where id = $1 for update",
                [config_id.into()],
            ))
            .await?;
        Ok(())
    }

    pub async fn latest_revision(
        &self,
        config_id: Uuid,
    ) -> Result<Option<RevisionRow>, StoreError> {
        Ok(RevisionRow::find_by_statement(Self::stmt(
            &format!("{REV_SELECT} where r.config_id = $1 order by r.revision desc limit 1"),
            [config_id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn insert_revision(&self, new: NewRevision<'_>) -> Result<RevisionRow, StoreError> {
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into config_revisions
                   (tenant_id, id, config_id, revision, hash, target_version_id, format, original,
                    canonical, parent_id, migrated_by, created_by)
                 values ($1, $2, $3,
                   (select coalesce(max(revision), 0) + 1 from config_revisions where config_id = $3),
                   $4, $5, $6, $7, $8, $9, $10, $11)",
                [
                    self.tenant().0.into(),
                    id.into(),
                    new.config_id.into(),
                    new.hash.into(),
                    new.target_version_id.into(),
                    new.format.into(),
                    new.original.into(),
                    new.canonical.clone().into(),
                    new.parent_id.into(),
                    new.migrated_by.cloned().into(),
                    new.created_by.into(),
                ],
            ))
            .await?;
        self.revision(id)
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    pub async fn revision(&self, id: Uuid) -> Result<Option<RevisionRow>, StoreError> {
        Ok(RevisionRow::find_by_statement(Self::stmt(
            &format!("{REV_SELECT} where r.id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// The newest revision of a lineage with this content for this target version: a migration
    /// that arrives back at known content reuses that revision instead of writing a copy.
    pub async fn revision_with_content(
        &self,
        config_id: Uuid,
        hash: &str,
        target_version_id: Uuid,
    ) -> Result<Option<RevisionRow>, StoreError> {
        Ok(RevisionRow::find_by_statement(Self::stmt(
            &format!(
                "{REV_SELECT} where r.config_id = $1 and r.hash = $2 and r.target_version_id = $3
                 order by r.revision desc limit 1"
            ),
            [config_id.into(), hash.into(), target_version_id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// Several revisions in one query (in no particular order; unknown ids are skipped).
    pub async fn revisions(&self, ids: &[Uuid]) -> Result<Vec<RevisionRow>, StoreError> {
        Ok(RevisionRow::find_by_statement(Self::stmt(
            &format!("{REV_SELECT} where r.id = any($1)"),
            [ids.to_vec().into()],
        ))
        .all(self.connection())
        .await?)
    }

    /// The lineage of a config, newest first.
    pub async fn history(&self, config_id: Uuid) -> Result<Vec<RevisionRow>, StoreError> {
        Ok(RevisionRow::find_by_statement(Self::stmt(
            &format!("{REV_SELECT} where r.config_id = $1 order by r.revision desc"),
            [config_id.into()],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn list_configs(&self) -> Result<Vec<ConfigSummary>, StoreError> {
        Ok(ConfigSummary::find_by_statement(Self::stmt(
            "select distinct on (c.name) c.name, r.revision as latest_revision, r.id as latest_id,
                    r.created_at as updated_at
             from configs c join config_revisions r on r.config_id = c.id
             order by c.name, r.revision desc",
            [],
        ))
        .all(self.connection())
        .await?)
    }
}
