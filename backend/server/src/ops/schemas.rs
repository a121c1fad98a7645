//! Adding a schema version to a family (created with its first schema): the new version must
//! keep the family's compatibility level with the earlier versions.

use super::{TenantWrite, Written};
use crate::compute::Task;
use crate::error::{ApiError, ErrorCode};
use versiqii_api::events::SchemaAdded;
use versiqii_api::v1::SchemaVersionView;
use versiqii_api::AuditAction;
use versiqii_core::canonical::content_hash;
use versiqii_core::compat::{self, CompatLevel};
use versiqii_core::names::{FamilyName, SchemaVersionLabel};
use versiqii_store::{NewSchemaVersion, SchemaVersionRow};

pub struct AddSchema {
    pub family: FamilyName,
    pub version: SchemaVersionLabel,
    /// A JSON Schema the caller has checked compiles.
    pub schema: serde_json::Value,
    /// Becomes the family's level from then on.
    pub compat: Option<CompatLevel>,
    pub dry_run: bool,
}

/// A stored schema version as the API shows it.
pub fn schema_version_view(row: SchemaVersionRow) -> SchemaVersionView {
    SchemaVersionView {
        family: row.family,
        version: row.version,
        hash: row.hash,
        compat_level: row.compat_level,
        report: row.report,
        schema: row.document,
        created_at: Some(row.created_at),
        stored: true,
    }
}

pub async fn add_schema(
    mut w: TenantWrite,
    req: AddSchema,
) -> Result<Written<SchemaVersionView>, ApiError> {
    let (family, version) = (&req.family, &req.version);
    let hash = content_hash(&req.schema);
    let existing_family = w.tx().family_for_update(family.as_str()).await?;
    if let Some(fam) = &existing_family {
        if let Some(existing) = w
            .tx()
            .schema_version(fam.name.as_str(), version.as_str())
            .await?
        {
            if existing.hash == hash {
                return Ok(Written::Existing(schema_version_view(existing)));
            }
            return Err(ApiError::Conflict {
                code: ErrorCode::SchemaVersionExists,
                detail: format!(
                    "{family}@{version} exists with other content; schema versions are immutable, add a new version"
                ),
            });
        }
    }
    let level = req
        .compat
        .or_else(|| {
            existing_family
                .as_ref()
                .and_then(|f| f.compat_level.parse().ok())
        })
        .unwrap_or_default();
    let history = match &existing_family {
        Some(fam) => w.tx().schema_versions(fam.id).await?,
        None => Vec::new(),
    };
    // Checked on the CPU pool: its cost grows with the schemas' size and the history's length.
    let earlier: Vec<(String, serde_json::Value)> = history
        .iter()
        .map(|h| (h.version.clone(), h.document.clone()))
        .collect();
    let new_schema = req.schema.clone();
    let report = w
        .ops()
        .compute
        .run(w.tenant(), Task::Compatibility, move || {
            let earlier: Vec<(&str, &serde_json::Value)> =
                earlier.iter().map(|(v, d)| (v.as_str(), d)).collect();
            compat::check(level, &earlier, &new_schema)
        })
        .await?;
    let report_json = serde_json::to_value(&report).map_err(anyhow::Error::from)?;

    if req.dry_run {
        return Ok(Written::Existing(SchemaVersionView {
            family: family.to_string(),
            version: version.to_string(),
            hash,
            compat_level: level.as_str().to_owned(),
            report: report_json,
            schema: req.schema,
            created_at: None,
            stored: false,
        }));
    }
    if !report.compatible {
        return Err(ApiError::Incompatible {
            level: level.as_str().to_owned(),
            breaks: report.breaks.len(),
            report: report_json,
        });
    }
    let fam = match existing_family {
        Some(fam) => {
            if req.compat.is_some_and(|l| l.as_str() != fam.compat_level) {
                w.tx().set_family_level(fam.id, level.as_str()).await?;
            }
            fam
        }
        None => {
            w.tx()
                .create_family(family.as_str(), level.as_str())
                .await?
        }
    };
    let actor = w.actor().to_string();
    let row = w
        .tx()
        .insert_schema_version(NewSchemaVersion {
            family_id: fam.id,
            version: version.as_str(),
            hash: &hash,
            document: &req.schema,
            compat_level: level.as_str(),
            report: &report_json,
            created_by: &actor,
        })
        .await?;
    w.audit(
        AuditAction::SchemaAdd,
        format!("schema:{family}@{version}"),
        history.last().map(|h| h.hash.as_str()),
        Some(&hash),
    );
    w.emit(SchemaAdded {
        schema_version_id: row.id,
        family: family.to_string(),
        version: version.to_string(),
        hash: hash.clone(),
        compat_level: level.as_str().to_owned(),
        previous_version: history.last().map(|h| h.version.clone()),
    });
    w.commit().await?;
    Ok(Written::Created(schema_version_view(row)))
}
