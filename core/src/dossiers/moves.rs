//! The staff's moves of the workflow on one dossier: each checked against
//! the transition table, the version read and what the move requires.

use super::catalogues;
use super::checklist;
use super::complements;
use super::model::Dossier;
use super::repo::{audit_json, get_in_tx, labels_of};
use super::workflow::{self, Move, Status};
use crate::audit::{self, Actor, Change};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use ts_rs::TS;

/// A move asked by a staff member.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    #[ts(type = "number")]
    pub id: i64,
    /// The version read; another desk's change in between gives `conflict`.
    #[ts(type = "number")]
    pub version: i64,
    #[serde(rename = "move")]
    pub action: Move,
    /// Catalogue reason (incomplete, rejected).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub reason_code: Option<String>,
    /// Free text the member reads, alone or after the catalogue reason; for a
    /// reopening, why.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub reason_text: Option<String>,
    /// Complement received: what came. Complete with documents missing: why.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub note: Option<String>,
}

/// Makes a move of the workflow.
pub async fn make_move(
    db: &Db,
    actor: &Actor,
    roles: &[Role],
    now: DateTime<Utc>,
    r: &MoveRequest,
) -> ApiResult<Dossier> {
    let reason_text = text::optional("reason_text", "Le motif", &r.reason_text, 1000)?;
    let note = text::optional("note", "La note", &r.note, 1000)?;
    let mut tx = db.begin().await?;
    let before = get_in_tx(&mut tx, r.id).await?;
    if before.version != r.version {
        return Err(ApiError::stale());
    }
    let to = workflow::next(before.status, r.action, roles)?;
    let mut assigned = before.assigned_to;
    let mut reason_code = before.reason_code.clone();
    let mut reason = before.reason.clone();
    let mut override_reason = before.checklist_override.clone();
    match r.action {
        Move::Take => {
            assigned = Some(actor.staff_id.ok_or_else(|| {
                ApiError::validation("move", "Seul un gestionnaire connecté peut prendre un dossier.")
            })?);
        }
        Move::MarkIncomplete | Move::Reject => {
            let label = match &r.reason_code {
                Some(code) => match catalogues::reason_in_tx(&mut tx, code).await? {
                    Some((label, true)) => Some(label),
                    _ => {
                        return Err(ApiError::validation(
                            "reason_code",
                            format!("Motif « {code} » inconnu ou désactivé."),
                        ))
                    }
                },
                None => None,
            };
            reason = match (label, reason_text) {
                (Some(l), Some(t)) if t.starts_with(&l) => Some(t),
                (Some(l), Some(t)) => Some(format!("{l} : {t}")),
                (Some(l), None) => Some(l),
                (None, Some(t)) => Some(t),
                (None, None) => {
                    return Err(ApiError::validation(
                        "reason_code",
                        "Indiquez le motif que l'adhérent lira (catalogue ou texte libre).",
                    ));
                }
            };
            reason_code = r.reason_code.clone();
        }
        Move::MarkComplete => {
            let missing = checklist::missing(&before.contents, &before.present);
            if !missing.is_empty() {
                let Some(why) = note.clone() else {
                    let labels = labels_of(db.pool(), &missing).await?;
                    return Err(ApiError::validation(
                        "note",
                        format!(
                            "Pièces manquantes : {}. Cochez-les si elles sont là, ou indiquez pourquoi le dossier \
                            est complet malgré tout.",
                            labels.join(", ")
                        ),
                    ));
                };
                override_reason = Some(why);
            }
            reason_code = None;
            reason = None;
        }
        Move::ComplementReceived => {
            if note.is_none() {
                return Err(ApiError::validation("note", "Indiquez ce qui est arrivé en complément."));
            }
            reason_code = None;
            reason = None;
        }
        Move::Reopen => {
            if reason_text.is_none() {
                return Err(ApiError::validation("reason_text", "Indiquez pourquoi le dossier rejeté est rouvert."));
            }
            reason_code = None;
            reason = None;
        }
    }
    let processed = matches!(to, Status::Complet | Status::Rejete).then(|| time::ts(now));
    // An incomplete dossier waits for its complement until the day the rule in
    // force today gives; any other status has nothing to wait for.
    let complement_due = match to {
        Status::Incomplet => Some(complements::due(&mut tx, now.date_naive(), complements::Awaiting::Dossier).await?),
        _ => None,
    };
    let n = sqlx::query(
        "UPDATE dossiers SET status = $1, assigned_to = $2, reason_code = $3, reason_text = $4, checklist_override = $5,
           processed_at = COALESCE($6, processed_at), version = version + 1, updated_at = $7, complement_due = $10 WHERE id = $8 AND version = $9",
    )
    .bind(to.code())
    .bind(assigned)
    .bind(&reason_code)
    .bind(&reason)
    .bind(&override_reason)
    .bind(processed)
    .bind(time::ts(now))
    .bind(r.id)
    .bind(r.version)
    .bind(complement_due)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(ApiError::stale());
    }
    let after = get_in_tx(&mut tx, r.id).await?;
    let mut after_json = audit_json(&after);
    if let Some(obj) = after_json.as_object_mut() {
        obj.insert("move".into(), serde_json::to_value(r.action).unwrap_or_default());
        if let Some(n) = &note {
            obj.insert("note".into(), serde_json::Value::String(n.clone()));
        }
        if r.action == Move::Reopen {
            obj.insert("reopen_reason".into(), serde_json::Value::String(reason_text_or(&r.reason_text)));
        }
    }
    audit::record(
        &mut tx,
        now,
        actor,
        Change {
            action: "dossier.move",
            entity_type: "dossier",
            entity_id: Some(r.id.to_string()),
            before: Some(audit_json(&before)),
            after: Some(after_json),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

fn reason_text_or(v: &Option<String>) -> String {
    v.clone().unwrap_or_default().trim().to_string()
}
