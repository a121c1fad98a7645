//! The unit of work of a tenant write. An operation writes its rows through the transaction and
//! declares what else must happen (audit rows, events, environments whose drift it touched,
//! caches to update); `commit()` does all of it in one place and in one order, so no operation
//! can forget a step or do them in another order:
//!
//! 1. the audit rows, in the order the operation recorded them;
//! 2. the drift delta of each touched environment (computed once, in the transaction), which
//!    adds a `drift.changed` event per cell whose dimensions changed;
//! 3. one outbox row per typed event;
//! 4. NOTIFY for the other instances (drift, graph, revoked keys);
//! 5. COMMIT;
//! 6. this instance's actors and caches take the change: the drift actor applies the cells
//!    computed in step 2 (no recomputation), the graph actor the new version or a reload.

use super::Ops;
use crate::actors::{
    AddVersion, ApplyCells, ComputeDrift, DriftDimensions, Refresh, Reload, Tenant,
};
use crate::error::ApiError;
use crate::schema_cache::SchemaCache;
use std::collections::BTreeMap;
use uuid::Uuid;
use versiqii_api::events::{DriftChanged, DriftFlags, EventEnvelope};
use versiqii_api::{AuditAction, Event};
use versiqii_core::graph::TargetVersion;
use versiqii_core::TenantId;
use versiqii_store::{AuditRecord, TenantTx};

/// Who a write is done by, as audit rows and events name them (`user:<id>`, `api_key:<id>`,
/// later `operator:<id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(String);

impl Actor {
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

struct AuditEntry {
    action: AuditAction,
    object: String,
    before_hash: Option<String>,
    after_hash: Option<String>,
}

/// A change to the tenant's version graph, for the graph actor after commit.
pub enum GraphChange {
    /// A target version was declared.
    Added(TargetVersion),
    /// Constraints changed: the graph reloads from Postgres, and dependency drift can move in
    /// any environment.
    Reload,
    /// The graph actor already holds the change (it checked it before the write); other
    /// instances still need telling, and dependency drift can move anywhere.
    AlreadyApplied,
}

/// A write not begun yet: who will do it in which tenant. An operation that must run slow
/// work first (migration programs) reads in short transactions of its own, does the work
/// holding no transaction, and only then opens the write.
pub struct WriteTicket {
    pub(super) tenant: TenantId,
    pub(super) actor: Actor,
}

impl WriteTicket {
    pub(crate) fn new(tenant: TenantId, actor: Actor) -> Self {
        Self { tenant, actor }
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// A short read-only look at the tenant's rows (commit or drop it before slow work).
    pub async fn read(&self, ops: &Ops) -> Result<TenantTx, ApiError> {
        Ok(ops.store.begin_for(self.tenant).await?)
    }

    pub async fn open(self, ops: &Ops) -> Result<TenantWrite, ApiError> {
        TenantWrite::open(ops, self.tenant, self.actor).await
    }
}

/// One tenant write in progress. Dropped without `commit()`, its transaction rolls back and
/// nothing it declared happens.
pub struct TenantWrite {
    tx: TenantTx,
    ops: Ops,
    actor: Actor,
    tenant: Option<Tenant>,
    audit: Vec<AuditEntry>,
    events: Vec<Event>,
    /// Each touched environment's drift before the write.
    drift_before: BTreeMap<String, BTreeMap<String, DriftDimensions>>,
    graph: Vec<GraphChange>,
    revoked_keys: Vec<Uuid>,
}

impl TenantWrite {
    /// Opens a write for `tenant` as `actor`. Fronts call this only after their own
    /// authorization (the API's `Authorized`, later the operators' portal's principal).
    pub(crate) async fn open(ops: &Ops, tenant: TenantId, actor: Actor) -> Result<Self, ApiError> {
        Ok(Self {
            tx: ops.store.begin_for(tenant).await?,
            ops: ops.clone(),
            actor,
            tenant: None,
            audit: Vec::new(),
            events: Vec::new(),
            drift_before: BTreeMap::new(),
            graph: Vec::new(),
            revoked_keys: Vec::new(),
        })
    }

    pub fn tx(&self) -> &TenantTx {
        &self.tx
    }

    /// Ends a refused write: this one rolls back, and `event` (what was refused, for webhooks,
    /// Slack and digests) is recorded in a write of its own. Returns `error`, the refusal, which
    /// stays the answer even if recording the event fails (that is logged).
    pub async fn refuse(self, event: impl Into<Event>, error: ApiError) -> ApiError {
        let (ops, tenant, actor) = (self.ops.clone(), self.tx.tenant(), self.actor.clone());
        drop(self);
        let recorded = async {
            let mut w = TenantWrite::open(&ops, tenant, actor).await?;
            w.emit(event);
            w.commit().await
        };
        if let Err(e) = recorded.await {
            tracing::warn!(error = %e, "a refusal's event was not recorded");
        }
        error
    }

    pub fn tenant(&self) -> TenantId {
        self.tx.tenant()
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn schemas(&self) -> &SchemaCache {
        &self.ops.schemas
    }

    pub fn ops(&self) -> &Ops {
        &self.ops
    }

    /// The tenant's actors (started on first use).
    pub async fn actors(&mut self) -> Result<Tenant, ApiError> {
        if let Some(t) = &self.tenant {
            return Ok(t.clone());
        }
        let t = self.ops.directory.tenant(self.tx.tenant()).await?;
        self.tenant = Some(t.clone());
        Ok(t)
    }

    /// Declares that this write changes `env`'s drift. Call it before writing the rows that do:
    /// it waits for the environment's other writers and records the drift as it was. Take it
    /// after the write's other locks (deployment slot, config lineage), as every write does.
    pub async fn touch_env(&mut self, env: &str) -> Result<(), ApiError> {
        if self.drift_before.contains_key(env) {
            return Ok(());
        }
        self.tx.lock_env_drift(env).await?;
        let actors = self.actors().await?;
        // This instance's matrix is the drift before when it holds the environment's latest
        // write (the common case: one instance serves the tenant); otherwise compute it.
        let latest = self
            .tx
            .drift_generations(Some(env))
            .await?
            .first()
            .map_or(0, |(_, g)| *g);
        let before = match actors.drift_view.env_state(env) {
            Some((held, rows)) if held == latest => rows,
            held => {
                if held.is_none() {
                    // No one has asked for this tenant's drift since its actors started: the
                    // actor loads the matrix now, in the background (its mailbox orders the
                    // load before this write's cells), so that the next writes take their drift
                    // before from it instead of computing it a second time.
                    actors.drift.do_send(ComputeDrift::default());
                }
                crate::actors::compute_drift(&self.tx, &actors.graph, self.schemas(), env)
                    .await?
                    .into_iter()
                    .map(|c| (c.row.target, c.row.dimensions))
                    .collect()
            }
        };
        self.drift_before.insert(env.to_owned(), before);
        Ok(())
    }

    pub fn audit(
        &mut self,
        action: AuditAction,
        object: impl Into<String>,
        before_hash: Option<&str>,
        after_hash: Option<&str>,
    ) {
        self.audit.push(AuditEntry {
            action,
            object: object.into(),
            before_hash: before_hash.map(str::to_owned),
            after_hash: after_hash.map(str::to_owned),
        });
    }

    pub fn emit(&mut self, event: impl Into<Event>) {
        self.events.push(event.into());
    }

    pub fn graph_changed(&mut self, change: GraphChange) {
        self.graph.push(change);
    }

    pub fn key_revoked(&mut self, id: Uuid) {
        self.revoked_keys.push(id);
    }

    /// Everything the write declared, then COMMIT, then this instance's caches.
    pub async fn commit(mut self) -> Result<(), ApiError> {
        for entry in &self.audit {
            self.tx
                .record_audit(AuditRecord {
                    actor: self.actor.as_str(),
                    action: entry.action.as_str(),
                    object: &entry.object,
                    before_hash: entry.before_hash.as_deref(),
                    after_hash: entry.after_hash.as_deref(),
                })
                .await?;
        }
        let mut drift_after = Vec::with_capacity(self.drift_before.len());
        let touched = std::mem::take(&mut self.drift_before);
        for (env, before) in touched {
            let actors = self.actors().await?;
            let cells =
                crate::actors::compute_drift(&self.tx, &actors.graph, self.schemas(), &env).await?;
            for cell in &cells {
                let was = before.get(&cell.row.target).cloned().unwrap_or_default();
                if cell.row.dimensions != was {
                    self.events.push(Event::DriftChanged(DriftChanged {
                        env: env.clone(),
                        target: cell.row.target.clone(),
                        before: flags(&was),
                        after: flags(&cell.row.dimensions),
                        details: cell.row.details.clone(),
                    }));
                }
            }
            let generation = self.tx.next_drift_generation(&env).await?;
            self.tx
                .notify_drift_changed(&env, &self.ops.instance)
                .await?;
            drift_after.push((env, generation, cells));
        }
        for event in &self.events {
            let envelope = EventEnvelope::from(event.clone());
            let payload = serde_json::to_value(&envelope).map_err(anyhow::Error::from)?;
            self.tx.enqueue(event.type_name(), payload).await?;
        }
        if !self.graph.is_empty() {
            self.tx.notify_graph_changed().await?;
            self.actors().await?;
        }
        for id in &self.revoked_keys {
            self.tx.notify_api_key_revoked(*id).await?;
        }
        let Self {
            tx,
            ops,
            tenant,
            graph,
            revoked_keys,
            ..
        } = self;
        tx.commit().await?;
        for id in revoked_keys {
            ops.keys_evict(id);
        }
        let Some(actors) = tenant else {
            return Ok(());
        };
        let mut everywhere = false;
        for change in graph {
            match change {
                GraphChange::Added(version) => {
                    let _ = actors.graph.send(AddVersion(version)).await;
                }
                GraphChange::Reload => {
                    let _ = actors.graph.send(Reload).await;
                    everywhere = true;
                }
                GraphChange::AlreadyApplied => everywhere = true,
            }
        }
        if everywhere {
            // A constraint can move dependency drift in any environment: reload on next query.
            let _ = actors.drift.send(Refresh { env: None }).await;
        } else {
            for (env, generation, cells) in drift_after {
                let _ = actors
                    .drift
                    .send(ApplyCells {
                        env,
                        generation,
                        cells,
                    })
                    .await;
            }
        }
        Ok(())
    }
}

fn flags(d: &DriftDimensions) -> DriftFlags {
    DriftFlags {
        schema: d.schema,
        dependency: d.dependency,
        config: d.config,
        environment: d.environment,
    }
}
