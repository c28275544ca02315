//! The `mixpilot` binary as operators run it: separate `serve` and `worker` processes on
//! PostgreSQL and Redis, shutdown on SIGTERM, and start-up failures that say what to fix.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_mixpilot");

fn admin_url() -> String {
    std::env::var("MIXPILOT_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn redis_url() -> String {
    std::env::var("MIXPILOT_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned())
}

/// A fresh database and Redis prefix, removed on drop.
struct Backends {
    db_name: String,
    db_url: String,
    namespace: String,
}

impl Backends {
    async fn create() -> Self {
        let admin = admin_url();
        let db_name = format!("mixpilot_test_{}", Uuid::new_v4().simple());
        let conn = Database::connect(&admin).await.unwrap();
        conn.execute_unprepared(&format!("CREATE DATABASE {db_name}"))
            .await
            .unwrap();
        conn.close().await.unwrap();
        let base = admin.rsplit_once('/').unwrap().0.to_owned();
        Self {
            db_url: format!("{base}/{db_name}"),
            db_name,
            namespace: format!("mixpilot-test-{}", Uuid::new_v4().simple()),
        }
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("MIXPILOT_DATABASE_URL", &self.db_url)
            .env("MIXPILOT_REDIS_URL", redis_url())
            .env("MIXPILOT_QUEUE_NAMESPACE", &self.namespace)
            .env("MIXPILOT_AUTH_SECRET", AUTH_SECRET);
    }

    async fn remove(self) {
        let conn = Database::connect(&admin_url()).await.unwrap();
        conn.execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.db_name
        ))
        .await
        .unwrap();
        conn.close().await.unwrap();
        let client = redis::Client::open(redis_url()).unwrap();
        let mut c = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.namespace))
            .query_async(&mut c)
            .await
            .unwrap();
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut c)
                .await
                .unwrap();
        }
    }
}

/// A child process that is killed if the test fails before stopping it.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Reads stdout lines until one contains `needle`, and returns it.
    fn wait_for_line(&mut self, needle: &str) -> String {
        let stdout = self.0.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        let needle = needle.to_owned();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains(&needle) {
                    let _ = tx.send(line);
                    // Keep draining so the child never blocks on a full pipe.
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the process printed the expected line")
    }

    /// Sends SIGTERM and waits for the exit status.
    fn terminate(mut self, within: Duration) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the process did not stop within {within:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Starts `mixpilot serve` and returns it with its base URL, once it prints where it listens.
fn start_serve(cmd: &mut Command) -> (Proc, String) {
    let mut serve = Proc(cmd.spawn().unwrap());
    let line = serve.wait_for_line("Mixpilot is running at ");
    let base = line.rsplit(' ').next().unwrap().to_owned();
    (serve, base)
}

fn mixpilot(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("MIXPILOT_DATABASE_URL")
        .env_remove("MIXPILOT_REDIS_URL")
        .env_remove("MIXPILOT_AUTH_SECRET")
        .env("MIXPILOT_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The session-signing secret of the PostgreSQL processes.
const AUTH_SECRET: &str = "process-test-secret-at-least-32-bytes-long";

/// Signs up a person with a brand workspace; returns their access token and the workspace.
async fn sign_up(client: &reqwest::Client, base: &str) -> (String, String) {
    let session: serde_json::Value = client
        .post(format!("{base}/api/v1/users"))
        .json(&serde_json::json!({
            "email": "ana@example.com", "name": "Ana", "password": "correct horse battery",
            "workspace_name": "Acme",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        session["access_token"].as_str().unwrap().to_owned(),
        session["workspace"]["id"].as_str().unwrap().to_owned(),
    )
}

/// Starts a diagnostic job in the workspace; returns the 202 body.
async fn start_diagnostic(
    client: &reqwest::Client,
    base: &str,
    (token, ws): &(String, String),
) -> serde_json::Value {
    let res = client
        .post(format!("{base}/api/v1/workspaces/{ws}/diagnostics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    res.json().await.unwrap()
}

async fn get_job(
    client: &reqwest::Client,
    base: &str,
    (token, ws): &(String, String),
    id: &str,
) -> serde_json::Value {
    client
        .get(format!("{base}/api/v1/workspaces/{ws}/jobs/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn wait_for_job(
    client: &reqwest::Client,
    base: &str,
    who: &(String, String),
    id: &str,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job = get_job(client, base, who, id).await;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job still {} after 30 s",
            job["status"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_and_a_separate_worker_process_run_a_job_on_postgres_and_redis() {
    let backends = Backends::create().await;
    let client = reqwest::Client::new();

    let mut serve_cmd = mixpilot(&["serve", "--port", "0"]);
    backends.env(&mut serve_cmd);
    let (serve, base) = start_serve(&mut serve_cmd);

    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let who = sign_up(&client, &base).await;
    let accepted = start_diagnostic(&client, &base, &who).await;
    let id = accepted["job_id"].as_str().unwrap().to_owned();

    // `serve` runs no workers on Redis: the job waits until a worker process starts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let queued = get_job(&client, &base, &who, &id).await;
    assert_eq!(queued["status"], "queued");

    let mut worker_cmd = mixpilot(&["worker"]);
    backends.env(&mut worker_cmd);
    let worker = Proc(worker_cmd.spawn().unwrap());
    let job = wait_for_job(&client, &base, &who, &id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let ran_on = job["result"]["worker"].as_str().unwrap();
    assert!(
        ran_on.ends_with(&format!(":{}", worker.pid())),
        "ran on {ran_on}, worker pid {}",
        worker.pid()
    );
    assert_eq!(job["result"]["database"], "postgres");

    assert!(
        worker.terminate(Duration::from_secs(20)).success(),
        "the worker exits cleanly on SIGTERM"
    );
    assert!(
        serve.terminate(Duration::from_secs(20)).success(),
        "serve exits cleanly on SIGTERM"
    );
    backends.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_default_serves_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let (serve, base) = start_serve(&mut mixpilot(&[
        "serve",
        "--port",
        "0",
        "--data-dir",
        data.path().to_str().unwrap(),
    ]));
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let who = sign_up(&client, &base).await;
    let accepted = start_diagnostic(&client, &base, &who).await;
    let job = wait_for_job(&client, &base, &who, accepted["job_id"].as_str().unwrap()).await;
    assert_eq!(
        job["result"]["worker"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap(),
        serve.pid().to_string()
    );
    assert!(data.path().join("mixpilot.sqlite").exists());
    assert!(data.path().join("queue.sqlite").exists());
    assert!(serve.terminate(Duration::from_secs(20)).success());
}

#[test]
fn an_unreachable_database_fails_fast_and_names_the_variable() {
    let started = Instant::now();
    let out = mixpilot(&["serve", "--port", "0"])
        .env(
            "MIXPILOT_DATABASE_URL",
            "postgres://mixpilot:hunter2@127.0.0.1:1/nowhere",
        )
        .env("MIXPILOT_AUTH_SECRET", AUTH_SECRET)
        .env("MIXPILOT_CONNECT_TIMEOUT_SECS", "3")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert!(stderr.contains("MIXPILOT_DATABASE_URL"), "{stderr}");
    assert!(
        stderr.contains("postgres://mixpilot:***@127.0.0.1:1/nowhere"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "the password leaked: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_invalid_setting_stops_start_up_with_exit_status_2() {
    for (var, value) in [
        ("MIXPILOT_DATABASE_URL", "mysql://root@localhost/db"),
        ("MIXPILOT_PORT", "eighty"),
    ] {
        let out = mixpilot(&["serve"]).env(var, value).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert!(stderr.contains(var), "{var}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn postgres_without_a_session_key_stops_start_up_and_says_how_to_make_one() {
    let out = mixpilot(&["serve"])
        .env(
            "MIXPILOT_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/test",
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("MIXPILOT_AUTH_SECRET") && stderr.contains("openssl rand"),
        "{stderr}"
    );
    let out = mixpilot(&["serve"])
        .env(
            "MIXPILOT_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/test",
        )
        .env("MIXPILOT_AUTH_SECRET", "too short")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at least 32 bytes (got 9)"), "{stderr}");
}

#[test]
fn migrate_status_lists_every_migration() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let status = |args: &[&str]| {
        let out = mixpilot(args)
            .env("MIXPILOT_DATA_DIR", dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let before = status(&["migrate", "status"]);
    assert!(
        before.lines().count() >= 2 && before.lines().all(|l| l.starts_with("pending")),
        "{before}"
    );
    status(&["migrate"]);
    let after = status(&["migrate", "status"]);
    assert!(after.lines().all(|l| l.starts_with("applied")), "{after}");
}

#[test]
fn the_analyst_commands_run_from_the_mixpilot_binary() {
    let dir = tempfile::tempdir().unwrap();
    // The public dataset: from MIXPILOT_DATASETS_DIR (scripts/test sets it), else ../shared.
    let datasets = std::env::var_os("MIXPILOT_DATASETS_DIR")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets")
        });
    let data = datasets.join("pymc_mmm_example.csv");
    assert!(
        data.is_file(),
        "dataset {} not found; set MIXPILOT_DATASETS_DIR",
        data.display()
    );
    let data = data.to_str().unwrap();
    let model = dir.path().join("model.json");
    let fit = mixpilot(&[
        "model",
        "fit",
        "--data",
        data,
        "--date",
        "date_week",
        "--target",
        "y",
        "--spend",
        "x1,x2",
        "--event",
        "event_1",
        "--event",
        "event_2",
        "--seed",
        "7",
        "--out",
        model.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(
        fit.status.success(),
        "{}",
        String::from_utf8_lossy(&fit.stderr)
    );
    let report = mixpilot(&[
        "model",
        "report",
        model.to_str().unwrap(),
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert!(report.status.success());
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert!(report.to_string().contains("x1"), "{report}");

    // The fitted model feeds the optimizer directly.
    let from_model = dir.path().join("plan-from-model.json");
    let no_change_limit = dir.path().join("free.json");
    std::fs::write(&no_change_limit, r#"{"change_limit": null}"#).unwrap();
    let optimized = mixpilot(&[
        "optimize",
        "--model",
        model.to_str().unwrap(),
        "--budget",
        "0.75",
        "--constraints",
        no_change_limit.to_str().unwrap(),
        "--out",
        from_model.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(
        optimized.status.success(),
        "{}",
        String::from_utf8_lossy(&optimized.stderr)
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&from_model).unwrap()).unwrap();
    let items = plan["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["x1", "x2"], "{plan}");
    let spent: i64 = items
        .iter()
        .map(|i| i["spend_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(spent, 75, "the plan spends the budget to the cent: {plan}");

    let curves = dir.path().join("curves.json");
    std::fs::write(
        &curves,
        r#"{"items": [
            {"id": "search", "current": 1000, "curve": {"beta": 9000, "saturation": {"type": "logistic", "lambda": 0.0008}}},
            {"id": "social", "current": 800, "curve": {"beta": 4000, "saturation": {"type": "hill", "half_saturation": 800, "shape": 0.8}}}
        ]}"#,
    )
    .unwrap();
    let conflicting = dir.path().join("constraints.json");
    std::fs::write(
        &conflicting,
        r#"{"groups": [{"name": "brand", "items": ["social"], "min": 5000}]}"#,
    )
    .unwrap();
    let plan = dir.path().join("plan.json");
    let args = |c: Option<&std::path::Path>| {
        let mut v = vec![
            "optimize",
            "--curves",
            curves.to_str().unwrap(),
            "--budget",
            "1800",
            "--out",
            plan.to_str().unwrap(),
        ];
        if let Some(c) = c {
            v.extend(["--constraints", c.to_str().unwrap()]);
        }
        v.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let infeasible = Command::new(BIN)
        .args(args(Some(&conflicting)))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&infeasible.stderr);
    assert_eq!(infeasible.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("group brand minimum"), "{stderr}");
    assert!(!plan.exists(), "an infeasible run writes no plan");
    let ok = Command::new(BIN).args(args(None)).output().unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert!(written.to_string().contains("spend_cents"), "{written}");
}

/// The rows the sandbox platform reports for a workspace's world over the last `days` days.
async fn sandbox_rows(workspace: &str, days: i64) -> Vec<connectors::DailyRow> {
    use connectors::AdPlatform as _;
    use connectors::sandbox::{MemoryLedger, SandboxGrant, SandboxPlatform};
    let ws: Uuid = workspace.parse().unwrap();
    let grant = SandboxGrant {
        seed: ws.as_u64_pair().0 % 1_000_000,
        anchor: chrono::Utc::now().date_naive(),
    };
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    SandboxPlatform::new(std::sync::Arc::new(MemoryLedger::default()))
        .daily_report(
            &grant.tokens(),
            &SandboxPlatform::account(grant),
            connectors::DateRange::new(today - chrono::Duration::days(days - 1), today).unwrap(),
        )
        .await
        .unwrap()
}

/// The sandbox connection of the signed-up person's workspace, connected through the API.
async fn connect_sandbox(
    client: &reqwest::Client,
    base: &str,
    who: &(String, String),
) -> serde_json::Value {
    let res = client
        .post(format!(
            "{base}/api/v1/workspaces/{}/connections/sandbox",
            who.1
        ))
        .bearer_auth(&who.0)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn connection(
    client: &reqwest::Client,
    base: &str,
    who: &(String, String),
) -> serde_json::Value {
    let list: serde_json::Value = client
        .get(format!("{base}/api/v1/workspaces/{}/connections", who.1))
        .bearer_auth(&who.0)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_in_the_middle_of_a_backfill_leaves_every_row_exactly_once_after_another_resumes_it()
 {
    let backends = Backends::create().await;
    let client = reqwest::Client::new();
    let mut serve_cmd = mixpilot(&["serve", "--port", "0"]);
    backends.env(&mut serve_cmd);
    // A two-year backfill: 25 chunks of 30 days.
    serve_cmd.env("MIXPILOT_SYNC_BACKFILL_DAYS", "730");
    let (serve, base) = start_serve(&mut serve_cmd);
    let who = sign_up(&client, &base).await;
    connect_sandbox(&client, &base, &who).await;

    // Paced so that the backfill is still running when the first worker dies.
    let worker_cmd = || {
        let mut cmd = mixpilot(&["worker"]);
        backends.env(&mut cmd);
        cmd.env("MIXPILOT_SYNC_PAUSE_MS", "300");
        cmd
    };
    let first = Proc(worker_cmd().spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let progress_before_kill = loop {
        let c = connection(&client, &base, &who).await;
        let p = c["sync"]["progress"].as_u64().unwrap_or(0);
        if p > 0 && c["sync"]["status"] == "running" {
            break p;
        }
        assert!(Instant::now() < deadline, "the backfill did not start: {c}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // SIGKILL: no graceful shutdown, no chance to finish the chunk.
    let status = Command::new("kill")
        .args(["-KILL", &first.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    drop(first);
    let c = connection(&client, &base, &who).await;
    assert_eq!(
        c["sync"]["status"], "running",
        "the job is left mid-way: {c}"
    );
    assert!(progress_before_kill < 100);

    // Another worker picks the job up once the first one's heartbeat has lapsed, and resumes.
    let second = Proc(worker_cmd().spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(120);
    let done = loop {
        let c = connection(&client, &base, &who).await;
        if c["sync"]["status"] == "succeeded" || c["sync"]["status"] == "failed" {
            break c;
        }
        assert!(
            Instant::now() < deadline,
            "the backfill did not finish: {c}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["sync"]["status"], "succeeded", "{done}");
    assert!(
        done["sync"]["attempts"].as_u64().unwrap() >= 2,
        "it was resumed: {done}"
    );

    // Every (campaign, day) the platform reported is stored exactly once.
    let rows = done["sync"]["result"]["rows"].as_u64().unwrap();
    let conn = Database::connect(&backends.db_url).await.unwrap();
    let counted = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) AS n, count(DISTINCT (campaign_id, date)) AS d FROM metrics_daily"
                .to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = counted.try_get("", "n").unwrap();
    let d: i64 = counted.try_get("", "d").unwrap();
    assert_eq!(n, d, "no (campaign, day) twice");
    // What the sandbox reports for those two years, computed here from the same world.
    let truth = sandbox_rows(&who.1, 730).await;
    assert_eq!(n as usize, truth.len(), "every reported row is stored");
    assert_eq!(
        rows as usize,
        truth.len(),
        "the cursor counted each chunk once"
    );
    let spend: i64 = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT CAST(SUM(spend_minor) AS BIGINT) AS s FROM metrics_daily".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "s")
        .unwrap();
    assert_eq!(spend, truth.iter().map(|r| r.spend_minor).sum::<i64>());
    conn.close().await.unwrap();

    assert!(second.terminate(Duration::from_secs(20)).success());
    assert!(serve.terminate(Duration::from_secs(20)).success());
    backends.remove().await;
}
