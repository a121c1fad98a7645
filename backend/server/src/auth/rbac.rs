//! The Casbin enforcer, built once from the model and policy kept in `backend/server/rbac/`.

use anyhow::Context;
use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use versiqii_core::{Role, TenantId};

pub const MODEL: &str = include_str!("../../rbac/model.conf");
pub const POLICY: &str = include_str!("../../rbac/policy.csv");

pub struct Rbac {
    enforcer: Enforcer,
}

impl Rbac {
    pub async fn load() -> anyhow::Result<Self> {
        let model = DefaultModel::from_str(MODEL)
            .await
            .context("parsing rbac/model.conf")?;
        let mut enforcer = Enforcer::new(model, MemoryAdapter::default())
            .await
            .context("building the enforcer")?;
        for (n, line) in POLICY.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split(',').map(|f| f.trim().to_owned());
            let kind = fields.next().unwrap_or_default();
            let rule: Vec<String> = fields.collect();
            let added = match kind.as_str() {
                "p" => enforcer.add_policy(rule).await,
                "g" => enforcer.add_grouping_policy(rule).await,
                other => anyhow::bail!("rbac/policy.csv line {}: unknown kind `{other}`", n + 1),
            };
            added.with_context(|| format!("rbac/policy.csv line {}", n + 1))?;
        }
        Ok(Self { enforcer })
    }

    pub fn allows(&self, role: Role, tenant: TenantId, object: &str, action: &str) -> bool {
        let tenant = tenant.to_string();
        self.enforcer
            .enforce((role.as_str(), tenant.as_str(), object, action))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn roles_inherit_down_the_chain_and_no_further() {
        let rbac = Rbac::load().await.unwrap();
        let t = TenantId::new_random();
        assert!(rbac.allows(Role::Viewer, t, "registry", "read"));
        assert!(!rbac.allows(Role::Viewer, t, "registry", "write"));
        assert!(rbac.allows(Role::Editor, t, "registry", "write"));
        assert!(!rbac.allows(Role::Editor, t, "api-keys", "write"));
        assert!(rbac.allows(Role::Admin, t, "api-keys", "write"));
        assert!(rbac.allows(Role::Admin, t, "registry", "read"));
        assert!(!rbac.allows(Role::Admin, t, "tenant", "delete"));
        assert!(rbac.allows(Role::Owner, t, "tenant", "delete"));
        assert!(rbac.allows(Role::Owner, t, "api-keys", "read"));
    }
}
