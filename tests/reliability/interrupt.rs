//! The CLI as a Unix tool: Ctrl-C (SIGINT) in the middle of a 100,000-row
//! import stops it cleanly — exit 130, a French word on stderr, nothing of
//! the import kept, every index back, the journal intact — and its output
//! piped into a reader that goes away (`| head`) ends it quietly with exit 0.

use crate::crash::{check_whole, cli, one_import, roster, ROWS};
use crate::support::{fresh_url, Kind};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Sends SIGINT after `at` if the command still runs; its exit code and stderr.
fn interrupt_at(mut c: std::process::Command, at: Duration) -> (Option<i32>, String) {
    let mut child = c.stderr(Stdio::piped()).spawn().expect("spawn guichet");
    let start = Instant::now();
    while start.elapsed() < at && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill(2) on our own child's pid, which has not been waited for.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

async fn ctrl_c_stops_an_import_cleanly(kind: Kind) {
    let work = tempfile::tempdir().unwrap();
    let file = roster(work.path());
    let Some(whole) = one_import(kind, &file).await else { return };
    let sqlite = kind == Kind::Sqlite;
    let mut landed = 0;
    // Halfway through, then earlier and later: an import that ends before the
    // signal is not a failure, one that ignores it is.
    for part in [0.5, 0.3, 0.7] {
        let Some((url, _dir)) = fresh_url(kind).await else { return };
        assert!(cli(&url, &["migrate"]).status().unwrap().success());
        let indexes = {
            let db = guichet_core::storage::Db::open(&url).await.unwrap();
            let all = crate::support::indexes(&db, kind).await;
            db.close().await;
            all
        };
        let (code, stderr) = interrupt_at(
            cli(&url, &["import-members", &file, "--json"]),
            whole.mul_f64(part).max(Duration::from_millis(400)),
        );
        match code {
            Some(130) => {
                assert!(stderr.starts_with("Interrompu : l'opération en cours est annulée"), "{stderr}");
                assert!(!stderr.contains("panicked"), "{stderr}");
                assert_eq!(check_whole(&url, sqlite, &indexes).await, 0, "nothing of an interrupted import is kept");
                landed += 1;
            }
            Some(0) => assert_eq!(check_whole(&url, sqlite, &indexes).await, ROWS as i64),
            other => panic!("Ctrl-C must end the import with 130, not {other:?}: {stderr}"),
        }
    }
    assert!(landed >= 1, "no interruption landed while the import ran ({whole:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_an_import_cleanly_sqlite() {
    ctrl_c_stops_an_import_cleanly(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_an_import_cleanly_postgres() {
    ctrl_c_stops_an_import_cleanly(Kind::Postgres).await;
}

/// `guichet operations | head -1` and `guichet --json staff list | head`: the
/// reader is gone before anything is written (a pipe whose reading end is
/// closed), and the command still ends with 0 and nothing on stderr.
#[tokio::test]
async fn a_closed_pipe_ends_the_command_quietly() {
    let Some((url, _dir)) = fresh_url(Kind::Sqlite).await else { return };
    for args in
        [&["operations"][..], &["--json", "operations"], &["staff", "list"], &["--json", "call", "session_current"]]
    {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = cli(&url, args).stdout(Stdio::from(writer)).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?} said on stderr: {stderr}");
    }
    // The same commands to a reader that stays: `--json` is one object per line.
    let o = cli(&url, &["--json", "operations"]).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    let ops: serde_json::Value = serde_json::from_str(&text).unwrap();
    let import = ops.as_array().unwrap().iter().find(|op| op["name"] == "member_import").expect("member_import listed");
    assert_eq!(import["permission"], "members_write");
    let o = cli(&url, &["migrate", "--json"]).output().unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        serde_json::json!({ "schema": "à jour" })
    );
}
