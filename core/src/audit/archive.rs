//! Setting a closed year of the journal apart (PostgreSQL, `guichet db
//! archive-year`, with the schema owner's role on the database's machine).
//!
//! The year's partition is detached: its rows stay in their table
//! (`audit_log_2025`), read-only, read by the verification and by a listing
//! that asks for them, and no longer by the pages of the years in use. It is
//! dumped to a file (`pg_dump --table`) whose SHA-256 the journal keeps, and
//! anchored: the main chain records the year's rows, places and last hash,
//! and the head is written beside the dump (`.ancre`), so that the copy kept
//! away from the database can be proven whole and the journal proven not
//! rewound since.

use super::anchor::{anchor, Anchor};
use super::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::storage::{Backend, Db};
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use std::path::Path;

/// What was set apart, and where its copy is.
#[derive(Debug, Clone, Serialize)]
pub struct ArchivedYear {
    pub year: i32,
    pub table: String,
    pub rows: i64,
    /// The places of the main chain the year held (none for a year of
    /// segments' rows only).
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub dump: String,
    pub bytes: i64,
    pub sha256: String,
    /// The journal's head once the copy is recorded, also written beside it.
    pub anchor: Anchor,
}

/// Sets `year` apart and writes its copy to `dump` (its anchor beside).
/// A year detached earlier whose copy was never written (the dump failed)
/// is only dumped again.
pub async fn archive_year(
    db: &Db,
    at: DateTime<Utc>,
    actor: &Actor,
    year: i32,
    dump: &Path,
) -> ApiResult<ArchivedYear> {
    if db.backend() != Backend::Postgres {
        return Err(ApiError::validation(
            "database",
            "Le journal ne se met à part par année que sur PostgreSQL : le fichier d'un guichet seul garde une table.",
        ));
    }
    if year >= at.year() {
        return Err(ApiError::validation(
            "year",
            format!("L'année {year} n'est pas close : seule une année passée se met à part."),
        ));
    }
    let table = format!("audit_log_{year}");
    let recorded = sqlx::query("SELECT dump_sha256 FROM journal_archives WHERE year = $1")
        .bind(i64::from(year))
        .fetch_optional(db.pool())
        .await?;
    match recorded {
        Some(r) if r.try_get::<Option<String>, _>("dump_sha256")?.is_some() => {
            return Err(ApiError::validation(
                "year",
                format!("Le journal de {year} est déjà mis à part, et sa copie écrite."),
            ))
        }
        Some(_) => {}
        None => detach(db, at, actor, year, &table).await?,
    }
    let bytes = crate::storage::backup::dump_table(db, &table, dump)?;
    let sha256 = file_sha256(dump)?;
    let name = dump.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "UPDATE journal_archives SET dump_name = $1, dump_sha256 = $2 WHERE year = $3 \
         RETURNING row_count, first_seq, last_seq",
    )
    .bind(&name)
    .bind(&sha256)
    .bind(i64::from(year))
    .fetch_one(&mut *tx)
    .await?;
    let copy = json!({ "year": year, "file": name, "bytes": bytes, "sha256": sha256 });
    Change::on("journal.archive_copy", "journal", year).after(copy).record(&mut tx, at, actor).await?;
    tx.commit().await?;
    let head = anchor(db.pool(), at).await?;
    let line = serde_json::to_string(&head).map_err(ApiError::internal)? + "\n";
    crate::storage::files::write_atomically(&crate::storage::backup::anchor_path(dump), line.as_bytes())?;
    tracing::info!(year, rows = row.try_get::<i64, _>("row_count")?, bytes, "année du journal mise à part");
    Ok(ArchivedYear {
        year,
        table,
        rows: row.try_get("row_count")?,
        first_seq: row.try_get("first_seq")?,
        last_seq: row.try_get("last_seq")?,
        dump: dump.display().to_string(),
        bytes,
        sha256,
        anchor: head,
    })
}

/// The year's figures are read first (a closed year takes no row, and a
/// year is long to count), then, in one short transaction that holds the
/// journal the time of a detach, checked unchanged, the partition detached,
/// the year recorded and the main chain told.
async fn detach(db: &Db, at: DateTime<Utc>, actor: &Actor, year: i32, table: &str) -> ApiResult<()> {
    let attached: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = 'audit_log'::regclass \
         AND inhrelid = to_regclass($1))",
    )
    .bind(table)
    .fetch_one(db.pool())
    .await?;
    if !attached {
        return Err(ApiError::validation("year", format!("Le journal n'a pas d'année {year} à mettre à part.")));
    }
    let figures = format!("SELECT COUNT(*) AS n, MIN(seq) AS first, MAX(seq) AS last, MAX(id) AS id FROM {table}");
    let before = sqlx::query(&figures).fetch_one(db.pool()).await?;
    let (rows, first_seq, last_seq, last_id): (i64, Option<i64>, Option<i64>, Option<i64>) =
        (before.try_get("n")?, before.try_get("first")?, before.try_get("last")?, before.try_get("id")?);
    let mut tx = db.begin().await?;
    let now = sqlx::query(&format!("SELECT MAX(seq) AS last, MAX(id) AS id FROM {table}")).fetch_one(&mut *tx).await?;
    if now.try_get::<Option<i64>, _>("last")? != last_seq || now.try_get::<Option<i64>, _>("id")? != last_id {
        return Err(ApiError::conflict(format!(
            "Des lignes datées de {year} ont été écrites pendant la mise à part : relancez la commande."
        )));
    }
    let last_hash: Option<String> = match last_seq {
        Some(s) => sqlx::query_scalar(&format!("SELECT hash FROM {table} WHERE seq = $1"))
            .bind(s)
            .fetch_optional(&mut *tx)
            .await?
            .flatten(),
        None => None,
    };
    sqlx::query("SELECT journal_set_apart($1)").bind(year).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO journal_archives (year, row_count, first_seq, last_seq, last_hash, archived_at, archived_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i64::from(year))
    .bind(rows)
    .bind(first_seq)
    .bind(last_seq)
    .bind(&last_hash)
    .bind(crate::storage::time::ts(at))
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    let after = json!({
        "year": year, "table": table, "rows": rows, "first_seq": first_seq, "last_seq": last_seq,
        "last_hash": last_hash,
    });
    Change::on("journal.archive_year", "journal", year).after(after).record(&mut tx, at, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// The SHA-256 of a file, read a block at a time (a year's copy is large).
fn file_sha256(path: &Path) -> ApiResult<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let unreadable = |e: std::io::Error| ApiError::validation("path", format!("Copie illisible après écriture : {e}"));
    let mut f = std::fs::File::open(path).map_err(unreadable)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(super::chain::hex_string(&hasher.finalize().into()))
}
