//! Payment batches: liquidated dossiers gathered, each given a payment date
//! and moved to "réglé"; the mutual transfers only what it pays (its
//! complementary part, and the AMO part when the arrangement says the mutual
//! pays it), claw-backs deducted, in one transfer per member per batch, and
//! no transfer of nothing. The batch is exported as a transfer list with the
//! members' RIBs.

use crate::audit::{self, Actor};
use crate::dossiers::lifecycle;
use crate::dossiers::workflow::{self, Current, Input, Status, Transition, Value};
use crate::error::{ApiError, ApiResult};
use crate::export::transfers::{numbered, Transfer};
use crate::members::validate;
use crate::money::Centimes;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct PaymentBatch {
    #[ts(type = "number")]
    pub id: i64,
    pub reference: String,
    pub pay_date: NaiveDate,
    #[ts(type = "number")]
    pub dossier_count: i64,
    /// Transfers: one per member paid something.
    #[ts(type = "number")]
    pub transfer_count: i64,
    /// Centimes.
    pub total: Centimes,
}

/// Pays the given liquidated dossiers (all liquidated dossiers when `ids` is
/// empty) on `pay_date`. A member without a valid RIB stops the whole batch,
/// naming him: nothing is half-paid.
pub async fn pay(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    ids: &[i64],
    pay_date: NaiveDate,
) -> ApiResult<PaymentBatch> {
    let mut tx = db.begin().await?;
    let rows = sqlx::query(
        "SELECT d.id, d.status, d.form_number, COALESCE(d.mutual_pays, d.total_reimbursed) AS mutual_pays, \
            d.clawback_deducted, d.version, d.member_id,
           m.matricule, m.last_name, m.first_name, m.rib
         FROM dossiers d JOIN members m ON m.id = d.member_id WHERE d.status = $1 ORDER BY m.matricule, d.id",
    )
    .bind(Status::Liquide.code())
    .fetch_all(&mut *tx)
    .await?;
    let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
    let mut chosen = vec![];
    let mut liquidated = std::collections::HashSet::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        liquidated.insert(id);
        if ids.is_empty() || wanted.contains(&id) {
            chosen.push(r);
        }
    }
    for id in ids {
        if !liquidated.contains(id) {
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM dossiers WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(status) = status.as_deref().and_then(Status::parse) else {
                return Err(ApiError::validation("dossier_ids", format!("Aucun dossier n° {id}.")));
            };
            let mut refused = Transition::Pay.target(status, &[]).err().unwrap_or_else(ApiError::stale);
            refused.message = format!("Dossier n° {id} : {}", refused.message);
            return Err(refused);
        }
    }
    if chosen.is_empty() {
        return Err(ApiError::validation("dossier_ids", "Aucun dossier liquidé à régler."));
    }
    // What the mutual pays on each dossier: its part, claw-backs deducted.
    let net = |r: &sqlx::any::AnyRow| -> ApiResult<Centimes> {
        Ok(r.try_get::<Option<Centimes>, _>("mutual_pays")?.unwrap_or_default()
            - r.try_get::<Option<Centimes>, _>("clawback_deducted")?.unwrap_or_default())
    };
    let mut bad = vec![];
    for r in &chosen {
        if net(r)? <= 0 {
            continue;
        }
        let rib: Option<String> = r.try_get("rib")?;
        if rib.as_deref().map(|x| validate::rib("rib", x)).transpose().ok().flatten().is_none() {
            bad.push(format!(
                "{} ({} {})",
                r.try_get::<String, _>("matricule")?,
                r.try_get::<String, _>("last_name")?,
                r.try_get::<String, _>("first_name")?
            ));
        }
    }
    if !bad.is_empty() {
        bad.dedup();
        return Err(ApiError::validation(
            "dossier_ids",
            format!(
                "RIB absent ou invalide pour : {}. Corrigez la fiche de l'adhérent ou retirez ses dossiers du lot \
                ; rien n'a été réglé.",
                bad.join(", ")
            ),
        ));
    }
    let total: Centimes = chosen.iter().map(|r| net(r)).collect::<ApiResult<Vec<_>>>()?.into_iter().sum();
    let (batch_id, reference) = crate::storage::numbered::insert(
        &mut tx,
        (
            "payment_batches",
            &["pay_date", "dossier_count", "total"],
            &[time::date(pay_date).into(), (chosen.len() as i64).into(), total.into()],
        ),
        (now, &actor.name),
        |id| format!("VIR-{}-{id:05}", pay_date.format("%Y%m%d")),
    )
    .await?;
    // One transfer per member: his dossiers with something to pay share its reference.
    let mut payees = vec![];
    for r in &chosen {
        if net(r)? > 0 {
            payees.push(r.try_get::<i64, _>("member_id")?);
        }
    }
    let transfer_of = numbered(&reference, payees);
    // Written at the end in one go: the journal's head is held for that
    // only, not for the whole batch (other desks journal too).
    let mut journal = Vec::with_capacity(chosen.len());
    for r in chosen.iter() {
        let id: i64 = r.try_get("id")?;
        let net = net(r)?;
        let pref = if net > 0 { transfer_of.get(&r.try_get::<i64, _>("member_id")?).cloned() } else { None };
        let statement = format!("DEC-{}-{id:08}", pay_date.format("%Y"));
        let payload = vec![
            ("paid_amount", Value::money(net)),
            ("payment_batch_id", Value::Int(Some(batch_id))),
            ("payment_reference", Value::Text(pref.clone())),
            ("paid_on", Value::Date(Some(pay_date))),
            ("statement_number", Value::Text(Some(statement))),
        ];
        let read = Current { id, status: Status::Liquide, version: r.try_get::<i64, _>("version")? };
        let update = workflow::plan(read, Transition::Pay, &[], Input { payload, ..Default::default() })?;
        lifecycle::write(&mut tx, now, update, serde_json::json!({ "status": Status::Liquide }), &mut journal).await?;
    }
    audit::record_many(&mut tx, now, actor, journal).await?;
    tx.commit().await?;
    Ok(PaymentBatch {
        id: batch_id,
        reference,
        pay_date,
        dossier_count: chosen.len() as i64,
        transfer_count: transfer_of.len() as i64,
        total,
    })
}

/// The transfers of a batch: one per member paid something, in reference order.
pub async fn transfers(pool: &AnyPool, batch_id: i64) -> ApiResult<Vec<Transfer>> {
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM payment_batches WHERE id = $1").bind(batch_id).fetch_optional(pool).await?;
    if exists.is_none() {
        return Err(ApiError::not_found(format!("Aucun lot de règlement n° {batch_id}.")));
    }
    let rows = sqlx::query(
        "SELECT d.payment_reference, d.form_number AS number, d.paid_amount AS amount, m.matricule AS payee_code, \
            m.last_name || ' ' || m.first_name AS payee_name, m.rib \
         FROM dossiers d JOIN members m ON m.id = d.member_id WHERE d.payment_batch_id = $1 AND d.paid_amount > 0 \
         ORDER BY d.payment_reference, d.id",
    )
    .bind(batch_id)
    .fetch_all(pool)
    .await?;
    crate::export::transfers::from_payments(&rows)
}

/// A transfer the bank returned (closed account, wrong RIB…): its dossiers
/// go back to "liquidé", to be paid again in a later batch once the member's
/// RIB is put right; the return is kept with its reason, and the member's
/// view says why the payment is late. All or nothing.
pub async fn return_transfer(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    payment_reference: &str,
    reason: &str,
    returned_on: NaiveDate,
) -> ApiResult<i64> {
    let reference = payment_reference.trim();
    let reason = crate::kernel::text::clean("reason", "Motif du retour", reason, 300)?;
    let mut tx = db.begin().await?;
    let rows = sqlx::query(
        "SELECT id, member_id, payment_batch_id, paid_amount, version FROM dossiers WHERE \
        payment_reference = $1 AND status = $2",
    )
    .bind(reference)
    .bind(Status::Paye.code())
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Err(ApiError::validation(
            "payment_reference",
            format!("Aucun virement réglé de référence « {reference} »."),
        ));
    }
    let amount: Centimes = rows
        .iter()
        .map(|r| r.try_get::<Option<Centimes>, _>("paid_amount").map(|a| a.unwrap_or_default()))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .sum();
    let member: i64 = rows[0].try_get("member_id")?;
    let batch: i64 = rows[0].try_get::<Option<i64>, _>("payment_batch_id")?.unwrap_or_default();
    sqlx::query(
        "INSERT INTO payment_returns (payment_reference, batch_id, member_id, amount, reason, returned_on, \
            created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(reference)
    .bind(batch)
    .bind(member)
    .bind(amount)
    .bind(&reason)
    .bind(time::date(returned_on))
    .bind(time::ts(now))
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    let mut journal = vec![];
    for r in &rows {
        let paid: Option<i64> = r.try_get("paid_amount")?;
        let read = Current { id: r.try_get("id")?, status: Status::Paye, version: r.try_get("version")? };
        let details = serde_json::json!({ "reason": reason, "returned_on": returned_on });
        let input = Input {
            reason_text: Some(reason.clone()),
            details: details.as_object().cloned().unwrap_or_default(),
            ..Default::default()
        };
        let update = workflow::plan(read, Transition::PaymentReturned, &[], input)?;
        let before = serde_json::json!({ "status": Status::Paye, "payment_reference": reference, "paid_amount": paid });
        lifecycle::write(&mut tx, now, update, before, &mut journal).await?;
    }
    audit::record_many(&mut tx, now, actor, journal).await?;
    tx.commit().await?;
    Ok(rows.len() as i64)
}
