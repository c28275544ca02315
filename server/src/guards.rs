//! What every request passes before any handler: a body limit, a refusal of cross-site
//! requests that a form or a cookie could carry, and the security headers of every answer.
//!
//! Invariants:
//! - **Every body has a limit**, REST and server functions alike: [`body_limit_for`] names it
//!   per path, a declared `Content-Length` beyond it is refused before a byte is read, and a
//!   body without one (chunked) is cut off as it arrives. Either way the answer is 413.
//! - **No state changes from another site.** A request that is not `GET`, `HEAD` or `OPTIONS`,
//!   and carries no `Authorization` header (a script's bearer token or API key cannot be sent by
//!   another site's page), is refused with 403 when the browser says it comes from another site:
//!   `Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` that is not this site. This
//!   covers sign-in and sign-out (login CSRF), which no session cookie protects. Starting an
//!   OAuth connection is a `GET` that changes state, so it gets the same check, and also
//!   refuses a foreign `Referer`.
//! - **Security headers on every answer**: `X-Content-Type-Options: nosniff`,
//!   `Referrer-Policy`, `X-Frame-Options: DENY`, a Content-Security-Policy (pages get one with
//!   the nonce of their hydration script, see [`page_csp`]; other answers a closed one), and
//!   HSTS when the site is served over https.

use std::cell::Cell;
use std::rc::Rc;

use ::web::session::is_https;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, ResponseError as _};
use domain::AppError;
use domain::error::ErrorCode;
use futures::StreamExt as _;

use crate::error::ApiError;
use crate::routes::imports::MAX_CSV_BYTES;

/// The body limit of every endpoint without a larger one of its own: JSON requests and
/// server-function arguments are small.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The largest body `path` takes with `method`.
pub fn body_limit_for(method: &Method, path: &str) -> usize {
    if method != Method::POST {
        return DEFAULT_BODY_LIMIT;
    }
    if path.starts_with("/api/v1/workspaces/") && path.ends_with("/imports/metrics") {
        MAX_CSV_BYTES
    } else if path == "/rpc/import_metrics" {
        // The page sends the file as a JSON string: escaping adds a little.
        MAX_CSV_BYTES + MAX_CSV_BYTES / 4
    } else {
        DEFAULT_BODY_LIMIT
    }
}

fn too_large(limit: usize) -> HttpResponse {
    let error = AppError::new(
        ErrorCode::Validation,
        format!("body: larger than the {limit} bytes this endpoint takes"),
    );
    HttpResponse::PayloadTooLarge().json(error.body())
}

/// The body limit (an actix `from_fn` middleware; see the module docs).
pub async fn limit_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let limit = body_limit_for(req.method(), req.path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(req, too_large(limit)).map_into_right_body());
    }
    let tripped = Rc::new(Cell::new(false));
    let flag = tripped.clone();
    let mut seen = 0usize;
    let limited = req.take_payload().map(move |chunk| {
        let bytes = chunk?;
        seen = seen.saturating_add(bytes.len());
        if seen > limit {
            flag.set(true);
            return Err(PayloadError::Overflow);
        }
        Ok(bytes)
    });
    req.set_payload(Payload::Stream {
        payload: Box::pin(limited),
    });
    let res = next.call(req).await?;
    if tripped.get() {
        let (req, _) = res.into_parts();
        return Ok(ServiceResponse::new(req, too_large(limit)).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

/// The origin (`scheme://host[:port]`) of a URL, lowercased.
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    match parsed.origin() {
        url::Origin::Tuple(..) => Some(parsed.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// This site's origin as people reach it (`MIXPILOT_PUBLIC_URL`), app data.
#[derive(Clone, Debug)]
pub struct SiteOrigin(pub Option<String>);

impl SiteOrigin {
    pub fn from_public_url(public_url: Option<&str>) -> Self {
        Self(public_url.and_then(origin_of))
    }
}

/// Whether `url` (an `Origin` or a `Referer`) is this site: the configured public origin, or
/// the host the request was sent to.
fn is_this_site(req: &HttpRequest, url: &str) -> bool {
    let Some(origin) = origin_of(url) else {
        return false;
    };
    let public = req
        .app_data::<actix_web::web::Data<SiteOrigin>>()
        .and_then(|s| s.0.clone());
    if public.as_deref() == Some(origin.as_str()) {
        return true;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    let authority = origin.split_once("://").map(|(_, a)| a);
    host.is_some() && authority == host.as_deref()
}

/// Why a request must be refused as coming from another site, if it must.
fn cross_site_reason(req: &HttpRequest) -> Option<String> {
    let state_changing_get = req.method() == Method::GET
        && req.path().starts_with("/oauth/")
        && req.path().ends_with("/start");
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if (safe && !state_changing_get) || req.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    let text = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let Some(site) = text("sec-fetch-site")
        && matches!(site.as_str(), "cross-site" | "same-site")
    {
        return Some(format!("the browser says it is {site}"));
    }
    if let Some(origin) = text("origin")
        && !is_this_site(req, &origin)
    {
        return Some(format!("Origin {origin}"));
    }
    if state_changing_get
        && let Some(referer) = text("referer")
        && !is_this_site(req, &referer)
    {
        return Some("a link on another site".to_owned());
    }
    None
}

/// The refusal of cross-site requests (an actix `from_fn` middleware; see the module docs).
pub async fn refuse_cross_site(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    if let Some(reason) = cross_site_reason(req.request()) {
        tracing::info!(path = req.path(), %reason, "a cross-site request was refused");
        let error = ApiError(AppError::new(
            ErrorCode::Forbidden,
            format!(
                "this request comes from another site ({reason}); Mixpilot's forms and sign-in work only from its own pages"
            ),
        ));
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(req, error.error_response()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The Content-Security-Policy of a page whose scripts carry `nonce`: scripts from this site
/// and the inline hydration script, the wasm bundle, no framing, no plugins.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of answers that are not pages: nothing may load from them, nobody may frame them.
const CLOSED_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Sets the page's CSP with the nonce Leptos generated for this render. Called in the render's
/// context (the `additional_context` of the Leptos routes); does nothing outside a page render.
pub fn provide_page_csp() {
    use leptos::prelude::use_context;
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_actix::ResponseOptions>(),
    ) && let Ok(value) = HeaderValue::from_str(&page_csp(&nonce))
    {
        res.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds the security headers to every answer (an actix `from_fn` middleware).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let https = is_https(req.request());
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::CONTENT_SECURITY_POLICY, CLOSED_CSP);
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_csv_import_takes_a_large_body() {
        let import = body_limit_for(
            &Method::POST,
            "/api/v1/workspaces/0193a9b0-0000-7000-8000-000000000000/imports/metrics",
        );
        assert_eq!(import, MAX_CSV_BYTES);
        assert!(body_limit_for(&Method::POST, "/rpc/import_metrics") > MAX_CSV_BYTES);
        for path in [
            "/rpc/sign_in",
            "/api/v1/sessions",
            "/api/v1/users",
            "/anything",
        ] {
            assert_eq!(
                body_limit_for(&Method::POST, path),
                DEFAULT_BODY_LIMIT,
                "{path}"
            );
        }
        assert_eq!(
            body_limit_for(&Method::GET, "/rpc/import_metrics"),
            DEFAULT_BODY_LIMIT
        );
    }

    #[test]
    fn origins_compare_by_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://Mixpilot.example:443/x?y").as_deref(),
            Some("https://mixpilot.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("data:text/html,x"), None);
    }
}
