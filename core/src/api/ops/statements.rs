//! Payment batches, transfer lists, statements and the mutual's letterhead settings.

use super::reception::FileRequest;
use super::session::Empty;
use crate::api::files::{self, FileData, FileField};
use crate::api::{Ctx, Operation};
use crate::auth::Permission;
use crate::error::{ApiError, ApiResult};
use crate::export::transfers;
use crate::kernel::dates::fr;
use crate::members;
use crate::pdf::letterhead::letterhead;
use crate::statements::batch::{self, BatchProgress, BatchReport};
use crate::statements::payments::{self, PaymentBatch};
use crate::statements::pdf;
use crate::statements::slips::{self, FundSlip};
use crate::statements::{slip_confirm, slip_files};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// The liquidated dossiers to pay; all of them when empty.
    #[serde(default)]
    #[ts(as = "Option<Vec<i32>>", optional)]
    pub dossier_ids: Vec<i64>,
    /// Today when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub pay_date: Option<NaiveDate>,
}

pub struct PaymentBatchCreate;
impl Operation for PaymentBatchCreate {
    const NAME: &'static str = "payment_batch_create";
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str = "Pays liquidated dossiers in one batch: a payment reference and date each, status \
        \"réglé\"; a member without a valid RIB stops the batch.";
    type Request = PayRequest;
    type Response = PaymentBatch;
    async fn run(ctx: &mut Ctx<'_>, r: PayRequest) -> ApiResult<PaymentBatch> {
        let day = r.pay_date.unwrap_or(ctx.now.date_naive());
        let what = match r.dossier_ids.len() {
            0 => "le règlement des dossiers liquidés".to_string(),
            n => format!("le règlement de {n} dossiers"),
        };
        crate::storage::batch_runs::announced(
            ctx.db(),
            &ctx.actor,
            ctx.now,
            &what,
            payments::pay(ctx.db(), &ctx.actor, ctx.now, &r.dossier_ids, day),
        )
        .await
    }
}

pub struct PaymentBatchExport;
impl Operation for PaymentBatchExport {
    const NAME: &'static str = "payment_batch_export";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str =
        "Writes a payment batch's transfer list with the members' RIBs, as .xlsx or .csv (by the file's extension).";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let list = payments::transfers(ctx.db().pool(), r.id).await?;
        let bytes = transfers::bytes(&r.name, &list, transfers::TransferList::Members)?;
        let file = FileData::named("name", &r.name, bytes)?;
        ctx.journal_export("transfer_list", serde_json::json!({ "batch": r.id }), list.len(), &file.name).await?;
        Ok(file)
    }
}

pub struct StatementDossier;
impl Operation for StatementDossier {
    const NAME: &'static str = "statement_dossier";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::StatementsRead;
    const SUMMARY: &'static str = "Writes the statement (décompte) of a paid dossier as a PDF.";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let pool = ctx.db().pool();
        let p = pdf::paid_dossier(pool, r.id).await?;
        let m = members::get(pool, p.dossier.member_id)
            .await?
            .ok_or_else(|| ApiError::not_found("Adhérent introuvable."))?;
        let bytes = pdf::dossier_statement(&letterhead(pool).await?, &m, &p);
        FileData::named("name", &r.name, bytes)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MemberStatementRequest {
    pub matricule: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub name: String,
}

pub struct StatementMember;
impl Operation for StatementMember {
    const NAME: &'static str = "statement_member";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::StatementsRead;
    const SUMMARY: &'static str =
        "Writes a member's statement for a period (every payment between two dates) as a PDF.";
    type Request = MemberStatementRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: MemberStatementRequest) -> ApiResult<FileData> {
        if r.from > r.to {
            return Err(ApiError::validation("to", "La fin de la période précède son début."));
        }
        let pool = ctx.db().pool();
        let m = members::by_matricule(pool, &r.matricule).await?.ok_or_else(|| {
            ApiError::validation("matricule", format!("Aucun adhérent de matricule {}.", r.matricule.trim()))
        })?;
        let head = letterhead(pool).await?;
        let bytes = pdf::period_statement(pool, &head, m.id, r.from, r.to).await?.ok_or_else(|| {
            ApiError::not_found(format!(
                "Aucun paiement à l'adhérent {} entre le {} et le {}.",
                m.matricule,
                fr(r.from),
                fr(r.to)
            ))
        })?;
        FileData::named("name", &r.name, bytes)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StatementBatchRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Names of the files an earlier run already wrote, their members
    /// skipped: an interrupted run goes on where it stopped.
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub existing: Vec<String>,
}

pub struct StatementBatch;
impl Operation for StatementBatch {
    const NAME: &'static str = "statement_batch";
    const STREAMS: bool = true;
    const FILES: &'static [FileField] = &[files::folder("/folder")];
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str = "Draws one statement PDF per member paid in a period, plus an index, for a \
        folder of the caller's; files already there are skipped. Each file goes out with the progress it streams; \
        the window can stop it between two files.";
    type Request = StatementBatchRequest;
    type Response = BatchReport;
    async fn run(ctx: &mut Ctx<'_>, r: StatementBatchRequest) -> ApiResult<BatchReport> {
        // Its files travel with its progress: without a caller to take them
        // (`api::edge`, which saves them in a folder) there is no run.
        let Some(sink) = ctx.progress.clone() else {
            return Err(ApiError::validation(
                "folder",
                "Le relevé par lot s'écrit dans un répertoire : lancez-le depuis la fenêtre ou la CLI.",
            ));
        };
        // `false` from the window's sink: the user pressed "Arrêter".
        let emit = move |p: BatchProgress, file: Option<FileData>| {
            let mut v = serde_json::to_value(p).unwrap_or_default();
            if let (Some(o), Some(f)) = (v.as_object_mut(), file) {
                o.insert("file".into(), serde_json::to_value(f).unwrap_or_default());
            }
            sink(v)
        };
        let existing = r.existing.into_iter().collect();
        let report = batch::run(ctx.db().pool(), ctx.now, (r.from, r.to), &existing, &emit).await?;
        let rows = (report.written + report.skipped) as usize;
        let filter = serde_json::json!({ "from": r.from, "to": r.to });
        ctx.journal_export("statement_run", filter, rows, &report.index).await?;
        Ok(report)
    }
}

/// The mutual's name and address, printed on its documents, and the law
/// 09-08 notice printed at the end of its statements.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MutualSettings {
    pub mutual_name: String,
    pub mutual_address: String,
    /// Absent when saving: unchanged.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub privacy_notice: Option<String>,
    /// Days a member has to contest a refusal, printed on refusal letters
    /// (1 to 365; absent when saving: unchanged).
    #[serde(default)]
    #[ts(optional = nullable, type = "number | null")]
    pub appeal_days: Option<i64>,
}

pub struct SettingsGet;
impl Operation for SettingsGet {
    const NAME: &'static str = "settings_get";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The mutual's name and address printed on slips, receipts and statements.";
    type Request = Empty;
    type Response = MutualSettings;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<MutualSettings> {
        let h = letterhead(ctx.db().pool()).await?;
        Ok(MutualSettings {
            mutual_name: h.name,
            mutual_address: h.address,
            privacy_notice: Some(h.notice),
            appeal_days: Some(h.appeal_days),
        })
    }
}

pub struct SettingsSave;
impl Operation for SettingsSave {
    const NAME: &'static str = "settings_save";
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Changes the mutual's name and address printed on its documents.";
    type Request = MutualSettings;
    type Response = MutualSettings;
    async fn run(ctx: &mut Ctx<'_>, r: MutualSettings) -> ApiResult<MutualSettings> {
        let name = crate::kernel::text::clean("mutual_name", "Le nom de la mutuelle", &r.mutual_name, 150)?;
        let address = crate::kernel::text::clean("mutual_address", "L'adresse", &r.mutual_address, 300)?;
        if name.is_empty() {
            return Err(ApiError::validation("mutual_name", "Le nom de la mutuelle est obligatoire."));
        }
        let before = letterhead(ctx.db().pool()).await?;
        let notice = match &r.privacy_notice {
            Some(n) => crate::kernel::text::clean("privacy_notice", "La mention loi 09-08", n, 2000)?,
            None => before.notice.clone(),
        };
        let appeal_days = r.appeal_days.unwrap_or(before.appeal_days);
        if !(1..=365).contains(&appeal_days) {
            return Err(ApiError::validation("appeal_days", "Délai de recours : de 1 à 365 jours."));
        }
        let mut tx = ctx.db().begin().await?;
        for (k, v) in [
            ("mutual_name", &name),
            ("mutual_address", &address),
            ("privacy_notice", &notice),
            ("appeal_days", &appeal_days.to_string()),
        ] {
            crate::settings::set(&mut tx, ctx.now, k, v).await?;
        }
        crate::audit::Change {
            action: "settings.update",
            entity_type: "settings",
            entity_id: Some("mutual".into()),
            before: Some(serde_json::json!({ "mutual_name": before.name, "mutual_address": before.address,
                "privacy_notice": before.notice, "appeal_days": before.appeal_days })),
            after: Some(serde_json::json!({ "mutual_name": name, "mutual_address": address,
                "privacy_notice": notice, "appeal_days": appeal_days })),
        }
        .record(&mut tx, ctx.now, &ctx.actor)
        .await?;
        tx.commit().await?;
        Ok(MutualSettings {
            mutual_name: name,
            mutual_address: address,
            privacy_notice: Some(notice),
            appeal_days: Some(appeal_days),
        })
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PaymentStatementRequest {
    /// The transfer's reference (`VIR-20230310-00001/0001`).
    pub payment_reference: String,
    pub name: String,
}

pub struct StatementPayment;
impl Operation for StatementPayment {
    const NAME: &'static str = "statement_payment";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::StatementsRead;
    const SUMMARY: &'static str = "Writes the statement of one transfer (every dossier it paid) as a PDF.";
    type Request = PaymentStatementRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: PaymentStatementRequest) -> ApiResult<FileData> {
        let pool = ctx.db().pool();
        let (m, paid) = pdf::payment_data(pool, &r.payment_reference).await?.ok_or_else(|| {
            ApiError::validation(
                "payment_reference",
                format!("Aucun virement de référence « {} ».", r.payment_reference.trim()),
            )
        })?;
        let bytes = pdf::payment_pdf(&letterhead(pool).await?, &m, &paid, r.payment_reference.trim());
        FileData::named("name", &r.name, bytes)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PaymentReturnRequest {
    pub payment_reference: String,
    /// As the bank's notice gives it: `compte clôturé`, `RIB erroné`.
    pub reason: String,
    /// Today when absent.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub returned_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PaymentReturned {
    /// Dossiers put back to pay.
    #[ts(type = "number")]
    pub dossiers: i64,
}

pub struct PaymentReturn;
impl Operation for PaymentReturn {
    const NAME: &'static str = "payment_return";
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str =
        "Records a transfer the bank returned, with its reason: its dossiers go back to \"liquidé\" to be paid again.";
    type Request = PaymentReturnRequest;
    type Response = PaymentReturned;
    async fn run(ctx: &mut Ctx<'_>, r: PaymentReturnRequest) -> ApiResult<PaymentReturned> {
        let day = r.returned_on.unwrap_or(ctx.now.date_naive());
        let dossiers =
            payments::return_transfer(ctx.db(), &ctx.actor, ctx.now, &r.payment_reference, &r.reason, day).await?;
        Ok(PaymentReturned { dossiers })
    }
}

/// A period's AMO parts to one fund (named when several are owed).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SlipRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub fund_name: Option<String>,
}

pub struct FundSlipCreate;
impl Operation for FundSlipCreate {
    const NAME: &'static str = "fund_slip_create";
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str =
        "Puts the AMO parts of the dossiers settled in a period on a transmission slip to the AMO fund.";
    type Request = SlipRequest;
    type Response = FundSlip;
    async fn run(ctx: &mut Ctx<'_>, r: SlipRequest) -> ApiResult<FundSlip> {
        slips::create(ctx.db(), &ctx.actor, ctx.now, r.from, r.to, r.fund_name.as_deref()).await
    }
}

pub struct FundSlipList;
impl Operation for FundSlipList {
    const NAME: &'static str = "fund_slip_list";
    const PERMISSION: Permission = Permission::StatementsRead;
    const SUMMARY: &'static str = "The transmission slips to the AMO fund, latest first, with how many of their \
        dossiers the fund confirmed paid.";
    type Request = Empty;
    type Response = Vec<FundSlip>;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<Vec<FundSlip>> {
        slips::list(ctx.db().pool()).await
    }
}

pub struct FundSlipExport;
impl Operation for FundSlipExport {
    const NAME: &'static str = "fund_slip_export";
    const FILES: &'static [FileField] = &[files::output("/path")];
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str = "Writes a transmission slip with its dossiers, AMO bases and parts, as .pdf, .xlsx \
        or .csv (by the file's extension).";
    type Request = FileRequest;
    type Response = FileData;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<FileData> {
        let pool = ctx.db().pool();
        let slip = slips::get(pool, r.id).await?;
        let lines = slips::lines(pool, r.id).await?;
        let file =
            FileData::named("name", &r.name, slip_files::bytes(&r.name, &letterhead(pool).await?, &slip, &lines)?)?;
        ctx.journal_export("fund_slip", serde_json::json!({ "slip": r.id }), lines.len(), &file.name).await?;
        Ok(file)
    }
}

pub struct FundSlipConfirm;
impl Operation for FundSlipConfirm {
    const NAME: &'static str = "fund_slip_confirm";
    const FILES: &'static [FileField] = &[files::input("/file")];
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str = "Records the AMO fund's payment of a slip: for the whole slip, or from its return \
        file (form number and amount per row, each checked against the slip).";
    type Request = slip_confirm::Confirmation;
    type Response = FundSlip;
    async fn run(ctx: &mut Ctx<'_>, r: slip_confirm::Confirmation) -> ApiResult<FundSlip> {
        slip_confirm::confirm(ctx.db(), &ctx.actor, ctx.now, &r).await
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LogoInfo {
    pub present: bool,
    /// Pixels.
    pub width: u32,
    pub height: u32,
}

async fn logo_info(pool: &sqlx::AnyPool) -> ApiResult<LogoInfo> {
    Ok(match letterhead(pool).await?.logo {
        Some(i) => LogoInfo { present: true, width: i.width, height: i.height },
        None => LogoInfo { present: false, width: 0, height: 0 },
    })
}

pub struct LogoGet;
impl Operation for LogoGet {
    const NAME: &'static str = "logo_get";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "Whether the mutual's logo is set, and its size in pixels.";
    type Request = Empty;
    type Response = LogoInfo;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<LogoInfo> {
        logo_info(ctx.db().pool()).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LogoRequest {
    /// A PNG file; none: the logo is taken off.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub file: Option<FileData>,
}

pub struct LogoSet;
impl Operation for LogoSet {
    const NAME: &'static str = "logo_set";
    const FILES: &'static [FileField] = &[files::input("/file")];
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str =
        "Sets the mutual's logo printed at the top of its statements (a PNG of at most 1 Mo), or takes it off.";
    type Request = LogoRequest;
    type Response = LogoInfo;
    async fn run(ctx: &mut Ctx<'_>, r: LogoRequest) -> ApiResult<LogoInfo> {
        let before = logo_info(ctx.db().pool()).await?;
        let png = match r.file {
            None => None,
            Some(f) => {
                if f.content.len() > 1_048_576 {
                    return Err(ApiError::validation(
                        "file",
                        format!("Logo trop lourd ({} Ko, au plus 1 024 Ko).", f.content.len() / 1024),
                    ));
                }
                crate::pdf::Image::from_png(&f.content).map_err(|e| {
                    ApiError::validation("file", format!("Le logo doit être une image PNG lisible ({e})."))
                })?;
                Some(f.content)
            }
        };
        let mut tx = ctx.db().begin().await?;
        sqlx::query("DELETE FROM mutual_logo").execute(&mut *tx).await?;
        if let Some(bytes) = &png {
            sqlx::query("INSERT INTO mutual_logo (id, png, updated_at, updated_by) VALUES (1, $1, $2, $3)")
                .bind(bytes.clone())
                .bind(crate::storage::time::ts(ctx.now))
                .bind(&ctx.actor.name)
                .execute(&mut *tx)
                .await?;
        }
        crate::audit::Change {
            action: "settings.logo",
            entity_type: "settings",
            entity_id: Some("logo".into()),
            before: Some(
                serde_json::json!({ "present": before.present, "width": before.width, "height": before.height }),
            ),
            after: Some(serde_json::json!({ "present": png.is_some(), "bytes": png.as_ref().map(|b| b.len()) })),
        }
        .record(&mut tx, ctx.now, &ctx.actor)
        .await?;
        tx.commit().await?;
        logo_info(ctx.db().pool()).await
    }
}
