//! How the portal reads what it is sent: a door's form (activation, login,
//! forgotten password, reset) only from the portal's own page and of a few
//! kilobytes; a member's requests within what his files may weigh.

pub(super) use crate::answer::error;
use crate::answer::{read_limited, unread, BodyRefused};
use crate::State;
use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use guichet_core::error::ApiError;
use serde_json::Value;

/// A request of a caller not logged in (a door's form, the brand): a few
/// fields, read before anyone is known.
pub(crate) const PUBLIC_BODY: usize = 4 * 1024;

/// Portal requests without files are forms, never megabytes.
const FORM_BODY: usize = 64 * 1024;

/// The largest request of a logged-in member: what his files may weigh, in base64.
pub(super) fn member_limit(st: &State) -> usize {
    (guichet_core::attachments::MAX_TOTAL_BYTES as usize / 3 * 4 + 64 * 1024).min(st.max_body.max(FORM_BODY))
}

/// A request of at most `limit` bytes, read as the command layer reads
/// requests: a malformed form or field is explained in French.
pub(super) async fn read_within(st: &State, body: Body, limit: usize) -> Result<Value, Response> {
    let bytes = read_limited(body, limit, st.body_timeout).await.map_err(|refused| {
        let e = match refused {
            BodyRefused::Slow => ApiError::validation(
                "request",
                "Envoi interrompu : la connexion ne transmettait plus rien. Vérifiez votre connexion puis recommencez.",
            ),
            BodyRefused::TooLarge if limit <= FORM_BODY => {
                ApiError::validation("request", "Requête trop volumineuse pour un formulaire de l'espace adhérent.")
            }
            BodyRefused::TooLarge => {
                let mb = guichet_core::attachments::MAX_TOTAL_BYTES / 1_048_576;
                ApiError::validation("files", format!("Envoi trop volumineux : au plus {mb} Mo de fichiers à la fois."))
            }
        };
        unread((refused.status(), axum::Json(e)).into_response())
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        error(ApiError::validation("request", "Requête illisible : le corps n'est pas du texte UTF-8."))
    })?;
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    guichet_core::api::parse_json(text).map_err(error)
}

/// A door's form must come from the portal's own page: JSON (which a form
/// of another site cannot send without the browser asking first) and a
/// same-origin request, told by `Sec-Fetch-Site` or else `Origin` against
/// `Host`. Its refusal, if it does not.
pub(crate) fn from_our_page(headers: &HeaderMap) -> Option<Response> {
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
