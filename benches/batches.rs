//! Issue 22's figures (run with `cargo bench --bench batches`; PostgreSQL too
//! when `GUICHET_TEST_POSTGRES_URL` is set): large batches cost the same per
//! dossier whatever their size, and do not hold other desks up.
//!
//! 1. A payment batch of 25,000, 50,000 and 100,000 liquidated dossiers, and
//!    the late-originals run over 50,000 and 100,000 overdue scans: the time
//!    of each and the ratio of 100,000 to 50,000 (target ≤ 2.3: linear).
//! 2. During the 50,000-dossier batches, another desk rejects dossiers one at
//!    a time (a move into the status and kind the late-originals run writes):
//!    its latency (target under 100 ms).
//!
//! Each size runs on dossiers added for it beside 100,000 already paid ones
//! (`BENCH_BACKGROUND` changes that).

#[path = "support/fill.rs"]
mod fill;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/roster.rs"]
mod roster;

use guichet_core::api::{Api, Caller};
use guichet_core::storage::batch::{self, Value};
use guichet_core::storage::Db;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MEMBERS: usize = 20_000;
const KINDS: [&str; 3] = ["maladie", "dentaire", "optique"];
const NOW: &str = "2026-11-23T00:00:00.000000Z";

/// Appends `n` dossiers numbered from `first` in `status`; `scanned` ones have
/// an original overdue since 01/11/2026; `assigned` to a processor.
async fn add_dossiers(db: &Db, first: usize, n: usize, status: &str, scanned: bool, assigned: Option<i64>) {
    let cols = [
        "form_number",
        "member_id",
        "beneficiary_id",
        "kind",
        "first_act_date",
        "total_claimed",
        "pieces",
        "status",
        "urn_id",
        "scanned_on",
        "original_received_on",
        "validity_end",
        "original_deadline",
        "total_reimbursed",
        "mutual_pays",
        "assigned_to",
        "created_at",
        "updated_at",
    ];
    let mut tx = db.begin().await.unwrap();
    for start in (first..first + n).step_by(10_000) {
        let rows: Vec<Vec<Value>> = (start..(start + 10_000).min(first + n))
            .map(|i| {
                let member = (i * 7919 % MEMBERS + 1) as i64;
                let paid = matches!(status, "liquide" | "paye");
                vec![
                    Value::from(format!("B26-{i:07}")),
                    Value::from(member),
                    Value::from(member),
                    Value::from(if assigned.is_some() { "maladie" } else { KINDS[i % 3] }),
                    Value::from("2026-09-15"),
                    Value::from((10_000 + (i % 500) * 100) as i64),
                    Value::from(2),
                    Value::from(status),
                    Value::from(if scanned { None } else { Some(((i % 5) + 1) as i64) }),
                    Value::from(if scanned { Some("2026-09-20".to_string()) } else { None }),
                    Value::from(if scanned { None } else { Some("2026-09-20".to_string()) }),
                    Value::from("2026-12-15"),
                    Value::from(if scanned { "2026-11-01" } else { "2027-01-15" }),
                    Value::from(if paid { Some((8_000 + (i % 500) * 80) as i64) } else { None }),
                    Value::from(if paid { Some((8_000 + (i % 500) * 80) as i64) } else { None }),
                    Value::from(assigned),
                    Value::from(NOW),
                    Value::from(NOW),
                ]
            })
            .collect();
        batch::insert(&mut tx, "dossiers", &cols, &rows).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn fill(db: &Db, background: usize) {
    let mut tx = db.begin().await.unwrap();
    fill::add_urns(&mut tx).await;
    fill::add_members(&mut tx, MEMBERS, Some("007 780 000 000 3654300171 71")).await;
    tx.commit().await.unwrap();
    add_dossiers(db, 0, background, "paye", false, None).await;
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1].as_secs_f64() * 1000.0
}

/// Another desk rejecting its dossiers one by one, 20 a second, until `stop`.
fn other_desk(
    api: Api,
    mut caller: Caller,
    ids: Vec<(i64, i64)>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Moves> {
    tokio::spawn(async move {
        let mut times = vec![];
        let mut refused = vec![];
        for (id, version) in ids {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let t = Instant::now();
            match api
                .call(
                    &mut caller,
                    "dossier_move",
                    json!({"id": id, "version": version, "move": "reject", "reason_text": "Soins antérieurs à \
                        l'adhésion"}),
                )
                .await
            {
                Ok(_) => times.push(t.elapsed()),
                Err(e) => refused.push((t.elapsed(), e.message)),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Moves { times, refused }
    })
}

/// The other desk's moves: how long each took, and those refused with why.
struct Moves {
    times: Vec<Duration>,
    refused: Vec<(Duration, String)>,
}

/// Runs `op` (`{}` request) as `caller`, with the other desk moving when `watch`.
async fn timed(
    api: &Api,
    caller: &mut Caller,
    op: &str,
    watch: Option<(Caller, Vec<(i64, i64)>)>,
) -> (f64, Option<Moves>) {
    let stop = Arc::new(AtomicBool::new(false));
    let desk = watch.map(|(c, ids)| other_desk(api.clone(), c, ids, stop.clone()));
    let t = Instant::now();
    api.call(caller, op, json!({})).await.unwrap();
    let took = t.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let moves = match desk {
        Some(h) => Some(h.await.unwrap()),
        None => None,
    };
    (took, moves)
}

fn print_moves(during: &str, moves: &Moves) {
    println!(
        "    another desk's reject during the {during}: {} moves, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target < \
            100 ms)",
        moves.times.len(),
        pct(moves.times.clone(), 0.5),
        pct(moves.times.clone(), 0.99),
        pct(moves.times.clone(), 1.0)
    );
    for (took, why) in &moves.refused {
        println!("    refused after {:.0} ms: {why}", took.as_secs_f64() * 1000.0);
    }
}

async fn run(label: &str, url: &str, background: usize) {
    println!("{label}:");
    let db = Db::open(url).await.unwrap();
    let t = Instant::now();
    fill(&db, background).await;
    println!("  {MEMBERS} members, {background} paid dossiers written in {:.1} s", t.elapsed().as_secs_f64());
    let api = Api::new(db.clone());
    let mut sys = Caller::System { os_user: "bench".into() };
    for u in ["gest1", "gest2"] {
        api.call(
            &mut sys,
            "staff_create",
            json!({"username": u, "full_name": u, "roles": ["claims"], "password": "Benchmark-2026"}),
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
    let mut gest1 = login("gest1").await;
    let gest2 = login("gest2").await;
    let gest2_id: i64 =
        sqlx::query_scalar("SELECT id FROM staff WHERE username = 'gest2'").fetch_one(db.pool()).await.unwrap();
    // The other desk's own dossiers, being processed, to reject while a batch runs.
    let mut next = background;
    let mut own = |n: usize| {
        let r = (next, n);
        next += n;
        r
    };
    let (first_own, n_own) = own(8_000);
    add_dossiers(&db, first_own, n_own, "en_cours", false, Some(gest2_id)).await;
    let mut own_ids: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, version FROM dossiers WHERE assigned_to = $1 AND status = 'en_cours' ORDER BY id")
            .bind(gest2_id)
            .fetch_all(db.pool())
            .await
            .unwrap();

    let mut pay = vec![];
    for size in [25_000, 50_000, 100_000] {
        let (first, n) = own(size);
        add_dossiers(&db, first, n, "liquide", false, None).await;
        let watch = (size == 50_000).then(|| (gest2.clone(), own_ids.drain(..4_000).collect::<Vec<_>>()));
        let (took, moves) = timed(&api, &mut gest1, "payment_batch_create", watch).await;
        println!(
            "  payment batch of {size:>7} liquidated dossiers: {took:.2} s ({:.0} µs a dossier)",
            took * 1e6 / size as f64
        );
        if let Some(m) = moves {
            print_moves("payment batch", &m);
        }
        pay.push(took);
    }
    println!("  payment batch, 100,000 / 50,000: {:.2} (target ≤ 2.3)", pay[2] / pay[1]);

    let mut late = vec![];
    for size in [50_000, 100_000] {
        let (first, n) = own(size);
        add_dossiers(&db, first, n, "en_cours", true, None).await;
        let watch = (size == 50_000).then(|| (gest2.clone(), own_ids.drain(..4_000).collect::<Vec<_>>()));
        let (took, moves) = timed(&api, &mut gest1, "overdue_originals_apply", watch).await;
        println!(
            "  late originals over {size:>7} overdue scans: {took:.2} s ({:.0} µs a dossier)",
            took * 1e6 / size as f64
        );
        if let Some(m) = moves {
            print_moves("late-originals run", &m);
        }
        late.push(took);
    }
    println!("  late originals, 100,000 / 50,000: {:.2} (target ≤ 2.3)", late[1] / late[0]);
    db.close().await;
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let background: usize = std::env::var("BENCH_BACKGROUND").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let only = std::env::var("BENCH_ONLY").unwrap_or_default();
        if only != "postgres" {
            run("SQLite", &format!("sqlite://{}", dir.path().join("batches.sqlite3").display()), background).await;
        }
        if only != "sqlite" {
            postgres::with_database("b", |url| async move { run("PostgreSQL", &url, background).await }).await;
        }
    });
}
