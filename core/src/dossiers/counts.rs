//! The queue's counts per status, kind, urn and processor, read from a small
//! table instead of counting a million dossiers.
//!
//! SQLite keeps `dossier_counts` exact with row triggers. PostgreSQL appends
//! each statement's net changes to `dossier_count_deltas` instead (migration
//! 0012): an append never waits on another writer and costs the same however
//! long the transaction, where updating one counter row per change grew
//! quadratically inside a batch and made every desk wait on it. Readers add
//! the two tables; [`compact`] folds the committed deltas into the counts.

use crate::error::ApiResult;
use crate::storage::{Backend, Db};
use std::sync::atomic::Ordering;

/// The counts as one relation, whichever backend: read it `AS c` with the
/// columns status, kind, urn_id, assigned_to, n (summed per key by the reader).
pub const COUNTS: &str = "(SELECT status, kind, urn_id, assigned_to, n FROM dossier_counts
    UNION ALL SELECT status, kind, urn_id, assigned_to, n FROM dossier_count_deltas)";

/// Folds committed deltas into the counts, in one statement. Writers never
/// wait on it (they only append); a second compaction running at the same
/// time steps aside (advisory lock) rather than queue behind the first.
pub async fn compact(db: &Db) -> ApiResult<u64> {
    if db.backend() != Backend::Postgres {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let mine: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(22022)").fetch_one(&mut *tx).await?;
    if !mine {
        return Ok(0);
    }
    let folded = sqlx::query(
        "WITH moved AS (DELETE FROM dossier_count_deltas RETURNING status, kind, urn_id, assigned_to, n)
         INSERT INTO dossier_counts AS c (status, kind, urn_id, assigned_to, n)
         SELECT status, kind, urn_id, assigned_to, SUM(n) FROM moved GROUP BY status, kind, urn_id, assigned_to
         ON CONFLICT (status, kind, urn_id, assigned_to) DO UPDATE SET n = c.n + EXCLUDED.n",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(folded)
}

/// Seconds between two compactions by one process.
const EVERY_SECONDS: i64 = 2;

/// Compacts, beside the caller (a task of its own: the operation that
/// triggered it does not wait), when this process has not compacted this
/// database for [`EVERY_SECONDS`]. Called after each operation, so the deltas
/// stay a few seconds' worth of changes. A failure is logged, never the
/// caller's: the counts stay exact either way.
pub fn upkeep(db: &Db) {
    if db.backend() != Backend::Postgres {
        return;
    }
    let now = chrono::Utc::now().timestamp();
    let last = db.counts_compacted.load(Ordering::Relaxed);
    if now - last < EVERY_SECONDS
        || db.counts_compacted.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err()
    {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        // A command-line run closes its pool as soon as its operation ends:
        // nothing to compact then (the next process will).
        if db.pool().is_closed() {
            return;
        }
        if let Err(e) = compact(&db).await {
            tracing::warn!(error = %e.message, "compaction des compteurs de dossiers");
        }
    });
}
