//! Server functions: the browser's calls to the server. Each one gets the shared
//! [`Services`](domain::services::Services) from the request context and calls one
//! `domain` service: the same code path as the JSON API.

pub mod accounts;
pub mod client;
pub mod connections;
pub mod jobs;
pub mod system;
pub mod workspaces;

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
        set_rpc_status(e.code);
        let body = e.body();
        Self {
            code: body.code,
            message: body.message,
        }
    }
}

/// A server function called over HTTP answers with the error's status (401, 403, 404, 422, ...),
/// like the JSON API. While a page renders on the server, its server functions run in process
/// and leave the page's status alone.
#[cfg(feature = "ssr")]
fn set_rpc_status(code: ErrorCode) {
    let is_rpc = leptos::prelude::use_context::<leptos_actix::Request>()
        .is_some_and(|req| req.path().starts_with("/rpc/"));
    if is_rpc
        && let Some(res) = leptos::prelude::use_context::<leptos_actix::ResponseOptions>()
        && let Ok(status) = actix_web::http::StatusCode::from_u16(code.http_status())
    {
        res.set_status(status);
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

/// The authenticated caller of this request, as the server's authentication step left it.
#[cfg(feature = "ssr")]
pub(crate) async fn principal() -> Result<domain::scope::Principal, ApiError> {
    Ok(request_auth().await?.principal()?.clone())
}

/// What the server's authentication step concluded about this request.
#[cfg(feature = "ssr")]
pub(crate) async fn request_auth() -> Result<domain::scope::RequestAuth, ApiError> {
    use actix_web::HttpMessage as _;
    let req: actix_web::HttpRequest = leptos_actix::extract().await.map_err(|e| ApiError {
        code: ErrorCode::Internal,
        message: format!("reading the request: {e}"),
    })?;
    Ok(req
        .extensions()
        .get::<domain::scope::RequestAuth>()
        .cloned()
        .unwrap_or(domain::scope::RequestAuth::Anonymous))
}

/// The caller admitted to `workspace`: 404 unless they are a member (or an agency member).
#[cfg(feature = "ssr")]
pub(crate) async fn scope(
    workspace: domain::ids::TenantId,
) -> Result<domain::scope::TenantScope, ApiError> {
    let principal = principal().await?;
    let services = services()?;
    Ok(domain::services::workspaces::scope(&services.db, &principal, workspace).await?)
}
