//! Prior approvals and coverage requests, the medical review, partner
//! providers, chronic-illness declarations and the journal of medical reads.

use super::reception::{FileRequest, IdRequest};
use crate::api::files::{self, FileData, FileField};
use crate::api::{Ctx, Operation};
use crate::approvals::decide::{self, Decision};
use crate::approvals::letter::{letter_pdf, receipt_pdf};
use crate::approvals::providers::{self, Provider, ProviderInput};
use crate::approvals::register::{self, FileInput, RequestInput};
use crate::approvals::repo::{self, Expiring, RequestFilter, RequestRow};
use crate::approvals::{Request, RequestFile};
use crate::audit::AuditEntry;
use crate::auth::Permission;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::RENEWAL_NOTICE_DAYS;
use crate::liquidation::chronic::{self, Declaration, DeclarationInput, ExpiringDeclaration};
use crate::medical;
use crate::pdf::letterhead::letterhead;
use crate::storage::versioned::Seen;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ProviderListRequest {
    /// Include providers no longer partners (administration screen).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub all: bool,
}

pub struct ProviderList;
impl Operation for ProviderList {
    const NAME: &'static str = "provider_list";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The partner care providers (centres conventionnés), active ones or all with `all`.";
    type Request = ProviderListRequest;
    type Response = Vec<Provider>;
    async fn run(ctx: &mut Ctx<'_>, r: ProviderListRequest) -> ApiResult<Vec<Provider>> {
        providers::list(ctx.db().pool(), !r.all).await
    }
}

pub struct ProviderSave;
impl Operation for ProviderSave {
    const NAME: &'static str = "provider_save";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Creates a partner provider (no id) or changes one (id and version); deactivate instead of deleting.";
    type Request = ProviderInput;
    type Response = Provider;
    async fn run(ctx: &mut Ctx<'_>, r: ProviderInput) -> ApiResult<Provider> {
        providers::save(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct ApprovalRegister;
impl Operation for ApprovalRegister {
    const NAME: &'static str = "approval_register";
    const FILES: &'static [FileField] = &[files::input("/files/*/file")];
    const PERMISSION: Permission = Permission::ApprovalsRegister;
    const SUMMARY: &'static str = "Registers a prior-approval or coverage request: beneficiary, acts, provider, \
        prescriber, dates, quotation, pieces (ID card and badge required).";
    type Request = RequestInput;
    type Response = Request;
    async fn run(ctx: &mut Ctx<'_>, r: RequestInput) -> ApiResult<Request> {
        Ok(register::register(ctx.db(), &ctx.actor, ctx.now, &r).await?.redact(&ctx.roles))
    }
}

pub struct ApprovalList;
impl Operation for ApprovalList {
    const NAME: &'static str = "approval_list";
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str = "Requests, oldest waiting first, with their waiting time; `status: en_attente` is \
        the medical advisor's queue. No medical detail.";
    type Request = RequestFilter;
    type Response = Vec<RequestRow>;
    async fn run(ctx: &mut Ctx<'_>, r: RequestFilter) -> ApiResult<Vec<RequestRow>> {
        repo::list(ctx.db().pool(), ctx.now, &r).await
    }
}

/// Returns the request as this caller may read it, journaling a medical read.
async fn readable(ctx: &Ctx<'_>, r: Request) -> ApiResult<Request> {
    let r = r.redact(&ctx.roles);
    if medical::reads_medical(&ctx.roles) && (r.medical_info.is_some() || r.medical_note.is_some()) {
        ctx.medical_reads("approval_request", &[r.id], "renseignements et notes médicales").await?;
    }
    Ok(r)
}

pub struct ApprovalGet;
impl Operation for ApprovalGet {
    const NAME: &'static str = "approval_get";
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str = "A request with its acts, pieces, decision, grants and what is used and left; \
        medical details for the medical role only (the read is journaled).";
    type Request = IdRequest;
    type Response = Request;
    async fn run(ctx: &mut Ctx<'_>, r: IdRequest) -> ApiResult<Request> {
        let req = repo::get(ctx.db(), r.id).await?;
        readable(ctx, req).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ComplementRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub files: Vec<FileInput>,
}

pub struct ApprovalComplement;
impl Operation for ApprovalComplement {
    const NAME: &'static str = "approval_complement";
    const FILES: &'static [FileField] = &[files::input("/files/*/file")];
    const PERMISSION: Permission = Permission::ApprovalsRegister;
    const SUMMARY: &'static str =
        "Adds the pieces asked for to an undecided request; it goes back to the medical queue.";
    type Request = ComplementRequest;
    type Response = Request;
    async fn run(ctx: &mut Ctx<'_>, r: ComplementRequest) -> ApiResult<Request> {
        Ok(register::complement(ctx.db(), &ctx.actor, ctx.now, Seen { id: r.id, version: r.version }, &r.files)
            .await?
            .redact(&ctx.roles))
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub decision: Decision,
}

pub struct ApprovalDecide;
impl Operation for ApprovalDecide {
    const NAME: &'static str = "approval_decide";
    const PERMISSION: Permission = Permission::MedicalReview;
    const SUMMARY: &'static str = "The medical advisor's decision: grant (acts, sessions or months or amount, \
        validity, tariff and shares, conditions), incomplete (reason, missing pieces) or refuse (reason, appeal).";
    type Request = DecideRequest;
    type Response = Request;
    async fn run(ctx: &mut Ctx<'_>, r: DecideRequest) -> ApiResult<Request> {
        Ok(decide::decide(ctx.db(), &ctx.actor, ctx.now, Seen { id: r.id, version: r.version }, &r.decision)
            .await?
            .redact(&ctx.roles))
    }
}

pub struct ApprovalLetter;
impl Operation for ApprovalLetter {
    const NAME: &'static str = "approval_letter";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str = "Writes the decision's letter as a PDF: approval, coverage (to the provider), \
        refusal, or request for pieces. No medical detail.";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let req = repo::get(ctx.db(), r.id).await?.redact(&[]);
        let provider = match req.provider_id {
            Some(p) => providers::get(ctx.db().pool(), p).await?,
            None => None,
        };
        let pdf = letter_pdf(&letterhead(ctx.db().pool()).await?, &req, provider.as_ref())?;
        FileData::named("name", &r.name, pdf)
    }
}

pub struct ApprovalReceipt;
impl Operation for ApprovalReceipt {
    const NAME: &'static str = "approval_receipt";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str = "Writes the acknowledgement of receipt of a request (PDF): number, date, pieces \
        received and missing. No medical detail.";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let req = repo::get(ctx.db(), r.id).await?.redact(&[]);
        FileData::named("name", &r.name, receipt_pdf(&letterhead(ctx.db().pool()).await?, &req))
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RequestFileContent {
    pub info: RequestFile,
    /// Base64 of the file, for display in the window.
    pub base64: String,
}

/// A piece's content for this caller; a sealed one only for the medical role; every opening journaled.
async fn piece_for(ctx: &Ctx<'_>, id: i64) -> ApiResult<(RequestFile, Vec<u8>)> {
    let (info, _, bytes) = repo::file_content(ctx.db().pool(), id, &ctx.roles).await?;
    ctx.journal_file_read("approval_file", id, info.confidential, &info.file_name).await?;
    Ok((info, bytes))
}

pub struct ApprovalFileGet;
impl Operation for ApprovalFileGet {
    const NAME: &'static str = "approval_file_get";
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str =
        "A request's piece (base64) for viewing; a confidential one for the medical role only.";
    type Request = IdRequest;
    type Response = RequestFileContent;
    async fn run(ctx: &mut Ctx<'_>, r: IdRequest) -> ApiResult<RequestFileContent> {
        let (info, bytes) = piece_for(ctx, r.id).await?;
        Ok(RequestFileContent { info, base64: files::to_base64(&bytes) })
    }
}

pub struct ApprovalFileSave;
impl Operation for ApprovalFileSave {
    const NAME: &'static str = "approval_file_save";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str = "Writes a request's piece to a path; a confidential one for the medical role only.";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let (_, bytes) = piece_for(ctx, r.id).await?;
        FileData::named("name", &r.name, bytes)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UseRequest {
    #[ts(type = "number")]
    pub grant_id: i64,
    pub date: NaiveDate,
    /// Sessions or months used; for an amount, centimes as typed (`700,00`).
    pub used: String,
    /// The provider's invoice reference.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct UseResult {
    /// What the grant has left.
    #[ts(type = "number")]
    pub left: i64,
}

pub struct ApprovalUse;
impl Operation for ApprovalUse {
    const NAME: &'static str = "approval_use";
    const PERMISSION: Permission = Permission::DossiersProcess;
    const SUMMARY: &'static str = "Records what a provider used of a coverage (an invoice paid directly): never more \
        than is left, within the validity.";
    type Request = UseRequest;
    type Response = UseResult;
    async fn run(ctx: &mut Ctx<'_>, r: UseRequest) -> ApiResult<UseResult> {
        let unit: Option<String> = sqlx::query_scalar("SELECT unit FROM approval_grants WHERE id = $1")
            .bind(r.grant_id)
            .fetch_optional(ctx.db().pool())
            .await?;
        let unit = unit
            .and_then(|u| crate::approvals::Unit::parse(&u))
            .ok_or_else(|| ApiError::validation("grant_id", format!("Aucun acte accordé n° {}.", r.grant_id)))?;
        let used = match unit {
            crate::approvals::Unit::Amount => crate::money::parse("used", "Montant utilisé", &r.used)?.0,
            _ => r.used.trim().parse::<i64>().map_err(|_| {
                ApiError::validation(
                    "used",
                    format!("Quantité utilisée : « {} » n'est pas un nombre entier.", r.used.trim()),
                )
            })?,
        };
        let left =
            decide::record_use(ctx.db(), &ctx.actor, ctx.now, r.grant_id, r.date, used, r.note.as_deref()).await?;
        Ok(UseResult { left })
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ExpiringRequest {
    /// Ending within this many days (30 when absent: renewal is asked a month ahead, `RENEWAL_NOTICE_DAYS`).
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub days: Option<i64>,
}

pub struct ApprovalsExpiring;
impl Operation for ApprovalsExpiring {
    const NAME: &'static str = "approvals_expiring";
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str =
        "Granted approvals whose validity ends within 30 days (or `days`), soonest first, with what is left.";
    type Request = ExpiringRequest;
    type Response = Vec<Expiring>;
    async fn run(ctx: &mut Ctx<'_>, r: ExpiringRequest) -> ApiResult<Vec<Expiring>> {
        repo::expiring(ctx.db(), ctx.now.date_naive(), r.days.unwrap_or(RENEWAL_NOTICE_DAYS).clamp(0, 366)).await
    }
}

pub struct ApprovalsOfMember;
impl Operation for ApprovalsOfMember {
    const NAME: &'static str = "approvals_of_member";
    const PERMISSION: Permission = Permission::ApprovalsRead;
    const SUMMARY: &'static str = "A member's requests, newest first, with grants, what is used and left; medical \
        details for the medical role only.";
    type Request = IdRequest;
    type Response = Vec<Request>;
    async fn run(ctx: &mut Ctx<'_>, r: IdRequest) -> ApiResult<Vec<Request>> {
        let mut out = vec![];
        for req in repo::of_member(ctx.db(), r.id).await? {
            out.push(readable(ctx, req).await?);
        }
        Ok(out)
    }
}

pub struct ChronicDeclare;
impl Operation for ChronicDeclare {
    const NAME: &'static str = "chronic_declare";
    const PERMISSION: Permission = Permission::MedicalReview;
    const SUMMARY: &'static str = "The medical advisor declares a beneficiary's chronic illness (ALD/ALC): condition, \
        linked act families, start; valid 6 months.";
    type Request = DeclarationInput;
    type Response = Declaration;
    async fn run(ctx: &mut Ctx<'_>, r: DeclarationInput) -> ApiResult<Declaration> {
        chronic::declare(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct ChronicList;
impl Operation for ChronicList {
    const NAME: &'static str = "chronic_list";
    const PERMISSION: Permission = Permission::ChronicRead;
    const SUMMARY: &'static str = "A beneficiary's chronic-illness declarations, for the claims and medical roles; \
        the condition is shown to the medical role only. One journal row per declaration read.";
    type Request = IdRequest;
    type Response = Vec<Declaration>;
    async fn run(ctx: &mut Ctx<'_>, r: IdRequest) -> ApiResult<Vec<Declaration>> {
        let list = chronic::of_beneficiary(ctx.db().pool(), r.id, &ctx.roles).await?;
        let ids: Vec<i64> = list.iter().map(|d| d.id).collect();
        ctx.medical_reads("chronic_declaration", &ids, "déclaration de maladie chronique").await?;
        Ok(list)
    }
}

pub struct ChronicExpiring;
impl Operation for ChronicExpiring {
    const NAME: &'static str = "chronic_expiring";
    const PERMISSION: Permission = Permission::ChronicRead;
    const SUMMARY: &'static str = "Chronic-illness declarations ending within 30 days (or `days`) and not yet \
        renewed, for the claims and medical roles; the condition for the medical role only. One journal row per \
        declaration read.";
    type Request = ExpiringRequest;
    type Response = Vec<ExpiringDeclaration>;
    async fn run(ctx: &mut Ctx<'_>, r: ExpiringRequest) -> ApiResult<Vec<ExpiringDeclaration>> {
        let list = chronic::expiring(
            ctx.db().pool(),
            ctx.now.date_naive(),
            r.days.unwrap_or(RENEWAL_NOTICE_DAYS).clamp(0, 366),
            &ctx.roles,
        )
        .await?;
        let ids: Vec<i64> = list.iter().map(|d| d.declaration.id).collect();
        ctx.medical_reads("chronic_declaration", &ids, "déclaration de maladie chronique arrivant à échéance").await?;
        Ok(list)
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct ReadsRequest {
    #[ts(optional)]
    pub from: Option<NaiveDate>,
    #[ts(optional)]
    pub to: Option<NaiveDate>,
}

pub struct MedicalReads;
impl Operation for MedicalReads {
    const NAME: &'static str = "medical_reads";
    const PERMISSION: Permission = Permission::MedicalReview;
    const SUMMARY: &'static str =
        "Every read of a medical detail (who, what, when), newest first: the medical advisor's control of secrecy.";
    type Request = ReadsRequest;
    type Response = Vec<AuditEntry>;
    async fn run(ctx: &mut Ctx<'_>, r: ReadsRequest) -> ApiResult<Vec<AuditEntry>> {
        medical::reads(ctx.db().pool(), r.from, r.to).await
    }
}
