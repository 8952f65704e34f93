//! `guichet`: the command layer for administrators and batch jobs, on servers
//! with no display. It parses arguments and prints; every rule is in the core.
//!
//! Exit codes: 0 done (also when the reader of its output went away, as
//! `| head`); 1 the operation answered an error (printed as JSON); 2 bad usage
//! or unreadable input; 3 the database could not be opened; 4 the journal was
//! altered (`audit verify`); 130 interrupted (Ctrl-C or SIGTERM).

#[macro_use]
mod output;
mod args;
mod audit;
mod drugs;
mod import;
mod serve;
mod server_config;
mod signals;
mod staff;

use args::{AuditCommand, Cli, Command, DbCommand};
use clap::Parser;
use guichet_client::{Client, Trust};
use guichet_core::api::{self, Api, Caller, Desk};
use guichet_core::storage::Db;
use guichet_core::ApiError;
use serde_json::{json, Value};
use server_config::ServerConfig;
use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

/// mimalloc instead of the system allocator: an import allocates on its
/// reading thread and frees on its writer, which glibc's allocator makes
/// slow; measured in `cargo bench --bench members`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let _log = guichet_core::logging::init(
        std::env::var_os("GUICHET_LOG_DIR").as_deref().map(std::path::Path::new),
        "guichet-cli.log",
        "warn",
    );
    let mut cli = Cli::parse();
    output::set_json(cli.json);
    if let Command::Operations = cli.command {
        return operations();
    }
    if let Some(server) = cli.server.clone() {
        return remote(cli, &server).await;
    }
    // `serve --config FILE`: the file's settings under the command line's.
    if let Command::Serve(args) = &mut cli.command {
        if let Some(path) = args.config.clone() {
            let file = match ServerConfig::read(&path) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            };
            if cli.database.is_none() {
                cli.database = file.database.clone();
            }
            **args = std::mem::take(&mut **args).merged(file);
        }
    }
    let Some(url) = cli.database.clone() else {
        eprintln!("Indiquez la base de données : --database URL ou la variable GUICHET_DATABASE_URL.");
        return ExitCode::from(2);
    };
    // A restore writes into an empty database: it must not be opened (and created) first.
    if let Command::Restore { file } = &cli.command {
        return output::result(guichet_core::backups::restore(std::path::Path::new(file), &url).await);
    }
    // The server runs with a role that cannot change the schema: it opens
    // the database as it is (current, or it refuses); everything else migrates.
    let opened =
        if matches!(cli.command, Command::Serve(_)) { Db::open_current(&url).await } else { Db::open(&url).await };
    let db = match opened {
        Ok(db) => db,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(match e {
                guichet_core::storage::OpenError::BadUrl(_) => 2,
                _ => 3,
            });
        }
    };
    let code = match cli.command {
        Command::Serve(args) => serve::serve(db.clone(), *args).await,
        Command::Db(DbCommand::GrantAppRole { name }) => match staff::read_password() {
            Ok(p) => output::result(
                guichet_core::storage::roles::grant_app_role(&db, &name, &p).await.map(|_| json!({ "role": name })),
            ),
            Err(e) => output::error(&e),
        },
        Command::Db(DbCommand::ArchiveYear { year, out }) => {
            let actor = guichet_core::audit::Actor::system(&os_user());
            let archived =
                guichet_core::years::archive::archive_year(&db, Api::new(db.clone()).now(), &actor, year, out.as_ref())
                    .await;
            output::result(archived.map(|a| json!(a)))
        }
        _ => {
            run(cli, Backend::Local(Desk::with_caller(Api::new(db.clone()), Caller::System { os_user: os_user() })))
                .await
        }
    };
    // An interrupted operation's connection rolls back as it is returned:
    // wait for that, not for a file still being parsed on a worker thread.
    let _ = tokio::time::timeout(Duration::from_secs(10), db.close()).await;
    if signals::was_interrupted() {
        std::process::exit(130);
    }
    code
}

/// `guichet operations`: the command layer's catalogue, with each permission.
fn operations() -> ExitCode {
    let all = api::ops::all();
    if output::json() {
        let list: Vec<Value> = all
            .iter()
            .map(|op| json!({ "name": op.name, "permission": op.permission, "summary": op.summary }))
            .collect();
        output::value(&list);
    } else {
        for op in all {
            let perm = serde_json::to_value(op.permission).unwrap_or_default();
            say!("{:<24} {:<18} {}", op.name, perm.as_str().unwrap_or(""), op.summary);
        }
    }
    ExitCode::SUCCESS
}

/// Where the operations run: this process on the database, or a Guichet server.
pub enum Backend {
    Local(Desk),
    Remote(Client),
}

impl Backend {
    pub async fn call(&self, op: &str, req: Value) -> Result<Value, ApiError> {
        match self {
            Backend::Local(d) => d.call(op, req).await,
            Backend::Remote(c) => c.call(op, req).await,
        }
    }
}

/// The CLI against a server: the same commands, without the database's keys.
async fn remote(cli: Cli, server: &str) -> ExitCode {
    if matches!(cli.command, Command::Migrate | Command::Restore { .. } | Command::Serve(_) | Command::Db(_)) {
        eprintln!("Cette commande se lance sur la machine de la base, avec --database (pas à travers un serveur).");
        return ExitCode::from(2);
    }
    if cli.user.is_none() {
        eprintln!(
            "À travers un serveur, indiquez --user (et GUICHET_PASSWORD) : le compte système n'existe que sur \
            la machine de la base."
        );
        return ExitCode::from(2);
    }
    let trust = cli.server_fingerprint.clone().map(Trust::Pinned).unwrap_or(Trust::System);
    let desk = format!("cli:{}@{}", os_user(), guichet_core::host::name().unwrap_or_default());
    let code = match Client::new(server, &desk, trust) {
        Ok(c) => run(cli, Backend::Remote(c)).await,
        Err(e) => output::error(&e),
    };
    if signals::was_interrupted() {
        std::process::exit(130);
    }
    code
}

/// Logs in (as `--user`, or the system account on the database's machine),
/// runs the command until it ends or is interrupted, then logs out.
async fn run(cli: Cli, desk: Backend) -> ExitCode {
    if let Some(user) = &cli.user {
        let password = std::env::var("GUICHET_PASSWORD").unwrap_or_default();
        if password.is_empty() {
            return output::error(&ApiError::unauthenticated(
                "Mot de passe absent : définissez la variable GUICHET_PASSWORD.",
            ));
        }
        if let Err(e) = desk.call("session_login", json!({ "username": user, "password": password })).await {
            return output::error(&e);
        }
    }
    let code = tokio::select! {
        code = command(cli, &desk) => code,
        _ = signals::stop_requested() => signals::interrupted(),
    };
    // A server session ends with the command.
    if let Backend::Remote(c) = &desk {
        if c.token().is_some() {
            let _ = c.call("session_logout", json!({})).await;
        }
    }
    code
}

async fn command(cli: Cli, desk: &Backend) -> ExitCode {
    match cli.command {
        Command::Migrate if output::json() => output::result(Ok(json!({ "schema": "à jour" }))),
        Command::Migrate => {
            say!("Schéma à jour.");
            ExitCode::SUCCESS
        }
        Command::Operations | Command::Serve(_) | Command::Db(_) | Command::Restore { .. } => ExitCode::SUCCESS,
        Command::Call { operation, request } => {
            let text = match request.as_deref() {
                Some("-") => {
                    let mut s = String::new();
                    if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                        eprintln!("Lecture de l'entrée standard impossible : {e}");
                        return ExitCode::from(2);
                    }
                    s
                }
                Some(s) => s.to_string(),
                None => String::new(),
            };
            match api::parse_json(&text) {
                Ok(req) => output::result(desk.call(&operation, req).await),
                Err(e) => output::error(&e),
            }
        }
        Command::Staff(cmd) => staff::run(desk, cmd).await,
        Command::Audit(AuditCommand::Verify { anchors }) => audit::verify(desk, &anchors).await,
        Command::Audit(AuditCommand::Anchor { file }) => audit::anchor(desk, &file).await,
        Command::Backup { file } => output::result(desk.call("backup_create", json!({ "path": file })).await),
        Command::ImportMembers { file, dry_run, mapping } => import::import_members(desk, file, dry_run, mapping).await,
        Command::Drugs(cmd) => drugs::run(desk, cmd).await,
        Command::Statements { from, to, out } => {
            output::result(desk.call("statement_batch", json!({ "from": from, "to": to, "folder": out })).await)
        }
    }
}

pub fn os_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "inconnu".into())
}
