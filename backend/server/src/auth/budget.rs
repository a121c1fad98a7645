//! Each tenant's request budget, by plan: a rate with a burst, kept as a GCRA (the time at which
//! the tenant's next request is due). A request over budget waits for its turn when that is at
//! most `max_wait` away: a client sending as fast as answers come back is slowed to its plan's
//! rate and costs nothing while it waits. Further ahead it is refused (429 with `Retry-After`),
//! answered after the same longest wait, so a client with many connections that ignores
//! `Retry-After` gets refusals no faster than answers and cannot turn them into a flood.
//!
//! Buckets live in each server instance: with N instances behind a balancer a tenant gets up to
//! N times its rate. A tenant's plan is read from Postgres at most once a minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use versiqii_core::TenantId;

/// A plan's budget: `per_sec` requests a second on average, `burst` at once after a pause.
/// `per_sec` 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_sec: f64,
    pub burst: f64,
}

impl Rate {
    pub const UNLIMITED: Rate = Rate {
        per_sec: 0.0,
        burst: 0.0,
    };

    fn unlimited(&self) -> bool {
        !(self.per_sec > 0.0 && self.per_sec.is_finite())
    }

    fn interval(&self) -> Duration {
        // Settings keep rates at 0.001/s or more; anything slower is as good as never.
        Duration::try_from_secs_f64(1.0 / self.per_sec).unwrap_or(Duration::from_secs(1 << 40))
    }

    /// How far ahead of its due time a request may come: the burst less the one it is.
    fn tolerance(&self) -> Duration {
        Duration::try_from_secs_f64(self.interval().as_secs_f64() * (self.burst - 1.0).max(0.0))
            .unwrap_or(Duration::from_secs(1 << 40))
    }
}

/// The plan a tenant is held to until its plan is read, and whose rate an unknown plan gets.
pub const FALLBACK_PLAN: &str = "free";

/// The rates of the plans a tenant can be on (`tenants.plan`), by name; an unknown plan gets
/// [`FALLBACK_PLAN`]'s.
#[derive(Debug, Clone)]
pub struct PlanRates(HashMap<String, Rate>);

impl PlanRates {
    pub fn new(plans: impl IntoIterator<Item = (String, Rate)>) -> Self {
        Self(plans.into_iter().collect())
    }

    pub fn of(&self, plan: &str) -> Rate {
        self.0
            .get(plan)
            .or_else(|| self.0.get(FALLBACK_PLAN))
            .copied()
            // Settings refuse a plans table without the fallback plan.
            .unwrap_or(Rate::UNLIMITED)
    }
}

/// What the budget says of one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Admission {
    /// Within budget: go on now.
    Now,
    /// Over budget but soon due: go on after this wait (the slot is already taken).
    After(Duration),
    /// Too far over budget: refuse; the tenant may try again after this long.
    Refused(Duration),
}

struct Bucket {
    rate: Rate,
    /// The plan's name, for metering.
    plan: String,
    /// Requests let through at once, after a wait, and refused (since the bucket was made).
    counts: [u64; 3],
    /// When the plan is to be read (again); one request claims each read.
    plan_due: Instant,
    /// When the tenant's next request is due (GCRA's theoretical arrival time).
    due: Instant,
}

const PLAN_TTL: Duration = Duration::from_secs(60);
/// After a failed read of a plan, the next read is this far off.
const PLAN_RETRY: Duration = Duration::from_secs(5);
/// Idle tenants' buckets are dropped once the map is this large.
const PRUNE_AT: usize = 4096;

pub struct Budgets {
    rates: PlanRates,
    max_wait: Duration,
    tenants: Mutex<HashMap<TenantId, Bucket>>,
}

impl Budgets {
    pub fn new(rates: PlanRates, max_wait: Duration) -> Self {
        Self {
            rates,
            max_wait,
            tenants: Mutex::new(HashMap::new()),
        }
    }

    /// The longest a request waits for its turn; refusals are answered after as long.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// Whether every plan is unlimited (then no plan needs reading).
    pub fn unlimited(&self) -> bool {
        self.rates.0.values().all(Rate::unlimited)
    }

    fn buckets(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, Bucket>> {
        // Poisoned only by a panic inside a short, panic-free update; the buckets stay usable.
        self.tenants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn bucket<'a>(
        &self,
        tenants: &'a mut HashMap<TenantId, Bucket>,
        tenant: TenantId,
        now: Instant,
    ) -> &'a mut Bucket {
        if tenants.len() >= PRUNE_AT && !tenants.contains_key(&tenant) {
            tenants.retain(|_, b| b.due > now);
        }
        // Until its plan is read, a tenant is held to the free plan's rate.
        tenants.entry(tenant).or_insert_with(|| Bucket {
            rate: self.rates.of(FALLBACK_PLAN),
            plan: FALLBACK_PLAN.to_owned(),
            counts: [0; 3],
            plan_due: now,
            due: now,
        })
    }

    /// Whether this request is the one to read the tenant's plan (first sight, or a minute
    /// since the last read); concurrent requests go on with the rate already known.
    pub fn claim_plan_read(&self, tenant: TenantId, now: Instant) -> bool {
        let mut tenants = self.buckets();
        let bucket = self.bucket(&mut tenants, tenant, now);
        if now < bucket.plan_due {
            return false;
        }
        bucket.plan_due = now + PLAN_TTL;
        true
    }

    /// Records the tenant's plan, read from Postgres.
    pub fn set_plan(&self, tenant: TenantId, plan: &str, now: Instant) {
        let rate = self.rates.of(plan);
        let mut tenants = self.buckets();
        let bucket = self.bucket(&mut tenants, tenant, now);
        bucket.rate = rate;
        plan.clone_into(&mut bucket.plan);
    }

    /// The plan could not be read: try again soon, keeping the rate known.
    pub fn plan_read_failed(&self, tenant: TenantId, now: Instant) {
        let mut tenants = self.buckets();
        self.bucket(&mut tenants, tenant, now).plan_due = now + PLAN_RETRY;
    }

    /// Takes the tenant's next slot if it is due within `max_wait`.
    pub fn admit(&self, tenant: TenantId, now: Instant) -> Admission {
        let mut tenants = self.buckets();
        let bucket = self.bucket(&mut tenants, tenant, now);
        let rate = bucket.rate;
        if rate.unlimited() {
            bucket.counts[0] += 1;
            return Admission::Now;
        }
        let due = bucket.due.max(now);
        let start = due.checked_sub(rate.tolerance()).unwrap_or(now);
        let wait = start.saturating_duration_since(now);
        if wait > self.max_wait {
            bucket.counts[2] += 1;
            return Admission::Refused(wait - self.max_wait);
        }
        bucket.due = due.checked_add(rate.interval()).unwrap_or(due);
        if wait.is_zero() {
            bucket.counts[0] += 1;
            Admission::Now
        } else {
            bucket.counts[1] += 1;
            Admission::After(wait)
        }
    }

    /// Each tenant's plan and requests let through at once, after a wait, and refused.
    pub fn usage(&self) -> Vec<(TenantId, String, [u64; 3])> {
        let mut usage: Vec<_> = self
            .buckets()
            .iter()
            .map(|(id, b)| (*id, b.plan.clone(), b.counts))
            .collect();
        usage.sort_by_key(|(id, _, _)| id.0);
        usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn budgets(free: Rate, max_wait_ms: u64) -> Budgets {
        Budgets::new(
            PlanRates::new([
                ("free".to_owned(), free),
                (
                    "team".to_owned(),
                    Rate {
                        per_sec: 100.0,
                        burst: 100.0,
                    },
                ),
                ("enterprise".to_owned(), Rate::UNLIMITED),
            ]),
            Duration::from_millis(max_wait_ms),
        )
    }

    fn tenant() -> TenantId {
        TenantId(Uuid::new_v4())
    }

    #[test]
    fn a_burst_goes_through_then_requests_are_spaced_at_the_rate() {
        let b = budgets(
            Rate {
                per_sec: 10.0,
                burst: 3.0,
            },
            1000,
        );
        let (t, now) = (tenant(), Instant::now());
        for _ in 0..3 {
            assert_eq!(b.admit(t, now), Admission::Now);
        }
        // The 4th is due one interval on, the 5th two: each waits for its own slot.
        assert_eq!(
            b.admit(t, now),
            Admission::After(Duration::from_millis(100))
        );
        assert_eq!(
            b.admit(t, now),
            Admission::After(Duration::from_millis(200))
        );
        // After a pause as long as the burst, the burst is back, then the rate holds.
        let later = now + Duration::from_millis(500);
        for _ in 0..3 {
            assert_eq!(b.admit(t, later), Admission::Now);
        }
        assert_eq!(
            b.admit(t, later),
            Admission::After(Duration::from_millis(100))
        );
        // Half a pause brings back half as much.
        let half = later + Duration::from_millis(250);
        assert_eq!(b.admit(t, half), Admission::Now);
        assert_eq!(
            b.admit(t, half),
            Admission::After(Duration::from_millis(50))
        );
    }

    #[test]
    fn a_request_due_beyond_the_longest_wait_is_refused_and_takes_no_slot() {
        let b = budgets(
            Rate {
                per_sec: 10.0,
                burst: 1.0,
            },
            250,
        );
        let (t, now) = (tenant(), Instant::now());
        assert_eq!(b.admit(t, now), Admission::Now);
        assert_eq!(
            b.admit(t, now),
            Admission::After(Duration::from_millis(100))
        );
        assert_eq!(
            b.admit(t, now),
            Admission::After(Duration::from_millis(200))
        );
        // Due in 300 ms, 50 ms beyond the longest wait: refused, retry in 50 ms.
        assert_eq!(
            b.admit(t, now),
            Admission::Refused(Duration::from_millis(50))
        );
        // The refusal took no slot: the same answer again, and a slot after the wait.
        assert_eq!(
            b.admit(t, now),
            Admission::Refused(Duration::from_millis(50))
        );
        assert_eq!(
            b.admit(t, now + Duration::from_millis(50)),
            Admission::After(Duration::from_millis(250))
        );
    }

    #[test]
    fn one_tenant_over_budget_leaves_another_alone() {
        let b = budgets(
            Rate {
                per_sec: 1.0,
                burst: 1.0,
            },
            0,
        );
        let (a, other, now) = (tenant(), tenant(), Instant::now());
        assert_eq!(b.admit(a, now), Admission::Now);
        assert!(matches!(b.admit(a, now), Admission::Refused(_)));
        assert_eq!(b.admit(other, now), Admission::Now);
    }

    #[test]
    fn plans_set_the_rate_and_unknown_plans_get_free() {
        let b = budgets(
            Rate {
                per_sec: 1.0,
                burst: 1.0,
            },
            0,
        );
        let now = Instant::now();
        let (free, team, enterprise, odd) = (tenant(), tenant(), tenant(), tenant());
        b.set_plan(team, "team", now);
        b.set_plan(enterprise, "enterprise", now);
        b.set_plan(odd, "platinum", now);
        for _ in 0..100 {
            assert_eq!(b.admit(team, now), Admission::Now);
        }
        assert!(matches!(b.admit(team, now), Admission::Refused(_)));
        for _ in 0..10_000 {
            assert_eq!(b.admit(enterprise, now), Admission::Now);
        }
        for t in [free, odd] {
            assert_eq!(b.admit(t, now), Admission::Now);
            assert!(matches!(b.admit(t, now), Admission::Refused(_)));
        }
    }

    #[test]
    fn one_request_reads_a_plan_once_a_minute_and_a_failed_read_is_retried_soon() {
        let b = budgets(Rate::UNLIMITED, 0);
        let (t, now) = (tenant(), Instant::now());
        assert!(b.claim_plan_read(t, now));
        // Concurrent requests do not read it again.
        assert!(!b.claim_plan_read(t, now));
        b.set_plan(t, "team", now);
        assert!(!b.claim_plan_read(t, now + Duration::from_secs(59)));
        assert!(b.claim_plan_read(t, now + Duration::from_secs(60)));
        let later = now + Duration::from_secs(60);
        b.plan_read_failed(t, later);
        assert!(!b.claim_plan_read(t, later + Duration::from_secs(4)));
        assert!(b.claim_plan_read(t, later + Duration::from_secs(5)));
        assert!(!b.unlimited());
        assert!(budgets(Rate::UNLIMITED, 0)
            .rates
            .of("enterprise")
            .unlimited());
    }

    #[test]
    fn usage_counts_each_tenants_answers_by_outcome() {
        let b = budgets(
            Rate {
                per_sec: 10.0,
                burst: 1.0,
            },
            150,
        );
        let (t, now) = (tenant(), Instant::now());
        b.set_plan(t, "free", now);
        for _ in 0..4 {
            let _ = b.admit(t, now);
        }
        // Now, after 100 ms, after 200 ms (over the 150 ms wait: refused), refused.
        assert_eq!(b.usage(), vec![(t, "free".to_owned(), [1, 1, 2])]);
    }

    #[test]
    fn extreme_rates_do_not_panic() {
        for per_sec in [1e-300, 1e-3, 1e300, f64::MIN_POSITIVE] {
            let b = budgets(
                Rate {
                    per_sec,
                    burst: 1e300,
                },
                1000,
            );
            let (t, now) = (tenant(), Instant::now());
            for _ in 0..3 {
                let _ = b.admit(t, now);
            }
        }
    }
}
