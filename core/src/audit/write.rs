//! Writing the journal: each change's row in the transaction of the change,
//! chained after the head of the main chain, or, from [`SEGMENT_FROM`] rows,
//! as one segment sealed by a row of the main chain ([`super::segments`]).

use super::chain;
use super::segments::Segment;
use super::Actor;
use crate::error::ApiResult;
use crate::storage::time;
use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// A change of one record: `entity_type` `id` (a member, a dossier, a
    /// staff account, a file), with no state before or after until
    /// [`Self::before`] and [`Self::after`] give them.
    pub fn on(action: &'a str, entity_type: &'a str, id: impl ToString) -> Self {
        Change { action, entity_type, entity_id: Some(id.to_string()), before: None, after: None }
    }

    /// What the record was before the change.
    pub fn before(self, before: serde_json::Value) -> Self {
        Change { before: Some(before), ..self }
    }

    /// What the record is after the change.
    pub fn after(self, after: serde_json::Value) -> Self {
        Change { after: Some(after), ..self }
    }

    /// Appends this change by `actor` at `at` inside the caller's transaction,
    /// chained ([`record`]).
    pub async fn record(self, tx: &mut Transaction<'static, Any>, at: DateTime<Utc>, actor: &Actor) -> ApiResult<()> {
        record(tx, at, actor, self).await
    }
}

/// Appends one row in a transaction of its own: a consultation, a refusal,
/// a change made outside the database (a backup, a logout).
pub async fn record_alone(
    db: &crate::storage::Db,
    at: DateTime<Utc>,
    actor: &Actor,
    change: Change<'_>,
) -> ApiResult<()> {
    let mut tx = db.begin().await?;
    record(&mut tx, at, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Appends one row inside the caller's transaction.
pub async fn record(
    tx: &mut Transaction<'static, Any>,
    at: DateTime<Utc>,
    actor: &Actor,
    change: Change<'_>,
) -> ApiResult<()> {
    record_many(tx, at, actor, vec![change]).await
}

/// Appends rows in order, chained, inside the caller's transaction: a few in
/// the main chain, many (a batch) as one [`Segment`].
pub async fn record_many(
    tx: &mut Transaction<'static, Any>,
    at: DateTime<Utc>,
    actor: &Actor,
    changes: Vec<Change<'_>>,
) -> ApiResult<()> {
    let entries: Vec<Entry<'_>> = changes.into_iter().map(Entry::from).collect();
    if entries.len() < SEGMENT_FROM {
        return write_chained(tx, &time::ts(at), actor, entries).await;
    }
    let mut segment = Segment::open(at, actor);
    segment.append(tx, entries).await?;
    segment.close(tx).await
}

/// From this many rows, one write is journaled as a segment.
pub const SEGMENT_FROM: usize = 32;

/// The action of the main-chain row that seals a segment.
pub const SEGMENT_SEAL: &str = "journal.segment";

/// One journal row with its JSON written out, before its place is known.
pub struct Entry<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl<'a> From<Change<'a>> for Entry<'a> {
    fn from(c: Change<'a>) -> Entry<'a> {
        Entry {
            action: c.action,
            entity_type: c.entity_type,
            entity_id: c.entity_id,
            before: c.before.map(|v| v.to_string()),
            after: c.after.map(|v| v.to_string()),
        }
    }
}

/// One journal row as written: the entry, its place and its hash; the hash
/// before it is the previous row's (`None` for the first: the start given).
struct Written<'c> {
    entry: Entry<'c>,
    place: i64,
    prev: Option<chain::Hex>,
    hash: chain::Hex,
}

/// What a row's hash covers: the entry, its place, who and when, and the
/// hash it follows.
pub(super) fn content<'a>(
    when: &'a str,
    actor: &'a Actor,
    entry: &'a Entry<'_>,
    place: i64,
    follows: &'a str,
) -> chain::Content<'a> {
    chain::Content {
        seq: place,
        at: when,
        staff_id: actor.staff_id,
        actor: &actor.name,
        action: entry.action,
        entity_type: entry.entity_type,
        entity_id: entry.entity_id.as_deref(),
        before_json: entry.before.as_deref(),
        after_json: entry.after.as_deref(),
        prev_hash: follows,
        origin: actor.origin.as_ref().map(|o| (o.desk.as_str(), o.remote_addr.as_str())),
    }
}

/// Hashes rows for places `first`, `first + 1`… of the main chain, each over
/// its content and the hash before it, the first over `start`; the rows and
/// the last hash.
fn hash_rows<'c>(
    when: &str,
    actor: &Actor,
    entries: Vec<Entry<'c>>,
    first: i64,
    start: &str,
) -> (Vec<Written<'c>>, String) {
    let mut rows: Vec<Written<'_>> = Vec::with_capacity(entries.len());
    let mut prev: Option<chain::Hex> = None;
    for (entry, place) in entries.into_iter().zip(first..) {
        let hash =
            chain::hash_hex(&content(when, actor, &entry, place, prev.as_ref().map_or(start, chain::Hex::as_str)));
        rows.push(Written { entry, place, prev, hash });
        prev = Some(hash);
    }
    let last = prev.map_or_else(|| start.to_string(), |h| h.as_str().to_string());
    (rows, last)
}

/// Inserts rows of the main chain, `start` being the hash before the first.
async fn insert_chained(
    tx: &mut Transaction<'static, Any>,
    when: &str,
    actor: &Actor,
    rows: &[Written<'_>],
    start: &str,
) -> ApiResult<()> {
    let origin = actor.origin.as_ref().map(|o| (o.desk.as_str(), o.remote_addr.as_str()));
    crate::storage::batch::insert_rows(
        tx,
        "audit_log",
        &[
            "at",
            "staff_id",
            "actor",
            "action",
            "entity_type",
            "entity_id",
            "before_json",
            "after_json",
            "seq",
            "prev_hash",
            "hash",
            "desk",
            "remote_addr",
        ],
        rows,
        |v, w| {
            v.push(when)
                .push(actor.staff_id)
                .push(actor.name.as_str())
                .push(w.entry.action)
                .push(w.entry.entity_type)
                .push(w.entry.entity_id.as_deref())
                .push(w.entry.before.as_deref())
                .push(w.entry.after.as_deref())
                .push(w.place)
                .push(w.prev.as_ref().map_or(start, chain::Hex::as_str))
                .push(w.hash.as_str())
                .push(origin.map(|o| o.0))
                .push(origin.map(|o| o.1));
        },
    )
    .await
}

/// Rows in the main chain: takes their places at the head, which stays
/// locked (on PostgreSQL) until the transaction ends.
pub(super) async fn write_chained(
    tx: &mut Transaction<'static, Any>,
    when: &str,
    actor: &Actor,
    entries: Vec<Entry<'_>>,
) -> ApiResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let (first, prev) = chain::reserve(tx, entries.len() as i64).await?;
    let (rows, last) = hash_rows(when, actor, entries, first, &prev);
    insert_chained(tx, when, actor, &rows, &prev).await?;
    chain::advance(tx, &last).await
}
