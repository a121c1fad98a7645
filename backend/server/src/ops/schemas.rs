//! Adding a schema version to a family (created with its first schema): the version is built
//! into its stored document (its references resolved and pinned), compiled, and must keep the
//! family's compatibility level with the earlier versions, by the rules of its format.

use super::checks::contract_error;
use super::{TenantWrite, Written};
use crate::compute::Task;
use crate::error::{ApiError, ErrorCode, FieldError};
use versiqii_api::events::SchemaAdded;
use versiqii_api::v1::SchemaVersionView;
use versiqii_api::AuditAction;
use versiqii_core::canonical::content_hash;
use versiqii_core::compat::CompatLevel;
use versiqii_core::contract::{
    self, avro_document, external_refs, format_of, json_schema_document, message_of,
    protobuf_document, Format, ProtoSource, Referenced, Version, FORMAT_KEY,
};
use versiqii_core::document::{check_depth, json_size_within};
use versiqii_core::names::{FamilyName, SchemaVersionLabel};
use versiqii_core::protobuf::BufCategory;
use versiqii_store::{NewSchemaVersion, SchemaVersionRow};

/// At most this many versions referenced directly by one version.
pub const MAX_REFERENCES: usize = 64;
/// A stored document's most bytes as compact JSON, references' content included: without it,
/// versions that reference versions that reference others could grow without bound.
pub const MAX_STORED_BYTES: usize = 4 * 1024 * 1024;
/// A stored document's deepest nesting: each bundled JSON Schema reference nests two levels.
pub const MAX_STORED_DEPTH: usize = 128;

/// Refuses a version whose stored document would be over [`MAX_STORED_BYTES`], before it is
/// built: the references' documents are already stored, so their sizes are known. Each part is
/// measured against what is left of the budget, and stops being measured once over it.
fn check_size(req: &AddSchema, resolved: &[(String, SchemaVersionRow)]) -> Result<(), ApiError> {
    let files: usize = req
        .files
        .iter()
        .map(|f| f.path.len() + f.source.len())
        .sum();
    let mut left = MAX_STORED_BYTES.checked_sub(files);
    for part in std::iter::once(&req.schema).chain(resolved.iter().map(|(_, row)| &row.document)) {
        left = left.and_then(|l| json_size_within(part, l).map(|size| l - size));
    }
    if left.is_none() {
        return Err(ApiError::Unprocessable {
            code: ErrorCode::SchemaTooLarge,
            detail: format!(
                "with its references the schema would be over {MAX_STORED_BYTES} bytes"
            ),
        });
    }
    Ok(())
}

pub struct AddSchema {
    pub family: FamilyName,
    pub version: SchemaVersionLabel,
    /// `None`: the family's format, or for a new family JSON Schema (Protobuf when `files`).
    pub format: Option<Format>,
    /// A JSON Schema or an Avro schema; `Null` for Protobuf.
    pub schema: serde_json::Value,
    /// Protobuf: the `.proto` files, the main one first.
    pub files: Vec<ProtoSource>,
    /// Protobuf: the config message's full name.
    pub message: Option<String>,
    /// `Family@version` labels, as given.
    pub references: Vec<String>,
    /// Becomes the family's level from then on.
    pub compat: Option<CompatLevel>,
    /// Becomes a Protobuf family's rule category from then on.
    pub buf_category: Option<BufCategory>,
    pub dry_run: bool,
}

/// A stored schema version as the API shows it, with the labels it references.
pub fn schema_version_view(row: SchemaVersionRow, references: Vec<String>) -> SchemaVersionView {
    SchemaVersionView {
        format: format_of(&row.document).as_str().to_owned(),
        message: message_of(&row.document).map(str::to_owned),
        family: row.family,
        version: row.version,
        hash: row.hash,
        compat_level: row.compat_level,
        references,
        report: row.report,
        schema: row.document,
        created_at: Some(row.created_at),
        stored: true,
    }
}

fn mismatch(detail: String) -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::FamilyFormatMismatch,
        detail,
    }
}

fn invalid(at: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::SchemaInvalid(vec![FieldError::new(at, message)])
}

/// Checks that the request's parts fit its format.
fn check_shape(req: &AddSchema, format: Format) -> Result<(), ApiError> {
    match format {
        Format::JsonSchema | Format::Avro => {
            if req.schema.is_null() {
                return Err(invalid(
                    "/schema",
                    format!("{format} versions need `schema`"),
                ));
            }
            if !req.files.is_empty() || req.message.is_some() {
                return Err(invalid(
                    "/files",
                    format!("`files` and `message` are for Protobuf; this version is {format}"),
                ));
            }
            if format == Format::JsonSchema && req.schema.get(FORMAT_KEY).is_some() {
                return Err(invalid(
                    &format!("/schema/{FORMAT_KEY}"),
                    format!("`{FORMAT_KEY}` is reserved at the top of a JSON Schema"),
                ));
            }
        }
        Format::Protobuf => {
            if !req.schema.is_null() {
                return Err(invalid(
                    "/schema",
                    "a Protobuf version sends its .proto files in `files`, not `schema`",
                ));
            }
            if req.files.is_empty() {
                return Err(invalid(
                    "/files",
                    "a Protobuf version needs its .proto files",
                ));
            }
        }
    }
    Ok(())
}

/// The references a version names: those given, then (JSON Schema) those its `$ref`s name, each
/// once, as `(family, version)`.
fn reference_labels(
    req: &AddSchema,
    format: Format,
) -> Result<Vec<(String, FamilyName, SchemaVersionLabel)>, ApiError> {
    let mut labels: Vec<String> = req.references.clone();
    if format == Format::JsonSchema {
        for found in external_refs(&req.schema) {
            if !labels.contains(&found) {
                labels.push(found);
            }
        }
    }
    if labels.len() > MAX_REFERENCES {
        return Err(invalid(
            "/references",
            format!("{} references; at most {MAX_REFERENCES}", labels.len()),
        ));
    }
    let mut out = Vec::with_capacity(labels.len());
    for (i, label) in labels.into_iter().enumerate() {
        let parsed = label.split_once('@').and_then(|(f, v)| {
            Some((
                FamilyName::parse(f).ok()?,
                SchemaVersionLabel::parse(v).ok()?,
            ))
        });
        let Some((family, version)) = parsed else {
            return Err(invalid(
                &format!("/references/{i}"),
                format!("`{label}` is not `Family@version`"),
            ));
        };
        if out.iter().any(|(l, _, _)| l == &label) {
            continue;
        }
        if family == req.family && version == req.version {
            return Err(ApiError::Unprocessable {
                code: ErrorCode::ReferenceCycle,
                detail: format!("{label} -> {label}: a schema version cannot reference itself"),
            });
        }
        out.push((label, family, version));
    }
    Ok(out)
}

pub async fn add_schema(
    mut w: TenantWrite,
    req: AddSchema,
) -> Result<Written<SchemaVersionView>, ApiError> {
    let (family, version) = (&req.family, &req.version);
    let existing_family = w.tx().family_for_update(family.as_str()).await?;
    let family_format = existing_family
        .as_ref()
        .map(|f| f.format.parse::<Format>())
        .transpose()
        .map_err(anyhow::Error::from)?;
    let format = req
        .format
        .or(family_format)
        .unwrap_or(if req.files.is_empty() {
            Format::JsonSchema
        } else {
            Format::Protobuf
        });
    if let Some(theirs) = family_format.filter(|f| *f != format) {
        return Err(mismatch(format!(
            "{family} is a family of {theirs} schemas; {format} versions cannot join it"
        )));
    }
    check_shape(&req, format)?;
    let history = match &existing_family {
        Some(fam) => w.tx().schema_versions(fam.id).await?,
        None => Vec::new(),
    };
    // A Protobuf family's later versions read the config message its versions always had.
    let message = req.message.clone().or_else(|| {
        history
            .last()
            .and_then(|last| message_of(&last.document))
            .map(str::to_owned)
    });

    // References: resolved now, in this transaction, and pinned by id.
    let mut resolved: Vec<(String, SchemaVersionRow)> = Vec::new();
    for (label, ref_family, ref_version) in reference_labels(&req, format)? {
        let row = w
            .tx()
            .schema_version(ref_family.as_str(), ref_version.as_str())
            .await?
            .ok_or_else(|| ApiError::Unprocessable {
                code: ErrorCode::ReferenceNotFound,
                detail: format!("{label} does not exist"),
            })?;
        resolved.push((label, row));
    }
    check_size(&req, &resolved)?;
    let referenced: Vec<Referenced<'_>> = resolved
        .iter()
        .map(|(label, row)| Referenced {
            label,
            document: &row.document,
        })
        .collect();
    let document = match format {
        Format::JsonSchema => json_schema_document(req.schema.clone(), &referenced),
        Format::Avro => avro_document(req.schema.clone(), &referenced),
        Format::Protobuf => protobuf_document(message.as_deref(), req.files.clone(), &referenced),
    }
    .map_err(contract_error)?;
    drop(referenced);
    check_depth(&document, MAX_STORED_DEPTH).map_err(|over| ApiError::Unprocessable {
        code: ErrorCode::DocumentTooDeep,
        detail: format!("with its references bundled, the schema {over}"),
    })?;
    let (document, contract) = w.ops().compile_contract(w.tenant(), document).await?;
    let hash = content_hash(&document);
    let labels: Vec<String> = resolved.iter().map(|(l, _)| l.clone()).collect();

    if let Some(fam) = &existing_family {
        if let Some(existing) = w
            .tx()
            .schema_version(fam.name.as_str(), version.as_str())
            .await?
        {
            if existing.hash == hash {
                let refs = w.tx().schema_refs(existing.id).await?;
                let refs = refs.into_iter().map(|r| r.label).collect();
                return Ok(Written::Existing(schema_version_view(existing, refs)));
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
    let category = req
        .buf_category
        .or_else(|| {
            existing_family
                .as_ref()
                .and_then(|f| f.buf_category.parse().ok())
        })
        .unwrap_or_default();
    if let (Some(last), Format::Protobuf) = (history.last(), format) {
        let (before, now) = (message_of(&last.document), message_of(&document));
        if before != now {
            return Err(mismatch(format!(
                "{family}'s config message is {}; this version's is {}",
                before.unwrap_or("unset"),
                now.unwrap_or("unset")
            )));
        }
    }
    // Checked on the CPU pool: its cost grows with the schemas' size and the history's length.
    // Earlier versions come compiled from the cache (by hash), the new one as just compiled.
    let earlier: Vec<(String, String, serde_json::Value)> = history
        .iter()
        .map(|h| (h.version.clone(), h.hash.clone(), h.document.clone()))
        .collect();
    let (new_document, cache) = (document.clone(), w.ops().schemas.clone());
    let report = w
        .ops()
        .compute
        .run(w.tenant(), Task::Compatibility, move || {
            let compiled = earlier
                .iter()
                .map(|(_, hash, document)| cache.get_or_compile(hash, document))
                .collect::<Result<Vec<_>, _>>()?;
            let versions: Vec<Version<'_>> = earlier
                .iter()
                .zip(&compiled)
                .map(|((label, _, document), contract)| Version {
                    label,
                    document,
                    contract,
                })
                .collect();
            let new = Version {
                label: "new",
                document: &new_document,
                contract: &contract,
            };
            contract::check(level, category, &versions, &new)
        })
        .await?
        .map_err(contract_error)?;
    let report_json = serde_json::to_value(&report).map_err(anyhow::Error::from)?;

    if req.dry_run {
        return Ok(Written::Existing(SchemaVersionView {
            family: family.to_string(),
            version: version.to_string(),
            format: format.as_str().to_owned(),
            hash,
            compat_level: level.as_str().to_owned(),
            references: labels,
            message: message_of(&document).map(str::to_owned),
            report: report_json,
            schema: document,
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
            if req
                .buf_category
                .is_some_and(|c| c.as_str() != fam.buf_category)
            {
                w.tx()
                    .set_family_buf_category(fam.id, category.as_str())
                    .await?;
            }
            fam
        }
        None => {
            w.tx()
                .create_family(
                    family.as_str(),
                    level.as_str(),
                    format.as_str(),
                    category.as_str(),
                )
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
            document: &document,
            compat_level: level.as_str(),
            report: &report_json,
            created_by: &actor,
        })
        .await?;
    let pins: Vec<(String, uuid::Uuid)> = resolved
        .iter()
        .map(|(label, r)| (label.clone(), r.id))
        .collect();
    w.tx().insert_schema_refs(row.id, &pins).await?;
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
        format: format.as_str().to_owned(),
        hash: hash.clone(),
        compat_level: level.as_str().to_owned(),
        references: labels.clone(),
        previous_version: history.last().map(|h| h.version.clone()),
    });
    w.commit().await?;
    Ok(Written::Created(schema_version_view(row, labels)))
}
