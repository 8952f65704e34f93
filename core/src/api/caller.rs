//! Who calls, and what he may do on this call: a staff member's desk (its
//! roles re-read, its idle lock), the CLI's system account, or a member on
//! the portal (his session checked, his form token on a change, his own
//! space only). Every refusal is journaled.

use super::{Api, Ctx};
use crate::audit::{Actor, Change};
use crate::auth::{self, Permission, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::staff;
use chrono::{DateTime, Utc};

/// Who is calling, as held by one window or one CLI run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Caller {
    /// Nobody logged in yet.
    #[default]
    Anonymous,
    /// A logged-in staff member (roles are re-read on every call), and when he
    /// last called: a desk idle longer than the setting locks.
    Staff { staff_id: i64, last_active: DateTime<Utc> },
    /// A staff member's desk locked after inactivity: his password unlocks it
    /// (`session_unlock`); anything else answers `unauthenticated`.
    Locked { staff_id: i64 },
    /// The CLI run by a system administrator without `--user` (bootstrap, batch
    /// jobs): the administrator's and the claims processor's permissions (never
    /// the medical advisor's), audited under the OS account.
    System { os_user: String },
    /// A member on the portal, as his request came: his session's token (the
    /// cookie) and the form token it carried. Who he is, and whether the form
    /// token is his session's, the core decides on each call; he reaches his
    /// own family's data only ([`Permission::OwnSpace`]).
    Member { token: String, form_token: Option<String> },
}

impl Caller {
    /// Who calls, for the log: an id, never a name typed by someone.
    pub fn log_id(&self) -> String {
        match self {
            Caller::Anonymous => "anonyme".into(),
            Caller::Staff { staff_id, .. } => format!("staff:{staff_id}"),
            Caller::Locked { staff_id } => format!("staff:{staff_id}:verrouillé"),
            Caller::System { os_user } => format!("système:{os_user}"),
            Caller::Member { .. } => "adhérent".into(),
        }
    }
}

/// What a locked desk may still call.
const UNLOCKED_OPS: [&str; 4] = ["session_unlock", "session_logout", "session_lock", "setup_status"];

/// What an account whose password was reset may still call: choose his own
/// password, or leave.
const PASSWORD_CHANGE_OPS: [&str; 6] =
    ["password_change", "session_current", "session_logout", "session_lock", "setup_status", "lock_settings_get"];

/// Minutes of inactivity after which a desk locks (setting `idle_lock_minutes`, 15 by default; 0: never).
pub async fn idle_lock_minutes(pool: &sqlx::AnyPool) -> ApiResult<i64> {
    Ok(idle_lock_from(crate::settings::get(pool, "idle_lock_minutes").await?))
}

/// The setting's stored text as minutes (15 when unset).
fn idle_lock_from(v: Option<String>) -> i64 {
    v.and_then(|v| v.trim().parse().ok()).unwrap_or(15)
}

/// What a locked desk shows, whether the core or the window's timer locked it.
pub(crate) fn locked_message(minutes: i64) -> String {
    format!("Poste verrouillé après {minutes} minutes d'inactivité : saisissez à nouveau votre mot de passe.")
}

fn locked_error(minutes: i64) -> ApiError {
    ApiError { field: Some("session_locked".into()), ..ApiError::unauthenticated(locked_message(minutes)) }
}

impl Api {
    /// Resolves the caller and checks `needed`; a refusal is audited.
    pub(super) async fn context<'a>(
        &'a self,
        caller: &'a mut Caller,
        op: &str,
        needed: Permission,
        read_only: bool,
    ) -> ApiResult<Ctx<'a>> {
        let now = self.now();
        if let Caller::Member { token, form_token } = caller.clone() {
            return self.member_context(caller, op, needed, read_only, &token, form_token, now).await;
        }
        let (staff, actor, roles) = match caller.clone() {
            // A member's call was answered above.
            Caller::Anonymous | Caller::Member { .. } => (None, Actor::anonymous(), vec![]),
            // Batch jobs: the administrator's permissions and the claims processor's (statement runs, payments).
            Caller::System { os_user } => (None, Actor::system(&os_user), vec![Role::Admin, Role::Claims]),
            Caller::Locked { staff_id } => {
                if !UNLOCKED_OPS.contains(&op) {
                    return Err(locked_error(idle_lock_minutes(self.db.pool()).await?));
                }
                // Unlocking or leaving: no role until the password is given again.
                match staff::get(self.db.pool(), staff_id).await? {
                    Some(s) => (None, Actor::staff(s.id, &s.username), vec![]),
                    None => (None, Actor::anonymous(), vec![]),
                }
            }
            Caller::Staff { staff_id, last_active } => match staff::get_with_idle_lock(self.db.pool(), staff_id).await?
            {
                Some((s, idle)) if s.active => {
                    let idle = idle_lock_from(idle);
                    if idle > 0 && now - last_active > chrono::Duration::minutes(idle) {
                        *caller = Caller::Locked { staff_id };
                        let mut tx = self.db.begin().await?;
                        Change::on("session.locked", "staff", s.id)
                            .after(serde_json::json!({ "idle_minutes": (now - last_active).num_minutes() }))
                            .record(&mut tx, now, &Actor::staff(s.id, &s.username))
                            .await?;
                        tx.commit().await?;
                        return Err(locked_error(idle));
                    }
                    *caller = Caller::Staff { staff_id, last_active: now };
                    if s.must_change_password && !PASSWORD_CHANGE_OPS.contains(&op) {
                        // An administrator reset the password: whoever holds
                        // a session of this account does nothing more until
                        // the new password is chosen (issue 17, item 8).
                        return Err(ApiError {
                            field: Some("password_change_required".into()),
                            ..ApiError::unauthenticated(
                                "Votre mot de passe a été réinitialisé par un administrateur : choisissez-en un \
                                    nouveau pour continuer.",
                            )
                        });
                    }
                    let actor = Actor::staff(s.id, &s.username);
                    let roles = s.roles.clone();
                    (Some(s), actor, roles)
                }
                _ => {
                    *caller = Caller::Anonymous;
                    return Err(ApiError::unauthenticated(
                        "Votre session n'est plus valide (compte désactivé ou supprimé) : reconnectez-vous.",
                    ));
                }
            },
        };
        if needed != Permission::Public && matches!(*caller, Caller::Anonymous | Caller::Locked { .. }) {
            return Err(ApiError::unauthenticated("Connectez-vous d'abord."));
        }
        if !auth::allows(&roles, needed) {
            self.journal_refusal(
                now,
                &actor,
                op,
                "operation",
                op.to_string(),
                serde_json::json!({ "needs": needed, "roles": roles }),
            )
            .await?;
            let labels: Vec<&str> = roles.iter().map(|r| r.label()).collect();
            return Err(ApiError::forbidden(format!(
                "Accès refusé : votre rôle ({}) ne permet pas cette opération ({op}).",
                labels.join(", ")
            )));
        }
        Ok(Ctx { api: self, caller, staff, actor, roles, now, progress: None, member: None })
    }

    /// A member's call: his session, live, and the form token of that
    /// session on any change in his space (the doors, public, ask none: a
    /// page opened anew has none yet); the public operations and his own
    /// space's, nothing of the desk's. A refusal is journaled.
    #[allow(clippy::too_many_arguments)]
    async fn member_context<'a>(
        &'a self,
        caller: &'a mut Caller,
        op: &str,
        needed: Permission,
        read_only: bool,
        token: &str,
        form_token: Option<String>,
        now: DateTime<Utc>,
    ) -> ApiResult<Ctx<'a>> {
        let session = match crate::portal::sessions::check(&self.db, token, now).await {
            Ok(s) => s,
            Err(e) if e.code == ErrorCode::Unauthenticated => {
                *caller = Caller::Anonymous;
                if needed == Permission::Public {
                    return Ok(Ctx {
                        api: self,
                        caller,
                        staff: None,
                        actor: Actor::anonymous(),
                        roles: vec![],
                        now,
                        progress: None,
                        member: None,
                    });
                }
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let actor = Actor::member(&session.matricule);
        let refused = if !matches!(needed, Permission::Public | Permission::OwnSpace) {
            Some("Accès refusé : cette opération n'est pas de l'espace adhérent.")
        } else if needed == Permission::OwnSpace && !read_only && form_token.as_deref() != Some(session.csrf.as_str()) {
            Some("Formulaire expiré : rechargez la page puis recommencez.")
        } else {
            None
        };
        if let Some(message) = refused {
            let after = serde_json::json!({ "operation": op, "needs": needed, "message": message });
            self.journal_refusal(now, &actor, op, "member", session.member_id.to_string(), after).await?;
            return Err(ApiError::forbidden(message));
        }
        Ok(Ctx { api: self, caller, staff: None, actor, roles: vec![], now, progress: None, member: Some(session) })
    }
}
