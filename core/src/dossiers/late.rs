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
use crate::money::Centimes;
use crate::storage::time;
use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

/// The configured effect of a late original: rejection with "Dépôt hors
/// délai" while it is still being processed, or liquidated but not yet paid
/// (nothing is paid on it: the claw-backs it deducted and the approvals and
/// coverages it used are given back); once paid, [`claw_back`] (the money has left). The claw-back's
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
) -> ApiResult<Recovered> {
    let id = d.id;
    match d.status {
        Status::Paye => return claw_back(tx, now, d, journal).await,
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
    Ok(Recovered::default())
}

/// What a late effect recovered from a paid dossier, in centimes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recovered {
    /// From the member: what the mutual paid him.
    pub member: Centimes,
    /// Owed back by the fund (its part, sent on a slip).
    pub fund: Centimes,
}

/// A paid dossier's recovery, split by payer: the member gives back what the
/// mutual paid him (a claw-back his next payments settle); the AMO part is
/// the fund's — sent on a slip already, it goes back to the fund on the next
/// one (a negative line); not sent yet, it never will be. Once per dossier.
async fn claw_back(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    d: &Dossier,
    journal: &mut Vec<Change<'static>>,
) -> ApiResult<Recovered> {
    let done: Option<i64> = sqlx::query_scalar(
        "SELECT dossier_id FROM clawbacks WHERE dossier_id = $1 UNION SELECT dossier_id FROM fund_returns WHERE \
        dossier_id = $1",
    )
    .bind(d.id)
    .fetch_optional(&mut **tx)
    .await?;
    if done.is_some() {
        return Ok(Recovered::default());
    }
    let row = sqlx::query("SELECT mutual_pays, amo_due, fund_slip_id, fund_name FROM dossiers WHERE id = $1")
        .bind(d.id)
        .fetch_one(&mut **tx)
        .await?;
    // Dossiers liquidated before the split was stored: the mutual paid the gross.
    let mutual = row.try_get::<Option<Centimes>, _>("mutual_pays")?.or(d.total_reimbursed).unwrap_or_default();
    let amo = row.try_get::<Option<Centimes>, _>("amo_due")?.unwrap_or_default();
    let sent = row.try_get::<Option<i64>, _>("fund_slip_id")?.is_some();
    let fund = row.try_get::<Option<String>, _>("fund_name")?.unwrap_or_else(|| "AMO".into());
    let why = format!(
        "original de la feuille {} non reçu dans le délai (au plus tard le {})",
        d.form_number,
        fr(d.original_deadline)
    );
    if mutual > 0 {
        let reason = format!("Défalcation : {why}.");
        sqlx::query(
            "INSERT INTO clawbacks (member_id, dossier_id, amount, reason, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(d.member_id)
        .bind(d.id)
        .bind(mutual)
        .bind(&reason)
        .bind(time::ts(now))
        .execute(&mut **tx)
        .await?;
        journal.push(
            Change::on("clawback.create", "member", d.member_id)
                .after(serde_json::json!({ "dossier": d.form_number, "amount": mutual, "reason": reason })),
        );
    }
    if amo > 0 {
        let (kind, reason) = if sent {
            ("return", format!("Part AMO à récupérer : {why}."))
        } else {
            ("withheld", format!("Part AMO non transmise : {why}."))
        };
        sqlx::query(
            "INSERT INTO fund_returns (dossier_id, fund_name, kind, amount, reason, created_at) VALUES ($1, $2, $3, \
            $4, $5, $6)",
        )
        .bind(d.id)
        .bind(&fund)
        .bind(kind)
        .bind(amo)
        .bind(&reason)
        .bind(time::ts(now))
        .execute(&mut **tx)
        .await?;
        journal.push(
            Change::on("fund_return.create", "dossier", d.id)
                .after(serde_json::json!({ "dossier": d.form_number, "fund": fund, "kind": kind, "amount": amo,
                "reason": reason })),
        );
    }
    Ok(Recovered {
        member: mutual.max(Centimes::ZERO),
        fund: if sent { amo.max(Centimes::ZERO) } else { Centimes::ZERO },
    })
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
