//! The operators' portal: `/ops/v1`, for the people who run the service. Its own principal
//! (operators, never tenant members, signed in with a password and a TOTP code), its own
//! clearance types, its own database role and pool (`versiqii_operator`, which reaches no tenant
//! table: cross-tenant summaries come from `op_*` functions), its own audit chain and its own
//! OpenAPI document (`/ops/openapi.json`, `spec/ops-openapi.json`), absent from the tenants'.
//! Changes to a tenant go through the tenant's write path (`ops::tenancy`).

pub mod audit;
pub mod auth;
pub mod billing;
mod principal;
pub mod provision;
pub mod tenants;

pub use principal::{Admin, Operator, OperatorAuth, OperatorRole, Support};

use crate::error::ApiError;
use crate::webhooks::keyring::KeyRing;
use actix_web::{get, web, HttpResponse};
use std::sync::Arc;
use utoipa::OpenApi;
use versiqii_store::{OperatorAuditRecord, OperatorStore};

/// What the portal's handlers share.
pub struct Portal {
    store: Option<OperatorStore>,
    /// Seals operators' TOTP secrets (the webhook secrets' key ring).
    pub(crate) keys: Arc<KeyRing>,
    pub(crate) session_hours: u64,
    pub(crate) impersonation_secs: u64,
    pub(crate) login_attempts_per_minute: u32,
}

impl Portal {
    pub async fn new(settings: &crate::Settings, keys: Arc<KeyRing>) -> anyhow::Result<Self> {
        let store = match &settings.operators.database_url {
            Some(url) => {
                let store = OperatorStore::connect(url, settings.operators.max_connections.max(1))
                    .await
                    .map_err(|e| anyhow::anyhow!("connecting the operators' pool: {e}"))?;
                if let Some(role) = store.unsafe_role().await? {
                    return Err(crate::app::UnsafeDatabaseRole(role.to_string()).into());
                }
                Some(store)
            }
            None => None,
        };
        Ok(Self {
            store,
            keys,
            session_hours: settings.operators.session_hours.clamp(1, 24 * 7),
            impersonation_secs: settings.operators.impersonation_minutes.clamp(1, 240) * 60,
            login_attempts_per_minute: settings.operators.login_attempts_per_minute.max(1),
        })
    }

    /// The pool; without one (no `operators.database_url`) the portal is not there.
    pub(crate) fn store(&self) -> Result<&OperatorStore, ApiError> {
        self.store.as_ref().ok_or_else(|| {
            ApiError::not_found("the operators' portal (not configured on this server)")
        })
    }

    /// Records an operator's action in the operators' chain.
    pub(crate) async fn record(
        &self,
        operator: &Operator,
        action: &str,
        object: &str,
        tenant: Option<uuid::Uuid>,
        detail: Option<&str>,
    ) -> Result<(), ApiError> {
        self.store()?
            .record(OperatorAuditRecord {
                operator_id: Some(operator.id),
                actor: &operator.actor(),
                action,
                object,
                tenant_id: tenant,
                detail,
            })
            .await?;
        Ok(())
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Versiqii operators' portal",
        description = "For the people who run the service: tenants, plans, credits, suspensions, read-only looks, and the operators' audit chain. Sign in with POST /ops/v1/auth/login (password and TOTP code) and send the session token as a bearer token."
    ),
    paths(openapi_json),
    modifiers(&OperatorSecurity)
)]
struct Doc;

struct OperatorSecurity;

impl utoipa::Modify for OperatorSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "operator",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The portal's OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = Doc::openapi();
    for part in [
        auth::Doc::openapi(),
        tenants::Doc::openapi(),
        billing::Doc::openapi(),
        audit::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

pub fn document_json() -> String {
    openapi().to_pretty_json().unwrap_or_default()
}

/// This document.
#[utoipa::path(operation_id = "opsOpenapi", tag = "operators", responses(
    (status = 200, description = "The operators' portal's OpenAPI document")))]
#[get("/ops/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document_json())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    auth::configure(cfg);
    tenants::configure(cfg);
    billing::configure(cfg);
    audit::configure(cfg);
    cfg.service(openapi_json);
}
