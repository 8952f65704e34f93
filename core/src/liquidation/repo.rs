//! Liquidation's storage: rule sets by effective date and each dossier's
//! care lines with what third parties paid. The liquidation itself is in
//! `liquidate.rs`.

use super::compute;
use super::rule_sets::rule_sets;
use super::rules::{in_force, Pricing};
use super::third_party;
pub use super::third_party::{payments_of, ThirdPartyInput, ThirdPartyPayment};
use crate::audit::{Actor, Change};
use crate::dossiers::repo::get_in_tx;
use crate::drugs;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::members::coverage::Coverage;
use crate::money;
use crate::money::Centimes;
use crate::storage::{time, versioned, Backend, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

/// A care line as the processor types it.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CareLineInput {
    pub date: NaiveDate,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    /// `C`, `B 120`, `K 50`, `PSYMOT`…
    pub act: String,
    #[ts(type = "number")]
    pub quantity: i64,
    /// As typed: `600`, `1 100,00`. Empty on a drug's line: its public
    /// price × boxes.
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub charged: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub provider: Option<String>,
    /// A pharmacy line's drug: the 13-digit code of its vignette (the act is then `PHARMA`).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub drug_code: Option<String>,
    /// The price printed on the vignette, when typed: flagged if it is not the list's.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub vignette_price: Option<String>,
    /// The provider's invoice number (`VFA230187`): the lines of one invoice
    /// share what a third party paid on it.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub invoice_number: Option<String>,
}

/// A dossier's care lines and third-party payments, replaced whole.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CareLinesSave {
    #[ts(type = "number")]
    pub dossier_id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub lines: Vec<CareLineInput>,
    /// What the fund or the mutual already paid providers on these invoices.
    #[serde(default)]
    #[ts(as = "Option<Vec<ThirdPartyInput>>", optional)]
    pub third_party: Vec<ThirdPartyInput>,
    /// The same provider's invoice is on another dossier: record it anyway.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub confirm_duplicate_invoice: bool,
}

/// A stored care line with, once liquidated, its figures.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StoredLine {
    #[ts(type = "number")]
    pub id: i64,
    pub date: NaiveDate,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub act: String,
    #[ts(type = "number")]
    pub quantity: i64,
    pub charged: Centimes,
    pub provider: Option<String>,
    pub invoice_number: Option<String>,
    /// What the act is called (`Psychomotricité (séance)`), from the rules of its date.
    pub label: String,
    /// Already paid to the provider by the fund, by the mutual (centimes).
    pub paid_by_fund: Centimes,
    pub paid_by_mutual: Centimes,
    /// The fund's coverage that priced the line.
    pub coverage_number: Option<String>,
    pub accepted: Option<bool>,
    pub base: Option<Centimes>,
    /// The fund's rate on the base, basis points.
    #[ts(type = "number | null")]
    pub rate: Option<i64>,
    /// The fund exempted the member from his part (chronic illness): shown
    /// « exonéré (ALD) », never the illness.
    pub exempted: bool,
    pub amo: Option<Centimes>,
    pub complementary: Option<Centimes>,
    /// The AMO part due to the member (the AMO part less what the fund paid the provider).
    pub amo_to_member: Option<Centimes>,
    pub reimbursed: Option<Centimes>,
    pub remainder: Option<Centimes>,
    /// Why it was rejected, as the member reads it.
    pub reason: Option<String>,
    /// How each figure was reached.
    pub explanation: Vec<String>,
    /// A pharmacy line's drug code, and the version of the list that priced it once liquidated.
    pub drug_code: Option<String>,
    pub vignette_price: Option<Centimes>,
    /// What the processor should look at before liquidating (a code absent
    /// from the list, a vignette at another price…).
    pub warnings: Vec<String>,
}

/// For a role that does not read chronic illnesses (reception, administrators):
/// an exempted line shows neither its flag, nor its rate, nor the words of
/// its explanation that tell of the illness.
pub fn redact_exemption(lines: &mut [StoredLine]) {
    for l in lines.iter_mut().filter(|l| l.exempted) {
        l.exempted = false;
        l.rate = None;
        l.explanation.retain(|e| !e.contains("ALD"));
    }
}

/// A dossier's care lines, whatever its year (those of a year set apart
/// from their year's table, crate::years).
pub async fn lines_of(tx: &mut sqlx::AnyConnection, dossier_id: i64) -> ApiResult<Vec<StoredLine>> {
    let sets = rule_sets(&mut *tx).await?;
    let select = |table: &str| {
        format!(
            "SELECT id, act_date, beneficiary_id, act, quantity, charged, provider, invoice_number, paid_by_fund, \
                paid_by_mutual, coverage_number, accepted, base,
               rate, amo, complementary, amo_to_member, reimbursed, remainder, reason, explanation_json, drug_code, \
               drug_list_id, vignette_price, exempted
             FROM {table} WHERE dossier_id = $1 ORDER BY position"
        )
    };
    let mut rows = sqlx::query(&select("care_lines")).bind(dossier_id).fetch_all(&mut *tx).await?;
    if rows.is_empty() {
        if let Some(table) = crate::years::table_apart(&mut *tx, "care_lines", dossier_id).await? {
            rows = sqlx::query(&select(&table)).bind(dossier_id).fetch_all(&mut *tx).await?;
        }
    }
    let mut lines = rows
        .iter()
        .map(|r| {
            let d: String = r.try_get("act_date")?;
            let date = NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(ApiError::internal)?;
            let act: String = r.try_get("act")?;
            let code = compute::parse_act(&act).map(|(c, _)| c).unwrap_or_else(|_| act.clone());
            let label = in_force(&sets, date).map(|s| s.label(&code).to_string()).unwrap_or(code);
            let expl: Option<String> = r.try_get("explanation_json")?;
            Ok(StoredLine {
                id: r.try_get("id")?,
                date,
                beneficiary_id: r.try_get("beneficiary_id")?,
                act,
                label,
                quantity: r.try_get("quantity")?,
                charged: r.try_get("charged")?,
                provider: r.try_get("provider")?,
                invoice_number: r.try_get("invoice_number")?,
                paid_by_fund: r.try_get("paid_by_fund")?,
                paid_by_mutual: r.try_get("paid_by_mutual")?,
                coverage_number: r.try_get("coverage_number")?,
                accepted: r.try_get::<Option<i64>, _>("accepted")?.map(|a| a == 1),
                exempted: r.try_get::<i64, _>("exempted")? == 1,
                base: r.try_get("base")?,
                rate: r.try_get("rate")?,
                amo: r.try_get("amo")?,
                complementary: r.try_get("complementary")?,
                amo_to_member: r.try_get("amo_to_member")?,
                reimbursed: r.try_get("reimbursed")?,
                remainder: r.try_get("remainder")?,
                reason: r.try_get("reason")?,
                explanation: expl.and_then(|e| serde_json::from_str(&e).ok()).unwrap_or_default(),
                drug_code: r.try_get("drug_code")?,
                vignette_price: r.try_get("vignette_price")?,
                warnings: vec![],
            })
        })
        .collect::<ApiResult<Vec<StoredLine>>>()?;
    let priced_by: Vec<Option<i64>> =
        rows.iter().map(|r| r.try_get::<Option<i64>, _>("drug_list_id")).collect::<Result<_, _>>()?;
    name_drugs(tx, &mut lines, &priced_by).await?;
    Ok(lines)
}

/// A pharmacy line is named by its drug (from the version that priced it,
/// else the one in force on its date) and warns of what the processor
/// should check before liquidating.
async fn name_drugs(
    conn: &mut sqlx::AnyConnection,
    lines: &mut [StoredLine],
    priced_by: &[Option<i64>],
) -> ApiResult<()> {
    if lines.iter().all(|l| l.drug_code.is_none()) {
        return Ok(());
    }
    let versions = drugs::versions::versions(&mut *conn).await?;
    for (l, priced_by) in lines.iter_mut().zip(priced_by) {
        let Some(code) = l.drug_code.clone() else { continue };
        let found = match priced_by {
            Some(id) => drugs::versions::drug(&mut *conn, *id, &code).await?,
            None => drugs::versions::on_day(&mut *conn, &versions, &code, l.date).await?.map(|(_, d)| d),
        };
        match found {
            Some(d) => {
                l.label = d.label();
                if l.accepted.is_none() {
                    l.warnings = drugs::pricing::warnings(&d, l.quantity, l.charged, l.vignette_price);
                    if let Err(why) = drugs::pricing::fund_part(&d, l.quantity, l.charged) {
                        l.warnings.push(why);
                    }
                }
            }
            None => {
                l.label = format!("Médicament {code}");
                if l.accepted.is_none() {
                    l.warnings.push(absent(&code, l.date));
                }
            }
        }
    }
    Ok(())
}

/// Why a drug's line is refused when its code is not in the list of its day.
pub fn absent(code: &str, day: NaiveDate) -> String {
    format!("Code {code} absent du référentiel des médicaments en vigueur le {}.", fr(day))
}

/// A line as checked, before it is written.
struct Parsed<'a> {
    line: &'a CareLineInput,
    act: String,
    charged: Centimes,
    provider: Option<String>,
    invoice: Option<String>,
    drug_code: Option<String>,
    vignette_price: Option<Centimes>,
}

/// Replaces the care lines of a dossier being processed (all of them, one
/// transaction). Each line is checked: date within the form's validity, a
/// beneficiary of the member covered that day, a known act, a positive amount.
pub async fn save_lines(db: &Db, actor: &Actor, now: DateTime<Utc>, req: &CareLinesSave) -> ApiResult<Vec<StoredLine>> {
    let (dossier_id, version, lines) = (req.dossier_id, req.version, &req.lines);
    if lines.is_empty() {
        return Err(ApiError::validation("lines", "Saisissez au moins une ligne de soins."));
    }
    if lines.len() > 200 {
        return Err(ApiError::validation("lines", "Au plus 200 lignes par dossier."));
    }
    let mut tx = db.begin().await?;
    let d = get_in_tx(&mut tx, dossier_id).await?;
    if d.version != version {
        return Err(ApiError::stale());
    }
    if !d.status.care_lines_open() {
        return Err(ApiError::conflict(format!(
            "Les lignes de soins d'un dossier au statut « {} » ne se modifient pas.",
            d.status.label()
        )));
    }
    let sets = rule_sets(&mut *tx).await?;
    let cover = Coverage::of_member(&mut tx, d.member_id).await?;
    let mut parsed = vec![];
    // The drug list's versions, read at the first drug.
    let mut versions: Option<Vec<drugs::versions::DrugListVersion>> = None;
    for (i, l) in lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        let n = i + 1;
        if l.date < d.first_act_date || l.date > d.validity_end {
            return Err(ApiError::validation(
                &f("date"),
                format!(
                    "Ligne {n} : soins du {} hors de la validité de la feuille ({} – {}).",
                    fr(l.date),
                    fr(d.first_act_date),
                    fr(d.validity_end)
                ),
            ));
        }
        // A beneficiary not covered that day is kept: the liquidation refuses
        // the line with the reason the member reads.
        if cover.covered(l.beneficiary_id, l.date).is_none() {
            return Err(ApiError::validation(
                &f("beneficiary_id"),
                format!("Ligne {n} : ce bénéficiaire n'est pas celui de l'adhérent."),
            ));
        }
        let rules = in_force(&sets, l.date).ok_or_else(|| {
            ApiError::validation(&f("date"), format!("Ligne {n} : aucun barème en vigueur le {}.", fr(l.date)))
        })?;
        let drug_act = rules.acts.iter().find(|a| a.pricing == Pricing::Drug).map(|a| a.code.as_str());
        let drug_code = l.drug_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
        // A drug's line may name its code only: its act is then the pharmacy's.
        let act_text = match (l.act.trim(), drug_code, drug_act) {
            ("", Some(_), Some(a)) => a.to_string(),
            (a, _, _) => a.to_uppercase(),
        };
        let (code, _) =
            compute::parse_act(&act_text).map_err(|e| ApiError::validation(&f("act"), format!("Ligne {n} : {e}")))?;
        let Some(act) = rules.act(&code) else {
            return Err(ApiError::validation(
                &f("act"),
                format!("Ligne {n} : acte ou lettre clé inconnu « {code} » au barème du {}.", fr(rules.effective_from)),
            ));
        };
        if !(1..=1000).contains(&l.quantity) {
            return Err(ApiError::validation(&f("quantity"), format!("Ligne {n} : quantité entre 1 et 1000.")));
        }
        let drug = match (&act.pricing, drug_code) {
            (Pricing::Drug, None) => {
                return Err(ApiError::validation(
                    &f("drug_code"),
                    format!("Ligne {n} : un médicament se saisit par le code de sa vignette (13 chiffres)."),
                ))
            }
            (Pricing::Drug, Some(c)) => {
                if !drugs::is_code(c) {
                    return Err(ApiError::validation(
                        &f("drug_code"),
                        format!("Ligne {n} : « {c} » n'est pas un code de vignette (13 chiffres)."),
                    ));
                }
                if versions.is_none() {
                    versions = Some(drugs::versions::versions(&mut tx).await?);
                }
                let found = drugs::versions::on_day(&mut tx, versions.as_deref().unwrap_or(&[]), c, l.date).await?;
                Some((c.to_string(), found.map(|(_, d)| d)))
            }
            (_, Some(_)) => {
                return Err(ApiError::validation(
                    &f("drug_code"),
                    format!(
                        "Ligne {n} : un code de médicament va sur une ligne de pharmacie ({}).",
                        drug_act.unwrap_or("aucun acte du barème n'est tarifé par le référentiel")
                    ),
                ))
            }
            (_, None) => None,
        };
        let charged = match &drug {
            // The drug's public price × boxes when the amount is not typed.
            Some((c, found)) if l.charged.trim().is_empty() => match found.as_ref().and_then(|d| d.ppv) {
                Some(ppv) => ppv * l.quantity,
                None => {
                    return Err(ApiError::validation(
                        &f("charged"),
                        format!(
                            "Ligne {n} : {} saisissez le montant facturé.",
                            match found {
                                Some(_) => format!("le médicament {c} n'a pas de prix public au référentiel :"),
                                None => format!("{} :", absent(c, l.date).trim_end_matches('.')),
                            }
                        ),
                    ))
                }
            },
            _ => money::parse(&f("charged"), &format!("Ligne {n}, montant facturé"), &l.charged)?,
        };
        let vignette_price = match l.vignette_price.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => Some(money::parse(&f("vignette_price"), &format!("Ligne {n}, prix de la vignette"), v)?),
            None => None,
        };
        if charged <= 0 {
            return Err(ApiError::validation(
                &f("charged"),
                format!("Ligne {n} : le montant facturé doit être positif."),
            ));
        }
        if charged > 10_000_000 {
            return Err(ApiError::validation(
                &f("charged"),
                format!(
                    "Ligne {n} : {} DH, montant démesuré pour une ligne ; vérifiez la saisie.",
                    money::format(charged)
                ),
            ));
        }
        let provider = match &l.provider {
            Some(p) => {
                Some(text::clean(&f("provider"), &format!("Ligne {n}, prestataire"), p, 200)?).filter(|p| !p.is_empty())
            }
            None => None,
        };
        let invoice = match &l.invoice_number {
            Some(x) => {
                Some(text::clean(&f("invoice_number"), &format!("Ligne {n}, n° de facture"), x, 40)?.to_uppercase())
                    .filter(|x| !x.is_empty())
            }
            None => None,
        };
        parsed.push(Parsed {
            line: l,
            act: act_text,
            charged,
            provider,
            invoice,
            drug_code: drug.map(|(c, _)| c),
            vignette_price,
        });
    }
    let payments = third_party::check(
        &req.third_party,
        &parsed.iter().map(|p| (p.invoice.clone(), p.charged)).collect::<Vec<_>>(),
    )?;
    if !req.confirm_duplicate_invoice {
        let invoices: Vec<_> = parsed.iter().map(|p| (p.provider.clone(), p.invoice.clone())).collect();
        third_party::duplicate_invoice(&mut tx, dossier_id, &invoices).await?;
    }
    let before = lines_of(&mut tx, dossier_id).await?;
    let before_paid = payments_of(&mut tx, dossier_id).await?;
    sqlx::query("DELETE FROM care_lines WHERE dossier_id = $1").bind(dossier_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM third_party_payments WHERE dossier_id = $1").bind(dossier_id).execute(&mut *tx).await?;
    // On PostgreSQL a line's id is of its dossier's year (crate::years).
    let insert = format!(
        "INSERT INTO care_lines (id, dossier_id, position, act_date, beneficiary_id, act, quantity, charged, \
            provider, invoice_number, drug_code, vignette_price)
         VALUES ({}, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        crate::years::new_care_line_id(Backend::of(&tx), "$1")
    );
    for (i, p) in parsed.iter().enumerate() {
        sqlx::query(&insert)
            .bind(dossier_id)
            .bind(i as i64)
            .bind(time::date(p.line.date))
            .bind(p.line.beneficiary_id)
            .bind(&p.act)
            .bind(p.line.quantity)
            .bind(p.charged)
            .bind(p.provider.clone())
            .bind(p.invoice.clone())
            .bind(p.drug_code.clone())
            .bind(p.vignette_price)
            .execute(&mut *tx)
            .await?;
    }
    for (i, p) in payments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO third_party_payments (dossier_id, position, invoice_number, payer, amount, \
            reference) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(dossier_id)
        .bind(i as i64)
        .bind(&p.invoice_number)
        .bind(p.payer.code())
        .bind(p.amount)
        .bind(p.reference.clone())
        .execute(&mut *tx)
        .await?;
    }
    versioned::update(&mut tx, "dossiers", ("id", dossier_id.into()), version, &[("updated_at", time::ts(now).into())])
        .await?;
    let after = lines_of(&mut tx, dossier_id).await?;
    let summary = |ls: &[StoredLine], paid: &[ThirdPartyPayment]| {
        serde_json::json!({
            "lines": ls.iter().map(|l| serde_json::json!({"date": l.date, "beneficiary_id": l.beneficiary_id,
                "act": l.act, "drug_code": l.drug_code, "quantity": l.quantity,
                "charged": l.charged, "provider": l.provider, "invoice_number": l.invoice_number})).collect::<Vec<_>>(),
            "third_party": paid,
        })
    };
    Change::on("dossier.care_lines", "dossier", dossier_id)
        .before(summary(&before, &before_paid))
        .after(summary(&after, &payments))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    Ok(after)
}
