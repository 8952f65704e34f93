//! The audit journal screen.

use super::session::Empty;
use crate::api::{Ctx, Operation};
use crate::audit::{self, Anchor, AuditEntry, AuditFilter, Verification};
use crate::auth::Permission;
use crate::error::ApiResult;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditListResponse {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before_id` for the next (older) page; absent on the last page.
    #[ts(type = "number | null")]
    pub next_before_id: Option<i64>,
}

pub struct AuditList;
impl Operation for AuditList {
    const NAME: &'static str = "audit_list";
    const PERMISSION: Permission = Permission::AuditRead;
    const SUMMARY: &'static str = "The audit journal, newest first, filtered by who, what and when.";
    type Request = AuditFilter;
    type Response = AuditListResponse;
    async fn run(ctx: &mut Ctx<'_>, f: AuditFilter) -> ApiResult<AuditListResponse> {
        let limit = f.limit.unwrap_or(100).clamp(1, 500);
        let entries = audit::list(ctx.db().pool(), &f).await?;
        let next_before_id = if entries.len() as i64 == limit { entries.last().map(|e| e.id) } else { None };
        Ok(AuditListResponse { entries, next_before_id })
    }
}

/// The anchors to check along with the chain (read from anchor files by the caller).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct AuditVerifyRequest {
    pub anchors: Vec<Anchor>,
}

pub struct AuditVerify;
impl Operation for AuditVerify {
    const NAME: &'static str = "audit_verify";
    const PERMISSION: Permission = Permission::AuditRead;
    const SUMMARY: &'static str =
        "Walks the journal's hash chain and names every row edited, deleted, reordered or added behind the \
            application's back; proves the journal still holds each anchor given.";
    type Request = AuditVerifyRequest;
    type Response = Verification;
    async fn run(ctx: &mut Ctx<'_>, r: AuditVerifyRequest) -> ApiResult<Verification> {
        audit::verify(ctx.db().pool(), &r.anchors).await
    }
}

pub struct AuditAnchor;
impl Operation for AuditAnchor {
    const NAME: &'static str = "audit_anchor";
    const PERMISSION: Permission = Permission::AuditRead;
    const SUMMARY: &'static str =
        "The journal's head (place, hash, time), for the caller to keep outside the database as an anchor.";
    type Request = Empty;
    type Response = Anchor;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Anchor> {
        audit::anchor(ctx.db().pool(), ctx.now).await
    }
}
