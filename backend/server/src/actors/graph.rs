//! The GraphActor holds a tenant's VersionGraph, loaded from Postgres, and answers constraint
//! checks and impact analyses against it.

use actix::{
    Actor, ActorFutureExt, AsyncContext, AtomicResponse, Context, Handler, Message, Supervised,
    WrapFuture,
};
use std::panic::{catch_unwind, AssertUnwindSafe};
use versiqii_core::graph::{
    Constraint, Deployed, GraphError, Impact, TargetVersion, TargetVersionId, VersionGraph,
    VersionRange, Violation,
};
use versiqii_core::version::{Scheme, Version};
use versiqii_core::TenantId;
use versiqii_store::Store;

pub struct GraphActor {
    store: Store,
    tenant: TenantId,
    graph: Option<VersionGraph>,
}

#[derive(Debug, thiserror::Error)]
pub enum GraphLoadError {
    #[error("the graph is not loaded: {0}")]
    NotLoaded(String),
}

impl GraphActor {
    pub fn new(store: Store, tenant: TenantId) -> Self {
        Self {
            store,
            tenant,
            graph: None,
        }
    }

    /// Runs `f` on the graph; a panic stops the actor, and its supervisor restarts it with a
    /// graph reloaded from Postgres.
    fn with_graph<T>(
        &mut self,
        ctx: &mut Context<Self>,
        f: impl FnOnce(&mut VersionGraph) -> T,
    ) -> Result<T, GraphLoadError> {
        let graph = self
            .graph
            .as_mut()
            .ok_or_else(|| GraphLoadError::NotLoaded("loading failed; retry".into()))?;
        match catch_unwind(AssertUnwindSafe(|| f(graph))) {
            Ok(value) => Ok(value),
            Err(_) => {
                tracing::error!(tenant = %self.tenant, "graph actor crashed; restarting");
                self.graph = None;
                actix::ActorContext::stop(ctx);
                Err(GraphLoadError::NotLoaded(
                    "the graph actor crashed; retry".into(),
                ))
            }
        }
    }
}

/// Reads the tenant's versions and constraints and builds its graph.
pub async fn load_graph(store: &Store, tenant: TenantId) -> anyhow::Result<VersionGraph> {
    let tx = store.begin_for(tenant).await?;
    let nodes = tx.version_nodes().await?;
    let rows = tx.constraints(None).await?;
    tx.commit().await?;
    let mut schemes = std::collections::HashMap::new();
    let mut versions = Vec::with_capacity(nodes.len());
    for node in nodes {
        let scheme: Scheme = node.scheme.parse()?;
        schemes.entry(node.target.clone()).or_insert(scheme);
        versions.push(TargetVersion {
            id: TargetVersionId(node.id),
            target: node.target,
            version: Version::parse(&node.version, Some(scheme))?,
        });
    }
    let mut constraints = Vec::with_capacity(rows.len());
    for row in rows {
        let scheme = schemes
            .get(&row.other_target)
            .copied()
            .unwrap_or(Scheme::Semver);
        let range = VersionRange::parse(&row.range, scheme)?;
        constraints.push(constraint_of(
            row.target_version_id,
            &row.kind,
            row.other_target,
            range,
        ));
    }
    Ok(VersionGraph::from_parts(versions, constraints)?)
}

pub fn constraint_of(
    from: uuid::Uuid,
    kind: &str,
    other: String,
    range: VersionRange,
) -> Constraint {
    let from = TargetVersionId(from);
    if kind == "accepts" {
        Constraint::Accepts {
            from,
            consumer: other,
            range,
        }
    } else {
        Constraint::Requires {
            from,
            target: other,
            range,
        }
    }
}

impl Actor for GraphActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let store = self.store.clone();
        let tenant = self.tenant;
        // `wait` holds the mailbox until the graph is loaded: no request sees a half graph.
        ctx.wait(
            async move { load_graph(&store, tenant).await }
                .into_actor(self)
                .map(move |loaded, actor, _| match loaded {
                    Ok(graph) => actor.graph = Some(graph),
                    Err(e) => tracing::error!(%tenant, error = %e, "loading the version graph"),
                }),
        );
    }
}

impl Supervised for GraphActor {
    fn restarting(&mut self, _: &mut Self::Context) {
        self.graph = None;
    }
}

/// Reload the graph from Postgres (after a write elsewhere, or on demand).
#[derive(Message)]
#[rtype(result = "Result<(), GraphLoadError>")]
pub struct Reload;

impl Handler<Reload> for GraphActor {
    // Atomic: a version or constraint added while the snapshot is read waits and lands in the
    // new graph, instead of landing in the old one and vanishing when the snapshot replaces it.
    type Result = AtomicResponse<Self, Result<(), GraphLoadError>>;

    fn handle(&mut self, _: Reload, _: &mut Self::Context) -> Self::Result {
        let store = self.store.clone();
        let tenant = self.tenant;
        AtomicResponse::new(Box::pin(
            async move { load_graph(&store, tenant).await }
                .into_actor(self)
                .map(|loaded, actor, _| match loaded {
                    Ok(graph) => {
                        actor.graph = Some(graph);
                        Ok(())
                    }
                    Err(e) => Err(GraphLoadError::NotLoaded(e.to_string())),
                }),
        ))
    }
}

/// Adds a constraint unless it would close a cycle (the graph is then unchanged).
#[derive(Message)]
#[rtype(result = "Result<Result<(), GraphError>, GraphLoadError>")]
pub struct TryAddConstraint(pub Constraint);

impl Handler<TryAddConstraint> for GraphActor {
    type Result = Result<Result<(), GraphError>, GraphLoadError>;

    fn handle(&mut self, msg: TryAddConstraint, ctx: &mut Self::Context) -> Self::Result {
        self.with_graph(ctx, |g| g.add_constraint(msg.0))
    }
}

#[derive(Message)]
#[rtype(result = "Result<bool, GraphLoadError>")]
pub struct RemoveConstraint(pub Constraint);

impl Handler<RemoveConstraint> for GraphActor {
    type Result = Result<bool, GraphLoadError>;

    fn handle(&mut self, msg: RemoveConstraint, ctx: &mut Self::Context) -> Self::Result {
        self.with_graph(ctx, |g| g.remove_constraint(&msg.0))
    }
}

#[derive(Message)]
#[rtype(result = "Result<(), GraphLoadError>")]
pub struct AddVersion(pub TargetVersion);

impl Handler<AddVersion> for GraphActor {
    type Result = Result<(), GraphLoadError>;

    fn handle(&mut self, msg: AddVersion, ctx: &mut Self::Context) -> Self::Result {
        let v = msg.0;
        self.with_graph(ctx, |g| {
            // Already there (e.g. loaded after it was written) is fine.
            let _ = g.add_version(v.id, &v.target, v.version);
        })
    }
}

/// Violations if `candidate` were deployed into `deployed`, in both directions.
#[derive(Message)]
#[rtype(result = "Result<Result<Vec<Violation>, GraphError>, GraphLoadError>")]
pub struct CheckDeployment {
    pub deployed: Deployed,
    pub candidate: TargetVersionId,
}

impl Handler<CheckDeployment> for GraphActor {
    type Result = Result<Result<Vec<Violation>, GraphError>, GraphLoadError>;

    fn handle(&mut self, msg: CheckDeployment, ctx: &mut Self::Context) -> Self::Result {
        self.with_graph(ctx, |g| g.check_deployment(&msg.deployed, msg.candidate))
    }
}

/// Violations of each candidate if all of them were deployed into `deployed` together: each
/// one checked against the environment as it would be after the others moved too.
#[derive(Message)]
#[rtype(result = "Result<Result<Vec<Vec<Violation>>, GraphError>, GraphLoadError>")]
pub struct CheckTogether {
    pub deployed: Deployed,
    pub candidates: Vec<(String, TargetVersionId)>,
}

impl Handler<CheckTogether> for GraphActor {
    type Result = Result<Result<Vec<Vec<Violation>>, GraphError>, GraphLoadError>;

    fn handle(&mut self, msg: CheckTogether, ctx: &mut Self::Context) -> Self::Result {
        self.with_graph(ctx, |g| {
            let mut after = msg.deployed;
            for (target, id) in &msg.candidates {
                after.insert(target.clone(), *id);
            }
            // With the candidate's own target already at the candidate in `after`, the check
            // is the one a single deployment gets, against every other move as well.
            msg.candidates
                .iter()
                .map(|(_, id)| g.check_deployment(&after, *id))
                .collect()
        })
    }
}

/// Unmet constraints of what runs in each environment.
#[derive(Message)]
#[rtype(result = "Result<Vec<Violation>, GraphLoadError>")]
pub struct UnmetIn(pub Vec<Deployed>);

impl Handler<UnmetIn> for GraphActor {
    type Result = Result<Vec<Violation>, GraphLoadError>;

    fn handle(&mut self, msg: UnmetIn, ctx: &mut Self::Context) -> Self::Result {
        self.with_graph(ctx, |g| {
            msg.0.iter().flat_map(|d| g.unmet_constraints(d)).collect()
        })
    }
}

#[derive(Message)]
#[rtype(result = "Result<Impact, GraphLoadError>")]
pub struct ImpactOf {
    pub target: String,
    pub version: Version,
    pub deployments: Vec<Deployed>,
}

impl Handler<ImpactOf> for GraphActor {
    type Result = Result<Impact, GraphLoadError>;

    fn handle(&mut self, msg: ImpactOf, ctx: &mut Self::Context) -> Self::Result {
        self.with_graph(ctx, |g| {
            g.impact(&msg.target, &msg.version, msg.deployments.iter())
        })
    }
}

/// Makes the actor panic inside a handler, as a bug would: operators and tests use it to see
/// the supervisor restart the actor and reload its graph.
#[derive(Message)]
#[rtype(result = "Result<(), GraphLoadError>")]
pub struct Crash;

impl Handler<Crash> for GraphActor {
    type Result = Result<(), GraphLoadError>;

    fn handle(&mut self, _: Crash, ctx: &mut Self::Context) -> Self::Result {
        self.with_graph(ctx, |_| panic!("crash requested"))
    }
}
