//! Authentication as parameter types, so a handler cannot forget it.
//!
//! [`authenticate`] runs once per request, before routing: it checks the bearer token, API key
//! or session cookie (with its CSRF token on mutations), renews an expired browser session from
//! its refresh cookie, and leaves a [`RequestAuth`] in the request's extensions. Handlers then
//! ask for [`Authenticated`] (anyone signed in) or [`Scoped`] (admitted to the workspace in the
//! path's `{workspace_id}`); server functions read the same extension. A signed-in person's
//! workspace page (`/w/{workspace_id}/...`) answers 404 when the workspace does not exist or is
//! not theirs, like the API.

use std::future::{Ready, ready};

use ::web::session::{
    ACCESS_COOKIE, CSRF_HEADER, REFRESH_COOKIE, cleared_cookies, is_https, session_cookies,
};
pub use ::web::session::{ClientAddressPolicy, client_address};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use domain::AppError;
use domain::dto::accounts::SessionView;
use domain::error::ErrorCode;
use domain::ids::TenantId;
use domain::scope::{Principal, RequestAuth, TenantScope};
use domain::services::{Services, api_keys, sessions, workspaces};
use futures::future::LocalBoxFuture;
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;

/// What to do with the session cookies on the way out.
enum Renewal {
    Set(Box<SessionView>),
    Clear,
}

const CSRF_REFUSED: &str = "this request is authenticated by a session cookie but lacks the CSRF token: send the `mixpilot_csrf` cookie's value in `X-CSRF-Token`";

/// The authentication step (an actix `from_fn` middleware).
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let path = req.path();
    let skip = ["/pkg/", "/assets/", "/healthz", "/readyz", "/metrics"]
        .iter()
        .any(|p| path.starts_with(p));
    let services = req.app_data::<web::Data<Services>>().cloned();
    let (auth, renewal) = match (skip, &services) {
        (false, Some(services)) => resolve(req.request(), services).await,
        _ => (RequestAuth::Anonymous, None),
    };
    let not_found = match (&auth, workspace_page(&req), &services) {
        (RequestAuth::Authenticated(principal), Some(id), Some(services)) => match id {
            Some(id) => workspaces::scope(&services.db, principal, id)
                .await
                .is_err_and(|e| e.code == ErrorCode::NotFound),
            None => true,
        },
        _ => false,
    };
    req.extensions_mut().insert(auth);
    let secure = is_https(req.request());
    let mut res = next.call(req).await?;
    if not_found {
        // The page itself says the workspace cannot be opened; the status says so too.
        *res.response_mut().status_mut() = StatusCode::NOT_FOUND;
    }
    let cookies = match renewal {
        Some(Renewal::Set(session)) => {
            let ttl = res
                .request()
                .app_data::<web::Data<Services>>()
                .map(|s| s.auth.refresh_ttl)
                .unwrap_or_default();
            session_cookies(&session, ttl, secure).to_vec()
        }
        Some(Renewal::Clear) => cleared_cookies(secure).to_vec(),
        None => Vec::new(),
    };
    for cookie in cookies {
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res)
}

/// The workspace of a page at `/w/{workspace_id}/...`: `Some(None)` when the path holds no
/// workspace id, `None` for any other request.
fn workspace_page(req: &ServiceRequest) -> Option<Option<TenantId>> {
    if req.method() != Method::GET {
        return None;
    }
    let rest = req.path().strip_prefix("/w/")?;
    let id = rest.split('/').next().unwrap_or_default();
    Some(id.parse::<TenantId>().ok())
}

async fn resolve(req: &HttpRequest, services: &Services) -> (RequestAuth, Option<Renewal>) {
    let refused = |e: AppError| RequestAuth::Refused {
        code: e.code,
        message: e.message,
    };
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Pages and server functions are the browser's; the JSON API renews nothing by itself.
    let browser = !req.path().starts_with("/api/");

    if let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let Some(token) = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")) else {
            return (
                RequestAuth::Refused {
                    code: ErrorCode::Unauthenticated,
                    message: "the Authorization header must be `Bearer <access token or API key>`"
                        .into(),
                },
                None,
            );
        };
        let result = if token.starts_with(api_keys::KEY_PREFIX) {
            api_keys::authenticate(&services.db, token).await
        } else {
            sessions::authenticate(services, token).await
        };
        return (
            result.map_or_else(refused, RequestAuth::Authenticated),
            None,
        );
    }

    let access = req
        .cookie(ACCESS_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty());
    let refresh = req
        .cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty());
    let sent_csrf = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let csrf_matches = |expected: &str| {
        bool::from(expected.as_bytes().ct_eq(sent_csrf.as_bytes())) && !expected.is_empty()
    };
    let csrf_refused = || RequestAuth::Refused {
        code: ErrorCode::Forbidden,
        message: CSRF_REFUSED.into(),
    };

    match (access, refresh) {
        (None, None) => (RequestAuth::Anonymous, None),
        (Some(access), refresh) => match sessions::authenticate(services, &access).await {
            Ok(principal) => {
                if safe || principal.csrf_token().is_some_and(csrf_matches) {
                    (RequestAuth::Authenticated(principal), None)
                } else {
                    (csrf_refused(), None)
                }
            }
            Err(e) => match sessions::csrf_of_expired(services, &access) {
                // Expired but genuine: a browser renews it from the refresh cookie.
                Some(csrf) if browser && refresh.is_some() => {
                    if !safe && !csrf_matches(&csrf) {
                        return (csrf_refused(), None);
                    }
                    renew(services, refresh.as_deref().unwrap_or_default(), safe).await
                }
                _ if browser && safe => {
                    tracing::debug!(error = %e, "a page request with an unusable session");
                    (RequestAuth::Anonymous, Some(Renewal::Clear))
                }
                _ => (refused(e), None),
            },
        },
        (None, Some(refresh)) if browser && safe => renew(services, &refresh, safe).await,
        (None, Some(_)) => (RequestAuth::Anonymous, None),
    }
}

/// Renews a browser session from its refresh cookie.
async fn renew(services: &Services, refresh: &str, safe: bool) -> (RequestAuth, Option<Renewal>) {
    let renewed = match sessions::refresh(services, refresh).await {
        Ok(session) => sessions::authenticate(services, &session.access_token)
            .await
            .map(|p| (p, session)),
        Err(e) => Err(e),
    };
    match renewed {
        Ok((principal, session)) => (
            RequestAuth::Authenticated(principal),
            Some(Renewal::Set(Box::new(session))),
        ),
        Err(e) if safe => {
            tracing::debug!(error = %e, "a browser session could not be renewed");
            (RequestAuth::Anonymous, Some(Renewal::Clear))
        }
        Err(e) => (
            RequestAuth::Refused {
                code: e.code,
                message: e.message,
            },
            Some(Renewal::Clear),
        ),
    }
}

/// Any authenticated caller: a person or an API key.
pub struct Authenticated(pub Principal);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = req
            .extensions()
            .get::<RequestAuth>()
            .cloned()
            .unwrap_or(RequestAuth::Anonymous);
        ready(auth.principal().cloned().map(Self).map_err(ApiError))
    }
}

/// A caller admitted to the workspace named by the path's `{workspace_id}`. Another tenant's
/// workspace, and one that does not exist, answer 404.
pub struct Scoped(pub TenantScope);

impl FromRequest for Scoped {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Authenticated::from_request(req, payload).into_inner();
        let tenant = req
            .match_info()
            .get("workspace_id")
            .and_then(|id| id.parse::<TenantId>().ok());
        let services = req.app_data::<web::Data<Services>>().cloned();
        Box::pin(async move {
            let Authenticated(principal) = principal?;
            let tenant = tenant.ok_or_else(|| AppError::not_found("workspace"))?;
            let services = services.ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("services are not configured"))
            })?;
            Ok(Self(
                workspaces::scope(&services.db, &principal, tenant).await?,
            ))
        })
    }
}
