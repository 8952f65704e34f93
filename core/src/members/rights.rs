//! What changes who is covered, recorded with its dates and journaled: a
//! member's death (his family keeps its rights), the periods his rights are
//! suspended (administrators), a child's disability on its certificate and
//! his schooling certificates (reception), the ages of the statutes by date.
//! The rule itself is `coverage.rs`.

use super::coverage::{self, CoverageRule, SuspensionReason};
use crate::audit::{Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::kernel::dates::fr;
use crate::kernel::text;
use crate::storage::{time, versioned, Db};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use sqlx::Any;
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DeathInput {
    #[ts(type = "number")]
    pub member_id: i64,
    pub deceased_on: NaiveDate,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SuspensionInput {
    #[ts(type = "number")]
    pub member_id: i64,
    pub start_date: NaiveDate,
    /// Open while it lasts.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub end_date: Option<NaiveDate>,
    pub reason: SuspensionReason,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DisabilityInput {
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    /// The date of the certificate; `None` withdraws the flag.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub since: Option<NaiveDate>,
    /// The certificate's reference (its number, who issued it).
    #[serde(default)]
    pub certificate: String,
}

/// A beneficiary's AMO fund, and the fund's insured where that is not the member.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FundInput {
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    /// `CNOPS`, `CNSS`, `aucune`; empty: the members' fund.
    #[serde(default)]
    pub amo_fund: String,
    #[serde(default)]
    pub insured_name: String,
    #[serde(default)]
    pub insured_number: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SchoolingInput {
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    /// `2039-2040`.
    pub school_year: String,
    #[serde(default)]
    pub school: String,
}

async fn member_of<'e, E: sqlx::Executor<'e, Database = Any>>(ex: E, beneficiary_id: i64) -> ApiResult<(i64, String)> {
    let row: Option<(i64, String)> = sqlx::query_as("SELECT member_id, relation FROM beneficiaries WHERE id = $1")
        .bind(beneficiary_id)
        .fetch_optional(ex)
        .await?;
    row.ok_or_else(|| ApiError::validation("beneficiary_id", format!("Aucun bénéficiaire n° {beneficiary_id}.")))
}

async fn journal(
    tx: &mut sqlx::Transaction<'static, Any>,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &'static str,
    entity: (&'static str, String),
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> ApiResult<()> {
    Change { action, entity_type: entity.0, entity_id: Some(entity.1), before, after: Some(after) }
        .record(tx, now, actor)
        .await
}

/// Records a member's death: he is covered until that day, his family after it.
pub async fn record_death(db: &Db, actor: &Actor, now: DateTime<Utc>, d: &DeathInput) -> ApiResult<()> {
    if d.deceased_on > now.date_naive() {
        return Err(ApiError::validation("deceased_on", "La date du décès est dans le futur."));
    }
    let mut tx = db.begin().await?;
    let read: Option<(Option<String>, i64)> = sqlx::query_as("SELECT deceased_on, version FROM members WHERE id = $1")
        .bind(d.member_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (before, version) =
        read.ok_or_else(|| ApiError::validation("member_id", format!("Aucun adhérent n° {}.", d.member_id)))?;
    let sets = [("deceased_on", time::date(d.deceased_on).into()), ("updated_at", time::ts(now).into())];
    versioned::update(&mut tx, "members", ("id", d.member_id.into()), version, &sets).await?;
    journal(
        &mut tx,
        now,
        actor,
        "member.death",
        ("member", d.member_id.to_string()),
        Some(json!({ "deceased_on": before })),
        json!({ "deceased_on": d.deceased_on }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What writing a suspension did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created(i64),
    /// The same period (same start) was there: its end or reason now as given.
    Changed(i64),
    /// Already there as given.
    Same,
}

/// Writes a period of suspended rights, for the desk and the roster alike:
/// the same start again changes that period; another period overlapping it
/// is refused. Not journaled here: each caller journals its way.
pub async fn write_suspension(
    c: &mut sqlx::AnyConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    member_id: i64,
    s: &SuspensionInput,
) -> ApiResult<Written> {
    if let Some(e) = s.end_date.filter(|e| *e < s.start_date) {
        return Err(ApiError::validation(
            "end_date",
            format!("La fin de la suspension ({}) précède son début ({}).", fr(e), fr(s.start_date)),
        ));
    }
    let all = coverage::suspensions(&mut *c, member_id).await?;
    if let Some(same) = all.iter().find(|o| o.start == s.start_date) {
        if same.end == s.end_date && same.reason == s.reason {
            return Ok(Written::Same);
        }
        sqlx::query("UPDATE coverage_suspensions SET end_date = $1, reason = $2 WHERE id = $3")
            .bind(s.end_date.map(time::date))
            .bind(s.reason.code())
            .bind(same.id)
            .execute(&mut *c)
            .await?;
        return Ok(Written::Changed(same.id));
    }
    for other in &all {
        let overlaps =
            other.start <= s.end_date.unwrap_or(NaiveDate::MAX) && s.start_date <= other.end.unwrap_or(NaiveDate::MAX);
        if overlaps {
            return Err(ApiError::validation(
                "start_date",
                format!(
                    "Une suspension ({}) couvre déjà le {} : modifiez-la plutôt.",
                    other.reason.label(),
                    fr(other.start.max(s.start_date))
                ),
            ));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO coverage_suspensions (member_id, start_date, end_date, reason, created_at, created_by) VALUES \
            ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(member_id)
    .bind(time::date(s.start_date))
    .bind(s.end_date.map(time::date))
    .bind(s.reason.code())
    .bind(time::ts(now))
    .bind(&actor.name)
    .fetch_one(&mut *c)
    .await?;
    Ok(Written::Created(id))
}

/// Records a period of suspended rights from the desk.
pub async fn add_suspension(db: &Db, actor: &Actor, now: DateTime<Utc>, s: &SuspensionInput) -> ApiResult<i64> {
    let mut tx = db.begin().await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM members WHERE id = $1").bind(s.member_id).fetch_optional(&mut *tx).await?;
    if exists.is_none() {
        return Err(ApiError::validation("member_id", format!("Aucun adhérent n° {}.", s.member_id)));
    }
    let id = match write_suspension(&mut tx, now, actor, s.member_id, s).await? {
        Written::Created(id) => id,
        // From the desk, the same period again is a mistake, not a change.
        Written::Same | Written::Changed(_) => {
            return Err(ApiError::validation(
                "start_date",
                format!("Une suspension commence déjà le {} : modifiez-la plutôt.", fr(s.start_date)),
            ))
        }
    };
    journal(
        &mut tx,
        now,
        actor,
        "member.suspension",
        ("member", s.member_id.to_string()),
        None,
        json!({ "suspension": id, "start_date": s.start_date, "end_date": s.end_date, "reason": s.reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Sets or withdraws a child's disability (covered without an age limit).
pub async fn set_disability(db: &Db, actor: &Actor, now: DateTime<Utc>, d: &DisabilityInput) -> ApiResult<()> {
    let certificate = text::clean("certificate", "Le certificat", &d.certificate, 120)?;
    if d.since.is_some() && certificate.is_empty() {
        return Err(ApiError::validation(
            "certificate",
            "Indiquez le certificat de handicap (numéro, qui l'a établi).",
        ));
    }
    let mut tx = db.begin().await?;
    member_of(&mut *tx, d.beneficiary_id).await?;
    let before: (Option<String>, Option<String>, i64) =
        sqlx::query_as("SELECT disabled_since, disability_certificate, version FROM beneficiaries WHERE id = $1")
            .bind(d.beneficiary_id)
            .fetch_one(&mut *tx)
            .await?;
    let certificate = d.since.map(|_| certificate);
    let sets = [
        ("disabled_since", d.since.map(time::date).into()),
        ("disability_certificate", certificate.clone().into()),
        ("updated_at", time::ts(now).into()),
    ];
    versioned::update(&mut tx, "beneficiaries", ("id", d.beneficiary_id.into()), before.2, &sets).await?;
    journal(
        &mut tx,
        now,
        actor,
        "beneficiary.disability",
        ("beneficiary", d.beneficiary_id.to_string()),
        Some(json!({ "disabled_since": before.0, "certificate": before.1 })),
        json!({ "disabled_since": d.since, "certificate": certificate }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a beneficiary's AMO fund and the fund's insured.
pub async fn set_fund(db: &Db, actor: &Actor, now: DateTime<Utc>, f: &FundInput) -> ApiResult<()> {
    let fund = text::clean("amo_fund", "La caisse AMO", &f.amo_fund, 40)?;
    let fund = match fund.to_lowercase().as_str() {
        "" => None,
        "aucune" | "aucun" | "sans" => Some(crate::liquidation::fund::NO_FUND.to_string()),
        _ => Some(fund.to_uppercase()),
    };
    let insured = text::clean("insured_name", "L'assuré de la caisse", &f.insured_name, 120)?;
    let number = text::clean("insured_number", "Le n° d'immatriculation", &f.insured_number, 40)?;
    if insured.is_empty() != number.is_empty() {
        let (field, what) = if insured.is_empty() {
            ("insured_name", "son nom")
        } else {
            ("insured_number", "son n° d'immatriculation")
        };
        return Err(ApiError::validation(field, format!("Assuré de la caisse : indiquez aussi {what}.")));
    }
    let mut tx = db.begin().await?;
    if let Some(name) = fund.as_deref().filter(|f| *f != crate::liquidation::fund::NO_FUND) {
        let known = ["CNOPS", "CNSS"].contains(&name)
            || crate::liquidation::fund::arrangements(&mut *tx)
                .await?
                .iter()
                .any(|a| a.fund_name.eq_ignore_ascii_case(name));
        if !known {
            return Err(ApiError::validation(
                "amo_fund",
                format!("Caisse AMO « {name} » inconnue : CNOPS, CNSS, ou « aucune »."),
            ));
        }
    }
    member_of(&mut *tx, f.beneficiary_id).await?;
    let before: (Option<String>, Option<String>, Option<String>, i64) = sqlx::query_as(
        "SELECT amo_fund, fund_insured_name, fund_insured_number, version FROM beneficiaries WHERE id = $1",
    )
    .bind(f.beneficiary_id)
    .fetch_one(&mut *tx)
    .await?;
    let (insured, number) = ((!insured.is_empty()).then_some(insured), (!number.is_empty()).then_some(number));
    let sets = [
        ("amo_fund", fund.clone().into()),
        ("fund_insured_name", insured.clone().into()),
        ("fund_insured_number", number.clone().into()),
        ("updated_at", time::ts(now).into()),
    ];
    versioned::update(&mut tx, "beneficiaries", ("id", f.beneficiary_id.into()), before.3, &sets).await?;
    journal(
        &mut tx,
        now,
        actor,
        "beneficiary.fund",
        ("beneficiary", f.beneficiary_id.to_string()),
        Some(json!({ "amo_fund": before.0, "insured_name": before.1, "insured_number": before.2 })),
        json!({ "amo_fund": fund, "insured_name": insured, "insured_number": number }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a child's schooling certificate for a school year.
pub async fn add_schooling(db: &Db, actor: &Actor, now: DateTime<Utc>, s: &SchoolingInput) -> ApiResult<()> {
    let (from, to) = coverage::school_year("school_year", &s.school_year)?;
    let school = text::clean("school", "L'établissement", &s.school, 120)?;
    let mut tx = db.begin().await?;
    let (_, relation) = member_of(&mut *tx, s.beneficiary_id).await?;
    if relation != "enfant" {
        return Err(ApiError::validation("beneficiary_id", "Un certificat de scolarité se rattache à un enfant."));
    }
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM schooling_certificates WHERE beneficiary_id = $1 AND valid_from = $2")
            .bind(s.beneficiary_id)
            .bind(time::date(from))
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_some() {
        return Err(ApiError::validation(
            "school_year",
            format!("Le certificat de l'année {} est déjà enregistré.", s.school_year.trim()),
        ));
    }
    sqlx::query(
        "INSERT INTO schooling_certificates (beneficiary_id, valid_from, valid_to, school, created_at, created_by) \
            VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.beneficiary_id)
    .bind(time::date(from))
    .bind(time::date(to))
    .bind((!school.is_empty()).then_some(school.clone()))
    .bind(time::ts(now))
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    journal(
        &mut tx,
        now,
        actor,
        "beneficiary.schooling",
        ("beneficiary", s.beneficiary_id.to_string()),
        None,
        json!({ "valid_from": from, "valid_to": to, "school": school }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds the statutes' ages from a date.
pub async fn add_rule(db: &Db, actor: &Actor, now: DateTime<Utc>, r: &CoverageRule) -> ApiResult<Vec<CoverageRule>> {
    if r.child_age == 0 || r.child_age > 30 {
        return Err(ApiError::validation("child_age", "Âge limite des enfants : entre 1 et 30 ans."));
    }
    if r.student_age < r.child_age || r.student_age > 35 {
        return Err(ApiError::validation(
            "student_age",
            format!("Âge limite des étudiants : entre {} et 35 ans.", r.child_age),
        ));
    }
    let mut tx = db.begin().await?;
    crate::storage::effective::ensure_day_free(&mut tx, "coverage_rules", r.effective_from, "Une règle").await?;
    sqlx::query(
        "INSERT INTO coverage_rules (effective_from, child_age, student_age, created_at, created_by) VALUES ($1, $2, \
            $3, $4, $5)",
    )
    .bind(time::date(r.effective_from))
    .bind(r.child_age as i64)
    .bind(r.student_age as i64)
    .bind(time::ts(now))
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    journal(
        &mut tx,
        now,
        actor,
        "coverage_rule.create",
        ("coverage_rule", time::date(r.effective_from)),
        None,
        serde_json::to_value(r).map_err(ApiError::internal)?,
    )
    .await?;
    tx.commit().await?;
    coverage::rules(db.pool()).await
}
