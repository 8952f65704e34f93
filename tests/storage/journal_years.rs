//! Issue 37, point 3: the journal kept by year on PostgreSQL, a closed year
//! set apart (detached, copied, anchored), still read by the verification
//! and by a listing that asks for it; the chain runs on through it.

use crate::helpers::{NewMember, World};
use crate::support::{fresh_url, Kind, TestDb};
use chrono::NaiveDate;
use guichet_core::api::Caller;
use guichet_core::audit::{archive, years, Actor};
use guichet_core::storage::{Backend, Db};
use serde_json::json;
use sha2::{Digest, Sha256};

crate::on_both_backends!(a_closed_year_of_the_journal_is_set_apart_and_still_read);

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

async fn a_closed_year_of_the_journal_is_set_apart_and_still_read(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let db = w.t.db.clone();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("journal-2026.dump");
    if db.backend() == Backend::Sqlite {
        let e = archive::archive_year(&db, w.api.now(), &Actor::system("test"), 2025, &dump).await.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("database"), "{}", e.message);
        assert!(!dump.exists());
        return;
    }
    // What the server does at start: this year and the next.
    years::open(db.pool(), &[2026, 2027]).await.unwrap();
    let mut d = w.desks().await;
    let (member, _) = w.member(&mut d.reception, NewMember::new("M2026", "ANCIEN", "Karim", "ONEE")).await;
    // The 2026 rows in their partition.
    w.on_day(NaiveDate::from_ymd_opt(2027, 1, 15).unwrap());
    let page = w.call(&mut d.reception, "member_get", json!({"id": member})).await.unwrap();
    let m = &page["member"];
    let input = json!({"matricule": m["matricule"], "last_name": m["last_name"], "first_name": m["first_name"],
        "status": m["status"], "gsm": "0612345678"});
    let changed = json!({"id": member, "version": m["version"], "member": input});
    w.call(&mut d.reception, "member_update", changed).await.unwrap();
    let of_2026 = count(&db, "SELECT COUNT(*) FROM audit_log_2026").await;
    assert!(of_2026 > 5, "{of_2026}");
    let all = count(&db, "SELECT COUNT(*) FROM audit_log").await;
    // The server's role, to see what it may do with a year set apart.
    let role = format!("app_{}", w.t.url.rsplit('/').next().unwrap().trim_start_matches("guichet_t_"));
    guichet_core::storage::roles::grant_app_role(&db, &role, "Role-Applicatif-2026").await.unwrap();

    // This year is not closed.
    let now = w.api.now();
    let e = archive::archive_year(&db, now, &Actor::system("test"), 2027, &dump).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("year"));
    assert!(e.message.contains("L'année 2027 n'est pas close"), "{}", e.message);

    let a = archive::archive_year(&db, now, &Actor::system("exploitant"), 2026, &dump).await.unwrap();
    assert_eq!((a.year, a.rows, a.table.as_str()), (2026, of_2026, "audit_log_2026"));
    // The copy: the year's table and its rows, its SHA-256 kept by the journal.
    let bytes = std::fs::read(&dump).unwrap();
    assert_eq!((a.bytes, a.sha256.clone()), (bytes.len() as i64, hex(&Sha256::digest(&bytes))));
    let list = std::process::Command::new("pg_restore").arg("--list").arg(&dump).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("TABLE public audit_log_2026") && list.contains("TABLE DATA public audit_log_2026"),
        "{list}"
    );
    // Its anchor beside it: the head once the copy was recorded.
    let anchor = std::fs::read_to_string(dir.path().join("journal-2026.dump.ancre")).unwrap();
    assert!(anchor.contains(&format!("\"seq\":{}", a.anchor.seq)), "{anchor}");
    let kept: String = sqlx::query_scalar("SELECT dump_sha256 FROM journal_archives WHERE year = 2026")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(kept, a.sha256);

    // The journal in use no longer holds 2026; its table still does.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit_log WHERE at < '2027'").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit_log_2026").await, of_2026);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit_log").await, all - of_2026 + 2);
    // The server's role reads it and cannot write it.
    let may =
        |p: &str| format!("SELECT CASE WHEN has_table_privilege('{role}', 'audit_log_2026', '{p}') THEN 1 ELSE 0 END");
    assert_eq!(count(&db, &may("SELECT")).await, 1);
    for p in ["INSERT", "UPDATE", "DELETE", "TRUNCATE"] {
        assert_eq!(count(&db, &may(p)).await, 0, "{p}");
    }
    // Still so once the role is granted again (after a migration).
    guichet_core::storage::roles::grant_app_role(&db, &role, "Role-Applicatif-2026").await.unwrap();
    assert_eq!((count(&db, &may("SELECT")).await, count(&db, &may("INSERT")).await), (1, 0));
    let e = sqlx::query("UPDATE audit_log_2026 SET actor = 'autre'").execute(db.pool()).await.unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");

    // The member's page reads the years in use; asked, the years set apart too.
    let mut admin = Caller::System { os_user: "test".into() };
    let history = |with_archives: bool| {
        json!({"entity_type": "member", "entity_id": member.to_string(), "changes_only": true,
            "with_archives": with_archives})
    };
    let actions = |v: &serde_json::Value| -> Vec<String> {
        v["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
    };
    let now_only = w.call(&mut admin, "audit_list", history(false)).await.unwrap();
    assert_eq!(actions(&now_only), ["member.update"]);
    let whole = w.call(&mut admin, "audit_list", history(true)).await.unwrap();
    assert_eq!(actions(&whole), ["member.update", "member.create"]);

    // The chain runs on through the year set apart, and every row is read.
    w.call(&mut d.reception, "member_get", json!({"id": member})).await.unwrap();
    let v = w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    let total = count(&db, "SELECT COUNT(*) FROM audit_log").await + of_2026;
    assert_eq!((v["intact"].as_bool(), v["rows_checked"].as_i64()), (Some(true), Some(total)), "{v}");
    let e = archive::archive_year(&db, now, &Actor::system("test"), 2026, &dump).await.unwrap_err();
    assert!(e.message.contains("déjà mis à part"), "{}", e.message);

    // A backup with a year set apart restores whole, and verifies.
    let backup = dir.path().join("base.dump");
    guichet_core::backups::backup(&db, &backup, now).await.unwrap();
    let (target, _keep) = fresh_url(Kind::Postgres).await.unwrap();
    guichet_core::backups::restore(&backup, &target).await.unwrap();
    let restored = Db::open(&target).await.unwrap();
    assert_eq!(count(&restored, "SELECT COUNT(*) FROM audit_log_2026").await, of_2026);
    let v = guichet_core::audit::verify(restored.pool(), &[]).await.unwrap();
    assert!(v.intact, "{:?}", v.breaks);
    restored.close().await;

    // A row of the year set apart edited by hand is found.
    sqlx::query("ALTER TABLE audit_log_2026 DISABLE TRIGGER audit_log_closed").execute(db.pool()).await.unwrap();
    sqlx::query("UPDATE audit_log_2026 SET actor = 'autre' WHERE action = 'member.create'")
        .execute(db.pool())
        .await
        .unwrap();
    let v = w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    assert_eq!(v["intact"].as_bool(), Some(false), "{v}");
    assert_eq!(v["breaks"][0]["kind"].as_str(), Some("modified"), "{v}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
