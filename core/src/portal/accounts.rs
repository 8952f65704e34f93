//! A member's account on the portal: activated with his matricule, his CNIE
//! and a one-time code from the desk (seed 003: « votre n° Adhérent et le
//! code d'accès … sur le courrier prévu à cet effet »), then logged into with
//! his matricule or e-mail and his password; five wrong passwords lock it for
//! 15 minutes; a forgotten password is replaced with a code sent to what is
//! on file. Every answer that could tell whether a matricule, a CNIE or an
//! account exists is the same for all; each refusal is journaled.

use super::codes::{self, Purpose};
use super::outbox::{self, Outbox};
use super::sessions::{self, Opened};
use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::{password, text};
use crate::members::{self, Member};
use crate::storage::batch::Value;
use crate::storage::{time, versioned, Db};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use sqlx::{Any, Row, Transaction};
use ts_rs::TS;

/// Wrong passwords before the account is locked.
pub const MAX_FAILED: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK: Duration = Duration::minutes(15);

const NO_MATCH: &str = "Ces informations ne correspondent pas à un code valable : vérifiez votre matricule, \
    votre CNIE et le code, ou demandez un nouveau code à votre mutuelle.";
const BAD_LOGIN: &str = "Identifiant ou mot de passe incorrect.";

/// The activation form.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Activation {
    pub matricule: String,
    pub cnie: String,
    pub code: String,
    pub password: String,
}

/// The form to choose a new password with a code.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Reset {
    pub matricule: String,
    pub code: String,
    pub password: String,
}

/// A hash no password matches, checked when there is no account so that
/// the answer takes as long either way.
fn no_account_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash("aucun compte adhérent ne porte ce mot de passe").unwrap_or_default())
}

/// Journals a refusal in the next batch of the door's refusals
/// ([`audit::deferred`]): a flood of them must not hold the journal.
async fn refuse(
    db: &Db,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &'static str,
    member: Option<i64>,
) -> ApiResult<()> {
    audit::deferred::refusal(db, now, actor, action, member.map(|m| m.to_string())).await
}

/// How long a refused code takes to answer, whatever was wrong: a
/// matricule unknown, a CNIE that does not match, a code wrong or spent
/// all take this long, so that the time does not tell which (no CNIE
/// oracle). Longer than any of the checks takes.
pub const CODE_REFUSAL_PACE: std::time::Duration = std::time::Duration::from_millis(400);

/// Refuses a code once [`CODE_REFUSAL_PACE`] has passed since `started`.
async fn paced_refusal(started: tokio::time::Instant) -> ApiError {
    tokio::time::sleep_until(started + CODE_REFUSAL_PACE).await;
    ApiError::validation("code", NO_MATCH)
}

/// Activates the account of the member whose matricule, CNIE and code
/// match, with the password he chose.
pub async fn activate(db: &Db, now: DateTime<Utc>, a: &Activation) -> ApiResult<()> {
    let started = tokio::time::Instant::now();
    let matricule = text::clean("matricule", "Matricule", &a.matricule, 20)?;
    if matricule.is_empty() {
        return Err(ApiError::validation("matricule", "Saisissez votre matricule."));
    }
    if a.code.trim().is_empty() {
        return Err(ApiError::validation("code", "Saisissez le code reçu de votre mutuelle."));
    }
    password::check_member_policy("password", &a.password)?;
    let member = members::by_matricule(db.pool(), &matricule).await?;
    let cnie_ok = |m: &Member| {
        m.cnie.as_deref().is_some_and(|c| text::fold(c).replace(' ', "") == text::fold(&a.cnie).replace(' ', ""))
    };
    let Some(m) = member.filter(cnie_ok) else {
        refuse(db, now, &Actor::anonymous(), "portal.activation_refused", None).await?;
        return Err(paced_refusal(started).await);
    };
    let actor = Actor::member(&m.matricule);
    // The code first: a wrong one costs no password hash.
    let mut tx = db.begin().await?;
    if !codes::take(&mut tx, db.code_key()?, m.id, Purpose::Activation, &a.code, now).await? {
        tx.commit().await?;
        refuse(db, now, &actor, "portal.activation_refused", Some(m.id)).await?;
        return Err(paced_refusal(started).await);
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT member_id FROM member_accounts WHERE member_id = $1")
        .bind(m.id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(ApiError::conflict(
            "Votre espace est déjà activé : connectez-vous, ou utilisez « Mot de passe oublié ».",
        ));
    }
    let hash = password::hash_off(&a.password).await?;
    sqlx::query(
        "INSERT INTO member_accounts (member_id, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(m.id)
    .bind(&hash)
    .bind(time::ts(now))
    .execute(&mut *tx)
    .await?;
    journal(&mut tx, now, &actor, "portal.activated", m.id).await?;
    tx.commit().await?;
    Ok(())
}

async fn journal(
    tx: &mut Transaction<'static, Any>,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    member: i64,
) -> ApiResult<()> {
    Change::on(action, "member", member).record(tx, now, actor).await
}

/// The member an identifier names: his matricule, or the e-mail on file.
async fn find(db: &Db, identifier: &str) -> ApiResult<Option<Member>> {
    let id = identifier.trim();
    if id.contains('@') {
        let m: Option<String> = sqlx::query_scalar("SELECT matricule FROM members WHERE LOWER(email) = $1")
            .bind(id.to_lowercase())
            .fetch_optional(db.pool())
            .await?;
        return match m {
            Some(matricule) => members::by_matricule(db.pool(), &matricule).await,
            None => Ok(None),
        };
    }
    members::by_matricule(db.pool(), id).await
}

/// Logs a member in; a wrong password counts (inside the transaction, so
/// that tries made at once all count) and the fifth locks the account.
pub async fn login(
    db: &Db,
    now: DateTime<Utc>,
    identifier: &str,
    typed: &str,
    remote: &str,
    outbox: Option<&dyn Outbox>,
) -> ApiResult<Opened> {
    if identifier.trim().is_empty() {
        return Err(ApiError::validation("identifier", "Saisissez votre matricule ou votre adresse e-mail."));
    }
    if typed.is_empty() {
        return Err(ApiError::validation("password", "Saisissez votre mot de passe."));
    }
    let member = find(db, identifier).await?;
    let account = match &member {
        Some(m) => sqlx::query("SELECT password_hash, locked_until FROM member_accounts WHERE member_id = $1")
            .bind(m.id)
            .fetch_optional(db.pool())
            .await?
            .map(|r| -> ApiResult<(String, Option<String>)> { Ok((r.try_get(0)?, r.try_get(1)?)) })
            .transpose()?,
        None => None,
    };
    let (Some(m), Some((hash, locked_until))) = (member, account) else {
        let _ = password::verify_off(typed, no_account_hash()).await;
        refuse(db, now, &Actor::anonymous(), "portal.login_failed", None).await?;
        return Err(ApiError::unauthenticated(BAD_LOGIN));
    };
    let actor = Actor::member(&m.matricule);
    // A locked space answers as any wrong password (the same words, the
    // same hash computed): the lock is told to the member by message.
    let locked = locked_until.as_deref().map(time::parse_ts).transpose()?.is_some_and(|u| u > now);
    let ok = password::verify_off(typed, &hash).await;
    if locked {
        refuse(db, now, &actor, "portal.login_refused_locked", Some(m.id)).await?;
        return Err(ApiError::unauthenticated(BAD_LOGIN));
    }
    let mut tx = db.begin().await?;
    if !ok {
        let failed: i64 = sqlx::query_scalar(
            "UPDATE member_accounts SET failed_logins = failed_logins + 1,
               locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END
             WHERE member_id = $3 RETURNING failed_logins",
        )
        .bind(MAX_FAILED)
        .bind(time::ts(now + LOCK))
        .bind(m.id)
        .fetch_one(&mut *tx)
        .await?;
        journal(&mut tx, now, &actor, "portal.login_failed", m.id).await?;
        tx.commit().await?;
        if failed == MAX_FAILED {
            tell_locked(outbox, &m, now).await;
        }
        return Err(ApiError::unauthenticated(BAD_LOGIN));
    }
    sqlx::query("UPDATE member_accounts SET failed_logins = 0, locked_until = NULL WHERE member_id = $1")
        .bind(m.id)
        .execute(&mut *tx)
        .await?;
    let opened = sessions::open(&mut tx, m.id, remote, now).await?;
    journal(&mut tx, now, &actor, "portal.login", m.id).await?;
    tx.commit().await?;
    Ok(opened)
}

/// Tells the member, by e-mail or else SMS on file, that his space was
/// locked after wrong passwords (the portal's answer does not say it).
async fn tell_locked(outbox: Option<&dyn Outbox>, m: &Member, now: DateTime<Utc>) {
    let body = format!(
        "Après {MAX_FAILED} mots de passe erronés, votre espace adhérent est verrouillé jusqu'à {} (UTC). Si ce \
        n'était pas vous, choisissez un nouveau mot de passe (« Mot de passe oublié ») ou appelez votre mutuelle.",
        (now + LOCK).format("%H:%M")
    );
    outbox::tell(outbox, m, "Votre espace adhérent est verrouillé", body).await;
}

/// « Mot de passe oublié » : sends a reset code to the e-mail on file (else
/// the GSM). The answer is the same whether the member exists or not.
pub async fn forgot(db: &Db, now: DateTime<Utc>, identifier: &str, outbox: Option<&dyn Outbox>) -> ApiResult<()> {
    let started = tokio::time::Instant::now();
    let member = find(db, identifier).await?;
    let has_account = match &member {
        Some(m) => sqlx::query_scalar::<_, i64>("SELECT member_id FROM member_accounts WHERE member_id = $1")
            .bind(m.id)
            .fetch_optional(db.pool())
            .await?
            .is_some(),
        None => false,
    };
    // No sender on this site: the same answer as for anyone else (it must not
    // tell which matricules have a space); the desk gives codes by letter.
    let member = member.filter(|_| has_account && outbox.is_some());
    match member.as_ref().and_then(|m| Some((m, outbox::on_file(m)?.0))) {
        Some((m, channel)) => {
            let actor = Actor::member(&m.matricule);
            // A message that could not leave answers the same: it is logged.
            if let Err(e) = codes::issue(db, &actor, now, m, Purpose::Reset, channel, outbox).await {
                tracing::warn!(error = %e.message, "code de réinitialisation non envoyé");
            }
        }
        None => refuse(db, now, &Actor::anonymous(), "portal.reset_refused", member.map(|m| m.id)).await?,
    }
    // As long whether a space exists or not.
    tokio::time::sleep_until(started + CODE_REFUSAL_PACE).await;
    Ok(())
}

/// Chooses a new password with a reset code: unlocks the account and ends
/// its open sessions.
pub async fn reset(db: &Db, now: DateTime<Utc>, r: &Reset) -> ApiResult<()> {
    let started = tokio::time::Instant::now();
    password::check_member_policy("password", &r.password)?;
    let member = members::by_matricule(db.pool(), r.matricule.trim()).await?;
    let Some(m) = member else {
        refuse(db, now, &Actor::anonymous(), "portal.reset_refused", None).await?;
        return Err(paced_refusal(started).await);
    };
    let actor = Actor::member(&m.matricule);
    // The code first: a wrong one costs no password hash.
    let mut tx = db.begin().await?;
    if !codes::take(&mut tx, db.code_key()?, m.id, Purpose::Reset, &r.code, now).await? {
        tx.commit().await?;
        refuse(db, now, &actor, "portal.reset_refused", Some(m.id)).await?;
        return Err(paced_refusal(started).await);
    }
    let Some(version) = sqlx::query_scalar::<_, i64>("SELECT version FROM member_accounts WHERE member_id = $1")
        .bind(m.id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Err(paced_refusal(started).await);
    };
    let hash = password::hash_off(&r.password).await?;
    // Written as every record kept by version: only while it still holds
    // the version read in this transaction.
    let sets = [
        ("password_hash", Value::Text(Some(hash))),
        ("failed_logins", Value::Int(Some(0))),
        ("locked_until", Value::Text(None)),
        ("updated_at", Value::Text(Some(time::ts(now)))),
    ];
    versioned::update(&mut tx, "member_accounts", ("member_id", Value::Int(Some(m.id))), version, &sets).await?;
    sessions::end_all(&mut tx, m.id, now).await?;
    journal(&mut tx, now, &actor, "portal.password_reset", m.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `member` has activated his account (the desk shows it).
pub async fn is_active(db: &Db, member: i64) -> ApiResult<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT member_id FROM member_accounts WHERE member_id = $1")
        .bind(member)
        .fetch_optional(db.pool())
        .await?
        .is_some())
}
