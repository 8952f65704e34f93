//! `/etc/guichet/server.toml`: what `guichet serve --config FILE` reads, so
//! that the systemd unit carries no setting and the database's password
//! stays in a file only the `guichet` user reads. A flag given on the command
//! line wins over the file; the file wins over the defaults.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Every key is optional; an unknown key is refused (a typo must not be ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// postgres://rôle:motdepasse@serveur:5432/base (the application role).
    pub database: Option<String>,
    pub listen: Option<SocketAddr>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub self_signed: Option<PathBuf>,
    pub max_body_mb: Option<usize>,
    pub timeout_s: Option<u64>,
    pub logins_per_address: Option<usize>,
    /// Connections open at once from one address (a reverse proxy: all of them).
    pub connections_per_address: Option<usize>,
    /// Folder where the members' codes sent by e-mail or SMS are written as
    /// message files, for the site's own sender (none: codes go by letter).
    pub outbox_dir: Option<PathBuf>,
    /// The site's mail server, which sends the members' codes and receipts
    /// (`smtps://user:password@mail.example.ma`); instead of `outbox_dir`.
    pub smtp_url: Option<String>,
    /// The messages' sender (`Mutuelle <ne-pas-repondre@mutuelle.ma>`).
    pub mail_from: Option<String>,
    /// An e-mail-to-SMS gateway's domain (none: no SMS).
    pub sms_gateway: Option<String>,
    /// The file of the key of the members' codes' digests (made at first
    /// start; every server of a site needs the same file).
    pub code_key_file: Option<PathBuf>,
}

impl ServerConfig {
    /// Reads the file; the message names the file and, for a bad key or value, the key and line.
    pub fn read(path: &Path) -> Result<ServerConfig, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("Fichier de configuration {} illisible : {e}", path.display()))?;
        let config: ServerConfig = toml::from_str(&text)
            .map_err(|e| format!("Fichier de configuration {} : {}", path.display(), e.to_string().trim_end()))?;
        config.check().map_err(|e| format!("Fichier de configuration {} : {e}", path.display()))?;
        Ok(config)
    }

    /// A TLS setting that would silently fall back to plain HTTP is refused,
    /// and so are two senders of messages.
    fn check(&self) -> Result<(), &'static str> {
        if self.outbox_dir.is_some() && self.smtp_url.is_some() {
            return Err("outbox_dir ou smtp_url, pas les deux : les messages partent d'un seul endroit");
        }
        if self.smtp_url.is_some() && self.mail_from.is_none() {
            return Err("smtp_url demande mail_from (l'expéditeur des messages)");
        }
        match (&self.tls_cert, &self.tls_key, &self.self_signed) {
            (Some(_), None, _) | (None, Some(_), _) => {
                Err("tls_cert et tls_key vont ensemble : indiquez les deux, ou self_signed")
            }
            (Some(_), Some(_), Some(_)) => Err("tls_cert/tls_key ou self_signed, pas les deux"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key_and_refuses_an_unknown_one() {
        let c: ServerConfig = toml::from_str(
            "database = \"postgres://app@localhost/guichet\"\nlisten = \"127.0.0.1:9443\"\nself_signed = \
                \"/var/lib/guichet/tls\"\nmax_body_mb = 32\n",
        )
        .unwrap();
        assert_eq!(c.database.as_deref(), Some("postgres://app@localhost/guichet"));
        assert_eq!(c.listen, Some("127.0.0.1:9443".parse().unwrap()));
        assert_eq!(c.max_body_mb, Some(32));
        let err =
            toml::from_str::<ServerConfig>("listen = \"0.0.0.0:8443\"\ndatbase = \"x\"\n").unwrap_err().to_string();
        assert!(err.contains("datbase"), "{err}");
        let half: ServerConfig = toml::from_str("tls_key = \"/etc/guichet/key.pem\"\n").unwrap();
        assert!(half.check().unwrap_err().contains("tls_cert et tls_key"));
    }

    #[test]
    fn messages_leave_from_one_place_with_a_sender() {
        let mail: ServerConfig = toml::from_str(
            "smtp_url = \"smtps://g:p@mail.example.ma\"\nmail_from = \"Mutuelle <n@example.ma>\"\n\
                sms_gateway = \"sms.example.ma\"\n",
        )
        .unwrap();
        assert_eq!(mail.check(), Ok(()));
        assert_eq!(mail.sms_gateway.as_deref(), Some("sms.example.ma"));
        let no_sender: ServerConfig = toml::from_str("smtp_url = \"smtps://mail.example.ma\"\n").unwrap();
        assert!(no_sender.check().unwrap_err().contains("mail_from"));
        let both: ServerConfig = toml::from_str(
            "smtp_url = \"smtps://mail.example.ma\"\nmail_from = \"n@example.ma\"\noutbox_dir = \"/tmp/envois\"\n",
        )
        .unwrap();
        assert!(both.check().unwrap_err().contains("pas les deux"));
    }
}
