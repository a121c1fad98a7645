//! The audit log: append-only (no role may update or delete it: a trigger refuses) and
//! hash-chained per tenant, so a removed or altered event breaks every hash after it, and
//! [`TenantTx::verify_audit`] names the first broken link.

use crate::{StoreError, TenantTx};
use chrono::{DateTime, SubsecRound, Utc};
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
    /// 1: the hash covers seq, actor, action, object, before and after; 2: also the event's
    /// id, tenant and time.
    pub hash_version: i16,
}

/// The first link of a tenant's chain that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// The outcome of recomputing a tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerdict {
    pub events: u64,
    pub first_broken: Option<BrokenLink>,
}

pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const COLUMNS: &str =
    "seq, id, actor, action, object, before_hash, after_hash, prev_hash, hash, at, hash_version";
/// Events verified per read, so a long chain is checked in bounded memory.
const VERIFY_PAGE: i64 = 1000;

pub(crate) fn hash_parts(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        // Length-prefixed so field boundaries cannot be shifted between fields.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Version 1, kept to verify the events written before version 2.
pub(crate) fn chain_hash_v1(prev: &str, seq: i64, rec: &AuditRecord<'_>) -> String {
    hash_parts(&[
        prev,
        &seq.to_string(),
        rec.actor,
        rec.action,
        rec.object,
        rec.before_hash.unwrap_or(""),
        rec.after_hash.unwrap_or(""),
    ])
}

/// Version 2: everything an event says, its id, tenant and time included.
pub(crate) fn chain_hash_v2(
    prev: &str,
    seq: i64,
    id: Uuid,
    tenant: Uuid,
    at: DateTime<Utc>,
    rec: &AuditRecord<'_>,
) -> String {
    hash_parts(&[
        "v2",
        prev,
        &seq.to_string(),
        &id.to_string(),
        &tenant.to_string(),
        &at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        rec.actor,
        rec.action,
        rec.object,
        rec.before_hash.unwrap_or(""),
        rec.after_hash.unwrap_or(""),
    ])
}

impl AuditEvent {
    fn record(&self) -> AuditRecord<'_> {
        AuditRecord {
            actor: &self.actor,
            action: &self.action,
            object: &self.object,
            before_hash: self.before_hash.as_deref(),
            after_hash: self.after_hash.as_deref(),
        }
    }

    /// The hash this event should have after `prev`, by its own version's rule.
    fn expected_hash(&self, tenant: Uuid, prev: &str) -> Option<String> {
        match self.hash_version {
            1 => Some(chain_hash_v1(prev, self.seq, &self.record())),
            2 => Some(chain_hash_v2(
                prev,
                self.seq,
                self.id,
                tenant,
                self.at,
                &self.record(),
            )),
            _ => None,
        }
    }
}

/// Verifies audit evidence carried by an archive, with no database: each run of events of one
/// tenant must be a chain (contiguous sequence numbers, each linking to its predecessor's hash,
/// each hash recomputed by its version's rule). The first run starts the source's chain (seq 1,
/// linked to the genesis hash); a later run continues the chain of a tenant that imported the
/// earlier ones, after its import event, which the archive does not carry.
pub fn verify_evidence(events: &[versiqii_core::archive::EvidenceRec]) -> Result<(), String> {
    let mut prev: Option<&versiqii_core::archive::EvidenceRec> = None;
    for (i, e) in events.iter().enumerate() {
        let at = format!("evidence/audit.jsonl line {}", i + 1);
        let rec = AuditRecord {
            actor: &e.actor,
            action: &e.action,
            object: &e.object,
            before_hash: e.before_hash.as_deref(),
            after_hash: e.after_hash.as_deref(),
        };
        match prev {
            Some(p) if p.tenant == e.tenant && (e.seq != p.seq + 1 || e.prev_hash != p.hash) => {
                return Err(format!("{at}: does not follow the event before it"));
            }
            None if e.seq != 1 || e.prev_hash != GENESIS => {
                return Err(format!("{at}: the chain does not start at its first event"));
            }
            _ => {}
        }
        let expected = match e.hash_version {
            1 => chain_hash_v1(&e.prev_hash, e.seq, &rec),
            2 => chain_hash_v2(&e.prev_hash, e.seq, e.id, e.tenant, e.at, &rec),
            v => return Err(format!("{at}: unknown hash version {v}")),
        };
        if expected != e.hash {
            return Err(format!("{at}: its content does not match its hash"));
        }
        prev = Some(e);
    }
    Ok(())
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
        let id = Uuid::new_v4();
        // Postgres keeps microseconds: the time hashed is the time stored.
        let at = Utc::now().trunc_subsecs(6);
        let hash = chain_hash_v2(&prev_hash, seq, id, tenant, at, &rec);
        let event = AuditEvent::find_by_statement(Self::stmt(
            &format!(
                "insert into audit_events
                   (tenant_id, seq, id, actor, action, object, before_hash, after_hash, prev_hash,
                    hash, at, hash_version)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 2)
                 returning {COLUMNS}"
            ),
            [
                tenant.into(),
                seq.into(),
                id.into(),
                rec.actor.into(),
                rec.action.into(),
                rec.object.into(),
                rec.before_hash.map(str::to_owned).into(),
                rec.after_hash.map(str::to_owned).into(),
                prev_hash.into(),
                hash.into(),
                at.into(),
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
            &format!(
                "select {COLUMNS} from audit_events where ($1::bigint is null or seq < $1)
                 order by seq desc limit $2"
            ),
            [before.into(), (limit as i64).into()],
        ))
        .all(self.connection())
        .await?)
    }

    /// Recomputes the tenant's whole chain, oldest first, and names the first event whose
    /// sequence, link to its predecessor or own hash does not hold.
    pub async fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let TenantId(tenant) = self.tenant();
        let (mut prev_seq, mut prev_hash) = (0i64, GENESIS.to_owned());
        let mut events = 0u64;
        loop {
            let page = AuditEvent::find_by_statement(Self::stmt(
                &format!("select {COLUMNS} from audit_events where seq > $1 order by seq limit $2"),
                [prev_seq.into(), VERIFY_PAGE.into()],
            ))
            .all(self.connection())
            .await?;
            let Some(last) = page.last().map(|e| e.seq) else {
                return Ok(AuditVerdict {
                    events,
                    first_broken: None,
                });
            };
            for event in page {
                events += 1;
                let broken = |reason: String| {
                    Ok(AuditVerdict {
                        events,
                        first_broken: Some(BrokenLink {
                            seq: event.seq,
                            reason,
                        }),
                    })
                };
                if event.seq != prev_seq + 1 {
                    return broken(format!(
                        "event #{} follows #{prev_seq}: events between them are missing",
                        event.seq
                    ));
                }
                if event.prev_hash != prev_hash {
                    return broken(format!(
                        "event #{} does not link to the hash of event #{prev_seq}",
                        event.seq
                    ));
                }
                match event.expected_hash(tenant, &prev_hash) {
                    None => return broken(format!("unknown hash version {}", event.hash_version)),
                    Some(expected) if expected != event.hash => {
                        return broken(format!(
                            "event #{} was altered: its content does not match its hash",
                            event.seq
                        ))
                    }
                    Some(_) => {}
                }
                prev_seq = event.seq;
                prev_hash = event.hash.clone();
            }
            debug_assert_eq!(prev_seq, last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> AuditRecord<'static> {
        AuditRecord {
            actor: "user:1",
            action: "api_key.create",
            object: "api_key:9",
            before_hash: None,
            after_hash: Some("ab"),
        }
    }

    #[test]
    fn chain_hash_binds_every_field_and_the_predecessor() {
        let rec = rec();
        let base = chain_hash_v1(GENESIS, 1, &rec);
        assert_ne!(base, chain_hash_v1(GENESIS, 2, &rec));
        assert_ne!(base, chain_hash_v1(&"1".repeat(64), 1, &rec));
        let shifted = AuditRecord {
            actor: "user:1api_key.create",
            action: "",
            ..rec
        };
        assert_ne!(base, chain_hash_v1(GENESIS, 1, &shifted));
    }

    #[test]
    fn carried_evidence_verifies_and_a_changed_event_does_not() {
        let tenant = Uuid::new_v4();
        let at = Utc::now().trunc_subsecs(6);
        let mut events = Vec::new();
        let mut prev = GENESIS.to_owned();
        for seq in 1..=3 {
            let id = Uuid::new_v4();
            let hash = chain_hash_v2(&prev, seq, id, tenant, at, &rec());
            events.push(versiqii_core::archive::EvidenceRec {
                tenant,
                seq,
                id,
                actor: "user:1".into(),
                action: "api_key.create".into(),
                object: "api_key:9".into(),
                before_hash: None,
                after_hash: Some("ab".into()),
                prev_hash: prev.clone(),
                hash: hash.clone(),
                at,
                hash_version: 2,
            });
            prev = hash;
        }
        assert_eq!(verify_evidence(&events), Ok(()));
        let mut changed = events.clone();
        changed[1].actor = "user:2".into();
        assert!(verify_evidence(&changed)
            .expect_err("altered")
            .contains("line 2"));
        let mut missing = events.clone();
        missing.remove(1);
        assert!(verify_evidence(&missing)
            .expect_err("gap")
            .contains("line 2"));
        assert!(
            verify_evidence(&events[1..]).is_err(),
            "a chain starts at its first event"
        );
    }

    #[test]
    fn version_two_also_binds_the_id_tenant_and_time() {
        let (id, tenant) = (Uuid::new_v4(), Uuid::new_v4());
        let at = Utc::now().trunc_subsecs(6);
        let base = chain_hash_v2(GENESIS, 1, id, tenant, at, &rec());
        assert_ne!(
            base,
            chain_hash_v2(GENESIS, 1, Uuid::new_v4(), tenant, at, &rec())
        );
        assert_ne!(
            base,
            chain_hash_v2(GENESIS, 1, id, Uuid::new_v4(), at, &rec())
        );
        let later = at + chrono::Duration::microseconds(1);
        assert_ne!(base, chain_hash_v2(GENESIS, 1, id, tenant, later, &rec()));
        assert_ne!(base, chain_hash_v1(GENESIS, 1, &rec()));
    }
}
