//! Accounts and sessions: `/api/v1/users`, `/api/v1/sessions`, `/api/v1/me`, and invitation
//! links. Responses that start or renew a session also set the browser's session cookies.

use ::web::session::{REFRESH_COOKIE, cleared_cookies, is_https, session_cookies};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use domain::dto::accounts::{
    MeView, PasswordChangeRequest, RefreshRequest, SessionView, SignInRequest, SignUpRequest,
};
use domain::dto::workspaces::{InvitationPreview, WorkspaceView};
use domain::services::{Services, invitations, sessions};
use domain::{ApiErrorBody, AppError};

use crate::error::ApiError;
use crate::extractors::{Authenticated, client_address};

fn with_session(
    req: &HttpRequest,
    services: &Services,
    mut res: actix_web::HttpResponseBuilder,
    session: &SessionView,
) -> HttpResponse {
    for cookie in session_cookies(session, services.auth.refresh_ttl, is_https(req)) {
        res.cookie(cookie);
    }
    res.json(session)
}

/// Creates an account, and its first workspace or the invitation's membership; starts a session.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = SignUpRequest,
    responses(
        (status = 201, description = "The account and its session", body = SessionView),
        (status = 409, description = "The email address has an account", body = ApiErrorBody),
        (status = 422, description = "A field is not acceptable; the message names it", body = ApiErrorBody),
        (status = 429, description = "Too many sign-ups from this address; `Retry-After` says when to try again", body = ApiErrorBody)))]
#[post("/users")]
pub async fn sign_up(
    req: HttpRequest,
    services: web::Data<Services>,
    body: web::Json<SignUpRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = sessions::sign_up(&services, body.into_inner(), client_address(&req)).await?;
    Ok(with_session(
        &req,
        &services,
        HttpResponse::Created(),
        &session,
    ))
}

/// Signs in. Limited per account and per client address; a wrong address and a wrong password
/// get the same answer.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "accounts", request_body = SignInRequest,
    responses(
        (status = 200, description = "A new session", body = SessionView),
        (status = 401, description = "The email address or password is not correct", body = ApiErrorBody),
        (status = 429, description = "Too many attempts; `Retry-After` says when to try again", body = ApiErrorBody)))]
#[post("/sessions")]
pub async fn sign_in(
    req: HttpRequest,
    services: web::Data<Services>,
    body: web::Json<SignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = sessions::sign_in(&services, body.into_inner(), client_address(&req)).await?;
    Ok(with_session(&req, &services, HttpResponse::Ok(), &session))
}

/// Exchanges a refresh token (in the body, or the session cookie) for a new pair. A token used
/// twice ends its session.
#[utoipa::path(post, path = "/api/v1/sessions/refresh", tag = "accounts", request_body = RefreshRequest,
    responses(
        (status = 200, description = "The renewed session", body = SessionView),
        (status = 401, description = "The session has ended", body = ApiErrorBody)))]
#[post("/sessions/refresh")]
pub async fn refresh(
    req: HttpRequest,
    services: web::Data<Services>,
    body: Option<web::Json<RefreshRequest>>,
) -> Result<HttpResponse, ApiError> {
    let token = body
        .and_then(|b| b.into_inner().refresh_token)
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()))
        .ok_or_else(|| {
            AppError::validation("refresh_token", "is required (or send the session cookie)")
        })?;
    let session = sessions::refresh(&services, &token).await?;
    Ok(with_session(&req, &services, HttpResponse::Ok(), &session))
}

/// Signs out: the session's tokens stop working, and the cookies are cleared.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "accounts",
    responses((status = 204, description = "Signed out"), (status = 401, description = "Not signed in", body = ApiErrorBody)))]
#[delete("/sessions/current")]
pub async fn sign_out(
    req: HttpRequest,
    services: web::Data<Services>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    sessions::sign_out(&services, &who.0).await?;
    let mut res = HttpResponse::NoContent();
    for cookie in cleared_cookies(is_https(&req)) {
        res.cookie(cookie);
    }
    Ok(res.finish())
}

/// Who is signed in, and every workspace they can open (the workspace switcher).
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, description = "The person and their workspaces", body = MeView), (status = 401, description = "Not signed in", body = ApiErrorBody)))]
#[get("/me")]
pub async fn me(
    services: web::Data<Services>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(sessions::me(&services, &who.0).await?))
}

/// Changes the password; other sessions end, and this one is renewed.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "The renewed session", body = SessionView),
        (status = 422, description = "The current password is wrong, or the new one too short", body = ApiErrorBody),
        (status = 429, description = "Too many attempts at the current password", body = ApiErrorBody)))]
#[put("/me/password")]
pub async fn change_password(
    req: HttpRequest,
    services: web::Data<Services>,
    who: Authenticated,
    body: web::Json<PasswordChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = sessions::change_password(&services, &who.0, body.into_inner()).await?;
    Ok(with_session(&req, &services, HttpResponse::Ok(), &session))
}

/// What an invitation link offers, before signing in.
#[utoipa::path(get, path = "/api/v1/invitations/{token}", tag = "accounts",
    params(("token" = String, Path, description = "The token from the invitation link")),
    responses(
        (status = 200, description = "The invitation", body = InvitationPreview),
        (status = 404, description = "No such invitation", body = ApiErrorBody),
        (status = 409, description = "Used, expired or withdrawn", body = ApiErrorBody)))]
#[get("/invitations/{token}")]
pub async fn preview_invitation(
    services: web::Data<Services>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(invitations::preview(&services.db, &token).await?))
}

/// Accepts an invitation addressed to the signed-in person.
#[utoipa::path(post, path = "/api/v1/invitations/{token}/accept", tag = "accounts",
    params(("token" = String, Path, description = "The token from the invitation link")),
    responses(
        (status = 200, description = "The workspace joined", body = WorkspaceView),
        (status = 403, description = "The invitation is for another address", body = ApiErrorBody),
        (status = 409, description = "Used, expired or withdrawn", body = ApiErrorBody)))]
#[post("/invitations/{token}/accept")]
pub async fn accept_invitation(
    services: web::Data<Services>,
    who: Authenticated,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(invitations::accept(&services.db, &who.0, &token).await?))
}
