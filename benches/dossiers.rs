//! Issue 4's figures, measured (run with `cargo bench --bench dossiers`):
//! with 1,000,000 dossiers on SQLite,
//! 1. recording one dossier in a collection through the command layer (member
//!    lookup, duplicate and deadline checks, audit): p99 under 10 ms;
//! 2. the first page of a filtered queue (with its counts per status): p99
//!    under 50 ms.
//!
//! First-act dates spread over three years up to today; see `support/fill.rs` for
//! the statuses. `BENCH_DOSSIERS` and `BENCH_MEMBERS` change the sizes; `GUICHET_TEST_POSTGRES_URL`
//! adds the same measures on PostgreSQL (`BENCH_ONLY=postgres` runs that one alone).

#[path = "support/fill.rs"]
mod fill;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/roster.rs"]
mod roster;

use fill::fill;
use guichet_core::api::{Api, Caller};
use guichet_core::storage::Db;
use serde_json::json;
use std::time::{Duration, Instant};

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
        api.call(
            &mut sys,
            "staff_create",
            json!({"username": u, "full_name": u, "roles": [r], "password": "Benchmark-2026"}),
        )
        .await
        .unwrap();
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
    sqlx::query(
        "UPDATE dossiers SET assigned_to = (SELECT id FROM staff WHERE username = 'gest') WHERE status = \
        'en_cours' AND id % 50 = 0",
    )
    .execute(db.pool())
    .await
    .unwrap();

    let col = api.call(&mut reception, "collection_open", json!({"urn_id": 1})).await.unwrap();
    let mut rng = fastrand::Rng::with_seed(11);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut record = vec![];
    for k in 0..2200 {
        let i = rng.usize(0..members);
        let act = today - chrono::Duration::days(rng.i64(1..80));
        let req = json!({
            "collection_id": col["id"], "form_number": format!("B26-{:07}", k),
            "matricule": roster::matricule(i),
            "beneficiary_id": (i + 1) as i64, "kind": "maladie", "first_act_date": act.to_string(),
                "total_claimed": format!("{},00", 100 + k), "pieces": 2
        });
        let t = Instant::now();
        api.call(&mut reception, "dossier_record", req).await.unwrap();
        if k >= 200 {
            record.push(t.elapsed());
        }
    }
    println!(
        "  record a dossier:      p50 {:.2} ms, p99 {:.2} ms (target p99 < 10 ms)",
        pct(record.clone(), 0.5),
        pct(record, 0.99)
    );

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
        println!(
            "  queue, first page ({name:<29}): p50 {:.2} ms, p99 {:.2} ms (target p99 < 50 ms)",
            pct(times.clone(), 0.5),
            pct(times, 0.99)
        );
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
        // `BENCH_ONLY=sqlite` or `postgres` runs one backend.
        let only = std::env::var("BENCH_ONLY").unwrap_or_default();
        if only != "postgres" {
            run("SQLite", &format!("sqlite://{}", dir.path().join("dossiers.sqlite3").display()), members, dossiers)
                .await;
        }
        if only != "sqlite" {
            postgres::with_database("d", |url| async move { run("PostgreSQL", &url, members, dossiers).await }).await;
        }
    });
}
