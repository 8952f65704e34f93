//! Backups and restores as the site needs them: a backup carries the
//! journal's head read just before the copy (`<backup>.ancre`), so the journal
//! can later be proved to still hold it (`guichet audit verify --anchor`),
//! whatever becomes of the database; a restore says whether the restored
//! journal is whole. The copies themselves are `storage::backup`'s. The
//! embedded database is also backed up once a day, keeping the last 14.

use crate::audit;
use crate::error::{ApiError, ApiResult};
pub use crate::storage::backup::BackupReport;
use crate::storage::backup::{copy, restore_into};
use crate::storage::{time, Backend, Db};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct RestoreReport {
    /// The database restored into, without its password.
    pub database: String,
    #[ts(type = "number")]
    pub members: i64,
    #[ts(type = "number")]
    pub dossiers: i64,
    #[ts(type = "number")]
    pub audit_rows: i64,
    /// The restored journal's hash chain is whole.
    pub journal_intact: bool,
}
/// Writes a backup of `db` to `dest` (replaced whole if it exists), and
/// beside it the journal's head read just before the copy.
pub async fn backup(db: &Db, dest: &Path, now: DateTime<Utc>) -> ApiResult<BackupReport> {
    let head = audit::anchor(db.pool(), now).await?;
    let line = serde_json::to_string(&head).map_err(ApiError::internal)? + "\n";
    copy(db, dest, line.as_bytes()).await
}

/// Restores the backup `src` into the empty database at `target_url` and
/// counts what it holds; its journal verified.
pub async fn restore(src: &Path, target_url: &str) -> ApiResult<RestoreReport> {
    let db = restore_into(src, target_url).await?;
    let count = |t: &'static str| {
        let pool = db.pool().clone();
        async move { sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(&pool).await }
    };
    let report = RestoreReport {
        database: db.display().to_string(),
        members: count("members").await?,
        dossiers: count("dossiers").await?,
        audit_rows: count("audit_log").await?,
        journal_intact: audit::verify(db.pool(), &[]).await?.intact,
    };
    db.close().await;
    tracing::info!(database = %report.database, "base restaurée");
    Ok(report)
}

/// The daily backup of the embedded database: `guichet-AAAA-MM-JJ.sqlite3` in
/// `folder` if today's is missing, then only the `keep` newest are kept (their
/// anchors, a line each, all stay: the older the anchor, the more of the
/// journal it vouches for). Returns the file written, if any.
pub async fn daily(db: &Db, folder: &Path, now: DateTime<Utc>, keep: usize) -> ApiResult<Option<PathBuf>> {
    let today = now.date_naive();
    if db.backend() != Backend::Sqlite {
        return Ok(None);
    }
    std::fs::create_dir_all(folder)
        .map_err(|e| ApiError::validation("path", format!("Dossier des sauvegardes impossible à créer : {e}")))?;
    let dest = folder.join(format!("guichet-{}.sqlite3", time::date(today)));
    let written = if dest.exists() {
        None
    } else {
        backup(db, &dest, now).await?;
        Some(dest)
    };
    let mut all: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(ApiError::internal)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("guichet-") && n.ends_with(".sqlite3"))
        })
        .collect();
    // The names sort by date.
    all.sort();
    let excess = all.len().saturating_sub(keep);
    for old in &all[..excess] {
        let _ = std::fs::remove_file(old);
    }
    Ok(written)
}
