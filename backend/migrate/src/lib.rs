//! Config migrations between schema versions of one family: declarative lenses that run both
//! ways, sandboxed WASM modules, and the shortest path of such steps between two versions.
//! No IO: the store keeps migrations, the server runs them off its request threads.

pub mod lens;
pub mod path;
pub mod program;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use lens::{Lens, LensError};
pub use path::{find_path, Step, MAX_HOPS};
pub use program::{MigrateError, Program};
#[cfg(feature = "wasm")]
pub use wasm::{WasmError, WasmLimits, WasmMigration, WasmRuntime};

/// Which way a migration runs along its edge: `Up` from the edge's from-version to its
/// to-version, `Down` back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn reversed(self) -> Self {
        match self {
            Direction::Up => Direction::Down,
            Direction::Down => Direction::Up,
        }
    }
}
