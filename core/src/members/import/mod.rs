//! The employer roster import: read the file, find the header, check every
//! row, compare with the registry, then write everything in one transaction
//! (or nothing, on a dry run). Each row ends created, updated (only what
//! changed), unchanged, or rejected with its row number, column and reason.
//! An empty cell never erases a value already known.

pub mod cells;
pub mod export;
pub mod header;
mod plan;
mod reading;
mod rows;
mod suspensions;
mod writer;

use crate::api::files::FileData;
use crate::audit::Actor;
use crate::error::ApiResult;
use crate::storage::Db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

pub use header::{DetectedColumn, Field};

/// What the import screen and `guichet import-members` send.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The file to read (`.xlsx`, `.xls`, `.ods`, `.csv`).
    pub file: FileData,
    /// Field code → header text or column letter, where the guess is wrong.
    #[serde(default)]
    #[ts(optional)]
    pub mapping: Option<BTreeMap<String, String>>,
    /// Report only; write nothing.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RejectedRow {
    /// The sheet the row is on.
    #[serde(default)]
    pub sheet: String,
    /// The spreadsheet's own row number.
    pub row: u32,
    /// The header of the column at fault (prefixed by the sheet for beneficiaries).
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct BeneficiaryCounts {
    pub rows: u32,
    pub created: u32,
    pub unchanged: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ImportReport {
    /// Non-blank data rows of the members sheet.
    pub rows: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Registered members whose RIB differs in the file: each is now a
    /// pending update request (their RIB is left as it was).
    pub rib_requests: u32,
    pub rejected: Vec<RejectedRow>,
    pub dry_run: bool,
    pub sheet: String,
    pub header_row: u32,
    pub columns: Vec<DetectedColumn>,
    /// The optional beneficiaries sheet.
    pub beneficiaries: Option<BeneficiaryCounts>,
    /// Periods of suspended rights the file reports, new or changed.
    pub suspensions: u32,
}

impl ImportReport {
    /// Rows of the members sheet rejected (a row may have several rejected cells).
    pub fn rejected_rows(&self) -> u32 {
        let mut rows: Vec<u32> = self.rejected.iter().filter(|r| r.sheet == self.sheet).map(|r| r.row).collect();
        rows.sort();
        rows.dedup();
        rows.len() as u32
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    Lecture,
    Verification,
    Ecriture,
    Termine,
}

/// Streamed to the window while the import runs.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportProgress {
    pub phase: ImportPhase,
    pub done: u32,
    pub total: u32,
}

pub type Progress<'a> = &'a (dyn Fn(ImportProgress) + Send + Sync);

/// Runs an import (or a dry run) of `req.file`: a thread reads and checks the
/// rows while this task writes those already read (see `plan`).
pub async fn run(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    req: &ImportRequest,
    progress: Progress<'_>,
) -> ApiResult<ImportReport> {
    progress(ImportProgress { phase: ImportPhase::Lecture, done: 0, total: 0 });
    let file_name = req.file.name.clone();
    let bytes = req.file.content.clone();
    // Two chunks in flight: reading runs ahead of writing by no more.
    let (sender, receiver) = tokio::sync::mpsc::channel(2);
    let mapping = req.mapping.clone();
    let today = now.date_naive();
    let reader = tokio::task::spawn_blocking(move || plan::read_and_check(&bytes, mapping.as_ref(), today, &sender));
    let result = plan::run(db, actor, now, receiver, req.dry_run, &file_name, progress).await;
    // On an error the receiver is gone and the reader stops at its next chunk.
    reader.await.map_err(crate::ApiError::internal)?;
    result
}
