use std::time::Duration;

use apalis::prelude::Data;
use chrono::Utc;
use domain::dto::jobs::{DiagnosticReport, JobKind, JobStatus};
use domain::jobs::RunDiagnostic;
use domain::scope::TenantScope;
use domain::services::jobs;
use reqwest::StatusCode;

use crate::both_modes;
use crate::helpers::{Mode, count_redis_keys, spawn_app};

both_modes! {
    async fn a_diagnostic_job_goes_through_the_queue_to_a_worker(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let res = app.start_diagnostic(&owner, ws).await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let location = res.headers().get("location").unwrap().to_str().unwrap().to_owned();
        let accepted: domain::dto::jobs::JobAccepted = res.json().await.unwrap();
        assert_eq!(accepted.status, JobStatus::Queued);
        assert_eq!(location, format!("/api/v1/workspaces/{ws}/jobs/{}", accepted.job_id));
        assert_eq!(accepted.href, location);
        if let Some(ns) = &app.redis_namespace {
            assert!(count_redis_keys(ns).await > 0, "the job went through Redis under the test's prefix");
        }

        let job = app.wait_for_job(&owner, ws, &accepted.job_id.to_string(), Duration::from_secs(30)).await;
        assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
        assert_eq!(job.kind, JobKind::Diagnostic);
        assert_eq!(job.progress, 100);
        assert_eq!(job.attempts, 1);
        assert!(job.started_at.is_some() && job.finished_at.is_some());
        let report: DiagnosticReport = serde_json::from_value(job.result.unwrap()).unwrap();
        let expected = match mode { Mode::Embedded => "sqlite", Mode::Production => "postgres" };
        assert_eq!(report.database, expected);
        assert!(report.worker.ends_with(&format!(":{}", std::process::id())), "{}", report.worker);
        assert!(report.queue_latency_ms >= 0.0);
    }

    async fn an_unknown_job_is_404_with_a_json_error(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        for id in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_owned()] {
            let res = app.get_job(&owner, ws, &id).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
            let body: domain::ApiErrorBody = res.json().await.unwrap();
            assert_eq!(body.code, domain::ErrorCode::NotFound);
            assert_eq!(body.message, "job not found");
        }
    }

    async fn an_unknown_api_path_is_404_with_a_json_error(mode: Mode) {
        let app = spawn_app(mode).await;
        let res = app.get("/api/v1/no-such-thing").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body: domain::ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.code, domain::ErrorCode::NotFound);
    }

    async fn another_workspaces_job_is_404(mode: Mode) {
        let app = spawn_app(mode).await;
        let (a, ws_a) = app.owner("a").await;
        let (b, ws_b) = app.owner("b").await;
        let accepted = app.accepted_diagnostic(&a, ws_a).await;
        let id = accepted.job_id.to_string();
        // B asks through its own workspace, and through A's: both 404.
        for (ws, what) in [(ws_b, "job not found"), (ws_a, "workspace not found")] {
            let res = app.get_job(&b, ws, &id).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
            let body: domain::ApiErrorBody = res.json().await.unwrap();
            assert_eq!(body.message, what);
        }
        assert_eq!(app.get_job(&a, ws_a, &id).await.status(), StatusCode::OK);
    }

    async fn a_redelivered_job_that_already_finished_is_not_run_again(mode: Mode) {
        let app = spawn_app(mode).await;
        let (_, ws) = app.owner("acme").await;
        let scope = TenantScope::trusted_for_job(ws, "test");
        let db = &app.services.db;
        let created = jobs::create(db, &scope, JobKind::Diagnostic).await.unwrap();
        let payload = RunDiagnostic { job_id: created.id, enqueued_at: Utc::now() };
        let ctx = app.job_context.clone();
        // The handler, called directly: once, then again as a redelivery would.
        worker::jobs::diagnostic::run_diagnostic(payload.clone(), Data::new(ctx.clone())).await.unwrap();
        let first = jobs::get(db, &scope, created.id).await.unwrap();
        assert_eq!(first.status, JobStatus::Succeeded);
        worker::jobs::diagnostic::run_diagnostic(payload, Data::new(ctx)).await.unwrap();
        let second = jobs::get(db, &scope, created.id).await.unwrap();
        assert_eq!(second.attempts, 1, "the redelivery did not run the job again");
        assert_eq!(second.finished_at, first.finished_at);
        assert_eq!(second.result, first.result);
    }

    async fn the_ui_starts_jobs_through_the_same_service(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let res = app
            .request(reqwest::Method::POST, "/rpc/start_diagnostic", Some(&owner))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("workspace={ws}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let accepted: domain::dto::jobs::JobAccepted = res.json().await.unwrap();
        let job = app.wait_for_job(&owner, ws, &accepted.job_id.to_string(), Duration::from_secs(30)).await;
        assert_eq!(job.status, JobStatus::Succeeded);
    }
}
