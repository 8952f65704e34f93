//! Times are stored as fixed-width UTC text `2026-11-23T13:18:57.123456Z`, dates
//! as `2026-11-23`: the same on both backends, and text order is time order.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse_ts(s: &str) -> Result<DateTime<Utc>, crate::ApiError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| crate::ApiError::internal(format!("horodatage illisible en base « {s} » : {e}")))
}

pub fn date(d: NaiveDate) -> String {
    use chrono::Datelike;
    // Written by hand for the years a register holds (an import writes two
    // dates per member; chrono's format interprets its pattern each time).
    match d.year() {
        y @ 0..=9999 => format!("{y:04}-{:02}-{:02}", d.month(), d.day()),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// A stored `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<NaiveDate, crate::ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| crate::ApiError::internal(format!("date illisible en base {s}: {e}")))
}

/// A nullable `YYYY-MM-DD` column of a row.
pub fn row_date(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<NaiveDate>, crate::ApiError> {
    use sqlx::Row;
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| parse_date(&s)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn fixed_width_so_text_order_is_time_order() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(ts(a), "2026-01-02T03:04:05.000000Z");
        assert!(ts(a) < ts(b));
        assert_eq!(parse_ts(&ts(b)).unwrap(), b);
    }
}
