//! The registry's rows: families and schema versions, targets and target versions, configs and
//! revisions, environments and bindings. All reached through a [`crate::TenantTx`].

mod archive;
mod bindings;
mod cells;
mod configs;
mod deployments;
mod families;
mod migrations;
mod targets;

pub use bindings::{BindingRow, EnvRow, NewBinding};
pub use configs::{ConfigSummary, NewRevision, RevisionRow};
pub use deployments::{
    ConstraintRow, DeploymentRow, NewDeployment, NewObservation, ObservationRow, VersionNodeRow,
    CHANGES_CHANNEL,
};
pub use families::{FamilyRow, FamilySummary, NewSchemaVersion, SchemaRefRow, SchemaVersionRow};
pub use migrations::{MigrationRow, MigrationSource, NewMigration};
pub use targets::{NewTargetVersion, TargetRow, TargetSummary, TargetVersionRow};
