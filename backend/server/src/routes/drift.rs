//! Observations (what actually runs), the drift matrix, and impact analysis.

use crate::actors::{ComputeDrift, Directory, ImpactOf};
use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{observations, Ops};
use crate::routes::targets::parse_target;
use actix_web::{get, post, web, HttpResponse};
use std::collections::HashMap;
use versiqii_api::v1::{
    DriftList, DriftQuery, EnvImpact, FailingBinding, ImpactBreak, ImpactQuery, ImpactView,
    ObservationRequest, ObservationView,
};
use versiqii_core::drift::Dimension;
use versiqii_core::graph::{Deployed, TargetVersionId};
use versiqii_core::version::{Scheme, Version};

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(observe, drifts, impact),
    tags((name = "drift", description = "Observations, the drift matrix and impact analysis"))
)]
pub struct Doc;

// The drift actor's rows on the wire (until the actor keeps the wire types itself).
/// Records what an environment actually runs (from an admission webhook or `versiqii report`).
#[utoipa::path(operation_id = "recordObservation", tag = "drift", request_body = ObservationRequest, params(("env" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = ObservationView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/envs/{env}/observations")]
pub async fn observe(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    env: web::Path<String>,
    body: web::Json<ObservationRequest>,
) -> Result<HttpResponse, ApiError> {
    let env = auth.env_to_act_in(&env)?;
    let target = parse_target(&body.target)?;
    if let Some(hash) = &body.config_hash {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::invalid(
                "/config_hash",
                "a config hash is 64 hexadecimal digits",
            ));
        }
    }
    if body.version.is_empty() || body.version.len() > 100 {
        return Err(ApiError::invalid(
            "/version",
            "a version has 1 to 100 characters",
        ));
    }
    let req = observations::Observe {
        env,
        target,
        version: body.version.clone(),
        config_hash: body.config_hash.as_ref().map(|h| h.to_ascii_lowercase()),
    };
    let row = observations::observe(auth.write(&ops).await?, req).await?;
    Ok(HttpResponse::Created().json(ObservationView {
        id: row.id.into(),
        env: row.env,
        target: row.target,
        version: row.version,
        config_hash: row.config_hash,
        observed_at: row.observed_at,
    }))
}

/// The drift matrix: a row per environment and target, a flag per dimension. With an `ETag`:
/// send it back in `If-None-Match` to get 304 and no body while nothing changed.
#[utoipa::path(operation_id = "listDrifts", tag = "drift", params(DriftQuery), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = DriftList, headers(("ETag" = String, description = "The matrix's version"))),
    (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/drifts")]
pub async fn drifts(
    req: actix_web::HttpRequest,
    auth: Authorized<perm::RegistryRead>,
    directory: web::Data<Directory>,
    query: web::Query<DriftQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let dimension = match query.dimension.as_deref() {
        None => None,
        Some(d) => Some(
            Dimension::ALL
                .into_iter()
                .find(|dim| dim.as_str() == d)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "/dimension",
                        "dimension is schema, dependency, config or environment",
                    )
                })?,
        ),
    };
    let tenant = directory.tenant(auth.principal.tenant).await?;
    let query = ComputeDrift {
        env: query.env,
        target: query.target,
        dimension,
    };
    let items = match tenant.drift_view.query(&query) {
        Some(items) => items,
        // Not loaded yet: the actor loads it (once, however many ask).
        None => tenant
            .drift
            .send(query)
            .await
            .map_err(anyhow::Error::from)??,
    };
    let body = serde_json::to_vec(&DriftList { items }).map_err(anyhow::Error::from)?;
    // A strong validator, so a console polling for changes gets 304 and no body when nothing moved.
    let etag = format!(
        "\"{}\"",
        hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(&body)[..16])
    );
    let unchanged = req
        .headers()
        .get(actix_web::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| sent.split(',').any(|t| t.trim() == etag));
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((actix_web::http::header::ETAG, etag));
    Ok(if unchanged {
        res.finish()
    } else {
        res.content_type("application/json").body(body)
    })
}

/// If a target moved to a version everywhere it runs: which constraints break and which bound
/// configs would fail its schema, per environment.
#[utoipa::path(operation_id = "getImpact", tag = "drift", params(ImpactQuery), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = ImpactView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`compute_time_exceeded`: the check took longer than one task may")))]
#[get("/v1/impact")]
pub async fn impact(
    auth: Authorized<perm::RegistryRead>,
    directory: web::Data<Directory>,
    ops: web::Data<Ops>,
    query: web::Query<ImpactQuery>,
) -> Result<HttpResponse, ApiError> {
    let target = parse_target(&query.target)?;
    let tx = auth.begin().await?;
    let scheme = match tx.target_scheme(target.as_str()).await? {
        Some(s) => Some(s.parse::<Scheme>().map_err(anyhow::Error::from)?),
        None => None,
    };
    let version =
        Version::parse(&query.version, scheme).map_err(|e| ApiError::invalid("/version", e))?;
    let deployments = tx.current_deployments(None).await?;
    let mut per_env: HashMap<String, Deployed> = HashMap::new();
    for d in &deployments {
        per_env
            .entry(d.env.clone())
            .or_insert_with(|| Deployed::new(d.env.clone()))
            .insert(d.target.clone(), TargetVersionId(d.target_version_id));
    }
    let mut envs: Vec<Deployed> = per_env.into_values().collect();
    envs.sort_by(|a, b| a.env().cmp(b.env()));
    let tenant = directory.tenant(auth.principal.tenant).await?;
    let found = tenant
        .graph
        .send(ImpactOf {
            target: target.to_string(),
            version: version.clone(),
            deployments: envs,
        })
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|_| ApiError::Unavailable("the version graph is loading; retry"))?;
    let mut by_env: std::collections::BTreeMap<String, EnvImpact> = found
        .environments
        .into_iter()
        .map(|e| {
            (
                e.env.clone(),
                EnvImpact {
                    env: e.env,
                    breaks: e
                        .violations
                        .into_iter()
                        .map(|v| ImpactBreak {
                            kind: v.kind.as_str().to_owned(),
                            message: v.message,
                        })
                        .collect(),
                    bindings_failing: Vec::new(),
                },
            )
        })
        .collect();
    // Bound configs of this target, against the schema the new version reads (if registered).
    if let Some(tv) = tx
        .target_version_by_name(target.as_str(), &version.to_string())
        .await?
    {
        if let Some(schema) = tx.schema_version_by_id(tv.schema_version_id).await? {
            for b in tx.current_bindings(None).await? {
                if b.target != tv.target {
                    continue;
                }
                let Some(revision) = tx.revision(b.config_id).await? else {
                    continue;
                };
                let count = ops
                    .violations(auth.principal.tenant, &schema, &revision.canonical)
                    .await?
                    .len();
                if count > 0 {
                    by_env
                        .entry(b.env.clone())
                        .or_insert_with(|| EnvImpact {
                            env: b.env.clone(),
                            breaks: Vec::new(),
                            bindings_failing: Vec::new(),
                        })
                        .bindings_failing
                        .push(FailingBinding {
                            config: format!("{}#{}", b.config_name, b.revision),
                            violations: count,
                        });
                }
            }
        }
    }
    tx.commit().await?;
    let environments: Vec<EnvImpact> = by_env.into_values().collect();
    Ok(HttpResponse::Ok().json(ImpactView {
        target: target.to_string(),
        version: version.to_string(),
        safe: environments.is_empty(),
        environments,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(observe).service(drifts).service(impact);
}
