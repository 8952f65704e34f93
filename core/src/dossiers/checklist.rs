//! The documents a dossier must hold, from the rules page of the claim form
//! (seed 002). What a dossier contains (pharmacy, lab tests, sessions, …)
//! decides its list; the processor ticks what is present.

use super::model::Kind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Document {
    MemberBlockSigned,
    DoctorBlock,
    AccidentDeclaration,
    /// The drugs' stickers, stuck on the prescription.
    PharmacyStickers,
    /// The pharmacy's invoice, for drugs sold without a sticker only.
    PharmacyInvoice,
    Prescription,
    Invoice,
    ResultsOrReport,
    PriorApproval,
    SessionCalendar,
    PostTreatmentXray,
    /// The orthodontic assessment (bilan ODF) the dental page asks for.
    OrthodonticAssessment,
    ChronicDeclaration,
}

impl Document {
    /// The code the document catalogue and the dossiers store.
    pub fn code(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }

    /// The default wording (the catalogue's seed), as the member reads it in
    /// the reason of an incomplete dossier.
    pub fn label(self) -> &'static str {
        match self {
            Document::MemberBlockSigned => "la partie adhérent remplie et signée",
            Document::DoctorBlock => "la partie médecin remplie, avec la nature de la maladie",
            Document::AccidentDeclaration => "la déclaration des causes et circonstances de l'accident",
            Document::PharmacyStickers => "les vignettes des médicaments collées sur l'ordonnance",
            Document::PharmacyInvoice => "la facture de la pharmacie pour les médicaments sans vignette",
            Document::Prescription => "l'ordonnance du médecin",
            Document::Invoice => "la facture",
            Document::ResultsOrReport => {
                "les résultats ou le compte rendu (sous pli confidentiel si vous le souhaitez)"
            }
            Document::PriorApproval => "l'accord préalable",
            Document::SessionCalendar => "le calendrier des séances",
            Document::PostTreatmentXray => "la radiographie après traitement",
            Document::OrthodonticAssessment => "le bilan d'orthodontie (ODF)",
            Document::ChronicDeclaration => "la déclaration de maladie chronique en cours de validité",
        }
    }
}

/// What the dossier contains, as reception or the processor records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Contents {
    pub accident: bool,
    pub pharmacy: bool,
    /// Some drugs were sold without a sticker (their invoice is then due).
    pub drugs_without_stickers: bool,
    /// Biology or radiology.
    pub lab_or_imaging: bool,
    pub optics: bool,
    /// Physiotherapy, rehabilitation, speech therapy and other acts in series.
    pub sessions: bool,
    /// Dental care of any kind (the invoice is always due).
    pub dental: bool,
    /// Dental prostheses or root-canal treatment.
    pub dental_prosthesis: bool,
    /// Orthodontics (ODF).
    pub orthodontics: bool,
    /// Long-term or chronic illness (ALD/ALC).
    pub chronic: bool,
}

impl Contents {
    /// What the claim form's kind says by itself: a dental form holds dental
    /// care (its invoice is always due), an optical one optics.
    pub fn for_kind(self, kind: Kind) -> Contents {
        Contents { dental: self.dental || kind == Kind::Dentaire, optics: self.optics || kind == Kind::Optique, ..self }
    }
}

/// The required documents, in a fixed order: the rules page of the claim
/// form (seed 002), line by line.
pub fn required(c: &Contents) -> Vec<Document> {
    use Document::*;
    let mut d = vec![MemberBlockSigned, DoctorBlock];
    if c.accident {
        d.push(AccidentDeclaration);
    }
    // « Les vignettes des médicaments doivent être obligatoirement jointes
    // aux ordonnances. Pour les médicaments sans vignettes une facture de la
    // pharmacie doit être jointe. »
    if c.pharmacy || c.drugs_without_stickers {
        d.extend([Prescription, PharmacyStickers]);
    }
    if c.drugs_without_stickers {
        d.push(PharmacyInvoice);
    }
    if c.lab_or_imaging {
        d.extend([Invoice, ResultsOrReport, Prescription]);
    }
    if c.optics {
        d.extend([Prescription, Invoice]);
    }
    if c.sessions {
        d.extend([PriorApproval, Invoice, SessionCalendar]);
    }
    // « La facture doit être jointe à la feuille de soins pour toute demande
    // de remboursement » (dental); prostheses and root canals need the prior
    // approval and the X-ray after care; orthodontics its assessment.
    if c.dental || c.dental_prosthesis || c.orthodontics {
        d.push(Invoice);
    }
    if c.dental_prosthesis {
        d.extend([PriorApproval, PostTreatmentXray]);
    }
    if c.orthodontics {
        d.push(OrthodonticAssessment);
    }
    if c.chronic {
        d.push(ChronicDeclaration);
    }
    let mut seen = std::collections::HashSet::new();
    d.retain(|x| seen.insert(*x));
    d
}

/// The documents still missing; `present` holds document codes.
pub fn missing(c: &Contents, present: &[String]) -> Vec<Document> {
    required(c).into_iter().filter(|d| !present.contains(&d.code())).collect()
}

/// The reason an incomplete dossier shows the member, from the wording of
/// what is missing (the catalogue's labels).
pub fn incomplete_reason(missing: &[&str]) -> String {
    match missing {
        [] => "Dossier incomplet.".to_string(),
        [one] => format!(
            "Dossier incomplet : il manque {one}. Envoyez ce document en complément en rappelant le \
            numéro de la feuille de soins."
        ),
        labels => {
            let (last, rest) = labels.split_last().unwrap_or((&"", &[]));
            format!(
                "Dossier incomplet : il manque {} et {}. Envoyez ces documents en complément en rappelant le numéro \
                    de la feuille de soins.",
                rest.join(", "),
                last
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Document::*;

    fn codes(d: &[Document]) -> Vec<String> {
        d.iter().map(|d| d.code()).collect()
    }
    fn labels(d: &[Document]) -> Vec<&'static str> {
        d.iter().map(|d| d.label()).collect()
    }

    #[test]
    fn the_worked_example_of_seed_002() {
        // Psychomotor and speech therapy sessions, a child's chronic condition not declared.
        let c = Contents { sessions: true, ..Default::default() };
        assert_eq!(required(&c), vec![MemberBlockSigned, DoctorBlock, PriorApproval, Invoice, SessionCalendar]);
        let m = missing(&c, &codes(&[MemberBlockSigned, DoctorBlock, PriorApproval, Invoice]));
        assert_eq!(m, vec![SessionCalendar]);
        assert_eq!(SessionCalendar.code(), "session_calendar");
        assert_eq!(
            incomplete_reason(&labels(&m)),
            "Dossier incomplet : il manque le calendrier des séances. Envoyez ce document en complément en rappelant \
                le numéro de la feuille de soins."
        );
    }

    #[test]
    fn pharmacy_wants_the_stickers_on_the_prescription_and_an_invoice_only_without_stickers() {
        let with_stickers = Contents { pharmacy: true, ..Default::default() };
        assert_eq!(required(&with_stickers), vec![MemberBlockSigned, DoctorBlock, Prescription, PharmacyStickers]);
        let without = Contents { pharmacy: true, drugs_without_stickers: true, ..Default::default() };
        assert_eq!(
            required(&without),
            vec![MemberBlockSigned, DoctorBlock, Prescription, PharmacyStickers, PharmacyInvoice]
        );
        assert_eq!(
            labels(&missing(&without, &codes(&[MemberBlockSigned, DoctorBlock, Prescription]))),
            vec![
                "les vignettes des médicaments collées sur l'ordonnance",
                "la facture de la pharmacie pour les médicaments sans vignette"
            ]
        );
    }

    #[test]
    fn dental_wants_the_invoice_always_and_the_odf_assessment_for_orthodontics() {
        let care = Contents { dental: true, ..Default::default() };
        assert_eq!(required(&care), vec![MemberBlockSigned, DoctorBlock, Invoice]);
        let odf = Contents { orthodontics: true, ..Default::default() };
        assert_eq!(required(&odf), vec![MemberBlockSigned, DoctorBlock, Invoice, OrthodonticAssessment]);
        let prosthesis = Contents { dental: true, dental_prosthesis: true, ..Default::default() };
        assert_eq!(
            required(&prosthesis),
            vec![MemberBlockSigned, DoctorBlock, Invoice, PriorApproval, PostTreatmentXray]
        );
    }

    #[test]
    fn lab_and_radiology_want_the_prescription_with_the_invoice_and_results() {
        let c = Contents { lab_or_imaging: true, ..Default::default() };
        assert_eq!(required(&c), vec![MemberBlockSigned, DoctorBlock, Invoice, ResultsOrReport, Prescription]);
    }

    #[test]
    fn documents_are_not_asked_twice() {
        let c = Contents { optics: true, lab_or_imaging: true, accident: true, ..Default::default() };
        assert_eq!(
            required(&c),
            vec![MemberBlockSigned, DoctorBlock, AccidentDeclaration, Invoice, ResultsOrReport, Prescription]
        );
        let m = missing(&c, &codes(&[MemberBlockSigned, DoctorBlock]));
        assert_eq!(
            incomplete_reason(&labels(&m)),
            "Dossier incomplet : il manque la déclaration des causes et circonstances de l'accident, la facture, \
             les résultats ou le compte rendu (sous pli confidentiel si vous le souhaitez) et l'ordonnance du médecin. \
             Envoyez ces documents en complément en rappelant le numéro de la feuille de soins."
        );
    }
}
