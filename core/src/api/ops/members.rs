//! Members, beneficiaries, search and the roster import.

use super::session::Empty;
use crate::api::files::{self, FileData, FileField};
use crate::api::{Ctx, Operation};
use crate::audit::{AuditEntry, Change};
use crate::auth::Permission;
use crate::error::{ApiError, ApiResult};
use crate::members::import::{self, ImportReport, ImportRequest, RejectedRow};
use crate::members::updates::{self, UpdateDecision, UpdateFilter, UpdateRequest, UpdateRequestInput};
use crate::members::{self, Beneficiary, BeneficiaryInput, Member, MemberInput, SearchResult};
use crate::portal::{self, PortalView};
use crate::storage::versioned::Seen;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The first validation error of a form (the window shows it beside its field).
fn first(errors: Vec<ApiError>) -> ApiError {
    errors.into_iter().next().unwrap_or_else(|| ApiError::internal("validation sans message"))
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// A matricule, a CNIE, or words of a name.
    pub query: String,
}

pub struct MemberSearch;
impl Operation for MemberSearch {
    const NAME: &'static str = "member_search";
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str =
        "The search box: exact matricule or CNIE, or words of a name (case and accents ignored); first 50.";
    type Request = SearchRequest;
    type Response = SearchResult;
    async fn run(ctx: &mut Ctx<'_>, r: SearchRequest) -> ApiResult<SearchResult> {
        members::search(ctx.db(), &r.query).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MemberRef {
    #[ts(optional, type = "number")]
    pub id: Option<i64>,
    #[ts(optional)]
    pub matricule: Option<String>,
}

/// The member page: identity, beneficiaries, and the history of every change.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MemberPage {
    pub member: Member,
    pub beneficiaries: Vec<Beneficiary>,
    /// Each beneficiary's coverage today and its end; suspensions; death.
    pub rights: super::rights::MemberRights,
    pub history: Vec<AuditEntry>,
}

async fn find(ctx: &Ctx<'_>, r: &MemberRef) -> ApiResult<Member> {
    let found = match (r.id, r.matricule.as_deref().map(str::trim).filter(|m| !m.is_empty())) {
        (Some(id), _) => members::get(ctx.db().pool(), id).await?,
        (None, Some(m)) => members::by_matricule(ctx.db().pool(), m).await?,
        (None, None) => return Err(ApiError::validation("matricule", "Indiquez l'adhérent (id ou matricule).")),
    };
    found.ok_or_else(|| match &r.matricule {
        Some(m) => ApiError::not_found(format!("Aucun adhérent de matricule {}.", m.trim())),
        None => ApiError::not_found("Adhérent introuvable."),
    })
}

pub struct MemberRecent;
impl Operation for MemberRecent {
    const NAME: &'static str = "member_recent";
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str =
        "The members this staff member opened in the last 30 days (his search page offers them again), latest first.";
    type Request = Empty;
    type Response = Vec<Member>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<Member>> {
        members::recent::recent(ctx.db().pool(), &ctx.actor.name, ctx.now.date_naive()).await
    }
}

pub struct MemberGet;
impl Operation for MemberGet {
    const NAME: &'static str = "member_get";
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str = "A member's page by id or matricule: identity, employer, payment account, \
        beneficiaries and history. The consultation is recorded (law 09-08).";
    type Request = MemberRef;
    type Response = MemberPage;
    async fn run(ctx: &mut Ctx<'_>, r: MemberRef) -> ApiResult<MemberPage> {
        let member = find(ctx, &r).await?;
        // Who consulted which member's personal data, and when.
        ctx.journal(Change::on(members::recent::READ, "member", member.id)).await?;
        Ok(MemberPage {
            beneficiaries: members::beneficiaries(ctx.db().pool(), member.id).await?,
            rights: super::rights::member_rights(ctx, member.id).await?,
            history: members::history(ctx.db().pool(), member.id).await?,
            member,
        })
    }
}

pub struct MemberCreate;
impl Operation for MemberCreate {
    const NAME: &'static str = "member_create";
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Registers a member; his \"lui-même\" beneficiary is created with him.";
    type Request = MemberInput;
    type Response = Member;
    async fn run(ctx: &mut Ctx<'_>, r: MemberInput) -> ApiResult<Member> {
        let fields = r.check(ctx.now.date_naive()).map_err(first)?;
        members::create(ctx.db(), &ctx.actor, ctx.now, fields).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdateRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub member: MemberInput,
}

pub struct MemberUpdate;
impl Operation for MemberUpdate {
    const NAME: &'static str = "member_update";
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Changes a member (all fields of the form; an end date instead of any deletion).";
    type Request = MemberUpdateRequest;
    type Response = Member;
    async fn run(ctx: &mut Ctx<'_>, r: MemberUpdateRequest) -> ApiResult<Member> {
        let fields = r.member.check(ctx.now.date_naive()).map_err(first)?;
        members::update(ctx.db(), &ctx.actor, ctx.now, Seen { id: r.id, version: r.version }, fields).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryAddRequest {
    #[ts(type = "number")]
    pub member_id: i64,
    pub beneficiary: BeneficiaryInput,
}

pub struct BeneficiaryAdd;
impl Operation for BeneficiaryAdd {
    const NAME: &'static str = "beneficiary_add";
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Adds a spouse or a child to a member (one \"lui-même\" only).";
    type Request = BeneficiaryAddRequest;
    type Response = Beneficiary;
    async fn run(ctx: &mut Ctx<'_>, r: BeneficiaryAddRequest) -> ApiResult<Beneficiary> {
        let b = r.beneficiary.check(ctx.now.date_naive()).map_err(first)?;
        members::add_beneficiary(ctx.db(), &ctx.actor, ctx.now, r.member_id, &b).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryUpdateRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub beneficiary: BeneficiaryInput,
}

pub struct BeneficiaryUpdate;
impl Operation for BeneficiaryUpdate {
    const NAME: &'static str = "beneficiary_update";
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Changes a beneficiary, e.g. the end of his coverage.";
    type Request = BeneficiaryUpdateRequest;
    type Response = Beneficiary;
    async fn run(ctx: &mut Ctx<'_>, r: BeneficiaryUpdateRequest) -> ApiResult<Beneficiary> {
        let b = r.beneficiary.check(ctx.now.date_naive()).map_err(first)?;
        members::update_beneficiary(ctx.db(), &ctx.actor, ctx.now, Seen { id: r.id, version: r.version }, &b).await
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct EmployerList {
    pub employers: Vec<String>,
}

pub struct EmployerListOp;
impl Operation for EmployerListOp {
    const NAME: &'static str = "employer_list";
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str = "The employers known so far (the list grows with imports).";
    type Request = Empty;
    type Response = EmployerList;
    async fn run(ctx: &mut Ctx<'_>, _r: Empty) -> ApiResult<EmployerList> {
        Ok(EmployerList { employers: members::employers(ctx.db().pool()).await? })
    }
}

pub struct MemberImport;
impl Operation for MemberImport {
    const NAME: &'static str = "member_import";
    const STREAMS: bool = true;
    const FILES: &'static [FileField] = &[files::input("/file")];
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Imports an employer roster (.xlsx, .xls, .ods, .csv), or with dry_run only reports \
        what it would do. One transaction. Streams ImportProgress.";
    type Request = ImportRequest;
    type Response = ImportReport;
    async fn run(ctx: &mut Ctx<'_>, r: ImportRequest) -> ApiResult<ImportReport> {
        let sink = ctx.progress.clone();
        let progress = move |p: import::ImportProgress| {
            // The import is one transaction: it is not stopped half-way.
            if let Some(s) = &sink {
                s(serde_json::to_value(p).unwrap_or_default());
            }
        };
        import::run(ctx.db(), &ctx.actor, ctx.now, &r, &progress).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RejectedExportRequest {
    pub rejected: Vec<RejectedRow>,
    /// The `.xlsx` file's name; where it goes is the caller's.
    pub name: String,
}

pub struct MemberImportRejectedExport;
impl Operation for MemberImportRejectedExport {
    const NAME: &'static str = "member_import_rejected_export";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Writes an import report's rejected rows (row, column, reason) to an .xlsx file.";
    type Request = RejectedExportRequest;
    type Response = FileData;
    async fn run(_ctx: &mut Ctx<'_>, r: RejectedExportRequest) -> ApiResult<FileData> {
        let report = ImportReport { rejected: r.rejected, ..Default::default() };
        let bytes = tokio::task::spawn_blocking(move || import::export::rejected_rows_xlsx(&report))
            .await
            .map_err(ApiError::internal)??;
        FileData::named("name", &r.name, bytes)
    }
}

pub struct MemberUpdateRecord;
impl Operation for MemberUpdateRecord {
    const NAME: &'static str = "member_update_record";
    const FILES: &'static [FileField] = &[files::input("/files/*/file")];
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Records a member's update request (e-mail, GSM, address, RIB with its bank \
        certificate, new beneficiary with its certificate, end of a beneficiary's coverage) and how it came; nothing \
        changes before another agent validates it.";
    type Request = UpdateRequestInput;
    type Response = UpdateRequest;
    async fn run(ctx: &mut Ctx<'_>, r: UpdateRequestInput) -> ApiResult<UpdateRequest> {
        updates::record(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

pub struct MemberUpdateList;
impl Operation for MemberUpdateList {
    const NAME: &'static str = "member_update_list";
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str =
        "Pending update requests, oldest first; or every request of one member (`member_id`), newest first.";
    type Request = UpdateFilter;
    type Response = Vec<UpdateRequest>;
    async fn run(ctx: &mut Ctx<'_>, r: UpdateFilter) -> ApiResult<Vec<UpdateRequest>> {
        updates::list(ctx.db().pool(), &r).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateDecideRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub decision: UpdateDecision,
}

pub struct MemberUpdateDecide;
impl Operation for MemberUpdateDecide {
    const NAME: &'static str = "member_update_decide";
    const ENTITY: Option<&'static str> = Some("member_update");
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Validates (the change is applied to the member, audited) or refuses with a reason \
        a pending update request; never by the agent who recorded it.";
    type Request = UpdateDecideRequest;
    type Response = UpdateRequest;
    async fn run(ctx: &mut Ctx<'_>, r: UpdateDecideRequest) -> ApiResult<UpdateRequest> {
        updates::decide(ctx.db(), &ctx.actor, ctx.now, Seen { id: r.id, version: r.version }, &r.decision).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateAttachRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub files: Vec<updates::UpdateFileInput>,
}

pub struct MemberUpdateAttach;
impl Operation for MemberUpdateAttach {
    const NAME: &'static str = "member_update_attach";
    const ENTITY: Option<&'static str> = Some("member_update");
    const FILES: &'static [FileField] = &[files::input("/files/*/file")];
    const PERMISSION: Permission = Permission::MembersWrite;
    const SUMMARY: &'static str = "Adds pieces to a pending update request (the bank certificate of a RIB change an \
        employer's roster brought); whoever adds one may no longer validate it.";
    type Request = UpdateAttachRequest;
    type Response = UpdateRequest;
    async fn run(ctx: &mut Ctx<'_>, r: UpdateAttachRequest) -> ApiResult<UpdateRequest> {
        updates::attach(ctx.db(), &ctx.actor, ctx.now, Seen { id: r.id, version: r.version }, &r.files).await
    }
}

pub struct MemberUpdateFileSave;
impl Operation for MemberUpdateFileSave {
    const NAME: &'static str = "member_update_file_save";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str = "Writes an update request's piece (bank certificate, birth or marriage certificate) \
        to a path, to check it before validating.";
    type Request = super::reception::FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: super::reception::FileRequest) -> ApiResult<FileData> {
        let (info, bytes) = updates::file_content(ctx.db().pool(), r.id).await?;
        let written = FileData::named("name", &r.name, bytes)?;
        ctx.journal_file_read("member_update_file", r.id, false, &info.file_name).await?;
        Ok(written)
    }
}

pub struct MemberUpdateReceipt;
impl Operation for MemberUpdateReceipt {
    const NAME: &'static str = "member_update_receipt";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str = "Writes the acknowledgement of receipt of an update request (PDF): the change (RIB \
        masked), date and channel, pieces received and missing.";
    type Request = super::reception::FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: super::reception::FileRequest) -> ApiResult<FileData> {
        let u = updates::get(ctx.db(), r.id).await?;
        let head = crate::pdf::letterhead::letterhead(ctx.db().pool()).await?;
        FileData::named("name", &r.name, crate::members::updates::receipt::receipt_pdf(&head, &u))
    }
}

pub struct MemberView;
impl Operation for MemberView {
    const NAME: &'static str = "member_view";
    const PERMISSION: Permission = Permission::MembersRead;
    const SUMMARY: &'static str = "What the member's portal shows him, in its words: information, beneficiaries, \
        dossiers with status and reason, statements, approvals with letters, pending requests. Never a medical detail.";
    type Request = MemberRef;
    type Response = PortalView;
    async fn run(ctx: &mut Ctx<'_>, r: MemberRef) -> ApiResult<PortalView> {
        let member = find(ctx, &r).await?;
        ctx.journal(
            Change::on(members::recent::READ, "member", member.id).after(serde_json::json!({ "what": "vue adhérent" })),
        )
        .await?;
        portal::view(ctx.db(), member.id, ctx.now.date_naive()).await
    }
}
