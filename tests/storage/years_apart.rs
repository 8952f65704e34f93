//! Issue 37, point 3: the journal kept by year on PostgreSQL, a closed year
//! set apart (detached, copied, anchored), still read by the verification
//! and by a listing that asks for it; the chain runs on through it.

use crate::helpers::{NewMember, World};
use crate::support::{fresh_url, Kind, TestDb};
use chrono::NaiveDate;
use guichet_core::api::Caller;
use guichet_core::audit::Actor;
use guichet_core::storage::{Backend, Db};
use guichet_core::years::{self, archive};
use serde_json::json;
use sha2::{Digest, Sha256};

crate::on_both_backends!(
    a_closed_year_of_the_journal_is_set_apart_and_still_read,
    a_closed_years_dossiers_are_set_apart_and_still_read,
    the_servers_role_records_the_first_dossier_of_a_year
);

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
    years::open(&db, &[2026, 2027]).await.unwrap();
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
    assert_eq!((a.year, a.journal_rows, a.dossiers), (2026, of_2026, 0));
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
    let kept: String = sqlx::query_scalar("SELECT dump_sha256 FROM archived_years WHERE year = 2026")
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
    assert!(e.to_string().contains("audit_log_2026 belongs to a year set apart"), "{e}");

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
    assert!(e.message.contains("déjà mise à part"), "{}", e.message);

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
    sqlx::query("ALTER TABLE audit_log_2026 DISABLE TRIGGER year_set_apart").execute(db.pool()).await.unwrap();
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

/// A closed year's dossiers and care lines set apart with its journal: the
/// year must be closed (every dossier paid or rejected), its dossiers leave
/// the queue and its counts, and still open by their ids (the desk's page),
/// in the member's space, in his statements of a period of that year; a
/// claw-back of that year is still deducted the year after.
async fn a_closed_years_dossiers_are_set_apart_and_still_read(t: TestDb) {
    if t.kind == Kind::Sqlite {
        return; // SQLite sets no year apart (the test above checks it refuses).
    }
    let w = World::new(t).without_idle_lock().await;
    years::open(&w.t.db, &[2023, 2024]).await.unwrap();
    let mut o = crate::statements::office_in(w).await;
    let db = o.w.t.db.clone();
    let one = |d: &str, b: i64| json!([{"date": d, "beneficiary_id": b, "act": "C", "quantity": 1, "charged": "100"}]);
    let (a, va) = o.complete("M23-0000030", "13059", o.karim, "2023-01-10", "100", one("2023-01-10", o.karim)).await;
    let (b, vb) = o.complete("M23-0000031", "13059", o.salma, "2023-01-12", "100", one("2023-01-12", o.salma)).await;
    // Recorded in 2023: ids of 2023, in 2023's partitions.
    assert_eq!((a / 1_000_000_000, b / 1_000_000_000), (2023, 2023));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM dossiers_2023").await, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM care_lines_2023").await, 2);
    o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": a, "version": va})).await.unwrap();
    o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2023-02-20"})).await.unwrap();
    let member: i64 =
        sqlx::query_scalar("SELECT member_id FROM dossiers WHERE id = $1").bind(a).fetch_one(db.pool()).await.unwrap();
    // Not closed while one of its dossiers is still to liquidate.
    let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    o.w.clock.advance(ymd(2024, 1, 10).signed_duration_since(ymd(2023, 2, 20)));
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("annee-2023.dump");
    let actor = Actor::system("exploitant");
    let e = archive::archive_year(&db, o.w.api.now(), &actor, 2023, &dump).await.unwrap_err();
    assert!(e.message.contains("L'année 2023 n'est pas close : 1 de ses dossiers"), "{}", e.message);
    assert!(!dump.exists());
    o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": b, "version": vb})).await.unwrap();
    o.w.call(&mut o.claims, "payment_batch_create", json!({"pay_date": "2024-01-10"})).await.unwrap();
    let paid_2023 = count(&db, "SELECT COUNT(*) FROM dossiers WHERE status = 'paye'").await;
    assert_eq!(paid_2023, 2);
    // A claw-back of 2023 (as the late-originals run records it), still to deduct.
    sqlx::query(
        "INSERT INTO clawbacks (member_id, dossier_id, amount, reason, created_at) VALUES ($1, $2, 1000, \
         'Original non reçu', '2023-03-01T09:00:00.000000Z')",
    )
    .bind(member)
    .bind(a)
    .execute(db.pool())
    .await
    .unwrap();

    let set_apart = archive::archive_year(&db, o.w.api.now(), &actor, 2023, &dump).await.unwrap();
    assert_eq!((set_apart.dossiers, set_apart.care_lines), (2, 2));
    let list = std::process::Command::new("pg_restore").arg("--list").arg(&dump).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    for t in ["audit_log_2023", "dossiers_2023", "care_lines_2023"] {
        assert!(list.contains(&format!("TABLE DATA public {t}")), "{t}: {list}");
    }
    // The years in use no longer hold them, nor do the queue's counts.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM dossiers").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM care_lines").await, 0);
    let counted =
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM (SELECT n FROM dossier_counts WHERE status = 'paye' \
        UNION ALL SELECT n FROM dossier_count_deltas WHERE status = 'paye') c";
    assert_eq!(count(&db, counted).await, 0);
    // Nothing of them can change.
    let e = sqlx::query("UPDATE dossiers_2023 SET status = 'recu'").execute(db.pool()).await.unwrap_err();
    assert!(e.to_string().contains("belongs to a year set apart"), "{e}");
    let e = o.w.call(&mut o.claims, "dossier_move", json!({"id": a, "version": 1, "move": "take"})).await.unwrap_err();
    assert!(e.message.contains(&format!("Aucun dossier n° {a}")), "{}", e.message);

    // Each still opens by its id, with its lines.
    let page = o.w.call(&mut o.claims, "dossier_get", json!({"id": b})).await.unwrap();
    assert_eq!(
        (page["dossier"]["form_number"].as_str(), page["dossier"]["status"].as_str()),
        (Some("M23-0000031"), Some("paye"))
    );
    let lines = o.w.call(&mut o.claims, "care_lines_get", json!({"id": b})).await.unwrap();
    assert_eq!(lines.as_array().map(Vec::len), Some(1), "{lines}");
    // In his space, with their statements.
    let space =
        guichet_core::portal::view::view(&db, member, NaiveDate::from_ymd_opt(2024, 1, 10).unwrap()).await.unwrap();
    assert_eq!((space.dossiers.len(), space.statements.len()), (2, 2));
    // Who paid what, read with the dossiers of every year.
    let parts: Vec<(String, Vec<String>)> =
        space.dossiers.iter().map(|d| (d.dossier.form_number.clone(), d.parts.clone())).collect();
    let paid = |form: &str, on: &str| {
        (
            form.to_string(),
            vec![
                format!("Part AMO : 64,00 DH, versée par la mutuelle pour le compte de CNOPS le {on}"),
                "Reste à votre charge : 36,00 DH".to_string(),
            ],
        )
    };
    assert_eq!(parts, [paid("M23-0000031", "10/01/2024"), paid("M23-0000030", "20/02/2023")]);
    // In his statements of a period of 2023.
    let path = dir.path().join("releve-2023.pdf");
    o.w.call(
        &mut o.claims,
        "statement_member",
        json!({"matricule": "13059", "from": "2023-02-01", "to": "2023-02-28", "path": path.to_str().unwrap()}),
    )
    .await
    .unwrap();
    let text = crate::statements::pdf_text(&path);
    assert!(text.contains("M23-0000030") && !text.contains("M23-0000031"), "{text}");

    // Its form numbers stay taken.
    let again = json!({"collection_id": o.collection, "form_number": "M23-0000030", "matricule": "13059",
        "beneficiary_id": o.karim, "kind": "autres", "first_act_date": "2024-01-05", "total_claimed": "100",
        "pieces": 2});
    let e = o.w.call(&mut o.reception, "dossier_record", again).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("form_number"));
    assert_eq!(e.message, "La feuille de soins M23-0000030 est déjà enregistrée (dossier de 2023, année mise à part).");

    // The claw-back of 2023 is deducted from his first dossier of 2024.
    let (c, vc) = o.complete("M24-0000001", "13059", o.karim, "2024-01-05", "100", one("2024-01-05", o.karim)).await;
    assert_eq!(c / 1_000_000_000, 2024);
    let liquidated = o.w.call(&mut o.claims, "dossier_liquidate", json!({"id": c, "version": vc})).await.unwrap();
    assert_eq!(liquidated["clawback_deducted"].as_i64(), Some(1000), "{liquidated}");

    // The journal, across its years and the year set apart, is whole.
    let mut admin = Caller::System { os_user: "test".into() };
    let v = o.w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    assert_eq!(v["intact"].as_bool(), Some(true), "{v}");
}

/// The server's role creates nothing, yet its first dossier of a year nobody
/// opened opens that year (as the schema's owner, through `open_year`) and
/// takes an id of it; the year's tables belong to the owner.
async fn the_servers_role_records_the_first_dossier_of_a_year(t: TestDb) {
    if t.kind == Kind::Sqlite {
        return;
    }
    let w = World::new(t).without_idle_lock().await;
    let mut d = w.desks().await;
    let (_, own) = w.member(&mut d.reception, NewMember::new("M2028", "NOUVEL", "An", "ONEE")).await;
    let collection = w.urn_and_collection(&mut d, "Siège", "Rabat").await;
    let role = format!("app_{}", w.t.url.rsplit('/').next().unwrap().trim_start_matches("guichet_t_"));
    guichet_core::storage::roles::grant_app_role(&w.t.db, &role, "Role-Applicatif-2026").await.unwrap();
    let mut as_app = url::Url::parse(&w.t.url).unwrap();
    as_app.set_username(&role).unwrap();
    as_app.set_password(Some("Role-Applicatif-2026")).unwrap();
    let app_db = Db::open_current(as_app.as_str()).await.unwrap();
    let app = guichet_core::api::Api::with_clock(app_db.clone(), w.clock.clone());
    w.on_day(NaiveDate::from_ymd_opt(2028, 1, 20).unwrap());
    assert_eq!(count(&w.t.db, "SELECT COUNT(*) FROM pg_class WHERE relname = 'dossiers_2028'").await, 0);
    let mut reception = Caller::Anonymous;
    let login = json!({"username": "accueil", "password": crate::helpers::PASSWORD});
    app.call_local(&mut reception, "session_login", login).await.unwrap();
    let r = app
        .call_local(
            &mut reception,
            "dossier_record",
            json!({"collection_id": collection, "form_number": "M28-0000001", "matricule": "M2028",
                "beneficiary_id": own, "kind": "maladie", "first_act_date": "2028-01-10", "total_claimed": "100",
                "pieces": 2}),
        )
        .await
        .unwrap();
    assert_eq!(r["dossier"]["id"].as_i64().map(|id| id / 1_000_000_000), Some(2028), "{r}");
    let owner: String = sqlx::query_scalar("SELECT tableowner::text FROM pg_tables WHERE tablename = 'dossiers_2028'")
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
    assert_ne!(owner, role);
    // Its form number is taken for every year.
    let taken: i64 = sqlx::query_scalar("SELECT dossier_id FROM dossier_numbers WHERE form_number = 'M28-0000001'")
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(Some(taken), r["dossier"]["id"].as_i64());
    app_db.close().await;
}
