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

/// Where to go after signing in: `next` when it is a path on this site, else `None`.
///
/// Browsers drop tabs and newlines from URLs and read `\` as `/`, so `/\t/evil.example` would
/// leave the site; a path is accepted only when it starts with one `/` followed by something
/// other than `/` or `\`, holds no backslash, no control character and no space, and still
/// does so once percent-decoded (`/%2F/evil.example`).
pub fn safe_next(next: Option<String>) -> Option<String> {
    fn same_site_path(s: &str) -> bool {
        let mut chars = s.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !s
                .chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    }
    let next = next?;
    let decoded = percent_decoded(&next)?;
    (same_site_path(&next) && same_site_path(&decoded)).then_some(next)
}

/// `s` with its `%XX` escapes decoded; `None` when an escape is malformed or the result is not
/// UTF-8.
fn percent_decoded(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

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

    /// How the server reads client addresses and the scheme (app data).
    ///
    /// Proxies append the address they received a request from to `X-Forwarded-For`, so only
    /// the rightmost entries were written by proxies Mixpilot trusts; everything to their left
    /// is whatever the client sent. With `trusted_proxy_hops = n`, the client is the `n`th
    /// entry from the right, and `X-Forwarded-Proto` is believed. With `0` (the default), both
    /// headers are ignored: the client is the peer address and the scheme is the listener's.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct ClientAddressPolicy {
        /// How many proxies stand in front of the server, each appending to `X-Forwarded-For`.
        pub trusted_proxy_hops: u8,
        /// Whether people reach the site over https (`MIXPILOT_PUBLIC_URL` is https): cookies
        /// are then `Secure` and HSTS is sent whatever the request says.
        pub public_https: bool,
    }

    fn policy(req: &actix_web::HttpRequest) -> ClientAddressPolicy {
        req.app_data::<actix_web::web::Data<ClientAddressPolicy>>()
            .map(|p| *p.get_ref())
            .unwrap_or_default()
    }

    /// The comma-separated entries of every `name` header, in order.
    fn header_entries<'a>(req: &'a actix_web::HttpRequest, name: &str) -> Vec<&'a str> {
        req.headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect()
    }

    fn parse_address(text: &str) -> Option<std::net::IpAddr> {
        text.parse::<std::net::IpAddr>()
            .ok()
            .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
    }

    /// The client's address for rate limits: the peer, or, behind `n` trusted proxies, the
    /// `n`th `X-Forwarded-For` entry from the right (see [`ClientAddressPolicy`]).
    pub fn client_address(req: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
        let peer = req.peer_addr().map(|a| a.ip());
        let hops = usize::from(policy(req).trusted_proxy_hops);
        if hops == 0 {
            return peer;
        }
        let entries = header_entries(req, "x-forwarded-for");
        // Fewer entries than proxies: every entry was written by a trusted proxy, and the
        // leftmost is the one that received the request.
        match entries.get(entries.len().saturating_sub(hops)) {
            Some(entry) => parse_address(entry).or(peer),
            None => peer,
        }
    }

    /// Whether the request came over https: the public URL is https, the listener is TLS, or
    /// a trusted proxy says so in `X-Forwarded-Proto` (its rightmost entry). A client's own
    /// `X-Forwarded-Proto` counts for nothing when no proxy is trusted.
    pub fn is_https(req: &actix_web::HttpRequest) -> bool {
        let policy = policy(req);
        policy.public_https
            || req.app_config().secure()
            || (policy.trusted_proxy_hops > 0
                && header_entries(req, "x-forwarded-proto")
                    .last()
                    .is_some_and(|p| p.eq_ignore_ascii_case("https")))
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn a_percent_encoded_path_is_judged_once_decoded() {
        assert_eq!(
            safe_next(Some("/w/a%2Db".into())).as_deref(),
            Some("/w/a%2Db")
        );
        assert_eq!(
            safe_next(Some("/w/a%20b".into())),
            None,
            "no spaces, even encoded"
        );
        assert_eq!(safe_next(Some("/%2f%2fevil.example".into())), None);
        assert_eq!(safe_next(Some("/%zz".into())), None, "a malformed escape");
    }

    #[cfg(feature = "ssr")]
    mod forwarded {
        use actix_web::test::TestRequest;
        use actix_web::web::Data;

        use super::super::{ClientAddressPolicy, client_address, is_https};

        fn request(hops: u8, headers: &[(&'static str, &'static str)]) -> actix_web::HttpRequest {
            let mut req = TestRequest::default()
                .peer_addr("192.0.2.1:5000".parse().unwrap())
                .app_data(Data::new(ClientAddressPolicy {
                    trusted_proxy_hops: hops,
                    public_https: false,
                }));
            for header in headers {
                req = req.append_header(*header);
            }
            req.to_http_request()
        }

        fn client(hops: u8, headers: &[(&'static str, &'static str)]) -> String {
            client_address(&request(hops, headers)).unwrap().to_string()
        }

        #[test]
        fn only_the_entries_written_by_trusted_proxies_count() {
            let forged = [("x-forwarded-for", "6.6.6.6, 203.0.113.7")];
            assert_eq!(
                client(0, &forged),
                "192.0.2.1",
                "no proxy trusted: the peer"
            );
            assert_eq!(
                client(1, &forged),
                "203.0.113.7",
                "one proxy: the rightmost entry"
            );
            let two = [("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.2")];
            assert_eq!(client(2, &two), "203.0.113.7");
            // Two header lines are one list.
            let split = [
                ("x-forwarded-for", "6.6.6.6"),
                ("x-forwarded-for", "203.0.113.7:4711"),
            ];
            assert_eq!(client(1, &split), "203.0.113.7");
            // Fewer entries than proxies: the leftmost, written by the first proxy.
            assert_eq!(client(3, &forged), "6.6.6.6");
            assert_eq!(
                client(1, &[("x-forwarded-for", "not an address")]),
                "192.0.2.1"
            );
            assert_eq!(client(1, &[]), "192.0.2.1");
        }

        #[test]
        fn x_forwarded_proto_counts_only_from_a_trusted_proxy() {
            let https = [("x-forwarded-proto", "https")];
            assert!(!is_https(&request(0, &https)));
            assert!(is_https(&request(1, &https)));
            assert!(!is_https(&request(
                1,
                &[("x-forwarded-proto", "https, http")]
            )));
            assert!(!is_https(&request(1, &[])));
        }
    }
}
