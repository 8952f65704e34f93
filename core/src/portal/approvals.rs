//! « Déposer une demande » (seed 000: « déposer vos demandes de prise en
//! charge ou d'accord préalable » and complete them online): a prior
//! approval or coverage request sent from the member's space, recorded
//! through the desk's own registration with the same checks, sent by the
//! member; the prescription and the medical report sealed for the medical
//! advisor as they arrive. He downloads its receipt (FAQ 7) and sends the
//! complement of an incomplete one; it reaches the medical queue like any
//! other.

use super::member_api::{decode_each, read_journaled, Upload};
use super::sessions::MemberSession;
use crate::approvals::register::{self, CheckedPiece, RequestInput};
use crate::approvals::repo::load;
use crate::approvals::{letter, Piece, RequestKind, RequestStatus, RequestedAct, SentBy};
use crate::audit::Actor;
use crate::error::{ApiError, ApiResult};
use crate::liquidation::rule_sets::rule_sets;
use crate::liquidation::rules::in_force;
use crate::members;
use crate::pdf::letterhead::letterhead;
use crate::storage::Db;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A piece of a request sent from his space: what it is, and the file.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ApprovalPiece {
    pub piece: Piece,
    pub file: Upload,
}

/// A request as the member fills it in.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSent {
    pub kind: RequestKind,
    /// The beneficiary's number in his space (1 = himself).
    #[ts(type = "number")]
    pub beneficiary: i64,
    /// The care asked for, among [`care_choices`].
    pub act_code: String,
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub sessions: Option<i64>,
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub months: Option<i64>,
    /// The partner provider a coverage is addressed to.
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub provider_id: Option<i64>,
    pub prescriber: String,
    pub expected_from: NaiveDate,
    pub expected_to: NaiveDate,
    /// As typed: `8 000,00`.
    pub quotation: String,
    pub pieces: Vec<ApprovalPiece>,
}

/// Care a member may ask an approval for: what the rule set in force says
/// needs one, and optics (the mutual's coverage of glasses).
#[derive(Debug, Clone, Serialize, TS)]
pub struct CareChoice {
    pub code: String,
    pub label: String,
}

pub async fn care_choices(db: &Db, today: NaiveDate) -> ApiResult<Vec<CareChoice>> {
    let sets = rule_sets(db.pool()).await?;
    Ok(in_force(&sets, today)
        .map(|r| {
            r.acts
                .iter()
                .filter(|a| a.needs_prior_approval || a.family == "optique")
                .map(|a| CareChoice { code: a.code.clone(), label: a.label.clone() })
                .collect()
        })
        .unwrap_or_default())
}

/// What a request sent became: its number and where it stands.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ApprovalReceived {
    pub number: String,
    pub status: String,
}

/// Decodes a member's pieces: a prescription or a medical report is sealed by its kind, or when he says so.
fn pieces(sent: &[ApprovalPiece]) -> ApiResult<Vec<CheckedPiece>> {
    let scans = decode_each(&sent.iter().map(|p| &p.file).collect::<Vec<_>>())?;
    Ok(sent.iter().zip(scans).map(|(p, s)| (p.piece, p.file.confidential || p.piece.is_medical(), s)).collect())
}

/// Records the member's request through the desk's registration, sent by him, received today.
pub async fn send_request(
    db: &Db,
    s: &MemberSession,
    now: DateTime<Utc>,
    r: &ApprovalSent,
) -> ApiResult<ApprovalReceived> {
    let family = members::beneficiaries(db.pool(), s.member_id).await?;
    let beneficiary = usize::try_from(r.beneficiary - 1)
        .ok()
        .and_then(|i| family.get(i))
        .ok_or_else(|| ApiError::validation("beneficiary", "Choisissez un de vos bénéficiaires."))?;
    let code = r.act_code.trim().to_uppercase();
    let choices = care_choices(db, now.date_naive()).await?;
    let care = choices
        .iter()
        .find(|c| c.code == code)
        .ok_or_else(|| ApiError::validation("act_code", "Choisissez les soins demandés dans la liste."))?;
    if r.pieces.is_empty() {
        return Err(ApiError::validation(
            "pieces",
            "Joignez les pièces : la copie de la CNIE et celle du badge au moins.",
        ));
    }
    let files = pieces(&r.pieces)?;
    let input = RequestInput {
        kind: r.kind,
        beneficiary_id: beneficiary.id,
        acts: vec![RequestedAct {
            act_code: care.code.clone(),
            label: care.label.clone(),
            quantity: 1,
            sessions: r.sessions,
            months: r.months,
        }],
        provider_id: r.provider_id,
        prescriber: r.prescriber.clone(),
        sent_by: SentBy::Member,
        expected_from: r.expected_from,
        expected_to: r.expected_to,
        quotation: r.quotation.clone(),
        medical_info: None,
        files: vec![],
        received_on: None,
    };
    let made = register::register_with(db, &Actor::member(&s.matricule), now, &input, files).await?;
    Ok(ApprovalReceived { number: made.number, status: made.status_label })
}

/// The complement of one of his incomplete requests.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ApprovalComplementSent {
    pub number: String,
    pub pieces: Vec<ApprovalPiece>,
}

/// A request of another family answers as one that does not exist.
const NO_REQUEST: &str = "Aucune demande d'accord de ce numéro dans votre espace.";

/// His request of this number, or the same refusal for one that is not his.
async fn his(db: &Db, s: &MemberSession, number: &str) -> ApiResult<crate::approvals::Request> {
    let id: Option<(i64, i64)> = sqlx::query_as("SELECT id, member_id FROM approval_requests WHERE number = $1")
        .bind(number.trim().to_uppercase())
        .fetch_optional(db.pool())
        .await?;
    match id {
        Some((id, member)) if member == s.member_id => {
            let mut tx = db.begin().await?;
            let r = load(&mut tx, id).await?;
            tx.commit().await?;
            // Built without any role: no medical field survives.
            Ok(r.redact(&[]))
        }
        _ => Err(ApiError::not_found(NO_REQUEST)),
    }
}

/// Joins the pieces he was asked for; the request goes back to the medical advisor's queue.
pub async fn send_complement(
    db: &Db,
    s: &MemberSession,
    now: DateTime<Utc>,
    r: &ApprovalComplementSent,
) -> ApiResult<ApprovalReceived> {
    let req = his(db, s, &r.number).await.map_err(|e| ApiError::validation("number", e.message))?;
    if req.status != RequestStatus::Incomplet {
        return Err(ApiError::conflict(format!(
            "La demande {} est « {} » : elle n'attend pas de complément.",
            req.number,
            req.status.label()
        )));
    }
    let files = pieces(&r.pieces)?;
    let after = register::complement_with(db, &Actor::member(&s.matricule), now, req.id, None, files).await?;
    Ok(ApprovalReceived { number: after.number, status: after.status_label })
}

/// The receipt of one of his requests (number, date, pieces received), as a PDF.
pub async fn receipt(db: &Db, s: &MemberSession, now: DateTime<Utc>, number: &str) -> ApiResult<Vec<u8>> {
    let req = his(db, s, number).await?;
    let pdf = letter::receipt_pdf(&letterhead(db.pool()).await?, &req);
    let detail = serde_json::json!({ "request": req.number });
    read_journaled(db, s, now, "portal.receipt_read", "approval_request", req.id, detail).await?;
    Ok(pdf)
}
