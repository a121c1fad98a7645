//! The webhook dispatcher's side of the database (`migrations/0014_webhooks.sql`): it connects as
//! `versiqii_dispatcher`, which has no table privilege, and calls the definer functions that fan
//! events out, claim due deliveries, record attempts and prune old events. It never sets a tenant.

use crate::{Store, StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

/// The channel an outbox insert notifies at commit, so dispatchers wake at once.
pub const OUTBOX_CHANNEL: &str = "webhook_outbox";

/// A delivery a dispatcher claimed: everything it needs to send it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ClaimedDelivery {
    pub delivery_id: i64,
    /// Must come back with the result ([`Dispatch::record`]).
    pub claim: i64,
    pub tenant_id: Uuid,
    pub endpoint_id: Uuid,
    pub url: String,
    /// `standard` or `slack`.
    pub format: String,
    /// The endpoint's secrets, sealed; the previous one only while it still signs.
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub rate_limit: Option<i32>,
    /// The event's public id (`webhook-id` is `msg_` and its simple form).
    pub msg_id: Uuid,
    pub event_type: String,
    /// The event as the outbox stores it (`type`, `version`, `data`).
    pub payload: serde_json::Value,
    pub event_at: DateTime<Utc>,
    /// Attempts in this round, this one included.
    pub attempts: i32,
}

/// How one attempt went, as `webhook_attempts.outcome` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    Throttled,
    Timeout,
    /// Not sent: the address is one the service may not reach.
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Throttled => "throttled",
            Outcome::Timeout => "timeout",
            Outcome::Refused => "refused",
        }
    }
}

/// One attempt to record.
#[derive(Debug, Clone)]
pub struct AttemptRecord<'a> {
    pub outcome: Outcome,
    pub status: Option<u16>,
    pub duration_ms: u32,
    pub body: Option<&'a str>,
    pub error: Option<&'a str>,
    pub dispatcher: &'a str,
    /// When to try again after a failure; `None` gives the delivery up.
    pub retry_ms: Option<u64>,
    /// An endpoint failing for longer than this is disabled.
    pub disable_after_secs: u64,
}

/// What recording did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Recorded,
    /// The claim had passed to another dispatcher (the lease ran out): the attempt is kept, the
    /// delivery's status is theirs to set.
    Stale,
    /// The endpoint failed for too long and is now disabled.
    Disabled,
}

/// An admin to tell that an endpoint was disabled.
#[derive(Debug, Clone, FromQueryResult)]
pub struct EndpointAdmin {
    pub email: String,
    pub tenant_slug: String,
    pub url: String,
}

/// The dispatcher's connection pool (the `versiqii_dispatcher` role).
#[derive(Clone)]
pub struct Dispatch {
    store: Store,
}

fn int(n: impl TryInto<i32>) -> sea_orm::Value {
    n.try_into().unwrap_or(i32::MAX).into()
}

fn big(n: u64) -> sea_orm::Value {
    i64::try_from(n).unwrap_or(i64::MAX).into()
}

impl Dispatch {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Ok(Self {
            store: Store::connect(url, max_connections).await?,
        })
    }

    /// The role must be as powerless as the app role (no superuser, no BYPASSRLS, owns nothing).
    pub async fn unsafe_role(&self) -> Result<Option<crate::UnsafeRole>, StoreError> {
        self.store.unsafe_role().await
    }

    /// Fans out up to `limit` events; how many were fanned out (0 when another dispatcher is
    /// fanning out right now).
    pub async fn fan_out(&self, limit: u32) -> Result<u32, StoreError> {
        let row = self
            .store
            .app
            .query_one(TenantTx::stmt(
                "select webhook_fanout($1) as n",
                [int(limit)],
            ))
            .await?;
        let n: i32 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        Ok(u32::try_from(n).unwrap_or(0))
    }

    pub async fn claim(
        &self,
        limit: u32,
        lease_secs: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        Ok(ClaimedDelivery::find_by_statement(TenantTx::stmt(
            "select * from webhook_claim($1, $2)",
            [int(limit), int(lease_secs)],
        ))
        .all(&self.store.app)
        .await?)
    }

    /// Gives a claimed delivery back unattempted, due again in `delay_ms`.
    pub async fn release(
        &self,
        delivery: i64,
        claim: i64,
        delay_ms: u64,
    ) -> Result<(), StoreError> {
        self.store
            .app
            .execute(TenantTx::stmt(
                "select webhook_release($1, $2, $3)",
                [delivery.into(), claim.into(), big(delay_ms)],
            ))
            .await?;
        Ok(())
    }

    pub async fn record(
        &self,
        delivery: i64,
        claim: i64,
        attempt: &AttemptRecord<'_>,
    ) -> Result<Recorded, StoreError> {
        let row = self
            .store
            .app
            .query_one(TenantTx::stmt(
                "select webhook_record($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) as r",
                [
                    delivery.into(),
                    claim.into(),
                    attempt.outcome.as_str().into(),
                    attempt.status.map(i32::from).into(),
                    int(attempt.duration_ms),
                    attempt.body.map(str::to_owned).into(),
                    attempt.error.map(str::to_owned).into(),
                    attempt.dispatcher.into(),
                    attempt
                        .retry_ms
                        .map(|ms| i64::try_from(ms).unwrap_or(i64::MAX))
                        .into(),
                    big(attempt.disable_after_secs),
                ],
            ))
            .await?;
        let result: String = match row {
            Some(row) => row.try_get("", "r")?,
            None => "stale".into(),
        };
        Ok(match result.as_str() {
            "recorded" => Recorded::Recorded,
            "disabled" => Recorded::Disabled,
            _ => Recorded::Stale,
        })
    }

    pub async fn endpoint_admins(&self, endpoint: Uuid) -> Result<Vec<EndpointAdmin>, StoreError> {
        Ok(EndpointAdmin::find_by_statement(TenantTx::stmt(
            "select * from webhook_endpoint_admins($1)",
            [endpoint.into()],
        ))
        .all(&self.store.app)
        .await?)
    }

    /// Queues a mail (sealed by the caller).
    pub async fn enqueue_mail(
        &self,
        kind: &str,
        recipient: &str,
        sealed: Vec<u8>,
    ) -> Result<i64, StoreError> {
        crate::enqueue_mail(&self.store.app, kind, recipient, sealed).await
    }

    /// Drops up to `limit` finished events older than `keep_secs`; how many went.
    pub async fn prune(&self, keep_secs: u64, limit: u32) -> Result<u32, StoreError> {
        let row = self
            .store
            .app
            .query_one(TenantTx::stmt(
                "select webhook_prune($1, $2) as n",
                [big(keep_secs), int(limit)],
            ))
            .await?;
        let n: i32 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        Ok(u32::try_from(n).unwrap_or(0))
    }
}

/// A digest a dispatcher claimed.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ClaimedDigest {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub tenant_slug: String,
    pub tenant_name: String,
    /// `hourly` or `daily`.
    pub every: String,
    /// Comma-separated patterns.
    pub event_types: String,
    pub last_event_id: i64,
}

/// One event of a digest.
#[derive(Debug, Clone, FromQueryResult)]
pub struct DigestEvent {
    pub id: i64,
    pub topic: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl Dispatch {
    pub async fn claim_digests(
        &self,
        limit: u32,
        lease_secs: u32,
    ) -> Result<Vec<ClaimedDigest>, StoreError> {
        Ok(ClaimedDigest::find_by_statement(TenantTx::stmt(
            "select tenant_id, user_id, email, tenant_slug, tenant_name, every,
                    array_to_string(event_types, ',') as event_types, last_event_id
               from digest_claim($1, $2)",
            [int(limit), int(lease_secs)],
        ))
        .all(&self.store.app)
        .await?)
    }

    pub async fn digest_events(
        &self,
        digest: &ClaimedDigest,
        limit: u32,
    ) -> Result<Vec<DigestEvent>, StoreError> {
        Ok(DigestEvent::find_by_statement(TenantTx::stmt(
            "select id, topic, payload, created_at
               from digest_events($1, $2, string_to_array($3, ','), $4)",
            [
                digest.tenant_id.into(),
                digest.last_event_id.into(),
                digest.event_types.clone().into(),
                int(limit),
            ],
        ))
        .all(&self.store.app)
        .await?)
    }

    /// Queues the digest's mail (`None`: there was nothing to send) and moves the subscription
    /// past `last_event`, due again in `next_secs`, in one transaction.
    pub async fn digest_done(
        &self,
        digest: &ClaimedDigest,
        last_event: i64,
        next_secs: u64,
        mail: Option<(&str, Vec<u8>)>,
    ) -> Result<(), StoreError> {
        let (kind, sealed) = match mail {
            Some((kind, sealed)) => (Some(kind.to_owned()), Some(sealed)),
            None => (None, None),
        };
        self.store
            .app
            .execute(TenantTx::stmt(
                "select digest_done($1, $2, $3, $4, $5, $6, $7)",
                [
                    digest.tenant_id.into(),
                    digest.user_id.into(),
                    last_event.into(),
                    big(next_secs),
                    kind.into(),
                    digest.email.clone().into(),
                    sea_orm::Value::Bytes(sealed.map(Box::new)),
                ],
            ))
            .await?;
        Ok(())
    }
}
