//! A fresh PostgreSQL database for a benchmark, on the server named by
//! `GUICHET_TEST_POSTGRES_URL`, dropped afterwards.
#![allow(dead_code)]

use std::future::Future;

/// Runs `bench` with the URL of a new database named `guichet_bench_{tag}_{pid}`;
/// says why it did not when no server is set. `BENCH_KEEP_DATABASE=1` keeps
/// the database for a look afterwards.
pub async fn with_database<F, Fut>(tag: &str, bench: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let server = match std::env::var("GUICHET_TEST_POSTGRES_URL") {
        Ok(s) if !s.is_empty() => s,
        _ => {
            println!("PostgreSQL: skipped (GUICHET_TEST_POSTGRES_URL not set)");
            return;
        }
    };
    sqlx::any::install_default_drivers();
    use sqlx::{Connection, Executor};
    let mut admin = sqlx::AnyConnection::connect(&server).await.unwrap();
    let name = format!("guichet_bench_{tag}_{}", std::process::id());
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let mut u = url::Url::parse(&server).unwrap();
    u.set_path(&format!("/{name}"));
    bench(u.to_string()).await;
    if std::env::var("BENCH_KEEP_DATABASE").is_ok_and(|v| v == "1") {
        println!("database kept: {u}");
        return;
    }
    admin.execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str()).await.ok();
}
