//! A tenant's webhook endpoints, deliveries and attempts (`migrations/0014_webhooks.sql`), under
//! the tenant's row-level policies. Secrets arrive and leave sealed; this layer never sees one.

use crate::{StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;
use versiqii_core::TenantId;

pub struct NewEndpoint<'a> {
    pub id: Uuid,
    pub url: &'a str,
    pub description: &'a str,
    pub format: &'a str,
    /// Patterns, which hold no comma.
    pub event_types: &'a [String],
    pub envs: Option<&'a [String]>,
    pub ordered: bool,
    pub rate_limit: Option<u32>,
    pub sealed_secret: Vec<u8>,
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Default)]
pub struct EndpointChanges<'a> {
    pub url: Option<&'a str>,
    pub description: Option<&'a str>,
    pub event_types: Option<&'a [String]>,
    /// `Some(None)` removes the environment filter.
    pub envs: Option<Option<&'a [String]>>,
    pub ordered: Option<bool>,
    /// `Some(None)` removes the limit.
    pub rate_limit: Option<Option<u32>>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct EndpointRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub format: String,
    /// Comma-separated patterns.
    pub event_types: String,
    pub envs: Option<String>,
    pub ordered: bool,
    pub rate_limit: Option<i32>,
    pub status: String,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EndpointRow {
    pub fn event_types(&self) -> Vec<String> {
        split(&self.event_types)
    }

    pub fn envs(&self) -> Option<Vec<String>> {
        self.envs.as_deref().map(split)
    }
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

const ENDPOINT_COLUMNS: &str = "id, url, description, format, \
    array_to_string(event_types, ',') as event_types, array_to_string(envs, ',') as envs, \
    ordered, rate_limit, status, disabled_reason, failing_since, \
    case when previous_secret_until > now() then previous_secret_until end as previous_secret_until, \
    created_at, updated_at";

#[derive(Debug, Clone, FromQueryResult)]
pub struct DeliveryRow {
    pub id: i64,
    pub endpoint_id: Uuid,
    pub msg_id: Uuid,
    pub event_type: String,
    pub event_at: DateTime<Utc>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, o.uid as msg_id, o.topic as event_type, \
    o.created_at as event_at, d.status, d.attempts, \
    case when d.status = 'pending' then d.next_attempt_at end as next_attempt_at, \
    d.last_status, d.last_error, d.created_at, d.delivered_at";

#[derive(Debug, Clone, FromQueryResult)]
pub struct AttemptRow {
    pub id: i64,
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub outcome: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

/// What a resend found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    Queued,
    /// Still pending: it will be tried anyway.
    Pending,
    NotFound,
}

fn list_value(list: Option<&[String]>) -> sea_orm::Value {
    sea_orm::Value::from(list.map(|l| l.join(",")))
}

impl TenantTx {
    pub async fn count_endpoints(&self) -> Result<u64, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select count(*) as n from webhook_endpoints",
                [],
            ))
            .await?;
        let n: i64 = match row {
            Some(r) => r.try_get("", "n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub async fn create_endpoint(&self, e: NewEndpoint<'_>) -> Result<EndpointRow, StoreError> {
        let TenantId(tenant) = self.tenant();
        EndpointRow::find_by_statement(Self::stmt(
            &format!(
                "insert into webhook_endpoints (tenant_id, id, url, description, format, event_types,
                                                envs, ordered, rate_limit, secret)
                 values ($1, $2, $3, $4, $5, string_to_array($6, ','), string_to_array($7, ','),
                         $8, $9, $10)
                 returning {ENDPOINT_COLUMNS}"
            ),
            [
                tenant.into(),
                e.id.into(),
                e.url.into(),
                e.description.into(),
                e.format.into(),
                e.event_types.join(",").into(),
                list_value(e.envs),
                e.ordered.into(),
                e.rate_limit.map(|r| i32::try_from(r).unwrap_or(i32::MAX)).into(),
                e.sealed_secret.into(),
            ],
        ))
        .one(self.connection())
        .await?
        .ok_or(StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    /// Endpoints, oldest first.
    pub async fn list_endpoints(&self) -> Result<Vec<EndpointRow>, StoreError> {
        Ok(EndpointRow::find_by_statement(Self::stmt(
            &format!("select {ENDPOINT_COLUMNS} from webhook_endpoints order by created_at, id"),
            [],
        ))
        .all(self.connection())
        .await?)
    }

    /// One endpoint, locked for the rest of the transaction.
    pub async fn endpoint(&self, id: Uuid) -> Result<Option<EndpointRow>, StoreError> {
        Ok(EndpointRow::find_by_statement(Self::stmt(
            &format!("select {ENDPOINT_COLUMNS} from webhook_endpoints where id = $1 for update"),
            [id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn update_endpoint(
        &self,
        id: Uuid,
        c: &EndpointChanges<'_>,
    ) -> Result<Option<EndpointRow>, StoreError> {
        let keep_envs = c.envs.is_none();
        let keep_limit = c.rate_limit.is_none();
        Ok(EndpointRow::find_by_statement(Self::stmt(
            &format!(
                "update webhook_endpoints set
                    url = coalesce($2, url),
                    description = coalesce($3, description),
                    event_types = coalesce(string_to_array($4, ','), event_types),
                    envs = case when $5 then envs else string_to_array($6, ',') end,
                    ordered = coalesce($7, ordered),
                    rate_limit = case when $8 then rate_limit else $9 end,
                    updated_at = now()
                  where id = $1
                 returning {ENDPOINT_COLUMNS}"
            ),
            [
                id.into(),
                c.url.map(str::to_owned).into(),
                c.description.map(str::to_owned).into(),
                list_value(c.event_types),
                keep_envs.into(),
                list_value(c.envs.flatten()),
                c.ordered.into(),
                keep_limit.into(),
                c.rate_limit
                    .flatten()
                    .map(|r| i32::try_from(r).unwrap_or(i32::MAX))
                    .into(),
            ],
        ))
        .one(self.connection())
        .await?)
    }

    /// Enables (clearing the failure streak) or disables an endpoint by hand.
    pub async fn set_endpoint_enabled(
        &self,
        id: Uuid,
        enabled: bool,
    ) -> Result<Option<EndpointRow>, StoreError> {
        Ok(EndpointRow::find_by_statement(Self::stmt(
            &format!(
                "update webhook_endpoints set
                    status = case when $2 then 'enabled' else 'disabled' end,
                    disabled_reason = case when $2 then null else 'manual' end,
                    failing_since = null,
                    updated_at = now()
                  where id = $1
                 returning {ENDPOINT_COLUMNS}"
            ),
            [id.into(), enabled.into()],
        ))
        .one(self.connection())
        .await?)
    }

    /// A new secret; the current one keeps signing beside it for `overlap_secs`.
    pub async fn rotate_endpoint_secret(
        &self,
        id: Uuid,
        sealed: Vec<u8>,
        overlap_secs: u64,
    ) -> Result<Option<EndpointRow>, StoreError> {
        Ok(EndpointRow::find_by_statement(Self::stmt(
            &format!(
                "update webhook_endpoints set
                    previous_secret = secret,
                    previous_secret_until = now() + make_interval(secs => $3),
                    secret = $2,
                    updated_at = now()
                  where id = $1
                 returning {ENDPOINT_COLUMNS}"
            ),
            [
                id.into(),
                sealed.into(),
                i64::try_from(overlap_secs).unwrap_or(i64::MAX).into(),
            ],
        ))
        .one(self.connection())
        .await?)
    }

    /// The sealed secrets (current, and the previous while it still signs).
    pub async fn endpoint_secrets(
        &self,
        id: Uuid,
    ) -> Result<Option<(Vec<u8>, Option<Vec<u8>>)>, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "select secret, case when previous_secret_until > now() then previous_secret end
                        as previous from webhook_endpoints where id = $1",
                [id.into()],
            ))
            .await?;
        match row {
            Some(r) => Ok(Some((r.try_get("", "secret")?, r.try_get("", "previous")?))),
            None => Ok(None),
        }
    }

    pub async fn delete_endpoint(&self, id: Uuid) -> Result<bool, StoreError> {
        let res = self
            .connection()
            .execute(Self::stmt(
                "delete from webhook_endpoints where id = $1",
                [id.into()],
            ))
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// An endpoint's deliveries, newest first, before `before` (an id) when given.
    pub async fn list_deliveries(
        &self,
        endpoint: Uuid,
        status: Option<&str>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        Ok(DeliveryRow::find_by_statement(Self::stmt(
            &format!(
                "select {DELIVERY_COLUMNS}
                   from webhook_deliveries d join outbox o on o.id = d.event_id
                  where d.endpoint_id = $1 and ($2::text is null or d.status = $2)
                    and ($3::bigint is null or d.id < $3)
                  order by d.id desc limit $4"
            ),
            [
                endpoint.into(),
                status.map(str::to_owned).into(),
                before.into(),
                i64::from(limit).into(),
            ],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn delivery(
        &self,
        endpoint: Uuid,
        id: i64,
    ) -> Result<Option<DeliveryRow>, StoreError> {
        Ok(DeliveryRow::find_by_statement(Self::stmt(
            &format!(
                "select {DELIVERY_COLUMNS}
                   from webhook_deliveries d join outbox o on o.id = d.event_id
                  where d.endpoint_id = $1 and d.id = $2"
            ),
            [endpoint.into(), id.into()],
        ))
        .one(self.connection())
        .await?)
    }

    pub async fn attempts(&self, delivery: i64) -> Result<Vec<AttemptRow>, StoreError> {
        Ok(AttemptRow::find_by_statement(Self::stmt(
            "select id, attempt, started_at, duration_ms, outcome, response_status, response_body,
                    error
               from webhook_attempts where delivery_id = $1 order by id",
            [delivery.into()],
        ))
        .all(self.connection())
        .await?)
    }

    /// Sends a finished delivery again (a new round of attempts), waking the dispatchers.
    pub async fn resend_delivery(&self, endpoint: Uuid, id: i64) -> Result<Resend, StoreError> {
        let row = self
            .connection()
            .query_one(Self::stmt(
                "with found as (select id, status from webhook_deliveries
                                 where endpoint_id = $1 and id = $2 for update),
                      queued as (update webhook_deliveries d
                                    set status = 'pending', attempts = 0, next_attempt_at = now(),
                                        claimed_until = null, claim = null, delivered_at = null
                                   from found where d.id = found.id and found.status <> 'pending'
                                 returning 1)
                 select (select status from found) as was, (select count(*) from queued) as queued",
                [endpoint.into(), id.into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(Resend::NotFound);
        };
        let was: Option<String> = row.try_get("", "was")?;
        let queued: i64 = row.try_get("", "queued")?;
        Ok(match (was, queued) {
            (None, _) => Resend::NotFound,
            (Some(_), 0) => Resend::Pending,
            _ => {
                self.wake_dispatchers().await?;
                Resend::Queued
            }
        })
    }

    /// Queues again every event since `since` that the endpoint takes: events it never had a
    /// delivery for and failed deliveries (and delivered ones too, when `include_delivered`).
    /// How many were queued.
    pub async fn replay_endpoint(
        &self,
        endpoint: Uuid,
        since: DateTime<Utc>,
        include_delivered: bool,
    ) -> Result<u64, StoreError> {
        let TenantId(tenant) = self.tenant();
        let row = self
            .connection()
            .query_one(Self::stmt(
                "with e as (select id, event_types, envs from webhook_endpoints where id = $2),
                      events as (
                        select o.id from outbox o, e
                         where o.tenant_id = $1 and o.created_at >= $3 and o.endpoint_id is null
                           and webhook_matches(e.event_types, o.topic)
                           and (e.envs is null or o.payload -> 'data' ->> 'env' = any (e.envs))
                         order by o.id),
                      queued as (
                        insert into webhook_deliveries (tenant_id, endpoint_id, event_id)
                        select $1, $2, id from events order by id
                        on conflict (endpoint_id, event_id) do update
                           set status = 'pending', attempts = 0, next_attempt_at = now(),
                               claimed_until = null, claim = null, delivered_at = null
                         where webhook_deliveries.status = 'failed'
                            or ($4 and webhook_deliveries.status = 'delivered')
                        returning 1)
                 select count(*) as n from queued",
                [
                    tenant.into(),
                    endpoint.into(),
                    since.into(),
                    include_delivered.into(),
                ],
            ))
            .await?;
        let n: i64 = match row {
            Some(r) => r.try_get("", "n")?,
            None => 0,
        };
        if n > 0 {
            self.wake_dispatchers().await?;
        }
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Queues an event for one endpoint alone (its test message).
    pub async fn enqueue_for_endpoint(
        &self,
        topic: &str,
        payload: serde_json::Value,
        endpoint: Uuid,
    ) -> Result<(), StoreError> {
        let TenantId(tenant) = self.tenant();
        self.connection()
            .execute(Self::stmt(
                "insert into outbox (tenant_id, topic, payload, endpoint_id) values ($1, $2, $3, $4)",
                [tenant.into(), topic.into(), payload.into(), endpoint.into()],
            ))
            .await?;
        Ok(())
    }

    async fn wake_dispatchers(&self) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select pg_notify($1, '')",
                [crate::dispatch::OUTBOX_CHANNEL.into()],
            ))
            .await?;
        Ok(())
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct DigestRow {
    pub user_id: Uuid,
    pub email: String,
    /// Comma-separated patterns.
    pub event_types: String,
    pub every: String,
    pub next_due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl DigestRow {
    pub fn event_types(&self) -> Vec<String> {
        split(&self.event_types)
    }
}

impl TenantTx {
    /// Subscribes a member (or changes their subscription); the first digest covers events from
    /// now on and is due in `period_secs`. `None` when the person is no member here.
    pub async fn set_digest(
        &self,
        user: Uuid,
        event_types: &[String],
        every: &str,
        period_secs: u64,
    ) -> Result<Option<DigestRow>, StoreError> {
        let TenantId(tenant) = self.tenant();
        let row = DigestRow::find_by_statement(Self::stmt(
            "with member as (select m.user_id, u.email from memberships m
                               join users u on u.id = m.user_id
                              where m.user_id = $2),
                  saved as (
                    insert into digest_subscriptions (tenant_id, user_id, event_types, every,
                                                      last_event_id, next_due_at)
                    select $1, user_id, string_to_array($3, ','), $4,
                           coalesce((select max(id) from outbox), 0),
                           now() + make_interval(secs => $5)
                      from member
                    on conflict (tenant_id, user_id) do update
                       set event_types = excluded.event_types, every = excluded.every,
                           next_due_at = case when digest_subscriptions.every = excluded.every
                                              then digest_subscriptions.next_due_at
                                              else excluded.next_due_at end,
                           updated_at = now()
                    returning user_id, array_to_string(event_types, ',') as event_types, every,
                              next_due_at, created_at)
             select s.user_id, m.email, s.event_types, s.every, s.next_due_at, s.created_at
               from saved s join member m on m.user_id = s.user_id",
            [
                tenant.into(),
                user.into(),
                event_types.join(",").into(),
                every.into(),
                i64::try_from(period_secs).unwrap_or(i64::MAX).into(),
            ],
        ))
        .one(self.connection())
        .await?;
        Ok(row)
    }

    pub async fn list_digests(&self) -> Result<Vec<DigestRow>, StoreError> {
        Ok(DigestRow::find_by_statement(Self::stmt(
            "select s.user_id, u.email, array_to_string(s.event_types, ',') as event_types,
                    s.every, s.next_due_at, s.created_at
               from digest_subscriptions s join users u on u.id = s.user_id
              order by u.email",
            [],
        ))
        .all(self.connection())
        .await?)
    }

    pub async fn delete_digest(&self, user: Uuid) -> Result<bool, StoreError> {
        let res = self
            .connection()
            .execute(Self::stmt(
                "delete from digest_subscriptions where user_id = $1",
                [user.into()],
            ))
            .await?;
        Ok(res.rows_affected() == 1)
    }
}
