//! Recording what an environment actually runs (from an admission webhook or `versiqii report`).

use super::TenantWrite;
use crate::error::ApiError;
use versiqii_api::events::ObservationRecorded;
use versiqii_core::names::{EnvName, TargetName};
use versiqii_store::{NewObservation, ObservationRow};

pub struct Observe {
    pub env: EnvName,
    pub target: TargetName,
    /// The version the cluster runs (need not be a declared one).
    pub version: String,
    /// SHA-256 (hex, lower case) of the canonical config it runs, if known.
    pub config_hash: Option<String>,
}

pub async fn observe(mut w: TenantWrite, req: Observe) -> Result<ObservationRow, ApiError> {
    let (env, target) = (req.env.as_str(), req.target.as_str());
    let t = w
        .tx()
        .target(target)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target {target}")))?;
    let known = w.tx().target_version_by_name(target, &req.version).await?;
    let environment = w.tx().ensure_env(env).await?;
    w.touch_env(env).await?;
    let actor = w.actor().to_string();
    let row = w
        .tx()
        .insert_observation(NewObservation {
            environment_id: environment.id,
            target_id: t.id,
            version: &req.version,
            target_version_id: known.map(|k| k.id),
            config_hash: req.config_hash.as_deref(),
            reported_by: &actor,
        })
        .await?;
    w.emit(ObservationRecorded {
        observation_id: row.id,
        env: row.env.clone(),
        target: row.target.clone(),
        version: row.version.clone(),
        config_hash: row.config_hash.clone(),
        observed_at: row.observed_at,
    });
    w.commit().await?;
    Ok(row)
}
