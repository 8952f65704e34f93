//! Issue 5's figures, measured (run with `cargo bench --bench statements`):
//! one statement in under 10 ms; a run of 10,000 statements for a month at
//! 200 or more per second on this 2-core machine, each file under 60 KB.
//! `BENCH_STATEMENTS` changes the size of the run.

#[path = "../tests/support/seed.rs"]
mod seed;

use guichet_core::api::{Api, Caller};
use guichet_core::storage::Db;
use seed::paid_members as fill;
use serde_json::json;
use std::time::{Duration, Instant};

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).min(v.len()) - 1].as_secs_f64() * 1000.0
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("BENCH_STATEMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}", dir.path().join("statements.sqlite3").display())).await.unwrap();
        fill(&db, n).await;
        let api = Api::new(db.clone());
        let mut sys = Caller::System { os_user: "bench".into() };
        api.call(
            &mut sys,
            "staff_create",
            json!({"username": "gest", "full_name": "Gest", "roles": ["claims"], "password": "Benchmark-2026"}),
        )
        .await
        .unwrap();
        let mut c = Caller::Anonymous;
        api.call(&mut c, "session_login", json!({"username": "gest", "password": "Benchmark-2026"})).await.unwrap();

        let one = dir.path().join("one.pdf");
        let mut times = vec![];
        for k in 0..220 {
            let t = Instant::now();
            api.call_local(&mut c, "statement_dossier", json!({"id": 1 + (k * 37) % n, "path": one.to_str().unwrap()}))
                .await
                .unwrap();
            if k >= 20 {
                times.push(t.elapsed());
            }
        }
        println!(
            "one statement (command layer, written to disk and synced): p50 {:.2} ms, p99 {:.2} ms (target < 10 \
            ms)",
            pct(times.clone(), 0.5),
            pct(times, 0.99)
        );
        // The same without the disk: reading the dossier and drawing the PDF.
        let pool = db.pool().clone();
        let head = guichet_core::pdf::letterhead::letterhead(&pool).await.unwrap();
        let mut times = vec![];
        for k in 0..220 {
            let t = Instant::now();
            let id = (1 + (k * 37) % n) as i64;
            let p = guichet_core::statements::pdf::paid_dossier(&pool, id).await.unwrap();
            let m = guichet_core::members::get(&pool, p.dossier.member_id).await.unwrap().unwrap();
            let bytes = guichet_core::statements::pdf::dossier_statement(&head, &m, &p);
            assert!(bytes.len() > 1000);
            if k >= 20 {
                times.push(t.elapsed());
            }
        }
        println!(
            "one statement (read and drawn, in memory):                p50 {:.2} ms, p99 {:.2} \
            ms",
            pct(times.clone(), 0.5),
            pct(times, 0.99)
        );

        let out = dir.path().join("releves");
        let t = Instant::now();
        let r = api
            .call_local(
                &mut c,
                "statement_batch",
                json!({"from": "2026-11-01", "to": "2026-11-30", "folder": out.to_str().unwrap()}),
            )
            .await
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        let written = r["written"].as_i64().unwrap();
        let biggest = std::fs::read_dir(&out)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
            .map(|e| e.metadata().unwrap().len())
            .max()
            .unwrap_or(0);
        println!(
            "statement run: {written} statements in {secs:.1} s = {:.0} per second (target ≥ 200); largest file {:.1} \
                KB (target < 60 KB)",
            written as f64 / secs,
            biggest as f64 / 1024.0
        );
        db.close().await;
    });
}
