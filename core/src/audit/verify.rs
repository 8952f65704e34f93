//! The verification of the journal: the main chain walked a page at a time,
//! then every segment ([`super::segments_check`]), the rows out of both and
//! the anchors given; each break named in French.

use super::anchor::{check_anchor, Anchor};
use super::chain::{hash_bytes, hex_string, Content};
use super::segments_check::PAGE;
use crate::error::ApiResult;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use ts_rs::TS;

/// What a break is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// A row's content no longer matches its hash (or the head's).
    Modified,
    /// Rows missing inside a chain or a segment.
    Deleted,
    /// A row no longer follows the one before it, or was written out of order.
    Reordered,
    /// The last rows missing, before the head.
    Truncated,
    /// A row out of every chain, not written by Guichet.
    Unchained,
    /// A segment's rows without their seal.
    Unsealed,
    /// The journal no longer holds what an anchor named.
    Rewound,
}

/// One break of the chain, in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Break {
    /// Place in the main chain where it was found (for a segment, its seal's;
    /// for a row out of every chain, the place written just before it).
    #[ts(type = "number")]
    pub seq: i64,
    pub kind: BreakKind,
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

/// The day of a journal time (`2026-11-23T09:00:00Z` → `2026-11-23`).
pub(super) fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// The main chain's rows from place `$1`, a page of them in order, from
/// every year of the journal (`tables`): in each, a range of the index
/// `audit_log_seq`.
pub fn chain_page_sql(tables: &[String]) -> String {
    super::years::paged(tables, COLUMNS, "seq IS NOT NULL AND seq >= $1", "seq", PAGE)
}

/// Walks the main chain, every segment and the rows out of both, checks the
/// anchors given, and names every break.
pub async fn verify(pool: &AnyPool, anchors: &[Anchor]) -> ApiResult<Verification> {
    // Every year, the years set apart included: the chain runs through them.
    let tables = super::years::tables(pool).await?;
    let head = sqlx::query("SELECT seq, hash, legacy_until FROM audit_head WHERE id = 1").fetch_one(pool).await?;
    let (head_seq, head_hash, legacy_until): (i64, String, i64) =
        (head.try_get("seq")?, head.try_get("hash")?, head.try_get("legacy_until")?);
    // Rows out of every chain: before the journal chained them all, counted;
    // after, each one a break, placed after the main-chain row written before it.
    let loose_of = |t: &String| format!("SELECT id, action, at FROM {t} WHERE seq IS NULL AND segment IS NULL");
    let loose_sql = tables.iter().map(loose_of).collect::<Vec<_>>().join(" UNION ALL ") + " ORDER BY id";
    let loose = sqlx::query(&loose_sql).fetch_all(pool).await?;
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
        let page = sqlx::query(&chain_page_sql(&tables)).bind(expected).fetch_all(pool).await?;
        for r in &page {
            let c = check(r, r.try_get("seq")?, None)?;
            let seq = c.place;
            if seq != expected {
                breaks.push(Break {
                    seq: expected,
                    kind: BreakKind::Deleted,
                    message: if seq - expected == 1 {
                        format!("Ligne n° {expected} du journal supprimée (la suivante, n° {seq}, ne la trouve plus).")
                    } else {
                        format!("Lignes n° {expected} à {} du journal supprimées.", seq - 1)
                    },
                });
            } else if c.stored_prev != prev {
                breaks.push(Break {
                    seq,
                    kind: BreakKind::Reordered,
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
                    kind: BreakKind::Reordered,
                    message: format!("Ligne n° {seq} : son ordre d'écriture a été changé."),
                });
            }
            if c.stored != c.computed {
                breaks.push(Break {
                    seq,
                    kind: BreakKind::Modified,
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
            kind: BreakKind::Truncated,
            message: if head_seq == expected {
                format!("Ligne n° {expected} du journal supprimée (la dernière écrite).")
            } else {
                format!("Lignes n° {expected} à {head_seq} du journal supprimées (les dernières écrites).")
            },
        });
    } else if head_seq > 0 && head_hash != prev {
        breaks.push(Break {
            seq: head_seq,
            kind: BreakKind::Modified,
            message: format!("Ligne n° {head_seq} : la dernière ligne ne correspond plus à la tête du journal."),
        });
    }
    if head_seq + 1 < expected {
        breaks.push(Break {
            seq: head_seq,
            kind: BreakKind::Modified,
            message: format!(
                "La tête du journal a été réécrite : elle annonce la ligne n° {head_seq}, le journal va \
                jusqu'à la n° {}.",
                expected - 1
            ),
        });
    }
    let segment_rows = super::segments_check::verify_segments(pool, &tables, &seals, &mut breaks).await?;
    for (_, action, at, seq) in &added {
        breaks.push(Break {
            seq: *seq,
            kind: BreakKind::Unchained,
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
