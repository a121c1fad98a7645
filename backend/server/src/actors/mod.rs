//! Each live tenant gets a supervisor with its own graph, drift and migration actors: their own mailboxes,
//! so one tenant's slow work queues behind nothing of another's. Postgres stays the truth: an
//! actor that crashes is restarted by its supervisor and reloads what it holds.

mod directory;
mod drift;
mod graph;
mod migration;

pub use directory::{Directory, Tenant, TenantDirectory};
pub use drift::{
    compute_drift, ApplyCells, ComputeDrift, Computed, CrashDrift, DriftActor, DriftDimensions,
    DriftRow, DriftView, Refresh,
};
pub use graph::{
    constraint_of, AddVersion, CheckDeployment, CheckTogether, Crash, GraphActor, GraphLoadError,
    ImpactOf, Reload, RemoveConstraint, TryAddConstraint, UnmetIn,
};
pub use migration::{
    load_program, ChainStep, MigrationActor, MigrationFailure, MigrationPool, RunChain,
};
