//! The medical advisor's decision on a request (grant, incomplete, refuse),
//! checked before anything is written, and what a provider uses of a grant.

use super::consumption;
use super::lifecycle;
use super::model::*;
use super::repo::load;
use crate::audit::{Actor, Change};
use crate::dossiers::complements;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::money;
use crate::storage::{time, versioned, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use ts_rs::TS;

/// An act granted, as the medical advisor types it.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub act_code: String,
    pub unit: Unit,
    /// Sessions or months granted.
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub quantity: Option<i64>,
    /// For an amount: as typed, `1 500,00`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub amount: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// Per session or month (or for the whole amount): the two shares make it.
    pub tariff: String,
    pub mutual_share: String,
    pub member_share: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Decision {
    Grant {
        grants: Vec<GrantInput>,
        #[serde(default)]
        #[ts(optional = nullable)]
        conditions: Option<String>,
        #[serde(default)]
        #[ts(optional = nullable)]
        medical_note: Option<String>,
    },
    Incomplete {
        reason: String,
        missing: Vec<String>,
        #[serde(default)]
        #[ts(optional = nullable)]
        medical_note: Option<String>,
    },
    Refuse {
        reason: String,
        /// How to appeal; the usual wording when absent.
        #[serde(default)]
        #[ts(optional = nullable)]
        appeal: Option<String>,
        #[serde(default)]
        #[ts(optional = nullable)]
        medical_note: Option<String>,
    },
}

/// The usual way to appeal a refusal, within the days the mutual sets.
pub fn default_appeal(days: i64) -> String {
    format!(
        "Vous pouvez contester cette décision dans un délai de {days} jours par courrier adressé au médecin conseil \
            de la mutuelle, accompagné de tout élément médical nouveau (sous pli confidentiel)."
    )
}

struct CheckedGrant {
    act_code: String,
    unit: Unit,
    granted: i64,
    valid_from: NaiveDate,
    valid_to: NaiveDate,
    tariff: money::Centimes,
    mutual: money::Centimes,
    member: money::Centimes,
}

fn check_grants(grants: &[GrantInput]) -> ApiResult<Vec<CheckedGrant>> {
    if grants.is_empty() {
        return Err(ApiError::validation("grants", "Indiquez au moins un acte accordé."));
    }
    grants
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let f = |name: &str| format!("grants[{i}].{name}");
            let n = i + 1;
            let act_code =
                text::clean(&f("act_code"), &format!("Acte accordé {n}, code"), &g.act_code, 20)?.to_uppercase();
            if act_code.is_empty() {
                return Err(ApiError::validation(
                    &f("act_code"),
                    format!("Acte accordé {n} : code d'acte obligatoire."),
                ));
            }
            if g.valid_to < g.valid_from {
                return Err(ApiError::validation(
                    &f("valid_to"),
                    format!(
                        "Acte accordé {n} : la fin de validité ({}) précède son début ({}).",
                        fr(g.valid_to),
                        fr(g.valid_from)
                    ),
                ));
            }
            if (g.valid_to - g.valid_from).num_days() > 3 * 366 {
                return Err(ApiError::validation(
                    &f("valid_to"),
                    format!("Acte accordé {n} : validité de plus de trois ans ; vérifiez les dates."),
                ));
            }
            let granted = match g.unit {
                Unit::Sessions | Unit::Months => match g.quantity {
                    Some(q) if (1..=366).contains(&q) => q,
                    _ => {
                        return Err(ApiError::validation(
                            &f("quantity"),
                            format!("Acte accordé {n} : {} entre 1 et 366.", g.unit.label().to_lowercase()),
                        ))
                    }
                },
                Unit::Amount => {
                    let a = money::parse(
                        &f("amount"),
                        &format!("Acte accordé {n}, montant accordé"),
                        g.amount.as_deref().unwrap_or(""),
                    )?;
                    if a <= 0 {
                        return Err(ApiError::validation(
                            &f("amount"),
                            format!("Acte accordé {n} : le montant accordé doit être positif."),
                        ));
                    }
                    a.0
                }
            };
            let tariff = money::parse(&f("tariff"), &format!("Acte accordé {n}, tarif"), &g.tariff)?;
            let mutual =
                money::parse(&f("mutual_share"), &format!("Acte accordé {n}, part mutuelle"), &g.mutual_share)?;
            let member =
                money::parse(&f("member_share"), &format!("Acte accordé {n}, part adhérent"), &g.member_share)?;
            if tariff < 0 || mutual < 0 || member < 0 {
                return Err(ApiError::validation(
                    &f("tariff"),
                    format!("Acte accordé {n} : tarif et parts ne peuvent pas être négatifs."),
                ));
            }
            if mutual + member != tariff {
                return Err(ApiError::validation(
                    &f("member_share"),
                    format!(
                        "Acte accordé {n} : part mutuelle ({}) et part adhérent ({}) doivent faire le tarif ({}).",
                        money::format(mutual),
                        money::format(member),
                        money::format(tariff)
                    ),
                ));
            }
            Ok(CheckedGrant {
                act_code,
                unit: g.unit,
                granted,
                valid_from: g.valid_from,
                valid_to: g.valid_to,
                tariff,
                mutual,
                member,
            })
        })
        .collect()
}

/// The medical advisor's decision on an undecided request. A decided request
/// is final: the second decision answers `conflict`.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    versioned::Seen { id, version }: versioned::Seen,
    d: &Decision,
) -> ApiResult<Request> {
    let (status, reason, missing, appeal, conditions, note, grants) = match d {
        Decision::Grant { grants, conditions, medical_note } => {
            let g = check_grants(grants)?;
            (
                RequestStatus::Accorde,
                None,
                vec![],
                None,
                text::optional("conditions", "Les conditions", conditions, 1000)?,
                medical_note,
                g,
            )
        }
        Decision::Incomplete { reason, missing, medical_note } => {
            let reason = text::clean("reason", "Le motif", reason, 500)?;
            if reason.is_empty() {
                return Err(ApiError::validation("reason", "Indiquez le motif : ce que le demandeur lira."));
            }
            let missing = missing
                .iter()
                .enumerate()
                .map(|(i, m)| text::clean(&format!("missing[{i}]"), "Pièce manquante", m, 200))
                .collect::<ApiResult<Vec<_>>>()?
                .into_iter()
                .filter(|m| !m.is_empty())
                .collect::<Vec<_>>();
            if missing.is_empty() {
                return Err(ApiError::validation(
                    "missing",
                    "Indiquez les pièces manquantes : le demandeur doit savoir quoi envoyer.",
                ));
            }
            (RequestStatus::Incomplet, Some(reason), missing, None, None, medical_note, vec![])
        }
        Decision::Refuse { reason, appeal, medical_note } => {
            let reason = crate::kernel::review::refusal_reason(reason, "le demandeur")?;
            let appeal = match text::optional("appeal", "La voie de recours", appeal, 500)? {
                Some(a) => a,
                None => default_appeal(crate::pdf::letterhead::appeal_days(db.pool()).await?),
            };
            (RequestStatus::Refuse, Some(reason), vec![], Some(appeal), None, medical_note, vec![])
        }
    };
    let note = text::optional("medical_note", "La note médicale", note, 2000)?;
    let mut tx = db.begin().await?;
    let before = load(&mut tx, id).await?;
    if before.status.decided() {
        return Err(ApiError::conflict(format!(
            "La demande {} est déjà décidée ({}, le {} par {}) : une décision ne se refait pas ; enregistrez une \
                nouvelle demande.",
            before.number,
            before.status.label().to_lowercase(),
            before
                .decided_at
                .as_deref()
                .and_then(|t| time::parse_ts(t).ok())
                .map(|t| fr(t.date_naive()))
                .unwrap_or_default(),
            before.decided_by.clone().unwrap_or_default()
        )));
    }
    if before.version != version {
        return Err(ApiError::stale());
    }
    // An incomplete request waits for its complement until the day the rule in
    // force today gives (issue 18, item 4).
    let complement_due = match status {
        RequestStatus::Incomplet => {
            Some(time::date(complements::due(&mut tx, now.date_naive(), complements::Awaiting::ApprovalRequest).await?))
        }
        _ => None,
    };
    for g in &grants {
        sqlx::query(
            "INSERT INTO approval_grants (request_id, beneficiary_id, act_code, unit, granted, valid_from, \
                valid_to, tariff, mutual_share, member_share)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(before.beneficiary_id)
        .bind(&g.act_code)
        .bind(g.unit.code())
        .bind(g.granted)
        .bind(time::date(g.valid_from))
        .bind(time::date(g.valid_to))
        .bind(g.tariff)
        .bind(g.mutual)
        .bind(g.member)
        .execute(&mut *tx)
        .await?;
    }
    let missing_json =
        if missing.is_empty() { None } else { Some(serde_json::to_string(&missing).map_err(ApiError::internal)?) };
    let mut sets = vec![
        ("decided_at", time::ts(now).into()),
        ("decided_by", actor.name.clone().into()),
        ("reason", reason.clone().into()),
        ("missing_json", missing_json.into()),
        ("appeal", appeal.clone().into()),
        ("conditions", conditions.clone().into()),
        ("complement_due", complement_due.clone().into()),
    ];
    // A decision without a note keeps the one written before.
    if let Some(note) = &note {
        sets.push(("medical_note", note.clone().into()));
    }
    lifecycle::write(&mut tx, &before, status, sets).await?;
    let after = load(&mut tx, id).await?;
    // The journal keeps the decision and its reason, never the medical note.
    Change::on("approval.decide", "approval_request", id)
        .before(serde_json::json!({ "status": before.status }))
        .after(serde_json::json!({
            "status": status, "reason": reason, "missing": missing, "appeal": appeal, "conditions": conditions,
            "grants": after.grants, "medical_note": note.as_ref().map(|_| "confidentiel"),
                "complement_due": complement_due,
        }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Records what a provider used of a coverage (an invoice paid directly).
pub async fn record_use(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    grant_id: i64,
    day: NaiveDate,
    used: i64,
    note: Option<&str>,
) -> ApiResult<i64> {
    let note = match note {
        Some(n) => Some(text::clean("note", "La référence", n, 200)?).filter(|n| !n.is_empty()),
        None => None,
    };
    let mut tx = db.begin().await?;
    let left = consumption::take(
        &mut tx,
        actor,
        now,
        "used",
        &consumption::Use {
            grant_id,
            used,
            day,
            care_line_id: None,
            dossier_id: None,
            provider_invoice_id: None,
            note: note.as_deref(),
        },
    )
    .await?;
    Change::on("approval.use", "approval_grant", grant_id)
        .before(serde_json::json!({ "left": left + used }))
        .after(serde_json::json!({ "used": used, "date": day, "left": left, "note": note }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    Ok(left)
}
