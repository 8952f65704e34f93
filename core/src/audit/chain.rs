//! The journal's hash chain. Each row's hash is SHA-256 over its content and
//! the hash of the row before it, so editing, deleting or reordering rows by
//! hand in the database breaks the chain where it happened; `verify` walks it
//! and names each break. Writers take the next place by updating the one-row
//! head first: the row lock serialises them on PostgreSQL (SQLite has one
//! writer anyway), so the chain never forks.

use super::segments_check::PAGE;
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

/// The fields of a row that the hash covers, in order.
pub struct Content<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub staff_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<&'a str>,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
    pub prev_hash: &'a str,
    /// Desk and address, through the server. Hashed after the rest and only
    /// when present, so rows without keep the hash they were written with.
    pub origin: Option<(&'a str, &'a str)>,
}

/// Hex SHA-256 of the content, each field length-prefixed so no two contents
/// read the same.
pub fn hash(c: &Content<'_>) -> String {
    hex_string(&hash_bytes(c))
}

/// A hash in hex, held inline: the main chain's rows hash without a heap
/// allocation per row.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex([u8; 64]);

impl Hex {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// [`hash`], inline.
pub fn hash_hex(c: &Content<'_>) -> Hex {
    Hex(hex(&hash_bytes(c)))
}

/// The SHA-256 of the content. Fed piece by piece, without copying the
/// fields: an import hashes a hundred thousand rows.
pub fn hash_bytes(c: &Content<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut digits = itoa_buf();
    let mut field = |v: Option<&str>| match v {
        Some(s) => {
            h.update(digits.format(s.len() as i64));
            h.update(b":");
            h.update(s.as_bytes());
            h.update(b"|");
        }
        None => h.update(b"-|"),
    };
    let mut number = itoa_buf();
    field(Some(number.format(c.seq)));
    field(Some(c.at));
    let mut staff = itoa_buf();
    field(c.staff_id.map(|s| staff.format(s)));
    field(Some(c.actor));
    field(Some(c.action));
    field(Some(c.entity_type));
    field(c.entity_id);
    field(c.before_json);
    field(c.after_json);
    field(Some(c.prev_hash));
    if let Some((desk, addr)) = c.origin {
        field(Some("origin"));
        field(Some(desk));
        field(Some(addr));
    }
    h.finalize().into()
}

/// 32 bytes in lower-case hex, as text.
fn hex_string(bytes: &[u8; 32]) -> String {
    Hex(hex(bytes)).as_str().to_string()
}

/// 32 bytes in lower-case hex.
fn hex(bytes: &[u8; 32]) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 15)];
    }
    out
}

/// What a segment's row keeps of its hash: the first 64 bits, as an
/// integer. Enough to name the row that was edited (a match by chance is one
/// in 2⁶⁴); the segment's seal keeps the digest of the full hashes.
pub fn fingerprint(hash: &[u8; 32]) -> i64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    i64::from_be_bytes(first)
}

/// The digest a segment's seal keeps: SHA-256 over its rows' hashes, in
/// order. Fed chunk by chunk as the rows are written.
#[derive(Clone, Default)]
pub struct SegmentDigest(Sha256);

impl SegmentDigest {
    pub fn add(&mut self, row_hash: &[u8; 32]) {
        self.0.update(row_hash);
    }
    pub fn hex(self) -> String {
        hex_string(&self.0.finalize().into())
    }
}

/// Decimal digits of an integer without allocating.
struct Digits([u8; 20]);
fn itoa_buf() -> Digits {
    Digits([0; 20])
}
impl Digits {
    fn format(&mut self, n: i64) -> &str {
        let (mut v, mut i) = (n.unsigned_abs(), self.0.len());
        loop {
            i -= 1;
            self.0[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if n < 0 {
            i -= 1;
            self.0[i] = b'-';
        }
        std::str::from_utf8(&self.0[i..]).unwrap_or_default()
    }
}

/// Reserves `n` places after the head: returns the first seq and the hash before it.
pub async fn reserve(tx: &mut Transaction<'static, Any>, n: i64) -> ApiResult<(i64, String)> {
    let r = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut **tx)
        .await?;
    let last: i64 = r.try_get("seq")?;
    Ok((last - n + 1, r.try_get("hash")?))
}

/// Moves the head's hash to the last row written.
pub async fn advance(tx: &mut Transaction<'static, Any>, hash: &str) -> ApiResult<()> {
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(hash).execute(&mut **tx).await?;
    Ok(())
}

/// The hash a segment's first row follows: the segment's key, so its rows
/// cannot be moved into another segment.
pub fn segment_start(key: &str) -> String {
    format!("segment:{key}")
}

/// The journal's head as read at one moment, kept outside the database (beside
/// a backup, in a statement run's folder, or by `guichet audit anchor`): a
/// later verification proves the journal still holds that row with that hash,
/// so deleting the last rows and rewinding the head shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// Place of the head's row in the main chain.
    #[ts(type = "number")]
    pub seq: i64,
    pub hash: String,
    /// When it was read, UTC, RFC 3339.
    pub at: String,
}

/// The head as it stands now.
pub async fn anchor(pool: &AnyPool, now: DateTime<Utc>) -> ApiResult<Anchor> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?;
    Ok(Anchor { seq: head.try_get("seq")?, hash: head.try_get("hash")?, at: crate::storage::time::ts(now) })
}

/// Writes the head, one JSON line, to `path` (kept whole: written beside, then renamed).
pub async fn write_anchor(pool: &AnyPool, now: DateTime<Utc>, path: &std::path::Path) -> ApiResult<Anchor> {
    let a = anchor(pool, now).await?;
    let line = serde_json::to_string(&a).map_err(crate::error::ApiError::internal)? + "\n";
    crate::storage::files::write_atomically(path, line.as_bytes())?;
    Ok(a)
}

/// One break of the chain, in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Break {
    /// Place in the main chain where it was found (for a segment, its seal's;
    /// for a row out of every chain, the place written just before it).
    #[ts(type = "number")]
    pub seq: i64,
    /// `modified`, `deleted`, `reordered`, `truncated`, `unchained`, `unsealed`, `rewound`.
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Verification {
    #[ts(type = "number")]
    pub rows_checked: i64,
    /// Rows written before the journal chained every row (not covered).
    #[ts(type = "number")]
    pub unchained: i64,
    /// Anchors given and checked against the journal.
    #[ts(type = "number")]
    pub anchors_checked: i64,
    pub intact: bool,
    pub breaks: Vec<Break>,
}

pub(super) const COLUMNS: &str = "id, seq, segment, segment_seq, at, staff_id, actor, action, entity_type, entity_id, \
    before_json, after_json, prev_hash, hash, fingerprint, desk, remote_addr";

/// A row's stored hashes and the hash its content gives at `place`.
pub(super) struct Checked {
    pub(super) id: i64,
    pub(super) place: i64,
    pub(super) stored_prev: String,
    pub(super) stored: String,
    pub(super) computed: String,
    pub(super) computed_bytes: [u8; 32],
    /// A segment's row: the fingerprint it was written with.
    pub(super) fingerprint: Option<i64>,
    pub(super) action: String,
    pub(super) actor: String,
    pub(super) at: String,
    pub(super) entity_id: Option<String>,
    pub(super) after: Option<String>,
}

/// `follows`: the hash the row comes after, when not stored in it (a segment's rows).
pub(super) fn check(r: &AnyRow, place: i64, follows: Option<&str>) -> ApiResult<Checked> {
    let at: String = r.try_get("at")?;
    let actor: String = r.try_get("actor")?;
    let action: String = r.try_get("action")?;
    let entity_type: String = r.try_get("entity_type")?;
    let entity_id: Option<String> = r.try_get("entity_id")?;
    let before: Option<String> = r.try_get("before_json")?;
    let after: Option<String> = r.try_get("after_json")?;
    let desk: Option<String> = r.try_get("desk")?;
    let remote_addr: Option<String> = r.try_get("remote_addr")?;
    let stored_prev: Option<String> = r.try_get("prev_hash")?;
    let stored_prev = follows.map(str::to_string).or(stored_prev).unwrap_or_default();
    let computed_bytes = hash_bytes(&Content {
        seq: place,
        at: &at,
        staff_id: r.try_get("staff_id")?,
        actor: &actor,
        action: &action,
        entity_type: &entity_type,
        entity_id: entity_id.as_deref(),
        before_json: before.as_deref(),
        after_json: after.as_deref(),
        prev_hash: &stored_prev,
        origin: desk.as_deref().zip(remote_addr.as_deref()),
    });
    let stored: Option<String> = r.try_get("hash")?;
    Ok(Checked {
        id: r.try_get("id")?,
        place,
        stored_prev,
        stored: stored.unwrap_or_default(),
        computed: hex_string(&computed_bytes),
        computed_bytes,
        fingerprint: r.try_get("fingerprint")?,
        action,
        actor,
        at,
        entity_id,
        after,
    })
}

pub(super) fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// Walks the main chain, every segment and the rows out of both, checks the
/// anchors given, and names every break.
pub async fn verify(pool: &AnyPool, anchors: &[Anchor]) -> ApiResult<Verification> {
    let head = sqlx::query("SELECT seq, hash, legacy_until FROM audit_head WHERE id = 1").fetch_one(pool).await?;
    let (head_seq, head_hash, legacy_until): (i64, String, i64) =
        (head.try_get("seq")?, head.try_get("hash")?, head.try_get("legacy_until")?);
    // Rows out of every chain: before the journal chained them all, counted;
    // after, each one a break, placed after the main-chain row written before it.
    let loose = sqlx::query("SELECT id, action, at FROM audit_log WHERE seq IS NULL AND segment IS NULL ORDER BY id")
        .fetch_all(pool)
        .await?;
    let mut unchained = 0;
    let mut added: Vec<(i64, String, String, i64)> = vec![];
    for r in &loose {
        let id: i64 = r.try_get("id")?;
        if id <= legacy_until {
            unchained += 1;
        } else {
            added.push((id, r.try_get("action")?, r.try_get("at")?, 0));
        }
    }
    // The hashes the anchors name, found as the chain is read.
    let mut anchored: std::collections::BTreeMap<i64, Option<String>> = anchors.iter().map(|a| (a.seq, None)).collect();
    let mut breaks = vec![];
    let mut expected = 1i64;
    let mut prev = String::new();
    let mut last_id = i64::MIN;
    let mut seals: Vec<Checked> = vec![];
    let mut rows_checked = 0i64;
    loop {
        let page = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq IS NOT NULL AND seq >= $1 ORDER BY seq LIMIT {PAGE}"
        ))
        .bind(expected)
        .fetch_all(pool)
        .await?;
        for r in &page {
            let c = check(r, r.try_get("seq")?, None)?;
            let seq = c.place;
            if seq != expected {
                breaks.push(Break {
                    seq: expected,
                    kind: "deleted".into(),
                    message: if seq - expected == 1 {
                        format!("Ligne n° {expected} du journal supprimée (la suivante, n° {seq}, ne la trouve plus).")
                    } else {
                        format!("Lignes n° {expected} à {} du journal supprimées.", seq - 1)
                    },
                });
            } else if c.stored_prev != prev {
                breaks.push(Break {
                    seq,
                    kind: "reordered".into(),
                    message: format!(
                        "Ligne n° {seq} : elle ne suit plus la ligne n° {} (lignes déplacées ou empreinte \
                        précédente réécrite).",
                        seq - 1
                    ),
                });
            }
            if c.id < last_id {
                breaks.push(Break {
                    seq,
                    kind: "reordered".into(),
                    message: format!("Ligne n° {seq} : son ordre d'écriture a été changé."),
                });
            }
            if c.stored != c.computed {
                breaks.push(Break {
                    seq,
                    kind: "modified".into(),
                    message: format!(
                        "Ligne n° {seq} du journal modifiée ({} du {}, par {}) : son contenu ne correspond \
                        plus à son empreinte.",
                        c.action,
                        day(&c.at),
                        c.actor
                    ),
                });
            }
            // A row added by hand follows the last row written before it.
            for a in added.iter_mut().filter(|a| a.0 > c.id) {
                a.3 = seq;
            }
            if let Some(slot) = anchored.get_mut(&seq) {
                *slot = Some(c.stored.clone());
            }
            prev = c.stored.clone();
            expected = seq + 1;
            last_id = c.id;
            if c.action == super::SEGMENT_SEAL {
                seals.push(c);
            }
        }
        rows_checked += page.len() as i64;
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    if head_seq >= expected {
        breaks.push(Break {
            seq: expected,
            kind: "truncated".into(),
            message: if head_seq == expected {
                format!("Ligne n° {expected} du journal supprimée (la dernière écrite).")
            } else {
                format!("Lignes n° {expected} à {head_seq} du journal supprimées (les dernières écrites).")
            },
        });
    } else if head_seq > 0 && head_hash != prev {
        breaks.push(Break {
            seq: head_seq,
            kind: "modified".into(),
            message: format!("Ligne n° {head_seq} : la dernière ligne ne correspond plus à la tête du journal."),
        });
    }
    if head_seq + 1 < expected {
        breaks.push(Break {
            seq: head_seq,
            kind: "modified".into(),
            message: format!(
                "La tête du journal a été réécrite : elle annonce la ligne n° {head_seq}, le journal va \
                jusqu'à la n° {}.",
                expected - 1
            ),
        });
    }
    let segment_rows = super::segments_check::verify_segments(pool, &seals, &mut breaks).await?;
    for (_, action, at, seq) in &added {
        breaks.push(Break {
            seq: *seq,
            kind: "unchained".into(),
            message: format!(
                "Une ligne hors de la chaîne ({action} du {}) a été ajoutée après la ligne n° {seq} : \
                elle n'a pas été écrite par Guichet.",
                day(at)
            ),
        });
    }
    for a in anchors {
        check_anchor(a, head_seq, anchored.get(&a.seq).and_then(Option::as_deref), &mut breaks);
    }
    Ok(Verification {
        rows_checked: rows_checked + segment_rows,
        unchained,
        anchors_checked: anchors.len() as i64,
        intact: breaks.is_empty(),
        breaks,
    })
}

/// The journal must still hold the row an anchor named, with its hash.
fn check_anchor(a: &Anchor, head_seq: i64, found: Option<&str>, breaks: &mut Vec<Break>) {
    let when = day(&a.at);
    let message = if head_seq < a.seq {
        format!(
            "La tête du journal (ligne n° {head_seq}) est en deçà de l'ancre du {when} (ligne n° {}) : des lignes \
            ont été retirées et la tête réécrite.",
            a.seq
        )
    } else {
        match found {
            None if a.seq > 0 => {
                format!("L'ancre du {when} désigne la ligne n° {}, que le journal ne contient plus.", a.seq)
            }
            Some(h) if h != a.hash => format!(
                "La ligne n° {} n'a plus l'empreinte relevée par l'ancre du {when} : le journal a été réécrit depuis.",
                a.seq
            ),
            _ => return,
        }
    };
    breaks.push(Break { seq: a.seq, kind: "rewound".into(), message });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hashes of rows already written must not change: these values
    /// were computed independently from the format (length:content| per field).
    #[test]
    fn the_hash_of_a_row_is_the_one_it_was_written_with() {
        let mut c = Content {
            seq: -42,
            at: "2026-11-23T09:00:00Z",
            staff_id: None,
            actor: "système:test",
            action: "staff.create",
            entity_type: "staff",
            entity_id: Some("12"),
            before_json: None,
            after_json: Some(r#"{"nom":"Bénani"}"#),
            prev_hash: "abc",
            origin: None,
        };
        assert_eq!(hash(&c), "0cd3f0a7fa19b60dc9a77c8b474200c1e03db5db8bae670ccb28455b0d063ca7");
        c.seq = 7;
        c.staff_id = Some(3);
        c.origin = Some(("guichet-2", "10.0.0.5"));
        assert_eq!(hash(&c), "1431c445e39d3a90cda38915d94e847e2559860f2644d13f58cc0078a7f5aa40");
    }
}
