//! Error codes and the error body of the JSON API.
//!
//! Every error the API returns is `{"code": "snake_case", "message": "..."}`. The code is stable
//! and machine-readable; the message is for people. Behind the `server` feature, [`AppError`]
//! carries the code, the message and the cause chain, which is logged once at the boundary and
//! never sent to the client for 5xx errors.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is not acceptable; the message names the field and what would be accepted.
    Validation,
    /// No such resource, or it belongs to another workspace.
    NotFound,
    /// The request conflicts with the current state.
    Conflict,
    /// No valid credentials were presented.
    Unauthenticated,
    /// The credentials are valid but the role does not allow this.
    Forbidden,
    /// Too many requests; retry later.
    RateLimited,
    /// A dependency (database, queue, ad platform) is unavailable; retry later.
    Unavailable,
    /// Something went wrong on our side.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code maps to.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Validation => 422,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }
}

/// The JSON body of every API error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Machine-readable detail, for errors that have it: the problems of an uploaded file, as
    /// a list of `{row, column, message}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}

#[cfg(feature = "server")]
pub use server::AppError;

#[cfg(feature = "server")]
mod server {
    use super::{ApiErrorBody, ErrorCode};

    /// An application error: a code, a message for the client, and the cause for the logs.
    #[derive(Debug, thiserror::Error)]
    #[error("{message}")]
    pub struct AppError {
        pub code: ErrorCode,
        pub message: String,
        #[source]
        pub source: Option<anyhow::Error>,
        /// For `rate_limited`: when to try again (sent as `Retry-After`).
        pub retry_after: Option<std::time::Duration>,
        /// Machine-readable detail sent with the error (see [`ApiErrorBody::details`]).
        pub details: Option<serde_json::Value>,
    }

    impl AppError {
        pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
            Self {
                code,
                message: message.into(),
                source: None,
                retry_after: None,
                details: None,
            }
        }

        /// Adds machine-readable detail.
        pub fn with_details(mut self, details: serde_json::Value) -> Self {
            self.details = Some(details);
            self
        }

        /// Says when to try again.
        pub fn with_retry_after(mut self, after: std::time::Duration) -> Self {
            self.retry_after = Some(after);
            self
        }

        pub fn not_found(what: &str) -> Self {
            Self::new(ErrorCode::NotFound, format!("{what} not found"))
        }

        pub fn validation(field: &str, reason: impl std::fmt::Display) -> Self {
            Self::new(ErrorCode::Validation, format!("{field}: {reason}"))
        }

        /// An internal error. The client sees only a generic message; the cause is logged.
        pub fn internal(source: impl Into<anyhow::Error>) -> Self {
            Self {
                code: ErrorCode::Internal,
                message: "internal error".to_owned(),
                source: Some(source.into()),
                retry_after: None,
                details: None,
            }
        }

        /// A dependency is down. The client sees which one; the cause is logged.
        pub fn unavailable(what: &str, source: impl Into<anyhow::Error>) -> Self {
            Self {
                code: ErrorCode::Unavailable,
                message: format!("{what} is unavailable; try again shortly"),
                source: Some(source.into()),
                retry_after: None,
                details: None,
            }
        }

        /// The body sent to the client.
        pub fn body(&self) -> ApiErrorBody {
            ApiErrorBody {
                code: self.code,
                message: self.message.clone(),
                details: self.details.clone(),
            }
        }
    }
}
