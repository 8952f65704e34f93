//! Opening the database. One SQL dialect serves both backends through sqlx's
//! `Any` driver: placeholders are `$1…` (SQLite reads them too), times and dates
//! are fixed-width ISO-8601 text (so text order is time order), integers are
//! 64-bit, money is integer centimes. Each backend has its own migrations in
//! `migrations/<backend>/`, run every time a database is opened.

pub mod backup;
pub mod batch;
pub mod batch_runs;
mod dump_check;
pub mod effective;
pub mod files;
pub mod numbered;
pub mod plans;
pub mod roles;
pub mod time;
mod url;
pub mod versioned;

use crate::error::ApiError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

pub use self::url::{Backend, DatabaseUrl};

/// Why a database could not be opened; every message is French and names what
/// to check.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("Adresse de base de données invalide : {0}")]
    BadUrl(String),
    #[error("Impossible d'ouvrir la base SQLite « {path} » : {detail}")]
    Sqlite { path: String, detail: String },
    #[error("Impossible de joindre la base PostgreSQL {target} : {detail}")]
    Postgres { target: String, detail: String },
    #[error("La mise à jour du schéma de la base a échoué : {0}")]
    Migration(String),
}

/// A pool on one database plus which backend it is.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The URL without its password, for messages and logs.
    display: String,
    /// The URL as given (with its password): the backup tools connect with it.
    url: String,
    /// When the dossier counts of this database were last compacted (Unix
    /// seconds), shared by the clones: see `dossiers::counts::upkeep`.
    pub(crate) counts_compacted: Arc<AtomicI64>,
    /// The portal's refusals waiting for their batch in the journal.
    pub(crate) deferred: Arc<crate::audit::deferred::Deferred>,
    /// The years this process has seen open (`crate::years::ensure_open`).
    pub(crate) open_years: Arc<std::sync::Mutex<std::collections::BTreeSet<i32>>>,
    /// The file of the key of the members' codes, when given ([`Db::code_key`]).
    code_key_file: Option<std::path::PathBuf>,
    code_key: Arc<std::sync::OnceLock<crate::kernel::secret::CodeKey>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
pub(crate) static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl Db {
    /// Opens (creating a SQLite file if missing) and migrates.
    pub async fn open(url: &str) -> Result<Db, OpenError> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        tracing::info!(database = %db.display, "base ouverte");
        Ok(db)
    }

    /// Opens without changing the schema, which must already be the one this
    /// version migrates to: the server runs with a role that cannot change it
    /// (`guichet migrate` runs with the owner's).
    pub async fn open_current(url: &str) -> Result<Db, OpenError> {
        let db = Self::connect(url).await?;
        let latest = db.latest_schema();
        let applied = db.schema_version().await;
        if applied != Some(latest) {
            return Err(OpenError::Migration(format!(
                "le schéma de la base est à la version {}, cette version de Guichet attend la {latest} : lancez \
                    `guichet migrate` avec le rôle propriétaire de la base",
                applied.map(|v| v.to_string()).unwrap_or_else(|| "0 (vide)".into())
            )));
        }
        tracing::info!(database = %db.display, "base ouverte sans migration");
        Ok(db)
    }

    /// The schema version this build of Guichet migrates to (the last migration's number).
    pub fn latest_schema(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Whether the database answers (the server's `/healthz`).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.pool).await.map(|_| ())
    }

    /// The last migration applied to this database (none: an empty database).
    pub async fn schema_version(&self) -> Option<i64> {
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .unwrap_or(None)
    }

    /// A pool on the database of `url` (a SQLite file is created if missing), schema untouched.
    async fn connect(url: &str) -> Result<Db, OpenError> {
        sqlx::any::install_default_drivers();
        let parsed = DatabaseUrl::parse(url)?;
        match parsed.backend {
            Backend::Sqlite => Self::open_sqlite(&parsed).await,
            Backend::Postgres => Self::open_postgres(&parsed).await,
        }
    }

    /// The objects (type, name, SQL) the SQLite migrations create, read from a
    /// database migrated in memory: what a restored backup may hold.
    pub(crate) async fn sqlite_reference_schema() -> crate::error::ApiResult<Vec<(String, String, Option<String>)>> {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect("sqlite::memory:").await?;
        SQLITE_MIGRATIONS.run_direct(&mut conn).await.map_err(crate::error::ApiError::internal)?;
        let objects = sqlite_objects(&mut conn).await?;
        let _ = sqlx::Connection::close(conn).await;
        Ok(objects)
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    async fn open_sqlite(parsed: &DatabaseUrl) -> Result<Db, OpenError> {
        sqlite_process_settings();
        let path = parsed.sqlite_path.clone().unwrap_or_default();
        let fail = |detail: String| OpenError::Sqlite { path: path.display().to_string(), detail };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(format!("dossier impossible à créer ({e})")))?;
        }
        let opts = AnyConnectOptions::from_str(&parsed.sqlx_url()).map_err(|e| fail(e.to_string()))?;
        let pool = pool_options()
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    // A new file gets 16 KB pages (SQLite's default is 4 KB):
                    // fewer, fuller pages for the registry's wide rows and an
                    // import's bulk writes (measured: a 100,000-row import 15 %
                    // faster). An existing file keeps its own.
                    conn.execute("PRAGMA page_size = 16384").await?;
                    // WAL lets readers work while a desk writes; the busy timeout
                    // makes a second writer wait instead of failing at once.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    // Triggers and views run no function with side effects:
                    // a schema planted in a file (a restored backup) cannot
                    // call one (issue 17, item 11).
                    conn.execute("PRAGMA trusted_schema = OFF").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute(format!("PRAGMA cache_size = -{CACHE_KIB}").as_str()).await?;
                    // Checkpoints run in the background (below), not inside a
                    // desk's commit, where they made every 60th save slow.
                    conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .map_err(|e| fail(friendly_sqlx(&e)))?;
        spawn_checkpointer(pool.clone());
        Ok(Db::over(pool, Backend::Sqlite, parsed))
    }

    async fn open_postgres(parsed: &DatabaseUrl) -> Result<Db, OpenError> {
        let fail = |detail: String| OpenError::Postgres { target: parsed.display.clone(), detail };
        let opts = AnyConnectOptions::from_str(&parsed.sqlx_url()).map_err(|e| fail(e.to_string()))?;
        // One direct attempt first: the pool would retry until its timeout and
        // hide the reason (refused, unknown host, wrong password).
        let probe = tokio::time::timeout(
            Duration::from_secs(10),
            <sqlx::AnyConnection as sqlx::Connection>::connect_with(&opts),
        )
        .await
        .map_err(|_| fail("délai de connexion dépassé".into()))?
        .map_err(|e| fail(friendly_sqlx(&e)))?;
        let _ = sqlx::Connection::close(probe).await;
        let pool = pool_options()
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    // PostgreSQL's own choice of plans (`plan_cache_mode =
                    // auto`): the statements no plan fits for every value say
                    // so themselves (`plans::PlannedWithValues`).
                    conn.execute("SET TIME ZONE 'UTC'").await?;
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .map_err(|e| fail(friendly_sqlx(&e)))?;
        Ok(Db::over(pool, Backend::Postgres, parsed))
    }

    /// A database just opened on `pool`, with nothing compacted, deferred or
    /// keyed yet.
    fn over(pool: AnyPool, backend: Backend, parsed: &DatabaseUrl) -> Db {
        Db {
            pool,
            backend,
            display: parsed.display.clone(),
            url: parsed.sqlx_url(),
            counts_compacted: Arc::default(),
            open_years: Arc::default(),
            deferred: Arc::default(),
            code_key_file: None,
            code_key: Arc::default(),
        }
    }

    async fn migrate(&self) -> Result<(), OpenError> {
        self.migrator().run(&self.pool).await.map_err(|e| OpenError::Migration(e.to_string()))
    }

    /// The full URL, password included: for the backup tools only, never for display.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The file of an embedded database.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match self.backend {
            Backend::Sqlite => DatabaseUrl::parse(&self.display).ok().and_then(|u| u.sqlite_path),
            Backend::Postgres => None,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
    pub fn backend(&self) -> Backend {
        self.backend
    }
    /// The URL without its password.
    /// The same database, the members' codes keyed with the key kept in `path`.
    pub fn with_code_key_file(self, path: std::path::PathBuf) -> Db {
        Db { code_key_file: Some(path), code_key: Arc::default(), ..self }
    }

    /// Where the key of the members' codes is kept: the file given
    /// (`guichet serve --code-key`), else `GUICHET_CODE_KEY_FILE`, else
    /// beside an SQLite file (`<file>.cle-codes`: a copy of the database or
    /// of its backups alone does not carry it), else
    /// `~/.config/guichet/cle-codes`.
    pub fn code_key_path(&self) -> std::path::PathBuf {
        if let Some(p) = &self.code_key_file {
            return p.clone();
        }
        if let Some(p) = std::env::var_os("GUICHET_CODE_KEY_FILE").filter(|p| !p.is_empty()) {
            return p.into();
        }
        if let Some(file) = self.sqlite_path() {
            let mut name = file.file_name().unwrap_or_default().to_os_string();
            name.push(".cle-codes");
            return file.with_file_name(name);
        }
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from).unwrap_or_default();
        home.join(".config").join("guichet").join("cle-codes")
    }

    /// The key of the members' codes' digests, read (or made) once.
    pub fn code_key(&self) -> crate::error::ApiResult<&crate::kernel::secret::CodeKey> {
        if let Some(k) = self.code_key.get() {
            return Ok(k);
        }
        let key = crate::kernel::secret::CodeKey::at(&self.code_key_path())?;
        Ok(self.code_key.get_or_init(|| key))
    }

    pub fn display(&self) -> &str {
        &self.display
    }

    /// Starts a transaction. Every change and its audit rows go through one.
    /// A transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred one that read first could not write if another
    /// desk committed meanwhile, and would fail instead of waiting its turn.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, ApiError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Turns the connection errors people actually meet into French.
fn friendly_sqlx(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connexion refusée (le serveur est-il démarré ?)".into(),
            std::io::ErrorKind::TimedOut => "délai de connexion dépassé".into(),
            std::io::ErrorKind::NotFound => "hôte introuvable".into(),
            std::io::ErrorKind::PermissionDenied => "accès refusé par le système de fichiers".into(),
            _ => format!("erreur réseau ({io})"),
        },
        sqlx::Error::PoolTimedOut => "délai de connexion dépassé".into(),
        sqlx::Error::Database(db) => {
            let m = db.message();
            if m.contains("password authentication failed") {
                "identifiant ou mot de passe de la base refusé".into()
            } else if m.contains("does not exist") {
                format!("base inexistante ({m})")
            } else {
                m.to_string()
            }
        }
        other => other.to_string(),
    }
}

/// Settings of the SQLite library itself, made once per process before its
/// first connection: no global memory statistics. SQLite counts every
/// allocation under one process-wide lock by default; nothing here reads the
/// counts, and the lock was a twentieth of a large import's database time.
/// (SQLite accepts this only before it starts; later calls change nothing.)
fn sqlite_process_settings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config takes an int for SQLITE_CONFIG_MEMSTATUS and is
        // called once, before this process opens any SQLite connection.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::os::raw::c_int)
        };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(rc, "réglage de SQLite ignoré (bibliothèque déjà démarrée)");
        }
    });
}

/// Copies the SQLite write-ahead log back into the database every two
/// seconds while the pool is open. PASSIVE never waits for readers or
/// writers; whatever it cannot copy now is copied at a later turn.
fn spawn_checkpointer(pool: AnyPool) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            if pool.is_closed() {
                break;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %e, "checkpoint du journal SQLite");
            }
        }
    });
}

/// Each SQLite connection's page cache, in KiB: 32 MB, so that the index
/// inserts of an import stay in memory (a large one raises its own for its
/// duration, `batch::DeferredIndexes`).
pub(crate) const CACHE_KIB: i64 = 32 * 1024;

/// Both pools: eight connections, and a connection idle for more than 30 s
/// is pinged before it is handed out (a restarted server or a closed socket
/// is noticed there). A connection in steady use is not: sqlx's default pings
/// before every query, which doubled the round trips of each search on
/// PostgreSQL. A connection that breaks in use is dropped by the pool.
fn pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new().max_connections(8).test_before_acquire(false).before_acquire(|conn, meta| {
        Box::pin(async move {
            if meta.idle_for > Duration::from_secs(30) {
                sqlx::Connection::ping(conn).await?;
            }
            Ok(true)
        })
    })
}

/// The objects of a SQLite database but SQLite's own, by an exact list: the
/// counters of AUTOINCREMENT and ANALYZE, and the indexes it makes for a
/// UNIQUE or PRIMARY KEY constraint (no SQL of their own). Not every name
/// `LIKE 'sqlite_%'`: `_` matches any character, and `sqliteXpurge` would pass.
pub(crate) async fn sqlite_objects(
    conn: &mut sqlx::AnyConnection,
) -> crate::error::ApiResult<Vec<(String, String, Option<String>)>> {
    const OWN_TABLES: [&str; 5] = ["sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"];
    let all: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT type, name, sql FROM sqlite_schema").fetch_all(conn).await?;
    Ok(all
        .into_iter()
        .filter(|(kind, name, sql)| {
            let own = (kind == "table" && OWN_TABLES.contains(&name.as_str()))
                || (kind == "index" && name.starts_with("sqlite_autoindex_") && sql.is_none());
            !own
        })
        .collect())
}
