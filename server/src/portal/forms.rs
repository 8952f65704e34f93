//! How the portal reads what it is sent: a form of a few kilobytes at the
//! doors (activation, login, forgotten password, reset) and only from the
//! portal's own page, counted against the limits before anything is
//! checked; a member's forms within their own sizes.

use crate::limits::{DoorKind, MAX_IDENTIFIER};
use crate::routes::{read_limited, refused_unread, status_of, unread, BodyRefused};
use crate::State;
use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use guichet_core::error::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

/// Portal requests are forms, never files of megabytes (the scans come later
/// with their own limit).
pub(super) const MAX_BODY: usize = 64 * 1024;

pub(super) fn error(e: ApiError) -> Response {
    (status_of(e.code), axum::Json(e)).into_response()
}

/// The forms of the doors (activation, login, forgotten password, reset):
/// a few fields, read before anyone is known.
const DOOR_BODY: usize = 4 * 1024;

pub(super) async fn json_body<T: DeserializeOwned>(st: &State, body: Body) -> Result<T, Response> {
    json_within(st, body, MAX_BODY).await
}

async fn door_form<T: DeserializeOwned>(st: &State, body: Body) -> Result<T, Response> {
    json_within(st, body, DOOR_BODY).await
}

/// A request of at most `limit` bytes (files travel in them, in base64).
pub(super) async fn json_within<T: DeserializeOwned>(st: &State, body: Body, limit: usize) -> Result<T, Response> {
    let bytes = read_limited(body, limit, st.body_timeout).await.map_err(|refused| {
        let e = match refused {
            BodyRefused::Slow => ApiError::validation(
                "request",
                "Envoi interrompu : la connexion ne transmettait plus rien. Vérifiez votre connexion puis recommencez.",
            ),
            BodyRefused::TooLarge if limit <= MAX_BODY => {
                ApiError::validation("request", "Requête trop volumineuse pour un formulaire de l'espace adhérent.")
            }
            BodyRefused::TooLarge => {
                let mb = guichet_core::attachments::MAX_TOTAL_BYTES / 1_048_576;
                ApiError::validation("files", format!("Envoi trop volumineux : au plus {mb} Mo de fichiers à la fois."))
            }
        };
        unread((refused.status(), axum::Json(e)).into_response())
    })?;
    // The command layer's reading: a malformed form or field is explained in
    // French, naming the field.
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        error(ApiError::validation("request", "Requête illisible : le corps n'est pas du texte UTF-8."))
    })?;
    let value = guichet_core::api::parse_json(text).map_err(error)?;
    guichet_core::api::request(value).map_err(error)
}

/// A door's form must come from the portal's own page: JSON (which a form
/// of another site cannot send without the browser asking first) and a
/// same-origin request, told by `Sec-Fetch-Site` or else `Origin` against
/// `Host`. Its refusal, if it does not.
fn from_our_page(headers: &HeaderMap) -> Option<Response> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !json {
        let e = ApiError::validation("request", "Formulaire attendu en JSON, depuis la page de l'espace adhérent.");
        return Some((StatusCode::UNSUPPORTED_MEDIA_TYPE, axum::Json(e)).into_response());
    }
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let same = match text(header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => site == "same-origin",
        None => match (text(header::ORIGIN), text(header::HOST)) {
            (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, authority)| authority == host),
            _ => false,
        },
    };
    if !same {
        return Some(error(ApiError::forbidden(
            "Demande refusée : elle ne vient pas de la page de l'espace adhérent de ce site.",
        )));
    }
    None
}

/// One attempt at a door that takes a secret, counted for the address and
/// the identifier typed; its refusal, at once past the limits, or for an
/// identifier longer than any (before it is counted).
fn knock(st: &State, door: DoorKind, remote: &str, identifier: &str, field: &str) -> Option<Response> {
    if identifier.len() > MAX_IDENTIFIER {
        return Some(error(ApiError::validation(field, "Identifiant trop long : au plus 100 caractères.")));
    }
    if !st.limits.allow(door, remote, identifier) {
        return Some(error(ApiError::new(
            ErrorCode::TooManyRequests,
            "Trop de tentatives : attendez une minute avant de réessayer.",
        )));
    }
    None
}

/// A door's form read as every door reads it: from the portal's own page, a
/// few kilobytes of JSON, counted for the address and the identifier it
/// names (`identifier`, typed in `field`).
pub(super) async fn at_the_door<T: DeserializeOwned>(
    st: &State,
    headers: &HeaderMap,
    remote: &str,
    body: Body,
    door: DoorKind,
    identifier: fn(&T) -> &str,
    field: &'static str,
) -> Result<T, Response> {
    if let Some(r) = from_our_page(headers) {
        return Err(refused_unread(body, st.body_timeout, r).await);
    }
    let form: T = door_form(st, body).await?;
    if let Some(r) = knock(st, door, remote, identifier(&form), field) {
        return Err(r);
    }
    Ok(form)
}
