//! CPU work off the HTTP workers, fairly. Compiling schemas, checking compatibility, validating
//! configs, diffing revisions and running migrations take CPU in proportion to what a client
//! sent; on an HTTP worker that work would stall every request queued behind it. Each task here
//! takes one of its tenant's slots, then one of the process's, then a blocking thread: a tenant
//! holds at most `per_tenant` of the `threads` at once, so with two threads and one slot per
//! tenant one tenant can never pin both. A task longer than its limit is answered with
//! `compute_time_exceeded`; its thread finishes on its own, still holding its slots, so the
//! tenant's further work waits behind it rather than piling more onto the pool. A tenant whose
//! slots stay taken longer than `queue` gets `compute_busy` (503 with `Retry-After`).

use crate::auth::fair_share::FairShare;
use crate::error::ApiError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use versiqii_core::TenantId;

/// The kinds of work, as errors and metrics name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    SchemaCompile,
    Compatibility,
    Validation,
    Diff,
    Migration,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::SchemaCompile => "compiling the schema",
            Task::Compatibility => "the compatibility check",
            Task::Validation => "validating the config",
            Task::Diff => "the diff",
            Task::Migration => "the migration",
        }
    }

    const ALL: [Task; 5] = [
        Task::SchemaCompile,
        Task::Compatibility,
        Task::Validation,
        Task::Diff,
        Task::Migration,
    ];

    fn label(self) -> &'static str {
        match self {
            Task::SchemaCompile => "schema_compile",
            Task::Compatibility => "compatibility",
            Task::Validation => "validation",
            Task::Diff => "diff",
            Task::Migration => "migration",
        }
    }
}

/// Counters for `/metrics`, per task kind: tasks run, their seconds, and refusals.
#[derive(Default)]
struct Stats {
    tasks: [AtomicU64; 5],
    micros: [AtomicU64; 5],
    too_long: [AtomicU64; 5],
    busy: AtomicU64,
}

pub struct Compute {
    threads: Arc<Semaphore>,
    tenants: FairShare,
    task_limit: Duration,
    queue_limit: Duration,
    stats: Stats,
}

/// A tenant's slot and a pool thread, held until the work is done.
pub struct Slot {
    _mine: OwnedSemaphorePermit,
    _thread: OwnedSemaphorePermit,
}

impl Compute {
    /// `threads` 0 means one per core; `per_tenant` 0 means half the threads (at least one).
    pub fn new(threads: usize, per_tenant: usize, task_limit: Duration, queue: Duration) -> Self {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let per_tenant = match per_tenant {
            0 => (threads / 2).max(1),
            n => n.min(threads),
        };
        Self {
            threads: Arc::new(Semaphore::new(threads)),
            tenants: FairShare::new(per_tenant),
            task_limit,
            queue_limit: queue,
            stats: Stats::default(),
        }
    }

    /// One task's time limit.
    pub fn task_limit(&self) -> Duration {
        self.task_limit
    }

    /// The pool's counters in Prometheus text.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        out.push_str(
            "# HELP versiqii_compute_tasks_total CPU tasks run on the pool, by kind and outcome \
             (done, or too_long: answered compute_time_exceeded).\n",
        );
        out.push_str("# TYPE versiqii_compute_tasks_total counter\n");
        for (i, task) in Task::ALL.iter().enumerate() {
            let all = self.stats.tasks[i].load(Ordering::Relaxed);
            let long = self.stats.too_long[i].load(Ordering::Relaxed);
            for (outcome, n) in [("done", all.saturating_sub(long)), ("too_long", long)] {
                let _ = writeln!(
                    out,
                    "versiqii_compute_tasks_total{{task=\"{}\",outcome=\"{outcome}\"}} {n}",
                    task.label()
                );
            }
        }
        out.push_str("# HELP versiqii_compute_seconds_total Seconds tasks spent on the pool (up to their limit).\n");
        out.push_str("# TYPE versiqii_compute_seconds_total counter\n");
        for (i, task) in Task::ALL.iter().enumerate() {
            let micros = self.stats.micros[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "versiqii_compute_seconds_total{{task=\"{}\"}} {}",
                task.label(),
                micros as f64 / 1e6
            );
        }
        out.push_str("# HELP versiqii_compute_busy_total Tasks refused with compute_busy.\n");
        out.push_str("# TYPE versiqii_compute_busy_total counter\n");
        let _ = writeln!(
            out,
            "versiqii_compute_busy_total {}",
            self.stats.busy.load(Ordering::Relaxed)
        );
    }

    fn index(task: Task) -> usize {
        Task::ALL.iter().position(|t| *t == task).unwrap_or(0)
    }

    /// Waits (at most the queue limit) for one of the tenant's slots and a pool thread.
    pub async fn slot(&self, tenant: TenantId) -> Result<Slot, ApiError> {
        let wait = async {
            let mine = self.tenants.enter(tenant).await?;
            let thread = self.threads.clone().acquire_owned().await.ok()?;
            Some(Slot {
                _mine: mine,
                _thread: thread,
            })
        };
        match tokio::time::timeout(self.queue_limit, wait).await {
            Ok(Some(slot)) => Ok(slot),
            Ok(None) => Err(ApiError::Unavailable("the compute pool")),
            Err(_) => {
                self.stats.busy.fetch_add(1, Ordering::Relaxed);
                Err(ApiError::ComputeBusy {
                    retry_after: self.queue_limit.as_secs().max(1),
                })
            }
        }
    }

    /// Counts work done on the caller's thread (too small to be worth the pool's hand-off) in
    /// the task's figures, as if the pool had run it.
    pub fn record_inline(&self, task: Task, took: Duration) {
        let i = Self::index(task);
        self.stats.tasks[i].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.stats.micros[i].fetch_add(micros, Ordering::Relaxed);
    }

    /// Runs `work` for `tenant` on the pool within the per-task limit.
    pub async fn run<T, F>(&self, tenant: TenantId, task: Task, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.run_within(tenant, task, self.task_limit, work).await
    }

    /// As `run`, with a limit of the caller's (a migration chain's is its steps' deadlines).
    pub async fn run_within<T, F>(
        &self,
        tenant: TenantId,
        task: Task,
        limit: Duration,
        work: F,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let slot = self.slot(tenant).await?;
        let started = std::time::Instant::now();
        let handle = tokio::task::spawn_blocking(move || {
            let _held = slot;
            work()
        });
        let outcome = tokio::time::timeout(limit, handle).await;
        let i = Self::index(task);
        self.stats.tasks[i].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.stats.micros[i].fetch_add(micros, Ordering::Relaxed);
        match outcome {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(crashed)) => Err(ApiError::Internal(anyhow::anyhow!(
                "{} crashed: {crashed}",
                task.as_str()
            ))),
            Err(_) => {
                self.stats.too_long[i].fetch_add(1, Ordering::Relaxed);
                Err(ApiError::ComputeTooLong {
                    what: task.as_str(),
                    limit_ms: limit.as_millis(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn tenant(n: u128) -> TenantId {
        TenantId(uuid::Uuid::from_u128(n))
    }

    fn spin(ms: u64) {
        let until = std::time::Instant::now() + Duration::from_millis(ms);
        while std::time::Instant::now() < until {
            std::hint::spin_loop();
        }
    }

    /// One tenant flooding the pool holds one of its two threads; another tenant's task runs
    /// on the other at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_tenant_cannot_take_every_thread() {
        let pool = Arc::new(Compute::new(
            2,
            1,
            Duration::from_secs(10),
            Duration::from_secs(10),
        ));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut flood = Vec::new();
        for _ in 0..6 {
            let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
            flood.push(tokio::spawn(async move {
                pool.run(tenant(1), Task::Validation, move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    spin(50);
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Tenant 2 is served while tenant 1 still has five tasks queued.
        let started = std::time::Instant::now();
        pool.run(tenant(2), Task::Diff, || ()).await.unwrap();
        let waited = started.elapsed();
        let left = flood.iter().filter(|h| !h.is_finished()).count();
        assert!(
            left >= 3,
            "the flood was over before tenant 2 ran ({left} left, {waited:?})"
        );
        for h in flood {
            h.await.unwrap().unwrap();
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            1,
            "tenant 1 ran two tasks at once"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_task_over_its_limit_is_refused_and_keeps_its_slot_until_it_ends() {
        let pool = Compute::new(2, 1, Duration::from_millis(50), Duration::from_millis(100));
        let err = pool
            .run(tenant(1), Task::Validation, || spin(400))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ApiError::ComputeTooLong {
                    what: "validating the config",
                    limit_ms: 50
                }
            ),
            "{err:?}"
        );
        // The runaway still holds tenant 1's only slot: its next task waits, then is refused
        // as busy, while tenant 2 is served.
        let err = pool.run(tenant(1), Task::Diff, || ()).await.unwrap_err();
        assert!(
            matches!(err, ApiError::ComputeBusy { retry_after: 1 }),
            "{err:?}"
        );
        pool.run(tenant(2), Task::Diff, || ()).await.unwrap();
        // Once it ends, tenant 1 is served again.
        tokio::time::sleep(Duration::from_millis(400)).await;
        pool.run(tenant(1), Task::Diff, || ()).await.unwrap();
        let mut text = String::new();
        pool.render(&mut text);
        assert!(
            text.contains(
                "versiqii_compute_tasks_total{task=\"validation\",outcome=\"too_long\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("versiqii_compute_tasks_total{task=\"diff\",outcome=\"done\"} 2"),
            "{text}"
        );
        assert!(text.contains("versiqii_compute_busy_total 1"), "{text}");
    }

    #[test]
    fn zero_means_the_machine_and_half_of_it() {
        let pool = Compute::new(0, 0, Duration::from_secs(1), Duration::from_secs(1));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert_eq!(pool.threads.available_permits(), cores);
        let capped = Compute::new(2, 5, Duration::from_secs(1), Duration::from_secs(1));
        assert_eq!(capped.threads.available_permits(), 2);
    }
}
