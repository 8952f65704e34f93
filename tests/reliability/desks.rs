//! Two desks at once: two processes on the same SQLite file, then on the same
//! PostgreSQL database, each make 1,000 changes to the same 100 members and
//! 100 dossiers, in the same order so they collide. No update is lost (each
//! record's version counts exactly the changes that succeeded), every refusal
//! is a `conflict` with a French message, and the journal matches the final
//! state exactly.

use crate::support::{fresh_url, Kind};
use guichet_core::api::{Api, Caller};
use guichet_core::storage::Db;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;

const RECORDS: usize = 100;
const CHANGES: usize = 1_000;
const PASSWORD: &str = "Guichet-2026!";

/// The dossiers' ids, in the order they were recorded.
async fn dossier_ids(db: &Db) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM dossiers ORDER BY id").fetch_all(db.pool()).await.unwrap()
}

async fn login(api: &Api, user: &str) -> Caller {
    let mut c = Caller::Anonymous;
    api.call(&mut c, "session_login", json!({"username": user, "password": PASSWORD})).await.unwrap();
    c
}

/// One desk: `CHANGES` read-then-write changes, alternately a member's address
/// and a dossier's checklist, printing each outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started as a child process by the two-desks tests"]
async fn desk_child() {
    let (Ok(url), Ok(desk)) = (std::env::var("GUICHET_DESK_URL"), std::env::var("GUICHET_DESK")) else { return };
    let db = Db::open(&url).await.unwrap();
    let api = Api::new(db.clone());
    let mut me = login(&api, &format!("guichet{desk}")).await;
    let dossiers = dossier_ids(&db).await;
    // Start together: say ready, wait for the go.
    let gate = std::path::PathBuf::from(std::env::var("GUICHET_DESK_GATE").unwrap());
    std::fs::write(gate.join(format!("ready{desk}")), b"").unwrap();
    while !gate.join("go").exists() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    for k in 0..CHANGES {
        let i = (k / 2) % RECORDS + 1;
        let (kind, result) = if k % 2 == 0 {
            let page = api.call(&mut me, "member_get", json!({"id": i})).await.unwrap();
            let m = &page["member"];
            let address = format!("desk{desk}-{k}");
            let input = json!({"matricule": m["matricule"], "last_name": m["last_name"],
                "first_name": m["first_name"], "status": m["status"], "address": address});
            (
                "member",
                api.call(&mut me, "member_update", json!({"id": i, "version": m["version"], "member": input}))
                    .await
                    .map(|_| address),
            )
        } else {
            // The i-th dossier (on PostgreSQL its id says its year).
            let id = dossiers[i - 1];
            let page = api.call(&mut me, "dossier_get", json!({"id": id})).await.unwrap();
            let present = if k % 4 == 1 { json!(["member_block_signed"]) } else { json!(["doctor_block"]) };
            let r = api
                .call(
                    &mut me,
                    "dossier_checklist",
                    json!({"id": id, "version": page["dossier"]["version"], "contents": {}, "present": present}),
                )
                .await;
            ("dossier", r.map(|_| present.to_string()))
        };
        let line = match result {
            Ok(value) => json!({"kind": kind, "id": i, "ok": true, "value": value}),
            Err(e) => json!({"kind": kind, "id": i, "ok": false, "code": e.code, "message": e.message}),
        };
        println!("OUTCOME {line}");
    }
    db.close().await;
}

async fn two_desks(kind: Kind) {
    let Some((url, _dir)) = fresh_url(kind).await else { return };
    let db = Db::open(&url).await.unwrap();
    let api = Api::new(db.clone());
    let mut sys = Caller::System { os_user: "test".into() };
    for d in [1, 2] {
        api.call(
            &mut sys,
            "staff_create",
            json!({"username": format!("guichet{d}"), "full_name": format!("Guichet \
            {d}"), "roles": ["reception", "claims"], "password": PASSWORD}),
        )
        .await
        .unwrap();
    }
    let urn = api.call(&mut sys, "urn_save", json!({"name": "Siège", "site": "Casablanca"})).await.unwrap();
    let mut desk = login(&api, "guichet1").await;
    let col = api.call(&mut desk, "collection_open", json!({"urn_id": urn["id"]})).await.unwrap();
    for i in 0..RECORDS {
        let m = api
            .call(
                &mut desk,
                "member_create",
                json!({"matricule": format!("{}", 50_000 + i),
            "last_name": "Alaoui", "first_name": format!("Agent{i}")}),
            )
            .await
            .unwrap();
        let page = api.call(&mut desk, "member_get", json!({"id": m["id"]})).await.unwrap();
        api.call(
            &mut desk,
            "dossier_record",
            json!({"collection_id": col["id"], "form_number": format!("M26-{:07}", 9_000 + i),
                "matricule": format!("{}", 50_000 + i), "beneficiary_id": page["beneficiaries"][0]["id"],
                    "kind": "maladie", "first_act_date": "2026-11-02", "total_claimed": "100", "pieces": 1}),
        )
        .await
        .unwrap();
    }
    let pool = db.pool();
    let start_member: BTreeMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>("SELECT id, version FROM members")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let dossiers = dossier_ids(&db).await;
    let start_dossier: BTreeMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>("SELECT id, version FROM dossiers")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    // Both desks at once, as two processes, started together. Under load one
    // desk can run a step ahead of the other all along and never meet it:
    // then they run again (up to three times), the checks below covering
    // every run's changes.
    let mut outcomes: Vec<Value> = vec![];
    for _ in 0..3 {
        let gate = tempfile::tempdir().unwrap();
        let children: Vec<_> = [1, 2]
            .into_iter()
            .map(|d| {
                Command::new(std::env::current_exe().unwrap())
                    .args(["--exact", "desks::desk_child", "--ignored", "--nocapture", "--test-threads=1"])
                    .env("GUICHET_DESK_URL", &url)
                    .env("GUICHET_DESK", d.to_string())
                    .env("GUICHET_DESK_GATE", gate.path())
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !(gate.path().join("ready1").exists() && gate.path().join("ready2").exists()) {
            assert!(std::time::Instant::now() < deadline, "the desks never got ready");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::fs::write(gate.path().join("go"), b"").unwrap();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "a desk failed:\n{}", String::from_utf8_lossy(&out.stdout));
            let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.find("OUTCOME ").map(|at| &l[at + 8..]))
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(lines.len(), CHANGES);
            outcomes.extend(lines);
        }
        if outcomes.iter().any(|o| o["ok"] == false) {
            break;
        }
    }
    // Every refusal is a conflict, in French.
    let refused: Vec<&Value> = outcomes.iter().filter(|o| o["ok"] == false).collect();
    for r in &refused {
        assert_eq!(r["code"], "conflict", "{r}");
        let m = r["message"].as_str().unwrap();
        assert!(m.contains("modifié par un autre poste") || m.contains("occupée par un autre poste"), "{m}");
    }
    eprintln!("{} changes, {} refused as conflicts", outcomes.len(), refused.len());
    assert!(!refused.is_empty(), "two desks on the same records in the same order must collide");
    // No update lost: each record's version counts its successful changes, and the journal has exactly those.
    let mut ok: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| o["ok"] == true) {
        *ok.entry((o["kind"].as_str().unwrap().to_string(), o["id"].as_i64().unwrap())).or_default() += 1;
    }
    for i in 1..=RECORDS as i64 {
        let m = ok.get(&("member".into(), i)).copied().unwrap_or(0);
        let (version, address): (i64, Option<String>) =
            sqlx::query_as("SELECT version, address FROM members WHERE id = $1").bind(i).fetch_one(pool).await.unwrap();
        assert_eq!(version, start_member[&i] + m, "member {i}");
        let audited: Vec<String> = sqlx::query_scalar(
            "SELECT after_json FROM audit_log WHERE action = 'member.update' AND entity_id = $1 ORDER BY seq",
        )
        .bind(i.to_string())
        .fetch_all(pool)
        .await
        .unwrap();
        assert_eq!(audited.len() as i64, m, "member {i}: one journal row per change");
        if let Some(last) = audited.last() {
            let after: Value = serde_json::from_str(last).unwrap();
            assert_eq!(
                after["address"].as_str(),
                address.as_deref(),
                "member {i}: the journal's last state is the member's"
            );
        }
        let d = ok.get(&("dossier".into(), i)).copied().unwrap_or(0);
        let id = dossiers[i as usize - 1];
        let (version, present): (i64, String) =
            sqlx::query_as("SELECT version, present_json FROM dossiers WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(version, start_dossier[&id] + d, "dossier {i}");
        let audited: Vec<String> = sqlx::query_scalar(
            "SELECT after_json FROM audit_log WHERE action = 'dossier.checklist' AND entity_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(pool)
        .await
        .unwrap();
        assert_eq!(audited.len() as i64, d, "dossier {i}");
        if let Some(last) = audited.last() {
            let after: Value = serde_json::from_str(last).unwrap();
            assert_eq!(after["present"], serde_json::from_str::<Value>(&present).unwrap(), "dossier {i}");
        }
    }
    assert!(guichet_core::audit::verify(pool, &[]).await.unwrap().intact);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_on_one_sqlite_file_lose_nothing() {
    two_desks(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_on_one_postgres_lose_nothing() {
    two_desks(Kind::Postgres).await;
}
