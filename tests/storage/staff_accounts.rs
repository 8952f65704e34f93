//! Staff accounts, passwords, lock-out, first start.

use crate::helpers::{World, PASSWORD};
use crate::support::{self, TestDb};
use chrono::Duration;
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::json;

crate::on_both_backends!(
    first_start_creates_the_administrator_once,
    create_list_and_audit_an_account,
    bad_account_input_writes_nothing,
    five_wrong_passwords_lock_for_fifteen_minutes,
    an_admin_unlocks_at_once,
    disabled_accounts_cannot_log_in_and_lose_their_session,
    concurrent_edits_answer_conflict,
    the_last_administrator_stays,
    password_change_needs_the_current_password,
    wrong_passwords_typed_in_parallel_count_one_each,
    an_unknown_username_is_journaled_as_a_digest,
    two_administrators_at_once_leave_one,
    the_medical_role_and_a_medical_reset_need_a_second_administrator,
    an_account_created_medical_or_administrator_waits_for_a_second_administrator,
    a_new_administrator_cannot_validate_what_was_asked_before_him,
    the_first_administrator_of_a_site_is_made_on_the_servers_machine,
);

async fn first_start_creates_the_administrator_once(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let mut c = Caller::Anonymous;
    let s = w.call(&mut c, "setup_status", json!({})).await.unwrap();
    assert_eq!(s["needs_admin"], true);

    let info = w
        .call(
            &mut c,
            "setup_create_admin",
            json!({"username": " Admin ", "full_name": "Fatima  Zahra", "password": PASSWORD}),
        )
        .await
        .unwrap();
    assert_eq!(info["staff"]["username"], "admin");
    assert_eq!(info["staff"]["full_name"], "Fatima Zahra");
    assert_eq!(info["staff"]["roles"], json!(["admin"]));
    assert_eq!(info["role_labels"], json!(["Administrateur"]));
    assert_eq!(
        info["sections"],
        json!(["adherents", "reception", "dossiers", "accords", "decomptes", "administration"])
    );
    // Logged in at once.
    let me = w.call(&mut c, "session_current", json!({})).await.unwrap();
    assert_eq!(me["staff"]["username"], "admin");

    let s = w.call(&mut Caller::Anonymous, "setup_status", json!({})).await.unwrap();
    assert_eq!(s["needs_admin"], false);
    let e = w
        .call(
            &mut Caller::Anonymous,
            "setup_create_admin",
            json!({"username": "pirate", "full_name": "X", "password": PASSWORD}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert_eq!(support::count(&w.t.db, "staff").await, 1);
}

async fn create_list_and_audit_an_account(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    let mut admin = w.login("admin").await;
    let created = w
        .call(
            &mut admin,
            "staff_create",
            json!({"username": "k.bennani", "full_name": "Karim Bennani",
            "roles": ["claims", "reception"], "password": "un-long-mot-de-passe"}),
        )
        .await
        .unwrap();
    assert_eq!(created["roles"], json!(["reception", "claims"]));
    assert_eq!(created["active"], true);

    let list = w.call(&mut admin, "staff_list", json!({})).await.unwrap();
    let names: Vec<&str> = list["staff"].as_array().unwrap().iter().map(|s| s["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "k.bennani"]);

    // The audit row: who, what, after; never the password or its hash.
    let a = w.call(&mut admin, "audit_list", json!({"action": "staff.create", "actor": "admin"})).await.unwrap();
    let entries = a["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["entity_type"], "staff");
    assert_eq!(entries[0]["entity_id"], created["id"].as_i64().unwrap().to_string());
    assert_eq!(entries[0]["after"]["full_name"], "Karim Bennani");
    assert!(entries[0]["before"].is_null());
    let text = entries[0].to_string();
    assert!(!text.contains("un-long-mot-de-passe") && !text.contains("argon2"), "{text}");

    // The new member of staff logs in with the roles given.
    let mut k = w.login_with("k.bennani", "un-long-mot-de-passe").await;
    let me = w.call(&mut k, "session_current", json!({})).await.unwrap();
    assert_eq!(me["sections"], json!(["adherents", "reception", "dossiers", "accords", "decomptes"]));
}

async fn bad_account_input_writes_nothing(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    let mut admin = w.login("admin").await;
    let staff_before = support::count(&w.t.db, "staff").await;
    let audit_before = support::count(&w.t.db, "audit_log").await;

    let cases = [
        (
            json!({"username": "admin", "full_name": "Double", "roles": ["claims"], "password": PASSWORD}),
            "username",
            "L'identifiant « admin » est déjà pris.",
        ),
        (
            json!({"username": "ADMIN", "full_name": "Double", "roles": ["claims"], "password": PASSWORD}),
            "username",
            "L'identifiant « admin » est déjà pris.",
        ),
        (
            json!({"username": "court", "full_name": "X", "roles": ["claims"], "password": "123456789"}),
            "password",
            "Mot de passe trop court : au moins 10 caractères (il en a 9).",
        ),
        (
            json!({"username": "x", "full_name": "X", "roles": ["claims"], "password": PASSWORD}),
            "username",
            "L'identifiant doit compter de 3 à 32 caractères.",
        ),
        (
            json!({"username": "été", "full_name": "X", "roles": ["claims"], "password": PASSWORD}),
            "username",
            "L'identifiant ne peut contenir que des lettres sans accent, des chiffres, « . », « _ » et « - ».",
        ),
        (
            json!({"username": "sans.role", "full_name": "X", "roles": [], "password": PASSWORD}),
            "roles",
            "Choisissez au moins un rôle.",
        ),
        (
            json!({"username": "sans.nom", "full_name": "   ", "roles": ["claims"], "password": PASSWORD}),
            "full_name",
            "Le nom complet est obligatoire.",
        ),
        (
            json!({"username": "ctrl", "full_name": "A\u{0007}B", "roles": ["claims"], "password": PASSWORD}),
            "full_name",
            "Le nom complet contient un caractère de contrôle.",
        ),
    ];
    for (req, field, message) in cases {
        let e = w.call(&mut admin, "staff_create", req.clone()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation, "{req}");
        assert_eq!(e.field.as_deref(), Some(field), "{req}");
        assert_eq!(e.message, message, "{req}");
    }
    // An unknown role is caught while decoding, with the field named.
    let e = w
        .call(
            &mut admin,
            "staff_create",
            json!({"username": "boss", "full_name": "X", "roles": ["chef"], "password": PASSWORD}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("roles[0]"));
    assert!(e.message.contains("valeur « chef » inconnue"), "{}", e.message);

    assert_eq!(support::count(&w.t.db, "staff").await, staff_before);
    assert_eq!(support::count(&w.t.db, "audit_log").await, audit_before);
}

async fn five_wrong_passwords_lock_for_fifteen_minutes(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("agent", &["reception"]).await;
    let try_login = |password: &'static str| {
        let w = &w;
        async move {
            w.call(&mut Caller::Anonymous, "session_login", json!({"username": "agent", "password": password})).await
        }
    };
    for _ in 1..=4 {
        let e = try_login("mauvais-mot-de-passe").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Unauthenticated);
        assert_eq!(e.message, "Identifiant ou mot de passe incorrect.");
    }
    // The fifth locks the account; neither it nor the tries while locked
    // say so (one answer for every failed login: a guesser learns nothing).
    let e = try_login("mauvais-mot-de-passe").await.unwrap_err();
    assert_eq!(e.message, "Identifiant ou mot de passe incorrect.");

    // Locked: the right password is refused too, with the same words.
    let e = try_login(PASSWORD).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    assert_eq!(e.message, "Identifiant ou mot de passe incorrect.");
    w.clock.advance(Duration::minutes(14));
    let e = try_login(PASSWORD).await.unwrap_err();
    assert_eq!(e.message, "Identifiant ou mot de passe incorrect.");

    // Once the fifteen minutes are over, the right password works again.
    w.clock.advance(Duration::minutes(1));
    let ok = try_login(PASSWORD).await.unwrap();
    assert_eq!(ok["staff"]["failed_attempts"], 0);
    assert!(ok["staff"]["locked_until"].is_null());

    let actions = w.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "login.failed").count(), 4);
    assert_eq!(actions.iter().filter(|a| *a == "login.locked").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "login.refused_locked").count(), 2);
    assert_eq!(actions.last().unwrap(), "login");
}

async fn an_admin_unlocks_at_once(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    let agent = w.add_staff("agent", &["reception"]).await;
    for _ in 0..5 {
        let _ = w
            .call(&mut Caller::Anonymous, "session_login", json!({"username": "agent", "password": "pas-le-bon-mdp"}))
            .await;
    }
    let mut admin = w.login("admin").await;
    let listed = w.call(&mut admin, "staff_list", json!({})).await.unwrap();
    let a = listed["staff"].as_array().unwrap().iter().find(|s| s["username"] == "agent").unwrap().clone();
    assert!(a["locked_until"].is_string(), "{a}");

    let unlocked = w.call(&mut admin, "staff_unlock", json!({"id": agent})).await.unwrap();
    assert!(unlocked["locked_until"].is_null());
    w.login("agent").await;
    let audit = w.call(&mut admin, "audit_list", json!({"action": "staff.unlock"})).await.unwrap();
    let e = &audit["entries"][0];
    assert_eq!(e["actor"], "admin");
    assert!(e["before"]["locked_until"].is_string());
    assert!(e["after"]["locked_until"].is_null());
}

async fn disabled_accounts_cannot_log_in_and_lose_their_session(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    let agent = w.add_staff("agent", &["reception"]).await;
    let mut agent_session = w.login("agent").await;
    let mut admin = w.login("admin").await;
    w.call(&mut admin, "staff_set_active", json!({"id": agent, "active": false})).await.unwrap();

    let e = w.call(&mut agent_session, "session_current", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    assert_eq!(agent_session, Caller::Anonymous, "the session is dropped");
    // A disabled account, a wrong password, an unknown username: one answer
    // (issue 17, item 9); the journal tells them apart.
    let answers =
        [("agent", PASSWORD), ("agent", "nimporte-quoi"), ("admin", "nimporte-quoi"), ("personne", "nimporte-quoi")];
    for (username, password) in answers {
        let e = w
            .call(&mut Caller::Anonymous, "session_login", json!({"username": username, "password": password}))
            .await
            .unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref(), e.message.as_str()),
            (ErrorCode::Unauthenticated, None, "Identifiant ou mot de passe incorrect."),
            "{username}"
        );
    }
    let actions = w.audit_actions().await;
    for a in ["login.refused_disabled", "login.failed"] {
        assert!(actions.contains(&a.to_string()), "{a} journaled: {actions:?}");
    }

    w.call(&mut admin, "staff_set_active", json!({"username": "agent", "active": true})).await.unwrap();
    w.login("agent").await;
}

async fn concurrent_edits_answer_conflict(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    w.add_staff("admin2", &["admin"]).await;
    let agent = w.add_staff("agent", &["reception"]).await;
    let mut a1 = w.login("admin").await;
    let mut a2 = w.login("admin2").await;
    // Both read version 1…
    let first = w
        .call(
            &mut a1,
            "staff_update",
            json!({"id": agent, "version": 1, "full_name": "Agent Un", "roles": ["reception"]}),
        )
        .await
        .unwrap();
    assert_eq!(first["version"], 2);
    // …the second, still holding version 1, is refused.
    let e = w
        .call(
            &mut a2,
            "staff_update",
            json!({"id": agent, "version": 1, "full_name": "Agent Deux", "roles": ["claims"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert_eq!(
        e.message,
        "Cet enregistrement a été modifié par un autre poste entre-temps : rechargez-le puis recommencez."
    );
    let list = w.call(&mut a1, "staff_list", json!({})).await.unwrap();
    let a = list["staff"].as_array().unwrap().iter().find(|s| s["username"] == "agent").unwrap().clone();
    assert_eq!(a["full_name"], "Agent Un");
    assert_eq!(a["roles"], json!(["reception"]));
    assert_eq!(w.audit_actions().await.iter().filter(|a| *a == "staff.update").count(), 1);
}

async fn the_last_administrator_stays(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let admin = w.add_staff("admin", &["admin"]).await;
    let mut a = w.login("admin").await;
    // Nobody changes his own roles (issue 17, item 8): refused and journaled.
    let e = w
        .call(
            &mut a,
            "staff_update",
            json!({"id": admin, "version": 1, "full_name": "Admin", "roles": ["admin", "medical"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::Forbidden, "Vous ne pouvez pas changer vos propres rôles : demandez-le à un autre administrateur.")
    );
    let refused: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT entity_type, entity_id FROM audit_log WHERE action = 'forbidden'")
            .fetch_all(w.t.db.pool())
            .await
            .unwrap();
    assert_eq!(refused, vec![("staff".to_string(), Some(admin.to_string()))]);
    let e = w.call(&mut a, "staff_set_active", json!({"id": admin, "active": false})).await.unwrap_err();
    assert_eq!(e.message, "Vous ne pouvez pas désactiver votre propre compte.");
    let mut sys = Caller::System { os_user: "root".into() };
    let e = w
        .call(&mut sys, "staff_update", json!({"id": admin, "version": 1, "full_name": "Admin", "roles": ["claims"]}))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("roles"));
    let e = w.call(&mut sys, "staff_set_active", json!({"id": admin, "active": false})).await.unwrap_err();
    assert_eq!(e.message, "C'est le dernier administrateur actif : il ne peut pas être désactivé.");
    let me = w.call(&mut a, "session_current", json!({})).await.unwrap();
    assert_eq!(me["staff"]["roles"], json!(["admin"]));
    assert_eq!(me["staff"]["version"], 1, "nothing half-written");
}

async fn password_change_needs_the_current_password(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("agent", &["claims"]).await;
    let mut c = w.login("agent").await;
    let e = w
        .call(
            &mut c,
            "password_change",
            json!({"current_password": "faux-mot-de-passe", "new_password": "nouveau-mot-de-passe"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("current_password"));
    let e = w
        .call(&mut c, "password_change", json!({"current_password": PASSWORD, "new_password": "court"}))
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("new_password"));
    w.call(&mut c, "password_change", json!({"current_password": PASSWORD, "new_password": "nouveau-mot-de-passe"}))
        .await
        .unwrap();
    w.call(&mut Caller::Anonymous, "session_login", json!({"username": "agent", "password": "nouveau-mot-de-passe"}))
        .await
        .unwrap();
    assert!(w
        .call(&mut Caller::Anonymous, "session_login", json!({"username": "agent", "password": PASSWORD}))
        .await
        .is_err());
}

/// Issue 17, item 9: five wrong passwords sent at once from five desks lock
/// the account as five in a row do (the count is kept in the row itself).
async fn wrong_passwords_typed_in_parallel_count_one_each(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    let id = w.add_staff("agent", &["reception"]).await;
    let tries = (0..5).map(|_| {
        let api = w.api.clone();
        tokio::spawn(async move {
            api.call(
                &mut Caller::Anonymous,
                "session_login",
                json!({"username": "agent", "password": "mauvais-mot-de-passe"}),
            )
            .await
        })
    });
    for t in tries.collect::<Vec<_>>() {
        assert_eq!(t.await.unwrap().unwrap_err().code, ErrorCode::Unauthenticated);
    }
    let (failed, locked): (i64, Option<String>) =
        sqlx::query_as("SELECT failed_attempts, locked_until FROM staff WHERE id = $1")
            .bind(id)
            .fetch_one(w.t.db.pool())
            .await
            .unwrap();
    assert_eq!(failed, 5);
    assert!(locked.is_some(), "locked after five");
    let e = w
        .call(&mut Caller::Anonymous, "session_login", json!({"username": "agent", "password": PASSWORD}))
        .await
        .unwrap_err();
    assert_eq!(e.message, "Identifiant ou mot de passe incorrect.", "locked, answered as any failure");
}

/// Issue 17, item 9: what was typed as an unknown username (often a password
/// typed in the wrong box) is journaled as a digest, never as typed.
async fn an_unknown_username_is_journaled_as_a_digest(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("agent", &["reception"]).await;
    let e = w
        .call(&mut Caller::Anonymous, "session_login", json!({"username": "Secret-Du-Jour-2026", "password": "x"}))
        .await
        .unwrap_err();
    assert_eq!(e.message, "Identifiant ou mot de passe incorrect.");
    let rows: Vec<String> = sqlx::query_scalar("SELECT after_json FROM audit_log WHERE action = 'login.failed'")
        .fetch_all(w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let after: serde_json::Value = serde_json::from_str(&rows[0]).unwrap();
    assert_eq!(after["reason"], "unknown_username");
    assert_eq!(after["username_sha256"].as_str().map(str::len), Some(16));
    let all: Vec<String> =
        sqlx::query_scalar("SELECT COALESCE(after_json, '') || COALESCE(before_json, '') FROM audit_log")
            .fetch_all(w.t.db.pool())
            .await
            .unwrap();
    assert!(
        all.iter().all(|r| !r.to_lowercase().contains("secret-du-jour")),
        "the typed text is nowhere in the journal"
    );
}

/// Issue 17, item 9: two administrators removing each other at the same
/// moment, or two desks creating the first administrator at once, never
/// leave the site without one, nor with two first ones.
async fn two_administrators_at_once_leave_one(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    // The first start, from two desks at once: one administrator.
    let create = |name: &'static str| {
        let api = w.api.clone();
        async move {
            let mut c = Caller::Anonymous;
            api.call(&mut c, "setup_create_admin", json!({"username": name, "full_name": name, "password": PASSWORD}))
                .await
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(create("premier")), tokio::spawn(create("second")));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    let refused = a.err().or(b.err()).unwrap();
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert_eq!(support::count(&w.t.db, "staff").await, 1);
    // Two administrators, each taking the other's role, ten times over.
    for round in 0..10 {
        let other = format!("admin{round}");
        w.add_staff(&other, &["admin"]).await;
        let ids: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT s.id, s.username, s.version FROM staff s JOIN staff_roles r ON r.staff_id = s.id WHERE r.role = \
                'admin' AND s.active = 1 ORDER BY s.id",
        )
        .fetch_all(w.t.db.pool())
        .await
        .unwrap();
        assert_eq!(ids.len(), 2, "round {round}: {ids:?}");
        // Both log in first: a login after the other's change went through
        // would meet a disabled account, which is not the race tested here.
        let mut callers = Vec::new();
        for (_, name, _) in &ids {
            let mut c = Caller::Anonymous;
            w.api.call(&mut c, "session_login", json!({"username": name, "password": PASSWORD})).await.unwrap();
            callers.push(c);
        }
        let demote = |mut c: Caller, (id, version): (i64, i64)| {
            let api = w.api.clone();
            async move {
                let how = if round % 2 == 0 { "staff_update" } else { "staff_set_active" };
                let req = if how == "staff_update" {
                    json!({"id": id, "version": version, "full_name": "Ancien administrateur", "roles": ["claims"]})
                } else {
                    json!({"id": id, "version": version, "active": false})
                };
                api.call(&mut c, how, req).await
            }
        };
        let (x, y) = tokio::join!(
            tokio::spawn(demote(callers.remove(0), (ids[1].0, ids[1].2))),
            tokio::spawn(demote(callers.remove(0), (ids[0].0, ids[0].2)))
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM staff s JOIN staff_roles r ON r.staff_id = s.id \
            WHERE r.role = 'admin' AND s.active = 1",
        )
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
        assert_eq!(left, 1, "round {round}: one administrator stays ({x:?} / {y:?})");
        assert!(
            x.is_ok() != y.is_ok(),
            "round {round}: one change went through, the other was refused ({x:?} / {y:?})"
        );
    }
}

/// Issue 17, item 8: the accounts that read health data change with four
/// eyes. Granting the medical role and resetting a medical advisor's
/// password wait for a second administrator; a reset makes its holder choose
/// his own password before anything else, on every desk he was logged in.
async fn the_medical_role_and_a_medical_reset_need_a_second_administrator(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("chef", &["admin"]).await;
    w.add_staff("chef2", &["admin"]).await;
    let agent = w.add_staff("agent", &["claims"]).await;
    let docteur = w.add_staff("docteur", &["medical"]).await;
    let gest = w.add_staff("gest", &["claims"]).await;
    let mut chef = w.login("chef").await;
    let mut chef2 = w.login("chef2").await;
    // The medical role asked: the account is answered unchanged, the request waits.
    let same = w
        .call(
            &mut chef,
            "staff_update",
            json!({"id": agent, "version": 1, "full_name": "Nom agent", "roles": ["claims", "medical"]}),
        )
        .await
        .unwrap();
    assert_eq!((same["roles"].clone(), same["version"].clone()), (json!(["claims"]), json!(1)));
    let pending = w.call(&mut chef, "staff_request_list", json!({})).await.unwrap();
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let req = pending[0].clone();
    assert_eq!(
        (req["username"].as_str(), req["summary"].as_str(), req["created_by"].as_str()),
        (Some("agent"), Some("Rôles : Gestionnaire, Médecin conseil"), Some("chef"))
    );
    let e = w
        .call(
            &mut chef,
            "staff_update",
            json!({"id": agent, "version": 1, "full_name": "Nom agent", "roles": ["medical"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "one request of a kind at a time");
    // The one who asked cannot validate it: refused and journaled.
    let e = w.call(&mut chef, "staff_request_decide", json!({"id": req["id"], "approve": true})).await.unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::Forbidden,
            "Vous avez fait cette demande : un second \
        administrateur doit la valider ou la refuser (contrôle à quatre yeux)."
        )
    );
    let refused: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'forbidden' AND entity_type = 'staff_request'",
    )
    .fetch_one(w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(refused, 1);
    // The second administrator validates: the role is granted, journaled by him.
    let done = w.call(&mut chef2, "staff_request_decide", json!({"id": req["id"], "approve": true})).await.unwrap();
    assert_eq!((done["status"].as_str(), done["decided_by"].as_str()), (Some("valide"), Some("chef2")));
    let mut a = w.login("agent").await;
    assert_eq!(
        w.call(&mut a, "session_current", json!({})).await.unwrap()["staff"]["roles"],
        json!(["claims", "medical"])
    );
    let by: String =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'staff.update' ORDER BY id DESC LIMIT 1")
            .fetch_one(w.t.db.pool())
            .await
            .unwrap();
    assert_eq!(by, "chef2");
    // A medical advisor's reset waits too; meanwhile his password is his own.
    let mut doc_desk = w.login("docteur").await;
    w.call(&mut chef, "staff_reset_password", json!({"id": docteur, "new_password": "Passage-2026-1"})).await.unwrap();
    w.login("docteur").await;
    let req = w.call(&mut chef, "staff_request_list", json!({})).await.unwrap()[0].clone();
    assert_eq!(req["kind"], "password_reset");
    let stored: Option<String> = sqlx::query_scalar("SELECT password_hash FROM staff_requests WHERE id = $1")
        .bind(req["id"].as_i64().unwrap())
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
    assert!(
        stored.as_deref().is_some_and(|h| h.starts_with("$argon2") && !h.contains("Passage")),
        "only the hash waits"
    );
    // Refused: nothing changes, and the hash is gone.
    w.call(&mut chef2, "staff_request_decide", json!({"id": req["id"], "approve": false})).await.unwrap();
    w.login("docteur").await;
    let stored: Option<String> = sqlx::query_scalar("SELECT password_hash FROM staff_requests WHERE id = $1")
        .bind(req["id"].as_i64().unwrap())
        .fetch_one(w.t.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, None);
    // Asked again and validated: the passage password works, once.
    w.call(&mut chef, "staff_reset_password", json!({"id": docteur, "new_password": "Passage-2026-1"})).await.unwrap();
    let req = w.call(&mut chef, "staff_request_list", json!({})).await.unwrap()[0].clone();
    w.call(&mut chef2, "staff_request_decide", json!({"id": req["id"], "approve": true})).await.unwrap();
    assert!(w
        .call(&mut Caller::Anonymous, "session_login", json!({"username": "docteur", "password": PASSWORD}))
        .await
        .is_err());
    // The desk he was logged in on does nothing more until the new password is chosen.
    let e = w.call(&mut doc_desk, "approval_list", json!({})).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Unauthenticated, Some("password_change_required")));
    assert_eq!(
        e.message,
        "Votre mot de passe a été réinitialisé par un administrateur : choisissez-en un nouveau pour continuer."
    );
    let mut doc = w.login_with("docteur", "Passage-2026-1").await;
    let me = w.call(&mut doc, "session_current", json!({})).await.unwrap();
    assert_eq!(me["staff"]["must_change_password"], true);
    let e = w.call(&mut doc, "approval_list", json!({})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("password_change_required"));
    w.call(
        &mut doc,
        "password_change",
        json!({"current_password": "Passage-2026-1", "new_password": "Le-mien-2026-ok"}),
    )
    .await
    .unwrap();
    w.call(&mut doc, "approval_list", json!({})).await.unwrap();
    // Another account's reset is at once, and forces the change all the same.
    let g =
        w.call(&mut chef, "staff_reset_password", json!({"id": gest, "new_password": "Passage-2026-2"})).await.unwrap();
    assert_eq!(g["must_change_password"], true);
    let mut g = w.login_with("gest", "Passage-2026-2").await;
    assert_eq!(
        w.call(&mut g, "member_search", json!({"query": "x"})).await.unwrap_err().field.as_deref(),
        Some("password_change_required")
    );
    // The administrators' requests and decisions are in the journal.
    let actions = w.audit_actions().await;
    for a in ["staff.request", "staff.request_validate", "staff.request_refuse", "staff.password_reset"] {
        assert!(actions.contains(&a.to_string()), "{a}: {actions:?}");
    }
}

/// Creating an account with the medical or the administrator role is a
/// request as granting it is: the account exists with its other roles, a
/// second administrator grants the rest.
async fn an_account_created_medical_or_administrator_waits_for_a_second_administrator(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("chef", &["admin"]).await;
    w.add_staff("chef2", &["admin"]).await;
    let mut chef = w.login("chef").await;
    let mut chef2 = w.login("chef2").await;
    let dr = w
        .call(
            &mut chef,
            "staff_create",
            json!({"username": "dr.alaoui", "full_name": "Dr Alaoui", "roles": ["medical"], "password": PASSWORD}),
        )
        .await
        .unwrap();
    assert_eq!(dr["roles"], json!([]), "no health data before a second administrator says so");
    let boss = w
        .call(
            &mut chef,
            "staff_create",
            json!({"username": "n.admin", "full_name": "N Admin", "roles": ["admin", "claims"], "password": PASSWORD}),
        )
        .await
        .unwrap();
    assert_eq!(boss["roles"], json!(["claims"]));
    let mut d = w.login("dr.alaoui").await;
    let e = w.call(&mut d, "approval_list", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let pending = w.call(&mut chef, "staff_request_list", json!({})).await.unwrap();
    let summaries: Vec<&str> = pending.as_array().unwrap().iter().map(|r| r["summary"].as_str().unwrap()).collect();
    assert_eq!(summaries, vec!["Rôles : Médecin conseil", "Rôles : Gestionnaire, Administrateur"]);
    let e = w.call(&mut chef, "staff_request_decide", json!({"id": pending[0]["id"], "approve": true})).await;
    assert_eq!(e.unwrap_err().code, ErrorCode::Forbidden, "not by the one who asked");
    for r in pending.as_array().unwrap() {
        w.call(&mut chef2, "staff_request_decide", json!({"id": r["id"], "approve": true})).await.unwrap();
    }
    let mut d = w.login("dr.alaoui").await;
    w.call(&mut d, "approval_list", json!({})).await.unwrap();
    let mut b = w.login("n.admin").await;
    let me = w.call(&mut b, "session_current", json!({})).await.unwrap();
    assert_eq!(me["staff"]["roles"], json!(["claims", "admin"]));
    // The command line on the database's machine (the site's bootstrap) creates it at once.
    w.add_staff("dr.direct", &["medical"]).await;
    let mut direct = w.login("dr.direct").await;
    let me = w.call(&mut direct, "session_current", json!({})).await.unwrap();
    assert_eq!(me["staff"]["roles"], json!(["medical"]));
}

/// One administrator cannot make a second to approve his own requests: a
/// request is validated only by someone already an administrator when it
/// was made.
async fn a_new_administrator_cannot_validate_what_was_asked_before_him(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("chef", &["admin"]).await;
    w.add_staff("chef2", &["admin"]).await;
    let agent = w.add_staff("agent", &["claims"]).await;
    w.clock.advance(chrono::Duration::minutes(5));
    let mut chef = w.login("chef").await;
    let mut chef2 = w.login("chef2").await;
    // Chef asks the medical role for an agent, then an administrator account for a friend.
    w.call(
        &mut chef,
        "staff_update",
        json!({"id": agent, "version": 1, "full_name": "Nom agent", "roles": ["claims", "medical"]}),
    )
    .await
    .unwrap();
    let asked = w.call(&mut chef, "staff_request_list", json!({})).await.unwrap()[0].clone();
    w.call(
        &mut chef,
        "staff_create",
        json!({"username": "complice", "full_name": "Complice", "roles": ["admin"], "password": PASSWORD}),
    )
    .await
    .unwrap();
    w.clock.advance(chrono::Duration::minutes(5));
    // The second administrator, trusting, makes the friend an administrator.
    let friend = w.call(&mut chef, "staff_request_list", json!({})).await.unwrap()[1].clone();
    w.call(&mut chef2, "staff_request_decide", json!({"id": friend["id"], "approve": true})).await.unwrap();
    // The friend cannot validate what chef asked before he was one.
    let mut complice = w.login("complice").await;
    let e = w.call(&mut complice, "staff_request_decide", json!({"id": asked["id"], "approve": true})).await;
    let e = e.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e.message.starts_with("Vous êtes administrateur depuis le "), "{}", e.message);
    let refused: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'forbidden' AND actor = 'complice' AND entity_type = \
        'staff_request'",
    )
    .fetch_one(w.t.db.pool())
    .await
    .unwrap();
    assert_eq!(refused, 1, "the refusal is journaled");
    let still = w.call(&mut chef, "staff_request_list", json!({})).await.unwrap();
    assert_eq!(still.as_array().unwrap().len(), 1, "the medical role still waits");
    // An administrator of before validates it.
    w.call(&mut chef2, "staff_request_decide", json!({"id": asked["id"], "approve": true})).await.unwrap();
}

/// Through a server, the first administrator is created only from the
/// server's own machine: whoever reaches a new server first from the network
/// must not own it (issue 35, item 12).
async fn the_first_administrator_of_a_site_is_made_on_the_servers_machine(t: TestDb) {
    use guichet_core::audit::{Origin, ORIGIN};
    let w = World::new(t).without_idle_lock().await;
    let ask = |remote: &str| Origin { desk: "Poste inconnu".into(), remote_addr: remote.into() };
    let req = json!({"username": "admin", "full_name": "Admin", "password": PASSWORD});
    let mut c = Caller::Anonymous;
    let e = ORIGIN.scope(ask("10.0.0.7"), w.call(&mut c, "setup_create_admin", req.clone())).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(
        e.message.starts_with("Le premier administrateur d'un site se crée sur la machine du serveur"),
        "{}",
        e.message
    );
    assert_eq!(support::count(&w.t.db, "staff").await, 0);
    let info = ORIGIN.scope(ask("::1"), w.call(&mut c, "setup_create_admin", req)).await.unwrap();
    assert_eq!(info["staff"]["username"], "admin");
}
