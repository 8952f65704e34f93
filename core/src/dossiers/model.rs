//! A claim dossier as the screens, the CLI and the portal read it.

use super::checklist::Contents;
use super::workflow::Status;
use crate::money::Centimes;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Kind of care, as ticked on the claim form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Maladie,
    Dentaire,
    Optique,
    Autres,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Maladie, Kind::Dentaire, Kind::Optique, Kind::Autres];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Maladie => "maladie",
            Kind::Dentaire => "dentaire",
            Kind::Optique => "optique",
            Kind::Autres => "autres",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Maladie => "Maladie",
            Kind::Dentaire => "Dentaire",
            Kind::Optique => "Optique",
            Kind::Autres => "Autres",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A dossier with the names the screens show beside its ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Dossier {
    #[ts(type = "number")]
    pub id: i64,
    pub form_number: String,
    #[ts(type = "number")]
    pub member_id: i64,
    pub matricule: String,
    /// "LAST First" of the member.
    pub member_name: String,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub beneficiary_name: String,
    pub relation: crate::members::Relation,
    pub kind: Kind,
    pub first_act_date: NaiveDate,
    /// Centimes.
    pub total_claimed: Centimes,
    #[ts(type = "number")]
    pub pieces: i64,
    pub status: Status,
    /// The status in the member's words.
    pub status_label: String,
    /// Catalogue code of the reason, when incomplete or rejected.
    pub reason_code: Option<String>,
    /// The reason exactly as the member reads it.
    pub reason: Option<String>,
    #[ts(type = "number | null")]
    pub assigned_to: Option<i64>,
    pub assigned_name: Option<String>,
    #[ts(type = "number | null")]
    pub urn_id: Option<i64>,
    pub urn_name: Option<String>,
    #[ts(type = "number | null")]
    pub collection_id: Option<i64>,
    /// When the scan came by e-mail, if it did.
    pub scanned_on: Option<NaiveDate>,
    /// When the paper original came out of an urn.
    pub original_received_on: Option<NaiveDate>,
    pub validity_end: NaiveDate,
    pub original_deadline: NaiveDate,
    /// Original received after its deadline ("hors délai").
    pub late: bool,
    pub contents: Contents,
    /// Codes of the documents the processor ticked as present.
    pub present: Vec<String>,
    /// Why the dossier was declared complete with documents missing.
    pub checklist_override: Option<String>,
    /// Centimes paid on it (statements issue), for claw-backs.
    pub paid_amount: Option<Centimes>,
    /// Day the dossier was first recorded.
    pub received_on: NaiveDate,
    /// Centimes reimbursed in total by the liquidation (before claw-backs).
    pub total_reimbursed: Option<Centimes>,
    pub payment_reference: Option<String>,
    /// When incomplete: the last day for its complement, after which it is rejected.
    pub complement_due: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub statement_number: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
}

impl Dossier {
    /// The dossier as `roles` may read it: without the chronic-illness read
    /// (reception, administrators), it says nothing of a long-term illness
    /// (law 09-08: need to know), and neither does its checklist.
    pub fn seen_by(mut self, roles: &[crate::auth::Role]) -> Dossier {
        if !crate::auth::allows(roles, crate::auth::Permission::ChronicRead) {
            self.contents.chronic = false;
        }
        self
    }
}
