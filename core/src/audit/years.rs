//! The journal's years. On PostgreSQL the journal is one partition a year
//! (migration 0032) and a closed year can be set apart ([`crate::years`]):
//! its table, detached, stays readable but no longer part of `audit_log`.
//! A listing reads the years in use unless asked for the years set apart;
//! the verification reads every year, each by its own index. The desk's
//! SQLite file keeps one table.

use crate::error::ApiResult;
use sqlx::AnyPool;

/// The tables that hold the journal's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalTables {
    /// Each year's partition and the one of rows outside the years
    /// (`audit_log_2026`, `audit_log_other`); on SQLite `audit_log` itself.
    pub years: Vec<String>,
    /// The tables of the years set apart (`audit_log_2024`), oldest first.
    pub archived: Vec<String>,
}

impl JournalTables {
    /// Every table of the journal, the years set apart first.
    pub fn all(&self) -> Vec<String> {
        self.archived.iter().chain(&self.years).cloned().collect()
    }

    /// What a listing reads from: `audit_log` (the years in use), with the
    /// years set apart when asked, under the same name.
    pub fn source(&self, with_archives: bool) -> String {
        let years: Vec<i64> = match with_archives {
            true => self.archived.iter().filter_map(|t| t.strip_prefix("audit_log_")?.parse().ok()).collect(),
            false => vec![],
        };
        crate::years::with_years("audit_log", &years)
    }
}

/// The journal's tables as they stand.
pub async fn tables(pool: &AnyPool) -> ApiResult<JournalTables> {
    let archived = crate::years::apart(pool).await?.into_iter().map(|y| format!("audit_log_{y}")).collect();
    let mut conn = pool.acquire().await?;
    let postgres = !conn.backend_name().eq_ignore_ascii_case("sqlite");
    let years = if postgres {
        sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'audit_log'::regclass ORDER BY c.relname",
        )
        .fetch_all(&mut *conn)
        .await?
    } else {
        vec!["audit_log".to_string()]
    };
    Ok(JournalTables { years, archived })
}

/// A page of the journal in `order` (plain column names, ascending), from
/// every table in `tables`: each table's own page, by its own index, then
/// the first `limit` of them. A table stands for one year and no planner
/// estimate can make a page read a year behind it.
pub fn paged(tables: &[String], columns: &str, condition: &str, order: &str, limit: i64) -> String {
    let one = |t: &str| format!("SELECT {columns} FROM {t} WHERE {condition} ORDER BY {order} LIMIT {limit}");
    match tables {
        [t] => one(t),
        _ => {
            let each: Vec<String> = tables.iter().map(|t| format!("({})", one(t))).collect();
            format!("SELECT * FROM ({}) AS j ORDER BY {order} LIMIT {limit}", each.join(" UNION ALL "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_one_table_is_its_own_query() {
        let sql = paged(&["audit_log".into()], "id, seq", "seq >= $1", "seq", 10);
        assert_eq!(sql, "SELECT id, seq FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 10");
    }

    #[test]
    fn a_page_of_several_years_takes_each_years_page_then_the_first() {
        let sql = paged(&["audit_log_2025".into(), "audit_log_2026".into()], "id, seq", "seq >= $1", "seq", 10);
        assert_eq!(
            sql,
            "SELECT * FROM ((SELECT id, seq FROM audit_log_2025 WHERE seq >= $1 ORDER BY seq LIMIT 10) UNION ALL \
             (SELECT id, seq FROM audit_log_2026 WHERE seq >= $1 ORDER BY seq LIMIT 10)) AS j ORDER BY seq LIMIT 10"
        );
    }

    #[test]
    fn the_years_set_apart_are_read_when_asked() {
        let t = JournalTables { years: vec!["audit_log_2026".into()], archived: vec!["audit_log_2024".into()] };
        assert_eq!(t.source(false), "audit_log");
        assert_eq!(t.source(true), "(SELECT * FROM audit_log UNION ALL SELECT * FROM audit_log_2024) AS audit_log");
        assert_eq!(t.all(), vec!["audit_log_2024".to_string(), "audit_log_2026".to_string()]);
    }
}
