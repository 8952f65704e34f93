//! The one error type that crosses the command layer. Every message is French and
//! meant to be shown to the staff member as it is; validation errors name the field.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The small, closed set of error codes the window and scripts can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Bad input; `field` names the offending field.
    Validation,
    NotFound,
    /// The record changed meanwhile, or the move is not allowed from its state.
    Conflict,
    Forbidden,
    Unauthenticated,
    /// Too many attempts (logins) in a short time: wait a moment.
    TooManyRequests,
    /// The Guichet server cannot be reached (a desk or the CLI in server mode).
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// `{code, message, field?}` as the window and the CLI receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), field: None }
    }
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        ApiError { code: ErrorCode::Validation, message: message.into(), field: Some(field.to_string()) }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
    /// A conflict the user resolves at one field (a duplicate to confirm, a
    /// number already taken).
    pub fn conflict_on(field: &str, message: impl Into<String>) -> Self {
        ApiError { code: ErrorCode::Conflict, message: message.into(), field: Some(field.to_string()) }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, message)
    }
    /// An unexpected failure: the detail goes to the log, the user gets a generic
    /// French sentence (the detail may hold data that must not be shown or logged
    /// twice).
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "erreur interne");
        Self::new(
            ErrorCode::Internal,
            "Erreur interne : l'opération n'a pas été effectuée. Réessayez ; si cela persiste, prévenez \
                l'administrateur.",
        )
    }
    /// The record was changed by someone else since it was read.
    pub fn stale() -> Self {
        Self::conflict(
            "Cet enregistrement a été modifié par un autre poste entre-temps : rechargez-le puis recommencez.",
        )
    }
}

/// A change that waited too long on another's (`storage::batch_runs` names
/// the batch when one is under way).
pub const BUSY: &str = "La base est occupée par un autre poste : réessayez dans un instant.";

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            // Unique violations are the one database error users cause by themselves.
            if db.is_unique_violation() {
                return ApiError::conflict("Cet enregistrement existe déjà.");
            }
            let msg = db.message();
            if msg.contains("database is locked")
                || msg.contains("could not serialize")
                || msg.contains("deadlock detected")
            {
                return ApiError::conflict(BUSY);
            }
        }
        if matches!(e, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) {
            tracing::error!(error = %e, "base de données injoignable");
            return ApiError::new(
                ErrorCode::Internal,
                "La base de données ne répond pas : vérifiez la connexion au serveur puis réessayez.",
            );
        }
        ApiError::internal(e)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
