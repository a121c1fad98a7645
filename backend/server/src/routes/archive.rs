//! A tenant's registry as one archive: exported whole, imported whole into an empty
//! organisation (the format: docs/archive.md).

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{archive, Ops};
use actix_web::{get, post, web, HttpResponse};
use futures_util::StreamExt;
use versiqii_api::v1::{ImportQuery, ImportSummary};
use versiqii_core::archive::FORMAT;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(export, import),
    tags((name = "archive", description = "The organisation's registry exported and imported as one archive"))
)]
pub struct Doc;

/// The header naming the archive's manifest hash (the `tenant.export` audit event's).
pub const MANIFEST_HEADER: &str = "Versiqii-Manifest-Sha256";

/// The organisation's whole registry as a `versiqii-archive/1` (a zstd-compressed tar):
/// families and schema versions, targets and their versions, configs with every revision,
/// environments, binding and deployment histories, migrations, constraints, and the audit
/// chain as evidence. The same data always gives the same bytes. Recorded as `tenant.export`
/// in the audit log after the archive is built.
#[utoipa::path(operation_id = "exportTenant", tag = "archive",
    security(("bearer" = ["archive:read"])), responses(
    (status = 200, content_type = "application/zstd", description = "The archive; `Versiqii-Manifest-Sha256` names its manifest's hash"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Admins and owners only")))]
#[get("/v1/export")]
pub async fn export(
    auth: Authorized<perm::ArchiveRead>,
    ops: web::Data<Ops>,
) -> Result<HttpResponse, ApiError> {
    let actor = crate::ops::Actor::new(auth.principal.actor());
    let exported = archive::export(&ops, auth.principal.tenant, actor).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zstd")
        .insert_header((MANIFEST_HEADER, exported.packed.manifest_sha256))
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"tenant.tar.zst\"",
        ))
        .body(exported.packed.bytes))
}

/// The archive's bytes, as the document shows a request body of them.
struct ArchiveBytes;

impl utoipa::PartialSchema for ArchiveBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for ArchiveBytes {}

/// Reads the body up to `limit` bytes; more is 413.
async fn body_within(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            code: crate::error::ErrorCode::InvalidInput,
            detail: format!("the request body could not be read: {e}"),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Imports an archive (the body, as `GET /v1/export` gave it) into this organisation, which
/// must hold no registry data. Everything is checked before anything is written: every file
/// against the manifest's hashes, every config revision's and schema's content hash
/// recomputed, every reference resolved, revision numbers contiguous, the audit evidence's
/// chain; then every row is written in one transaction, keeping revision numbers, content
/// hashes and times. The carried audit chain is kept as evidence beside this organisation's
/// own, where the import is recorded as `tenant.import`. `dry_run` checks and writes nothing.
#[utoipa::path(operation_id = "importTenant", tag = "archive", params(ImportQuery),
    request_body(content = inline(ArchiveBytes), content_type = "application/zstd", description = "The archive"),
    security(("bearer" = ["archive:write"])), responses(
    (status = 201, body = ImportSummary, description = "Imported"),
    (status = 200, body = ImportSummary, description = "Dry run: the archive would import"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 402, body = Problem, content_type = "application/problem+json", description = "`quota_exceeded`: more configs or targets than the plan allows"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "Admins and owners only"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`tenant_not_empty`"),
    (status = 413, body = Problem, content_type = "application/problem+json", description = "Over `http.max_archive_bytes`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`archive_invalid`: the detail names the file and check that failed")))]
#[post("/v1/import")]
pub async fn import(
    auth: Authorized<perm::ArchiveWrite>,
    ops: web::Data<Ops>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = body_within(payload, ops.max_archive_bytes).await?;
    let limit = ops.max_archive_bytes;
    // Decompressing and hashing take a while: off the request workers.
    let checked = web::block(move || archive::check(limit, &body))
        .await
        .map_err(|e| anyhow::anyhow!("checking the archive: {e}"))??;
    let dry_run = query.dry_run;
    archive::import(auth.write(&ops).await?, &checked, dry_run).await?;
    let summary = ImportSummary {
        format: FORMAT.to_owned(),
        manifest_sha256: checked.manifest_sha256,
        counts: checked.counts,
        dry_run,
    };
    Ok(if dry_run {
        HttpResponse::Ok().json(summary)
    } else {
        HttpResponse::Created().json(summary)
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(export).service(import);
}
