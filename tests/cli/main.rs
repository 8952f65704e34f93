//! The `guichet` binary as administrators use it: real processes, real databases.

#[path = "../support/served.rs"]
mod served;
#[path = "../support/mod.rs"]
mod support;

use serde_json::Value;
use served::{free_port, remote, serve, serve_as};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use support::Kind;

const PASSWORD: &str = "Admin-Guichet-1";

/// Each test of this list runs twice, on a new SQLite file and on a new
/// PostgreSQL database, as the storage suite's tests do.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(super::Kind::Sqlite).await
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name(super::Kind::Postgres).await
                }
            }
        )*
    };
}

on_both_backends!(
    add_admin_then_whoami,
    lock_out_and_unlock,
    the_cli_through_a_server,
    bad_input_gets_french_messages_and_exit_codes,
    import_members_json_report_and_exit_codes,
    members_through_call,
    malformed_json_to_every_command,
);

fn guichet(db: &str, args: &[&str], stdin: Option<&str>, password: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
    cmd.arg("--database").arg(db).args(args).env_remove("GUICHET_DATABASE_URL").env_remove("GUICHET_PASSWORD");
    if let Some(p) = password {
        cmd.env("GUICHET_PASSWORD", p);
    }
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn guichet");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout={} stderr={}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

async fn url(kind: Kind) -> Option<(String, Option<tempfile::TempDir>)> {
    support::fresh_url(kind).await
}

/// The issue's "done when": add an administrator (password on stdin), then
/// call the "who am I" operation as him.
async fn add_admin_then_whoami(kind: Kind) {
    let Some((db, _dir)) = url(kind).await else { return };
    let o = guichet(
        &db,
        &["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"],
        Some(&format!("{PASSWORD}\n")),
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let created = json_out(&o);
    assert_eq!(created["username"], "admin");

    let o = guichet(&db, &["--user", "admin", "call", "session_current", "{}"], None, Some(PASSWORD));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let me = json_out(&o);
    assert_eq!(me["staff"]["username"], "admin");
    assert_eq!(me["staff"]["full_name"], "Admin");
    assert_eq!(me["staff"]["roles"], serde_json::json!(["admin"]));

    // The listing shows him.
    let o = guichet(&db, &["staff", "list"], None, None);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("admin") && text.contains("actif"), "{text}");
}

async fn lock_out_and_unlock(kind: Kind) {
    let Some((db, _dir)) = url(kind).await else { return };
    guichet(&db, &["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"], Some(PASSWORD), None);
    for _ in 0..5 {
        let o = guichet(&db, &["--user", "admin", "call", "session_current"], None, Some("wrong-password"));
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(json_out(&o)["code"], "unauthenticated");
    }
    let o = guichet(&db, &["--user", "admin", "call", "session_current"], None, Some(PASSWORD));
    assert_eq!(o.status.code(), Some(1));
    let e = json_out(&o);
    assert_eq!(e["code"], "unauthenticated");
    assert_eq!(e["message"], "Identifiant ou mot de passe incorrect.", "locked, answered as any failure");
    let o = guichet(&db, &["staff", "list"], None, None);
    assert!(String::from_utf8_lossy(&o.stdout).contains("verrouillé"), "the administrator sees the lock");

    let o = guichet(&db, &["staff", "unlock", "admin"], None, None);
    assert!(o.status.success());
    let o = guichet(&db, &["--user", "admin", "call", "session_current"], None, Some(PASSWORD));
    assert_eq!(o.status.code(), Some(0));
}

async fn bad_input_gets_french_messages_and_exit_codes(kind: Kind) {
    let Some((db, _dir)) = url(kind).await else { return };
    let add = |name: &str, role: &str, pw: &str| {
        guichet(&db, &["staff", "add", "--username", name, "--name", "Nom", "--role", role], Some(pw), None)
    };
    assert!(add("admin", "admin", PASSWORD).status.success());

    let o = add("admin", "claims", PASSWORD);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_out(&o)["message"], "L'identifiant « admin » est déjà pris.");

    let o = add("agent", "claims", "court");
    assert_eq!(json_out(&o)["field"], "password");

    let o = add("agent", "chef", PASSWORD);
    let e = json_out(&o);
    assert_eq!(e["field"], "role");
    assert_eq!(e["message"], "Rôle inconnu « chef » : choisissez reception, claims, medical ou admin.");

    let o = guichet(&db, &["--user", "admin", "call", "staff_list", "{\"a\": "], None, Some(PASSWORD));
    assert_eq!(o.status.code(), Some(1));
    assert!(json_out(&o)["message"].as_str().unwrap().starts_with("JSON mal formé"));

    let o = guichet(&db, &["--user", "admin", "call", "staff_list"], None, None);
    assert_eq!(json_out(&o)["message"], "Mot de passe absent : définissez la variable GUICHET_PASSWORD.");

    // A year is set apart on PostgreSQL only, and only once it is past; a
    // refusal writes no file.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("annee-2999.dump");
    let o = guichet(&db, &["db", "archive-year", "2999", "--out", dump.to_str().unwrap()], None, None);
    assert_eq!(o.status.code(), Some(1));
    let e = json_out(&o);
    match kind {
        Kind::Sqlite => assert_eq!(e["field"], "database", "{e}"),
        Kind::Postgres => {
            assert_eq!(e["field"], "year", "{e}");
            assert_eq!(e["message"], "L'année 2999 n'est pas close : seule une année passée se met à part.");
        }
    }
    assert!(!dump.exists());

    // Only the administrator exists: nothing half-written by the refusals.
    let o = guichet(&db, &["staff", "list", "--json"], None, None);
    assert_eq!(json_out(&o)["staff"].as_array().unwrap().len(), 1);

    let o = guichet("mysql://serveur/base", &["migrate"], None, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("type de base inconnu"));

    let o = guichet("postgres://guichet:secret@127.0.0.1:1/guichet", &["migrate"], None, None);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Impossible de joindre la base PostgreSQL") && !err.contains("secret"), "{err}");
}

#[tokio::test]
async fn migrate_creates_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.sqlite3");
    let o = guichet(&format!("sqlite://{}", path.display()), &["migrate"], None, None);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "Schéma à jour.");
    assert!(path.exists());
}

/// `guichet import-members FILE --json`: exactly one JSON object with the
/// counts and the rejected rows; exit 0 even with rejected rows, 2 when the
/// file cannot be read.
async fn import_members_json_report_and_exit_codes(kind: Kind) {
    let Some((db, _dir)) = url(kind).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("personnel.csv");
    std::fs::write(
        &csv,
        "Matricule;Nom;Prénom;Date de \
            naissance\n13059;Bennani;Karim;27/08/1981\n\n\
            13060;Chraïbi;Fatima;31/02/1990\n13059;Bennani;Karim;27/08/1981\n",
    )
    .unwrap();
    let path = csv.to_string_lossy().to_string();

    let o = guichet(&db, &["import-members", &path, "--dry-run", "--json"], None, None);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.trim().lines().count(), 1, "one JSON object: {text}");
    let r: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(
        r,
        serde_json::json!({
            "rows": 3, "created": 1, "updated": 0, "unchanged": 0, "rib_requests": 0, "suspensions": 0,
            "rejected": [
                {"row": 4, "column": "Date de naissance", "message": "Date impossible « 31/02/1990 »"},
                {"row": 5, "column": "Matricule", "message": "Matricule 13059 déjà présent à la ligne 2 du fichier : \
                    cette ligne est ignorée."}
            ]
        })
    );
    // The dry run wrote nothing; the real run does, and a second changes nothing.
    let o = guichet(&db, &["import-members", &path, "--json"], None, None);
    assert_eq!(json_out(&o)["created"], 1);
    let o = guichet(&db, &["import-members", &path, "--json"], None, None);
    let again = json_out(&o);
    assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(1)));

    let bad = dir.path().join("image.xlsx");
    std::fs::write(&bad, [0u8, 1, 2, 3, 0xff, 0xfe, 0, 0, 7]).unwrap();
    let o = guichet(&db, &["import-members", &bad.to_string_lossy(), "--json"], None, None);
    assert_eq!(o.status.code(), Some(2));
    let e = json_out(&o);
    assert_eq!(e["code"], "validation");
    assert_eq!(e["message"], "Ce fichier n'est pas un tableur lisible : formats acceptés .xlsx, .xls, .ods et .csv.");

    // A staff member without the right to import is refused (exit 1).
    guichet(&db, &["staff", "add", "--username", "gest", "--name", "G", "--role", "claims"], Some(PASSWORD), None);
    let o = guichet(&db, &["--user", "gest", "import-members", &path, "--json"], None, Some(PASSWORD));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_out(&o)["code"], "forbidden");
}

/// Every operation is reachable through `guichet call`, including members.
async fn members_through_call(kind: Kind) {
    let Some((db, _dir)) = url(kind).await else { return };
    guichet(
        &db,
        &["staff", "add", "--username", "accueil", "--name", "A", "--role", "reception"],
        Some(PASSWORD),
        None,
    );
    let o = guichet(
        &db,
        &[
            "--user",
            "accueil",
            "call",
            "member_create",
            concat!(
                r#"{"matricule": "13059", "last_name": "Bennani", "first_name": "Karim", "#,
                r#""rib": "007 780 000 000 3654300171 71"}"#
            ),
        ],
        None,
        Some(PASSWORD),
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let o =
        guichet(&db, &["--user", "accueil", "call", "member_search", r#"{"query": "bennani"}"#], None, Some(PASSWORD));
    assert_eq!(json_out(&o)["members"][0]["rib"], "007780000000365430017171");
    let o = guichet(
        &db,
        &[
            "--user",
            "accueil",
            "call",
            "member_create",
            r#"{"matricule": "13060", "last_name": "X", "first_name": "Y", "rib": "123"}"#,
        ],
        None,
        Some(PASSWORD),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_out(&o)["field"], "rib");
}

/// Medical secrecy holds in the CLI too: a claims processor's `call` shows
/// that a request is confidential, never its medical content; the medical
/// advisor's shows it.
#[tokio::test]
async fn medical_details_stay_secret_through_the_cli() {
    let Some((db, dir)) = url(Kind::Sqlite).await else { return };
    let dir = dir.unwrap();
    let sys = |args: &[&str]| json_out(&guichet(&db, args, None, None));
    for (user, role) in [("gest", "claims"), ("medecin", "medical")] {
        let o = guichet(
            &db,
            &["staff", "add", "--username", user, "--name", user, "--role", role],
            Some(&format!("{PASSWORD}\n")),
            None,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
    let m =
        sys(&["call", "member_create", r#"{"matricule": "93923543", "last_name": "Benhnini", "first_name": "Fouad"}"#]);
    let page = sys(&["call", "member_get", &format!(r#"{{"id": {}}}"#, m["id"])]);
    let me = page["beneficiaries"][0]["id"].as_i64().unwrap();
    let cnie = dir.path().join("cnie.pdf");
    std::fs::write(&cnie, b"%PDF-1.4\n%%EOF\n").unwrap();
    let req = serde_json::json!({
        "kind": "prior_approval", "beneficiary_id": me, "acts": [{"act_code": "KINE", "label": "",
            "sessions": 10}], "prescriber": "Dr Alami", "sent_by": "member",
        "expected_from": "2026-01-01", "expected_to": "2026-03-31", "quotation": "1000",
            "medical_info": "Lombalgie chronique",
        "files": [{"file": cnie, "piece": "cnie"}, {"file": cnie, "piece": "badge"}]
    });
    let r = json_out(&guichet(
        &db,
        &["--user", "gest", "call", "approval_register", &req.to_string()],
        None,
        Some(PASSWORD),
    ));
    let get = format!(r#"{{"id": {}}}"#, r["id"]);
    let o = guichet(&db, &["--user", "gest", "call", "approval_get", &get], None, Some(PASSWORD));
    let seen = json_out(&o);
    assert_eq!(
        (seen["medical_info"].clone(), seen["confidential"].clone()),
        (Value::Null, Value::Bool(true)),
        "{seen} / {r}"
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("Lombalgie")
            && !String::from_utf8_lossy(&o.stderr).contains("Lombalgie")
    );
    let seen = json_out(&guichet(&db, &["--user", "medecin", "call", "approval_get", &get], None, Some(PASSWORD)));
    assert_eq!(seen["medical_info"], "Lombalgie chronique");
    let o = guichet(&db, &["--user", "gest", "call", "medical_reads", "{}"], None, Some(PASSWORD));
    assert_eq!((o.status.code(), json_out(&o)["code"].as_str()), (Some(1), Some("forbidden")));
}

/// `guichet audit verify` says the journal is intact, then names the row a
/// hand edit changed, with exit code 4.
#[tokio::test]
async fn audit_verify_names_a_row_edited_by_hand() {
    let Some((db, _dir)) = url(Kind::Sqlite).await else { return };
    for user in ["agent1", "agent2", "agent3"] {
        let o = guichet(
            &db,
            &["staff", "add", "--username", user, "--name", user, "--role", "reception"],
            Some(&format!("{PASSWORD}\n")),
            None,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
    let o = guichet(&db, &["audit", "verify"], None, None);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "3 lignes vérifiées (0 antérieures à la chaîne).\nJournal intact.\n"
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new().connect(&db).await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_update").execute(&pool).await.unwrap();
    sqlx::query("UPDATE audit_log SET after_json = REPLACE(after_json, 'agent2', 'intrus') WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let o = guichet(&db, &["audit", "verify"], None, None);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Ligne n° 2 du journal modifiée (staff.create du "),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// `guichet audit anchor FILE` keeps the head outside the database; after
/// the last rows are deleted and the head rewound by hand, `audit verify
/// --anchor FILE` says so, with exit code 4.
#[tokio::test]
async fn audit_anchor_then_verify_against_it() {
    let Some((db, dir)) = url(Kind::Sqlite).await else { return };
    let dir = dir.unwrap();
    for user in ["agent1", "agent2", "agent3"] {
        let o = guichet(
            &db,
            &["staff", "add", "--username", user, "--name", user, "--role", "reception"],
            Some(&format!("{PASSWORD}\n")),
            None,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
    let file = dir.path().join("ancres.jsonl");
    let f = file.to_str().unwrap();
    let o = guichet(&db, &["audit", "anchor", f], None, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout)
        .starts_with(&format!("Ancre ajoutée à « {f} » : ligne n° 3 du journal, empreinte ")));
    let o = guichet(&db, &["audit", "verify", "--anchor", f], None, None);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "3 lignes vérifiées (0 antérieures à la chaîne).\n1 ancres vérifiées.\nJournal intact.\n"
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new().connect(&db).await.unwrap();
    for t in ["audit_log_no_delete", "audit_head_forward", "audit_head_hash_of_its_row"] {
        sqlx::query(&format!("DROP TRIGGER {t}")).execute(&pool).await.unwrap();
    }
    sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(&pool).await.unwrap();
    sqlx::query("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(
        guichet(&db, &["audit", "verify"], None, None).status.code(),
        Some(0),
        "a clean cut, seen only by an anchor"
    );
    let o = guichet(&db, &["audit", "verify", "--anchor", f], None, None);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("La tête du journal (ligne n° 2) est en deçà de l'ancre du "),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    std::fs::write(&file, "pas une ancre\n").unwrap();
    let o = guichet(&db, &["audit", "verify", "--anchor", f], None, None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("ligne 1 : ce n'est pas une ancre"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// `guichet backup FILE` then `guichet restore FILE` into a new file: the
/// members and the journal come back; a restore never writes over a database.
#[tokio::test]
async fn backup_then_restore_through_the_cli() {
    let Some((db, dir)) = url(Kind::Sqlite).await else { return };
    let dir = dir.unwrap();
    for i in 0..5 {
        let o = guichet(
            &db,
            &[
                "call",
                "member_create",
                &format!(r#"{{"matricule": "{}", "last_name": "Alaoui", "first_name": "A{i}"}}"#, 40_000 + i),
            ],
            None,
            None,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
    let file = dir.path().join("nuit.bak");
    let o = guichet(&db, &["backup", file.to_str().unwrap()], None, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let target = format!("sqlite://{}", dir.path().join("restauree.sqlite3").display());
    let o = guichet(&target, &["restore", file.to_str().unwrap()], None, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let r = json_out(&o);
    assert_eq!(
        (r["members"].as_i64(), r["audit_rows"].as_i64(), r["journal_intact"].as_bool()),
        (Some(5), Some(5), Some(true))
    );
    let o = guichet(&target, &["restore", file.to_str().unwrap()], None, None);
    assert_eq!(o.status.code(), Some(1));
    assert!(json_out(&o)["message"].as_str().unwrap().contains("n'écrase jamais une base"));
}

/// Malformed JSON to every operation of the command line: a French message
/// naming the request, exit code 1, never a panic; nothing written.
async fn malformed_json_to_every_command(kind: Kind) {
    let Some((db, _dir)) = url(kind).await else { return };
    let ops = guichet(&db, &["operations"], None, None);
    let names: Vec<String> = String::from_utf8_lossy(&ops.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(names.len() > 90, "{}", names.len());
    let bad = ["{pas du json", "[1, 2]", "\"texte\"", "{\"a\": }"];
    for (i, op) in names.iter().enumerate() {
        let request = bad[i % bad.len()];
        let o = guichet(&db, &["call", op, request], None, None);
        assert_eq!(o.status.code(), Some(1), "{op} {request}: {}", String::from_utf8_lossy(&o.stderr));
        let e = json_out(&o);
        let m = e["message"].as_str().unwrap();
        if e["code"] == "forbidden" {
            // An operation the caller may not use says so before reading the request.
            assert!(m.starts_with("Accès refusé : votre rôle"), "{op}: {m}");
        } else {
            assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("validation"), Some("request")), "{op}: {e}");
            assert!(m.starts_with("JSON mal formé") || m == "La requête doit être un objet JSON ({…}).", "{op}: {m}");
        }
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"), "{op}");
    }
    // Nothing was written: the journal holds only the refusals.
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new().connect(&db).await.unwrap();
    let other: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action <> 'forbidden'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(other, 0);
}

/// A full scenario run with the most verbose logs: no password and no medical
/// detail in any log file nor on stderr.
#[tokio::test]
async fn passwords_and_medical_details_never_reach_a_log() {
    let Some((db, dir)) = url(Kind::Sqlite).await else { return };
    let dir = dir.unwrap();
    let logs = dir.path().join("logs");
    let secrets = [
        "Secret-Du-Gestionnaire-42",
        "Secret-Du-Medecin-77",
        "Mauvais-Secret-99",
        "Maladie-Secrete-XYZ",
        "Note-Medicale-ABC",
        "Pathologie-Confidentielle",
    ];
    let mut stderr = String::new();
    let mut run = |args: &[&str], stdin: Option<&str>, password: Option<&str>| -> Value {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_guichet"));
        cmd.arg("--database")
            .arg(&db)
            .args(args)
            .env("GUICHET_LOG_DIR", &logs)
            .env("GUICHET_LOG", "trace")
            .env_remove("GUICHET_PASSWORD");
        if let Some(p) = password {
            cmd.env("GUICHET_PASSWORD", p);
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        drop(child.stdin.take());
        let o = child.wait_with_output().unwrap();
        stderr.push_str(&String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
    };
    run(
        &["staff", "add", "--username", "gest", "--name", "Gest", "--role", "claims"],
        Some("Secret-Du-Gestionnaire-42\n"),
        None,
    );
    run(
        &["staff", "add", "--username", "medecin", "--name", "Medecin", "--role", "medical"],
        Some("Secret-Du-Medecin-77\n"),
        None,
    );
    let m = run(
        &["call", "member_create", r#"{"matricule": "13059", "last_name": "Bennani", "first_name": "Karim"}"#],
        None,
        None,
    );
    let page = run(&["call", "member_get", &format!(r#"{{"id": {}}}"#, m["id"])], None, None);
    let me = page["beneficiaries"][0]["id"].as_i64().unwrap();
    let piece = dir.path().join("cnie.pdf");
    std::fs::write(&piece, b"%PDF-1.4\n%%EOF\n").unwrap();
    let req = serde_json::json!({"kind": "prior_approval", "beneficiary_id": me, "acts": [{"act_code": "KINE",
        "label": "", "sessions": 10}], "prescriber": "Dr Alami", "sent_by": "member",
        "expected_from": "2026-01-01", "expected_to": "2026-03-31", "quotation": "1000",
            "medical_info": "Maladie-Secrete-XYZ", "files": [{"file": piece, "piece": "cnie"}, {"file": piece,
                "piece": "badge"}]});
    let r = run(
        &["--user", "gest", "call", "approval_register", &req.to_string()],
        None,
        Some("Secret-Du-Gestionnaire-42"),
    );
    assert!(r["id"].is_i64(), "{r}");
    let decision = serde_json::json!({"id": r["id"], "version": r["version"], "decision": {"type": "refuse",
        "reason": "Non justifié", "medical_note": "Note-Medicale-ABC"}});
    let d = run(
        &["--user", "medecin", "call", "approval_decide", &decision.to_string()],
        None,
        Some("Secret-Du-Medecin-77"),
    );
    assert_eq!(d["status"], "refuse", "{d}");
    run(
        &[
            "--user",
            "medecin",
            "call",
            "chronic_declare",
            &serde_json::json!({"beneficiary_id": me,
        "condition": "Pathologie-Confidentielle", "families": ["reeducation"],
            "start_date": "2026-01-01"})
            .to_string(),
        ],
        None,
        Some("Secret-Du-Medecin-77"),
    );
    run(
        &["--user", "medecin", "call", "approval_get", &format!(r#"{{"id": {}}}"#, r["id"])],
        None,
        Some("Secret-Du-Medecin-77"),
    );
    run(&["--user", "gest", "call", "session_current", "{}"], None, Some("Mauvais-Secret-99"));
    run(
        &["--user", "medecin", "call", "chronic_list", &format!(r#"{{"id": {me}}}"#)],
        None,
        Some("Secret-Du-Medecin-77"),
    );
    let mut logged = stderr;
    for e in std::fs::read_dir(&logs).unwrap().flatten() {
        logged.push_str(&std::fs::read_to_string(e.path()).unwrap());
    }
    assert!(logged.len() > 1000, "the scenario logged something: {} bytes", logged.len());
    for s in secrets {
        assert!(!logged.contains(s), "« {s} » found in the logs");
    }
    // Issue 19, item 8: each call is one span (operation, caller id) closed
    // by its duration and outcome, so a slow or failing call is found in the
    // daily log; the request's body is not there ("Bennani" was typed in one).
    let mut daily = String::new();
    for e in std::fs::read_dir(&logs).unwrap().flatten() {
        daily.push_str(&std::fs::read_to_string(e.path()).unwrap());
    }
    let closing: Vec<&str> = daily.lines().filter(|l| l.contains("opération ms=")).collect();
    let has = |name: &str, caller: &str, outcome: &str| {
        closing.iter().any(|l| {
            l.contains(&format!("operation{{name=\"{name}\" caller={caller}"))
                && l.contains(&format!("outcome=\"{outcome}\""))
        })
    };
    assert!(has("member_create", "système:", "ok"), "{daily}");
    assert!(has("approval_decide", "staff:", "ok"), "{daily}");
    assert!(has("session_login", "système:", "unauthenticated"), "the wrong password's call: {daily}");
    assert!(!daily.contains("\x1b["), "colour codes in the log file");
    assert!(!daily.contains("Bennani"), "a request's body in the log: {daily}");
}

async fn the_cli_through_a_server(kind: Kind) {
    let Some((db, _dir)) = url(kind).await else { return };
    let o = guichet(
        &db,
        &["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"],
        Some(&format!("{PASSWORD}\n")),
        None,
    );
    assert!(o.status.success());
    let tls = tempfile::tempdir().unwrap();
    let s = serve(&db, tls.path(), free_port());
    let o = remote(&s, &["--user", "admin", "call", "session_current", "{}"], Some(PASSWORD));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json_out(&o)["staff"]["username"], "admin");
    // An import from this machine's file, a report as against the database.
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("ram.csv");
    std::fs::write(&file, "Matricule;Nom;Prénom;Société\n13059;Benhnini;Fouad;RAM\n13060;Alami;Sara;RAM\n").unwrap();
    let o = remote(&s, &["--user", "admin", "import-members", file.to_str().unwrap(), "--json"], Some(PASSWORD));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json_out(&o)["created"], 2);
    // Commands of the database's machine, and the system account, are not for a server.
    let o = remote(&s, &["migrate"], None);
    assert_eq!(o.status.code(), Some(2));
    let o = remote(&s, &["call", "session_current", "{}"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("indiquez --user"));
    // A wrong password: exit 1 with the core's JSON error.
    let o = remote(&s, &["--user", "admin", "call", "session_current", "{}"], Some("mauvais-mot-de-passe"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_out(&o)["code"], "unauthenticated");
}

/// The server killed (SIGKILL) in the middle of an import: nothing half
/// written, the CLI says in French that the server cannot be reached; once
/// the server is back, the same import lands whole.
#[tokio::test]
async fn a_server_killed_during_an_import_leaves_nothing_half_written() {
    let Some((db, _dir)) = url(Kind::Postgres).await.or(url(Kind::Sqlite).await) else { return };
    let o = guichet(
        &db,
        &["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"],
        Some(&format!("{PASSWORD}\n")),
        None,
    );
    assert!(o.status.success());
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("grand.csv");
    let mut csv = String::from("Matricule;Nom;Prénom;Société\n");
    for i in 0..100_000 {
        csv.push_str(&format!("{};Nom{i};Prénom{i};RAM\n", 100_000 + i));
    }
    std::fs::write(&file, csv).unwrap();
    let tls = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut s = serve(&db, tls.path(), port);
    let mut import = Command::new(env!("CARGO_BIN_EXE_guichet"));
    import
        .args([
            "--server",
            &s.url,
            "--server-fingerprint",
            &s.fingerprint,
            "--user",
            "admin",
            "import-members",
            file.to_str().unwrap(),
            "--json",
        ])
        .env("GUICHET_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let child = import.spawn().unwrap();
    // Kill the server once the import is writing (its members appear only at the commit).
    // (A 100,000-row import takes seconds even on SQLite; the upload and the check come first.)
    std::thread::sleep(std::time::Duration::from_millis(1200));
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let out = child.wait_with_output().unwrap();
    let v = json_out(&out);
    assert_eq!(v["code"], "unavailable", "{v}");
    assert!(v["message"].as_str().unwrap().starts_with("Le serveur Guichet (https://127.0.0.1:"), "{v}");
    let members = guichet(&db, &["call", "member_search", "{\"query\": \"100001\"}"], None, None);
    let found = json_out(&members);
    assert_eq!(found["members"].as_array().map(|a| a.len()), Some(0), "nothing half written: {found}");
    // Back, the same import lands whole.
    let s = serve(&db, tls.path(), port);
    let o = remote(&s, &["--user", "admin", "import-members", file.to_str().unwrap(), "--json"], Some(PASSWORD));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json_out(&o)["created"], 100_000);
}

/// On PostgreSQL the site runs `guichet serve` with the application role the
/// owner made (`guichet db grant-app-role`); with the owner's role it refuses.
#[tokio::test]
async fn the_server_runs_with_the_application_role_and_refuses_the_owner() {
    let Some((db, _dir)) = url(Kind::Postgres).await else { return };
    let o = guichet(
        &db,
        &["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"],
        Some(&format!("{PASSWORD}\n")),
        None,
    );
    assert!(o.status.success());
    let role = format!("app_{}", db.rsplit('/').next().unwrap().trim_start_matches("guichet_t_"));
    let o = guichet(&db, &["db", "grant-app-role", &role], Some("Role-Applicatif-2026\n"), None);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let tls = tempfile::tempdir().unwrap();
    // The owner's role: refused, exit 3, the way out said.
    let owner = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args(["--database", &db, "serve", "--listen", "127.0.0.1:0", "--self-signed", tls.path().to_str().unwrap()])
        .env_remove("GUICHET_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(owner.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&owner.stderr).contains("rôle propriétaire du schéma"),
        "{}",
        String::from_utf8_lossy(&owner.stderr)
    );
    // The application role: serves, and the CLI works through it.
    let mut app = url::Url::parse(&db).unwrap();
    app.set_username(&role).unwrap();
    app.set_password(Some("Role-Applicatif-2026")).unwrap();
    let s = serve_as(app.as_str(), tls.path(), free_port(), &[]);
    let o = remote(
        &s,
        &[
            "--user",
            "admin",
            "call",
            "member_create",
            r#"{"matricule": "13059", "last_name": "Benhnini", "first_name": "Fouad", "status": "actif"}"#,
        ],
        Some(PASSWORD),
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    drop(s);
}

/// The packaged service runs `guichet serve --config /etc/guichet/server.toml`:
/// the file names the database, the address and the certificate; a flag on
/// the command line wins over it; a mistyped key or half a TLS pair is
/// refused before anything is opened, with the file and the key named.
#[tokio::test]
async fn the_server_reads_its_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("server.toml");
    let serve_config = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_guichet"))
            .args(["serve", "--config", config.to_str().unwrap()])
            .args(extra)
            .env_remove("GUICHET_DATABASE_URL")
            .output()
            .unwrap()
    };
    std::fs::write(&config, "database = \"sqlite:///nulle/part.sqlite3\"\ndatbase = \"x\"\n").unwrap();
    let o = serve_config(&[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Fichier de configuration") && err.contains("server.toml") && err.contains("datbase"),
        "{err}"
    );
    std::fs::write(&config, "database = \"sqlite:///nulle/part.sqlite3\"\ntls_cert = \"/etc/guichet/cert.pem\"\n")
        .unwrap();
    let o = serve_config(&[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("tls_cert") && err.contains("tls_key"), "{err}");

    let Some((db, _db_dir)) = url(Kind::Postgres).await else { return };
    let o = guichet(
        &db,
        &["staff", "add", "--username", "admin", "--name", "Admin", "--role", "admin"],
        Some(&format!("{PASSWORD}\n")),
        None,
    );
    assert!(o.status.success());
    let tls = dir.path().join("tls");
    let (file_port, flag_port) = (free_port(), free_port());
    std::fs::write(
        &config,
        format!("database = \"{db}\"\nlisten = \"127.0.0.1:{file_port}\"\nself_signed = \"{}\"\n", tls.display()),
    )
    .unwrap();
    // The flag's address wins over the file's; the database and certificate come from the file.
    let mut child = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args([
            "serve",
            "--config",
            config.to_str().unwrap(),
            "--allow-owner",
            "--listen",
            &format!("127.0.0.1:{flag_port}"),
        ])
        .env_remove("GUICHET_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert_eq!(first, format!("Guichet écoute sur https://127.0.0.1:{flag_port}"));
    assert!(tls.join("cert.pem").exists(), "the self-signed certificate of the file's folder");
    let s = served::Served {
        child,
        url: format!("https://127.0.0.1:{flag_port}"),
        fingerprint: second.rsplit(" : ").next().unwrap().to_string(),
    };
    let o = remote(&s, &["--user", "admin", "call", "session_current", "{}"], Some(PASSWORD));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json_out(&o)["staff"]["username"], "admin");
}
