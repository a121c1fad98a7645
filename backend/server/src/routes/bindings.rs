//! Bindings: a config revision bound to an environment for the target version it was written
//! for, only ever after it validated against that version's schema.

use crate::actors::Directory;
use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::migrating::{
    chain_between, describe, enqueue_binding_created, failure_to_api, run_chain, store_migrated,
    validate_for, MigratedConfig,
};
use crate::routes::drift::{drift_before, record_drift_change, refresh_drift};
use crate::routes::envs::parse_env;
use crate::schema_cache::SchemaCache;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use versiqii_store::{AuditRecord, BindingRow, NewBinding};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBindingRequest {
    /// The config revision's id.
    pub config_id: Uuid,
    /// The environment; created on first use.
    pub env: String,
    /// Bind for this version of the config's target (default: the version the revision was
    /// written for). When it reads another schema version, the config is migrated along the
    /// family's migrations, validated, stored as a new revision linked to its source, and bound.
    pub version: Option<String>,
    /// Refuse (409 `migration_required`) instead of migrating.
    #[serde(default)]
    pub no_migrate: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BindingView {
    pub id: Uuid,
    pub env: String,
    pub config_id: Uuid,
    pub config_name: String,
    pub revision: i32,
    /// `name@version`.
    pub target: String,
    pub target_version_id: Uuid,
    /// The schema version the config was validated against.
    pub schema_version: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Present when the bound revision was migrated from the one asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrated: Option<MigratedConfig>,
}

impl From<BindingRow> for BindingView {
    fn from(r: BindingRow) -> Self {
        Self {
            id: r.id,
            env: r.env,
            config_id: r.config_id,
            config_name: r.config_name,
            revision: r.revision,
            target: format!("{}@{}", r.target, r.target_version),
            target_version_id: r.target_version_id,
            schema_version: r.schema_version,
            created_by: r.created_by,
            created_at: r.created_at,
            migrated: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BindingList {
    pub items: Vec<BindingView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BindingQuery {
    /// Only this environment.
    pub env: Option<String>,
}

/// Validates a config revision against the schema its target version reads and binds it to the
/// environment. A config that fails gets 422 with every violation, and nothing is stored.
/// Bound for a version whose schema differs from the one it was written for, the config is
/// migrated first (the response's `migrated` shows the steps and the diff).
#[utoipa::path(operation_id = "createBinding", tag = "bindings", request_body = NewBindingRequest,
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = BindingView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown config revision or target version"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`migration_required` (with `no_migrate`) or `no_migration_path`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`config_invalid`, with `violations`, or `migration_failed`")))]
#[post("/v1/bindings")]
pub async fn create(
    auth: Authorized<perm::RegistryWrite>,
    directory: web::Data<Directory>,
    schemas: web::Data<SchemaCache>,
    body: web::Json<NewBindingRequest>,
) -> Result<HttpResponse, ApiError> {
    let env = parse_env(&body.env)?;
    let actor = auth.principal.actor();
    let tx = auth.begin().await?;
    let revision = tx
        .revision(body.config_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config revision {}", body.config_id)))?;
    let written_for = tx
        .target_version(revision.target_version_id)
        .await?
        .ok_or_else(|| ApiError::not_found("target version"))?;
    let target = match body.version.as_deref() {
        None => written_for.clone(),
        Some(version) => tx
            .target_version_by_name(&written_for.target, version)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(format!("target version {}@{version}", written_for.target))
            })?,
    };
    let schema = tx
        .schema_version_by_id(target.schema_version_id)
        .await?
        .ok_or_else(|| ApiError::not_found("schema version"))?;
    let actors = directory.tenant(auth.principal.tenant).await?;
    // Serialised with deployments and rollbacks of this target here, which may write a
    // migrated binding of their own: the later writer sees the earlier one's.
    let environment = tx.ensure_env(env.as_str()).await?;
    tx.lock_deployment_slot(environment.id, target.target_id)
        .await?;
    let (revision, migrated) = if written_for.schema_version_id == target.schema_version_id {
        validate_for(&schemas, &schema, &target, &revision.canonical, "")?;
        (revision, None)
    } else {
        let from_schema = format!("{}@{}", written_for.family, written_for.schema_version);
        let to_schema = format!("{}@{}", schema.family, schema.version);
        if body.no_migrate {
            return Err(ApiError::Conflict {
                code: "migration_required",
                detail: format!(
                    "{}#{} was written for {from_schema}; {}@{} reads {to_schema}; bind without no_migrate to migrate it",
                    revision.name, revision.revision, target.target, target.version
                ),
            });
        }
        let steps = chain_between(
            &tx,
            target.family_id,
            written_for.schema_version_id,
            target.schema_version_id,
        )
        .await?
        .ok_or_else(|| ApiError::Conflict {
            code: "no_migration_path",
            detail: format!(
                "no chain of migrations leads from {from_schema} to {to_schema}; add one with `versiqii migrations add`"
            ),
        })?;
        let doc = run_chain(&actors, steps.clone(), revision.canonical.clone())
            .await
            .map_err(failure_to_api)?;
        validate_for(&schemas, &schema, &target, &doc, " after migration")?;
        let mut described = describe(&revision, &from_schema, &to_schema, &steps, &doc);
        let stored = store_migrated(&tx, &revision, &target, &doc, &steps, &actor).await?;
        described.revision = Some(stored.revision);
        described.revision_id = Some(stored.id);
        (stored, Some(described))
    };
    let drift_was = drift_before(&tx, &actors, &schemas, env.as_str()).await?;
    let row = tx
        .insert_binding(NewBinding {
            environment_id: environment.id,
            target_id: target.target_id,
            target_version_id: target.id,
            config_revision_id: revision.id,
            schema_version_id: schema.id,
            created_by: &actor,
        })
        .await?;
    tx.record_audit(AuditRecord {
        actor: &actor,
        action: "binding.create",
        object: &format!("binding:{env}/{}", target.target),
        before_hash: None,
        after_hash: Some(&revision.hash),
    })
    .await?;
    record_drift_change(&tx, &actors, &schemas, env.as_str(), drift_was).await?;
    enqueue_binding_created(&tx, &row).await?;
    tx.commit().await?;
    refresh_drift(&actors, env.as_str()).await;
    let mut view = BindingView::from(row);
    view.migrated = migrated;
    Ok(HttpResponse::Created().json(view))
}

/// The current binding of each target in each environment (or in one).
#[utoipa::path(operation_id = "listBindings", tag = "bindings", params(BindingQuery), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = BindingList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/bindings")]
pub async fn list(
    auth: Authorized<perm::RegistryRead>,
    query: web::Query<BindingQuery>,
) -> Result<HttpResponse, ApiError> {
    let env = query.env.as_deref().map(parse_env).transpose()?;
    let tx = auth.begin().await?;
    let rows = tx
        .current_bindings(env.as_ref().map(|e| e.as_str()))
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(BindingList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list);
}
