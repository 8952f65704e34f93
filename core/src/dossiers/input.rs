//! A dossier as reception types it (or scans it), and its checks.

use super::checklist::Contents;
use super::model::Kind;
use crate::api::files::FileData;
use crate::error::{ApiError, ApiResult};
use crate::money;
use crate::money::Centimes;
use chrono::{Months, NaiveDate};
use serde::Deserialize;
use ts_rs::TS;

/// The fields reception records for each dossier.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DossierInput {
    /// The claim form number, typed or scanned (`M21-0050533`).
    pub form_number: String,
    pub matricule: String,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub kind: Kind,
    pub first_act_date: NaiveDate,
    /// As typed: `2100`, `2 100,00`.
    pub total_claimed: String,
    #[ts(type = "number")]
    pub pieces: i64,
    /// What the dossier contains (decides the checklist); the processor can change it.
    #[serde(default)]
    #[ts(as = "Option<Contents>", optional)]
    pub contents: Contents,
    /// Record it even though a similar dossier exists (same member,
    /// beneficiary, first-act date and total).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub confirm_duplicate: bool,
    /// From an urn (`dossier_record`): the open collection it is recorded in.
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub collection_id: Option<i64>,
    /// As a scan (`dossier_record_scan`): the day the e-mail came (today when absent).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub scanned_on: Option<NaiveDate>,
    /// As a scan: the scanned files (PDF, JPG, PNG, at most 20 MB each).
    #[serde(default)]
    #[ts(as = "Option<Vec<FileData>>", optional)]
    pub files: Vec<FileData>,
}

/// The most a single claim form may claim before it is taken for a typing error.
pub const MAX_TOTAL: Centimes = Centimes(50_000_000);

/// Checked values.
#[derive(Debug, Clone)]
pub struct Checked {
    pub form_number: String,
    pub matricule: String,
    pub total: Centimes,
}

/// `M21-0050533`: one to three letters, two digits, a dash, five to ten digits.
/// Scanners and typists may give lower case or spaces; both are tidied.
pub fn form_number(raw: &str) -> ApiResult<String> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if s.is_empty() {
        return Err(ApiError::validation("form_number", "N° de feuille de soins : obligatoire."));
    }
    let letters = s.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let rest = &s[letters..];
    // Only ASCII can be valid, and byte slicing below needs it.
    let ok = s.is_ascii()
        && (1..=3).contains(&letters)
        && rest.len() >= 2 + 1 + 5
        && rest[..2].chars().all(|c| c.is_ascii_digit())
        && rest[2..].starts_with('-')
        && (5..=10).contains(&rest[3..].len())
        && rest[3..].chars().all(|c| c.is_ascii_digit());
    if !ok {
        let shown: String = raw.trim().chars().take(40).collect();
        return Err(ApiError::validation(
            "form_number",
            format!(
                "N° de feuille de soins « {shown} » : format attendu comme M21-0050533 (lettres, deux chiffres, \
                tiret, numéro)."
            ),
        ));
    }
    Ok(s)
}

impl DossierInput {
    pub fn check(&self, today: NaiveDate) -> ApiResult<Checked> {
        let form_number = form_number(&self.form_number)?;
        let matricule = self.matricule.trim().to_uppercase();
        if matricule.is_empty() {
            return Err(ApiError::validation("matricule", "Matricule : obligatoire."));
        }
        if self.first_act_date > today {
            return Err(ApiError::validation(
                "first_act_date",
                "Date du premier acte : elle ne peut pas être dans le futur.",
            ));
        }
        if today.checked_sub_months(Months::new(24)).is_some_and(|limit| self.first_act_date < limit) {
            return Err(ApiError::validation(
                "first_act_date",
                "Date du premier acte : plus de deux ans, vérifiez la saisie.",
            ));
        }
        let total = money::parse("total_claimed", "Total des frais engagés", &self.total_claimed)?;
        if total <= 0 {
            return Err(ApiError::validation(
                "total_claimed",
                "Total des frais engagés : le montant doit être positif.",
            ));
        }
        if total > MAX_TOTAL {
            return Err(ApiError::validation(
                "total_claimed",
                format!(
                    "Total des frais engagés : {} DH dépasse {} DH, vérifiez la saisie.",
                    money::format(total),
                    money::format(MAX_TOTAL)
                ),
            ));
        }
        if !(1..=500).contains(&self.pieces) {
            return Err(ApiError::validation("pieces", "Nombre de pièces : entre 1 et 500."));
        }
        Ok(Checked { form_number, matricule, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_numbers() {
        assert_eq!(form_number("M21-0050533").unwrap(), "M21-0050533");
        assert_eq!(form_number(" m21-0050533 ").unwrap(), "M21-0050533");
        for bad in [
            "",
            "21-0050533",
            "M21 0050533x",
            "M2-0050533",
            "M21-12",
            "ABCD21-0050533",
            "M21-00505331234",
            "M1é-0050533",
            "Mé1-0050533",
            "M21-00505é3",
        ] {
            let e = form_number(bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("form_number"), "{bad}");
        }
    }

    fn input() -> DossierInput {
        DossierInput {
            form_number: "M21-0050533".into(),
            matricule: "13059".into(),
            beneficiary_id: 1,
            kind: Kind::Autres,
            first_act_date: NaiveDate::from_ymd_opt(2023, 1, 31).unwrap(),
            total_claimed: "2100".into(),
            pieces: 6,
            contents: Contents::default(),
            confirm_duplicate: false,
            collection_id: None,
            scanned_on: None,
            files: vec![],
        }
    }

    #[test]
    fn bad_amounts_and_dates_name_their_field() {
        let today = NaiveDate::from_ymd_opt(2023, 2, 20).unwrap();
        assert_eq!(input().check(today).unwrap().total, 210_000);
        let field = |i: DossierInput| i.check(today).unwrap_err().field.unwrap();
        assert_eq!(field(DossierInput { total_claimed: "-5".into(), ..input() }), "total_claimed");
        assert_eq!(field(DossierInput { total_claimed: "0".into(), ..input() }), "total_claimed");
        assert_eq!(field(DossierInput { total_claimed: "9999999".into(), ..input() }), "total_claimed");
        assert_eq!(
            field(DossierInput { first_act_date: NaiveDate::from_ymd_opt(2023, 2, 21).unwrap(), ..input() }),
            "first_act_date"
        );
        assert_eq!(field(DossierInput { pieces: 0, ..input() }), "pieces");
        assert_eq!(field(DossierInput { matricule: " ".into(), ..input() }), "matricule");
    }
}
