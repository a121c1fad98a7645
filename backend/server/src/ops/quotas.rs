//! Plan quotas in writes: a write that adds a config lineage, a target or a seat claims it
//! first. The claim takes a per-tenant lock for that quota (so two writes cannot both take the
//! last one), refuses at the limit (402 `quota_exceeded`, nothing written) and, when the write
//! crosses 80% of the limit, adds a `quota.warning` event to it.

use super::{Actor, TenantWrite};
use crate::error::ApiError;
use crate::quota::{crosses_warning, CallsWarning, Quota};
use versiqii_api::events::QuotaWarning;
use versiqii_store::QuotaMeasure;

/// Claims one more of `quota` for this write.
pub async fn claim(w: &mut TenantWrite, quota: Quota) -> Result<(), ApiError> {
    let measure = match quota {
        Quota::Configs => QuotaMeasure::Configs,
        Quota::Targets => QuotaMeasure::Targets,
        Quota::Seats => QuotaMeasure::SeatsWithInvites,
        Quota::CallsMonth => return Ok(()),
    };
    claim_measured(w, quota, measure).await
}

/// Claims the seat of an invite being accepted: members only count (the open invite was
/// counted when it was sent, and is about to close).
pub async fn claim_accepted_seat(w: &mut TenantWrite) -> Result<(), ApiError> {
    claim_measured(w, Quota::Seats, QuotaMeasure::Seats).await
}

async fn claim_measured(
    w: &mut TenantWrite,
    quota: Quota,
    measure: QuotaMeasure,
) -> Result<(), ApiError> {
    let plan = w.tx().plan_name().await?;
    let Some(limit) = w.ops().plans.limit(&plan, quota) else {
        return Ok(());
    };
    w.tx().lock_quota(quota.as_str()).await?;
    let used = w.tx().quota_used(measure).await?;
    if used >= limit {
        return Err(ApiError::QuotaExceeded(format!(
            "the {plan} plan allows {limit} {}, and the organisation has {used}: remove some or \
             move to a larger plan",
            quota.noun()
        )));
    }
    if crosses_warning(used, used + 1, limit) {
        w.emit(QuotaWarning {
            quota: quota.as_str().to_owned(),
            used: used + 1,
            limit,
            plan,
            period: None,
        });
    }
    Ok(())
}

/// Sends the monthly calls warning an instance noticed, once per tenant and month however many
/// instances notice it.
pub async fn warn_calls(ops: &super::Ops, warning: CallsWarning) -> Result<(), ApiError> {
    let mut w = TenantWrite::open(ops, warning.tenant, Actor::new("system:metering")).await?;
    if !w
        .tx()
        .note_quota_warning(Quota::CallsMonth.as_str(), &warning.period)
        .await?
    {
        return Ok(());
    }
    w.emit(QuotaWarning {
        quota: Quota::CallsMonth.as_str().to_owned(),
        used: warning.used,
        limit: warning.limit,
        plan: warning.plan,
        period: Some(warning.period),
    });
    w.commit().await
}

/// Sends the warnings the call quota queues, until the process ends.
pub async fn send_warnings(
    ops: super::Ops,
    mut warnings: tokio::sync::mpsc::Receiver<CallsWarning>,
) {
    while let Some(warning) = warnings.recv().await {
        if let Err(e) = warn_calls(&ops, warning).await {
            tracing::warn!(error = %e, "a monthly calls warning was not sent");
        }
    }
}
