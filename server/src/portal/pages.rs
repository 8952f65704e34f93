//! What a member's browser shows when it opens an address of the portal
//! that refuses (a statement of another family, an expired session, a page
//! that does not exist): a French page with the reason and a way back, never
//! the JSON the portal's own page reads. Only for a browser's navigation; the
//! page's `fetch` calls keep their JSON.

use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use guichet_core::error::{ApiError, ErrorCode};

/// The largest refusal read back to be turned into a page.
const MAX_REFUSAL: usize = 16 * 1024;

/// A browser opening the address itself (a link, a typed address), not a script.
fn navigating(method: &Method, headers: &HeaderMap) -> bool {
    let mode = headers.get("sec-fetch-mode").and_then(|v| v.to_str().ok());
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    *method == Method::GET && (mode == Some("navigate") || (mode.is_none() && accept.contains("text/html")))
}

/// Turns the portal's JSON refusals into pages for a browser's navigation.
pub async fn as_page(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let wanted = req.uri().path().starts_with("/portail") && navigating(req.method(), req.headers());
    let r = next.run(req).await;
    let json = r.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) == Some("application/json");
    if !wanted || r.status().is_success() || !json {
        return r;
    }
    let status = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), MAX_REFUSAL).await.unwrap_or_default();
    let e: ApiError = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| ApiError::internal("Le service est indisponible : réessayez plus tard."));
    page(status, &e)
}

/// The page of a refusal: its title by kind, the reason, a way back.
fn page(status: StatusCode, e: &ApiError) -> Response {
    let (title, back, back_text) = match e.code {
        ErrorCode::NotFound => ("Introuvable", "/portail/#/informations", "Retour à mon espace"),
        ErrorCode::Unauthenticated => ("Connexion nécessaire", "/portail/#/connexion", "Me connecter"),
        ErrorCode::Forbidden => ("Accès refusé", "/portail/#/informations", "Retour à mon espace"),
        _ => ("Une erreur est survenue", "/portail/#/informations", "Retour à mon espace"),
    };
    let html = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
        content=\"width=device-width, initial-scale=1\"><title>{title} — Espace adhérent</title></head><body>\
        <main><h1>{title}</h1><p id=\"motif\">{}</p><p><a href=\"{back}\">{back_text}</a></p></main></body></html>",
        escape(&e.message)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        ],
        html,
    )
        .into_response()
}

/// Text put in a page, its markup characters written as entities.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_navigation_is_told_from_a_script() {
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-mode", "navigate".parse().unwrap());
        assert!(navigating(&Method::GET, &h));
        h.insert("sec-fetch-mode", "cors".parse().unwrap());
        h.insert(header::ACCEPT, "text/html".parse().unwrap());
        assert!(!navigating(&Method::GET, &h), "a script's fetch keeps its JSON");
        assert!(!navigating(&Method::POST, &HeaderMap::new()));
        assert_eq!(escape("<b>\"x\" & y</b>"), "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;");
    }
}
