//! Bulk INSERTs for imports: many rows per statement instead of one statement
//! per row. (Packing a chunk into one JSON parameter unpacked by `json_each`
//! was measured slower than binding each value.)

use super::Backend;
use crate::error::{ApiError, ApiResult};
use sqlx::any::AnyArguments;
use sqlx::error::BoxDynError;
use sqlx::{Any, Arguments, Encode, Transaction, Type};

/// The values of the rows of one statement, pushed in column order.
/// Values are borrowed from the caller's rows where they can be: an import's
/// rows are not copied once more only to be bound.
pub struct RowValues<'a> {
    args: AnyArguments<'a>,
    error: Option<BoxDynError>,
}

impl<'a> RowValues<'a> {
    /// Adds the next column's value.
    pub fn push<V: 'a + Encode<'a, Any> + Type<Any>>(&mut self, v: V) -> &mut Self {
        if let Err(e) = self.args.add(v) {
            self.error.get_or_insert(e);
        }
        self
    }
}

/// Below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const MAX_PARAMS: usize = 30_000;

/// A value to insert, for callers that build their rows as lists (the
/// benchmarks' fills).
#[derive(Debug, Clone)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

impl Value {
    /// Binds this value as the query's next parameter.
    pub fn bind_to<'q>(
        &self,
        q: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
        match self {
            Value::Text(t) => q.bind(t.clone()),
            Value::Int(i) => q.bind(*i),
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(Some(s))
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(Some(s.to_string()))
    }
}
impl From<Option<String>> for Value {
    fn from(s: Option<String>) -> Value {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(Some(i))
    }
}
impl From<crate::money::Centimes> for Value {
    fn from(c: crate::money::Centimes) -> Value {
        Value::Int(Some(c.0))
    }
}
impl From<Option<i64>> for Value {
    fn from(i: Option<i64>) -> Value {
        Value::Int(i)
    }
}

/// Inserts rows given as lists of values, one per column.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> ApiResult<()> {
    insert_rows(tx, table, columns, rows, |v, row| {
        for value in row {
            match value {
                Value::Text(t) => v.push(t.as_deref()),
                Value::Int(i) => v.push(*i),
            };
        }
    })
    .await
}

/// Inserts `rows` into `table`, many rows per statement; `bind` pushes one
/// row's values, one per column, in the order of `columns`.
pub async fn insert_rows<'a, T>(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    columns: &[&str],
    rows: &'a [T],
    bind: impl Fn(&mut RowValues<'a>, &'a T),
) -> ApiResult<()> {
    let backend = Backend::of(tx);
    let statement = |n: usize| values_statement(backend, table, columns, n);
    in_statements(tx, table, (0, columns.len()), rows, statement, |_| {}, bind).await
}

/// Inserts `rows` into `table` as [`insert_rows`] does, the `shared` columns
/// taking the same values in every row: those are bound once a statement
/// (`shared_values` pushes them) instead of once a row. A journal segment's
/// rows share their time, author and segment: half the values of 100,000
/// rows not bound.
pub async fn insert_rows_sharing<'a, T>(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    shared: &[&str],
    shared_values: impl Fn(&mut RowValues<'a>),
    columns: &[&str],
    rows: &'a [T],
    bind: impl Fn(&mut RowValues<'a>, &'a T),
) -> ApiResult<()> {
    let backend = Backend::of(tx);
    let statement = |n: usize| {
        // The shared values' placeholders come first in the text, then the rows'.
        let mut sql = format!(
            "INSERT INTO {table} ({}, {}) SELECT {}, {} FROM (VALUES ",
            shared.join(", "),
            columns.join(", "),
            placeholders(backend, 1, shared.len()),
            (1..=columns.len()).map(|i| format!("v.column{i}")).collect::<Vec<_>>().join(", ")
        );
        for i in 0..n {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(backend, shared.len() + i * columns.len() + 1, columns.len()));
            sql.push(')');
        }
        sql.push_str(") AS v");
        sql
    };
    in_statements(tx, table, (shared.len(), columns.len()), rows, statement, shared_values, bind).await
}

/// Runs the statements of a bulk insert: as many rows a statement as the
/// bound values allow (`width`: `lead` values a statement, then `per_row`
/// values a row), the statement of a full chunk written once (and prepared
/// once); `lead_values` pushes a statement's first values, `bind` a row's.
async fn in_statements<'a, T>(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    (lead, per_row): (usize, usize),
    rows: &'a [T],
    statement: impl Fn(usize) -> String,
    lead_values: impl Fn(&mut RowValues<'a>),
    bind: impl Fn(&mut RowValues<'a>, &'a T),
) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let per_chunk = ((MAX_PARAMS - lead) / per_row).clamp(1, 1000);
    let full = statement(per_chunk.min(rows.len()));
    for chunk in rows.chunks(per_chunk) {
        let last;
        let sql = if chunk.len() == per_chunk.min(rows.len()) {
            &full
        } else {
            last = statement(chunk.len());
            &last
        };
        let mut values = RowValues { args: AnyArguments::default(), error: None };
        values.args.reserve(lead + chunk.len() * per_row, 0);
        lead_values(&mut values);
        for row in chunk {
            bind(&mut values, row);
        }
        if let Some(e) = values.error {
            return Err(ApiError::internal(format!("valeur impossible à écrire dans {table} : {e}")));
        }
        debug_assert_eq!(values.args.len(), lead + chunk.len() * per_row);
        sqlx::query_with(sql, values.args).execute(&mut **tx).await?;
    }
    Ok(())
}

/// `INSERT INTO table (columns) VALUES (…), (…)` for `n` rows.
fn values_statement(backend: Backend, table: &str, columns: &[&str], n: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    if backend == Backend::Sqlite {
        let row = format!("({})", vec!["?"; columns.len()].join(", "));
        sql.push_str(&vec![row; n].join(", "));
        return sql;
    }
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&placeholders(backend, i * columns.len() + 1, columns.len()));
        sql.push(')');
    }
    sql
}

/// `n` placeholders for an `IN (…)` list, numbered from `first`. On SQLite they
/// are anonymous `?`: sqlx asks SQLite the name of every parameter and SQLite
/// finds a name by a linear scan, which makes long lists quadratic.
pub fn placeholders(backend: Backend, first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| if backend == Backend::Sqlite { "?".to_string() } else { format!("${i}") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Secondary indexes set aside while a large import fills nearly empty tables,
/// and built again, each in one sorted pass, before the import commits: that
/// is cheaper than growing them row by row (measured on a 100,000-member
/// import into an empty base: the journal's and the beneficiaries' inserts
/// about twice as fast, the rebuild a fifth of what it saves).
///
/// Meanwhile the import's connection keeps a larger page cache
/// ([`IMPORT_CACHE_KIB`]), so that the pages it writes are not spilled to
/// the journal file and read back before the commit (a 100,000-member import
/// writes about 95 MB; measured 3 % faster). It is set back at the end; a
/// failed import leaves it to its connection until the pool closes that one
/// (30 minutes at most).
///
/// SQLite only, where the import's transaction already holds the only write
/// lock and readers keep working on their snapshot, indexes included; on
/// PostgreSQL dropping an index would lock the table against every other desk
/// for the whole import. Unique indexes are never set aside: they guard the
/// data while it is written. The indexes come back from their own definition
/// in the schema, so they are rebuilt exactly as the migrations made them, and
/// everything happens inside the import's transaction: a failed or abandoned
/// import rolls the drop back with the rest.
#[derive(Debug, Default)]
pub struct DeferredIndexes {
    /// `CREATE INDEX` statements to run again, as the schema holds them.
    definitions: Vec<String>,
    /// The connection's cache was raised.
    cache_raised: bool,
}

/// A large import's page cache, in KiB: 256 MB, used only as far as it fills.
pub const IMPORT_CACHE_KIB: i64 = 256 * 1024;

impl DeferredIndexes {
    /// Sets aside the non-unique indexes of `tables` when about `incoming`
    /// rows will be added and each table holds fewer rows than that (rebuilding
    /// an index reads the whole table; growing it only touches the new rows).
    /// Raises the connection's cache for the import. Does nothing on PostgreSQL.
    pub async fn set_aside(
        tx: &mut Transaction<'static, Any>,
        tables: &[&str],
        incoming: u64,
    ) -> ApiResult<DeferredIndexes> {
        let mut deferred = DeferredIndexes::default();
        if Backend::of(tx) == Backend::Postgres || incoming < MIN_ROWS_TO_DEFER {
            return Ok(deferred);
        }
        for table in tables {
            // An estimate from the rowid bounds: two index seeks, no scan.
            let rows: i64 =
                sqlx::query_scalar(&format!("SELECT COALESCE(MAX(rowid) - MIN(rowid) + 1, 0) FROM {table}"))
                    .fetch_one(&mut **tx)
                    .await?;
            if rows as u64 >= incoming {
                continue;
            }
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT s.name, s.sql FROM sqlite_schema s JOIN pragma_index_list(s.tbl_name) l ON l.name = s.name
                 WHERE s.type = 'index' AND s.tbl_name = $1 AND s.sql IS NOT NULL AND l.\"unique\" = 0 ORDER BY s.name",
            )
            .bind(*table)
            .fetch_all(&mut **tx)
            .await?;
            for (name, sql) in indexes {
                sqlx::query(&format!("DROP INDEX \"{name}\"")).execute(&mut **tx).await?;
                deferred.definitions.push(sql);
            }
        }
        if !deferred.definitions.is_empty() {
            tracing::debug!(indexes = deferred.definitions.len(), incoming, "index mis de côté pendant l'import");
        }
        sqlx::query(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}")).execute(&mut **tx).await?;
        deferred.cache_raised = true;
        Ok(deferred)
    }

    /// Builds the indexes set aside again, in the same transaction, and sets
    /// the connection's cache back.
    pub async fn restore(self, tx: &mut Transaction<'static, Any>) -> ApiResult<()> {
        for sql in self.definitions {
            sqlx::query(&sql).execute(&mut **tx).await?;
        }
        if self.cache_raised {
            sqlx::query(&format!("PRAGMA cache_size = -{}", super::CACHE_KIB)).execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// Below this many incoming rows, growing the indexes costs too little to matter.
const MIN_ROWS_TO_DEFER: u64 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Db;

    async fn cache_kib(tx: &mut Transaction<'static, Any>) -> i64 {
        -sqlx::query_scalar::<_, i64>("PRAGMA cache_size").fetch_one(&mut **tx).await.unwrap()
    }

    async fn index_names(tx: &mut Transaction<'static, Any>) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'beneficiaries' AND sql IS NOT NULL \
            ORDER BY name",
        )
        .fetch_all(&mut **tx)
        .await
        .unwrap()
    }

    /// A large import into an empty table: its secondary index is set aside
    /// and its connection's cache raised, then both come back before the
    /// commit; a small one changes nothing.
    #[tokio::test]
    async fn a_large_import_sets_indexes_aside_and_raises_its_cache_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}", dir.path().join("g.sqlite3").display())).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let all = index_names(&mut tx).await;
        assert_eq!(all, ["beneficiaries_member", "beneficiaries_one_self"]);
        assert_eq!(cache_kib(&mut tx).await, crate::storage::CACHE_KIB);

        let small = DeferredIndexes::set_aside(&mut tx, &["beneficiaries"], 100).await.unwrap();
        assert_eq!((index_names(&mut tx).await, cache_kib(&mut tx).await), (all.clone(), crate::storage::CACHE_KIB));
        small.restore(&mut tx).await.unwrap();

        let large = DeferredIndexes::set_aside(&mut tx, &["beneficiaries"], 50_000).await.unwrap();
        // The unique one stays: it guards the data while it is written.
        assert_eq!(index_names(&mut tx).await, ["beneficiaries_one_self"]);
        assert_eq!(cache_kib(&mut tx).await, IMPORT_CACHE_KIB);
        large.restore(&mut tx).await.unwrap();
        assert_eq!((index_names(&mut tx).await, cache_kib(&mut tx).await), (all, crate::storage::CACHE_KIB));
        tx.commit().await.unwrap();
    }
}
