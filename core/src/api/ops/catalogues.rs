//! The catalogues the administrator keeps: reasons the member reads, the
//! checklist's document types, the deadline rules.

use super::session::Empty;
use crate::api::{Ctx, Operation};
use crate::auth::Permission;
use crate::dossiers::catalogues::{self, DocumentType, DocumentTypeInput, Reason, ReasonInput};
use crate::dossiers::deadlines::DeadlineRule;
use crate::error::ApiResult;
use serde::Deserialize;
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReasonListRequest {
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub all: bool,
}

pub struct ReasonList;
impl Operation for ReasonList {
    const NAME: &'static str = "reason_list";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The reasons catalogue (active ones, or all with `all`).";
    type Request = ReasonListRequest;
    type Response = Vec<Reason>;
    async fn run(ctx: &mut Ctx<'_>, r: ReasonListRequest) -> ApiResult<Vec<Reason>> {
        catalogues::reasons(ctx.db().pool(), !r.all).await
    }
}

pub struct ReasonSave;
impl Operation for ReasonSave {
    const NAME: &'static str = "reason_save";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Adds a reason (no code) or rewords/deactivates one (code and version).";
    type Request = ReasonInput;
    type Response = Reason;
    async fn run(ctx: &mut Ctx<'_>, r: ReasonInput) -> ApiResult<Reason> {
        catalogues::save_reason(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct DocumentTypeList;
impl Operation for DocumentTypeList {
    const NAME: &'static str = "document_type_list";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The document types of the checklist.";
    type Request = Empty;
    type Response = Vec<DocumentType>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<DocumentType>> {
        catalogues::document_types(ctx.db().pool()).await
    }
}

pub struct DocumentTypeSave;
impl Operation for DocumentTypeSave {
    const NAME: &'static str = "document_type_save";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Adds a document type or rewords one (the built-in types of the claim form's rules stay active).";
    type Request = DocumentTypeInput;
    type Response = DocumentType;
    async fn run(ctx: &mut Ctx<'_>, r: DocumentTypeInput) -> ApiResult<DocumentType> {
        catalogues::save_document_type(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct DeadlineRuleList;
impl Operation for DeadlineRuleList {
    const NAME: &'static str = "deadline_rule_list";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str =
        "The deadline rules with their effective dates (the rule in force on a dossier's first-act date applies).";
    type Request = Empty;
    type Response = Vec<DeadlineRule>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<DeadlineRule>> {
        catalogues::deadline_rules(ctx.db().pool()).await
    }
}

pub struct DeadlineRuleAdd;
impl Operation for DeadlineRuleAdd {
    const NAME: &'static str = "deadline_rule_add";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Adds a deadline rule taking effect on its date (validity months, months for the \
        original after a scan, effect of lateness).";
    type Request = DeadlineRule;
    type Response = Vec<DeadlineRule>;
    async fn run(ctx: &mut Ctx<'_>, r: DeadlineRule) -> ApiResult<Vec<DeadlineRule>> {
        catalogues::add_deadline_rule(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}
