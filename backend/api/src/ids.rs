//! Typed ids: every object's id is its own type, so a config revision's id cannot be passed
//! where a lineage's (or a target version's) is meant. On the wire each is a plain UUID string
//! (`#[serde(transparent)]`), so the types change no JSON.
//!
//! In the OpenAPI document an id field stays an inline `{"type": "string", "format": "uuid"}`:
//! the wire types say `#[schema(value_type = uuid::Uuid)]` on each id field rather than adding
//! an `…Id` component per type.

use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! ids {
    ($( $(#[$doc:meta])* $name:ident; )*) => {
        $(
            $(#[$doc])*
            #[derive(
                Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                serde::Serialize, serde::Deserialize,
            )]
            #[serde(transparent)]
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
            #[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema), schemars(inline))]
            pub struct $name(Uuid);

            impl $name {
                pub const fn from_uuid(id: Uuid) -> Self {
                    Self(id)
                }

                pub const fn into_uuid(self) -> Uuid {
                    self.0
                }

                pub const fn as_uuid(&self) -> &Uuid {
                    &self.0
                }

                /// A fresh random (v4) id.
                pub fn new_random() -> Self {
                    Self(Uuid::new_v4())
                }

                /// The all-zero id, which names nothing (e.g. a migration step of a dry run).
                pub const fn nil() -> Self {
                    Self(Uuid::nil())
                }
            }

            impl From<Uuid> for $name {
                fn from(id: Uuid) -> Self {
                    Self(id)
                }
            }

            impl From<$name> for Uuid {
                fn from(id: $name) -> Uuid {
                    id.0
                }
            }

            impl fmt::Display for $name {
                /// The hyphenated, lowercase form, as on the wire.
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Display::fmt(&self.0, f)
                }
            }

            impl FromStr for $name {
                type Err = uuid::Error;

                /// Any form `Uuid::parse_str` reads (hyphenated, simple, braced, URN).
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Uuid::parse_str(s).map(Self)
                }
            }
        )*
    };
}

ids! {
    /// A tenant (an organisation; every other object belongs to one).
    TenantId;
    /// A user account.
    UserId;
    /// An API key (not its secret).
    ApiKeyId;
    /// One immutable config revision: what bindings bind and diffs compare.
    RevisionId;
    /// A config lineage: the named series of revisions (`payment_service.yaml`).
    ConfigId;
    /// An environment (`prod-eu`).
    EnvironmentId;
    /// A target (`payment-api`), across its versions.
    TargetId;
    /// One version of a target (`payment-api@3.2.1`).
    TargetVersionId;
    /// One schema version of a family.
    SchemaVersionId;
    /// A target family (`OpenAPI-Payments`).
    FamilyId;
    /// One deployment (a target version set in an environment).
    DeploymentId;
    /// One binding of a config revision to an environment.
    BindingId;
    /// One observation of what an environment runs.
    ObservationId;
    /// A constraint edge of the version graph.
    ConstraintId;
    /// A migration on an edge between two schema versions.
    MigrationId;
    /// An event of the audit log.
    AuditEventId;
    /// An invite into an organisation (not its link's token).
    InviteId;
    /// A webhook endpoint.
    WebhookEndpointId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_uuid_strings_on_the_wire() {
        let raw = "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40";
        let id: RevisionId = serde_json::from_str(&format!("\"{raw}\"")).unwrap();
        assert_eq!(id.to_string(), raw);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{raw}\""));
        assert_eq!(raw.parse::<RevisionId>().unwrap(), id);
        assert_eq!(
            "0B6F1C9E4A534C8E9D7A2F1E8B3C5D40"
                .parse::<RevisionId>()
                .unwrap(),
            id
        );
        assert_eq!(RevisionId::from(id.into_uuid()), id);
        assert!("42".parse::<ConfigId>().is_err());
        assert!(serde_json::from_str::<ConfigId>("\"x\"").is_err());
    }
}
