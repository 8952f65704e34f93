//! Provider payment batches: the liquidated invoices not yet paid, each
//! provider paid in one transfer per batch (`PRE-YYYYMMDD-nnnnn/nnnn`), to
//! the account validated for him; a provider without one stops the batch,
//! named, and nothing is paid. The transfer list is the members' list's
//! shape (`.xlsx` or `.csv`), one row per provider.

use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::export::transfers::{self, Transfer, TransferList};
use crate::kernel::dates::fr;
use crate::kernel::rib;
use crate::money::Centimes;
use crate::storage::{numbered, time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct ProviderBatch {
    #[ts(type = "number")]
    pub id: i64,
    /// `PRE-20230220-00001`.
    pub reference: String,
    pub pay_date: NaiveDate,
    #[ts(type = "number")]
    pub invoice_count: i64,
    /// One per provider paid something.
    #[ts(type = "number")]
    pub transfer_count: i64,
    pub total: Centimes,
}

fn from_row(r: &sqlx::any::AnyRow) -> ApiResult<ProviderBatch> {
    Ok(ProviderBatch {
        id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        pay_date: time::row_date(r, "pay_date")?.ok_or_else(|| ApiError::internal("batch without a date"))?,
        invoice_count: r.try_get("invoice_count")?,
        transfer_count: r.try_get("transfer_count")?,
        total: r.try_get("total")?,
    })
}

pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<ProviderBatch> {
    let r = sqlx::query("SELECT * FROM provider_payment_batches WHERE id = $1").bind(id).fetch_optional(pool).await?;
    from_row(&r.ok_or_else(|| ApiError::not_found(format!("Aucun lot de règlement des prestataires n° {id}.")))?)
}

pub async fn list(pool: &AnyPool) -> ApiResult<Vec<ProviderBatch>> {
    let rows = sqlx::query("SELECT * FROM provider_payment_batches ORDER BY id DESC LIMIT 200").fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Pays the given invoices (every invoice waiting when `ids` is empty) on
/// `pay_date`. An invoice already paid is refused naming its payment; a
/// provider to be paid without a validated account stops the batch.
pub async fn pay(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    ids: &[i64],
    pay_date: NaiveDate,
) -> ApiResult<ProviderBatch> {
    let mut tx = db.begin().await?;
    for id in ids {
        let row = sqlx::query(
            "SELECT i.invoice_number, i.paid_on, i.payment_reference, p.name, pb.reference FROM provider_invoices i \
            JOIN providers p ON p.id = i.provider_id LEFT JOIN provider_payment_batches pb ON pb.id = i.batch_id \
            WHERE i.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::validation("invoice_ids", format!("Aucune facture de prestataire n° {id}.")))?;
        if let Some(on) = time::row_date(&row, "paid_on")? {
            return Err(ApiError::validation(
                "invoice_ids",
                format!(
                    "La facture {} de {} est déjà réglée : lot {}, virement {} du {}. Une facture ne se paie qu'une \
                    fois ; rien n'a été réglé.",
                    row.try_get::<String, _>("invoice_number")?,
                    row.try_get::<String, _>("name")?,
                    row.try_get::<Option<String>, _>("reference")?.unwrap_or_default(),
                    row.try_get::<Option<String>, _>("payment_reference")?.unwrap_or_default(),
                    fr(on)
                ),
            ));
        }
    }
    let rows = sqlx::query(
        "SELECT i.id, i.provider_id, i.mutual_pays, p.name, p.rib FROM provider_invoices i JOIN providers p ON p.id \
        = i.provider_id WHERE i.batch_id IS NULL ORDER BY p.name, i.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let chosen: Vec<_> = rows
        .iter()
        .filter(|r| ids.is_empty() || r.try_get::<i64, _>("id").map(|id| ids.contains(&id)).unwrap_or(false))
        .collect();
    if chosen.is_empty() {
        return Err(ApiError::validation("invoice_ids", "Aucune facture de prestataire à régler."));
    }
    let mut bad = vec![];
    for r in &chosen {
        let account: Option<String> = r.try_get("rib")?;
        if r.try_get::<Centimes, _>("mutual_pays")? > 0
            && account.as_deref().map(|a| rib::check("rib", a)).transpose().ok().flatten().is_none()
        {
            bad.push(r.try_get::<String, _>("name")?);
        }
    }
    if !bad.is_empty() {
        bad.dedup();
        return Err(ApiError::validation(
            "invoice_ids",
            format!(
                "Aucun RIB validé pour : {}. Faites enregistrer et valider son RIB (avec l'attestation), ou retirez \
                ses factures du lot ; rien n'a été réglé.",
                bad.join(", ")
            ),
        ));
    }
    let total: Centimes =
        chosen.iter().map(|r| r.try_get::<Centimes, _>("mutual_pays")).sum::<Result<Centimes, _>>()?;
    // One transfer per provider paid something.
    let mut payees = vec![];
    for r in &chosen {
        if r.try_get::<Centimes, _>("mutual_pays")? > 0 {
            payees.push(r.try_get::<i64, _>("provider_id")?);
        }
    }
    let transfer_count = payees.iter().collect::<std::collections::BTreeSet<_>>().len() as i64;
    let (batch_id, reference) = numbered::insert(
        &mut tx,
        (
            "provider_payment_batches",
            &["pay_date", "invoice_count", "transfer_count", "total"],
            &[time::date(pay_date).into(), (chosen.len() as i64).into(), transfer_count.into(), total.into()],
        ),
        (now, &actor.name),
        |id| format!("PRE-{}-{id:05}", pay_date.format("%Y%m%d")),
    )
    .await?;
    let transfer_of = transfers::numbered(&reference, payees);
    for r in &chosen {
        let pref = transfer_of.get(&r.try_get::<i64, _>("provider_id")?).cloned();
        let update = sqlx::query(
            "UPDATE provider_invoices SET batch_id = $1, payment_reference = $2, paid_on = $3 WHERE id = $4 AND \
            batch_id IS NULL",
        );
        let id: i64 = r.try_get("id")?;
        crate::storage::versioned::claim(&mut tx, update.bind(batch_id).bind(pref).bind(time::date(pay_date)).bind(id))
            .await?;
    }
    Change::on("provider_batch.create", "provider_batch", batch_id)
        .after(serde_json::json!({ "reference": reference, "pay_date": pay_date, "invoices": chosen.len(),
                "transfers": transfer_of.len(), "total": total }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    get(db.pool(), batch_id).await
}

/// The transfers of a batch: one per provider, in reference order.
pub async fn transfers(pool: &AnyPool, batch_id: i64) -> ApiResult<Vec<Transfer>> {
    get(pool, batch_id).await?;
    let rows = sqlx::query(
        "SELECT i.payment_reference, i.invoice_number AS number, i.mutual_pays AS amount, p.agreement AS payee_code, \
            p.name AS payee_name, p.rib FROM provider_invoices i JOIN providers p ON p.id = i.provider_id \
         WHERE i.batch_id = $1 AND i.mutual_pays > 0 ORDER BY i.payment_reference, i.id",
    )
    .bind(batch_id)
    .fetch_all(pool)
    .await?;
    transfers::from_payments(&rows)
}

/// The transfer list of a batch for a file named `name` (`.xlsx` or
/// `.csv`), and how many transfers it holds.
pub async fn export(pool: &AnyPool, batch_id: i64, name: &str) -> ApiResult<(Vec<u8>, usize)> {
    let list = transfers(pool, batch_id).await?;
    Ok((transfers::bytes(name, &list, TransferList::Providers)?, list.len()))
}
