use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct TargetRow {
    pub id: Uuid,
    pub name: String,
    pub family_id: Uuid,
    pub family: String,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct TargetVersionRow {
    pub id: Uuid,
    pub target_id: Uuid,
    pub target: String,
    pub version: String,
    pub scheme: String,
    pub family: String,
    pub family_id: Uuid,
    pub schema_version_id: Uuid,
    pub schema_version: String,
    pub schema_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct TargetSummary {
    pub name: String,
    pub family: String,
    /// Comma-separated, oldest first.
    pub versions: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub struct NewTargetVersion<'a> {
    pub target_id: Uuid,
    pub version: &'a str,
    pub scheme: &'a str,
    pub schema_version_id: Uuid,
}

const TV_SELECT: &str = "select tv.id, tv.target_id, t.name as target, tv.version, tv.scheme,
        f.name as family, f.id as family_id, tv.schema_version_id, s.version as schema_version, s.hash as schema_hash,
        tv.created_at
    from target_versions tv
    join targets t on t.id = tv.target_id
    join schema_versions s on s.id = tv.schema_version_id
    join families f on f.id = s.family_id";

impl TenantTx {
    pub async fn target(&self, name: &str) -> Result<Option<TargetRow>, StoreError> {
        Ok(TargetRow::find_by_statement(Self::stmt(
            "select t.id, t.name, t.family_id, f.name as family
             from targets t join families f on f.id = t.family_id where t.name = $1",
            [name.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn create_target(&self, name: &str, family_id: Uuid) -> Result<Uuid, StoreError> {
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into targets (tenant_id, id, name, family_id) values ($1, $2, $3, $4)",
                [
                    self.tenant().0.into(),
                    id.into(),
                    name.into(),
                    family_id.into(),
                ],
            ))
            .await?;
        Ok(id)
    }

    pub async fn insert_target_version(
        &self,
        new: NewTargetVersion<'_>,
    ) -> Result<TargetVersionRow, StoreError> {
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into target_versions (tenant_id, id, target_id, version, scheme, schema_version_id)
                 values ($1, $2, $3, $4, $5, $6)",
                [
                    self.tenant().0.into(),
                    id.into(),
                    new.target_id.into(),
                    new.version.into(),
                    new.scheme.into(),
                    new.schema_version_id.into(),
                ],
            ))
            .await?;
        self.target_version(id)
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    pub async fn target_version(&self, id: Uuid) -> Result<Option<TargetVersionRow>, StoreError> {
        Ok(TargetVersionRow::find_by_statement(Self::stmt(
            &format!("{TV_SELECT} where tv.id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// Several target versions in one query (unknown ids are skipped).
    pub async fn target_versions(&self, ids: &[Uuid]) -> Result<Vec<TargetVersionRow>, StoreError> {
        Ok(TargetVersionRow::find_by_statement(Self::stmt(
            &format!("{TV_SELECT} where tv.id = any($1)"),
            [ids.to_vec().into()],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn target_version_by_name(
        &self,
        target: &str,
        version: &str,
    ) -> Result<Option<TargetVersionRow>, StoreError> {
        Ok(TargetVersionRow::find_by_statement(Self::stmt(
            &format!("{TV_SELECT} where t.name = $1 and tv.version = $2"),
            [target.into(), version.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn list_targets(&self) -> Result<Vec<TargetSummary>, StoreError> {
        Ok(TargetSummary::find_by_statement(Self::stmt(
            "select t.name, f.name as family, t.created_at,
                    (select string_agg(tv.version, ',' order by tv.created_at)
                       from target_versions tv where tv.target_id = t.id) as versions
             from targets t join families f on f.id = t.family_id order by t.name",
            [],
        ))
        .all(self.connection())
        .await?)
    }
}
