//! Issue 16's figures (run with `cargo bench --bench server`; needs
//! `GUICHET_TEST_POSTGRES_URL`): the Guichet server as a site runs it.
//!
//! 1. 50 desks, each with its own session, on loopback HTTPS against one
//!    `guichet serve` process and PostgreSQL for 60 s, over 200,000 members
//!    and 500,000 dossiers, with the mix of a working day: name search 40 %,
//!    member page 20 %, record a dossier 15 %, a workflow move 10 %, a queue
//!    page 10 %, liquidation 5 %. Printed: p50 and p99 per operation,
//!    operations a second, errors, the journal rows against the changes made,
//!    and the server's memory (peak resident set of its process).
//!    Targets: p99 under 50 ms for reads and 100 ms for writes, memory under
//!    150 MB.
//! 2. The server's own cost: the same member page read in process and
//!    through the server, one caller at a time: the p50 difference (target
//!    under 1 ms).
//! 3. Two server processes sharing the desks for 30 s, each desk switching
//!    server every 20 calls with its session: the same figures, no error,
//!    nothing lost.
//!
//! Each desk waits between two calls as a person does (`BENCH_THINK_MS`, 250 ms
//! on average; 0 for the server's saturation); `BENCH_SECONDS`,
//! `BENCH_MEMBERS`, `BENCH_DOSSIERS`, `BENCH_DESKS` change the sizes.

#[path = "support/desks.rs"]
mod desks;
#[path = "support/fill.rs"]
mod fill;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/roster.rs"]
mod roster;

use desks::{log_in, morning, pct, round, serve, site_targets, Desk, Round, PASSWORD};
use guichet_core::api::{Api, Caller};
use guichet_core::storage::Db;
use serde_json::json;
use std::time::Instant;

/// Names as an office has them: 24 last names and 20 first names over the
/// members, with their search words.
async fn common_names(db: &Db) {
    let last = desks::LAST.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(",");
    let first = desks::FIRST.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(",");
    let sql = format!(
        "UPDATE members SET last_name = (ARRAY[{last}])[1 + id % {}], first_name = (ARRAY[{first}])[1 + (id / {}) % \
            {}]",
        desks::LAST.len(),
        desks::LAST.len(),
        desks::FIRST.len()
    );
    sqlx::query(&sql).execute(db.pool()).await.unwrap();
    sqlx::query("UPDATE members SET search_name = lower(last_name || ' ' || first_name)")
        .execute(db.pool())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE beneficiaries b SET last_name = m.last_name, first_name = m.first_name FROM members m WHERE \
        m.id = b.member_id",
    )
    .execute(db.pool())
    .await
    .unwrap();
    sqlx::query("DELETE FROM member_tokens").execute(db.pool()).await.unwrap();
    sqlx::query(
        "INSERT INTO member_tokens (token, sort_key, member_id)
         SELECT DISTINCT w, m.search_name, m.id FROM members m, unnest(string_to_array(m.search_name, ' ')) AS w \
             WHERE w <> ''",
    )
    .execute(db.pool())
    .await
    .unwrap();
    sqlx::query("VACUUM ANALYZE").execute(db.pool()).await.unwrap();
}

async fn run(url: &str) {
    let members: usize = std::env::var("BENCH_MEMBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let dossiers: usize = std::env::var("BENCH_DOSSIERS").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let n_desks: usize = std::env::var("BENCH_DESKS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let think_ms: u64 = std::env::var("BENCH_THINK_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(250);
    let db = Db::open(url).await.unwrap();
    fill::fill(&db, members, dossiers).await;
    common_names(&db).await;
    let api = Api::new(db.clone());
    let (prepared, per_liquidation) = morning(&api, &db, n_desks, 60, members).await;
    let mut prep = Caller::Anonymous;
    api.call(&mut prep, "session_login", json!({"username": "prep", "password": PASSWORD})).await.unwrap();
    let certs = tempfile::tempdir().unwrap();
    let one = serve(url, certs.path()).await;
    let desks = log_in(&one, &db, prepared).await;
    println!("  {n_desks} desks logged in; each waits {think_ms} ms on average between two calls");
    let (peak_before, _) = one.memory();
    let (desks, _) = round(
        Round {
            label: format!("{n_desks} desks, one server, {seconds} s"),
            seed: 1,
            seconds,
            think_ms,
            members,
            journal_per_liquidation: per_liquidation,
            target_ms: site_targets,
        },
        &db,
        desks,
        async { 0 },
    )
    .await;
    let (peak, now) = one.memory();
    println!("    server memory: peak {peak:.0} MB (at start {peak_before:.0} MB), now {now:.0} MB (target < 150 MB)");

    // The server's own cost: the same read in process and through it.
    let probe = one.client("Mesure");
    probe.call("session_login", json!({"username": "prep", "password": PASSWORD})).await.unwrap();
    let mut inproc = vec![];
    let mut remote = vec![];
    let mut rng = fastrand::Rng::with_seed(5);
    for k in 0..1200 {
        let req = json!({"matricule": roster::matricule(rng.usize(0..members))});
        let t = Instant::now();
        api.call(&mut prep, "member_get", req.clone()).await.unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        probe.call("member_get", req).await.unwrap();
        let b = t.elapsed();
        if k >= 200 {
            inproc.push(a);
            remote.push(b);
        }
    }
    let (a, b) = (pct(&inproc, 0.5), pct(&remote, 0.5));
    println!(
        "  member page, one caller: in process p50 {a:.2} ms, through the server p50 {b:.2} ms: the server adds {:.2} \
            ms (target < 1 ms)",
        b - a
    );

    // Two servers: every desk switches between them with its session.
    let two = serve(url, certs.path()).await;
    assert_eq!(one.fingerprint, two.fingerprint);
    let desks: Vec<Desk> = desks
        .into_iter()
        .map(|mut d| {
            d.clients.push(two.client(&format!("Poste {:02}", d.n)));
            d
        })
        .collect();
    let half = (seconds / 2).max(10);
    round(
        Round {
            label: format!("{n_desks} desks over two servers, switching every 20 calls, {half} s"),
            seed: 2,
            seconds: half,
            think_ms,
            members,
            journal_per_liquidation: per_liquidation,
            target_ms: site_targets,
        },
        &db,
        desks,
        async { 0 },
    )
    .await;
    let (p1, _) = one.memory();
    let (p2, _) = two.memory();
    println!("    server memory: peaks {p1:.0} MB and {p2:.0} MB");
    one.stop().await;
    two.stop().await;
    db.close().await;
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        postgres::with_database("s", |url| async move {
            println!("PostgreSQL, through the Guichet server:");
            run(&url).await;
        })
        .await;
    });
}
