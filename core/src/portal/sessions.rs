//! Members' sessions on the portal: an opaque random token (256 bits) in a
//! cookie, kept as its SHA-256 with the member, the form token every change
//! must carry (CSRF), the address and the last activity. A session ends
//! after 30 minutes without a call, after 12 hours in any case, at logout,
//! and when the member's password changes.

use crate::error::{ApiError, ApiResult};
use crate::kernel::secret;
use crate::storage::{time, Db};
use chrono::{DateTime, Duration, Utc};
use sqlx::{Any, Row, Transaction};

/// Idle time after which a session ends.
pub const IDLE: Duration = Duration::minutes(30);
/// Age after which a session ends, however active.
pub const MAX_AGE: Duration = Duration::hours(12);

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSession {
    pub member_id: i64,
    pub matricule: String,
    /// The form token the member's page sends back with every change.
    pub csrf: String,
}

/// What a login gives: the cookie's token and the form token.
#[derive(Debug, Clone)]
pub struct Opened {
    pub token: String,
    pub csrf: String,
}

pub(crate) async fn open(
    tx: &mut Transaction<'static, Any>,
    member_id: i64,
    remote: &str,
    now: DateTime<Utc>,
) -> ApiResult<Opened> {
    let (token, csrf) = (secret::token()?, secret::token()?);
    sqlx::query(
        "INSERT INTO member_sessions (token_hash, member_id, csrf, remote_addr, created_at, last_activity)
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(secret::digest(&token))
    .bind(member_id)
    .bind(&csrf)
    .bind(remote)
    .bind(time::ts(now))
    .execute(&mut **tx)
    .await?;
    Ok(Opened { token, csrf })
}

/// The live session of `token`, its activity moved to `now`; `unauthenticated`
/// when there is none (never opened, ended, idle too long, too old).
pub async fn check(db: &Db, token: &str, now: DateTime<Utc>) -> ApiResult<MemberSession> {
    let expired = || ApiError::unauthenticated("Votre session a pris fin : reconnectez-vous.");
    let hash = secret::digest(token);
    let row = sqlx::query(
        "SELECT s.member_id, s.csrf, s.created_at, s.last_activity, m.matricule
         FROM member_sessions s JOIN members m ON m.id = s.member_id
         WHERE s.token_hash = $1 AND s.ended_at IS NULL",
    )
    .bind(&hash)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(expired)?;
    let created = time::parse_ts(&row.try_get::<String, _>("created_at")?)?;
    let last = time::parse_ts(&row.try_get::<String, _>("last_activity")?)?;
    if now - last > IDLE || now - created > MAX_AGE {
        end(db, token, now).await?;
        return Err(expired());
    }
    // Written at most once a minute: a page's several calls do not each write.
    if now - last > Duration::minutes(1) {
        sqlx::query("UPDATE member_sessions SET last_activity = $1 WHERE token_hash = $2")
            .bind(time::ts(now))
            .bind(&hash)
            .execute(db.pool())
            .await?;
    }
    Ok(MemberSession {
        member_id: row.try_get("member_id")?,
        matricule: row.try_get("matricule")?,
        csrf: row.try_get("csrf")?,
    })
}

/// Ends the session of `token` (a logout); nothing when there is none.
pub async fn end(db: &Db, token: &str, now: DateTime<Utc>) -> ApiResult<()> {
    sqlx::query("UPDATE member_sessions SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL")
        .bind(time::ts(now))
        .bind(secret::digest(token))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends every session of `member_id` (a new password).
pub(crate) async fn end_all(tx: &mut Transaction<'static, Any>, member_id: i64, now: DateTime<Utc>) -> ApiResult<()> {
    sqlx::query("UPDATE member_sessions SET ended_at = $1 WHERE member_id = $2 AND ended_at IS NULL")
        .bind(time::ts(now))
        .bind(member_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
