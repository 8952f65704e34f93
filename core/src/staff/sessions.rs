//! The desks' sessions on the Guichet server, held in the database: an
//! opaque random token (256 bits) given at login, stored as its SHA-256 with
//! the staff member, the desk's name, the remote address and the last
//! activity. The command layer's [`Caller`] is
//! rebuilt from the row on every request and written back after it, so the
//! idle lock, a logout, a disabled account or a password reset hold on every
//! desk at once, whichever server process serves it.

use crate::api::Caller;
use crate::error::ApiResult;
use crate::kernel::secret;
use crate::storage::time;
use chrono::{DateTime, Utc};
use sqlx::{AnyPool, Row};

/// A desk's session as stored.
#[derive(Debug, Clone)]
pub struct Session {
    pub hash: String,
    pub staff_id: i64,
    pub locked: bool,
    pub last_activity: DateTime<Utc>,
}

/// How long a session lasts at most, however active: past it the desk logs
/// in again (a stolen token is not good for ever).
pub const MAX_LIFETIME: chrono::Duration = chrono::Duration::hours(12);

/// How far a session's stored activity may lag behind its last call. A desk
/// calls the server several times a second while its user works; writing
/// each call's time back was one committed write (and its WAL flush) per
/// call. So the idle lock, counted from the stored time, may fall up to this
/// much before its minutes are up, never after.
pub const ACTIVITY_STEP: chrono::Duration = chrono::Duration::seconds(30);

/// The live session of a token, if any (opened less than [`MAX_LIFETIME`] ago).
pub async fn find(pool: &AnyPool, token: &str, now: DateTime<Utc>) -> ApiResult<Option<Session>> {
    let r = sqlx::query(
        "SELECT token_hash, staff_id, locked, last_activity FROM server_sessions WHERE token_hash = \
        $1 AND ended_at IS NULL AND created_at > $2",
    )
    .bind(secret::digest(token))
    .bind(time::ts(now - MAX_LIFETIME))
    .fetch_optional(pool)
    .await?;
    r.map(|r| {
        Ok(Session {
            hash: r.try_get("token_hash")?,
            staff_id: r.try_get("staff_id")?,
            locked: r.try_get::<i64, _>("locked")? == 1,
            last_activity: time::parse_ts(&r.try_get::<String, _>("last_activity")?)?,
        })
    })
    .transpose()
}

impl Session {
    pub fn caller(&self) -> Caller {
        if self.locked {
            Caller::Locked { staff_id: self.staff_id }
        } else {
            Caller::Staff { staff_id: self.staff_id, last_active: self.last_activity }
        }
    }
}

/// Opens a session for a staff member who just logged in; its token.
pub async fn open(pool: &AnyPool, staff_id: i64, desk: &str, remote: &str, now: DateTime<Utc>) -> ApiResult<String> {
    let token = secret::token()?;
    sqlx::query(
        "INSERT INTO server_sessions (token_hash, staff_id, desk, remote_addr, created_at, last_activity) \
        VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(secret::digest(&token))
    .bind(staff_id)
    .bind(desk)
    .bind(remote)
    .bind(time::ts(now))
    .execute(pool)
    .await?;
    Ok(token)
}

/// Writes back what the call made of the caller: still active (its last
/// activity), unlocked, locked, or gone (logout, account disabled). A call
/// that ends after the session was locked or ended by another one leaves it
/// so: only an unlock unlocks, and activity never moves back. Activity is
/// written once it has moved by [`ACTIVITY_STEP`].
pub async fn write_back(pool: &AnyPool, s: &Session, after: &Caller, now: DateTime<Utc>) -> ApiResult<()> {
    match after {
        Caller::Staff { last_active, .. } if s.locked => {
            sqlx::query(
                "UPDATE server_sessions SET last_activity = $1, locked = 0 WHERE token_hash = $2 AND ended_at IS NULL",
            )
            .bind(time::ts(*last_active))
            .bind(&s.hash)
            .execute(pool)
            .await?;
        }
        Caller::Staff { last_active, .. } if *last_active - s.last_activity < ACTIVITY_STEP => {}
        Caller::Staff { last_active, .. } => {
            sqlx::query(
                "UPDATE server_sessions SET last_activity = $1 WHERE token_hash = $2 AND ended_at IS NULL AND \
                locked = 0 AND last_activity < $1",
            )
            .bind(time::ts(*last_active))
            .bind(&s.hash)
            .execute(pool)
            .await?;
        }
        Caller::Locked { .. } => {
            sqlx::query("UPDATE server_sessions SET locked = 1 WHERE token_hash = $1")
                .bind(&s.hash)
                .execute(pool)
                .await?;
        }
        Caller::Anonymous | Caller::System { .. } | Caller::Member { .. } => end(pool, &s.hash, now).await?,
    }
    Ok(())
}

pub async fn end(pool: &AnyPool, token_hash: &str, now: DateTime<Utc>) -> ApiResult<()> {
    sqlx::query("UPDATE server_sessions SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL")
        .bind(time::ts(now))
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}
