//! Transmission slips to the AMO fund (bordereaux d'envoi): the AMO parts of
//! the dossiers settled in a period, sent to the fund (PDF, .xlsx or .csv),
//! and the fund's payment confirmation, entered for the whole slip or read
//! from its return file, which marks each dossier's AMO part paid.

use crate::audit::{self, Actor, Change};
use crate::dossiers::workflow::Status;
use crate::error::{ApiError, ApiResult};
use crate::export::{write_xlsx, Cell};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::money::{self, format as dh};
use crate::pdf::{Align, Writer};
use crate::sheet;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use std::path::Path;
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
    #[ts(type = "number")]
    pub total_base: i64,
    /// The AMO parts the fund owes on these dossiers.
    #[ts(type = "number")]
    pub total_amo: i64,
    /// Dossiers whose AMO part the fund confirmed paid.
    #[ts(type = "number")]
    pub confirmed_count: i64,
    pub confirmed_on: Option<NaiveDate>,
}

/// One dossier of a slip.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SlipLine {
    pub form_number: String,
    pub matricule: String,
    pub member_name: String,
    pub beneficiary_name: String,
    pub paid_on: Option<NaiveDate>,
    #[ts(type = "number")]
    pub base: i64,
    #[ts(type = "number")]
    pub amo: i64,
    /// Who pays the member's AMO part: `fonds` (the fund pays him) or
    /// `mutuelle` (the mutual advanced it and recovers it).
    pub paid_to_member_by: String,
    pub fund_paid_on: Option<NaiveDate>,
}

const SELECT_SLIP: &str = "SELECT s.id, s.reference, s.fund_name, s.period_from, s.period_to, s.dossier_count, \
    s.total_base, s.total_amo, s.confirmed_on,
    (SELECT COUNT(*) FROM dossiers d WHERE d.fund_slip_id = s.id AND d.fund_paid_on IS NOT NULL) AS \
        confirmed_count FROM fund_slips s";

fn slip_row(r: &sqlx::any::AnyRow) -> ApiResult<FundSlip> {
    Ok(FundSlip {
        id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        fund_name: r.try_get("fund_name")?,
        period_from: time::row_date(r, "period_from")?.ok_or_else(|| ApiError::internal("slip without a period"))?,
        period_to: time::row_date(r, "period_to")?.ok_or_else(|| ApiError::internal("slip without a period"))?,
        dossier_count: r.try_get("dossier_count")?,
        total_base: r.try_get("total_base")?,
        total_amo: r.try_get("total_amo")?,
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
/// two dates and not yet sent to the fund. All or nothing.
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
    let rows = sqlx::query(
        "SELECT d.id, d.fund_name, d.amo_due,
           (SELECT CAST(SUM(cl.base) AS BIGINT) FROM care_lines cl WHERE cl.dossier_id = d.id AND cl.accepted = 1) \
               AS base
         FROM dossiers d WHERE d.status = $1 AND d.fund_slip_id IS NULL AND d.amo_due > 0 AND d.paid_on >= $2 AND \
             d.paid_on <= $3 ORDER BY d.paid_on, d.id",
    )
    .bind(Status::Paye.code())
    .bind(time::date(from))
    .bind(time::date(to))
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Err(ApiError::validation(
            "from",
            format!("Aucune part AMO réglée à transmettre entre le {} et le {}.", fr(from), fr(to)),
        ));
    }
    let fund_of = |r: &sqlx::any::AnyRow| -> ApiResult<String> {
        Ok(r.try_get::<Option<String>, _>("fund_name")?.unwrap_or_else(|| "AMO".into()))
    };
    let mut funds = std::collections::BTreeSet::new();
    for r in &rows {
        funds.insert(fund_of(r)?);
    }
    let fund: String = match fund.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => funds.iter().find(|x| x.eq_ignore_ascii_case(f)).cloned().ok_or_else(|| {
            ApiError::validation("fund_name", format!("Aucune part AMO due à la caisse {f} sur cette période."))
        })?,
        None if funds.len() > 1 => {
            let names = funds.iter().cloned().collect::<Vec<_>>().join(", ");
            return Err(ApiError::validation(
                "fund_name",
                format!(
                    "Les parts AMO de la période vont à plusieurs caisses ({names}) : un bordereau par caisse, \
                    choisissez-la."
                ),
            ));
        }
        None => funds.into_iter().next().unwrap_or_else(|| "AMO".into()),
    };
    let rows: Vec<_> = rows.into_iter().filter(|r| fund_of(r).map(|f| f == fund).unwrap_or(false)).collect();
    let mut total_base = 0;
    let mut total_amo = 0;
    for r in &rows {
        total_base += r.try_get::<Option<i64>, _>("base")?.unwrap_or(0);
        total_amo += r.try_get::<Option<i64>, _>("amo_due")?.unwrap_or(0);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fund_slips (reference, fund_name, period_from, period_to, dossier_count, total_base, \
            total_amo, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(format!("tmp-{}", time::ts(now)))
    .bind(&fund)
    .bind(time::date(from))
    .bind(time::date(to))
    .bind(rows.len() as i64)
    .bind(total_base)
    .bind(total_amo)
    .bind(time::ts(now))
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    let reference = format!("BORD-{}-{id:05}", to.format("%Y%m"));
    sqlx::query("UPDATE fund_slips SET reference = $1 WHERE id = $2")
        .bind(&reference)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for r in &rows {
        let n = sqlx::query("UPDATE dossiers SET fund_slip_id = $1 WHERE id = $2 AND fund_slip_id IS NULL")
            .bind(id)
            .bind(r.try_get::<i64, _>("id")?)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(ApiError::stale());
        }
    }
    audit::record(
        &mut tx,
        now,
        actor,
        Change {
            action: "fund_slip.create",
            entity_type: "fund_slip",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "reference": reference, "from": from, "to": to, "dossiers": rows.len(),
            "total_base": total_base, "total_amo": total_amo })),
        },
    )
    .await?;
    tx.commit().await?;
    get(db.pool(), id).await
}

pub async fn lines(pool: &AnyPool, slip_id: i64) -> ApiResult<Vec<SlipLine>> {
    get(pool, slip_id).await?;
    let rows = sqlx::query(
        "SELECT d.form_number, d.paid_on, d.amo_due, d.mutual_pays_amo, d.fund_paid_on, m.matricule, m.last_name, \
            m.first_name, b.last_name AS b_last, b.first_name AS b_first,
           (SELECT CAST(SUM(cl.base) AS BIGINT) FROM care_lines cl WHERE cl.dossier_id = d.id AND cl.accepted = 1) \
               AS base
         FROM dossiers d JOIN members m ON m.id = d.member_id JOIN beneficiaries b ON b.id = d.beneficiary_id
         WHERE d.fund_slip_id = $1 ORDER BY d.paid_on, d.id",
    )
    .bind(slip_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SlipLine {
                form_number: r.try_get("form_number")?,
                matricule: r.try_get("matricule")?,
                member_name: format!(
                    "{} {}",
                    r.try_get::<String, _>("last_name")?,
                    r.try_get::<String, _>("first_name")?
                ),
                beneficiary_name: format!(
                    "{} {}",
                    r.try_get::<String, _>("b_last")?,
                    r.try_get::<String, _>("b_first")?
                ),
                paid_on: time::row_date(r, "paid_on")?,
                base: r.try_get::<Option<i64>, _>("base")?.unwrap_or(0),
                amo: r.try_get::<Option<i64>, _>("amo_due")?.unwrap_or(0),
                paid_to_member_by: if r.try_get::<Option<i64>, _>("mutual_pays_amo")?.unwrap_or(0) == 1 {
                    "mutuelle"
                } else {
                    "fonds"
                }
                .to_string(),
                fund_paid_on: time::row_date(r, "fund_paid_on")?,
            })
        })
        .collect()
}

const HEADERS: [&str; 8] = [
    "Feuille de soins",
    "Matricule",
    "Adhérent",
    "Bénéficiaire",
    "Réglé le",
    "Base AMO (DH)",
    "Part AMO (DH)",
    "Versée à l'adhérent par",
];

/// The slip as PDF, `.xlsx` or `.csv`, by the file's extension.
pub fn write(
    dest: &Path,
    head: &crate::pdf::letterhead::Letterhead,
    slip: &FundSlip,
    lines: &[SlipLine],
) -> ApiResult<()> {
    let ext = dest.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let payer = |l: &SlipLine| {
        if l.paid_to_member_by == "mutuelle" {
            "la mutuelle (à rembourser)".to_string()
        } else {
            slip.fund_name.clone()
        }
    };
    match ext.as_str() {
        "pdf" => crate::storage::files::write_atomically(dest, &pdf(head, slip, lines)),
        "xlsx" => {
            let rows: Vec<Vec<Cell>> = lines
                .iter()
                .map(|l| {
                    vec![
                        l.form_number.as_str().into(),
                        l.matricule.as_str().into(),
                        l.member_name.as_str().into(),
                        l.beneficiary_name.as_str().into(),
                        Cell::Date(l.paid_on),
                        Cell::Money(l.base),
                        Cell::Money(l.amo),
                        payer(l).into(),
                    ]
                })
                .collect();
            write_xlsx(dest, "Bordereau", &HEADERS, &rows)
        }
        "csv" => {
            use crate::export::CsvCell::{Figure, Text};
            let payers: Vec<String> = lines.iter().map(payer).collect();
            let rows: Vec<_> = lines
                .iter()
                .zip(&payers)
                .map(|(l, p)| {
                    vec![
                        Text(&l.form_number),
                        Text(&l.matricule),
                        Text(&l.member_name),
                        Text(&l.beneficiary_name),
                        Figure(l.paid_on.map(fr).unwrap_or_default()),
                        Figure(dh(l.base)),
                        Figure(dh(l.amo)),
                        Text(p),
                    ]
                })
                .collect();
            crate::storage::files::write_atomically(dest, &crate::export::csv_bytes(&HEADERS, &rows)?)
        }
        _ => Err(ApiError::validation("path", "Le bordereau s'enregistre en .pdf, .xlsx ou .csv.")),
    }
}

fn pdf(head: &crate::pdf::letterhead::Letterhead, slip: &FundSlip, lines: &[SlipLine]) -> Vec<u8> {
    let title = format!("Bordereau d'envoi n° {}", slip.reference);
    let mut w = Writer::new(&title, &format!("{} — {title}", head.name));
    crate::pdf::letterhead::top(&mut w, head);
    w.heading(&title);
    w.field("Destinataire", &slip.fund_name);
    w.field("Période de règlement", &format!("du {} au {}", fr(slip.period_from), fr(slip.period_to)));
    w.field("Dossiers", &slip.dossier_count.to_string());
    w.gap(6.0);
    let cols = [
        ("Feuille de soins", Align::Left),
        ("Matricule", Align::Left),
        ("Bénéficiaire", Align::Left),
        ("Réglé le", Align::Left),
        ("Base\nAMO", Align::Right),
        ("Part\nAMO", Align::Right),
    ];
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.form_number.clone(),
                l.matricule.clone(),
                l.beneficiary_name.clone(),
                l.paid_on.map(fr).unwrap_or_default(),
                dh(l.base),
                dh(l.amo),
            ]
        })
        .collect();
    let total =
        vec!["Total".into(), String::new(), String::new(), String::new(), dh(slip.total_base), dh(slip.total_amo)];
    w.fitted_table(&cols, &rows, Some(total));
    w.field("Total des parts AMO", &format!("{} DH", dh(slip.total_amo)));
    w.paragraph(
        "Merci de nous retourner la confirmation du paiement de ces parts AMO, dossier par dossier (feuille \
        de soins et montant).",
    );
    w.finish().render()
}

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
    pub file: Option<String>,
}

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
    let confirmed: Vec<(String, i64)> = match &c.file {
        // The rest of the slip: what the fund has not confirmed yet.
        None => on_slip.iter().filter(|l| l.fund_paid_on.is_none()).map(|l| (l.form_number.clone(), l.amo)).collect(),
        Some(path) => {
            let rows = read_return_file(Path::new(path.trim()))?;
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
        sqlx::query(
            "UPDATE dossiers SET fund_paid_on = $1, fund_payment_reference = $2 WHERE fund_slip_id = $3 AND \
            form_number = $4 AND fund_paid_on IS NULL",
        )
        .bind(time::date(c.paid_on))
        .bind(&reference)
        .bind(c.id)
        .bind(form)
        .execute(&mut *tx)
        .await?;
    }
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM dossiers WHERE fund_slip_id = $1 AND fund_paid_on IS NULL")
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
    audit::record(
        &mut tx,
        now,
        actor,
        Change {
            action: "fund_slip.confirm",
            entity_type: "fund_slip",
            entity_id: Some(c.id.to_string()),
            before: Some(serde_json::json!({ "confirmed_count": slip.confirmed_count })),
            after: Some(serde_json::json!({ "paid_on": c.paid_on, "reference": reference, "dossiers": confirmed,
            "left": left })),
        },
    )
    .await?;
    tx.commit().await?;
    get(db.pool(), c.id).await
}

/// (row number, form number, amount) of each row of the fund's return file:
/// the columns whose header names the form and the amount.
fn read_return_file(path: &Path) -> ApiResult<Vec<(usize, String, i64)>> {
    let sheets = sheet::from_bytes(&sheet::load(path)?)?;
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
