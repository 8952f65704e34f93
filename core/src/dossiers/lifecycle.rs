//! The one writer of a dossier's status: what [`workflow::plan`] planned is
//! written only if the dossier is still at the version and status it was
//! read at (else `stale`: another desk changed it in between), with the
//! journal row of the transition.

use super::workflow::{self, Update, Value};
use crate::audit::Change;
use crate::error::ApiResult;
use crate::storage::batch::Value as StoredValue;
use crate::storage::{time, versioned};
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
    let mut sets: Vec<(&str, StoredValue)> = vec![("status", u.to.code().into()), ("updated_at", time::ts(now).into())];
    for (column, value) in &u.set {
        sets.push((column, stored(value, now)));
    }
    let guard = Some(("status", u.from.code().into()));
    versioned::update_guarded(tx, "dossiers", ("id", u.id.into()), u.version, guard, &sets).await?;
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

/// A planned value as the table stores it.
fn stored(value: &Value, now: DateTime<Utc>) -> StoredValue {
    match value {
        Value::Int(v) => StoredValue::Int(*v),
        Value::Text(v) => StoredValue::Text(v.clone()),
        Value::Date(v) => StoredValue::Text(v.map(time::date)),
        Value::Now => StoredValue::Text(Some(time::ts(now))),
    }
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
