//! The letter each decision produces, as a PDF: an approval (to the member),
//! a coverage (to the provider, like the coverage letter of seed 002), a
//! refusal with the way to appeal, or a request for the missing pieces. A
//! letter leaves the mutual: it never carries medical information. Same
//! decision, same bytes.

use super::model::{Request, RequestKind, RequestStatus, Unit};
use super::providers::Provider;
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::money::format as dh;
use crate::pdf::letterhead::Letterhead;
use crate::pdf::Writer;
use crate::storage::time;

/// The letter of a decided request (or of one waiting for pieces).
pub fn letter_pdf(head: &Letterhead, r: &Request, provider: Option<&Provider>) -> ApiResult<Vec<u8>> {
    let decided_on =
        r.decided_at.as_deref().map(time::parse_ts).transpose()?.map(|t| t.date_naive()).ok_or_else(|| {
            ApiError::conflict(format!(
                "La demande {} attend encore la décision du médecin conseil : pas de lettre.",
                r.number
            ))
        })?;
    let title = match (r.status, r.kind) {
        (RequestStatus::Accorde, RequestKind::Coverage) => "Prise en charge",
        (RequestStatus::Accorde, RequestKind::PriorApproval) => "Accord préalable",
        (RequestStatus::Refuse, _) => "Refus",
        (RequestStatus::Incomplet, _) => "Demande de pièces complémentaires",
        (RequestStatus::EnAttente, _) => {
            return Err(ApiError::conflict(format!("La demande {} attend la décision : pas de lettre.", r.number)))
        }
    };
    let mut w = Writer::new(&format!("{title} {}", r.number), &format!("{} — lettre {}", head.name, r.number));
    w.title(&head.name);
    if !head.address.is_empty() {
        w.paragraph(&head.address);
    }
    w.gap(6.0);
    w.paragraph(&format!("Le {}", fr(decided_on)));
    // A coverage is addressed to the provider paid directly; the rest to the member.
    let to_provider = r.kind == RequestKind::Coverage && r.status == RequestStatus::Accorde;
    w.gap(6.0);
    match (to_provider, provider) {
        (true, Some(p)) => {
            w.field("Destinataire", &p.name);
            if !p.address.is_empty() || !p.city.is_empty() {
                w.paragraph(
                    &[p.address.as_str(), p.city.as_str()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
        }
        _ => w.field("Destinataire", &r.member_name),
    }
    w.heading(&format!("Objet : {title}"));
    w.field("Réf. : demande n°", &format!("{} du {}", r.number, fr(r.received_on)));
    w.field("Matricule", &r.matricule);
    w.field("L'adhérent", &r.member_name);
    w.field("Bénéficiaire", &r.beneficiary_name);
    if let Some(p) = &r.provider_name {
        w.field("Prestataire", p);
    }
    w.gap(8.0);
    w.paragraph("Madame, Monsieur,");
    w.gap(4.0);
    match r.status {
        RequestStatus::Accorde => {
            w.paragraph(if to_provider {
                "En réponse à la demande citée en référence, nous avons l'honneur de vous faire part de notre accord \
                    de prise en charge, dans les conditions suivantes :"
            } else {
                "En réponse à la demande citée en référence, nous avons l'honneur de vous faire part de notre accord \
                    préalable, dans les conditions suivantes :"
            });
            w.gap(4.0);
            for g in &r.grants {
                w.field("N° de l'accord", &r.number);
                w.field("Code acte", &g.act_code);
                w.field("Validité de l'accord", &format!("du {} au {}", fr(g.valid_from), fr(g.valid_to)));
                match g.unit {
                    Unit::Amount => w.field(g.unit.label(), &g.unit.show(g.granted)),
                    _ => w.field(g.unit.label(), &g.granted.to_string()),
                }
                let per = match g.unit {
                    Unit::Months => "Tarif mensuel",
                    Unit::Sessions => "Tarif par séance",
                    Unit::Amount => "Tarif",
                };
                w.field(per, &format!("{} DH", dh(g.tariff)));
                w.field("Part mutuelle", &format!("{} DH", dh(g.mutual_share)));
                w.field("Part adhérent", &format!("{} DH", dh(g.member_share)));
                w.gap(4.0);
            }
            if let Some(c) = &r.conditions {
                w.field("Conditions", "");
                w.paragraph(c);
            }
            w.gap(4.0);
            w.paragraph(
                "Nous vous demandons de bien vouloir procéder au renouvellement de la demande un mois avant \
                l'expiration de sa date de validité.",
            );
        }
        RequestStatus::Refuse => {
            w.paragraph(if r.appeal.as_deref() == Some(super::complements::WAY_OUT) {
                // Closed by the complements' expiry: nobody judged it on its merits.
                "Les pièces complémentaires demandées pour la demande citée en référence ne nous sont pas parvenues \
                    dans le délai : elle est close sans avoir pu être étudiée."
            } else {
                "En réponse à la demande citée en référence, nous avons le regret de vous informer que le médecin \
                    conseil n'a pas pu y donner une suite favorable."
            });
            w.gap(4.0);
            w.field("Motif", "");
            w.paragraph(r.reason.as_deref().unwrap_or(""));
            w.gap(4.0);
            w.field("Voie de recours", "");
            w.paragraph(&r.appeal.clone().unwrap_or_else(|| super::decide::default_appeal(head.appeal_days)));
        }
        RequestStatus::Incomplet => {
            w.paragraph("Votre demande citée en référence ne peut pas encore être étudiée par le médecin conseil.");
            w.gap(4.0);
            w.field("Motif", "");
            w.paragraph(r.reason.as_deref().unwrap_or(""));
            w.field("Pièces à fournir", "");
            for m in &r.missing {
                w.paragraph(&format!("• {m}"));
            }
            w.gap(4.0);
            w.paragraph(&format!(
                "Adressez-les à la mutuelle en rappelant le numéro de demande {} ; les pièces \
                médicales sous pli confidentiel.",
                r.number
            ));
            if let Some(due) = r.complement_due {
                w.paragraph(&format!("Sans ces pièces au {}, la demande sera close.", fr(due)));
            }
        }
        RequestStatus::EnAttente => {}
    }
    w.gap(8.0);
    w.paragraph("Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.");
    w.gap(8.0);
    w.paragraph(&format!(
        "N.B. Prière de mettre en référence le numéro {} pour toute correspondance ultérieure.",
        r.number
    ));
    crate::pdf::letterhead::notice(&mut w, head);
    Ok(w.finish().render())
}

/// The acknowledgement of receipt of an approval or coverage request (FAQ
/// question 7): its number and date, the pieces received (by kind, never a
/// file's name: it may say the illness) and those still missing.
pub fn receipt_pdf(head: &Letterhead, r: &Request) -> Vec<u8> {
    let mut received: Vec<String> = vec![];
    for f in &r.files {
        let line = format!("{}{}", f.piece.label(), if f.confidential { " (sous pli confidentiel)" } else { "" });
        if !received.contains(&line) {
            received.push(line);
        }
    }
    let mut missing: Vec<String> = super::model::Piece::REQUIRED
        .iter()
        .filter(|p| !r.files.iter().any(|f| f.piece == **p))
        .map(|p| p.label().to_string())
        .collect();
    if r.status == RequestStatus::Incomplet {
        missing.extend(r.missing.iter().cloned());
    }
    let mut closing = vec![];
    if let Some(due) = r.complement_due.filter(|_| r.status == RequestStatus::Incomplet) {
        closing.push(format!(
            "Envoyez les pièces manquantes en rappelant le numéro {} au plus tard le {} ; sans \
            elles, la demande sera close.",
            r.number,
            fr(due)
        ));
    }
    closing.push(
        "Votre demande est transmise au médecin conseil de la mutuelle ; sa décision vous sera adressée par \
            courrier et dans votre espace adhérent. \
         Rappelez ce numéro pour toute correspondance."
            .to_string(),
    );
    crate::pdf::receipt::render(
        head,
        &crate::pdf::receipt::Receipt {
            reference: r.number.clone(),
            fields: vec![
                ("Demande n°", r.number.clone()),
                ("Nature", r.kind_label.clone()),
                ("Adhérent", format!("{} — matricule {}", r.member_name, r.matricule)),
                ("Bénéficiaire", r.beneficiary_name.clone()),
                ("Reçue le", fr(r.received_on)),
                ("Statut", r.status_label.clone()),
            ],
            reason: (r.status == RequestStatus::Incomplet).then(|| r.reason.clone()).flatten(),
            received,
            missing,
            closing,
        },
    )
}
