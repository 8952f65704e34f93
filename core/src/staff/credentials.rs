//! Passwords and logging in: setting and resetting a password (a reset ends
//! the account's server sessions and makes its holder choose a new one),
//! checking one, and the login with its lock-out, which answers unknown,
//! disabled and wrong alike.

use super::repo::*;
use super::{StaffMember, LOCK_MINUTES, MAX_FAILED_ATTEMPTS};
use crate::audit::{Actor, Change};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::password;
use crate::storage::{time, Db};
use chrono::{DateTime, Duration, Utc};
use sqlx::{Any, Row, Transaction};

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

/// Writes a password's hash and ends the account's sessions on the server's
/// desks. A reset (`staff.password_reset`) makes its holder choose a new one
/// at his next call; his own change clears that.
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
            // Every session of the account ends: a password changed because
            // it leaked must not leave the thief's session open (the server
            // gives the one who changed it a new session).
            end_server_sessions(tx, id, now).await?;
            Ok(())
        })
    })
    .await
}

/// A wrong password counted on the account, in the row itself (so wrong
/// passwords typed in parallel count one each; a lock that has expired starts
/// a fresh count, one set meanwhile by a parallel try stays), and journaled
/// as `<what>.failed` or, the fifth, `<what>.locked`. Whether it locked.
async fn count_failure(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    account: &StaffMember,
    actor: &Actor,
    what: &str,
) -> ApiResult<bool> {
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
    .bind(account.id)
    .fetch_one(&mut **tx)
    .await?;
    let locked = counted.try_get::<Option<String>, _>("locked_until")?.is_some();
    let after = get_in_tx(tx, account.id).await?;
    let action = format!("{what}.{}", if locked { "locked" } else { "failed" });
    Change::on(&action, "staff", account.id)
        .before(account.audit_json())
        .after(after.audit_json())
        .record(tx, now, actor)
        .await?;
    if locked {
        tracing::warn!(staff = %account.username, "compte verrouillé après {MAX_FAILED_ATTEMPTS} échecs");
    }
    Ok(locked)
}

/// One's own current password, asked again before a change: a wrong one
/// counts toward the lock-out as a login's does. `Ok(false)` when wrong,
/// `Err` (unauthenticated) when it just locked the account.
pub async fn check_own_password(
    db: &Db,
    now: DateTime<Utc>,
    account: &StaffMember,
    candidate: &str,
) -> ApiResult<bool> {
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM staff WHERE id = $1")
        .bind(account.id)
        .fetch_optional(db.pool())
        .await?;
    let Some(hash) = hash else { return Ok(false) };
    if password::verify_off(candidate, &hash).await {
        return Ok(true);
    }
    let actor = Actor::staff(account.id, &account.username);
    let mut tx = db.begin().await?;
    let locked = count_failure(&mut tx, now, account, &actor, "password_change").await?;
    tx.commit().await?;
    if locked {
        return Err(ApiError::unauthenticated(format!(
            "Compte verrouillé après {MAX_FAILED_ATTEMPTS} mots de passe erronés : vos sessions sont fermées ; un \
            administrateur le déverrouille."
        )));
    }
    Ok(false)
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
    hex::encode(&Sha256::digest(username.as_bytes())[..8])
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
        let _ = password::verify_off(candidate, unknown_user_hash()).await;
        // What was typed as a username is often a password: journaled as a
        // digest, which still links repeated tries of the same text.
        let mut tx = db.begin().await?;
        Change {
            action: "login.failed",
            entity_type: "staff",
            entity_id: None,
            before: None,
            after: Some(
                serde_json::json!({ "username_sha256": typed_digest(&username), "reason": "unknown_username" }),
            ),
        }
        .record(&mut tx, now, &Actor::anonymous())
        .await?;
        tx.commit().await?;
        return Err(ApiError::unauthenticated(BAD_CREDENTIALS));
    };
    let id: i64 = row.try_get("id")?;
    let hash: String = row.try_get("password_hash")?;
    let account = get(db.pool(), id).await?.ok_or_else(|| ApiError::unauthenticated(BAD_CREDENTIALS))?;
    let actor = Actor::staff(id, &account.username);

    // A locked account answers as any wrong password, after the same hash:
    // neither the words nor the time tell a guesser that he locked it (the
    // administrator sees the lock in the staff list and lifts it).
    let right = password::verify_off(candidate, &hash).await;
    if account.is_locked_at(now) {
        let mut tx = db.begin().await?;
        Change::on("login.refused_locked", "staff", id).record(&mut tx, now, &actor).await?;
        tx.commit().await?;
        return Err(ApiError::unauthenticated(BAD_CREDENTIALS));
    }

    let mut tx = db.begin().await?;
    if !right {
        count_failure(&mut tx, now, &account, &actor, "login").await?;
        tx.commit().await?;
        // The same answer as an unknown username or a disabled account: it
        // tells nobody which usernames exist (the journal knows which).
        return Err(ApiError::unauthenticated(BAD_CREDENTIALS));
    }
    if !account.active {
        Change::on("login.refused_disabled", "staff", id).record(&mut tx, now, &actor).await?;
        tx.commit().await?;
        return Err(ApiError::unauthenticated(BAD_CREDENTIALS));
    }
    sqlx::query("UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Change::on("login", "staff", id).record(&mut tx, now, &actor).await?;
    let fresh = get_in_tx(&mut tx, id).await?;
    tx.commit().await?;
    Ok(fresh)
}
