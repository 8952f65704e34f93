//! Liquidation in the database: rule sets by effective date, each dossier's
//! care lines, the liquidation itself (one transaction: figures per line,
//! claw-back deductions, status "liquidé", audit).

use super::compute::{self, CareLine, DossierFacts, LineResult};
use crate::approvals::consumption;
use super::rules::{in_force, RuleSet};
use crate::audit::{self, Actor, Change};
use crate::dossiers::repo::{fr, get_in_tx};
use crate::dossiers::workflow::Status;
use crate::error::{ApiError, ApiResult};
use crate::members::coverage::Coverage;
use crate::members::text;
use crate::money;
use crate::storage::{time, Db};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row};
use std::collections::BTreeMap;
use ts_rs::TS;

pub async fn rule_sets<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E) -> ApiResult<Vec<RuleSet>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT rules_json FROM rule_sets ORDER BY effective_from").fetch_all(ex).await?;
    rows.iter().map(|r| serde_json::from_str(r).map_err(ApiError::internal)).collect()
}

/// Adds a rule set taking effect on its date. Sets are never edited in place:
/// a dossier already liquidated keeps the figures of the set it was computed with.
pub async fn add_rule_set(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &RuleSet) -> ApiResult<Vec<RuleSet>> {
    for (kind, rate) in r.rates.iter().chain(r.amo_shares.iter()) {
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
    for a in &r.acts {
        if a.code.trim().is_empty() || a.family.trim().is_empty() {
            return Err(ApiError::validation("acts", "Chaque acte a un code et une famille."));
        }
        if let super::rules::Pricing::KeyLetter = a.pricing {
            if !r.key_values.contains_key(&a.code) {
                return Err(ApiError::validation("acts", format!("La lettre clé {} n'a pas de valeur.", a.code)));
            }
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
    #[ts(type = "number | null")]
    pub reimbursed: Option<i64>,
    #[ts(type = "number | null")]
    pub remainder: Option<i64>,
    /// Why it was rejected, as the member reads it.
    pub reason: Option<String>,
    /// How each figure was reached.
    pub explanation: Vec<String>,
}

pub async fn lines_of<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, dossier_id: i64) -> ApiResult<Vec<StoredLine>> {
    let rows = sqlx::query(
        "SELECT id, act_date, beneficiary_id, act, quantity, charged, provider, accepted, base, rate, amo, complementary, reimbursed, remainder, reason, explanation_json
         FROM care_lines WHERE dossier_id = $1 ORDER BY position",
    )
    .bind(dossier_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let d: String = r.try_get("act_date")?;
            let expl: Option<String> = r.try_get("explanation_json")?;
            Ok(StoredLine {
                id: r.try_get("id")?,
                date: NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(ApiError::internal)?,
                beneficiary_id: r.try_get("beneficiary_id")?,
                act: r.try_get("act")?,
                quantity: r.try_get("quantity")?,
                charged: r.try_get("charged")?,
                provider: r.try_get("provider")?,
                accepted: r.try_get::<Option<i64>, _>("accepted")?.map(|a| a == 1),
                base: r.try_get("base")?,
                rate: r.try_get("rate")?,
                amo: r.try_get("amo")?,
                complementary: r.try_get("complementary")?,
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
pub async fn save_lines(db: &Db, actor: &Actor, now: DateTime<Utc>, dossier_id: i64, version: i64, lines: &[CareLineInput]) -> ApiResult<Vec<StoredLine>> {
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
        parsed.push((l, code, charged, provider));
    }
    let before = lines_of(&mut *tx, dossier_id).await?;
    sqlx::query("DELETE FROM care_lines WHERE dossier_id = $1").bind(dossier_id).execute(&mut *tx).await?;
    for (i, (l, _, charged, provider)) in parsed.iter().enumerate() {
        sqlx::query("INSERT INTO care_lines (dossier_id, position, act_date, beneficiary_id, act, quantity, charged, provider) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(dossier_id)
            .bind(i as i64)
            .bind(time::date(l.date))
            .bind(l.beneficiary_id)
            .bind(l.act.trim().to_uppercase())
            .bind(l.quantity)
            .bind(*charged)
            .bind(provider.clone())
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE dossiers SET version = version + 1, updated_at = $1 WHERE id = $2").bind(time::ts(now)).bind(dossier_id).execute(&mut *tx).await?;
    let after = lines_of(&mut *tx, dossier_id).await?;
    let summary = |ls: &[StoredLine]| serde_json::json!(ls.iter().map(|l| serde_json::json!({"date": l.date, "beneficiary_id": l.beneficiary_id, "act": l.act, "quantity": l.quantity, "charged": l.charged, "provider": l.provider})).collect::<Vec<_>>());
    audit::record(&mut tx, now, actor, Change {
        action: "dossier.care_lines",
        entity_type: "dossier",
        entity_id: Some(dossier_id.to_string()),
        before: Some(summary(&before)),
        after: Some(summary(&after)),
    })
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The result of liquidating a dossier.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LiquidationView {
    pub lines: Vec<StoredLine>,
    #[ts(type = "number")]
    pub total_charged: i64,
    #[ts(type = "number")]
    pub total_reimbursed: i64,
    /// Claw-backs deducted now (centimes).
    #[ts(type = "number")]
    pub clawback_deducted: i64,
    #[ts(type = "number")]
    pub net_paid: i64,
    #[ts(type = "number")]
    pub version: i64,
}

/// Liquidates a complete dossier: computes each line with the rule set in
/// force on its date, deducts the member's outstanding claw-backs, and moves it
/// to "liquidé". All or nothing.
pub async fn liquidate(db: &Db, actor: &Actor, now: DateTime<Utc>, dossier_id: i64, version: i64) -> ApiResult<LiquidationView> {
    let mut tx = db.begin().await?;
    let d = get_in_tx(&mut tx, dossier_id).await?;
    if d.version != version {
        return Err(ApiError::stale());
    }
    if d.status != Status::Complet {
        return Err(ApiError::conflict(format!("Seul un dossier complet se liquide ; celui-ci est « {} ».", d.status.label())));
    }
    let stored = lines_of(&mut *tx, dossier_id).await?;
    if stored.is_empty() {
        return Err(ApiError::validation("lines", "Saisissez les lignes de soins avant de liquider."));
    }
    let sets = rule_sets(&mut *tx).await?;
    let cover = Coverage::of_member(&mut tx, d.member_id).await?;
    // What each beneficiary was already reimbursed this year, per family.
    let mut used: BTreeMap<(i64, String, i32), i64> = BTreeMap::new();
    let years: std::collections::BTreeSet<i32> = stored.iter().map(|l| l.date.year()).collect();
    let beneficiaries: std::collections::BTreeSet<i64> = stored.iter().map(|l| l.beneficiary_id).collect();
    for b in &beneficiaries {
        for y in &years {
            let rows = sqlx::query(
                "SELECT cl.family, CAST(SUM(cl.reimbursed) AS BIGINT) AS total FROM care_lines cl JOIN dossiers x ON x.id = cl.dossier_id
                 WHERE cl.beneficiary_id = $1 AND cl.act_date >= $2 AND cl.act_date <= $3 AND cl.accepted = 1 AND x.status IN ('liquide', 'paye')
                 GROUP BY cl.family",
            )
            .bind(b)
            .bind(format!("{y}-01-01"))
            .bind(format!("{y}-12-31"))
            .fetch_all(&mut *tx)
            .await?;
            for r in rows {
                let family: Option<String> = r.try_get("family")?;
                if let Some(f) = family {
                    used.insert((*b, f, *y), r.try_get::<Option<i64>, _>("total")?.unwrap_or(0));
                }
            }
        }
    }
    let outstanding = sqlx::query(
        "SELECT c.id, c.amount - COALESCE((SELECT CAST(SUM(x.amount) AS BIGINT) FROM clawback_deductions x WHERE x.clawback_id = c.id), 0) AS left_to_deduct
         FROM clawbacks c WHERE c.member_id = $1 ORDER BY c.id",
    )
    .bind(d.member_id)
    .fetch_all(&mut *tx)
    .await?;
    let clawbacks: Vec<(i64, i64)> = outstanding
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("left_to_deduct")?)))
        .collect::<ApiResult<Vec<_>>>()?
        .into_iter()
        .filter(|(_, left)| *left > 0)
        .collect();
    let mut lines: Vec<CareLine> = Vec::with_capacity(stored.len());
    // The granted approval each line uses (grant id, units), taken once the line is accepted.
    let mut uses: Vec<Option<(i64, i64)>> = Vec::with_capacity(stored.len());
    let mut pending: Vec<(i64, i64)> = vec![];
    for l in &stored {
        let act = compute::parse_act(&l.act).ok().and_then(|(code, _)| in_force(&sets, l.date).and_then(|r| r.act(&code)).cloned());
        // A valid chronic-illness declaration of the beneficiary covering the act's family.
        let chronic = match &act {
            Some(a) => super::chronic::covers(&mut *tx, l.beneficiary_id, &a.family, l.date).await?,
            None => false,
        };
        // A granted prior approval of the same beneficiary and act, valid that day, with enough left.
        let usable = match &act {
            Some(a) if a.needs_prior_approval => consumption::find(&mut tx, l.beneficiary_id, &a.code, l.date, l.quantity, l.charged, &pending).await?,
            _ => None,
        };
        let used = usable.as_ref().map(|u| (u.grant_id, consumption::need(u.unit, l.quantity, l.charged)));
        if let Some(u) = used {
            pending.push(u);
        }
        uses.push(used);
        lines.push(CareLine {
            date: l.date,
            beneficiary_id: l.beneficiary_id,
            act: l.act.clone(),
            quantity: l.quantity,
            charged: l.charged,
            chronic,
            approval: usable.map(|u| u.number),
            covered: cover.covered(l.beneficiary_id, l.date).unwrap_or(false),
        });
    }
    let facts = DossierFacts { kind: d.kind, first_act_date: d.first_act_date, validity_end: d.validity_end };
    let result = compute::liquidate(&sets, &facts, &lines, &used, &clawbacks);
    for (stored_line, r) in stored.iter().zip(&result.lines) {
        let q = match r {
            LineResult::Accepted(c) => sqlx::query(
                "UPDATE care_lines SET accepted = 1, family = $1, base = $2, rate = $3, amo = $4, complementary = $5, reimbursed = $6, remainder = $7,
                   reason = NULL, explanation_json = $8 WHERE id = $9",
            )
            .bind(c.family.clone())
            .bind(c.base)
            .bind(c.rate as i64)
            .bind(c.amo)
            .bind(c.complementary)
            .bind(c.reimbursed)
            .bind(c.remainder)
            .bind(serde_json::to_string(&c.explanation).map_err(ApiError::internal)?)
            .bind(stored_line.id),
            LineResult::Rejected(why) => sqlx::query(
                "UPDATE care_lines SET accepted = 0, family = NULL, base = NULL, rate = NULL, amo = NULL, complementary = NULL, reimbursed = 0,
                   remainder = charged, reason = $1, explanation_json = NULL WHERE id = $2",
            )
            .bind(why.clone())
            .bind(stored_line.id),
        };
        q.execute(&mut *tx).await?;
    }
    // Accepted lines use their approval; a rejected line leaves it untouched.
    sqlx::query("DELETE FROM approval_consumptions WHERE dossier_id = $1").bind(dossier_id).execute(&mut *tx).await?;
    for ((stored_line, r), used) in stored.iter().zip(&result.lines).zip(&uses) {
        if let (LineResult::Accepted(_), Some((grant_id, units))) = (r, used) {
            let u = consumption::Use { grant_id: *grant_id, used: *units, day: stored_line.date, care_line_id: Some(stored_line.id), dossier_id: Some(dossier_id), note: None };
            consumption::take(&mut tx, actor, now, "lines", &u).await?;
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
    let n = sqlx::query(
        "UPDATE dossiers SET status = 'liquide', liquidated_at = $1, total_reimbursed = $2, clawback_deducted = $3,
           version = version + 1, updated_at = $1 WHERE id = $4 AND version = $5",
    )
    .bind(time::ts(now))
    .bind(result.total_reimbursed)
    .bind(deducted)
    .bind(dossier_id)
    .bind(version)
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
            "status": "liquide", "total_charged": result.total_charged, "total_reimbursed": result.total_reimbursed,
            "clawback_deducted": deducted, "net_paid": result.net_paid, "deductions": result.deductions,
        })),
    })
    .await?;
    let lines = lines_of(&mut *tx, dossier_id).await?;
    tx.commit().await?;
    Ok(LiquidationView {
        lines,
        total_charged: result.total_charged,
        total_reimbursed: result.total_reimbursed,
        clawback_deducted: deducted,
        net_paid: result.net_paid,
        version: version + 1,
    })
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
