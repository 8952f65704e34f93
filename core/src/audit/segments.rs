//! A large write's rows, kept apart from the main chain and sealed by one of
//! its rows: the head every writer waits for is held for the seal only.

use super::chain;
use super::write::{content, write_chained, Entry, SEGMENT_SEAL};
use super::Actor;
use crate::error::ApiResult;
use crate::storage::time;
use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

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
        let key = hex::encode(bytes);
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
