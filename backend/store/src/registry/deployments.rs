//! Constraints between target versions, deployments (desired state, with history) and
//! observations (what actually runs).

use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct ConstraintRow {
    pub id: Uuid,
    pub target_version_id: Uuid,
    pub from_target: String,
    pub from_version: String,
    pub kind: String,
    pub other_target: String,
    pub range: String,
    pub created_at: DateTime<Utc>,
}

/// Every target version of the tenant, for loading the VersionGraph.
#[derive(Debug, Clone, FromQueryResult)]
pub struct VersionNodeRow {
    pub id: Uuid,
    pub target: String,
    pub version: String,
    pub scheme: String,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct DeploymentRow {
    pub id: Uuid,
    pub env: String,
    pub environment_id: Uuid,
    pub target: String,
    pub target_id: Uuid,
    pub version: String,
    pub target_version_id: Uuid,
    pub forced: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ObservationRow {
    pub id: Uuid,
    pub env: String,
    pub environment_id: Uuid,
    pub target: String,
    pub target_id: Uuid,
    pub version: String,
    pub target_version_id: Option<Uuid>,
    pub config_hash: Option<String>,
    pub observed_at: DateTime<Utc>,
}

pub struct NewDeployment<'a> {
    pub environment_id: Uuid,
    pub target_id: Uuid,
    pub target_version_id: Uuid,
    pub forced: bool,
    pub plan: &'a Value,
    pub created_by: &'a str,
}

pub struct NewObservation<'a> {
    pub environment_id: Uuid,
    pub target_id: Uuid,
    pub version: &'a str,
    pub target_version_id: Option<Uuid>,
    pub config_hash: Option<&'a str>,
    pub reported_by: &'a str,
}

const CONSTRAINT_SELECT: &str = "select c.id, c.target_version_id, t.name as from_target,
        tv.version as from_version, c.kind, c.other_target, c.range, c.created_at
    from constraints c
    join target_versions tv on tv.id = c.target_version_id
    join targets t on t.id = tv.target_id";

const DEPLOYMENT_SELECT: &str = "select d.id, e.name as env, d.environment_id, t.name as target,
        d.target_id, tv.version, d.target_version_id, d.forced, d.created_by, d.created_at
    from deployments d
    join environments e on e.id = d.environment_id
    join targets t on t.id = d.target_id
    join target_versions tv on tv.id = d.target_version_id";

const OBSERVATION_SELECT: &str = "select o.id, e.name as env, o.environment_id, t.name as target,
        o.target_id, o.version, o.target_version_id, o.config_hash, o.observed_at
    from observations o
    join environments e on e.id = o.environment_id
    join targets t on t.id = o.target_id";

impl TenantTx {
    pub async fn insert_constraint(
        &self,
        target_version_id: Uuid,
        kind: &str,
        other_target: &str,
        range: &str,
        created_by: &str,
    ) -> Result<ConstraintRow, StoreError> {
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into constraints (tenant_id, id, target_version_id, kind, other_target, range, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7)",
                [
                    self.tenant().0.into(),
                    id.into(),
                    target_version_id.into(),
                    kind.into(),
                    other_target.into(),
                    range.into(),
                    created_by.into(),
                ],
            ))
            .await?;
        ConstraintRow::find_by_statement(Self::stmt(
            &format!("{CONSTRAINT_SELECT} where c.id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?
        .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    pub async fn constraints(
        &self,
        target: Option<&str>,
    ) -> Result<Vec<ConstraintRow>, StoreError> {
        Ok(ConstraintRow::find_by_statement(Self::stmt(
            &format!(
                "{CONSTRAINT_SELECT} where ($1::text is null or t.name = $1 or c.other_target = $1)
                 order by t.name, tv.created_at, c.kind, c.other_target"
            ),
            [target.map(str::to_owned).into()],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn delete_constraint(&self, id: Uuid) -> Result<Option<ConstraintRow>, StoreError> {
        let row = ConstraintRow::find_by_statement(Self::stmt(
            &format!("{CONSTRAINT_SELECT} where c.id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?;
        if row.is_some() {
            self.connection()
                .execute(Self::stmt(
                    "delete from constraints where id = $1",
                    [id.into()],
                ))
                .await?;
        }
        Ok(row)
    }

    pub async fn version_nodes(&self) -> Result<Vec<VersionNodeRow>, StoreError> {
        Ok(VersionNodeRow::find_by_statement(Self::stmt(
            "select tv.id, t.name as target, tv.version, tv.scheme
             from target_versions tv join targets t on t.id = tv.target_id
             order by tv.created_at",
            [],
        ))
        .all(self.connection())
        .await?)
    }

    /// Serialises deployments of one target in one environment (and their checks).
    pub async fn lock_deployment_slot(
        &self,
        env_id: Uuid,
        target_id: Uuid,
    ) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select pg_advisory_xact_lock(hashtextextended($1, 0))",
                [format!("deploy:{env_id}:{target_id}").into()],
            ))
            .await?;
        Ok(())
    }

    pub async fn insert_deployment(
        &self,
        new: NewDeployment<'_>,
    ) -> Result<DeploymentRow, StoreError> {
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into deployments (tenant_id, id, environment_id, target_id, target_version_id, forced, plan, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
                [
                    self.tenant().0.into(),
                    id.into(),
                    new.environment_id.into(),
                    new.target_id.into(),
                    new.target_version_id.into(),
                    new.forced.into(),
                    new.plan.clone().into(),
                    new.created_by.into(),
                ],
            ))
            .await?;
        DeploymentRow::find_by_statement(Self::stmt(
            &format!("{DEPLOYMENT_SELECT} where d.id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?
        .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    /// What each environment is meant to run now: the newest deployment per target.
    pub async fn current_deployments(
        &self,
        env: Option<&str>,
    ) -> Result<Vec<DeploymentRow>, StoreError> {
        Ok(DeploymentRow::find_by_statement(Self::stmt(
            &format!(
                "{DEPLOYMENT_SELECT} where d.id = any(array({})) order by e.name, t.name",
                super::cells::newest_per_cell("deployments", "$1", env.is_some())
            ),
            [env.map(str::to_owned).into()],
        ))
        .all(self.connection())
        .await?)
    }

    /// An environment's deployments (of one target or all), newest first, at most `limit`.
    pub async fn deployment_history(
        &self,
        env: &str,
        target: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeploymentRow>, StoreError> {
        Ok(DeploymentRow::find_by_statement(Self::stmt(
            &format!(
                "{DEPLOYMENT_SELECT} where e.name = $1 and ($2::text is null or t.name = $2)
                 order by d.seq desc limit $3"
            ),
            [env.into(), target.map(str::to_owned).into(), limit.into()],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn insert_observation(
        &self,
        new: NewObservation<'_>,
    ) -> Result<ObservationRow, StoreError> {
        let id = Uuid::new_v4();
        self.connection()
            .execute(Self::stmt(
                "insert into observations (tenant_id, id, environment_id, target_id, version, target_version_id, config_hash, reported_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
                [
                    self.tenant().0.into(),
                    id.into(),
                    new.environment_id.into(),
                    new.target_id.into(),
                    new.version.into(),
                    new.target_version_id.into(),
                    new.config_hash.map(str::to_owned).into(),
                    new.reported_by.into(),
                ],
            ))
            .await?;
        ObservationRow::find_by_statement(Self::stmt(
            &format!("{OBSERVATION_SELECT} where o.id = $1"),
            [id.into()],
        ))
        .one(self.connection())
        .await?
        .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    /// The newest observation per environment and target.
    /// What each environment (or one) reports it runs now: the newest observation per target.
    pub async fn current_observations(
        &self,
        env: Option<&str>,
    ) -> Result<Vec<ObservationRow>, StoreError> {
        Ok(ObservationRow::find_by_statement(Self::stmt(
            &format!(
                "{OBSERVATION_SELECT} where o.id = any(array({})) order by e.name, t.name",
                super::cells::newest_per_cell("observations", "$1", env.is_some())
            ),
            [env.map(str::to_owned).into()],
        ))
        .all(self.connection())
        .await?)
    }
}

impl TenantTx {
    /// The scheme a target's versions use, if it has any.
    pub async fn target_scheme(&self, target: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select tv.scheme from target_versions tv join targets t on t.id = tv.target_id
                 where t.name = $1 limit 1",
                [target.into()],
            ))
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get("", "scheme")?),
            None => None,
        })
    }
}

/// The channel every instance listens on for changes to tenants' cached state.
pub const CHANGES_CHANNEL: &str = "versiqii_changes";

impl TenantTx {
    /// Tells every server instance, at commit, that this tenant's graph changed. Postgres
    /// delivers the notification only if the transaction commits.
    pub async fn notify_graph_changed(&self) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select pg_notify($1, $2)",
                [
                    CHANGES_CHANNEL.into(),
                    format!("graph:{}", self.tenant()).into(),
                ],
            ))
            .await?;
        Ok(())
    }

    /// Tells every instance, at commit, that an environment's drift may have changed.
    /// Tells every instance that `env`'s drift changed; `origin` names the sending instance,
    /// which has applied the change already.
    pub async fn notify_drift_changed(&self, env: &str, origin: &str) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select pg_notify($1, $2)",
                [
                    CHANGES_CHANNEL.into(),
                    format!("drift:{origin}:{}:{env}", self.tenant()).into(),
                ],
            ))
            .await?;
        Ok(())
    }

    /// Serialises the writes that change one environment's drift, so each computes its drift
    /// before and after on top of the last one's commit (released at commit or rollback).
    pub async fn lock_env_drift(&self, env: &str) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select pg_advisory_xact_lock(hashtextextended($1, 0))",
                [format!("drift:{}:{env}", self.tenant()).into()],
            ))
            .await?;
        Ok(())
    }

    /// Takes the next drift generation for `env` (while its drift lock is held) and records it
    /// as the environment's latest.
    pub async fn next_drift_generation(&self, env: &str) -> Result<i64, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "insert into drift_envs (tenant_id, env, generation)
                 values ($1, $2, nextval('drift_generation'))
                 on conflict (tenant_id, env) do update set generation = excluded.generation
                 returning generation",
                [self.tenant().0.into(), env.into()],
            ))
            .await?
            .ok_or(StoreError::Db(sea_orm::DbErr::RecordNotInserted))?;
        Ok(row.try_get("", "generation")?)
    }

    /// The latest drift generation of each environment (of one, or all); an environment no
    /// write has touched yet has none.
    pub async fn drift_generations(
        &self,
        env: Option<&str>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = self
            .connection()
            .query_all(Self::stmt(
                "select env, generation from drift_envs where ($1::text is null or env = $1)",
                [env.map(str::to_owned).into()],
            ))
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("", "env")?, r.try_get("", "generation")?)))
            .collect()
    }
}
