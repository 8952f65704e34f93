//! `guichet serve`: the command layer over HTTPS for the desks of a site.
//! The desks and the administrators' CLI hold no database address or
//! password: they call the operations through this server, which checks
//! the caller, runs the same code as a desk alone, and keeps the sessions in
//! the database (two server processes can serve the same desks). On
//! PostgreSQL it runs with an application role that cannot change the
//! schema nor rewrite the journal, and refuses the owner's or a superuser's.

mod answer;
mod callers;
mod door;
mod limits;
pub mod mail;
pub mod portal;
mod routes;
pub mod tls;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use guichet_core::api::catalogue::OpInfo;
use guichet_core::api::{ops, Api};
use guichet_core::storage::Db;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

pub use answer::status_of;
pub use guichet_core::staff::sessions;

/// How a server runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    pub tls: tls::Mode,
    /// The largest request, bytes (files travel in requests).
    pub max_body: usize,
    /// The longest a call may run before it is cancelled (a streamed
    /// operation is not bounded: its client can stop it).
    pub timeout: Duration,
    /// Run with the schema owner's role or a superuser's (refused otherwise).
    pub allow_owner: bool,
    /// Login attempts a minute from one address (a site whose desks reach
    /// the server through one proxy needs more) and for one account.
    pub logins_per_address: usize,
    pub logins_per_account: usize,
    /// Connections held open at most, in all and from one address (a site
    /// whose desks reach the server through one proxy raises the second).
    pub max_connections: usize,
    pub connections_per_address: usize,
    /// A client has this long to send a request's headers (and an idle
    /// kept-alive connection is closed after it).
    pub header_timeout: Duration,
    /// A request's body may pause this long between two pieces.
    pub body_timeout: Duration,
}

impl Options {
    pub fn new(listen: SocketAddr, tls: tls::Mode) -> Options {
        Options {
            listen,
            tls,
            max_body: 64 * 1024 * 1024,
            timeout: Duration::from_secs(120),
            allow_owner: false,
            logins_per_address: 30,
            logins_per_account: 10,
            max_connections: 4096,
            connections_per_address: 64,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// What every request reaches.
#[derive(Clone)]
pub struct State {
    api: Api,
    ops: Arc<HashMap<&'static str, OpInfo>>,
    limits: Arc<limits::Limits>,
    timeout: Duration,
    max_body: usize,
    body_timeout: Duration,
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    /// The certificate's SHA-256, for the desks to compare and pin (`None`: plain HTTP).
    pub fingerprint: Option<String>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting and waits for the accept loop to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
    /// Waits until the server stops (Ctrl-C or SIGTERM in `guichet serve`).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Opens this year, and the next from December (PostgreSQL: the partitions
/// of the journal, the dossiers and the care lines), at start and four
/// times a day, so that a new year's first row finds its own; not sooner,
/// as every year open is planned by each query that reads them all. A
/// failure is logged, not fatal: a journal row goes to the partition of
/// rows outside the years, and a dossier's recording opens its year itself.
async fn open_years(api: &Api) {
    use chrono::Datelike;
    let now = api.now();
    let years: Vec<i32> = if now.month() == 12 { vec![now.year(), now.year() + 1] } else { vec![now.year()] };
    if let Err(e) = guichet_core::years::open(api.db(), &years).await {
        tracing::warn!(error = %e.message, "années du journal non ouvertes");
    }
}

/// On PostgreSQL, refuses a superuser's role or the schema owner's unless
/// told otherwise ([`guichet_core::storage::roles::check_server_role`]).
pub async fn check_role(db: &Db, allow_owner: bool) -> Result<(), String> {
    guichet_core::storage::roles::check_server_role(db, allow_owner).await
}

pub fn router(api: Api, opts: &Options) -> Router {
    let ops: HashMap<&'static str, OpInfo> = ops::all().into_iter().map(|o| (o.name, o)).collect();
    let tls = !matches!(opts.tls, tls::Mode::Plain);
    let state = State {
        api: api.serving_remote(),
        ops: Arc::new(ops),
        limits: Arc::new(limits::Limits::new(opts.logins_per_address, opts.logins_per_account)),
        timeout: opts.timeout,
        max_body: opts.max_body,
        body_timeout: opts.body_timeout,
    };
    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/api/v1/version", get(routes::version))
        .route("/api/v1/{op}", post(routes::call))
        .route("/portail", get(portal::redirect))
        .route("/portail/", get(portal::index))
        .route("/portail/assets/{name}", get(portal::file))
        .route("/portail/api/{op}", post(portal::call).get(portal::download))
        .route("/portail/{*rest}", get(portal::unknown))
        .fallback(routes::fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::doors))
        .layer(axum::middleware::from_fn(portal::pages::as_page))
        .layer(axum::middleware::from_fn(move |req, next| routes::answer_headers(tls, req, next)))
        // The handler reads the body within `max_body` itself, to refuse in French.
        .layer(DefaultBodyLimit::disable())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Starts serving `db` (its schema current, its role checked by the caller).
pub async fn start(api: Api, opts: Options) -> Result<Running, String> {
    let tls = tls::config(&opts.tls, opts.listen)?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| format!("Écoute impossible sur {} : {e}", opts.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let fingerprint = tls.as_ref().map(|(_, f)| f.clone());
    let acceptor = tls.map(|(c, _)| tokio_rustls::TlsAcceptor::from(c));
    open_years(&api).await;
    let years = api.clone();
    let app = router(api, &opts);
    let door = door::Door::new(opts.max_connections, opts.connections_per_address);
    let header_timeout = opts.header_timeout;
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        // The open connections: a stopped server has closed every one of
        // them when `stop` returns (a desk's kept-alive connection is not
        // served a moment longer).
        let mut connections = tokio::task::JoinSet::new();
        let mut daily = tokio::time::interval(std::time::Duration::from_secs(6 * 3600));
        loop {
            while connections.try_join_next().is_some() {}
            let (tcp, remote) = tokio::select! {
                _ = daily.tick() => {
                    open_years(&years).await;
                    continue;
                }
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "connexion refusée");
                        continue;
                    }
                },
                _ = stopped.changed() => break,
            };
            // Past a cap the connection is closed unread.
            let Some(admitted) = door.admit(remote.ip()) else {
                drop(tcp);
                continue;
            };
            // An answer leaves as it is written: with Nagle's algorithm, an
            // answer written in two pieces may wait for the caller's
            // acknowledgement of the first (delayed up to 40 ms on Linux).
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY refusé");
            }
            let app = app.clone();
            let acceptor = acceptor.clone();
            let mut closing = stopped.clone();
            connections.spawn(async move {
                let svc = app.map_request(move |mut r: axum::http::Request<hyper::body::Incoming>| {
                    r.extensions_mut().insert(routes::Remote(remote));
                    r
                });
                let svc = TowerToHyperService::new(svc);
                let _admitted = admitted;
                // HTTP/1 only, so that no byte is read to guess the version
                // before the header timeout runs.
                let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new()).http1_only();
                // A client that drips its headers is dropped; so is a kept-alive
                // connection left idle as long.
                builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
                let serving = async {
                    match acceptor {
                        Some(acc) => match tokio::time::timeout(header_timeout, acc.accept(tcp)).await {
                            Ok(Ok(stream)) => builder.serve_connection(TokioIo::new(stream), svc).await,
                            _ => Ok(()),
                        },
                        None => builder.serve_connection(TokioIo::new(tcp), svc).await,
                    }
                };
                // A stopped server closes its open connections too.
                tokio::select! {
                    served = serving => if let Err(e) = served {
                        tracing::debug!(error = %e, "connexion close");
                    },
                    _ = closing.changed() => {}
                }
            });
        }
        while connections.join_next().await.is_some() {}
    });
    Ok(Running { addr, fingerprint, stop, task })
}
