//! A complement that never comes (issue 18, item 4): an incomplete dossier
//! waits for its complement until the day set when it was marked incomplete
//! (the deadline rule's `complement_days`), then is rejected with its own
//! reason, which the member reads.

use super::catalogues;
use super::lifecycle;
use super::repo;
use super::workflow::{Input, Status, Transition};
use crate::audit::Actor;
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
) -> ApiResult<NaiveDate> {
    let rule = super::deadlines::rule_on(&catalogues::deadline_rules(&mut **tx).await?, today);
    let days = match of {
        Awaiting::Dossier => rule.complement_days,
        Awaiting::ApprovalRequest => rule.approval_complement_days,
    };
    Ok(today + chrono::Days::new(days as u64))
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
        let input = Input {
            reason: Some((COMPLEMENT_REASON.to_string(), String::new())),
            reason_text: Some(reason(&mut tx, due).await?),
            ..Default::default()
        };
        lifecycle::apply(&mut tx, now, &before, Transition::ComplementExpired, &[], input, &mut journal).await?;
    }
    crate::audit::record_many(&mut tx, now, actor, journal).await?;
    tx.commit().await?;
    Ok(ids.len() as i64)
}
