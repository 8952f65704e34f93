//! Who calls, read from a request's head before its body: extractors of the
//! handlers. A desk names itself (`x-guichet-desk`) and carries its staff
//! session's token (`Authorization: Bearer`); a member's page carries his
//! session's cookie and its form token. Neither decides anything: the
//! desk's session is looked up by its handler, a member's checked by the
//! core ([`Caller::Member`]).

use crate::portal::{COOKIE, CSRF_HEADER};
use crate::routes::Remote;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use guichet_core::api::{wire, Caller};
use std::convert::Infallible;

/// The caller's address, as the accept loop put it on the request.
pub(crate) fn remote(parts: &Parts) -> String {
    parts.extensions.get::<Remote>().map(|r| r.0.ip().to_string()).unwrap_or_else(|| "inconnue".into())
}

/// A desk's call: its name (60 characters at most, no control character),
/// its address and its session's token, if it sent one.
pub struct DeskHead {
    pub desk: String,
    pub remote: String,
    pub token: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for DeskHead {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<DeskHead, Infallible> {
        let h = &parts.headers;
        let desk = h
            .get("x-guichet-desk")
            .and_then(|v| v.to_str().ok())
            .map(|d| wire::from_header_text(d).chars().filter(|c| !c.is_control()).take(60).collect::<String>())
            .unwrap_or_default();
        let desk = if desk.trim().is_empty() { "poste inconnu".to_string() } else { desk.trim().to_string() };
        let token = h
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        Ok(DeskHead { desk, remote: remote(parts), token })
    }
}

/// A member's call: the core's caller made of his cookie and the form token
/// his page sent (anonymous without a cookie), and his address.
pub struct MemberHead {
    pub caller: Caller,
    pub remote: String,
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (name, value) = c.trim().split_once('=')?;
        (name == COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

impl<S: Send + Sync> FromRequestParts<S> for MemberHead {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<MemberHead, Infallible> {
        let caller = match cookie_token(&parts.headers) {
            Some(token) => {
                let form_token = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
                Caller::Member { token, form_token }
            }
            None => Caller::Anonymous,
        };
        Ok(MemberHead { caller, remote: remote(parts) })
    }
}
