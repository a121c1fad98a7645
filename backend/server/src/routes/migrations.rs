//! Migrations on the edges between a family's schema versions: a declarative lens (YAML) or a
//! WASM module, each running both ways. Adding one loads it in the sandbox and dry-runs it on
//! every config currently bound with its from-version.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem, ViolationView};
use crate::ops::{migrations, Ops, Written};
use crate::routes::families::parse_family;
use actix_web::{get, post, web, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use versiqii_store::MigrationRow;

/// Lens files are small; anything bigger is a mistake.
const MAX_LENS_BYTES: usize = 64 << 10;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMigrationRequest {
    /// The schema version configs migrate from (running `up`).
    pub from: String,
    /// The schema version configs migrate to.
    pub to: String,
    /// A lens file (YAML or JSON text; see docs/lenses.md). Exactly one of `lens` and `wasm`.
    pub lens: Option<String>,
    /// A WASM module (binary, or WAT text), base64-encoded (see docs/wasm-abi.md).
    pub wasm: Option<String>,
    /// Load and dry-run only; store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// How a bound config fares under the new migration.
#[derive(Serialize, ToSchema)]
pub struct DryRunResult {
    pub env: String,
    pub target: String,
    /// `name#revision`.
    pub config: String,
    pub ok: bool,
    /// Why the migration itself failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where the migrated config fails the to-version's schema.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<ViolationView>,
}

#[derive(Serialize, ToSchema)]
pub struct MigrationView {
    pub id: Option<Uuid>,
    pub family: String,
    pub from: String,
    pub to: String,
    /// `lens` or `wasm`.
    pub kind: String,
    /// SHA-256 of the lens text or module bytes.
    pub hash: String,
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// False for a dry run.
    pub stored: bool,
    /// The configs bound with the from-version, migrated and validated (only when adding).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dry_run: Vec<DryRunResult>,
    /// How many of them would fail.
    pub failing: usize,
    /// Configs bound with the from-version that were not dry-run (beyond the first 100).
    pub not_dry_run: usize,
}

impl From<MigrationRow> for MigrationView {
    fn from(m: MigrationRow) -> Self {
        Self {
            id: Some(m.id),
            family: m.family,
            from: m.from_version,
            to: m.to_version,
            kind: m.kind,
            hash: m.hash,
            created_by: Some(m.created_by),
            created_at: Some(m.created_at),
            stored: true,
            dry_run: Vec::new(),
            failing: 0,
            not_dry_run: 0,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MigrationList {
    pub items: Vec<MigrationView>,
}

fn program_source(body: &NewMigrationRequest) -> Result<(&'static str, Vec<u8>), ApiError> {
    match (&body.lens, &body.wasm) {
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
    params(("family" = String, Path)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = MigrationView, description = "Stored, with the dry run on bound configs"),
    (status = 200, body = MigrationView, description = "A dry run"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown family or schema version"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`migration_exists`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`migration_invalid` or `invalid_input`")))]
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
    Ok(match migrations::add(auth.write(&ops).await?, req).await? {
        Written::Created(view) => HttpResponse::Created().json(view),
        Written::Existing(view) => HttpResponse::Ok().json(view),
    })
}

/// A family's migrations, oldest first.
#[utoipa::path(operation_id = "listMigrations", tag = "migrations", params(("family" = String, Path)),
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
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(add).service(list);
}
