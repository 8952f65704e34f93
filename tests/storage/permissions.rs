//! Permissions are checked in the core, and refusals are audited.

use crate::helpers::World;
use crate::support::TestDb;
use guichet_core::api::Caller;
use guichet_core::ErrorCode;
use serde_json::json;

crate::on_both_backends!(refused_calls_are_forbidden_and_audited, anonymous_callers_must_log_in, sections_follow_roles);

async fn refused_calls_are_forbidden_and_audited(t: TestDb) {
    let w = World::new(t);
    w.add_staff("agent", &["reception"]).await;
    w.add_staff("docteur", &["medical"]).await;
    let mut agent = w.login("agent").await;
    for (op, req) in [
        ("staff_list", json!({})),
        ("staff_create", json!({"username": "intrus", "full_name": "X", "roles": ["admin"], "password": "0123456789"})),
        ("audit_list", json!({})),
        ("staff_unlock", json!({"username": "docteur"})),
    ] {
        let e = w.call(&mut agent, op, req).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{op}");
        assert_eq!(e.message, format!("Accès refusé : votre rôle (Agent d'accueil) ne permet pas cette opération ({op})."));
    }
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT actor, action, entity_id FROM audit_log WHERE action = 'forbidden' ORDER BY id").fetch_all(w.t.db.pool()).await.unwrap();
    assert_eq!(
        rows,
        ["staff_list", "staff_create", "audit_list", "staff_unlock"]
            .map(|op| ("agent".to_string(), "forbidden".to_string(), Some(op.to_string())))
            .to_vec()
    );
    // Nothing was created by the refused call.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE username = 'intrus'").fetch_one(w.t.db.pool()).await.unwrap();
    assert_eq!(n, 0);
}

async fn anonymous_callers_must_log_in(t: TestDb) {
    let w = World::new(t);
    for op in ["session_current", "staff_list", "audit_list", "password_change"] {
        let e = w.call(&mut Caller::Anonymous, op, json!({})).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Unauthenticated, "{op}");
    }
    let e = w.call(&mut Caller::Anonymous, "no_such_operation", json!({})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.starts_with("Opération inconnue « no_such_operation »"));
}

async fn sections_follow_roles(t: TestDb) {
    let w = World::new(t);
    w.add_staff("docteur", &["medical"]).await;
    w.add_staff("gest", &["claims"]).await;
    let mut d = w.login("docteur").await;
    let me = w.call(&mut d, "session_current", json!({})).await.unwrap();
    assert_eq!(me["sections"], json!(["adherents", "dossiers", "accords"]));
    assert_eq!(me["role_labels"], json!(["Médecin conseil"]));
    let mut g = w.login("gest").await;
    let me = w.call(&mut g, "session_current", json!({})).await.unwrap();
    assert_eq!(me["sections"], json!(["adherents", "dossiers", "accords", "decomptes"]));
}
