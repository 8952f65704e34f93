//! The acknowledgement of receipt of an update request (FAQ question 7 names
//! « mise à jour administratif » beside dossiers and approvals): the request,
//! when and how it came, the pieces received and those still missing.

use super::{UpdatePiece, UpdateRequest};
use crate::pdf::letterhead::Letterhead;
use crate::pdf::receipt::{self, Receipt};

/// The pieces still missing: the one the change needs, and the copies of the
/// CNIE and badge when the member sent it himself.
pub fn missing(u: &UpdateRequest) -> Vec<String> {
    let has = |p: &UpdatePiece| u.files.iter().any(|f| f.piece == *p);
    let mut out: Vec<String> =
        UpdatePiece::required_for(u.channel).iter().filter(|p| !has(p)).map(|p| p.label().to_string()).collect();
    if let Some(n) = u.change.needs() {
        if !n.any_of.iter().any(has) {
            out.push(n.label.to_string());
        }
    }
    out
}

pub fn receipt_pdf(head: &Letterhead, u: &UpdateRequest) -> Vec<u8> {
    receipt::render(head, &receipt_of(u))
}

/// What the request's receipt says, on paper or in a message.
pub fn receipt_of(u: &UpdateRequest) -> Receipt<'static> {
    let received_on = u.received_on();
    let mut received: Vec<String> = vec![];
    for f in &u.files {
        if !received.iter().any(|r| r == f.piece.label()) {
            received.push(f.piece.label().to_string());
        }
    }
    let missing = missing(u);
    let mut closing = vec![];
    if !missing.is_empty() {
        closing.push(format!(
            "Envoyez les pièces manquantes en rappelant la demande n° {} : elle ne peut pas être validée sans elles.",
            u.id
        ));
    }
    closing.push(
        "Rien ne change dans votre dossier avant qu'un second agent de la mutuelle valide la demande ; \
         la réponse vous sera communiquée et figure dans votre espace adhérent."
            .to_string(),
    );
    Receipt {
        reference: format!("demande n° {}", u.id),
        fields: vec![
            ("Demande n°", u.id.to_string()),
            ("Nature", u.kind_label.clone()),
            ("Détail", u.change.member_summary()),
            ("Adhérent", format!("{} — matricule {}", u.member_name, u.matricule)),
            ("Reçue le", format!("{received_on}, {}", u.channel.label())),
            ("Statut", u.status_label.clone()),
        ],
        reason: u.reason.clone(),
        received,
        missing,
        closing,
    }
}
