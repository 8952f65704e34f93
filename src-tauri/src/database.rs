//! Which database the desk opens: `GUICHET_DATABASE_URL` if set, else the URL
//! saved from the window (`settings.json` in the config folder), else a SQLite
//! file in the user's data folder.

use guichet_core::api::{Api, Desk, ProgressSink};
use guichet_core::storage::Db;
use guichet_core::ApiError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::RwLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseChoice {
    /// `GUICHET_DATABASE_URL`.
    Environment,
    /// Saved from the window.
    Settings,
    /// The embedded SQLite file.
    Default,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseStatus {
    pub choice: DatabaseChoice,
    /// Without its password.
    pub database: String,
    /// Set when the database could not be opened.
    pub error: Option<String>,
}

enum Connection {
    Open(Arc<Desk>),
    Failed(String),
}

pub struct DesktopState {
    connection: RwLock<Connection>,
    /// Set by the window's "Arrêter" during a long operation.
    stop: Arc<std::sync::atomic::AtomicBool>,
    choice: RwLock<(DatabaseChoice, String)>,
    settings_file: Option<PathBuf>,
}

#[derive(Default, Serialize, Deserialize)]
struct Settings {
    database_url: Option<String>,
}

impl DesktopState {
    /// Decides the URL and opens it; a failure is kept and shown by the window.
    pub async fn start(data_dir: &Path, config_dir: &Path) -> DesktopState {
        let settings_file = config_dir.join("settings.json");
        let saved: Settings = std::fs::read_to_string(&settings_file)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let (choice, url) = match (std::env::var("GUICHET_DATABASE_URL").ok().filter(|u| !u.trim().is_empty()), saved.database_url) {
            (Some(u), _) => (DatabaseChoice::Environment, u),
            (None, Some(u)) => (DatabaseChoice::Settings, u),
            (None, None) => (DatabaseChoice::Default, format!("sqlite://{}", data_dir.join("guichet.sqlite3").display())),
        };
        let connection = match Db::open(&url).await {
            Ok(db) => Connection::Open(Arc::new(Desk::new(Api::new(db)))),
            Err(e) => {
                tracing::error!(error = %e, "base non ouverte");
                Connection::Failed(e.to_string())
            }
        };
        DesktopState { connection: RwLock::new(connection), stop: Default::default(), choice: RwLock::new((choice, url)), settings_file: Some(settings_file) }
    }

    /// A state over an already open database (tests).
    pub fn with_db(db: Db) -> DesktopState {
        let url = db.display().to_string();
        DesktopState {
            connection: RwLock::new(Connection::Open(Arc::new(Desk::new(Api::new(db))))),
            stop: Default::default(),
            choice: RwLock::new((DatabaseChoice::Default, url)),
            settings_file: None,
        }
    }

    pub async fn call(&self, operation: &str, request: serde_json::Value) -> Result<serde_json::Value, ApiError> {
        self.desk().await?.call(operation, request).await
    }

    /// Runs a long operation; `send` forwards each progress value to the
    /// window, and the operation is told to stop once the window asks.
    pub async fn call_streamed(
        &self,
        operation: &str,
        request: serde_json::Value,
        send: impl Fn(serde_json::Value) + Send + Sync + 'static,
    ) -> Result<serde_json::Value, ApiError> {
        use std::sync::atomic::Ordering;
        self.stop.store(false, Ordering::SeqCst);
        let stop = self.stop.clone();
        let sink: ProgressSink = Arc::new(move |p| {
            send(p);
            !stop.load(Ordering::SeqCst)
        });
        self.desk().await?.call_with_progress(operation, request, Some(sink)).await
    }

    /// The embedded database's daily backup into `folder` (the last 14 kept).
    pub async fn daily_backup(&self, folder: &Path) {
        let Ok(desk) = self.desk().await else { return };
        let today = desk.api().now().date_naive();
        match guichet_core::storage::backup::daily(desk.api().db(), folder, today, 14).await {
            Ok(Some(p)) => tracing::info!(path = %p.display(), "sauvegarde quotidienne écrite"),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "sauvegarde quotidienne impossible"),
        }
    }

    /// Asks the running long operation to stop at its next step.
    pub fn stop_streamed(&self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    async fn desk(&self) -> Result<Arc<Desk>, ApiError> {
        match &*self.connection.read().await {
            Connection::Open(desk) => Ok(desk.clone()),
            Connection::Failed(why) => Err(ApiError::new(guichet_core::ErrorCode::Internal, why.clone())),
        }
    }

    pub async fn status(&self) -> DatabaseStatus {
        let (choice, url) = self.choice.read().await.clone();
        let (database, error) = match &*self.connection.read().await {
            Connection::Open(desk) => (desk.api().db().display().to_string(), None),
            Connection::Failed(why) => (guichet_core::storage::DatabaseUrl::parse(&url).map(|u| u.display).unwrap_or_default(), Some(why.clone())),
        };
        DatabaseStatus { choice, database, error }
    }

    /// Opens `url` and, if it works, switches to it and remembers it. The
    /// current connection stays as it was when the new one fails.
    pub async fn configure(&self, url: &str) -> Result<DatabaseStatus, ApiError> {
        let db = Db::open(url).await.map_err(|e| ApiError::validation("url", e.to_string()))?;
        if let Some(file) = &self.settings_file {
            let json = serde_json::to_string_pretty(&Settings { database_url: Some(url.trim().to_string()) }).map_err(ApiError::internal)?;
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir).map_err(ApiError::internal)?;
            }
            std::fs::write(file, json).map_err(|e| ApiError::validation("url", format!("Réglage impossible à enregistrer : {e}")))?;
        }
        *self.connection.write().await = Connection::Open(Arc::new(Desk::new(Api::new(db))));
        *self.choice.write().await = (DatabaseChoice::Settings, url.trim().to_string());
        Ok(self.status().await)
    }
}
