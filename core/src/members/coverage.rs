//! Who is covered on a given day: a beneficiary between his coverage start and
//! end, and never after the member himself left. Liquidation and prior
//! approvals both ask it.

use crate::error::ApiResult;
use chrono::NaiveDate;
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;

/// Coverage of each of a member's beneficiaries: (start, end), the end never after the member's own.
pub struct Coverage(BTreeMap<i64, (Option<NaiveDate>, Option<NaiveDate>)>);

impl Coverage {
    pub async fn of_member(tx: &mut Transaction<'static, Any>, member_id: i64) -> ApiResult<Coverage> {
        let member_end: Option<String> = sqlx::query_scalar("SELECT end_date FROM members WHERE id = $1")
            .bind(member_id)
            .fetch_one(&mut **tx)
            .await?;
        let member_end = member_end.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        let rows = sqlx::query("SELECT id, coverage_start, coverage_end FROM beneficiaries WHERE member_id = $1")
            .bind(member_id)
            .fetch_all(&mut **tx)
            .await?;
        let mut out = BTreeMap::new();
        for r in rows {
            let parse = |c: &str| -> ApiResult<Option<NaiveDate>> {
                Ok(r.try_get::<Option<String>, _>(c)?.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
            };
            let end = match (parse("coverage_end")?, member_end) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            out.insert(r.try_get::<i64, _>("id")?, (parse("coverage_start")?, end));
        }
        Ok(Coverage(out))
    }

    /// `None`: not a beneficiary of this member; otherwise whether he is covered on `day`.
    pub fn covered(&self, beneficiary: i64, day: NaiveDate) -> Option<bool> {
        self.0.get(&beneficiary).map(|(s, e)| s.is_none_or(|s| day >= s) && e.is_none_or(|e| day <= e))
    }
}
