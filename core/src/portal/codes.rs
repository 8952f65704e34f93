//! One-time codes: the desk gives a member a code to activate his account or
//! to choose a new password, on a letter it prints or to the e-mail or GSM on
//! file. Only the code's SHA-256 is kept; a new code replaces the ones not
//! yet used; five wrong codes typed spend them. A letter's code lasts 30
//! days (the post is slow), a message's 24 hours (seed 003: « L'adhérent
//! dispose de 24 heures pour activer son compte »).

use super::outbox::{Channel, Message, Outbox};
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::secret;
use crate::members::Member;
use crate::storage::{time, Db};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use ts_rs::TS;

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Activation,
    Reset,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Activation => "activation",
            Purpose::Reset => "reset",
        }
    }
}

/// Wrong codes typed before the live ones are spent.
pub const MAX_FAILED: i64 = 5;

/// How long a code sent by `channel` lasts.
pub fn lifetime(channel: Channel) -> Duration {
    match channel {
        Channel::Letter => Duration::days(30),
        Channel::Email | Channel::Sms => Duration::hours(24),
    }
}

/// A code made and sent.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The code itself: printed on the letter, or already sent.
    pub code: String,
    pub expires_at: DateTime<Utc>,
    /// Where it was sent (masked), for a message.
    pub sent_to: Option<String>,
}

/// `k…@example.ma`, `06 •• •• 12 34`: enough for the member to recognise it.
pub fn masked(channel: Channel, to: &str) -> String {
    match channel {
        Channel::Email => match to.split_once('@') {
            Some((user, domain)) => format!("{}…@{domain}", user.chars().next().unwrap_or('?')),
            None => "…".into(),
        },
        Channel::Sms => {
            let digits: Vec<char> = to.chars().filter(|c| c.is_ascii_digit()).collect();
            let tail: String = digits.iter().skip(digits.len().saturating_sub(4)).collect();
            format!("•• •• •• {tail}")
        }
        Channel::Letter => String::new(),
    }
}

/// Makes a code for `member` and, for a message, sends it to what is on
/// file. The codes of the same purpose not yet used are spent. Journaled
/// (never the code).
pub async fn issue(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    member: &Member,
    purpose: Purpose,
    channel: Channel,
    outbox: Option<&dyn Outbox>,
) -> ApiResult<Issued> {
    if purpose == Purpose::Activation && member.cnie.as_deref().is_none_or(|c| c.trim().is_empty()) {
        return Err(ApiError::validation(
            "member_id",
            "Le numéro de CNIE de cet adhérent n'est pas enregistré : il le saisit pour activer son espace. \
             Enregistrez-le d'abord sur sa fiche.",
        ));
    }
    let to = match channel {
        Channel::Letter => None,
        Channel::Email => Some(member.email.clone().ok_or_else(|| {
            ApiError::validation("channel", "Aucune adresse e-mail n'est enregistrée pour cet adhérent.")
        })?),
        Channel::Sms => Some(
            member
                .gsm
                .clone()
                .ok_or_else(|| ApiError::validation("channel", "Aucun GSM n'est enregistré pour cet adhérent."))?,
        ),
    };
    if to.is_some() && outbox.is_none() {
        return Err(ApiError::validation(
            "channel",
            "Aucun envoi d'e-mail ni de SMS n'est configuré sur ce site : remettez le code par courrier.",
        ));
    }
    let code = secret::code()?;
    let expires_at = now + lifetime(channel);
    let mut tx = db.begin().await?;
    spend(&mut tx, member.id, purpose, now).await?;
    sqlx::query(
        "INSERT INTO member_codes (member_id, purpose, channel, code_hash, expires_at, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(member.id)
    .bind(purpose.code())
    .bind(channel.code())
    .bind(db.code_key()?.digest(&code))
    .bind(time::ts(expires_at))
    .bind(time::ts(now))
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    let sent_to = to.as_deref().map(|t| masked(channel, t));
    Change::on("portal.code_issued", "member", member.id)
        .after(serde_json::json!({
            "purpose": purpose, "channel": channel, "sent_to": sent_to, "expires_at": time::ts(expires_at),
        }))
        .record(&mut tx, now, actor)
        .await?;
    // Committed first, then sent: a message never carries a code the
    // database does not hold. One that cannot leave is spent at once.
    tx.commit().await?;
    if let (Some(to), Some(outbox)) = (&to, outbox) {
        let what = match purpose {
            Purpose::Activation => "activer votre espace adhérent",
            Purpose::Reset => "choisir un nouveau mot de passe de votre espace adhérent",
        };
        let message = Message {
            channel,
            to: to.clone(),
            subject: "Votre code d'accès à l'espace adhérent".into(),
            body: format!(
                "Votre code pour {what} : {code}\nIl est valable jusqu'au {} à {}. Ne le communiquez à personne : \
                la mutuelle ne vous le demandera jamais.",
                fr(expires_at.date_naive()),
                expires_at.format("%H:%M UTC")
            ),
        };
        if let Err(e) = outbox.send(&message).await {
            let mut tx = db.begin().await?;
            spend(&mut tx, member.id, purpose, now).await?;
            tx.commit().await?;
            return Err(e);
        }
    }
    // A code for a new password given at the desk is told to the member by
    // what is on file: whoever took it cannot take his space over unnoticed.
    if purpose == Purpose::Reset && channel == Channel::Letter && actor.staff_id.is_some() {
        notify_reset_given(outbox, member, &actor.name, now).await;
    }
    Ok(Issued { code, expires_at, sent_to })
}

/// Tells the member, by e-mail or else SMS on file, that a code to choose a
/// new password was given at the desk (logged when it cannot leave: the code
/// stands, the journal names who printed it).
async fn notify_reset_given(outbox: Option<&dyn Outbox>, member: &Member, by: &str, now: DateTime<Utc>) {
    let body = format!(
        "Le {} à {}, le guichet ({by}) a imprimé un code pour choisir un nouveau mot de passe de votre espace \
        adhérent. Si vous ne l'avez pas demandé, appelez votre mutuelle : votre espace peut être bloqué.",
        fr(now.date_naive()),
        now.format("%H:%M UTC")
    );
    super::outbox::tell(outbox, member, "Code de votre espace adhérent remis au guichet", body).await;
}

/// Marks every live code of `purpose` for `member` as used.
async fn spend(tx: &mut Transaction<'static, Any>, member: i64, purpose: Purpose, now: DateTime<Utc>) -> ApiResult<()> {
    sqlx::query("UPDATE member_codes SET used_at = $1 WHERE member_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(time::ts(now))
        .bind(member)
        .bind(purpose.code())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Uses the code `typed` for `member`: `true` when a live code of that
/// purpose matches (it is then spent, with the others); otherwise each live
/// code counts one failure more, and the fifth spends them.
pub(crate) async fn take(
    tx: &mut Transaction<'static, Any>,
    key: &secret::CodeKey,
    member: i64,
    purpose: Purpose,
    typed: &str,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let rows = sqlx::query(
        "SELECT id, code_hash, expires_at, failed FROM member_codes
         WHERE member_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(member)
    .bind(purpose.code())
    .fetch_all(&mut **tx)
    .await?;
    let mut matched = false;
    for r in &rows {
        let live = time::parse_ts(&r.try_get::<String, _>("expires_at")?)? > now;
        if live && key.matches(&r.try_get::<String, _>("code_hash")?, typed) {
            matched = true;
        }
    }
    if matched {
        spend(tx, member, purpose, now).await?;
        return Ok(true);
    }
    sqlx::query(
        "UPDATE member_codes SET failed = failed + 1,
           used_at = CASE WHEN failed + 1 >= $1 THEN $2 ELSE used_at END
         WHERE member_id = $3 AND purpose = $4 AND used_at IS NULL",
    )
    .bind(MAX_FAILED)
    .bind(time::ts(now))
    .bind(member)
    .bind(purpose.code())
    .execute(&mut **tx)
    .await?;
    Ok(false)
}
