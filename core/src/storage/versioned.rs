//! The one way a record kept by version changes: its new values written only
//! if nobody changed it since the caller read it; otherwise `stale`, and the
//! caller reads it again. The caller journals the change in the same
//! transaction, after this returned: a change that missed is never journaled.

use super::batch::Value;
use crate::error::{ApiError, ApiResult};
use sqlx::{Any, Transaction};

/// A record as the person changing it read it: which one, and at which
/// version (another change in between answers `stale`). Both always travel
/// together from a screen to the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub id: i64,
    pub version: i64,
}

/// `UPDATE table SET col = …, …, version = version + 1 WHERE key = … AND version = …`.
pub async fn update(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    key: (&str, Value),
    version: i64,
    sets: &[(&str, Value)],
) -> ApiResult<()> {
    update_guarded(tx, table, key, version, None, sets).await
}

/// Runs an `UPDATE` that takes one row for a batch while it is still free
/// (`… WHERE id = … AND batch_column IS NULL`): no row changed means another
/// desk took it first, and the whole batch is `stale`.
pub async fn claim<'q>(
    tx: &mut Transaction<'static, Any>,
    update: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
) -> ApiResult<()> {
    match update.execute(&mut **tx).await?.rows_affected() {
        0 => Err(ApiError::stale()),
        _ => Ok(()),
    }
}

/// The columns deciding a request checked by a second person writes: its
/// status's code, the refusal's reason, when (`at`) and by whom.
pub fn decision(status: &str, reason: Option<String>, at: String, by: &str) -> [(&'static str, Value); 4] {
    [("status", status.into()), ("reason", reason.into()), ("decided_at", at.into()), ("decided_by", by.into())]
}

/// As [`update`], and only while `guard`'s column still holds its value: a
/// status's writer moves a record only from the status it was read in.
pub async fn update_guarded(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    key: (&str, Value),
    version: i64,
    guard: Option<(&str, Value)>,
    sets: &[(&str, Value)],
) -> ApiResult<()> {
    let mut assignments: Vec<String> =
        sets.iter().enumerate().map(|(i, (col, _))| format!("{col} = ${}", i + 1)).collect();
    assignments.push("version = version + 1".into());
    let n = sets.len();
    let mut sql =
        format!("UPDATE {table} SET {} WHERE {} = ${} AND version = ${}", assignments.join(", "), key.0, n + 1, n + 2);
    if let Some((column, _)) = &guard {
        sql.push_str(&format!(" AND {column} = ${}", n + 3));
    }
    let mut q = sqlx::query(&sql);
    for v in sets.iter().map(|(_, v)| v).chain([&key.1]) {
        q = v.bind_to(q);
    }
    q = q.bind(version);
    if let Some((_, v)) = &guard {
        q = v.bind_to(q);
    }
    let changed = q.execute(&mut **tx).await?.rows_affected();
    if changed == 0 {
        return Err(ApiError::stale());
    }
    Ok(())
}
