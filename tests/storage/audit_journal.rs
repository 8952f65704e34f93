//! The audit journal: same transaction, append-only, filters.

use crate::helpers::World;
use crate::support::TestDb;
use guichet_core::api::Caller;
use chrono::Duration;
use serde_json::json;

crate::on_both_backends!(the_journal_refuses_edits_and_deletions, filters_by_who_what_and_when, logout_is_recorded, rows_edited_deleted_or_reordered_by_hand_are_reported);

async fn the_journal_refuses_edits_and_deletions(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    let before = crate::support::count(&w.t.db, "audit_log").await;
    assert!(before > 0);
    let upd = sqlx::query("UPDATE audit_log SET actor = 'quelqu-un-d-autre'").execute(w.t.db.pool()).await;
    assert!(upd.is_err(), "UPDATE must be refused");
    let del = sqlx::query("DELETE FROM audit_log").execute(w.t.db.pool()).await;
    assert!(del.is_err(), "DELETE must be refused");
    assert_eq!(crate::support::count(&w.t.db, "audit_log").await, before);
    let actor: String = sqlx::query_scalar("SELECT actor FROM audit_log ORDER BY id LIMIT 1").fetch_one(w.t.db.pool()).await.unwrap();
    assert_eq!(actor, "système:test");
}

async fn filters_by_who_what_and_when(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    w.add_staff("agent", &["reception"]).await;
    let mut admin = w.login("admin").await; // day 1
    w.clock.advance(Duration::days(2));
    let mut agent = w.login("agent").await; // day 3
    let _ = w.call(&mut agent, "staff_list", json!({})).await; // forbidden, day 3

    let by_agent = w.call(&mut admin, "audit_list", json!({"actor": "agent"})).await.unwrap();
    let actions: Vec<&str> = by_agent["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["forbidden", "login"], "newest first");

    let day1 = w.call(&mut admin, "audit_list", json!({"from": "2026-11-23", "to": "2026-11-23"})).await.unwrap();
    let d1: Vec<&str> = day1["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(d1, ["login", "staff.create", "staff.create"]);

    let later = w.call(&mut admin, "audit_list", json!({"from": "2026-11-24"})).await.unwrap();
    // The agent's login and refusal; reading the journal is not itself a change.
    assert_eq!(later["entries"].as_array().unwrap().len(), 2);
    let creates = w.call(&mut admin, "audit_list", json!({"action": "staff.create", "entity_type": "staff"})).await.unwrap();
    assert_eq!(creates["entries"].as_array().unwrap().len(), 2);

    // Paging: one row at a time, following next_before_id.
    let p1 = w.call(&mut admin, "audit_list", json!({"limit": 1})).await.unwrap();
    let next = p1["next_before_id"].as_i64().unwrap();
    let p2 = w.call(&mut admin, "audit_list", json!({"limit": 1, "before_id": next})).await.unwrap();
    assert!(p2["entries"][0]["id"].as_i64().unwrap() < next);

    let bad = w.call(&mut admin, "audit_list", json!({"from": "23/11/2026"})).await.unwrap_err();
    assert_eq!(bad.field.as_deref(), Some("from"));
    assert!(bad.message.contains("date invalide"), "{}", bad.message);
}

async fn logout_is_recorded(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("agent", &["claims"]).await;
    let mut c = w.login("agent").await;
    w.call(&mut c, "session_logout", json!({})).await.unwrap();
    assert_eq!(c, guichet_core::api::Caller::Anonymous);
    assert_eq!(w.audit_actions().await.last().unwrap(), "logout");
}

/// Someone with write access to the database drops the append-only triggers,
/// edits one row and deletes another: the hash chain names both.
async fn rows_edited_deleted_or_reordered_by_hand_are_reported(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    for i in 0..6 {
        w.add_staff(&format!("agent{i}"), &["reception"]).await;
    }
    let mut admin = Caller::System { os_user: "test".into() };
    let ok = w.call(&mut admin, "audit_verify", serde_json::json!({})).await.unwrap();
    assert_eq!((ok["intact"].as_bool(), ok["rows_checked"].as_i64(), ok["breaks"].clone()), (Some(true), Some(6), serde_json::json!([])));
    let pool = w.t.db.pool();
    let postgres = w.t.db.backend() == guichet_core::storage::Backend::Postgres;
    if postgres {
        sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(pool).await.unwrap();
    } else {
        sqlx::query("DROP TRIGGER audit_log_no_update").execute(pool).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_delete").execute(pool).await.unwrap();
    }
    sqlx::query("UPDATE audit_log SET actor = 'quelqu-un-d-autre' WHERE seq = 2").execute(pool).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 4").execute(pool).await.unwrap();
    let v = w.call(&mut admin, "audit_verify", serde_json::json!({})).await.unwrap();
    assert_eq!(v["intact"], false);
    let breaks: Vec<(i64, String)> = v["breaks"].as_array().unwrap().iter().map(|b| (b["seq"].as_i64().unwrap(), b["kind"].as_str().unwrap().to_string())).collect();
    assert_eq!(breaks, [(2, "modified".to_string()), (4, "deleted".to_string())]);
    assert!(v["breaks"][0]["message"].as_str().unwrap().starts_with("Ligne n° 2 du journal modifiée (staff.create du 2026-11-23, par quelqu-un-d-autre)"));
    assert_eq!(v["breaks"][1]["message"], "Ligne n° 4 du journal supprimée (la suivante, n° 5, ne la trouve plus).");
    // Deleting the last rows and swapping two rows' places are found too.
    sqlx::query("DELETE FROM audit_log WHERE seq = 6").execute(pool).await.unwrap();
    let v = w.call(&mut admin, "audit_verify", serde_json::json!({})).await.unwrap();
    assert_eq!(v["breaks"].as_array().unwrap().last().unwrap()["kind"], "truncated");
}
