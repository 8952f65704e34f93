//! The one writer of an approval or coverage request's status, as the
//! dossier's lifecycle is for dossiers: an undecided request (waiting or
//! incomplete) moves to waiting again (its complement came), incomplete,
//! granted or refused; a decided one never moves. Written only if the request
//! is still at the version and status it was read at, else `stale`; the
//! caller journals the move after this returned.

use super::model::{Request, RequestStatus};
use crate::error::{ApiError, ApiResult};
use crate::storage::batch::Value;
use crate::storage::versioned;
use sqlx::{Any, Transaction};

/// Moves `before` to `to`, writing `sets` with its status.
pub(crate) async fn write(
    tx: &mut Transaction<'static, Any>,
    before: &Request,
    to: RequestStatus,
    sets: Vec<(&str, Value)>,
) -> ApiResult<()> {
    if before.status.decided() {
        return Err(ApiError::conflict(format!(
            "La demande {} est déjà décidée ({}) : elle ne change plus.",
            before.number,
            before.status.label().to_lowercase()
        )));
    }
    let mut sets = sets;
    sets.insert(0, ("status", to.code().into()));
    let guard = Some(("status", before.status.code().into()));
    versioned::update_guarded(tx, "approval_requests", ("id", before.id.into()), before.version, guard, &sets).await
}

#[cfg(test)]
mod tests {
    use super::RequestStatus;
    use crate::kernel::review::ReviewStatus;

    /// A request's status is spelled by its enum only (SQL binds its code),
    /// and an approval request's status is written here only.
    #[test]
    fn request_statuses_are_spelled_in_their_enums_and_written_by_their_writers() {
        let codes: Vec<&str> = [RequestStatus::EnAttente, RequestStatus::Accorde, RequestStatus::Refuse]
            .iter()
            .map(|s| s.code())
            .chain([ReviewStatus::Valide.code()])
            .collect();
        let mut found = vec![];
        for (name, text) in crate::source_walk::core_sources() {
            if ["approvals/model.rs", "kernel/review.rs", "approvals/lifecycle.rs"].contains(&name.as_str()) {
                continue;
            }
            for code in &codes {
                if text.contains(&format!("'{code}'")) {
                    found.push(format!("{name}: '{code}'"));
                }
            }
            if text.contains("UPDATE approval_requests SET status") || text.contains("\"approval_requests\"") {
                found.push(format!("{name}: writes an approval request's status"));
            }
        }
        assert_eq!(found, Vec::<String>::new());
    }
}
