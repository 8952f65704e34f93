//! Payment batches, transfer lists, statements and the mutual's letterhead settings.

use super::reception::{write_file, FileRequest, Written};
use super::session::Empty;
use crate::api::{Ctx, Operation};
use crate::auth::Permission;
use crate::error::{ApiError, ApiResult};
use crate::members;
use crate::statements::batch::{self, BatchProgress, BatchReport};
use crate::statements::payments::{self, PaymentBatch};
use crate::statements::pdf;
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
    const SUMMARY: &'static str = "Pays liquidated dossiers in one batch: a payment reference and date each, status \"réglé\"; a member without a valid RIB stops the batch.";
    type Request = PayRequest;
    type Response = PaymentBatch;
    async fn run(ctx: &mut Ctx<'_>, r: PayRequest) -> ApiResult<PaymentBatch> {
        let day = r.pay_date.unwrap_or(ctx.now.date_naive());
        payments::pay(ctx.db(), &ctx.actor, ctx.now, &r.dossier_ids, day).await
    }
}

pub struct PaymentBatchExport;
impl Operation for PaymentBatchExport {
    const NAME: &'static str = "payment_batch_export";
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str = "Writes a payment batch's transfer list with the members' RIBs, as .xlsx or .csv (by the file's extension).";
    type Request = FileRequest;
    type Response = Written;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<Written> {
        let list = payments::transfers(ctx.db().pool(), r.id).await?;
        payments::write_transfers(std::path::Path::new(r.path.trim()), &list)?;
        Ok(Written::at(&r.path))
    }
}

pub struct StatementDossier;
impl Operation for StatementDossier {
    const NAME: &'static str = "statement_dossier";
    const PERMISSION: Permission = Permission::StatementsRead;
    const SUMMARY: &'static str = "Writes the statement (décompte) of a paid dossier as a PDF.";
    type Request = FileRequest;
    type Response = Written;
    async fn run(ctx: &mut Ctx<'_>, r: FileRequest) -> ApiResult<Written> {
        let pool = ctx.db().pool();
        let p = pdf::paid_dossier(pool, r.id).await?;
        let m = members::get(pool, p.dossier.member_id).await?.ok_or_else(|| ApiError::not_found("Adhérent introuvable."))?;
        let bytes = pdf::dossier_statement(&pdf::letterhead(pool).await?, &m, &p);
        write_file(&r.path, &bytes)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MemberStatementRequest {
    pub matricule: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub path: String,
}

pub struct StatementMember;
impl Operation for StatementMember {
    const NAME: &'static str = "statement_member";
    const PERMISSION: Permission = Permission::StatementsRead;
    const SUMMARY: &'static str = "Writes a member's statement for a period (every payment between two dates) as a PDF.";
    type Request = MemberStatementRequest;
    type Response = Written;
    async fn run(ctx: &mut Ctx<'_>, r: MemberStatementRequest) -> ApiResult<Written> {
        if r.from > r.to {
            return Err(ApiError::validation("to", "La fin de la période précède son début."));
        }
        let pool = ctx.db().pool();
        let m = members::by_matricule(pool, &r.matricule).await?.ok_or_else(|| ApiError::validation("matricule", format!("Aucun adhérent de matricule {}.", r.matricule.trim())))?;
        let head = pdf::letterhead(pool).await?;
        let bytes = pdf::period_statement(pool, &head, m.id, r.from, r.to)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Aucun paiement à l'adhérent {} entre le {} et le {}.", m.matricule, r.from.format("%d/%m/%Y"), r.to.format("%d/%m/%Y"))))?;
        write_file(&r.path, &bytes)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StatementBatchRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The folder the PDFs and the index are written to.
    pub folder: String,
}

pub struct StatementBatch;
impl Operation for StatementBatch {
    const NAME: &'static str = "statement_batch";
    const PERMISSION: Permission = Permission::StatementsProduce;
    const SUMMARY: &'static str = "Writes one statement PDF per member paid in a period, plus an index, into a folder; files already there are skipped. Streams its progress; the window can stop it between two files.";
    type Request = StatementBatchRequest;
    type Response = BatchReport;
    async fn run(ctx: &mut Ctx<'_>, r: StatementBatchRequest) -> ApiResult<BatchReport> {
        let sink = ctx.progress.clone();
        // `false` from the window's sink: the user pressed "Arrêter".
        let progress = move |p: BatchProgress| match &sink {
            Some(s) => s(serde_json::to_value(p).unwrap_or_default()),
            None => true,
        };
        batch::run(ctx.db().pool(), r.from, r.to, std::path::Path::new(r.folder.trim()), &progress).await
    }
}

/// The mutual's name and address, printed on its documents.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MutualSettings {
    pub mutual_name: String,
    pub mutual_address: String,
}

pub struct SettingsGet;
impl Operation for SettingsGet {
    const NAME: &'static str = "settings_get";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The mutual's name and address printed on slips, receipts and statements.";
    type Request = Empty;
    type Response = MutualSettings;
    async fn run(ctx: &mut Ctx<'_>, _: Empty) -> ApiResult<MutualSettings> {
        let h = pdf::letterhead(ctx.db().pool()).await?;
        Ok(MutualSettings { mutual_name: h.name, mutual_address: h.address })
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
        let name = crate::members::text::clean("mutual_name", "Le nom de la mutuelle", &r.mutual_name, 150)?;
        let address = crate::members::text::clean("mutual_address", "L'adresse", &r.mutual_address, 300)?;
        if name.is_empty() {
            return Err(ApiError::validation("mutual_name", "Le nom de la mutuelle est obligatoire."));
        }
        let before = pdf::letterhead(ctx.db().pool()).await?;
        let mut tx = ctx.db().begin().await?;
        for (k, v) in [("mutual_name", &name), ("mutual_address", &address)] {
            sqlx::query("UPDATE settings SET value = $1, updated_at = $2 WHERE key = $3").bind(v).bind(crate::storage::time::ts(ctx.now)).bind(k).execute(&mut *tx).await?;
        }
        crate::audit::record(&mut tx, ctx.now, &ctx.actor, crate::audit::Change {
            action: "settings.update",
            entity_type: "settings",
            entity_id: Some("mutual".into()),
            before: Some(serde_json::json!({ "mutual_name": before.name, "mutual_address": before.address })),
            after: Some(serde_json::json!({ "mutual_name": name, "mutual_address": address })),
        })
        .await?;
        tx.commit().await?;
        Ok(MutualSettings { mutual_name: name, mutual_address: address })
    }
}
