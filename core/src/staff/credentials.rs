//! Passwords and logging in: setting and resetting a password (a reset ends
//! the account's server sessions and makes its holder choose a new one),
//! checking one, and the login with its lock-out, which answers unknown,
//! disabled and wrong alike.

use super::repo::*;
use super::{StaffMember, LOCK_MINUTES, MAX_FAILED_ATTEMPTS};
use crate::audit::{self, Actor, Change};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::password;
use crate::storage::{time, Db};
use chrono::{DateTime, Duration, Utc};
use sqlx::{Any, AnyPool, Row, Transaction};

/// Ends every session the Guichet server holds for `staff_id` (a disabled
/// account, a password reset): every desk of the site asks for a login at
/// its next call, whichever way the change was made (a desk, the server, the
/// CLI on the database).
pub(super) async fn end_server_sessions(
    tx: &mut Transaction<'static, Any>,
    staff_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    sqlx::query("UPDATE server_sessions SET ended_at = $1 WHERE staff_id = $2 AND ended_at IS NULL")
        .bind(time::ts(now))
        .bind(staff_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets a new password (an administrator's reset, or one's own change); also
/// unlocks. A reset ends the account's sessions on the server's desks.
pub async fn set_password(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    field: &str,
    new_password: &str,
    action: &str,
) -> ApiResult<StaffMember> {
    password::check_policy(field, new_password)?;
    write_hash(db, actor, now, id, password::hash(new_password)?, action).await
}

async fn write_hash(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    hash: String,
    action: &str,
) -> ApiResult<StaffMember> {
    let mut tx = db.begin().await?;
    let after = apply_password(&mut tx, db, actor, now, id, hash, action).await?;
    tx.commit().await?;
    Ok(after)
}

/// An administrator's reset: at once, or (a medical advisor's account, by a
/// staff member) once a second administrator validates it. Either way the
/// password chosen is only a passage: its holder sets his own at his next
/// login.
pub async fn reset_password(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    new_password: &str,
) -> ApiResult<StaffMember> {
    let target = get(db.pool(), id).await?.ok_or_else(|| ApiError::not_found(format!("Aucun compte n° {id}.")))?;
    password::check_policy("new_password", new_password)?;
    let hash = password::hash(new_password)?;
    if actor.staff_id.is_some() && target.roles.contains(&Role::Medical) {
        return super::requests::record_reset(db, actor, now, &target, hash).await;
    }
    write_hash(db, actor, now, id, hash, "staff.password_reset").await
}

/// Writes a password's hash. A reset (`staff.password_reset`) ends the
/// account's sessions on the server's desks and makes its holder choose a
/// new one at his next call; his own change clears that.
pub(super) async fn apply_password(
    tx: &mut Transaction<'static, Any>,
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
    hash: String,
    action: &str,
) -> ApiResult<StaffMember> {
    let reset = action == "staff.password_reset";
    change_account(tx, db, actor, now, id, None, action, false, move |tx, _| {
        Box::pin(async move {
            sqlx::query(
                "UPDATE staff SET password_hash = $1, failed_attempts = 0, locked_until = NULL, \
                must_change_password = $2 WHERE id = $3",
            )
            .bind(&hash)
            .bind(reset as i64)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            if reset {
                end_server_sessions(tx, id, now).await?;
            }
            Ok(())
        })
    })
    .await
}

/// One staff member's own password check (for a password change).
pub async fn verify_password(pool: &AnyPool, id: i64, candidate: &str) -> ApiResult<bool> {
    let hash: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM staff WHERE id = $1").bind(id).fetch_optional(pool).await?;
    Ok(hash.is_some_and(|h| password::verify(candidate, &h)))
}

const BAD_CREDENTIALS: &str = "Identifiant ou mot de passe incorrect.";

/// A hash no password matches, verified for an unknown username so that it
/// costs what a real account's check costs (made once per process).
fn unknown_user_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash("aucun compte ne porte ce mot de passe").unwrap_or_default())
}

/// The SHA-256 of a typed username, for the journal (16 hex digits).
fn typed_digest(username: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(username.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Checks a username and password, applying the lock-out rule. Failed attempts
/// are committed even though the login fails.
pub async fn authenticate(db: &Db, now: DateTime<Utc>, username: &str, candidate: &str) -> ApiResult<StaffMember> {
    let username = username.trim().to_lowercase();
    if username.is_empty() {
        return Err(ApiError::validation("username", "Saisissez votre identifiant."));
    }
    if candidate.is_empty() {
        return Err(ApiError::validation("password", "Saisissez votre mot de passe."));
    }
    let row = sqlx::query("SELECT id, password_hash FROM staff WHERE username = $1")
        .bind(&username)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        // As long as a wrong password for a real account: the answer's time
        // does not tell which usernames exist.
        let _ = password::verify(candidate, unknown_user_hash());
        // What was typed as a username is often a password: journaled as a
        // digest, which still links repeated tries of the same text.
        let mut tx = db.begin().await?;
        audit::record(
            &mut tx,
            now,
            &Actor::anonymous(),
            Change {
                action: "login.failed",
                entity_type: "staff",
                entity_id: None,
                before: None,
                after: Some(
                    serde_json::json!({ "username_sha256": typed_digest(&username), "reason": "unknown_username" }),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        return Err(ApiError::unauthenticated(BAD_CREDENTIALS));
    };
    let id: i64 = row.try_get("id")?;
    let hash: String = row.try_get("password_hash")?;
    let account = get(db.pool(), id).await?.ok_or_else(|| ApiError::unauthenticated(BAD_CREDENTIALS))?;
    let actor = Actor::staff(id, &account.username);

    if account.is_locked_at(now) {
        let until = account.locked_until.as_deref().map(time::parse_ts).transpose()?.unwrap_or(now);
        let mut tx = db.begin().await?;
        audit::record(
            &mut tx,
            now,
            &actor,
            Change {
                action: "login.refused_locked",
                entity_type: "staff",
                entity_id: Some(id.to_string()),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        let minutes = ((until - now).num_seconds() + 59) / 60;
        return Err(ApiError::unauthenticated(format!(
            "Compte verrouillé après {MAX_FAILED_ATTEMPTS} mots de passe erronés : réessayez dans {minutes} min ou \
                demandez à un administrateur de le déverrouiller."
        )));
    }

    let mut tx = db.begin().await?;
    if !password::verify(candidate, &hash) {
        // Counted in the row itself, so wrong passwords typed in parallel
        // count one each; a lock that has expired starts a fresh count, one
        // set meanwhile by a parallel try stays.
        let counted = sqlx::query(
            "UPDATE staff SET
               failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= $1 THEN 1 ELSE \
                   failed_attempts + 1 END,
               locked_until = CASE
                 WHEN locked_until IS NOT NULL AND locked_until > $1 THEN locked_until
                 WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $1 THEN 1 ELSE failed_attempts + 1 \
                     END) >= $2 THEN $3
                 ELSE NULL END
             WHERE id = $4 RETURNING failed_attempts, locked_until",
        )
        .bind(time::ts(now))
        .bind(MAX_FAILED_ATTEMPTS)
        .bind(time::ts(now + Duration::minutes(LOCK_MINUTES)))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let locked_until: Option<String> = counted.try_get("locked_until")?;
        let after = get_in_tx(&mut tx, id).await?;
        let action = if locked_until.is_some() { "login.locked" } else { "login.failed" };
        audit::record(
            &mut tx,
            now,
            &actor,
            Change {
                action,
                entity_type: "staff",
                entity_id: Some(id.to_string()),
                before: Some(account.audit_json()),
                after: Some(after.audit_json()),
            },
        )
        .await?;
        tx.commit().await?;
        if locked_until.is_some() {
            tracing::warn!(staff = %account.username, "compte verrouillé après {MAX_FAILED_ATTEMPTS} échecs");
            return Err(ApiError::unauthenticated(format!(
                "Mot de passe incorrect. Le compte est verrouillé pour {LOCK_MINUTES} minutes après \
                    {MAX_FAILED_ATTEMPTS} essais erronés."
            )));
        }
        // The same answer as an unknown username or a disabled account: it
        // tells nobody which usernames exist (the journal knows which).
        return Err(ApiError::unauthenticated(BAD_CREDENTIALS));
    }
    if !account.active {
        audit::record(
            &mut tx,
            now,
            &actor,
            Change {
                action: "login.refused_disabled",
                entity_type: "staff",
                entity_id: Some(id.to_string()),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        return Err(ApiError::unauthenticated(BAD_CREDENTIALS));
    }
    sqlx::query("UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        &actor,
        Change { action: "login", entity_type: "staff", entity_id: Some(id.to_string()), before: None, after: None },
    )
    .await?;
    let fresh = get_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(fresh)
}
