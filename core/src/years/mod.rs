//! Years apart (PostgreSQL; issue 37, point 3). The journal, the dossiers
//! and their care lines are kept in one partition a year (migrations 0032
//! and 0033); a closed year is set apart ([`archive`]): its three tables are
//! detached, copied and anchored, and still read:
//!
//! - a dossier (with its lines) by its id, whose year it carries: not found
//!   among the years in use, it is read from its year's table
//!   ([`table_apart`]), so its page, its statement and the claw-backs that
//!   name it still open;
//! - the searches that must find a dossier whatever its year (a member's
//!   dossiers in his space, his statements of a period, a statement by its
//!   number) read every year ([`with_years`]);
//! - the journal: its verification reads every year, a listing the years
//!   set apart when asked (`audit::years`).
//!
//! The desk's SQLite file keeps one table each and sets no year apart.

pub mod archive;

use crate::error::ApiResult;
use crate::storage::{Backend, Db};
use sqlx::{AnyConnection, AnyPool};

/// Ids of dossiers and care lines given in a year: the year × 10^9 + their
/// rank in it (`id_in_year`, migration 0033). Below: recorded before.
const YEAR_IDS: i64 = 1_000_000_000;
const FIRST_YEAR_ID: i64 = 2000 * YEAR_IDS;

/// The id a new dossier recorded in `year` takes, as SQL: on PostgreSQL the
/// next of that year (its year's partition); on SQLite the table's own.
pub fn new_dossier_id(backend: Backend, year: i32) -> String {
    match backend {
        Backend::Postgres => format!("id_in_year('dossiers', {year})"),
        Backend::Sqlite => "NULL".into(),
    }
}

/// The id a new care line of dossier `$dossier` (a parameter of the
/// statement) takes, as SQL: on PostgreSQL the next of its dossier's year,
/// so that a dossier's lines live in its year's partition.
pub fn new_care_line_id(backend: Backend, dossier: &str) -> String {
    match backend {
        Backend::Postgres => format!("care_line_id({dossier})"),
        Backend::Sqlite => "NULL".into(),
    }
}

/// The year a dossier's or a care line's id was given in, if it carries one.
pub fn year_of_id(id: i64) -> Option<i64> {
    (id >= FIRST_YEAR_ID).then_some(id / YEAR_IDS)
}

/// Opens `years` on PostgreSQL (nothing on SQLite): the partitions of the
/// journal, the dossiers and the care lines, and the sequences of the
/// year's ids. The server does it for this year (and the next from
/// December) at start and four times a day, so that no row of a new year
/// waits for it; the function runs as the schema's owner and makes nothing
/// else.
pub async fn open(db: &Db, years: &[i32]) -> ApiResult<()> {
    if db.backend() == Backend::Sqlite {
        return Ok(());
    }
    for y in years {
        sqlx::query("SELECT open_year($1)").bind(y).execute(db.pool()).await?;
    }
    Ok(())
}

/// Opens `year` if this process has not seen it open: before a dossier of
/// it is recorded, outside the recording's statement (a partition cannot be
/// made while its table is being written). Once a year on a site, as the
/// server opens each year ahead; at once when the clock says a year nobody
/// opened.
pub async fn ensure_open(db: &Db, year: i32) -> ApiResult<()> {
    if db.backend() == Backend::Sqlite || db.open_years.lock().map(|y| y.contains(&year)).unwrap_or(false) {
        return Ok(());
    }
    open(db, &[year]).await?;
    if let Ok(mut years) = db.open_years.lock() {
        years.insert(year);
    }
    Ok(())
}

/// The years set apart, oldest first (none on SQLite).
pub async fn apart(pool: &AnyPool) -> ApiResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT year FROM archived_years ORDER BY year").fetch_all(pool).await?)
}

/// `table` (`dossiers`, `care_lines`, `audit_log`) with its tables of the
/// years set apart, read as one under the table's own name (a query that
/// names it without an alias reads them all).
pub fn with_years(table: &str, years: &[i64]) -> String {
    with_years_as(table, years, table)
}

/// [`with_years`] read under `name` (an alias of the query's own).
pub fn with_years_as(table: &str, years: &[i64], name: &str) -> String {
    if years.is_empty() {
        return if name == table { table.to_string() } else { format!("{table} {name}") };
    }
    let mut parts = vec![format!("SELECT * FROM {table}")];
    parts.extend(years.iter().map(|y| format!("SELECT * FROM {table}_{y}")));
    format!("({}) AS {name}", parts.join(" UNION ALL "))
}

/// Where the rows of `table` for the dossier `dossier_id` are kept when
/// they are not among the years in use: the table of its year, if that
/// year is set apart.
pub async fn table_apart(conn: &mut AnyConnection, table: &str, dossier_id: i64) -> ApiResult<Option<String>> {
    let Some(year) = year_of_id(dossier_id) else { return Ok(None) };
    let apart: Option<i64> = sqlx::query_scalar("SELECT year FROM archived_years WHERE year = $1")
        .bind(year)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(apart.map(|y| format!("{table}_{y}")))
}

/// The table that holds dossier `dossier_id`'s rows of `table`: its year's
/// if that year is set apart, else `table` itself.
pub async fn table_of(conn: &mut AnyConnection, table: &str, dossier_id: i64) -> ApiResult<String> {
    Ok(table_apart(conn, table, dossier_id).await?.unwrap_or_else(|| table.to_string()))
}

/// [`with_years`] over the years set apart now.
pub async fn every_year(pool: &AnyPool, table: &str) -> ApiResult<String> {
    Ok(with_years(table, &apart(pool).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_carries_its_year() {
        assert_eq!(year_of_id(2_026_000_000_017), Some(2026));
        assert_eq!(year_of_id(17), None);
    }

    #[test]
    fn a_search_reads_the_years_set_apart_under_the_tables_name() {
        assert_eq!(with_years("dossiers", &[]), "dossiers");
        assert_eq!(
            with_years("dossiers", &[2024, 2025]),
            "(SELECT * FROM dossiers UNION ALL SELECT * FROM dossiers_2024 UNION ALL SELECT * FROM dossiers_2025) \
             AS dossiers"
        );
        assert_eq!(with_years_as("care_lines", &[], "cl"), "care_lines cl");
        assert_eq!(
            with_years_as("care_lines", &[2025], "cl"),
            "(SELECT * FROM care_lines UNION ALL SELECT * FROM care_lines_2025) AS cl"
        );
    }
}
