//! One module per resource, each with `configure()`, `#[utoipa::path]` on every handler and its
//! part of the OpenAPI document, `Doc`.

pub mod api_keys;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod bindings;
pub mod browser;
pub mod configs;
pub mod constraints;
pub mod deployments;
pub mod digests;
pub mod drift;
pub mod env_configs;
pub mod envs;
pub mod families;
pub mod health;
pub mod invites;
pub mod me;
pub mod members;
pub mod migrations;
pub mod password;
pub mod promotions;
pub mod rollback;
pub mod sla;
pub mod targets;
pub mod usage;
pub mod validate;
pub mod verification;
pub mod webhooks;

use crate::error::{ApiError, ErrorCode};
use actix_web::{web, HttpRequest};
use utoipa::OpenApi;
use uuid::Uuid;

/// An id taken from a `{param}` path segment. A literal path of the document that the template
/// also matches (`/v1/members/leave` for `/v1/members/{user_id}`) answers 405 for a method it
/// does not have, as if no route had taken it; anything else that is not a UUID is 400.
pub(crate) fn id_in_path(req: &HttpRequest, text: &str, param: &str) -> Result<Uuid, ApiError> {
    if let Ok(id) = Uuid::parse_str(text) {
        return Ok(id);
    }
    let method = req.method().as_str();
    if let Some(allow) = crate::openapi::allowed_methods(req.path()) {
        if !allow.split(", ").any(|m| m == method) {
            return Err(ApiError::MethodNotAllowed {
                method: method.to_owned(),
                path: req.path().to_owned(),
                allow: allow.to_owned(),
            });
        }
    }
    Err(ApiError::BadRequest {
        code: ErrorCode::InvalidPath,
        detail: format!("{{{param}}} is a UUID"),
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Actix tries routes in the order registered, each a pattern match: the calls pipelines
    // make most come first (no other route's pattern takes their paths).
    validate::configure(cfg);
    env_configs::configure(cfg);
    health::configure(cfg);
    auth::configure(cfg);
    browser::configure(cfg);
    password::configure(cfg);
    verification::configure(cfg);
    me::configure(cfg);
    members::configure(cfg);
    invites::configure(cfg);
    api_keys::configure(cfg);
    audit::configure(cfg);
    families::configure(cfg);
    targets::configure(cfg);
    configs::configure(cfg);
    envs::configure(cfg);
    bindings::configure(cfg);
    constraints::configure(cfg);
    deployments::configure(cfg);
    drift::configure(cfg);
    migrations::configure(cfg);
    rollback::configure(cfg);
    promotions::configure(cfg);
    webhooks::configure(cfg);
    digests::configure(cfg);
    usage::configure(cfg);
    archive::configure(cfg);
    billing::configure(cfg);
    sla::configure(cfg);
}

/// Every module's part of the OpenAPI document, in the order its tags are listed (a module whose
/// handlers share another's tag declares none).
pub fn docs() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        auth::Doc::openapi(),
        browser::Doc::openapi(),
        password::Doc::openapi(),
        verification::Doc::openapi(),
        me::Doc::openapi(),
        members::Doc::openapi(),
        invites::Doc::openapi(),
        api_keys::Doc::openapi(),
        audit::Doc::openapi(),
        families::Doc::openapi(),
        targets::Doc::openapi(),
        configs::Doc::openapi(),
        envs::Doc::openapi(),
        env_configs::Doc::openapi(),
        bindings::Doc::openapi(),
        constraints::Doc::openapi(),
        deployments::Doc::openapi(),
        migrations::Doc::openapi(),
        rollback::Doc::openapi(),
        promotions::Doc::openapi(),
        drift::Doc::openapi(),
        webhooks::Doc::openapi(),
        digests::Doc::openapi(),
        usage::Doc::openapi(),
        validate::Doc::openapi(),
        archive::Doc::openapi(),
        billing::Doc::openapi(),
        sla::Doc::openapi(),
        health::Doc::openapi(),
    ]
}
