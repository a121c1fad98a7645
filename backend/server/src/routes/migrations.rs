//! Migrations on the edges between a family's schema versions: a declarative lens (YAML) or a
//! WASM module, each running both ways. Adding one loads it in the sandbox and dry-runs it on
//! every config currently bound with its from-version.

use crate::actors::{load_program, ChainStep, Directory, MigrationPool};
use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem, ViolationView};
use crate::migrating::run_chain;
use crate::routes::families::parse_family;
use crate::schema_cache::SchemaCache;
use actix_web::{get, post, web, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;
use versiqii_migrate::Direction;
use versiqii_store::{AuditRecord, MigrationRow, NewMigration};

/// Lens files are small; anything bigger is a mistake.
const MAX_LENS_BYTES: usize = 64 << 10;
/// Bound configs dry-run when a migration is added; more are counted, not run.
const MAX_DRY_RUN: usize = 100;

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
    directory: web::Data<Directory>,
    pool: web::Data<MigrationPool>,
    schemas: web::Data<SchemaCache>,
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
    let hash = hex::encode(Sha256::digest(&source));
    let runtime = pool.runtime.clone();
    let checked = Arc::new(source);
    let to_load = checked.clone();
    web::block(move || load_program(&runtime, kind, &to_load))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|message| ApiError::Unprocessable {
            code: "migration_invalid",
            detail: format!("the {kind} does not load: {message}"),
        })?;

    let actor = auth.principal.actor();
    let tx = auth.begin().await?;
    let fam = tx
        .family_for_update(family.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("family {family}")))?;
    let from = tx
        .schema_version(family.as_str(), &body.from)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("schema version {family}@{}", body.from)))?;
    let to = tx
        .schema_version(family.as_str(), &body.to)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("schema version {family}@{}", body.to)))?;

    let actors = directory.tenant(auth.principal.tenant).await?;
    let step = ChainStep {
        migration_id: Uuid::nil(),
        kind: kind.to_owned(),
        hash: hash.clone(),
        source: checked.clone(),
        direction: Direction::Up,
        from: format!("{family}@{}", from.version),
        to: format!("{family}@{}", to.version),
    };
    // An edge runs both ways: its reverse would never be used, so it is refused too.
    if tx
        .migrations_of_family(fam.id)
        .await?
        .iter()
        .any(|m| m.from_schema_version_id == to.id && m.to_schema_version_id == from.id)
    {
        return Err(ApiError::Conflict {
            code: "migration_exists",
            detail: format!(
                "{family} already has a migration from {} to {}; it also runs down",
                to.version, from.version
            ),
        });
    }
    let to_schema = schemas
        .get_or_compile(&to.hash, &to.document)
        .map_err(|e| anyhow::anyhow!("stored schema does not compile: {e}"))?;
    let mut results = Vec::new();
    let bound = tx.current_bindings_on_schema(from.id).await?;
    let not_dry_run = bound.len().saturating_sub(MAX_DRY_RUN);
    for binding in bound.into_iter().take(MAX_DRY_RUN) {
        let revision = tx
            .revision(binding.config_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("bound revision vanished"))?;
        let config = format!("{}#{}", binding.config_name, binding.revision);
        let mut result = DryRunResult {
            env: binding.env.clone(),
            target: binding.target.clone(),
            config,
            ok: true,
            error: None,
            violations: Vec::new(),
        };
        match run_chain(&actors, vec![step.clone()], revision.canonical).await {
            Err(e) => {
                result.ok = false;
                result.error = Some(e.to_string());
            }
            Ok(migrated) => {
                result.violations = to_schema
                    .validate(&migrated)
                    .into_iter()
                    .map(ViolationView::from)
                    .collect();
                result.ok = result.violations.is_empty();
            }
        }
        results.push(result);
    }
    let failing = results.iter().filter(|r| !r.ok).count();

    if body.dry_run {
        tx.commit().await?;
        return Ok(HttpResponse::Ok().json(MigrationView {
            id: None,
            family: family.to_string(),
            from: from.version,
            to: to.version,
            kind: kind.to_owned(),
            hash,
            created_by: None,
            created_at: None,
            stored: false,
            dry_run: results,
            failing,
            not_dry_run,
        }));
    }
    let row = tx
        .insert_migration(NewMigration {
            family_id: fam.id,
            from_schema_version_id: from.id,
            to_schema_version_id: to.id,
            kind,
            source: &checked,
            hash: &hash,
            created_by: &actor,
        })
        .await?
        .ok_or_else(|| ApiError::Conflict {
            code: "migration_exists",
            detail: format!(
                "{family} already has a migration from {} to {}",
                from.version, to.version
            ),
        })?;
    tx.record_audit(AuditRecord {
        actor: &actor,
        action: "migration.add",
        object: &format!("migration:{family}/{}->{}", from.version, to.version),
        before_hash: None,
        after_hash: Some(&hash),
    })
    .await?;
    tx.commit().await?;
    let mut view = MigrationView::from(row);
    view.dry_run = results;
    view.failing = failing;
    view.not_dry_run = not_dry_run;
    Ok(HttpResponse::Created().json(view))
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
