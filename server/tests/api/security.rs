//! The hardening of issue 16, tried as an attacker would: body limits, cross-site requests,
//! spoofed client addresses and schemes, and the security headers of pages.

use domain::dto::accounts::SessionView;
use domain::dto::workspaces::WorkspaceKind;
use domain::{ApiErrorBody, ErrorCode};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both_modes;
use crate::helpers::{Mode, PASSWORD, TestApp, spawn_app, spawn_app_with};

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// A form posted to `/rpc/sign_in`, as a browser would send it from a page at `origin`.
async fn form_sign_in(app: &TestApp, email: &str, origin: Option<&str>) -> reqwest::Response {
    let mut req = app
        .request(Method::POST, "/rpc/sign_in", None)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body(format!(
            "email={}&password={}",
            email.replace('@', "%40"),
            PASSWORD.replace(' ', "+")
        ));
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    req.send().await.unwrap()
}

/// Posts `chunks` chunks of `size` bytes with `Transfer-Encoding: chunked` (no Content-Length)
/// over a plain socket, and returns the answer's status.
async fn chunked_post(app: &TestApp, path: &str, chunks: usize, size: usize) -> u16 {
    use std::io::{BufRead as _, BufReader, Write as _};
    let host = app.address.trim_start_matches("http://").to_owned();
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&host).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.write_all(head.as_bytes());
        let chunk = vec![b'x'; size];
        for _ in 0..chunks {
            // The server may answer and close before the whole body is sent.
            if stream.write_all(format!("{size:x}\r\n").as_bytes()).is_err()
                || stream.write_all(&chunk).is_err()
                || stream.write_all(b"\r\n").is_err()
            {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let mut status = String::new();
        let _ = BufReader::new(stream).read_line(&mut status);
        status.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
    })
    .await
    .unwrap()
}

both_modes! {
    async fn a_cross_site_form_cannot_sign_a_browser_in(mode: Mode) {
        let app = spawn_app(mode).await;
        app.sign_up("attacker@example.com", "W", WorkspaceKind::Brand).await;
        let res = form_sign_in(&app, "attacker@example.com", Some("https://evil.example")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(set_cookies(&res).is_empty(), "{:?}", set_cookies(&res));
        // A browser that says where the request comes from without an Origin.
        let res = app.request(Method::POST, "/rpc/sign_in", None)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "cross-site")
            .body(format!("email=attacker%40example.com&password={}", PASSWORD.replace(' ', "+")))
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(set_cookies(&res).is_empty());
        // The same form from the site itself signs in.
        let own = app.address.clone();
        let res = form_sign_in(&app, "attacker@example.com", Some(&own)).await;
        assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
        assert!(set_cookies(&res).iter().any(|c| c.starts_with("mixpilot_access=ey")), "{:?}", set_cookies(&res));
    }

    async fn a_cross_site_request_cannot_sign_out_or_sign_up_or_change_anything(mode: Mode) {
        let app = spawn_app(mode).await;
        for (method, path, body) in [
            (Method::POST, "/rpc/sign_out", String::new()),
            (Method::POST, "/rpc/sign_up", format!("email=x%40example.com&name=X&password={}&workspace_name=W", PASSWORD.replace(' ', "+"))),
            (Method::POST, "/api/v1/sessions", format!("{{\"email\":\"x@example.com\",\"password\":\"{PASSWORD}\"}}")),
            (Method::POST, "/api/v1/users", "{}".to_owned()),
        ] {
            let res = app.request(method.clone(), path, None)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "https://evil.example")
                .body(body)
                .send().await.unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method} {path}");
            assert!(set_cookies(&res).is_empty(), "{path}");
            let e: ApiErrorBody = res.json().await.unwrap();
            assert_eq!(e.code, ErrorCode::Forbidden);
            assert!(e.message.contains("another site"), "{}", e.message);
        }
        // A script with a bearer token is not a browser form: its Origin does not matter.
        let (owner, ws) = app.owner("a").await;
        let res = app.request(Method::PATCH, &format!("/api/v1/workspaces/{ws}"), Some(&owner))
            .header("origin", "https://tool.example")
            .json(&json!({"name": "Renamed"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }

    async fn starting_an_oauth_connection_from_another_site_is_refused(mode: Mode) {
        let app = spawn_app(mode).await;
        let (_owner, ws) = app.owner("a").await;
        let res = app.request(Method::GET, &format!("/oauth/meta/start?workspace_id={ws}"), None)
            .header("sec-fetch-site", "cross-site")
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = app.request(Method::GET, &format!("/oauth/meta/start?workspace_id={ws}"), None)
            .header("referer", "https://evil.example/page")
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // From the site's own page (a person clicking "Connect"): on its way, to sign in first.
        let res = app.request(Method::GET, &format!("/oauth/meta/start?workspace_id={ws}"), None)
            .header("sec-fetch-site", "same-origin")
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }

    async fn bodies_beyond_their_limit_get_413(mode: Mode) {
        let app = spawn_app(mode).await;
        let big = "x".repeat(2 * 1024 * 1024);
        for path in ["/rpc/sign_in", "/rpc/me", "/api/v1/sessions", "/api/v1/users", "/rpc/no_such_function"] {
            let res = app.request(Method::POST, path, None)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(big.clone())
                .send().await.unwrap();
            assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        }
        // Without a Content-Length (chunked), the limit applies as the body arrives.
        let status = chunked_post(&app, "/rpc/sign_in", 64, 64 * 1024).await;
        assert_eq!(status, 413);
        // The CSV import takes up to 64 MiB, and no more.
        let (owner, ws) = app.owner("a").await;
        let header = "date,channel,currency,spend,conversions,revenue\n";
        let mut csv = String::with_capacity(64 * 1024 * 1024 + 64);
        csv.push_str(header);
        while csv.len() <= 64 * 1024 * 1024 {
            csv.push_str("2026-11-01,search,USD,1,1,1\n");
        }
        let res = app.request(Method::POST, &format!("/api/v1/workspaces/{ws}/imports/metrics"), Some(&owner))
            .header("content-type", "text/csv")
            .body(csv)
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    async fn an_untrusted_x_forwarded_proto_does_not_make_cookies_secure(mode: Mode) {
        let app = spawn_app(mode).await;
        app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let res = app.request(Method::POST, "/api/v1/sessions", None)
            .header("x-forwarded-proto", "https")
            .json(&json!({ "email": "ana@example.com", "password": PASSWORD }))
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let cookies = set_cookies(&res);
        assert_eq!(cookies.len(), 3);
        assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
        assert!(res.headers().get("strict-transport-security").is_none());
    }

    async fn pages_carry_the_security_headers_and_the_csp_admits_the_hydration_script(mode: Mode) {
        let app = spawn_app(mode).await;
        for path in ["/", "/sign-in", "/no/such/page"] {
            let res = app.get(path).await;
            let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
            assert_eq!(header("referrer-policy").as_deref(), Some("strict-origin-when-cross-origin"), "{path}");
            assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{path}");
            let csp = header("content-security-policy").unwrap_or_default();
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
            assert!(csp.contains("'wasm-unsafe-eval'"), "{path}: {csp}");
            let nonce = csp.split("'nonce-").nth(1).and_then(|n| n.split('\'').next()).unwrap_or_default().to_owned();
            assert!(nonce.len() >= 16, "{path}: {csp}");
            let html = res.text().await.unwrap();
            assert!(html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")), "{path}: the hydration script carries the CSP's nonce: {html}");
        }
        // JSON answers too.
        let res = app.get("/api/v1/me").await;
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    }
}

/// Sign-in attempts from behind one trusted proxy, each with a made-up first
/// `X-Forwarded-For` entry: they all count against the address the proxy saw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cannot_dodge_the_rate_limit_by_forging_x_forwarded_for() {
    let app = spawn_app_with(Mode::Embedded, |s| s.trust_forwarded_for = 1).await;
    let mut limited_at = None;
    for i in 1..=60 {
        let res = app
            .request(Method::POST, "/api/v1/sessions", None)
            .header("x-forwarded-for", format!("10.9.{}.{}, 203.0.113.7", i / 250, i % 250))
            .json(&json!({ "email": format!("user{i}@example.com"), "password": "guess guess guess" }))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited_at = Some(i);
            break;
        }
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(limited_at, Some(51));
    // Another client behind the same proxy has its own budget.
    let res = app
        .request(Method::POST, "/api/v1/sessions", None)
        .header("x-forwarded-for", "203.0.113.8")
        .json(&json!({ "email": "user@example.com", "password": "guess guess guess" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// Behind a trusted TLS-terminating proxy, cookies are `Secure` and HSTS is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_https_proxy_cookies_are_secure_and_hsts_is_sent() {
    let app = spawn_app_with(Mode::Embedded, |s| s.trust_forwarded_for = 1).await;
    app.sign_up("ana@example.com", "W", WorkspaceKind::Brand)
        .await;
    let res = app
        .request(Method::POST, "/api/v1/sessions", None)
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-for", "203.0.113.7")
        .json(&json!({ "email": "ana@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookies = set_cookies(&res);
    assert_eq!(cookies.len(), 3);
    assert!(cookies.iter().all(|c| c.contains("Secure")), "{cookies:?}");
    let hsts = res.headers()["strict-transport-security"].to_str().unwrap();
    assert!(hsts.starts_with("max-age="), "{hsts}");
    let _: SessionView = res.json().await.unwrap();
}

/// The scripts find datasets through `MIXPILOT_DATASETS_DIR`, next to the checkout, or by
/// downloading them: no path of one particular machine.
#[test]
fn the_scripts_name_no_path_of_a_particular_machine() {
    let mut folders = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts")];
    let mut files = Vec::new();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "node_modules") {
                    folders.push(path);
                }
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not text
        };
        for (n, line) in text.lines().enumerate() {
            for machine_path in ["/work/", "/home/", "/root/", "/Users/"] {
                assert!(
                    !line.contains(machine_path),
                    "{}:{}: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}
