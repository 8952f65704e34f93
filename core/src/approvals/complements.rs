//! An approval or coverage request whose complement never comes (issue 18,
//! item 4): past the day set when it was declared incomplete, it is closed as
//! refused, with the reason and what the member can do, and its letter says so.

use super::lifecycle;
use super::model::RequestStatus;
use super::repo::load;
use crate::audit::{Actor, Change};
use crate::dossiers::complements::reason;
use crate::error::ApiResult;
use crate::storage::batch::Value;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};

/// What the letter tells the member he can still do.
pub const WAY_OUT: &str = "Vous pouvez présenter une nouvelle demande accompagnée des pièces demandées.";

/// Closes every incomplete request whose complement was due before today.
/// Running it twice changes nothing more. Returns how many were closed.
pub async fn expire(db: &Db, actor: &Actor, now: DateTime<Utc>) -> ApiResult<i64> {
    let today = now.date_naive();
    let mut tx = db.begin().await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM approval_requests WHERE complement_due < $1 AND status = $2 ORDER BY id")
            .bind(time::date(today))
            .bind(RequestStatus::Incomplet.code())
            .fetch_all(&mut *tx)
            .await?;
    let mut journal = vec![];
    for &id in &ids {
        let before = load(&mut tx, id).await?;
        let Some(due) = before.complement_due else { continue };
        let text = reason(&mut tx, due).await?;
        let sets = vec![
            ("reason", text.clone().into()),
            ("appeal", WAY_OUT.into()),
            ("decided_at", time::ts(now).into()),
            ("decided_by", actor.name.clone().into()),
            ("complement_due", Value::Text(None)),
        ];
        lifecycle::write(&mut tx, &before, RequestStatus::Refuse, sets).await?;
        journal.push(
            Change::on("approval.complement_overdue", "approval_request", id)
                .before(serde_json::json!({ "status": before.status, "complement_due": due }))
                .after(serde_json::json!({ "status": RequestStatus::Refuse, "reason": text, "appeal": WAY_OUT })),
        );
    }
    crate::audit::record_many(&mut tx, now, actor, journal).await?;
    tx.commit().await?;
    Ok(ids.len() as i64)
}
