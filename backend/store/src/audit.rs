//! The audit log: append-only (the app role may not update or delete it) and hash-chained per
//! tenant, so a removed or altered event breaks every hash after it.

use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use versiqii_core::TenantId;

pub struct AuditRecord<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub before_hash: Option<&'a str>,
    pub after_hash: Option<&'a str>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: Uuid,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub before_hash: Option<String>,
    pub after_hash: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub at: DateTime<Utc>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(crate) fn chain_hash(prev: &str, seq: i64, rec: &AuditRecord<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        rec.actor,
        rec.action,
        rec.object,
        rec.before_hash.unwrap_or(""),
        rec.after_hash.unwrap_or(""),
    ] {
        // Length-prefixed so field boundaries cannot be shifted between fields.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

impl TenantTx {
    pub async fn record_audit(&self, rec: AuditRecord<'_>) -> Result<AuditEvent, StoreError> {
        let TenantId(tenant) = self.tenant();
        // One writer per tenant chain at a time; released at commit or rollback.
        self.connection()
            .execute(Self::stmt(
                "select pg_advisory_xact_lock(hashtextextended($1, 0))",
                [format!("audit:{tenant}").into()],
            ))
            .await?;
        let last = self
            .connection()
            .query_one(Self::stmt(
                "select seq, hash from audit_events order by seq desc limit 1",
                [],
            ))
            .await?;
        let (prev_seq, prev_hash) = match last {
            Some(row) => (row.try_get::<i64>("", "seq")?, row.try_get("", "hash")?),
            None => (0, GENESIS.to_owned()),
        };
        let seq = prev_seq + 1;
        let hash = chain_hash(&prev_hash, seq, &rec);
        let event = AuditEvent::find_by_statement(Self::stmt(
            "insert into audit_events
               (tenant_id, seq, id, actor, action, object, before_hash, after_hash, prev_hash, hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             returning seq, id, actor, action, object, before_hash, after_hash, prev_hash, hash, at",
            [
                tenant.into(),
                seq.into(),
                Uuid::new_v4().into(),
                rec.actor.into(),
                rec.action.into(),
                rec.object.into(),
                rec.before_hash.map(str::to_owned).into(),
                rec.after_hash.map(str::to_owned).into(),
                prev_hash.into(),
                hash.into(),
            ],
        ))
        .one(self.connection())
        .await?;
        event.ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    /// Newest first; `before` pages back from a sequence number.
    pub async fn list_audit(
        &self,
        limit: u64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        Ok(AuditEvent::find_by_statement(Self::stmt(
            "select seq, id, actor, action, object, before_hash, after_hash, prev_hash, hash, at
             from audit_events where ($1::bigint is null or seq < $1)
             order by seq desc limit $2",
            [before.into(), (limit as i64).into()],
        ))
        .all(self.connection())
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_hash_binds_every_field_and_the_predecessor() {
        let rec = AuditRecord {
            actor: "user:1",
            action: "api_key.create",
            object: "api_key:9",
            before_hash: None,
            after_hash: Some("ab"),
        };
        let base = chain_hash(GENESIS, 1, &rec);
        assert_ne!(base, chain_hash(GENESIS, 2, &rec));
        assert_ne!(base, chain_hash(&"1".repeat(64), 1, &rec));
        let shifted = AuditRecord {
            actor: "user:1api_key.create",
            action: "",
            ..rec
        };
        assert_ne!(base, chain_hash(GENESIS, 1, &shifted));
    }
}
