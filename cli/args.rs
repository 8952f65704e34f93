//! The command line's grammar: every command, its arguments and its French
//! help text. `main.rs` dispatches; nothing here runs anything.

use crate::drugs::DrugsCommand;
use crate::server_config::ServerConfig;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "guichet",
    version,
    about = "Guichet, back office d'une mutuelle de santé : outil en ligne de commande"
)]
pub struct Cli {
    /// Base de données : sqlite://CHEMIN ou postgres://utilisateur:motdepasse@serveur:5432/base
    #[arg(long, global = true, env = "GUICHET_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// Agir en tant que ce membre du personnel (mot de passe dans GUICHET_PASSWORD).
    /// Sans --user, la commande agit en tant que « système:<compte du serveur> ».
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// Passer par un serveur Guichet (https://serveur:8443) au lieu d'ouvrir la
    /// base : aucune clé de base de données sur ce poste ; --user obligatoire.
    #[arg(long, global = true, env = "GUICHET_SERVER")]
    pub server: Option<String>,
    /// Empreinte SHA-256 du certificat auto-signé du serveur (affichée par
    /// `guichet serve`) ; sans elle, les autorités du système.
    #[arg(long, global = true, env = "GUICHET_SERVER_FINGERPRINT")]
    pub server_fingerprint: Option<String>,
    /// Affiche chaque résultat en JSON, un objet par ligne (pour les scripts).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    Drugs(DrugsCommand),
    /// Importe un fichier d'adhérents d'un employeur (.xlsx, .xls, .ods, .csv).
    ImportMembers {
        /// Le fichier à importer.
        file: String,
        /// Rapport seulement : rien n'est écrit.
        #[arg(long)]
        dry_run: bool,
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
pub struct ServeArgs {
    /// Fichier de configuration (TOML : database, listen, tls_cert, tls_key,
    /// self_signed, max_body_mb, timeout_s, logins_per_address,
    /// connections_per_address, outbox_dir,
    /// smtp_url, mail_from, sms_gateway, code_key_file) ; une option
    /// donnée ici l'emporte sur le fichier. Celui des paquets :
    /// /etc/guichet/server.toml.
    #[arg(long, value_name = "FICHIER")]
    pub config: Option<std::path::PathBuf>,
    /// Adresse d'écoute [défaut : 0.0.0.0:8443].
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// Certificat du serveur (PEM), avec --tls-key.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// Clé privée du serveur (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Dossier d'un certificat auto-signé, créé au premier démarrage ; son
    /// empreinte est affichée pour que les postes la comparent.
    #[arg(long, conflicts_with = "tls_cert")]
    pub self_signed: Option<std::path::PathBuf>,
    /// Accepter le rôle propriétaire du schéma ou un superutilisateur (déconseillé).
    #[arg(long)]
    pub allow_owner: bool,
    /// Taille maximale d'une requête, en Mo (les fichiers voyagent dans les
    /// requêtes) [défaut : 64].
    #[arg(long)]
    pub max_body_mb: Option<usize>,
    /// Durée maximale d'un appel, en secondes (un appel suivi en continu n'est
    /// pas limité) [défaut : 120].
    #[arg(long)]
    pub timeout_s: Option<u64>,
    /// Connexions tentées par minute depuis une même adresse (au-delà : 429) ;
    /// à relever si les postes passent par un même mandataire [défaut : 30].
    #[arg(long)]
    pub logins_per_address: Option<usize>,
    /// Connexions ouvertes en même temps depuis une même adresse (au-delà,
    /// refusées) ; à relever si l'espace adhérent passe par un mandataire
    /// inverse, d'où viennent alors toutes ses connexions [défaut : 64].
    #[arg(long)]
    pub connections_per_address: Option<usize>,
    /// Dossier où écrire les codes de l'espace adhérent envoyés par e-mail ou
    /// SMS (un fichier par message, pour l'expéditeur du site) ; sans lui, les
    /// codes se remettent par courrier.
    #[arg(long, value_name = "DOSSIER", conflicts_with = "smtp_url")]
    pub outbox_dir: Option<std::path::PathBuf>,
    /// Serveur de messagerie qui envoie les codes et les accusés de réception
    /// de l'espace adhérent : smtps://utilisateur:motdepasse@serveur (TLS),
    /// smtp://serveur?tls=required (STARTTLS) ; en clair, seulement
    /// smtp://127.0.0.1. Mieux dans le fichier de configuration (mot de passe).
    #[arg(long, value_name = "URL")]
    pub smtp_url: Option<String>,
    /// Expéditeur des messages (« Mutuelle <ne-pas-repondre@mutuelle.ma> »),
    /// avec --smtp-url.
    #[arg(long, value_name = "ADRESSE")]
    pub mail_from: Option<String>,
    /// Domaine d'une passerelle e-mail vers SMS (un SMS part à
    /// <GSM>@<domaine>) ; sans elle, pas d'envoi par SMS.
    #[arg(long, value_name = "DOMAINE")]
    pub sms_gateway: Option<String>,
    /// Fichier de la clé des codes de l'espace adhérent (créé au premier
    /// démarrage, lisible du seul compte du serveur ; le même fichier pour
    /// tous les serveurs d'un site, hors des sauvegardes de la base)
    /// [défaut : ~/.config/guichet/cle-codes].
    #[arg(long, value_name = "FICHIER")]
    pub code_key: Option<std::path::PathBuf>,
}

impl ServeArgs {
    /// The command line over the configuration file: what `serve` runs with.
    pub fn merged(mut self, file: ServerConfig) -> ServeArgs {
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
        self.connections_per_address = self.connections_per_address.or(file.connections_per_address);
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
pub enum DbCommand {
    /// Crée (ou met à jour) le rôle PostgreSQL du serveur : lecture et écriture
    /// des tables, jamais le schéma, le journal en ajout seul. Le mot de passe
    /// est lu sur l'entrée standard.
    GrantAppRole { name: String },
    /// Met à part une année close (PostgreSQL, rôle propriétaire) : ses
    /// partitions du journal, des dossiers et des lignes de soins sont
    /// détachées (lisibles, plus écrites, plus lues par les pages des années
    /// en cours), copiées dans FICHIER (pg_dump) avec son ancre
    /// (FICHIER.ancre), et le journal garde l'empreinte de la copie. Chaque
    /// dossier de l'année doit être réglé ou rejeté.
    ArchiveYear {
        year: i32,
        /// Le fichier de la copie (remplacé s'il existe).
        #[arg(long = "out", value_name = "FICHIER")]
        out: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Vérifie la chaîne d'empreintes du journal : nomme chaque ligne modifiée,
    /// supprimée ou déplacée à la main dans la base. Code de sortie 4 si le
    /// journal a été altéré.
    Verify {
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
pub enum StaffCommand {
    /// Crée un compte ; le mot de passe est lu sur l'entrée standard.
    Add(StaffAdd),
    /// Liste les comptes.
    List,
    /// Désactive un compte (rien n'est jamais supprimé).
    Disable { username: String },
    /// Réactive un compte.
    Enable { username: String },
    /// Lève le verrouillage après des mots de passe erronés.
    Unlock { username: String },
}

#[derive(Args)]
pub struct StaffAdd {
    #[arg(long)]
    pub username: String,
    /// Nom complet.
    #[arg(long)]
    pub name: String,
    /// Rôle : reception, claims, medical ou admin (répétable).
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
}
