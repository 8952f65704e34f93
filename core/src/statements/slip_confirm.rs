//! The fund's payment confirmation of a slip: for the rest of the slip, or
//! row by row from its return file, checked whole before anything is written.
//! It marks each dossier's AMO part paid and each part taken back acknowledged.

use super::slips::{get, lines, FundSlip};
use crate::api::files::FileData;
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::money::{self, format as dh, Centimes};
use crate::sheet;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use ts_rs::TS;

/// The fund's confirmation: the date and reference of its payment, and
/// either the whole slip or the return file's rows (form number, amount).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    #[ts(type = "number")]
    pub id: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
    /// The fund's return file (`.csv`, `.xlsx`): a column of form numbers and
    /// one of amounts. Absent: the whole slip is confirmed.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub file: Option<FileData>,
}

/// What the confirmation of the line of form (or invoice) `$4` on slip `$3`
/// marks, paid on `$1` under the fund's reference `$2`: a dossier's AMO
/// part, a provider's invoice whose AMO part the mutual advanced, or a part
/// taken back (acknowledged). A number names one line of a slip.
const CONFIRMS: [&str; 3] = [
    "UPDATE dossiers SET fund_paid_on = $1, fund_payment_reference = $2 WHERE fund_slip_id = $3 AND form_number = $4 \
        AND fund_paid_on IS NULL",
    "UPDATE provider_invoices SET fund_paid_on = $1, fund_payment_reference = $2 WHERE fund_slip_id = $3 AND \
        invoice_number = $4 AND fund_paid_on IS NULL",
    "UPDATE fund_returns SET acknowledged_on = $1, acknowledged_reference = $2 WHERE fund_slip_id = $3 AND \
        acknowledged_on IS NULL AND dossier_id IN (SELECT id FROM dossiers WHERE form_number = $4)",
];

/// Records the fund's payment of a slip's AMO parts. A return file naming a
/// dossier not on the slip, or another amount, is refused naming its row,
/// and nothing is recorded.
pub async fn confirm(db: &Db, actor: &Actor, now: DateTime<Utc>, c: &Confirmation) -> ApiResult<FundSlip> {
    let reference = text::clean("reference", "Référence du paiement de la caisse", &c.reference, 60)?;
    if reference.is_empty() {
        return Err(ApiError::validation(
            "reference",
            "Référence du paiement de la caisse obligatoire (celle de son avis de paiement).",
        ));
    }
    let slip = get(db.pool(), c.id).await?;
    let on_slip = lines(db.pool(), c.id).await?;
    let confirmed: Vec<(String, Centimes)> = match &c.file {
        // The rest of the slip: what the fund has not confirmed yet.
        None => on_slip.iter().filter(|l| l.fund_paid_on.is_none()).map(|l| (l.form_number.clone(), l.amo)).collect(),
        Some(file) => {
            let rows = read_return_file(&file.content)?;
            let mut out = vec![];
            for (n, form, amount) in rows {
                let Some(l) = on_slip.iter().find(|l| l.form_number.eq_ignore_ascii_case(&form)) else {
                    return Err(ApiError::validation(
                        "file",
                        format!(
                            "Ligne {n} : la feuille {form} n'est pas sur le bordereau {} ; rien n'a été enregistré.",
                            slip.reference
                        ),
                    ));
                };
                if l.amo != amount {
                    return Err(ApiError::validation(
                        "file",
                        format!(
                            "Ligne {n} : {} DH payés pour la feuille {form}, le bordereau en porte {} DH ; rien \
                            n'a été enregistré.",
                            dh(amount),
                            dh(l.amo)
                        ),
                    ));
                }
                out.push((l.form_number.clone(), amount));
            }
            if out.is_empty() {
                return Err(ApiError::validation(
                    "file",
                    "Le fichier de retour ne contient aucune ligne (feuille de soins, montant).",
                ));
            }
            out
        }
    };
    let mut tx = db.begin().await?;
    for (form, _) in &confirmed {
        for sql in CONFIRMS {
            sqlx::query(sql)
                .bind(time::date(c.paid_on))
                .bind(&reference)
                .bind(c.id)
                .bind(form)
                .execute(&mut *tx)
                .await?;
        }
    }
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM dossiers WHERE fund_slip_id = $1 AND fund_paid_on IS NULL) + (SELECT COUNT(*) \
        FROM provider_invoices WHERE fund_slip_id = $1 AND fund_paid_on IS NULL) + (SELECT COUNT(*) FROM \
        fund_returns WHERE fund_slip_id = $1 AND acknowledged_on IS NULL)",
    )
    .bind(c.id)
    .fetch_one(&mut *tx)
    .await?;
    if left == 0 {
        sqlx::query("UPDATE fund_slips SET confirmed_on = $1 WHERE id = $2")
            .bind(time::date(c.paid_on))
            .bind(c.id)
            .execute(&mut *tx)
            .await?;
    }
    Change::on("fund_slip.confirm", "fund_slip", c.id)
        .before(serde_json::json!({ "confirmed_count": slip.confirmed_count }))
        .after(serde_json::json!({ "paid_on": c.paid_on, "reference": reference, "dossiers": confirmed,
            "left": left }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    get(db.pool(), c.id).await
}

/// (row number, form number, amount) of each row of the fund's return file:
/// the columns whose header names the form and the amount.
fn read_return_file(bytes: &[u8]) -> ApiResult<Vec<(usize, String, Centimes)>> {
    let sheets = sheet::from_bytes(sheet::checked(bytes)?)?;
    let text_of = |c: &sheet::Cell| match c {
        sheet::Cell::Text(t) => t.clone(),
        sheet::Cell::Number(f) => format!("{f}"),
        sheet::Cell::Date(d) => fr(*d),
        sheet::Cell::Empty | sheet::Cell::Error(_) => String::new(),
    };
    let rows: Vec<Vec<String>> = sheets
        .first()
        .map(|s| s.rows.iter().map(|(_, cells)| cells.iter().map(text_of).collect()).collect())
        .unwrap_or_default();
    let header = rows.first().ok_or_else(|| ApiError::validation("file", "Le fichier de retour est vide."))?;
    let find = |words: &[&str]| header.iter().position(|h| words.iter().any(|w| text::fold(h).contains(w)));
    let form_col = find(&["feuille", "dossier"])
        .ok_or_else(|| ApiError::validation("file", "Le fichier de retour n'a pas de colonne « Feuille de soins »."))?;
    let amount_col = find(&["montant", "part amo", "paye"])
        .ok_or_else(|| ApiError::validation("file", "Le fichier de retour n'a pas de colonne « Montant »."))?;
    let mut out = vec![];
    for (i, row) in rows.iter().enumerate().skip(1) {
        let n = i + 1;
        let form = row.get(form_col).map(|s| s.trim().to_string()).unwrap_or_default();
        let raw = row.get(amount_col).cloned().unwrap_or_default();
        if form.is_empty() && raw.trim().is_empty() {
            continue;
        }
        let amount = money::parse("file", &format!("Ligne {n}, montant"), &raw)?;
        out.push((n, form, amount));
    }
    Ok(out)
}
