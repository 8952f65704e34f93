//! The audit journal: who, when, what, before and after. Rows are written with
//! the transaction of the change they record, so a change without its audit row
//! (or the reverse) cannot exist. The tables refuse UPDATE and DELETE, and each
//! row is chained to the one before by its hash ([`chain`]), so rows edited or
//! removed behind the application's back are found by `guichet audit verify`.

pub mod chain;

use crate::error::ApiResult;
use crate::storage::time;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use ts_rs::TS;

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

/// Appends one row inside the caller's transaction.
pub async fn record(
    tx: &mut Transaction<'static, Any>,
    at: DateTime<Utc>,
    actor: &Actor,
    change: Change<'_>,
) -> ApiResult<()> {
    record_many(tx, at, actor, vec![change]).await
}

/// Appends rows in order (one, or the many of an import), chained, inside the caller's transaction.
pub async fn record_many(
    tx: &mut Transaction<'static, Any>,
    at: DateTime<Utc>,
    actor: &Actor,
    changes: Vec<Change<'_>>,
) -> ApiResult<()> {
    use crate::storage::batch;
    if changes.is_empty() {
        return Ok(());
    }
    let when = time::ts(at);
    let (first, mut prev) = chain::reserve(tx, changes.len() as i64).await?;
    /// One journal row as written: the change, its place in the chain and its hashes.
    struct Written<'c> {
        change: Change<'c>,
        before: Option<String>,
        after: Option<String>,
        seq: i64,
        prev_hash: String,
        hash: String,
    }
    let mut rows: Vec<Written<'_>> = Vec::with_capacity(changes.len());
    for (i, mut c) in changes.into_iter().enumerate() {
        let seq = first + i as i64;
        let before = c.before.take().map(|v| v.to_string());
        let after = c.after.take().map(|v| v.to_string());
        let hash = chain::hash(&chain::Content {
            seq,
            at: &when,
            staff_id: actor.staff_id,
            actor: &actor.name,
            action: c.action,
            entity_type: c.entity_type,
            entity_id: c.entity_id.as_deref(),
            before_json: before.as_deref(),
            after_json: after.as_deref(),
            prev_hash: &prev,
            origin: actor.origin.as_ref().map(|o| (o.desk.as_str(), o.remote_addr.as_str())),
        });
        rows.push(Written { change: c, before, after, seq, prev_hash: std::mem::replace(&mut prev, hash.clone()), hash });
    }
    batch::insert_rows(
        tx,
        "audit_log",
        &["at", "staff_id", "actor", "action", "entity_type", "entity_id", "before_json", "after_json", "seq", "prev_hash", "hash", "desk", "remote_addr"],
        &rows,
        |v, w| {
            v.push(when.as_str())
                .push(actor.staff_id)
                .push(actor.name.as_str())
                .push(w.change.action)
                .push(w.change.entity_type)
                .push(w.change.entity_id.as_deref())
                .push(w.before.as_deref())
                .push(w.after.as_deref())
                .push(w.seq)
                .push(w.prev_hash.as_str())
                .push(w.hash.as_str())
                .push(actor.origin.as_ref().map(|o| o.desk.as_str()))
                .push(actor.origin.as_ref().map(|o| o.remote_addr.as_str()));
        },
    )
    .await?;
    chain::advance(tx, &prev).await
}

/// A row as the Administration screen shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// The desk and its address, for a change made through the Guichet server.
    pub desk: Option<String>,
    pub remote_addr: Option<String>,
}

/// Filters of the audit screen; all optional, newest first.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct AuditFilter {
    /// Exact staff username (or `système:…`).
    #[ts(optional)]
    pub actor: Option<String>,
    /// Exact action, e.g. `staff.create`, `forbidden`.
    #[ts(optional)]
    pub action: Option<String>,
    #[ts(optional)]
    pub entity_type: Option<String>,
    #[ts(optional)]
    pub entity_id: Option<String>,
    /// From this day (inclusive), `YYYY-MM-DD`.
    #[ts(optional)]
    pub from: Option<chrono::NaiveDate>,
    /// Up to this day (inclusive), `YYYY-MM-DD`.
    #[ts(optional)]
    pub to: Option<chrono::NaiveDate>,
    /// Rows older than this id (the next page).
    #[ts(optional, type = "number")]
    pub before_id: Option<i64>,
    /// At most this many rows (default 100, at most 500).
    #[ts(optional, type = "number")]
    pub limit: Option<i64>,
    /// Leave out consultations (`….read`): a record's history of changes.
    #[ts(as = "Option<bool>", optional)]
    pub changes_only: bool,
}

pub async fn list(pool: &sqlx::AnyPool, f: &AuditFilter) -> ApiResult<Vec<AuditEntry>> {
    let mut sql = String::from(
        "SELECT id, at, actor, action, entity_type, entity_id, before_json, after_json, desk, remote_addr FROM audit_log WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    let mut add = |sql: &mut String, cond: &str, v: String| {
        args.push(v);
        sql.push_str(&format!(" AND {cond} ${}", args.len()));
    };
    if let Some(a) = f.actor.as_ref().filter(|s| !s.trim().is_empty()) {
        add(&mut sql, "actor =", a.trim().to_lowercase());
    }
    if let Some(a) = f.action.as_ref().filter(|s| !s.trim().is_empty()) {
        add(&mut sql, "action =", a.trim().to_string());
    }
    if let Some(a) = f.entity_type.as_ref().filter(|s| !s.trim().is_empty()) {
        add(&mut sql, "entity_type =", a.trim().to_string());
    }
    if let Some(a) = f.entity_id.as_ref().filter(|s| !s.trim().is_empty()) {
        add(&mut sql, "entity_id =", a.trim().to_string());
    }
    if f.changes_only {
        sql.push_str(" AND action NOT LIKE '%.read'");
    }
    if let Some(d) = f.from {
        add(&mut sql, "at >=", time::date(d));
    }
    if let Some(d) = f.to {
        // Every time of that day sorts below the next day's date.
        add(&mut sql, "at <", time::date(d + chrono::Duration::days(1)));
    }
    let mut q_sql = sql;
    if let Some(b) = f.before_id {
        q_sql.push_str(&format!(" AND id < {b}"));
    }
    let limit = f.limit.unwrap_or(100).clamp(1, 500);
    q_sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
    let mut q = sqlx::query(&q_sql);
    for a in &args {
        q = q.bind(a);
    }
    let rows = q.fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            let parse = |c: &str| -> ApiResult<Option<serde_json::Value>> {
                let s: Option<String> = r.try_get(c)?;
                Ok(s.and_then(|s| serde_json::from_str(&s).ok()))
            };
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                entity_type: r.try_get("entity_type")?,
                entity_id: r.try_get("entity_id")?,
                before: parse("before_json")?,
                after: parse("after_json")?,
                desk: r.try_get("desk")?,
                remote_addr: r.try_get("remote_addr")?,
            })
        })
        .collect()
}
