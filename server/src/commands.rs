//! The operator commands of `mixpilot`: `serve`, `worker` and `migrate`.

use anyhow::Context as _;
use domain::services::tenants;
use worker::Workers;

use crate::config::{Mode, Settings};
use crate::startup::{Application, Backends, open_database, shutdown_signal};

/// How often the sync scheduler looks for connections that are due.
pub const SCHEDULER_TICK: std::time::Duration = std::time::Duration::from_secs(60);

/// `mixpilot serve`: the HTTP server, and the workers too in the embedded default.
pub async fn serve(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let url = app.url();
    let services = app.services();
    tracing::info!(
        url = %url,
        database = services.db.kind().as_str(),
        queue = services.queue.kind(),
        in_process_workers = settings.runs_workers_in_process(),
        "Mixpilot is listening"
    );
    // The URL on stdout, on its own line, for people and for scripts that start Mixpilot.
    println!("Mixpilot is running at {url}");
    if settings.mode() == Mode::Embedded {
        println!("Embedded mode: data in {}", settings.data_dir.display());
    }
    if demo {
        let (tenant, name) = tenants::ensure_demo(&services.db)
            .await
            .context("seeding the demo workspace")?;
        let (email, password) = domain::services::sessions::ensure_demo_user(&services, tenant)
            .await
            .context("seeding the demo account")?;
        domain::services::connections::ensure_demo_sandbox(&services, tenant)
            .await
            .context("connecting the demo workspace's sandbox")?;
        println!("Demo workspace: {name}");
        println!("Demo sign-in: {email} / {password}");
    }
    app.run_until_stopped(shutdown_signal()).await
}

/// `mixpilot worker`: the workers alone, against the configured database and queue.
pub async fn worker(settings: &Settings) -> anyhow::Result<()> {
    let backends = Backends::connect(settings).await?;
    let ctx = backends.job_context();
    let (stop_scheduler, scheduler_stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler = tokio::spawn(worker::schedule::run(
        backends.services(),
        SCHEDULER_TICK,
        async move {
            let _ = scheduler_stopped.await;
        },
    ));
    tracing::info!(
        worker = %ctx.worker_name,
        database = backends.db.kind().as_str(),
        queue = worker_kind(&backends),
        concurrency = settings.worker_concurrency,
        "workers started"
    );
    println!("Mixpilot worker {} is running", ctx.worker_name);
    let workers = Workers::new(
        &backends.queue,
        ctx,
        settings.worker_concurrency,
        settings.shutdown_timeout(),
    )?;
    workers.run_until(shutdown_signal()).await?;
    let _ = stop_scheduler.send(());
    let _ = scheduler.await;
    backends.close().await;
    tracing::info!("workers stopped");
    Ok(())
}

fn worker_kind(backends: &Backends) -> &'static str {
    use domain::queue::JobQueue as _;
    backends.queue.kind()
}

/// What `mixpilot migrate` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// List every migration and whether it is applied.
    Status,
}

/// `mixpilot migrate [up|status]`.
pub async fn migrate(settings: &Settings, action: MigrateAction) -> anyhow::Result<()> {
    let db = open_database(settings, 1).await?;
    match action {
        MigrateAction::Up => {
            migration::apply_pending(db.connection())
                .await
                .context("applying migrations")?;
            println!("All migrations are applied.");
        }
        MigrateAction::Status => {
            for state in migration::states(db.connection())
                .await
                .context("reading migrations")?
            {
                println!(
                    "{:<8} {}",
                    if state.applied { "applied" } else { "pending" },
                    state.name
                );
            }
        }
    }
    db.close().await;
    Ok(())
}
