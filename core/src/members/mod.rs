//! Members (adhérents), their beneficiaries, employers, search and the roster
//! import. Nobody is ever deleted: a member who left gets an end date and
//! stays readable.

mod beneficiaries;
pub mod coverage;
pub mod import;
mod input;
pub mod recent;
mod repo;
pub mod rights;
mod search;
pub mod updates;
pub mod validate;

pub use beneficiaries::*;
pub use input::{BeneficiaryInput, MemberInput};
pub use repo::*;
pub use search::{search, SearchResult};

use crate::kernel::text;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Actif,
    /// Retired ("retraité" in employer files).
    Pensionne,
    Autre,
}

impl MemberStatus {
    pub fn code(self) -> &'static str {
        match self {
            MemberStatus::Actif => "actif",
            MemberStatus::Pensionne => "pensionne",
            MemberStatus::Autre => "autre",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            MemberStatus::Actif => "Actif",
            MemberStatus::Pensionne => "Pensionné",
            MemberStatus::Autre => "Autre",
        }
    }
    /// Reads the words employers use: actif, en activité, pensionné, retraité, autre…
    pub fn parse(s: &str) -> Option<MemberStatus> {
        match text::key(s).as_str() {
            "actif" | "active" | "enactivite" | "activite" | "a" => Some(MemberStatus::Actif),
            "pensionne" | "pensionnee" | "retraite" | "retraitee" | "pension" | "p" | "r" => {
                Some(MemberStatus::Pensionne)
            }
            "autre" | "autres" => Some(MemberStatus::Autre),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The member himself ("lui-même"): exactly one per member.
    LuiMeme,
    Conjoint,
    Enfant,
}

impl Relation {
    pub fn code(self) -> &'static str {
        match self {
            Relation::LuiMeme => "lui_meme",
            Relation::Conjoint => "conjoint",
            Relation::Enfant => "enfant",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Relation::LuiMeme => "Lui-même",
            Relation::Conjoint => "Conjoint",
            Relation::Enfant => "Enfant",
        }
    }
    pub fn parse(s: &str) -> Option<Relation> {
        match text::key(s).as_str() {
            "luimeme" | "ellememe" | "adherent" | "assure" | "soimeme" | "lui" => Some(Relation::LuiMeme),
            "conjoint" | "conjointe" | "epoux" | "epouse" | "mari" | "femme" => Some(Relation::Conjoint),
            "enfant" | "fils" | "fille" | "enfants" => Some(Relation::Enfant),
            _ => None,
        }
    }
}

/// A member as every screen reads him.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Member {
    #[ts(type = "number")]
    pub id: i64,
    pub matricule: String,
    pub cnie: Option<String>,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub employer: Option<String>,
    pub status: MemberStatus,
    pub address: Option<String>,
    /// `+212XXXXXXXXX`.
    pub gsm: Option<String>,
    pub email: Option<String>,
    /// 24 digits, no spaces.
    pub rib: Option<String>,
    pub affiliation_date: Option<chrono::NaiveDate>,
    /// Set when the member left; he stays readable.
    pub end_date: Option<chrono::NaiveDate>,
    #[ts(type = "number")]
    pub version: i64,
}

/// What the audit journal keeps of a member: these keys, from these columns of
/// `members m LEFT JOIN employers e`. A roster import writes the same JSON row by row (`import::writer::CreatedJson`).
pub(crate) const AUDIT_FIELDS: [(&str, &str); 13] = [
    ("matricule", "m.matricule"),
    ("cnie", "m.cnie"),
    ("last_name", "m.last_name"),
    ("first_name", "m.first_name"),
    ("birth_date", "m.birth_date"),
    ("employer", "e.name"),
    ("status", "m.status"),
    ("address", "m.address"),
    ("gsm", "m.gsm"),
    ("email", "m.email"),
    ("rib", "m.rib"),
    ("affiliation_date", "m.affiliation_date"),
    ("end_date", "m.end_date"),
];

impl Member {
    /// What the audit journal keeps of a member (the keys of [`AUDIT_FIELDS`]).
    pub fn audit_json(&self) -> serde_json::Value {
        let v = serde_json::to_value(self).unwrap_or_default();
        serde_json::Value::Object(
            AUDIT_FIELDS.iter().map(|(k, _)| (k.to_string(), v.get(*k).cloned().unwrap_or_default())).collect(),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Beneficiary {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub member_id: i64,
    pub relation: Relation,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub coverage_start: Option<chrono::NaiveDate>,
    pub coverage_end: Option<chrono::NaiveDate>,
    #[ts(type = "number")]
    pub version: i64,
}

impl Beneficiary {
    pub fn audit_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("version");
        }
        v
    }
}
