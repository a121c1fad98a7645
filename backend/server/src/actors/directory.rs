use super::{DriftActor, GraphActor, MigrationActor, MigrationPool};
use crate::schema_cache::SchemaCache;
use actix::{Actor, Addr, Arbiter, AsyncContext, Context, Handler, Message, Supervisor};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use versiqii_core::TenantId;
use versiqii_store::Store;

/// A live tenant's actors (the TenantSupervisor's children). Actix's `Supervisor` restarts a
/// child that stops, calling its `restarting` hook, which drops its state for a reload.
#[derive(Clone)]
pub struct Tenant {
    pub graph: Addr<GraphActor>,
    pub drift: Addr<DriftActor>,
    pub migration: Addr<MigrationActor>,
}

/// The root: starts a tenant's actors on first use and evicts them after an idle time.
pub struct TenantDirectory {
    store: Store,
    schemas: Arc<SchemaCache>,
    migrations: Arc<MigrationPool>,
    idle_after: Duration,
    tenants: HashMap<TenantId, (Tenant, Instant)>,
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
            tenants: HashMap::new(),
            arbiters: (0..threads.max(1)).map(|_| Arbiter::new()).collect(),
        }
    }
}

impl Actor for TenantDirectory {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let sweep = (self.idle_after / 4).max(Duration::from_millis(250));
        ctx.run_interval(sweep, |dir, _| {
            let idle_after = dir.idle_after;
            // Dropping the last address stops the tenant's actors; they reload on next use.
            dir.tenants
                .retain(|_, (_, used)| used.elapsed() < idle_after);
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
        let entry = self.tenants.entry(tenant).or_insert_with(|| {
            let graph_store = store.clone();
            let graph = Supervisor::start_in_arbiter(&arbiter, move |_| {
                GraphActor::new(graph_store, tenant)
            });
            let drift_graph = graph.clone();
            let drift = DriftActor::start_in_arbiter(&arbiter, move |_| {
                DriftActor::new(store, tenant, drift_graph, schemas)
            });
            let migration =
                MigrationActor::start_in_arbiter(&arbiter, move |_| MigrationActor::new(pool));
            (
                Tenant {
                    graph,
                    drift,
                    migration,
                },
                Instant::now(),
            )
        });
        entry.1 = Instant::now();
        actix::MessageResult(entry.0.clone())
    }
}

#[derive(Message)]
#[rtype(result = "Vec<(TenantId, Tenant)>")]
pub struct Live;

impl Handler<Live> for TenantDirectory {
    type Result = actix::MessageResult<Live>;

    fn handle(&mut self, _: Live, _: &mut Self::Context) -> Self::Result {
        actix::MessageResult(
            self.tenants
                .iter()
                .map(|(id, (actors, _))| (*id, actors.clone()))
                .collect(),
        )
    }
}

#[derive(Message)]
#[rtype(result = "usize")]
pub struct LiveTenants;

impl Handler<LiveTenants> for TenantDirectory {
    type Result = usize;

    fn handle(&mut self, _: LiveTenants, _: &mut Self::Context) -> usize {
        self.tenants.len()
    }
}

/// Reloads a live tenant's graph; a tenant that is not live loads fresh on its next use anyway.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReloadIfLive(pub TenantId);

impl Handler<ReloadIfLive> for TenantDirectory {
    type Result = ();

    fn handle(&mut self, ReloadIfLive(tenant): ReloadIfLive, _: &mut Self::Context) {
        if let Some((actors, _)) = self.tenants.get(&tenant) {
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
        if let Some((actors, _)) = self.tenants.get(&tenant) {
            actors.drift.do_send(super::Refresh { env: Some(env) });
        }
    }
}

/// A handle for handlers: asks the directory for a tenant's actors.
#[derive(Clone)]
pub struct Directory(pub Addr<TenantDirectory>);

impl Directory {
    pub async fn tenant(&self, tenant: TenantId) -> anyhow::Result<Tenant> {
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
