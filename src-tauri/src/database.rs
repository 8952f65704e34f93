//! Where the desk works: alone on its embedded SQLite file (the default), or
//! through the site's Guichet server, holding no database address or
//! password. A server is chosen by its address; at first connection its
//! certificate's fingerprint is shown for an administrator to compare with
//! the one `guichet serve` printed, then pinned. Choosing or changing needs
//! an administrator (or a desk not yet set up) and is journaled. The desk no
//! longer connects to PostgreSQL directly.

use guichet_client::{Client, Probe, Trust};
use guichet_core::api::files;
use guichet_core::api::{Api, Desk, ProgressSink};
use guichet_core::storage::{Backend, DatabaseUrl, Db};
use guichet_core::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::RwLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseChoice {
    /// `GUICHET_DATABASE_URL` (a SQLite file) or `GUICHET_SERVER`.
    Environment,
    /// A Guichet server saved from the window.
    Server,
    /// The embedded SQLite file.
    Default,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseStatus {
    pub choice: DatabaseChoice,
    /// The SQLite file, or `serveur https://…`.
    pub database: String,
    /// Set when the database could not be opened.
    pub error: Option<String>,
    /// The pinned fingerprint of the server's certificate.
    pub fingerprint: Option<String>,
    /// For « À propos »: this desk's version, its data folder (the embedded
    /// database, its backups, its settings) and its log folder.
    pub version: &'static str,
    pub data_dir: String,
    pub log_dir: Option<String>,
}

enum Connection {
    Local(Arc<Desk>),
    Remote(Arc<Client>),
    Failed(String),
}

pub struct DesktopState {
    connection: RwLock<Connection>,
    /// Set by the window's "Arrêter" during a long operation.
    stop: Arc<std::sync::atomic::AtomicBool>,
    choice: RwLock<(DatabaseChoice, String, Option<String>)>,
    settings_file: Option<PathBuf>,
    data_dir: PathBuf,
    log_dir: Option<PathBuf>,
    desk_name: String,
    /// The files the person chose in the Rust side's dialogs, by handle: the
    /// page names a file by its handle only, never by its path.
    handles: std::sync::Mutex<std::collections::HashMap<String, PathBuf>>,
    next_handle: std::sync::atomic::AtomicU64,
    /// The SQLite file the last restore on this desk wrote, which it may then open.
    last_restored: std::sync::Mutex<Option<String>>,
}

#[derive(Default, Serialize, Deserialize)]
struct Settings {
    /// Kept from earlier versions: a shared PostgreSQL is no longer opened by a desk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    server_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    server_fingerprint: Option<String>,
}

const NO_DIRECT_POSTGRES: &str = "Un poste ne se connecte plus directement à PostgreSQL : passez par le serveur \
    Guichet du site (guichet serve), ou travaillez sur ce poste seul.";

fn desk_name() -> String {
    guichet_core::host::name().unwrap_or_else(|| "poste".into())
}

async fn open_local(url: &str) -> Connection {
    match DatabaseUrl::parse(url) {
        Ok(u) if u.backend == Backend::Postgres => return Connection::Failed(NO_DIRECT_POSTGRES.into()),
        Err(e) => return Connection::Failed(e.to_string()),
        _ => {}
    }
    match Db::open(url).await {
        Ok(db) => Connection::Local(Arc::new(Desk::new(Api::new(db)))),
        Err(e) => {
            tracing::error!(error = %e, "base non ouverte");
            Connection::Failed(e.to_string())
        }
    }
}

fn remote(url: &str, fingerprint: Option<String>, desk: &str) -> Connection {
    let trust = fingerprint.map(Trust::Pinned).unwrap_or(Trust::System);
    match Client::new(url, desk, trust) {
        Ok(c) => Connection::Remote(Arc::new(c)),
        Err(e) => Connection::Failed(e.message),
    }
}

impl DesktopState {
    /// Decides where the desk works and opens it; a failure is kept and shown by the window.
    pub async fn start(data_dir: &Path, config_dir: &Path, log_dir: Option<&Path>) -> DesktopState {
        let settings_file = config_dir.join("settings.json");
        let saved: Settings = std::fs::read_to_string(&settings_file)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let env = |k: &str| std::env::var(k).ok().filter(|u| !u.trim().is_empty());
        let desk = desk_name();
        let local = format!("sqlite://{}", data_dir.join("guichet.sqlite3").display());
        let (choice, target, fp, connection) = if let Some(server) = env("GUICHET_SERVER") {
            let fp = env("GUICHET_SERVER_FINGERPRINT");
            (DatabaseChoice::Environment, server.clone(), fp.clone(), remote(&server, fp, &desk))
        } else if let Some(server) = saved.server_url.clone() {
            (
                DatabaseChoice::Server,
                server.clone(),
                saved.server_fingerprint.clone(),
                remote(&server, saved.server_fingerprint.clone(), &desk),
            )
        } else if let Some(url) = env("GUICHET_DATABASE_URL") {
            (DatabaseChoice::Environment, url.clone(), None, open_local(&url).await)
        } else if let Some(url) = saved.database_url.clone() {
            // A restored SQLite file; an earlier version's shared PostgreSQL is refused, with the way out.
            (DatabaseChoice::Default, url.clone(), None, open_local(&url).await)
        } else {
            (DatabaseChoice::Default, local.clone(), None, open_local(&local).await)
        };
        DesktopState {
            connection: RwLock::new(connection),
            stop: Default::default(),
            choice: RwLock::new((choice, target, fp)),
            settings_file: Some(settings_file),
            data_dir: data_dir.to_path_buf(),
            log_dir: log_dir.map(Path::to_path_buf),
            desk_name: desk,
            handles: Default::default(),
            next_handle: Default::default(),
            last_restored: Default::default(),
        }
    }

    /// A state over an already open database (tests).
    pub fn with_db(db: Db) -> DesktopState {
        let url = db.display().to_string();
        DesktopState {
            connection: RwLock::new(Connection::Local(Arc::new(Desk::new(Api::new(db))))),
            stop: Default::default(),
            choice: RwLock::new((DatabaseChoice::Default, url, None)),
            settings_file: None,
            data_dir: std::env::temp_dir(),
            log_dir: None,
            desk_name: "test".into(),
            handles: Default::default(),
            next_handle: Default::default(),
            last_restored: Default::default(),
        }
    }

    pub async fn call(&self, operation: &str, request: Value) -> Result<Value, ApiError> {
        let request = self.resolve(operation, request)?;
        let answer = match self.connection().await? {
            Either::Local(d) => d.call(operation, request).await,
            Either::Remote(c) => c.call(operation, request).await,
        };
        if let (Ok(v), "backup_restore") = (&answer, operation) {
            *self.last_restored.lock().unwrap_or_else(|p| p.into_inner()) =
                v.get("url").and_then(Value::as_str).map(str::to_string);
        }
        answer
    }

    /// A file the person chose in a dialog the Rust side opened: its handle
    /// (`fichier:7/decompte.pdf`, the name after the slash for display).
    pub fn remember(&self, path: PathBuf) -> String {
        let n = self.next_handle.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let name = path.file_name().map(|s| s.to_string_lossy().replace('/', "_")).unwrap_or_default();
        let handle = format!("fichier:{n}/{name}");
        self.handles.lock().unwrap_or_else(|p| p.into_inner()).insert(handle.clone(), path);
        handle
    }

    /// Turns the handles of a request's file fields back into paths; a path
    /// or anything the dialogs did not give is refused, so a page that is
    /// compromised cannot make the desk read or write a file of its choosing.
    fn resolve(&self, op: &str, mut request: Value) -> Result<Value, ApiError> {
        let handles = self.handles.lock().unwrap_or_else(|p| p.into_inner());
        for f in files::fields_of(op) {
            files::each(&mut request, f.pointer, &mut |v| {
                let path = v.as_str().and_then(|h| handles.get(h)).ok_or_else(|| {
                    let mut e = ApiError::forbidden(
                        "Fichier refusé : choisissez-le dans la boîte de dialogue de \
                        Guichet (un chemin écrit dans la page n'est pas accepté).",
                    );
                    e.field = Some(f.pointer.trim_start_matches('/').split('/').next().unwrap_or("path").to_string());
                    e
                })?;
                *v = Value::String(path.to_string_lossy().into_owned());
                Ok(())
            })?;
        }
        Ok(request)
    }

    /// Runs a long operation; `send` forwards each progress value to the
    /// window, and the operation is told to stop once the window asks.
    pub async fn call_streamed(
        &self,
        operation: &str,
        request: Value,
        send: impl Fn(Value) + Send + Sync + 'static,
    ) -> Result<Value, ApiError> {
        use std::sync::atomic::Ordering;
        self.stop.store(false, Ordering::SeqCst);
        let stop = self.stop.clone();
        let sink: ProgressSink = Arc::new(move |p| {
            send(p);
            !stop.load(Ordering::SeqCst)
        });
        let request = self.resolve(operation, request)?;
        match self.connection().await? {
            Either::Local(d) => d.call_with_progress(operation, request, Some(sink)).await,
            Either::Remote(c) => c.call_with_progress(operation, request, Some(sink)).await,
        }
    }

    /// The embedded database's daily backup into `folder` (the last 14 kept);
    /// a desk working through a server has none (the server's machine backs up).
    pub async fn daily_backup(&self, folder: &Path) {
        let Ok(Either::Local(desk)) = self.connection().await else { return };
        match guichet_core::backups::daily(desk.api().db(), folder, desk.api().now(), 14).await {
            Ok(Some(p)) => tracing::info!(path = %p.display(), "sauvegarde quotidienne écrite"),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "sauvegarde quotidienne impossible"),
        }
    }

    /// Asks the running long operation to stop at its next step.
    pub fn stop_streamed(&self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    async fn connection(&self) -> Result<Either, ApiError> {
        match &*self.connection.read().await {
            Connection::Local(d) => Ok(Either::Local(d.clone())),
            Connection::Remote(c) => Ok(Either::Remote(c.clone())),
            Connection::Failed(why) => Err(ApiError::new(ErrorCode::Unavailable, why.clone())),
        }
    }

    pub async fn status(&self) -> DatabaseStatus {
        let (choice, target, fingerprint) = self.choice.read().await.clone();
        let (database, error) = match &*self.connection.read().await {
            Connection::Local(desk) => (desk.api().db().display().to_string(), None),
            Connection::Remote(_) => (format!("serveur {target}"), None),
            Connection::Failed(why) => {
                (DatabaseUrl::parse(&target).map(|u| u.display).unwrap_or(target.clone()), Some(why.clone()))
            }
        };
        DatabaseStatus {
            choice,
            database,
            error,
            fingerprint,
            version: guichet_core::VERSION,
            data_dir: self.data_dir.display().to_string(),
            log_dir: self.log_dir.as_ref().map(|d| d.display().to_string()),
        }
    }

    /// Reaches a server for the first time: its certificate's fingerprint to compare.
    pub async fn server_probe(&self, url: &str) -> Result<Probe, ApiError> {
        guichet_client::probe(url).await.map_err(|mut e| {
            e.field = Some("url".into());
            e
        })
    }

    /// Who may move this desk: an administrator logged in on it, or anyone on
    /// a desk not yet set up (its own database has no account) or whose
    /// connection failed. The change is journaled where the desk worked.
    async fn may_change(&self, to: &str) -> Result<(), ApiError> {
        let from = self.status().await.database;
        let current = match self.connection().await {
            Ok(c) => c,
            Err(_) => return Ok(()),
        };
        if let Either::Local(d) = &current {
            let setup = d.call("setup_status", json!({})).await?;
            if setup["needs_admin"].as_bool() == Some(true) {
                return Ok(());
            }
        }
        let req = json!({ "from": from, "to": to, "desk": self.desk_name });
        let answer = match &current {
            Either::Local(d) => d.call("desk_connection_changed", req).await,
            Either::Remote(c) => c.call("desk_connection_changed", req).await,
        };
        answer.map(|_| ()).map_err(|e| match e.code {
            ErrorCode::Unauthenticated | ErrorCode::Forbidden => ApiError::forbidden(
                "Changer la base ou le serveur de ce poste demande un administrateur connecté sur ce poste.",
            ),
            _ => e,
        })
    }

    /// Works through the server at `url` from now on, trusting its
    /// certificate by `fingerprint` (or the system's authorities), after
    /// checking that it answers; remembered for next start.
    pub async fn server_configure(&self, url: &str, fingerprint: Option<String>) -> Result<DatabaseStatus, ApiError> {
        let fingerprint = fingerprint.map(|f| f.trim().to_uppercase()).filter(|f| !f.is_empty());
        let trust = fingerprint.clone().map(Trust::Pinned).unwrap_or(Trust::System);
        let client = Client::new(url, &self.desk_name, trust).map_err(|mut e| {
            e.field = Some("url".into());
            e
        })?;
        client.version().await.map_err(|mut e| {
            e.field = Some("url".into());
            e
        })?;
        let url = url.trim().trim_end_matches('/').to_string();
        self.may_change(&format!("serveur {url}")).await?;
        self.save(&Settings {
            database_url: None,
            server_url: Some(url.clone()),
            server_fingerprint: fingerprint.clone(),
        })?;
        *self.connection.write().await = Connection::Remote(Arc::new(client));
        *self.choice.write().await = (DatabaseChoice::Server, url, fingerprint);
        Ok(self.status().await)
    }

    /// Back to working alone on this desk's embedded database, or on the
    /// SQLite file its last restore wrote (`restored`), remembered for next start.
    pub async fn local_configure(&self, restored: bool) -> Result<DatabaseStatus, ApiError> {
        let default = format!("sqlite://{}", self.data_dir.join("guichet.sqlite3").display());
        let target = if restored {
            self.last_restored
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .ok_or_else(|| ApiError::validation("url", "Aucune sauvegarde restaurée sur ce poste à ouvrir."))?
        } else {
            default.clone()
        };
        match DatabaseUrl::parse(&target) {
            Ok(u) if u.backend == Backend::Sqlite => {}
            Ok(_) => return Err(ApiError::validation("url", NO_DIRECT_POSTGRES)),
            Err(e) => return Err(ApiError::validation("url", e.to_string())),
        }
        self.may_change(&format!("ce poste seul ({target})")).await?;
        let opened = open_local(&target).await;
        if let Connection::Failed(why) = &opened {
            return Err(ApiError::validation("url", why.clone()));
        }
        let saved = if target == default {
            Settings::default()
        } else {
            Settings { database_url: Some(target.clone()), ..Settings::default() }
        };
        self.save(&saved)?;
        *self.connection.write().await = opened;
        *self.choice.write().await = (DatabaseChoice::Default, target, None);
        Ok(self.status().await)
    }

    fn save(&self, s: &Settings) -> Result<(), ApiError> {
        let Some(file) = &self.settings_file else { return Ok(()) };
        let json = serde_json::to_string_pretty(s).map_err(ApiError::internal)?;
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(ApiError::internal)?;
        }
        std::fs::write(file, json)
            .map_err(|e| ApiError::validation("url", format!("Réglage impossible à enregistrer : {e}")))
    }
}

/// The connection of one call, cloned out of the lock.
enum Either {
    Local(Arc<Desk>),
    Remote(Arc<Client>),
}
