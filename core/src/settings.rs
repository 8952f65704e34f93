//! The mutual's settings (`settings`, key and text value): read and written
//! here only. Each setting's meaning and default stays with the code that uses
//! it (`appeal_days` with the letters, `idle_lock_minutes` with the sessions).

use crate::error::ApiResult;
use crate::storage::time;
use chrono::{DateTime, Utc};
use sqlx::{Any, AnyPool, Row, Transaction};

/// One setting's stored text, if it was ever set.
pub async fn get(pool: &AnyPool, key: &str) -> ApiResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await?)
}

/// Several settings at once, as (key, value) pairs of those that were set.
pub async fn get_many(pool: &AnyPool, keys: &[&str]) -> ApiResult<Vec<(String, String)>> {
    let marks: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT key, value FROM settings WHERE key IN ({})", marks.join(", "));
    let mut q = sqlx::query(&sql);
    for k in keys {
        q = q.bind(*k);
    }
    q.fetch_all(pool).await?.iter().map(|r| Ok((r.try_get("key")?, r.try_get("value")?))).collect()
}

/// Sets `key` inside the caller's transaction (the caller journals it).
pub async fn set(tx: &mut Transaction<'static, Any>, now: DateTime<Utc>, key: &str, value: &str) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($3, $1, $2) ON CONFLICT (key) DO UPDATE SET \
        value = $1, updated_at = $2",
    )
    .bind(value)
    .bind(time::ts(now))
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
