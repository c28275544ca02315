//! Connections to ad platforms: the OAuth2 authorization flow (start, callback), the sandbox,
//! "sync now", disconnect, and the per-channel series for the chart.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use connectors::{AuthorizeRequest, CodeExchange, Platform};
use domain::AppError;
use domain::dto::ad_data::{AuthorizationStart, ChannelDay, ConnectionView};
use domain::dto::jobs::JobAccepted;
use domain::ids::TenantId;
use domain::scope::Principal;
use domain::services::connections::{self, NewConnection};
use domain::services::{Services, kpis, workspaces};
use serde::Deserialize;

use crate::error::ApiError;
use crate::extractors::{Authenticated, Scoped};

/// Where people reach Mixpilot; the OAuth callback is under it.
#[derive(Clone, Debug)]
pub struct PublicUrl(pub String);

impl PublicUrl {
    fn callback(&self, platform: Platform) -> String {
        format!(
            "{}/oauth/{}/callback",
            self.0.trim_end_matches('/'),
            platform.as_str()
        )
    }
}

fn platform(raw: &str) -> Result<Platform, AppError> {
    Platform::parse(raw)
        .filter(|p| *p != Platform::Sandbox)
        .ok_or_else(|| {
            AppError::validation(
                "platform",
                format!(
                    "{raw:?} is not a platform to authorize; expected google_ads, meta, linkedin, microsoft_ads or tiktok"
                ),
            )
        })
}

fn connector_error(e: connectors::ConnectorError) -> AppError {
    use connectors::ConnectorError as E;
    match e {
        E::Rejected { code, message } if code == "not_configured" => {
            AppError::validation("platform", message)
        }
        E::RateLimited { .. } | E::Transient { .. } => {
            AppError::unavailable("the ad platform", anyhow::anyhow!(e.to_string()))
        }
        other => AppError::validation("code", format!("the platform refused: {}", other.message())),
    }
}

/// Starts an authorization: returns the platform's URL, with state and PKCE.
async fn authorization_url(
    services: &Services,
    platforms: &worker::Platforms,
    public_url: &PublicUrl,
    scope: &domain::scope::TenantScope,
    principal: &Principal,
    platform: Platform,
    reauthorize: Option<uuid::Uuid>,
) -> Result<String, AppError> {
    // Who may, before what is configured: a viewer learns nothing about the server's setup.
    scope.require(domain::authz::Permission::ManageWorkspace)?;
    if principal.user_id().is_none() {
        return Err(AppError::new(
            domain::ErrorCode::Forbidden,
            "connecting a platform needs a person signed in, not an API key",
        ));
    }
    let client = platforms.get(platform).ok_or_else(|| {
        AppError::validation(
            "platform",
            format!("{} is not configured on this server", platform.label()),
        )
    })?;
    let verifier = connectors::oauth::pkce_verifier();
    let state = connections::begin_authorization(
        services,
        scope,
        principal,
        platform.as_str(),
        reauthorize,
        &verifier,
    )
    .await?;
    let url = client
        .authorize_url(&AuthorizeRequest {
            redirect_uri: public_url.callback(platform),
            state,
            pkce_verifier: verifier,
        })
        .map_err(connector_error)?;
    Ok(url.into())
}

/// Which connection an authorization renews, if any.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReauthorizeQuery {
    /// Renew this connection's grant (after "needs re-authorization") instead of adding one.
    connection_id: Option<uuid::Uuid>,
}

/// Starts connecting a platform (owner, admin): the URL to send the person to. The platform
/// sends them back to `/oauth/{platform}/callback`.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/connections/{platform}/authorize", tag = "data",
    params(("workspace_id" = String, Path), ("platform" = String, Path), ReauthorizeQuery),
    responses((status = 200, description = "Where to send the person", body = AuthorizationStart)))]
#[post("/workspaces/{workspace_id}/connections/{platform}/authorize")]
pub async fn authorize(
    services: web::Data<Services>,
    platforms: web::Data<worker::Platforms>,
    public_url: web::Data<PublicUrl>,
    scope: Scoped,
    principal: Authenticated,
    path: web::Path<(String, String)>,
    query: web::Query<ReauthorizeQuery>,
) -> Result<HttpResponse, ApiError> {
    let platform = platform(&path.1)?;
    let url = authorization_url(
        &services,
        &platforms,
        &public_url,
        &scope.0,
        &principal.0,
        platform,
        query.connection_id,
    )
    .await?;
    Ok(HttpResponse::Ok().json(AuthorizationStart { authorize_url: url }))
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    workspace_id: TenantId,
    connection_id: Option<uuid::Uuid>,
}

/// Sends a browser that is not signed in to the sign-in page, which brings it back here.
fn sign_in_first(req: &actix_web::HttpRequest) -> HttpResponse {
    let back = match req.uri().path_and_query() {
        Some(pq) => pq.as_str().to_owned(),
        None => req.path().to_owned(),
    };
    let next: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/sign-in?next={next}")))
        .finish()
}

/// The connect (and re-authorize) button's target: starts the authorization and redirects the
/// browser to the platform. A browser that is not signed in goes to sign in first.
#[get("/oauth/{platform}/start")]
pub async fn start(
    req: actix_web::HttpRequest,
    services: web::Data<Services>,
    platforms: web::Data<worker::Platforms>,
    public_url: web::Data<PublicUrl>,
    principal: Option<Authenticated>,
    path: web::Path<String>,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(Authenticated(principal)) = principal else {
        return Ok(sign_in_first(&req));
    };
    let platform = platform(&path)?;
    let scope = workspaces::scope(&services.db, &principal, query.workspace_id).await?;
    let url = authorization_url(
        &services,
        &platforms,
        &public_url,
        &scope,
        &principal,
        platform,
        query.connection_id,
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    /// TikTok names the code `auth_code`.
    auth_code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Where the platform sends the browser back: exchanges the code, stores the grant sealed,
/// starts the backfill, and shows the connections page, with what happened in its query
/// (`connected=`, `declined=1` or `error=`). A browser that is not signed in signs in first.
#[get("/oauth/{platform}/callback")]
pub async fn callback(
    req: actix_web::HttpRequest,
    services: web::Data<Services>,
    platforms: web::Data<worker::Platforms>,
    public_url: web::Data<PublicUrl>,
    principal: Option<Authenticated>,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(Authenticated(principal)) = principal else {
        return Ok(sign_in_first(&req));
    };
    let platform = platform(&path)?;
    let state = query
        .state
        .as_deref()
        .ok_or_else(|| AppError::validation("state", "the platform sent no state"))?;
    let pending =
        connections::take_authorization(&services, &principal, platform.as_str(), state).await?;
    let back = |outcome: String| {
        HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/w/{}/connections?{outcome}", pending.tenant_id),
            ))
            .finish()
    };
    if let Some(error) = &query.error {
        tracing::info!(%error, description = ?query.error_description, "authorization declined");
        return Ok(back("declined=1".to_owned()));
    }
    let code = query
        .code
        .clone()
        .or_else(|| query.auth_code.clone())
        .ok_or_else(|| AppError::validation("code", "the platform sent no code"))?;
    let scope = workspaces::scope(&services.db, &principal, pending.tenant_id).await?;
    let client = platforms.get(platform).ok_or_else(|| {
        AppError::validation(
            "platform",
            format!("{} is not configured on this server", platform.label()),
        )
    })?;
    // The state is used up: from here on, a platform's refusal goes back to the page that
    // started the flow, in words, rather than to a bare error document.
    let grant = async {
        let tokens = client
            .exchange_code(&CodeExchange {
                code,
                redirect_uri: public_url.callback(platform),
                pkce_verifier: pending.pkce_verifier.clone(),
            })
            .await?;
        let accounts = client.list_accounts(&tokens).await?;
        Ok::<_, connectors::ConnectorError>((tokens, accounts))
    };
    let (tokens, accounts) = match grant.await {
        Ok(grant) => grant,
        Err(e) => {
            tracing::warn!(error = %e, platform = platform.as_str(), "connecting failed at the platform");
            let message = format!(
                "{} refused the connection: {}",
                platform.label(),
                e.message()
            );
            let message: String =
                url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
            return Ok(back(format!("error={message}")));
        }
    };
    let display_name = match accounts.as_slice() {
        [] => platform.label().to_owned(),
        [one] => format!("{} · {}", platform.label(), one.name),
        many => format!("{} · {} accounts", platform.label(), many.len()),
    };
    let new = NewConnection {
        platform: platform.as_str().to_owned(),
        display_name,
        grant: serde_json::to_value(&tokens).map_err(AppError::internal)?,
        expires_at: tokens.expires_at,
    };
    match pending.connection_id {
        Some(id) => connections::reconnect(&services, &scope, id, new).await?,
        None => connections::connect(&services, &scope, new).await?,
    };
    Ok(back(format!("connected={}", platform.as_str())))
}

/// Connects the sandbox platform (owner, admin): simulated history with known response curves,
/// which reacts to the budgets written to it. Starts the backfill.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/connections/sandbox", tag = "data",
    params(("workspace_id" = String, Path)),
    responses((status = 201, description = "The connection, syncing", body = ConnectionView),
        (status = 409, description = "The workspace already has a sandbox")))]
#[post("/workspaces/{workspace_id}/connections/sandbox")]
pub async fn connect_sandbox(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    let view = connections::connect_sandbox(&services, &scope.0).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Re-pulls the connection's trailing window now (owner, admin, strategist).
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/connections/{connection_id}/sync", tag = "data",
    params(("workspace_id" = String, Path), ("connection_id" = String, Path)),
    responses((status = 202, description = "The sync job", body = JobAccepted)))]
#[post("/workspaces/{workspace_id}/connections/{connection_id}/sync")]
pub async fn sync_now(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, uuid::Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let job = connections::sync_now(&services, &scope.0, path.1).await?;
    Ok(HttpResponse::Accepted().json(JobAccepted {
        href: format!("/api/v1/workspaces/{}/jobs/{}", scope.0.tenant_id(), job.id),
        job_id: job.id,
        status: job.status,
    }))
}

/// Disconnects (owner, admin): deletes the connection with its tokens, accounts, campaigns and
/// metrics, and revokes the grant at the platform.
#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace_id}/connections/{connection_id}", tag = "data",
    params(("workspace_id" = String, Path), ("connection_id" = String, Path)),
    responses((status = 204, description = "Disconnected")))]
#[delete("/workspaces/{workspace_id}/connections/{connection_id}")]
pub async fn disconnect(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, uuid::Uuid)>,
) -> Result<HttpResponse, ApiError> {
    connections::disconnect(&services, &scope.0, path.1).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RangeQuery {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

/// Spend, revenue and conversions per channel and day, for charts.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/metrics/channels", tag = "data",
    params(("workspace_id" = String, Path), RangeQuery),
    responses((status = 200, description = "One row per day, channel and currency", body = Vec<ChannelDay>)))]
#[get("/workspaces/{workspace_id}/metrics/channels")]
pub async fn channel_days(
    services: web::Data<Services>,
    scope: Scoped,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(kpis::channel_days(&services.db, &scope.0, query.from, query.to).await?))
}
