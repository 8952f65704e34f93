//! Desks at work against a `guichet serve` process, as a site's day has
//! them (benches `server` and `year`): each desk with its session, a mix of
//! searches, member pages, recordings, moves, queue pages and liquidations,
//! waiting between two calls as a person does.
#![allow(dead_code)]

use guichet_client::{Client, Trust};
use guichet_core::api::{Api, Caller};
use guichet_core::storage::Db;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

pub const PASSWORD: &str = "Benchmark-2026";
pub const LAST: [&str; 24] = [
    "Bennani",
    "Alaoui",
    "El Idrissi",
    "Tazi",
    "Berrada",
    "Benjelloun",
    "Chraibi",
    "Fassi",
    "Amrani",
    "Lahlou",
    "Bennis",
    "Sqalli",
    "Benkirane",
    "Ouazzani",
    "Kettani",
    "Cherkaoui",
    "Hajji",
    "Naciri",
    "Zniber",
    "Mernissi",
    "Belkadi",
    "Guessous",
    "Skalli",
    "Sebti",
];
pub const FIRST: [&str; 20] = [
    "Karim", "Fatima", "Mohamed", "Khadija", "Youssef", "Salma", "Ahmed", "Nadia", "Omar", "Samira", "Hassan", "Laila",
    "Rachid", "Zineb", "Mehdi", "Imane", "Said", "Houda", "Anas", "Meryem",
];

/// What each desk does, by share of its calls.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Op {
    Search,
    MemberPage,
    Record,
    Move,
    Queue,
    Liquidate,
}

impl Op {
    pub fn pick(r: u32) -> Op {
        match r {
            0..40 => Op::Search,
            40..60 => Op::MemberPage,
            60..75 => Op::Record,
            75..85 => Op::Move,
            85..95 => Op::Queue,
            _ => Op::Liquidate,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Op::Search => "name search",
            Op::MemberPage => "member page",
            Op::Record => "record a dossier",
            Op::Move => "workflow move",
            Op::Queue => "queue page",
            Op::Liquidate => "liquidation",
        }
    }
    pub fn writes(self) -> bool {
        matches!(self, Op::Record | Op::Move | Op::Liquidate)
    }
    /// Journaled: the changes, and the consultation of a member's page (law 09-08).
    pub fn journaled(self) -> bool {
        self.writes() || self == Op::MemberPage
    }
}

/// One desk: its clients (one per server), the dossiers it recorded and
/// moves along, those prepared for it to liquidate.
pub struct Desk {
    pub n: usize,
    pub clients: Vec<Client>,
    pub collection: i64,
    pub recorded: usize,
    pub moving: VecDeque<(i64, i64, &'static str)>,
    pub to_liquidate: Vec<(i64, i64)>,
}

/// What the desks did.
#[derive(Default)]
pub struct Tally {
    pub times: BTreeMap<Op, Vec<Duration>>,
    /// The same calls' time in the server, as it said (`Server-Timing`):
    /// the rest is the network, TLS and the callers' own waits.
    pub server_times: BTreeMap<Op, Vec<Duration>>,
    pub errors: Vec<String>,
    /// Changes made and member pages read (each writes its journal rows).
    pub changes: BTreeMap<Op, i64>,
    pub calls: usize,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        for (op, t) in other.times {
            self.times.entry(op).or_default().extend(t);
        }
        for (op, t) in other.server_times {
            self.server_times.entry(op).or_default().extend(t);
        }
        for (op, n) in other.changes {
            *self.changes.entry(op).or_default() += n;
        }
        self.errors.extend(other.errors);
        self.calls += other.calls;
    }
}

pub fn pct(v: &[Duration], p: f64) -> f64 {
    let mut v = v.to_vec();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1].as_secs_f64() * 1000.0
}

/// A `guichet serve` process on a free loopback port, and its fingerprint.
pub struct Server {
    child: tokio::process::Child,
    pub port: u16,
    pub fingerprint: String,
}

pub async fn serve(url: &str, cert_dir: &std::path::Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args([
            "--database",
            url,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--allow-owner",
            "--logins-per-address",
            "1000",
            // Every desk and every member of a benchmark calls from 127.0.0.1.
            "--connections-per-address",
            "1000",
            "--self-signed",
        ])
        .arg(cert_dir)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("guichet serve starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut fingerprint = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(f) = line.strip_prefix("Empreinte SHA-256 du certificat : ") {
            fingerprint = f.trim().to_string();
            break;
        }
    }
    assert!(!fingerprint.is_empty(), "the server printed its fingerprint");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server { child, port, fingerprint }
}

impl Server {
    pub fn client(&self, desk: &str) -> Client {
        Client::new(&format!("https://127.0.0.1:{}", self.port), desk, Trust::Pinned(self.fingerprint.clone())).unwrap()
    }
    /// Peak and current resident memory of the server process, MB.
    pub fn memory(&self) -> (f64, f64) {
        let pid = self.child.id().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kb = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (kb("VmHWM:") / 1024.0, kb("VmRSS:") / 1024.0)
    }
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// A dossier's request for the desk's collection.
pub fn record_request(collection: i64, form: String, member: usize, kind: &str, rng: &mut fastrand::Rng) -> Value {
    json!({
        "collection_id": collection, "form_number": form, "matricule": super::roster::matricule(member),
        "beneficiary_id": (member + 1) as i64, "kind": kind,
            "first_act_date": (today() - chrono::Duration::days(rng.i64(1..40))).to_string(),
        "total_claimed": format!("{},00", rng.u32(80..900)), "pieces": 2
    })
}

/// Brings `n` dossiers per desk to "complete" with one care line, in process
/// (these are the desks' morning, not what is measured).
pub async fn prepare_liquidations(api: &Api, desks: usize, n: usize, members: usize) -> Vec<Vec<(i64, i64)>> {
    let mut sys = Caller::System { os_user: "bench".into() };
    api.call(
        &mut sys,
        "staff_create",
        json!({"username": "prep", "full_name": "Préparation", "roles": ["reception", "claims"], "password": PASSWORD}),
    )
    .await
    .unwrap();
    let mut handles = vec![];
    let per_task = desks.div_ceil(4);
    for chunk in 0..4 {
        let api = api.clone();
        handles.push(tokio::spawn(async move {
            let mut c = Caller::Anonymous;
            api.call(&mut c, "session_login", json!({"username": "prep", "password": PASSWORD})).await.unwrap();
            let col = api.call(&mut c, "collection_open", json!({"urn_id": 1 + chunk as i64})).await.unwrap()["id"]
                .as_i64()
                .unwrap();
            let mut rng = fastrand::Rng::with_seed(chunk as u64);
            let mut out = vec![];
            for desk in chunk * per_task..((chunk + 1) * per_task).min(desks) {
                let mut mine = vec![];
                for k in 0..n {
                    let member = rng.usize(0..members);
                    let r = api
                        .call(
                            &mut c,
                            "dossier_record",
                            record_request(col, format!("L{:02}-{:07}", desk, k), member, "autres", &mut rng),
                        )
                        .await
                        .unwrap();
                    let id = r["dossier"]["id"].as_i64().unwrap();
                    let act = r["dossier"]["first_act_date"].clone();
                    let d = api
                        .call(
                            &mut c,
                            "dossier_move",
                            json!({"id": id, "version": r["dossier"]["version"],
                            "move": "take"}),
                        )
                        .await
                        .unwrap();
                    let d = api
                        .call(
                            &mut c,
                            "dossier_checklist",
                            json!({"id": id, "version": d["version"], "contents": {},
                                "present": ["member_block_signed", "doctor_block"]}),
                        )
                        .await
                        .unwrap();
                    let line = json!([{"date": act, "beneficiary_id": (member + 1) as i64, "act": "C",
                        "quantity": 1, "charged": "150"}]);
                    api.call(
                        &mut c,
                        "care_lines_save",
                        json!({"dossier_id": id, "version": d["version"],
                        "lines": line}),
                    )
                    .await
                    .unwrap();
                    let page = api.call(&mut c, "dossier_get", json!({"id": id})).await.unwrap();
                    let d = api
                        .call(
                            &mut c,
                            "dossier_move",
                            json!({"id": id, "version": page["dossier"]["version"], "move": "mark_complete"}),
                        )
                        .await
                        .unwrap();
                    mine.push((id, d["version"].as_i64().unwrap()));
                }
                out.push((desk, mine));
            }
            out
        }));
    }
    let mut all = vec![vec![]; desks];
    for h in handles {
        for (desk, mine) in h.await.unwrap() {
            all[desk] = mine;
        }
    }
    all
}

/// One desk's calls for `seconds`; it switches server every `switch` calls
/// when it has more than one (its session follows).
pub async fn work(
    mut desk: Desk,
    seconds: u64,
    think_ms: u64,
    members: usize,
    switch: usize,
    seed: u64,
) -> (Desk, Tally) {
    let mut tally = Tally::default();
    let mut rng = fastrand::Rng::with_seed(seed * 1000 + desk.n as u64);
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut current = 0;
    while Instant::now() < end {
        if think_ms > 0 {
            tokio::time::sleep(Duration::from_millis(rng.u64(0..=2 * think_ms))).await;
        }
        if desk.clients.len() > 1 && tally.calls > 0 && tally.calls % switch == 0 {
            let token = desk.clients[current].token();
            current = (current + 1) % desk.clients.len();
            desk.clients[current].set_token(token);
        }
        let mut op = Op::pick(rng.u32(0..100));
        if op == Op::Move && desk.moving.is_empty() || op == Op::Liquidate && desk.to_liquidate.is_empty() {
            op = Op::Record;
        }
        let (name, req) = match op {
            Op::Search => {
                let last = LAST[rng.usize(0..LAST.len())];
                let q = match rng.u32(0..3) {
                    0 => last.to_string(),
                    1 => format!("{last} {}", FIRST[rng.usize(0..FIRST.len())]),
                    _ => format!("{} {}", FIRST[rng.usize(0..FIRST.len())], &last[..3]),
                };
                ("member_search", json!({"query": q}))
            }
            Op::MemberPage => ("member_get", json!({"matricule": super::roster::matricule(rng.usize(0..members))})),
            Op::Record => {
                desk.recorded += 1;
                let form = format!("S{:02}-{:07}", desk.n, desk.recorded);
                ("dossier_record", record_request(desk.collection, form, rng.usize(0..members), "maladie", &mut rng))
            }
            Op::Move => {
                let (id, version, mv) = desk.moving.front().cloned().unwrap();
                let mut req = json!({"id": id, "version": version, "move": mv});
                match mv {
                    "mark_incomplete" => req["reason_text"] = json!("Ordonnance manquante"),
                    "complement_received" => req["note"] = json!("Ordonnance reçue"),
                    _ => {}
                }
                ("dossier_move", req)
            }
            Op::Queue => {
                let filter = match rng.u32(0..4) {
                    0 => json!({"status": "recu"}),
                    1 => json!({"status": "en_cours", "kind": "maladie"}),
                    2 => json!({"mine": true}),
                    _ => json!({"urn_id": 1 + rng.i64(0..5), "status": "complet"}),
                };
                ("dossier_queue", filter)
            }
            Op::Liquidate => {
                let (id, version) = *desk.to_liquidate.last().unwrap();
                ("dossier_liquidate", json!({"id": id, "version": version}))
            }
        };
        let t = Instant::now();
        let r = desk.clients[current].call(name, req).await;
        let took = t.elapsed();
        tally.calls += 1;
        match r {
            Ok(v) => {
                tally.times.entry(op).or_default().push(took);
                tally.server_times.entry(op).or_default().extend(desk.clients[current].server_time());
                if op.journaled() {
                    *tally.changes.entry(op).or_default() += 1;
                }
                match op {
                    Op::Record => desk.moving.push_back((
                        v["dossier"]["id"].as_i64().unwrap(),
                        v["dossier"]["version"].as_i64().unwrap(),
                        "take",
                    )),
                    Op::Move => {
                        let (id, _, mv) = desk.moving.pop_front().unwrap();
                        let next = match mv {
                            "take" => Some("mark_incomplete"),
                            "mark_incomplete" => Some("complement_received"),
                            _ => None,
                        };
                        if let Some(next) = next {
                            desk.moving.push_back((id, v["version"].as_i64().unwrap(), next));
                        }
                    }
                    Op::Liquidate => {
                        desk.to_liquidate.pop();
                    }
                    _ => {}
                }
            }
            Err(e) => {
                tally.errors.push(format!("{name}: {:?} {}", e.code, e.message));
                if op == Op::Liquidate {
                    desk.to_liquidate.pop();
                }
                if op == Op::Move {
                    desk.moving.pop_front();
                }
            }
        }
    }
    (desk, tally)
}

/// The journal's last row (its rows are numbered in order).
pub async fn journal_last(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log").fetch_one(db.pool()).await.unwrap()
}

/// The journal rows written after row `last`.
pub async fn journal_since(db: &Db, last: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE id > $1").bind(last).fetch_one(db.pool()).await.unwrap()
}

/// How a round of work goes: its length, the desks' pace, the members they
/// ask for, what one liquidation journals, and each operation's target p99.
pub struct Round {
    pub label: String,
    pub seed: u64,
    pub seconds: u64,
    pub think_ms: u64,
    pub members: usize,
    pub journal_per_liquidation: i64,
    pub target_ms: fn(Op) -> f64,
}

/// The targets of issue 16: p99 under 100 ms for writes, 50 ms for reads.
pub fn site_targets(op: Op) -> f64 {
    if op.writes() {
        100.0
    } else {
        50.0
    }
}

/// Runs the desks for the round while `alongside` runs (other callers of
/// the same server; it answers the journal rows it caused), prints the figures.
pub async fn round<F: std::future::Future<Output = i64>>(
    r: Round,
    db: &Db,
    desks: Vec<Desk>,
    alongside: F,
) -> (Vec<Desk>, Tally) {
    let before = journal_last(db).await;
    let t = Instant::now();
    let handles: Vec<_> =
        desks.into_iter().map(|d| tokio::spawn(work(d, r.seconds, r.think_ms, r.members, 20, r.seed))).collect();
    let (mut tally, mut back) = (Tally::default(), vec![]);
    let others = alongside.await;
    for h in handles {
        let (d, t) = h.await.unwrap();
        tally.add(t);
        back.push(d);
    }
    let elapsed = t.elapsed().as_secs_f64();
    // The compaction of the counts and the sessions' activity write no journal rows.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = journal_since(db, before).await;
    println!(
        "  {}: {} calls in {elapsed:.1} s, {:.0} operations a second",
        r.label,
        tally.calls,
        tally.calls as f64 / elapsed
    );
    for (op, times) in &tally.times {
        let server = tally.server_times.get(op).map(Vec::as_slice).unwrap_or_default();
        println!(
            "    {:<17} {:>6} calls, p50 {:>6.2} ms, p99 {:>6.2} ms (target p99 < {} ms); in the server p50 {:.2}, \
                p99 {:.2}",
            op.label(),
            times.len(),
            pct(times, 0.5),
            pct(times, 0.99),
            (r.target_ms)(*op),
            pct(server, 0.5),
            pct(server, 0.99)
        );
    }
    let expected: i64 = others
        + tally
            .changes
            .iter()
            .map(|(op, n)| if *op == Op::Liquidate { n * r.journal_per_liquidation } else { *n })
            .sum::<i64>();
    println!(
        "    errors: {}{}",
        tally.errors.len(),
        tally.errors.iter().take(5).map(|e| format!("\n      {e}")).collect::<String>()
    );
    println!(
        "    journal rows written: {written}; changes made and pages read: {expected} ({})",
        if written == expected { "equal" } else { "DIFFERENT" }
    );
    (back, tally)
}

/// The desks' morning, in process (not measured): `per_desk` dossiers brought
/// to complete for each of `n_desks` desks and a spare one, an account for
/// each desk (`poste00`, …), and what one liquidation journals (measured on
/// the spare desk's first dossier). Answers each desk's dossiers to liquidate.
pub async fn morning(
    api: &Api,
    db: &Db,
    n_desks: usize,
    per_desk: usize,
    members: usize,
) -> (Vec<Vec<(i64, i64)>>, i64) {
    let t = Instant::now();
    let mut prepared = prepare_liquidations(api, n_desks + 1, per_desk, members).await;
    println!(
        "  {} dossiers brought to complete for the liquidations in {:.1} s",
        (n_desks + 1) * per_desk,
        t.elapsed().as_secs_f64()
    );
    let mut sys = Caller::System { os_user: "bench".into() };
    for k in 0..n_desks {
        api.call(
            &mut sys,
            "staff_create",
            json!({"username": format!("poste{k:02}"), "full_name": format!("Poste {k}"), "roles": ["reception",
                "claims"], "password": PASSWORD}),
        )
        .await
        .unwrap();
    }
    let mut prep = Caller::Anonymous;
    api.call(&mut prep, "session_login", json!({"username": "prep", "password": PASSWORD})).await.unwrap();
    let before = journal_last(db).await;
    let (id, version) = prepared[n_desks][0];
    api.call(&mut prep, "dossier_liquidate", json!({"id": id, "version": version})).await.unwrap();
    let per_liquidation = journal_since(db, before).await;
    prepared.truncate(n_desks);
    (prepared, per_liquidation)
}

/// Each desk logged in to `server` with its account, recording into one of
/// the collections opened this morning (one per urn).
pub async fn log_in(server: &Server, db: &Db, prepared: Vec<Vec<(i64, i64)>>) -> Vec<Desk> {
    let collections: Vec<i64> = sqlx::query_scalar("SELECT id FROM collections WHERE closed_at IS NULL ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let mut desks = vec![];
    for (k, to_liquidate) in prepared.into_iter().enumerate() {
        let c = server.client(&format!("Poste {k:02}"));
        c.call("session_login", json!({"username": format!("poste{k:02}"), "password": PASSWORD})).await.unwrap();
        desks.push(Desk {
            n: k,
            clients: vec![c],
            collection: collections[k % collections.len()],
            recorded: 0,
            moving: VecDeque::new(),
            to_liquidate,
        });
    }
    desks
}
