//! The audit journal: same transaction, append-only, filters.

use crate::helpers::World;
use crate::support::TestDb;
use chrono::Duration;
use guichet_core::api::Caller;
use serde_json::json;

crate::on_both_backends!(
    the_journal_refuses_edits_and_deletions,
    filters_by_who_what_and_when,
    logout_is_recorded,
    rows_edited_deleted_or_reordered_by_hand_are_reported,
    every_row_of_an_import_is_chained,
    an_edit_with_its_fingerprint_recomputed_is_found_by_the_seal,
    a_segment_written_before_fingerprints_is_verified_as_written,
    a_head_rewound_by_hand_is_found_by_its_anchor
);

/// Drops the journal's guards, as someone with the database's keys would.
async fn drop_guards(db: &guichet_core::storage::Db) {
    let pool = db.pool();
    if db.backend() == guichet_core::storage::Backend::Postgres {
        sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(pool).await.unwrap();
        sqlx::query("ALTER TABLE audit_head DISABLE TRIGGER audit_head_forward").execute(pool).await.unwrap();
        sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_in_sequence").execute(pool).await.unwrap();
        sqlx::query("ALTER TABLE audit_head DISABLE TRIGGER audit_head_hash_of_its_row").execute(pool).await.unwrap();
    } else {
        for t in [
            "audit_log_no_update",
            "audit_log_no_delete",
            "audit_head_forward",
            "audit_head_no_delete",
            "audit_log_in_sequence",
            "audit_head_hash_of_its_row",
        ] {
            sqlx::query(&format!("DROP TRIGGER {t}")).execute(pool).await.unwrap();
        }
    }
}

fn kinds(v: &serde_json::Value) -> Vec<String> {
    v["breaks"].as_array().unwrap().iter().map(|b| b["kind"].as_str().unwrap().to_string()).collect()
}

/// Verifies the journal, which must find one row modified: its message.
async fn the_one_modification(w: &World) -> String {
    let v = w.call(&mut Caller::System { os_user: "test".into() }, "audit_verify", json!({})).await.unwrap();
    assert_eq!(kinds(&v), ["modified"], "{v}");
    v["breaks"][0]["message"].as_str().unwrap().to_string()
}

/// A roster import's rows are chained too (one segment sealed in the main
/// chain): a row of it edited, removed or slipped in by hand is named.
async fn every_row_of_an_import_is_chained(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    an_import_of_forty(&w).await;
    let mut agent = w.login("accueil").await;
    let m = w.call(&mut agent, "member_search", json!({"query": "70003"})).await.unwrap();
    assert!(m.to_string().contains("NOM3"), "{m}");
    let mut admin = Caller::System { os_user: "test".into() };
    let all = crate::support::count(&w.t.db, "audit_log").await;
    let v = w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    assert_eq!(
        (v["intact"].as_bool(), v["unchained"].as_i64(), v["rows_checked"].as_i64()),
        (Some(true), Some(0), Some(all)),
        "{v}"
    );

    // Each row keeps the 64-bit fingerprint of its hash; the seal, the
    // digest of the full hashes.
    let pool = w.t.db.pool();
    let (rows, fingerprinted): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(fingerprint) FROM audit_log WHERE segment IS NOT NULL AND hash IS NULL")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((rows, fingerprinted), (41, 41));
    let seal: String = sqlx::query_scalar("SELECT after_json FROM audit_log WHERE action = 'journal.segment'")
        .fetch_one(pool)
        .await
        .unwrap();
    let seal: serde_json::Value = serde_json::from_str(&seal).unwrap();
    assert_eq!((seal["rows"].as_i64(), seal["digest"].as_str().map(str::len)), (Some(41), Some(64)), "{seal}");

    drop_guards(&w.t.db).await;
    sqlx::query(
        "UPDATE audit_log SET after_json = REPLACE(after_json, 'NOM7', 'AUTRE') WHERE action = \
        'member.import_create' AND entity_id IN (SELECT CAST(id AS TEXT) FROM members WHERE matricule = '70007')",
    )
    .execute(pool)
    .await
    .unwrap();
    let message = the_one_modification(&w).await;
    assert!(
        message.contains("lot de 41 lignes")
            && message.contains("ligne 8 du lot modifiée (member.import_create du 2026-11-23, par accueil)"),
        "{message}"
    );

    sqlx::query("DELETE FROM audit_log WHERE segment IS NOT NULL AND segment_seq = 20").execute(pool).await.unwrap();
    let v = w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    assert_eq!(kinds(&v), ["modified", "deleted"], "{v}");

    // A row added by hand, outside every chain.
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity_type, entity_id) VALUES ('2026-11-23T10:00:00Z', \
        'admin', 'member.update', 'member', '1')",
    )
    .execute(pool)
    .await
    .unwrap();
    let v = w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    assert_eq!(kinds(&v), ["modified", "deleted", "unchained"], "{v}");
    assert!(
        v["breaks"][2]["message"]
            .as_str()
            .unwrap()
            .starts_with("Une ligne hors de la chaîne (member.update du 2026-11-23) a été ajoutée après la ligne n° "),
        "{v}"
    );
}

/// Imports 40 members as `accueil`: one segment of 41 rows.
async fn an_import_of_forty(w: &World) {
    use crate::import::{
        xlsx,
        C::{S, T},
    };
    w.add_staff("accueil", &["reception"]).await;
    let mut agent = w.login("accueil").await;
    let dir = tempfile::tempdir().unwrap();
    let mut rows = vec![vec![S("MATRICULE"), S("NOM"), S("Prénom")]];
    rows.extend((0..40).map(|i| vec![T(format!("{}", 70000 + i)), T(format!("NOM{i}")), T("Prénom".into())]));
    let path = xlsx(dir.path(), "roster.xlsx", &[("Personnel", rows)]);
    let r = w.call(&mut agent, "member_import", json!({"file": path.to_string_lossy()})).await.unwrap();
    assert_eq!(r["created"], 40);
}

/// Someone who edits an imported row and writes its new fingerprint (the
/// hash is no secret) passes the row's check, not the seal's: the segment is
/// named as no longer matching it.
async fn an_edit_with_its_fingerprint_recomputed_is_found_by_the_seal(t: TestDb) {
    use guichet_core::audit::chain;
    let w = World::new(t).without_idle_lock().await;
    an_import_of_forty(&w).await;
    drop_guards(&w.t.db).await;
    let pool = w.t.db.pool();
    type Row = (i64, String, Option<i64>, String, String, String, Option<String>, String, i64, String);
    let (id, at, staff_id, actor, action, entity_type, entity_id, after, place, segment): Row = sqlx::query_as(
        "SELECT id, at, staff_id, actor, action, entity_type, entity_id, after_json, segment_seq, segment FROM \
        audit_log WHERE segment IS NOT NULL AND segment_seq = 8",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let forged = after.replace("NOM7", "AUTRE");
    assert_ne!(forged, after);
    let start = chain::segment_start(&segment);
    let hash = chain::hash_bytes(&chain::Content {
        seq: place,
        at: &at,
        staff_id,
        actor: &actor,
        action: &action,
        entity_type: &entity_type,
        entity_id: entity_id.as_deref(),
        before_json: None,
        after_json: Some(&forged),
        prev_hash: &start,
        origin: None,
    });
    sqlx::query("UPDATE audit_log SET after_json = $1, fingerprint = $2 WHERE id = $3")
        .bind(&forged)
        .bind(chain::fingerprint(&hash))
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    let message = the_one_modification(&w).await;
    assert!(message.contains("(lot de 41 lignes) : ses lignes ne correspondent plus à son scellement."), "{message}");
}

/// A segment written before fingerprints (each row's full hash, chained to
/// the row before, the seal naming the last) still verifies, and a row of it
/// edited by hand is named.
async fn a_segment_written_before_fingerprints_is_verified_as_written(t: TestDb) {
    use guichet_core::audit::{self, chain, Actor, Change};
    use guichet_core::clock::Clock;
    let w = World::new(t).without_idle_lock().await;
    let mut admin = Caller::System { os_user: "test".into() };
    let (key, at, actor) = ("00112233aabbccdd", "2026-11-20T08:00:00.000000Z", "système:ancien");
    let mut prev = chain::segment_start(key);
    let mut tx = w.t.db.begin().await.unwrap();
    for place in 1..=3i64 {
        let after = json!({ "matricule": format!("6000{place}") }).to_string();
        let entity_id = place.to_string();
        let hash = chain::hash(&chain::Content {
            seq: place,
            at,
            staff_id: None,
            actor,
            action: "member.import_create",
            entity_type: "member",
            entity_id: Some(&entity_id),
            before_json: None,
            after_json: Some(&after),
            prev_hash: &prev,
            origin: None,
        });
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, entity_type, entity_id, after_json, segment, segment_seq, \
            hash) VALUES ($1, $2, 'member.import_create', 'member', $3, $4, $5, $6, $7)",
        )
        .bind(at)
        .bind(actor)
        .bind(&entity_id)
        .bind(&after)
        .bind(key)
        .bind(place)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .unwrap();
        prev = hash;
    }
    let seal = Change {
        action: audit::SEGMENT_SEAL,
        entity_type: "journal",
        entity_id: Some(key.to_string()),
        before: None,
        after: Some(json!({ "rows": 3, "last_hash": prev })),
    };
    audit::record(&mut tx, w.clock.now(), &Actor::process("ancien"), seal).await.unwrap();
    tx.commit().await.unwrap();
    let v = w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    assert_eq!((v["intact"].as_bool(), v["rows_checked"].as_i64()), (Some(true), Some(4)), "{v}");

    drop_guards(&w.t.db).await;
    sqlx::query("UPDATE audit_log SET after_json = '{\"matricule\":\"99999\"}' WHERE segment_seq = 2")
        .execute(w.t.db.pool())
        .await
        .unwrap();
    let message = the_one_modification(&w).await;
    assert!(
        message.contains("ligne 2 du lot modifiée (member.import_create du 2026-11-20, par système:ancien)"),
        "{message}"
    );
}

/// The head only moves forward; rewound by someone who drops that guard, it
/// is found by the anchor taken before (here from a backup's side file).
async fn a_head_rewound_by_hand_is_found_by_its_anchor(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    for i in 0..5 {
        w.add_staff(&format!("agent{i}"), &["reception"]).await;
    }
    let pool = w.t.db.pool();
    assert!(
        sqlx::query("UPDATE audit_head SET seq = seq - 1").execute(pool).await.is_err(),
        "the head must not move back"
    );
    assert!(sqlx::query("DELETE FROM audit_head").execute(pool).await.is_err(), "the head must stay");
    let mut admin = Caller::System { os_user: "test".into() };
    let anchor = w.call(&mut admin, "audit_anchor", json!({})).await.unwrap();
    assert_eq!(anchor["seq"], 5);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copie.bak");
    w.call(&mut admin, "backup_create", json!({"path": file.to_str().unwrap()})).await.unwrap();
    let beside: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(dir.path().join("copie.bak.ancre")).unwrap().trim()).unwrap();
    assert_eq!((&beside["seq"], &beside["hash"]), (&anchor["seq"], &anchor["hash"]));
    let v = w.call(&mut admin, "audit_verify", json!({"anchors": [anchor.clone(), beside]})).await.unwrap();
    assert_eq!((v["intact"].as_bool(), v["anchors_checked"].as_i64()), (Some(true), Some(2)), "{v}");

    // Rows 5 and 6 (the backup's) deleted, the head put back on row 4.
    drop_guards(&w.t.db).await;
    sqlx::query("DELETE FROM audit_log WHERE seq >= 5").execute(pool).await.unwrap();
    sqlx::query("UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)")
        .execute(pool)
        .await
        .unwrap();
    let blind = w.call(&mut admin, "audit_verify", json!({})).await.unwrap();
    assert_eq!(blind["intact"], true, "without an anchor, a clean cut cannot be seen: {blind}");
    let v = w.call(&mut admin, "audit_verify", json!({"anchors": [anchor.clone()]})).await.unwrap();
    assert_eq!(kinds(&v), ["rewound"], "{v}");
    assert_eq!(
        v["breaks"][0]["message"],
        "La tête du journal (ligne n° 4) est en deçà de l'ancre du 2026-11-23 (ligne n° 5) : des lignes ont été \
            retirées et la tête réécrite."
    );
    // A journal rewritten from the anchor on (as long, other rows).
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity_type, seq, prev_hash, hash) SELECT at, actor, \
        action, entity_type, 5, hash, 'faux' FROM audit_log WHERE seq = 4",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE audit_head SET seq = 5, hash = 'faux'").execute(pool).await.unwrap();
    let v = w.call(&mut admin, "audit_verify", json!({"anchors": [anchor]})).await.unwrap();
    assert_eq!(kinds(&v), ["modified", "rewound"], "{v}");
    assert_eq!(
        v["breaks"][1]["message"],
        "La ligne n° 5 n'a plus l'empreinte relevée par l'ancre du 2026-11-23 : le journal a été réécrit depuis."
    );
}
async fn the_journal_refuses_edits_and_deletions(t: TestDb) {
    let w = World::new(t).without_idle_lock().await;
    w.add_staff("admin", &["admin"]).await;
    let before = crate::support::count(&w.t.db, "audit_log").await;
    assert!(before > 0);
    let upd = sqlx::query("UPDATE audit_log SET actor = 'quelqu-un-d-autre'").execute(w.t.db.pool()).await;
    assert!(upd.is_err(), "UPDATE must be refused");
    let del = sqlx::query("DELETE FROM audit_log").execute(w.t.db.pool()).await;
    assert!(del.is_err(), "DELETE must be refused");
    // Issue 35, item 15: rows go only where Guichet puts them, and the head
    // only ever holds the hash of the row at its place.
    let pool = w.t.db.pool();
    let loose = "INSERT INTO audit_log (at, actor, action, entity_type) VALUES ('2026-12-06T10:00:00Z', 'x', 'y', 'z')";
    assert!(sqlx::query(loose).execute(pool).await.is_err(), "a row outside every chain");
    let ahead =
        "INSERT INTO audit_log (at, actor, action, entity_type, seq, prev_hash, hash) SELECT at, actor, action, \
        entity_type, seq + 3, hash, 'faux' FROM audit_log WHERE seq = (SELECT seq FROM audit_head)";
    assert!(sqlx::query(ahead).execute(pool).await.is_err(), "a row at a place not reserved");
    let head = sqlx::query("UPDATE audit_head SET hash = 'faux' WHERE id = 1").execute(pool).await;
    assert!(head.is_err(), "the head's hash set by hand");
    assert_eq!(crate::support::count(&w.t.db, "audit_log").await, before);
    let mut system = Caller::System { os_user: "test".into() };
    assert_eq!(w.call(&mut system, "audit_verify", json!({})).await.unwrap()["intact"], true);
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_log ORDER BY id LIMIT 1").fetch_one(w.t.db.pool()).await.unwrap();
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
    let actions: Vec<&str> =
        by_agent["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["forbidden", "login"], "newest first");

    let day1 = w.call(&mut admin, "audit_list", json!({"from": "2026-11-23", "to": "2026-11-23"})).await.unwrap();
    let d1: Vec<&str> = day1["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(d1, ["login", "staff.create", "staff.create"]);

    let later = w.call(&mut admin, "audit_list", json!({"from": "2026-11-24"})).await.unwrap();
    // The agent's login and refusal; reading the journal is not itself a change.
    assert_eq!(later["entries"].as_array().unwrap().len(), 2);
    let creates =
        w.call(&mut admin, "audit_list", json!({"action": "staff.create", "entity_type": "staff"})).await.unwrap();
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
    assert_eq!(
        (ok["intact"].as_bool(), ok["rows_checked"].as_i64(), ok["breaks"].clone()),
        (Some(true), Some(6), serde_json::json!([]))
    );
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
    let breaks: Vec<(i64, String)> = v["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["seq"].as_i64().unwrap(), b["kind"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(breaks, [(2, "modified".to_string()), (4, "deleted".to_string())]);
    assert!(v["breaks"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Ligne n° 2 du journal modifiée (staff.create du 2026-11-23, par quelqu-un-d-autre)"));
    assert_eq!(v["breaks"][1]["message"], "Ligne n° 4 du journal supprimée (la suivante, n° 5, ne la trouve plus).");
    // Deleting the last rows and swapping two rows' places are found too.
    sqlx::query("DELETE FROM audit_log WHERE seq = 6").execute(pool).await.unwrap();
    let v = w.call(&mut admin, "audit_verify", serde_json::json!({})).await.unwrap();
    assert_eq!(v["breaks"].as_array().unwrap().last().unwrap()["kind"], "truncated");
}
