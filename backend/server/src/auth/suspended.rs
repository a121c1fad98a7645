//! The tenants suspended by the service's operators, whose callers are refused (403
//! `tenant_suspended`) before any handler runs. Each instance holds the set (ids only), reads it
//! at start, when another instance notifies a change (`tenant-status:<id>`) and every
//! `REFRESH` in case a notification was missed.

use std::collections::HashSet;
use std::sync::RwLock;
use std::time::Duration;
use uuid::Uuid;
use versiqii_core::TenantId;
use versiqii_store::Store;

/// How often the set is read again without being told.
const REFRESH: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct Suspended(RwLock<HashSet<Uuid>>);

impl Suspended {
    pub fn contains(&self, tenant: TenantId) -> bool {
        self.0
            .read()
            .map(|s| s.contains(&tenant.0))
            .unwrap_or(false)
    }

    /// Reads the set from Postgres; on failure the set stays as it was.
    pub async fn reload(&self, store: &Store) {
        match store.suspended_tenants().await {
            Ok(ids) => {
                if let Ok(mut set) = self.0.write() {
                    *set = ids.into_iter().collect();
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the suspended tenants"),
        }
    }

    /// Reads the set every [`REFRESH`], until the process ends.
    pub async fn refresh(gate: std::sync::Arc<super::authorized::Gatekeeper>) {
        loop {
            gate.suspended.reload(&gate.store).await;
            tokio::time::sleep(REFRESH).await;
        }
    }
}
