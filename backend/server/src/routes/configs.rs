//! Configs: named lineages of immutable, content-addressed revisions.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{configs, Ops, Written};
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use versiqii_core::canonical::{diff_paths, unified_diff, ChangeOp};
use versiqii_core::document::{parse_document, DocumentError, Format, MAX_CONFIG_BYTES};
use versiqii_store::RevisionRow;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConfigRequest {
    /// The target version the config is written for: its id or `name@version`.
    pub target: String,
    /// The lineage's name, e.g. `payment_service.yaml`; the target's name when absent.
    pub name: Option<String>,
    /// The config as JSON or YAML text, kept as written.
    pub content: String,
    /// `json` or `yaml`; detected when absent.
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfigRevisionView {
    pub id: Uuid,
    pub name: String,
    /// 1, 2, ... within the lineage.
    pub revision: i32,
    /// SHA-256 of the canonical JSON: the same data in any key order or format hashes the same.
    pub hash: String,
    /// `name@version` of the target version it was written for.
    pub target: String,
    pub target_version_id: Uuid,
    pub format: String,
    /// The canonical data.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The text as submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    pub parent_id: Option<Uuid>,
    /// For a revision written by migrating its parent: each step, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::actors::StepView>>)]
    pub migrated_by: Option<serde_json::Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl ConfigRevisionView {
    pub fn from_row(row: RevisionRow, with_original: bool) -> Self {
        Self {
            id: row.id,
            name: row.name,
            revision: row.revision,
            hash: row.hash,
            target: format!("{}@{}", row.target, row.target_version),
            target_version_id: row.target_version_id,
            format: row.format,
            data: row.canonical,
            original: with_original.then_some(row.original),
            parent_id: row.parent_id,
            migrated_by: row.migrated_by,
            created_by: row.created_by,
            created_at: row.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConfigSummaryView {
    pub name: String,
    pub latest_revision: i32,
    pub latest_id: Uuid,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfigList {
    pub items: Vec<ConfigSummaryView>,
}

#[derive(Serialize, ToSchema)]
pub struct RevisionList {
    pub items: Vec<ConfigRevisionView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// The earlier revision's id.
    pub from: Uuid,
    /// The later revision's id.
    pub to: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct PathChangeView {
    pub pointer: String,
    /// `added`, `removed` or `changed`.
    pub op: String,
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfigDiff {
    pub from: Uuid,
    pub to: Uuid,
    pub changes: Vec<PathChangeView>,
    /// A unified diff of the two revisions as sorted, pretty-printed JSON.
    pub unified: String,
}

fn document_error(err: DocumentError) -> ApiError {
    match err {
        DocumentError::TooLarge { max } => ApiError::ConfigTooLarge { limit: max },
        other => ApiError::InvalidDocument(format!("the config is not valid: {other}")),
    }
}

/// Stores a config revision for a target version. The same data as the lineage's latest
/// revision (in any key order or format) is not stored twice: that revision comes back with 200.
#[utoipa::path(operation_id = "createConfigRevision", tag = "configs", request_body = NewConfigRequest,
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = ConfigRevisionView, description = "A new revision"),
    (status = 200, body = ConfigRevisionView, description = "Identical to the latest revision"),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_document` or `invalid_name`"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown target version"),
    (status = 413, body = Problem, content_type = "application/problem+json", description = "`config_too_large`")))]
#[post("/v1/configs")]
pub async fn create(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewConfigRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.content.len() > MAX_CONFIG_BYTES {
        return Err(ApiError::ConfigTooLarge {
            limit: MAX_CONFIG_BYTES,
        });
    }
    let format = match body.format.as_deref() {
        None => None,
        Some(f) => Some(Format::from_path_ext(f).ok_or_else(|| {
            ApiError::InvalidDocument(format!("unknown format `{f}` (json or yaml)"))
        })?),
    };
    let (data, format) = parse_document(body.content.as_bytes(), format).map_err(document_error)?;
    if !data.is_object() {
        return Err(ApiError::InvalidDocument(
            "a config is a JSON or YAML object (a mapping at the top level)".into(),
        ));
    }
    let req = configs::CreateConfig {
        target: body.target,
        name: body.name,
        content: body.content,
        data,
        format,
    };
    Ok(match configs::create(auth.write(&ops).await?, req).await? {
        Written::Created(row) => {
            HttpResponse::Created().json(ConfigRevisionView::from_row(row, false))
        }
        Written::Existing(row) => HttpResponse::Ok().json(ConfigRevisionView::from_row(row, false)),
    })
}

/// Every config lineage with its latest revision.
#[utoipa::path(operation_id = "listConfigs", tag = "configs", security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = ConfigList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/configs")]
pub async fn list(auth: Authorized<perm::RegistryRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.list_configs().await?;
    tx.commit().await?;
    let items = rows
        .into_iter()
        .map(|r| ConfigSummaryView {
            name: r.name,
            latest_revision: r.latest_revision,
            latest_id: r.latest_id,
            updated_at: r.updated_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ConfigList { items }))
}

/// The difference between two revisions: changed paths and a unified text diff.
#[utoipa::path(operation_id = "diffConfigRevisions", tag = "configs", params(DiffQuery), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = ConfigDiff),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/configs/diff")]
pub async fn diff(
    auth: Authorized<perm::RegistryRead>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let from = tx
        .revision(query.from)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config revision {}", query.from)))?;
    let to = tx
        .revision(query.to)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config revision {}", query.to)))?;
    tx.commit().await?;
    let changes = diff_paths(&from.canonical, &to.canonical)
        .into_iter()
        .map(|c| PathChangeView {
            pointer: c.pointer,
            op: match c.op {
                ChangeOp::Added => "added",
                ChangeOp::Removed => "removed",
                ChangeOp::Changed => "changed",
            }
            .to_owned(),
            before: c.before,
            after: c.after,
        })
        .collect();
    let unified = unified_diff(
        &from.canonical,
        &to.canonical,
        &format!("{}#{}", from.name, from.revision),
        &format!("{}#{}", to.name, to.revision),
    );
    Ok(HttpResponse::Ok().json(ConfigDiff {
        from: from.id,
        to: to.id,
        changes,
        unified,
    }))
}

/// One revision, with the text as it was submitted.
#[utoipa::path(operation_id = "getConfigRevision", tag = "configs", params(("id" = Uuid, Path)), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = ConfigRevisionView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/configs/{id}")]
pub async fn show(
    auth: Authorized<perm::RegistryRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let row = tx
        .revision(*id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config revision {id}")))?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(ConfigRevisionView::from_row(row, true)))
}

/// The lineage a revision belongs to, newest first.
#[utoipa::path(operation_id = "listConfigRevisions", tag = "configs", params(("id" = Uuid, Path)), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = RevisionList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/configs/{id}/history")]
pub async fn history(
    auth: Authorized<perm::RegistryRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let row = tx
        .revision(*id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config revision {id}")))?;
    let rows = tx.history(row.config_id).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(RevisionList {
        items: rows
            .into_iter()
            .map(|r| ConfigRevisionView::from_row(r, false))
            .collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `diff` before `{id}`, so "diff" is never read as an id.
    cfg.service(create)
        .service(list)
        .service(diff)
        .service(show)
        .service(history);
}
