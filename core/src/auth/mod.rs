//! Who may do what. Each command-layer operation declares one [`Permission`];
//! the check happens in [`crate::api`] before the operation runs, never in the
//! window alone.

mod permissions;

pub use permissions::{allows, permissions_of, sections_of, Permission, Role, Section};

/// Four eyes: whoever recorded a change (a member's or a provider's bank
/// account…) does not decide it; another agent does.
pub fn four_eyes(recorded_by: &str, actor: &crate::audit::Actor) -> crate::error::ApiResult<()> {
    if recorded_by == actor.name {
        return Err(crate::error::ApiError::forbidden(
            "Vous avez enregistré cette demande : un autre agent doit la valider ou la refuser (contrôle à quatre \
            yeux).",
        ));
    }
    Ok(())
}
