//! An environment's resolved configs (`GET /v1/envs/{env}/configs`): what a deploy step or an
//! agent pulls. Built from Postgres once per change of the tenant's drift matrix and answered
//! from memory until the next one, so a fleet of agents polling costs no database work; the
//! body's hash is its strong `ETag`.

use crate::actors::{ComputeDrift, Tenant};
use crate::error::ApiError;
use actix_web::web::Bytes;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use versiqii_api::v1::{EnvConfig, EnvConfigs, ResolvedConfig};
use versiqii_store::TenantTx;

/// One environment's answer, as built at one stamp of the drift matrix.
pub struct Resolved {
    /// The matrix's stamp when the rows were read (`None`: not cacheable).
    stamp: Option<u64>,
    pub etag: String,
    pub body: Bytes,
}

/// Environments kept per tenant; past it the cache starts over (a tenant with more
/// environments than this rebuilds some answers more often, nothing worse).
const ENVS_KEPT: usize = 256;

/// A tenant's built answers by environment (held with the tenant's actors, dropped with them).
#[derive(Default)]
pub struct ResolvedCache(Mutex<HashMap<String, Arc<Resolved>>>);

impl ResolvedCache {
    fn get(&self, env: &str, stamp: u64) -> Option<Arc<Resolved>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(env).filter(|r| r.stamp == Some(stamp)).cloned()
    }

    fn put(&self, env: &str, resolved: Arc<Resolved>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= ENVS_KEPT && !map.contains_key(env) {
            map.clear();
        }
        map.insert(env.to_owned(), resolved);
    }
}

/// The environment's answer: from memory when the matrix has not moved since it was built.
/// `begin` opens a read of the tenant's rows (only called on a miss).
pub async fn resolve<F, Fut>(
    tenant: &Tenant,
    env: &str,
    begin: F,
) -> Result<Arc<Resolved>, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<TenantTx, ApiError>>,
{
    if tenant.drift_view.stamp().is_none() {
        // Not loaded yet: the actor loads the matrix (once, however many ask).
        tenant
            .drift
            .send(ComputeDrift::default())
            .await
            .map_err(anyhow::Error::from)??;
    }
    // Read before the rows: a change after this point moves the stamp past the one the answer
    // is kept under, so a stale answer is never served twice.
    let stamp = tenant.drift_view.stamp();
    if let Some(hit) = stamp.and_then(|s| tenant.resolved.get(env, s)) {
        return Ok(hit);
    }
    let tx = begin().await?;
    let Some(_) = tx.env(env).await? else {
        tx.commit().await?;
        return Err(ApiError::not_found(format!("environment {env}")));
    };
    let items = read_items(&tx, tenant, env).await?;
    tx.commit().await?;
    let body = serde_json::to_vec(&EnvConfigs {
        env: env.to_owned(),
        items,
    })
    .map_err(anyhow::Error::from)?;
    let resolved = Arc::new(Resolved {
        stamp,
        etag: format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16])),
        body: Bytes::from(body),
    });
    if stamp.is_some() {
        tenant.resolved.put(env, resolved.clone());
    }
    Ok(resolved)
}

async fn read_items(tx: &TenantTx, tenant: &Tenant, env: &str) -> Result<Vec<EnvConfig>, ApiError> {
    let deployments = tx.current_deployments(Some(env)).await?;
    let bindings = tx.current_bindings(Some(env)).await?;
    let revision_ids: Vec<_> = bindings.iter().map(|b| b.config_id).collect();
    let revisions: HashMap<_, _> = tx
        .revisions(&revision_ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let version_ids: Vec<_> = deployments
        .iter()
        .map(|d| d.target_version_id)
        .chain(bindings.iter().map(|b| b.target_version_id))
        .collect();
    let versions: HashMap<_, _> = tx
        .target_versions(&version_ids)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let schema_of = |id| {
        versions
            .get(&id)
            .map(|v: &versiqii_store::TargetVersionRow| {
                format!("{}@{}", v.family, v.schema_version)
            })
    };
    let query = ComputeDrift {
        env: Some(env.to_owned()),
        ..ComputeDrift::default()
    };
    let drift = match tenant.drift_view.query(&query) {
        Some(rows) => rows,
        None => tenant
            .drift
            .send(query)
            .await
            .map_err(anyhow::Error::from)??,
    };
    let mut items: BTreeMap<String, EnvConfig> = BTreeMap::new();
    for d in deployments {
        let entry = entry(&mut items, &d.target);
        entry.schema_version = schema_of(d.target_version_id);
        entry.version = Some(d.version);
    }
    for b in bindings {
        let Some(revision) = revisions.get(&b.config_id) else {
            continue;
        };
        entry(&mut items, &b.target).config = Some(ResolvedConfig {
            schema_version: schema_of(b.target_version_id).unwrap_or(b.schema_version),
            name: b.config_name,
            revision: b.revision,
            revision_id: b.config_id.into(),
            hash: b.config_hash,
            bound_for_version: b.target_version,
            data: revision.canonical.clone(),
        });
    }
    for row in drift {
        if let Some(entry) = items.get_mut(&row.target) {
            entry.drift = row.dimensions;
            entry.drift_details = row.details;
        }
    }
    Ok(items.into_values().collect())
}

fn entry<'a>(items: &'a mut BTreeMap<String, EnvConfig>, target: &str) -> &'a mut EnvConfig {
    items.entry(target.to_owned()).or_insert_with(|| EnvConfig {
        target: target.to_owned(),
        version: None,
        schema_version: None,
        config: None,
        drift: Default::default(),
        drift_details: Vec::new(),
    })
}
