//! Backups while desks work, restores into an empty database, the daily
//! rotation; on both backends (SQLite copy, pg_dump / pg_restore).

use crate::helpers::World;
use crate::support::{fresh_url, Kind, TestDb};
use guichet_core::api::Caller;
use guichet_core::backups as backup;
use guichet_core::storage::{Backend, Db};
use guichet_core::ErrorCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::BTreeMap;

crate::on_both_backends!(
    a_backup_restores_every_table_and_every_journal_row,
    a_backup_taken_while_desks_write_is_consistent,
    restores_never_overwrite_and_refuse_foreign_files,
    the_daily_backup_keeps_the_last_fourteen,
);

fn kind(db: &Db) -> Kind {
    if db.backend() == Backend::Postgres {
        Kind::Postgres
    } else {
        Kind::Sqlite
    }
}

/// A digest of every row of every table, per table.
async fn digests(db: &Db) -> BTreeMap<String, (i64, String)> {
    let pool = db.pool();
    let postgres = db.backend() == Backend::Postgres;
    let tables: Vec<String> = if postgres {
        sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = \
            'public' AND table_type = 'BASE TABLE'",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    } else {
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_all(pool)
            .await
            .unwrap()
    };
    let mut out = BTreeMap::new();
    for t in tables {
        let rows: Vec<String> = if postgres {
            sqlx::query_scalar(&format!("SELECT CAST(x AS TEXT) FROM {t} AS x")).fetch_all(pool).await.unwrap()
        } else {
            let cols: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
                .fetch_all(pool)
                .await
                .unwrap();
            let expr =
                cols.iter().map(|c| format!("COALESCE(hex({c}), 'NULL')")).collect::<Vec<_>>().join(" || '|' || ");
            sqlx::query_scalar(&format!("SELECT {expr} FROM {t}")).fetch_all(pool).await.unwrap()
        };
        let mut sorted = rows;
        sorted.sort();
        let mut h = Sha256::new();
        for r in &sorted {
            h.update(r.as_bytes());
            h.update(b"\n");
        }
        out.insert(t, (sorted.len() as i64, format!("{:x}", h.finalize())));
    }
    out
}

/// Members, beneficiaries, dossiers, a liquidation, a payment, approvals: a day's work.
async fn a_days_work(w: &World) {
    let mut sys = Caller::System { os_user: "test".into() };
    w.add_staff("accueil", &["reception"]).await;
    let mut reception = w.login("accueil").await;
    let urn = w.call(&mut sys, "urn_save", json!({"name": "Siège", "site": "Casablanca"})).await.unwrap();
    let col = w.call(&mut reception, "collection_open", json!({"urn_id": urn["id"]})).await.unwrap();
    let mut first = None;
    for i in 0..30 {
        let m = w
            .call(
                &mut reception,
                "member_create",
                json!({"matricule": format!("{}", 20_000 + i),
                "last_name": "Alaoui", "first_name": format!("Agent{i}"), "rib": "007 780 000 000 3654300171 71"}),
            )
            .await
            .unwrap();
        let page = w.call(&mut reception, "member_get", json!({"id": m["id"]})).await.unwrap();
        let r = w
            .call(
                &mut reception,
                "dossier_record",
                json!({"collection_id": col["id"], "form_number": format!("M26-{:07}", i), "matricule": format!("{}",
                20_000 + i), "beneficiary_id": page["beneficiaries"][0]["id"], "kind": "maladie",
                    "first_act_date": "2026-11-02", "total_claimed": "150,50", "pieces": 2}),
            )
            .await
            .unwrap();
        first.get_or_insert(r["dossier"]["id"].clone());
    }
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("scan.pdf");
    std::fs::write(&scan, b"%PDF-1.4\n% a scan with \x00 binary \xff bytes\n%%EOF\n").unwrap();
    let files = json!({"id": first, "files": [scan.to_str().unwrap()]});
    w.call(&mut reception, "dossier_scans_add", files).await.unwrap();
}

async fn a_backup_restores_every_table_and_every_journal_row(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    a_days_work(&w).await;
    let mut sys = Caller::System { os_user: "test".into() };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sauvegarde.bak");
    let before = digests(&w.t.db).await;
    let r = w.call(&mut sys, "backup_create", json!({"path": file.to_str().unwrap()})).await.unwrap();
    assert!(r["bytes"].as_i64().unwrap() > 0);
    assert!(!dir.path().join("sauvegarde.bak.partiel").exists(), "no partial file left");
    let (target, _keep) = fresh_url(kind(&w.t.db)).await.unwrap();
    let target = if w.t.db.backend() == Backend::Sqlite {
        format!("sqlite://{}", dir.path().join("restauree.sqlite3").display())
    } else {
        target
    };
    let report = backup::restore(&file, &target).await.unwrap();
    assert_eq!((report.members, report.dossiers, report.journal_intact), (30, 30, true));
    let restored = Db::open(&target).await.unwrap();
    let after = digests(&restored).await;
    // Every table, every row, byte for byte (the journal included: its rows and the chain's head).
    assert_eq!(after, before);
    assert!(before["audit_log"].0 > 60, "{:?}", before["audit_log"]);
    let content: Vec<u8> = sqlx::query("SELECT content FROM dossier_files")
        .fetch_one(restored.pool())
        .await
        .unwrap()
        .try_get("content")
        .unwrap();
    assert_eq!(content, b"%PDF-1.4\n% a scan with \x00 binary \xff bytes\n%%EOF\n");
    restored.close().await;
}

async fn a_backup_taken_while_desks_write_is_consistent(t: TestDb) {
    let w = std::sync::Arc::new(World::new(t).without_idle_lock().await);
    w.add_staff("accueil", &["reception"]).await;
    let writer = {
        let w = w.clone();
        tokio::spawn(async move {
            let mut desk = w.login("accueil").await;
            for i in 0..150 {
                w.call(
                    &mut desk,
                    "member_create",
                    json!({"matricule": format!("{}", 30_000 + i), "last_name": "Tazi", "first_name": format!("N{i}")}),
                )
                .await
                .unwrap();
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let mut sys = Caller::System { os_user: "test".into() };
    let mut files = vec![];
    for n in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        let f = dir.path().join(format!("pendant-{n}.bak"));
        w.call(&mut sys, "backup_create", json!({"path": f.to_str().unwrap()})).await.unwrap();
        files.push(f);
    }
    writer.await.unwrap();
    for (n, f) in files.iter().enumerate() {
        let target = match w.t.db.backend() {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join(format!("r{n}.sqlite3")).display()),
            Backend::Postgres => fresh_url(Kind::Postgres).await.unwrap().0,
        };
        let report = backup::restore(f, &target).await.unwrap();
        assert!(report.journal_intact);
        // A consistent moment: each member restored has his creation in the journal, and no more.
        let db = Db::open(&target).await.unwrap();
        let created: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'member.create'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(created, report.members, "backup {n}");
        db.close().await;
    }
}

async fn restores_never_overwrite_and_refuse_foreign_files(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    a_days_work(&w).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sauvegarde.bak");
    let mut sys = Caller::System { os_user: "test".into() };
    w.call(&mut sys, "backup_create", json!({"path": file.to_str().unwrap()})).await.unwrap();
    // Into the database in use: refused, nothing touched.
    let before = digests(&w.t.db).await;
    let e = backup::restore(&file, &w.t.url).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert!(
        e.message.contains("n'écrase jamais") || e.message.contains("n'écrit que dans une base vide"),
        "{}",
        e.message
    );
    assert_eq!(digests(&w.t.db).await, before);
    // Not a backup.
    let junk = dir.path().join("photo.jpg");
    std::fs::write(&junk, [0xFF, 0xD8, 0xFF, 0xE0]).unwrap();
    let e = backup::restore(&junk, "sqlite:///tmp/ne-sera-pas-cree.sqlite3").await.unwrap_err();
    assert_eq!(
        e.message,
        format!("« {} » n'est pas une sauvegarde de Guichet (ni SQLite, ni pg_dump).", junk.display())
    );
    let e = backup::restore(&dir.path().join("absente.bak"), "sqlite:///tmp/x.sqlite3").await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("file"));
    // The other backend's kind of target.
    let other = if w.t.db.backend() == Backend::Sqlite {
        "postgres://x@127.0.0.1:1/x".to_string()
    } else {
        format!("sqlite://{}", dir.path().join("y.sqlite3").display())
    };
    let e = backup::restore(&file, &other).await.unwrap_err();
    assert!(e.message.starts_with("Cette sauvegarde vient d'une base"), "{}", e.message);
    // A truncated SQLite copy is found before anything is written.
    if w.t.db.backend() == Backend::Sqlite {
        let bytes = std::fs::read(&file).unwrap();
        let cut = dir.path().join("coupee.bak");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let target = dir.path().join("z.sqlite3");
        let e = backup::restore(&cut, &format!("sqlite://{}", target.display())).await.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("file"), "{}", e.message);
        assert!(!target.exists());
        // A copy with a planted trigger, view or rewritten guard is refused:
        // it would run in the restored database (issue 17, item 11).
        let plants = [
            (
                "CREATE TRIGGER purge AFTER INSERT ON members BEGIN DELETE FROM staff; END",
                "le déclencheur « purge », \
                que Guichet ne crée pas",
            ),
            ("CREATE VIEW tout AS SELECT * FROM members", "la vue « tout », que Guichet ne crée pas"),
            // `_` is a LIKE wildcard: a name merely like SQLite's own is not trusted (issue 35, item 9).
            (
                "CREATE TRIGGER sqliteXpurge AFTER INSERT ON members BEGIN DELETE FROM staff; END",
                "le déclencheur « sqliteXpurge », que Guichet ne crée pas",
            ),
            (
                "DROP TRIGGER audit_log_no_delete; CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log WHEN \
                    0 BEGIN SELECT 1; END",
                "le déclencheur « audit_log_no_delete » n'est pas celui de Guichet",
            ),
        ];
        for (i, (sql, message)) in plants.iter().enumerate() {
            let planted = dir.path().join(format!("piegee{i}.bak"));
            std::fs::copy(&file, &planted).unwrap();
            let mut conn =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("sqlite://{}", planted.display()))
                    .await
                    .unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            sqlx::Connection::close(conn).await.unwrap();
            let target = dir.path().join(format!("restauree{i}.sqlite3"));
            let e = backup::restore(&planted, &format!("sqlite://{}", target.display())).await.unwrap_err();
            assert!(e.message.contains(message) && e.message.ends_with("rien n'a été restauré."), "{}", e.message);
            assert!(!target.exists());
        }
        // The untouched copy restores.
        let target = dir.path().join("intacte.sqlite3");
        backup::restore(&file, &format!("sqlite://{}", target.display())).await.unwrap();
    } else {
        // A dump carrying a function, trigger or view Guichet does not make, or
        // a guard of the journal rewritten, is refused before any of it runs
        // (checked against the migrations run in a scratch schema of the target).
        let plants = [
            (
                "CREATE FUNCTION purge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM staff; RETURN \
                    NEW; END $$; \
                 CREATE TRIGGER purge AFTER INSERT ON members FOR EACH ROW EXECUTE FUNCTION purge()",
                "la fonction « purge() », que Guichet ne crée pas",
            ),
            ("CREATE VIEW tout AS SELECT * FROM members", "un objet de type VIEW"),
            (
                "CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN \
                    NEW; END $$",
                "la fonction « audit_head_forward() » n'est pas celle de Guichet",
            ),
            (
                "DROP TRIGGER audit_log_no_update ON audit_log; \
                 CREATE TRIGGER audit_log_no_update BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION \
                     audit_log_append_only()",
                "le déclencheur « audit_log_no_update » n'est pas celui de Guichet",
            ),
        ];
        for (i, (sql, message)) in plants.iter().enumerate() {
            let source = fresh_url(Kind::Postgres).await.unwrap().0;
            backup::restore(&file, &source).await.unwrap();
            let src_db = Db::open(&source).await.unwrap();
            sqlx::raw_sql(sql).execute(src_db.pool()).await.unwrap();
            let planted = dir.path().join(format!("piegee{i}.dump"));
            backup::backup(&src_db, &planted, chrono::Utc::now()).await.unwrap();
            src_db.close().await;
            let target = fresh_url(Kind::Postgres).await.unwrap().0;
            let e = backup::restore(&planted, &target).await.unwrap_err();
            assert_eq!(e.field.as_deref(), Some("file"), "{}", e.message);
            assert!(e.message.contains(message) && e.message.ends_with("rien n'a été restauré."), "{}", e.message);
            // Nothing written, and the scratch schema is gone.
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&target).await.unwrap();
            let objects: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = \
                c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            let schemas: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE 'guichet_reference%'")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            sqlx::Connection::close(conn).await.unwrap();
            assert_eq!((objects, schemas), (0, 0), "{message}");
        }
    }
    // Only the administrator backs up from the command layer.
    w.add_staff("gest", &["claims"]).await;
    let mut claims = w.login("gest").await;
    let e = w
        .call(&mut claims, "backup_create", json!({"path": dir.path().join("x.bak").to_str().unwrap()}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
}

async fn the_daily_backup_keeps_the_last_fourteen(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("accueil", &["reception"]).await;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("sauvegardes");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    for d in 0..16 {
        let day = (start + chrono::Duration::days(d)).and_hms_opt(20, 0, 0).unwrap().and_utc();
        let first = backup::daily(&w.t.db, &folder, day, 14).await.unwrap();
        let again = backup::daily(&w.t.db, &folder, day, 14).await.unwrap();
        assert_eq!(again, None, "once a day");
        assert_eq!(first.is_some(), w.t.db.backend() == Backend::Sqlite);
    }
    if w.t.db.backend() == Backend::Sqlite {
        let (mut names, anchors): (Vec<String>, Vec<String>) = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .partition(|n| n.ends_with(".sqlite3"));
        names.sort();
        assert_eq!(names.len(), 14);
        // Each backup's anchor stays when the backup goes.
        assert_eq!(anchors.len(), 16, "{anchors:?}");
        assert_eq!(
            (names[0].as_str(), names[13].as_str()),
            ("guichet-2026-11-03.sqlite3", "guichet-2026-11-16.sqlite3")
        );
    }
}
