//! Usage metering: each admitted tenant request is counted in memory by kind and UTC day (no
//! database write per request), and every `metering.flush_ms` the counts go to Postgres in one
//! additive upsert, so instances and restarts add up. A flush that fails keeps its counts for
//! the next; an instance that dies loses at most what it counted since its last flush.

use chrono::{NaiveDate, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use uuid::Uuid;
use versiqii_store::{Store, UsageCount};

/// What a request is counted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Read,
    Write,
    Validation,
    Migration,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Read => "api_reads",
            Kind::Write => "api_writes",
            Kind::Validation => "api_validations",
            Kind::Migration => "api_migrations",
        }
    }

    /// A request's kind by its method and path.
    pub fn of(method: &str, path: &str) -> Kind {
        if path.ends_with("/validate") || path.contains("/validate?") {
            Kind::Validation
        } else if path.contains("/migrations") && method != "GET" {
            Kind::Migration
        } else if matches!(method, "GET" | "HEAD" | "OPTIONS") {
            Kind::Read
        } else {
            Kind::Write
        }
    }
}

#[derive(Default)]
pub struct Meter {
    /// By tenant, day and the kind's name (as stored), so a failed flush's counts go back as
    /// they came.
    counts: Mutex<HashMap<(Uuid, NaiveDate, &'static str), u64>>,
}

impl Meter {
    pub fn count(&self, tenant: Uuid, kind: Kind) {
        let day = Utc::now().date_naive();
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry((tenant, day, kind.as_str())).or_default() += 1;
        }
    }

    /// `tenant`'s calls counted here and not flushed yet, from `from` on.
    pub fn pending_calls(&self, tenant: Uuid, from: NaiveDate) -> u64 {
        let Ok(counts) = self.counts.lock() else {
            return 0;
        };
        counts
            .iter()
            .filter(|((t, day, _), _)| *t == tenant && *day >= from)
            .map(|(_, n)| *n)
            .sum()
    }

    fn take(&self) -> Vec<UsageCount> {
        let Ok(mut counts) = self.counts.lock() else {
            return Vec::new();
        };
        std::mem::take(&mut *counts)
            .into_iter()
            .map(|((tenant, day, kind), count)| UsageCount {
                tenant,
                day,
                kind,
                count,
            })
            .collect()
    }

    fn put_back(&self, taken: Vec<UsageCount>) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        for c in taken {
            *counts.entry((c.tenant, c.day, c.kind)).or_default() += c.count;
        }
    }

    /// Writes what was counted; on failure the counts wait for the next flush.
    pub async fn flush(&self, store: &Store) {
        let taken = self.take();
        if taken.is_empty() {
            return;
        }
        if let Err(e) = store.add_usage(&taken).await {
            tracing::warn!(error = %e, "usage: flush failed; kept for the next one");
            self.put_back(taken);
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

/// Snapshots every tenant's stored quantities into today's usage (and yesterday's deliveries
/// once more, so a day's last hours are not missed), at start and every `every`, until the process ends.
/// Every instance may run it: it keeps each day's peak, so repeats change nothing.
pub async fn snapshot(store: Store, every: Duration) {
    loop {
        let today = Utc::now().date_naive();
        let days = [(today.pred_opt(), false), (Some(today), true)];
        for (day, gauges) in days.into_iter().filter_map(|(d, g)| Some((d?, g))) {
            if let Err(e) = store.snapshot_usage(day, gauges).await {
                tracing::warn!(error = %e, "usage: snapshot failed");
            }
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_kind() {
        assert_eq!(Kind::of("GET", "/v1/envs"), Kind::Read);
        assert_eq!(Kind::of("POST", "/v1/envs"), Kind::Write);
        assert_eq!(
            Kind::of("PUT", "/v1/envs/prod/targets/a/version"),
            Kind::Write
        );
        assert_eq!(
            Kind::of("POST", "/v1/targets/a/versions/1.0.0/validate"),
            Kind::Validation
        );
        assert_eq!(
            Kind::of("POST", "/v1/families/F/migrations"),
            Kind::Migration
        );
        assert_eq!(Kind::of("GET", "/v1/families/F/migrations"), Kind::Read);
        let meter = Meter::default();
        let t = Uuid::new_v4();
        meter.count(t, Kind::Read);
        meter.count(t, Kind::Read);
        meter.count(t, Kind::Write);
        let mut taken = meter.take();
        taken.sort_by_key(|c| c.kind);
        assert_eq!(
            taken.iter().map(|c| (c.kind, c.count)).collect::<Vec<_>>(),
            [("api_reads", 2), ("api_writes", 1)]
        );
        assert!(meter.take().is_empty(), "taken once");
        meter.put_back(taken);
        assert_eq!(
            meter.take().iter().map(|c| c.count).sum::<u64>(),
            3,
            "a failed flush keeps its counts"
        );
    }
}
