//! Refusals at the portal's doors (a wrong code, an unknown matricule, a
//! wrong password), journaled in batches: each call adds its row to a queue
//! and the first caller that finds no batch being written writes all the
//! queued rows in one transaction. A flood of refusals then holds the
//! journal's head once per batch, not once per refusal, and the staff's
//! writes go on between batches. A quiet site writes each refusal before its
//! answer leaves, as before.

use super::{record, Actor, Change};
use crate::error::ApiResult;
use crate::storage::Db;
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Rows queued at most; past it a refusal is counted, and the count journaled.
const CAPACITY: usize = 10_000;

/// One refusal waiting for its batch.
struct Pending {
    at: DateTime<Utc>,
    actor: Actor,
    action: &'static str,
    entity_id: Option<String>,
}

#[derive(Default)]
pub struct Deferred {
    queue: Mutex<Vec<Pending>>,
    writing: AtomicBool,
    /// Refusals past the queue's capacity, not yet journaled.
    dropped: AtomicU64,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deferred")
    }
}

impl Deferred {
    fn take(&self) -> Vec<Pending> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Journals a refusal (`action` on the member `entity_id`) in the next batch;
/// writes the batch when none is being written.
pub async fn refusal(
    db: &Db,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &'static str,
    entity_id: Option<String>,
) -> ApiResult<()> {
    let d = &db.deferred;
    {
        let mut q = d.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= CAPACITY {
            d.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            q.push(Pending { at, actor: actor.clone(), action, entity_id });
        }
    }
    // The queue is re-read after the flag is let go: a row queued while the
    // last batch was written is never left behind.
    while d.writing.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok() {
        let written = write(db, d).await;
        d.writing.store(false, Ordering::Release);
        written?;
        if d.queue.lock().unwrap_or_else(|p| p.into_inner()).is_empty() {
            break;
        }
    }
    Ok(())
}

/// Writes what is queued, in one transaction; a batch that could not be
/// written goes back to the queue for the next one.
async fn write(db: &Db, d: &Deferred) -> ApiResult<()> {
    let batch = d.take();
    let dropped = d.dropped.swap(0, Ordering::Relaxed);
    if batch.is_empty() && dropped == 0 {
        return Ok(());
    }
    let written = write_batch(db, &batch, dropped).await;
    if written.is_err() {
        d.queue.lock().unwrap_or_else(|p| p.into_inner()).splice(0..0, batch);
        d.dropped.fetch_add(dropped, Ordering::Relaxed);
    }
    written
}

async fn write_batch(db: &Db, batch: &[Pending], dropped: u64) -> ApiResult<()> {
    let mut tx = db.begin().await?;
    for p in batch {
        let change = Change {
            action: p.action,
            entity_type: "member",
            entity_id: p.entity_id.clone(),
            before: None,
            after: None,
        };
        record(&mut tx, p.at, &p.actor, change).await?;
    }
    if dropped > 0 {
        let change = Change {
            action: "portal.refusals_uncounted",
            entity_type: "member",
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({ "refusals": dropped })),
        };
        record(&mut tx, Utc::now(), &Actor::process("portail"), change).await?;
    }
    tx.commit().await?;
    Ok(())
}
