//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database on the
//! server named by `GUICHET_TEST_POSTGRES_URL`. Under `CI=true` a missing
//! PostgreSQL fails the test instead of skipping it.
#![allow(dead_code)]

use guichet_core::storage::Db;
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub kind: Kind,
    /// Keeps a SQLite file's folder alive (`None` for PostgreSQL or a file the test owns).
    pub _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A URL for a new, empty database of `kind`, or `None` to skip.
pub async fn fresh_url(kind: Kind) -> Option<(String, Option<tempfile::TempDir>)> {
    match kind {
        Kind::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("guichet.sqlite3").display());
            Some((url, Some(dir)))
        }
        Kind::Postgres => {
            let Some(server) = std::env::var("GUICHET_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty()) else {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!(
                        "GUICHET_TEST_POSTGRES_URL is not set: under CI=true the PostgreSQL tests must run (use \
                        scripts/test.sh)"
                    );
                }
                eprintln!("SKIPPED: GUICHET_TEST_POSTGRES_URL not set, PostgreSQL half of this test not run");
                return None;
            };
            sqlx::any::install_default_drivers();
            let name = format!(
                "guichet_t_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                chrono::Utc::now().timestamp_micros() % 1_000_000
            );
            let mut admin = sqlx::AnyConnection::connect(&server).await.expect("PostgreSQL test server unreachable");
            if !SWEPT.swap(true, Ordering::SeqCst) {
                sweep(&mut admin).await;
            }
            admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
            admin.close().await.ok();
            let mut u = url::Url::parse(&server).expect("GUICHET_TEST_POSTGRES_URL");
            u.set_path(&format!("/{name}"));
            Some((u.to_string(), None))
        }
    }
}

static SWEPT: AtomicBool = AtomicBool::new(false);

/// Drops the test databases of runs that have ended: a test's database
/// lives as long as its process (`guichet_t_{pid}_…`), and without this a
/// developer's server would gather a hundred and more at each run. Done once
/// a process, by its first test on PostgreSQL.
async fn sweep(admin: &mut sqlx::AnyConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT CAST(datname AS TEXT) FROM pg_database WHERE datname LIKE 'guichet\\_t\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let ended =
            name.split('_').nth(2).and_then(|pid| pid.parse::<u32>().ok()).is_some_and(|pid| {
                pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            });
        if ended {
            admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.ok();
        }
    }
}

pub async fn open(kind: Kind) -> Option<TestDb> {
    let (url, dir) = fresh_url(kind).await?;
    let db = Db::open(&url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    Some(TestDb { db, url, kind, _dir: dir })
}

/// Runs each named `async fn(TestDb)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(t) = $crate::support::open($crate::support::Kind::Sqlite).await {
                        super::$name(t).await
                    }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(t) = $crate::support::open($crate::support::Kind::Postgres).await {
                        super::$name(t).await
                    }
                }
            }
        )*
    };
}

/// The schema's indexes with their definitions, by name (a large import on
/// SQLite sets some aside inside its transaction: they must all come back).
pub async fn indexes(db: &Db, kind: Kind) -> Vec<(String, String)> {
    let sql = match kind {
        Kind::Sqlite => "SELECT name, COALESCE(sql, '') FROM sqlite_schema WHERE type = 'index' ORDER BY name",
        Kind::Postgres => {
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
        }
    };
    sqlx::query_as(sql).fetch_all(db.pool()).await.unwrap()
}

/// Number of rows in a table.
pub async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(db.pool()).await.unwrap()
}
