//! The server's certificate: PEM files a site already has (`--tls-cert`,
//! `--tls-key`), or a self-signed one made once and kept in a folder
//! (`--self-signed DIR`) whose SHA-256 fingerprint the desks pin. Plain HTTP
//! only on the loopback interface.

use guichet_core::api::wire::fingerprint;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Mode {
    /// No TLS: refused unless the server listens on loopback.
    Plain,
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// `cert.pem` and `key.pem` in this folder, made on first start.
    SelfSigned {
        dir: PathBuf,
    },
}

/// The TLS configuration and the certificate's fingerprint (`None`: plain HTTP).
pub fn config(mode: &Mode, listen: SocketAddr) -> Result<Option<(Arc<ServerConfig>, String)>, String> {
    let (cert, key) = match mode {
        Mode::Plain => {
            if !listen.ip().is_loopback() {
                return Err(format!(
                    "HTTP sans TLS refusé sur {listen} : seulement sur l'interface locale (127.0.0.1). \
                    Donnez --tls-cert/--tls-key ou --self-signed."
                ));
            }
            return Ok(None);
        }
        Mode::Files { cert, key } => (cert.clone(), key.clone()),
        Mode::SelfSigned { dir } => self_signed(dir)?,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .map_err(|e| format!("Certificat illisible ({}) : {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("Certificat illisible ({}) : {e}", cert.display()))?;
    let first = certs.first().ok_or_else(|| format!("Aucun certificat dans {}", cert.display()))?;
    let print = fingerprint(first.as_ref());
    let key =
        PrivateKeyDer::from_pem_file(&key).map_err(|e| format!("Clé privée illisible ({}) : {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("Certificat et clé incompatibles : {e}"))?;
    Ok(Some((Arc::new(config), print)))
}

/// The self-signed certificate of `dir`, made on first start for this
/// machine's name, `localhost` and the loopback addresses.
fn self_signed(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("Dossier {} impossible à créer : {e}", dir.display()))?;
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    names.extend(guichet_core::host::name());
    let made =
        rcgen::generate_simple_self_signed(names).map_err(|e| format!("Certificat auto-signé impossible : {e}"))?;
    std::fs::write(&cert, made.cert.pem()).map_err(|e| e.to_string())?;
    write_private(&key, made.signing_key.serialize_pem().as_bytes())?;
    Ok((cert, key))
}

/// A file only its owner reads.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| e.to_string())?;
        f.write_all(bytes).map_err(|e| e.to_string())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, bytes).map_err(|e| e.to_string())
    }
}
