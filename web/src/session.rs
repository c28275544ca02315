//! The browser session's cookies, shared by the server's authentication step and the sign-in
//! server functions.
//!
//! - `mixpilot_access`: the access token (JWT). httpOnly.
//! - `mixpilot_refresh`: the refresh token. httpOnly.
//! - `mixpilot_csrf`: the CSRF token, readable by the page, which sends it back in
//!   `X-CSRF-Token` on every mutation. The server compares it with the token signed into the
//!   access token, so a cookie planted by another site cannot pass.
//!
//! All three are `SameSite=Lax`, on path `/`, and `Secure` when the request came over https.
//! They live as long as the refresh token; the access token inside expires sooner and is
//! renewed from the refresh token.

pub const ACCESS_COOKIE: &str = "mixpilot_access";
pub const REFRESH_COOKIE: &str = "mixpilot_refresh";
pub const CSRF_COOKIE: &str = "mixpilot_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
    use domain::dto::accounts::SessionView;

    use super::{ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE};

    fn cookie(
        name: &'static str,
        value: String,
        http_only: bool,
        secure: bool,
        max_age: CookieDuration,
    ) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(http_only)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(max_age)
            .finish()
    }

    /// The three cookies of a new or renewed session.
    pub fn session_cookies(
        session: &SessionView,
        refresh_ttl: std::time::Duration,
        secure: bool,
    ) -> [Cookie<'static>; 3] {
        let max_age =
            CookieDuration::seconds(i64::try_from(refresh_ttl.as_secs()).unwrap_or(i64::MAX));
        [
            cookie(
                ACCESS_COOKIE,
                session.access_token.clone(),
                true,
                secure,
                max_age,
            ),
            cookie(
                REFRESH_COOKIE,
                session.refresh_token.clone(),
                true,
                secure,
                max_age,
            ),
            cookie(
                CSRF_COOKIE,
                session.csrf_token.clone(),
                false,
                secure,
                max_age,
            ),
        ]
    }

    /// Cookies that delete the session's cookies.
    pub fn cleared_cookies(secure: bool) -> [Cookie<'static>; 3] {
        let gone = CookieDuration::ZERO;
        [
            cookie(ACCESS_COOKIE, String::new(), true, secure, gone),
            cookie(REFRESH_COOKIE, String::new(), true, secure, gone),
            cookie(CSRF_COOKIE, String::new(), false, secure, gone),
        ]
    }

    /// How the server reads client addresses (app data).
    #[derive(Clone, Copy, Debug)]
    pub struct ClientAddressPolicy {
        pub trust_forwarded_for: bool,
    }

    /// The client's address for rate limits: the peer, or the first `X-Forwarded-For` hop when
    /// the server is configured to trust it.
    pub fn client_address(req: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
        let trust = req
            .app_data::<actix_web::web::Data<ClientAddressPolicy>>()
            .is_some_and(|p| p.trust_forwarded_for);
        let info = req.connection_info();
        let text = if trust {
            info.realip_remote_addr()
        } else {
            info.peer_addr()
        };
        text.and_then(|a| {
            a.parse::<std::net::IpAddr>()
                .ok()
                .or_else(|| a.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        })
    }

    /// Whether the request came over https (directly, or as a proxy says).
    pub fn is_https(req: &actix_web::HttpRequest) -> bool {
        req.connection_info().scheme() == "https"
    }
}
