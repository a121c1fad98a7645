//! The audit log's actions: a closed set, stored and listed as their dotted names.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! audit_actions {
    ($( $(#[$meta:meta])* $variant:ident = $name:literal, )*) => {
        /// What an audit event records. Stored as text; never renamed, only added to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditAction {
            $( $(#[$meta])* #[serde(rename = $name)] $variant, )*
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[ $( AuditAction::$variant, )* ];

            pub const fn as_str(self) -> &'static str {
                match self { $( AuditAction::$variant => $name, )* }
            }
        }
    };
}

audit_actions! {
    TenantCreate = "tenant.create",
    SessionLogin = "session.login",
    /// A wrong password for an existing account (unknown emails have no tenant to audit in).
    SessionLoginFailed = "session.login_failed",
    /// The session moved to another of the person's organisations.
    SessionSwitch = "session.switch",
    MemberRoleChange = "member.role_change",
    MemberRemove = "member.remove",
    MemberLeave = "member.leave",
    /// A password set from a reset link (every session of the person ended), in each of
    /// their organisations.
    PasswordReset = "password.reset",
    /// An invite made; its object is `invite:<id>`, its after-hash `role:<role>`.
    InviteCreate = "invite.create",
    /// A new link for an invite (the old one stops working).
    InviteResend = "invite.resend",
    InviteRevoke = "invite.revoke",
    /// An invite accepted: its person joined with the invite's role (by signing in or up).
    InviteAccept = "invite.accept",
    ApiKeyCreate = "api_key.create",
    ApiKeyRevoke = "api_key.revoke",
    SchemaAdd = "schema.add",
    TargetVersionCreate = "target_version.create",
    ConfigCreate = "config.create",
    ConfigMigrate = "config.migrate",
    EnvCreate = "env.create",
    BindingCreate = "binding.create",
    ConstraintCreate = "constraint.create",
    ConstraintDelete = "constraint.delete",
    DeploymentSet = "deployment.set",
    /// A deployment recorded despite its problems.
    DeploymentForce = "deployment.force",
    DeploymentRollback = "deployment.rollback",
    /// One target of a promotion (one row per target moved); its object is
    /// `deployment:<to>/<target>@<version>`, its after-hash the bound revision's hash.
    PromotionApply = "promotion.apply",
    /// A promotion's target recorded despite the promotion's problems.
    PromotionForce = "promotion.force",
    MigrationAdd = "migration.add",
    /// A webhook endpoint made; its object is `webhook:<id>`.
    WebhookCreate = "webhook.create",
    WebhookUpdate = "webhook.update",
    WebhookEnable = "webhook.enable",
    WebhookDisable = "webhook.disable",
    WebhookRotateSecret = "webhook.rotate_secret",
    WebhookDelete = "webhook.delete",
    /// One delivery sent again; its object is `webhook:<id>/delivery:<id>`.
    WebhookResend = "webhook.resend",
    /// Every event since a time queued again for an endpoint.
    WebhookReplay = "webhook.replay",
    /// A test message queued for an endpoint.
    WebhookTest = "webhook.test",
    /// A member subscribed to (or their subscription changed) an email digest; its object is
    /// `digest:<user id>`.
    DigestSet = "digest.set",
    DigestRemove = "digest.remove",
    /// An operator of the service changed the organisation's plan; before and after hashes
    /// are the plans' names.
    TenantPlanChange = "tenant.plan_change",
    /// The tenant's registry was exported; the after-hash is the archive manifest's SHA-256.
    TenantExport = "tenant.export",
    /// An archive was imported into the (empty) tenant; the after-hash is its manifest's
    /// SHA-256. An export carries this tenant's own chain from after this event.
    TenantImport = "tenant.import",
    /// An operator suspended the organisation (its keys and sessions are refused).
    TenantSuspend = "tenant.suspend",
    TenantResume = "tenant.resume",
    /// An operator granted a credit; its object is `credit:<id>`.
    CreditGrant = "credit.grant",
    /// An operator started a read-only look at the organisation; the object names the reason.
    ImpersonationStart = "impersonation.start",
    /// A month's invoice was finalized; its object is `invoice:<number>`, its after-hash the
    /// PDF's SHA-256.
    InvoiceFinalize = "invoice.finalize",
    /// A finalized invoice's payment was recorded; the after-hash names provider and reference.
    InvoicePay = "invoice.pay",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AuditAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown audit action `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.as_str()));
            assert_eq!(a.as_str().parse::<AuditAction>(), Ok(*a));
        }
    }
}
