//! What the service's operators change in a tenant, through the tenant's own write path (row
//! security, the tenant's audit chain naming `operator:<id>`). The portal checks the operator's
//! clearance before calling these, and records each action in the operators' chain too.

use super::TenantWrite;
use crate::error::ApiError;
use versiqii_api::AuditAction;
use versiqii_store::CreditRow;

/// Moves the tenant to `plan` (a plan of the settings); the plan it was on.
pub async fn set_plan(mut w: TenantWrite, plan: &str) -> Result<String, ApiError> {
    if !w.ops().plans.iter().any(|(name, _)| name == plan) {
        let known: Vec<&str> = w.ops().plans.iter().map(|(n, _)| n.as_str()).collect();
        return Err(ApiError::invalid(
            "/plan",
            format!("no such plan; the plans are {}", known.join(", ")),
        ));
    }
    let before = w.tx().set_plan(plan).await?;
    w.audit(
        AuditAction::TenantPlanChange,
        "tenant:plan",
        Some(&before),
        Some(plan),
    );
    w.commit().await?;
    Ok(before)
}

/// Suspends the tenant (`Some(reason)`) or resumes it (`None`); whether that changed anything.
/// Every instance hears of it at commit and refuses (or admits again) the tenant's callers.
pub async fn set_suspended(mut w: TenantWrite, reason: Option<&str>) -> Result<bool, ApiError> {
    let changed = w.tx().set_suspended(reason).await?;
    if changed {
        match reason {
            Some(reason) => w.audit(AuditAction::TenantSuspend, "tenant", None, Some(reason)),
            None => w.audit(AuditAction::TenantResume, "tenant", None, None),
        }
    }
    w.commit().await?;
    Ok(changed)
}

pub async fn grant_credit(
    mut w: TenantWrite,
    amount_cents: i64,
    reason: &str,
) -> Result<CreditRow, ApiError> {
    let by = w.actor().to_string();
    let credit = w.tx().grant_credit(amount_cents, reason, &by).await?;
    w.audit(
        AuditAction::CreditGrant,
        format!("credit:{}", credit.id),
        None,
        Some(&format!("{amount_cents}")),
    );
    w.commit().await?;
    Ok(credit)
}

/// Records in the tenant's own chain that an operator started a read-only look, and why.
pub async fn note_impersonation(mut w: TenantWrite, reason: &str) -> Result<(), ApiError> {
    w.audit(
        AuditAction::ImpersonationStart,
        format!("reason:{reason}"),
        None,
        None,
    );
    w.commit().await
}
