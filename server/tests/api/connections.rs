//! Connections: the sandbox platform end to end (connect, backfill by a worker, idempotent
//! re-sync, disconnect), tokens kept out of every answer, and another tenant kept out.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use connectors::sandbox::{MemoryLedger, SandboxGrant, SandboxPlatform};
use connectors::{AdPlatform as _, DateRange};
use domain::dto::ad_data::{ChannelDay, ConnectionView};
use domain::dto::jobs::{JobAccepted, JobStatus};
use reqwest::{Method, StatusCode};

use crate::both_modes;
use crate::helpers::{Session, TestApp, spawn_app};

async fn connections(
    app: &TestApp,
    session: &Session,
    ws: domain::ids::TenantId,
) -> Vec<ConnectionView> {
    let res = app
        .request(
            Method::GET,
            &format!("/api/v1/workspaces/{ws}/connections"),
            Some(session),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Waits until the connection's sync has finished.
async fn synced(app: &TestApp, session: &Session, ws: domain::ids::TenantId) -> ConnectionView {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let c = connections(app, session, ws)
            .await
            .into_iter()
            .find(|c| c.platform == "sandbox")
            .expect("the sandbox connection");
        if c.sync.as_ref().is_some_and(|j| j.status.is_finished()) {
            return c;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the sync did not finish: {c:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the sandbox itself reports for the workspace's world over the backfill's span.
async fn sandbox_truth(ws: domain::ids::TenantId, days: i64) -> Vec<connectors::DailyRow> {
    let grant = SandboxGrant {
        seed: ws.as_uuid().as_u64_pair().0 % 1_000_000,
        anchor: Utc::now().date_naive(),
    };
    let platform = SandboxPlatform::new(Arc::new(MemoryLedger::default()));
    let account = SandboxPlatform::account(grant);
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    platform
        .daily_report(
            &grant.tokens(),
            &account,
            DateRange::new(today - chrono::Duration::days(days - 1), today).unwrap(),
        )
        .await
        .unwrap()
}

async fn channel_days(
    app: &TestApp,
    session: &Session,
    ws: domain::ids::TenantId,
) -> Vec<ChannelDay> {
    let to = Utc::now().date_naive() + chrono::Duration::days(1);
    let from = to - chrono::Duration::days(365);
    let res = app
        .request(
            Method::GET,
            &format!("/api/v1/workspaces/{ws}/metrics/channels?from={from}&to={to}"),
            Some(session),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

both_modes! {
    async fn connecting_the_sandbox_backfills_exactly_what_the_platform_reports(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let connected = app.sandbox(&owner, ws).await;
        assert_eq!(connected.platform, "sandbox");
        assert!(connected.sync.is_some(), "the backfill started with the connection");

        let done = synced(&app, &owner, ws).await;
        let job = done.sync.clone().unwrap();
        assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.error);
        assert_eq!(job.progress, 100);
        assert_eq!(done.status, "active");
        assert_eq!((done.ad_accounts, done.campaigns), (1, 5));
        assert!(done.last_sync_at.is_some());

        // Every row the platform reports for the 180 days is there, once, with its values.
        let truth = sandbox_truth(ws, 180).await;
        let stored = channel_days(&app, &owner, ws).await;
        let spend = |rows: &[connectors::DailyRow]| rows.iter().map(|r| r.spend_minor).sum::<i64>();
        assert_eq!(stored.iter().map(|d| d.spend_minor).sum::<i64>(), spend(&truth));
        assert_eq!(
            stored.iter().map(|d| d.revenue_minor).sum::<i64>(),
            truth.iter().map(|r| r.revenue_minor).sum::<i64>()
        );
        assert_eq!(job.result.as_ref().unwrap()["rows"].as_u64(), Some(truth.len() as u64));
        let channels: std::collections::BTreeSet<&str> = stored.iter().map(|d| d.channel.as_str()).collect();
        assert_eq!(channels.into_iter().collect::<Vec<_>>(), ["display", "search", "shopping", "social", "video"]);

        // Sync now re-pulls the trailing window: nothing is duplicated.
        let res = app
            .request(Method::POST, &format!("/api/v1/workspaces/{ws}/connections/{}/sync", done.id), Some(&owner))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let accepted: JobAccepted = res.json().await.unwrap();
        let again = app.wait_for_job(&owner, ws, &accepted.job_id.to_string(), Duration::from_secs(60)).await;
        assert_eq!(again.status, JobStatus::Succeeded, "{:?}", again.error);
        let after = channel_days(&app, &owner, ws).await;
        assert_eq!(after.iter().map(|d| d.spend_minor).sum::<i64>(), spend(&truth));
        assert_eq!(after.len(), stored.len());
    }

    async fn a_connection_never_shows_its_tokens_and_disconnecting_deletes_them_with_the_data(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let c = app.sandbox(&owner, ws).await;
        synced(&app, &owner, ws).await;
        let body = app
            .request(Method::GET, &format!("/api/v1/workspaces/{ws}/connections"), Some(&owner))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!body.contains("access_token") && !body.contains("sandbox-"), "{body}");

        // A second sandbox is refused.
        let res = app
            .request(Method::POST, &format!("/api/v1/workspaces/{ws}/connections/sandbox"), Some(&owner))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);

        let res = app
            .request(Method::DELETE, &format!("/api/v1/workspaces/{ws}/connections/{}", c.id), Some(&owner))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert!(connections(&app, &owner, ws).await.is_empty());
        assert!(channel_days(&app, &owner, ws).await.is_empty(), "the metrics went with it");
        let audit: serde_json::Value = app
            .request(Method::GET, &format!("/api/v1/workspaces/{ws}/audit"), Some(&owner))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let actions: Vec<&str> = audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"connection.created") && actions.contains(&"connection.deleted"), "{actions:?}");
        // The sandbox can be connected again.
        app.sandbox(&owner, ws).await;
    }

    async fn another_tenant_cannot_see_sync_or_disconnect_a_connection(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner_a, a) = app.owner("acme").await;
        let (owner_b, b) = app.owner("globex").await;
        let c = app.sandbox(&owner_a, a).await;
        synced(&app, &owner_a, a).await;
        // Through B's own workspace, A's connection does not exist.
        for (method, path) in [
            (Method::POST, format!("/api/v1/workspaces/{b}/connections/{}/sync", c.id)),
            (Method::DELETE, format!("/api/v1/workspaces/{b}/connections/{}", c.id)),
        ] {
            let res = app.request(method.clone(), &path, Some(&owner_b)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
        // And through A's workspace, B is not admitted.
        let res = app
            .request(Method::GET, &format!("/api/v1/workspaces/{a}/connections"), Some(&owner_b))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(connections(&app, &owner_b, b).await.is_empty());
        assert!(channel_days(&app, &owner_b, b).await.is_empty());
        // A's connection is untouched.
        assert_eq!(connections(&app, &owner_a, a).await.len(), 1);
    }
}

both_modes! {
    async fn a_late_copy_of_a_finished_sync_does_not_put_the_connection_back_to_syncing(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        app.sandbox(&owner, ws).await;
        let done = synced(&app, &owner, ws).await;
        assert_eq!(done.status, "active");
        let job = done.sync.unwrap().id;

        // A twin of the finished job marks its start: nothing changes.
        let marked = domain::services::ingest::mark_syncing(&app.services.db, done.id, job)
            .await
            .unwrap();
        assert!(!marked);
        let after = synced(&app, &owner, ws).await;
        assert_eq!(after.status, "active");
        assert_eq!(after.sync.unwrap().status, JobStatus::Succeeded);

        // A job that is running does mark it.
        let scope = domain::scope::TenantScope::trusted_for_job(ws, "test");
        let running = domain::services::jobs::create(
            &app.services.db,
            &scope,
            domain::dto::jobs::JobKind::Sync,
        )
        .await
        .unwrap();
        assert!(domain::services::jobs::start(&app.services.db, running.id).await.unwrap());
        let marked = domain::services::ingest::mark_syncing(&app.services.db, done.id, running.id)
            .await
            .unwrap();
        assert!(marked);
        let listed = connections(&app, &owner, ws).await;
        assert_eq!(listed[0].status, "syncing");
    }
}
