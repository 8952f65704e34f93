//! The statement run: every member paid in a period gets one PDF, written to
//! a folder with an index. Each file is written beside and renamed (whole or
//! not at all); a rerun skips the files already there, so an interrupted run
//! is simply started again. A finished run also leaves the journal's head
//! there (`journal-….ancre`), an anchor kept outside the database.

use super::pdf::{period_data, period_pdf, Period};
use crate::error::{ApiError, ApiResult};
use crate::pdf::letterhead::letterhead;
use crate::storage::files::write_atomically;
use crate::storage::time;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row};
use std::path::Path;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchProgress {
    #[ts(type = "number")]
    pub done: i64,
    #[ts(type = "number")]
    pub total: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchReport {
    pub folder: String,
    /// Members paid in the period.
    #[ts(type = "number")]
    pub members: i64,
    #[ts(type = "number")]
    pub written: i64,
    /// Already there from an earlier run.
    #[ts(type = "number")]
    pub skipped: i64,
    pub cancelled: bool,
    pub index: String,
}

/// Members whose payments are read ahead of the one being drawn.
const READ_AHEAD: usize = 4;

/// `releve-13059-2026-11-01-2026-11-30.pdf`
pub fn file_name(matricule: &str, from: NaiveDate, to: NaiveDate) -> String {
    let safe: String = matricule.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("releve-{safe}-{from}-{to}.pdf")
}

pub async fn run(
    pool: &AnyPool,
    now: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
    folder: &Path,
    progress: &(dyn Fn(BatchProgress) -> bool + Send + Sync),
) -> ApiResult<BatchReport> {
    if from > to {
        return Err(ApiError::validation("to", "La fin de la période précède son début."));
    }
    std::fs::create_dir_all(folder).map_err(|e| {
        ApiError::validation("folder", format!("Dossier « {} » impossible à créer : {e}.", folder.display()))
    })?;
    let head = letterhead(pool).await?;
    let rows = sqlx::query(
        "SELECT m.id, m.matricule, m.last_name, m.first_name, COUNT(*) AS n, CAST(SUM(d.paid_amount) AS BIGINT) AS total
         FROM dossiers d JOIN members m ON m.id = d.member_id
         WHERE d.paid_on >= $1 AND d.paid_on <= $2 GROUP BY m.id, m.matricule, m.last_name, m.first_name ORDER BY \
             m.matricule",
    )
    .bind(time::date(from))
    .bind(time::date(to))
    .fetch_all(pool)
    .await?;
    let total = rows.len() as i64;
    let (mut written, mut skipped) = (0, 0);
    // matricule, name, payments, net paid, file: one row per member.
    let mut index: Vec<[String; 5]> = vec![];
    let mut cancelled = false;
    // The next members' payments are read while this one is drawn and
    // written on the other core: each read waits on the database for most of
    // its time, so several in flight keep both cores busy.
    let mut reading: std::collections::VecDeque<Option<tokio::task::JoinHandle<ApiResult<Option<Period>>>>> =
        Default::default();
    let mut next_read = 0;
    let mut drawing: Option<tokio::task::JoinHandle<ApiResult<()>>> = None;
    let mut done = 0i64;
    // Asked to stop: the files written so far stay (each whole); a rerun goes on.
    let mut go_on = true;
    for r in rows.iter() {
        if !go_on {
            cancelled = true;
            break;
        }
        while next_read < rows.len() && reading.len() < READ_AHEAD {
            let row = &rows[next_read];
            let there = folder.join(file_name(&row.try_get::<String, _>("matricule")?, from, to)).exists();
            let (pool, id): (AnyPool, i64) = (pool.clone(), row.try_get("id")?);
            reading.push_back((!there).then(|| tokio::spawn(async move { period_data(&pool, id, from, to).await })));
            next_read += 1;
        }
        let matricule: String = r.try_get("matricule")?;
        let name = file_name(&matricule, from, to);
        let path = folder.join(&name);
        match reading.pop_front().flatten() {
            None => {
                skipped += 1;
                done += 1;
                go_on = progress(BatchProgress { done, total });
            }
            Some(read) => {
                if let Some(period) = read.await.map_err(ApiError::internal)?? {
                    // The previous drawing must be finished (and the stop
                    // request heard) before this one starts.
                    if let Some(h) = drawing.take() {
                        h.await.map_err(ApiError::internal)??;
                        done += 1;
                        go_on = progress(BatchProgress { done, total });
                        if !go_on {
                            cancelled = true;
                            break;
                        }
                    }
                    let head = head.clone();
                    drawing = Some(tokio::task::spawn_blocking(move || {
                        write_atomically(&path, &period_pdf(&head, &period, from, to))
                    }));
                    written += 1;
                }
            }
        }
        let t: Option<crate::money::Centimes> = r.try_get("total")?;
        let t = t.unwrap_or_default();
        index.push([
            matricule.clone(),
            format!("{} {}", r.try_get::<String, _>("last_name")?, r.try_get::<String, _>("first_name")?),
            r.try_get::<i64, _>("n")?.to_string(),
            crate::money::plain(t),
            name.clone(),
        ]);
    }
    for read in reading.into_iter().flatten() {
        read.abort();
    }
    if let Some(h) = drawing {
        h.await.map_err(ApiError::internal)??;
        done += 1;
        progress(BatchProgress { done, total });
    }
    let index_path = folder.join(format!("index-{from}-{to}.csv"));
    if !cancelled {
        use crate::export::CsvCell::{Figure, Text};
        let rows: Vec<_> = index
            .iter()
            .map(|[m, n, k, t, f]| vec![Text(m), Text(n), Figure(k.clone()), Figure(t.clone()), Text(f)])
            .collect();
        write_atomically(
            &index_path,
            &crate::export::csv_bytes(&["matricule", "nom", "paiements", "net_paye", "fichier"], &rows)?,
        )?;
        // The journal's head goes out with the statements, as an anchor.
        crate::audit::write_anchor(pool, now, &folder.join(format!("journal-{from}-{to}.ancre"))).await?;
    }
    Ok(BatchReport {
        folder: folder.display().to_string(),
        members: total,
        written,
        skipped,
        cancelled,
        index: index_path.display().to_string(),
    })
}
