//! Where a request checked by a second person stands (four eyes): a member's
//! change of his file, a provider's new account, an account's medical role or
//! reset password. Waiting until someone other than its author validates or
//! refuses it; then final. One enum for the three, so their SQL binds a code
//! and never spells one. And the reason any refusal gives its reader.

use super::text;
use super::tone::Tone;
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    EnAttente,
    Valide,
    Refuse,
}

impl ReviewStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReviewStatus::EnAttente => "en_attente",
            ReviewStatus::Valide => "valide",
            ReviewStatus::Refuse => "refuse",
        }
    }
    pub fn parse(s: &str) -> Option<ReviewStatus> {
        [ReviewStatus::EnAttente, ReviewStatus::Valide, ReviewStatus::Refuse].into_iter().find(|c| c.code() == s)
    }
    /// In the words of a request (« une demande »).
    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::EnAttente => "En attente de validation",
            ReviewStatus::Valide => "Validée",
            ReviewStatus::Refuse => "Refusée",
        }
    }
    /// Its badge's colour in the member's portal.
    pub fn tone(self) -> Tone {
        match self {
            ReviewStatus::EnAttente => Tone::Waiting,
            ReviewStatus::Valide => Tone::Done,
            ReviewStatus::Refuse => Tone::Refused,
        }
    }
}

/// The reason a refusal gives, required and cleaned: `reader` (« l'adhérent »,
/// « le demandeur ») reads it.
pub fn refusal_reason(raw: &str, reader: &str) -> ApiResult<String> {
    let reason = text::clean("reason", "Le motif du refus", raw, 500)?;
    if reason.is_empty() {
        return Err(ApiError::validation("reason", format!("Indiquez le motif du refus : {reader} le lira.")));
    }
    Ok(reason)
}
