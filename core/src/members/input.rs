//! A member or beneficiary as typed in a form or read from a spreadsheet row,
//! and the one validation both go through.

use super::{validate, Member, MemberStatus, Relation};
use crate::error::ApiError;
use crate::kernel::dates::fr;
use crate::kernel::text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The member form. Empty optional fields are `null` or absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub matricule: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub cnie: Option<String>,
    pub last_name: String,
    pub first_name: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub birth_date: Option<NaiveDate>,
    /// Employer name; a new name is added to the list of employers.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub employer: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub status: Option<MemberStatus>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub address: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub gsm: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub email: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub rib: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub affiliation_date: Option<NaiveDate>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub end_date: Option<NaiveDate>,
}

/// A member's fields once checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFields {
    pub matricule: String,
    pub cnie: Option<String>,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Option<NaiveDate>,
    pub employer: Option<String>,
    pub status: MemberStatus,
    pub address: Option<String>,
    pub gsm: Option<String>,
    pub email: Option<String>,
    pub rib: Option<String>,
    pub affiliation_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

fn opt(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl From<&Member> for MemberFields {
    /// A member's current fields, to change one of them.
    fn from(m: &Member) -> MemberFields {
        MemberFields {
            matricule: m.matricule.clone(),
            cnie: m.cnie.clone(),
            last_name: m.last_name.clone(),
            first_name: m.first_name.clone(),
            birth_date: m.birth_date,
            employer: m.employer.clone(),
            status: m.status,
            address: m.address.clone(),
            gsm: m.gsm.clone(),
            email: m.email.clone(),
            rib: m.rib.clone(),
            affiliation_date: m.affiliation_date,
            end_date: m.end_date,
        }
    }
}

impl MemberInput {
    /// Every problem of the input, one per field; empty when valid.
    pub fn check(&self, today: NaiveDate) -> Result<MemberFields, Vec<ApiError>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, ApiError>| match r {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let matricule = keep(validate::matricule("matricule", &self.matricule));
        let cnie = opt(&self.cnie).and_then(|c| keep(validate::cnie("cnie", c)));
        let last_name = keep(
            text::clean("last_name", "Le nom", &self.last_name, 100).and_then(|s| required("last_name", "Le nom", s)),
        );
        let first_name = keep(
            text::clean("first_name", "Le prénom", &self.first_name, 100)
                .and_then(|s| required("first_name", "Le prénom", s)),
        );
        let employer = opt(&self.employer).and_then(|e| keep(text::clean("employer", "Le nom de l'employeur", e, 100)));
        let address = opt(&self.address).and_then(|a| keep(text::clean("address", "L'adresse", a, 250)));
        let gsm = opt(&self.gsm).and_then(|g| keep(validate::gsm("gsm", g)));
        let email = opt(&self.email).and_then(|e| keep(validate::email("email", e)));
        let rib = opt(&self.rib).and_then(|r| keep(validate::rib("rib", r)));
        let birth_date = match self.birth_date.map(|d| validate::birth_date("birth_date", d, today)) {
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            None => None,
        };
        if let (Some(a), Some(e)) = (self.affiliation_date, self.end_date) {
            if e < a {
                errors.push(ApiError::validation("end_date", "La date de sortie précède la date d'affiliation."));
            }
        }
        if let Some(a) = self.affiliation_date.filter(|a| *a > today + chrono::Duration::days(366)) {
            errors.push(ApiError::validation(
                "affiliation_date",
                format!("Date d'affiliation trop lointaine : {}.", fr(a)),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(MemberFields {
            matricule: matricule.unwrap_or_default(),
            cnie,
            last_name: last_name.unwrap_or_default(),
            first_name: first_name.unwrap_or_default(),
            birth_date,
            employer,
            status: self.status.unwrap_or(MemberStatus::Actif),
            address,
            gsm,
            email,
            rib,
            affiliation_date: self.affiliation_date,
            end_date: self.end_date,
        })
    }
}

fn required(field: &str, label: &str, s: String) -> Result<String, ApiError> {
    if s.is_empty() {
        Err(ApiError::validation(field, format!("{label} est obligatoire.")))
    } else {
        Ok(s)
    }
}

/// A beneficiary as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryInput {
    pub relation: Relation,
    pub last_name: String,
    pub first_name: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub birth_date: Option<NaiveDate>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub coverage_start: Option<NaiveDate>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub coverage_end: Option<NaiveDate>,
}

impl BeneficiaryInput {
    pub fn check(&self, today: NaiveDate) -> Result<BeneficiaryInput, Vec<ApiError>> {
        let mut errors = Vec::new();
        let last_name =
            text::clean("last_name", "Le nom", &self.last_name, 100).and_then(|s| required("last_name", "Le nom", s));
        let first_name = text::clean("first_name", "Le prénom", &self.first_name, 100)
            .and_then(|s| required("first_name", "Le prénom", s));
        if let Some(d) = self.birth_date {
            if let Err(e) = validate::birth_date("birth_date", d, today) {
                errors.push(e);
            }
        }
        if let (Some(s), Some(e)) = (self.coverage_start, self.coverage_end) {
            if e < s {
                errors.push(ApiError::validation("coverage_end", "La fin de couverture précède son début."));
            }
        }
        let (last_name, first_name) = match (last_name, first_name) {
            (Ok(l), Ok(f)) => (l, f),
            (l, f) => {
                errors.extend(l.err());
                errors.extend(f.err());
                (String::new(), String::new())
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(BeneficiaryInput { last_name, first_name, ..self.clone() })
    }
}
