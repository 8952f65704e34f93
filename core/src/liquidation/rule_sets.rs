//! Rule sets (tariffs, rates, ceilings) kept by the date they take effect:
//! never edited in place, so a line keeps the rules of its date.

use super::rules::RuleSet;
use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use sqlx::Any;

pub async fn rule_sets<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E) -> ApiResult<Vec<RuleSet>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT rules_json FROM rule_sets ORDER BY effective_from").fetch_all(ex).await?;
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
            return Err(ApiError::validation(
                "key_values",
                format!("Valeur de la lettre clé {letter} : elle doit être positive."),
            ));
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
                return Err(ApiError::validation(
                    "acts",
                    format!("Tarif de référence de l'acte {} : il doit être positif.", a.code),
                ));
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
            return Err(ApiError::validation(
                "fund_acts",
                format!("Le code {fund_act} de la caisse renvoie à l'acte {unknown}, absent du barème."),
            ));
        }
    }
    let mut tx = db.begin().await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT effective_from FROM rule_sets WHERE effective_from = $1")
        .bind(time::date(r.effective_from))
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(ApiError::validation(
            "effective_from",
            "Un barème prend déjà effet à cette date : choisissez une autre date.",
        ));
    }
    let json = serde_json::to_string(r).map_err(ApiError::internal)?;
    sqlx::query("INSERT INTO rule_sets (effective_from, rules_json, created_at, created_by) VALUES ($1, $2, $3, $4)")
        .bind(time::date(r.effective_from))
        .bind(&json)
        .bind(time::ts(now))
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Change {
            action: "rule_set.create",
            entity_type: "rule_set",
            entity_id: Some(time::date(r.effective_from)),
            before: None,
            after: Some(serde_json::from_str(&json).map_err(ApiError::internal)?),
        },
    )
    .await?;
    tx.commit().await?;
    rule_sets(db.pool()).await
}
