//! Server functions: the browser's calls to the server. Each one gets the shared
//! [`Services`](domain::services::Services) from the request context and calls one
//! `domain` service: the same code path as the JSON API.

pub mod jobs;
pub mod system;

use domain::ErrorCode;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The error of every server function: the same code and message as the JSON API's errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let code = match value {
            ServerFnErrorErr::Request(_) => ErrorCode::Unavailable,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => ErrorCode::Validation,
            _ => ErrorCode::Internal,
        };
        Self {
            code,
            message: value.to_string(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<domain::AppError> for ApiError {
    fn from(e: domain::AppError) -> Self {
        if e.code == ErrorCode::Internal || e.code == ErrorCode::Unavailable {
            tracing_error(&e);
        }
        let body = e.body();
        Self {
            code: body.code,
            message: body.message,
        }
    }
}

#[cfg(feature = "ssr")]
fn tracing_error(e: &domain::AppError) {
    leptos::logging::error!("server function failed: {e:?}");
}

/// The services for this request, provided by the server.
#[cfg(feature = "ssr")]
pub(crate) fn services() -> Result<domain::services::Services, ApiError> {
    leptos::prelude::use_context::<domain::services::Services>().ok_or_else(|| ApiError {
        code: ErrorCode::Internal,
        message: "services are not configured".to_owned(),
    })
}
