//! The one writer of a dossier's status: what [`workflow::plan`] planned is
//! written only if the dossier is still at the version and status it was
//! read at (else `stale`: another desk changed it in between), with the
//! journal row of the transition.

use super::workflow::{self, Update, Value};
use crate::audit::Change;
use crate::error::{ApiError, ApiResult};
use crate::storage::time;
use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

/// Writes `u` on its dossier and pushes its journal row to `journal`, which
/// the caller writes with its own rows (a batch writes them all at its end,
/// holding the journal's head briefly). `before` is the dossier's image in
/// the journal as read (`repo::audit_json`, or what a batch read of it); the
/// after-image is that image with the planned values and the transition's
/// details laid over it.
pub(crate) async fn write(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    u: Update,
    before: serde_json::Value,
    journal: &mut Vec<Change<'static>>,
) -> ApiResult<()> {
    let mut sql = String::from("UPDATE dossiers SET status = $1, version = version + 1, updated_at = $2");
    for (i, (column, _)) in u.set.iter().enumerate() {
        sql.push_str(&format!(", {column} = ${}", i + 3));
    }
    let n = u.set.len() + 3;
    sql.push_str(&format!(" WHERE id = ${n} AND version = ${} AND status = ${}", n + 1, n + 2));
    let mut q = sqlx::query(&sql).bind(u.to.code()).bind(time::ts(now));
    for (_, value) in &u.set {
        q = match value {
            Value::Int(v) => q.bind(*v),
            Value::Text(v) => q.bind(v.clone()),
            Value::Date(v) => q.bind(v.map(time::date)),
            Value::Now => q.bind(time::ts(now)),
        };
    }
    let written = q.bind(u.id).bind(u.version).bind(u.from.code()).execute(&mut **tx).await?.rows_affected();
    if written == 0 {
        return Err(ApiError::stale());
    }
    if let Some(action) = u.transition.action() {
        let after = after_image(&before, &u, now);
        journal.push(Change {
            action,
            entity_type: "dossier",
            entity_id: Some(u.id.to_string()),
            before: Some(before),
            after: Some(after),
        });
    }
    Ok(())
}

/// The journal's after-image: `before` with the new status, every value
/// written (the member's reason under the name the dossier's image gives it)
/// and the transition's details.
fn after_image(before: &serde_json::Value, u: &Update, now: DateTime<Utc>) -> serde_json::Value {
    let mut after = before.as_object().cloned().unwrap_or_default();
    after.insert("status".into(), serde_json::to_value(u.to).unwrap_or_default());
    for (column, value) in &u.set {
        let key = if *column == "reason_text" { "reason" } else { column };
        let value = match value {
            Value::Int(v) => serde_json::json!(v),
            Value::Text(v) => serde_json::json!(v),
            Value::Date(v) => serde_json::json!(v),
            Value::Now => serde_json::json!(time::ts(now)),
        };
        after.insert(key.to_string(), value);
    }
    for (k, v) in &u.details {
        after.insert(k.clone(), v.clone());
    }
    serde_json::Value::Object(after)
}

/// Plans and writes in one step, for callers that hold the dossier as read.
pub(crate) async fn apply(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    d: &super::Dossier,
    t: workflow::Transition,
    roles: &[crate::auth::Role],
    input: workflow::Input,
    journal: &mut Vec<Change<'static>>,
) -> ApiResult<()> {
    let u = workflow::plan(d.into(), t, roles, input)?;
    write(tx, now, u, super::repo::audit_json(d), journal).await
}
