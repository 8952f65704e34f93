//! What the member asks from his space besides dossiers: a change of his
//! information (*Mes informations*, *Mes bénéficiaires*) with its pieces,
//! recorded in the desk's four-eyes queue as the desk records one, and the
//! acknowledgements of receipt (FAQ question 7: « un accusé de réception
//! sera envoyé pour confirmer la réception ») of what he sent: shown as a
//! PDF in his space and sent to the e-mail (or else the GSM) on file.

use super::member_api::{decode_each, read_journaled, Upload, NO_DOSSIER};
use super::outbox::{Channel as Sent, Message, Outbox};
use super::sessions::MemberSession;
use super::view::{portal_update, PortalUpdate};
use crate::audit::Actor;
use crate::dossiers::repo as dossiers;
use crate::dossiers::view::{member_view, receipt_of, MemberDossierView};
use crate::dossiers::Dossier;
use crate::error::{ApiError, ApiResult};
use crate::members::updates::{self, receipt, Channel, UpdateChange, UpdatePiece, UpdateRequest};
use crate::members::{self, Member};
use crate::pdf::letterhead::letterhead;
use crate::pdf::receipt::{render, text, Receipt};
use crate::storage::Db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A piece joined to a change request: what it is, and the file.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PieceUpload {
    pub piece: UpdatePiece,
    pub file: Upload,
}

/// A change the member asks for, with its pieces.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateSent {
    pub change: UpdateChange,
    pub pieces: Vec<PieceUpload>,
}

/// A change request recorded, and where its receipt was sent.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UpdateReceived {
    pub update: PortalUpdate,
    /// `k…@example.ma`: where the acknowledgement went (none on a site
    /// without a sender, or a member without an e-mail or GSM on file).
    pub receipt_sent_to: Option<String>,
}

/// A dossier the member sent, and where its receipt was sent.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DossierReceived {
    pub dossier: MemberDossierView,
    pub receipt_sent_to: Option<String>,
}

/// Records the member's change request, from his space, for the desk's
/// four-eyes validation: the same checks as at the desk (the change's own
/// piece, the copies of his CNIE and badge the FAQ asks of every request he
/// sends), journaled with him as its author. An end of coverage is not
/// asked from the portal: it is asked at the desk or by the employer.
pub async fn send_update(
    db: &Db,
    s: &MemberSession,
    now: DateTime<Utc>,
    outbox: Option<&dyn Outbox>,
    r: &UpdateSent,
) -> ApiResult<UpdateReceived> {
    if let UpdateChange::BeneficiaryEnd { .. } = r.change {
        return Err(ApiError::validation(
            "change.kind",
            "La fin de couverture d'un bénéficiaire se demande au guichet ou par votre employeur.",
        ));
    }
    let files: Vec<&Upload> = r.pieces.iter().map(|p| &p.file).collect();
    let scans = decode_each(&files)?;
    let pieces: Vec<_> = r.pieces.iter().map(|p| p.piece).zip(scans).collect();
    let actor = Actor::member(&s.matricule);
    let u = updates::record_with(db, &actor, now, s.member_id, &r.change, Channel::Portal, &pieces).await?;
    // Recorded: from here on nothing may answer as if it were not.
    let receipt_sent_to = acknowledge(db, outbox, s.member_id, &receipt::receipt_of(&u)).await;
    Ok(UpdateReceived { update: portal_update(&u), receipt_sent_to })
}

/// Sends the receipt of the dossier the member just sent (recorded: a
/// failure to send it is logged, not answered).
pub(super) async fn acknowledge_dossier(
    db: &Db,
    s: &MemberSession,
    outbox: Option<&dyn Outbox>,
    d: &Dossier,
) -> ApiResult<DossierReceived> {
    let receipt_sent_to = match receipt_of(db.pool(), d).await {
        Ok(r) => acknowledge(db, outbox, s.member_id, &r).await,
        Err(e) => {
            tracing::warn!(error = %e.message, "accusé de réception non envoyé");
            None
        }
    };
    Ok(DossierReceived { dossier: member_view(db.pool(), d).await?, receipt_sent_to })
}

/// Sends a receipt to the e-mail on file, or else the GSM; answers where it
/// went, masked. What is recorded stays recorded when sending fails: the
/// receipt is in his space all the same, and the failure is logged.
async fn acknowledge(db: &Db, outbox: Option<&dyn Outbox>, member_id: i64, r: &Receipt<'_>) -> Option<String> {
    let outbox = outbox?;
    let read = async { Ok::<_, ApiError>((members::get(db.pool(), member_id).await?, letterhead(db.pool()).await?)) };
    let (m, head): (Member, _) = match read.await {
        Ok((Some(m), head)) => (m, head),
        Ok((None, _)) => return None,
        Err(e) => {
            tracing::warn!(error = %e.message, "accusé de réception non envoyé");
            return None;
        }
    };
    let (channel, to) = super::outbox::on_file(&m)?;
    let body = match channel {
        Sent::Email => text(&head, r),
        _ => format!("{} : accusé de réception {}. Il est dans votre espace adhérent.", head.name, r.reference),
    };
    let message = Message { channel, to: to.clone(), subject: format!("Accusé de réception {}", r.reference), body };
    match outbox.send(&message).await {
        Ok(()) => Some(super::codes::masked(channel, &to)),
        Err(e) => {
            tracing::warn!(error = %e.message, "accusé de réception non envoyé");
            None
        }
    }
}

const NO_REQUEST: &str = "Aucune demande de ce numéro dans votre espace.";

/// The receipt of one of his change requests, as a PDF.
pub async fn update_receipt(db: &Db, s: &MemberSession, now: DateTime<Utc>, id: i64) -> ApiResult<Vec<u8>> {
    let u: UpdateRequest = match updates::get(db, id).await {
        Ok(u) if u.member_id == s.member_id => u,
        _ => return Err(ApiError::not_found(NO_REQUEST)),
    };
    let pdf = render(&letterhead(db.pool()).await?, &receipt::receipt_of(&u));
    read_journaled(db, s, now, "portal.receipt_read", "member", s.member_id, serde_json::json!({ "request": id }))
        .await?;
    Ok(pdf)
}

/// The receipt of one of his dossiers, as a PDF.
pub async fn dossier_receipt(db: &Db, s: &MemberSession, now: DateTime<Utc>, form: &str) -> ApiResult<Vec<u8>> {
    let d = dossiers::by_form_number(db.pool(), form.trim())
        .await?
        .filter(|d| d.member_id == s.member_id)
        .ok_or_else(|| ApiError::not_found(NO_DOSSIER))?;
    let pdf = render(&letterhead(db.pool()).await?, &receipt_of(db.pool(), &d).await?);
    read_journaled(db, s, now, "portal.receipt_read", "dossier", d.id, serde_json::json!({ "form": d.form_number }))
        .await?;
    Ok(pdf)
}
