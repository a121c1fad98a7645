//! Each tenant's requests run at most `limit` at a time; the rest wait their turn (FIFO). One
//! tenant's flood then holds a bounded share of the workers, database connections and CPU, and
//! another tenant's request never queues behind more than `limit` of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use versiqii_core::TenantId;

pub struct FairShare {
    limit: usize,
    tenants: Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

/// Idle tenants' entries are dropped once the map is this large.
const PRUNE_AT: usize = 4096;

impl FairShare {
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            tenants: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for one of the tenant's slots; the slot is freed when the permit drops.
    pub async fn enter(&self, tenant: TenantId) -> Option<OwnedSemaphorePermit> {
        let slots = {
            let mut tenants = self.tenants.lock().ok()?;
            if tenants.len() >= PRUNE_AT {
                let limit = self.limit;
                tenants.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < limit);
            }
            tenants
                .entry(tenant)
                .or_insert_with(|| Arc::new(Semaphore::new(self.limit)))
                .clone()
        };
        slots.acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[tokio::test]
    async fn a_tenant_waits_for_its_own_slots_only() {
        let share = FairShare::new(2);
        let (a, b) = (TenantId(Uuid::new_v4()), TenantId(Uuid::new_v4()));
        let first = share.enter(a).await;
        let _second = share.enter(a).await;
        // A third request of A waits; B gets in at once.
        let third =
            tokio::time::timeout(std::time::Duration::from_millis(50), share.enter(a)).await;
        assert!(
            third.is_err(),
            "a third request of the same tenant did not wait"
        );
        let b_in = tokio::time::timeout(std::time::Duration::from_millis(50), share.enter(b)).await;
        assert!(matches!(b_in, Ok(Some(_))), "another tenant waited");
        drop(first);
        let third =
            tokio::time::timeout(std::time::Duration::from_millis(500), share.enter(a)).await;
        assert!(
            matches!(third, Ok(Some(_))),
            "a freed slot was not handed on"
        );
    }
}
