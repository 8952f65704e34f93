//! Transmission slips to the AMO fund (bordereaux d'envoi): the AMO parts of
//! the dossiers settled in a period, and the AMO parts the fund takes back
//! (dossiers clawed back after it paid, `fund_returns`) as negative lines.
//! Written out in `slip_files.rs`; the fund's confirmation in `slip_confirm.rs`.

use crate::audit::{Actor, Change};
use crate::dossiers::workflow::Status;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::money::Centimes;
use crate::storage::{numbered, time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct FundSlip {
    #[ts(type = "number")]
    pub id: i64,
    /// `BORD-202303-00001`.
    pub reference: String,
    pub fund_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    #[ts(type = "number")]
    pub dossier_count: i64,
    pub total_base: Centimes,
    /// The AMO parts the fund owes on these dossiers.
    pub total_amo: Centimes,
    /// Negative lines: AMO parts of dossiers clawed back after the fund paid them.
    #[ts(type = "number")]
    pub return_count: i64,
    pub total_returned: Centimes,
    /// What the fund owes on the slip: `total_amo - total_returned` (negative: it is owed).
    pub net: Centimes,
    /// Lines the fund confirmed (a dossier's part paid, a return acknowledged).
    #[ts(type = "number")]
    pub confirmed_count: i64,
    pub confirmed_on: Option<NaiveDate>,
}

/// One line of a slip: a dossier's AMO part, or one taken back (`returned`,
/// `amo` negative, `base` 0).
#[derive(Debug, Clone, Serialize, TS)]
pub struct SlipLine {
    pub form_number: String,
    pub matricule: String,
    pub member_name: String,
    pub beneficiary_name: String,
    pub paid_on: Option<NaiveDate>,
    pub base: Centimes,
    pub amo: Centimes,
    /// Who paid the AMO part: `fonds` (the fund pays the member), `mutuelle`
    /// (the mutual advanced it to him and recovers it) or `prestataire` (the
    /// mutual paid it to the provider under its coverage, and recovers it).
    pub paid_to_member_by: String,
    /// The fund's confirmation of the line.
    pub fund_paid_on: Option<NaiveDate>,
    /// Why the part goes back (a negative line's reason).
    pub returned: Option<String>,
}

const SELECT_SLIP: &str = "SELECT s.id, s.reference, s.fund_name, s.period_from, s.period_to, s.dossier_count, \
    s.total_base, s.total_amo, s.return_count, s.total_returned, s.confirmed_on,
    (SELECT COUNT(*) FROM dossiers d WHERE d.fund_slip_id = s.id AND d.fund_paid_on IS NOT NULL) + (SELECT COUNT(*) \
        FROM provider_invoices i WHERE i.fund_slip_id = s.id AND i.fund_paid_on IS NOT NULL) + (SELECT COUNT(*) \
        FROM fund_returns f WHERE f.fund_slip_id = s.id AND f.acknowledged_on IS NOT NULL) AS confirmed_count
    FROM fund_slips s";

fn slip_row(r: &sqlx::any::AnyRow) -> ApiResult<FundSlip> {
    let (total_amo, total_returned) = (r.try_get("total_amo")?, r.try_get("total_returned")?);
    Ok(FundSlip {
        id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        fund_name: r.try_get("fund_name")?,
        period_from: time::row_date(r, "period_from")?.ok_or_else(|| ApiError::internal("slip without a period"))?,
        period_to: time::row_date(r, "period_to")?.ok_or_else(|| ApiError::internal("slip without a period"))?,
        dossier_count: r.try_get("dossier_count")?,
        total_base: r.try_get("total_base")?,
        total_amo,
        return_count: r.try_get("return_count")?,
        total_returned,
        net: total_amo - total_returned,
        confirmed_count: r.try_get("confirmed_count")?,
        confirmed_on: time::row_date(r, "confirmed_on")?,
    })
}

pub async fn get(pool: &AnyPool, id: i64) -> ApiResult<FundSlip> {
    let r = sqlx::query(&format!("{SELECT_SLIP} WHERE s.id = $1")).bind(id).fetch_optional(pool).await?;
    slip_row(&r.ok_or_else(|| ApiError::not_found(format!("Aucun bordereau n° {id}.")))?)
}

pub async fn list(pool: &AnyPool) -> ApiResult<Vec<FundSlip>> {
    let rows = sqlx::query(&format!("{SELECT_SLIP} ORDER BY s.id DESC")).fetch_all(pool).await?;
    rows.iter().map(slip_row).collect()
}

/// Puts on one slip the AMO parts of every dossier settled (paid) between
/// two dates and not yet sent to the fund, with every AMO part the fund is
/// to take back (whatever its date: the next slip carries it). All or nothing.
/// One slip goes to one fund: `fund` names it when the period's AMO parts
/// are owed by several (a child insured by the other parent's CNSS).
pub async fn create(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
    fund: Option<&str>,
) -> ApiResult<FundSlip> {
    if from > to {
        return Err(ApiError::validation("to", "La fin de la période précède son début."));
    }
    let mut tx = db.begin().await?;
    // A dossier clawed back has its AMO part settled by `fund_returns`: never sent again.
    let rows = sqlx::query(
        "SELECT d.id, d.fund_name, d.amo_due,
           (SELECT CAST(SUM(cl.base) AS BIGINT) FROM care_lines cl WHERE cl.dossier_id = d.id AND cl.accepted = 1) \
               AS base
         FROM dossiers d WHERE d.status = $1 AND d.fund_slip_id IS NULL AND d.amo_due > 0 AND d.paid_on >= $2 AND \
             d.paid_on <= $3 AND NOT EXISTS (SELECT 1 FROM fund_returns f WHERE f.dossier_id = d.id)
         ORDER BY d.paid_on, d.id",
    )
    .bind(Status::Paye.code())
    .bind(time::date(from))
    .bind(time::date(to))
    .fetch_all(&mut *tx)
    .await?;
    // The AMO parts the mutual advanced to providers it paid under its own coverages.
    let invoices = sqlx::query(
        "SELECT i.id, i.fund_name, i.total_amo AS amo_due,
           (SELECT CAST(SUM(l.base) AS BIGINT) FROM provider_invoice_lines l WHERE l.invoice_id = i.id) AS base
         FROM provider_invoices i WHERE i.fund_slip_id IS NULL AND i.total_amo > 0 AND i.paid_on >= $1 AND \
             i.paid_on <= $2 ORDER BY i.paid_on, i.id",
    )
    .bind(time::date(from))
    .bind(time::date(to))
    .fetch_all(&mut *tx)
    .await?;
    let returns = sqlx::query(
        "SELECT id, fund_name, amount FROM fund_returns WHERE kind = 'return' AND fund_slip_id IS NULL ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() && invoices.is_empty() && returns.is_empty() {
        return Err(ApiError::validation(
            "from",
            format!("Aucune part AMO réglée à transmettre entre le {} et le {}.", fr(from), fr(to)),
        ));
    }
    let fund_of = |r: &sqlx::any::AnyRow| -> ApiResult<String> {
        Ok(r.try_get::<Option<String>, _>("fund_name")?.unwrap_or_else(|| "AMO".into()))
    };
    let mut funds = std::collections::BTreeSet::new();
    for r in rows.iter().chain(&invoices).chain(&returns) {
        funds.insert(fund_of(r)?);
    }
    let fund = which_fund(funds, fund)?;
    let of_fund = |r: &sqlx::any::AnyRow| fund_of(r).map(|f| f == fund).unwrap_or(false);
    let rows: Vec<_> = rows.into_iter().filter(of_fund).collect();
    let invoices: Vec<_> = invoices.into_iter().filter(of_fund).collect();
    let returns: Vec<_> = returns.into_iter().filter(of_fund).collect();
    let mut total_base = Centimes::ZERO;
    let mut total_amo = Centimes::ZERO;
    for r in rows.iter().chain(&invoices) {
        total_base += r.try_get::<Option<Centimes>, _>("base")?.unwrap_or_default();
        total_amo += r.try_get::<Option<Centimes>, _>("amo_due")?.unwrap_or_default();
    }
    let mut total_returned = Centimes::ZERO;
    for r in &returns {
        total_returned += r.try_get::<Centimes, _>("amount")?;
    }
    let (id, reference) = numbered::insert(
        &mut tx,
        (
            "fund_slips",
            &[
                "fund_name",
                "period_from",
                "period_to",
                "dossier_count",
                "total_base",
                "total_amo",
                "return_count",
                "total_returned",
            ],
            &[
                fund.as_str().into(),
                time::date(from).into(),
                time::date(to).into(),
                ((rows.len() + invoices.len()) as i64).into(),
                total_base.into(),
                total_amo.into(),
                (returns.len() as i64).into(),
                total_returned.into(),
            ],
        ),
        (now, &actor.name),
        |id| format!("BORD-{}-{id:05}", to.format("%Y%m")),
    )
    .await?;
    for (table, list) in [("dossiers", &rows), ("provider_invoices", &invoices), ("fund_returns", &returns)] {
        let sql = format!("UPDATE {table} SET fund_slip_id = $1 WHERE id = $2 AND fund_slip_id IS NULL");
        for r in list {
            let row: i64 = r.try_get("id")?;
            crate::storage::versioned::claim(&mut tx, sqlx::query(&sql).bind(id).bind(row)).await?;
        }
    }
    Change::on("fund_slip.create", "fund_slip", id)
        .after(serde_json::json!({ "reference": reference, "from": from, "to": to, "dossiers": rows.len(),
            "provider_invoices": invoices.len(), "total_base": total_base, "total_amo": total_amo,
            "returns": returns.len(), "total_returned": total_returned }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    get(db.pool(), id).await
}

/// The fund a slip goes to: the one asked for, or the only one owed.
fn which_fund(funds: std::collections::BTreeSet<String>, asked: Option<&str>) -> ApiResult<String> {
    match asked.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => funds.iter().find(|x| x.eq_ignore_ascii_case(f)).cloned().ok_or_else(|| {
            ApiError::validation("fund_name", format!("Aucune part AMO due à la caisse {f} sur cette période."))
        }),
        None if funds.len() > 1 => {
            let names = funds.iter().cloned().collect::<Vec<_>>().join(", ");
            Err(ApiError::validation(
                "fund_name",
                format!(
                    "Les parts AMO de la période vont à plusieurs caisses ({names}) : un bordereau par caisse, \
                    choisissez-la."
                ),
            ))
        }
        None => Ok(funds.into_iter().next().unwrap_or_else(|| "AMO".into())),
    }
}

/// The slip's lines: its dossiers by date paid, then the parts taken back.
pub async fn lines(pool: &AnyPool, slip_id: i64) -> ApiResult<Vec<SlipLine>> {
    get(pool, slip_id).await?;
    const PEOPLE: &str = "m.matricule, m.last_name, m.first_name, b.last_name AS b_last, b.first_name AS b_first \
        FROM dossiers d JOIN members m ON m.id = d.member_id JOIN beneficiaries b ON b.id = d.beneficiary_id";
    let rows = sqlx::query(&format!(
        "SELECT d.form_number, d.paid_on, d.amo_due AS amount, d.mutual_pays_amo, d.fund_paid_on, NULL AS reason,
           (SELECT CAST(SUM(cl.base) AS BIGINT) FROM care_lines cl WHERE cl.dossier_id = d.id AND cl.accepted = 1) \
               AS base, {PEOPLE}
         WHERE d.fund_slip_id = $1 ORDER BY d.paid_on, d.id"
    ))
    .bind(slip_id)
    .fetch_all(pool)
    .await?;
    let returns = sqlx::query(&format!(
        "SELECT d.form_number, d.paid_on, f.amount, d.mutual_pays_amo, f.acknowledged_on AS fund_paid_on, f.reason,
           CAST(NULL AS BIGINT) AS base, {PEOPLE} JOIN fund_returns f ON f.dossier_id = d.id
         WHERE f.fund_slip_id = $1 ORDER BY f.id"
    ))
    .bind(slip_id)
    .fetch_all(pool)
    .await?;
    let invoices = sqlx::query(
        "SELECT i.invoice_number AS form_number, i.paid_on, i.total_amo AS amount, CAST(2 AS BIGINT) AS \
           mutual_pays_amo, i.fund_paid_on, NULL AS reason,
           (SELECT CAST(SUM(l.base) AS BIGINT) FROM provider_invoice_lines l WHERE l.invoice_id = i.id) AS base,
           m.matricule, m.last_name, m.first_name, b.last_name AS b_last, b.first_name AS b_first
         FROM provider_invoices i JOIN members m ON m.id = i.member_id JOIN beneficiaries b ON b.id = i.beneficiary_id
         WHERE i.fund_slip_id = $1 ORDER BY i.paid_on, i.id",
    )
    .bind(slip_id)
    .fetch_all(pool)
    .await?;
    let line = |r: &sqlx::any::AnyRow| -> ApiResult<SlipLine> {
        let returned: Option<String> = r.try_get("reason")?;
        let amount = r.try_get::<Option<Centimes>, _>("amount")?.unwrap_or_default();
        let name = |last: &str, first: &str| -> ApiResult<String> {
            Ok(format!("{} {}", r.try_get::<String, _>(last)?, r.try_get::<String, _>(first)?))
        };
        Ok(SlipLine {
            form_number: r.try_get("form_number")?,
            matricule: r.try_get("matricule")?,
            member_name: name("last_name", "first_name")?,
            beneficiary_name: name("b_last", "b_first")?,
            paid_on: time::row_date(r, "paid_on")?,
            base: r.try_get::<Option<Centimes>, _>("base")?.unwrap_or_default(),
            amo: if returned.is_some() { -amount } else { amount },
            paid_to_member_by: match r.try_get::<Option<i64>, _>("mutual_pays_amo")?.unwrap_or_default() {
                1 => "mutuelle",
                2 => "prestataire",
                _ => "fonds",
            }
            .to_string(),
            fund_paid_on: time::row_date(r, "fund_paid_on")?,
            returned,
        })
    };
    rows.iter().chain(&invoices).chain(&returns).map(line).collect()
}
