//! Payment batches: liquidated dossiers gathered, each given a payment
//! reference and date and moved to "réglé"; the batch exported as a transfer
//! list with the members' RIBs.

use crate::audit::{self, Actor, Change};
use crate::dossiers::workflow::Status;
use crate::error::{ApiError, ApiResult};
use crate::export::{write_xlsx, Cell};
use crate::members::validate;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row};
use std::path::Path;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct PaymentBatch {
    #[ts(type = "number")]
    pub id: i64,
    pub reference: String,
    pub pay_date: NaiveDate,
    #[ts(type = "number")]
    pub dossier_count: i64,
    /// Centimes.
    #[ts(type = "number")]
    pub total: i64,
}

/// One transfer of a batch.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Transfer {
    pub payment_reference: String,
    pub form_number: String,
    pub matricule: String,
    pub member_name: String,
    pub rib: String,
    #[ts(type = "number")]
    pub amount: i64,
}

/// Pays the given liquidated dossiers (all liquidated dossiers when `ids` is
/// empty) on `pay_date`. A member without a valid RIB stops the whole batch,
/// naming him: nothing is half-paid.
pub async fn pay(db: &Db, actor: &Actor, now: DateTime<Utc>, ids: &[i64], pay_date: NaiveDate) -> ApiResult<PaymentBatch> {
    let mut tx = db.begin().await?;
    let rows = sqlx::query(
        "SELECT d.id, d.status, d.form_number, d.total_reimbursed, d.clawback_deducted, d.version, m.matricule, m.last_name, m.first_name, m.rib
         FROM dossiers d JOIN members m ON m.id = d.member_id WHERE d.status = 'liquide' ORDER BY d.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut chosen = vec![];
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        if ids.is_empty() || ids.contains(&id) {
            chosen.push(r);
        }
    }
    for id in ids {
        if !rows.iter().any(|r| r.try_get::<i64, _>("id").ok() == Some(*id)) {
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM dossiers WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            return Err(match status.as_deref().and_then(Status::parse) {
                None => ApiError::validation("dossier_ids", format!("Aucun dossier n° {id}.")),
                Some(s) => ApiError::conflict(format!("Le dossier n° {id} est « {} » : seuls les dossiers liquidés se règlent.", s.label())),
            });
        }
    }
    if chosen.is_empty() {
        return Err(ApiError::validation("dossier_ids", "Aucun dossier liquidé à régler."));
    }
    let mut bad = vec![];
    for r in &chosen {
        let rib: Option<String> = r.try_get("rib")?;
        if rib.as_deref().map(|x| validate::rib("rib", x)).transpose().ok().flatten().is_none() {
            bad.push(format!("{} ({} {})", r.try_get::<String, _>("matricule")?, r.try_get::<String, _>("last_name")?, r.try_get::<String, _>("first_name")?));
        }
    }
    if !bad.is_empty() {
        bad.dedup();
        return Err(ApiError::validation(
            "dossier_ids",
            format!("RIB absent ou invalide pour : {}. Corrigez la fiche de l'adhérent ou retirez ses dossiers du lot ; rien n'a été réglé.", bad.join(", ")),
        ));
    }
    let total: i64 = chosen
        .iter()
        .map(|r| Ok(r.try_get::<Option<i64>, _>("total_reimbursed")?.unwrap_or(0) - r.try_get::<Option<i64>, _>("clawback_deducted")?.unwrap_or(0)))
        .collect::<ApiResult<Vec<_>>>()?
        .into_iter()
        .sum();
    let batch_id: i64 = sqlx::query_scalar(
        "INSERT INTO payment_batches (reference, pay_date, dossier_count, total, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(format!("tmp-{}", time::ts(now)))
    .bind(time::date(pay_date))
    .bind(chosen.len() as i64)
    .bind(total)
    .bind(time::ts(now))
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    let reference = format!("VIR-{}-{batch_id:05}", pay_date.format("%Y%m%d"));
    sqlx::query("UPDATE payment_batches SET reference = $1 WHERE id = $2").bind(&reference).bind(batch_id).execute(&mut *tx).await?;
    for (i, r) in chosen.iter().enumerate() {
        let id: i64 = r.try_get("id")?;
        let net = r.try_get::<Option<i64>, _>("total_reimbursed")?.unwrap_or(0) - r.try_get::<Option<i64>, _>("clawback_deducted")?.unwrap_or(0);
        let pref = format!("{reference}/{:04}", i + 1);
        let statement = format!("DEC-{}-{id:08}", pay_date.format("%Y"));
        let n = sqlx::query(
            "UPDATE dossiers SET status = 'paye', paid_amount = $1, payment_batch_id = $2, payment_reference = $3, paid_on = $4, statement_number = $5,
               version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8 AND status = 'liquide'",
        )
        .bind(net)
        .bind(batch_id)
        .bind(&pref)
        .bind(time::date(pay_date))
        .bind(&statement)
        .bind(time::ts(now))
        .bind(id)
        .bind(r.try_get::<i64, _>("version")?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(ApiError::stale());
        }
        audit::record(&mut tx, now, actor, Change {
            action: "dossier.pay",
            entity_type: "dossier",
            entity_id: Some(id.to_string()),
            before: Some(serde_json::json!({ "status": "liquide" })),
            after: Some(serde_json::json!({ "status": "paye", "paid_amount": net, "payment_reference": pref, "paid_on": pay_date, "statement_number": statement })),
        })
        .await?;
    }
    tx.commit().await?;
    Ok(PaymentBatch { id: batch_id, reference, pay_date, dossier_count: chosen.len() as i64, total })
}

pub async fn transfers(pool: &AnyPool, batch_id: i64) -> ApiResult<Vec<Transfer>> {
    let rows = sqlx::query(
        "SELECT d.payment_reference, d.form_number, d.paid_amount, m.matricule, m.last_name, m.first_name, m.rib
         FROM dossiers d JOIN members m ON m.id = d.member_id WHERE d.payment_batch_id = $1 ORDER BY d.payment_reference",
    )
    .bind(batch_id)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Err(ApiError::not_found(format!("Aucun lot de règlement n° {batch_id}.")));
    }
    rows.iter()
        .map(|r| {
            Ok(Transfer {
                payment_reference: r.try_get::<Option<String>, _>("payment_reference")?.unwrap_or_default(),
                form_number: r.try_get("form_number")?,
                matricule: r.try_get("matricule")?,
                member_name: format!("{} {}", r.try_get::<String, _>("last_name")?, r.try_get::<String, _>("first_name")?),
                rib: r.try_get::<Option<String>, _>("rib")?.unwrap_or_default(),
                amount: r.try_get::<Option<i64>, _>("paid_amount")?.unwrap_or(0),
            })
        })
        .collect()
}

const HEADERS: [&str; 6] = ["Référence", "Feuille de soins", "Matricule", "Bénéficiaire du virement", "RIB", "Montant (DH)"];

/// The transfer list as `.xlsx` or `.csv` (`;`, amounts `1100,00`), by the file's extension.
pub fn write_transfers(dest: &Path, list: &[Transfer]) -> ApiResult<()> {
    let ext = dest.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "xlsx" => {
            let rows: Vec<Vec<Cell>> = list
                .iter()
                .map(|t| {
                    vec![
                        t.payment_reference.as_str().into(),
                        t.form_number.as_str().into(),
                        t.matricule.as_str().into(),
                        t.member_name.as_str().into(),
                        t.rib.as_str().into(),
                        Cell::Money(t.amount),
                    ]
                })
                .collect();
            write_xlsx(dest, "Virements", &HEADERS, &rows)
        }
        "csv" => {
            let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(vec![]);
            w.write_record(HEADERS).map_err(ApiError::internal)?;
            for t in list {
                let amount = format!("{},{:02}", t.amount / 100, t.amount % 100);
                w.write_record([&t.payment_reference, &t.form_number, &t.matricule, &t.member_name, &t.rib, &amount]).map_err(ApiError::internal)?;
            }
            let bytes = w.into_inner().map_err(ApiError::internal)?;
            crate::storage::files::write_atomically(dest, &bytes)
        }
        _ => Err(ApiError::validation("path", "La liste de virements s'enregistre en .xlsx ou en .csv.")),
    }
}
