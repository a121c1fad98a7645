//! The MigrationActor runs a tenant's config migrations off the request threads. Every run
//! takes one of the tenant's own slots, then one of the process's pool slots, then a blocking
//! thread: a tenant whose migrations spin until their deadline fills its own slots and at most
//! that many of the pool's, so other tenants' bindings still find a free thread.

use actix::{Actor, Context, Handler, Message, ResponseFuture};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use uuid::Uuid;
use versiqii_migrate::{Direction, Lens, Program, WasmRuntime};

/// Shared by every tenant's MigrationActor.
pub struct MigrationPool {
    pub runtime: Arc<WasmRuntime>,
    slots: Arc<Semaphore>,
    per_tenant: usize,
}

impl MigrationPool {
    pub fn new(runtime: Arc<WasmRuntime>, threads: usize, per_tenant: usize) -> Self {
        let threads = threads.max(1);
        Self {
            runtime,
            slots: Arc::new(Semaphore::new(threads)),
            per_tenant: per_tenant.clamp(1, threads),
        }
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

/// What a migrated revision records about how it was made.
#[derive(Clone, Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct StepView {
    pub migration_id: Uuid,
    /// `lens` or `wasm`.
    pub kind: String,
    /// `up` or `down`.
    #[schema(value_type = String)]
    pub direction: Direction,
    pub from: String,
    pub to: String,
}

impl From<&ChainStep> for StepView {
    fn from(s: &ChainStep) -> Self {
        Self {
            migration_id: s.migration_id,
            kind: s.kind.clone(),
            direction: s.direction,
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
    #[error("the migration pool is shutting down")]
    Stopped,
}

#[derive(Message)]
#[rtype(result = "Result<Value, MigrationFailure>")]
pub struct RunChain {
    pub steps: Vec<ChainStep>,
    pub doc: Value,
}

pub struct MigrationActor {
    pool: Arc<MigrationPool>,
    own: Arc<Semaphore>,
    /// Parsed lenses by content hash (WASM modules are cached by the runtime).
    lenses: Arc<Mutex<HashMap<String, Lens>>>,
}

impl MigrationActor {
    pub fn new(pool: Arc<MigrationPool>) -> Self {
        let own = Arc::new(Semaphore::new(pool.per_tenant));
        Self {
            pool,
            own,
            lenses: Arc::default(),
        }
    }
}

impl Actor for MigrationActor {
    type Context = Context<Self>;
}

impl Handler<RunChain> for MigrationActor {
    type Result = ResponseFuture<Result<Value, MigrationFailure>>;

    fn handle(&mut self, msg: RunChain, _: &mut Self::Context) -> Self::Result {
        let own = self.own.clone();
        let pool = self.pool.clone();
        let lenses = self.lenses.clone();
        Box::pin(async move {
            let _mine = own
                .acquire_owned()
                .await
                .map_err(|_| MigrationFailure::Stopped)?;
            let _slot = pool
                .slots
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| MigrationFailure::Stopped)?;
            let runtime = pool.runtime.clone();
            tokio::task::spawn_blocking(move || run_chain(&runtime, &lenses, msg))
                .await
                .map_err(|_| MigrationFailure::Stopped)?
        })
    }
}

fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::Up => "up",
        Direction::Down => "down",
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
        doc = program
            .apply(doc, step.direction)
            .map_err(|e| MigrationFailure::Run {
                from: step.from.clone(),
                to: step.to.clone(),
                direction: direction_word(step.direction),
                message: e.to_string(),
            })?;
    }
    Ok(doc)
}

fn load_failure(step: &ChainStep, message: String) -> MigrationFailure {
    MigrationFailure::Load {
        from: step.from.clone(),
        to: step.to.clone(),
        message,
    }
}
