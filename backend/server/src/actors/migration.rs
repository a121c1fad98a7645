//! The MigrationActor runs a tenant's config migrations off the request threads, on the
//! process's CPU pool (`compute`): every run takes one of the tenant's slots there, then a pool
//! thread, so a tenant whose migrations spin until their deadline fills its own slots and at
//! most that many of the pool's, and other tenants' work still finds a free thread.

use crate::compute::{Compute, Task};
use crate::error::ApiError;
use actix::{Actor, Context, Handler, Message, ResponseFuture};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use versiqii_api::v1::{self as wire, StepView};
use versiqii_core::TenantId;
use versiqii_migrate::{Direction, Lens, MigrateError, Program, WasmError, WasmRuntime, MAX_HOPS};

/// Shared by every tenant's MigrationActor.
pub struct MigrationPool {
    pub runtime: Arc<WasmRuntime>,
    compute: Arc<Compute>,
}

impl MigrationPool {
    pub fn new(runtime: Arc<WasmRuntime>, compute: Arc<Compute>) -> Self {
        Self { runtime, compute }
    }
}

/// One hop of a chain: a stored migration run in one direction.
#[derive(Clone, Debug)]
pub struct ChainStep {
    pub migration_id: Uuid,
    pub kind: String,
    pub hash: String,
    pub source: Arc<Vec<u8>>,
    pub direction: Direction,
    /// Schema version the step starts from and the one it ends at (in its direction).
    pub from: String,
    pub to: String,
}

/// A direction as the wire names it.
fn wire_direction(d: Direction) -> wire::Direction {
    match d {
        Direction::Up => wire::Direction::Up,
        Direction::Down => wire::Direction::Down,
    }
}

/// What a migrated revision records about the step (and the API shows).
impl From<&ChainStep> for StepView {
    fn from(s: &ChainStep) -> Self {
        Self {
            migration_id: s.migration_id.into(),
            kind: s.kind.clone(),
            direction: wire_direction(s.direction),
            from: s.from.clone(),
            to: s.to.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationFailure {
    /// The stored program does not load (it loaded when it was added; a changed runtime limit
    /// can make it fail now).
    #[error("migration {from} -> {to} does not load: {message}")]
    Load {
        from: String,
        to: String,
        message: String,
    },
    #[error("migration {from} -> {to} ({direction}) failed: {message}")]
    Run {
        from: String,
        to: String,
        direction: &'static str,
        message: String,
    },
    /// The step ran but made (or was making) a config larger than one may be; nothing after
    /// it runs.
    #[error("migration {from} -> {to} ({direction}) refused: {message}")]
    TooLarge {
        from: String,
        to: String,
        direction: &'static str,
        message: String,
    },
    #[error(
        "the chain from {from} to {to} has {hops} steps; at most {max} are run (add a migration that skips some)"
    )]
    TooManyHops {
        from: String,
        to: String,
        hops: usize,
        max: usize,
    },
    #[error(
        "migration {from} -> {to} is quarantined for {seconds} s: its last {strikes} runs hit the sandbox's limits"
    )]
    Quarantined {
        from: String,
        to: String,
        seconds: u64,
        strikes: u32,
    },
    /// The chain ran past its time limit (its thread ends on its own).
    #[error("migration {from} -> {to} took longer than {limit_ms} ms")]
    TooLong {
        from: String,
        to: String,
        limit_ms: u128,
    },
    /// The tenant's share of the CPU pool stayed taken.
    #[error("the tenant's earlier work holds its share of the CPU pool; retry in {retry_after} s")]
    Busy { retry_after: u64 },
    #[error("the migration pool is shutting down")]
    Stopped,
}

/// Runs in a row that hit the sandbox's fuel or deadline before a module is quarantined.
const STRIKES: u32 = 3;
/// How long a quarantined module is refused without running; then it gets one more try.
const QUARANTINE: std::time::Duration = std::time::Duration::from_secs(30);

/// A tenant's modules that keep running into their limits. A runaway module burns a pool
/// thread until its deadline on every call; after a few in a row it is refused at once for a
/// while, so its tenant's retries cost nothing and other tenants keep the CPU.
#[derive(Default)]
struct Quarantine {
    modules: HashMap<String, (u32, Option<std::time::Instant>)>,
}

impl Quarantine {
    /// Seconds left if `hash` is quarantined now.
    fn refuses(&self, hash: &str) -> Option<(u64, u32)> {
        let (strikes, until) = self.modules.get(hash)?;
        let left = (*until)?.checked_duration_since(std::time::Instant::now())?;
        Some((left.as_secs().max(1), *strikes))
    }

    fn record(&mut self, hash: &str, hit_limit: bool) {
        if !hit_limit {
            self.modules.remove(hash);
            return;
        }
        if self.modules.len() >= 1024 {
            self.modules.clear();
        }
        let entry = self.modules.entry(hash.to_owned()).or_insert((0, None));
        entry.0 += 1;
        if entry.0 >= STRIKES {
            entry.1 = Some(std::time::Instant::now() + QUARANTINE);
        }
    }
}

#[derive(Message)]
#[rtype(result = "Result<Value, MigrationFailure>")]
pub struct RunChain {
    pub steps: Vec<ChainStep>,
    pub doc: Value,
}

pub struct MigrationActor {
    pool: Arc<MigrationPool>,
    tenant: TenantId,
    /// Parsed lenses by content hash (WASM modules are cached by the runtime).
    lenses: Arc<Mutex<HashMap<String, Lens>>>,
    quarantine: Arc<Mutex<Quarantine>>,
}

impl MigrationActor {
    pub fn new(pool: Arc<MigrationPool>, tenant: TenantId) -> Self {
        Self {
            pool,
            tenant,
            lenses: Arc::default(),
            quarantine: Arc::default(),
        }
    }
}

impl Actor for MigrationActor {
    type Context = Context<Self>;
}

impl Handler<RunChain> for MigrationActor {
    type Result = ResponseFuture<Result<Value, MigrationFailure>>;

    fn handle(&mut self, msg: RunChain, _: &mut Self::Context) -> Self::Result {
        let tenant = self.tenant;
        let pool = self.pool.clone();
        let lenses = self.lenses.clone();
        let quarantine = self.quarantine.clone();
        Box::pin(async move {
            // A chain is bounded like a single run is; refused before anything runs.
            if msg.steps.len() > MAX_HOPS {
                return Err(too_many_hops(&msg.steps));
            }
            // Refused before taking a slot: a quarantined module costs nothing.
            if let Ok(q) = quarantine.lock() {
                for step in &msg.steps {
                    if let Some((seconds, strikes)) = q.refuses(&step.hash) {
                        return Err(MigrationFailure::Quarantined {
                            from: step.from.clone(),
                            to: step.to.clone(),
                            seconds,
                            strikes,
                        });
                    }
                }
            }
            let runtime = pool.runtime.clone();
            let (from, to) = msg
                .steps
                .first()
                .map(|s| (s.from.clone(), s.to.clone()))
                .unwrap_or_default();
            // Each WASM call has its own deadline and a lens is bounded by the size caps; the
            // chain as a whole gets one task's limit per step.
            let limit = pool.compute.task_limit() * u32::try_from(msg.steps.len()).unwrap_or(1);
            let run = move || run_chain(&runtime, &lenses, &quarantine, msg);
            match pool
                .compute
                .run_within(tenant, Task::Migration, limit, run)
                .await
            {
                Ok(done) => done,
                Err(ApiError::ComputeBusy { retry_after }) => {
                    Err(MigrationFailure::Busy { retry_after })
                }
                Err(ApiError::ComputeTooLong { limit_ms, .. }) => {
                    Err(MigrationFailure::TooLong { from, to, limit_ms })
                }
                Err(ApiError::Internal(_)) => Err(MigrationFailure::Run {
                    from,
                    to,
                    direction: "up or down",
                    message: "the migration crashed".into(),
                }),
                Err(_) => Err(MigrationFailure::Stopped),
            }
        })
    }
}

/// Loads a stored program; the same check the API runs before storing one.
pub fn load_program(
    runtime: &Arc<WasmRuntime>,
    kind: &str,
    source: &[u8],
) -> Result<Program, String> {
    match kind {
        "lens" => {
            let text = std::str::from_utf8(source).map_err(|_| "the lens is not UTF-8 text")?;
            Lens::parse(text)
                .map(Program::Lens)
                .map_err(|e| e.to_string())
        }
        "wasm" => runtime
            .load(source)
            .map(Program::Wasm)
            .map_err(|e| e.to_string()),
        other => Err(format!("unknown migration kind {other}")),
    }
}

fn run_chain(
    runtime: &Arc<WasmRuntime>,
    lenses: &Mutex<HashMap<String, Lens>>,
    quarantine: &Mutex<Quarantine>,
    RunChain { steps, mut doc }: RunChain,
) -> Result<Value, MigrationFailure> {
    for step in steps {
        let program = match step.kind.as_str() {
            "lens" => {
                let cached = lenses
                    .lock()
                    .map_err(|_| MigrationFailure::Stopped)?
                    .get(&step.hash)
                    .cloned();
                match cached {
                    Some(lens) => Program::Lens(lens),
                    None => {
                        let program = load_program(runtime, &step.kind, &step.source)
                            .map_err(|message| load_failure(&step, message))?;
                        if let Program::Lens(lens) = &program {
                            if let Ok(mut cache) = lenses.lock() {
                                if cache.len() >= 1024 {
                                    cache.clear();
                                }
                                cache.insert(step.hash.clone(), lens.clone());
                            }
                        }
                        program
                    }
                }
            }
            _ => load_program(runtime, &step.kind, &step.source)
                .map_err(|message| load_failure(&step, message))?,
        };
        if let Program::Wasm(_) = program {
            // Quarantined while this run waited for its slot: refuse it now, before it runs.
            if let Some((seconds, strikes)) =
                quarantine.lock().ok().and_then(|q| q.refuses(&step.hash))
            {
                return Err(MigrationFailure::Quarantined {
                    from: step.from.clone(),
                    to: step.to.clone(),
                    seconds,
                    strikes,
                });
            }
        }
        let result = program.apply(doc, step.direction);
        if let Program::Wasm(_) = program {
            let hit_limit = matches!(
                result,
                Err(MigrateError::Wasm(
                    WasmError::OutOfFuel | WasmError::Deadline
                ))
            );
            if let Ok(mut q) = quarantine.lock() {
                q.record(&step.hash, hit_limit);
            }
        }
        // `Program::apply` checked the output against a config's caps: what the next step
        // gets, and what may be stored, is never larger than a config may be.
        doc = result.map_err(|e| {
            let (from, to) = (step.from.clone(), step.to.clone());
            let direction = wire_direction(step.direction).as_str();
            let message = e.to_string();
            if e.is_too_large() {
                MigrationFailure::TooLarge {
                    from,
                    to,
                    direction,
                    message,
                }
            } else {
                MigrationFailure::Run {
                    from,
                    to,
                    direction,
                    message,
                }
            }
        })?;
    }
    Ok(doc)
}

/// The refusal of a chain longer than [`MAX_HOPS`].
pub fn too_many_hops(steps: &[ChainStep]) -> MigrationFailure {
    MigrationFailure::TooManyHops {
        from: steps.first().map(|s| s.from.clone()).unwrap_or_default(),
        to: steps.last().map(|s| s.to.clone()).unwrap_or_default(),
        hops: steps.len(),
        max: MAX_HOPS,
    }
}

fn load_failure(step: &ChainStep, message: String) -> MigrationFailure {
    MigrationFailure::Load {
        from: step.from.clone(),
        to: step.to.clone(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_is_quarantined_after_strikes_in_a_row_and_forgiven_on_success() {
        let mut q = Quarantine::default();
        q.record("spin", true);
        q.record("spin", true);
        assert!(
            q.refuses("spin").is_none(),
            "quarantined before {STRIKES} strikes"
        );
        q.record("spin", true);
        let (seconds, strikes) = q.refuses("spin").expect("not quarantined");
        assert!((1..=QUARANTINE.as_secs()).contains(&seconds));
        assert_eq!(strikes, STRIKES);
        assert!(q.refuses("other").is_none());
        q.record("spin", false);
        assert!(
            q.refuses("spin").is_none(),
            "a success did not lift the quarantine"
        );
        // A failure that is not a limit (a trap, bad output) never counts.
        q.record("flaky", false);
        assert!(q.refuses("flaky").is_none());
    }
}
