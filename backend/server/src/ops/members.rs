//! The members of an organisation: changing a member's role, removing a member, leaving. The
//! organisation always keeps an owner, and only an owner grants or takes away `owner`. Each
//! change is audited; a member who is removed or leaves loses their sessions there.

use super::TenantWrite;
use crate::error::{ApiError, ErrorCode};
use uuid::Uuid;
use versiqii_api::AuditAction;
use versiqii_core::Role;
use versiqii_store::MemberRow;

fn last_owner(what: &str) -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::LastOwner,
        detail: format!(
            "{what}: the organisation's last owner; make another member an owner first"
        ),
    }
}

fn owners_only() -> ApiError {
    ApiError::Forbidden {
        object: "owners",
        action: "manage",
    }
}

/// The member, locked; refuses touching an owner (or making one) unless `caller` is an owner.
async fn lock_member(
    w: &TenantWrite,
    caller: Role,
    user: Uuid,
    to_owner: bool,
) -> Result<MemberRow, ApiError> {
    let member = w
        .tx()
        .member_for_update(user)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("member {user}")))?;
    if (member.role == "owner" || to_owner) && caller != Role::Owner {
        return Err(owners_only());
    }
    Ok(member)
}

async fn is_last_owner(w: &TenantWrite, member: &MemberRow) -> Result<bool, ApiError> {
    Ok(member.role == "owner" && w.tx().owner_count().await? <= 1)
}

/// Gives `user` the role `role`.
pub async fn set_role(
    mut w: TenantWrite,
    caller: Role,
    user: Uuid,
    role: Role,
) -> Result<MemberRow, ApiError> {
    let mut member = lock_member(&w, caller, user, role == Role::Owner).await?;
    if member.role == role.as_str() {
        return Ok(member);
    }
    if is_last_owner(&w, &member).await? {
        return Err(last_owner(
            "cannot change the role of the organisation's last owner",
        ));
    }
    w.tx().set_member_role(user, role).await?;
    w.audit(
        AuditAction::MemberRoleChange,
        format!("member:{user}"),
        Some(&format!("role:{}", member.role)),
        Some(&format!("role:{}", role.as_str())),
    );
    w.commit().await?;
    member.role = role.as_str().to_owned();
    Ok(member)
}

/// Removes `user` from the organisation and ends their sessions in it.
pub async fn remove(w: TenantWrite, caller: Role, user: Uuid) -> Result<(), ApiError> {
    let member = lock_member(&w, caller, user, false).await?;
    end_membership(
        w,
        member,
        "cannot remove the organisation's last owner",
        AuditAction::MemberRemove,
    )
    .await
}

/// The caller leaves the organisation.
pub async fn leave(w: TenantWrite, user: Uuid) -> Result<(), ApiError> {
    let member = w
        .tx()
        .member_for_update(user)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("member {user}")))?;
    end_membership(
        w,
        member,
        "the organisation's last owner cannot leave",
        AuditAction::MemberLeave,
    )
    .await
}

/// Ends a locked member's membership and their sessions here, audited as `action`; the last
/// owner stays (`refusal` says why).
async fn end_membership(
    mut w: TenantWrite,
    member: MemberRow,
    refusal: &str,
    action: AuditAction,
) -> Result<(), ApiError> {
    if is_last_owner(&w, &member).await? {
        return Err(last_owner(refusal));
    }
    let user = member.user_id;
    w.tx().remove_member(user).await?;
    w.tx().revoke_user_refresh_tokens(user).await?;
    w.audit(
        action,
        format!("member:{user}"),
        Some(&format!("role:{}", member.role)),
        None,
    );
    w.commit().await
}
