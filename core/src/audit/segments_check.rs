//! The verification of the journal's segments (a large write's rows, sealed
//! by one row of the main chain), read a page at a time in the order of
//! their segment and place: a journal of millions of imported rows is never
//! held whole. Each sealed segment must hold exactly the rows its seal
//! names, each matching its fingerprint, and their hashes the seal's digest;
//! rows of a segment without a seal are a break. Segments sealed before
//! fingerprints (a `last_hash` instead of a `digest`) chained each row to the
//! one before and kept its full hash: they are verified that way.

use super::chain::{fingerprint, segment_start, SegmentDigest};
use super::verify::{check, day, Break, BreakKind, Checked, COLUMNS};
use crate::error::ApiResult;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::{BTreeMap, HashMap};

/// Rows read at a time: the journal is walked a page at a time, never held whole.
pub(super) const PAGE: i64 = 5_000;

/// The segments' rows after row `$2` of segment `$1`, a page of them in the
/// order of their segment and place, from every year of the journal
/// (`tables`): in each, a range of the index `audit_log_segments` (migration
/// 0030), written as a row value so that both databases read it as one range
/// and not the journal before it.
pub fn page_sql(tables: &[String]) -> String {
    let condition = "segment IS NOT NULL AND (segment, segment_seq) > ($1, $2)";
    super::years::paged(tables, COLUMNS, condition, "segment, segment_seq", PAGE)
}

/// What a seal says of its segment.
struct Seal {
    place: i64,
    count: i64,
    /// A segment sealed before fingerprints: its last row's hash.
    last_hash: Option<String>,
    digest: Option<String>,
}

impl Seal {
    fn of(c: &Checked) -> Seal {
        let sealed: serde_json::Value =
            c.after.as_deref().and_then(|a| serde_json::from_str(a).ok()).unwrap_or_default();
        Seal {
            place: c.place,
            count: sealed["rows"].as_i64().unwrap_or(0),
            last_hash: sealed.get("last_hash").and_then(|h| h.as_str()).map(String::from),
            digest: sealed.get("digest").and_then(|h| h.as_str()).map(String::from),
        }
    }

    fn broken(&self, kind: BreakKind, what: String) -> Break {
        let (seq, count) = (self.place, self.count);
        Break { seq, kind, message: format!("Ligne n° {seq} (lot de {count} lignes) : {what}") }
    }
}

/// One segment as its rows are read.
struct Walk {
    key: String,
    start: String,
    expected: i64,
    prev: String,
    digest: SegmentDigest,
    rows: i64,
    first_action: String,
    breaks: Vec<Break>,
}

impl Walk {
    fn new(key: String) -> Walk {
        let start = segment_start(&key);
        Walk {
            prev: start.clone(),
            start,
            key,
            expected: 1,
            digest: SegmentDigest::default(),
            rows: 0,
            first_action: String::new(),
            breaks: vec![],
        }
    }

    fn row(&mut self, r: &AnyRow, seal: Option<&Seal>) -> ApiResult<()> {
        self.rows += 1;
        let Some(seal) = seal else {
            if self.rows == 1 {
                self.first_action = r.try_get("action")?;
            }
            return Ok(());
        };
        let place = r.try_get("segment_seq")?;
        let chained = seal.last_hash.is_some();
        let c = check(r, place, Some(if chained { &self.prev } else { &self.start }))?;
        let intact =
            if chained { c.stored == c.computed } else { c.fingerprint == Some(fingerprint(&c.computed_bytes)) };
        if c.place != self.expected {
            // The row after a gap followed the missing one: only the gap can be named.
            self.breaks.push(seal.broken(BreakKind::Deleted, format!("ligne {} du lot supprimée.", self.expected)));
        } else if !intact {
            let what = format!("ligne {} du lot modifiée ({} du {}, par {}).", c.place, c.action, day(&c.at), c.actor);
            self.breaks.push(seal.broken(BreakKind::Modified, what));
        }
        self.digest.add(&c.computed_bytes);
        self.prev = c.stored;
        self.expected = c.place + 1;
        Ok(())
    }

    /// The segment's breaks once all its rows are read.
    fn close(mut self, seal: Option<&Seal>) -> Vec<Break> {
        let Some(seal) = seal else {
            return vec![Break {
                seq: 0,
                kind: BreakKind::Unsealed,
                message: format!(
                    "Un lot de {} lignes ({}, {}) n'est scellé par aucune ligne de la chaîne : ajouté à la main, ou \
                    son scellement supprimé.",
                    self.rows, self.first_action, self.key
                ),
            }];
        };
        let seal_broken = match &seal.last_hash {
            Some(last_hash) => {
                (self.prev != *last_hash).then_some("sa dernière ligne ne correspond plus au scellement.")
            }
            // A row already named accounts for the digest's difference; when
            // none is (a row edited with its fingerprint rewritten), the
            // digest still shows it.
            None => (self.breaks.is_empty() && seal.digest.as_deref() != Some(self.digest.hex().as_str()))
                .then_some("ses lignes ne correspondent plus à son scellement."),
        };
        if self.expected - 1 != seal.count {
            let what = format!("le lot compte {} lignes au lieu de {}.", self.expected - 1, seal.count);
            self.breaks.push(seal.broken(BreakKind::Truncated, what));
        } else if let Some(what) = seal_broken {
            self.breaks.push(seal.broken(BreakKind::Modified, what.to_string()));
        }
        self.breaks
    }
}

/// Walks every segment against the seals met in the main chain; the breaks
/// in the seals' order, then the unsealed segments; the rows read.
pub(super) async fn verify_segments(
    pool: &AnyPool,
    tables: &[String],
    seals: &[Checked],
    breaks: &mut Vec<Break>,
) -> ApiResult<i64> {
    let mut by_key: HashMap<String, Seal> =
        seals.iter().map(|c| (c.entity_id.clone().unwrap_or_default(), Seal::of(c))).collect();
    let mut found: BTreeMap<i64, Vec<Break>> = BTreeMap::new();
    let mut unsealed: Vec<Break> = vec![];
    let mut close = |walk: Walk, by_key: &mut HashMap<String, Seal>| {
        let seal = by_key.remove(&walk.key);
        let broken = walk.close(seal.as_ref());
        match seal {
            Some(s) => found.entry(s.place).or_default().extend(broken),
            None => unsealed.extend(broken),
        }
    };
    let mut read = 0i64;
    let mut walk: Option<Walk> = None;
    let (mut after_key, mut after_place) = (String::new(), i64::MIN);
    loop {
        let page = sqlx::query(&page_sql(tables)).bind(&after_key).bind(after_place).fetch_all(pool).await?;
        for r in &page {
            let key: String = r.try_get("segment")?;
            if walk.as_ref().is_some_and(|w| w.key != key) {
                close(walk.take().expect("a walk"), &mut by_key);
            }
            let w = walk.get_or_insert_with(|| Walk::new(key.clone()));
            w.row(r, by_key.get(&key))?;
            (after_key, after_place) = (key, r.try_get("segment_seq")?);
        }
        read += page.len() as i64;
        if (page.len() as i64) < PAGE {
            break;
        }
    }
    if let Some(w) = walk {
        close(w, &mut by_key);
    }
    // Seals whose rows are all gone.
    let gone: Vec<String> = by_key.keys().cloned().collect();
    for key in gone {
        close(Walk::new(key), &mut by_key);
    }
    breaks.extend(found.into_values().flatten());
    breaks.extend(unsealed);
    Ok(read)
}
