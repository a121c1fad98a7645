//! The DriftActor answers a tenant's drift matrix: per environment and target, desired (the
//! deployment), valid (the bound config against the desired version's schema), and observed
//! (what the cluster reports), in four dimensions.
//!
//! This first cut recomputes the tenant's matrix from Postgres on each query, serialised in the
//! tenant's own mailbox; incremental updates on events are the next step (see the issue notes).

use super::graph::{GraphActor, UnmetIn};
use crate::schema_cache::SchemaCache;
use actix::{Actor, Addr, Context, Handler, Message, ResponseFuture};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;
use versiqii_core::graph::{Deployed, TargetVersionId};
use versiqii_core::TenantId;
use versiqii_store::{Store, TenantTx};

pub struct DriftActor {
    store: Store,
    tenant: TenantId,
    graph: Addr<GraphActor>,
    schemas: Arc<SchemaCache>,
}

impl DriftActor {
    pub fn new(
        store: Store,
        tenant: TenantId,
        graph: Addr<GraphActor>,
        schemas: Arc<SchemaCache>,
    ) -> Self {
        Self {
            store,
            tenant,
            graph,
            schemas,
        }
    }
}

impl Actor for DriftActor {
    type Context = Context<Self>;
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DriftDimensions {
    /// The bound config is not valid for the deployed version's schema.
    pub schema: bool,
    /// A constraint of the deployed version is unmet in this environment.
    pub dependency: bool,
    /// The observed config hash is not the bound revision's.
    pub config: bool,
    /// The observed version is not the deployed (desired) one.
    pub environment: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DriftRow {
    pub env: String,
    pub target: String,
    pub desired_version: Option<String>,
    pub observed_version: Option<String>,
    /// `name#revision` of the bound config.
    pub bound_config: Option<String>,
    pub dimensions: DriftDimensions,
    /// One sentence per drifting dimension.
    pub details: Vec<String>,
}

#[derive(Message)]
#[rtype(result = "anyhow::Result<Vec<DriftRow>>")]
pub struct ComputeDrift;

impl Handler<ComputeDrift> for DriftActor {
    type Result = ResponseFuture<anyhow::Result<Vec<DriftRow>>>;

    fn handle(&mut self, _: ComputeDrift, _: &mut Self::Context) -> Self::Result {
        let store = self.store.clone();
        let tenant = self.tenant;
        let graph = self.graph.clone();
        let schemas = self.schemas.clone();
        Box::pin(async move {
            let tx = store.begin_for(tenant).await?;
            let rows = compute(&tx, &graph, &schemas, None).await?;
            tx.commit().await?;
            Ok(rows)
        })
    }
}

#[derive(Default)]
struct Cell {
    desired: Option<(Uuid, String)>,
    /// `name#revision`, the revision's hash and its canonical data.
    bound: Option<(String, String, serde_json::Value)>,
    observed: Option<(String, Option<String>)>,
}

/// The drift of one environment's cells, read inside the caller's transaction (so it sees the
/// caller's writes): writes compare them before and after, to emit drift events only for cells
/// that changed (a deployment can change other targets' dependency drift).
pub async fn drift_of_env(
    tx: &TenantTx,
    graph: &Addr<GraphActor>,
    schemas: &SchemaCache,
    env: &str,
) -> anyhow::Result<Vec<DriftRow>> {
    compute(tx, graph, schemas, Some(env)).await
}

async fn compute(
    tx: &TenantTx,
    graph: &Addr<GraphActor>,
    schemas: &SchemaCache,
    only_env: Option<&str>,
) -> anyhow::Result<Vec<DriftRow>> {
    let deployments = tx.current_deployments(None).await?;
    let bindings = tx.current_bindings(None).await?;
    let observations = tx.current_observations().await?;
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    let mut per_env: HashMap<String, Deployed> = HashMap::new();
    for d in &deployments {
        let cell = cells.entry((d.env.clone(), d.target.clone())).or_default();
        cell.desired = Some((d.target_version_id, d.version.clone()));
        per_env
            .entry(d.env.clone())
            .or_insert_with(|| Deployed::new(d.env.clone()))
            .insert(d.target.clone(), TargetVersionId(d.target_version_id));
    }
    for b in &bindings {
        if only_env.is_some_and(|e| e != b.env) {
            continue;
        }
        let Some(revision) = tx.revision(b.config_id).await? else {
            continue;
        };
        let cell = cells.entry((b.env.clone(), b.target.clone())).or_default();
        cell.bound = Some((
            format!("{}#{}", b.config_name, b.revision),
            revision.hash,
            revision.canonical,
        ));
    }
    for o in &observations {
        let cell = cells.entry((o.env.clone(), o.target.clone())).or_default();
        cell.observed = Some((o.version.clone(), o.config_hash.clone()));
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

    let mut rows = Vec::with_capacity(cells.len());
    for ((env, target), cell) in cells {
        if only_env.is_some_and(|e| e != env) {
            continue;
        }
        let mut dims = DriftDimensions::default();
        let mut details = Vec::new();
        if let (Some((desired_id, desired)), Some((config, _, data))) = (&cell.desired, &cell.bound)
        {
            if let Some(tv) = tx.target_version(*desired_id).await? {
                if let Some(schema) = tx.schema_version_by_id(tv.schema_version_id).await? {
                    let compiled = schemas.get_or_compile(&schema.hash, &schema.document)?;
                    let violations = compiled.validate(data);
                    if !violations.is_empty() {
                        dims.schema = true;
                        details.push(format!(
                            "schema: {config} has {} violation(s) against {}@{} (schema {}), first at {}: {}",
                            violations.len(),
                            target,
                            desired,
                            schema.version,
                            if violations[0].pointer.is_empty() { "/" } else { &violations[0].pointer },
                            violations[0].message
                        ));
                    }
                }
            }
        }
        if let Some(messages) = unmet_by.remove(&(env.clone(), target.clone())) {
            dims.dependency = true;
            details.extend(messages.into_iter().map(|m| format!("dependency: {m}")));
        }
        if let (Some((_, Some(observed_hash))), Some((config, bound_hash, _))) =
            (&cell.observed, &cell.bound)
        {
            if observed_hash != bound_hash {
                dims.config = true;
                details.push(format!(
                    "config: {env} runs config {} but {config} ({}) is bound",
                    short(observed_hash),
                    short(bound_hash)
                ));
            }
        }
        if let (Some((observed, _)), Some((_, desired))) = (&cell.observed, &cell.desired) {
            if observed != desired {
                dims.environment = true;
                details.push(format!(
                    "environment: {env} runs {target}@{observed} but {desired} is deployed"
                ));
            }
        }
        rows.push(DriftRow {
            env,
            target,
            desired_version: cell.desired.map(|d| d.1),
            observed_version: cell.observed.map(|o| o.0),
            bound_config: cell.bound.map(|b| b.0),
            dimensions: dims,
            details,
        });
    }
    Ok(rows)
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}
