//! The dispatcher: fans events out of the outbox, claims due deliveries (`for update skip
//! locked`, a lease and a claim token, so dispatchers never take the same delivery), sends each
//! one signed, and records every attempt with the next one's time after Svix's schedule. Up to
//! `webhooks.concurrency` deliveries are in flight at once; a slow receiver holds a slot, not the
//! batch. A dispatcher that dies mid-send loses nothing: its leases run out and another one (or
//! itself, restarted) sends those deliveries again, so they arrive at least once.

use super::client::{Answer, Client, SendError};
use super::keyring::KeyRing;
use super::slack;
use crate::config::{Settings, Webhooks};
use crate::mail::templates::Template;
use crate::mail::Mail;
use hyper::header::{HeaderName, HeaderValue};
use rand::Rng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use versiqii_core::egress::EgressPolicy;
use versiqii_core::webhook::{signature_header, Failure, RetrySchedule, WebhookUrl};
use versiqii_core::Email;
use versiqii_store::dispatch::{
    AttemptRecord, ClaimedDelivery, Dispatch, Outcome, Recorded, OUTBOX_CHANNEL,
};

/// Events fanned out per call.
const FAN_OUT_BATCH: u32 = 1_000;
/// Old events pruned per call, and how often.
const PRUNE_BATCH: u32 = 5_000;
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// Digests claimed at once, and for how long (another dispatcher takes one over after that).
const DIGEST_BATCH: u32 = 16;
const DIGEST_LEASE_SECS: u32 = 600;
/// A digest shows this many events; up to `DIGEST_FETCH` are counted, the rest wait.
const DIGEST_SHOWN: usize = 50;
const DIGEST_FETCH: u32 = 500;

/// Counts since start, for `/metrics` and the benchmarks.
#[derive(Default)]
pub struct DispatchMetrics {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub refused: AtomicU64,
    pub rate_limited: AtomicU64,
}

impl DispatchMetrics {
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = writeln!(
            out,
            "# HELP versiqii_webhook_attempts_total Webhook delivery attempts by outcome.\n\
             # TYPE versiqii_webhook_attempts_total counter"
        );
        for (outcome, n) in [
            ("succeeded", &self.delivered),
            ("failed", &self.failed),
            ("refused", &self.refused),
        ] {
            let _ = writeln!(
                out,
                "versiqii_webhook_attempts_total{{outcome=\"{outcome}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
    }
}

struct Shared {
    dispatch: Dispatch,
    client: Client,
    keys: KeyRing,
    schedule: RetrySchedule,
    disable_after_secs: u64,
    console: String,
    mail: Mail,
    name: String,
    limiter: Option<crate::rate_limit::RateLimiter>,
    metrics: Arc<DispatchMetrics>,
    /// An hourly and a daily digest's period.
    digest_periods: (u64, u64),
}

pub struct Dispatcher {
    shared: Arc<Shared>,
    database_url: String,
    poll: Duration,
    batch: u32,
    concurrency: usize,
    lease_secs: u32,
    keep_secs: u64,
}

/// The retry schedule `[webhooks]` sets.
pub fn schedule(w: &Webhooks) -> RetrySchedule {
    RetrySchedule {
        waits: w
            .retry_schedule_ms
            .iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect(),
        throttle_min: Duration::from_millis(w.throttle_min_ms),
        throttle_max: Duration::from_millis(w.throttle_max_ms),
    }
}

/// The egress client `[webhooks]` sets (the API uses it too, to check a URL when it is saved).
pub fn client(w: &Webhooks) -> anyhow::Result<Client> {
    Client::new(
        EgressPolicy {
            allow_loopback: w.allow_loopback,
        },
        &w.nameservers,
        Duration::from_millis(w.timeout_ms.max(1)),
    )
}

impl Dispatcher {
    pub async fn new(settings: &Settings, metrics: Arc<DispatchMetrics>) -> anyhow::Result<Self> {
        let w = &settings.webhooks;
        let url = w.database_url.clone().ok_or_else(|| {
            anyhow::anyhow!(
                "set VERSIQII_DISPATCHER_DATABASE_URL (webhooks.database_url, the \
                 versiqii_dispatcher role's URL) to run the dispatcher"
            )
        })?;
        if w.batch == 0 || w.concurrency == 0 {
            anyhow::bail!("webhooks.batch and webhooks.concurrency must be at least 1");
        }
        // Every delivery records its attempt: enough connections for a good share of them at once.
        let pool = u32::try_from((w.concurrency / 2).clamp(4, 16)).unwrap_or(16) + 1;
        let dispatch = Dispatch::connect(&url, pool).await?;
        if let Some(unsafe_role) = dispatch.unsafe_role().await? {
            anyhow::bail!("the dispatcher's {unsafe_role}");
        }
        let limiter = match redis::Client::open(settings.redis.url.as_str()) {
            Ok(client) => match redis::aio::ConnectionManager::new(client).await {
                Ok(conn) => Some(crate::rate_limit::RateLimiter::new(
                    conn,
                    settings.redis.prefix.clone(),
                )),
                Err(e) => {
                    tracing::warn!(error = %e, "webhook dispatcher: no Redis; endpoint rate limits are off");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "webhook dispatcher: bad Redis URL; endpoint rate limits are off");
                None
            }
        };
        let timeout = Duration::from_millis(w.timeout_ms.max(1));
        let name = format!(
            "{}:{}:{:04x}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "dispatcher".into()),
            std::process::id(),
            rand::thread_rng().gen::<u16>()
        );
        Ok(Self {
            shared: Arc::new(Shared {
                dispatch,
                client: client(w)?,
                keys: KeyRing::from_settings(&w.secret_keys, settings.auth.jwt_secret.as_bytes())?,
                schedule: schedule(w),
                disable_after_secs: w.disable_after_secs,
                console: settings.mail.link_base.trim_end_matches('/').to_owned(),
                mail: Mail::new(settings),
                name,
                limiter,
                metrics,
                digest_periods: (w.digest_hourly_secs, w.digest_daily_secs),
            }),
            database_url: url,
            poll: Duration::from_millis(w.poll_ms.max(10)),
            batch: w.batch,
            concurrency: w.concurrency,
            // Long enough for a send to time out and be recorded before anyone may take it over.
            lease_secs: u32::try_from((timeout * 2).as_secs() + 2).unwrap_or(u32::MAX),
            keep_secs: w.keep_events_days.saturating_mul(86_400),
        })
    }

    /// Runs until the process ends.
    pub async fn run(self) {
        let wake = Arc::new(Notify::new());
        tokio::spawn(crate::wake::listen(
            self.database_url.clone(),
            OUTBOX_CHANNEL,
            wake.clone(),
        ));
        tracing::info!(dispatcher = %self.shared.name, "webhook dispatcher running");
        let mut inflight: JoinSet<()> = JoinSet::new();
        let mut last_prune = Instant::now() - PRUNE_EVERY;
        let mut last_digests = Instant::now() - self.poll;
        // A claim is a round trip: made when a quarter of the slots are free (or none is busy),
        // not for every slot that frees; and not again right after finding nothing due, until a
        // notification or the poll says there may be something.
        let refill_at = (self.concurrency / 4).max(1);
        let mut need_fan_out = true;
        let mut nothing_due = false;
        loop {
            if need_fan_out {
                need_fan_out = false;
                nothing_due = false;
                self.fan_out().await;
            }
            let mut claimed_full = false;
            let free = self.concurrency.saturating_sub(inflight.len());
            if free > 0 && (free >= refill_at || inflight.is_empty()) && !nothing_due {
                let want = u32::try_from(free).unwrap_or(u32::MAX).min(self.batch);
                match self.shared.dispatch.claim(want, self.lease_secs).await {
                    Ok(claimed) => {
                        claimed_full = claimed.len() == want as usize;
                        nothing_due = claimed.is_empty();
                        for delivery in claimed {
                            let shared = self.shared.clone();
                            inflight.spawn(async move { shared.deliver(delivery).await });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "webhook dispatcher: claiming failed"),
                }
            }
            if last_digests.elapsed() >= self.poll {
                last_digests = Instant::now();
                self.shared.send_digests().await;
            }
            if last_prune.elapsed() >= PRUNE_EVERY {
                last_prune = Instant::now();
                match self
                    .shared
                    .dispatch
                    .prune(self.keep_secs, PRUNE_BATCH)
                    .await
                {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(events = n, "webhook dispatcher: pruned old events"),
                    Err(e) => tracing::warn!(error = %e, "webhook dispatcher: pruning failed"),
                }
            }
            if claimed_full && inflight.len() < self.concurrency {
                continue;
            }
            tokio::select! {
                Some(_) = inflight.join_next(), if !inflight.is_empty() => {}
                _ = wake.notified() => need_fan_out = true,
                _ = tokio::time::sleep(self.poll) => need_fan_out = true,
            }
        }
    }

    async fn fan_out(&self) {
        loop {
            match self.shared.dispatch.fan_out(FAN_OUT_BATCH).await {
                Ok(n) if n == FAN_OUT_BATCH => continue,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook dispatcher: fan-out failed");
                    return;
                }
            }
        }
    }
}

/// What one attempt came to.
struct Verdict {
    outcome: Outcome,
    status: Option<u16>,
    body: Option<String>,
    error: Option<String>,
    failure: Option<Failure>,
}

impl Shared {
    async fn deliver(&self, d: ClaimedDelivery) {
        if let (Some(limit), Some(limiter)) = (d.rate_limit, &self.limiter) {
            let key = format!("wh:{}", d.endpoint_id);
            if limiter
                .hit(&key, u32::try_from(limit).unwrap_or(1), 1)
                .await
                .is_err()
            {
                self.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
                let wait = rand::thread_rng().gen_range(1_000..1_500);
                if let Err(e) = self.dispatch.release(d.delivery_id, d.claim, wait).await {
                    tracing::warn!(delivery = d.delivery_id, error = %e, "webhook dispatcher: release failed");
                }
                return;
            }
        }
        let started = Instant::now();
        let verdict = self.attempt(&d).await;
        let duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let counter = match verdict.outcome {
            Outcome::Succeeded => &self.metrics.delivered,
            Outcome::Refused => &self.metrics.refused,
            _ => &self.metrics.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let retry_ms = verdict.failure.and_then(|failure| {
            let attempts = u32::try_from(d.attempts).unwrap_or(u32::MAX);
            let jitter = rand::thread_rng().gen_range(-1.0..=1.0);
            self.schedule
                .next_wait(attempts, failure, jitter)
                .map(|w| u64::try_from(w.as_millis()).unwrap_or(u64::MAX))
        });
        let record = AttemptRecord {
            outcome: verdict.outcome,
            status: verdict.status,
            duration_ms,
            body: verdict.body.as_deref(),
            error: verdict.error.as_deref(),
            dispatcher: &self.name,
            retry_ms,
            disable_after_secs: self.disable_after_secs,
        };
        match self.dispatch.record(d.delivery_id, d.claim, &record).await {
            Ok(Recorded::Recorded) => {}
            Ok(Recorded::Stale) => tracing::warn!(
                delivery = d.delivery_id,
                "webhook dispatcher: the lease ran out mid-send; another dispatcher has the delivery"
            ),
            Ok(Recorded::Disabled) => self.tell_admins(&d).await,
            Err(e) => tracing::error!(delivery = d.delivery_id, error = %e,
                "webhook dispatcher: attempt not recorded (sent again after the lease)"),
        }
    }

    async fn attempt(&self, d: &ClaimedDelivery) -> Verdict {
        let fail = |error: String| Verdict {
            outcome: Outcome::Failed,
            status: None,
            body: None,
            error: Some(error),
            failure: Some(Failure::Failed),
        };
        let url = match WebhookUrl::parse(&d.url) {
            Ok(url) => url,
            Err(e) => return fail(e.to_string()),
        };
        let secret = match self.keys.open(d.endpoint_id, &d.secret) {
            Ok(s) => s,
            Err(e) => return fail(e.to_string()),
        };
        let previous = d
            .previous_secret
            .as_deref()
            .and_then(|sealed| self.keys.open(d.endpoint_id, sealed).ok());
        let slack = d.format == "slack";
        let body = if slack {
            slack::render(&d.payload, &self.console)
        } else {
            standard_payload(d)
        };
        let body = match serde_json::to_vec(&body) {
            Ok(b) => b,
            Err(e) => return fail(e.to_string()),
        };
        let msg_id = format!("msg_{}", d.msg_id.simple());
        let timestamp = chrono::Utc::now().timestamp();
        let mut secrets = vec![&secret];
        secrets.extend(previous.as_ref());
        let signature = signature_header(&secrets, &msg_id, timestamp, &body);
        let headers = match header_values(&msg_id, timestamp, &signature) {
            Ok(h) => h,
            Err(e) => return fail(e),
        };
        match self.client.post(&url, &headers, body).await {
            Ok(answer) => judge(answer, slack),
            Err(SendError::Refused(e)) => Verdict {
                outcome: Outcome::Refused,
                status: None,
                body: None,
                error: Some(e.to_string()),
                failure: Some(Failure::Failed),
            },
            Err(e @ SendError::Timeout(_)) => Verdict {
                outcome: Outcome::Timeout,
                status: None,
                body: None,
                error: Some(e.to_string()),
                failure: Some(Failure::Throttled { retry_after: None }),
            },
            Err(SendError::Failed(e)) => fail(e),
        }
    }

    /// Sends the digests that are due: each member's subscribed events since their last digest
    /// in one mail (none when nothing happened), queued in the same transaction that moves the
    /// subscription on.
    async fn send_digests(&self) {
        let due = match self
            .dispatch
            .claim_digests(DIGEST_BATCH, DIGEST_LEASE_SECS)
            .await
        {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "digests: claiming failed");
                return;
            }
        };
        for digest in due {
            if let Err(e) = self.send_digest(&digest).await {
                tracing::warn!(error = %e, user = %digest.user_id, "digests: not sent (tried again after the lease)");
            }
        }
    }

    async fn send_digest(&self, d: &versiqii_store::dispatch::ClaimedDigest) -> anyhow::Result<()> {
        let (hourly, daily) = self.digest_periods;
        let period = if d.every == "daily" { daily } else { hourly };
        let events = self.dispatch.digest_events(d, DIGEST_FETCH).await?;
        let shown = &events[..events.len().min(DIGEST_SHOWN)];
        let Some(last) = shown.last() else {
            self.dispatch
                .digest_done(d, d.last_event_id, period, None)
                .await?;
            return Ok(());
        };
        let items = shown
            .iter()
            .map(|e| {
                let (headline, details, page) = slack::summary(&e.payload)
                    .unwrap_or_else(|| (e.topic.clone(), Vec::new(), "/".to_owned()));
                crate::mail::templates::DigestItem {
                    at: e.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    headline,
                    details,
                    link: format!("{}{page}", self.console),
                }
            })
            .collect();
        let template = Template::Digest {
            organisation: d.tenant_name.clone(),
            every: d.every.clone(),
            items,
            more: events.len().saturating_sub(DIGEST_SHOWN),
            manage: format!("{}/webhooks", self.console),
        };
        let email = Email::parse(&d.email).map_err(|e| anyhow::anyhow!("{e}"))?;
        let prepared = self
            .mail
            .prepare(&email, &template)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (kind, _, sealed) = prepared.into_parts();
        self.dispatch
            .digest_done(d, last.id, period, Some((kind, sealed)))
            .await?;
        Ok(())
    }

    /// Mails the owners and admins of an endpoint the dispatcher just disabled.
    async fn tell_admins(&self, d: &ClaimedDelivery) {
        tracing::warn!(endpoint = %d.endpoint_id, "webhook dispatcher: endpoint disabled after failing too long");
        let admins = match self.dispatch.endpoint_admins(d.endpoint_id).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "webhook dispatcher: could not find whom to tell");
                return;
            }
        };
        let since = chrono::Utc::now()
            - chrono::Duration::seconds(i64::try_from(self.disable_after_secs).unwrap_or(0));
        for admin in admins {
            let Ok(email) = Email::parse(&admin.email) else {
                continue;
            };
            let template = Template::WebhookDisabled {
                organisation: admin.tenant_slug.clone(),
                url: admin.url.clone(),
                failing_since: since.format("%Y-%m-%d %H:%M UTC").to_string(),
                link: format!("{}/webhooks", self.mail.link_base()),
            };
            let prepared = match self.mail.prepare(&email, &template) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook dispatcher: mail not prepared");
                    continue;
                }
            };
            let (kind, recipient, sealed) = prepared.into_parts();
            if let Err(e) = self.dispatch.enqueue_mail(kind, &recipient, sealed).await {
                tracing::warn!(error = %e, "webhook dispatcher: mail not queued");
            }
        }
    }
}

/// The Standard Webhooks payload: the typed event as `type`, `timestamp` and `data` (and the
/// payload's `version`, which consumers branch on).
fn standard_payload(d: &ClaimedDelivery) -> serde_json::Value {
    serde_json::json!({
        "type": d.event_type,
        "timestamp": d.event_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "version": d.payload.get("version").cloned().unwrap_or(serde_json::Value::from(1)),
        "data": d.payload.get("data").cloned().unwrap_or_default(),
    })
}

fn header_values(
    msg_id: &str,
    timestamp: i64,
    signature: &str,
) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
    let value = |v: &str| HeaderValue::from_str(v).map_err(|e| e.to_string());
    Ok(vec![
        (HeaderName::from_static("webhook-id"), value(msg_id)?),
        (
            HeaderName::from_static("webhook-timestamp"),
            value(&timestamp.to_string())?,
        ),
        (
            HeaderName::from_static("webhook-signature"),
            value(signature)?,
        ),
    ])
}

/// Judges an answer: 2xx succeeds (and Slack must say `ok`), 429 and 503 are throttling, the
/// rest fail. A redirect is a failure: it is never followed.
fn judge(answer: Answer, slack: bool) -> Verdict {
    let mut body = answer.body;
    if body.len() > 1024 {
        let mut cut = 1024;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
    }
    let status = Some(answer.status);
    let ok = if slack {
        slack::accepted(answer.status, &body)
    } else {
        (200..300).contains(&answer.status)
    };
    if ok {
        return Verdict {
            outcome: Outcome::Succeeded,
            status,
            body: Some(body),
            error: None,
            failure: None,
        };
    }
    let (outcome, failure, error) = match answer.status {
        429 | 503 => (
            Outcome::Throttled,
            Failure::Throttled {
                retry_after: answer.retry_after,
            },
            format!("HTTP {}: the receiver is busy", answer.status),
        ),
        300..=399 => (
            Outcome::Failed,
            Failure::Failed,
            format!("HTTP {}: redirects are not followed", answer.status),
        ),
        200..=299 => (
            Outcome::Failed,
            Failure::Failed,
            "Slack did not answer `ok`".to_owned(),
        ),
        s => (Outcome::Failed, Failure::Failed, format!("HTTP {s}")),
    };
    Verdict {
        outcome,
        status,
        body: Some(body),
        error: Some(error),
        failure: Some(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.into(),
            retry_after: None,
        }
    }

    #[test]
    fn answers_are_judged_like_svix() {
        assert_eq!(judge(answer(204, ""), false).outcome, Outcome::Succeeded);
        assert_eq!(judge(answer(500, "boom"), false).outcome, Outcome::Failed);
        let redirect = judge(answer(302, ""), false);
        assert_eq!(redirect.outcome, Outcome::Failed);
        assert!(redirect
            .error
            .unwrap()
            .contains("redirects are not followed"));
        let busy = judge(
            Answer {
                status: 429,
                body: String::new(),
                retry_after: Some(Duration::from_secs(90)),
            },
            false,
        );
        assert_eq!(busy.outcome, Outcome::Throttled);
        assert_eq!(
            busy.failure,
            Some(Failure::Throttled {
                retry_after: Some(Duration::from_secs(90))
            })
        );
        assert_eq!(judge(answer(200, "ok"), true).outcome, Outcome::Succeeded);
        assert_eq!(
            judge(answer(200, "invalid_token"), true).outcome,
            Outcome::Failed
        );
        let long = judge(answer(500, &"é".repeat(2000)), false);
        assert!(long.body.unwrap().len() <= 1024);
    }
}
