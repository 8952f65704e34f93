//! The staff's moves of the workflow on one dossier: each checked against
//! the transition table, the version read and what the move requires.

use super::catalogues;
use super::checklist;
use super::complements;
use super::lifecycle;
use super::model::Dossier;
use super::repo::{get_in_tx, labels_of};
use super::workflow::{self, Move, Transition};
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::storage::Db;
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
    // What the move needs read before it is planned: refused moves read nothing.
    workflow::next(before.status, r.action, roles)?;
    let reason = match &r.reason_code {
        Some(code) if matches!(r.action, Move::MarkIncomplete | Move::Reject) => {
            match catalogues::reason_in_tx(&mut tx, code).await? {
                Some((label, true)) => Some((code.clone(), label)),
                _ => {
                    return Err(ApiError::validation("reason_code", format!("Motif « {code} » inconnu ou désactivé.")))
                }
            }
        }
        _ => None,
    };
    let missing = match r.action {
        Move::MarkComplete => labels_of(db.pool(), &checklist::missing(&before.contents, &before.present)).await?,
        _ => vec![],
    };
    let complement_due = match r.action {
        Move::MarkIncomplete => {
            Some(complements::due(&mut tx, now.date_naive(), complements::Awaiting::Dossier).await?)
        }
        _ => None,
    };
    let input = workflow::Input {
        staff_id: actor.staff_id,
        reason,
        reason_text,
        note,
        missing,
        complement_due,
        ..Default::default()
    };
    let mut journal = vec![];
    lifecycle::apply(&mut tx, now, &before, Transition::Staff(r.action), roles, input, &mut journal).await?;
    audit::record_many(&mut tx, now, actor, journal).await?;
    let after = get_in_tx(&mut tx, r.id).await?;
    tx.commit().await?;
    Ok(after)
}
