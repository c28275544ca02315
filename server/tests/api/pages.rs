use reqwest::StatusCode;

use crate::both_modes;
use crate::helpers::{Mode, spawn_app};

both_modes! {
    async fn pages_are_rendered_on_the_server_with_the_hydration_scripts(mode: Mode) {
        let app = spawn_app(mode).await;
        for (path, heading) in [
            ("/", "Put every marketing dollar where it earns the most"),
            ("/sign-in", "Sign in"),
            ("/status", "System status"),
        ] {
            let res = app.get(path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let html = res.text().await.unwrap();
            assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
            assert!(html.contains(&format!("<h1>{heading}</h1>")), "{path}: {html}");
            assert!(html.contains("<nav aria-label=\"Main\">"), "{path}");
            assert!(html.contains("/pkg/web.js") && html.contains("/pkg/web_bg.wasm"), "{path}");
        }
    }

    async fn the_status_page_renders_dependency_states_on_the_server(mode: Mode) {
        let app = spawn_app(mode).await;
        let html = app.get("/status").await.text().await.unwrap();
        assert!(html.contains("data-testid=\"dependencies\""), "{html}");
        let expected = match mode { Mode::Embedded => "sqlite", Mode::Production => "redis" };
        assert!(html.contains(&format!("<td>{expected}</td>")), "{html}");
        assert!(!html.contains("unreachable"), "{html}");
    }

    async fn an_unknown_page_is_a_404_page(mode: Mode) {
        let app = spawn_app(mode).await;
        let res = app.get("/no/such/page").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(res.text().await.unwrap().contains("Page not found"));
    }

    async fn the_stylesheet_is_served(mode: Mode) {
        let app = spawn_app(mode).await;
        let res = app.get("/assets/mixpilot.css").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
        assert!(res.text().await.unwrap().contains(":focus-visible"));
    }
}

both_modes! {
    async fn a_workspace_page_is_404_when_the_workspace_does_not_exist_or_is_not_the_callers(mode: Mode) {
        let app = spawn_app(mode).await;
        let (own, ws) = app.owner("a").await;
        let (_other, theirs) = app.owner("b").await;
        let cookie = format!("mixpilot_access={}; mixpilot_csrf={}", own.access_token, own.csrf_token);
        let page = |path: String| {
            let cookie = cookie.clone();
            let app = &app;
            async move {
                app.request(reqwest::Method::GET, &path, None).header("cookie", cookie).send().await.unwrap()
            }
        };
        let res = page(format!("/w/{ws}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        for path in [
            format!("/w/{theirs}"),
            format!("/w/{theirs}/members"),
            format!("/w/{theirs}/connections"),
            format!("/w/{}", uuid::Uuid::new_v4()),
            format!("/w/{}/audit", uuid::Uuid::new_v4()),
            "/w/not-an-id".to_owned(),
        ] {
            let res = page(path.clone()).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
            let html = res.text().await.unwrap();
            assert!(html.to_lowercase().contains("not found"), "{path}: {html}");
        }
    }
}
