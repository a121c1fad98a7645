//! The Casbin enforcer, built once from the model and policy kept in `backend/server/rbac/`.
//!
//! The policy never changes after start-up, so a decision is remembered: Casbin evaluates its
//! matcher in an interpreter, which cost 8% of a validation's server time. While every policy
//! line applies in all tenants (domain `*`), a decision depends on the role, object and action
//! only; a tenant-specific line turns the memo off rather than grow it with every tenant.

use std::collections::HashMap;
use std::sync::RwLock;

use anyhow::Context;
use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use versiqii_core::{Role, TenantId};

pub const MODEL: &str = include_str!("../../rbac/model.conf");
pub const POLICY: &str = include_str!("../../rbac/policy.csv");

/// Role → object → action → allowed.
type Decisions = HashMap<Role, HashMap<String, HashMap<String, bool>>>;

pub struct Rbac {
    enforcer: Enforcer,
    /// `None` when some policy line names a tenant.
    memo: Option<RwLock<Decisions>>,
}

impl Rbac {
    pub async fn load() -> anyhow::Result<Self> {
        let model = DefaultModel::from_str(MODEL)
            .await
            .context("parsing rbac/model.conf")?;
        let mut enforcer = Enforcer::new(model, MemoryAdapter::default())
            .await
            .context("building the enforcer")?;
        let mut tenant_specific = false;
        for (n, line) in POLICY.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split(',').map(|f| f.trim().to_owned());
            let kind = fields.next().unwrap_or_default();
            let rule: Vec<String> = fields.collect();
            tenant_specific |= kind == "p" && rule.get(1).is_some_and(|dom| dom != "*");
            let added = match kind.as_str() {
                "p" => enforcer.add_policy(rule).await,
                "g" => enforcer.add_grouping_policy(rule).await,
                other => anyhow::bail!("rbac/policy.csv line {}: unknown kind `{other}`", n + 1),
            };
            added.with_context(|| format!("rbac/policy.csv line {}", n + 1))?;
        }
        let memo = (!tenant_specific).then(|| RwLock::new(HashMap::new()));
        Ok(Self { enforcer, memo })
    }

    pub fn allows(&self, role: Role, tenant: TenantId, object: &str, action: &str) -> bool {
        let Some(memo) = &self.memo else {
            return self.enforce(role, tenant, object, action);
        };
        let known = memo.read().ok().and_then(|m| {
            m.get(&role)
                .and_then(|objects| objects.get(object))
                .and_then(|actions| actions.get(action))
                .copied()
        });
        if let Some(known) = known {
            return known;
        }
        let decided = self.enforce(role, tenant, object, action);
        if let Ok(mut m) = memo.write() {
            m.entry(role)
                .or_default()
                .entry(object.to_owned())
                .or_default()
                .insert(action.to_owned(), decided);
        }
        decided
    }

    fn enforce(&self, role: Role, tenant: TenantId, object: &str, action: &str) -> bool {
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
        assert!(
            rbac.memo.is_some(),
            "the shipped policy has no tenant-specific line"
        );
        let t = TenantId::new_random();
        // Twice: the second round answers from the memo.
        for _ in 0..2 {
            assert_decisions(&rbac, t);
        }
    }

    fn assert_decisions(rbac: &Rbac, t: TenantId) {
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
