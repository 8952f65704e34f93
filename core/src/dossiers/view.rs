//! What the dossier page shows (checklist with the catalogue's wording, moves
//! open to the reader), what the member's portal shows, and the receipt PDF.

use super::catalogues;
use super::checklist;
use super::model::Dossier;
use super::repo::labels_of;
use super::workflow::{self, Move, Status, Transition};
use crate::auth::Role;
use crate::error::ApiResult;
use crate::kernel::dates::fr;
use crate::kernel::tone::Tone;
use crate::money;
use crate::pdf::receipt::{self, Receipt};
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
        items.push(ChecklistItem {
            code: t.code.clone(),
            label: t.label.clone(),
            required: false,
            present: d.present.contains(&t.code),
        });
    }
    let missing = labels_of(pool, &checklist::missing(&d.contents, &d.present)).await?;
    let refs: Vec<&str> = missing.iter().map(String::as_str).collect();
    Ok(ChecklistView { proposed_reason: checklist::incomplete_reason(&refs), items, missing })
}

/// A move the caller may make, with its button's words.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MoveOption {
    #[serde(rename = "move")]
    pub action: Move,
    pub label: String,
}

/// What the caller may do on the dossier now. The core decides it from the
/// workflow and the permissions of the operations; the window only shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DossierActions {
    pub moves: Vec<MoveOption>,
    /// Tick what it contains and the documents present.
    pub tick_checklist: bool,
    /// Type or correct its care lines and the fund's coverages.
    pub edit_care_lines: bool,
    pub liquidate: bool,
    /// Liquidated: the next payment batch pays it (for those who make batches).
    pub pay: bool,
    /// Its care lines are shown (being typed, or liquidated).
    pub show_care_lines: bool,
    /// Read and write the nature of the illness and the medical notes.
    pub read_medical: bool,
    /// Check the vignettes of the original paper against its pharmacy lines.
    pub check_original: bool,
}

/// What these roles may do on dossier `d` now; `process`, `liquidate` and
/// `pay` say whether they hold the permission of the operation concerned.
pub fn actions_for(d: &Dossier, roles: &[Role], process: bool, liquidate: bool, pay: bool) -> DossierActions {
    let moves = Move::ALL
        .into_iter()
        .filter(|m| workflow::next(d.status, *m, roles).is_ok())
        .map(|m| MoveOption { action: m, label: m.title().into() })
        .collect();
    DossierActions {
        moves,
        tick_checklist: process && d.status.is_open(),
        edit_care_lines: process && d.status.care_lines_open(),
        liquidate: liquidate && Transition::Liquidate.target(d.status, roles).is_ok(),
        pay: pay && Transition::Pay.target(d.status, roles).is_ok(),
        show_care_lines: d.status.care_lines_open() || matches!(d.status, Status::Liquide | Status::Paye),
        read_medical: crate::medical::reads_medical(roles),
        check_original: process && (d.status.care_lines_open() || matches!(d.status, Status::Liquide | Status::Paye)),
    }
}

/// A status with the words the desk and the member read.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StatusOption {
    pub status: Status,
    pub label: String,
}

/// Every status, in the workflow's order.
pub fn statuses() -> Vec<StatusOption> {
    Status::ALL.into_iter().map(|s| StatusOption { status: s, label: s.label().into() }).collect()
}

/// A dossier as the member's portal shows it, in the portal's words.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MemberDossierView {
    pub form_number: String,
    pub kind: String,
    pub beneficiary: String,
    pub received_on: String,
    pub status: String,
    pub tone: Tone,
    /// Why it is incomplete or rejected, as the member reads it.
    pub reason: Option<String>,
    /// The documents to send, when incomplete.
    pub missing: Vec<String>,
    /// How to send a complement, when incomplete, and by which day.
    pub how_to_complete: Option<String>,
    /// When incomplete: the last day for the complement (`15/01/2027`).
    pub complement_due: Option<String>,
    /// A dossier sent as a scan whose paper original has not come yet:
    /// `Original attendu avant le 05/03/2023`.
    pub original_expected: Option<String>,
}

pub async fn member_view(pool: &AnyPool, d: &Dossier) -> ApiResult<MemberDossierView> {
    let missing = if d.status == Status::Incomplet {
        labels_of(pool, &checklist::missing(&d.contents, &d.present)).await?
    } else {
        vec![]
    };
    let complement_due = d.complement_due.filter(|_| d.status == Status::Incomplet);
    Ok(MemberDossierView {
        form_number: d.form_number.clone(),
        kind: d.kind.label().to_string(),
        beneficiary: d.beneficiary_name.clone(),
        received_on: fr(d.received_on),
        status: d.status.label().to_string(),
        tone: d.status.tone(),
        reason: if matches!(d.status, Status::Incomplet | Status::Rejete) { d.reason.clone() } else { None },
        how_to_complete: (d.status == Status::Incomplet).then(|| {
            format!(
                "Déposez les pièces manquantes dans une urne ou envoyez-les par e-mail en rappelant le numéro de la \
                    feuille de soins {}{}.",
                d.form_number,
                complement_due
                    .map(|due| format!(
                        ", au plus tard le {} ; passé ce jour, le dossier sera \
                    rejeté",
                        fr(due)
                    ))
                    .unwrap_or_default()
            )
        }),
        complement_due: complement_due.map(fr),
        original_expected: (d.scanned_on.is_some() && d.original_received_on.is_none() && d.status != Status::Rejete)
            .then(|| format!("Original attendu avant le {}", fr(d.original_deadline))),
        missing,
    })
}

/// The acknowledgement of receipt (accusé de réception) handed to the member.
pub async fn receipt_pdf(pool: &AnyPool, d: &Dossier, head: &crate::pdf::letterhead::Letterhead) -> ApiResult<Vec<u8>> {
    Ok(receipt::render(head, &receipt_of(pool, d).await?))
}

/// What the dossier's receipt says, on paper or in a message.
pub async fn receipt_of(pool: &AnyPool, d: &Dossier) -> ApiResult<Receipt<'static>> {
    let v = member_view(pool, d).await?;
    let mut closing: Vec<String> = v.how_to_complete.iter().cloned().collect();
    closing.extend(
        v.original_expected
            .as_ref()
            .map(|o| format!("{o} : sans lui, le dossier sera rejeté (ou le remboursement défalqué).")),
    );
    closing.push(format!(
        "Conservez ce document. La feuille de soins est valable jusqu'au {} ; l'état de votre dossier est consultable \
            dans votre espace adhérent.",
        fr(d.validity_end)
    ));
    Ok(Receipt {
        reference: d.form_number.clone(),
        fields: vec![
            ("Dossier (feuille de soins)", d.form_number.clone()),
            ("Adhérent", format!("{} — matricule {}", d.member_name, d.matricule)),
            ("Bénéficiaire", d.beneficiary_name.clone()),
            ("Nature des soins", d.kind.label().to_string()),
            ("Date du premier acte", fr(d.first_act_date)),
            ("Total des frais engagés", format!("{} DH", money::format(d.total_claimed))),
            ("Reçu le", v.received_on.clone()),
            ("Statut", v.status.clone()),
        ],
        reason: v.reason.clone(),
        received: vec![],
        missing: v.missing.clone(),
        closing,
    })
}
