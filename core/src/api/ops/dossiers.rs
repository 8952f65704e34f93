//! The dossier page, the workflow moves, the checklist, queues, overdue
//! originals, receipts, the home screen and the catalogues.

use super::liquidation::DossierLiquidate;
use super::reception::{FileRequest, IdRequest};
use super::session::Empty;
use super::statements::PaymentBatchCreate;
use crate::api::files::{self, FileData, FileField};
use crate::api::{Ctx, Operation};
use crate::attachments::{self, ScanInfo};
use crate::audit::{self, AuditEntry, AuditFilter, Change};
use crate::auth::Permission;
use crate::dossiers::moves::{self, MoveRequest};
use crate::dossiers::queue::{self, Home, OverdueApplied, OverdueOriginal, QueueFilter, QueuePage};
use crate::dossiers::repo::{self, ChecklistUpdate};
use crate::dossiers::view::{self, ChecklistView, DossierActions, MemberDossierView, StatusOption};
use crate::dossiers::Dossier;
use crate::error::{ApiError, ApiResult};
use crate::export::{xlsx_bytes, Cell};
use crate::medical::{self, DossierMedical};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A dossier by id or by form number (what a scanner types).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DossierRef {
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub id: Option<i64>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub form_number: Option<String>,
}

async fn find(ctx: &Ctx<'_>, r: &DossierRef) -> ApiResult<Dossier> {
    match (r.id, r.form_number.as_deref().map(str::trim).filter(|f| !f.is_empty())) {
        (Some(id), _) => {
            repo::get(ctx.db().pool(), id).await?.ok_or_else(|| ApiError::not_found(format!("Aucun dossier n° {id}.")))
        }
        (None, Some(f)) => {
            let f = crate::dossiers::input::form_number(f)?;
            repo::by_form_number(ctx.db().pool(), &f)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("Aucun dossier pour la feuille {f}.")))
        }
        (None, None) => Err(ApiError::validation("form_number", "Indiquez le dossier (id ou n° de feuille).")),
    }
}

/// The dossier page.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DossierPage {
    pub dossier: Dossier,
    pub checklist: ChecklistView,
    pub scans: Vec<ScanInfo>,
    /// What the caller may do on it now.
    pub can: DossierActions,
    /// What the member's portal shows of it.
    pub member_view: MemberDossierView,
    pub history: Vec<AuditEntry>,
    /// The dossier has medical content or sealed pieces (every role sees that much).
    pub confidential: bool,
    /// The nature of the illness and notes: for the medical role only.
    pub medical: Option<DossierMedical>,
    /// The total declared on the form, when the lines typed do not add up to it.
    pub declared_difference: Option<String>,
}

pub struct DossierGet;
impl Operation for DossierGet {
    const NAME: &'static str = "dossier_get";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "The dossier page by id or form number: identity, checklist, scans, status, \
        history, and the moves open to the caller. The consultation is recorded.";
    type Request = DossierRef;
    type Response = DossierPage;
    async fn run(ctx: &mut Ctx<'_>, r: DossierRef) -> ApiResult<DossierPage> {
        let d = find(ctx, &r).await?.seen_by(&ctx.roles);
        // Who consulted which dossier, and when (law 09-08); kept apart from its history.
        ctx.journal(Change::on("dossier.read", "dossier", d.id)).await?;
        let pool = ctx.db().pool();
        let filter = AuditFilter::changes_of("dossier", d.id, 200);
        let medical =
            if medical::reads_medical(&ctx.roles) { medical::dossier_medical(pool, d.id).await? } else { None };
        if medical.is_some() {
            ctx.medical_reads("dossier", &[d.id], "nature de la maladie et notes").await?;
        }
        let charged: Vec<crate::money::Centimes> =
            sqlx::query_scalar("SELECT charged FROM care_lines WHERE dossier_id = $1")
                .bind(d.id)
                .fetch_all(pool)
                .await?;
        Ok(DossierPage {
            declared_difference: crate::liquidation::declared::difference(d.total_claimed, &charged),
            confidential: medical::dossier_is_confidential(pool, d.id).await?,
            medical,
            checklist: view::checklist_view(pool, &d).await?,
            scans: repo::scans_of(pool, d.id).await?,
            can: view::actions_for(
                &d,
                &ctx.roles,
                ctx.allows(DossierChecklist::PERMISSION),
                ctx.allows(DossierLiquidate::PERMISSION),
                ctx.allows(PaymentBatchCreate::PERMISSION),
            ),
            member_view: view::member_view(pool, &d).await?,
            history: audit::list(pool, &filter).await?,
            dossier: d,
        })
    }
}

pub struct DossierStatuses;
impl Operation for DossierStatuses {
    const NAME: &'static str = "dossier_statuses";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "Every status of a dossier, in the workflow's order, with its words.";
    type Request = Empty;
    type Response = Vec<StatusOption>;
    async fn run(_: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<StatusOption>> {
        Ok(view::statuses())
    }
}

pub struct DossierMove;
impl Operation for DossierMove {
    const NAME: &'static str = "dossier_move";
    const ENTITY: Option<&'static str> = Some("dossier");
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "A move of the workflow (take, complete, incomplete, reject, complement received, \
        reopen); other moves answer `conflict`, a role not allowed `forbidden`.";
    type Request = MoveRequest;
    type Response = Dossier;
    async fn run(ctx: &mut Ctx<'_>, r: MoveRequest) -> ApiResult<Dossier> {
        Ok(moves::make_move(ctx.db(), &ctx.actor, &ctx.roles, ctx.now, &r).await?.seen_by(&ctx.roles))
    }
}

pub struct DossierChecklist;
impl Operation for DossierChecklist {
    const NAME: &'static str = "dossier_checklist";
    const PERMISSION: Permission = Permission::DossiersProcess;
    const SUMMARY: &'static str = "The processor's ticks: what the dossier contains (decides the required documents) \
        and which documents are present.";
    type Request = ChecklistUpdate;
    type Response = Dossier;
    async fn run(ctx: &mut Ctx<'_>, r: ChecklistUpdate) -> ApiResult<Dossier> {
        Ok(repo::update_checklist(ctx.db(), &ctx.actor, ctx.now, &r).await?.seen_by(&ctx.roles))
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ScansAdd {
    #[ts(type = "number")]
    pub id: i64,
    pub files: Vec<FileData>,
    /// Handed in a sealed envelope (pli confidentiel): opened by the medical role only.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub confidential: bool,
}

pub struct DossierScansAdd;
impl Operation for DossierScansAdd {
    const NAME: &'static str = "dossier_scans_add";
    const FILES: &'static [FileField] = &[files::input("/files/*")];
    const PERMISSION: Permission = Permission::ScansAttach;
    const SUMMARY: &'static str =
        "Adds scanned files (PDF, JPG, PNG, at most 20 MB each) to a dossier, e.g. a complement sent by e-mail.";
    type Request = ScansAdd;
    type Response = Vec<ScanInfo>;
    async fn run(ctx: &mut Ctx<'_>, r: ScansAdd) -> ApiResult<Vec<ScanInfo>> {
        attachments::check_request("files", r.files.iter())?;
        let s = r.files.iter().map(|f| attachments::sent("files", f)).collect::<ApiResult<Vec<_>>>()?;
        repo::add_scans(ctx.db(), &ctx.actor, ctx.now, r.id, &s, r.confidential).await
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ScanContent {
    pub info: ScanInfo,
    /// Base64 of the file, for display in the window.
    pub base64: String,
}

pub struct DossierScanGet;
impl Operation for DossierScanGet {
    const NAME: &'static str = "dossier_scan_get";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "A scanned file's content (base64) for viewing in the window.";
    type Request = IdRequest;
    type Response = ScanContent;
    async fn run(ctx: &mut Ctx<'_>, r: IdRequest) -> ApiResult<ScanContent> {
        let (info, bytes) = scan_for(ctx, r.id).await?;
        Ok(ScanContent { info, base64: files::to_base64(&bytes) })
    }
}

pub struct DossierScanSave;
impl Operation for DossierScanSave {
    const NAME: &'static str = "dossier_scan_save";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "Writes a scanned file to a path (to open it in another viewer).";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let (_, bytes) = scan_for(ctx, r.id).await?;
        FileData::named("name", &r.name, bytes)
    }
}

/// A scan's content for this caller: a confidential piece only for the medical role; every opening journaled.
async fn scan_for(ctx: &Ctx<'_>, id: i64) -> ApiResult<(ScanInfo, Vec<u8>)> {
    let (info, bytes) = repo::scan_content(ctx.db().pool(), id).await?;
    if info.confidential && !medical::reads_medical(&ctx.roles) {
        return Err(ApiError::forbidden("Pièce sous pli confidentiel : seul le médecin conseil peut l'ouvrir."));
    }
    ctx.journal_file_read("dossier_file", id, info.confidential, &info.file_name).await?;
    Ok((info, bytes))
}

pub struct DossierQueue;
impl Operation for DossierQueue {
    const NAME: &'static str = "dossier_queue";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "The processors' queue: filters (status, urn, kind, mine, overdue), by deadline, 50 \
        a page, with counts per status.";
    type Request = QueueFilter;
    type Response = QueuePage;
    async fn run(ctx: &mut Ctx<'_>, r: QueueFilter) -> ApiResult<QueuePage> {
        let mut page = queue::queue(ctx.db().pool(), &r, ctx.actor.staff_id, ctx.now.date_naive()).await?;
        page.rows = page.rows.into_iter().map(|d| d.seen_by(&ctx.roles)).collect();
        Ok(page)
    }
}

fn dossier_cells(d: &Dossier) -> Vec<Cell> {
    vec![
        d.form_number.as_str().into(),
        d.matricule.as_str().into(),
        d.member_name.as_str().into(),
        d.beneficiary_name.as_str().into(),
        d.kind.label().into(),
        Cell::Date(Some(d.first_act_date)),
        Cell::Money(d.total_claimed),
        d.status_label.as_str().into(),
        d.reason.clone().into(),
        d.assigned_name.clone().into(),
        d.urn_name.clone().into(),
        Cell::Date(Some(d.received_on)),
        Cell::Date(Some(d.validity_end)),
        (if d.late { "oui" } else { "" }).into(),
    ]
}

const DOSSIER_HEADERS: [&str; 14] = [
    "Feuille de soins",
    "Matricule",
    "Adhérent",
    "Bénéficiaire",
    "Nature",
    "Premier acte",
    "Total des frais engagés (DH)",
    "Statut",
    "Motif",
    "Gestionnaire",
    "Urne",
    "Reçu le",
    "Fin de validité",
    "Hors délai",
];

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct QueueExport {
    pub filter: QueueFilter,
    /// The file's name; where it goes is the caller's.
    pub name: String,
}

pub struct DossierQueueExport;
impl Operation for DossierQueueExport {
    const NAME: &'static str = "dossier_queue_export";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "Writes every dossier of a filtered queue (all pages) to an .xlsx file.";
    type Request = QueueExport;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: QueueExport) -> ApiResult<FileData> {
        let rows = queue::queue_all(ctx.db().pool(), &r.filter, ctx.actor.staff_id, ctx.now.date_naive()).await?;
        let cells: Vec<Vec<Cell>> = rows.iter().map(dossier_cells).collect();
        let file = FileData::named("name", &r.name, xlsx_bytes("Dossiers", &DOSSIER_HEADERS, &cells)?)?;
        ctx.journal_export(
            "dossier_queue",
            serde_json::to_value(&r.filter).unwrap_or_default(),
            rows.len(),
            &file.name,
        )
        .await?;
        Ok(file)
    }
}

pub struct OverdueOriginals;
impl Operation for OverdueOriginals {
    const NAME: &'static str = "overdue_originals";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str =
        "Scanned dossiers whose original is past its deadline, with the claw-back recorded when it was paid.";
    type Request = Empty;
    type Response = Vec<OverdueOriginal>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<OverdueOriginal>> {
        queue::overdue_originals(ctx.db().pool(), ctx.now.date_naive()).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NameRequest {
    /// The file's name; where it goes is the caller's ([`crate::api::edge`]).
    pub name: String,
}

pub struct OverdueOriginalsExport;
impl Operation for OverdueOriginalsExport {
    const NAME: &'static str = "overdue_originals_export";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "Writes the overdue originals list to an .xlsx file.";
    type Request = NameRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: NameRequest) -> ApiResult<FileData> {
        let list = queue::overdue_originals(ctx.db().pool(), ctx.now.date_naive()).await?;
        let mut headers: Vec<&str> = DOSSIER_HEADERS.to_vec();
        headers.extend(["Scan reçu le", "Date limite de l'original", "Jours de retard", "Défalcation (DH)"]);
        let cells: Vec<Vec<Cell>> = list
            .iter()
            .map(|o| {
                let mut c = dossier_cells(&o.dossier);
                c.extend([
                    Cell::Date(o.dossier.scanned_on),
                    Cell::Date(Some(o.dossier.original_deadline)),
                    Cell::Int(o.days_late),
                ]);
                c.push(o.clawback.map(Cell::Money).unwrap_or(Cell::Text(String::new())));
                c
            })
            .collect();
        let file = FileData::named("name", &r.name, xlsx_bytes("Originaux en retard", &headers, &cells)?)?;
        ctx.journal_export("overdue_originals", serde_json::json!({}), list.len(), &file.name).await?;
        Ok(file)
    }
}

pub struct OverdueOriginalsApply;
impl Operation for OverdueOriginalsApply {
    const NAME: &'static str = "overdue_originals_apply";
    const PERMISSION: Permission = Permission::OverdueEnforce;
    const SUMMARY: &'static str = "Applies the late rule to overdue originals: flagged \"hors délai\", rejected \
        (default effect), or a claw-back when already paid. Idempotent.";
    type Request = Empty;
    type Response = OverdueApplied;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<OverdueApplied> {
        let what = "l'application de la règle des originaux en retard";
        crate::storage::batch_runs::announced(
            ctx.db(),
            &ctx.actor,
            ctx.now,
            what,
            queue::apply_overdue(ctx.db(), &ctx.actor, ctx.now),
        )
        .await
    }
}

/// What the complements' expiry did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ComplementsExpired {
    /// Incomplete dossiers rejected: their complement did not come in time.
    #[ts(type = "number")]
    pub dossiers_rejected: i64,
    /// Incomplete approval and coverage requests closed as refused.
    #[ts(type = "number")]
    pub requests_closed: i64,
}

pub struct ComplementsOverdueApply;
impl Operation for ComplementsOverdueApply {
    const NAME: &'static str = "complements_overdue_apply";
    const PERMISSION: Permission = Permission::OverdueEnforce;
    const SUMMARY: &'static str = "Rejects incomplete dossiers and closes incomplete approval requests whose \
        complement did not come by its day. Idempotent.";
    type Request = Empty;
    type Response = ComplementsExpired;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<ComplementsExpired> {
        // Two transactions, each complete and idempotent: a run cut between
        // them is finished by the next.
        let dossiers_rejected = crate::dossiers::complements::expire(ctx.db(), &ctx.actor, ctx.now).await?;
        let requests_closed = crate::approvals::complements::expire(ctx.db(), &ctx.actor, ctx.now).await?;
        Ok(ComplementsExpired { dossiers_rejected, requests_closed })
    }
}

pub struct DossierReceipt;
impl Operation for DossierReceipt {
    const NAME: &'static str = "dossier_receipt";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str = "Writes the acknowledgement of receipt (PDF): dossier number, date received, \
        status, missing documents when incomplete.";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let d = find(ctx, &DossierRef { id: Some(r.id), form_number: None }).await?;
        let pdf =
            view::receipt_pdf(ctx.db().pool(), &d, &crate::pdf::letterhead::letterhead(ctx.db().pool()).await?).await?;
        FileData::named("name", &r.name, pdf)
    }
}

pub struct DossierMemberView;
impl Operation for DossierMemberView {
    const NAME: &'static str = "dossier_member_view";
    const PERMISSION: Permission = Permission::DossiersRead;
    const SUMMARY: &'static str =
        "A dossier as the member's portal shows it: status, reason, missing documents, in the portal's words.";
    type Request = DossierRef;
    type Response = MemberDossierView;
    async fn run(ctx: &mut Ctx<'_>, r: DossierRef) -> ApiResult<MemberDossierView> {
        let d = find(ctx, &r).await?;
        view::member_view(ctx.db().pool(), &d).await
    }
}

pub struct HomeGet;
impl Operation for HomeGet {
    const NAME: &'static str = "home";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The home screen: the counts that matter to the caller's roles and dossiers \
        received and processed per week (12 weeks).";
    type Request = Empty;
    type Response = Home;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Home> {
        queue::home(ctx.db().pool(), &ctx.roles, ctx.actor.staff_id, ctx.now).await
    }
}

pub struct DossierMedicalSave;
impl Operation for DossierMedicalSave {
    const NAME: &'static str = "dossier_medical_save";
    const PERMISSION: Permission = Permission::MedicalReview;
    const SUMMARY: &'static str = "The medical advisor writes a dossier's medical side (nature of the illness, \
        diagnosis, notes): read by the medical role only.";
    type Request = DossierMedical;
    type Response = DossierMedical;
    async fn run(ctx: &mut Ctx<'_>, r: DossierMedical) -> ApiResult<DossierMedical> {
        medical::save_dossier_medical(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}
