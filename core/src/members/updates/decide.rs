//! Another agent validates (applying the change in the same transaction) or
//! refuses a pending request: four eyes.

use super::load;
use super::model::*;
use super::record::check;
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::members::beneficiaries::{add_in_tx, beneficiary_in_tx};
use crate::members::input::MemberFields;
use crate::members::repo::{get_in_tx, write_fields};
use crate::storage::versioned;
use crate::storage::{time, Db};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::{Any, Transaction};
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum UpdateDecision {
    Validate,
    Refuse { reason: String },
}

/// Validates (applying the change) or refuses a pending request; the agent
/// who recorded it cannot decide it.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    versioned::Seen { id, version }: versioned::Seen,
    d: &UpdateDecision,
) -> ApiResult<UpdateRequest> {
    let mut tx = db.begin().await?;
    let req = load(&mut tx, id).await?;
    if req.status != ReviewStatus::EnAttente {
        return Err(ApiError::conflict(format!(
            "Cette demande est déjà {} (par {}) : elle ne se décide qu'une fois.",
            req.status.label().to_lowercase(),
            req.decided_by.clone().unwrap_or_default()
        )));
    }
    crate::auth::four_eyes(&req.created_by, actor)?;
    let attached: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM member_update_files WHERE request_id = $1 AND created_by = $2")
            .bind(id)
            .bind(&actor.name)
            .fetch_one(&mut *tx)
            .await?;
    if attached > 0 && matches!(d, UpdateDecision::Validate) {
        return Err(ApiError::forbidden(
            "Vous avez joint une pièce à cette demande : un autre agent doit la valider (contrôle à quatre yeux).",
        ));
    }
    if req.version != version {
        return Err(ApiError::stale());
    }
    let (status, reason) = match d {
        UpdateDecision::Refuse { reason } => {
            let r = crate::kernel::review::refusal_reason(reason, "l'adhérent")?;
            (ReviewStatus::Refuse, Some(r))
        }
        UpdateDecision::Validate => {
            let pieces: Vec<UpdatePiece> = req.files.iter().map(|f| f.piece).collect();
            // The rules are checked again: the member may have changed since the request was recorded.
            let change = check(&mut tx, req.member_id, &req.change, &pieces, now.date_naive()).await?;
            apply(&mut tx, actor, now, req.member_id, &change).await?;
            (ReviewStatus::Valide, None)
        }
    };
    let sets = versioned::decision(status.code(), reason.clone(), time::ts(now), &actor.name);
    versioned::update(&mut tx, "member_update_requests", ("id", id.into()), version, &sets).await?;
    Change {
        action: if status == ReviewStatus::Valide { "member_update.validate" } else { "member_update.refuse" },
        entity_type: "member",
        entity_id: Some(req.member_id.to_string()),
        before: Some(serde_json::json!({ "request": id, "status": req.status })),
        after: Some(
            serde_json::json!({ "request": id, "status": status, "reason": reason, "recorded_by": req.created_by }),
        ),
    }
    .record(&mut tx, now, actor)
    .await?;
    let out = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Applies a validated change with the member form's own writers, audited as they are.
async fn apply(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    now: DateTime<Utc>,
    member_id: i64,
    c: &UpdateChange,
) -> ApiResult<()> {
    match c {
        UpdateChange::Email { .. }
        | UpdateChange::Gsm { .. }
        | UpdateChange::Address { .. }
        | UpdateChange::Rib { .. } => {
            let before = get_in_tx(tx, member_id).await?;
            let mut f = MemberFields::from(&before);
            match c {
                UpdateChange::Email { email } => f.email = Some(email.clone()),
                UpdateChange::Gsm { gsm } => f.gsm = Some(gsm.clone()),
                UpdateChange::Address { address } => f.address = Some(address.clone()),
                UpdateChange::Rib { rib } => f.rib = Some(rib.clone()),
                _ => {}
            }
            write_fields(tx, &before, &f, now).await?;
            let after = get_in_tx(tx, member_id).await?;
            Change::on("member.update", "member", member_id)
                .before(before.audit_json())
                .after(after.audit_json())
                .record(tx, now, actor)
                .await?;
        }
        UpdateChange::BeneficiaryAdd { beneficiary } => {
            add_in_tx(tx, actor, now, member_id, beneficiary).await?;
        }
        UpdateChange::BeneficiaryEnd { beneficiary_id, end_date } => {
            let before = beneficiary_in_tx(tx, *beneficiary_id).await?;
            let sets = [("coverage_end", time::date(*end_date).into()), ("updated_at", time::ts(now).into())];
            versioned::update(tx, "beneficiaries", ("id", (*beneficiary_id).into()), before.version, &sets).await?;
            let after = beneficiary_in_tx(tx, *beneficiary_id).await?;
            Change::on("beneficiary.update", "member", member_id)
                .before(before.audit_json())
                .after(after.audit_json())
                .record(tx, now, actor)
                .await?;
        }
    }
    Ok(())
}
