//! Long batches announce themselves. A payment batch or the late-originals
//! run holds the write lock of SQLite (its one writer) for the whole batch,
//! and the journal's head on PostgreSQL while its rows are written at the
//! end; a desk whose change has to wait, and gives up, is told which batch it
//! waited on, who started it and when, instead of a bare "busy".

use super::{time, Db};
use crate::audit::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode};
use chrono::{DateTime, Duration, Utc};

/// A batch under way, until [`Run::end`].
pub struct Run {
    id: i64,
    db: Db,
}

/// Writes (committed at once, outside the batch's own transaction) that
/// `what` has begun: "le règlement de 50 000 dossiers".
pub async fn start(db: &Db, actor: &Actor, now: DateTime<Utc>, what: &str) -> ApiResult<Run> {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO batch_runs (what, started_by, started_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(what)
            .bind(&actor.name)
            .bind(time::ts(now))
            .fetch_one(db.pool())
            .await?;
    Ok(Run { id, db: db.clone() })
}

impl Run {
    /// The batch is over, committed or not. A failure here only leaves the
    /// row to expire (see [`current`]).
    pub async fn end(self) {
        if let Err(e) = sqlx::query("UPDATE batch_runs SET ended_at = $1 WHERE id = $2")
            .bind(time::ts(Utc::now()))
            .bind(self.id)
            .execute(self.db.pool())
            .await
        {
            tracing::warn!(error = %e, "fin de lot non enregistrée");
        }
    }
}

/// Runs `work` announced as `what`.
pub async fn announced<T>(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    what: &str,
    work: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<T> {
    let run = start(db, actor, now, what).await?;
    let result = work.await;
    run.end().await;
    result
}

/// The batch under way, in French ("le règlement de 50 000 dossiers (par
/// gest1, depuis 14:02)"), if any. One started more than two hours ago and never
/// ended is a process that died: not named.
pub async fn current(db: &Db) -> ApiResult<Option<String>> {
    let since = time::ts(Utc::now() - Duration::hours(2));
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT what, started_by, started_at FROM batch_runs WHERE ended_at IS NULL AND started_at > \
            $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(since)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|(what, who, at)| {
        let at = time::parse_ts(&at).map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string()).unwrap_or(at);
        format!("{what} (par {who}, depuis {at})")
    }))
}

/// A "busy" answer names the batch it waited on, when one is under way.
pub async fn explain_busy(db: &Db, e: ApiError) -> ApiError {
    if e.code != ErrorCode::Conflict || e.message != crate::error::BUSY {
        return e;
    }
    match current(db).await {
        Ok(Some(run)) => ApiError::conflict(format!(
            "La base est occupée : {run} s'écrit en ce moment. Rien n'a été enregistré ; réessayez quand il sera \
                terminé."
        )),
        _ => e,
    }
}
