//! Crash safety: the real `guichet` process is killed with SIGKILL at 20
//! random moments of a 100,000-row import (SQLite and PostgreSQL) and of a
//! statement run. After each kill the database is whole (SQLite
//! `integrity_check`, every index in place), the import is entirely there or
//! not at all, the journal chain is intact, no statement file is cut short; a
//! rerun then completes.

use crate::support::{fresh_url, Kind};
use guichet_core::storage::Db;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const ROWS: usize = 100_000;
const KILLS: usize = 20;

pub(crate) fn cli(db: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_guichet"));
    c.arg("--database")
        .arg(db)
        .args(args)
        .env_remove("GUICHET_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    c
}

/// Starts the command and SIGKILLs it after `at` if it still runs; says whether it was killed.
fn run_and_kill(mut c: Command, at: Duration) -> bool {
    let mut child = c.spawn().expect("spawn guichet");
    let start = Instant::now();
    while start.elapsed() < at {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // std's kill() is SIGKILL on Unix: no destructor, no rollback, no flush.
    let killed = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    killed
}

/// `KILLS` moments spread at random over `0..span`, in order.
fn moments(seed: u64, span: Duration) -> Vec<Duration> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut v: Vec<Duration> = (0..KILLS).map(|_| span.mul_f64(rng.f64())).collect();
    v.sort();
    v
}

pub(crate) fn roster(dir: &Path) -> String {
    let path = dir.join("personnel.csv");
    let mut s = String::with_capacity(ROWS * 48);
    s.push_str("Matricule;Nom;Prénom;Né(e) le;Société;Situation\n");
    for i in 0..ROWS {
        s.push_str(&format!("{};Nom{};Prenom{};01/01/1980;RAM;actif\n", 100_000 + i, i % 977, i % 1013));
    }
    std::fs::write(&path, s).unwrap();
    path.to_str().unwrap().to_string()
}

pub(crate) async fn check_whole(url: &str, sqlite: bool, indexes: &[(String, String)]) -> i64 {
    let db = Db::open(url).await.unwrap();
    if sqlite {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(db.pool()).await.unwrap();
        assert_eq!(check, "ok");
    }
    // A kill at any moment of an import that set indexes aside leaves them all.
    let kind = if sqlite { Kind::Sqlite } else { Kind::Postgres };
    assert_eq!(crate::support::indexes(&db, kind).await, indexes, "every index is there");
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members").fetch_one(db.pool()).await.unwrap();
    let journal: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'member.import_create'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let tokens: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT member_id) FROM member_tokens").fetch_one(db.pool()).await.unwrap();
    assert!(members == 0 || members == ROWS as i64, "half an import: {members} members");
    assert_eq!((journal, tokens), (members, members), "members, their journal rows and search words go together");
    assert!(guichet_core::audit::verify(db.pool(), &[]).await.unwrap().intact);
    db.close().await;
    members
}

/// How long one import of `file` takes on a fresh database of this kind, on
/// this machine now: its speed varies by a third from run to run, so the kill
/// moments are spread over what it measures rather than a fixed span.
pub(crate) async fn one_import(kind: Kind, file: &str) -> Option<Duration> {
    let (url, _dir) = fresh_url(kind).await?;
    assert!(cli(&url, &["migrate"]).status().unwrap().success());
    let start = Instant::now();
    assert!(cli(&url, &["import-members", file, "--json"]).status().unwrap().success());
    Some(start.elapsed())
}

async fn import_killed_twenty_times(kind: Kind, seed: u64) {
    let work = tempfile::tempdir().unwrap();
    let file = roster(work.path());
    // Kills spread over nine tenths of an import: most land while it runs.
    let Some(whole) = one_import(kind, &file).await else { return };
    let span = whole.mul_f64(0.9).max(Duration::from_millis(500));
    let Some((url, dir)) = fresh_url(kind).await else { return };
    let sqlite = kind == Kind::Sqlite;
    assert!(cli(&url, &["migrate"]).status().unwrap().success());
    let indexes = {
        let db = Db::open(&url).await.unwrap();
        let all = crate::support::indexes(&db, kind).await;
        db.close().await;
        all
    };
    assert!(indexes.iter().any(|(name, _)| name == "audit_log_entity"), "{indexes:?}");
    let mut killed = 0;
    for (n, at) in moments(seed, span).into_iter().enumerate() {
        if run_and_kill(cli(&url, &["import-members", &file, "--json"]), at) {
            killed += 1;
        }
        let members = check_whole(&url, sqlite, &indexes).await;
        eprintln!("kill {n} at {:?}: {members} members", at);
    }
    assert!(killed >= KILLS / 2, "most kills must land while the import runs ({killed})");
    let out = cli(&url, &["import-members", &file, "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["rows"], ROWS);
    assert_eq!(check_whole(&url, sqlite, &indexes).await, ROWS as i64);
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_twenty_times_is_all_or_nothing_sqlite() {
    import_killed_twenty_times(Kind::Sqlite, 7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_twenty_times_is_all_or_nothing_postgres() {
    import_killed_twenty_times(Kind::Postgres, 11).await;
}

/// Every statement file in `dir` is whole: a PDF that ends with its trailer.
fn whole_pdfs(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "pdf") {
            let bytes = std::fs::read(&p).unwrap();
            let end = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(32)..]).trim_end().to_string();
            assert!(bytes.starts_with(b"%PDF-") && end.ends_with("%%EOF"), "cut short: {}", p.display());
            n += 1;
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_run_killed_twenty_times_leaves_no_cut_file() {
    let Some((url, _dir)) = fresh_url(Kind::Sqlite).await else { return };
    let db = Db::open(&url).await.unwrap();
    crate::seed::paid_members(&db, 400).await;
    db.close().await;
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("releves");
    let out_s = out.to_str().unwrap();
    let args = ["statements", "--from", "2026-11-01", "--to", "2026-11-30", "--out", out_s];
    let mut before = 0;
    for at in moments(13, Duration::from_secs(6)) {
        run_and_kill(cli(&url, &args), at);
        let now = whole_pdfs(&out);
        assert!(now >= before, "a rerun never loses a finished file");
        before = now;
    }
    let done = cli(&url, &args).output().unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stdout));
    let r: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(r["members"], 400);
    assert_eq!(whole_pdfs(&out), 400);
    // Every file reads back.
    for e in std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .take(400)
    {
        let t = Command::new("pdftotext").arg(e.path()).arg("-").output().unwrap();
        assert!(
            t.status.success() && String::from_utf8_lossy(&t.stdout).contains("Adhérent"),
            "{}",
            e.path().display()
        );
    }
}

/// The server killed (SIGKILL) in the middle of a statement run asked from
/// an administrator's machine: the CLI says in French that the server cannot
/// be reached, and each statement that reached the folder before is whole
/// (they come one by one with the progress, each written whole); the server
/// back, the same command skips those and writes the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_during_a_statement_run_sends_no_cut_file() {
    use crate::served::{free_port, serve};
    let Some((url, _dir)) = fresh_url(Kind::Sqlite).await else { return };
    let db = Db::open(&url).await.unwrap();
    crate::seed::paid_members(&db, 400).await;
    db.close().await;
    let add =
        cli(&url, &["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin", "--role", "claims"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
    {
        use std::io::Write;
        let mut add = add;
        add.stdin.take().unwrap().write_all(b"Admin-Guichet-1\n").unwrap();
        assert!(add.wait().unwrap().success());
    }
    let tls = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut s = serve(&url, tls.path(), port);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("releves");
    let statements = |s: &crate::served::Served| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_guichet"));
        c.args([
            "--server",
            &s.url,
            "--server-fingerprint",
            &s.fingerprint,
            "--user",
            "admin",
            "statements",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--out",
        ])
        .arg(&out)
        .env_remove("GUICHET_DATABASE_URL")
        .env("GUICHET_PASSWORD", "Admin-Guichet-1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        c
    };
    let run = statements(&s).spawn().unwrap();
    // Once the run is under way on the server (400 statements take seconds).
    std::thread::sleep(Duration::from_millis(1500));
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let o = run.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stdout));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["code"], "unavailable", "{v}");
    assert!(v["message"].as_str().unwrap().starts_with("Le serveur Guichet (https://127.0.0.1:"), "{v}");
    let before = whole_pdfs(&out);
    assert!(before < 400, "the run was cut: {before} statements");
    let strays: Vec<_> = std::fs::read_dir(&out)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".pdf"))
        .collect();
    assert!(strays.is_empty(), "no half-written file, no index of a cut run: {strays:?}");
    // Back on the same address: the run goes on where it stopped, every file whole.
    let s = serve(&url, tls.path(), port);
    let done = statements(&s).output().unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stdout));
    let r: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(r["members"], 400, "{r}");
    assert_eq!((r["skipped"].as_u64(), r["written"].as_u64()), (Some(before as u64), Some(400 - before as u64)), "{r}");
    assert_eq!(whole_pdfs(&out), 400);
}
