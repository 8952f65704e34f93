//! The desktop's Tauri commands without a window: the mock runtime, a real
//! SQLite file. The window's `invoke("call", …)` reaches the command layer and
//! errors come back as `{code, message, field}`.

use guichet_core::storage::Db;
use guichet_desktop::DesktopState;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

fn window(db: Db) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = guichet_desktop::app(mock_builder(), DesktopState::with_db(db))
        .build(mock_context(noop_assets()))
        .expect("app");
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
    (app, w)
}

fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // The app's own origin on Linux: custom commands are only reachable from it.
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

fn call(w: &WebviewWindow<MockRuntime>, op: &str, req: Value) -> Result<Value, Value> {
    invoke(w, "call", json!({ "operation": op, "request": req }))
}

fn open_db() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("desk.sqlite3").display());
    let db = tauri::async_runtime::block_on(Db::open(&url)).unwrap();
    (db, dir)
}

#[test]
fn first_start_login_logout_through_the_window_commands() {
    let (db, _dir) = open_db();
    let (_app, w) = window(db);

    let s = call(&w, "setup_status", json!({})).unwrap();
    assert_eq!(s["needs_admin"], true);
    assert_eq!(s["backend"], "sqlite");

    let e = call(&w, "setup_create_admin", json!({"username": "admin", "full_name": "Admin", "password": "court"}))
        .unwrap_err();
    assert_eq!(
        e,
        json!({"code": "validation", "field": "password", "message": "Mot de passe trop court : au moins 10 \
            caractères (il en a 5)."})
    );

    let info = call(
        &w,
        "setup_create_admin",
        json!({"username": "admin", "full_name": "Admin Principal", "password": "Admin-Guichet-1"}),
    )
    .unwrap();
    assert_eq!(info["staff"]["full_name"], "Admin Principal");
    // The window's session is held by the shell: the next call knows who it is.
    let me = call(&w, "session_current", json!({})).unwrap();
    assert_eq!(me["staff"]["username"], "admin");

    call(
        &w,
        "staff_create",
        json!({"username": "agent", "full_name": "Agent", "roles": ["reception"], "password": "Agent-Guichet-1"}),
    )
    .unwrap();
    call(&w, "session_logout", json!({})).unwrap();
    let e = call(&w, "session_current", json!({})).unwrap_err();
    assert_eq!(e["code"], "unauthenticated");

    let e = call(&w, "session_login", json!({"username": "agent", "password": "mauvais-mdp"})).unwrap_err();
    assert_eq!(e["message"], "Identifiant ou mot de passe incorrect.");
    let info = call(&w, "session_login", json!({"username": "agent", "password": "Agent-Guichet-1"})).unwrap();
    assert_eq!(info["sections"], json!(["adherents", "reception", "dossiers", "accords"]));
    let e = call(&w, "staff_list", json!({})).unwrap_err();
    assert_eq!(e["code"], "forbidden");
}

#[test]
fn unknown_operations_and_bad_requests_are_errors_not_panics() {
    let (db, _dir) = open_db();
    let (_app, w) = window(db);
    let e = call(&w, "drop_everything", json!({})).unwrap_err();
    assert_eq!(e["code"], "not_found");
    let e = call(&w, "session_login", json!({"username": 42, "password": "x"})).unwrap_err();
    assert_eq!(e["code"], "validation");
    assert_eq!(e["field"], "username");
    let e = call(&w, "session_login", json!("pas un objet")).unwrap_err();
    assert_eq!(e["field"], "request");
}

#[test]
fn database_status_names_the_open_database() {
    let (db, dir) = open_db();
    let (_app, w) = window(db);
    let s = invoke(&w, "database_status", json!({})).unwrap();
    assert!(s["error"].is_null());
    assert!(s["database"].as_str().unwrap().contains(&dir.path().display().to_string()));
    // A desk works alone or through a Guichet server, never on PostgreSQL directly.
    let e = invoke(&w, "server_configure", json!({"url": "ftp://serveur/guichet"})).unwrap_err();
    assert_eq!(e["field"], "url");
    assert_eq!(e["message"], "Adresse du serveur : https://… (http seulement sur la machine même).");
    let e = invoke(&w, "server_probe", json!({"url": "https://127.0.0.1:9"})).unwrap_err();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("unavailable"), Some("url")));
}

/// The page never names a path: a file field of a request holds a handle of
/// a file chosen in a dialog the Rust side opened; a path is refused.
#[test]
fn a_path_written_by_the_page_is_refused() {
    let (db, dir) = open_db();
    let (app, w) = window(db);
    call(&w, "setup_create_admin", json!({"username": "admin", "full_name": "Admin", "password": "Admin-Guichet-1"}))
        .unwrap();
    let target = dir.path().join("retards.xlsx");
    let e = call(&w, "overdue_originals_export", json!({"path": target.to_str().unwrap()})).unwrap_err();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("forbidden"), Some("path")));
    assert!(!target.exists());
    let e = call(&w, "overdue_originals_export", json!({"path": "fichier:99/retards.xlsx"})).unwrap_err();
    assert_eq!(e["code"], "forbidden", "a handle the dialogs never gave");
    use tauri::Manager;
    let handle = app.state::<DesktopState>().remember(target.clone());
    assert!(handle.ends_with("/retards.xlsx"), "{handle}");
    let written = call(&w, "overdue_originals_export", json!({"path": handle})).unwrap();
    assert_eq!(written["path"], target.to_str().unwrap());
    assert!(target.exists());
}
