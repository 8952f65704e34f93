//! `guichet`: the command layer for administrators and batch jobs, on servers
//! with no display. It parses arguments and prints; every rule is in the core.
//!
//! Exit codes: 0 done; 1 the operation answered an error (printed as JSON);
//! 2 bad usage or unreadable input; 3 the database could not be opened.

use clap::{Args, Parser, Subcommand};
use guichet_client::{Client, Trust};
use guichet_core::api::{self, Api, Caller, Desk};
use guichet_core::storage::Db;
use guichet_core::ApiError;
use serde_json::{json, Value};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;

mod drugs;
mod server_config;
use server_config::ServerConfig;

/// mimalloc instead of the system allocator: an import allocates on its
/// reading thread and frees on its writer, which glibc's allocator makes
/// slow; measured in `cargo bench --bench members`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "guichet",
    version,
    about = "Guichet, back office d'une mutuelle de santé : outil en ligne de commande"
)]
struct Cli {
    /// Base de données : sqlite://CHEMIN ou postgres://utilisateur:motdepasse@serveur:5432/base
    #[arg(long, global = true, env = "GUICHET_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// Agir en tant que ce membre du personnel (mot de passe dans GUICHET_PASSWORD).
    /// Sans --user, la commande agit en tant que « système:<compte du serveur> ».
    #[arg(long, global = true)]
    user: Option<String>,
    /// Passer par un serveur Guichet (https://serveur:8443) au lieu d'ouvrir la
    /// base : aucune clé de base de données sur ce poste ; --user obligatoire.
    #[arg(long, global = true, env = "GUICHET_SERVER")]
    server: Option<String>,
    /// Empreinte SHA-256 du certificat auto-signé du serveur (affichée par
    /// `guichet serve`) ; sans elle, les autorités du système.
    #[arg(long, global = true, env = "GUICHET_SERVER_FINGERPRINT")]
    server_fingerprint: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crée ou met à jour le schéma de la base (fait aussi à chaque ouverture).
    Migrate,
    /// Comptes du personnel.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Exécute une opération de la couche de commandes et affiche sa réponse JSON.
    Call {
        /// Nom de l'opération (voir `guichet operations`).
        operation: String,
        /// Requête JSON ; `-` la lit sur l'entrée standard ; absente : `{}`.
        request: Option<String>,
    },
    /// Liste les opérations, avec la permission que chacune demande.
    Operations,
    /// Sert la couche de commandes en HTTPS aux postes d'un site (base
    /// PostgreSQL de --database, schéma à jour, rôle applicatif).
    Serve(Box<ServeArgs>),
    /// Administration de la base PostgreSQL (avec le rôle propriétaire).
    #[command(subcommand)]
    Db(DbCommand),
    /// Sauvegarde la base pendant que les postes travaillent (copie SQLite, ou
    /// pg_dump pour PostgreSQL) ; le fichier est entier ou absent.
    Backup {
        /// Le fichier à écrire.
        file: String,
    },
    /// Restaure une sauvegarde dans la base de --database, qui doit être vide
    /// (un fichier SQLite qui n'existe pas encore, ou une base PostgreSQL sans table).
    Restore {
        /// La sauvegarde à restaurer.
        file: String,
    },
    /// Journal d'audit.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Référentiel des médicaments de la caisse.
    #[command(subcommand)]
    Drugs(drugs::DrugsCommand),
    /// Importe un fichier d'adhérents d'un employeur (.xlsx, .xls, .ods, .csv).
    ImportMembers {
        /// Le fichier à importer.
        file: String,
        /// Rapport seulement : rien n'est écrit.
        #[arg(long)]
        dry_run: bool,
        /// Affiche le rapport en JSON (un seul objet).
        #[arg(long)]
        json: bool,
        /// Correspondance d'une colonne, répétable : champ=En-tête ou champ=LETTRE
        /// (champs : matricule, cnie, last_name, first_name, birth_date, employer, …).
        #[arg(long = "map", value_name = "CHAMP=COLONNE")]
        mapping: Vec<String>,
    },
    /// Écrit un relevé PDF par adhérent réglé sur la période, et un index ;
    /// une reprise saute les fichiers déjà écrits.
    Statements {
        /// Premier jour (AAAA-MM-JJ).
        #[arg(long)]
        from: String,
        /// Dernier jour (AAAA-MM-JJ).
        #[arg(long)]
        to: String,
        /// Dossier de sortie.
        #[arg(long)]
        out: String,
    },
}

#[derive(Args, Default)]
struct ServeArgs {
    /// Fichier de configuration (TOML : database, listen, tls_cert, tls_key,
    /// self_signed, max_body_mb, timeout_s, logins_per_address, outbox_dir,
    /// smtp_url, mail_from, sms_gateway, code_key_file) ; une option
    /// donnée ici l'emporte sur le fichier. Celui des paquets :
    /// /etc/guichet/server.toml.
    #[arg(long, value_name = "FICHIER")]
    config: Option<std::path::PathBuf>,
    /// Adresse d'écoute [défaut : 0.0.0.0:8443].
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Certificat du serveur (PEM), avec --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// Clé privée du serveur (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Dossier d'un certificat auto-signé, créé au premier démarrage ; son
    /// empreinte est affichée pour que les postes la comparent.
    #[arg(long, conflicts_with = "tls_cert")]
    self_signed: Option<std::path::PathBuf>,
    /// Accepter le rôle propriétaire du schéma ou un superutilisateur (déconseillé).
    #[arg(long)]
    allow_owner: bool,
    /// Taille maximale d'une requête, en Mo (les fichiers voyagent dans les
    /// requêtes) [défaut : 64].
    #[arg(long)]
    max_body_mb: Option<usize>,
    /// Durée maximale d'un appel, en secondes (un appel suivi en continu n'est
    /// pas limité) [défaut : 120].
    #[arg(long)]
    timeout_s: Option<u64>,
    /// Connexions tentées par minute depuis une même adresse (au-delà : 429) ;
    /// à relever si les postes passent par un même mandataire [défaut : 30].
    #[arg(long)]
    logins_per_address: Option<usize>,
    /// Dossier où écrire les codes de l'espace adhérent envoyés par e-mail ou
    /// SMS (un fichier par message, pour l'expéditeur du site) ; sans lui, les
    /// codes se remettent par courrier.
    #[arg(long, value_name = "DOSSIER", conflicts_with = "smtp_url")]
    outbox_dir: Option<std::path::PathBuf>,
    /// Serveur de messagerie qui envoie les codes et les accusés de réception
    /// de l'espace adhérent : smtps://utilisateur:motdepasse@serveur (TLS),
    /// smtp://serveur?tls=required (STARTTLS) ; en clair, seulement
    /// smtp://127.0.0.1. Mieux dans le fichier de configuration (mot de passe).
    #[arg(long, value_name = "URL")]
    smtp_url: Option<String>,
    /// Expéditeur des messages (« Mutuelle <ne-pas-repondre@mutuelle.ma> »),
    /// avec --smtp-url.
    #[arg(long, value_name = "ADRESSE")]
    mail_from: Option<String>,
    /// Domaine d'une passerelle e-mail vers SMS (un SMS part à
    /// <GSM>@<domaine>) ; sans elle, pas d'envoi par SMS.
    #[arg(long, value_name = "DOMAINE")]
    sms_gateway: Option<String>,
    /// Fichier de la clé des codes de l'espace adhérent (créé au premier
    /// démarrage, lisible du seul compte du serveur ; le même fichier pour
    /// tous les serveurs d'un site, hors des sauvegardes de la base)
    /// [défaut : ~/.config/guichet/cle-codes].
    #[arg(long, value_name = "FICHIER")]
    code_key: Option<std::path::PathBuf>,
}

impl ServeArgs {
    /// The command line over the configuration file: what `serve` runs with.
    fn merged(mut self, file: ServerConfig) -> ServeArgs {
        self.listen = self.listen.or(file.listen);
        if self.tls_cert.is_none() && self.self_signed.is_none() {
            self.tls_cert = file.tls_cert;
            self.tls_key = file.tls_key;
            if self.tls_cert.is_none() {
                self.self_signed = file.self_signed;
            }
        }
        self.max_body_mb = self.max_body_mb.or(file.max_body_mb);
        self.timeout_s = self.timeout_s.or(file.timeout_s);
        self.logins_per_address = self.logins_per_address.or(file.logins_per_address);
        if self.smtp_url.is_none() {
            self.outbox_dir = self.outbox_dir.or(file.outbox_dir);
        }
        if self.outbox_dir.is_none() {
            self.smtp_url = self.smtp_url.or(file.smtp_url);
        }
        self.mail_from = self.mail_from.or(file.mail_from);
        self.code_key = self.code_key.or(file.code_key_file);
        self.sms_gateway = self.sms_gateway.or(file.sms_gateway);
        self
    }
}

#[derive(Subcommand)]
enum DbCommand {
    /// Crée (ou met à jour) le rôle PostgreSQL du serveur : lecture et écriture
    /// des tables, jamais le schéma, le journal en ajout seul. Le mot de passe
    /// est lu sur l'entrée standard.
    GrantAppRole { name: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Vérifie la chaîne d'empreintes du journal : nomme chaque ligne modifiée,
    /// supprimée ou déplacée à la main dans la base. Code de sortie 4 si le
    /// journal a été altéré.
    Verify {
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
        /// Fichier d'ancres (écrit par `audit anchor`, une sauvegarde ou un
        /// tirage de relevés) : prouve que le journal contient encore chacune
        /// de ses têtes. Répétable.
        #[arg(long = "anchor", value_name = "FICHIER")]
        anchors: Vec<String>,
    },
    /// Relève la tête du journal (place, empreinte, heure) et l'ajoute au
    /// fichier d'ancres, à garder hors de la base (une autre machine, un
    /// support amovible) : `audit verify --anchor` prouvera plus tard que le
    /// journal n'a pas été tronqué ni réécrit depuis.
    Anchor {
        /// Le fichier d'ancres (créé s'il n'existe pas, sinon complété).
        file: String,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Crée un compte ; le mot de passe est lu sur l'entrée standard.
    Add(StaffAdd),
    /// Liste les comptes.
    List {
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Désactive un compte (rien n'est jamais supprimé).
    Disable { username: String },
    /// Réactive un compte.
    Enable { username: String },
    /// Lève le verrouillage après des mots de passe erronés.
    Unlock { username: String },
}

#[derive(Args)]
struct StaffAdd {
    #[arg(long)]
    username: String,
    /// Nom complet.
    #[arg(long)]
    name: String,
    /// Rôle : reception, claims, medical ou admin (répétable).
    #[arg(long = "role", required = true)]
    roles: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let _log = guichet_core::logging::init(
        std::env::var_os("GUICHET_LOG_DIR").as_deref().map(std::path::Path::new),
        "guichet-cli.log",
        "warn",
    );
    let cli = Cli::parse();
    if let Command::Operations = cli.command {
        for op in api::ops::all() {
            let perm = serde_json::to_value(op.permission).unwrap_or_default();
            println!("{:<24} {:<18} {}", op.name, perm.as_str().unwrap_or(""), op.summary);
        }
        return ExitCode::SUCCESS;
    }
    if let Some(server) = cli.server.clone() {
        return remote(cli, &server).await;
    }
    // `serve --config FILE`: the file's settings under the command line's.
    let mut cli = cli;
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
        return print_result(
            guichet_core::storage::backup::restore(std::path::Path::new(file), &url)
                .await
                .and_then(|r| serde_json::to_value(r).map_err(ApiError::internal)),
        );
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
        Command::Serve(args) => serve(db.clone(), *args).await,
        Command::Db(DbCommand::GrantAppRole { name }) => match read_password() {
            Ok(p) => print_result(
                guichet_core::storage::roles::grant_app_role(&db, &name, &p).await.map(|_| json!({ "role": name })),
            ),
            Err(e) => print_error(&e),
        },
        _ => {
            run(cli, Backend::Local(Desk::with_caller(Api::new(db.clone()), Caller::System { os_user: os_user() })))
                .await
        }
    };
    db.close().await;
    code
}

/// Where the operations run: this process on the database, or a Guichet server.
enum Backend {
    Local(Desk),
    Remote(Client),
}

impl Backend {
    async fn call(&self, op: &str, req: Value) -> Result<Value, ApiError> {
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
    match Client::new(server, &desk, trust) {
        Ok(c) => run(cli, Backend::Remote(c)).await,
        Err(e) => print_error(&e),
    }
}

/// `guichet serve`: checks the schema and the role, serves until Ctrl-C or SIGTERM.
async fn serve(db: Db, a: ServeArgs) -> ExitCode {
    if let Err(e) = guichet_server::check_role(&db, a.allow_owner).await {
        eprintln!("{e}");
        return ExitCode::from(3);
    }
    let tls = match (a.tls_cert, a.tls_key, a.self_signed) {
        (Some(cert), Some(key), _) => guichet_server::tls::Mode::Files { cert, key },
        (_, _, Some(dir)) => guichet_server::tls::Mode::SelfSigned { dir },
        _ => guichet_server::tls::Mode::Plain,
    };
    let listen = a.listen.unwrap_or(std::net::SocketAddr::from(([0, 0, 0, 0], 8443)));
    let mut opts = guichet_server::Options::new(listen, tls);
    opts.max_body = a.max_body_mb.unwrap_or(64).max(1) * 1024 * 1024;
    opts.timeout = std::time::Duration::from_secs(a.timeout_s.unwrap_or(120).max(5));
    opts.logins_per_address = a.logins_per_address.unwrap_or(30).max(1);
    let db = match a.code_key {
        Some(path) => db.with_code_key_file(path),
        None => db,
    };
    // Read (or made) now: a key file that cannot be read stops the start, not a member's activation.
    if let Err(e) = db.code_key() {
        eprintln!(
            "Clé des codes de l'espace adhérent {} illisible ou impossible à créer ({}).",
            db.code_key_path().display(),
            e.message
        );
        return ExitCode::from(3);
    }
    let mut api = Api::new(db);
    if let Some(dir) = a.outbox_dir {
        api = api.with_outbox(std::sync::Arc::new(guichet_core::portal::outbox::FolderOutbox { dir }));
    } else if let Some(url) = a.smtp_url {
        let Some(from) = a.mail_from else {
            eprintln!("--smtp-url demande --mail-from (l'expéditeur des messages).");
            return ExitCode::from(2);
        };
        let settings = guichet_server::mail::SmtpSettings { url, from, sms_gateway: a.sms_gateway };
        match guichet_server::mail::SmtpOutbox::new(&settings) {
            Ok(o) => api = api.with_outbox(std::sync::Arc::new(o)),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    let running = match guichet_server::start(api, opts).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(3);
        }
    };
    let scheme = if running.fingerprint.is_some() { "https" } else { "http" };
    println!("Guichet écoute sur {scheme}://{}", running.addr);
    if let Some(f) = &running.fingerprint {
        println!("Empreinte SHA-256 du certificat : {f}");
    }
    wait_for_stop().await;
    running.stop().await;
    ExitCode::SUCCESS
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn run(cli: Cli, desk: Backend) -> ExitCode {
    if let Some(user) = &cli.user {
        let password = std::env::var("GUICHET_PASSWORD").unwrap_or_default();
        if password.is_empty() {
            return print_error(&ApiError::unauthenticated(
                "Mot de passe absent : définissez la variable GUICHET_PASSWORD.",
            ));
        }
        if let Err(e) = desk.call("session_login", json!({ "username": user, "password": password })).await {
            return print_error(&e);
        }
    }
    let code = command(cli, &desk).await;
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
        Command::Migrate => {
            println!("Schéma à jour.");
            ExitCode::SUCCESS
        }
        Command::Operations | Command::Serve(_) | Command::Db(_) => ExitCode::SUCCESS,
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
                Ok(req) => print_result(desk.call(&operation, req).await),
                Err(e) => print_error(&e),
            }
        }
        Command::Staff(cmd) => staff(desk, cmd).await,
        Command::Audit(AuditCommand::Verify { json, anchors }) => audit_verify(desk, json, &anchors).await,
        Command::Audit(AuditCommand::Anchor { file }) => audit_anchor(desk, &file).await,
        Command::Backup { file } => print_result(desk.call("backup_create", json!({ "path": file })).await),
        Command::Restore { .. } => ExitCode::SUCCESS,
        Command::ImportMembers { file, dry_run, json, mapping } => {
            import_members(desk, file, dry_run, json, mapping).await
        }
        Command::Drugs(cmd) => drugs::run(desk, cmd).await,
        Command::Statements { from, to, out } => {
            print_result(desk.call("statement_batch", json!({ "from": from, "to": to, "folder": out })).await)
        }
    }
}

/// Exit 0 when the file was read (even with rejected rows), 2 when it could
/// not be read at all, 1 for any other refusal.
async fn import_members(desk: &Backend, file: String, dry_run: bool, as_json: bool, mapping: Vec<String>) -> ExitCode {
    let mut map = serde_json::Map::new();
    for m in &mapping {
        match m.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                map.insert(k.trim().to_string(), Value::String(v.trim().to_string()));
            }
            _ => {
                let e =
                    ApiError::validation("map", format!("Correspondance « {m} » mal écrite : attendu champ=Colonne."));
                println!("{}", serde_json::to_string(&e).unwrap_or_default());
                return ExitCode::from(2);
            }
        }
    }
    let mut req = json!({ "path": file, "dry_run": dry_run });
    if !map.is_empty() {
        req["mapping"] = Value::Object(map);
    }
    match desk.call("member_import", req).await {
        Ok(report) if as_json => {
            let rejected: Vec<Value> = report["rejected"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| json!({ "row": r["row"], "column": r["column"], "message": r["message"] }))
                .collect();
            let out = json!({
                "rows": report["rows"], "created": report["created"], "updated": report["updated"],
                "unchanged": report["unchanged"], "rib_requests": report["rib_requests"],
                "suspensions": report["suspensions"], "rejected": rejected,
            });
            println!("{}", serde_json::to_string(&out).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Ok(report) => {
            let n = |k: &str| report[k].as_u64().unwrap_or(0);
            let title = if dry_run { "Essai (rien n'a été écrit)" } else { "Import terminé" };
            println!(
                "{title} : {} lignes — {} créées, {} mises à jour, {} inchangées, {} rejets.",
                n("rows"),
                n("created"),
                n("updated"),
                n("unchanged"),
                report["rejected"].as_array().map_or(0, |a| a.len())
            );
            if n("rib_requests") > 0 {
                println!(
                    "{} changement(s) de RIB d'adhérents inscrits : demandes de modification en attente de \
                    validation (le RIB n'a pas changé).",
                    n("rib_requests")
                );
            }
            if n("suspensions") > 0 {
                println!("{} suspension(s) de droits enregistrée(s) ou modifiée(s).", n("suspensions"));
            }
            for r in report["rejected"].as_array().into_iter().flatten() {
                println!(
                    "  ligne {} — {} : {}",
                    r["row"],
                    r["column"].as_str().unwrap_or(""),
                    r["message"].as_str().unwrap_or("")
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{}", serde_json::to_string(&e).unwrap_or_default());
            if matches!(e.field.as_deref(), Some("file" | "mapping")) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

async fn staff(desk: &Backend, cmd: StaffCommand) -> ExitCode {
    match cmd {
        StaffCommand::Add(a) => {
            let roles = match guichet_core::staff::validate::role_codes("role", &a.roles) {
                Ok(r) => r,
                Err(e) => return print_error(&e),
            };
            let password = match read_password() {
                Ok(p) => p,
                Err(e) => return print_error(&e),
            };
            let req = json!({ "username": a.username, "full_name": a.name, "roles": roles, "password": password });
            print_result(desk.call("staff_create", req).await)
        }
        StaffCommand::List { json } => match desk.call("staff_list", json!({})).await {
            Ok(v) if json => print_result(Ok(v)),
            Ok(v) => {
                println!("{:<20} {:<30} {:<28} ÉTAT", "IDENTIFIANT", "NOM", "RÔLES");
                for s in v["staff"].as_array().into_iter().flatten() {
                    let roles: Vec<&str> =
                        s["roles"].as_array().into_iter().flatten().filter_map(|r| r.as_str()).collect();
                    let state = match (s["active"].as_bool(), s["locked_until"].as_str()) {
                        (Some(false), _) => "désactivé".to_string(),
                        (_, Some(t)) => format!("verrouillé jusqu'à {t}"),
                        _ => "actif".to_string(),
                    };
                    println!(
                        "{:<20} {:<30} {:<28} {}",
                        s["username"].as_str().unwrap_or(""),
                        s["full_name"].as_str().unwrap_or(""),
                        roles.join(","),
                        state
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => print_error(&e),
        },
        StaffCommand::Disable { username } => {
            print_result(desk.call("staff_set_active", json!({ "username": username, "active": false })).await)
        }
        StaffCommand::Enable { username } => {
            print_result(desk.call("staff_set_active", json!({ "username": username, "active": true })).await)
        }
        StaffCommand::Unlock { username } => {
            print_result(desk.call("staff_unlock", json!({ "username": username })).await)
        }
    }
}

/// The first line of standard input (a prompt when it is a terminal).
fn read_password() -> Result<String, ApiError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Mot de passe (au moins 10 caractères) : ");
    }
    let mut line = String::new();
    stdin
        .read_line(&mut line)
        .map_err(|e| ApiError::validation("password", format!("Lecture du mot de passe impossible : {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Every anchor of the files, one JSON object per line.
fn read_anchors(files: &[String]) -> Result<Vec<Value>, ApiError> {
    let mut anchors = vec![];
    for f in files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| ApiError::validation("anchor", format!("Fichier d'ancres « {f} » illisible : {e}.")))?;
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let a: Value = serde_json::from_str(line).map_err(|e| {
                ApiError::validation(
                    "anchor",
                    format!("Fichier d'ancres « {f} », ligne {} : ce n'est pas une ancre ({e}).", n + 1),
                )
            })?;
            anchors.push(a);
        }
    }
    Ok(anchors)
}

async fn audit_anchor(desk: &Backend, file: &str) -> ExitCode {
    use std::io::Write;
    let a = match desk.call("audit_anchor", json!({})).await {
        Ok(v) => v,
        Err(e) => return print_error(&e),
    };
    let written = std::fs::OpenOptions::new().create(true).append(true).open(file).and_then(|mut f| {
        writeln!(f, "{a}")?;
        f.sync_all()
    });
    match written {
        Ok(()) => {
            println!(
                "Ancre ajoutée à « {file} » : ligne n° {} du journal, empreinte {}.",
                a["seq"],
                a["hash"].as_str().unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => print_error(&ApiError::validation("file", format!("Impossible d'écrire « {file} » : {e}."))),
    }
}

async fn audit_verify(desk: &Backend, as_json: bool, anchor_files: &[String]) -> ExitCode {
    let anchors = match read_anchors(anchor_files) {
        Ok(a) => a,
        Err(e) => return print_error(&e),
    };
    let v = match desk.call("audit_verify", json!({ "anchors": anchors })).await {
        Ok(v) => v,
        Err(e) => return print_error(&e),
    };
    let intact = v["intact"].as_bool().unwrap_or(false);
    if as_json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("{} lignes vérifiées ({} antérieures à la chaîne).", v["rows_checked"], v["unchained"]);
        if !anchor_files.is_empty() {
            println!("{} ancres vérifiées.", v["anchors_checked"]);
        }
        if intact {
            println!("Journal intact.");
        }
        for b in v["breaks"].as_array().into_iter().flatten() {
            println!("{}", b["message"].as_str().unwrap_or_default());
        }
    }
    if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    }
}

fn print_result(r: Result<Value, ApiError>) -> ExitCode {
    match r {
        Ok(v) => {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(e) => print_error(&e),
    }
}

fn print_error(e: &ApiError) -> ExitCode {
    println!("{}", serde_json::to_string_pretty(e).unwrap_or_default());
    ExitCode::from(1)
}

fn os_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "inconnu".into())
}
