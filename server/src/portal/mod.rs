//! The members' portal under `/portail`: its page and, under
//! `/portail/api/{operation}`, the command layer's operations of the
//! members' space ([`Space::Portal`]), as the desks' are under `/api/v1`:
//! `POST` with the JSON request, or `GET` with the request in the query for
//! what changes nothing (a PDF, the logo, answered as the file itself). A
//! member's session is a cookie of its own (`guichet_portail`: `Secure`,
//! `HttpOnly`, `SameSite=Strict`, path `/portail`), never a staff token; the
//! form token of his session travels in `X-Guichet-CSRF`. The server hands
//! both to the core as the caller ([`Caller::Member`]); who the member is,
//! and what he may reach, the core decides.

mod forms;
pub mod pages;

use crate::answer::refused_unread;
use crate::callers::MemberHead;
use crate::State;
use axum::body::Body;
use axum::extract::{Path, Query, State as Axum};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use forms::{error, member_limit, read_within};
pub(crate) use forms::{from_our_page, PUBLIC_BODY};
use guichet_core::api::catalogue::OpInfo;
use guichet_core::api::files::FileData;
use guichet_core::api::{Caller, Space};
use guichet_core::error::{ApiError, ErrorCode};
use guichet_core::portal::sessions::MAX_AGE;
use serde_json::Value;
use std::collections::BTreeMap;

/// The member's session cookie.
pub const COOKIE: &str = "guichet_portail";
/// The header that carries the form token (CSRF).
pub const CSRF_HEADER: &str = "x-guichet-csrf";

fn set_cookie(token: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/portail; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// An operation of the members' space (none for a desk's: a member's
/// address never reaches one).
fn portal_op<'a>(st: &'a State, op: &str) -> Option<&'a OpInfo> {
    st.ops.get(op).filter(|i| i.space == Space::Portal)
}

fn no_such_page() -> Response {
    error(ApiError::not_found("Cette page n'existe pas dans l'espace adhérent."))
}

/// Runs `op` for the caller, within the call's time, every journal row it
/// writes naming the portal and the member's address; the caller as the
/// call left it (logged in, or out).
async fn run(
    st: &State,
    mut caller: Caller,
    op: &str,
    request: Value,
    remote: String,
) -> (Result<Value, ApiError>, Caller) {
    let origin = guichet_core::audit::Origin { desk: "espace adhérent".into(), remote_addr: remote };
    let call = guichet_core::audit::ORIGIN.scope(origin, st.api.call(&mut caller, op, request));
    let result = match tokio::time::timeout(st.timeout, call).await {
        Ok(r) => r,
        Err(_) => Err(ApiError::new(
            ErrorCode::Unavailable,
            "Le service a mis trop de temps à répondre : rien n'a été enregistré, recommencez.",
        )),
    };
    (result, caller)
}

/// The cookie a call leaves: the session a login opened, or none once the
/// session ended (a logout, a session past its time).
fn with_cookie(mut r: Response, before: &Caller, after: &Caller) -> Response {
    let token = |c: &Caller| match c {
        Caller::Member { token, .. } => Some(token.clone()),
        _ => None,
    };
    match (token(before), token(after)) {
        (b, Some(a)) if b.as_deref() != Some(a.as_str()) => {
            r.headers_mut().insert(header::SET_COOKIE, set_cookie(&a, MAX_AGE.num_seconds()));
        }
        (Some(_), None) => {
            r.headers_mut().insert(header::SET_COOKIE, set_cookie("", 0));
        }
        _ => {}
    }
    r
}

/// `POST /portail/api/{op}`: an operation of the members' space with its
/// JSON request (a door's form was counted by the layer [`crate::limits::doors`]).
pub async fn call(Axum(st): Axum<State>, Path(op): Path<String>, head: MemberHead, body: Body) -> Response {
    let MemberHead { caller, remote } = head;
    let Some(info) = portal_op(&st, &op) else {
        return refused_unread(body, st.body_timeout, no_such_page()).await;
    };
    let limit = match caller {
        Caller::Member { .. } if info.door.is_none() => member_limit(&st),
        _ => PUBLIC_BODY,
    };
    let request = match read_within(&st, body, limit).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (result, after) = run(&st, caller.clone(), &op, request, remote).await;
    let answer = match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => error(e),
    };
    with_cookie(answer, &caller, &after)
}

/// `GET /portail/api/{op}?…`: an operation that changes nothing, its request
/// in the query (`?number=M26-0000902`). A file it answers (a PDF, the logo)
/// comes as the file, never kept in a cache.
pub async fn download(
    Axum(st): Axum<State>,
    Path(op): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    head: MemberHead,
) -> Response {
    let MemberHead { caller, remote } = head;
    let Some(info) = portal_op(&st, &op) else {
        return no_such_page();
    };
    if !info.read_only {
        let e = ApiError::validation("request", "Cette opération de l'espace adhérent s'appelle en POST.");
        return (StatusCode::METHOD_NOT_ALLOWED, axum::Json(e)).into_response();
    }
    let request = Value::Object(query.into_iter().map(|(k, v)| (k, Value::String(v))).collect());
    let (result, after) = run(&st, caller.clone(), &op, request, remote).await;
    let answer = match result {
        Ok(v) if info.answers_file() => match FileData::from_answer(v) {
            Ok(f) => file_answer(f),
            Err(e) => error(e),
        },
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => error(e),
    };
    with_cookie(answer, &caller, &after)
}

/// A file of the member's to download (a PDF), or to show (an image).
fn file_answer(f: FileData) -> Response {
    let disposition = if f.media_type == "application/pdf" {
        format!("attachment; filename=\"{}\"", f.name)
    } else {
        format!("inline; filename=\"{}\"", f.name)
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, f.media_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        f.content,
    )
        .into_response()
}

mod assets {
    include!(concat!(env!("OUT_DIR"), "/portal_assets.rs"));
}

fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// One of the portal's files, with headers that keep it to itself: its own
/// scripts only, never in another site's frame, no referrer sent.
fn asset(name: &str) -> Response {
    let Some((_, bytes)) = assets::ASSETS.iter().find(|(n, _)| *n == name) else {
        if assets::ASSETS.is_empty() {
            let page = "<!doctype html><html lang=\"fr\"><title>Espace adhérent</title><p>L'espace adhérent n'est pas \
                construit sur ce serveur (npm run build dans ui/, puis compiler guichet).</p></html>";
            return (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page)
                .into_response();
        }
        return error(ApiError::not_found("Page inconnue de l'espace adhérent."));
    };
    let cache = if name.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, media_type(name)),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ],
        *bytes,
    )
        .into_response()
}

pub async fn index() -> Response {
    asset("portail.html")
}

pub async fn redirect() -> Response {
    (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, "/portail/")]).into_response()
}

/// An address of the portal that is none of its pages.
pub async fn unknown() -> Response {
    error(ApiError::not_found("Cette page n'existe pas dans l'espace adhérent."))
}

pub async fn file(Path(name): Path<String>) -> Response {
    asset(&format!("assets/{name}"))
}
