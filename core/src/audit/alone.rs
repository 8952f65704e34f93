//! Rows journaled alone (a page read, a file opened, an export, a logout),
//! written together when they come together. Each caller's row is committed
//! before [`record`] returns, as when each had its own transaction; but
//! the rows that arrive while a batch is being written go into the next
//! one, a single transaction that takes the journal's head once. The head
//! is held by every change until its commit: under load, a page read each
//! taking it alone lengthened every change's wait (benches/README.md).
//!
//! The batch is written by a task of its own, so that a caller that goes
//! away (a desk closing its connection) does not stop the others' rows
//! halfway.

use super::write::{write_rows, Entry, Row};
use super::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use tokio::sync::oneshot;

/// The rows waiting for their batch, and whether a batch is being written.
#[derive(Default)]
pub struct Alone(Mutex<Queue>);

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    writing: bool,
}

impl std::fmt::Debug for Alone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Alone")
    }
}

/// One caller's row, owned, and where its outcome goes.
struct Waiting {
    when: String,
    actor: Actor,
    action: String,
    entity_type: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
    done: oneshot::Sender<ApiResult<()>>,
}

impl Waiting {
    fn row(&self) -> Row<'_> {
        Row {
            when: &self.when,
            actor: &self.actor,
            entry: Entry {
                action: &self.action,
                entity_type: &self.entity_type,
                entity_id: self.entity_id.clone(),
                before: self.before.clone(),
                after: self.after.clone(),
            },
        }
    }
}

impl Alone {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Journals `change` by `actor` at `at`; returns once its row is committed.
pub async fn record(db: &Db, at: DateTime<Utc>, actor: &Actor, change: Change<'_>) -> ApiResult<()> {
    let (done, outcome) = oneshot::channel();
    let entry = Entry::from(change);
    let waiting = Waiting {
        when: time::ts(at),
        actor: actor.clone(),
        action: entry.action.to_string(),
        entity_type: entry.entity_type.to_string(),
        entity_id: entry.entity_id,
        before: entry.before,
        after: entry.after,
        done,
    };
    let lead = {
        let mut q = db.alone.queue();
        q.waiting.push(waiting);
        !std::mem::replace(&mut q.writing, true)
    };
    if lead {
        tokio::spawn(write_batches(db.clone()));
    }
    outcome.await.map_err(|_| ApiError::internal("journal : l'écriture de la ligne a été interrompue"))?
}

/// Writes the waiting rows batch after batch until none is left.
async fn write_batches(db: Db) {
    // Should this task end early (a panic), the next caller writes again.
    struct Writing<'a>(&'a Alone);
    impl Drop for Writing<'_> {
        fn drop(&mut self) {
            self.0.queue().writing = false;
        }
    }
    let writing = Writing(&db.alone);
    loop {
        let batch = {
            let mut q = db.alone.queue();
            if q.waiting.is_empty() {
                // Let go under the lock: a row queued after this finds no writer.
                q.writing = false;
                drop(q);
                std::mem::forget(writing);
                return;
            }
            std::mem::take(&mut q.waiting)
        };
        match write(&db, &batch).await {
            Ok(()) => batch.into_iter().for_each(|w| drop(w.done.send(Ok(())))),
            // One row that cannot be written fails its own caller only.
            Err(e) if batch.len() == 1 => batch.into_iter().for_each(|w| drop(w.done.send(Err(e.clone())))),
            Err(_) => {
                for w in batch {
                    let written = write(&db, std::slice::from_ref(&w)).await;
                    let _ = w.done.send(written);
                }
            }
        }
    }
}

/// One transaction with every row of the batch, in the order they came.
async fn write(db: &Db, batch: &[Waiting]) -> ApiResult<()> {
    let mut tx = db.begin().await?;
    write_rows(&mut tx, batch.iter().map(Waiting::row).collect()).await?;
    tx.commit().await?;
    Ok(())
}
