//! The HTTP surface: `POST /api/v1/{operation}` with the command layer's JSON
//! request and answer, `GET /healthz`, `GET /api/v1/version`. Errors are the
//! command layer's `{code, message, field?}` with a fitting status. Files
//! travel as bytes: an input file's path is replaced by its bytes
//! (`{"$file": {name, base64}}`), and the files an operation writes come back
//! as `{"result": …, "files": [{name, base64}]}`. A long operation asked with
//! `Accept: application/x-ndjson` streams `{"progress": …}` lines and ends
//! with its result; closing the connection stops it.

use crate::answer::{
    body_stalled, error, read_limited, refused_unread, status_of, too_large_without_session, unread, BodyRefused,
};
use crate::callers::DeskHead;
use crate::State;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State as Axum};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use guichet_core::api::files::{self, FileDir};
use guichet_core::api::{self, Caller, ProgressSink, Space};
use guichet_core::error::{ApiError, ErrorCode};
use guichet_core::staff::sessions::{self, Session};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;

/// The remote address of the connection, put on each request by the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct Remote(pub SocketAddr);

/// The largest request of a caller without a session (a login is a few
/// dozen bytes): an anonymous client cannot make the server hold megabytes.
pub(crate) const PUBLIC_BODY: usize = 16 * 1024;

pub async fn healthz(Axum(st): Axum<State>) -> Response {
    match st.api.db().ping().await {
        Ok(_) => axum::Json(json!({ "status": "ok" })).into_response(),
        Err(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "status": "base injoignable" }))).into_response()
        }
    }
}

pub async fn version(Axum(st): Axum<State>) -> Response {
    let schema = st.api.db().schema_version().await;
    axum::Json(json!({ "application": guichet_core::VERSION, "schema": schema })).into_response()
}

/// Headers every answer carries: over HTTPS, HSTS (a browser that has
/// reached the site once never tries it in plain HTTP again); in the
/// member's space, `no-store` (his data is never kept in a cache, shared or
/// his own); `Server-Timing`, the time the server took from the request's
/// headers to its answer's, so that a slow answer tells the server's time
/// from the network's and the caller's own (the benchmarks print both).
pub async fn answer_headers(tls: bool, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let member_space = req.uri().path().starts_with("/portail/api/");
    let started = std::time::Instant::now();
    let mut r = next.run(req).await;
    let took = format!("app;dur={:.2}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(v) = HeaderValue::from_str(&took) {
        r.headers_mut().insert("server-timing", v);
    }
    if tls {
        r.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if member_space {
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

pub async fn fallback() -> Response {
    error(ApiError::not_found("Adresse inconnue : les opérations sont sous /api/v1/{opération}."))
}

/// What a call needs besides its request.
struct Call {
    op: String,
    desk: String,
    remote: String,
    session: Option<Session>,
    caller: Caller,
    /// It logs a staff member in ([`OpInfo::opens_session`]).
    opens_session: bool,
}

pub async fn call(
    Axum(st): Axum<State>,
    Path(op): Path<String>,
    head: DeskHead,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let DeskHead { desk, remote, token } = head;
    let Some(info) = st.ops.get(op.as_str()).filter(|i| i.space == Space::Desk) else {
        let e = ApiError::not_found(format!("Opération inconnue « {op} » : voir `guichet operations` pour la liste."));
        return refused_unread(body, st.body_timeout, error(e)).await;
    };
    if let Some(why) = info.local_only {
        return refused_unread(body, st.body_timeout, error(ApiError::forbidden(why))).await;
    }
    let pool = st.api.db().pool().clone();
    // Who calls is known before the body is read: an anonymous client is
    // refused, or limited to a form's size, without the server holding more.
    let session = match &token {
        Some(t) => match sessions::find(&pool, t, st.api.now()).await {
            Ok(s) => s,
            Err(e) => return refused_unread(body, st.body_timeout, error(e)).await,
        },
        None => None,
    };
    let public = info.permission == guichet_core::auth::Permission::Public;
    // An ended token is no refusal for what a desk asks before logging in again.
    let before_login = public && (info.opens_session || info.read_only);
    if token.is_some() && session.is_none() && !before_login {
        let mut e =
            ApiError::unauthenticated("Session terminée ou inconnue : reconnectez-vous (votre saisie est gardée).");
        e.field = Some("session_expired".into());
        return refused_unread(body, st.body_timeout, error(e)).await;
    }
    if session.is_none() && !public {
        let e = ApiError::unauthenticated("Connectez-vous d'abord.");
        return refused_unread(body, st.body_timeout, error(e)).await;
    }
    let limit = if session.is_none() { PUBLIC_BODY.min(st.max_body) } else { st.max_body };
    let body = match read_limited(body, limit, st.body_timeout).await {
        Ok(b) => b,
        Err(refused) => {
            let e = match refused {
                BodyRefused::TooLarge if session.is_none() => too_large_without_session(limit),
                BodyRefused::TooLarge => ApiError::validation(
                    "request",
                    format!("Requête trop volumineuse : au plus {} Mo (fichiers compris).", st.max_body / 1_048_576),
                ),
                BodyRefused::Slow => body_stalled(),
            };
            return unread((refused.status(), axum::Json(e)).into_response());
        }
    };
    let text = match std::str::from_utf8(&body) {
        Ok(t) => t,
        Err(_) => {
            return error(ApiError::validation("request", "Requête illisible : le corps n'est pas du texte UTF-8."))
        }
    };
    let mut request = match api::parse_json(text) {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let caller = session.as_ref().map(Session::caller).unwrap_or_default();
    let call = Call { op: op.clone(), desk, remote, session, caller, opens_session: info.opens_session };

    // Files come and go as bytes, in the request, the answer or the progress
    // (`api::edge` on the client's side): a path is refused, never read.
    for f in info.files.iter().filter(|f| f.dir == FileDir::In) {
        let res = files::each(&mut request, f.pointer, &mut |v| match v.is_string() {
            true => Err(ApiError::validation(
                f.pointer.trim_start_matches('/'),
                "Envoyez le contenu du fichier, pas son chemin : le serveur ne lit pas les fichiers des postes.",
            )),
            false => Ok(()),
        });
        if let Err(e) = res {
            return error(e);
        }
    }

    let ndjson =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/x-ndjson"));
    if ndjson {
        // Only an operation that streams its progress runs unbounded.
        let timeout = (!info.streams).then_some(st.timeout);
        return stream(st, call, request, timeout).await;
    }
    let (result, call) = match tokio::time::timeout(st.timeout, run(&st, call, request, None)).await {
        Ok(r) => r,
        Err(_) => return error(timed_out(&op, st.timeout)),
    };
    let token = match after(&st, &call, result.is_ok()).await {
        Ok(t) => t,
        Err(e) => return error(e),
    };
    let body = match result {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let mut resp = axum::Json(body).into_response();
    if let Some(t) = token.and_then(|t| HeaderValue::from_str(&t).ok()) {
        resp.headers_mut().insert("x-guichet-session", t);
    } else if call.session.is_some() && call.caller == Caller::Anonymous {
        // The call ended the desk's session (a logout): its token is no more.
        resp.headers_mut().insert("x-guichet-session-ended", HeaderValue::from_static("1"));
    }
    resp
}

fn timed_out(op: &str, limit: Duration) -> ApiError {
    ApiError::new(
        ErrorCode::Unavailable,
        format!("L'opération {op} a dépassé {} secondes : elle est annulée, rien n'a été enregistré.", limit.as_secs()),
    )
}

/// Runs the operation for the call's caller; the caller as the call left it.
async fn run(
    st: &State,
    mut call: Call,
    request: Value,
    progress: Option<ProgressSink>,
) -> (Result<Value, ApiError>, Call) {
    // Every journal row the call writes names the desk and its address.
    let origin = guichet_core::audit::Origin { desk: call.desk.clone(), remote_addr: call.remote.clone() };
    let result = guichet_core::audit::ORIGIN
        .scope(origin, st.api.call_with_progress(&mut call.caller, &call.op, request, progress))
        .await;
    (result, call)
}

/// Writes the session back after a call; the new token after a login, or
/// after one's own password change (which ended every session of his).
async fn after(st: &State, call: &Call, succeeded: bool) -> Result<Option<String>, ApiError> {
    let pool = st.api.db().pool();
    let now = st.api.now();
    if let Some(s) = &call.session {
        sessions::write_back(pool, s, &call.caller, now).await?;
    }
    // A login, the first administrator created on a new site, or a new
    // password (which ended his sessions) opens a session.
    if call.opens_session && succeeded {
        if let Caller::Staff { staff_id, .. } = call.caller {
            if let Some(s) = &call.session {
                sessions::end(pool, &s.hash, now).await?;
            }
            return Ok(Some(sessions::open(pool, staff_id, &call.desk, &call.remote, now).await?));
        }
    }
    Ok(None)
}

/// A long operation whose progress streams as NDJSON lines; the client
/// closing the connection stops it between two steps.
async fn stream(st: State, call: Call, request: Value, timeout: Option<Duration>) -> Response {
    // Unbounded, so that no file a statement run sends with its progress is
    // ever lost; a plain progress line is dropped instead when the client
    // is that far behind, rather than the operation waiting for it.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    let behind = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (progress_tx, queued, last_queued) = (tx.clone(), behind.clone(), behind.clone());
    let sink: ProgressSink = std::sync::Arc::new(move |p: Value| {
        use std::sync::atomic::Ordering;
        if progress_tx.is_closed() {
            return false;
        }
        if p.get("file").is_some() || queued.load(Ordering::Relaxed) < 64 {
            queued.fetch_add(1, Ordering::Relaxed);
            let _ = progress_tx.send(Bytes::from(format!("{}\n", json!({ "progress": p }))));
        }
        true
    });
    tokio::spawn(async move {
        let op = call.op.clone();
        let (result, call) = match timeout {
            None => run(&st, call, request, Some(sink)).await,
            Some(limit) => {
                let session = call.session.clone();
                let caller = call.caller.clone();
                let (desk, remote) = (call.desk.clone(), call.remote.clone());
                match tokio::time::timeout(limit, run(&st, call, request, Some(sink))).await {
                    Ok(done) => done,
                    Err(_) => {
                        let call = Call { op: op.clone(), desk, remote, session, caller, opens_session: false };
                        (Err(timed_out(&op, limit)), call)
                    }
                }
            }
        };
        let token = after(&st, &call, result.is_ok()).await;
        let last = match (result, token) {
            (Ok(v), Ok(_)) => json!({ "result": v }),
            (Err(e), _) | (_, Err(e)) => json!({ "error": e, "status": status_of(e.code).as_u16() }),
        };
        last_queued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = tx.send(Bytes::from(format!("{last}\n")));
    });
    let body = futures_util::stream::unfold((rx, behind), |(mut rx, behind)| async move {
        let line = rx.recv().await?;
        behind.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        Some((Ok::<_, std::convert::Infallible>(line), (rx, behind)))
    });
    let mut resp = Response::new(Body::from_stream(body));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    resp
}
