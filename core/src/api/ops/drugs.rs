//! The drug reference list: its versions, an import (or its dry run), the
//! search of a drug by code, name or DCI; the vignettes read from a
//! dossier's scans, and its original checked against its lines.

use crate::api::files::{self, FileData, FileField};
use crate::api::{Ctx, Operation};
use crate::audit::Change;
use crate::auth::Permission;
use crate::drugs::proposal::{self, OriginalCheck, OriginalChecked, VignetteProposal};
use crate::drugs::versions::{self, DrugImportReport, DrugListVersion, DrugSearch};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub struct DrugListVersions;
impl Operation for DrugListVersions {
    const NAME: &'static str = "drug_list_versions";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "The versions of the drug reference list, newest first, with their effective dates.";
    type Request = super::session::Empty;
    type Response = Vec<DrugListVersion>;
    async fn run(ctx: &mut Ctx<'_>, _: super::session::Empty) -> ApiResult<Vec<DrugListVersion>> {
        versions::versions(&mut *ctx.db().pool().acquire().await?).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DrugImportRequest {
    /// The list the fund publishes (`.csv`, `.xlsx`).
    pub file: FileData,
    /// The day this version takes effect.
    pub effective_from: NaiveDate,
    /// Report what would change; write nothing.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub dry_run: bool,
}

/// Streamed while the import runs.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DrugImportProgress {
    /// `lecture`, `comparaison`.
    pub phase: String,
}

pub struct DrugImport;
impl Operation for DrugImport {
    const NAME: &'static str = "drug_import";
    const STREAMS: bool = true;
    const FILES: &'static [FileField] = &[files::input("/file")];
    const PERMISSION: Permission = Permission::SettingsManage;
    const SUMMARY: &'static str = "Imports the fund's drug reference list as a version taking effect on a date, or \
        with dry_run only says what changes against the version in force. The same list again changes nothing; a \
        bad file is refused whole, naming row and column. Streams DrugImportProgress.";
    type Request = DrugImportRequest;
    type Response = DrugImportReport;
    async fn run(ctx: &mut Ctx<'_>, r: DrugImportRequest) -> ApiResult<DrugImportReport> {
        let step = |phase: &str| {
            if let Some(s) = &ctx.progress {
                s(serde_json::to_value(DrugImportProgress { phase: phase.into() }).unwrap_or_default());
            }
        };
        step("lecture");
        let FileData { name: file_name, content, .. } = r.file;
        let drugs = tokio::task::spawn_blocking(move || crate::drugs::file::read(crate::sheet::checked(&content)?))
            .await
            .map_err(ApiError::internal)??;
        step("comparaison");
        versions::import(ctx.db(), &ctx.actor, ctx.now, drugs, &file_name, r.effective_from, r.dry_run).await
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DrugFindRequest {
    /// Digits: the start of a code; else words of the name or DCI.
    pub query: String,
    /// The day whose version is read (today when absent).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub day: Option<NaiveDate>,
}

pub struct DrugFind;
impl Operation for DrugFind {
    const NAME: &'static str = "drug_find";
    const PERMISSION: Permission = Permission::Authenticated;
    const SUMMARY: &'static str = "Finds drugs of the list in force by code, name or DCI (accents and case aside), \
        with their presentation, public and reference prices and rate; at most 50.";
    type Request = DrugFindRequest;
    type Response = DrugSearch;
    async fn run(ctx: &mut Ctx<'_>, r: DrugFindRequest) -> ApiResult<DrugSearch> {
        if r.query.chars().count() > 100 {
            return Err(ApiError::validation("query", "Recherche trop longue (au plus 100 caractères)."));
        }
        let day = r.day.unwrap_or(ctx.now.date_naive());
        versions::search(&mut *ctx.db().pool().acquire().await?, &r.query, day, 50).await
    }
}

pub struct DossierVignettesRead;
impl Operation for DossierVignettesRead {
    const NAME: &'static str = "dossier_vignettes_read";
    const PERMISSION: Permission = Permission::DossiersProcess;
    const SUMMARY: &'static str = "Reads the EAN-13 barcodes of the vignettes on a dossier's scans (JPEG, PNG, the \
        scanned images of PDF pages; sealed pieces left aside) and proposes one pharmacy line per drug, its boxes \
        counted, for the processor to confirm; says the codes absent from the list and the pages unreadable.";
    type Request = super::reception::IdRequest;
    type Response = VignetteProposal;
    async fn run(ctx: &mut Ctx<'_>, r: super::reception::IdRequest) -> ApiResult<VignetteProposal> {
        let p = proposal::propose(ctx.db(), r.id).await?;
        // Opening a dossier's scans is journaled (law 09-08), with what was read.
        ctx.journal(
            Change::on("dossier.vignettes_read", "dossier", r.id)
                .after(serde_json::json!({ "files": p.files, "pages": p.pages, "lines": p.lines.len() })),
        )
        .await?;
        Ok(p)
    }
}

pub struct DossierOriginalCheck;
impl Operation for DossierOriginalCheck {
    const NAME: &'static str = "dossier_original_check";
    const PERMISSION: Permission = Permission::DossiersProcess;
    const SUMMARY: &'static str = "Checks the vignettes scanned on a dossier's original paper against its saved \
        pharmacy lines, drug by drug and box by box.";
    type Request = OriginalCheck;
    type Response = OriginalChecked;
    async fn run(ctx: &mut Ctx<'_>, r: OriginalCheck) -> ApiResult<OriginalChecked> {
        if r.codes.len() > 500 {
            return Err(ApiError::validation("codes", "Au plus 500 vignettes par contrôle."));
        }
        let lines = crate::liquidation::repo::lines_of(&mut *ctx.db().pool().acquire().await?, r.dossier_id).await?;
        let drugs: Vec<(String, i64)> =
            lines.iter().filter_map(|l| l.drug_code.clone().map(|c| (c, l.quantity))).collect();
        Ok(proposal::compare(&drugs, &r.codes))
    }
}
