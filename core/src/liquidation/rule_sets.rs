//! Rule sets (tariffs, rates, ceilings) kept by the date they take effect:
//! never edited in place, so a line keeps the rules of its date.

use super::rules::{Ceiling, RuleSet};
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::Any;
use ts_rs::TS;

pub async fn rule_sets<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E) -> ApiResult<Vec<RuleSet>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT rules_json FROM rule_sets ORDER BY effective_from").fetch_all(ex).await?;
    rows.iter().map(|r| super::rules_before_groups::read(r)).collect()
}

/// Adds a rule set taking effect on its date. Sets are never edited in place:
/// a dossier already liquidated keeps the figures of the set it was computed with.
pub async fn add_rule_set(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &RuleSet) -> ApiResult<Vec<RuleSet>> {
    for (code, g) in &r.groups {
        if [g.amo_rate, g.member_share_rate, g.above_base_rate].iter().any(|x| *x > 10_000) {
            return Err(ApiError::validation("groups", format!("Groupe {code} : un taux au-delà de 100 %.")));
        }
    }
    for (letter, v) in &r.key_values {
        if *v <= 0 {
            return Err(ApiError::validation(
                "key_values",
                format!("Valeur de la lettre clé {letter} : elle doit être positive."),
            ));
        }
    }
    for c in &r.ceilings {
        if c.amount < 0 || !(1..=Ceiling::LONGEST).contains(&c.years) {
            return Err(ApiError::validation(
                "ceilings",
                format!("Plafond {} : un montant positif, sur 1 à {} ans.", c.group, Ceiling::LONGEST),
            ));
        }
    }
    for a in &r.acts {
        if a.code.trim().is_empty() || a.family.trim().is_empty() {
            return Err(ApiError::validation("acts", "Chaque acte a un code et une famille."));
        }
        if let super::rules::Pricing::Reference { unit_price: Some(p) } = a.pricing {
            if p <= 0 {
                return Err(ApiError::validation(
                    "acts",
                    format!("Tarif de référence de l'acte {} : il doit être positif.", a.code),
                ));
            }
        }
        if !r.groups.contains_key(&a.family) {
            return Err(ApiError::validation(
                "acts",
                format!("L'acte {} est du groupe « {} », qui n'a pas de taux au barème.", a.code, a.family),
            ));
        }
    }
    for (fund_act, acts) in &r.fund_acts {
        if let Some(unknown) = acts.iter().find(|a| r.act(a).is_none()) {
            return Err(ApiError::validation(
                "fund_acts",
                format!("Le code {fund_act} de la caisse renvoie à l'acte {unknown}, absent du barème."),
            ));
        }
    }
    let mut tx = db.begin().await?;
    crate::storage::effective::ensure_day_free(&mut tx, "rule_sets", r.effective_from, "Un barème").await?;
    let json = serde_json::to_string(r).map_err(ApiError::internal)?;
    sqlx::query("INSERT INTO rule_sets (effective_from, rules_json, created_at, created_by) VALUES ($1, $2, $3, $4)")
        .bind(time::date(r.effective_from))
        .bind(&json)
        .bind(time::ts(now))
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
    Change::on("rule_set.create", "rule_set", time::date(r.effective_from))
        .after(serde_json::from_str(&json).map_err(ApiError::internal)?)
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    rule_sets(db.pool()).await
}

/// The acts of the set in force on a day that have no price yet: the
/// administrator types them from the mutual's schedule.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Unpriced {
    pub effective_from: Option<NaiveDate>,
    pub acts: Vec<UnpricedAct>,
    /// « 12 actes sans tarif : B, AMI, … » ; `None` when every act has one.
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct UnpricedAct {
    pub code: String,
    pub label: String,
}

pub async fn unpriced<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, day: NaiveDate) -> ApiResult<Unpriced> {
    let sets = rule_sets(ex).await?;
    let Some(set) = super::rules::in_force(&sets, day) else {
        return Ok(Unpriced { effective_from: None, acts: vec![], summary: None });
    };
    let acts: Vec<UnpricedAct> =
        set.unpriced().into_iter().map(|a| UnpricedAct { code: a.code.clone(), label: a.label.clone() }).collect();
    let summary = match acts.len() {
        0 => None,
        1 => Some(format!("1 acte sans tarif : {}", acts[0].code)),
        n => Some(format!(
            "{n} actes sans tarif : {}",
            acts.iter().map(|a| a.code.as_str()).collect::<Vec<_>>().join(", ")
        )),
    };
    Ok(Unpriced { effective_from: Some(set.effective_from), acts, summary })
}
