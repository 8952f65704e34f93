//! The journal's years. On PostgreSQL the journal is one partition a year
//! (migration 0032) and a closed year can be set apart ([`crate::years`]):
//! its table, detached, stays readable but no longer part of `audit_log`.
//! The verification reads every year, each by its own index; a listing
//! reads the years set apart when asked (`crate::years::every_year`). The
//! desk's SQLite file keeps one table.

use crate::error::ApiResult;
use crate::storage::Backend;
use sqlx::AnyPool;

/// Every table that holds the journal's rows, the years set apart first
/// (`audit_log_2024`), then each year's partition and the one of rows
/// outside the years (`audit_log_2026`, `audit_log_other`); on SQLite
/// `audit_log` itself.
pub async fn tables(pool: &AnyPool) -> ApiResult<Vec<String>> {
    let mut tables: Vec<String> =
        crate::years::apart(pool).await?.into_iter().map(|y| format!("audit_log_{y}")).collect();
    let mut conn = pool.acquire().await?;
    match Backend::of(&conn) {
        Backend::Postgres => tables.extend(
            sqlx::query_scalar::<_, String>(
                "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                 WHERE i.inhparent = 'audit_log'::regclass ORDER BY c.relname",
            )
            .fetch_all(&mut *conn)
            .await?,
        ),
        Backend::Sqlite => tables.push("audit_log".into()),
    }
    Ok(tables)
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
}
