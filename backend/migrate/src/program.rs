//! A migration's program, whichever kind it is.

use std::sync::Arc;

use serde_json::Value;

use crate::{Direction, Lens, LensError, WasmError, WasmMigration};

#[derive(Clone, Debug)]
pub enum Program {
    Lens(Lens),
    Wasm(Arc<WasmMigration>),
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Lens(#[from] LensError),
    #[error(transparent)]
    Wasm(#[from] WasmError),
}

impl Program {
    pub fn kind(&self) -> &'static str {
        match self {
            Program::Lens(_) => "lens",
            Program::Wasm(_) => "wasm",
        }
    }

    pub fn apply(&self, doc: Value, direction: Direction) -> Result<Value, MigrateError> {
        match self {
            Program::Lens(lens) => Ok(lens.apply(doc, direction)?),
            Program::Wasm(module) => Ok(module.run(&doc, direction)?),
        }
    }
}
