//! The AMO fund's coverages ending soon: the CNOPS letter asks the member to
//! renew « un mois avant l'expiration », so the desk lists them.

use super::fund::{from_row, FundCoverage, SELECT};
use super::rule_sets::rule_sets;
use crate::error::ApiResult;
use crate::storage::time;
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::AnyPool;
use ts_rs::TS;

/// A fund coverage ending soon, with its member: the desk reminds him to
/// ask the fund for its renewal.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExpiringCoverage {
    pub matricule: String,
    pub member_name: String,
    pub coverage: FundCoverage,
}

/// The fund coverages whose validity ends within `days` of `today` (still in force today), soonest first.
pub async fn expiring(pool: &AnyPool, today: NaiveDate, days: i64) -> ApiResult<Vec<ExpiringCoverage>> {
    let sets = rule_sets(pool).await?;
    let rows =
        sqlx::query(&format!("{SELECT} WHERE c.valid_to >= $1 AND c.valid_to <= $2 ORDER BY c.valid_to, c.number"))
            .bind(time::date(today))
            .bind(time::date(today + chrono::Duration::days(days)))
            .fetch_all(pool)
            .await?;
    let mut out = vec![];
    for r in &rows {
        let coverage = from_row(r, &sets)?;
        let (matricule, last, first): (String, String, String) =
            sqlx::query_as("SELECT matricule, last_name, first_name FROM members WHERE id = $1")
                .bind(coverage.member_id)
                .fetch_one(pool)
                .await?;
        out.push(ExpiringCoverage { matricule, member_name: format!("{last} {first}"), coverage });
    }
    Ok(out)
}
