//! Issue 35's figures (run with `cargo bench --bench door`): an anonymous
//! flood against one in-process server on a SQLite file, and the staff's
//! desks working meanwhile. The server speaks plain HTTP on loopback here:
//! what is measured is its HTTP door (a TLS handshake dripped as slowly is
//! cut by the same timeout, `tests/server` shows it).
//!
//! 1. 1,000 slow clients, each from its own loopback address, dripping one
//!    header byte a second (and connecting again when dropped), for
//!    `BENCH_SECONDS` (30), against a `guichet serve` process of its own: its
//!    memory among them (target under 200 MB) and 50 desks' p99 (target
//!    under 100 ms), against the same desks alone, measured first.
//! 2. 10,000 activation attempts with random codes against one matricule,
//!    from 100 addresses: how they were answered (429 at the door, 422 a
//!    refused code), the argon2 hashes computed meanwhile (target 0), and the
//!    desks' p99 during them against the same desks alone (target within 20 %).
//!
//! Each desk searches a name and, one call in five, registers a member (a
//! write and its journal row), waiting `BENCH_THINK_MS` (250 ms on average)
//! between two calls as a person does.

use guichet_client::reqwest::{self, header, StatusCode};
use guichet_client::{Client, Trust};
use guichet_core::api::{Api, Caller, Desk};
use guichet_core::storage::Db;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const PASSWORD: &str = "Benchmark-2026";
const DESKS: usize = 50;
const LAST: [&str; 8] = ["Bennani", "Alaoui", "Tazi", "Berrada", "Chraibi", "Fassi", "Amrani", "Lahlou"];

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

/// A process's resident memory now and at its peak, MB.
fn memory_of(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
    };
    (kb("VmRSS:").unwrap_or(0.0) / 1024.0, kb("VmHWM:").unwrap_or(0.0) / 1024.0)
}

/// The desks working for `seconds`: every call's time, ms, and the errors.
async fn desks(clients: &Arc<Vec<Client>>, seconds: u64, think_ms: u64, round: usize) -> (Vec<f64>, usize) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let errors = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for d in 0..clients.len() {
        let (clients, errors) = (clients.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let c = &clients[d];
            let mut times = vec![];
            let mut n = 0usize;
            while Instant::now() < deadline {
                if think_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(fastrand::u64(0..=2 * think_ms))).await;
                }
                n += 1;
                let t = Instant::now();
                let done = if n.is_multiple_of(5) {
                    let matricule = format!("{}", 500_000 + round * 100_000 + d * 1_000 + n);
                    let m = json!({"matricule": matricule, "last_name": LAST[n % 8], "first_name": "Banc",
                        "status": "actif"});
                    c.call("member_create", m).await
                } else {
                    c.call("member_search", json!({"query": LAST[(d + n) % 8]})).await
                };
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                if done.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            times
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all, errors.load(Ordering::Relaxed))
}

fn print_desks(label: &str, mut times: Vec<f64>, errors: usize) -> f64 {
    let (p50, p99) = (pct(&mut times, 0.5), pct(&mut times, 0.99));
    println!("  {label:<44} {:>6} calls  p50 {p50:>6.1} ms  p99 {p99:>6.1} ms  errors {errors}", times.len());
    p99
}

/// A `guichet serve` process on the bench's database, plain HTTP on loopback.
struct Served {
    child: tokio::process::Child,
    pid: u32,
    port: u16,
}

impl Served {
    async fn start(db: &Db) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("sqlite://{}", db.sqlite_path().unwrap().display());
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_guichet"))
            .args(["--database", &url, "serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--logins-per-address", "100"])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("guichet serve starts");
        let pid = child.id().unwrap();
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Served { child, pid, port };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("guichet serve did not listen on {port}");
    }
    fn memory(&self) -> (f64, f64) {
        memory_of(self.pid)
    }
    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// The 50 desks logged in to the server at `base`.
async fn login_desks(base: &str) -> Vec<Client> {
    let mut clients = vec![];
    for d in 0..DESKS {
        let c = Client::new(base, &format!("Guichet {d}"), Trust::System).unwrap();
        c.call("session_login", json!({"username": format!("accueil{d}"), "password": PASSWORD})).await.unwrap();
        clients.push(c);
    }
    clients
}

/// The i-th loopback address of a block (`127.<block>.x.y`).
fn loopback(block: u8, i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, block, (i / 250) as u8, (i % 250 + 1) as u8))
}

/// A client that opens a connection from `from` and drips a request's
/// headers a byte a second, again and again, until `stop`; how many times it
/// was dropped.
async fn slow_client(server: SocketAddr, from: IpAddr, stop: Arc<AtomicBool>) -> usize {
    let request = b"POST /api/v1/member_search HTTP/1.1\r\nHost: guichet\r\nContent-Type: application/json\r\n";
    let mut dropped = 0;
    while !stop.load(Ordering::Relaxed) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from, 0)).unwrap();
        let Ok(mut s) = socket.connect(server).await else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        for b in request.iter().cycle() {
            if stop.load(Ordering::Relaxed) {
                return dropped;
            }
            if s.write_all(&[*b]).await.is_err() {
                dropped += 1;
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    dropped
}

async fn run() {
    let seconds = env("BENCH_SECONDS", 30);
    let think_ms = env("BENCH_THINK_MS", 250);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!("sqlite://{}", dir.path().join("porte.sqlite3").display())).await.unwrap();
    let system = Desk::with_caller(Api::new(db.clone()), Caller::System { os_user: "banc".into() });
    // The site as it is made: staff created, a roster imported, one member
    // with a code to activate his space.
    for d in 0..DESKS {
        let s = json!({"username": format!("accueil{d}"), "full_name": format!("Agent {d}"), "roles": ["reception"],
            "password": PASSWORD});
        system.call("staff_create", s).await.unwrap();
    }
    let roster = dir.path().join("personnel.csv");
    let mut csv = String::from("Matricule;Nom;Prénom;Né(e) le;Société;Situation\n");
    for i in 0..5_000 {
        csv.push_str(&format!("{};{};Prénom{i};01/01/1980;RAM;actif\n", 20_000 + i, LAST[i % 8]));
    }
    std::fs::write(&roster, csv).unwrap();
    system.call("member_import", json!({"file": roster.to_str().unwrap()})).await.unwrap();
    let m = json!({"matricule": "13059", "last_name": "Benhnini", "first_name": "Fouad", "status": "actif",
        "cnie": "BE100200"});
    let member = system.call("member_create", m).await.unwrap()["id"].as_i64().unwrap();
    let letter = dir.path().join("code.pdf");
    let code = json!({"member_id": member, "purpose": "activation", "path": letter.to_str().unwrap()});
    system.call("portal_code_letter", code).await.unwrap();

    // Figure 1 against a `guichet serve` process of its own, so that its
    // memory is the server's alone.
    let served = Served::start(&db).await;
    let addr: SocketAddr = format!("127.0.0.1:{}", served.port).parse().unwrap();
    let clients = Arc::new(login_desks(&format!("http://{addr}")).await);
    let before = served.memory().0;
    println!("{DESKS} desks logged in; the server process holds {before:.0} MB");

    println!("1. 1,000 slow clients dripping their headers for {seconds} s");
    let (times, errors) = desks(&clients, seconds, think_ms, 0).await;
    let alone = print_desks("50 desks alone", times, errors);
    let stop = Arc::new(AtomicBool::new(false));
    // The server's memory sampled while the slow clients hold on.
    let sampler = {
        let (stop, pid) = (stop.clone(), served.pid);
        tokio::spawn(async move {
            let mut most = 0f64;
            while !stop.load(Ordering::Relaxed) {
                most = most.max(memory_of(pid).0);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            most
        })
    };
    let slow: Vec<_> = (0..1_000).map(|i| tokio::spawn(slow_client(addr, loopback(1, i), stop.clone()))).collect();
    let (times, errors) = desks(&clients, seconds, think_ms, 1).await;
    stop.store(true, Ordering::Relaxed);
    let most = sampler.await.unwrap();
    let mut dropped = 0;
    for s in slow {
        dropped += s.await.unwrap();
    }
    let during = print_desks("50 desks among 1,000 slow clients", times, errors);
    let peak = served.memory().1;
    println!(
        "  slow connections dropped by the server: {dropped}; the server's memory among them at most {most:.0} MB \
        ({before:.0} MB before them, peak of its life {peak:.0} MB; target < 200 MB)"
    );
    println!("  desks' p99 {during:.1} ms among them against {alone:.1} ms alone (target < 100 ms)");
    served.stop().await;

    // Figure 2 in this process, where the argon2 hashes are counted.
    let mut opts = guichet_server::Options::new("127.0.0.1:0".parse().unwrap(), guichet_server::tls::Mode::Plain);
    // The 50 desks log in from this one address, as behind a site's proxy.
    opts.logins_per_address = 100;
    let running = guichet_server::start(Api::new(db.clone()), opts).await.unwrap();
    let base = format!("http://127.0.0.1:{}", running.addr.port());
    let clients = Arc::new(login_desks(&base).await);
    println!("2. 10,000 activation attempts with random codes against one matricule");
    let (times, errors) = desks(&clients, seconds, think_ms, 2).await;
    let alone = print_desks("50 desks alone", times, errors);
    let hashes = guichet_core::kernel::password::hashes_made();
    let attackers: Vec<_> = (0..100)
        .map(|a| {
            let http = reqwest::Client::builder().local_address(loopback(2, a)).build().unwrap();
            let base = base.clone();
            tokio::spawn(async move {
                let mut answers: std::collections::BTreeMap<u16, usize> = Default::default();
                for _ in 0..100 {
                    let code = format!("{:04X}-{:04X}", fastrand::u16(..), fastrand::u16(..));
                    let form = json!({"matricule": "13059", "cnie": "BE100200", "code": code,
                        "password": "Portail2026"});
                    let r = http
                        .post(format!("{base}/portail/api/activation"))
                        .header(header::ORIGIN, &base)
                        .json(&form)
                        .send()
                        .await;
                    let status = r.map(|r| r.status()).unwrap_or(StatusCode::BAD_GATEWAY);
                    *answers.entry(status.as_u16()).or_default() += 1;
                }
                answers
            })
        })
        .collect();
    let started = Instant::now();
    let (times, errors) = desks(&clients, seconds.min(15), think_ms, 3).await;
    let mut answers: std::collections::BTreeMap<u16, usize> = Default::default();
    for a in attackers {
        for (k, v) in a.await.unwrap() {
            *answers.entry(k).or_default() += v;
        }
    }
    let during = print_desks("50 desks during the attempts", times, errors);
    let made = guichet_core::kernel::password::hashes_made() - hashes;
    println!(
        "  answers {answers:?} in {:.1} s; argon2 hashes computed meanwhile: {made} (target 0)",
        started.elapsed().as_secs_f64()
    );
    println!(
        "  desks' p99 {during:.1} ms during the attempts against {alone:.1} ms alone: {:+.0} % (target within 20 %)",
        (during / alone - 1.0) * 100.0
    );
    let refused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'portal.activation_refused'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    println!("  refusals journaled: {refused} (those past the door's limit were never read)");
    running.stop().await;
}

fn main() {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(run());
}
