//! The statement run: every member paid in a period gets one PDF, with an
//! index. Each file goes out as it is drawn, through the run's progress, to
//! the folder the caller chose (`api::edge` writes it there whole); a rerun
//! skips the files the caller says are already there, so an interrupted run
//! is simply started again. A finished run also sends the journal's head
//! (`journal-….ancre`), an anchor kept outside the database.

use super::pdf::{period_data, period_pdf, Period};
use crate::api::files::FileData;
use crate::error::{ApiError, ApiResult};
use crate::pdf::letterhead::letterhead;
use crate::storage::time;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row};
use std::collections::HashSet;
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
    /// Members paid in the period.
    #[ts(type = "number")]
    pub members: i64,
    #[ts(type = "number")]
    pub written: i64,
    /// Already there from an earlier run.
    #[ts(type = "number")]
    pub skipped: i64,
    pub cancelled: bool,
    /// The index's file name.
    pub index: String,
}

/// Where the run sends its progress and its files; `false` back: stop.
pub type Emit<'a> = &'a (dyn Fn(BatchProgress, Option<FileData>) -> bool + Send + Sync);

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
    (from, to): (NaiveDate, NaiveDate),
    existing: &HashSet<String>,
    emit: Emit<'_>,
) -> ApiResult<BatchReport> {
    if from > to {
        return Err(ApiError::validation("to", "La fin de la période précède son début."));
    }
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
    let mut drawing: Option<(String, tokio::task::JoinHandle<Vec<u8>>)> = None;
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
            let there = existing.contains(&file_name(&row.try_get::<String, _>("matricule")?, from, to));
            let (pool, id): (AnyPool, i64) = (pool.clone(), row.try_get("id")?);
            reading.push_back((!there).then(|| tokio::spawn(async move { period_data(&pool, id, from, to).await })));
            next_read += 1;
        }
        let matricule: String = r.try_get("matricule")?;
        let name = file_name(&matricule, from, to);
        match reading.pop_front().flatten() {
            None => {
                skipped += 1;
                done += 1;
                go_on = emit(BatchProgress { done, total }, None);
            }
            Some(read) => {
                if let Some(period) = read.await.map_err(ApiError::internal)?? {
                    // The previous drawing must be finished (and the stop
                    // request heard) before this one starts.
                    if let Some((drawn, h)) = drawing.take() {
                        let pdf = FileData::pdf(drawn, h.await.map_err(ApiError::internal)?);
                        done += 1;
                        go_on = emit(BatchProgress { done, total }, Some(pdf));
                        if !go_on {
                            cancelled = true;
                            break;
                        }
                    }
                    let head = head.clone();
                    let draw = tokio::task::spawn_blocking(move || period_pdf(&head, &period, from, to));
                    drawing = Some((name.clone(), draw));
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
    if let Some((drawn, h)) = drawing {
        let pdf = FileData::pdf(drawn, h.await.map_err(ApiError::internal)?);
        done += 1;
        emit(BatchProgress { done, total }, Some(pdf));
    }
    let index_name = format!("index-{from}-{to}.csv");
    if !cancelled {
        use crate::export::CsvCell::{Figure, Text};
        let rows: Vec<_> = index
            .iter()
            .map(|[m, n, k, t, f]| vec![Text(m), Text(n), Figure(k.clone()), Figure(t.clone()), Text(f)])
            .collect();
        let csv = crate::export::csv_bytes(&["matricule", "nom", "paiements", "net_paye", "fichier"], &rows)?;
        emit(BatchProgress { done, total }, Some(FileData::named("index", &index_name, csv)?));
        // The journal's head goes out with the statements, as an anchor.
        let anchor = crate::audit::anchor(pool, now).await?;
        let line = serde_json::to_string(&anchor).map_err(ApiError::internal)? + "\n";
        let name = format!("journal-{from}-{to}.ancre");
        emit(BatchProgress { done, total }, Some(FileData::named("index", &name, line.into_bytes())?));
    }
    Ok(BatchReport { members: total, written, skipped, cancelled, index: index_name })
}
