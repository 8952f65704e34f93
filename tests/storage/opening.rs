//! Opening databases from URLs, migrations, and connection errors.

use crate::support::{self, Kind, TestDb};
use guichet_core::storage::Db;

crate::on_both_backends!(migrations_are_idempotent, a_fresh_database_has_the_schema);

async fn migrations_are_idempotent(t: TestDb) {
    // Opening again runs the migrator again: nothing to do, nothing broken.
    t.db.close().await;
    let again = Db::open(&t.url).await.expect("second open");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(again.pool()).await.unwrap();
    assert!(n >= 1);
    assert_eq!(support::count(&again, "staff").await, 0);
}

async fn a_fresh_database_has_the_schema(t: TestDb) {
    for table in ["staff", "staff_roles", "audit_log"] {
        assert_eq!(support::count(&t.db, table).await, 0, "{table}");
    }
    assert_eq!(
        t.db.backend().name(),
        match t.kind {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        }
    );
}

#[tokio::test]
async fn sqlite_file_is_created_with_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sous-dossier").join("guichet.sqlite3");
    let db = Db::open(&format!("sqlite://{}", path.display())).await.unwrap();
    assert!(path.exists(), "the file and its folder are created");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(db.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(db.pool()).await.unwrap();
    assert_eq!(fk, 1);
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(db.pool()).await.unwrap();
    assert!(busy >= 5000, "busy timeout {busy}");
    // A foreign key really is enforced.
    let bad = sqlx::query("INSERT INTO staff_roles (staff_id, role) VALUES (999, 'admin')").execute(db.pool()).await;
    assert!(bad.is_err());
}

#[tokio::test]
async fn malformed_urls_are_refused_in_french() {
    for url in ["", "mysql://localhost/guichet", "sqlite://", "postgres://serveur:5432"] {
        let e = Db::open(url).await.unwrap_err().to_string();
        assert!(e.starts_with("Adresse de base de données invalide"), "{url}: {e}");
    }
}

#[tokio::test]
async fn unreachable_postgres_is_explained() {
    // Port 1 on loopback: nothing listens there.
    let e = Db::open("postgres://guichet:secret@127.0.0.1:1/guichet").await.unwrap_err().to_string();
    assert!(e.starts_with("Impossible de joindre la base PostgreSQL"), "{e}");
    assert!(e.contains("connexion refusée"), "{e}");
    assert!(!e.contains("secret"), "password leaked: {e}");
}

#[tokio::test]
async fn wrong_postgres_password_is_explained() {
    let Some((url, _)) = support::fresh_url(Kind::Postgres).await else { return };
    let mut u = url::Url::parse(&url).unwrap();
    u.set_password(Some("wrong-password")).unwrap();
    let e = Db::open(u.as_str()).await.unwrap_err().to_string();
    assert!(e.contains("mot de passe de la base refusé"), "{e}");
}
