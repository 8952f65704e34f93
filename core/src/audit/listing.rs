//! Reading the journal: the Administration screen's filters, a record's
//! history of changes and the medical reads, newest first — by the time of
//! the change, then by its place. Every filter is an index's prefix with the
//! time after it (migration 0029), so a page, with or without a period, reads
//! the rows it shows and not the journal behind them, however long it grows.
//! (By id alone, PostgreSQL walked the whole journal backwards looking for a
//! month's rows: ids and times are not in the same order for a long import.)

use crate::error::ApiResult;
use crate::storage::time;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

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
    /// The last row of the page before (the next page: the rows listed after it).
    #[ts(optional, type = "number")]
    pub before_id: Option<i64>,
    /// At most this many rows (default 100, at most 500).
    #[ts(optional, type = "number")]
    pub limit: Option<i64>,
    /// Leave out consultations (`….read`): a record's history of changes.
    #[ts(as = "Option<bool>", optional)]
    pub changes_only: bool,
    /// Read the years set apart too (`guichet db archive-year`): a closed
    /// year's journal, no longer read by default.
    #[ts(as = "Option<bool>", optional)]
    pub with_archives: bool,
}

impl AuditFilter {
    /// A record's history of changes (its consultations left out), newest
    /// first: the member's page and the dossier's page show it.
    pub fn changes_of(entity_type: &str, entity_id: i64, limit: i64) -> AuditFilter {
        AuditFilter {
            entity_type: Some(entity_type.into()),
            entity_id: Some(entity_id.to_string()),
            limit: Some(limit),
            changes_only: true,
            ..Default::default()
        }
    }
}

/// The SQL of a filter and its arguments, in order, reading the journal
/// from `source` (`audit_log`, or with the years set apart:
/// [`crate::years::every_year`]): what [`list`] runs, and what
/// the test of the journal's plans explains.
pub fn query_of(f: &AuditFilter, source: &str) -> (String, Vec<String>) {
    let mut sql = format!(
        "SELECT id, at, actor, action, entity_type, entity_id, before_json, after_json, desk, remote_addr FROM \
            {source} WHERE 1 = 1"
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
    // Written exactly as the partial index `audit_log_changes` says it, so
    // both databases serve a history from it without reading consultations.
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
    // The next page starts after the last row shown, in the list's own order.
    if let Some(b) = f.before_id {
        sql.push_str(&format!(" AND (at, id) < (SELECT at, id FROM {source} WHERE id = {b})"));
    }
    let limit = f.limit.unwrap_or(100).clamp(1, 500);
    sql.push_str(&format!(" ORDER BY at DESC, id DESC LIMIT {limit}"));
    (sql, args)
}

pub async fn list(pool: &sqlx::AnyPool, f: &AuditFilter) -> ApiResult<Vec<AuditEntry>> {
    let source = match f.with_archives {
        true => crate::years::every_year(pool, "audit_log").await?,
        false => "audit_log".to_string(),
    };
    let (q_sql, args) = query_of(f, &source);
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
