//! Plan quotas. Stored things (configs, targets, seats) are claimed inside the write that adds
//! one (`ops::quotas`), under a per-tenant lock, so their count is exact. API calls a month are
//! checked before a request runs, against the tenant's stored total (read at most every
//! `metering.quota_refresh_ms`, plus this instance's counts not flushed yet) and the calls this
//! instance admitted since: no database work per request. Over N instances a tenant may
//! overshoot its quota by what the others admit in one refresh interval; the count never runs
//! ahead of the truth, so no tenant is refused early.

use crate::config::Plan;
use crate::error::ApiError;
use crate::metering::Meter;
use chrono::{Datelike, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uuid::Uuid;
use versiqii_core::TenantId;
use versiqii_store::Store;

/// What a plan limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    Configs,
    Targets,
    Seats,
    CallsMonth,
}

impl Quota {
    pub const ALL: [Quota; 4] = [
        Quota::Configs,
        Quota::Targets,
        Quota::Seats,
        Quota::CallsMonth,
    ];

    /// The name in problem details, events and the usage API.
    pub fn as_str(self) -> &'static str {
        match self {
            Quota::Configs => "configs",
            Quota::Targets => "targets",
            Quota::Seats => "seats",
            Quota::CallsMonth => "calls_month",
        }
    }

    /// In words, for a problem's detail.
    pub fn noun(self) -> &'static str {
        match self {
            Quota::Configs => "configs",
            Quota::Targets => "targets",
            Quota::Seats => "seats (members and open invites)",
            Quota::CallsMonth => "API calls this month",
        }
    }
}

/// Whether going from `before` to `after` crosses 80% of `limit` (the warning line).
pub fn crosses_warning(before: u64, after: u64, limit: u64) -> bool {
    let line = u128::from(limit) * 4;
    u128::from(before) * 5 < line && u128::from(after) * 5 >= line
}

/// The plans by name; an unknown plan is held to `free`'s (settings refuse a table without it).
#[derive(Debug, Clone)]
pub struct Plans(BTreeMap<String, Plan>);

impl Plans {
    pub fn new(plans: BTreeMap<String, Plan>) -> Self {
        Self(plans)
    }

    /// The plan called `name`, or the fallback plan's terms under that name.
    pub fn of(&self, name: &str) -> Option<&Plan> {
        self.0
            .get(name)
            .or_else(|| self.0.get(crate::auth::budget::FALLBACK_PLAN))
    }

    pub fn limit(&self, plan: &str, quota: Quota) -> Option<u64> {
        self.of(plan).and_then(|p| p.limit(quota))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Plan)> {
        self.0.iter()
    }
}

/// A calendar month's first day, as stored usage counts it (UTC).
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// `2026-12`.
pub fn period(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// Seconds from now to the next month's start (UTC).
fn secs_to_next_month() -> u64 {
    let now = Utc::now();
    let first = month_start(now.date_naive());
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc());
    next.map_or(3600, |n| (n - now).num_seconds().max(1) as u64)
}

/// A tenant that reached 80% of its monthly calls, for `ops::quotas::warn_calls`.
#[derive(Debug, Clone)]
pub struct CallsWarning {
    pub tenant: TenantId,
    pub plan: String,
    pub used: u64,
    pub limit: u64,
    pub period: String,
}

struct TenantCalls {
    month: NaiveDate,
    plan: String,
    limit: Option<u64>,
    /// Stored and pending counts when last read.
    counted: u64,
    /// Admitted by this instance since that read.
    since: u64,
    read_at: Option<Instant>,
    reading: bool,
    warned: bool,
}

/// The monthly call quota, as this instance sees it.
pub struct CallQuota {
    plans: Plans,
    refresh: Duration,
    tenants: Mutex<HashMap<Uuid, TenantCalls>>,
    warnings: mpsc::Sender<CallsWarning>,
}

enum Step {
    Read,
    Decide,
}

impl CallQuota {
    pub fn new(plans: Plans, refresh: Duration) -> (Self, mpsc::Receiver<CallsWarning>) {
        let (warnings, rx) = mpsc::channel(256);
        let quota = Self {
            plans,
            refresh,
            tenants: Mutex::new(HashMap::new()),
            warnings,
        };
        (quota, rx)
    }

    /// Admits one more call of `tenant`'s this month, or refuses it (429
    /// `call_quota_exhausted`). Reads the stored total when this instance's view is stale;
    /// when that read fails the call goes on (the quota is a bill's limit, not a safety one).
    pub async fn admit(
        &self,
        tenant: TenantId,
        store: &Store,
        meter: &Meter,
    ) -> Result<(), ApiError> {
        let month = month_start(Utc::now().date_naive());
        if let Step::Read = self.step(tenant, month) {
            self.read(tenant, month, store, meter).await;
        }
        let Ok(mut tenants) = self.tenants.lock() else {
            return Ok(());
        };
        let Some(t) = tenants.get_mut(&tenant.0) else {
            return Ok(());
        };
        if let Some(limit) = t.limit {
            if t.counted.saturating_add(t.since) >= limit {
                return Err(ApiError::CallQuotaExhausted {
                    plan: t.plan.clone(),
                    limit,
                    retry_after: secs_to_next_month(),
                });
            }
        }
        t.since += 1;
        Ok(())
    }

    /// Whether this call must read the stored total first (and claims that read).
    fn step(&self, tenant: TenantId, month: NaiveDate) -> Step {
        let Ok(mut tenants) = self.tenants.lock() else {
            return Step::Decide;
        };
        let t = tenants.entry(tenant.0).or_insert_with(|| TenantCalls {
            month,
            plan: String::new(),
            limit: None,
            counted: 0,
            since: 0,
            read_at: None,
            reading: false,
            warned: false,
        });
        if t.month != month {
            *t = TenantCalls {
                month,
                plan: std::mem::take(&mut t.plan),
                limit: t.limit,
                counted: 0,
                since: 0,
                read_at: None,
                reading: false,
                warned: false,
            };
        }
        let stale = t.read_at.is_none_or(|at| at.elapsed() >= self.refresh);
        if stale && !t.reading {
            t.reading = true;
            Step::Read
        } else {
            Step::Decide
        }
    }

    async fn read(&self, tenant: TenantId, month: NaiveDate, store: &Store, meter: &Meter) {
        let read = async {
            let tx = store.begin_for(tenant).await?;
            let plan = tx.plan_name().await?;
            let stored = tx.calls_since(month).await?;
            tx.commit().await?;
            Ok::<_, versiqii_store::StoreError>((plan, stored))
        }
        .await;
        // Read after the stored total: a flush in between leaves calls out of both (the count
        // runs behind, never ahead).
        let pending = meter.pending_calls(tenant.0, month);
        let Ok(mut tenants) = self.tenants.lock() else {
            return;
        };
        let Some(t) = tenants.get_mut(&tenant.0) else {
            return;
        };
        t.reading = false;
        t.read_at = Some(Instant::now());
        match read {
            Ok((plan, stored)) => {
                t.limit = self.plans.limit(&plan, Quota::CallsMonth);
                t.plan = plan;
                t.counted = stored.saturating_add(pending);
                t.since = 0;
                if let Some(limit) = t.limit {
                    if !t.warned && crosses_warning(0, t.counted, limit) {
                        t.warned = true;
                        let warning = CallsWarning {
                            tenant,
                            plan: t.plan.clone(),
                            used: t.counted,
                            limit,
                            period: period(month),
                        };
                        if self.warnings.try_send(warning).is_err() {
                            tracing::warn!("quota warnings queue full; one dropped");
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading a tenant's monthly calls"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_line_is_crossed_once_at_eighty_percent() {
        assert!(!crosses_warning(0, 79, 100));
        assert!(crosses_warning(79, 80, 100));
        assert!(!crosses_warning(80, 81, 100));
        assert!(crosses_warning(0, 4, 5), "4 of 5 is 80%");
        assert!(!crosses_warning(0, 3, 5));
        assert!(crosses_warning(0, 1, 1));
        assert!(!crosses_warning(u64::MAX - 1, u64::MAX, u64::MAX));
    }

    #[test]
    fn periods_and_month_starts() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(
            month_start(d),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(period(d), "2026-12");
        assert!(secs_to_next_month() <= 31 * 86_400);
    }
}
