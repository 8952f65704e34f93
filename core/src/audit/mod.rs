//! The audit journal: who, when, what, before and after. Rows are written with
//! the transaction of the change they record, so a change without its audit row
//! (or the reverse) cannot exist. The tables refuse UPDATE and DELETE, and each
//! row is chained to the one before by its hash ([`chain`]), so rows edited or
//! removed behind the application's back are found by `guichet audit verify`.

pub mod chain;
pub mod deferred;
mod listing;
mod segments_check;

pub use listing::{list, query_of, AuditEntry, AuditFilter};

use crate::error::ApiResult;
use crate::storage::time;
use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

/// Who did it: a logged-in staff member, or the command line run by a system
/// administrator (bootstrap, batch jobs); and from which desk, when the call
/// came through the Guichet server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub staff_id: Option<i64>,
    pub name: String,
    pub origin: Option<Origin>,
}

/// The desk a call came from through the server: its name and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub desk: String,
    pub remote_addr: String,
}

impl Origin {
    /// The call came from the server's own machine (a loopback address).
    pub fn on_this_machine(&self) -> bool {
        self.remote_addr.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

tokio::task_local! {
    /// Set by the server around each call it runs (`ORIGIN.scope`): every
    /// actor made during the call, and so every journal row it writes, names
    /// the desk. Unset in the desk alone and the CLI on a database.
    pub static ORIGIN: Origin;
}

impl Actor {
    fn new(staff_id: Option<i64>, name: String) -> Actor {
        Actor { staff_id, name, origin: ORIGIN.try_with(Origin::clone).ok() }
    }
    pub fn staff(id: i64, username: &str) -> Actor {
        Actor::new(Some(id), username.to_string())
    }
    /// The CLI run without `--user`, named after the operating-system account.
    pub fn system(os_user: &str) -> Actor {
        Actor::new(None, format!("système:{os_user}"))
    }
    /// Someone not identified (a failed login with an unknown username).
    pub fn anonymous() -> Actor {
        Actor::new(None, "anonyme".to_string())
    }
    /// A member on the portal, named by his matricule (`adhérent:13059`).
    pub fn member(matricule: &str) -> Actor {
        Actor::new(None, format!("adhérent:{matricule}"))
    }
    /// A named process rather than a person ("premier-démarrage").
    pub fn process(name: &str) -> Actor {
        Actor::new(None, name.to_string())
    }
}

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
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
const SEGMENT_FROM: usize = 32;

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
fn content<'a>(
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

/// Inserts rows of segment `segment`: their time, author and segment are
/// bound once a statement, and so are their action and kind when all share
/// them (an import's creations): the fewer values bound, the faster 100,000
/// rows go in.
async fn insert_segment(
    tx: &mut Transaction<'static, Any>,
    when: &str,
    actor: &Actor,
    rows: &[Fingerprinted<'_>],
    segment: &str,
) -> ApiResult<()> {
    let Some(first) = rows.first().map(|r| &r.entry) else {
        return Ok(());
    };
    let uniform = rows.iter().all(|r| (r.entry.action, r.entry.entity_type) == (first.action, first.entity_type));
    let (kind_shared, kind_per_row): (&[&str], &[&str]) =
        if uniform { (&["action", "entity_type"], &[]) } else { (&[], &["action", "entity_type"]) };
    let shared: Vec<&str> = ["at", "staff_id", "actor", "segment", "desk", "remote_addr"]
        .into_iter()
        .chain(kind_shared.iter().copied())
        .collect();
    let columns: Vec<&str> = kind_per_row
        .iter()
        .copied()
        .chain(["entity_id", "before_json", "after_json", "segment_seq", "fingerprint"])
        .collect();
    let origin = actor.origin.as_ref().map(|o| (o.desk.as_str(), o.remote_addr.as_str()));
    crate::storage::batch::insert_rows_sharing(
        tx,
        "audit_log",
        &shared,
        |v| {
            v.push(when)
                .push(actor.staff_id)
                .push(actor.name.as_str())
                .push(segment)
                .push(origin.map(|o| o.0))
                .push(origin.map(|o| o.1));
            if uniform {
                v.push(first.action).push(first.entity_type);
            }
        },
        &columns,
        rows,
        |v, r| {
            if !uniform {
                v.push(r.entry.action).push(r.entry.entity_type);
            }
            v.push(r.entry.entity_id.as_deref())
                .push(r.entry.before.as_deref())
                .push(r.entry.after.as_deref())
                .push(r.place)
                .push(r.fingerprint);
        },
    )
    .await
}

/// Rows in the main chain: takes their places at the head, which stays
/// locked (on PostgreSQL) until the transaction ends.
async fn write_chained(
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

/// A large write's rows (a payment batch, a roster import), kept apart from
/// the main chain and sealed by one main-chain row naming their count and
/// the digest of their hashes. Each row is hashed with its place and the
/// segment's key, not with the row before it: its fingerprint (64 bits of
/// its hash, [`chain::fingerprint`]) is enough to name it if it is edited,
/// and the seal's digest over the full hashes covers the whole. The journal's
/// head, which every writer waits for, is held for the seal only, not for
/// the batch's thousands; the rows can be written chunk by chunk as the batch
/// goes, and hashed on another thread meanwhile.
pub struct Segment {
    key: String,
    when: String,
    actor: Actor,
    rows: i64,
    digest: chain::SegmentDigest,
}

impl Segment {
    pub fn open(at: DateTime<Utc>, actor: &Actor) -> Segment {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut bytes = [0u8; 8];
        OsRng.fill_bytes(&mut bytes);
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Segment { key, when: time::ts(at), actor: actor.clone(), rows: 0, digest: chain::SegmentDigest::default() }
    }

    /// Appends rows after those already written, inside the caller's transaction.
    pub async fn append(&mut self, tx: &mut Transaction<'static, Any>, entries: Vec<Entry<'_>>) -> ApiResult<()> {
        let hashed = self.next().hash(entries);
        self.write(tx, hashed).await
    }

    /// What hashing the segment's next rows needs, owned: it can be moved
    /// to another thread while the writer goes on (a roster import hashes a
    /// chunk's rows while it writes the chunk's other tables).
    pub fn next(&self) -> SegmentNext {
        SegmentNext {
            when: self.when.clone(),
            actor: self.actor.clone(),
            start: chain::segment_start(&self.key),
            first: self.rows + 1,
            digest: self.digest.clone(),
        }
    }

    /// Writes rows hashed from [`Segment::next`]; refused if others were
    /// appended since, or if they were hashed for another segment.
    pub async fn write(&mut self, tx: &mut Transaction<'static, Any>, hashed: Hashed<'_>) -> ApiResult<()> {
        if hashed.first != self.rows + 1 || hashed.start != chain::segment_start(&self.key) {
            return Err(crate::error::ApiError::internal("lignes du journal préparées hors de leur place"));
        }
        insert_segment(tx, &self.when, &self.actor, &hashed.rows, &self.key).await?;
        self.rows += hashed.rows.len() as i64;
        self.digest = hashed.digest;
        Ok(())
    }

    /// Seals the segment with its row in the main chain (nothing if empty).
    pub async fn close(self, tx: &mut Transaction<'static, Any>) -> ApiResult<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let seal = Entry {
            action: SEGMENT_SEAL,
            entity_type: "journal",
            entity_id: Some(self.key.clone()),
            before: None,
            after: Some(serde_json::json!({ "rows": self.rows, "digest": self.digest.hex() }).to_string()),
        };
        write_chained(tx, &self.when, &self.actor, vec![seal]).await
    }
}

/// A segment's next places and its digest so far, owned (see [`Segment::next`]).
pub struct SegmentNext {
    when: String,
    actor: Actor,
    /// What every row of the segment is hashed after: its key.
    start: String,
    first: i64,
    digest: chain::SegmentDigest,
}

/// A segment's row as written: the entry, its place in the segment and the
/// fingerprint of its hash.
struct Fingerprinted<'c> {
    entry: Entry<'c>,
    place: i64,
    fingerprint: i64,
}

/// Rows hashed for their places in a segment, ready for [`Segment::write`].
pub struct Hashed<'c> {
    rows: Vec<Fingerprinted<'c>>,
    first: i64,
    /// The segment they were hashed for.
    start: String,
    digest: chain::SegmentDigest,
}

impl Hashed<'_> {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl SegmentNext {
    pub fn hash(mut self, entries: Vec<Entry<'_>>) -> Hashed<'_> {
        let rows = entries
            .into_iter()
            .zip(self.first..)
            .map(|(entry, place)| {
                let hash = chain::hash_bytes(&content(&self.when, &self.actor, &entry, place, &self.start));
                self.digest.add(&hash);
                Fingerprinted { entry, place, fingerprint: chain::fingerprint(&hash) }
            })
            .collect();
        Hashed { rows, first: self.first, start: self.start, digest: self.digest }
    }
}
