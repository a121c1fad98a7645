//! Permissions as types: a handler names the one it needs in its signature, e.g.
//! `Authorized<perm::ApiKeysWrite>`, and cannot run without it.

pub trait Permission {
    const OBJECT: &'static str;
    const ACTION: &'static str;
}

macro_rules! permission {
    ($name:ident, $object:literal, $action:literal) => {
        pub struct $name;
        impl Permission for $name {
            const OBJECT: &'static str = $object;
            const ACTION: &'static str = $action;
        }
    };
}

permission!(SessionRead, "session", "read");
permission!(TenantRead, "tenant", "read");
permission!(ApiKeysRead, "api-keys", "read");
permission!(ApiKeysWrite, "api-keys", "write");
permission!(AuditRead, "audit", "read");
permission!(MembersRead, "members", "read");
permission!(MembersWrite, "members", "write");
permission!(RegistryRead, "registry", "read");
permission!(RegistryWrite, "registry", "write");
permission!(WebhooksRead, "webhooks", "read");
permission!(WebhooksWrite, "webhooks", "write");
permission!(UsageRead, "usage", "read");
permission!(BillingRead, "billing", "read");
permission!(BillingWrite, "billing", "write");
permission!(ArchiveRead, "archive", "read");
permission!(ArchiveWrite, "archive", "write");

/// The `security` scope string the OpenAPI document shows for a permission.
pub fn scope_of<P: Permission>() -> String {
    format!("{}:{}", P::OBJECT, P::ACTION)
}
