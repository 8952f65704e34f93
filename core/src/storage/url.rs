//! Database URLs: `sqlite://PATH` (absolute `sqlite:///var/…` or relative
//! `sqlite://data/g.sqlite3`) and `postgres://user:pass@host:port/db`.

use super::OpenError;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The backend a connection (or, through it, a transaction) talks to,
    /// for the code that holds no `Db`.
    pub fn of(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseUrl {
    pub backend: Backend,
    pub raw: String,
    pub sqlite_path: Option<PathBuf>,
    /// Safe to print: the password is replaced by `***`.
    pub display: String,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<DatabaseUrl, OpenError> {
        let raw = raw.trim();
        let bad = |why: &str| OpenError::BadUrl(format!("« {} » : {why}", redact(raw)));
        if raw.is_empty() {
            return Err(bad("l'adresse est vide (attendu sqlite://CHEMIN ou postgres://…)"));
        }
        if let Some(rest) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            let path_part = rest.split('?').next().unwrap_or("");
            if path_part.is_empty() || path_part == ":memory:" {
                return Err(bad("il manque le chemin du fichier (exemple : sqlite:///home/agent/guichet.sqlite3)"));
            }
            let decoded = ::url::form_urlencoded::parse(format!("p={}", path_part.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let path = PathBuf::from(decoded);
            return Ok(DatabaseUrl {
                backend: Backend::Sqlite,
                raw: raw.to_string(),
                display: format!("sqlite://{}", path.display()),
                sqlite_path: Some(path),
            });
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let u = ::url::Url::parse(raw).map_err(|e| bad(&format!("adresse PostgreSQL mal formée ({e})")))?;
            if u.host_str().is_none_or(|h| h.is_empty()) && !u.query_pairs().any(|(k, _)| k == "host") {
                return Err(bad(
                    "il manque le nom du serveur (exemple : postgres://guichet:motdepasse@serveur:5432/guichet)",
                ));
            }
            if u.path().trim_start_matches('/').is_empty() {
                return Err(bad("il manque le nom de la base après le serveur (exemple : …:5432/guichet)"));
            }
            return Ok(DatabaseUrl {
                backend: Backend::Postgres,
                raw: raw.to_string(),
                sqlite_path: None,
                display: redact(raw),
            });
        }
        Err(bad("type de base inconnu : l'adresse doit commencer par sqlite:// ou postgres://"))
    }

    /// The URL handed to sqlx.
    pub fn sqlx_url(&self) -> String {
        match self.backend {
            Backend::Sqlite => {
                let path = self.sqlite_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
                // sqlx percent-decodes the path; `rwc` creates the file if missing.
                let enc: String = ::url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
                format!("sqlite://{}?mode=rwc", enc.replace("%2F", "/").replace('+', "%20"))
            }
            Backend::Postgres => self.raw.clone(),
        }
    }
}

/// Hides the password of a URL.
fn redact(raw: &str) -> String {
    match ::url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        let u = DatabaseUrl::parse("sqlite:///tmp/g.sqlite3").unwrap();
        assert_eq!(u.sqlite_path.unwrap(), PathBuf::from("/tmp/g.sqlite3"));
        let u = DatabaseUrl::parse("sqlite://data/g.sqlite3").unwrap();
        assert_eq!(u.sqlite_path.unwrap(), PathBuf::from("data/g.sqlite3"));
        let u = DatabaseUrl::parse("sqlite:///tmp/mon%20dossier/g.sqlite3").unwrap();
        assert_eq!(u.sqlite_path.clone().unwrap(), PathBuf::from("/tmp/mon dossier/g.sqlite3"));
        assert_eq!(u.sqlx_url(), "sqlite:///tmp/mon%20dossier/g.sqlite3?mode=rwc");
    }

    #[test]
    fn malformed_urls_are_explained_in_french() {
        for (url, expect) in [
            ("", "l'adresse est vide"),
            ("mysql://x/y", "type de base inconnu"),
            ("sqlite://", "il manque le chemin"),
            ("postgres://", "il manque le nom du serveur"),
            ("postgres://serveur:5432", "il manque le nom de la base"),
            ("postgres://u:p@serveur:99999/db", "mal formée"),
        ] {
            let e = DatabaseUrl::parse(url).unwrap_err().to_string();
            assert!(e.starts_with("Adresse de base de données invalide"), "{url}: {e}");
            assert!(e.contains(expect), "{url}: {e}");
        }
    }

    #[test]
    fn password_is_never_displayed() {
        let u = DatabaseUrl::parse("postgres://guichet:secret@localhost:5432/guichet").unwrap();
        assert!(!u.display.contains("secret"));
        let e = DatabaseUrl::parse("postgres://guichet:secret@localhost:5432").unwrap_err().to_string();
        assert!(!e.contains("secret"), "{e}");
    }
}
