//! What the dossier page shows (checklist with the catalogue's wording, moves
//! open to the reader), what the member's portal shows, and the receipt PDF.

use super::catalogues;
use super::checklist;
use super::model::Dossier;
use super::repo::{fr, labels_of};
use super::workflow::{self, Move, Status};
use crate::auth::Role;
use crate::error::ApiResult;
use crate::money;
use crate::pdf::Writer;
use serde::Serialize;
use sqlx::AnyPool;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct ChecklistItem {
    pub code: String,
    pub label: String,
    pub required: bool,
    pub present: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ChecklistView {
    /// Required documents first (rules of seed 002), then the other types.
    pub items: Vec<ChecklistItem>,
    /// Wording of the required documents still missing.
    pub missing: Vec<String>,
    /// The reason an "incomplete" would give the member, from what is missing.
    pub proposed_reason: String,
}

pub async fn checklist_view(pool: &AnyPool, d: &Dossier) -> ApiResult<ChecklistView> {
    let types = catalogues::document_types(pool).await?;
    let required: Vec<String> = checklist::required(&d.contents).iter().map(|x| x.code()).collect();
    let mut items = vec![];
    for code in &required {
        let label = types.iter().find(|t| &t.code == code).map(|t| t.label.clone()).unwrap_or_else(|| code.clone());
        items.push(ChecklistItem { code: code.clone(), label, required: true, present: d.present.contains(code) });
    }
    for t in types.iter().filter(|t| t.active && !required.contains(&t.code)) {
        items.push(ChecklistItem { code: t.code.clone(), label: t.label.clone(), required: false, present: d.present.contains(&t.code) });
    }
    let missing = labels_of(pool, &checklist::missing(&d.contents, &d.present)).await?;
    let refs: Vec<&str> = missing.iter().map(String::as_str).collect();
    Ok(ChecklistView { proposed_reason: checklist::incomplete_reason(&refs), items, missing })
}

/// The moves these roles may make on the dossier now.
pub fn moves_for(d: &Dossier, roles: &[Role]) -> Vec<Move> {
    [Move::Take, Move::MarkComplete, Move::MarkIncomplete, Move::Reject, Move::ComplementReceived, Move::Reopen]
        .into_iter()
        .filter(|m| workflow::next(d.status, *m, roles).is_ok())
        .collect()
}

/// A dossier as the member's portal shows it, in the portal's words.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MemberDossierView {
    pub form_number: String,
    pub kind: String,
    pub beneficiary: String,
    pub received_on: String,
    pub status: String,
    /// Why it is incomplete or rejected, as the member reads it.
    pub reason: Option<String>,
    /// The documents to send, when incomplete.
    pub missing: Vec<String>,
    /// How to send a complement, when incomplete.
    pub how_to_complete: Option<String>,
}

pub async fn member_view(pool: &AnyPool, d: &Dossier) -> ApiResult<MemberDossierView> {
    let missing = if d.status == Status::Incomplet { labels_of(pool, &checklist::missing(&d.contents, &d.present)).await? } else { vec![] };
    Ok(MemberDossierView {
        form_number: d.form_number.clone(),
        kind: d.kind.label().to_string(),
        beneficiary: d.beneficiary_name.clone(),
        received_on: fr(d.received_on),
        status: d.status.label().to_string(),
        reason: if matches!(d.status, Status::Incomplet | Status::Rejete) { d.reason.clone() } else { None },
        how_to_complete: (d.status == Status::Incomplet).then(|| {
            format!("Déposez les pièces manquantes dans une urne ou envoyez-les par e-mail en rappelant le numéro de la feuille de soins {}.", d.form_number)
        }),
        missing,
    })
}

/// The acknowledgement of receipt (accusé de réception) handed to the member.
pub async fn receipt_pdf(pool: &AnyPool, d: &Dossier, head: &crate::statements::pdf::Letterhead) -> ApiResult<Vec<u8>> {
    let mutual = head.name.as_str();
    let v = member_view(pool, d).await?;
    let mut w = Writer::new(&format!("Accusé de réception {}", d.form_number), &format!("{mutual} — accusé de réception {}", d.form_number));
    w.title(mutual);
    w.heading("Accusé de réception");
    w.field("Dossier (feuille de soins)", &d.form_number);
    w.field("Adhérent", &format!("{} — matricule {}", d.member_name, d.matricule));
    w.field("Bénéficiaire", &d.beneficiary_name);
    w.field("Nature des soins", d.kind.label());
    w.field("Date du premier acte", &fr(d.first_act_date));
    w.field("Total des frais engagés", &format!("{} DH", money::format(d.total_claimed)));
    w.field("Reçu le", &v.received_on);
    w.field("Statut", &v.status);
    if let Some(r) = &v.reason {
        w.field("Motif", "");
        w.paragraph(r);
    }
    if !v.missing.is_empty() {
        w.heading("Pièces manquantes");
        for m in &v.missing {
            w.paragraph(&format!("• {m}"));
        }
    }
    if let Some(h) = &v.how_to_complete {
        w.gap(6.0);
        w.paragraph(h);
    }
    w.gap(10.0);
    w.paragraph(&format!(
        "Conservez ce document. La feuille de soins est valable jusqu'au {} ; l'état de votre dossier est consultable dans votre espace adhérent.",
        fr(d.validity_end)
    ));
    crate::statements::pdf::notice(&mut w, head);
    Ok(w.finish().render())
}
