//! Target families and their immutable, content-hashed schema versions, with the compatibility
//! check that decides whether a new version may join its family.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::ops::schemas::schema_version_view;
use crate::ops::{schemas, Ops, Written};
use actix_web::{get, post, web, HttpResponse};
use versiqii_api::v1::{
    FamilyList, FamilySummaryView, FamilyVersion, FamilyView, NewSchemaRequest, SchemaVersionView,
};
use versiqii_core::compat::CompatLevel;
use versiqii_core::contract::{Format, ProtoSource};
use versiqii_core::document::{check_depth, MAX_DEPTH};
use versiqii_core::names::{FamilyName, SchemaVersionLabel};
use versiqii_core::protobuf::BufCategory;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(add_schema, list, show, show_schema),
    tags((name = "schemas", description = "Target families and their schema versions, with compatibility checks"))
)]
pub struct Doc;

pub fn parse_family(text: &str) -> Result<FamilyName, ApiError> {
    FamilyName::parse(text).map_err(|e| ApiError::InvalidName(e.to_string()))
}

/// Adds a schema version to a family (created with its first schema, in its format: JSON Schema,
/// Avro or Protobuf). References to other versions are resolved and pinned. The new version
/// must keep the family's compatibility level with the earlier versions, by its format's rules;
/// otherwise 409 with every break.
#[utoipa::path(operation_id = "addSchemaVersion", tag = "schemas", request_body = NewSchemaRequest,
    params(("family" = String, Path, description = "The family, e.g. OpenAPI-Payments", pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = SchemaVersionView, description = "Added"),
    (status = 200, body = SchemaVersionView, description = "Already there with the same content, or a dry run"),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "`schema_invalid` (not a schema in its format, or parts that do not fit it) or `invalid_name`"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`schema_incompatible` (with `report`), `schema_version_exists` or `family_format_mismatch`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`reference_not_found`, `reference_cycle`, `document_too_deep`: nested more than 64 levels, or `compute_time_exceeded`: the check took longer than one task may")))]
#[post("/v1/families/{family}/schemas")]
pub async fn add_schema(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    family: web::Path<String>,
    body: web::Json<NewSchemaRequest>,
) -> Result<HttpResponse, ApiError> {
    let family = parse_family(&family)?;
    let body = body.into_inner();
    let version = SchemaVersionLabel::parse(&body.version)
        .map_err(|e| ApiError::InvalidName(e.to_string()))?;
    let requested_level = body
        .compat
        .as_deref()
        .map(|l| {
            l.parse::<CompatLevel>()
                .map_err(|e| ApiError::invalid("/compat", e))
        })
        .transpose()?;
    let format = body
        .format
        .as_deref()
        .map(|f| {
            f.parse::<Format>()
                .map_err(|e| ApiError::invalid("/format", e))
        })
        .transpose()?;
    let buf_category = body
        .buf_category
        .as_deref()
        .map(|c| {
            c.parse::<BufCategory>()
                .map_err(|e| ApiError::invalid("/buf_category", e))
        })
        .transpose()?;
    // Before compiling, which recurses through it: arrived as JSON, its size is the body's.
    check_depth(&body.schema, MAX_DEPTH).map_err(|over| ApiError::Unprocessable {
        code: ErrorCode::DocumentTooDeep,
        detail: format!("the schema {over}"),
    })?;
    let req = schemas::AddSchema {
        family,
        version,
        format,
        schema: body.schema,
        files: body
            .files
            .into_iter()
            .map(|f| ProtoSource {
                path: f.path,
                source: f.source,
            })
            .collect(),
        message: body.message,
        references: body.references,
        compat: requested_level,
        buf_category,
        dry_run: body.dry_run,
    };
    Ok(
        match schemas::add_schema(auth.write(&ops).await?, req).await? {
            Written::Created(view) => HttpResponse::Created().json(view),
            Written::Existing(view) => HttpResponse::Ok().json(view),
        },
    )
}

/// Every family with its compatibility level and latest version.
#[utoipa::path(operation_id = "listFamilies", tag = "schemas", security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = FamilyList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/families")]
pub async fn list(auth: Authorized<perm::RegistryRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.list_families().await?;
    tx.commit().await?;
    let items = rows
        .into_iter()
        .map(|r| FamilySummaryView {
            name: r.name,
            compat_level: r.compat_level,
            format: r.format,
            latest_version: r.latest_version,
            version_count: r.versions,
            created_at: r.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(FamilyList { items }))
}

/// One family and its versions, oldest first.
#[utoipa::path(operation_id = "getFamily", tag = "schemas", params(("family" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = FamilyView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/families/{family}")]
pub async fn show(
    auth: Authorized<perm::RegistryRead>,
    family: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let family = parse_family(&family)?;
    let tx = auth.begin().await?;
    let fam = tx
        .family(family.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("family {family}")))?;
    let versions = tx.schema_versions(fam.id).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(FamilyView {
        buf_category: (fam.format == "protobuf").then_some(fam.buf_category),
        format: fam.format,
        name: fam.name,
        compat_level: fam.compat_level,
        latest_version: versions.last().map(|v| v.version.clone()),
        versions: versions
            .into_iter()
            .map(|v| FamilyVersion {
                version: v.version,
                hash: v.hash,
                created_at: v.created_at,
            })
            .collect(),
        created_at: fam.created_at,
    }))
}

/// One schema version with its document and compatibility report.
#[utoipa::path(operation_id = "getSchemaVersion", tag = "schemas", params(("family" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100), ("version" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 64)),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = SchemaVersionView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/families/{family}/schemas/{version}")]
pub async fn show_schema(
    auth: Authorized<perm::RegistryRead>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (family, version) = path.into_inner();
    let tx = auth.begin().await?;
    let row = tx
        .schema_version(&family, &version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("schema {family}@{version}")))?;
    let references = tx.schema_refs(row.id).await?;
    tx.commit().await?;
    let references = references.into_iter().map(|r| r.label).collect();
    Ok(HttpResponse::Ok().json(schema_version_view(row, references)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(add_schema)
        .service(list)
        .service(show)
        .service(show_schema);
}
