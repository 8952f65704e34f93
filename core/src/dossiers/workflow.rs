//! The dossier workflow: which move is allowed from which status, for whom.
//! Every other move is refused with `conflict` and a French message.

use crate::auth::{self, Permission, Role};
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Reçu: recorded at reception, waiting for a processor.
    Recu,
    /// En cours: a processor has taken it.
    EnCours,
    /// Incomplet: waiting for a complement; carries a reason.
    Incomplet,
    /// Complet: ready for liquidation.
    Complet,
    /// Rejeté: carries a reason.
    Rejete,
    /// Liquidé (statements issue).
    Liquide,
    /// Réglé (statements issue).
    Paye,
}

impl Status {
    /// Every status, in the workflow's order.
    pub const ALL: [Status; 7] = [
        Status::Recu,
        Status::EnCours,
        Status::Incomplet,
        Status::Complet,
        Status::Rejete,
        Status::Liquide,
        Status::Paye,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Recu => "recu",
            Status::EnCours => "en_cours",
            Status::Incomplet => "incomplet",
            Status::Complet => "complet",
            Status::Rejete => "rejete",
            Status::Liquide => "liquide",
            Status::Paye => "paye",
        }
    }
    /// In the words the member reads in the portal.
    pub fn label(self) -> &'static str {
        match self {
            Status::Recu => "Reçu",
            Status::EnCours => "En cours de traitement",
            Status::Incomplet => "Incomplet",
            Status::Complet => "Complet",
            Status::Rejete => "Rejeté",
            Status::Liquide => "Liquidé",
            Status::Paye => "Réglé",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A move a staff member asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// received → in review, assigned to the processor who takes it.
    Take,
    MarkComplete,
    MarkIncomplete,
    Reject,
    /// incomplete → in review when the complement arrives.
    ComplementReceived,
    /// rejected → in review, administrators only, with a reason.
    Reopen,
}

impl Move {
    pub fn label(self) -> &'static str {
        match self {
            Move::Take => "prendre en charge",
            Move::MarkComplete => "déclarer complet",
            Move::MarkIncomplete => "déclarer incomplet",
            Move::Reject => "rejeter",
            Move::ComplementReceived => "enregistrer le complément",
            Move::Reopen => "rouvrir",
        }
    }
}

/// The status after `m` from `from`, if `roles` may make that move; otherwise
/// `conflict` (wrong status) or `forbidden` (wrong role).
pub fn next(from: Status, m: Move, roles: &[Role]) -> ApiResult<Status> {
    let (to, needs) = match (from, m) {
        (Status::Recu, Move::Take) => (Status::EnCours, Permission::DossiersProcess),
        (Status::EnCours, Move::MarkComplete) => (Status::Complet, Permission::DossiersProcess),
        (Status::EnCours, Move::MarkIncomplete) => (Status::Incomplet, Permission::DossiersProcess),
        (Status::EnCours, Move::Reject) => (Status::Rejete, Permission::DossiersProcess),
        (Status::Incomplet, Move::ComplementReceived) => (Status::EnCours, Permission::ComplementsReceive),
        (Status::Rejete, Move::Reopen) => (Status::EnCours, Permission::DossiersReopen),
        _ => {
            return Err(ApiError::conflict(format!(
                "Impossible de {} un dossier au statut « {} ».",
                m.label(),
                from.label()
            )))
        }
    };
    if !auth::allows(roles, needs) {
        return Err(ApiError::forbidden(format!("Votre rôle ne permet pas de {} ce dossier.", m.label())));
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    const MOVES: [Move; 6] =
        [Move::Take, Move::MarkComplete, Move::MarkIncomplete, Move::Reject, Move::ComplementReceived, Move::Reopen];

    #[test]
    fn the_allowed_moves_and_only_those() {
        let everyone = [Role::Reception, Role::Claims, Role::Medical, Role::Admin];
        let mut allowed = vec![];
        for from in Status::ALL {
            for m in MOVES {
                match next(from, m, &everyone) {
                    Ok(to) => allowed.push((from, m, to)),
                    Err(e) => {
                        assert_eq!(e.code, ErrorCode::Conflict);
                        assert!(e.message.starts_with("Impossible de "), "{}", e.message);
                    }
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (Status::Recu, Move::Take, Status::EnCours),
                (Status::EnCours, Move::MarkComplete, Status::Complet),
                (Status::EnCours, Move::MarkIncomplete, Status::Incomplet),
                (Status::EnCours, Move::Reject, Status::Rejete),
                (Status::Incomplet, Move::ComplementReceived, Status::EnCours),
                (Status::Rejete, Move::Reopen, Status::EnCours),
            ]
        );
    }

    #[test]
    fn who_may_move() {
        assert_eq!(next(Status::Recu, Move::Take, &[Role::Reception]).unwrap_err().code, ErrorCode::Forbidden);
        assert!(next(Status::Incomplet, Move::ComplementReceived, &[Role::Reception]).is_ok());
        assert_eq!(next(Status::Rejete, Move::Reopen, &[Role::Claims]).unwrap_err().code, ErrorCode::Forbidden);
        assert!(next(Status::Rejete, Move::Reopen, &[Role::Admin]).is_ok());
        assert_eq!(
            next(Status::Complet, Move::Reject, &[Role::Claims]).unwrap_err().message,
            "Impossible de rejeter un dossier au statut « Complet »."
        );
    }
}
