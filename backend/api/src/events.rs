//! The public event catalogue: what the outbox stores, webhooks will deliver, the console will
//! stream and metering will count. One closed enum; each payload type has a dotted name, a
//! version and a JSON Schema (docs/events.md and spec/events.json, generated from these types).
//!
//! Evolving a payload: adding an optional field keeps its version; anything else (a removed or
//! renamed field, a changed meaning) bumps the version, and consumers branch on it. So the
//! schemas allow unknown fields, and consumers must ignore them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the outbox stores for one event: its type and payload with the payload's version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    #[serde(flatten)]
    pub event: Event,
    /// The payload's version (see the catalogue); bumped on incompatible changes.
    pub version: u16,
}

impl From<Event> for EventEnvelope {
    fn from(event: Event) -> Self {
        Self {
            version: event.version(),
            event,
        }
    }
}

macro_rules! events {
    ($( $(#[$meta:meta])* $variant:ident($payload:ident) = ($name:literal, $version:literal), )*) => {
        /// Every event, tagged by its dotted type name; the payload is under `data`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", content = "data")]
        pub enum Event {
            $( $(#[$meta])* #[serde(rename = $name)] $variant($payload), )*
        }

        /// The kinds of event, for subscriptions and filters.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventType {
            $( #[serde(rename = $name)] $variant, )*
        }

        impl EventType {
            pub const ALL: &'static [EventType] = &[ $( EventType::$variant, )* ];

            pub const fn as_str(self) -> &'static str {
                match self { $( EventType::$variant => $name, )* }
            }

            pub const fn version(self) -> u16 {
                match self { $( EventType::$variant => $version, )* }
            }
        }

        impl Event {
            pub fn event_type(&self) -> EventType {
                match self { $( Event::$variant(_) => EventType::$variant, )* }
            }
        }

        $(
            impl From<$payload> for Event {
                fn from(payload: $payload) -> Self {
                    Event::$variant(payload)
                }
            }
        )*

        /// Each event type with its version, description and the JSON Schema of its payload.
        #[cfg(feature = "json-schema")]
        pub fn catalogue() -> Vec<CatalogueEntry> {
            vec![ $( CatalogueEntry {
                event_type: $name,
                version: $version,
                description: <$payload as Described>::DESCRIPTION
                    .lines()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" "),
                schema: schemars::SchemaGenerator::new(schemars::generate::SchemaSettings::draft2020_12())
                    .into_root_schema_for::<$payload>()
                    .to_value(),
            }, )* ]
        }
    };
}

impl Event {
    pub fn version(&self) -> u16 {
        self.event_type().version()
    }

    pub fn type_name(&self) -> &'static str {
        self.event_type().as_str()
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

events! {
    /// A config revision was stored (by an upload; migrations emit `config.migrated`).
    ConfigCreated(ConfigCreated) = ("config.created", 1),
    /// A config was migrated to another schema version and stored as a new revision.
    ConfigMigrated(ConfigMigrated) = ("config.migrated", 1),
    /// A schema version was added to a family (creating the family with its first version).
    SchemaAdded(SchemaAdded) = ("schema.added", 1),
    /// A migration was stored on an edge between two schema versions of a family.
    MigrationAdded(MigrationAdded) = ("migration.added", 1),
    /// A target version was declared.
    TargetVersionCreated(TargetVersionCreated) = ("target_version.created", 1),
    /// A constraint edge was added to the version graph.
    ConstraintCreated(ConstraintCreated) = ("constraint.created", 1),
    /// A constraint edge was removed from the version graph.
    ConstraintDeleted(ConstraintDeleted) = ("constraint.deleted", 1),
    /// An environment was created explicitly (bindings and deployments create theirs silently).
    EnvironmentCreated(EnvironmentCreated) = ("environment.created", 1),
    /// A config revision was bound to an environment for a target version, after validating.
    BindingCreated(BindingCreated) = ("binding.created", 1),
    /// A target's desired version in an environment changed (applied or forced).
    DeploymentChanged(DeploymentChanged) = ("deployment.changed", 1),
    /// A target went back to an earlier deployment's version and config.
    DeploymentRolledBack(DeploymentRolledBack) = ("deployment.rolled_back", 1),
    /// A cluster reported what runs in an environment.
    ObservationRecorded(ObservationRecorded) = ("observation.recorded", 1),
    /// A cell of the drift matrix (environment × target) drifts in other dimensions than before.
    DriftChanged(DriftChanged) = ("drift.changed", 1),
    /// An API key was created (the secret is never in an event).
    ApiKeyCreated(ApiKeyCreated) = ("api_key.created", 1),
    /// An API key was revoked.
    ApiKeyRevoked(ApiKeyRevoked) = ("api_key.revoked", 1),
    /// A binding was refused: the config is not valid for the target version (as it is, or after
    /// migrating). Nothing else was written.
    BindingRefused(BindingRefused) = ("binding.refused", 1),
    /// A deployment or rollback was refused: it would break a constraint or a bound config.
    /// Nothing else was written.
    DeploymentRefused(DeploymentRefused) = ("deployment.refused", 1),
    /// One environment's deployments and bound configs were copied to another (applied or
    /// forced); each moved target also has its `deployment.changed` and `binding.created`.
    PromotionApplied(PromotionApplied) = ("promotion.applied", 1),
    /// A promotion was refused: it would break a constraint or a bound config in the
    /// destination. Nothing else was written.
    PromotionRefused(PromotionRefused) = ("promotion.refused", 1),
    /// A webhook endpoint was created (a test message goes to it alone).
    WebhookEndpointCreated(WebhookEndpointCreated) = ("webhook_endpoint.created", 1),
    /// A webhook endpoint's settings, state or secret changed.
    WebhookEndpointUpdated(WebhookEndpointUpdated) = ("webhook_endpoint.updated", 1),
    /// A webhook endpoint was deleted with its deliveries.
    WebhookEndpointDeleted(WebhookEndpointDeleted) = ("webhook_endpoint.deleted", 1),
    /// The dispatcher disabled an endpoint whose every delivery failed for days.
    WebhookEndpointDisabled(WebhookEndpointDisabled) = ("webhook_endpoint.disabled", 1),
    /// A test message, sent to one endpoint alone (on creation, or when asked).
    WebhookTest(WebhookTest) = ("webhook.test", 1),
    /// The organisation reached 80% of one of its plan's quotas.
    QuotaWarning(QuotaWarning) = ("quota.warning", 1),
    /// A month's invoice was finalized: numbered, its PDF rendered, immutable from now on.
    InvoiceFinalized(InvoiceFinalized) = ("invoice.finalized", 1),
    /// A tenant archive was imported into the (empty) organisation: its whole registry.
    TenantImported(TenantImported) = ("tenant.imported", 1),
}

/// One event type as the catalogue publishes it.
#[cfg(feature = "json-schema")]
#[derive(Debug, Clone, Serialize)]
pub struct CatalogueEntry {
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub version: u16,
    pub description: String,
    /// JSON Schema (2020-12) of the payload under `data`.
    pub schema: serde_json::Value,
}

/// A payload's one-line description for the catalogue.
pub trait Described {
    const DESCRIPTION: &'static str;
}

macro_rules! payload {
    ($(#[doc = $doc:literal])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
        pub struct $name { $($body)* }

        impl Described for $name {
            const DESCRIPTION: &'static str = concat!($($doc, "\n",)*);
        }
    };
}

payload! {
    /// A config revision stored by an upload.
    pub struct ConfigCreated {
        /// The revision's id.
        pub revision_id: Uuid,
        /// The config lineage's name.
        pub config: String,
        pub revision: i32,
        /// SHA-256 of the canonical JSON.
        pub hash: String,
        /// `name@version` of the target version it was written for.
        pub target: String,
        /// The lineage's previous revision, if any.
        pub previous_revision_id: Option<Uuid>,
    }
}

payload! {
    /// A config migrated to another schema version and stored as a new revision of its lineage.
    pub struct ConfigMigrated {
        pub revision_id: Uuid,
        pub config: String,
        pub revision: i32,
        pub hash: String,
        /// The revision it was migrated from.
        pub from_revision_id: Uuid,
        pub from_revision: i32,
        /// `family@version` before and after.
        pub from_schema: String,
        pub to_schema: String,
        /// The migration steps, in order, as `kind from -> to`.
        pub steps: Vec<String>,
    }
}

payload! {
    /// A schema version added to a family.
    pub struct SchemaAdded {
        pub schema_version_id: Uuid,
        pub family: String,
        pub version: String,
        /// `json_schema`, `avro` or `protobuf` (events from before formats have none: JSON
        /// Schema).
        #[serde(default = "json_schema")]
        pub format: String,
        pub hash: String,
        /// The compatibility level it was checked at.
        pub compat_level: String,
        /// The versions it references (`Family@version`), pinned.
        #[serde(default)]
        pub references: Vec<String>,
        /// The version it follows in the family, if any.
        pub previous_version: Option<String>,
    }
}

fn json_schema() -> String {
    "json_schema".into()
}

payload! {
    /// A migration stored on an edge of a family's schema versions.
    pub struct MigrationAdded {
        pub migration_id: Uuid,
        pub family: String,
        pub from: String,
        pub to: String,
        /// `lens` or `wasm`.
        pub kind: String,
        /// SHA-256 of the program's source.
        pub hash: String,
        /// Bound configs the dry run found failing.
        pub failing: usize,
    }
}

payload! {
    /// A target version declared.
    pub struct TargetVersionCreated {
        pub target_version_id: Uuid,
        pub target: String,
        pub version: String,
        pub family: String,
        /// The schema version it reads.
        pub schema_version: String,
    }
}

payload! {
    /// A constraint edge added.
    pub struct ConstraintCreated {
        pub constraint_id: Uuid,
        /// `name@version` of the constraining target version.
        pub from: String,
        /// `requires` or `accepts`.
        pub kind: String,
        /// The other target.
        pub target: String,
        pub range: String,
    }
}

payload! {
    /// A constraint edge removed.
    pub struct ConstraintDeleted {
        pub constraint_id: Uuid,
    }
}

payload! {
    /// An environment created.
    pub struct EnvironmentCreated {
        pub environment_id: Uuid,
        pub env: String,
    }
}

payload! {
    /// A binding written: a config revision bound in an environment for a target version.
    pub struct BindingCreated {
        pub binding_id: Uuid,
        pub env: String,
        pub target: String,
        /// The target version it is bound for.
        pub version: String,
        pub config: String,
        pub revision: i32,
        /// The bound revision's id.
        pub revision_id: Uuid,
        /// SHA-256 of the bound revision's canonical JSON.
        pub hash: String,
        /// The schema version it validated against.
        pub schema_version: String,
    }
}

payload! {
    /// One thing a deployment breaks (recorded when forced).
    pub struct DeploymentProblem {
        /// `requires-unmet`, `required-by-breaks`, `accepts-refuses`, `provider-refuses`,
        /// `binding-invalid` or `migration-failed`.
        pub kind: String,
        pub message: String,
    }
}

payload! {
    /// A target's desired version in an environment changed.
    pub struct DeploymentChanged {
        pub env: String,
        pub target: String,
        /// The version deployed before, if any.
        pub from_version: Option<String>,
        pub to_version: String,
        /// Recorded despite problems.
        pub forced: bool,
        /// What it breaks (empty unless forced).
        pub problems: Vec<DeploymentProblem>,
        /// Bound configs migrated to the new version's schema, as `name#revision`.
        pub migrated_configs: Vec<String>,
        /// The plan in words.
        pub summary: String,
    }
}

payload! {
    /// A rollback applied.
    pub struct DeploymentRolledBack {
        pub env: String,
        pub target: String,
        pub from_version: Option<String>,
        pub to_version: String,
        /// The deployment whose state was restored, if it was one.
        pub to_deployment: Option<Uuid>,
        pub forced: bool,
        pub problems: Vec<DeploymentProblem>,
        /// The config bound again, as `name#revision`, if any.
        pub config: Option<String>,
        pub summary: String,
    }
}

payload! {
    /// What a cluster reported running.
    pub struct ObservationRecorded {
        pub observation_id: Uuid,
        pub env: String,
        pub target: String,
        pub version: String,
        /// SHA-256 of the config it runs, if reported.
        pub config_hash: Option<String>,
        pub observed_at: DateTime<Utc>,
    }
}

payload! {
    /// The dimensions one cell drifts in.
    pub struct DriftFlags {
        /// The bound config is not valid for the deployed version's schema.
        pub schema: bool,
        /// A constraint of the deployed version is unmet in the environment.
        pub dependency: bool,
        /// The observed config hash is not the bound revision's.
        pub config: bool,
        /// The observed version is not the deployed one.
        pub environment: bool,
    }
}

payload! {
    /// A drift matrix cell whose dimensions changed with a write.
    pub struct DriftChanged {
        pub env: String,
        pub target: String,
        pub before: DriftFlags,
        pub after: DriftFlags,
        /// One sentence per drifting dimension, after the change.
        pub details: Vec<String>,
    }
}

payload! {
    /// An API key created.
    pub struct ApiKeyCreated {
        pub api_key_id: Uuid,
        pub name: String,
        /// The key's public prefix, as shown in lists.
        pub prefix: String,
        pub scopes: Vec<String>,
        pub expires_at: Option<DateTime<Utc>>,
        /// Who created it (`user:<id>` or `api_key:<id>`).
        pub created_by: String,
    }
}

payload! {
    /// An API key revoked.
    pub struct ApiKeyRevoked {
        pub api_key_id: Uuid,
        pub revoked_by: String,
    }
}

payload! {
    /// A binding refused because the config does not validate.
    pub struct BindingRefused {
        pub env: String,
        pub target: String,
        /// The target version it was to be bound for.
        pub version: String,
        pub config: String,
        pub revision: i32,
        pub revision_id: Uuid,
        /// `family@version` of the schema it failed.
        pub schema_version: String,
        /// Whether it failed after migrating to that schema.
        pub after_migration: bool,
        /// How many violations there were.
        pub violation_count: usize,
        /// The first violations (at most 20), as `pointer: message`.
        pub violations: Vec<String>,
    }
}

payload! {
    /// A deployment or rollback refused: the plan and what it would break.
    pub struct DeploymentRefused {
        pub env: String,
        pub target: String,
        pub from_version: Option<String>,
        pub to_version: String,
        /// A rollback (rather than a deployment) was refused.
        pub rollback: bool,
        pub problems: Vec<DeploymentProblem>,
        pub summary: String,
    }
}

payload! {
    /// One thing a promotion breaks, in one target's plan.
    pub struct PromotionProblem {
        pub target: String,
        /// As in `deployment.changed`'s problems.
        pub kind: String,
        pub message: String,
    }
}

payload! {
    /// A promotion applied (or forced): the destination now runs what the source ran.
    pub struct PromotionApplied {
        /// The source environment.
        pub from: String,
        /// The destination environment.
        pub to: String,
        /// The targets moved or given another config, as `name@version`.
        pub targets: Vec<String>,
        /// Recorded despite problems.
        pub forced: bool,
        /// What it breaks (empty unless forced).
        pub problems: Vec<PromotionProblem>,
        /// The plan in words.
        pub summary: String,
    }
}

payload! {
    /// A promotion refused: the plan and what it would break.
    pub struct PromotionRefused {
        pub from: String,
        pub to: String,
        /// The targets it would have moved, as `name@version`.
        pub targets: Vec<String>,
        pub problems: Vec<PromotionProblem>,
        pub summary: String,
    }
}

payload! {
    /// A webhook endpoint created.
    pub struct WebhookEndpointCreated {
        pub endpoint_id: Uuid,
        pub url: String,
        /// `standard` or `slack`.
        pub format: String,
        /// The event type patterns it takes.
        pub events: Vec<String>,
    }
}

payload! {
    /// A webhook endpoint changed: its settings, enabled or disabled by hand, or its secret
    /// rotated (the secret is never in an event).
    pub struct WebhookEndpointUpdated {
        pub endpoint_id: Uuid,
        pub url: String,
        /// What changed: `settings`, `enabled`, `disabled` or `secret_rotated`.
        pub change: String,
    }
}

payload! {
    /// A webhook endpoint deleted.
    pub struct WebhookEndpointDeleted {
        pub endpoint_id: Uuid,
        pub url: String,
    }
}

payload! {
    /// An endpoint disabled by the dispatcher: every delivery to it failed since `failing_since`.
    /// Its owners and admins get a mail; enabling it again sends what is still pending.
    pub struct WebhookEndpointDisabled {
        pub endpoint_id: Uuid,
        pub url: String,
        /// `failing`.
        pub reason: String,
        pub failing_since: DateTime<Utc>,
    }
}

payload! {
    /// A test message to one endpoint, to see that it receives and verifies deliveries.
    pub struct WebhookTest {
        pub endpoint_id: Uuid,
        pub message: String,
    }
}

payload! {
    /// A quota 80% used: sent by the write that crosses 80% of a quota on stored things
    /// (`configs`, `targets`, `seats`), and once a calendar month for `calls_month`.
    pub struct QuotaWarning {
        /// `configs`, `targets`, `seats` or `calls_month`.
        pub quota: String,
        /// How much is used, counting the write that crossed.
        pub used: u64,
        pub limit: u64,
        /// The plan whose quota it is.
        pub plan: String,
        /// The calendar month (`2026-12`) of a `calls_month` warning.
        pub period: Option<String>,
    }
}

payload! {
    /// A finalized invoice (its PDF at `GET /v1/invoices/{invoice_id}/pdf`).
    pub struct InvoiceFinalized {
        pub invoice_id: Uuid,
        /// `VQ-2026-000042`: numbered without gaps.
        pub number: String,
        /// The calendar month it bills, `2026-11`.
        pub period: String,
        pub currency: String,
        /// What is due, in minor units, after credits and with tax.
        pub total_cents: i64,
        /// The SLA credit in percent of the subtotal (0 when the promise was kept).
        pub sla_credit_percent: u32,
    }
}

/// docs/events.md, generated from the catalogue.
#[cfg(feature = "json-schema")]
pub fn events_markdown() -> String {
    let mut out = String::from(
        "# Events\n\n\
         Every write that others must hear about stores its events in the outbox in the same\n\
         transaction as the change. Webhooks, the console and metering consume them. An event is\n\
         `{\"type\": \"<type>\", \"version\": <n>, \"data\": {…}}`; `data` follows the JSON Schema\n\
         below for its type and version. Adding an optional field keeps a version; any other change\n\
         bumps it. The same schemas are in `spec/events.json`.\n\n\
         Generated from `backend/api/src/events.rs` by `make docs`; `make test` fails when it is stale.\n\n\
         | type | version | meaning |\n|---|---|---|\n",
    );
    let entries = catalogue();
    for e in &entries {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            e.event_type,
            e.event_type.replace('.', ""),
            e.version,
            e.description.lines().next().unwrap_or("")
        ));
    }
    for e in &entries {
        let schema = serde_json::to_string_pretty(&e.schema).unwrap_or_default();
        out.push_str(&format!(
            "\n## {}\n\nVersion {}. {}\n```json\n{}\n```\n",
            e.event_type,
            e.version,
            e.description.trim_end(),
            schema
        ));
    }
    out
}

/// spec/events.json: the catalogue for machines.
#[cfg(feature = "json-schema")]
pub fn events_json() -> String {
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "events": catalogue() }))
        .unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_stored_as_type_version_and_data() {
        let event = Event::from(ApiKeyRevoked {
            api_key_id: Uuid::nil(),
            revoked_by: "user:1".into(),
        });
        let json = serde_json::to_value(EventEnvelope::from(event.clone())).unwrap();
        assert_eq!(json["type"], "api_key.revoked");
        assert_eq!(json["version"], 1);
        assert_eq!(json["data"]["revoked_by"], "user:1");
        let back: EventEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(back.event, event);
    }

    #[test]
    fn type_names_are_unique_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for t in EventType::ALL {
            assert!(seen.insert(t.as_str()));
            let (noun, verb) = t.as_str().split_once('.').unwrap();
            assert!(!noun.is_empty() && !verb.is_empty());
            assert!(t.version() >= 1);
        }
    }

    #[cfg(feature = "json-schema")]
    #[test]
    fn every_type_has_a_described_schema() {
        let entries = catalogue();
        assert_eq!(entries.len(), EventType::ALL.len());
        for e in entries {
            assert!(!e.description.trim().is_empty(), "{}", e.event_type);
            assert_eq!(e.schema["type"], "object", "{}", e.event_type);
        }
    }
}

payload! {
    /// A tenant archive imported (docs/archive.md): the organisation's registry is now the
    /// archive's. No other event is emitted for the rows it wrote.
    pub struct TenantImported {
        /// SHA-256 of the archive's `manifest.json`, which covers every file's hash.
        pub manifest_sha256: String,
        pub families: u64,
        pub targets: u64,
        pub configs: u64,
        pub revisions: u64,
        pub environments: u64,
    }
}
