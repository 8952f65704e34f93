//! Setting a closed year apart (PostgreSQL, `guichet db archive-year`, with
//! the schema owner's role on the database's machine).
//!
//! The year's partitions of the journal, the dossiers and the care lines
//! are detached: their rows stay in their tables (`audit_log_2025`,
//! `dossiers_2025`, `care_lines_2025`), read-only, read as the module above
//! says, and no longer by the pages of the years in use. They are copied to
//! one file (`pg_dump --table`) whose SHA-256 the journal keeps, and
//! anchored: the main chain records each table's rows and the journal's
//! places and last hash, and the head is written beside the copy (`.ancre`),
//! so that the copy kept away from the database can be proven whole and the
//! journal proven not rewound since.

use crate::audit::{anchor, Actor, Anchor, Change};
use crate::dossiers::workflow::Status;
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
    pub journal_rows: i64,
    pub dossiers: i64,
    pub care_lines: i64,
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

/// The year's tables, in the order they are copied.
fn tables(year: i32) -> [String; 3] {
    [format!("audit_log_{year}"), format!("dossiers_{year}"), format!("care_lines_{year}")]
}

/// Sets `year` apart and writes its copy to `dump` (its anchor beside).
/// A year detached earlier whose copy was never written (the dump failed)
/// is only copied again.
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
            "Une année ne se met à part que sur PostgreSQL : le fichier d'un guichet seul garde une table de chaque.",
        ));
    }
    if year >= at.year() {
        return Err(ApiError::validation(
            "year",
            format!("L'année {year} n'est pas close : seule une année passée se met à part."),
        ));
    }
    let recorded = sqlx::query("SELECT dump_sha256 FROM archived_years WHERE year = $1")
        .bind(i64::from(year))
        .fetch_optional(db.pool())
        .await?;
    match recorded {
        Some(r) if r.try_get::<Option<String>, _>("dump_sha256")?.is_some() => {
            return Err(ApiError::validation(
                "year",
                format!("L'année {year} est déjà mise à part, et sa copie écrite."),
            ))
        }
        Some(_) => {}
        None => detach(db, at, actor, year).await?,
    }
    let bytes = crate::storage::backup::dump_tables(db, &tables(year), dump)?;
    let sha256 = crate::storage::files::sha256_of(dump)?;
    let name = dump.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "UPDATE archived_years SET dump_name = $1, dump_sha256 = $2 WHERE year = $3 \
         RETURNING journal_rows, dossiers, care_lines, first_seq, last_seq",
    )
    .bind(&name)
    .bind(&sha256)
    .bind(i64::from(year))
    .fetch_one(&mut *tx)
    .await?;
    let copy = json!({ "year": year, "file": name, "bytes": bytes, "sha256": sha256 });
    Change::on("year.archive_copy", "year", year).after(copy).record(&mut tx, at, actor).await?;
    tx.commit().await?;
    let head = anchor(db.pool(), at).await?;
    let line = serde_json::to_string(&head).map_err(ApiError::internal)? + "\n";
    crate::storage::files::write_atomically(&crate::storage::backup::anchor_path(dump), line.as_bytes())?;
    tracing::info!(year, bytes, "année mise à part");
    Ok(ArchivedYear {
        year,
        journal_rows: row.try_get("journal_rows")?,
        dossiers: row.try_get("dossiers")?,
        care_lines: row.try_get("care_lines")?,
        first_seq: row.try_get("first_seq")?,
        last_seq: row.try_get("last_seq")?,
        dump: dump.display().to_string(),
        bytes,
        sha256,
        anchor: head,
    })
}

/// A year's figures: its rows in each table, the journal's first and last
/// places and its newest row.
struct Figures {
    journal: (i64, Option<i64>, Option<i64>, Option<i64>),
    dossiers: i64,
    care_lines: i64,
}

async fn figures(conn: &mut sqlx::AnyConnection, year: i32) -> ApiResult<Figures> {
    let [journal, dossiers, care_lines] = tables(year);
    let j = sqlx::query(&format!(
        "SELECT COUNT(*) AS n, MIN(seq) AS first, MAX(seq) AS last, MAX(id) AS id FROM {journal}"
    ))
    .fetch_one(&mut *conn)
    .await?;
    let count = |t: String| format!("SELECT COUNT(*) FROM {t}");
    Ok(Figures {
        journal: (j.try_get("n")?, j.try_get("first")?, j.try_get("last")?, j.try_get("id")?),
        dossiers: sqlx::query_scalar(&count(dossiers)).fetch_one(&mut *conn).await?,
        care_lines: sqlx::query_scalar(&count(care_lines)).fetch_one(&mut *conn).await?,
    })
}

/// The year is checked closed and its figures read first (a year is long
/// to count); then, in one short transaction that holds the tables the time
/// of a detach, its figures are read again and must not have moved, the
/// partitions are detached, the year recorded and the main chain told.
async fn detach(db: &Db, at: DateTime<Utc>, actor: &Actor, year: i32) -> ApiResult<()> {
    let [journal, dossiers, _] = tables(year);
    let attached: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = 'audit_log'::regclass \
         AND inhrelid = to_regclass($1)) AND EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = \
         'dossiers'::regclass AND inhrelid = to_regclass($2))",
    )
    .bind(&journal)
    .bind(&dossiers)
    .fetch_one(db.pool())
    .await?;
    if !attached {
        return Err(ApiError::validation("year", format!("La base n'a pas d'année {year} à mettre à part.")));
    }
    // A year is closed once each of its dossiers is paid or rejected and
    // none waits for its original: nothing more will be written of them.
    let open: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {dossiers} d WHERE d.status NOT IN ($1, $2) OR (d.scanned_on IS NOT NULL \
         AND d.original_received_on IS NULL AND NOT EXISTS (SELECT 1 FROM clawbacks c WHERE c.dossier_id = d.id))"
    ))
    .bind(Status::Paye.code())
    .bind(Status::Rejete.code())
    .fetch_one(db.pool())
    .await?;
    if open > 0 {
        return Err(ApiError::validation(
            "year",
            format!(
                "L'année {year} n'est pas close : {open} de ses dossiers ne sont ni réglés ni rejetés, ou attendent \
                leur original."
            ),
        ));
    }
    let before = figures(&mut *db.pool().acquire().await?, year).await?;
    let mut tx = db.begin().await?;
    let now = figures(&mut tx, year).await?;
    if (now.journal, now.dossiers, now.care_lines) != (before.journal, before.dossiers, before.care_lines) {
        return Err(ApiError::conflict(format!(
            "Des lignes de {year} ont été écrites pendant la mise à part : relancez la commande."
        )));
    }
    let (journal_rows, first_seq, last_seq, _) = now.journal;
    let last_hash: Option<String> = match last_seq {
        Some(s) => sqlx::query_scalar(&format!("SELECT hash FROM {journal} WHERE seq = $1"))
            .bind(s)
            .fetch_optional(&mut *tx)
            .await?
            .flatten(),
        None => None,
    };
    sqlx::query("SELECT journal_set_apart($1)").bind(year).execute(&mut *tx).await?;
    sqlx::query("SELECT dossiers_set_apart($1)").bind(year).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO archived_years (year, journal_rows, dossiers, care_lines, first_seq, last_seq, last_hash, \
            archived_at, archived_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(i64::from(year))
    .bind(journal_rows)
    .bind(now.dossiers)
    .bind(now.care_lines)
    .bind(first_seq)
    .bind(last_seq)
    .bind(&last_hash)
    .bind(crate::storage::time::ts(at))
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    let after = json!({
        "year": year, "journal_rows": journal_rows, "dossiers": now.dossiers, "care_lines": now.care_lines,
        "first_seq": first_seq, "last_seq": last_seq, "last_hash": last_hash,
    });
    Change::on("year.archive", "year", year).after(after).record(&mut tx, at, actor).await?;
    tx.commit().await?;
    Ok(())
}
