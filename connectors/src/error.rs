//! How a platform call failed, classified by what the caller should do next.

use std::time::Duration;

/// A failed platform call. Each platform's client builds these from the response body (TikTok
/// answers HTTP 200 with an error code; Meta mostly 400 for everything), never from the HTTP
/// status alone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// The access token has expired: refresh it and try again.
    #[error("the access token has expired: {message}")]
    TokenExpired { message: String },
    /// The grant is gone (revoked, refresh token expired, or no refresh on this platform):
    /// the person has to connect again.
    #[error("the connection needs to be authorized again: {message}")]
    Reauthorize { message: String },
    /// The platform throttled us. Wait `retry_after` (what it signalled, or our default for
    /// its throttle) before the next call.
    #[error("rate limited by the platform for {retry_after:?}: {message}")]
    RateLimited {
        retry_after: Duration,
        message: String,
    },
    /// A temporary failure (network, 5xx, a transient platform code): try again with backoff.
    #[error("temporary platform failure: {message}")]
    Transient { message: String },
    /// The platform refused the request for good (validation, permission, a budget below the
    /// minimum). `code` is the platform's own error code.
    #[error("the platform refused the request ({code}): {message}")]
    Rejected { code: String, message: String },
    /// The platform answered something this client does not understand.
    #[error("unexpected response from the platform: {message}")]
    Protocol { message: String },
}

impl ConnectorError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self::Transient {
            message: message.into(),
        }
    }

    pub fn protocol(message: impl Into<String>) -> Self {
        Self::Protocol {
            message: message.into(),
        }
    }

    pub fn rejected(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Rejected {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A request this client would not send (a bad date range, a budget below the minimum).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::rejected("invalid_request", message)
    }

    pub fn reauthorize(message: impl Into<String>) -> Self {
        Self::Reauthorize {
            message: message.into(),
        }
    }

    pub fn expired(message: impl Into<String>) -> Self {
        Self::TokenExpired {
            message: message.into(),
        }
    }

    pub fn rate_limited(retry_after: Duration, message: impl Into<String>) -> Self {
        Self::RateLimited {
            retry_after,
            message: message.into(),
        }
    }

    /// Worth trying the same call again later (throttled or transient).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient { .. })
    }

    /// The platform's own message, for the connection's status line.
    pub fn message(&self) -> &str {
        match self {
            Self::TokenExpired { message }
            | Self::Reauthorize { message }
            | Self::RateLimited { message, .. }
            | Self::Transient { message }
            | Self::Rejected { message, .. }
            | Self::Protocol { message } => message,
        }
    }
}

impl From<reqwest::Error> for ConnectorError {
    fn from(e: reqwest::Error) -> Self {
        // Connection failures, timeouts and bodies cut short are worth retrying; a body that
        // does not decode is not.
        if e.is_decode() {
            Self::protocol(e.to_string())
        } else {
            Self::transient(e.without_url().to_string())
        }
    }
}
