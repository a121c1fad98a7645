//! The transactional outbox: a side effect is queued in the same transaction as its change.

use crate::{StoreError, TenantTx};
use sea_orm::ConnectionTrait;
use versiqii_core::TenantId;

impl TenantTx {
    pub async fn enqueue(&self, topic: &str, payload: serde_json::Value) -> Result<(), StoreError> {
        let TenantId(tenant) = self.tenant();
        self.connection()
            .execute(Self::stmt(
                "insert into outbox (tenant_id, topic, payload) values ($1, $2, $3)",
                [tenant.into(), topic.into(), payload.into()],
            ))
            .await?;
        Ok(())
    }
}
