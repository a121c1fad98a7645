//! Migrations on the edges between a family's schema versions: a declarative lens (YAML) or a
//! WASM module, each running both ways. Adding one loads it in the sandbox and dry-runs it on
//! every config currently bound with its from-version.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::migrations::migration_view;
use crate::ops::{migrations, Ops, Written};
use crate::routes::families::parse_family;
use actix_web::{get, post, web, HttpResponse};
use base64::Engine;
use versiqii_api::v1::{
    MigrationList, MigrationPreview, MigrationPreviewRequest, MigrationView, NewMigrationRequest,
};
// Lens files are small; anything bigger is a mistake.
use versiqii_migrate::lens::MAX_LENS_BYTES;

/// This module's part of the OpenAPI document (with rollback's tag).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(add, preview, list),
    tags((name = "migrations", description = "Lenses and WASM modules that move configs between schema versions, and rollback"))
)]
pub struct Doc;

fn program_source(body: &NewMigrationRequest) -> Result<(&'static str, Vec<u8>), ApiError> {
    program_of(&body.lens, &body.wasm)
}

fn program_of(
    lens: &Option<String>,
    wasm: &Option<String>,
) -> Result<(&'static str, Vec<u8>), ApiError> {
    match (lens, wasm) {
        (Some(lens), None) => {
            if lens.len() > MAX_LENS_BYTES {
                return Err(ApiError::invalid(
                    "/lens",
                    format!("the lens is larger than {MAX_LENS_BYTES} bytes"),
                ));
            }
            Ok(("lens", lens.as_bytes().to_vec()))
        }
        (None, Some(wasm)) => base64::engine::general_purpose::STANDARD
            .decode(wasm.trim())
            .map(|bytes| ("wasm", bytes))
            .map_err(|e| ApiError::invalid("/wasm", format!("not base64: {e}"))),
        _ => Err(ApiError::invalid(
            "/",
            "give exactly one of `lens` (a lens file) and `wasm` (a base64 module)",
        )),
    }
}

/// Adds the migration of one edge. It must load (a lens that parses; a module without imports
/// and with the ABI's exports), and it is dry-run on every config bound with the from-version:
/// the response says which would fail, and why.
#[utoipa::path(operation_id = "createMigration", tag = "migrations", request_body = NewMigrationRequest,
    params(("family" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = MigrationView, description = "Stored, with the dry run on bound configs"),
    (status = 200, body = MigrationView, description = "A dry run"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown family or schema version"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`migration_exists`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`migration_invalid` or `invalid_input`, or `compute_time_exceeded`: the check took longer than one task may")))]
#[post("/v1/families/{family}/migrations")]
pub async fn add(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    family: web::Path<String>,
    body: web::Json<NewMigrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let family = parse_family(&family)?;
    let body = body.into_inner();
    if body.from == body.to {
        return Err(ApiError::invalid(
            "/to",
            "a migration joins two different schema versions",
        ));
    }
    let (kind, source) = program_source(&body)?;
    let req = migrations::AddMigration {
        family,
        from: body.from,
        to: body.to,
        kind,
        source,
        dry_run: body.dry_run,
    };
    Ok(match migrations::add(&ops, auth.ticket(), req).await? {
        Written::Created(view) => HttpResponse::Created().json(view),
        Written::Existing(view) => HttpResponse::Ok().json(view),
    })
}

/// Runs a lens or module, not stored, on a sample config and validates the output against the
/// to-version's schema: what the console's editor previews as you type. The sample's size and
/// depth are capped like any config's; the program runs in the same sandbox as every migration.
#[utoipa::path(operation_id = "previewMigration", tag = "migrations", request_body = MigrationPreviewRequest,
    params(("family" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 200, body = MigrationPreview, description = "The output (or why the program failed) and its violations"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown family or schema version"),
    (status = 413, body = Problem, content_type = "application/problem+json", description = "`config_too_large`: the sample"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`migration_invalid` (the program does not load), `invalid_input`, `document_too_deep`, or `compute_time_exceeded`")))]
#[post("/v1/families/{family}/migrations/preview")]
pub async fn preview(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    family: web::Path<String>,
    body: web::Json<MigrationPreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let family = parse_family(&family)?;
    let body = body.into_inner();
    let (kind, source) = program_of(&body.lens, &body.wasm)?;
    check_sample(&body.sample)?;
    let req = migrations::PreviewMigration {
        family,
        from: body.from,
        to: body.to,
        kind,
        source,
        sample: body.sample,
    };
    let view: MigrationPreview = migrations::preview(&ops, auth.ticket(), req).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A sample is held to a config's caps: size as compact JSON, and depth.
fn check_sample(sample: &serde_json::Value) -> Result<(), ApiError> {
    use versiqii_core::document::{check_value, Caps, OverCap};
    check_value(sample, &Caps::CONFIG).map_err(|over| match over {
        OverCap::Size { .. } => ApiError::ConfigTooLarge(format!("the sample {over}")),
        OverCap::Depth { .. } => ApiError::Unprocessable {
            code: crate::error::ErrorCode::DocumentTooDeep,
            detail: format!("the sample {over}"),
        },
    })
}

/// A family's migrations, oldest first.
#[utoipa::path(operation_id = "listMigrations", tag = "migrations", params(("family" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = MigrationList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/families/{family}/migrations")]
pub async fn list(
    auth: Authorized<perm::RegistryRead>,
    family: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let family = parse_family(&family)?;
    let tx = auth.begin().await?;
    let fam = tx
        .family(family.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("family {family}")))?;
    let rows = tx.migrations_of_family(fam.id).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(MigrationList {
        items: rows.into_iter().map(migration_view).collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `preview` is its own path beside the collection.
    cfg.service(preview).service(add).service(list);
}
