//! How the server answers and reads: the command layer's error as its HTTP
//! status and JSON ([`Refused`], the one place), and a request's body read
//! within its limit and its pace, or drained before a refusal so that its
//! sender gets the answer.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use guichet_core::error::{ApiError, ErrorCode};
use std::time::Duration;

/// A refusal: the command layer's error, answered with its status.
pub struct Refused(pub ApiError);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (status_of(self.0.code), axum::Json(self.0)).into_response()
    }
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Refused {
        Refused(e)
    }
}

/// The answer of an error.
pub fn error(e: ApiError) -> Response {
    Refused(e).into_response()
}

/// A body past `limit` bytes from a caller without a session (a login, a
/// portal's door).
pub(crate) fn too_large_without_session(limit: usize) -> ApiError {
    ApiError::validation(
        "request",
        format!("Requête trop volumineuse : au plus {} Ko sans session ouverte.", limit / 1024),
    )
}

/// A body that stopped arriving.
pub(crate) fn body_stalled() -> ApiError {
    ApiError::validation(
        "request",
        "Requête interrompue : le corps n'arrivait plus. Vérifiez le réseau puis recommencez.",
    )
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An answer given before the request's body was read whole: the
/// connection closes after it (`Connection: close`), so that the client
/// sends its next request on a new one rather than after a body the server
/// left unread.
pub(crate) fn unread(mut r: Response) -> Response {
    r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// What of a refused request's body is read and dropped before answering:
/// enough for any form, so that its sender (who may still be sending) gets
/// the answer rather than a connection reset; past it the connection closes.
const DRAINED: usize = 128 * 1024;

/// Answers `r` to a request refused before its body was read: the body is
/// read and dropped (never kept) up to [`DRAINED`] bytes, each piece within
/// `idle`; a longer or slower one is left and the connection closed.
pub(crate) async fn refused_unread(body: Body, idle: Duration, r: Response) -> Response {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut seen = 0usize;
    loop {
        match tokio::time::timeout(idle, stream.next()).await {
            Ok(None) => return r,
            Ok(Some(Ok(chunk))) => {
                seen += chunk.len();
                if seen > DRAINED {
                    return unread(r);
                }
            }
            Ok(Some(Err(_))) | Err(_) => return unread(r),
        }
    }
}

/// Why a request's body was not taken.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BodyRefused {
    TooLarge,
    /// It paused longer than the server waits, or the connection broke.
    Slow,
}

impl BodyRefused {
    pub(crate) fn status(self) -> StatusCode {
        match self {
            BodyRefused::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyRefused::Slow => StatusCode::REQUEST_TIMEOUT,
        }
    }
}

/// The request's body if it fits `limit` and never pauses longer than
/// `idle`. An oversized one is still read (up to eight times the limit, then
/// dropped) so that its sender gets the refusal instead of a connection cut
/// while it was still sending.
pub(crate) async fn read_limited(body: Body, limit: usize, idle: Duration) -> Result<Bytes, BodyRefused> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0usize;
    loop {
        let chunk = match tokio::time::timeout(idle, stream.next()).await {
            Ok(Some(Ok(chunk))) => chunk,
            Ok(None) => break,
            Ok(Some(Err(_))) | Err(_) => return Err(BodyRefused::Slow),
        };
        total += chunk.len();
        if total > limit.saturating_mul(8) {
            return Err(BodyRefused::TooLarge);
        }
        if total <= limit {
            buf.extend_from_slice(&chunk);
        }
    }
    if total > limit {
        return Err(BodyRefused::TooLarge);
    }
    Ok(Bytes::from(buf))
}
