//! The members' portal under `/portail`: its JSON calls under
//! `/portail/api/`. A member's session is a cookie of its own
//! (`guichet_portail`: `Secure`, `HttpOnly`, `SameSite=Strict`, path
//! `/portail`), never a staff token; every change also carries the session's
//! form token in `X-Guichet-CSRF`. Who the member is comes from the session
//! only: no call takes a member's id.

mod forms;
pub mod pages;

use crate::limits::DoorKind;
use crate::routes::{refused_unread, Remote};
use crate::State;
use axum::body::Body;
use axum::extract::{Path, State as Axum};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use forms::{at_the_door, error, json_body, json_within, MAX_BODY};
use guichet_core::error::ApiError;
use guichet_core::portal::accounts::{self, Activation, Reset};
use guichet_core::portal::approvals::{self, ApprovalComplementSent, ApprovalSent};
use guichet_core::portal::member_api::{self, ComplementSent, DossierSent};
use guichet_core::portal::requests::{self, UpdateSent};
use guichet_core::portal::sessions::{self, MemberSession, MAX_AGE};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

/// The member's session cookie.
pub const COOKIE: &str = "guichet_portail";
/// The header that carries the form token (CSRF).
pub const CSRF_HEADER: &str = "x-guichet-csrf";
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

fn set_cookie(token: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/portail; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The member behind the cookie; for a change, only with the session's form token.
async fn member(st: &State, headers: &HeaderMap, change: bool) -> Result<(String, MemberSession), Response> {
    let token = cookie_token(headers).ok_or_else(|| error(ApiError::unauthenticated("Connectez-vous d'abord.")))?;
    let s = sessions::check(st.api.db(), &token, st.api.now()).await.map_err(error)?;
    if change {
        let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if sent.is_empty() || sent != s.csrf {
            return Err(error(ApiError::forbidden("Formulaire expiré : rechargez la page puis recommencez.")));
        }
    }
    Ok((token, s))
}

fn remote_of(remote: Option<axum::Extension<Remote>>) -> String {
    remote.map(|r| r.0 .0.ip().to_string()).unwrap_or_else(|| "inconnue".into())
}

pub async fn activate(
    Axum(st): Axum<State>,
    remote: Option<axum::Extension<Remote>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let remote = remote_of(remote);
    let read =
        at_the_door(&st, &headers, &remote, body, DoorKind::PortalCode, |a: &Activation| &a.matricule, "matricule");
    let a = match read.await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match accounts::activate(st.api.db(), st.api.now(), &a).await {
        Ok(()) => axum::Json(json!({ "message": "Votre espace est activé : connectez-vous avec votre mot de passe." }))
            .into_response(),
        Err(e) => error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    identifier: String,
    password: String,
}

pub async fn login(
    Axum(st): Axum<State>,
    remote: Option<axum::Extension<Remote>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let remote = remote_of(remote);
    let read =
        at_the_door(&st, &headers, &remote, body, DoorKind::PortalLogin, |l: &Login| &l.identifier, "identifier");
    let l = match read.await {
        Ok(l) => l,
        Err(r) => return r,
    };
    match accounts::login(st.api.db(), st.api.now(), &l.identifier, &l.password, &remote, st.api.queued_outbox()).await
    {
        Ok(opened) => {
            let mut r = axum::Json(json!({ "csrf": opened.csrf })).into_response();
            r.headers_mut().insert(header::SET_COOKIE, set_cookie(&opened.token, MAX_AGE.num_seconds()));
            r
        }
        Err(e) => error(e),
    }
}

pub async fn logout(Axum(st): Axum<State>, headers: HeaderMap) -> Response {
    let (token, _) = match member(&st, &headers, true).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if let Err(e) = sessions::end(st.api.db(), &token, st.api.now()).await {
        return error(e);
    }
    let mut r = axum::Json(json!({ "message": "Vous êtes déconnecté." })).into_response();
    r.headers_mut().insert(header::SET_COOKIE, set_cookie("", 0));
    r
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forgot {
    identifier: String,
}

pub async fn forgot(
    Axum(st): Axum<State>,
    remote: Option<axum::Extension<Remote>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let remote = remote_of(remote);
    let read =
        at_the_door(&st, &headers, &remote, body, DoorKind::PortalForgot, |f: &Forgot| &f.identifier, "identifier");
    let f = match read.await {
        Ok(f) => f,
        Err(r) => return r,
    };
    match accounts::forgot(st.api.db(), st.api.now(), &f.identifier, st.api.queued_outbox()).await {
        Ok(()) => axum::Json(json!({ "message": "Si un espace est ouvert à ce nom, un code vient d'être envoyé à \
            l'adresse e-mail ou au GSM que la mutuelle connaît. Il est valable 24 heures." }))
        .into_response(),
        Err(e) => error(e),
    }
}

pub async fn reset(
    Axum(st): Axum<State>,
    remote: Option<axum::Extension<Remote>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let remote = remote_of(remote);
    let read = at_the_door(&st, &headers, &remote, body, DoorKind::PortalCode, |r: &Reset| &r.matricule, "matricule");
    let r = match read.await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match accounts::reset(st.api.db(), st.api.now(), &r).await {
        Ok(()) => axum::Json(json!({ "message": "Mot de passe changé : connectez-vous." })).into_response(),
        Err(e) => error(e),
    }
}

/// The session's form token and who is logged in (a page reloaded asks it).
pub async fn session(Axum(st): Axum<State>, headers: HeaderMap) -> Response {
    match member(&st, &headers, false).await {
        Ok((_, s)) => axum::Json(json!({ "csrf": s.csrf, "matricule": s.matricule })).into_response(),
        Err(r) => r,
    }
}

pub async fn my_view(Axum(st): Axum<State>, headers: HeaderMap) -> Response {
    let (_, s) = match member(&st, &headers, false).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    match member_api::my_view(st.api.db(), &s, st.api.now()).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerSearch {
    #[serde(default)]
    search: String,
}

/// « Centres conventionnés » : the partner providers, by name, kind or city.
pub async fn partners(Axum(st): Axum<State>, headers: HeaderMap, body: Body) -> Response {
    if let Err(r) = member(&st, &headers, false).await {
        return r;
    }
    let q: PartnerSearch = match json_body(&st, body).await {
        Ok(q) => q,
        Err(r) => return r,
    };
    match member_api::partners(st.api.db(), &q.search).await {
        Ok(list) => axum::Json(list).into_response(),
        Err(e) => error(e),
    }
}

/// The largest request that carries files: what the files may weigh, in base64.
fn files_limit(st: &State) -> usize {
    (guichet_core::attachments::MAX_TOTAL_BYTES as usize / 3 * 4 + 64 * 1024).min(st.max_body.max(MAX_BODY))
}

/// A member's sending that carries files: his session with its form token,
/// a body within the files' limit read as the command layer reads requests,
/// and the answer as JSON.
async fn sending<T: DeserializeOwned, R: serde::Serialize>(
    st: &State,
    headers: &HeaderMap,
    body: Body,
    run: impl AsyncFnOnce(&MemberSession, T) -> Result<R, ApiError>,
) -> Response {
    let (_, s) = match member(st, headers, true).await {
        Ok(m) => m,
        Err(r) => return refused_unread(body, st.body_timeout, r).await,
    };
    let r: T = match json_within(st, body, files_limit(st)).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match run(&s, r).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => error(e),
    }
}

pub async fn send_dossier(Axum(st): Axum<State>, headers: HeaderMap, body: Body) -> Response {
    let (db, now, outbox) = (st.api.db(), st.api.now(), st.api.queued_outbox());
    sending(&st, &headers, body, async |s, r: DossierSent| member_api::send_dossier(db, s, now, outbox, &r).await).await
}

pub async fn send_complement(Axum(st): Axum<State>, headers: HeaderMap, body: Body) -> Response {
    let (db, now) = (st.api.db(), st.api.now());
    sending(&st, &headers, body, async |s, r: ComplementSent| member_api::send_complement(db, s, now, &r).await).await
}

/// « Déposer une demande »: a prior approval or coverage request with its pieces.
pub async fn send_approval(Axum(st): Axum<State>, headers: HeaderMap, body: Body) -> Response {
    let (db, now) = (st.api.db(), st.api.now());
    sending(&st, &headers, body, async |s, r: ApprovalSent| approvals::send_request(db, s, now, &r).await).await
}

/// The complement of an incomplete request.
pub async fn send_approval_complement(Axum(st): Axum<State>, headers: HeaderMap, body: Body) -> Response {
    let (db, now) = (st.api.db(), st.api.now());
    let run = async |s: &MemberSession, r: ApprovalComplementSent| approvals::send_complement(db, s, now, &r).await;
    sending(&st, &headers, body, run).await
}

/// The receipt of one of his requests.
pub async fn approval_receipt(Axum(st): Axum<State>, headers: HeaderMap, Path(number): Path<String>) -> Response {
    let (_, s) = match member(&st, &headers, false).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let made = approvals::receipt(st.api.db(), &s, st.api.now(), &number).await;
    pdf(made, &format!("accuse-{}.pdf", file_part(&number)))
}

pub async fn my_statement(Axum(st): Axum<State>, headers: HeaderMap, Path(number): Path<String>) -> Response {
    let (_, s) = match member(&st, &headers, false).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    pdf(
        member_api::my_statement(st.api.db(), &s, st.api.now(), &number).await,
        &format!("decompte-{}.pdf", file_part(&number)),
    )
}

pub async fn my_letter(Axum(st): Axum<State>, headers: HeaderMap, Path(number): Path<String>) -> Response {
    let (_, s) = match member(&st, &headers, false).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    pdf(
        member_api::my_letter(st.api.db(), &s, st.api.now(), &number).await,
        &format!("lettre-{}.pdf", file_part(&number)),
    )
}

/// The statement of one transfer.
pub async fn my_payment(Axum(st): Axum<State>, headers: HeaderMap, Path(reference): Path<String>) -> Response {
    let (_, s) = match member(&st, &headers, false).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let made = member_api::my_payment(st.api.db(), &s, st.api.now(), &reference).await;
    pdf(made, &format!("virement-{}.pdf", file_part(&reference)))
}

/// The statement of a period (`/releves/2026-01-01/2026-06-30`).
pub async fn my_period(
    Axum(st): Axum<State>,
    headers: HeaderMap,
    Path((from, to)): Path<(String, String)>,
) -> Response {
    let (_, s) = match member(&st, &headers, false).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let day = |field: &str, text: &str| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| ApiError::validation(field, "Date invalide : choisissez un jour dans le calendrier."))
    };
    let (from, to) = match (day("from", &from), day("to", &to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return error(e),
    };
    pdf(member_api::my_period(st.api.db(), &s, st.api.now(), from, to).await, &format!("releve-{from}-{to}.pdf"))
}

/// A change of his information, with its pieces, for the desk's validation.
pub async fn send_update(Axum(st): Axum<State>, headers: HeaderMap, body: Body) -> Response {
    let (db, now, outbox) = (st.api.db(), st.api.now(), st.api.queued_outbox());
    sending(&st, &headers, body, async |s, r: UpdateSent| requests::send_update(db, s, now, outbox, &r).await).await
}

pub async fn update_receipt(Axum(st): Axum<State>, headers: HeaderMap, Path(number): Path<String>) -> Response {
    let (_, s) = match member(&st, &headers, false).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Ok(id) = number.trim().parse::<i64>() else {
        return error(ApiError::not_found("Aucune demande de ce numéro dans votre espace."));
    };
    pdf(requests::update_receipt(st.api.db(), &s, st.api.now(), id).await, &format!("accuse-demande-{id}.pdf"))
}

pub async fn dossier_receipt(Axum(st): Axum<State>, headers: HeaderMap, Path(form): Path<String>) -> Response {
    let (_, s) = match member(&st, &headers, false).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let made = requests::dossier_receipt(st.api.db(), &s, st.api.now(), &form).await;
    pdf(made, &format!("accuse-{}.pdf", file_part(&form)))
}

/// What of a number typed in an address may name a downloaded file.
fn file_part(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect()
}

/// A PDF of the member's to download, never kept in a cache.
fn pdf(made: Result<Vec<u8>, ApiError>, name: &str) -> Response {
    match made {
        Ok(pdf) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => error(e),
    }
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

/// The mutual's name and whether it has a logo: every page's header, before login too.
pub async fn brand(Axum(st): Axum<State>) -> Response {
    match guichet_core::portal::brand::brand(st.api.db().pool()).await {
        Ok(b) => axum::Json(b).into_response(),
        Err(e) => error(e),
    }
}

/// The mutual's logo (the PNG on its letters), shown in the header.
pub async fn logo(Axum(st): Axum<State>) -> Response {
    match guichet_core::portal::brand::logo(st.api.db().pool()).await {
        Ok(Some(png)) => {
            ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-cache")], png).into_response()
        }
        Ok(None) => error(ApiError::not_found("La mutuelle n'a pas encore de logo.")),
        Err(e) => error(e),
    }
}

/// An address of the portal that is none of its pages.
pub async fn unknown() -> Response {
    error(ApiError::not_found("Cette page n'existe pas dans l'espace adhérent."))
}

pub async fn file(Path(name): Path<String>) -> Response {
    asset(&format!("assets/{name}"))
}
