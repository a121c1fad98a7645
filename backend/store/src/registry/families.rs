use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct FamilyRow {
    pub id: Uuid,
    pub name: String,
    pub compat_level: String,
    /// `json_schema`, `avro` or `protobuf`.
    pub format: String,
    /// The buf rule category a Protobuf family's versions are compared with.
    pub buf_category: String,
    pub created_at: DateTime<Utc>,
}

/// A schema version's reference to another, as registered.
#[derive(Debug, Clone, FromQueryResult)]
pub struct SchemaRefRow {
    /// `family@version`.
    pub label: String,
    pub referenced_id: Uuid,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct FamilySummary {
    pub name: String,
    pub compat_level: String,
    pub format: String,
    pub latest_version: Option<String>,
    pub versions: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct SchemaVersionRow {
    pub id: Uuid,
    pub family: String,
    pub version: String,
    pub seq: i32,
    pub hash: String,
    pub document: Value,
    pub compat_level: String,
    pub report: Value,
    pub created_at: DateTime<Utc>,
}

pub struct NewSchemaVersion<'a> {
    pub family_id: Uuid,
    pub version: &'a str,
    pub hash: &'a str,
    pub document: &'a Value,
    pub compat_level: &'a str,
    pub report: &'a Value,
    pub created_by: &'a str,
}

const FAMILY_COLUMNS: &str = "id, name, compat_level, format, buf_category, created_at";

const SV_COLUMNS: &str = "s.id, f.name as family, s.version, s.seq, s.hash, s.document, \
                          s.compat_level, s.report, s.created_at";

impl TenantTx {
    /// Locks the family row, so concurrent schema additions to one family run one at a time.
    pub async fn family_for_update(&self, name: &str) -> Result<Option<FamilyRow>, StoreError> {
        Ok(FamilyRow::find_by_statement(Self::stmt(
            &format!("select {FAMILY_COLUMNS} from families where name = $1 for update"),
            [name.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn family(&self, name: &str) -> Result<Option<FamilyRow>, StoreError> {
        Ok(FamilyRow::find_by_statement(Self::stmt(
            &format!("select {FAMILY_COLUMNS} from families where name = $1"),
            [name.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn create_family(
        &self,
        name: &str,
        level: &str,
        format: &str,
        buf_category: &str,
    ) -> Result<FamilyRow, StoreError> {
        let row = FamilyRow::find_by_statement(Self::stmt(
            &format!(
                "insert into families (tenant_id, id, name, compat_level, format, buf_category)
                 values ($1, $2, $3, $4, $5, $6) returning {FAMILY_COLUMNS}"
            ),
            [
                self.tenant().0.into(),
                Uuid::new_v4().into(),
                name.into(),
                level.into(),
                format.into(),
                buf_category.into(),
            ],
        ))
        .one(self.connection())
        .await?;
        row.ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    pub async fn set_family_level(&self, id: Uuid, level: &str) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "update families set compat_level = $2 where id = $1",
                [id.into(), level.into()],
            ))
            .await?;
        Ok(())
    }

    pub async fn set_family_buf_category(
        &self,
        id: Uuid,
        category: &str,
    ) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "update families set buf_category = $2 where id = $1",
                [id.into(), category.into()],
            ))
            .await?;
        Ok(())
    }

    /// Pins `version_id`'s references (`family@version` labels to version ids), in the order
    /// the schema gave them.
    pub async fn insert_schema_refs(
        &self,
        version_id: Uuid,
        refs: &[(String, Uuid)],
    ) -> Result<(), StoreError> {
        for (position, (label, referenced)) in refs.iter().enumerate() {
            self.connection()
                .execute(Self::stmt(
                    "insert into schema_version_refs
                       (tenant_id, schema_version_id, referenced_id, label, position)
                     values ($1, $2, $3, $4, $5)",
                    [
                        self.tenant().0.into(),
                        version_id.into(),
                        (*referenced).into(),
                        label.clone().into(),
                        i32::try_from(position).unwrap_or(i32::MAX).into(),
                    ],
                ))
                .await?;
        }
        Ok(())
    }

    /// The versions `version_id` references directly, in the schema's order.
    pub async fn schema_refs(&self, version_id: Uuid) -> Result<Vec<SchemaRefRow>, StoreError> {
        Ok(SchemaRefRow::find_by_statement(Self::stmt(
            "select label, referenced_id from schema_version_refs
             where schema_version_id = $1 order by position",
            [version_id.into()],
        ))
        .all(self.connection())
        .await?)
    }

    /// The versions that reference `version_id` directly (`family@version`).
    pub async fn schema_referrers(&self, version_id: Uuid) -> Result<Vec<String>, StoreError> {
        #[derive(FromQueryResult)]
        struct Label {
            label: String,
        }
        Ok(Label::find_by_statement(Self::stmt(
            "select f.name || '@' || s.version as label
             from schema_version_refs r
             join schema_versions s on s.id = r.schema_version_id
             join families f on f.id = s.family_id
             where r.referenced_id = $1 order by f.name, s.seq",
            [version_id.into()],
        ))
        .all(self.connection())
        .await?
        .into_iter()
        .map(|l| l.label)
        .collect())
    }

    pub async fn list_families(&self) -> Result<Vec<FamilySummary>, StoreError> {
        Ok(FamilySummary::find_by_statement(Self::stmt(
            "select f.name, f.compat_level, f.format, f.created_at,
                    (select s.version from schema_versions s where s.family_id = f.id order by s.seq desc limit 1) as latest_version,
                    (select count(*) from schema_versions s where s.family_id = f.id) as versions
             from families f order by f.name",
            [],
        ))
        .all(self.connection())
        .await?)
    }

    /// A family's schema versions, oldest first.
    pub async fn schema_versions(
        &self,
        family_id: Uuid,
    ) -> Result<Vec<SchemaVersionRow>, StoreError> {
        Ok(SchemaVersionRow::find_by_statement(Self::stmt(
            &format!(
                "select {SV_COLUMNS} from schema_versions s join families f on f.id = s.family_id
                 where s.family_id = $1 order by s.seq"
            ),
            [family_id.into()],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn schema_version(
        &self,
        family: &str,
        version: &str,
    ) -> Result<Option<SchemaVersionRow>, StoreError> {
        Ok(SchemaVersionRow::find_by_statement(Self::stmt(
            &format!(
                "select {SV_COLUMNS} from schema_versions s join families f on f.id = s.family_id
                 where f.name = $1 and s.version = $2"
            ),
            [family.into(), version.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// Several schema versions in one query (unknown ids are skipped).
    pub async fn schema_versions_by_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<SchemaVersionRow>, StoreError> {
        Ok(SchemaVersionRow::find_by_statement(Self::stmt(
            &format!(
                "select {SV_COLUMNS} from schema_versions s join families f on f.id = s.family_id
                 where s.id = any($1)"
            ),
            [ids.to_vec().into()],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn schema_version_by_id(
        &self,
        id: Uuid,
    ) -> Result<Option<SchemaVersionRow>, StoreError> {
        Ok(SchemaVersionRow::find_by_statement(Self::stmt(
            &format!(
                "select {SV_COLUMNS} from schema_versions s join families f on f.id = s.family_id
                 where s.id = $1"
            ),
            [id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn insert_schema_version(
        &self,
        new: NewSchemaVersion<'_>,
    ) -> Result<SchemaVersionRow, StoreError> {
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into schema_versions
                   (tenant_id, id, family_id, version, seq, hash, document, compat_level, report, created_by)
                 values ($1, $2, $3, $4,
                   (select coalesce(max(seq), 0) + 1 from schema_versions where family_id = $3),
                   $5, $6, $7, $8, $9)",
                [
                    self.tenant().0.into(),
                    id.into(),
                    new.family_id.into(),
                    new.version.into(),
                    new.hash.into(),
                    new.document.clone().into(),
                    new.compat_level.into(),
                    new.report.clone().into(),
                    new.created_by.into(),
                ],
            ))
            .await?;
        self.schema_version_by_id(id)
            .await?
            .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }
}
