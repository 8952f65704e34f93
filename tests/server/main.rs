//! The Guichet server, on both backends: sessions held in the database (two
//! servers share the desks), files as request and answer bodies, the
//! certificate pinned, refusals at the door; and on PostgreSQL the
//! application role's limits.

mod door;
mod mail;
mod portal;
#[path = "../support/mod.rs"]
mod support;

use guichet_client::{Client, Trust};
use guichet_core::api::{Api, Caller, Desk};
use guichet_core::storage::Db;
use guichet_core::ErrorCode;
use guichet_server::{tls, Options};
use serde_json::{json, Value};
use support::{count, Kind, TestDb};

crate::on_both_backends!(
    sessions_live_in_the_database_and_end_on_every_desk,
    a_desks_activity_is_written_by_steps_and_its_idle_lock_holds,
    files_travel_as_bodies_never_as_paths,
    bad_requests_are_refused_at_the_door,
    the_first_administrator_of_a_new_site_gets_a_session,
    a_backup_is_never_made_through_the_server,
);

const ADMIN: &str = "Admin-Guichet-1";

async fn system(db: &Db, op: &str, req: Value) -> Value {
    Desk::with_caller(Api::new(db.clone()), Caller::System { os_user: "test".into() })
        .call(op, req)
        .await
        .unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

/// A server on a self-signed certificate on loopback, and its fingerprint.
async fn server(db: &Db, dir: &std::path::Path, tune: impl FnOnce(&mut Options)) -> guichet_server::Running {
    let mut opts = Options::new("127.0.0.1:0".parse().unwrap(), tls::Mode::SelfSigned { dir: dir.to_path_buf() });
    tune(&mut opts);
    guichet_server::start(Api::new(db.clone()), opts).await.expect("server starts")
}

fn client(r: &guichet_server::Running, desk: &str) -> Client {
    Client::new(&format!("https://127.0.0.1:{}", r.addr.port()), desk, Trust::Pinned(r.fingerprint.clone().unwrap()))
        .unwrap()
}

async fn login(c: &Client, user: &str, password: &str) {
    c.call("session_login", json!({"username": user, "password": password}))
        .await
        .unwrap_or_else(|e| panic!("login {user}: {e:?}"));
}

async fn staff(db: &Db) {
    for (u, role) in [("admin", "admin"), ("accueil", "reception")] {
        system(
            db,
            "staff_create",
            json!({"username": u, "full_name": format!("Nom {u}"), "roles": [role], "password": ADMIN}),
        )
        .await;
    }
}

async fn sessions_live_in_the_database_and_end_on_every_desk(t: TestDb) {
    staff(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let one = server(&t.db, dir.path(), |_| {}).await;
    let two = server(&t.db, dir.path(), |_| {}).await;
    assert_eq!(one.fingerprint, two.fingerprint, "one certificate for the site");
    let desk = client(&one, "Guichet 3 — accueil siège");
    login(&desk, "accueil", ADMIN).await;
    let token = desk.token().expect("a session token");
    assert_eq!(token.len(), 64, "256 random bits");
    // Stored hashed, with the desk's name and address; never the token itself.
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT token_hash, desk, remote_addr FROM server_sessions")
            .fetch_all(t.db.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].0, token);
    assert_eq!((rows[0].1.as_str(), rows[0].2.as_str()), ("Guichet 3 — accueil siège", "127.0.0.1"));
    let me = desk.call("session_current", json!({})).await.unwrap();
    assert_eq!(me["staff"]["username"], "accueil");
    // The server says how long it took (Server-Timing); the desk reads it.
    let took = desk.server_time().expect("the server's time for its answer");
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    // A call that ends after another one locked the session (the window's
    // idle timer) leaves it locked: only the password unlocks it.
    let read_before = guichet_server::sessions::find(t.db.pool(), &token, chrono::Utc::now()).await.unwrap().unwrap();
    desk.call("session_lock", json!({})).await.unwrap();
    let later = chrono::Utc::now();
    let late = Caller::Staff { staff_id: read_before.staff_id, last_active: later };
    guichet_server::sessions::write_back(t.db.pool(), &read_before, &late, later).await.unwrap();
    let e = desk.call("session_current", json!({})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("session_locked"), "{e:?}");
    desk.call("session_unlock", json!({"password": ADMIN})).await.unwrap();
    // The same desk moves to the other server mid-session: its session follows.
    let moved = client(&two, "Guichet 3 — accueil siège");
    moved.set_token(Some(token.clone()));
    let m = moved
        .call(
            "member_create",
            json!({"matricule": "13059", "last_name": "Benhnini", "first_name": "Fouad", "status": "actif"}),
        )
        .await
        .unwrap();
    assert_eq!(m["matricule"], "13059");
    // Another person's desk; the administrator disables the receptionist:
    // her session ends on every desk at once.
    let admin = client(&two, "Bureau admin");
    login(&admin, "admin", ADMIN).await;
    let list = admin.call("staff_list", json!({})).await.unwrap();
    let id = list["staff"].as_array().unwrap().iter().find(|s| s["username"] == "accueil").unwrap()["id"].clone();
    admin.call("staff_set_active", json!({"id": id, "active": false})).await.unwrap();
    for c in [&desk, &moved] {
        let e = c.call("member_search", json!({"query": "benhnini"})).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Unauthenticated, "{e:?}");
    }
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_sessions WHERE ended_at IS NULL")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(open, 1, "only the administrator's session is left");
    // A stolen or made-up token is refused, and says to log in again.
    let thief = client(&one, "ailleurs");
    thief.set_token(Some("0".repeat(64)));
    let e = thief.call("member_search", json!({"query": "benhnini"})).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Unauthenticated, Some("session_expired")));
    assert_eq!(e.message, "Session terminée ou inconnue : reconnectez-vous (votre saisie est gardée).");
    // Logout ends the session on the server.
    admin.call("session_logout", json!({})).await.unwrap();
    assert!(admin.token().is_none());
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_sessions WHERE ended_at IS NULL")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(open, 0);
    // A certificate that changed is named as such.
    let wrong =
        Client::new(&format!("https://127.0.0.1:{}", one.addr.port()), "x", Trust::Pinned("00:11:22".into())).unwrap();
    let e = wrong.call("setup_status", json!({})).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Unavailable, Some("server_certificate")));
    // Each journal row of a call through the server names the desk and its
    // address; the chain holds with them; the staff screen shows them.
    let (desk_name, addr): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT desk, remote_addr FROM audit_log WHERE action = 'member.create'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!((desk_name.as_deref(), addr.as_deref()), (Some("Guichet 3 — accueil siège"), Some("127.0.0.1")));
    let (desk_name, _): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT desk, remote_addr FROM audit_log WHERE action = 'staff.disable'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!(desk_name.as_deref(), Some("Bureau admin"));
    let local: Option<String> = sqlx::query_scalar("SELECT desk FROM audit_log WHERE action = 'staff.create' LIMIT 1")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(local, None, "a change made in process names no desk");
    let verified = guichet_core::audit::verify(t.db.pool(), &[]).await.unwrap();
    assert!(verified.breaks.is_empty(), "{:?}", verified.breaks);
    let listed = system(&t.db, "audit_list", json!({"action": "member.create"})).await;
    assert_eq!(listed["entries"][0]["desk"], "Guichet 3 — accueil siège");
    assert_eq!(listed["entries"][0]["remote_addr"], "127.0.0.1");
    assert!(count(&t.db, "audit_log").await > 0);
    one.stop().await;
    two.stop().await;
    // A server gone: the desk is told in French, and nothing else happens.
    let e = desk.call("setup_status", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable);
    assert!(e.message.starts_with("Le serveur Guichet (https://127.0.0.1:"), "{}", e.message);
}

/// The stored activity of a desk's session, as the server reads it.
async fn stored_activity(db: &Db) -> chrono::DateTime<chrono::Utc> {
    let at: String = sqlx::query_scalar("SELECT last_activity FROM server_sessions WHERE ended_at IS NULL")
        .fetch_one(db.pool())
        .await
        .unwrap();
    guichet_core::storage::time::parse_ts(&at).unwrap()
}

async fn set_activity(db: &Db, at: chrono::DateTime<chrono::Utc>) {
    sqlx::query("UPDATE server_sessions SET last_activity = $1 WHERE ended_at IS NULL")
        .bind(guichet_core::storage::time::ts(at))
        .execute(db.pool())
        .await
        .unwrap();
}

/// A desk's calls write its session's activity once it has moved by a step
/// (30 s), not at every call; the idle lock still counts from it.
async fn a_desks_activity_is_written_by_steps_and_its_idle_lock_holds(t: TestDb) {
    staff(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let s = server(&t.db, dir.path(), |_| {}).await;
    let desk = client(&s, "Guichet 1");
    login(&desk, "accueil", ADMIN).await;
    let opened = stored_activity(&t.db).await;
    for _ in 0..3 {
        desk.call("session_current", json!({})).await.unwrap();
    }
    assert_eq!(stored_activity(&t.db).await, opened, "calls within a step write nothing");
    // A step later, the next call writes its time.
    let now = chrono::Utc::now();
    set_activity(&t.db, now - chrono::Duration::seconds(31)).await;
    desk.call("session_current", json!({})).await.unwrap();
    let written = stored_activity(&t.db).await;
    assert!(written >= now && written - now < chrono::Duration::seconds(60), "{written} against {now}");
    // Idle past the lock's minutes (15 by default): the desk is locked,
    // and the journal says so.
    set_activity(&t.db, chrono::Utc::now() - chrono::Duration::minutes(16)).await;
    let e = desk.call("member_search", json!({"query": "x"})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("session_locked"), "{e:?}");
    assert_eq!(count(&t.db, "audit_log WHERE action = 'session.locked'").await, 1);
    let e = desk.call("session_current", json!({})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("session_locked"), "stays locked: {e:?}");
    desk.call("session_unlock", json!({"password": ADMIN})).await.unwrap();
    desk.call("member_search", json!({"query": "x"})).await.unwrap();
}

async fn files_travel_as_bodies_never_as_paths(t: TestDb) {
    staff(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let s = server(&t.db, dir.path(), |_| {}).await;
    let admin = client(&s, "Bureau admin");
    login(&admin, "admin", ADMIN).await;
    // An input file: a roster imported from this machine, its progress streamed.
    let work = tempfile::tempdir().unwrap();
    let roster = work.path().join("personnel.csv");
    let mut csv = String::from("Matricule;Nom;Prénom;Né(e) le;Société;Situation\n");
    for i in 0..2500 {
        csv.push_str(&format!("{};Nom{i};Prénom{i};01/01/1980;RAM;actif\n", 20000 + i));
    }
    std::fs::write(&roster, csv).unwrap();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let sink: guichet_core::api::ProgressSink = std::sync::Arc::new(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        true
    });
    let report =
        admin.call_with_progress("member_import", json!({"file": roster.to_str().unwrap()}), Some(sink)).await.unwrap();
    assert_eq!((report["rows"].as_i64(), report["created"].as_i64()), (Some(2500), Some(2500)));
    assert!(seen.load(std::sync::atomic::Ordering::SeqCst) > 0, "progress streamed");
    // A path instead of the bytes is refused: the server reads no desk's files.
    let raw = client(&s, "brut");
    raw.set_token(admin.token());
    let body = json!({"file": roster.to_str().unwrap()}).to_string().into_bytes();
    let raw = raw.call_raw("member_import", body).await.unwrap();
    assert_eq!(raw.0, 422);
    assert_eq!(
        raw.1["message"],
        "Envoyez le contenu du fichier, pas son chemin : le serveur ne lit pas les fichiers des postes."
    );
    // An output file: written here from the answer's bytes, the answer naming the local path.
    let urn = admin.call("urn_save", json!({"name": "Siège", "site": "Casablanca"})).await.unwrap();
    let col = admin.call("collection_open", json!({"urn_id": urn["id"]})).await.unwrap();
    let slip = work.path().join("bordereau.pdf");
    let w = admin.call("collection_slip", json!({"id": col["id"], "path": slip.to_str().unwrap()})).await.unwrap();
    assert_eq!(w["path"], slip.to_str().unwrap());
    let bytes = std::fs::read(&slip).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF written on this machine");
    // A statement run: its files come with its streamed progress and are
    // written into the folder chosen here (the index and the journal's anchor
    // of a month with no payment), none on the server's side.
    let folder = work.path().join("releves");
    system(
        &t.db,
        "staff_create",
        json!({"username": "gest", "full_name": "Nom gest", "roles": ["claims"], "password": ADMIN}),
    )
    .await;
    let claims = client(&s, "Bureau gestion");
    login(&claims, "gest", ADMIN).await;
    let sink: guichet_core::api::ProgressSink = std::sync::Arc::new(|_| true);
    let r = claims
        .call_with_progress(
            "statement_batch",
            json!({"from": "2026-10-01", "to": "2026-10-31", "folder": folder.to_str().unwrap()}),
            Some(sink),
        )
        .await
        .unwrap();
    assert_eq!((r["members"].as_i64(), r["cancelled"].as_bool()), (Some(0), Some(false)), "{r}");
    let index = std::fs::read_to_string(folder.join("index-2026-10-01-2026-10-31.csv")).unwrap();
    assert_eq!(index.lines().next(), Some("matricule;nom;paiements;net_paye;fichier"));
    let anchor = std::fs::read_to_string(folder.join("journal-2026-10-01-2026-10-31.ancre")).unwrap();
    assert!(anchor.contains("\"seq\""), "{anchor}");
    s.stop().await;
}

/// A request as any program could send it, without the client's help.
async fn reqwest_post(s: &guichet_server::Running, op: &str, body: Value) -> (u16, Value) {
    let c = Client::new(
        &format!("https://127.0.0.1:{}", s.addr.port()),
        "brut",
        Trust::Pinned(s.fingerprint.clone().unwrap()),
    )
    .unwrap();
    match c.call_raw(op, body.to_string().into_bytes()).await {
        Ok((status, v)) => (status, v),
        Err(e) => panic!("{e:?}"),
    }
}

async fn bad_requests_are_refused_at_the_door(t: TestDb) {
    staff(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let s = server(&t.db, dir.path(), |o| o.max_body = 1024 * 1024).await;
    let (status, v) = reqwest_post(&s, "operation_inconnue", json!({})).await;
    assert_eq!((status, v["code"].as_str()), (404, Some("not_found")));
    let c = Client::new(
        &format!("https://127.0.0.1:{}", s.addr.port()),
        "brut",
        Trust::Pinned(s.fingerprint.clone().unwrap()),
    )
    .unwrap();
    let (status, v) = c.call_raw("member_search", b"{\"query\": ".to_vec()).await.unwrap();
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("unauthenticated")),
        "who calls comes before the request's shape"
    );
    let (status, v) = c.call_raw("session_login", b"{\"username\": ".to_vec()).await.unwrap();
    assert_eq!((status, v["code"].as_str()), (422, Some("validation")), "{v}");
    let (status, v) = reqwest_post(&s, "backup_restore", json!({"path": "x"})).await;
    assert_eq!((status, v["code"].as_str()), (403, Some("forbidden")));
    // Login attempts: past ten a minute on one account, refused without asking the database.
    for _ in 0..10 {
        let e = c
            .call("session_login", json!({"username": "admin", "password": "mauvais-mot-de-passe"}))
            .await
            .unwrap_err();
        assert_ne!(e.code, ErrorCode::TooManyRequests);
    }
    let e = c.call("session_login", json!({"username": "admin", "password": ADMIN})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::TooManyRequests);
    assert_eq!(e.message, "Trop de tentatives de connexion : attendez une minute avant de réessayer.");
    let health = c.call_get("/healthz").await.unwrap();
    assert_eq!(health, (200, json!({"status": "ok"})));
    let (status, version) = c.call_get("/api/v1/version").await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(version["application"], env!("CARGO_PKG_VERSION"));
    assert!(version["schema"].as_i64().unwrap() >= 11);
    // Plain HTTP only on loopback.
    let e = guichet_server::start(Api::new(t.db.clone()), Options::new("0.0.0.0:0".parse().unwrap(), tls::Mode::Plain))
        .await
        .err()
        .unwrap();
    assert!(e.starts_with("HTTP sans TLS refusé"), "{e}");
    s.stop().await;
}

/// On PostgreSQL the server runs with an application role: it works, but
/// cannot rewrite the journal nor change the schema; the owner's role is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_role_cannot_rewrite_the_journal() {
    let Some(t) = support::open(Kind::Postgres).await else { return };
    staff(&t.db).await;
    let name = format!("app_{}", t.url.rsplit('/').next().unwrap().trim_start_matches("guichet_t_"));
    let password = "Role-Applicatif-2026";
    guichet_core::storage::roles::grant_app_role(&t.db, &name, password).await.unwrap();
    let e = guichet_server::check_role(&t.db, false).await.unwrap_err();
    assert!(e.starts_with("Le serveur refuse de tourner avec le rôle propriétaire du schéma"), "{e}");
    assert!(guichet_server::check_role(&t.db, true).await.is_ok(), "--allow-owner");
    let mut u = url::Url::parse(&t.url).unwrap();
    u.set_username(&name).unwrap();
    u.set_password(Some(password)).unwrap();
    let app = Db::open_current(u.as_str()).await.unwrap();
    guichet_server::check_role(&app, false).await.unwrap();
    // It works: a server on this role records a member.
    let dir = tempfile::tempdir().unwrap();
    let s = server(&app, dir.path(), |_| {}).await;
    let c = client(&s, "Guichet 1");
    login(&c, "accueil", ADMIN).await;
    c.call(
        "member_create",
        json!({"matricule": "13059", "last_name": "Benhnini", "first_name": "Fouad", "status": "actif"}),
    )
    .await
    .unwrap();
    s.stop().await;
    // It cannot rewrite the journal, drop its guard, or change the schema.
    for sql in [
        "UPDATE audit_log SET action = 'rien' WHERE id = (SELECT MIN(id) FROM audit_log)",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "ALTER TABLE members ADD COLUMN x TEXT",
        "DELETE FROM _sqlx_migrations",
    ] {
        let e = sqlx::query(sql).execute(app.pool()).await.expect_err(sql);
        assert!(e.to_string().contains("permission denied") || e.to_string().contains("must be owner"), "{sql}: {e}");
    }
    // Issue 35, item 15: nor make objects of its own, nor write the journal
    // otherwise than Guichet does: the head's hash set by hand, a row at a
    // place not reserved, a row that does not follow the one before, a row
    // outside every chain.
    for (sql, words) in [
        ("CREATE TABLE copie (x TEXT)", "permission denied"),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "permission denied"),
        ("UPDATE audit_head SET hash = 'faux' WHERE id = 1", "its hash is the hash of the row at its place"),
        (
            "INSERT INTO audit_log (at, actor, action, entity_type, seq, prev_hash, hash) SELECT at, actor, action, \
            entity_type, seq + 5, hash, 'faux' FROM audit_log WHERE seq = (SELECT seq FROM audit_head)",
            "was not reserved",
        ),
        (
            "INSERT INTO audit_log (at, actor, action, entity_type) VALUES ('2026-12-06T10:00:00Z', 'x', 'y', 'z')",
            "a row outside every chain",
        ),
    ] {
        let e = sqlx::query(sql).execute(app.pool()).await.expect_err(sql);
        assert!(e.to_string().contains(words), "{sql}: {e}");
    }
    // A place reserved but a row that does not follow: refused, nothing kept.
    let mut tx = app.pool().begin().await.unwrap();
    sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1").execute(&mut *tx).await.unwrap();
    let e = sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity_type, seq, prev_hash, hash) SELECT at, actor, action, \
        entity_type, seq + 1, 'faux', 'faux' FROM audit_log WHERE seq = (SELECT seq - 1 FROM audit_head)",
    )
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("does not follow row"), "{e}");
    drop(tx);
    app.close().await;
    // Its password is the role's own; the owner's URL never leaves the server's machine.
    let mut admin =
        <sqlx::AnyConnection as sqlx::Connection>::connect(&std::env::var("GUICHET_TEST_POSTGRES_URL").unwrap())
            .await
            .unwrap();
    t.db.close().await;
    let db_name = t.url.rsplit('/').next().unwrap().to_string();
    sqlx::Executor::execute(&mut admin, format!("DROP DATABASE IF EXISTS {db_name}").as_str()).await.ok();
    sqlx::Executor::execute(&mut admin, format!("DROP ROLE IF EXISTS {name}").as_str()).await.ok();
}

/// A desk on a new site (no account yet) creates the first administrator
/// through the server and works on as him.
async fn the_first_administrator_of_a_new_site_gets_a_session(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let s = server(&t.db, dir.path(), |_| {}).await;
    let desk = client(&s, "Premier poste");
    let status = desk.call("setup_status", json!({})).await.unwrap();
    assert_eq!(status["needs_admin"], true);
    assert_eq!(status["database"], "serveur Guichet", "the database's location stays on the server");
    desk.call("setup_create_admin", json!({"username": "admin", "full_name": "Admin", "password": ADMIN}))
        .await
        .unwrap();
    assert!(desk.token().is_some(), "a session opened");
    let me = desk.call("session_current", json!({})).await.unwrap();
    assert_eq!(me["staff"]["username"], "admin");
    s.stop().await;
}

/// A backup holds every member's health data: an administrator at a desk
/// cannot have one made and sent to him through the server (refused and
/// journaled); it is made on the server's machine.
async fn a_backup_is_never_made_through_the_server(t: TestDb) {
    staff(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let s = server(&t.db, dir.path(), |_| {}).await;
    let admin = client(&s, "Bureau admin");
    login(&admin, "admin", ADMIN).await;
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("sauvegarde.guichet");
    let e = admin.call("backup_create", json!({"path": file.to_str().unwrap()})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e.message.contains("se fait sur la machine du serveur (guichet backup FICHIER"), "{}", e.message);
    assert!(!file.exists(), "nothing written at the desk");
    let refused: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'forbidden' AND actor = 'admin' AND after_json LIKE \
        '%backup_create%'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(refused, 1, "the refusal is journaled");
    // On the server's machine the same operation makes it.
    let here = out.path().join("ici.guichet");
    system(&t.db, "backup_create", json!({"path": here.to_str().unwrap()})).await;
    assert!(here.exists());
    s.stop().await;
}

/// The server is a transport: the rules and the storage are the core's, so
/// its sources hold no SQL (issue 36).
#[test]
fn the_server_holds_no_sql() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let sql = ["sqlx", "SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"];
                    if sql.iter().any(|k| line.contains(k)) {
                        found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    let mut found = vec![];
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("server/src"), &mut found);
    assert_eq!(found, Vec::<String>::new());
}
