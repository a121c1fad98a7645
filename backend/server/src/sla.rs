//! SLA metering (docs/sla.md). Each admitted tenant request is counted per tenant and UTC
//! minute (requests, 5xx) and its latency recorded in a histogram per tenant and UTC hour, in
//! memory; every `metering.flush_ms` the minutes go to Postgres in one additive upsert and the
//! histograms are merged into the stored ones (one transaction, rows locked in key order). A
//! flush that fails keeps what it took for the next; an instance that dies loses at most what it
//! counted since its last flush. Probers record each region's `/readyz` checks per minute.
//!
//! The rules (when a minute is down, the availability, p99) are `versiqii_core::sla`'s; this
//! module gathers the numbers and calls them: [`month_report`] is the one way to a tenant's
//! month, for the API, `/metrics` and invoices alike.

use crate::error::ApiError;
use crate::quota::Plans;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;
use versiqii_core::sla::{minute_is_down, LatencyHistogram, MinuteCounts, Month, SlaReport};
use versiqii_core::TenantId;
use versiqii_store::{SlaFigures, SlaMinuteCount, Store};

/// The most down minutes a report lists (the count is always whole).
pub const MAX_DOWN_LISTED: usize = 1000;

/// Counts in memory until the next flush.
#[derive(Default)]
struct Pending {
    /// (tenant, minute) → (requests, 5xx).
    minutes: HashMap<(Uuid, DateTime<Utc>), (u64, u64)>,
    /// (tenant, hour) → latencies.
    hours: HashMap<(Uuid, DateTime<Utc>), LatencyHistogram>,
}

#[derive(Default)]
pub struct SlaMeter {
    pending: Mutex<Pending>,
}

fn floor(t: DateTime<Utc>, unit: TimeDelta) -> DateTime<Utc> {
    t.duration_trunc(unit).unwrap_or(t)
}

impl SlaMeter {
    /// One admitted request of `tenant` answered `status` after `elapsed`.
    pub fn record(&self, tenant: Uuid, status: u16, elapsed: Duration) {
        self.record_at(tenant, status, elapsed, Utc::now());
    }

    fn record_at(&self, tenant: Uuid, status: u16, elapsed: Duration, now: DateTime<Utc>) {
        let minute = floor(now, TimeDelta::minutes(1));
        let hour = floor(now, TimeDelta::hours(1));
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        if let Ok(mut p) = self.pending.lock() {
            let m = p.minutes.entry((tenant, minute)).or_default();
            m.0 += 1;
            m.1 += u64::from((500..600).contains(&status));
            p.hours.entry((tenant, hour)).or_default().record(micros);
        }
    }

    fn take(&self) -> Pending {
        match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(_) => Pending::default(),
        }
    }

    fn put_back_minutes(&self, minutes: Vec<SlaMinuteCount>) {
        if let Ok(mut p) = self.pending.lock() {
            for c in minutes {
                let m = p.minutes.entry((c.tenant, c.minute)).or_default();
                m.0 += c.requests;
                m.1 += c.errors;
            }
        }
    }

    fn put_back_hours(&self, hours: Vec<(Uuid, DateTime<Utc>, LatencyHistogram)>) {
        if let Ok(mut p) = self.pending.lock() {
            for (tenant, hour, h) in hours {
                p.hours.entry((tenant, hour)).or_default().merge(&h);
            }
        }
    }

    /// Writes what was counted; on failure the counts wait for the next flush.
    pub async fn flush(&self, store: &Store) {
        let taken = self.take();
        let minutes: Vec<SlaMinuteCount> = taken
            .minutes
            .into_iter()
            .map(|((tenant, minute), (requests, errors))| SlaMinuteCount {
                tenant,
                minute,
                requests,
                errors,
            })
            .collect();
        if !minutes.is_empty() {
            if let Err(e) = store.add_sla_minutes(&minutes).await {
                tracing::warn!(error = %e, "sla: flushing minutes failed; kept for the next one");
                self.put_back_minutes(minutes);
            }
        }
        let hours: Vec<_> = taken
            .hours
            .into_iter()
            .map(|((tenant, hour), h)| (tenant, hour, h))
            .collect();
        if !hours.is_empty() {
            if let Err(e) = store.merge_sla_latency(&hours).await {
                tracing::warn!(error = %e, "sla: flushing latency failed; kept for the next one");
                self.put_back_hours(hours);
            }
        }
    }

    /// Flushes every `every`, until the process ends.
    pub async fn run(self: std::sync::Arc<Self>, store: Store, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            self.flush(&store).await;
        }
    }
}

/// A tenant's month: the report, and the down minutes' starts (the first
/// [`MAX_DOWN_LISTED`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaMonth {
    pub report: SlaReport,
    pub down: Vec<DateTime<Utc>>,
}

/// The minutes of `month` to measure at `now`: None for a month that has ended (all of it),
/// those begun so far for the current one, Some(0) for a month to come.
pub fn elapsed_minutes(month: Month, now: DateTime<Utc>) -> Option<u64> {
    let start = month.start().and_utc();
    if now >= month.end().and_utc() {
        return None;
    }
    let secs = (now - start).num_seconds();
    Some(if secs < 0 { 0 } else { secs as u64 / 60 + 1 })
}

/// The plan's availability target; None when it has none (0).
pub fn target_ppm(plans: &Plans, plan: &str) -> Option<u32> {
    plans
        .of(plan)
        .map(|p| p.sla_target_ppm)
        .filter(|t| *t > 0)
        .map(|t| u32::try_from(t.min(1_000_000)).unwrap_or(1_000_000))
}

/// Builds a month from stored figures: a minute is down by `minute_is_down` over the minutes
/// with 5xx and those with a failed probe (each minute once).
pub fn build(
    month: Month,
    elapsed: Option<u64>,
    figures: &SlaFigures,
    failed_probes: &[DateTime<Utc>],
    target: Option<u32>,
) -> SlaMonth {
    let mut minutes: BTreeMap<DateTime<Utc>, MinuteCounts> = BTreeMap::new();
    for (minute, requests, errors_5xx) in &figures.error_minutes {
        let m = minutes.entry(*minute).or_default();
        m.requests += requests;
        m.errors_5xx += errors_5xx;
    }
    for minute in failed_probes {
        minutes.entry(*minute).or_default().probe_failed = true;
    }
    let mut down_minutes = 0u64;
    let mut down = Vec::new();
    for (minute, counts) in &minutes {
        if minute_is_down(counts) {
            down_minutes += 1;
            if down.len() < MAX_DOWN_LISTED {
                down.push(*minute);
            }
        }
    }
    let report = versiqii_core::sla::report(
        month,
        down_minutes,
        figures.requests,
        figures.errors,
        &figures.latency,
        target,
        elapsed,
    );
    SlaMonth { report, down }
}

/// `tenant`'s `month` as it stands at `now` (for the current month, the minutes begun so far),
/// read through row-level security. What the API shows and invoices credit.
pub async fn month_report(
    store: &Store,
    plans: &Plans,
    tenant: TenantId,
    month: Month,
    now: DateTime<Utc>,
) -> Result<SlaMonth, versiqii_store::StoreError> {
    month_report_in(store.begin_for(tenant).await?, plans, month, now).await
}

/// [`month_report`] in a transaction opened for the tenant (a handler's, through
/// `Authorized::begin`); commits it.
pub async fn month_report_in(
    tx: versiqii_store::TenantTx,
    plans: &Plans,
    month: Month,
    now: DateTime<Utc>,
) -> Result<SlaMonth, versiqii_store::StoreError> {
    let (from, to) = (month.start().and_utc(), month.end().and_utc());
    let plan = tx.plan_name().await?;
    let figures = tx.sla_figures(from, to).await?;
    let probes = tx.failed_probe_minutes(from, to).await?;
    tx.commit().await?;
    Ok(build(
        month,
        elapsed_minutes(month, now),
        &figures,
        &probes,
        target_ppm(plans, &plan),
    ))
}

impl crate::ops::Ops {
    /// `tenant`'s SLA report for `month` as it stands now: for a month that has ended, the
    /// whole month; for the current one, the minutes begun so far. What invoices credit.
    pub async fn sla_report(&self, tenant: TenantId, month: Month) -> Result<SlaReport, ApiError> {
        Ok(
            month_report(&self.store, &self.plans, tenant, month, Utc::now())
                .await?
                .report,
        )
    }
}

/// Region names as `sla_probes` stores them.
pub fn valid_region(region: &str) -> bool {
    let b = region.as_bytes();
    (1..=40).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

pub fn validate_settings(sla: &crate::config::Sla) -> anyhow::Result<()> {
    if let Some(region) = &sla.probe_region {
        anyhow::ensure!(
            valid_region(region),
            "sla.probe_region (VERSIQII_SLA_PROBE_REGION) = {region:?}: 1 to 40 of a-z, 0-9 and -, \
             starting with a letter or digit"
        );
    }
    if let Some(url) = &sla.probe_url {
        anyhow::ensure!(
            url.starts_with("http://") || url.starts_with("https://"),
            "sla.probe_url (VERSIQII_SLA_PROBE_URL) = {url:?}: an http:// or https:// base URL"
        );
    }
    anyhow::ensure!(
        sla.probe_interval_secs >= 1 && sla.probe_timeout_ms >= 1,
        "sla.probe_interval_secs and sla.probe_timeout_ms must be at least 1"
    );
    Ok(())
}

/// A synthetic prober: GETs `<base>/readyz` every `interval` and records, for the check's UTC
/// minute, whether it answered 200 within `timeout` and how long it took. The URL is the
/// operator's own configuration; no redirects are followed and no proxy is used.
pub struct Prober {
    pub store: Store,
    pub region: String,
    pub base_url: String,
    pub interval: Duration,
    pub timeout: Duration,
}

impl Prober {
    fn url(&self) -> String {
        format!("{}/readyz", self.base_url.trim_end_matches('/'))
    }

    /// One check: whether it passed and its latency in milliseconds.
    pub async fn check(&self) -> (bool, u32) {
        let url = self.url();
        let timeout = self.timeout;
        let started = Instant::now();
        let outcome = tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .max_redirects(0)
                .proxy(None)
                .build()
                .into();
            agent.get(&url).call().map(|r| r.status().as_u16())
        })
        .await;
        let ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        match outcome {
            Ok(Ok(200)) => (true, ms),
            Ok(Ok(status)) => {
                tracing::warn!(region = %self.region, status, "sla probe: not ready");
                (false, ms)
            }
            Ok(Err(e)) => {
                tracing::warn!(region = %self.region, error = %e, "sla probe: failed");
                (false, ms)
            }
            Err(e) => {
                tracing::warn!(error = %e, "sla probe: the check did not run");
                (false, ms)
            }
        }
    }

    /// Checks and records, every `interval`, until the process ends. A result that cannot be
    /// stored is logged and lost (the next check's minute is recorded as usual).
    pub async fn run(self) {
        loop {
            let at = Utc::now();
            let (ok, ms) = self.check().await;
            if let Err(e) = self.store.record_probe(&self.region, at, ok, ms).await {
                tracing::warn!(error = %e, "sla probe: recording the result failed");
            }
            tokio::time::sleep(self.interval).await;
        }
    }
}

/// `/metrics`' per-tenant usage and SLA gauges, read across tenants through definer functions
/// at most every 30 s (scrapes in between get the cached text).
#[derive(Default)]
pub struct Gauges {
    cached: tokio::sync::Mutex<Option<(Instant, String)>>,
}

const GAUGE_TTL: Duration = Duration::from_secs(30);

fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Gauges {
    /// Appends the gauges; on a database error, a comment saying so (other metrics still
    /// render) and nothing is cached.
    pub async fn render(&self, store: &Store, plans: &Plans, out: &mut String) {
        let mut cached = self.cached.lock().await;
        if let Some((at, text)) = cached.as_ref() {
            if at.elapsed() < GAUGE_TTL {
                out.push_str(text);
                return;
            }
        }
        match gauges_text(store, plans, Utc::now()).await {
            Ok(text) => {
                out.push_str(&text);
                *cached = Some((Instant::now(), text));
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: reading tenants' usage and SLA figures");
                out.push_str("# tenant usage and SLA gauges unavailable (see the server log)\n");
            }
        }
    }
}

async fn gauges_text(
    store: &Store,
    plans: &Plans,
    now: DateTime<Utc>,
) -> Result<String, versiqii_store::StoreError> {
    let month = Month::new(chrono::Datelike::year(&now), chrono::Datelike::month(&now))
        .map_err(|e| versiqii_store::StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let (from, to) = (month.start().and_utc(), month.end().and_utc());
    let tenants = store.sla_figures_of_all(from, to).await?;
    let probes = store.failed_probe_minutes(from, to).await?;
    let usage = store
        .usage_figures_of_all(month.start().date(), month.end().date())
        .await?;
    let slugs: HashMap<Uuid, &str> = tenants
        .iter()
        .map(|t| (t.tenant, t.slug.as_str()))
        .collect();
    let mut out = String::new();
    out.push_str(
        "# HELP versiqii_tenant_usage A tenant's metered usage this month (UTC): the sum of \
         counts, the peak of stored quantities.\n# TYPE versiqii_tenant_usage gauge\n",
    );
    for u in &usage {
        let Some(slug) = slugs.get(&u.tenant_id) else {
            continue;
        };
        let gauge = crate::routes::usage::GAUGES.contains(&u.kind.as_str());
        let value = if gauge { u.peak } else { u.total };
        let _ = writeln!(
            out,
            "versiqii_tenant_usage{{tenant=\"{}\",slug=\"{}\",kind=\"{}\"}} {}",
            u.tenant_id,
            label(slug),
            label(&u.kind),
            value.max(0)
        );
    }
    let elapsed = elapsed_minutes(month, now);
    let months: Vec<_> = tenants
        .iter()
        .map(|t| {
            let m = build(
                month,
                elapsed,
                &t.figures,
                &probes,
                target_ppm(plans, &t.plan),
            );
            (t, m.report)
        })
        .collect();
    type Value = fn(&SlaReport) -> Option<String>;
    let series: [(&str, &str, Value); 3] = [
        (
            "versiqii_tenant_down_minutes",
            "A tenant's down minutes this month (UTC; docs/sla.md).",
            |r| Some(r.down_minutes.to_string()),
        ),
        (
            "versiqii_tenant_availability_ppm",
            "A tenant's availability this month so far, in parts per million.",
            |r| Some(r.availability_ppm.to_string()),
        ),
        (
            "versiqii_tenant_p99_seconds",
            "The 99th percentile latency of a tenant's requests this month.",
            |r| r.p99_micros.map(|us| format!("{}", us as f64 / 1e6)),
        ),
    ];
    for (name, help, value) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (t, report) in &months {
            if let Some(v) = value(report) {
                let _ = writeln!(
                    out,
                    "{name}{{tenant=\"{}\",slug=\"{}\"}} {v}",
                    t.tenant,
                    label(&t.slug)
                );
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, s).unwrap()
    }

    #[test]
    fn counts_per_minute_and_hour_and_keeps_a_failed_flush() {
        let meter = SlaMeter::default();
        let t = Uuid::new_v4();
        let ms = Duration::from_millis;
        meter.record_at(t, 200, ms(3), at(2, 10, 5, 1));
        meter.record_at(t, 503, ms(40), at(2, 10, 5, 59));
        meter.record_at(t, 404, ms(1), at(2, 10, 6, 0));
        meter.record_at(t, 500, ms(9), at(2, 11, 0, 0));
        let p = meter.take();
        assert_eq!(p.minutes[&(t, at(2, 10, 5, 0))], (2, 1));
        assert_eq!(p.minutes[&(t, at(2, 10, 6, 0))], (1, 0), "4xx is no error");
        assert_eq!(p.minutes[&(t, at(2, 11, 0, 0))], (1, 1));
        assert_eq!(p.hours[&(t, at(2, 10, 0, 0))].count(), 3);
        assert_eq!(p.hours[&(t, at(2, 11, 0, 0))].count(), 1);
        assert!(meter.take().minutes.is_empty(), "taken once");
        let minutes: Vec<_> = p
            .minutes
            .into_iter()
            .map(|((tenant, minute), (requests, errors))| SlaMinuteCount {
                tenant,
                minute,
                requests,
                errors,
            })
            .collect();
        meter.put_back_minutes(minutes);
        meter.put_back_hours(
            p.hours
                .into_iter()
                .map(|((tenant, hour), h)| (tenant, hour, h))
                .collect(),
        );
        meter.record_at(t, 200, ms(1), at(2, 10, 5, 30));
        let again = meter.take();
        assert_eq!(again.minutes[&(t, at(2, 10, 5, 0))], (3, 1));
        assert_eq!(again.hours[&(t, at(2, 10, 0, 0))].count(), 4);
    }

    #[test]
    fn down_minutes_are_the_union_of_errors_and_failed_probes() {
        let nov: Month = "2026-11".parse().unwrap();
        let figures = SlaFigures {
            requests: 1_000,
            errors: 16,
            error_minutes: vec![
                (at(1, 0, 0, 0), 100, 6), // down
                (at(1, 0, 1, 0), 100, 5), // exactly 5%: up
                (at(1, 0, 2, 0), 10, 1),  // down, and a probe failed too
            ],
            latency: LatencyHistogram::new(),
        };
        let probes = [at(1, 0, 2, 0), at(3, 0, 0, 0)];
        let m = build(nov, None, &figures, &probes, Some(999_000));
        assert_eq!(m.down, [at(1, 0, 0, 0), at(1, 0, 2, 0), at(3, 0, 0, 0)]);
        assert_eq!(m.report.down_minutes, 3);
        assert_eq!(
            m.report.availability_ppm,
            versiqii_core::sla::availability_ppm(43_200, 3)
        );
        assert_eq!(m.report.met, Some(true));
    }

    #[test]
    fn the_current_month_counts_minutes_begun() {
        let nov: Month = "2026-11".parse().unwrap();
        assert_eq!(elapsed_minutes(nov, at(1, 0, 0, 0)), Some(1));
        assert_eq!(elapsed_minutes(nov, at(1, 0, 59, 59)), Some(60));
        assert_eq!(elapsed_minutes(nov, at(2, 0, 0, 0)), Some(1_441));
        let dec = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(elapsed_minutes(nov, dec), None);
        assert_eq!(
            elapsed_minutes("2026-12".parse().unwrap(), at(5, 0, 0, 0)),
            Some(0)
        );
        assert!(valid_region("eu-west-1") && !valid_region("-eu") && !valid_region("EU"));
        assert!(!valid_region("") && !valid_region(&"a".repeat(41)));
    }
}
