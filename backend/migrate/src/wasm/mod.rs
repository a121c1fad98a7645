//! Sandboxed WASM migrations (wasmtime): no imports, fuel, an epoch deadline, a memory cap and
//! an input cap; compiled modules are cached by content hash and pre-instantiated.
//! STUB — being implemented; the public API below is fixed.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::Direction;

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

/// One engine per process: owns the module cache and the epoch ticker.
pub struct WasmRuntime {
    limits: WasmLimits,
}

impl WasmRuntime {
    pub fn new(limits: WasmLimits) -> Result<Arc<WasmRuntime>, WasmError> {
        Ok(Arc::new(WasmRuntime { limits }))
    }

    pub fn limits(&self) -> &WasmLimits {
        &self.limits
    }

    /// Compiles (or takes from the cache) a module given as WASM binary or WAT text, refusing
    /// any module with imports or without the ABI's exports.
    pub fn load(self: &Arc<Self>, module: &[u8]) -> Result<Arc<WasmMigration>, WasmError> {
        let _ = module;
        Err(WasmError::Invalid(
            "WASM migrations are not implemented yet".into(),
        ))
    }
}

/// A compiled, pre-instantiated migration module. Each call gets a fresh instance.
pub struct WasmMigration {
    _private: (),
}

impl std::fmt::Debug for WasmMigration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmMigration").finish_non_exhaustive()
    }
}

impl WasmMigration {
    /// Lowercase hex SHA-256 of the module bytes as given to `load`.
    pub fn hash(&self) -> &str {
        ""
    }

    pub fn run(&self, doc: &Value, direction: Direction) -> Result<Value, WasmError> {
        let _ = (doc, direction);
        Err(WasmError::Invalid(
            "WASM migrations are not implemented yet".into(),
        ))
    }
}
