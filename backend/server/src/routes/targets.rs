//! Targets (anything that ships with a version) and their versions, each reading one schema
//! version of the target's family.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{targets, Ops};
use crate::routes::families::parse_family;
use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;
use versiqii_api::reference::TargetVersionRef;
use versiqii_api::v1::{
    NewTargetVersionRequest, TargetList, TargetSchema, TargetSummaryView, TargetVersionView,
};
use versiqii_core::names::TargetName;
use versiqii_core::version::{Scheme, Version};
use versiqii_store::TargetVersionRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list, show, show_by_id, target_schema),
    tags((name = "targets", description = "Targets and target versions"))
)]
pub struct Doc;

fn target_version_view(r: TargetVersionRow) -> TargetVersionView {
    TargetVersionView {
        id: r.id.into(),
        target: r.target,
        version: r.version,
        scheme: r.scheme,
        family: r.family,
        schema_version: r.schema_version,
        schema_hash: r.schema_hash,
        created_at: r.created_at,
    }
}

pub fn parse_target(text: &str) -> Result<TargetName, ApiError> {
    TargetName::parse(text).map_err(|e| ApiError::InvalidName(e.to_string()))
}

/// A target version's id or `NAME@VERSION` (the last `@` separates them), parsed at the edge.
pub fn parse_target_version_ref(text: &str) -> Result<TargetVersionRef, ApiError> {
    text.parse().map_err(|e| {
        ApiError::InvalidName(format!(
            "`{text}` is neither a target version id nor NAME@VERSION: {e}"
        ))
    })
}

/// Declares a target version. Prints (in the CLI) only its id, for scripts to capture.
#[utoipa::path(operation_id = "createTargetVersion", tag = "targets", request_body = NewTargetVersionRequest,
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = TargetVersionView),
    (status = 402, body = Problem, content_type = "application/problem+json", description = "The plan's quota is reached (`quota_exceeded`)"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown family or schema version"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`target_version_exists` or `target_family_mismatch`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "The version does not parse in its scheme")))]
#[post("/v1/targets")]
pub async fn create(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewTargetVersionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = parse_target(&body.name)?;
    let family = parse_family(&body.family)?;
    let scheme = body
        .scheme
        .as_deref()
        .map(|s| {
            s.parse::<Scheme>()
                .map_err(|e| ApiError::invalid("/scheme", e))
        })
        .transpose()?;
    let version =
        Version::parse(&body.version, scheme).map_err(|e| ApiError::invalid("/version", e))?;
    let req = targets::DeclareVersion {
        name,
        family,
        version,
        schema_version: body.schema_version,
    };
    let row = targets::create(auth.write(&ops).await?, req).await?;
    Ok(HttpResponse::Created().json(target_version_view(row)))
}

/// Every target with its family and versions.
#[utoipa::path(operation_id = "listTargets", tag = "targets", security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = TargetList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/targets")]
pub async fn list(auth: Authorized<perm::RegistryRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.list_targets().await?;
    tx.commit().await?;
    let items = rows
        .into_iter()
        .map(|r| TargetSummaryView {
            name: r.name,
            family: r.family,
            versions: r
                .versions
                .map(|v| v.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            created_at: r.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(TargetList { items }))
}

/// One target version.
#[utoipa::path(operation_id = "getTargetVersion", tag = "targets", params(("name" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100), ("version" = String, Path)),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = TargetVersionView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/targets/{name}/versions/{version}")]
pub async fn show(
    auth: Authorized<perm::RegistryRead>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, version) = path.into_inner();
    let tx = auth.begin().await?;
    let row = tx
        .target_version_by_name(&name, &version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target version {name}@{version}")))?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(target_version_view(row)))
}

/// One target version, by id.
#[utoipa::path(operation_id = "getTargetVersionById", tag = "targets", params(("id" = Uuid, Path)),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = TargetVersionView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/target-versions/{id}")]
pub async fn show_by_id(
    auth: Authorized<perm::RegistryRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let row = tx
        .target_version(*id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target version {id}")))?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(target_version_view(row)))
}

/// The schema a target version reads: what `versiqii validate --target` fetches and caches by
/// hash.
#[utoipa::path(operation_id = "getTargetSchema", tag = "targets", params(("name" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100), ("version" = String, Path)),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = TargetSchema),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/targets/{name}/versions/{version}/schema")]
pub async fn target_schema(
    auth: Authorized<perm::RegistryRead>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, version) = path.into_inner();
    let tx = auth.begin().await?;
    let tv = tx
        .target_version_by_name(&name, &version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target version {name}@{version}")))?;
    let schema = tx
        .schema_version_by_id(tv.schema_version_id)
        .await?
        .ok_or_else(|| ApiError::not_found("schema version"))?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(TargetSchema {
        family: schema.family,
        version: schema.version,
        hash: schema.hash,
        schema: schema.document,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(show)
        .service(show_by_id)
        .service(target_schema);
}
