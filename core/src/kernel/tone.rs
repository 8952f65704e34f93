//! How a status reads at a glance: the colour of its badge in the members'
//! portal (and any screen that shows a status as a badge). Each lifecycle
//! says its own tone beside its label, so a new status cannot be shown
//! without one, and no page guesses a colour from a word.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Settled in the member's favour: paid, granted, validated.
    Done,
    /// With the mutual: received, being processed, waiting for a decision.
    Waiting,
    /// The member has something to do: pieces to send.
    ToDo,
    /// Refused or rejected: the reason says why.
    Refused,
}
