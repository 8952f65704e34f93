//! Issue 35, items 5, 6, 10 and 11: what an anonymous client can hold of the
//! server (a connection that sends nothing or drips its headers is dropped,
//! one address cannot open more than its share, a body is read only within
//! what the caller may send), login limits that cost the guesser, one answer
//! for every failed login, and sessions that a password change ends and
//! that do not last for ever.

use crate::support::TestDb;
use crate::{client, login, server, staff, ADMIN};
use guichet_core::api::Api;
use guichet_core::ErrorCode;
use guichet_server::{tls, Options};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

crate::on_both_backends!(
    a_body_is_read_only_within_what_the_caller_may_send,
    a_password_change_ends_the_other_sessions,
    asking_for_a_stream_does_not_lift_the_timeout_of_an_operation_that_streams_nothing,
);

/// How long the server took to close `s` (reading until it does), if within `wait`.
fn closed_within(s: &mut TcpStream, wait: Duration) -> Option<Duration> {
    let started = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let mut buf = [0u8; 1024];
    while started.elapsed() < wait {
        match s.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

/// Slow and crowding clients, on a plain-HTTP server on loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_crowding_clients_are_dropped_at_the_door() {
    let Some(t) = crate::support::open(crate::support::Kind::Sqlite).await else { return };
    let mut opts = Options::new("127.0.0.1:0".parse().unwrap(), tls::Mode::Plain);
    opts.header_timeout = Duration::from_secs(1);
    opts.connections_per_address = 3;
    let s = guichet_server::start(Api::new(t.db.clone()), opts).await.unwrap();
    let addr = s.addr;
    tokio::task::spawn_blocking(move || {
        // Nothing sent: dropped after the header timeout.
        let mut idle = TcpStream::connect(addr).unwrap();
        let took = closed_within(&mut idle, Duration::from_secs(10)).expect("an idle connection is closed");
        assert!(took >= Duration::from_millis(800), "not before the timeout: {took:?}");
        // Headers dripped a byte at a time: dropped too, though bytes keep coming.
        let mut slow = TcpStream::connect(addr).unwrap();
        let started = Instant::now();
        let request = b"GET /healthz HTTP/1.1\r\nHost: guichet\r\nX-Lent: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
        let mut cut = false;
        for b in request.iter() {
            if slow.write_all(&[*b]).is_err() {
                cut = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(cut || closed_within(&mut slow, Duration::from_secs(1)).is_some(), "a dripping client is dropped");
        assert!(started.elapsed() < Duration::from_secs(8), "within the header timeout, not at the request's end");
        // Three connections from one address are held; the fourth is closed at once.
        let held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(200));
        let mut fourth = TcpStream::connect(addr).unwrap();
        let took = closed_within(&mut fourth, Duration::from_millis(700)).expect("the fourth is closed");
        assert!(took < Duration::from_millis(700), "{took:?}");
        drop(held);
        // Their places come back: a request is served again.
        std::thread::sleep(Duration::from_millis(200));
        let mut ok = TcpStream::connect(addr).unwrap();
        ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: guichet\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        ok.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    })
    .await
    .unwrap();
    s.stop().await;
}

async fn a_body_is_read_only_within_what_the_caller_may_send(t: TestDb) {
    staff(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let s = server(&t.db, dir.path(), |_| {}).await;
    let c = client(&s, "brut");
    // Without a session: an operation that needs one is refused, its body never kept.
    let (status, v) = c.call_raw("member_search", vec![b' '; 100 * 1024]).await.unwrap();
    assert_eq!((status, v["code"].as_str()), (401, Some("unauthenticated")), "{v}");
    // A public one takes a form's size, not the site's files' limit.
    let (status, v) = c.call_raw("session_login", vec![b' '; 100 * 1024]).await.unwrap();
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["message"], "Requête trop volumineuse : au plus 16 Ko sans session ouverte.");
    // An identifier longer than any is refused beside its field, before it is counted.
    let long = "a".repeat(101);
    for _ in 0..12 {
        let e = c.call("session_login", json!({"username": long, "password": "x"})).await.unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Validation, Some("username")), "{e:?}");
    }
    // Unknown usernames are counted like real ones, and answered alike.
    for _ in 0..10 {
        let e = c.call("session_login", json!({"username": "fantome", "password": "mauvais"})).await.unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::Unauthenticated, "Identifiant ou mot de passe incorrect.")
        );
    }
    let e = c.call("session_login", json!({"username": "fantome", "password": "mauvais"})).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::TooManyRequests);
    // The long identifiers were not counted: the address still has tries left.
    login(&c, "accueil", ADMIN).await;
    s.stop().await;
}

async fn a_password_change_ends_the_other_sessions(t: TestDb) {
    staff(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let s = server(&t.db, dir.path(), |_| {}).await;
    let mine = client(&s, "Guichet 1");
    let other = client(&s, "Guichet 2 (volé)");
    login(&mine, "accueil", ADMIN).await;
    login(&other, "accueil", ADMIN).await;
    let before = mine.token().unwrap();
    let change = json!({"current_password": ADMIN, "new_password": "Nouveau-Guichet-2"});
    mine.call("password_change", change).await.unwrap();
    assert_ne!(mine.token().unwrap(), before, "the desk that changed it gets a new session");
    mine.call("session_current", json!({})).await.unwrap();
    let e = other.call("session_current", json!({})).await.unwrap_err();
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::Unauthenticated, Some("session_expired")), "{e:?}");

    // Wrong current passwords count toward the lock-out: the fifth locks the
    // account and ends this desk's session too.
    for _ in 0..4 {
        let wrong = json!({"current_password": "pas-le-bon", "new_password": "Autre-Guichet-3"});
        let e = mine.call("password_change", wrong).await.unwrap_err();
        assert_eq!(e.field.as_deref(), Some("current_password"), "{e:?}");
    }
    let wrong = json!({"current_password": "pas-le-bon", "new_password": "Autre-Guichet-3"});
    let e = mine.call("password_change", wrong).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthenticated);
    assert!(e.message.starts_with("Compte verrouillé après 5 mots de passe erronés"), "{}", e.message);
    assert!(mine.call("session_current", json!({})).await.is_err(), "logged out");
    let locked: Option<String> = sqlx::query_scalar("SELECT locked_until FROM staff WHERE username = 'accueil'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert!(locked.is_some());

    // A session lasts twelve hours at most, however active.
    let admin = client(&s, "Bureau admin");
    login(&admin, "admin", ADMIN).await;
    let long_ago = guichet_core::storage::time::ts(chrono::Utc::now() - chrono::Duration::hours(13));
    sqlx::query("UPDATE server_sessions SET created_at = $1 WHERE ended_at IS NULL")
        .bind(long_ago)
        .execute(t.db.pool())
        .await
        .unwrap();
    let e = admin.call("session_current", json!({})).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("session_expired"), "{e:?}");
    s.stop().await;
}

/// Issue 35, item 16: `Accept: application/x-ndjson` lifts the call's
/// timeout only for the operations that stream their progress.
async fn asking_for_a_stream_does_not_lift_the_timeout_of_an_operation_that_streams_nothing(t: TestDb) {
    staff(&t.db).await;
    let dir = tempfile::tempdir().unwrap();
    let normal = server(&t.db, dir.path(), |_| {}).await;
    // A second server on the same database (sessions are shared) whose calls
    // may last no time at all.
    let hasty = server(&t.db, dir.path(), |o| o.timeout = Duration::ZERO).await;
    let c = client(&normal, "Guichet 1");
    login(&c, "admin", ADMIN).await;
    let h = client(&hasty, "Guichet 1");
    h.set_token(c.token());
    let sink: guichet_core::api::ProgressSink = std::sync::Arc::new(|_| true);
    // An import streams its progress: asked as a stream, it runs to its end
    // however short the call's timeout.
    let roster = dir.path().join("liste.csv");
    std::fs::write(
        &roster,
        "Matricule;Nom;Prénom;Né(e) le;Société;Situation\n13059;Benhnini;Fouad;01/01/1980;RAM;actif\n",
    )
    .unwrap();
    let report = h.call_with_progress("member_import", json!({"file": roster.to_str().unwrap()}), Some(sink.clone()));
    assert_eq!(report.await.unwrap()["created"], 1);
    hasty.stop().await;

    // An operation that streams nothing, asked as a stream, is cut at the
    // timeout: here a new urn, held behind a lock for two seconds on a server
    // whose calls may last one.
    let patient = server(&t.db, dir.path(), |o| o.timeout = Duration::from_secs(1)).await;
    let p = client(&patient, "Guichet 1");
    p.set_token(c.token());
    let mut lock = t.db.pool().acquire().await.unwrap();
    let hold = if t.db.backend() == guichet_core::storage::Backend::Postgres {
        "BEGIN; LOCK TABLE urns IN ACCESS EXCLUSIVE MODE"
    } else {
        "BEGIN IMMEDIATE"
    };
    for statement in hold.split("; ") {
        sqlx::query(statement).execute(&mut *lock).await.unwrap();
    }
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        sqlx::query("ROLLBACK").execute(&mut *lock).await.unwrap();
    });
    let urn = json!({"name": "Urne bloquée", "site": "Casablanca"});
    let e = p.call_with_progress("urn_save", urn, Some(sink)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}");
    assert!(e.message.starts_with("L'opération urn_save a dépassé 1 secondes"), "{}", e.message);
    release.await.unwrap();
    let urns: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM urns WHERE name = 'Urne bloquée'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(urns, 0, "nothing recorded");
    patient.stop().await;
    normal.stop().await;
}
