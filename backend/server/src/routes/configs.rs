//! Configs: named lineages of immutable, content-addressed revisions.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::ops::{configs, Ops, Written};
use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;
use versiqii_api::v1::{
    ConfigDiff, ConfigList, ConfigRevisionView, ConfigSummaryView, DiffQuery, NewConfigRequest,
    PathChangeView, RevisionList, StepView,
};
use versiqii_core::canonical::ChangeOp;
use versiqii_core::document::{parse_document, DocumentError, Format, MAX_CONFIG_BYTES};
use versiqii_store::RevisionRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list, diff, show, history),
    tags((name = "configs", description = "Immutable, content-addressed config revisions"))
)]
pub struct Doc;

/// A stored revision as the API shows it; the text as submitted only when `with_original`.
fn revision_view(row: RevisionRow, with_original: bool) -> ConfigRevisionView {
    // Written by this server from `StepView`s; one that no longer reads is shown as absent
    // rather than failing the request.
    let migrated_by = row.migrated_by.and_then(|stored| {
        serde_json::from_value::<Vec<StepView>>(stored)
            .inspect_err(|e| {
                tracing::warn!(
                    revision = %row.id,
                    error = %e,
                    "a stored migrated_by does not read as migration steps; shown as absent"
                )
            })
            .ok()
    });
    ConfigRevisionView {
        id: row.id.into(),
        name: row.name,
        revision: row.revision,
        hash: row.hash,
        target: format!("{}@{}", row.target, row.target_version),
        target_version_id: row.target_version_id.into(),
        format: row.format,
        data: row.canonical,
        original: with_original.then_some(row.original),
        parent_id: row.parent_id.map(Into::into),
        migrated_by,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

pub(crate) fn too_large() -> ApiError {
    ApiError::ConfigTooLarge(format!(
        "the config is larger than {MAX_CONFIG_BYTES} bytes"
    ))
}

pub(crate) fn document_error(err: DocumentError) -> ApiError {
    let about_config = |err: &DocumentError| {
        let text = err.to_string();
        format!("the config {}", text.trim_start_matches("document "))
    };
    match err {
        DocumentError::TooLarge { .. } => too_large(),
        // A small text can stand for far more data (YAML aliases): refused as the data it is.
        DocumentError::ExpandsTooLarge { .. } => ApiError::ConfigTooLarge(about_config(&err)),
        DocumentError::TooDeep { .. } => ApiError::Unprocessable {
            code: ErrorCode::DocumentTooDeep,
            detail: about_config(&err),
        },
        other => ApiError::InvalidDocument(format!("the config is not valid: {other}")),
    }
}

/// Stores a config revision for a target version. The same data as the lineage's latest
/// revision (in any key order or format) is not stored twice: that revision comes back with 200.
#[utoipa::path(operation_id = "createConfigRevision", tag = "configs", request_body = NewConfigRequest,
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = ConfigRevisionView, description = "A new revision"),
    (status = 200, body = ConfigRevisionView, description = "Identical to the latest revision"),
    (status = 402, body = Problem, content_type = "application/problem+json", description = "The plan's quota is reached (`quota_exceeded`)"),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_document` or `invalid_name`"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown target version"),
    (status = 413, body = Problem, content_type = "application/problem+json", description = "`config_too_large`: the text, or the data it expands to (YAML aliases), is over 256 KiB"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`document_too_deep`: nested more than 64 levels")))]
#[post("/v1/configs")]
pub async fn create(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewConfigRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.content.len() > MAX_CONFIG_BYTES {
        return Err(too_large());
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
        target: crate::routes::targets::parse_target_version_ref(&body.target)?,
        name: body.name,
        content: body.content,
        data,
        format,
    };
    Ok(match configs::create(auth.write(&ops).await?, req).await? {
        Written::Created(row) => HttpResponse::Created().json(revision_view(row, false)),
        Written::Existing(row) => HttpResponse::Ok().json(revision_view(row, false)),
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
            latest_id: r.latest_id.into(),
            updated_at: r.updated_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ConfigList { items }))
}

/// The difference between two revisions: changed paths and a unified text diff.
#[utoipa::path(operation_id = "diffConfigRevisions", tag = "configs", params(DiffQuery), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = ConfigDiff),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`compute_time_exceeded`: the check took longer than one task may")))]
#[get("/v1/configs/diff")]
pub async fn diff(
    auth: Authorized<perm::RegistryRead>,
    ops: web::Data<Ops>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let from = tx
        .revision(query.from.into_uuid())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config revision {}", query.from)))?;
    let to = tx
        .revision(query.to.into_uuid())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config revision {}", query.to)))?;
    tx.commit().await?;
    let labels = (
        format!("{}#{}", from.name, from.revision),
        format!("{}#{}", to.name, to.revision),
    );
    let (from_id, to_id) = (from.id, to.id);
    let diff = ops
        .diff(auth.principal.tenant, from.canonical, to.canonical, labels)
        .await?;
    let changes = diff
        .changes
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
    Ok(HttpResponse::Ok().json(ConfigDiff {
        from: from_id.into(),
        to: to_id.into(),
        changes,
        unified: diff.unified,
        truncated: diff.truncated,
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
    Ok(HttpResponse::Ok().json(revision_view(row, true)))
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
        items: rows.into_iter().map(|r| revision_view(r, false)).collect(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use versiqii_api::v1::Direction;

    fn row(migrated_by: Option<serde_json::Value>) -> RevisionRow {
        RevisionRow {
            id: Uuid::new_v4(),
            config_id: Uuid::new_v4(),
            name: "payments".into(),
            revision: 2,
            hash: "ab".into(),
            target_version_id: Uuid::new_v4(),
            target: "api".into(),
            target_version: "1.0.0".into(),
            format: "json".into(),
            original: "{}".into(),
            canonical: json!({}),
            parent_id: Some(Uuid::new_v4()),
            migrated_by,
            created_by: "user:x".into(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn stored_steps_are_read_and_unreadable_ones_shown_as_absent() {
        let id = Uuid::new_v4();
        let steps = json!([{"migration_id": id, "kind": "lens", "direction": "down",
            "from": "F@2", "to": "F@1"}]);
        let view = revision_view(row(Some(steps.clone())), false);
        let read = view.migrated_by.expect("steps");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].migration_id.into_uuid(), id);
        assert_eq!(read[0].direction, Direction::Down);
        assert_eq!(serde_json::to_value(&read).unwrap(), steps);

        assert!(revision_view(row(None), false).migrated_by.is_none());
        let unreadable = revision_view(row(Some(json!({"not": "steps"}))), true);
        assert!(unreadable.migrated_by.is_none());
        assert_eq!(unreadable.original.as_deref(), Some("{}"));
        let wire = serde_json::to_value(&unreadable).unwrap();
        assert!(wire.get("migrated_by").is_none(), "{wire}");
    }
}
