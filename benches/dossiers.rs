//! Issue 4's figures, measured (run with `cargo bench --bench dossiers`):
//! with 1,000,000 dossiers on SQLite,
//! 1. recording one dossier in a collection through the command layer (member
//!    lookup, duplicate and deadline checks, audit): p99 under 10 ms;
//! 2. the first page of a filtered queue (with its counts per status): p99
//!    under 50 ms.
//!
//! First-act dates spread over three years up to today; see `status_of` for
//! the statuses. `BENCH_DOSSIERS` and `BENCH_MEMBERS` change the sizes; `GUICHET_TEST_POSTGRES_URL`
//! adds the same measures on PostgreSQL.

use guichet_core::api::{Api, Caller};
use guichet_core::storage::batch::{self, Value};
use guichet_core::storage::Db;
use serde_json::json;
use std::time::{Duration, Instant};

/// As in an office keeping up with its work: dossiers of the last four months
/// are in every status; older ones are paid or rejected, but for some
/// incomplete ones still waiting for their complement (overdue).
const RECENT: [(&str, usize); 6] = [("recu", 30), ("en_cours", 20), ("incomplet", 10), ("complet", 25), ("rejete", 5), ("paye", 10)];
const OLD: [(&str, usize); 4] = [("paye", 90), ("rejete", 5), ("incomplet", 3), ("complet", 2)];
const KINDS: [&str; 4] = ["maladie", "maladie", "dentaire", "optique"];

fn status_of(i: usize, act: chrono::NaiveDate) -> &'static str {
    let recent = act > chrono::NaiveDate::from_ymd_opt(2026, 7, 23).unwrap();
    let table: &[(&str, usize)] = if recent { &RECENT } else { &OLD };
    let mut k = (i / 4) % 100;
    for (s, share) in table {
        if k < *share {
            return s;
        }
        k -= share;
    }
    "paye"
}

fn day(i: usize) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days((i % 1050) as i64)
}

async fn fill(db: &Db, members: usize, dossiers: usize) {
    let t = Instant::now();
    let now = "2026-11-23T00:00:00.000000Z";
    let mut tx = db.begin().await.unwrap();
    let urns: Vec<Vec<Value>> = (1..=5).map(|u| vec![Value::from(u as i64), Value::from(format!("Urne {u}")), Value::from(format!("urne {u}")), Value::from("Site"), Value::from(now), Value::from(now)]).collect();
    batch::insert(&mut tx, "urns", &["id", "name", "name_key", "site", "created_at", "updated_at"], &urns).await.unwrap();
    let collections: Vec<Vec<Value>> = (1..=5000)
        .map(|c| vec![Value::from(c as i64), Value::from(((c % 5) + 1) as i64), Value::from("2026-01-01"), Value::from("bench"), Value::from(now), Value::from(now)])
        .collect();
    batch::insert(&mut tx, "collections", &["id", "urn_id", "pickup_date", "opened_by_name", "opened_at", "closed_at"], &collections).await.unwrap();
    for start in (0..members).step_by(50_000) {
        let mut m = vec![];
        let mut b = vec![];
        for i in start..(start + 50_000).min(members) {
            let id = (i + 1) as i64;
            m.push(vec![Value::from(id), Value::from(format!("{}", 100_000 + i)), Value::from(format!("Nom{i}")), Value::from("Prénom"), Value::from(format!("nom{i} prenom")), Value::from("actif"), Value::from(now), Value::from(now)]);
            b.push(vec![Value::from(id), Value::from(id), Value::from("lui_meme"), Value::from(format!("Nom{i}")), Value::from("Prénom"), Value::from(now), Value::from(now)]);
        }
        batch::insert(&mut tx, "members", &["id", "matricule", "last_name", "first_name", "search_name", "status", "created_at", "updated_at"], &m).await.unwrap();
        batch::insert(&mut tx, "beneficiaries", &["id", "member_id", "relation", "last_name", "first_name", "created_at", "updated_at"], &b).await.unwrap();
    }
    let cols = [
        "form_number", "member_id", "beneficiary_id", "kind", "first_act_date", "total_claimed", "pieces", "status", "urn_id", "collection_id", "scanned_on",
        "original_received_on", "validity_end", "original_deadline", "created_at", "updated_at",
    ];
    for start in (0..dossiers).step_by(20_000) {
        let mut rows = Vec::with_capacity(20_000);
        for i in start..(start + 20_000).min(dossiers) {
            let member = (i * 7919 % members + 1) as i64;
            let act = day(i);
            let validity = act.checked_add_months(chrono::Months::new(3)).unwrap();
            let scanned = i % 20 == 0;
            rows.push(vec![
                Value::from(format!("M{:02}-{:07}", 20 + i / 10_000_000, i % 10_000_000)),
                Value::from(member),
                Value::from(member),
                Value::from(KINDS[i % 4]),
                Value::from(act.to_string()),
                Value::from((10_000 + (i % 500) * 100) as i64),
                Value::from((1 + i % 6) as i64),
                Value::from(status_of(i, act)),
                Value::from(if scanned { None } else { Some(((i % 5) + 1) as i64) }),
                Value::from(if scanned { None } else { Some((i % 5000 + 1) as i64) }),
                Value::from(if scanned { Some(act.to_string()) } else { None }),
                Value::from(if scanned && i % 40 == 0 { None } else { Some(act.to_string()) }),
                Value::from(validity.to_string()),
                Value::from(validity.checked_add_months(chrono::Months::new(1)).unwrap().to_string()),
                Value::from(format!("{}T10:00:00.000000Z", act + chrono::Duration::days(10))),
                Value::from(now),
            ]);
        }
        batch::insert(&mut tx, "dossiers", &cols, &rows).await.unwrap();
    }
    tx.commit().await.unwrap();
    if db.backend().name() == "postgres" {
        sqlx::query("VACUUM ANALYZE").execute(db.pool()).await.unwrap();
    } else {
        sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.pool()).await.unwrap();
    }
    println!("  {members} members, {dossiers} dossiers written in {:.1} s", t.elapsed().as_secs_f64());
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).min(v.len()) - 1].as_secs_f64() * 1000.0
}

async fn run(label: &str, url: &str, members: usize, dossiers: usize) {
    println!("{label}: {dossiers} dossiers");
    let db = Db::open(url).await.unwrap();
    fill(&db, members, dossiers).await;
    let api = Api::new(db.clone());
    let mut sys = Caller::System { os_user: "bench".into() };
    for (u, r) in [("accueil", "reception"), ("gest", "claims")] {
        api.call(&mut sys, "staff_create", json!({"username": u, "full_name": u, "roles": [r], "password": "Benchmark-2026"})).await.unwrap();
    }
    let login = |u: &'static str| {
        let api = api.clone();
        async move {
            let mut c = Caller::Anonymous;
            api.call(&mut c, "session_login", json!({"username": u, "password": "Benchmark-2026"})).await.unwrap();
            c
        }
    };
    let mut reception = login("accueil").await;
    let mut claims = login("gest").await;
    // Some dossiers assigned to the processor, for the "mine" filter.
    sqlx::query("UPDATE dossiers SET assigned_to = (SELECT id FROM staff WHERE username = 'gest') WHERE status = 'en_cours' AND id % 50 = 0").execute(db.pool()).await.unwrap();

    let col = api.call(&mut reception, "collection_open", json!({"urn_id": 1})).await.unwrap();
    let mut rng = fastrand::Rng::with_seed(11);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut record = vec![];
    for k in 0..2200 {
        let i = rng.usize(0..members);
        let act = today - chrono::Duration::days(rng.i64(1..80));
        let req = json!({
            "collection_id": col["id"], "form_number": format!("B26-{:07}", k), "matricule": format!("{}", 100_000 + i),
            "beneficiary_id": (i + 1) as i64, "kind": "maladie", "first_act_date": act.to_string(), "total_claimed": format!("{},00", 100 + k), "pieces": 2
        });
        let t = Instant::now();
        api.call(&mut reception, "dossier_record", req).await.unwrap();
        if k >= 200 {
            record.push(t.elapsed());
        }
    }
    println!("  record a dossier:      p50 {:.2} ms, p99 {:.2} ms (target p99 < 10 ms)", pct(record.clone(), 0.5), pct(record, 0.99));

    let filters = [
        ("status=recu", json!({"status": "recu"})),
        ("kind=optique, status=complet", json!({"kind": "optique", "status": "complet"})),
        ("urn=3, status=en_cours", json!({"urn_id": 3, "status": "en_cours"})),
        ("mine", json!({"mine": true})),
        ("overdue", json!({"overdue": true})),
        ("no filter", json!({})),
    ];
    for (name, f) in filters {
        let mut times = vec![];
        for k in 0..120 {
            let t = Instant::now();
            let page = api.call(&mut claims, "dossier_queue", f.clone()).await.unwrap();
            if k >= 20 {
                times.push(t.elapsed());
            }
            assert!(page["rows"].as_array().is_some());
        }
        println!("  queue, first page ({name:<29}): p50 {:.2} ms, p99 {:.2} ms (target p99 < 50 ms)", pct(times.clone(), 0.5), pct(times, 0.99));
    }
    db.close().await;
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dossiers: usize = std::env::var("BENCH_DOSSIERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let members: usize = std::env::var("BENCH_MEMBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        run("SQLite", &format!("sqlite://{}", dir.path().join("dossiers.sqlite3").display()), members, dossiers).await;
        match std::env::var("GUICHET_TEST_POSTGRES_URL") {
            Ok(server) if !server.is_empty() => {
                sqlx::any::install_default_drivers();
                use sqlx::{Connection, Executor};
                let mut admin = sqlx::AnyConnection::connect(&server).await.unwrap();
                let name = format!("guichet_bench_d_{}", std::process::id());
                admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
                let mut u = url::Url::parse(&server).unwrap();
                u.set_path(&format!("/{name}"));
                run("PostgreSQL", u.as_str(), members, dossiers).await;
                admin.execute(format!("DROP DATABASE {name}").as_str()).await.ok();
            }
            _ => println!("PostgreSQL: skipped (GUICHET_TEST_POSTGRES_URL not set)"),
        }
    });
}
