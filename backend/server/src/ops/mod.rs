//! The use cases: every tenant write of the API is one operation here. Routes parse, call one
//! operation, and render its result; an operation owns its write sequence through a
//! [`TenantWrite`], whose `commit()` does the audit rows, typed events, drift delta, NOTIFY,
//! COMMIT and cache updates in one place. Operations know nothing of HTTP, so another front (the
//! operators' portal, an admission webhook) calls them as they are.

pub mod accounts;
pub mod api_keys;
pub mod archive;
pub mod billing;
pub mod bindings;
pub mod checks;
pub mod configs;
pub mod constraints;
pub mod deployments;
pub mod envs;
pub mod invites;
pub mod members;
pub mod migrations;
pub mod observations;
pub mod password;
pub mod plan;
pub mod promotion;
pub mod quotas;
pub mod rollback;
pub mod schemas;
pub mod targets;
pub mod tenancy;
pub mod verification;
pub mod webhooks;
mod write;

pub use write::{Actor, GraphChange, TenantWrite, WriteTicket};

use crate::actors::{Directory, MigrationPool};
use crate::auth::authorized::Gatekeeper;
use crate::schema_cache::SchemaCache;
use std::sync::Arc;
use uuid::Uuid;
use versiqii_store::Store;

/// What operations share: the pool, the tenants' actors and the process-wide caches.
#[derive(Clone)]
pub struct Ops {
    pub(crate) store: Store,
    pub(crate) directory: Directory,
    pub(crate) schemas: Arc<SchemaCache>,
    pub(crate) migrations: Arc<MigrationPool>,
    pub(crate) compute: Arc<crate::compute::Compute>,
    pub(crate) gate: Arc<Gatekeeper>,
    /// This instance's name in the notifications it sends, so it skips its own (it has
    /// applied the change already). Per app, not per process: tests run two in one process.
    pub(crate) instance: Arc<str>,
    /// Queues mail in an operation's transaction (`crate::mail`).
    pub(crate) mail: Arc<crate::mail::Mail>,
    /// People must verify their email before creating API keys or inviting others.
    pub(crate) require_verified_email: bool,
    /// Webhook endpoints' egress check and secret sealing.
    pub(crate) webhooks: Arc<webhooks::WebhookTools>,
    /// The plans' terms: quotas, prices, SLA targets.
    pub(crate) plans: Arc<crate::quota::Plans>,
    /// Currency, tax, numbering and seller of invoices.
    pub(crate) billing: Arc<crate::config::Billing>,
    /// The largest tenant archive an import takes (compressed).
    pub(crate) max_archive_bytes: usize,
}

impl Ops {
    /// A write in `tenant` done by an operator of the service, for the operators' portal (a
    /// front of its own, with its own principal and authorization, which it checks before
    /// calling this). Operations run the same as from the API; audit rows and events name
    /// the operator.
    pub async fn write_as_operator(
        &self,
        tenant: versiqii_core::TenantId,
        operator: Uuid,
    ) -> Result<TenantWrite, crate::error::ApiError> {
        TenantWrite::open(self, tenant, Actor::new(format!("operator:{operator}"))).await
    }

    fn keys_evict(&self, id: Uuid) {
        self.gate.keys.evict(id);
    }
}

/// An operation's result: something new was stored, or the answer is what already exists (or,
/// for a dry run, what would be stored).
pub enum Written<T> {
    Created(T),
    Existing(T),
}
