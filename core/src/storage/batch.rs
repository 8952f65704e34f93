//! Multi-row INSERTs: one statement per chunk of rows instead of one per row,
//! which is what makes a 100,000-row import fast on both backends.

use crate::error::ApiResult;
use sqlx::{Any, Transaction};

/// A value to bind.
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

/// Inserts `rows` (each with one value per column) into `table`.
pub async fn insert(tx: &mut Transaction<'static, Any>, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let per_chunk = (MAX_PARAMS / columns.len()).clamp(1, 1000);
    for chunk in rows.chunks(per_chunk) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..columns.len() {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            debug_assert_eq!(row.len(), columns.len());
            for v in row {
                q = match v {
                    Value::Text(t) => q.bind(t.clone()),
                    Value::Int(i) => q.bind(*i),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
