//! Validation as a service: configs checked against a target version's schema (or a schema
//! version) exactly as `bindings create` would check them, with nothing stored.

use crate::auth::{perm, Authorized};
use crate::error::{violation_view, ApiError, Problem};
use crate::ops::Ops;
use crate::routes::configs::{document_error, too_large};
use actix_web::{post, web, HttpResponse};
use versiqii_api::v1::{ValidateRequest, ValidateResponse, ValidateResult};
use versiqii_core::document::{parse_document, Format, MAX_CONFIG_BYTES};

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(validate),
    tags((name = "validate", description = "Configs checked against a version's schema, nothing stored"))
)]
pub struct Doc;

/// At most this many configs in one request.
const MAX_DOCUMENTS: usize = 100;

/// A config's text parsed as `bindings create` parses it: an object, within the caps.
fn parse(content: &str, format: Option<&str>, at: &str) -> Result<serde_json::Value, ApiError> {
    if content.len() > MAX_CONFIG_BYTES {
        return Err(too_large());
    }
    let format = match format {
        None => None,
        Some(f) => Some(
            Format::from_path_ext(f)
                .ok_or_else(|| ApiError::invalid(&format!("{at}/format"), "json or yaml"))?,
        ),
    };
    let (data, _) = parse_document(content.as_bytes(), format).map_err(document_error)?;
    if !data.is_object() {
        return Err(ApiError::InvalidDocument(format!(
            "{at}: a config is a JSON or YAML object (a mapping at the top level)"
        )));
    }
    Ok(data)
}

/// Validates one or more configs against a target version's schema (`target`) or a schema
/// version (`schema`) and answers every violation (path, keyword, message), storing nothing:
/// the same verdict `bindings create` would give. Counted as a validation in usage.
#[utoipa::path(operation_id = "validateConfigs", tag = "validate", request_body = ValidateRequest,
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = ValidateResponse, description = "The verdicts (`valid` false when any config has violations)"),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_document` or `invalid_name`"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown target version or schema version"),
    (status = 413, body = Problem, content_type = "application/problem+json", description = "`config_too_large`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_input`: name one schema and one or more configs; `document_too_deep`; `compute_time_exceeded`")))]
#[post("/v1/validate")]
pub async fn validate(
    auth: Authorized<perm::RegistryRead>,
    ops: web::Data<Ops>,
    body: web::Json<ValidateRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let docs: Vec<(Option<String>, serde_json::Value)> = match (&body.content, &body.documents) {
        (Some(content), None) => vec![(None, parse(content, body.format.as_deref(), "")?)],
        (None, Some(documents)) if (1..=MAX_DOCUMENTS).contains(&documents.len()) => {
            let mut parsed = Vec::with_capacity(documents.len());
            for (i, d) in documents.iter().enumerate() {
                let at = format!("/documents/{i}");
                parsed.push((
                    Some(d.name.clone()),
                    parse(&d.content, d.format.as_deref(), &at)?,
                ));
            }
            parsed
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "/documents",
                format!("1 to {MAX_DOCUMENTS} configs"),
            ))
        }
        _ => {
            return Err(ApiError::invalid(
                "/content",
                "send one config as `content`, or several as `documents`",
            ))
        }
    };
    let schema = resolve(&auth, &ops, &body).await?;
    let mut results = Vec::with_capacity(docs.len());
    for (name, doc) in docs {
        let violations = ops.violations(auth.principal.tenant, &schema, &doc).await?;
        results.push(ValidateResult {
            name,
            valid: violations.is_empty(),
            violations: violations.into_iter().map(violation_view).collect(),
        });
    }
    Ok(HttpResponse::Ok().json(ValidateResponse {
        valid: results.iter().all(|r| r.valid),
        schema: format!("{}@{}", schema.family, schema.version),
        schema_hash: schema.hash.clone(),
        results,
    }))
}

/// The schema version the request names: from the process's cache after the first call (a
/// target version reads one schema version forever, and schema versions never change), else
/// from Postgres.
async fn resolve(
    auth: &Authorized<perm::RegistryRead>,
    ops: &Ops,
    body: &ValidateRequest,
) -> Result<std::sync::Arc<versiqii_store::SchemaVersionRow>, ApiError> {
    let reference = match (&body.target, &body.schema) {
        (Some(target), None) => format!("target:{target}"),
        (None, Some(schema)) => format!("schema:{schema}"),
        _ => return Err(ApiError::invalid(
            "/target",
            "name the schema by `target` (NAME@VERSION) or `schema` (FAMILY@VERSION), one of them",
        )),
    };
    let tenant = auth.principal.tenant.0;
    if let Some(hit) = ops.schemas.resolved(tenant, &reference) {
        return Ok(hit);
    }
    let tx = auth.begin().await?;
    let found = match (&body.target, &body.schema) {
        (Some(target), _) => {
            let parsed = crate::routes::targets::parse_target_version_ref(target)?;
            let target = crate::ops::targets::resolve(&tx, &parsed).await?;
            tx.schema_version_by_id(target.schema_version_id).await?
        }
        (None, Some(schema)) => {
            let (family, version) = schema.rsplit_once('@').ok_or_else(|| {
                ApiError::InvalidName(format!("`{schema}` is not FAMILY@VERSION"))
            })?;
            tx.schema_version(family, version).await?
        }
        (None, None) => None,
    };
    tx.commit().await?;
    let schema = std::sync::Arc::new(found.ok_or_else(|| {
        ApiError::not_found(
            body.target
                .as_deref()
                .or(body.schema.as_deref())
                .unwrap_or("schema"),
        )
    })?);
    ops.schemas.remember(tenant, &reference, schema.clone());
    Ok(schema)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(validate);
}
