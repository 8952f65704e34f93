//! Chronic-illness (ALD/ALC) declarations: decided by the medical advisor for
//! a beneficiary, valid 6 months from their start (renewed by a new
//! declaration), linked to groups of care. While valid, the **fund** exempts
//! the member from his part on the linked acts (*exonération du ticket
//! modérateur*: the AMO part is 100 % of the base). The condition and the
//! fund's exemption number are medical: only the medical role reads them.

use crate::audit::{Actor, Change};
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::kernel::text;
use crate::storage::{time, Db};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row};
use ts_rs::TS;

/// Declarations are renewed every 6 months (seed 002).
pub const VALIDITY_MONTHS: u32 = 6;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DeclarationInput {
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    /// The condition (medical, read by the medical role only).
    pub condition: String,
    /// Act families it covers (`reeducation`, `pharmacie`, …).
    pub families: Vec<String>,
    pub start_date: NaiveDate,
    /// The fund's exemption number, as its decision states it.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub exemption_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Declaration {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub beneficiary_id: i64,
    /// `None` for every role but the medical one: they see that it exists, not what it is.
    pub condition: Option<String>,
    /// The fund's exemption number: `None` for every role but the medical one.
    pub exemption_number: Option<String>,
    pub confidential: bool,
    pub families: Vec<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

pub async fn declare(db: &Db, actor: &Actor, now: DateTime<Utc>, d: &DeclarationInput) -> ApiResult<Declaration> {
    let condition = text::clean("condition", "La pathologie", &d.condition, 300)?;
    if condition.is_empty() {
        return Err(ApiError::validation("condition", "Indiquez la pathologie déclarée."));
    }
    let exemption = match &d.exemption_number {
        Some(n) => Some(text::clean("exemption_number", "Le numéro d'exonération", n, 40)?),
        None => None,
    }
    .filter(|n| !n.is_empty());
    let families: Vec<String> = d.families.iter().map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty()).collect();
    if families.is_empty() {
        return Err(ApiError::validation(
            "families",
            "Indiquez au moins une famille d'actes liée à la maladie chronique.",
        ));
    }
    let end = d
        .start_date
        .checked_add_months(Months::new(VALIDITY_MONTHS))
        .and_then(|e| e.pred_opt())
        .unwrap_or(d.start_date);
    let mut tx = db.begin().await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM beneficiaries WHERE id = $1")
        .bind(d.beneficiary_id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(ApiError::validation("beneficiary_id", format!("Aucun bénéficiaire n° {}.", d.beneficiary_id)));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO chronic_declarations (beneficiary_id, condition, families_json, start_date, end_date, \
            decided_by, created_at, exemption_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(d.beneficiary_id)
    .bind(&condition)
    .bind(serde_json::to_string(&families).map_err(ApiError::internal)?)
    .bind(time::date(d.start_date))
    .bind(time::date(end))
    .bind(&actor.name)
    .bind(time::ts(now))
    .bind(&exemption)
    .fetch_one(&mut *tx)
    .await?;
    // The journal keeps that a declaration was made, never the condition.
    Change::on("chronic.declare", "beneficiary", d.beneficiary_id)
        .after(serde_json::json!({ "declaration": id, "families": families, "start_date": d.start_date,
            "end_date": end, "condition": "confidentiel" }))
        .record(&mut tx, now, actor)
        .await?;
    tx.commit().await?;
    Ok(Declaration {
        id,
        beneficiary_id: d.beneficiary_id,
        condition: Some(condition),
        exemption_number: exemption,
        confidential: true,
        families,
        start_date: d.start_date,
        end_date: end,
    })
}

/// A beneficiary's declarations, the condition shown to the medical role only.
pub async fn of_beneficiary(pool: &sqlx::AnyPool, beneficiary_id: i64, roles: &[Role]) -> ApiResult<Vec<Declaration>> {
    let medical = crate::medical::reads_medical(roles);
    let rows = sqlx::query(
        "SELECT id, beneficiary_id, condition, families_json, start_date, end_date, exemption_number FROM \
        chronic_declarations WHERE beneficiary_id = $1 ORDER BY start_date",
    )
    .bind(beneficiary_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let f: String = r.try_get("families_json")?;
            let (s, e): (String, String) = (r.try_get("start_date")?, r.try_get("end_date")?);
            Ok(Declaration {
                id: r.try_get("id")?,
                beneficiary_id: r.try_get("beneficiary_id")?,
                condition: if medical { Some(r.try_get("condition")?) } else { None },
                exemption_number: if medical { r.try_get("exemption_number")? } else { None },
                confidential: true,
                families: serde_json::from_str(&f).unwrap_or_default(),
                start_date: NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(ApiError::internal)?,
                end_date: NaiveDate::parse_from_str(&e, "%Y-%m-%d").map_err(ApiError::internal)?,
            })
        })
        .collect()
}

/// Does a valid declaration of this beneficiary cover this group of care on
/// this day (the fund then exempts him from his part)?
pub async fn covers<'e, E: sqlx::Executor<'e, Database = Any>>(
    ex: E,
    beneficiary_id: i64,
    family: &str,
    day: NaiveDate,
) -> ApiResult<bool> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT families_json FROM chronic_declarations WHERE beneficiary_id = \
        $1 AND start_date <= $2 AND end_date >= $2",
    )
    .bind(beneficiary_id)
    .bind(time::date(day))
    .fetch_all(ex)
    .await?;
    Ok(rows.iter().any(|f| serde_json::from_str::<Vec<String>>(f).unwrap_or_default().iter().any(|x| x == family)))
}

/// A declaration ending soon, with who it concerns (the condition for the medical role only).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExpiringDeclaration {
    pub declaration: Declaration,
    pub matricule: String,
    pub member_name: String,
    pub beneficiary_name: String,
}

/// Declarations ending between `today` and `today + days` and not yet renewed
/// (no later declaration of the same beneficiary), soonest first.
pub async fn expiring(
    pool: &sqlx::AnyPool,
    today: NaiveDate,
    days: i64,
    roles: &[Role],
) -> ApiResult<Vec<ExpiringDeclaration>> {
    let until = today + chrono::Duration::days(days);
    let rows = sqlx::query(
        "SELECT d.beneficiary_id, m.matricule, m.last_name AS m_last, m.first_name AS m_first, b.last_name AS \
            b_last, b.first_name AS b_first
         FROM chronic_declarations d JOIN beneficiaries b ON b.id = d.beneficiary_id JOIN members m ON m.id = \
             b.member_id
         WHERE d.end_date >= $1 AND d.end_date <= $2
           AND NOT EXISTS (SELECT 1 FROM chronic_declarations n WHERE n.beneficiary_id = d.beneficiary_id AND \
               n.end_date > $2)
         ORDER BY d.end_date, d.id",
    )
    .bind(time::date(today))
    .bind(time::date(until))
    .fetch_all(pool)
    .await?;
    let mut out = vec![];
    for r in rows {
        let b: i64 = r.try_get("beneficiary_id")?;
        for d in
            of_beneficiary(pool, b, roles).await?.into_iter().filter(|d| d.end_date >= today && d.end_date <= until)
        {
            out.push(ExpiringDeclaration {
                declaration: d,
                matricule: r.try_get("matricule")?,
                member_name: format!(
                    "{} {}",
                    r.try_get::<String, _>("m_last")?.to_uppercase(),
                    r.try_get::<String, _>("m_first")?
                ),
                beneficiary_name: format!(
                    "{} {}",
                    r.try_get::<String, _>("b_last")?.to_uppercase(),
                    r.try_get::<String, _>("b_first")?
                ),
            });
        }
    }
    out.sort_by_key(|e| (e.declaration.end_date, e.declaration.id));
    out.dedup_by_key(|e| e.declaration.id);
    Ok(out)
}
