//! Requests as the screens, the CLI, the letters and the portal read them.
//! Medical fields are `None` for every role but the medical one; `confidential`
//! says that something is there.

use crate::kernel::tone::Tone;
use crate::money::Centimes;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Prior approval (before the care) or coverage (the mutual pays the provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    PriorApproval,
    Coverage,
}

impl RequestKind {
    pub fn code(self) -> &'static str {
        match self {
            RequestKind::PriorApproval => "prior_approval",
            RequestKind::Coverage => "coverage",
        }
    }
    pub fn parse(s: &str) -> Option<RequestKind> {
        [RequestKind::PriorApproval, RequestKind::Coverage].into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            RequestKind::PriorApproval => "Accord préalable",
            RequestKind::Coverage => "Prise en charge",
        }
    }
    /// Numbers read `AP-2026-000042`, `PEC-2026-000043`.
    pub fn prefix(self) -> &'static str {
        match self {
            RequestKind::PriorApproval => "AP",
            RequestKind::Coverage => "PEC",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SentBy {
    Member,
    Provider,
}

impl SentBy {
    pub fn code(self) -> &'static str {
        match self {
            SentBy::Member => "member",
            SentBy::Provider => "provider",
        }
    }
    pub fn parse(s: &str) -> Option<SentBy> {
        [SentBy::Member, SentBy::Provider].into_iter().find(|k| k.code() == s)
    }
}

/// Where a request stands. Waiting and incomplete requests are undecided; a
/// granted or refused one is final (a new request is made to renew or appeal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    EnAttente,
    Incomplet,
    Accorde,
    Refuse,
}

impl RequestStatus {
    pub fn code(self) -> &'static str {
        match self {
            RequestStatus::EnAttente => "en_attente",
            RequestStatus::Incomplet => "incomplet",
            RequestStatus::Accorde => "accorde",
            RequestStatus::Refuse => "refuse",
        }
    }
    pub fn parse(s: &str) -> Option<RequestStatus> {
        [RequestStatus::EnAttente, RequestStatus::Incomplet, RequestStatus::Accorde, RequestStatus::Refuse]
            .into_iter()
            .find(|k| k.code() == s)
    }
    /// In the member's words.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::EnAttente => "En attente de l'avis du médecin conseil",
            RequestStatus::Incomplet => "Incomplète : pièces à fournir",
            RequestStatus::Accorde => "Accordée",
            RequestStatus::Refuse => "Refusée",
        }
    }
    /// Its badge's colour in the member's portal.
    pub fn tone(self) -> Tone {
        match self {
            RequestStatus::EnAttente => Tone::Waiting,
            RequestStatus::Incomplet => Tone::ToDo,
            RequestStatus::Accorde => Tone::Done,
            RequestStatus::Refuse => Tone::Refused,
        }
    }
    pub fn decided(self) -> bool {
        matches!(self, RequestStatus::Accorde | RequestStatus::Refuse)
    }
}

/// What a grant counts: sessions, months, or an amount (centimes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Sessions,
    Months,
    Amount,
}

impl Unit {
    pub fn code(self) -> &'static str {
        match self {
            Unit::Sessions => "sessions",
            Unit::Months => "months",
            Unit::Amount => "amount",
        }
    }
    pub fn parse(s: &str) -> Option<Unit> {
        [Unit::Sessions, Unit::Months, Unit::Amount].into_iter().find(|k| k.code() == s)
    }
    /// "Nombre de séances", "Nombre de mois", "Montant accordé".
    pub fn label(self) -> &'static str {
        match self {
            Unit::Sessions => "Nombre de séances",
            Unit::Months => "Nombre de mois",
            Unit::Amount => "Montant accordé",
        }
    }
    /// `10 séances`, `10 mois`, `1 500,00 DH`.
    pub fn show(self, n: i64) -> String {
        match self {
            Unit::Sessions => format!("{n} séance{}", if n > 1 { "s" } else { "" }),
            Unit::Months => format!("{n} mois"),
            Unit::Amount => format!("{} DH", crate::money::format(crate::money::Centimes(n))),
        }
    }
}

/// Pieces of a request. The copy of the ID card and of the badge are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Piece {
    Cnie,
    Badge,
    Prescription,
    Quotation,
    MedicalReport,
    Other,
}

impl Piece {
    pub const REQUIRED: [Piece; 2] = [Piece::Cnie, Piece::Badge];
    pub fn code(self) -> &'static str {
        match self {
            Piece::Cnie => "cnie",
            Piece::Badge => "badge",
            Piece::Prescription => "prescription",
            Piece::Quotation => "quotation",
            Piece::MedicalReport => "medical_report",
            Piece::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Piece> {
        [Piece::Cnie, Piece::Badge, Piece::Prescription, Piece::Quotation, Piece::MedicalReport, Piece::Other]
            .into_iter()
            .find(|k| k.code() == s)
    }
    /// A prescription or a medical report says what the illness is: sealed
    /// whatever the desk ticked (law 09-08; issue 17, item 5).
    pub fn is_medical(self) -> bool {
        matches!(self, Piece::Prescription | Piece::MedicalReport)
    }
    pub fn label(self) -> &'static str {
        match self {
            Piece::Cnie => "la copie de la CNIE",
            Piece::Badge => "la copie du badge",
            Piece::Prescription => "la prescription médicale",
            Piece::Quotation => "le devis",
            Piece::MedicalReport => "le rapport médical",
            Piece::Other => "une autre pièce",
        }
    }
}

/// An act asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RequestedAct {
    /// `IMP2`, `PSYMOT`, `ORTHO`, `K 50`…
    pub act_code: String,
    #[serde(default)]
    pub label: String,
    /// Coefficient or quantity (1 when absent).
    #[serde(default = "one")]
    #[ts(type = "number")]
    pub quantity: i64,
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub sessions: Option<i64>,
    #[serde(default)]
    #[ts(optional = nullable, type = "number")]
    pub months: Option<i64>,
}

fn one() -> i64 {
    1
}

/// A granted act with what it has left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Grant {
    #[ts(type = "number")]
    pub id: i64,
    pub act_code: String,
    pub unit: Unit,
    #[ts(type = "number")]
    pub granted: i64,
    #[ts(type = "number")]
    pub used: i64,
    #[ts(type = "number")]
    pub left: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// Per unit (a session, a month), centimes; the two shares make the tariff.
    pub tariff: Centimes,
    pub mutual_share: Centimes,
    pub member_share: Centimes,
}

/// A stored piece, without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RequestFile {
    #[ts(type = "number")]
    pub id: i64,
    pub piece: Piece,
    /// A sealed envelope: the medical role opens it; others see that it exists.
    pub confidential: bool,
    pub file_name: String,
    pub media_type: String,
    #[ts(type = "number")]
    pub size: i64,
    pub sha256: String,
}

/// A request with its decision, as the caller may read it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Request {
    #[ts(type = "number")]
    pub id: i64,
    pub number: String,
    pub kind: RequestKind,
    pub kind_label: String,
    #[ts(type = "number")]
    pub member_id: i64,
    pub matricule: String,
    pub member_name: String,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    pub beneficiary_name: String,
    #[ts(type = "number | null")]
    pub provider_id: Option<i64>,
    pub provider_name: Option<String>,
    pub prescriber: String,
    pub sent_by: SentBy,
    pub expected_from: NaiveDate,
    pub expected_to: NaiveDate,
    pub quotation: Centimes,
    pub acts: Vec<RequestedAct>,
    pub status: RequestStatus,
    /// The status in the member's words.
    pub status_label: String,
    pub received_on: NaiveDate,
    /// Since registration or the last complement (the medical queue's order).
    pub waiting_since: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    /// Why incomplete or refused, as the member reads it.
    pub reason: Option<String>,
    pub missing: Vec<String>,
    /// When incomplete: the last day for the complement, after which the
    /// request is closed as refused.
    pub complement_due: Option<NaiveDate>,
    pub appeal: Option<String>,
    pub conditions: Option<String>,
    pub grants: Vec<Grant>,
    pub files: Vec<RequestFile>,
    /// Medical information sent with the request (diagnosis…): medical role only.
    pub medical_info: Option<String>,
    /// The advisor's notes: medical role only.
    pub medical_note: Option<String>,
    /// There is medical content the caller is not shown.
    pub confidential: bool,
    #[ts(type = "number")]
    pub version: i64,
}
