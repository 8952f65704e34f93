//! Backups and restores, while desks keep working.
//!
//! - SQLite: `VACUUM INTO` writes a consistent copy from one read transaction
//!   (writers go on in WAL), beside the destination, then renamed: a backup
//!   file is whole or absent. A restore checks the copy (`integrity_check`) and
//!   puts it in place the same way.
//! - PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and
//!   `pg_restore` into an empty database; the password goes through
//!   `PGPASSWORD`, never the command line.
//!
//! A restore only ever writes into an empty database: nothing is overwritten.
//! What a backup and a restore mean for the journal (its anchor, its
//! verification) is `crate::backups`'s: storage copies files and bases.

use super::{Backend, DatabaseUrl, Db};
use crate::error::{ApiError, ApiResult};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupReport {
    pub path: String,
    #[ts(type = "number")]
    pub bytes: i64,
    /// `sqlite` or `postgres`.
    pub backend: String,
}

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PGDUMP_MAGIC: &[u8] = b"PGDMP";

fn beside(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partiel");
    dest.with_file_name(name)
}

fn check_dest(dest: &Path) -> ApiResult<()> {
    if dest.as_os_str().is_empty() {
        return Err(ApiError::validation("path", "Indiquez le fichier de sauvegarde."));
    }
    match dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => {
            Err(ApiError::validation("path", format!("Le dossier « {} » n'existe pas.", dir.display())))
        }
        _ => Ok(()),
    }
}

/// Writes a copy of `db` to `dest` (replaced whole if it exists), and beside
/// it `dest.ancre` holding `anchor`, which the caller read just before (the
/// journal's head: `crate::backups` says why); storage knows nothing of it.
pub async fn copy(db: &Db, dest: &Path, anchor: &[u8]) -> ApiResult<BackupReport> {
    check_dest(dest)?;
    let tmp = beside(dest);
    let _ = std::fs::remove_file(&tmp);
    match db.backend() {
        Backend::Sqlite => {
            sqlx::query("VACUUM INTO $1").bind(tmp.display().to_string()).execute(db.pool()).await.map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                ApiError::validation("path", format!("Sauvegarde impossible vers « {} » : {e}", dest.display()))
            })?;
        }
        Backend::Postgres => pg_dump(db, &[], &tmp)?,
    }
    put_in_place(&tmp, dest)?;
    crate::storage::files::write_atomically(&anchor_path(dest), anchor)?;
    let bytes = std::fs::metadata(dest).map(|m| m.len() as i64).unwrap_or(0);
    tracing::info!(path = %dest.display(), bytes, "sauvegarde écrite");
    Ok(BackupReport { path: dest.display().to_string(), bytes, backend: db.backend().name().to_string() })
}

/// Writes tables of a PostgreSQL database, their definitions and rows, to
/// `dest` (`pg_dump --table`, written beside then renamed): a year set
/// apart. Answers the file's size.
pub fn dump_tables(db: &Db, tables: &[String], dest: &Path) -> ApiResult<i64> {
    check_dest(dest)?;
    let tmp = beside(dest);
    let _ = std::fs::remove_file(&tmp);
    let args: Vec<String> = tables.iter().flat_map(|t| ["--table".to_string(), format!("public.{t}")]).collect();
    pg_dump(db, &args.iter().map(String::as_str).collect::<Vec<_>>(), &tmp)?;
    put_in_place(&tmp, dest)?;
    Ok(std::fs::metadata(dest).map(|m| m.len() as i64).unwrap_or(0))
}

/// `pg_dump --format=custom` of `db` to `tmp`, with `args` (a table), the
/// password through `PGPASSWORD`; a failed dump leaves no file.
fn pg_dump(db: &Db, args: &[&str], tmp: &Path) -> ApiResult<()> {
    let (conn, password) = pg_target(db.url())?;
    let out = run_client(
        Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--no-privileges"])
            .args(args)
            .arg("--file")
            .arg(tmp)
            .arg(format!("--dbname={conn}"))
            .env("PGPASSWORD", password),
        "path",
    )?;
    if !out.status.success() {
        let _ = std::fs::remove_file(tmp);
        return Err(ApiError::validation(
            "path",
            format!("pg_dump a échoué : {}", String::from_utf8_lossy(&out.stderr).trim()),
        ));
    }
    Ok(())
}

/// The file written beside `dest`, on the disk, then renamed to it: whole or absent.
fn put_in_place(tmp: &Path, dest: &Path) -> ApiResult<()> {
    sync_file(tmp)?;
    std::fs::rename(tmp, dest)
        .map_err(|e| ApiError::validation("path", format!("Sauvegarde impossible à mettre en place : {e}")))
}

/// `guichet-2026-12-01.sqlite3.ancre` beside `guichet-2026-12-01.sqlite3`.
pub fn anchor_path(backup: &Path) -> PathBuf {
    let mut name = backup.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".ancre");
    backup.with_file_name(name)
}

fn sync_file(p: &Path) -> ApiResult<()> {
    std::fs::File::open(p)
        .and_then(|f| f.sync_all())
        .map_err(|e| ApiError::validation("path", format!("Sauvegarde illisible après écriture : {e}")))
}

/// `(connection string without password, password)` for the PostgreSQL tools.
fn pg_target(url: &str) -> ApiResult<(String, String)> {
    let mut u =
        url::Url::parse(url).map_err(|e| ApiError::validation("url", format!("Adresse de base illisible : {e}")))?;
    let password = u.password().map(percent_decode).unwrap_or_default();
    let _ = u.set_password(None);
    Ok((u.to_string(), password))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Restores the backup `src` into the database at `target_url`, which must be
/// empty (a SQLite file not there yet, or a PostgreSQL database without
/// tables), and opens it.
pub async fn restore_into(src: &Path, target_url: &str) -> ApiResult<Db> {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(src).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).map_err(|_| {
        ApiError::validation("file", format!("Sauvegarde « {} » introuvable ou illisible.", src.display()))
    })?;
    let kind = if head[..n].starts_with(SQLITE_MAGIC) {
        Backend::Sqlite
    } else if head[..n].starts_with(PGDUMP_MAGIC) {
        Backend::Postgres
    } else {
        return Err(ApiError::validation(
            "file",
            format!("« {} » n'est pas une sauvegarde de Guichet (ni SQLite, ni pg_dump).", src.display()),
        ));
    };
    let target = DatabaseUrl::parse(target_url).map_err(|e| ApiError::validation("url", e.to_string()))?;
    if target.backend != kind {
        return Err(ApiError::validation(
            "url",
            format!("Cette sauvegarde vient d'une base {} : restaurez-la dans une base {}.", kind.name(), kind.name()),
        ));
    }
    match kind {
        Backend::Sqlite => {
            let path = target.sqlite_path.clone().unwrap_or_default();
            if path.exists() && std::fs::metadata(&path).map(|m| m.len() > 0).unwrap_or(true) {
                return Err(ApiError::validation(
                    "url",
                    format!(
                        "« {} » existe déjà : une restauration n'écrase jamais \
                    une base ; choisissez un nouveau fichier.",
                        path.display()
                    ),
                ));
            }
            check_sqlite_copy(src).await?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| ApiError::validation("url", format!("Dossier impossible à créer : {e}")))?;
            }
            let tmp = beside(&path);
            std::fs::copy(src, &tmp).map_err(|e| ApiError::validation("url", format!("Copie impossible : {e}")))?;
            sync_file(&tmp)?;
            std::fs::rename(&tmp, &path)
                .map_err(|e| ApiError::validation("url", format!("Copie impossible à mettre en place : {e}")))?;
        }
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&target.sqlx_url())
                .await
                .map_err(|e| ApiError::validation("url", format!("Base cible injoignable : {e}")))?;
            let tables: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")
                    .fetch_one(&mut conn)
                    .await?;
            let _ = sqlx::Connection::close(conn).await;
            if tables > 0 {
                return Err(ApiError::validation(
                    "url",
                    format!(
                        "La base cible contient déjà {tables} tables : une \
                    restauration n'écrit que dans une base vide."
                    ),
                ));
            }
            // Nothing of the dump runs before its contents are known to be Guichet's.
            let reference = super::dump_check::reference(&target.sqlx_url()).await?;
            super::dump_check::check(src, &reference)?;
            let (conn, password) = pg_target(target_url)?;
            let out = run_client(
                Command::new("pg_restore")
                    .args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"])
                    .arg(format!("--dbname={conn}"))
                    .arg(src)
                    .env("PGPASSWORD", password),
                "file",
            )?;
            if !out.status.success() {
                return Err(ApiError::validation(
                    "file",
                    format!(
                        "pg_restore a échoué (rien n'a été écrit) : {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ),
                ));
            }
        }
    }
    Db::open(target_url).await.map_err(|e| ApiError::validation("url", e.to_string()))
}

/// Opens the copy on its own, read-only and with `trusted_schema` off, asks
/// SQLite to check every page, and checks its schema against the migrations:
/// no table, index, view or trigger they do not create, and each trigger and
/// view as they write it (a trigger planted in a file would run at the first
/// change after the restore).
async fn check_sqlite_copy(src: &Path) -> ApiResult<()> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", src.display());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .map_err(|e| ApiError::validation("file", format!("Sauvegarde illisible : {e}")))?;
    sqlx::query("PRAGMA trusted_schema = OFF").execute(&mut conn).await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| ApiError::validation("file", format!("Sauvegarde abîmée : {e}")))?;
    let objects = super::sqlite_objects(&mut conn).await?;
    let _ = sqlx::Connection::close(conn).await;
    if check != "ok" {
        return Err(ApiError::validation(
            "file",
            format!("Sauvegarde abîmée (contrôle d'intégrité : {check}) : rien n'a été restauré."),
        ));
    }
    let reference = Db::sqlite_reference_schema().await?;
    let kind_fr = |t: &str| match t {
        "table" => "la table",
        "index" => "l'index",
        "view" => "la vue",
        "trigger" => "le déclencheur",
        _ => "l'objet",
    };
    for (kind, name, sql) in &objects {
        match reference.iter().find(|(k, n, _)| k == kind && n == name) {
            None => {
                return Err(ApiError::validation(
                    "file",
                    format!(
                        "La sauvegarde contient {} « {name} », que Guichet ne crée pas : rien n'a été restauré.",
                        kind_fr(kind)
                    ),
                ))
            }
            // A table or an index of an older version differs by the
            // columns added since; a trigger or a view must be the same.
            Some((_, _, expected)) if (kind == "trigger" || kind == "view") && expected != sql => {
                return Err(ApiError::validation(
                    "file",
                    format!(
                        "Dans la sauvegarde, {} « {name} » n'est pas celui de Guichet : rien n'a été restauré.",
                        kind_fr(kind)
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Runs one of PostgreSQL's client tools (`pg_dump`, `pg_restore`) to its end;
/// when it cannot start, says so on `field` with what to install.
pub(super) fn run_client(command: &mut Command, field: &str) -> ApiResult<std::process::Output> {
    command.output().map_err(|e| {
        let tool = command.get_program().to_string_lossy().into_owned();
        ApiError::validation(
            field,
            format!("{tool} introuvable ou impossible à lancer ({e}) : installez postgresql-client."),
        )
    })
}
