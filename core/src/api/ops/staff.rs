//! The administrator's staff screen.

use super::session::Empty;
use crate::api::{Ctx, Operation};
use crate::auth::{Permission, Role};
use crate::error::{ApiError, ApiResult};
use crate::staff::{self, NewStaff, StaffMember, StaffRequest};
use crate::storage::versioned::Seen;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct StaffListResponse {
    pub staff: Vec<StaffMember>,
}

pub struct StaffList;
impl Operation for StaffList {
    const NAME: &'static str = "staff_list";
    const PERMISSION: Permission = Permission::StaffManage;
    const SUMMARY: &'static str = "All staff accounts, active or not, by username.";
    type Request = Empty;
    type Response = StaffListResponse;
    async fn run(ctx: &mut Ctx<'_>, _req: Empty) -> ApiResult<StaffListResponse> {
        Ok(StaffListResponse { staff: staff::list(ctx.db().pool()).await? })
    }
}

pub struct StaffCreate;
impl Operation for StaffCreate {
    const NAME: &'static str = "staff_create";
    const PERMISSION: Permission = Permission::StaffManage;
    const SUMMARY: &'static str = "Creates a staff account with its roles and first password (at least 10 characters).";
    type Request = NewStaff;
    type Response = StaffMember;
    async fn run(ctx: &mut Ctx<'_>, req: NewStaff) -> ApiResult<StaffMember> {
        staff::create(ctx.db(), &ctx.actor, ctx.now, req).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffUpdateRequest {
    #[ts(type = "number")]
    pub id: i64,
    /// The version read; a different current version answers `conflict`.
    #[ts(type = "number")]
    pub version: i64,
    pub full_name: String,
    pub roles: Vec<Role>,
}

pub struct StaffUpdate;
impl Operation for StaffUpdate {
    const NAME: &'static str = "staff_update";
    const ENTITY: Option<&'static str> = Some("staff");
    const PERMISSION: Permission = Permission::StaffManage;
    const SUMMARY: &'static str = "Changes an account's full name and roles. Granting the medical role waits for a \
        second administrator (staff_request_decide); the account is answered unchanged.";
    type Request = StaffUpdateRequest;
    type Response = StaffMember;
    async fn run(ctx: &mut Ctx<'_>, r: StaffUpdateRequest) -> ApiResult<StaffMember> {
        staff::update(ctx.db(), &ctx.actor, ctx.now, Seen { id: r.id, version: r.version }, &r.full_name, &r.roles)
            .await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffSetActiveRequest {
    /// The account, by id…
    #[ts(optional, type = "number")]
    pub id: Option<i64>,
    /// …or by username.
    #[ts(optional)]
    pub username: Option<String>,
    #[ts(optional, type = "number")]
    pub version: Option<i64>,
    pub active: bool,
}

/// Finds an account named by id or by username.
async fn target(ctx: &Ctx<'_>, id: Option<i64>, username: Option<&str>) -> ApiResult<i64> {
    if let Some(id) = id {
        return Ok(id);
    }
    let Some(u) = username.map(|u| u.trim().to_lowercase()).filter(|u| !u.is_empty()) else {
        return Err(ApiError::validation("id", "Indiquez le compte (id ou username)."));
    };
    staff::id_by_username(ctx.db().pool(), &u)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Aucun compte « {u} ».")))
}

pub struct StaffSetActive;
impl Operation for StaffSetActive {
    const NAME: &'static str = "staff_set_active";
    const PERMISSION: Permission = Permission::StaffManage;
    const SUMMARY: &'static str = "Disables or re-enables an account (accounts are never deleted).";
    type Request = StaffSetActiveRequest;
    type Response = StaffMember;
    async fn run(ctx: &mut Ctx<'_>, r: StaffSetActiveRequest) -> ApiResult<StaffMember> {
        let id = target(ctx, r.id, r.username.as_deref()).await?;
        staff::set_active(ctx.db(), &ctx.actor, ctx.now, id, r.version, r.active).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffRef {
    #[ts(optional, type = "number")]
    pub id: Option<i64>,
    #[ts(optional)]
    pub username: Option<String>,
}

pub struct StaffUnlock;
impl Operation for StaffUnlock {
    const NAME: &'static str = "staff_unlock";
    const PERMISSION: Permission = Permission::StaffManage;
    const SUMMARY: &'static str = "Lifts a lock-out at once and clears the count of wrong passwords.";
    type Request = StaffRef;
    type Response = StaffMember;
    async fn run(ctx: &mut Ctx<'_>, r: StaffRef) -> ApiResult<StaffMember> {
        let id = target(ctx, r.id, r.username.as_deref()).await?;
        staff::unlock(ctx.db(), &ctx.actor, ctx.now, id).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffResetPasswordRequest {
    #[ts(type = "number")]
    pub id: i64,
    pub new_password: String,
}

pub struct StaffResetPassword;
impl Operation for StaffResetPassword {
    const NAME: &'static str = "staff_reset_password";
    const PERMISSION: Permission = Permission::StaffManage;
    const SUMMARY: &'static str = "Sets a passage password for an account (and unlocks it): its holder chooses his \
        own at his next login, and his open sessions end. For a medical advisor, a second administrator validates it \
        first (staff_request_decide).";
    type Request = StaffResetPasswordRequest;
    type Response = StaffMember;
    async fn run(ctx: &mut Ctx<'_>, r: StaffResetPasswordRequest) -> ApiResult<StaffMember> {
        staff::reset_password(ctx.db(), &ctx.actor, ctx.now, r.id, &r.new_password).await
    }
}

pub struct StaffRequestList;
impl Operation for StaffRequestList {
    const NAME: &'static str = "staff_request_list";
    const PERMISSION: Permission = Permission::StaffManage;
    const SUMMARY: &'static str = "Changes of accounts waiting for a second administrator (the medical role granted, \
        a medical advisor's password reset), oldest first.";
    type Request = Empty;
    type Response = Vec<StaffRequest>;
    async fn run(ctx: &mut Ctx<'_>, _req: Empty) -> ApiResult<Vec<StaffRequest>> {
        staff::pending_requests(ctx.db().pool()).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffRequestDecision {
    #[ts(type = "number")]
    pub id: i64,
    /// True validates (the change is applied), false refuses.
    pub approve: bool,
}

pub struct StaffRequestDecide;
impl Operation for StaffRequestDecide {
    const NAME: &'static str = "staff_request_decide";
    const ENTITY: Option<&'static str> = Some("staff_request");
    const PERMISSION: Permission = Permission::StaffManage;
    const SUMMARY: &'static str = "Validates (applies) or refuses a pending change of an account; never by the \
        administrator who asked it, nor by the account concerned.";
    type Request = StaffRequestDecision;
    type Response = StaffRequest;
    async fn run(ctx: &mut Ctx<'_>, r: StaffRequestDecision) -> ApiResult<StaffRequest> {
        staff::decide_request(ctx.db(), &ctx.actor, ctx.now, r.id, r.approve).await
    }
}
