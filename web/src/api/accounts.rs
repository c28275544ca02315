//! Sign-up, sign-in, sign-out, the signed-in person, password change and invitation links. The
//! session lives in httpOnly cookies these functions set; tokens never reach the page's script.

use domain::dto::accounts::MeView;
use domain::dto::workspaces::{InvitationPreview, WorkspaceKind, WorkspaceView};
use leptos::prelude::*;

use super::ApiError;
use super::client::Rpc;

#[cfg(feature = "ssr")]
fn set_cookies(cookies: impl IntoIterator<Item = actix_web::cookie::Cookie<'static>>) {
    use actix_web::http::header::{HeaderValue, SET_COOKIE};
    if let Some(res) = use_context::<leptos_actix::ResponseOptions>() {
        for cookie in cookies {
            if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
                res.append_header(SET_COOKIE, value);
            }
        }
    }
}

#[cfg(feature = "ssr")]
async fn request() -> Result<actix_web::HttpRequest, ApiError> {
    leptos_actix::extract().await.map_err(|e| ApiError {
        code: domain::ErrorCode::Internal,
        message: format!("reading the request: {e}"),
    })
}

#[cfg(feature = "ssr")]
fn start_session(
    req: &actix_web::HttpRequest,
    services: &domain::services::Services,
    session: &domain::dto::accounts::SessionView,
) {
    set_cookies(crate::session::session_cookies(
        session,
        services.auth.refresh_ttl,
        crate::session::is_https(req),
    ));
}

/// Creates an account and signs in. Without an invitation, `workspace_name` names the first
/// workspace. Returns the workspace the person lands in.
#[server(prefix = "/rpc", endpoint = "sign_up", client = Rpc)]
pub async fn sign_up(
    email: String,
    name: String,
    password: String,
    workspace_name: Option<String>,
    workspace_kind: Option<WorkspaceKind>,
    invitation: Option<String>,
) -> Result<Option<WorkspaceView>, ApiError> {
    let services = super::services()?;
    let req = request().await?;
    let client = crate::session::client_address(&req);
    let session = domain::services::sessions::sign_up(
        &services,
        domain::dto::accounts::SignUpRequest {
            email,
            name,
            password,
            workspace_name,
            workspace_kind,
            invitation,
        },
        client,
    )
    .await?;
    start_session(&req, &services, &session);
    Ok(session.workspace)
}

/// Signs in; the session cookies are set on the answer.
#[server(prefix = "/rpc", endpoint = "sign_in", client = Rpc)]
pub async fn sign_in(email: String, password: String) -> Result<(), ApiError> {
    let services = super::services()?;
    let req = request().await?;
    let client = crate::session::client_address(&req);
    let session = domain::services::sessions::sign_in(
        &services,
        domain::dto::accounts::SignInRequest { email, password },
        client,
    )
    .await?;
    start_session(&req, &services, &session);
    Ok(())
}

/// Signs out: ends the session and clears the cookies.
#[server(prefix = "/rpc", endpoint = "sign_out", client = Rpc)]
pub async fn sign_out() -> Result<(), ApiError> {
    let services = super::services()?;
    let req = request().await?;
    if let domain::scope::RequestAuth::Authenticated(principal) = super::request_auth().await? {
        domain::services::sessions::sign_out(&services, &principal).await?;
    }
    set_cookies(crate::session::cleared_cookies(crate::session::is_https(
        &req,
    )));
    Ok(())
}

/// The signed-in person and their workspaces; `None` when nobody is signed in.
#[server(prefix = "/rpc", endpoint = "me", client = Rpc)]
pub async fn me() -> Result<Option<MeView>, ApiError> {
    let services = super::services()?;
    match super::request_auth().await? {
        domain::scope::RequestAuth::Authenticated(principal) => Ok(Some(
            domain::services::sessions::me(&services, &principal).await?,
        )),
        _ => Ok(None),
    }
}

/// Changes the password; other sessions end and this one is renewed.
#[server(prefix = "/rpc", endpoint = "change_password", client = Rpc)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    let services = super::services()?;
    let req = request().await?;
    let principal = super::principal().await?;
    let session = domain::services::sessions::change_password(
        &services,
        &principal,
        domain::dto::accounts::PasswordChangeRequest {
            current_password,
            new_password,
        },
    )
    .await?;
    start_session(&req, &services, &session);
    Ok(())
}

/// What an invitation link offers.
#[server(prefix = "/rpc", endpoint = "preview_invitation", client = Rpc)]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, ApiError> {
    let services = super::services()?;
    Ok(domain::services::invitations::preview(&services.db, &token).await?)
}

/// Accepts an invitation as the signed-in person.
#[server(prefix = "/rpc", endpoint = "accept_invitation", client = Rpc)]
pub async fn accept_invitation(token: String) -> Result<WorkspaceView, ApiError> {
    let services = super::services()?;
    let principal = super::principal().await?;
    Ok(domain::services::invitations::accept(&services.db, &principal, &token).await?)
}
