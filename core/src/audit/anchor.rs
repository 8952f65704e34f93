//! Anchors: the journal's head as read at one moment and kept outside the
//! database, and the check that the journal still holds what each named.

use super::verify::{day, Break, BreakKind};
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use ts_rs::TS;

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

/// The journal must still hold the row an anchor named, with its hash.
pub(super) fn check_anchor(a: &Anchor, head_seq: i64, found: Option<&str>, breaks: &mut Vec<Break>) {
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
    breaks.push(Break { seq: a.seq, kind: BreakKind::Rewound, message });
}
