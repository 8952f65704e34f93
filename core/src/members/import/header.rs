//! Finding the header row and which column holds what. Employers' files put
//! the header under title rows and name columns their own way; names are
//! compared without case, accents or punctuation. An explicit mapping (field →
//! header text or column letter) overrides the guess.

use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::sheet::Cell;
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// What a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Matricule,
    Cnie,
    LastName,
    FirstName,
    /// "Nom et prénom" in one column: the first word is the last name.
    FullName,
    BirthDate,
    Employer,
    Status,
    Address,
    Gsm,
    Email,
    Rib,
    AffiliationDate,
    EndDate,
    /// Beneficiaries sheet: the link to the member.
    Relation,
    /// A period of suspended rights the employer reports (unpaid
    /// contributions, leave without pay, end of employment): its start, its
    /// end (empty while it lasts) and its reason.
    SuspendedFrom,
    SuspendedTo,
    SuspensionReason,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::Matricule,
        Field::Cnie,
        Field::LastName,
        Field::FirstName,
        Field::FullName,
        Field::BirthDate,
        Field::Employer,
        Field::Status,
        Field::Address,
        Field::Gsm,
        Field::Email,
        Field::Rib,
        Field::AffiliationDate,
        Field::EndDate,
        Field::Relation,
        Field::SuspendedFrom,
        Field::SuspendedTo,
        Field::SuspensionReason,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Field::Matricule => "matricule",
            Field::Cnie => "cnie",
            Field::LastName => "last_name",
            Field::FirstName => "first_name",
            Field::FullName => "full_name",
            Field::BirthDate => "birth_date",
            Field::Employer => "employer",
            Field::Status => "status",
            Field::Address => "address",
            Field::Gsm => "gsm",
            Field::Email => "email",
            Field::Rib => "rib",
            Field::AffiliationDate => "affiliation_date",
            Field::EndDate => "end_date",
            Field::Relation => "relation",
            Field::SuspendedFrom => "suspended_from",
            Field::SuspendedTo => "suspended_to",
            Field::SuspensionReason => "suspension_reason",
        }
    }

    fn parse(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code.trim())
    }

    /// Header names seen in employers' files, already folded by [`text::key`].
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Matricule => &[
                "matricule",
                "mat",
                "matr",
                "nmatricule",
                "numeromatricule",
                "nummatricule",
                "matriculeadherent",
                "idadherent",
                "numeroadherent",
                "nadherent",
            ],
            Field::Cnie => &[
                "cnie",
                "cin",
                "ncin",
                "ncnie",
                "numerocin",
                "numerocnie",
                "cni",
                "cartenationale",
                "carteidentite",
                "ncartenationale",
            ],
            Field::LastName => &["nom", "nomdefamille", "nomadherent", "lastname", "nomfamille"],
            Field::FirstName => &["prenom", "prenoms", "firstname", "prenomadherent"],
            Field::FullName => &["nomprenom", "nometprenom", "nomprenoms", "nomcomplet", "nometprenoms", "adherent"],
            Field::BirthDate => &[
                "nele",
                "neele",
                "nee",
                "ne",
                "datedenaissance",
                "datenaissance",
                "naissance",
                "dn",
                "datenaiss",
                "birthdate",
            ],
            Field::Employer => &["societe", "employeur", "entreprise", "organisme", "etablissement", "raisonsociale"],
            Field::Status => &["situation", "statut", "etat", "position", "situationadministrative"],
            Field::Address => &["adresse", "adressepostale", "domicile"],
            Field::Gsm => {
                &["gsm", "telephone", "tel", "portable", "mobile", "ntel", "ntelephone", "numerodetelephone", "telgsm"]
            }
            Field::Email => &["email", "mail", "courriel", "adresseemail", "adressemail", "adresseelectronique"],
            Field::Rib => &["rib", "ribbancaire", "comptebancaire", "nrib", "numerorib", "relevedidentitebancaire"],
            Field::AffiliationDate => &[
                "dateaffiliation",
                "datedaffiliation",
                "affiliation",
                "dateadhesion",
                "datedadhesion",
                "adhesion",
                "dateentree",
            ],
            Field::EndDate => &["datedesortie", "datesortie", "datefin", "sortie", "radiation", "dateradiation"],
            Field::Relation => &["lien", "liendeparente", "parente", "relation", "qualite", "type", "typebeneficiaire"],
            Field::SuspendedFrom => &[
                "suspendudu",
                "suspendudepuis",
                "debutsuspension",
                "debutdesuspension",
                "datesuspension",
                "suspension",
            ],
            Field::SuspendedTo => &["suspenduau", "finsuspension", "findesuspension", "suspendujusquau"],
            Field::SuspensionReason => &["motifsuspension", "motifdesuspension", "causesuspension", "motif"],
        }
    }

    fn matches(self, header: &str) -> bool {
        let k = text::key(header);
        !k.is_empty() && self.aliases().contains(&k.as_str())
    }
}

/// A column the import will read, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DetectedColumn {
    pub field: Field,
    /// The header as written in the file.
    pub header: String,
    /// `A`, `B`, … `AA`.
    pub letter: String,
}

#[derive(Debug, Clone)]
pub struct Layout {
    /// Index in the sheet's rows of the header row.
    pub header_index: usize,
    pub header_row: u32,
    pub columns: BTreeMap<Field, usize>,
    pub detected: Vec<DetectedColumn>,
}

impl Layout {
    pub fn header_of(&self, f: Field) -> String {
        self.detected.iter().find(|d| d.field == f).map(|d| d.header.clone()).unwrap_or_else(|| f.code().to_string())
    }
}

pub fn letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn letter_index(l: &str) -> Option<usize> {
    let l = l.trim().to_uppercase();
    if l.is_empty() || l.len() > 3 || !l.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    Some(l.bytes().fold(0usize, |acc, b| acc * 26 + (b - b'A' + 1) as usize) - 1)
}

fn header_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.trim().to_string(),
        Cell::Number(n) => format!("{n}"),
        _ => String::new(),
    }
}

/// Looks at the first 30 non-blank rows for the one naming the most known
/// columns (a matricule and a name at least); `required` lists what must be found.
pub fn detect(
    rows: &[(u32, Vec<Cell>)],
    mapping: Option<&BTreeMap<String, String>>,
    required: &[Field],
) -> ApiResult<Layout> {
    let mut best: Option<(usize, BTreeMap<Field, usize>)> = None;
    let mut first_row: Option<BTreeMap<Field, usize>> = None;
    for (i, (_, cells)) in rows.iter().enumerate().take(30) {
        let mut found = BTreeMap::new();
        for (col, c) in cells.iter().enumerate() {
            let h = header_text(c);
            if let Some(f) = Field::ALL.into_iter().find(|f| f.matches(&h)) {
                found.entry(f).or_insert(col);
            }
        }
        let has_name = found.contains_key(&Field::LastName) || found.contains_key(&Field::FullName);
        if i == 0 {
            first_row = Some(found.clone());
        }
        if found.contains_key(&Field::Matricule) && has_name && best.as_ref().is_none_or(|(_, b)| found.len() > b.len())
        {
            best = Some((i, found));
        }
    }
    let (header_index, mut columns) =
        match (best, mapping) {
            (Some(b), _) => b,
            // With an explicit mapping, the header is the first non-blank row.
            (None, Some(m)) if !m.is_empty() => (0, first_row.unwrap_or_default()),
            (None, _) => return Err(ApiError::validation(
                "file",
                "Aucune ligne d'en-tête reconnue : il faut au moins une colonne « Matricule » et une colonne « Nom ». \
                    Indiquez les colonnes à la main.",
            )),
        };
    let header_cells = rows.get(header_index).map(|(_, c)| c.clone()).unwrap_or_default();
    if let Some(m) = mapping {
        for (field, target) in m {
            let f = Field::parse(field).ok_or_else(|| {
                ApiError::validation(
                    "mapping",
                    format!("Champ inconnu dans la correspondance des colonnes : « {field} »."),
                )
            })?;
            let wanted = text::key(target);
            let col = header_cells
                .iter()
                .position(|c| !wanted.is_empty() && text::key(&header_text(c)) == wanted)
                .or_else(|| letter_index(target))
                .ok_or_else(|| {
                    ApiError::validation("mapping", format!("Colonne « {target} » introuvable pour le champ {field}."))
                })?;
            columns.retain(|_, c| *c != col);
            columns.insert(f, col);
        }
    }
    for f in required {
        let present = columns.contains_key(f) || (*f == Field::LastName && columns.contains_key(&Field::FullName));
        if !present {
            return Err(ApiError::validation(
                "mapping",
                format!("Colonne obligatoire absente : {} (indiquez-la à la main).", label(*f)),
            ));
        }
    }
    let detected = columns
        .iter()
        .map(|(f, c)| DetectedColumn {
            field: *f,
            header: header_cells.get(*c).map(header_text).filter(|h| !h.is_empty()).unwrap_or_else(|| letter(*c)),
            letter: letter(*c),
        })
        .collect();
    Ok(Layout { header_index, header_row: rows.get(header_index).map(|(n, _)| *n).unwrap_or(1), columns, detected })
}

pub fn label(f: Field) -> &'static str {
    match f {
        Field::Matricule => "Matricule",
        Field::Cnie => "CNIE",
        Field::LastName => "Nom",
        Field::FirstName => "Prénom",
        Field::FullName => "Nom et prénom",
        Field::BirthDate => "Date de naissance",
        Field::Employer => "Société",
        Field::Status => "Situation",
        Field::Address => "Adresse",
        Field::Gsm => "GSM",
        Field::Email => "E-mail",
        Field::Rib => "RIB",
        Field::AffiliationDate => "Date d'affiliation",
        Field::EndDate => "Date de sortie",
        Field::Relation => "Lien",
        Field::SuspendedFrom => "Suspendu du",
        Field::SuspendedTo => "Suspendu au",
        Field::SuspensionReason => "Motif de suspension",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn header_under_a_title_with_varied_names() {
        let rows = vec![
            (1, vec![t("LISTE DU PERSONNEL — RAM")]),
            (
                3,
                vec![
                    t("Mat."),
                    t("N° CIN"),
                    t("NOM"),
                    t("Prénom"),
                    t("Né(e) le"),
                    t("Employeur"),
                    t("Situation"),
                    t("E-mail"),
                    t("Téléphone"),
                    t("RIB"),
                ],
            ),
            (4, vec![t("13059"), t("BK123456")]),
        ];
        let l = detect(&rows, None, &[Field::Matricule, Field::LastName]).unwrap();
        assert_eq!(l.header_row, 3);
        assert_eq!(l.columns[&Field::Matricule], 0);
        assert_eq!(l.columns[&Field::Cnie], 1);
        assert_eq!(l.columns[&Field::BirthDate], 4);
        assert_eq!(l.columns[&Field::Employer], 5);
        assert_eq!(l.columns[&Field::Gsm], 8);
        assert_eq!(l.columns[&Field::Rib], 9);
        assert_eq!(l.header_of(Field::BirthDate), "Né(e) le");
    }

    #[test]
    fn explicit_mapping_by_header_or_letter() {
        let rows = vec![(1, vec![t("Code"), t("Famille"), t("Prénom")])];
        let m: BTreeMap<String, String> =
            [("matricule".to_string(), "Code".to_string()), ("last_name".to_string(), "B".to_string())].into();
        let l = detect(&rows, Some(&m), &[Field::Matricule, Field::LastName]).unwrap();
        assert_eq!(l.columns[&Field::Matricule], 0);
        assert_eq!(l.columns[&Field::LastName], 1);
        assert_eq!(l.columns[&Field::FirstName], 2);
        let e = detect(&rows, None, &[Field::Matricule]).unwrap_err();
        assert!(e.message.starts_with("Aucune ligne d'en-tête reconnue"));
    }

    #[test]
    fn letters() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter_index("AA"), Some(26));
        assert_eq!(letter_index("b"), Some(1));
    }
}
