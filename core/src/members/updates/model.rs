//! What an update request is: the change, how it came, its pieces, its status.

use crate::kernel::dates::fr;
pub use crate::kernel::review::ReviewStatus;
use crate::members::{validate, BeneficiaryInput};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the member asks to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum UpdateChange {
    Email {
        email: String,
    },
    Gsm {
        gsm: String,
    },
    Address {
        address: String,
    },
    /// A new bank account: a bank certificate (attestation de RIB) is required.
    Rib {
        rib: String,
    },
    /// A birth, a marriage: the certificate is required.
    BeneficiaryAdd {
        beneficiary: BeneficiaryInput,
    },
    BeneficiaryEnd {
        #[ts(type = "number")]
        beneficiary_id: i64,
        end_date: NaiveDate,
    },
}

impl UpdateChange {
    pub fn code(&self) -> &'static str {
        match self {
            UpdateChange::Email { .. } => "email",
            UpdateChange::Gsm { .. } => "gsm",
            UpdateChange::Address { .. } => "address",
            UpdateChange::Rib { .. } => "rib",
            UpdateChange::BeneficiaryAdd { .. } => "beneficiary_add",
            UpdateChange::BeneficiaryEnd { .. } => "beneficiary_end",
        }
    }
    /// In the member's words.
    pub fn label(&self) -> &'static str {
        match self {
            UpdateChange::Email { .. } => "Changement d'adresse e-mail",
            UpdateChange::Gsm { .. } => "Changement de GSM",
            UpdateChange::Address { .. } => "Changement d'adresse",
            UpdateChange::Rib { .. } => "Changement de compte bancaire (RIB)",
            UpdateChange::BeneficiaryAdd { .. } => "Ajout d'un bénéficiaire",
            UpdateChange::BeneficiaryEnd { .. } => "Fin de couverture d'un bénéficiaire",
        }
    }
    /// The piece this change needs (one of `any_of`), whoever sends it.
    pub fn needs(&self) -> Option<Needs> {
        match self {
            UpdateChange::Rib { .. } => Some(Needs {
                any_of: &[UpdatePiece::BankCertificate],
                label: "l'attestation de RIB de la banque",
                message: "Un changement de RIB exige l'attestation de RIB de la banque : joignez-la.",
            }),
            UpdateChange::BeneficiaryAdd { .. } => Some(Needs {
                any_of: &[UpdatePiece::BirthCertificate, UpdatePiece::MarriageCertificate],
                label: "l'acte de naissance ou de mariage",
                message: "Un nouveau bénéficiaire exige l'acte de naissance ou de mariage : joignez-le.",
            }),
            _ => None,
        }
    }
    /// The summary as the member reads it, on his receipt or his portal:
    /// a RIB masked but for its last four digits.
    pub fn member_summary(&self) -> String {
        match self {
            UpdateChange::Rib { rib } => format!("Nouveau RIB : {}", crate::kernel::rib::masked(Some(rib))),
            _ => self.summary(),
        }
    }
    /// One line the agent reads aloud: `Nouveau GSM : +212612345678`.
    pub fn summary(&self) -> String {
        match self {
            UpdateChange::Email { email } => format!("Nouvelle adresse e-mail : {email}"),
            UpdateChange::Gsm { gsm } => format!("Nouveau GSM : {gsm}"),
            UpdateChange::Address { address } => format!("Nouvelle adresse : {address}"),
            UpdateChange::Rib { rib } => format!("Nouveau RIB : {}", validate::format_rib(rib)),
            UpdateChange::BeneficiaryAdd { beneficiary: b } => format!(
                "Nouveau bénéficiaire : {} {} ({}){}",
                b.last_name.to_uppercase(),
                b.first_name,
                b.relation.label(),
                b.birth_date.map(|d| format!(", né(e) le {}", fr(d))).unwrap_or_default()
            ),
            UpdateChange::BeneficiaryEnd { end_date, .. } => format!("Fin de couverture le {}", fr(*end_date)),
        }
    }
}

/// A piece a change cannot be validated without.
pub struct Needs {
    pub any_of: &'static [UpdatePiece],
    /// In the member's words, as a missing piece.
    pub label: &'static str,
    /// The refusal when it is not joined.
    pub message: &'static str,
}

/// How the request came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Desk,
    Email,
    Employer,
    /// Sent by the member from his space on the portal (issue 21).
    Portal,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Desk => "desk",
            Channel::Email => "email",
            Channel::Employer => "employer",
            Channel::Portal => "portal",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Desk, Channel::Email, Channel::Employer, Channel::Portal].into_iter().find(|c| c.code() == s)
    }
    /// `Reçue au guichet`.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Desk => "au guichet",
            Channel::Email => "par e-mail",
            Channel::Employer => "par l'employeur",
            Channel::Portal => "par l'espace adhérent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UpdatePiece {
    BankCertificate,
    BirthCertificate,
    MarriageCertificate,
    /// Copy of the member's (and beneficiary's) national identity card.
    Cnie,
    /// Copy of the member's staff badge.
    Badge,
    Other,
}

impl UpdatePiece {
    pub fn code(self) -> &'static str {
        match self {
            UpdatePiece::BankCertificate => "bank_certificate",
            UpdatePiece::BirthCertificate => "birth_certificate",
            UpdatePiece::MarriageCertificate => "marriage_certificate",
            UpdatePiece::Cnie => "cnie",
            UpdatePiece::Badge => "badge",
            UpdatePiece::Other => "other",
        }
    }
    pub const ALL: [UpdatePiece; 6] = [
        UpdatePiece::BankCertificate,
        UpdatePiece::BirthCertificate,
        UpdatePiece::MarriageCertificate,
        UpdatePiece::Cnie,
        UpdatePiece::Badge,
        UpdatePiece::Other,
    ];
    pub fn parse(s: &str) -> Option<UpdatePiece> {
        UpdatePiece::ALL.into_iter().find(|c| c.code() == s)
    }
    /// In the member's words, as a missing piece is named.
    pub fn label(self) -> &'static str {
        match self {
            UpdatePiece::BankCertificate => "l'attestation de RIB de la banque",
            UpdatePiece::BirthCertificate => "l'acte de naissance",
            UpdatePiece::MarriageCertificate => "l'acte de mariage",
            UpdatePiece::Cnie => "la copie de la CNIE de l'adhérent et du bénéficiaire",
            UpdatePiece::Badge => "la copie du badge",
            UpdatePiece::Other => "une autre pièce",
        }
    }
    /// FAQ question 9: a request the member sends (at the desk, by e-mail or
    /// from his space) comes with the copies of his CNIE and badge; an
    /// employer sending it for him vouches for who he is.
    pub fn required_for(channel: Channel) -> &'static [UpdatePiece] {
        match channel {
            Channel::Employer => &[],
            Channel::Desk | Channel::Email | Channel::Portal => &[UpdatePiece::Cnie, UpdatePiece::Badge],
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateFileInput {
    pub file: crate::api::files::FileData,
    pub piece: UpdatePiece,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequestInput {
    #[ts(type = "number")]
    pub member_id: i64,
    pub change: UpdateChange,
    pub channel: Channel,
    #[serde(default)]
    #[ts(as = "Option<Vec<UpdateFileInput>>", optional)]
    pub files: Vec<UpdateFileInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpdateFile {
    #[ts(type = "number")]
    pub id: i64,
    pub piece: UpdatePiece,
    pub file_name: String,
    pub media_type: String,
    #[ts(type = "number")]
    pub size: i64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct UpdateRequest {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub member_id: i64,
    pub matricule: String,
    pub member_name: String,
    pub change: UpdateChange,
    pub kind_label: String,
    pub summary: String,
    pub channel: Channel,
    pub status: ReviewStatus,
    pub status_label: String,
    /// Why it was refused.
    pub reason: Option<String>,
    pub files: Vec<UpdateFile>,
    pub created_at: String,
    pub created_by: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
}

impl UpdateRequest {
    /// The day it was received, in French (`02/12/2026`), as the member reads it.
    pub fn received_on(&self) -> String {
        self.created_at
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(fr)
            .unwrap_or_default()
    }
}
