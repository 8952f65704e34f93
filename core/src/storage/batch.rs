//! Bulk INSERTs for imports: many rows per statement instead of one statement
//! per row. (Packing a chunk into one JSON parameter unpacked by `json_each`
//! was measured slower than binding each value.)

use super::Backend;
use crate::error::ApiResult;
use sqlx::{Any, Transaction};

/// A value to insert.
#[derive(Debug, Clone)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i64>),
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
impl From<Option<i64>> for Value {
    fn from(i: Option<i64>) -> Value {
        Value::Int(i)
    }
}

/// Below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` (each with one value per column) into `table`, many rows per
/// statement.
pub async fn insert(tx: &mut Transaction<'static, Any>, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = if tx.backend_name().eq_ignore_ascii_case("sqlite") { Backend::Sqlite } else { Backend::Postgres };
    let per_chunk = (MAX_PARAMS / columns.len()).clamp(1, 1000);
    // The statement of a full chunk is written once (and prepared once).
    let full = values_statement(backend, table, columns, per_chunk.min(rows.len()));
    for chunk in rows.chunks(per_chunk) {
        let last;
        let sql = if chunk.len() == per_chunk.min(rows.len()) {
            &full
        } else {
            last = values_statement(backend, table, columns, chunk.len());
            &last
        };
        let mut q = sqlx::query(sql);
        for row in chunk {
            debug_assert_eq!(row.len(), columns.len());
            for v in row {
                q = match v {
                    Value::Text(t) => q.bind(t.as_deref()),
                    Value::Int(i) => q.bind(*i),
                };
            }
        }
        q.execute(&mut **tx).await?;
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
