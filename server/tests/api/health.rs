use domain::dto::system::Readiness;
use reqwest::StatusCode;

use crate::both_modes;
use crate::helpers::{Mode, TestDatabase, spawn_app};

both_modes! {
    async fn healthz_answers_while_the_process_serves(mode: Mode) {
        let app = spawn_app(mode).await;
        let res = app.get("/healthz").await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }

    async fn readyz_is_200_when_database_and_queue_answer(mode: Mode) {
        let app = spawn_app(mode).await;
        let res = app.get("/readyz").await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Readiness = res.json().await.unwrap();
        assert!(body.ready);
        let detail = |name: &str| body.checks.iter().find(|c| c.name == name).map(|c| (c.ok, c.detail.clone()));
        match mode {
            Mode::Embedded => {
                assert_eq!(detail("database"), Some((true, "sqlite".to_owned())));
                assert_eq!(detail("queue"), Some((true, "sqlite".to_owned())));
            }
            Mode::Production => {
                assert_eq!(detail("database"), Some((true, "postgres".to_owned())));
                assert_eq!(detail("queue"), Some((true, "redis".to_owned())));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_and_names_the_database_when_postgres_is_gone() {
    let app = spawn_app(Mode::Production).await;
    TestDatabase::drop_now(app.database.as_deref().unwrap()).await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Readiness = res.json().await.unwrap();
    assert!(!body.ready);
    let failing: Vec<&str> = body
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failing, ["database"]);
    // Anyone may ask; the database's own words stay in the operators' logs.
    let database = &body.checks[0];
    assert_eq!(database.detail, "postgres: unreachable", "{database:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_and_names_the_queue_when_the_queue_is_gone() {
    let app = spawn_app(Mode::Embedded).await;
    // Close the queue's pool: the queue stops answering while the database still does.
    let queue = worker::Queue::connect(
        &worker::QueueConfig::Sqlite {
            url: "sqlite::memory:".into(),
        },
        std::time::Duration::from_secs(2),
    )
    .await
    .unwrap();
    queue.close().await;
    let services = domain::services::Services {
        db: app.services.db.clone(),
        queue: std::sync::Arc::new(queue),
        auth: app.services.auth.clone(),
        limiter: app.services.limiter.clone(),
        mailer: None,
        secrets: app.services.secrets.clone(),
        sync: app.services.sync,
        connectable: app.services.connectable.clone(),
    };
    let readiness = domain::services::system::readiness(&services).await;
    assert!(!readiness.ready);
    let failing: Vec<&str> = readiness
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failing, ["queue"]);
}
