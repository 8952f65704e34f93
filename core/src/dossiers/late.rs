//! The effect of a late original (rejection, a flag, or a claw-back once
//! paid) and the reasons it writes, in the member's words.

use super::catalogues::{self, LATE_REASON};
use super::deadlines::LateEffect;
use super::lifecycle;
use super::model::Dossier;
use super::repo::get_in_tx;
use super::workflow::{Input, Status, Transition};
use crate::audit::Change;
use crate::error::ApiResult;
use crate::kernel::dates::fr;
use crate::storage::time;
use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

/// The configured effect of a late original: rejection with "Dépôt hors
/// délai" while it is still being processed, or liquidated but not yet paid
/// (nothing is paid on it: the claw-backs it deducted and the approvals and
/// coverages it used are given back); once paid, a claw-back of the gross
/// amount the member was reimbursed (the money has left). The claw-back's
/// journal row goes to `journal`, which the caller writes with its own rows
/// (a batch writes them all at its end, holding the journal's head briefly).
/// `d` is the dossier as read before it was flagged late (the flag changes
/// none of what this reads); `late` from [`late_reason_label`] or [`overdue_reason_label`].
pub(crate) async fn apply_late_effect(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    effect: &LateEffect,
    d: &Dossier,
    late: &LateReason,
    journal: &mut Vec<Change<'static>>,
) -> ApiResult<()> {
    let id = d.id;
    match d.status {
        Status::Paye => {
            if let Some(paid) = d.total_reimbursed.filter(|p| *p > 0) {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM clawbacks WHERE dossier_id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                if exists.is_none() {
                    let reason = format!(
                        "Défalcation : original de la feuille {} non reçu dans le délai (au plus tard le {}).",
                        d.form_number,
                        fr(d.original_deadline)
                    );
                    sqlx::query(
                        "INSERT INTO clawbacks (member_id, dossier_id, amount, reason, created_at) VALUES \
                        ($1, $2, $3, $4, $5)",
                    )
                    .bind(d.member_id)
                    .bind(id)
                    .bind(paid)
                    .bind(&reason)
                    .bind(time::ts(now))
                    .execute(&mut **tx)
                    .await?;
                    journal.push(Change {
                        action: "clawback.create",
                        entity_type: "member",
                        entity_id: Some(d.member_id.to_string()),
                        before: None,
                        after: Some(serde_json::json!({ "dossier": d.form_number, "amount": paid, "reason": reason })),
                    });
                }
            }
        }
        Status::Rejete => {}
        _ if *effect == LateEffect::Reject => {
            if d.status == Status::Liquide {
                for table in ["clawback_deductions", "approval_consumptions", "fund_coverage_uses"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE dossier_id = $1"))
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                }
            }
            // Read again: flagging it late moved its version on.
            let current = get_in_tx(tx, id).await?;
            let input = Input { reason: Some((late.code.to_string(), late.label.clone())), ..Default::default() };
            lifecycle::apply(tx, now, &current, Transition::LateReject, &[], input, journal).await?;
        }
        _ => {}
    }
    Ok(())
}

/// A late deposit's reason, as the member reads it.
pub(crate) async fn late_reason_label(tx: &mut Transaction<'static, Any>) -> ApiResult<LateReason> {
    LateReason::read(tx, LATE_REASON, "Dépôt hors délai").await
}

/// An original never received in time: its own reason (issue 18, item 1).
pub(crate) async fn overdue_reason_label(tx: &mut Transaction<'static, Any>) -> ApiResult<LateReason> {
    LateReason::read(tx, catalogues::ORIGINAL_OVERDUE_REASON, "Original non reçu dans le délai").await
}

/// The reason a late effect writes on the dossier.
pub(crate) struct LateReason {
    pub code: &'static str,
    pub label: String,
}

impl LateReason {
    /// The catalogue's label of `code`, or `default` when the administrator removed it.
    async fn read(tx: &mut Transaction<'static, Any>, code: &'static str, default: &str) -> ApiResult<LateReason> {
        let label = catalogues::reason_in_tx(tx, code).await?.map(|r| r.0).unwrap_or_else(|| default.to_string());
        Ok(LateReason { code, label })
    }
}
