//! An environment's resolved configs: everything it should run, in one answer, for deploy steps
//! (`versiqii env pull`) and for agents that wait for changes (long poll).

use crate::actors::Directory;
use crate::auth::{perm, Authorized};
use crate::env_configs::{resolve, Resolved};
use crate::error::{ApiError, Problem};
use crate::routes::envs::parse_env;
use actix_web::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use actix_web::{get, web, HttpRequest, HttpResponse};
use std::sync::Arc;
use std::time::Duration;
use versiqii_api::v1::{EnvConfigs, EnvConfigsQuery};

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(configs))]
pub struct Doc;

/// The longest a long poll waits.
const MAX_WAIT_SECS: u32 = 60;

/// Everything an environment should run: per target, the deployed version and the schema it
/// reads, the bound config's canonical data and hash, and the drift. A strong `ETag` (the
/// body's hash): send it back in `If-None-Match` for 304 while nothing changed, and add `wait`
/// to hold the request until something does (at most `wait` seconds, then 304).
#[utoipa::path(operation_id = "getEnvironmentConfigs", tag = "environments",
    params(("env" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100), EnvConfigsQuery),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = EnvConfigs, headers(("ETag" = String, description = "The answer's version: the hash of its body"))),
    (status = 304, description = "Unchanged since the `If-None-Match` ETag (after waiting, with `wait`)"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "No such environment"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/envs/{env}/configs")]
pub async fn configs(
    req: HttpRequest,
    auth: Authorized<perm::RegistryRead>,
    directory: web::Data<Directory>,
    env: web::Path<String>,
    query: web::Query<EnvConfigsQuery>,
) -> Result<HttpResponse, ApiError> {
    let env = parse_env(&env)?;
    let wait = match query.wait {
        Some(secs) if secs > MAX_WAIT_SECS => {
            return Err(ApiError::invalid(
                "/wait",
                format!("wait is at most {MAX_WAIT_SECS} seconds"),
            ))
        }
        Some(secs) => Duration::from_secs(secs.into()),
        None => Duration::ZERO,
    };
    let sent = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let tenant = directory.tenant(auth.principal.tenant).await?;
    // Subscribed before the first look, so a change between the look and the wait wakes it.
    let mut changes = tenant.drift_view.changes();
    let mut resolved = resolve(&tenant, env.as_str(), || auth.begin()).await?;
    let deadline = tokio::time::Instant::now() + wait;
    while matches(sent.as_deref(), &resolved.etag) {
        // Not waiting: answer at once rather than on the timer's next tick.
        if wait.is_zero() {
            return Ok(not_modified(&resolved));
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => resolved = resolve(&tenant, env.as_str(), || auth.begin()).await?,
            // Timed out, or the tenant's actors stopped (an idle eviction): nothing new here.
            Ok(Err(_)) | Err(_) => return Ok(not_modified(&resolved)),
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((ETAG, resolved.etag.clone()))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(resolved.body.clone()))
}

fn not_modified(resolved: &Arc<Resolved>) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header((ETAG, resolved.etag.clone()))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .finish()
}

/// `If-None-Match` holds the current ETag (weak comparison, as RFC 9110 asks of it; `*`
/// matches any).
fn matches(sent: Option<&str>, etag: &str) -> bool {
    sent.is_some_and(|sent| {
        sent.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*")
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(configs);
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_compares_weakly_and_in_lists() {
        let etag = "\"abc\"";
        assert!(matches(Some("\"abc\""), etag));
        assert!(matches(Some("W/\"abc\""), etag));
        assert!(matches(Some("\"x\", \"abc\""), etag));
        assert!(matches(Some("*"), etag));
        assert!(!matches(Some("\"abd\""), etag));
        assert!(!matches(Some("abc"), etag));
        assert!(!matches(None, etag));
    }
}
