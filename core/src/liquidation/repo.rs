//! Liquidation in the database: rule sets by effective date, each dossier's
//! care lines, the liquidation itself (one transaction: figures per line,
//! claw-back deductions, status "liquidé", audit).

use super::compute::{self, CareLine, DossierFacts, FundTariff, LineResult};
use super::fund::{self, CoverageUnit, Payer};
use super::rules::{in_force, RuleSet};
use crate::approvals::consumption;
use crate::audit::{self, Actor, Change};
use crate::dossiers::repo::get_in_tx;
use crate::kernel::dates::fr;
use crate::dossiers::workflow::Status;
use crate::error::{ApiError, ApiResult};
use crate::members::coverage::Coverage;
use crate::kernel::text;
use crate::money;
use crate::storage::{time, Db};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};
use std::collections::BTreeMap;
use ts_rs::TS;

pub async fn rule_sets<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E) -> ApiResult<Vec<RuleSet>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT rules_json FROM rule_sets ORDER BY effective_from").fetch_all(ex).await?;
    rows.iter().map(|r| serde_json::from_str(r).map_err(ApiError::internal)).collect()
}

/// Adds a rule set taking effect on its date. Sets are never edited in place:
/// a dossier already liquidated keeps the figures of the set it was computed with.
pub async fn add_rule_set(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &RuleSet) -> ApiResult<Vec<RuleSet>> {
    for (kind, rate) in r.rates.iter().chain(r.amo_shares.iter()).chain(r.above_tariff_rates.iter()) {
        if *rate > 10_000 {
            return Err(ApiError::validation("rates", format!("Taux de {} au-delà de 100 %.", kind.label())));
        }
    }
    if r.chronic_rate > 10_000 {
        return Err(ApiError::validation("chronic_rate", "Taux maladie chronique au-delà de 100 %."));
    }
    for (letter, v) in &r.key_values {
        if *v <= 0 {
            return Err(ApiError::validation("key_values", format!("Valeur de la lettre clé {letter} : elle doit être positive.")));
        }
    }
    for (family, c) in &r.yearly_ceilings {
        if *c < 0 {
            return Err(ApiError::validation("yearly_ceilings", format!("Plafond annuel {family} négatif.")));
        }
    }
    for a in &r.acts {
        if a.code.trim().is_empty() || a.family.trim().is_empty() {
            return Err(ApiError::validation("acts", "Chaque acte a un code et une famille."));
        }
        if let super::rules::Pricing::Reference { unit_price: Some(p) } = a.pricing {
            if p <= 0 {
                return Err(ApiError::validation("acts", format!("Tarif de référence de l'acte {} : il doit être positif.", a.code)));
            }
        }
        if let super::rules::Pricing::KeyLetter = a.pricing {
            if !r.key_values.contains_key(&a.code) {
                return Err(ApiError::validation("acts", format!("La lettre clé {} n'a pas de valeur.", a.code)));
            }
        }
    }
    for (fund_act, acts) in &r.fund_acts {
        if let Some(unknown) = acts.iter().find(|a| r.act(a).is_none()) {
            return Err(ApiError::validation("fund_acts", format!("Le code {fund_act} de la caisse renvoie à l'acte {unknown}, absent du barème.")));
        }
    }
    let mut tx = db.begin().await?;
    let exists: Option<String> =
        sqlx::query_scalar("SELECT effective_from FROM rule_sets WHERE effective_from = $1").bind(time::date(r.effective_from)).fetch_optional(&mut *tx).await?;
    if exists.is_some() {
        return Err(ApiError::validation("effective_from", "Un barème prend déjà effet à cette date : choisissez une autre date."));
    }
    let json = serde_json::to_string(r).map_err(ApiError::internal)?;
    sqlx::query("INSERT INTO rule_sets (effective_from, rules_json, created_at, created_by) VALUES ($1, $2, $3, $4)")
        .bind(time::date(r.effective_from))
        .bind(&json)
        .bind(time::ts(now))
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, now, actor, Change {
        action: "rule_set.create",
        entity_type: "rule_set",
        entity_id: Some(time::date(r.effective_from)),
        before: None,
        after: Some(serde_json::from_str(&json).map_err(ApiError::internal)?),
    })
    .await?;
    tx.commit().await?;
    rule_sets(db.pool()).await
}

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
    /// As typed: `600`, `1 100,00`.
    pub charged: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub provider: Option<String>,
    /// The provider's invoice number (`VFA230187`): the lines of one invoice
    /// share what a third party paid on it.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub invoice_number: Option<String>,
}

/// What a third party already paid the provider on one invoice, as typed.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ThirdPartyInput {
    pub invoice_number: String,
    /// The AMO fund under its coverage, or the mutual under its own.
    pub payer: Payer,
    /// As typed: `700`, `700,00`.
    pub amount: String,
    /// The coverage under which it was paid (`76372825`).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ThirdPartyPayment {
    pub invoice_number: String,
    pub payer: Payer,
    #[ts(type = "number")]
    pub amount: i64,
    pub reference: Option<String>,
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
    #[ts(type = "number")]
    pub charged: i64,
    pub provider: Option<String>,
    pub invoice_number: Option<String>,
    /// What the act is called (`Psychomotricité (séance)`), from the rules of its date.
    pub label: String,
    /// Already paid to the provider by the fund, by the mutual (centimes).
    #[ts(type = "number")]
    pub paid_by_fund: i64,
    #[ts(type = "number")]
    pub paid_by_mutual: i64,
    /// The fund's coverage that priced the line.
    pub coverage_number: Option<String>,
    pub accepted: Option<bool>,
    #[ts(type = "number | null")]
    pub base: Option<i64>,
    /// Basis points.
    #[ts(type = "number | null")]
    pub rate: Option<i64>,
    #[ts(type = "number | null")]
    pub amo: Option<i64>,
    #[ts(type = "number | null")]
    pub complementary: Option<i64>,
    /// The AMO part due to the member (the AMO part less what the fund paid the provider).
    #[ts(type = "number | null")]
    pub amo_to_member: Option<i64>,
    #[ts(type = "number | null")]
    pub reimbursed: Option<i64>,
    #[ts(type = "number | null")]
    pub remainder: Option<i64>,
    /// Why it was rejected, as the member reads it.
    pub reason: Option<String>,
    /// How each figure was reached.
    pub explanation: Vec<String>,
}

pub async fn lines_of(tx: &mut sqlx::AnyConnection, dossier_id: i64) -> ApiResult<Vec<StoredLine>> {
    let sets = rule_sets(&mut *tx).await?;
    let rows = sqlx::query(
        "SELECT id, act_date, beneficiary_id, act, quantity, charged, provider, invoice_number, paid_by_fund, paid_by_mutual, coverage_number, accepted, base,
           rate, amo, complementary, amo_to_member, reimbursed, remainder, reason, explanation_json
         FROM care_lines WHERE dossier_id = $1 ORDER BY position",
    )
    .bind(dossier_id)
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
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
                base: r.try_get("base")?,
                rate: r.try_get("rate")?,
                amo: r.try_get("amo")?,
                complementary: r.try_get("complementary")?,
                amo_to_member: r.try_get("amo_to_member")?,
                reimbursed: r.try_get("reimbursed")?,
                remainder: r.try_get("remainder")?,
                reason: r.try_get("reason")?,
                explanation: expl.and_then(|e| serde_json::from_str(&e).ok()).unwrap_or_default(),
            })
        })
        .collect()
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
    if !matches!(d.status, Status::EnCours | Status::Complet) {
        return Err(ApiError::conflict(format!("Les lignes de soins d'un dossier au statut « {} » ne se modifient pas.", d.status.label())));
    }
    let sets = rule_sets(&mut *tx).await?;
    let cover = Coverage::of_member(&mut tx, d.member_id).await?;
    let mut parsed = vec![];
    for (i, l) in lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        let n = i + 1;
        if l.date < d.first_act_date || l.date > d.validity_end {
            return Err(ApiError::validation(
                &f("date"),
                format!("Ligne {n} : soins du {} hors de la validité de la feuille ({} – {}).", fr(l.date), fr(d.first_act_date), fr(d.validity_end)),
            ));
        }
        match cover.covered(l.beneficiary_id, l.date) {
            None => return Err(ApiError::validation(&f("beneficiary_id"), format!("Ligne {n} : ce bénéficiaire n'est pas celui de l'adhérent."))),
            Some(false) => return Err(ApiError::validation(&f("beneficiary_id"), format!("Ligne {n} : bénéficiaire non couvert le {}.", fr(l.date)))),
            Some(true) => {}
        }
        let (code, _) = compute::parse_act(&l.act).map_err(|e| ApiError::validation(&f("act"), format!("Ligne {n} : {e}")))?;
        let rules = in_force(&sets, l.date).ok_or_else(|| ApiError::validation(&f("date"), format!("Ligne {n} : aucun barème en vigueur le {}.", fr(l.date))))?;
        if rules.act(&code).is_none() {
            return Err(ApiError::validation(&f("act"), format!("Ligne {n} : acte ou lettre clé inconnu « {code} » au barème du {}.", fr(rules.effective_from))));
        }
        if !(1..=1000).contains(&l.quantity) {
            return Err(ApiError::validation(&f("quantity"), format!("Ligne {n} : quantité entre 1 et 1000.")));
        }
        let charged = money::parse(&f("charged"), &format!("Ligne {n}, montant facturé"), &l.charged)?;
        if charged <= 0 {
            return Err(ApiError::validation(&f("charged"), format!("Ligne {n} : le montant facturé doit être positif.")));
        }
        if charged > 10_000_000 {
            return Err(ApiError::validation(&f("charged"), format!("Ligne {n} : {} DH, montant démesuré pour une ligne ; vérifiez la saisie.", money::format(charged))));
        }
        let provider = match &l.provider {
            Some(p) => Some(text::clean(&f("provider"), &format!("Ligne {n}, prestataire"), p, 200)?).filter(|p| !p.is_empty()),
            None => None,
        };
        let invoice = match &l.invoice_number {
            Some(x) => Some(text::clean(&f("invoice_number"), &format!("Ligne {n}, n° de facture"), x, 40)?.to_uppercase()).filter(|x| !x.is_empty()),
            None => None,
        };
        parsed.push((l, code, charged, provider, invoice));
    }
    let payments = third_party(&req.third_party, &parsed.iter().map(|p| (p.4.clone(), p.2)).collect::<Vec<_>>())?;
    if !req.confirm_duplicate_invoice {
        duplicate_invoice(&mut tx, dossier_id, &parsed.iter().map(|p| (p.3.clone(), p.4.clone())).collect::<Vec<_>>()).await?;
    }
    let before = lines_of(&mut tx, dossier_id).await?;
    let before_paid = payments_of(&mut tx, dossier_id).await?;
    sqlx::query("DELETE FROM care_lines WHERE dossier_id = $1").bind(dossier_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM third_party_payments WHERE dossier_id = $1").bind(dossier_id).execute(&mut *tx).await?;
    for (i, (l, _, charged, provider, invoice)) in parsed.iter().enumerate() {
        sqlx::query(
            "INSERT INTO care_lines (dossier_id, position, act_date, beneficiary_id, act, quantity, charged, provider, invoice_number)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(dossier_id)
        .bind(i as i64)
        .bind(time::date(l.date))
        .bind(l.beneficiary_id)
        .bind(l.act.trim().to_uppercase())
        .bind(l.quantity)
        .bind(*charged)
        .bind(provider.clone())
        .bind(invoice.clone())
        .execute(&mut *tx)
        .await?;
    }
    for (i, p) in payments.iter().enumerate() {
        sqlx::query("INSERT INTO third_party_payments (dossier_id, position, invoice_number, payer, amount, reference) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(dossier_id)
            .bind(i as i64)
            .bind(&p.invoice_number)
            .bind(p.payer.code())
            .bind(p.amount)
            .bind(p.reference.clone())
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE dossiers SET version = version + 1, updated_at = $1 WHERE id = $2").bind(time::ts(now)).bind(dossier_id).execute(&mut *tx).await?;
    let after = lines_of(&mut tx, dossier_id).await?;
    let summary = |ls: &[StoredLine], paid: &[ThirdPartyPayment]| {
        serde_json::json!({
            "lines": ls.iter().map(|l| serde_json::json!({"date": l.date, "beneficiary_id": l.beneficiary_id, "act": l.act, "quantity": l.quantity,
                "charged": l.charged, "provider": l.provider, "invoice_number": l.invoice_number})).collect::<Vec<_>>(),
            "third_party": paid,
        })
    };
    audit::record(&mut tx, now, actor, Change {
        action: "dossier.care_lines",
        entity_type: "dossier",
        entity_id: Some(dossier_id.to_string()),
        before: Some(summary(&before, &before_paid)),
        after: Some(summary(&after, &payments)),
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Checks what third parties paid: each payment names an invoice of the
/// lines, and what was paid on an invoice never exceeds what it charged.
/// `lines` holds each line's (invoice number, charged).
fn third_party(input: &[ThirdPartyInput], lines: &[(Option<String>, i64)]) -> ApiResult<Vec<ThirdPartyPayment>> {
    if input.len() > 50 {
        return Err(ApiError::validation("third_party", "Au plus 50 paiements de tiers par dossier."));
    }
    let mut out: Vec<ThirdPartyPayment> = vec![];
    for (i, p) in input.iter().enumerate() {
        let f = |name: &str| format!("third_party[{i}].{name}");
        let n = i + 1;
        let invoice = text::clean(&f("invoice_number"), &format!("Paiement {n}, n° de facture"), &p.invoice_number, 40)?.to_uppercase();
        let charged: i64 = lines.iter().filter(|(x, _)| x.as_deref() == Some(invoice.as_str())).map(|(_, c)| c).sum();
        if invoice.is_empty() || charged == 0 {
            return Err(ApiError::validation(
                &f("invoice_number"),
                format!("Paiement {n} : aucune ligne de soins ne porte la facture « {invoice} » ; saisissez son numéro sur ses lignes."),
            ));
        }
        let amount = money::parse(&f("amount"), &format!("Paiement {n}, montant payé au prestataire"), &p.amount)?;
        if amount <= 0 {
            return Err(ApiError::validation(&f("amount"), format!("Paiement {n} : le montant payé au prestataire doit être positif.")));
        }
        let already: i64 = out.iter().filter(|o| o.invoice_number == invoice).map(|o| o.amount).sum();
        if already + amount > charged {
            return Err(ApiError::validation(
                &f("amount"),
                format!(
                    "Paiement {n} : {} DH payés au prestataire sur la facture {invoice}, plus que ce qu'elle facture ({} DH).",
                    money::format(already + amount),
                    money::format(charged)
                ),
            ));
        }
        let reference = match &p.reference {
            Some(r) => Some(text::clean(&f("reference"), &format!("Paiement {n}, n° de prise en charge"), r, 40)?).filter(|r| !r.is_empty()),
            None => None,
        };
        out.push(ThirdPartyPayment { invoice_number: invoice, payer: p.payer, amount, reference });
    }
    Ok(out)
}

/// The same provider's invoice already on another dossier (not rejected) is
/// a duplicate: `conflict` at `confirm_duplicate_invoice`, naming that dossier.
async fn duplicate_invoice(tx: &mut Transaction<'static, Any>, dossier_id: i64, lines: &[(Option<String>, Option<String>)]) -> ApiResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (provider, invoice) in lines {
        let Some(invoice) = invoice else { continue };
        let provider = provider.clone().unwrap_or_default();
        if !seen.insert((text::fold(&provider), invoice.clone())) {
            continue;
        }
        let rows = sqlx::query(
            "SELECT cl.provider, d.form_number FROM care_lines cl JOIN dossiers d ON d.id = cl.dossier_id
             WHERE cl.invoice_number = $1 AND cl.dossier_id <> $2 AND d.status <> $3",
        )
        .bind(invoice)
        .bind(dossier_id)
        .bind(Status::Rejete.code())
        .fetch_all(&mut **tx)
        .await?;
        for r in rows {
            let other: Option<String> = r.try_get("provider")?;
            if text::fold(other.as_deref().unwrap_or("")) == text::fold(&provider) {
                let form: String = r.try_get("form_number")?;
                return Err(ApiError::conflict_on(
                    "confirm_duplicate_invoice",
                    format!("La facture {invoice}{} est déjà saisie sur le dossier {form}. Confirmez si c'est bien une autre facture.", if provider.is_empty() { String::new() } else { format!(" de {provider}") }),
                ));
            }
        }
    }
    Ok(())
}

/// What third parties paid providers on a dossier's invoices.
pub async fn payments_of(tx: &mut sqlx::AnyConnection, dossier_id: i64) -> ApiResult<Vec<ThirdPartyPayment>> {
    let rows = sqlx::query("SELECT invoice_number, payer, amount, reference FROM third_party_payments WHERE dossier_id = $1 ORDER BY position")
        .bind(dossier_id)
        .fetch_all(&mut *tx)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ThirdPartyPayment {
                invoice_number: r.try_get("invoice_number")?,
                payer: Payer::parse(&r.try_get::<String, _>("payer")?).ok_or_else(|| ApiError::internal("unknown payer"))?,
                amount: r.try_get("amount")?,
                reference: r.try_get("reference")?,
            })
        })
        .collect()
}

/// The result of liquidating a dossier.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LiquidationView {
    pub lines: Vec<StoredLine>,
    #[ts(type = "number")]
    pub total_charged: i64,
    /// Already paid to providers by the fund or the mutual.
    #[ts(type = "number")]
    pub total_paid_by_others: i64,
    /// The AMO parts, whoever receives them.
    #[ts(type = "number")]
    pub total_amo: i64,
    #[ts(type = "number")]
    pub total_complementary: i64,
    /// What the member is reimbursed (AMO due to him + complementary).
    #[ts(type = "number")]
    pub total_reimbursed: i64,
    /// The member's remaining charge.
    #[ts(type = "number")]
    pub total_remainder: i64,
    /// The AMO fund's name and what it pays the member itself.
    pub fund_name: String,
    #[ts(type = "number")]
    pub fund_pays: i64,
    /// Claw-backs deducted now (centimes).
    #[ts(type = "number")]
    pub clawback_deducted: i64,
    /// What the mutual transfers to the member.
    #[ts(type = "number")]
    pub net_paid: i64,
    #[ts(type = "number")]
    pub version: i64,
}

/// A fund coverage chosen for a line while gathering: the coverage, and for
/// a monthly one the month (`YYYY-MM`) whose tariff the line shares.
struct CoverUse {
    coverage: fund::FundCoverage,
    month: Option<String>,
}

/// Liquidates a complete dossier: computes each line with the rule set in
/// force on its date and the fund's coverage that covers it, shares what
/// third parties paid over their invoices' lines, deducts the member's
/// outstanding claw-backs from what the mutual pays, and moves it to
/// "liquidé". All or nothing.
pub async fn liquidate(db: &Db, actor: &Actor, now: DateTime<Utc>, dossier_id: i64, version: i64) -> ApiResult<LiquidationView> {
    let mut tx = db.begin().await?;
    let d = get_in_tx(&mut tx, dossier_id).await?;
    if d.version != version {
        return Err(ApiError::stale());
    }
    if d.status != Status::Complet {
        return Err(ApiError::conflict(format!("Seul un dossier complet se liquide ; celui-ci est « {} ».", d.status.label())));
    }
    let stored = lines_of(&mut tx, dossier_id).await?;
    if stored.is_empty() {
        return Err(ApiError::validation("lines", "Saisissez les lignes de soins avant de liquider."));
    }
    let sets = rule_sets(&mut *tx).await?;
    let arrangement = fund::arrangement_on(&fund::arrangements(&mut *tx).await?, now.date_naive());
    let cover = Coverage::of_member(&mut tx, d.member_id).await?;
    let used = used_this_year(&mut tx, &stored).await?;
    let clawbacks = outstanding(&mut tx, d.member_id).await?;
    // Step 1, gather: each line's chronic rate, approval or fund coverage.
    let mut lines: Vec<CareLine> = Vec::with_capacity(stored.len());
    // The granted approval each line uses (grant id, units), taken once the line is accepted.
    let mut uses: Vec<Option<(i64, i64)>> = Vec::with_capacity(stored.len());
    let mut pending: Vec<(i64, i64)> = vec![];
    let mut covers: Vec<Option<CoverUse>> = Vec::with_capacity(stored.len());
    for l in &stored {
        let rules = in_force(&sets, l.date);
        let act = compute::parse_act(&l.act).ok().and_then(|(code, _)| rules.and_then(|r| r.act(&code)).cloned());
        // A valid chronic-illness declaration of the beneficiary covering the act's family.
        let chronic = match &act {
            Some(a) => super::chronic::covers(&mut *tx, l.beneficiary_id, &a.family, l.date).await?,
            None => false,
        };
        let (cover_use, blocked) = match (&act, rules) {
            (Some(a), Some(r)) => fund_cover(&mut tx, r, l, &a.code, &stored, &covers).await?,
            _ => (None, None),
        };
        // Else a granted prior approval of the same beneficiary and act, valid that day, with enough left.
        let usable = match &act {
            Some(a) if a.needs_prior_approval && cover_use.is_none() => consumption::find(&mut tx, l.beneficiary_id, &a.code, l.date, l.quantity, l.charged, &pending).await?,
            _ => None,
        };
        let blocked = if usable.is_some() { None } else { blocked };
        let grant = usable.as_ref().map(|u| (u.grant_id, consumption::need(u.unit, l.quantity, l.charged)));
        if let Some(u) = grant {
            pending.push(u);
        }
        uses.push(grant);
        covers.push(cover_use);
        lines.push(CareLine {
            date: l.date,
            beneficiary_id: l.beneficiary_id,
            act: l.act.clone(),
            quantity: l.quantity,
            charged: l.charged,
            chronic,
            approval: usable.map(|u| u.number),
            covered: cover.covered(l.beneficiary_id, l.date).unwrap_or(false),
            paid_by_fund: 0,
            paid_by_mutual: 0,
            coverage: None,
            blocked,
        });
    }
    price_by_coverages(&mut lines, &covers);
    share_payments(&mut lines, &stored, &payments_of(&mut tx, dossier_id).await?);
    // Step 2, compute (pure).
    let facts = DossierFacts {
        kind: d.kind,
        first_act_date: d.first_act_date,
        validity_end: d.validity_end,
        fund: arrangement.fund_name.clone(),
        mutual_pays_amo: arrangement.amo_paid_by == Payer::Mutuelle,
    };
    let result = compute::liquidate(&sets, &facts, &lines, &used, &clawbacks);
    // Step 3, write: figures per line, uses of approvals and coverages, deductions, the dossier.
    for ((stored_line, line), r) in stored.iter().zip(&lines).zip(&result.lines) {
        let q = match r {
            LineResult::Accepted(c) => sqlx::query(
                "UPDATE care_lines SET accepted = 1, family = $1, base = $2, rate = $3, amo = $4, complementary = $5, reimbursed = $6, remainder = $7,
                   reason = NULL, explanation_json = $8, paid_by_fund = $9, paid_by_mutual = $10, amo_to_member = $11, coverage_number = $12 WHERE id = $13",
            )
            .bind(c.family.clone())
            .bind(c.base)
            .bind(c.rate as i64)
            .bind(c.amo)
            .bind(c.complementary)
            .bind(c.reimbursed)
            .bind(c.remainder)
            .bind(serde_json::to_string(&c.explanation).map_err(ApiError::internal)?)
            .bind(c.paid_by_fund)
            .bind(c.paid_by_mutual)
            .bind(c.amo_to_member)
            .bind(line.coverage.as_ref().map(|x| x.number.clone()))
            .bind(stored_line.id),
            LineResult::Rejected(why) => sqlx::query(
                "UPDATE care_lines SET accepted = 0, family = NULL, base = NULL, rate = NULL, amo = NULL, complementary = NULL, reimbursed = 0,
                   remainder = charged - $1 - $2, reason = $3, explanation_json = NULL, paid_by_fund = $1, paid_by_mutual = $2, amo_to_member = NULL,
                   coverage_number = NULL WHERE id = $4",
            )
            .bind(line.paid_by_fund)
            .bind(line.paid_by_mutual)
            .bind(why.clone())
            .bind(stored_line.id),
        };
        q.execute(&mut *tx).await?;
    }
    // Accepted lines use their approval or coverage; a rejected line leaves it untouched.
    sqlx::query("DELETE FROM approval_consumptions WHERE dossier_id = $1").bind(dossier_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM fund_coverage_uses WHERE dossier_id = $1").bind(dossier_id).execute(&mut *tx).await?;
    for (((stored_line, r), grant), cover_use) in stored.iter().zip(&result.lines).zip(&uses).zip(&covers) {
        if !matches!(r, LineResult::Accepted(_)) {
            continue;
        }
        if let Some((grant_id, units)) = grant {
            let u = consumption::Use { grant_id: *grant_id, used: *units, day: stored_line.date, care_line_id: Some(stored_line.id), dossier_id: Some(dossier_id), note: None };
            consumption::take(&mut tx, actor, now, "lines", &u).await?;
        }
        if let Some(c) = cover_use {
            let used = if c.month.is_some() { 0 } else { stored_line.quantity };
            sqlx::query("INSERT INTO fund_coverage_uses (coverage_id, dossier_id, care_line_id, month, used) VALUES ($1, $2, $3, $4, $5)")
                .bind(c.coverage.id)
                .bind(dossier_id)
                .bind(stored_line.id)
                .bind(c.month.clone())
                .bind(used)
                .execute(&mut *tx)
                .await?;
        }
    }
    let deducted: i64 = result.deductions.iter().map(|(_, a)| a).sum();
    for (clawback_id, amount) in &result.deductions {
        sqlx::query("INSERT INTO clawback_deductions (clawback_id, dossier_id, amount, created_at) VALUES ($1, $2, $3, $4)")
            .bind(clawback_id)
            .bind(dossier_id)
            .bind(amount)
            .bind(time::ts(now))
            .execute(&mut *tx)
            .await?;
    }
    let mutual_pays = result.net_paid + deducted;
    let n = sqlx::query(
        "UPDATE dossiers SET status = $1, liquidated_at = $2, total_reimbursed = $3, clawback_deducted = $4, fund_name = $5, mutual_pays_amo = $6,
           paid_by_others = $7, total_amo = $8, fund_pays = $9, mutual_pays = $10, total_remainder = $11, amo_due = $14,
           version = version + 1, updated_at = $2 WHERE id = $12 AND version = $13",
    )
    .bind(Status::Liquide.code())
    .bind(time::ts(now))
    .bind(result.total_reimbursed)
    .bind(deducted)
    .bind(&arrangement.fund_name)
    .bind(facts.mutual_pays_amo as i64)
    .bind(result.total_paid_by_others)
    .bind(result.total_amo)
    .bind(result.fund_pays)
    .bind(mutual_pays)
    .bind(result.total_remainder)
    .bind(dossier_id)
    .bind(version)
    .bind(result.total_amo_to_member)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(ApiError::stale());
    }
    audit::record(&mut tx, now, actor, Change {
        action: "dossier.liquidate",
        entity_type: "dossier",
        entity_id: Some(dossier_id.to_string()),
        before: Some(serde_json::json!({ "status": d.status })),
        after: Some(serde_json::json!({
            "status": Status::Liquide, "total_charged": result.total_charged, "paid_by_others": result.total_paid_by_others,
            "total_amo": result.total_amo, "total_complementary": result.total_complementary, "total_reimbursed": result.total_reimbursed,
            "total_remainder": result.total_remainder, "fund": arrangement.fund_name, "fund_pays": result.fund_pays, "mutual_pays": mutual_pays,
            "clawback_deducted": deducted, "net_paid": result.net_paid, "deductions": result.deductions,
        })),
    })
    .await?;
    let lines = lines_of(&mut tx, dossier_id).await?;
    tx.commit().await?;
    Ok(LiquidationView {
        lines,
        total_charged: result.total_charged,
        total_paid_by_others: result.total_paid_by_others,
        total_amo: result.total_amo,
        total_complementary: result.total_complementary,
        total_reimbursed: result.total_reimbursed,
        total_remainder: result.total_remainder,
        fund_name: arrangement.fund_name,
        fund_pays: result.fund_pays,
        clawback_deducted: deducted,
        net_paid: result.net_paid,
        version: version + 1,
    })
}

/// What each beneficiary of the lines was already reimbursed per family and
/// year, by earlier liquidated or paid dossiers (yearly ceilings).
async fn used_this_year(tx: &mut Transaction<'static, Any>, stored: &[StoredLine]) -> ApiResult<BTreeMap<(i64, String, i32), i64>> {
    let mut used: BTreeMap<(i64, String, i32), i64> = BTreeMap::new();
    let years: std::collections::BTreeSet<i32> = stored.iter().map(|l| l.date.year()).collect();
    let beneficiaries: std::collections::BTreeSet<i64> = stored.iter().map(|l| l.beneficiary_id).collect();
    for b in &beneficiaries {
        for y in &years {
            let rows = sqlx::query(
                "SELECT cl.family, CAST(SUM(cl.reimbursed) AS BIGINT) AS total FROM care_lines cl JOIN dossiers x ON x.id = cl.dossier_id
                 WHERE cl.beneficiary_id = $1 AND cl.act_date >= $2 AND cl.act_date <= $3 AND cl.accepted = 1 AND x.status IN ($4, $5)
                 GROUP BY cl.family",
            )
            .bind(b)
            .bind(format!("{y}-01-01"))
            .bind(format!("{y}-12-31"))
            .bind(Status::Liquide.code())
            .bind(Status::Paye.code())
            .fetch_all(&mut **tx)
            .await?;
            for r in rows {
                let family: Option<String> = r.try_get("family")?;
                if let Some(f) = family {
                    used.insert((*b, f, *y), r.try_get::<Option<i64>, _>("total")?.unwrap_or(0));
                }
            }
        }
    }
    Ok(used)
}

/// The member's claw-backs with something left to deduct, oldest first.
async fn outstanding(tx: &mut Transaction<'static, Any>, member_id: i64) -> ApiResult<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT c.id, c.amount - COALESCE((SELECT CAST(SUM(x.amount) AS BIGINT) FROM clawback_deductions x WHERE x.clawback_id = c.id), 0) AS left_to_deduct
         FROM clawbacks c WHERE c.member_id = $1 ORDER BY c.id",
    )
    .bind(member_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("left_to_deduct")?)))
        .collect::<ApiResult<Vec<_>>>()?
        .into_iter()
        .filter(|(_, left)| *left > 0)
        .collect())
}

/// The fund coverage that covers a line, if one has room: a monthly coverage
/// whose month is not used by another dossier and has months left, or a
/// coverage in sessions with enough sessions left. `earlier` holds the
/// choices made for the dossier's earlier lines. When coverages match but
/// none has room, the reason refuses the line (unless a mutual approval
/// covers it).
async fn fund_cover(
    tx: &mut Transaction<'static, Any>,
    rules: &RuleSet,
    l: &StoredLine,
    code: &str,
    stored: &[StoredLine],
    earlier: &[Option<CoverUse>],
) -> ApiResult<(Option<CoverUse>, Option<String>)> {
    let found = fund::covering(tx, rules, l.beneficiary_id, code, l.date).await?;
    let mut refusal = None;
    for c in found {
        let mine = earlier.iter().flatten().filter(|u| u.coverage.id == c.id);
        match c.unit {
            CoverageUnit::Months => {
                let month = l.date.format("%Y-%m").to_string();
                let shown = l.date.format("%m/%Y");
                if let Some((_, form)) = fund::months_used(tx, c.id).await?.into_iter().find(|(m, _)| *m == month) {
                    refusal = Some(format!("Prise en charge {} déjà utilisée pour {shown} (dossier {form}) : ce mois n'est pas remboursé deux fois.", c.number));
                    continue;
                }
                let mut months: std::collections::BTreeSet<String> = mine.filter_map(|u| u.month.clone()).collect();
                months.insert(month.clone());
                if c.used + months.len() as i64 > c.quantity {
                    refusal = Some(format!("Prise en charge {} épuisée : ses {} mois sont utilisés.", c.number, c.quantity));
                    continue;
                }
                return Ok((Some(CoverUse { coverage: c, month: Some(month) }), None));
            }
            CoverageUnit::Sessions => {
                let taken: i64 = earlier.iter().zip(stored).filter(|(u, _)| u.as_ref().map(|u| u.coverage.id) == Some(c.id)).map(|(_, s)| s.quantity).sum();
                if c.used + taken + l.quantity > c.quantity {
                    refusal = Some(format!("Prise en charge {} : {} séances demandées, {} restantes.", c.number, l.quantity, (c.quantity - c.used - taken).max(0)));
                    continue;
                }
                return Ok((Some(CoverUse { coverage: c, month: None }), None));
            }
        }
    }
    Ok((None, refusal))
}

/// Prices the lines under a fund coverage with its tariff: per session, or a
/// month's tariff shared by the lines of that month in proportion to what
/// each charged (the shares add up to the tariff to the centime).
fn price_by_coverages(lines: &mut [CareLine], covers: &[Option<CoverUse>]) {
    let mut groups: BTreeMap<(i64, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in covers.iter().enumerate() {
        let Some(c) = c else { continue };
        match &c.month {
            Some(m) => groups.entry((c.coverage.id, m.clone())).or_default().push(i),
            None => {
                let q = lines[i].quantity;
                lines[i].coverage = Some(FundTariff {
                    number: c.coverage.number.clone(),
                    fund_act: c.coverage.fund_act.clone(),
                    tariff: c.coverage.tariff * q,
                    fund_share: c.coverage.fund_share * q,
                });
            }
        }
    }
    for idx in groups.values() {
        let c = &covers[idx[0]].as_ref().expect("grouped lines have a coverage").coverage;
        let weights: Vec<i64> = idx.iter().map(|i| lines[*i].charged).collect();
        let tariffs = money::split(c.tariff, &weights);
        let shares = money::split(c.fund_share, &weights);
        for (k, i) in idx.iter().enumerate() {
            lines[*i].coverage = Some(FundTariff { number: c.number.clone(), fund_act: c.fund_act.clone(), tariff: tariffs[k], fund_share: shares[k] });
        }
    }
}

/// Shares what third parties paid on each invoice over its lines, in
/// proportion to what each charged.
fn share_payments(lines: &mut [CareLine], stored: &[StoredLine], payments: &[ThirdPartyPayment]) {
    for p in payments {
        let idx: Vec<usize> = stored.iter().enumerate().filter(|(_, l)| l.invoice_number.as_deref() == Some(p.invoice_number.as_str())).map(|(i, _)| i).collect();
        let weights: Vec<i64> = idx.iter().map(|i| lines[*i].charged).collect();
        for (k, share) in money::split(p.amount, &weights).into_iter().enumerate() {
            match p.payer {
                Payer::Fonds => lines[idx[k]].paid_by_fund += share,
                Payer::Mutuelle => lines[idx[k]].paid_by_mutual += share,
            }
        }
    }
}

/// The member's claw-backs and what remains to deduct.
pub async fn outstanding_clawbacks(pool: &AnyPool, member_id: i64) -> ApiResult<i64> {
    let v: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(c.amount - COALESCE((SELECT SUM(x.amount) FROM clawback_deductions x WHERE x.clawback_id = c.id), 0)) AS BIGINT) FROM clawbacks c WHERE c.member_id = $1",
    )
    .bind(member_id)
    .fetch_one(pool)
    .await?;
    Ok(v.unwrap_or(0))
}
