//! Rules that change over time (deadlines, scales, who is covered) are rows
//! keyed by the day they take effect: one rule a day, per table.

use crate::error::{ApiError, ApiResult};
use crate::storage::time;
use chrono::NaiveDate;
use sqlx::{Any, Transaction};

/// Refuses a second rule taking effect on `day` in `table`; `what` names the
/// rule in the message (« Une règle », « Un barème »).
pub async fn ensure_day_free(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    day: NaiveDate,
    what: &str,
) -> ApiResult<()> {
    let taken: Option<String> =
        sqlx::query_scalar(&format!("SELECT effective_from FROM {table} WHERE effective_from = $1"))
            .bind(time::date(day))
            .fetch_optional(&mut **tx)
            .await?;
    match taken {
        Some(_) => Err(ApiError::validation(
            "effective_from",
            format!("{what} prend déjà effet à cette date : choisissez une autre date."),
        )),
        None => Ok(()),
    }
}
