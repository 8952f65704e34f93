//! The dossier's life in one place: its statuses, every transition between
//! them (the staff's moves, the liquidation, the payment and its return, the
//! late original's rejection, the complement that never came), who may make
//! each and what each requires, planned by one pure function ([`plan`]) and
//! written by one ([`super::lifecycle::write`]). No other code names a status
//! in SQL or writes one (`lifecycle_tests` greps for it).

use super::model::Dossier;
use crate::auth::{self, Permission, Role};
use crate::error::{ApiError, ApiResult};
use crate::kernel::tone::Tone;
use chrono::NaiveDate;
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
    /// Its badge's colour in the member's portal.
    pub fn tone(self) -> Tone {
        match self {
            Status::Recu | Status::EnCours | Status::Complet | Status::Liquide => Tone::Waiting,
            Status::Incomplet => Tone::ToDo,
            Status::Rejete => Tone::Refused,
            Status::Paye => Tone::Done,
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
    /// Still being processed at the desk: its checklist may be ticked, its
    /// validity runs, it counts as late when overdue.
    pub fn is_open(self) -> bool {
        OPEN.contains(&self)
    }
    /// Its care lines may be typed or corrected (not yet liquidated).
    pub fn care_lines_open(self) -> bool {
        matches!(self, Status::EnCours | Status::Complet)
    }
}

/// The statuses of a dossier still being processed.
pub const OPEN: [Status; 3] = [Status::Recu, Status::EnCours, Status::Incomplet];

/// [`OPEN`] as SQL, written as the partial index `dossiers_open` is (SQLite
/// uses a partial index only when the query repeats its condition's text).
pub const OPEN_SQL: &str = "('recu', 'en_cours', 'incomplet')";

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
    pub const ALL: [Move; 6] =
        [Move::Take, Move::MarkComplete, Move::MarkIncomplete, Move::Reject, Move::ComplementReceived, Move::Reopen];

    /// The move's button, as the desk shows it.
    pub fn title(self) -> &'static str {
        match self {
            Move::Take => "Prendre le dossier",
            Move::MarkComplete => "Déclarer complet",
            Move::MarkIncomplete => "Déclarer incomplet",
            Move::Reject => "Rejeter",
            Move::ComplementReceived => "Complément reçu",
            Move::Reopen => "Rouvrir",
        }
    }
    /// The move in a sentence (« Impossible de … »).
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

/// Every way a dossier's status changes, whoever or whatever asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A staff member's move, checked against his roles.
    Staff(Move),
    /// complet → liquidé: the liquidation computed what each payer owes.
    Liquidate,
    /// liquidé → réglé: a payment batch paid it.
    Pay,
    /// réglé → liquidé: the bank returned the transfer; paid again later.
    PaymentReturned,
    /// The late original's effect « rejet »: any status short of paid or
    /// rejected → rejeté (a liquidated one gives back what it deducted).
    LateReject,
    /// incomplet → rejeté: the complement never came.
    ComplementExpired,
}

impl Transition {
    /// The status it reaches from `from`, or why not. Staff moves also check
    /// the roles; the others are made by operations that checked theirs.
    pub fn target(self, from: Status, roles: &[Role]) -> ApiResult<Status> {
        let refused = |message: String| Err(ApiError::conflict(message));
        match self {
            Transition::Staff(m) => next(from, m, roles),
            Transition::Liquidate if from == Status::Complet => Ok(Status::Liquide),
            Transition::Liquidate => {
                refused(format!("Seul un dossier complet se liquide ; celui-ci est « {} ».", from.label()))
            }
            Transition::Pay if from == Status::Liquide => Ok(Status::Paye),
            Transition::Pay => {
                refused(format!("seuls les dossiers liquidés se règlent ; celui-ci est « {} ».", from.label()))
            }
            Transition::PaymentReturned if from == Status::Paye => Ok(Status::Liquide),
            Transition::PaymentReturned => {
                refused(format!("Le dossier est « {} » : seul un dossier réglé revient de la banque.", from.label()))
            }
            Transition::LateReject if !matches!(from, Status::Paye | Status::Rejete) => Ok(Status::Rejete),
            Transition::LateReject => {
                refused(format!("Un dossier « {} » ne se rejette plus pour retard.", from.label()))
            }
            Transition::ComplementExpired if from == Status::Incomplet => Ok(Status::Rejete),
            Transition::ComplementExpired => {
                refused(format!("Le dossier est « {} » : il n'attend aucun complément.", from.label()))
            }
        }
    }

    /// The journal's action for it. The late rejection has none of its own:
    /// it is part of the event that found the original late (its reception,
    /// the dossier's recording or the overdue run), journaled with it.
    pub fn action(self) -> Option<&'static str> {
        match self {
            Transition::Staff(_) => Some("dossier.move"),
            Transition::Liquidate => Some("dossier.liquidate"),
            Transition::Pay => Some("dossier.pay"),
            Transition::PaymentReturned => Some("dossier.payment_returned"),
            Transition::LateReject => None,
            Transition::ComplementExpired => Some("dossier.complement_overdue"),
        }
    }
}

/// What a transition is given: what the caller typed, what was read for it
/// (a catalogue reason's label, the missing documents, the complement's last
/// day) and what the domain writes with the status (the liquidation's totals,
/// the payment's references).
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The staff member taking the dossier.
    pub staff_id: Option<i64>,
    /// A reason from the catalogue, with its label.
    pub reason: Option<(String, String)>,
    /// Free text: the member's reason, or why a dossier is reopened.
    pub reason_text: Option<String>,
    /// Complement received: what came. Complete with documents missing: why.
    pub note: Option<String>,
    /// Wording of the required documents still missing (mark complete).
    pub missing: Vec<String>,
    /// The complement's last day (mark incomplete), from the deadline rule.
    pub complement_due: Option<NaiveDate>,
    /// Columns the domain writes with the status, named in its code.
    pub payload: Vec<(&'static str, Value)>,
    /// What the journal row adds to the dossier's after-image.
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// A value written on the dossier.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Date(Option<NaiveDate>),
    /// The time of the writing.
    Now,
}

impl Value {
    /// An amount written on the dossier.
    pub fn money(c: crate::money::Centimes) -> Value {
        Value::Int(Some(c.0))
    }
}

/// A dossier as a transition reads it: which one, where in its life, which
/// version (another change in between gives `stale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    pub id: i64,
    pub status: Status,
    pub version: i64,
}

impl From<&Dossier> for Current {
    fn from(d: &Dossier) -> Current {
        Current { id: d.id, status: d.status, version: d.version }
    }
}

/// What a transition writes, planned before anything is written.
#[derive(Debug, Clone)]
pub struct Update {
    pub id: i64,
    pub transition: Transition,
    pub from: Status,
    pub to: Status,
    /// The version read: another change in between gives `stale`.
    pub version: i64,
    /// Every column written besides the status, the version and `updated_at`.
    pub set: Vec<(&'static str, Value)>,
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Update {
    /// The value planned for `column`, if it is written.
    pub fn value(&self, column: &str) -> Option<&Value> {
        self.set.iter().find(|(c, _)| *c == column).map(|(_, v)| v)
    }
}

/// Plans transition `t` of dossier `d` (as read) for a caller with `roles`:
/// checks the status, the roles and what the transition requires, and says
/// every column it writes. Pure: nothing is read or written here.
pub fn plan(d: Current, t: Transition, roles: &[Role], input: Input) -> ApiResult<Update> {
    let to = t.target(d.status, roles)?;
    let mut set: Vec<(&'static str, Value)> = vec![];
    let mut details = input.details;
    let text = |v: &Option<String>| Value::Text(v.clone());
    match t {
        Transition::Staff(m) => {
            // The reason the member reads: `None` keeps it as it is.
            let reason: Option<(Option<String>, Option<String>)> = match m {
                Move::Take => {
                    let who = input.staff_id.ok_or_else(|| {
                        ApiError::validation("move", "Seul un gestionnaire connecté peut prendre un dossier.")
                    })?;
                    set.push(("assigned_to", Value::Int(Some(who))));
                    None
                }
                Move::MarkIncomplete | Move::Reject => {
                    let reason = match (input.reason.clone(), input.reason_text.clone()) {
                        (Some((_, l)), Some(t)) if t.starts_with(&l) => t,
                        (Some((_, l)), Some(t)) => format!("{l} : {t}"),
                        (Some((_, l)), None) => l,
                        (None, Some(t)) => t,
                        (None, None) => {
                            return Err(ApiError::validation(
                                "reason_code",
                                "Indiquez le motif que l'adhérent lira (catalogue ou texte libre).",
                            ));
                        }
                    };
                    Some((input.reason.map(|(code, _)| code), Some(reason)))
                }
                Move::MarkComplete => {
                    if !input.missing.is_empty() {
                        let Some(why) = input.note.clone() else {
                            return Err(ApiError::validation(
                                "note",
                                format!(
                                    "Pièces manquantes : {}. Cochez-les si elles sont là, ou indiquez pourquoi le \
                                    dossier est complet malgré tout.",
                                    input.missing.join(", ")
                                ),
                            ));
                        };
                        set.push(("checklist_override", Value::Text(Some(why))));
                    }
                    Some((None, None))
                }
                Move::ComplementReceived => {
                    if input.note.is_none() {
                        return Err(ApiError::validation("note", "Indiquez ce qui est arrivé en complément."));
                    }
                    Some((None, None))
                }
                Move::Reopen => {
                    let Some(why) = &input.reason_text else {
                        return Err(ApiError::validation(
                            "reason_text",
                            "Indiquez pourquoi le dossier rejeté est rouvert.",
                        ));
                    };
                    details.insert("reopen_reason".into(), why.clone().into());
                    Some((None, None))
                }
            };
            if let Some((code, text)) = reason {
                set.push(("reason_code", Value::Text(code)));
                set.push(("reason_text", Value::Text(text)));
            }
            details.insert("move".into(), serde_json::to_value(m).unwrap_or_default());
            if let Some(n) = &input.note {
                details.insert("note".into(), n.clone().into());
            }
        }
        Transition::LateReject | Transition::ComplementExpired => {
            let Some((code, label)) = input.reason.clone() else {
                return Err(ApiError::internal("un rejet automatique sans motif"));
            };
            set.push(("reason_code", Value::Text(Some(code))));
            set.push(("reason_text", text(&input.reason_text).or(label)));
            if d.status == Status::Liquide {
                // Nothing is paid on it: what it deducted is given back.
                set.push(("clawback_deducted", Value::Int(Some(0))));
            }
        }
        Transition::Liquidate => {}
        Transition::Pay => set.push(("payment_return_reason", Value::Text(None))),
        Transition::PaymentReturned => {
            let Some(why) = input.reason_text.clone().filter(|r| !r.trim().is_empty()) else {
                return Err(ApiError::validation(
                    "reason",
                    "Motif du retour obligatoire (celui de l'avis de la banque : compte clôturé, RIB erroné…).",
                ));
            };
            for column in ["paid_amount", "payment_batch_id"] {
                set.push((column, Value::Int(None)));
            }
            for column in ["payment_reference", "paid_on", "statement_number"] {
                set.push((column, Value::Text(None)));
            }
            set.push(("payment_return_reason", Value::Text(Some(why))));
        }
    }
    if matches!(to, Status::Complet | Status::Rejete) {
        set.push(("processed_at", Value::Now));
    }
    // An incomplete dossier waits for its complement until the day the rule
    // gave; any other status has nothing to wait for.
    set.push(("complement_due", Value::Date(if to == Status::Incomplet { input.complement_due } else { None })));
    for (column, value) in input.payload {
        set.retain(|(c, _)| *c != column);
        set.push((column, value));
    }
    Ok(Update { id: d.id, transition: t, from: d.status, to, version: d.version, set, details })
}

impl Value {
    /// This value, or `label` when it is an empty text.
    fn or(self, label: String) -> Value {
        match self {
            Value::Text(None) => Value::Text(Some(label)),
            v => v,
        }
    }
}

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
