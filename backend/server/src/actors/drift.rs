//! The DriftActor answers a tenant's drift matrix: per environment and target, desired (the
//! deployment), valid (the bound config against the desired version's schema), and observed
//! (what the cluster reports), in four dimensions.
//!
//! The actor holds the tenant's matrix (versiqii_core's DriftMatrix plus each cell's row): the
//! first query loads it from Postgres, queries are answered from memory, and each committed
//! write refreshes its environment's cells, applied to the matrix as events. Loads and
//! refreshes are atomic in the tenant's mailbox, so a query after a write sees it.
//!
//! The actor is the matrix's only writer; queries read it in place through a [`DriftView`] on
//! the caller's thread. A round trip through the mailbox is a hop to another thread, and on a
//! busy machine each hop waits for a core: a tenant's reads then queue behind other tenants'
//! work that shares nothing with them but the CPU.

use super::graph::{GraphActor, UnmetIn};
use crate::schema_cache::SchemaCache;
use actix::{Actor, ActorFutureExt, Addr, AtomicResponse, Context, Handler, Message, WrapFuture};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use tokio::sync::watch;
use uuid::Uuid;
use versiqii_core::drift::{
    CellInput, CellState, ConfigHash, Dimension, DriftEvent, DriftFilter, DriftMatrix,
    EnvironmentId, TargetId,
};
use versiqii_core::graph::{Deployed, TargetVersionId};
use versiqii_core::TenantId;
use versiqii_store::{Store, TenantTx};

pub struct DriftActor {
    store: Store,
    tenant: TenantId,
    graph: Addr<GraphActor>,
    schemas: Arc<SchemaCache>,
    /// The tenant's matrix, loaded on the first query and kept current by `Refresh`; `None`
    /// until then (or after an invalidation), when the next query reloads it.
    view: DriftView,
}

/// The tenant's drift matrix as readers see it: the DriftActor writes it (loads, refreshes),
/// everyone else reads it without a message. `None` until loaded. Every change also moves a
/// stamp, which answers built from the matrix (an environment's resolved configs) are keyed by
/// and long polls wait on.
#[derive(Clone)]
pub struct DriftView(Arc<RwLock<Option<DriftCache>>>, Arc<watch::Sender<u64>>);

impl Default for DriftView {
    fn default() -> Self {
        Self(Arc::default(), Arc::new(watch::channel(0).0))
    }
}

impl DriftView {
    /// The answer from the loaded matrix, or `None` when it is not loaded (send `ComputeDrift`,
    /// which loads it).
    pub fn query(&self, query: &ComputeDrift) -> Option<Vec<DriftRow>> {
        self.0.read().ok()?.as_ref().map(|cache| cache.query(query))
    }

    /// One environment's drift per target and the generation it is at, when the matrix is
    /// loaded: a write whose environment is still at that generation has its drift before.
    pub fn env_state(&self, env: &str) -> Option<(i64, BTreeMap<String, DriftDimensions>)> {
        let slot = self.0.read().ok()?;
        let cache = slot.as_ref()?;
        let generation = cache.generations.get(env).copied().unwrap_or(0);
        let Some(&id) = cache.envs.get(env) else {
            return Some((generation, BTreeMap::new()));
        };
        let filter = DriftFilter {
            env: Some(id),
            ..DriftFilter::default()
        };
        let rows = cache
            .matrix
            .cells(filter)
            .filter_map(|cell| cache.rows.get(&(cell.env, cell.target)))
            .map(|row| (row.target.clone(), row.dimensions))
            .collect();
        Some((generation, rows))
    }

    /// How many times the matrix has changed (loads, drops and updates), when it is loaded.
    pub fn stamp(&self) -> Option<u64> {
        self.is_loaded().then(|| *self.1.borrow())
    }

    /// Wakes at the matrix's next change (see [`DriftView::stamp`]).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.1.subscribe()
    }

    fn moved(&self) {
        self.1.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn is_loaded(&self) -> bool {
        self.0.read().map(|c| c.is_some()).unwrap_or(false)
    }

    fn set(&self, cache: Option<DriftCache>) {
        // Poisoned by a writer that panicked mid-update; the state is replaced whole here.
        let mut slot = self.0.write().unwrap_or_else(|e| e.into_inner());
        *slot = cache;
        self.0.clear_poison();
        drop(slot);
        self.moved();
    }

    /// Applies `f` to the loaded matrix; does nothing when it is not loaded.
    fn update(&self, f: impl FnOnce(&mut DriftCache)) {
        if self.0.is_poisoned() {
            // A half-applied update: drop the matrix; the next query reloads it.
            return self.set(None);
        }
        let mut slot = self.0.write().unwrap_or_else(|e| e.into_inner());
        if let Some(cache) = slot.as_mut() {
            f(cache);
        }
        drop(slot);
        self.moved();
    }
}

impl DriftActor {
    pub fn new(
        store: Store,
        tenant: TenantId,
        graph: Addr<GraphActor>,
        schemas: Arc<SchemaCache>,
        view: DriftView,
    ) -> Self {
        Self {
            store,
            tenant,
            graph,
            schemas,
            view,
        }
    }
}

impl DriftActor {
    /// The tenant's cells (or one environment's), read in a transaction of their own, with the
    /// environments' drift generations as they were before the cells were read (so a cached
    /// generation never claims a write the cells miss).
    fn read_cells(
        &self,
        env: Option<String>,
    ) -> impl std::future::Future<Output = anyhow::Result<Loaded>> + 'static {
        let (store, tenant, graph, schemas) = (
            self.store.clone(),
            self.tenant,
            self.graph.clone(),
            self.schemas.clone(),
        );
        async move {
            let tx = store.begin_for(tenant).await?;
            let generations = tx.drift_generations(env.as_deref()).await?;
            let cells = compute(&tx, &graph, &schemas, env.as_deref()).await?;
            tx.commit().await?;
            Ok((generations, cells))
        }
    }
}

/// Environments' drift generations (each as read before the cells) and the cells.
type Loaded = (Vec<(String, i64)>, Vec<Computed>);

impl Actor for DriftActor {
    type Context = Context<Self>;
}

pub use versiqii_api::v1::drift::{DriftDimensions, DriftRow};

/// The drift rows matching a filter (all of them by default), sorted by environment and target.
#[derive(Message, Default)]
#[rtype(result = "anyhow::Result<Vec<DriftRow>>")]
pub struct ComputeDrift {
    pub env: Option<String>,
    pub target: Option<String>,
    pub dimension: Option<Dimension>,
}

/// Brings the cached matrix up to date after a committed write: one environment's cells are
/// recomputed from Postgres and applied as events; `env: None` (a constraint changed, which
/// can move dependency drift anywhere) drops the cache for a reload on the next query.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Refresh {
    pub env: Option<String>,
}

/// Cells are addressed by name in the API and by the rows' own ids in the matrix; the names
/// map to those ids here.
#[derive(Default)]
struct DriftCache {
    matrix: DriftMatrix,
    envs: HashMap<String, EnvironmentId>,
    targets: HashMap<String, TargetId>,
    rows: HashMap<(EnvironmentId, TargetId), DriftRow>,
    /// The newest write applied per environment (see [`ApplyCells`]).
    generations: HashMap<String, i64>,
}

impl DriftCache {
    fn load(generations: Vec<(String, i64)>, cells: Vec<Computed>) -> Self {
        let mut cache = DriftCache {
            generations: generations.into_iter().collect(),
            ..DriftCache::default()
        };
        let inputs: Vec<CellInput> = cells
            .into_iter()
            .map(|cell| {
                let (env, target) = cache.ids(&cell);
                cache.rows.insert((env, target), cell.row);
                CellInput {
                    env,
                    target,
                    state: cell.state,
                }
            })
            .collect();
        cache.matrix.recompute_all(inputs);
        cache
    }

    /// The cell's ids, remembered under its names for queries by name.
    fn ids(&mut self, cell: &Computed) -> (EnvironmentId, TargetId) {
        self.envs.insert(cell.row.env.clone(), cell.env_id);
        self.targets.insert(cell.row.target.clone(), cell.target_id);
        (cell.env_id, cell.target_id)
    }

    /// Feeds a recomputed cell to the matrix as the events that produce its state.
    fn apply(&mut self, cell: Computed) {
        let (env, target) = self.ids(&cell);
        let s = cell.state;
        let mut events = Vec::with_capacity(4);
        if let Some(version) = s.desired {
            events.push(DriftEvent::Deployed {
                env,
                target,
                version,
                schema_valid: s.schema_valid,
            });
        }
        if let Some(config_hash) = s.bound_config {
            events.push(DriftEvent::Bound {
                env,
                target,
                config_hash,
                schema_valid: s.schema_valid,
            });
        }
        if let Some(version) = s.observed_version {
            events.push(DriftEvent::Observed {
                env,
                target,
                version,
                config_hash: s.observed_config,
            });
        }
        events.push(DriftEvent::DependencyChanged {
            env,
            target,
            unmet: s.unmet_constraints,
        });
        for event in &events {
            self.matrix.apply(event);
        }
        self.rows.insert((env, target), cell.row);
    }

    fn query(&self, q: &ComputeDrift) -> Vec<DriftRow> {
        let lookup_env = q.env.as_ref().map(|e| self.envs.get(e).copied());
        let lookup_target = q.target.as_ref().map(|t| self.targets.get(t).copied());
        // A name never seen matches nothing.
        if matches!(lookup_env, Some(None)) || matches!(lookup_target, Some(None)) {
            return Vec::new();
        }
        // The matrix classified each cell (versiqii-core's rules, the same that made each
        // row's flags), so it filters by dimension too.
        let filter = DriftFilter {
            env: lookup_env.flatten(),
            target: lookup_target.flatten(),
            dimension: q.dimension,
        };
        let mut rows: Vec<DriftRow> = self
            .matrix
            .cells(filter)
            .filter_map(|cell| self.rows.get(&(cell.env, cell.target)))
            .cloned()
            .collect();
        rows.sort_by(|a, b| (&a.env, &a.target).cmp(&(&b.env, &b.target)));
        rows
    }
}

impl Handler<ComputeDrift> for DriftActor {
    type Result = AtomicResponse<Self, anyhow::Result<Vec<DriftRow>>>;

    fn handle(&mut self, query: ComputeDrift, _: &mut Self::Context) -> Self::Result {
        if let Some(rows) = self.view.query(&query) {
            return AtomicResponse::new(Box::pin(actix::fut::ready(Ok(rows))));
        }
        // Atomic: refreshes queue behind the load instead of racing it.
        AtomicResponse::new(Box::pin(self.read_cells(None).into_actor(self).map(
            move |loaded, actor, _| {
                let (generations, cells) = loaded?;
                let cache = DriftCache::load(generations, cells);
                let rows = cache.query(&query);
                actor.view.set(Some(cache));
                Ok(rows)
            },
        )))
    }
}

impl Handler<Refresh> for DriftActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, Refresh { env }: Refresh, _: &mut Self::Context) -> Self::Result {
        let Some(env) = env.filter(|_| self.view.is_loaded()) else {
            self.view.set(None);
            return AtomicResponse::new(Box::pin(actix::fut::ready(())));
        };
        AtomicResponse::new(Box::pin(self.read_cells(Some(env)).into_actor(self).map(
            |cells, actor, _| match cells {
                // Computed before taking the lock: readers wait only for the events.
                Ok((generations, cells)) => actor.view.update(|cache| {
                    for cell in cells {
                        cache.apply(cell);
                    }
                    cache.generations.extend(generations);
                }),
                Err(e) => {
                    // Unknown state: reload from scratch on the next query.
                    tracing::warn!(error = %e, "drift refresh failed; dropping the cached matrix");
                    actor.view.set(None);
                }
            },
        )))
    }
}

/// A committed write's cells of one environment, computed in its transaction: applied as they
/// are (no recomputation) unless the matrix already holds a later write's cells of that
/// environment.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ApplyCells {
    pub env: String,
    /// Orders one environment's writes as they committed (they serialise on its drift lock).
    pub generation: i64,
    pub cells: Vec<Computed>,
}

impl Handler<ApplyCells> for DriftActor {
    type Result = ();

    fn handle(&mut self, msg: ApplyCells, _: &mut Self::Context) {
        // Not loaded: the next query loads everything, this write included.
        self.view.update(|cache| {
            let newest = cache.generations.entry(msg.env).or_insert(i64::MIN);
            if msg.generation > *newest {
                *newest = msg.generation;
                for cell in msg.cells {
                    cache.apply(cell);
                }
            }
        });
    }
}

/// Makes the actor panic, as a bug would (for tests): its task ends and its address goes dead.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CrashDrift;

impl Handler<CrashDrift> for DriftActor {
    type Result = ();

    fn handle(&mut self, _: CrashDrift, _: &mut Self::Context) {
        panic!("drift actor crash requested");
    }
}

/// One cell as computed from Postgres: its row for the API and its inputs for the matrix.
pub struct Computed {
    /// The cell's address in the matrix: the environment's and target's own ids.
    pub env_id: EnvironmentId,
    pub target_id: TargetId,
    pub row: DriftRow,
    pub state: CellState,
}

#[derive(Default)]
struct Cell {
    /// The environment's and the target's ids (every row naming the cell carries them).
    ids: (Uuid, Uuid),
    desired: Option<(Uuid, String)>,
    /// `name#revision`, the revision's hash and its canonical data.
    bound: Option<(String, String, serde_json::Value)>,
    /// The version reported, its id when it is a registered version, and the config hash.
    observed: Option<(String, Option<Uuid>, Option<String>)>,
}

/// The drift of one environment's cells, read inside the caller's transaction (so it sees the
/// caller's writes): a write computes them before and after, emits drift events for the cells
/// that changed (a deployment can change other targets' dependency drift), and hands the cells
/// after to the actor.
pub async fn compute_drift(
    tx: &TenantTx,
    graph: &Addr<GraphActor>,
    schemas: &SchemaCache,
    env: &str,
) -> anyhow::Result<Vec<Computed>> {
    compute(tx, graph, schemas, Some(env)).await
}

async fn compute(
    tx: &TenantTx,
    graph: &Addr<GraphActor>,
    schemas: &SchemaCache,
    only_env: Option<&str>,
) -> anyhow::Result<Vec<Computed>> {
    // A cell's drift depends on its own environment only.
    let deployments = tx.current_deployments(only_env).await?;
    let bindings = tx.current_bindings(only_env).await?;
    let observations = tx.current_observations(only_env).await?;
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    let mut per_env: HashMap<String, Deployed> = HashMap::new();
    for d in &deployments {
        let cell = cells.entry((d.env.clone(), d.target.clone())).or_default();
        cell.ids = (d.environment_id, d.target_id);
        cell.desired = Some((d.target_version_id, d.version.clone()));
        per_env
            .entry(d.env.clone())
            .or_insert_with(|| Deployed::new(d.env.clone()))
            .insert(d.target.clone(), TargetVersionId(d.target_version_id));
    }
    let wanted: Vec<Uuid> = bindings.iter().map(|b| b.config_id).collect();
    let revisions: HashMap<Uuid, versiqii_store::RevisionRow> = tx
        .revisions(&wanted)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    for b in &bindings {
        let Some(revision) = revisions.get(&b.config_id).cloned() else {
            continue;
        };
        let cell = cells.entry((b.env.clone(), b.target.clone())).or_default();
        cell.ids = (b.environment_id, b.target_id);
        cell.bound = Some((
            format!("{}#{}", b.config_name, b.revision),
            revision.hash,
            revision.canonical,
        ));
    }
    for o in &observations {
        let cell = cells.entry((o.env.clone(), o.target.clone())).or_default();
        cell.ids = (o.environment_id, o.target_id);
        cell.observed = Some((
            o.version.clone(),
            o.target_version_id,
            o.config_hash.clone(),
        ));
    }

    let unmet = graph
        .send(UnmetIn(per_env.into_values().collect()))
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut unmet_by: HashMap<(String, String), Vec<String>> = HashMap::new();
    for v in unmet {
        unmet_by
            .entry((v.env.clone(), v.owner.clone()))
            .or_default()
            .push(v.message);
    }

    // Each cell's bound config against its desired version's schema: the versions and schemas
    // in two queries, then every validation at once on a blocking thread, off the HTTP worker
    // (other tenants' requests wait for no one's loop).
    let desired_ids: Vec<Uuid> = cells
        .values()
        .filter(|c| c.bound.is_some())
        .filter_map(|c| c.desired.as_ref().map(|d| d.0))
        .collect();
    let versions: HashMap<Uuid, versiqii_store::TargetVersionRow> = tx
        .target_versions(&desired_ids)
        .await?
        .into_iter()
        .map(|tv| (tv.id, tv))
        .collect();
    let missing: Vec<Uuid> = versions
        .values()
        .filter(|tv| schemas.get(&tv.schema_hash).is_none())
        .map(|tv| tv.schema_version_id)
        .collect();
    for schema in tx.schema_versions_by_ids(&missing).await? {
        schemas.get_or_compile(&schema.hash, &schema.document)?;
    }
    let mut checks = Vec::new();
    for ((env, target), cell) in &cells {
        if let (Some((desired_id, _)), Some((_, _, data))) = (&cell.desired, &cell.bound) {
            if let Some(tv) = versions.get(desired_id) {
                if let Some(compiled) = schemas.get(&tv.schema_hash) {
                    checks.push(((env.clone(), target.clone()), compiled, data.clone()));
                }
            }
        }
    }
    let failures: HashMap<(String, String), (usize, String, String)> =
        tokio::task::spawn_blocking(move || {
            checks
                .into_iter()
                .filter_map(|(key, compiled, data)| {
                    let violations = compiled.validate(&data);
                    let first = violations.first()?;
                    let pointer = if first.pointer.is_empty() {
                        "/".to_owned()
                    } else {
                        first.pointer.clone()
                    };
                    Some((key, (violations.len(), pointer, first.message.clone())))
                })
                .collect()
        })
        .await?;

    let mut rows = Vec::with_capacity(cells.len());
    for ((env, target), cell) in cells {
        if only_env.is_some_and(|e| e != env) {
            continue;
        }
        // The inputs only: versiqii-core's CellState classifies the four dimensions, and the
        // details below explain exactly the dimensions it reports.
        let failure = failures.get(&(env.clone(), target.clone()));
        let messages = unmet_by.remove(&(env.clone(), target.clone()));
        let hash = |h: &str| ConfigHash::from_hex(h).ok();
        let state = CellState {
            desired: cell.desired.as_ref().map(|d| TargetVersionId(d.0)),
            bound_config: cell.bound.as_ref().and_then(|b| hash(&b.1)),
            schema_valid: failure.is_none(),
            // A version that is not registered is still a version that runs; it can never be
            // the desired one, which the nil id says.
            observed_version: cell
                .observed
                .as_ref()
                .map(|o| TargetVersionId(o.1.unwrap_or(Uuid::nil()))),
            observed_config: cell
                .observed
                .as_ref()
                .and_then(|o| o.2.as_deref().and_then(hash)),
            unmet_constraints: messages
                .as_ref()
                .map_or(0, |m| u32::try_from(m.len()).unwrap_or(u32::MAX)),
        };
        let drift = state.drift();
        let dims = DriftDimensions {
            schema: drift.contains(Dimension::Schema),
            dependency: drift.contains(Dimension::Dependency),
            config: drift.contains(Dimension::Config),
            environment: drift.contains(Dimension::Environment),
        };
        let mut details = Vec::new();
        if dims.schema {
            if let (
                Some((desired_id, desired)),
                Some((config, _, _)),
                Some((count, pointer, message)),
            ) = (&cell.desired, &cell.bound, failure)
            {
                let schema = versions
                    .get(desired_id)
                    .map_or("?", |tv| tv.schema_version.as_str());
                details.push(format!(
                    "schema: {config} has {count} violation(s) against {target}@{desired} (schema {schema}), first at {pointer}: {message}"
                ));
            }
        }
        if dims.dependency {
            details.extend(
                messages
                    .into_iter()
                    .flatten()
                    .map(|m| format!("dependency: {m}")),
            );
        }
        if dims.config {
            if let (Some((_, _, Some(observed_hash))), Some((config, bound_hash, _))) =
                (&cell.observed, &cell.bound)
            {
                details.push(format!(
                    "config: {env} runs config {} but {config} ({}) is bound",
                    short(observed_hash),
                    short(bound_hash)
                ));
            }
        }
        if dims.environment {
            if let (Some((observed, _, _)), Some((_, desired))) = (&cell.observed, &cell.desired) {
                details.push(format!(
                    "environment: {env} runs {target}@{observed} but {desired} is deployed"
                ));
            }
        }
        rows.push(Computed {
            env_id: EnvironmentId(cell.ids.0),
            target_id: TargetId(cell.ids.1),
            row: DriftRow {
                env,
                target,
                desired_version: cell.desired.map(|d| d.1),
                observed_version: cell.observed.map(|o| o.0),
                bound_config: cell.bound.map(|b| b.0),
                dimensions: dims,
                details,
            },
            state,
        });
    }
    Ok(rows)
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}
