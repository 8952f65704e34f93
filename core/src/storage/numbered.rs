//! Rows named after their own id: a payment batch `VIR-20261120-00042`, a
//! provider batch `PRE-…`, a fund slip `BORD-202611-00007`. The row is
//! written under a placeholder unique to the moment, then named once its id
//! is known, in the caller's transaction.

use super::batch::Value;
use super::time;
use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

/// Inserts one row of `table` (`columns` and their `values`; the reference,
/// `created_at` and `created_by` aside), made `now` by `by`, and names it by
/// `name(id)`; returns its id and its reference.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    (table, columns, values): (&str, &[&str], &[Value]),
    (now, by): (DateTime<Utc>, &str),
    name: impl FnOnce(i64) -> String,
) -> ApiResult<(i64, String)> {
    let params: Vec<String> = (4..=columns.len() + 3).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} (reference, created_at, created_by, {}) VALUES ($1, $2, $3, {}) RETURNING id",
        columns.join(", "),
        params.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(format!("tmp-{}", time::ts(now))).bind(time::ts(now)).bind(by);
    for v in values {
        q = v.bind_to(q);
    }
    let id: i64 = q.fetch_one(&mut **tx).await?.try_get(0)?;
    let reference = name(id);
    sqlx::query(&format!("UPDATE {table} SET reference = $1 WHERE id = $2"))
        .bind(&reference)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok((id, reference))
}
