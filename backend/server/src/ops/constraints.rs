//! Constraints between target versions: the edges of the tenant's VersionGraph. The graph actor
//! checks a new edge for cycles before it is stored.

use super::{GraphChange, TenantWrite};
use crate::actors::{constraint_of, RemoveConstraint, TryAddConstraint};
use crate::error::{ApiError, ErrorCode};
use uuid::Uuid;
use versiqii_api::events::{ConstraintCreated, ConstraintDeleted};
use versiqii_api::reference::TargetVersionRef;
use versiqii_api::AuditAction;
use versiqii_core::graph::{GraphError, VersionRange};
use versiqii_core::names::TargetName;
use versiqii_core::version::Scheme;
use versiqii_store::ConstraintRow;

pub struct AddConstraint {
    /// `name@version` or a target version's id.
    pub from: TargetVersionRef,
    /// `requires` or `accepts`.
    pub kind: &'static str,
    pub target: TargetName,
    /// Parsed in the other target's version scheme.
    pub range: String,
}

pub async fn create(mut w: TenantWrite, req: AddConstraint) -> Result<ConstraintRow, ApiError> {
    let from = super::targets::resolve(w.tx(), &req.from).await?;
    let scheme = match w.tx().target_scheme(req.target.as_str()).await? {
        Some(s) => s.parse::<Scheme>().map_err(anyhow::Error::from)?,
        None => Scheme::Semver,
    };
    let range =
        VersionRange::parse(&req.range, scheme).map_err(|e| ApiError::invalid("/range", e))?;
    let kind = req.kind;
    let actor = w.actor().to_string();
    let row = w
        .tx()
        .insert_constraint(
            from.id,
            kind,
            req.target.as_str(),
            &range.to_string(),
            &actor,
        )
        .await?;
    let actors = w.actors().await?;
    let constraint = constraint_of(from.id, kind, req.target.to_string(), range);
    let added = actors
        .graph
        .send(TryAddConstraint(constraint.clone()))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|_| ApiError::Unavailable("the version graph is loading; retry"))?;
    if let Err(GraphError::Cycle { path }) = added {
        return Err(ApiError::Conflict {
            code: ErrorCode::ConstraintCycle,
            detail: format!(
                "this constraint would close a dependency cycle: {}",
                path.join(" -> ")
            ),
        });
    }
    added.map_err(anyhow::Error::from)?;
    w.audit(
        AuditAction::ConstraintCreate,
        format!("constraint:{}", row.id),
        None,
        None,
    );
    w.emit(ConstraintCreated {
        constraint_id: row.id,
        from: format!("{}@{}", row.from_target, row.from_version),
        kind: row.kind.clone(),
        target: row.other_target.clone(),
        range: row.range.clone(),
    });
    w.graph_changed(GraphChange::AlreadyApplied);
    if let Err(e) = w.commit().await {
        // The graph actor took the edge before the write; it must not outlive a failed one.
        let _ = actors.graph.send(RemoveConstraint(constraint)).await;
        return Err(e);
    }
    Ok(row)
}

pub async fn delete(mut w: TenantWrite, id: Uuid) -> Result<(), ApiError> {
    w.tx()
        .delete_constraint(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("constraint {id}")))?;
    w.audit(
        AuditAction::ConstraintDelete,
        format!("constraint:{id}"),
        None,
        None,
    );
    w.emit(ConstraintDeleted { constraint_id: id });
    // The graph rebuilds from Postgres rather than re-deriving the stored range's scheme here.
    w.graph_changed(GraphChange::Reload);
    w.commit().await
}
