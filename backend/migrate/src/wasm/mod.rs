//! Sandboxed WASM migrations (wasmtime): no imports, fuel, an epoch deadline, a memory cap and
//! an input cap; compiled modules are cached by content hash and pre-instantiated.
//!
//! The ABI (documented for module authors in `docs/wasm-abi.md`): a module exports `memory`,
//! `alloc(len: i32) -> i32` and `migrate(ptr: i32, len: i32, direction: i32) -> i64`. The host
//! writes the compact JSON of the input document at `alloc(len)`, calls `migrate` with
//! direction 0 (up) or 1 (down) and reads the result: a non-negative value packs
//! `ptr << 32 | len` of the output JSON, a negative one (bit 63 set) packs the location of a
//! UTF-8 error message the same way in its low 63 bits.
//!
//! Every call runs in a fresh store and instance, so nothing one call does is seen by the next;
//! instances come from wasmtime's pooling allocator (slots reused, memory reset between calls),
//! or are allocated per call where the pool's address space cannot be reserved.
//!
//! Modules: `abi` (exports, one call, decoding results), `engine` (configuration, stores,
//! instance slots), `limiter` (resource limits, error classification), `ticker` (the epoch
//! thread behind deadlines), `cache` (compiled modules by hash).

mod abi;
mod cache;
mod engine;
mod limiter;
#[cfg(test)]
mod tests;
mod ticker;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Direction;

pub use abi::{DIRECTION_DOWN, DIRECTION_UP, ERROR_FLAG};

#[derive(Clone, Debug)]
pub struct WasmLimits {
    /// Fuel per call (roughly one unit per WASM instruction).
    pub fuel: u64,
    /// Wall-clock deadline per call, enforced with epoch interruption.
    pub deadline: Duration,
    /// Maximum linear memory per instance in bytes.
    pub memory_bytes: usize,
    /// Maximum input document size in bytes (serialised JSON).
    pub input_bytes: usize,
    /// Maximum output size in bytes (the JSON text the module returns), checked before it is
    /// parsed.
    pub output_bytes: usize,
    /// Maximum module size in bytes.
    pub module_bytes: usize,
    /// Compiled modules kept in the cache.
    pub cache_entries: usize,
}

impl Default for WasmLimits {
    fn default() -> Self {
        WasmLimits {
            fuel: 50_000_000,
            deadline: Duration::from_millis(500),
            memory_bytes: 16 << 20,
            input_bytes: 256 << 10,
            output_bytes: 1 << 20,
            module_bytes: 4 << 20,
            cache_entries: 256,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WasmError {
    #[error("invalid module: {0}")]
    Invalid(String),
    #[error("module imports {0}; migration modules may import nothing")]
    Imports(String),
    #[error("input is {size} bytes; the limit is {limit}")]
    InputTooLarge { size: usize, limit: usize },
    #[error("the output is {size} bytes; the limit is {limit}")]
    OutputTooLarge { size: usize, limit: usize },
    #[error("migration trapped: {0}")]
    Trap(String),
    #[error("migration ran out of fuel")]
    OutOfFuel,
    #[error("migration exceeded its deadline")]
    Deadline,
    #[error("migration exceeded its memory limit")]
    Memory,
    #[error("migration failed: {0}")]
    Failed(String),
    #[error("migration returned invalid output: {0}")]
    Output(String),
}

/// One engine per process: owns the module cache, the instance pool and the epoch ticker.
///
/// The ticker thread lives as long as the runtime or any migration loaded from it (a migration
/// needs the ticker to enforce its deadline); it is stopped and joined when the last of them is
/// dropped.
pub struct WasmRuntime {
    shared: Arc<engine::Shared>,
    cache: Mutex<cache::Cache>,
}

impl std::fmt::Debug for WasmRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmRuntime")
            .field("limits", &self.shared.limits)
            .field("cached_modules", &self.cached_modules())
            .finish_non_exhaustive()
    }
}

impl WasmRuntime {
    pub fn new(limits: WasmLimits) -> Result<Arc<WasmRuntime>, WasmError> {
        let cache = cache::Cache::new(limits.cache_entries);
        Ok(Arc::new(WasmRuntime {
            shared: Arc::new(engine::Shared::new(limits)?),
            cache: Mutex::new(cache),
        }))
    }

    pub fn limits(&self) -> &WasmLimits {
        &self.shared.limits
    }

    /// Compiles (or takes from the cache) a module given as WASM binary or WAT text, refusing
    /// any module with imports or without the ABI's exports.
    pub fn load(self: &Arc<Self>, module: &[u8]) -> Result<Arc<WasmMigration>, WasmError> {
        let limit = self.shared.limits.module_bytes;
        if module.len() > limit {
            return Err(WasmError::Invalid(format!(
                "module is {} bytes; the limit is {limit}",
                module.len()
            )));
        }
        let hash = hex::encode(Sha256::digest(module));
        if let Some(hit) = self.lock_cache().get(&hash) {
            return Ok(hit);
        }
        // Compile outside the lock: other loads and cache hits go on meanwhile. Two threads
        // compiling the same bytes at once both succeed and the first insert wins.
        let loaded = abi::Loaded::compile(&self.shared, module)?;
        let migration = Arc::new(WasmMigration {
            shared: self.shared.clone(),
            hash: hash.clone(),
            loaded,
        });
        Ok(self.lock_cache().insert(hash, migration))
    }

    /// Whether instances come from wasmtime's pooling allocator (slots reserved when the
    /// runtime starts and reused, the default) or are allocated per call (the fallback where
    /// the pool's address space cannot be reserved).
    pub fn pooled(&self) -> bool {
        self.shared.pooled()
    }

    /// Number of compiled modules currently in the cache.
    pub fn cached_modules(&self) -> usize {
        self.lock_cache().len()
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, cache::Cache> {
        // The cache holds no invariant a panicking holder could break halfway, so a poisoned
        // lock is still usable.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A compiled, pre-instantiated migration module. Each call gets a fresh instance.
pub struct WasmMigration {
    shared: Arc<engine::Shared>,
    hash: String,
    loaded: abi::Loaded,
}

impl std::fmt::Debug for WasmMigration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmMigration")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl WasmMigration {
    /// Lowercase hex SHA-256 of the module bytes as given to `load`.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn run(&self, doc: &Value, direction: Direction) -> Result<Value, WasmError> {
        let input = serde_json::to_vec(doc)
            .map_err(|e| WasmError::Failed(format!("cannot serialise the input: {e}")))?;
        let limit = self.shared.limits.input_bytes;
        if input.len() > limit {
            return Err(WasmError::InputTooLarge {
                size: input.len(),
                limit,
            });
        }
        self.loaded.call(&self.shared, &input, direction)
    }
}
