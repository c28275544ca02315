//! Accounts and sessions: sign-up, sign-in, refresh rotation with reuse detection, sign-out,
//! password change, cookies with CSRF protection, throttling, and forged tokens.

use domain::dto::accounts::{MeView, SessionView};
use domain::dto::workspaces::{Access, WorkspaceKind};
use domain::{ApiErrorBody, ErrorCode};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both_modes;
use crate::helpers::{Mode, PASSWORD, TEST_AUTH_SECRET, TestApp, spawn_app};

async fn error(res: reqwest::Response) -> ApiErrorBody {
    res.json().await.expect("a JSON error body")
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/sessions", None)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/sessions/refresh", None)
        .json(&json!({ "refresh_token": token }))
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, session: &SessionView) -> reqwest::Response {
    app.request(Method::GET, "/api/v1/me", Some(session))
        .send()
        .await
        .unwrap()
}

/// The `name=value` pairs of a response's `Set-Cookie` headers, as one `Cookie` header.
fn cookie_header(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The actions of `ws`'s audit log, oldest first, read with an API key's secret.
async fn audit_actions(app: &TestApp, key: &str, ws: domain::ids::TenantId) -> Vec<String> {
    let page: serde_json::Value = app
        .client
        .get(format!(
            "{}/api/v1/workspaces/{ws}/audit?limit=200",
            app.address
        ))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

both_modes! {
    async fn sign_ins_sign_outs_lockouts_token_reuse_and_password_changes_are_audited(mode: Mode) {
        let app = spawn_app(mode).await;
        let first = app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let ws = first.workspace.as_ref().unwrap().id;
        let key: domain::dto::workspaces::ApiKeyCreated = app.request(Method::POST, &format!("/api/v1/workspaces/{ws}/api-keys"), Some(&first))
            .json(&json!({"name": "audit reader", "role": "admin"})).send().await.unwrap().json().await.unwrap();
        let key = key.secret;
        assert_eq!(sign_in(&app, "ana@example.com", "not the password").await.status(), StatusCode::UNAUTHORIZED);
        let second: SessionView = sign_in(&app, "ana@example.com", PASSWORD).await.json().await.unwrap();
        // A refresh token presented twice.
        let renewed: SessionView = refresh(&app, &second.refresh_token).await.json().await.unwrap();
        assert_eq!(refresh(&app, &second.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
        let _ = renewed;
        let res = app.request(Method::PUT, "/api/v1/me/password", Some(&first))
            .json(&json!({"current_password": PASSWORD, "new_password": "a new long passphrase"}))
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let third: SessionView = res.json().await.unwrap();
        let res = app.request(Method::DELETE, "/api/v1/sessions/current", Some(&third)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        for _ in 0..10 {
            sign_in(&app, "ana@example.com", "guess guess guess").await;
        }
        assert_eq!(sign_in(&app, "ana@example.com", "guess guess guess").await.status(), StatusCode::TOO_MANY_REQUESTS);
        let actions = audit_actions(&app, &key, ws).await;
        let security: Vec<&str> = actions.iter().map(String::as_str)
            .filter(|a| a.starts_with("session.") || a.starts_with("user."))
            .collect();
        assert_eq!(&security[..6], [
            "session.sign_in_failed",
            "session.signed_in",
            "session.refresh_token_reused",
            "user.password_changed",
            "session.signed_out",
            "session.sign_in_failed",
        ], "{actions:?}");
        assert!(security.contains(&"session.locked_out"), "{actions:?}");
    }

    async fn signing_up_with_a_taken_address_is_throttled_per_client(mode: Mode) {
        let app = spawn_app(mode).await;
        app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let attempt = || app.request(Method::POST, "/api/v1/users", None)
            .json(&json!({"email": "ana@example.com", "name": "A", "password": PASSWORD, "workspace_name": "W"}))
            .send();
        let mut statuses = Vec::new();
        for _ in 0..7 {
            statuses.push(attempt().await.unwrap().status());
        }
        assert_eq!(statuses[..5], [StatusCode::CONFLICT; 5], "{statuses:?}");
        assert_eq!(statuses[5..], [StatusCode::TOO_MANY_REQUESTS; 2], "{statuses:?}");
    }

    async fn the_current_password_check_is_throttled(mode: Mode) {
        let app = spawn_app(mode).await;
        let session = app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let change = |current: &'static str| app.request(Method::PUT, "/api/v1/me/password", Some(&session))
            .json(&json!({"current_password": current, "new_password": "a new long passphrase"}))
            .send();
        for attempt in 1..=5 {
            assert_eq!(change("guess guess guess").await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY, "attempt {attempt}");
        }
        let res = change(PASSWORD).await.unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key("retry-after"));
    }

    async fn signing_up_creates_a_workspace_the_person_owns(mode: Mode) {
        let app = spawn_app(mode).await;
        let session = app.sign_up("Ana@Example.com ", "Acme Outdoor", WorkspaceKind::Brand).await;
        assert_eq!(session.user.email, "ana@example.com");
        assert_eq!(session.token_type, "Bearer");
        assert!(session.refresh_token.starts_with("mpr_"));
        let res = me(&app, &session).await;
        assert_eq!(res.status(), StatusCode::OK);
        let me: MeView = res.json().await.unwrap();
        assert_eq!(me.workspaces.len(), 1);
        assert_eq!(me.workspaces[0].name, "Acme Outdoor");
        assert_eq!(me.workspaces[0].role, domain::authz::Role::Owner);
        assert_eq!(me.workspaces[0].access, Access::Member);
    }

    async fn bad_sign_up_input_names_the_field_and_creates_nothing(mode: Mode) {
        let app = spawn_app(mode).await;
        for (body, field) in [
            (json!({"email": "not-an-email", "name": "A", "password": PASSWORD, "workspace_name": "W"}), "email:"),
            (json!({"email": "a@example.com", "name": "A", "password": "short", "workspace_name": "W"}), "password: must be at least 10 characters (got 5)"),
            (json!({"email": "a@example.com", "name": "A", "password": PASSWORD, "workspace_name": "  "}), "workspace_name:"),
            (json!({"email": "a@example.com", "name": "", "password": PASSWORD, "workspace_name": "W"}), "name:"),
        ] {
            let res = app.request(Method::POST, "/api/v1/users", None).json(&body).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let e = error(res).await;
            assert_eq!(e.code, ErrorCode::Validation);
            assert!(e.message.starts_with(field), "{} does not name {field}", e.message);
        }
        // Nothing was written: the address is still free.
        app.sign_up("a@example.com", "W", WorkspaceKind::Brand).await;
        let res = app.request(Method::POST, "/api/v1/users", None)
            .json(&json!({"email": "A@example.com", "name": "A", "password": PASSWORD, "workspace_name": "W2"}))
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);
    }

    async fn a_malformed_body_gets_a_json_error_naming_what_is_wrong(mode: Mode) {
        let app = spawn_app(mode).await;
        let res = app.request(Method::POST, "/api/v1/sessions", None)
            .header("content-type", "application/json")
            .body(r#"{"email": "a@example.com"}"#)
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e = error(res).await;
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.starts_with("body: ") && e.message.contains("missing field `password`"), "{}", e.message);
    }

    async fn a_failed_sign_in_does_not_say_whether_the_account_exists(mode: Mode) {
        let app = spawn_app(mode).await;
        app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let wrong_password = sign_in(&app, "ana@example.com", "not the password").await;
        let no_account = sign_in(&app, "nobody@example.com", PASSWORD).await;
        assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(no_account.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error(wrong_password).await, error(no_account).await);
        let ok = sign_in(&app, " ANA@example.com", PASSWORD).await;
        assert_eq!(ok.status(), StatusCode::OK);
    }

    async fn reusing_a_refresh_token_revokes_its_whole_family(mode: Mode) {
        let app = spawn_app(mode).await;
        let first = app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let res = refresh(&app, &first.refresh_token).await;
        assert_eq!(res.status(), StatusCode::OK);
        let second: SessionView = res.json().await.unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        assert_eq!(me(&app, &second).await.status(), StatusCode::OK);

        // The first token again: someone copied it. The family ends, for both holders.
        assert_eq!(refresh(&app, &first.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(refresh(&app, &second.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(me(&app, &second).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(me(&app, &first).await.status(), StatusCode::UNAUTHORIZED);
        // Another sign-in is another family, untouched.
        let other: SessionView = sign_in(&app, "ana@example.com", PASSWORD).await.json().await.unwrap();
        assert_eq!(me(&app, &other).await.status(), StatusCode::OK);
    }

    async fn signing_out_ends_the_session_at_once(mode: Mode) {
        let app = spawn_app(mode).await;
        let session = app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let res = app.request(Method::DELETE, "/api/v1/sessions/current", Some(&session)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert!(set_cookies(&res).iter().any(|c| c.starts_with("mixpilot_access=;") && c.contains("Max-Age=0")), "{:?}", set_cookies(&res));
        assert_eq!(me(&app, &session).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(refresh(&app, &session.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
    }

    async fn changing_the_password_ends_other_sessions(mode: Mode) {
        let app = spawn_app(mode).await;
        let here = app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let elsewhere: SessionView = sign_in(&app, "ana@example.com", PASSWORD).await.json().await.unwrap();
        let wrong = app.request(Method::PUT, "/api/v1/me/password", Some(&here))
            .json(&json!({"current_password": "not it at all", "new_password": "a new long passphrase"}))
            .send().await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error(wrong).await.message.starts_with("current_password:"));
        let res = app.request(Method::PUT, "/api/v1/me/password", Some(&here))
            .json(&json!({"current_password": PASSWORD, "new_password": "a new long passphrase"}))
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let renewed: SessionView = res.json().await.unwrap();
        assert_eq!(me(&app, &renewed).await.status(), StatusCode::OK);
        assert_eq!(me(&app, &elsewhere).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(refresh(&app, &elsewhere.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&app, "ana@example.com", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&app, "ana@example.com", "a new long passphrase").await.status(), StatusCode::OK);
    }

    async fn brute_force_sign_in_attempts_are_throttled(mode: Mode) {
        let app = spawn_app(mode).await;
        app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        for attempt in 1..=10 {
            let res = sign_in(&app, "ana@example.com", "guess guess guess").await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
        }
        // The eleventh attempt is refused even with the right password, and says when to retry.
        let res = sign_in(&app, "ana@example.com", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry), "{retry}");
        assert_eq!(error(res).await.code, ErrorCode::RateLimited);
        // Other accounts from the same address are not locked out by it.
        app.sign_up("bo@example.com", "W", WorkspaceKind::Brand).await;
        assert_eq!(sign_in(&app, "bo@example.com", PASSWORD).await.status(), StatusCode::OK);
    }

    async fn one_address_cannot_spray_passwords_across_many_accounts(mode: Mode) {
        let app = spawn_app(mode).await;
        // 50 attempts per address per window; 39 so far would not trip the per-account limit.
        let mut limited_at = None;
        for i in 1..=60 {
            let res = sign_in(&app, &format!("user{i}@example.com"), "guess guess guess").await;
            if res.status() == StatusCode::TOO_MANY_REQUESTS {
                limited_at = Some(i);
                break;
            }
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        }
        assert_eq!(limited_at, Some(51));
    }

    async fn a_cookie_authenticated_mutation_needs_the_csrf_token(mode: Mode) {
        let app = spawn_app(mode).await;
        app.sign_up("ana@example.com", "W", WorkspaceKind::Brand).await;
        let res = sign_in(&app, "ana@example.com", PASSWORD).await;
        let cookies = set_cookies(&res);
        assert!(cookies.iter().any(|c| c.starts_with("mixpilot_access=") && c.contains("HttpOnly") && c.contains("SameSite=Lax")), "{cookies:?}");
        assert!(cookies.iter().any(|c| c.starts_with("mixpilot_refresh=") && c.contains("HttpOnly")), "{cookies:?}");
        assert!(cookies.iter().any(|c| c.starts_with("mixpilot_csrf=") && !c.contains("HttpOnly")), "{cookies:?}");
        assert!(!cookies.iter().any(|c| c.contains("Secure")), "plain http: no Secure flag: {cookies:?}");
        let cookie = cookie_header(&res);
        let session: SessionView = res.json().await.unwrap();
        let ws = app.request(Method::GET, "/api/v1/me", None).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(ws.status(), StatusCode::OK, "a cookie GET needs no CSRF token");
        let ws = ws.json::<MeView>().await.unwrap().workspaces[0].id;

        let rename = |csrf: Option<&str>| {
            let mut req = app.request(Method::PATCH, &format!("/api/v1/workspaces/{ws}"), None)
                .header("cookie", &cookie)
                .json(&json!({"name": "Renamed"}));
            if let Some(token) = csrf {
                req = req.header("x-csrf-token", token);
            }
            req.send()
        };
        let missing = rename(None).await.unwrap();
        assert_eq!(missing.status(), StatusCode::FORBIDDEN);
        assert!(error(missing).await.message.contains("CSRF"));
        assert_eq!(rename(Some("forged")).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(rename(Some(&session.csrf_token)).await.unwrap().status(), StatusCode::OK);
        // Server functions are cookie-authenticated too.
        let rpc = app.request(Method::POST, "/rpc/rename_workspace", None)
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("workspace={ws}&name=Again"))
            .send().await.unwrap();
        assert_eq!(rpc.status(), StatusCode::FORBIDDEN);
    }

    async fn a_bearer_request_needs_no_csrf_token_and_a_malformed_header_is_refused(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("a").await;
        let res = app.request(Method::PATCH, &format!("/api/v1/workspaces/{ws}"), Some(&owner))
            .json(&json!({"name": "Renamed"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let res = app.request(Method::GET, "/api/v1/me", None).header("authorization", "Basic abc").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let res = app.request(Method::GET, "/api/v1/me", None).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error(res).await.code, ErrorCode::Unauthenticated);
    }
}

/// Re-signs `token`'s claims after `edit`, with the test apps' key.
fn resign(token: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    use base64::Engine as _;
    use jsonwebtoken::{EncodingKey, Header};
    let payload = token.split('.').nth(1).unwrap();
    let mut claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    edit(&mut claims);
    jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(TEST_AUTH_SECRET.as_bytes()),
    )
    .unwrap()
}

fn with_token(session: &SessionView, access_token: String) -> SessionView {
    SessionView {
        access_token,
        ..session.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refused() {
    let app = spawn_app(Mode::Production).await;
    let session = app
        .sign_up("ana@example.com", "W", WorkspaceKind::Brand)
        .await;
    let now = chrono::Utc::now().timestamp();
    // The same claims, signed with the right key: accepted. Then expired a minute ago: refused.
    let fresh = resign(&session.access_token, |_| {});
    assert_eq!(
        me(&app, &with_token(&session, fresh)).await.status(),
        StatusCode::OK
    );
    let expired = resign(&session.access_token, |c| {
        c["iat"] = json!(now - 3600);
        c["exp"] = json!(now - 60);
    });
    let res = me(&app, &with_token(&session, expired)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(error(res).await.message.contains("expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_or_foreign_jwt_is_refused() {
    let app = spawn_app(Mode::Production).await;
    let ana = app
        .sign_up("ana@example.com", "W", WorkspaceKind::Brand)
        .await;
    let bo = app
        .sign_up("bo@example.com", "W", WorkspaceKind::Brand)
        .await;
    let [header, _, signature]: [&str; 3] = ana
        .access_token
        .split('.')
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    // Bo's claims under Ana's signature.
    let bo_payload = bo.access_token.split('.').nth(1).unwrap();
    let spliced = format!("{header}.{bo_payload}.{signature}");
    // Claims signed with another key, and an unsigned token.
    let foreign = {
        use jsonwebtoken::{EncodingKey, Header};
        let claims: serde_json::Value = {
            use base64::Engine as _;
            serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(bo_payload)
                    .unwrap(),
            )
            .unwrap()
        };
        jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(b"another key that is 32 bytes long...."),
        )
        .unwrap()
    };
    let unsigned = format!(
        "{}.{bo_payload}.",
        base64_url(r#"{"alg":"none","typ":"JWT"}"#)
    );
    for token in [spliced, foreign, unsigned, "garbage".to_owned()] {
        let res = me(&app, &with_token(&ana, token.clone())).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{token}");
    }
    assert_eq!(me(&app, &bo).await.status(), StatusCode::OK);
}

fn base64_url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_session_with_an_expired_access_cookie_is_renewed_from_its_refresh_cookie() {
    let app = spawn_app(Mode::Production).await;
    let session = app
        .sign_up("ana@example.com", "Acme", WorkspaceKind::Brand)
        .await;
    let now = chrono::Utc::now().timestamp();
    let expired = resign(&session.access_token, |c| {
        c["iat"] = json!(now - 3600);
        c["exp"] = json!(now - 60);
    });
    let cookie = format!(
        "mixpilot_access={expired}; mixpilot_refresh={}; mixpilot_csrf={}",
        session.refresh_token, session.csrf_token
    );
    // A server function from the page, with the CSRF token of the expired session: renewed.
    let res = app
        .request(Method::POST, "/rpc/me", None)
        .header("cookie", &cookie)
        .header("x-csrf-token", &session.csrf_token)
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookies = set_cookies(&res);
    assert!(
        cookies.iter().any(|c| c.starts_with("mixpilot_access=ey")),
        "{cookies:?}"
    );
    let me: Option<MeView> = res.json().await.unwrap();
    assert_eq!(me.unwrap().user.email, "ana@example.com");
    // The refresh token was used up by the renewal; presenting it again ends the session.
    assert_eq!(
        refresh(&app, &session.refresh_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
