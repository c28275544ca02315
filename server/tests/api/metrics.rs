use std::time::Duration;

use reqwest::StatusCode;

use crate::both_modes;
use crate::helpers::spawn_app;

both_modes! {
    async fn metrics_count_requests_by_route_and_jobs_by_state(mode: Mode) {
        let app = spawn_app(mode).await;
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
        let (owner, ws) = app.owner("acme").await;
        let accepted = app.accepted_diagnostic(&owner, ws).await;
        app.wait_for_job(&owner, ws, &accepted.job_id.to_string(), Duration::from_secs(30)).await;

        let res = app.get("/metrics").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        let text = res.text().await.unwrap();
        let has = |needle: &str| text.lines().any(|l| l.starts_with("mixpilot_") && needle.split('|').all(|n| l.contains(n)));
        assert!(has("mixpilot_http_requests_total{|route=\"/healthz\"|status=\"200\""), "{text}");
        assert!(has("mixpilot_http_requests_total{|route=\"/api/v1/workspaces/{workspace_id}/diagnostics\"|status=\"202\""), "{text}");
        assert!(has("mixpilot_http_request_duration_seconds_bucket{|route=\"/healthz\""), "{text}");
        // Jobs by state come from this test's own database: exactly one job, succeeded.
        assert!(text.lines().any(|l| l == "mixpilot_jobs{status=\"succeeded\"} 1"), "{text}");
        assert!(text.lines().any(|l| l == "mixpilot_jobs{status=\"queued\"} 0"), "{text}");
    }
}
