//! The journal's hash chain. Each row's hash is SHA-256 over its content and
//! the hash of the row before it, so editing, deleting or reordering rows by
//! hand in the database breaks the chain where it happened; `verify` walks it
//! and names each break. Writers take the next place by updating the one-row
//! head first: the row lock serialises them on PostgreSQL (SQLite has one
//! writer anyway), so the chain never forks.

use crate::error::ApiResult;
use serde::Serialize;
use sha2::{Digest, Sha256};
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

/// Hex SHA-256 of the content, each field length-prefixed so no two contents read the same.
pub fn hash(c: &Content<'_>) -> String {
    let mut h = Sha256::new();
    let mut field = |v: Option<&str>| match v {
        Some(s) => h.update(format!("{}:{s}|", s.len())),
        None => h.update("-|"),
    };
    field(Some(&c.seq.to_string()));
    field(Some(c.at));
    field(c.staff_id.map(|s| s.to_string()).as_deref());
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
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Reserves `n` places after the head: returns the first seq and the hash before it.
pub async fn reserve(tx: &mut Transaction<'static, Any>, n: i64) -> ApiResult<(i64, String)> {
    let r = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash").bind(n).fetch_one(&mut **tx).await?;
    let last: i64 = r.try_get("seq")?;
    Ok((last - n + 1, r.try_get("hash")?))
}

/// Moves the head's hash to the last row written.
pub async fn advance(tx: &mut Transaction<'static, Any>, hash: &str) -> ApiResult<()> {
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(hash).execute(&mut **tx).await?;
    Ok(())
}

/// One break of the chain, in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Break {
    /// Place in the chain where it was found.
    #[ts(type = "number")]
    pub seq: i64,
    /// `modified`, `deleted`, `reordered`, `truncated`.
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Verification {
    #[ts(type = "number")]
    pub rows_checked: i64,
    /// Rows written before the chain existed (not covered).
    #[ts(type = "number")]
    pub unchained: i64,
    pub intact: bool,
    pub breaks: Vec<Break>,
}

/// Walks the whole chain and names every break.
pub async fn verify(pool: &AnyPool) -> ApiResult<Verification> {
    let unchained: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE seq IS NULL").fetch_one(pool).await?;
    let rows = sqlx::query("SELECT id, seq, at, staff_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash, desk, remote_addr FROM audit_log WHERE seq IS NOT NULL ORDER BY seq")
        .fetch_all(pool)
        .await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let mut breaks = vec![];
    let mut expected = 1i64;
    let mut prev = String::new();
    let mut last_id = i64::MIN;
    for r in &rows {
        let seq: i64 = r.try_get("seq")?;
        let id: i64 = r.try_get("id")?;
        let stored_prev: Option<String> = r.try_get("prev_hash")?;
        let stored: Option<String> = r.try_get("hash")?;
        let gap = seq != expected;
        if gap {
            breaks.push(Break {
                seq: expected,
                kind: "deleted".into(),
                message: if seq - expected == 1 {
                    format!("Ligne n° {expected} du journal supprimée (la suivante, n° {seq}, ne la trouve plus).")
                } else {
                    format!("Lignes n° {expected} à {} du journal supprimées.", seq - 1)
                },
            });
        } else if stored_prev.as_deref() != Some(prev.as_str()) {
            breaks.push(Break {
                seq,
                kind: "reordered".into(),
                message: format!("Ligne n° {seq} : elle ne suit plus la ligne n° {} (lignes déplacées ou empreinte précédente réécrite).", seq - 1),
            });
        }
        if id < last_id {
            breaks.push(Break { seq, kind: "reordered".into(), message: format!("Ligne n° {seq} : son ordre d'écriture a été changé.") });
        }
        let at: String = r.try_get("at")?;
        let actor: String = r.try_get("actor")?;
        let action: String = r.try_get("action")?;
        let entity_type: String = r.try_get("entity_type")?;
        let entity_id: Option<String> = r.try_get("entity_id")?;
        let before: Option<String> = r.try_get("before_json")?;
        let after: Option<String> = r.try_get("after_json")?;
        let desk: Option<String> = r.try_get("desk")?;
        let remote_addr: Option<String> = r.try_get("remote_addr")?;
        let computed = hash(&Content {
            seq,
            at: &at,
            staff_id: r.try_get("staff_id")?,
            actor: &actor,
            action: &action,
            entity_type: &entity_type,
            entity_id: entity_id.as_deref(),
            before_json: before.as_deref(),
            after_json: after.as_deref(),
            prev_hash: stored_prev.as_deref().unwrap_or(""),
            origin: desk.as_deref().zip(remote_addr.as_deref()),
        });
        if stored.as_deref() != Some(computed.as_str()) {
            breaks.push(Break {
                seq,
                kind: "modified".into(),
                message: format!("Ligne n° {seq} du journal modifiée ({action} du {}, par {actor}) : son contenu ne correspond plus à son empreinte.", at.get(..10).unwrap_or(&at)),
            });
        }
        prev = stored.unwrap_or_default();
        expected = seq + 1;
        last_id = id;
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
        breaks.push(Break { seq: head_seq, kind: "modified".into(), message: format!("Ligne n° {head_seq} : la dernière ligne ne correspond plus à la tête du journal.") });
    }
    if head_seq + 1 < expected {
        breaks.push(Break {
            seq: head_seq,
            kind: "modified".into(),
            message: format!("La tête du journal a été réécrite : elle annonce la ligne n° {head_seq}, le journal va jusqu'à la n° {}.", expected - 1),
        });
    }
    Ok(Verification { rows_checked: rows.len() as i64, unchained, intact: breaks.is_empty(), breaks })
}
