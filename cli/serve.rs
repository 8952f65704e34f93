//! `guichet serve`: the site's HTTPS server over the command layer, with the
//! settings of the command line over those of its configuration file.

use crate::args::ServeArgs;
use crate::{output, signals};
use guichet_core::api::Api;
use guichet_core::storage::Db;
use serde_json::json;
use std::process::ExitCode;

/// `guichet serve`: checks the schema and the role, serves until Ctrl-C or SIGTERM.
pub async fn serve(db: Db, a: ServeArgs) -> ExitCode {
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
    if let Some(n) = a.connections_per_address {
        opts.connections_per_address = n.max(1);
    }
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
    let url = format!("{scheme}://{}", running.addr);
    if output::json() {
        output::value(&json!({ "listening": url, "fingerprint": running.fingerprint }));
    } else {
        say!("Guichet écoute sur {url}");
        if let Some(f) = &running.fingerprint {
            say!("Empreinte SHA-256 du certificat : {f}");
        }
    }
    signals::stop_requested().await;
    running.stop().await;
    ExitCode::SUCCESS
}
