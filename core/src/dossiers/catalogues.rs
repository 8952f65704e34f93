//! The catalogues the administrator edits: reasons members read, document
//! types of the checklist, and the deadline rules with their effective dates.

use super::deadlines::{DeadlineRule, LateEffect};
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};
use ts_rs::TS;

/// A reason of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Reason {
    pub code: String,
    /// As the member reads it.
    pub label: String,
    pub active: bool,
    #[ts(type = "number")]
    pub version: i64,
}

/// The code a reason of the seeds carries (statistics and the late rule rely on it).
pub const LATE_REASON: &str = "hors_delai";
/// The reason of a scanned dossier whose original never came in time.
pub const ORIGINAL_OVERDUE_REASON: &str = "original_non_recu";

/// A reason to create (no code) or change (code and version).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub code: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub version: Option<i64>,
    pub label: String,
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

pub async fn reasons(pool: &AnyPool, active_only: bool) -> ApiResult<Vec<Reason>> {
    let rows = sqlx::query(&format!(
        "SELECT code, label, active, version FROM reasons {} ORDER BY label",
        if active_only { "WHERE active = 1" } else { "" }
    ))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Reason {
                code: r.try_get("code")?,
                label: r.try_get("label")?,
                active: r.try_get::<i64, _>("active")? == 1,
                version: r.try_get("version")?,
            })
        })
        .collect()
}

pub async fn reason_in_tx(tx: &mut Transaction<'static, Any>, code: &str) -> ApiResult<Option<(String, bool)>> {
    let row =
        sqlx::query("SELECT label, active FROM reasons WHERE code = $1").bind(code).fetch_optional(&mut **tx).await?;
    Ok(match row {
        Some(r) => Some((r.try_get("label")?, r.try_get::<i64, _>("active")? == 1)),
        None => None,
    })
}

/// A code from a label: "Pièces manquantes" → `pieces_manquantes`.
fn code_of(label: &str) -> String {
    text::fold(label)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect()
}

/// Journals a label saved in the catalogue of `entity` (reasons, document
/// types): created when there was nothing `before`.
async fn record_label(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    actor: &Actor,
    (entity, code): (&str, &str),
    before: Option<serde_json::Value>,
    (label, active): (&str, bool),
) -> ApiResult<()> {
    let action = format!("{entity}.{}", if before.is_some() { "update" } else { "create" });
    let after = Some(serde_json::json!({ "label": label, "active": active }));
    Change { action: &action, entity_type: entity, entity_id: Some(code.to_string()), before, after }
        .record(tx, now, actor)
        .await
}

pub async fn save_reason(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &ReasonInput) -> ApiResult<Reason> {
    let label = text::clean("label", "Libellé du motif", &r.label, 200)?;
    if label.is_empty() {
        return Err(ApiError::validation("label", "Libellé du motif : obligatoire (c'est ce que l'adhérent lira)."));
    }
    let mut tx = db.begin().await?;
    let (code, before) = match (&r.code, r.version) {
        (Some(code), Some(version)) => {
            let before = reason_in_tx(&mut tx, code)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("Aucun motif « {code} ».")))?;
            let sets = [
                ("label", label.as_str().into()),
                ("active", (r.active as i64).into()),
                ("updated_at", time::ts(now).into()),
            ];
            versioned::update(&mut tx, "reasons", ("code", code.as_str().into()), version, &sets).await?;
            (code.clone(), Some(serde_json::json!({ "label": before.0, "active": before.1 })))
        }
        (Some(_), None) => return Err(ApiError::validation("version", "Indiquez la version du motif modifié.")),
        (None, _) => {
            let code = code_of(&label);
            if code.is_empty() {
                return Err(ApiError::validation(
                    "label",
                    "Libellé du motif : il faut au moins une lettre ou un chiffre.",
                ));
            }
            if reason_in_tx(&mut tx, &code).await?.is_some() {
                return Err(ApiError::validation("label", format!("Un motif semblable existe déjà ({code}).")));
            }
            sqlx::query("INSERT INTO reasons (code, label, active, updated_at) VALUES ($1, $2, $3, $4)")
                .bind(&code)
                .bind(&label)
                .bind(r.active as i64)
                .bind(time::ts(now))
                .execute(&mut *tx)
                .await?;
            (code, None)
        }
    };
    record_label(&mut tx, now, actor, ("reason", &code), before, (&label, r.active)).await?;
    tx.commit().await?;
    reasons(db.pool(), false)
        .await?
        .into_iter()
        .find(|x| x.code == code)
        .ok_or_else(|| ApiError::internal("motif disparu"))
}

/// A document type of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DocumentType {
    pub code: String,
    /// As the member reads it ("la facture").
    pub label: String,
    /// Carries a rule of the claim form (seed 002); cannot be deactivated.
    pub builtin: bool,
    pub active: bool,
    #[ts(type = "number")]
    pub version: i64,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DocumentTypeInput {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub code: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub version: Option<i64>,
    pub label: String,
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub active: bool,
}

pub async fn document_types(pool: &AnyPool) -> ApiResult<Vec<DocumentType>> {
    let rows =
        sqlx::query("SELECT code, label, builtin, active, version FROM document_types ORDER BY builtin DESC, label")
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(DocumentType {
                code: r.try_get("code")?,
                label: r.try_get("label")?,
                builtin: r.try_get::<i64, _>("builtin")? == 1,
                active: r.try_get::<i64, _>("active")? == 1,
                version: r.try_get("version")?,
            })
        })
        .collect()
}

pub async fn save_document_type(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    d: &DocumentTypeInput,
) -> ApiResult<DocumentType> {
    let label = text::clean("label", "Libellé du document", &d.label, 200)?;
    if label.is_empty() {
        return Err(ApiError::validation("label", "Libellé du document : obligatoire."));
    }
    let mut tx = db.begin().await?;
    let all = document_types(db.pool()).await?;
    let (code, before) = match (&d.code, d.version) {
        (Some(code), Some(version)) => {
            let before = all
                .iter()
                .find(|x| &x.code == code)
                .ok_or_else(|| ApiError::not_found(format!("Aucun type de document « {code} ».")))
                .cloned()?;
            if before.builtin && !d.active {
                return Err(ApiError::validation(
                    "active",
                    "Ce document est exigé par les règles de la feuille de soins : il ne peut pas être désactivé.",
                ));
            }
            let sets = [
                ("label", label.as_str().into()),
                ("active", (d.active as i64).into()),
                ("updated_at", time::ts(now).into()),
            ];
            versioned::update(&mut tx, "document_types", ("code", code.as_str().into()), version, &sets).await?;
            (code.clone(), Some(serde_json::json!({ "label": before.label, "active": before.active })))
        }
        (Some(_), None) => return Err(ApiError::validation("version", "Indiquez la version du document modifié.")),
        (None, _) => {
            let code = code_of(&label);
            if code.is_empty() || all.iter().any(|x| x.code == code) {
                return Err(ApiError::validation("label", "Un document de ce nom existe déjà."));
            }
            sqlx::query(
                "INSERT INTO document_types (code, label, builtin, active, updated_at) VALUES ($1, $2, 0, $3, $4)",
            )
            .bind(&code)
            .bind(&label)
            .bind(d.active as i64)
            .bind(time::ts(now))
            .execute(&mut *tx)
            .await?;
            (code, None)
        }
    };
    record_label(&mut tx, now, actor, ("document_type", &code), before, (&label, d.active)).await?;
    tx.commit().await?;
    document_types(db.pool())
        .await?
        .into_iter()
        .find(|x| x.code == code)
        .ok_or_else(|| ApiError::internal("document disparu"))
}

pub async fn deadline_rules<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E) -> ApiResult<Vec<DeadlineRule>> {
    let rows = sqlx::query(
        "SELECT effective_from, validity_months, original_grace_months, late_effect, complement_days, \
            approval_complement_days FROM deadline_rules ORDER BY effective_from",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let from: String = r.try_get("effective_from")?;
            let effect: String = r.try_get("late_effect")?;
            Ok(DeadlineRule {
                effective_from: NaiveDate::parse_from_str(&from, "%Y-%m-%d").map_err(ApiError::internal)?,
                validity_months: r.try_get::<i64, _>("validity_months")? as u32,
                original_grace_months: r.try_get::<i64, _>("original_grace_months")? as u32,
                late_effect: if effect == "flag_only" { LateEffect::FlagOnly } else { LateEffect::Reject },
                complement_days: r.try_get::<i64, _>("complement_days")? as u32,
                approval_complement_days: r.try_get::<i64, _>("approval_complement_days")? as u32,
            })
        })
        .collect()
}

/// Adds a rule taking effect on its date; rules are never edited in place, so
/// dossiers keep the deadlines they were given.
pub async fn add_deadline_rule(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    r: &DeadlineRule,
) -> ApiResult<Vec<DeadlineRule>> {
    if !(1..=24).contains(&r.validity_months) {
        return Err(ApiError::validation("validity_months", "Validité de la feuille : entre 1 et 24 mois."));
    }
    if r.original_grace_months > 12 {
        return Err(ApiError::validation(
            "original_grace_months",
            "Délai de l'original après la validité : entre 0 et 12 mois.",
        ));
    }
    if !(1..=365).contains(&r.complement_days) {
        return Err(ApiError::validation(
            "complement_days",
            "Délai du complément d'un dossier incomplet : entre 1 et 365 jours.",
        ));
    }
    if !(1..=365).contains(&r.approval_complement_days) {
        return Err(ApiError::validation(
            "approval_complement_days",
            "Délai du complément d'une demande d'accord incomplète : entre 1 et 365 jours.",
        ));
    }
    let mut tx = db.begin().await?;
    crate::storage::effective::ensure_day_free(&mut tx, "deadline_rules", r.effective_from, "Une règle").await?;
    sqlx::query(
        "INSERT INTO deadline_rules (effective_from, validity_months, original_grace_months, late_effect, \
            created_at, created_by, complement_days, approval_complement_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(time::date(r.effective_from))
    .bind(r.validity_months as i64)
    .bind(r.original_grace_months as i64)
    .bind(match r.late_effect {
        LateEffect::Reject => "reject",
        LateEffect::FlagOnly => "flag_only",
    })
    .bind(time::ts(now))
    .bind(&actor.name)
    .bind(r.complement_days as i64)
    .bind(r.approval_complement_days as i64)
    .execute(&mut *tx)
    .await?;
    Change::on("deadline_rule.create", "deadline_rule", time::date(r.effective_from))
        .after(serde_json::to_value(r).map_err(ApiError::internal)?)
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    deadline_rules(db.pool()).await
}
