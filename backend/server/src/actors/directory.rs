use super::{DriftActor, DriftView, GraphActor, MigrationActor, MigrationPool};
use crate::schema_cache::SchemaCache;
use actix::{Actor, Addr, Arbiter, AsyncContext, Context, Handler, Message, Supervisor};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use versiqii_core::TenantId;
use versiqii_store::Store;

/// A live tenant's actors (the TenantSupervisor's children). Actix's `Supervisor` restarts a
/// child that stops, calling its `restarting` hook, which drops its state for a reload.
#[derive(Clone)]
pub struct Tenant {
    pub graph: Addr<GraphActor>,
    pub drift: Addr<DriftActor>,
    /// The drift actor's matrix, read without a message.
    pub drift_view: DriftView,
    pub migration: Addr<MigrationActor>,
    /// Each environment's resolved configs, as last built.
    pub resolved: Arc<crate::env_configs::ResolvedCache>,
}

impl Tenant {
    /// Whether the actors that no supervisor restarts are still running.
    fn alive(&self) -> bool {
        self.drift.connected() && self.migration.connected()
    }
}

/// The live tenants, shared by the directory (which alone starts and evicts them) and every
/// [`Directory`] handle, which finds a live tenant here without a round trip through the
/// directory's mailbox: on a busy machine that thread hop waits for a core, behind every
/// other tenant's work.
pub struct LiveMap {
    epoch: Instant,
    tenants: RwLock<HashMap<TenantId, (Tenant, AtomicU64)>>,
}

impl LiveMap {
    fn new() -> Self {
        Self {
            epoch: Instant::now(),
            tenants: RwLock::new(HashMap::new()),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<TenantId, (Tenant, AtomicU64)>> {
        // Poisoned only by a panicking writer (the directory's short, panic-free updates).
        self.tenants.read().unwrap_or_else(|e| e.into_inner())
    }

    /// A live tenant's actors, marked as used now; `None` when one of its unsupervised actors
    /// has stopped (a panic), so the directory starts them afresh instead of a handler reading
    /// a matrix that no one keeps current.
    fn get(&self, tenant: TenantId) -> Option<Tenant> {
        let tenants = self.read();
        let (actors, used) = tenants.get(&tenant)?;
        if !actors.alive() {
            return None;
        }
        used.store(self.now_ms(), Ordering::Relaxed);
        Some(actors.clone())
    }

    /// A live tenant's actors, without marking it used (another instance's change keeps no
    /// tenant alive here).
    fn peek(&self, tenant: TenantId) -> Option<Tenant> {
        Some(self.read().get(&tenant)?.0.clone())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<TenantId, (Tenant, AtomicU64)>> {
        // Poisoned only by a panicking writer (the directory's short, panic-free updates).
        self.tenants.write().unwrap_or_else(|e| e.into_inner())
    }

    fn all(&self) -> Vec<(TenantId, Tenant)> {
        self.read()
            .iter()
            .map(|(id, (a, _))| (*id, a.clone()))
            .collect()
    }
}

/// The root: starts a tenant's actors on first use and evicts them after an idle time.
pub struct TenantDirectory {
    store: Store,
    schemas: Arc<SchemaCache>,
    migrations: Arc<MigrationPool>,
    idle_after: Duration,
    live: Arc<LiveMap>,
    /// Tenants' actors run on these threads, spread by tenant, off the HTTP workers.
    arbiters: Vec<Arbiter>,
}

impl TenantDirectory {
    pub fn new(
        store: Store,
        schemas: Arc<SchemaCache>,
        migrations: Arc<MigrationPool>,
        idle_after: Duration,
        threads: usize,
    ) -> Self {
        Self {
            store,
            schemas,
            migrations,
            idle_after,
            live: Arc::new(LiveMap::new()),
            arbiters: (0..threads.max(1)).map(|_| Arbiter::new()).collect(),
        }
    }
}

impl Actor for TenantDirectory {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let sweep = (self.idle_after / 4).max(Duration::from_millis(250));
        ctx.run_interval(sweep, |dir, _| {
            let idle_ms = u64::try_from(dir.idle_after.as_millis()).unwrap_or(u64::MAX);
            let now = dir.live.now_ms();
            // Dropping the last address stops the tenant's actors; they reload on next use.
            dir.live
                .write()
                .retain(|_, (_, used)| now.saturating_sub(used.load(Ordering::Relaxed)) < idle_ms);
        });
    }
}

#[derive(Message)]
#[rtype(result = "Tenant")]
pub struct Get(pub TenantId);

impl Handler<Get> for TenantDirectory {
    type Result = actix::MessageResult<Get>;

    fn handle(&mut self, Get(tenant): Get, _: &mut Self::Context) -> Self::Result {
        let store = self.store.clone();
        let schemas = self.schemas.clone();
        let pool = self.migrations.clone();
        let slot = (tenant.0.as_u128() % self.arbiters.len() as u128) as usize;
        let arbiter = self.arbiters[slot].handle();
        let now = self.live.now_ms();
        let mut live = self.live.write();
        // A tenant whose drift or migration actor died (a panic) is started afresh.
        if live.get(&tenant).is_some_and(|(actors, _)| !actors.alive()) {
            live.remove(&tenant);
        }
        let entry = live.entry(tenant).or_insert_with(|| {
            let graph_store = store.clone();
            let graph = Supervisor::start_in_arbiter(&arbiter, move |_| {
                GraphActor::new(graph_store, tenant)
            });
            let drift_graph = graph.clone();
            let drift_view = DriftView::default();
            let actor_view = drift_view.clone();
            let drift = DriftActor::start_in_arbiter(&arbiter, move |_| {
                DriftActor::new(store, tenant, drift_graph, schemas, actor_view)
            });
            let migration = MigrationActor::start_in_arbiter(&arbiter, move |_| {
                MigrationActor::new(pool, tenant)
            });
            (
                Tenant {
                    graph,
                    drift,
                    drift_view,
                    migration,
                    resolved: Arc::default(),
                },
                AtomicU64::new(now),
            )
        });
        entry.1.store(now, Ordering::Relaxed);
        actix::MessageResult(entry.0.clone())
    }
}

#[derive(Message)]
#[rtype(result = "Vec<(TenantId, Tenant)>")]
pub struct Live;

impl Handler<Live> for TenantDirectory {
    type Result = actix::MessageResult<Live>;

    fn handle(&mut self, _: Live, _: &mut Self::Context) -> Self::Result {
        actix::MessageResult(self.live.all())
    }
}

#[derive(Message)]
#[rtype(result = "usize")]
pub struct LiveTenants;

impl Handler<LiveTenants> for TenantDirectory {
    type Result = usize;

    fn handle(&mut self, _: LiveTenants, _: &mut Self::Context) -> usize {
        self.live.read().len()
    }
}

/// Reloads a live tenant's graph; a tenant that is not live loads fresh on its next use anyway.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReloadIfLive(pub TenantId);

impl Handler<ReloadIfLive> for TenantDirectory {
    type Result = ();

    fn handle(&mut self, ReloadIfLive(tenant): ReloadIfLive, _: &mut Self::Context) {
        if let Some(actors) = self.live.peek(tenant) {
            // Drift reads the graph's unmet constraints: drop it only once the graph is new.
            let (graph, drift) = (actors.graph.clone(), actors.drift.clone());
            actix::spawn(async move {
                let _ = graph.send(super::Reload).await;
                drift.do_send(super::Refresh { env: None });
            });
        }
    }
}

/// Refreshes one environment's drift of a live tenant (another instance wrote to it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RefreshDriftIfLive(pub TenantId, pub String);

impl Handler<RefreshDriftIfLive> for TenantDirectory {
    type Result = ();

    fn handle(
        &mut self,
        RefreshDriftIfLive(tenant, env): RefreshDriftIfLive,
        _: &mut Self::Context,
    ) {
        if let Some(actors) = self.live.peek(tenant) {
            actors.drift.do_send(super::Refresh { env: Some(env) });
        }
    }
}

/// A handle for handlers: finds a live tenant's actors itself, and asks the directory to start
/// them otherwise.
#[derive(Clone)]
pub struct Directory(pub Addr<TenantDirectory>, Arc<LiveMap>);

impl Directory {
    pub fn new(directory: TenantDirectory) -> Self {
        let live = directory.live.clone();
        Self(directory.start(), live)
    }

    pub async fn tenant(&self, tenant: TenantId) -> anyhow::Result<Tenant> {
        if let Some(actors) = self.1.get(tenant) {
            return Ok(actors);
        }
        Ok(self.0.send(Get(tenant)).await?)
    }

    pub async fn reload_if_live(&self, tenant: TenantId) {
        let _ = self.0.send(ReloadIfLive(tenant)).await;
    }

    pub async fn refresh_drift_if_live(&self, tenant: TenantId, env: String) {
        let _ = self.0.send(RefreshDriftIfLive(tenant, env)).await;
    }

    /// Every live tenant with its actors.
    pub async fn live(&self) -> anyhow::Result<Vec<(TenantId, Tenant)>> {
        Ok(self.0.send(Live).await?)
    }

    pub async fn live_tenants(&self) -> anyhow::Result<usize> {
        Ok(self.0.send(LiveTenants).await?)
    }
}
