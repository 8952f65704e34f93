//! A complement that never comes (issue 18, item 4): an incomplete dossier
//! waits for its complement until the day set when it was marked incomplete
//! (the deadline rule's `complement_days`), then is rejected with its own
//! reason, which the member reads.

use super::catalogues;
use super::repo;
use super::workflow::Status;
use crate::audit::{Actor, Change};
use crate::error::ApiResult;
use crate::kernel::dates::fr;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};

/// Whose complement: a dossier's or an approval request's (each has its delay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaiting {
    Dossier,
    ApprovalRequest,
}

/// The last day for a complement asked `today`: the deadline rule in force
/// today gives the delay.
pub(crate) async fn due(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    today: NaiveDate,
    of: Awaiting,
) -> ApiResult<String> {
    let rule = super::deadlines::rule_on(&catalogues::deadline_rules(&mut **tx).await?, today);
    let days = match of {
        Awaiting::Dossier => rule.complement_days,
        Awaiting::ApprovalRequest => rule.approval_complement_days,
    };
    Ok(time::date(today + chrono::Days::new(days as u64)))
}

/// The catalogue code of the reason an expired complement writes.
pub const COMPLEMENT_REASON: &str = "complement_non_recu";

/// The reason in the member's words: the catalogue's label and the day the
/// complement was due.
pub(crate) async fn reason(tx: &mut sqlx::Transaction<'static, sqlx::Any>, due: NaiveDate) -> ApiResult<String> {
    let label = catalogues::reason_in_tx(tx, COMPLEMENT_REASON)
        .await?
        .map(|r| r.0)
        .unwrap_or_else(|| "Complément non reçu dans le délai".into());
    Ok(format!("{label} (attendu au plus tard le {}).", fr(due)))
}

/// Rejects every incomplete dossier whose complement was due before today.
/// Running it twice changes nothing more. Returns how many were rejected.
pub async fn expire(db: &Db, actor: &Actor, now: DateTime<Utc>) -> ApiResult<i64> {
    let today = now.date_naive();
    let mut tx = db.begin().await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM dossiers WHERE complement_due < $1 AND status = $2 ORDER BY id")
            .bind(time::date(today))
            .bind(Status::Incomplet.code())
            .fetch_all(&mut *tx)
            .await?;
    let mut journal = vec![];
    for &id in &ids {
        let before = repo::get_in_tx(&mut tx, id).await?;
        let Some(due) = before.complement_due else { continue };
        let text = reason(&mut tx, due).await?;
        sqlx::query(
            "UPDATE dossiers SET status = $1, reason_code = $2, reason_text = $3, complement_due = NULL, processed_at = $4, version = version + 1, updated_at = $4
             WHERE id = $5 AND version = $6",
        )
        .bind(Status::Rejete.code())
        .bind(COMPLEMENT_REASON)
        .bind(&text)
        .bind(time::ts(now))
        .bind(id)
        .bind(before.version)
        .execute(&mut *tx)
        .await?;
        let after = repo::get_in_tx(&mut tx, id).await?;
        journal.push(Change {
            action: "dossier.complement_overdue",
            entity_type: "dossier",
            entity_id: Some(id.to_string()),
            before: Some(repo::audit_json(&before)),
            after: Some(repo::audit_json(&after)),
        });
    }
    crate::audit::record_many(&mut tx, now, actor, journal).await?;
    tx.commit().await?;
    Ok(ids.len() as i64)
}
