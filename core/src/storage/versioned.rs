//! The one way a record kept by version changes: its new values written only
//! if nobody changed it since the caller read it; otherwise `conflict`, and the
//! caller reads it again. The caller journals the change in the same
//! transaction.

use super::batch::Value;
use crate::error::{ApiError, ApiResult};
use sqlx::{Any, Transaction};

/// `UPDATE table SET col = …, …, version = version + 1 WHERE key = … AND version = …`.
pub async fn update(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    key: (&str, Value),
    version: i64,
    sets: &[(&str, Value)],
) -> ApiResult<()> {
    let mut assignments: Vec<String> =
        sets.iter().enumerate().map(|(i, (col, _))| format!("{col} = ${}", i + 1)).collect();
    assignments.push("version = version + 1".into());
    let n = sets.len();
    let sql =
        format!("UPDATE {table} SET {} WHERE {} = ${} AND version = ${}", assignments.join(", "), key.0, n + 1, n + 2);
    let mut q = sqlx::query(&sql);
    for (_, v) in sets.iter().chain(std::iter::once(&("", key.1.clone()))) {
        q = match v {
            Value::Text(t) => q.bind(t.clone()),
            Value::Int(i) => q.bind(*i),
        };
    }
    let changed = q.bind(version).execute(&mut **tx).await?.rows_affected();
    if changed == 0 {
        return Err(ApiError::stale());
    }
    Ok(())
}
