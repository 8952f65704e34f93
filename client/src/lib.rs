//! Calling the command layer through a Guichet server, for a desk in server
//! mode and for `guichet --server`: the same operations, requests and
//! answers as in one process. Input files are sent as bytes, the files an
//! operation writes come back as bytes and are written where the caller
//! asked, so no path crosses the wire. A self-signed server is trusted by
//! its pinned SHA-256 fingerprint; any other by the system's CAs.

use guichet_core::api::edge;
use guichet_core::api::files::{self, FileDir};
use guichet_core::api::wire::{self, fingerprint};
use guichet_core::api::ProgressSink;
use guichet_core::error::{ApiError, ErrorCode};
pub use reqwest;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server's certificate is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The system's certificate authorities.
    System,
    /// Exactly this certificate (its SHA-256, `AB:CD:…`): a self-signed server.
    Pinned(String),
}

/// A connection to one Guichet server, holding this desk's session token.
pub struct Client {
    http: reqwest::Client,
    base: String,
    desk: String,
    token: Mutex<Option<String>>,
    /// What the server said its last answer took (`Server-Timing`).
    server_time: Mutex<Option<Duration>>,
}

fn unavailable(base: &str, detail: impl std::fmt::Display) -> ApiError {
    tracing::warn!(server = base, error = %detail, "serveur injoignable");
    ApiError::new(
        ErrorCode::Unavailable,
        format!(
            "Le serveur Guichet ({base}) ne répond pas : vérifiez le réseau ou \
        prévenez l'administrateur ; votre saisie est gardée."
        ),
    )
}

/// A failed request: a certificate that is not the pinned one is said as
/// such (it may be another machine), anything else as an unreachable server.
fn send_error(base: &str, e: reqwest::Error) -> ApiError {
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        if s.to_string().contains(PIN_MISMATCH) {
            tracing::warn!(server = base, "certificat différent de l'empreinte enregistrée");
            return ApiError {
                code: ErrorCode::Unavailable,
                message: format!(
                    "Le certificat du serveur {base} n'est plus celui enregistré sur ce poste : ne vous \
                    connectez pas et prévenez l'administrateur."
                ),
                field: Some("server_certificate".into()),
            };
        }
        source = s.source();
    }
    unavailable(base, e)
}

const PIN_MISMATCH: &str = "empreinte du certificat du serveur différente de celle enregistrée";

/// How a server's certificate is checked: against the pinned fingerprint,
/// or (first connection only, never for an operation) just recorded.
#[derive(Debug)]
enum Check {
    Pinned(String),
    Record(Arc<Mutex<Option<String>>>),
}

#[derive(Debug)]
struct Verifier {
    check: Check,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = fingerprint(end_entity.as_ref());
        match &self.check {
            Check::Pinned(expected) if seen.eq_ignore_ascii_case(expected.trim()) => {
                Ok(ServerCertVerified::assertion())
            }
            Check::Pinned(_) => Err(rustls::Error::General(PIN_MISMATCH.into())),
            Check::Record(slot) => {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(seen);
                Ok(ServerCertVerified::assertion())
            }
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A rustls configuration checking the server's certificate as `check` says.
fn tls_config(check: Check) -> Result<rustls::ClientConfig, ApiError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(ApiError::internal)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Verifier { check, provider }))
        .with_no_client_auth())
}

/// What a first connection learns of a server before trusting it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Probe {
    /// The address as it will be saved.
    pub url: String,
    /// `None`: the system's certificate authorities vouch for it. Else the
    /// SHA-256 of its certificate, for the administrator to compare with the
    /// one `guichet serve` printed before pinning it.
    pub fingerprint: Option<String>,
    pub application: String,
    pub schema: Option<i64>,
}

/// Reaches a server for the first time: its versions, and its certificate's
/// fingerprint when the system's authorities do not vouch for it.
pub async fn probe(base: &str) -> Result<Probe, ApiError> {
    let system = Client::new(base, "", Trust::System)?;
    let (fingerprint, v) = match system.version().await {
        Ok(v) => (None, v),
        Err(_) if system.base.starts_with("https://") => {
            let seen = Arc::new(Mutex::new(None));
            let config = tls_config(Check::Record(seen.clone()))?;
            let http = reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                // Under the server's 10 s, after which it closes an idle connection.
                .pool_idle_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(20))
                .tls_backend_preconfigured(config)
                .build()
                .map_err(ApiError::internal)?;
            let r = http
                .get(format!("{}/api/v1/version", system.base))
                .send()
                .await
                .map_err(|e| send_error(&system.base, e))?;
            let v: Value = r.json().await.map_err(|e| unavailable(&system.base, e))?;
            let fp = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
            (fp, v)
        }
        Err(e) => return Err(e),
    };
    if v.get("application").is_none() {
        return Err(ApiError::validation("server", format!("{} ne répond pas comme un serveur Guichet.", system.base)));
    }
    Ok(Probe {
        url: system.base.clone(),
        fingerprint,
        application: v["application"].as_str().unwrap_or("").to_string(),
        schema: v["schema"].as_i64(),
    })
}

/// Whether `base` is an `https://` address.
fn https(base: &str) -> bool {
    reqwest::Url::parse(base).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some())
}

/// Whether `base` is plain HTTP to this machine: its parsed host, not its
/// text's start (`http://localhost.evil.example` and
/// `http://127.0.0.1@evil.example` go elsewhere).
fn loopback_http(base: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(base) else { return false };
    let host = u.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
    u.scheme() == "http"
        && (host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()))
}

/// The duration of `app` in a `Server-Timing` header (`app;dur=3.25`, in ms).
fn server_timing(header: &str) -> Option<Duration> {
    let app = header.split(',').map(str::trim).find(|m| m.split(';').next() == Some("app"))?;
    let ms: f64 = app.split(';').find_map(|p| p.trim().strip_prefix("dur="))?.parse().ok()?;
    (ms.is_finite() && ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0))
}

impl Client {
    /// `base`: `https://serveur:8443` (or `http://127.0.0.1:…` on the same machine).
    pub fn new(base: &str, desk: &str, trust: Trust) -> Result<Client, ApiError> {
        let base = base.trim().trim_end_matches('/').to_string();
        let base = if base.contains("://") { base } else { format!("https://{base}") };
        if !(https(&base) || loopback_http(&base)) {
            return Err(ApiError::validation(
                "server",
                "Adresse du serveur : https://… (http seulement sur la machine même).",
            ));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(600));
        let builder = match trust {
            Trust::System => builder,
            Trust::Pinned(expected) => builder.tls_backend_preconfigured(tls_config(Check::Pinned(expected))?),
        };
        let http = builder.build().map_err(ApiError::internal)?;
        Ok(Client { http, base, desk: desk.to_string(), token: Mutex::new(None), server_time: Mutex::new(None) })
    }

    /// The HTTPS client (trust as configured) and the server's address: for
    /// calls outside the command layer (the members' portal, its tests).
    pub fn http(&self) -> (&reqwest::Client, &str) {
        (&self.http, &self.base)
    }

    /// The session token this client holds (none before login or after logout).
    pub fn token(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_token(&self, token: Option<String>) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = token;
    }

    /// The time the server took for the last answer, as it said
    /// (`Server-Timing: app;dur=…`): a slow call is then told apart from a
    /// slow network or a busy caller.
    pub fn server_time(&self) -> Option<Duration> {
        self.server_time.lock().ok().and_then(|t| *t)
    }

    /// `GET /healthz` and `/api/v1/version`: the server's versions when it answers.
    pub async fn version(&self) -> Result<Value, ApiError> {
        let r = self
            .http
            .get(format!("{}/api/v1/version", self.base))
            .send()
            .await
            .map_err(|e| send_error(&self.base, e))?;
        r.json().await.map_err(|e| unavailable(&self.base, e))
    }

    /// Runs an operation on the server, as `Desk::call` does in one process.
    pub async fn call(&self, op: &str, request: Value) -> Result<Value, ApiError> {
        self.call_with_progress(op, request, None).await
    }

    /// Same, streaming a long operation's progress to `progress`; the sink
    /// answering `false` closes the connection, which stops the operation.
    pub async fn call_with_progress(
        &self,
        op: &str,
        request: Value,
        progress: Option<ProgressSink>,
    ) -> Result<Value, ApiError> {
        edge::call(op, request, progress, |r, p| self.send(op, r, p)).await
    }

    async fn send(&self, op: &str, mut request: Value, progress: Option<ProgressSink>) -> Result<Value, ApiError> {
        // Files were read, or are saved, by `edge::call`; a backup's is
        // never carried: only its name goes, and the server refuses.
        for f in files::fields_of(op).iter().filter(|f| f.dir == FileDir::Local) {
            files::each(&mut request, f.pointer, &mut |v| {
                *v = Value::String(files::file_name(f.pointer.trim_start_matches('/'), v.as_str().unwrap_or(""))?);
                Ok(())
            })?;
        }
        let mut req = self
            .http
            .post(format!("{}/api/v1/{op}", self.base))
            .header("x-guichet-desk", wire::header_text(&self.desk))
            .json(&request);
        if let Some(t) = self.token() {
            req = req.bearer_auth(t);
        }
        if progress.is_some() {
            req = req.header("accept", "application/x-ndjson");
        }
        let resp = req.send().await.map_err(|e| send_error(&self.base, e))?;
        let status = resp.status();
        if let Ok(mut t) = self.server_time.lock() {
            *t = resp.headers().get("server-timing").and_then(|v| v.to_str().ok()).and_then(server_timing);
        }
        if let Some(t) = resp.headers().get("x-guichet-session").and_then(|v| v.to_str().ok()) {
            self.set_token(Some(t.to_string()));
        }
        // The server ended this desk's session (a logout).
        if resp.headers().contains_key("x-guichet-session-ended") {
            self.set_token(None);
        }
        let body: Value = match progress {
            Some(sink) if status.is_success() => self.read_stream(resp, sink).await?,
            _ => {
                let text = resp.text().await.map_err(|e| unavailable(&self.base, e))?;
                let v: Value = serde_json::from_str(&text)
                    .map_err(|_| unavailable(&self.base, format!("réponse illisible ({status})")))?;
                if !status.is_success() {
                    return Err(self.failure(v));
                }
                v
            }
        };
        Ok(body)
    }

    /// Posts raw bytes to an operation and gives back the status and the
    /// JSON answer as they are: for tools and tests of the server's door.
    pub async fn call_raw(&self, op: &str, body: Vec<u8>) -> Result<(u16, Value), ApiError> {
        let mut req =
            self.http.post(format!("{}/api/v1/{op}", self.base)).header("content-type", "application/json").body(body);
        if let Some(t) = self.token() {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| send_error(&self.base, e))?;
        let status = resp.status().as_u16();
        let v = resp.json().await.map_err(|e| unavailable(&self.base, e))?;
        Ok((status, v))
    }

    /// `GET` a path of the server (`/healthz`, `/api/v1/version`): status and JSON answer.
    pub async fn call_get(&self, path: &str) -> Result<(u16, Value), ApiError> {
        let resp = self.http.get(format!("{}{path}", self.base)).send().await.map_err(|e| send_error(&self.base, e))?;
        let status = resp.status().as_u16();
        let v = resp.json().await.map_err(|e| unavailable(&self.base, e))?;
        Ok((status, v))
    }

    fn failure(&self, v: Value) -> ApiError {
        match serde_json::from_value::<ApiError>(v) {
            Ok(e) => {
                if e.code == ErrorCode::Unauthenticated && e.field.as_deref() == Some("session_expired") {
                    self.set_token(None);
                }
                e
            }
            Err(_) => unavailable(&self.base, "réponse d'erreur illisible"),
        }
    }

    async fn read_stream(&self, resp: reqwest::Response, sink: ProgressSink) -> Result<Value, ApiError> {
        use futures_util::StreamExt;
        let mut stream = resp.bytes_stream();
        let mut buf: Vec<u8> = vec![];
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| unavailable(&self.base, e))?;
            buf.extend_from_slice(&chunk);
            while let Some(i) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=i).collect();
                let v: Value = serde_json::from_slice(&line)
                    .map_err(|_| unavailable(&self.base, "ligne de progression illisible"))?;
                if let Some(p) = v.get("progress") {
                    if !sink(p.clone()) {
                        // Dropping the stream closes the connection: the server stops the operation.
                        return Err(ApiError::new(ErrorCode::Conflict, "Arrêté à votre demande."));
                    }
                } else if let Some(r) = v.get("result") {
                    return Ok(r.clone());
                } else if let Some(e) = v.get("error") {
                    return Err(self.failure(e.clone()));
                }
            }
        }
        Err(unavailable(&self.base, "réponse interrompue"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine_by_its_parsed_host() {
        for ok in
            ["http://127.0.0.1:9443", "http://localhost:8443", "http://[::1]:9443", "https://serveur:8443", "serveur"]
        {
            assert!(Client::new(ok, "guichet-1", Trust::System).is_ok(), "{ok}");
        }
        for refused in [
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example:9443",
            "http://127.0.0.1@evil.example",
            "http://10.0.0.5:9443",
            "ftp://127.0.0.1",
        ] {
            let e =
                Client::new(refused, "guichet-1", Trust::System).err().unwrap_or_else(|| panic!("{refused} accepted"));
            assert_eq!(e.field.as_deref(), Some("server"), "{refused}");
        }
    }

    #[test]
    fn the_servers_time_is_read_from_its_header() {
        assert_eq!(server_timing("app;dur=3.25"), Some(Duration::from_micros(3250)));
        assert_eq!(server_timing("db;dur=1, app;desc=\"x\";dur=12"), Some(Duration::from_millis(12)));
        for unread in ["", "app", "db;dur=4", "app;dur=-1", "app;dur=NaN", "app;dur=trois"] {
            assert_eq!(server_timing(unread), None, "{unread}");
        }
    }
}
