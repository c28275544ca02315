//! The scheduler: every few minutes, each connection whose last sync is older than the
//! interval (hourly by default) gets a sync of its trailing window; each workspace with data
//! whose newest model is older than its retrain interval (weekly by default) gets a fit; each
//! workspace with an active model and no plan in the last day gets a plan (with its reading of
//! the Budget Health Index). Several processes may run the scheduler; work already queued or
//! running is not queued again, so it does not pile up.

use std::time::Duration;

use domain::services::Services;
use domain::services::{connections, models, plans};

/// Runs the scheduler until `stop` resolves, checking every `tick`.
pub async fn run(services: Services, tick: Duration, stop: impl std::future::Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = interval.tick() => {
                match connections::schedule_due(&services).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(syncs = n, "scheduled syncs"),
                    Err(e) => tracing::warn!(error = %e, "could not schedule syncs"),
                }
                match models::schedule_due(&services.db, services.queue.as_ref()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(fits = n, "scheduled model fits"),
                    Err(e) => tracing::warn!(error = %e, "could not schedule model fits"),
                }
                match plans::schedule_due(&services.db, services.queue.as_ref()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(plans = n, "scheduled daily plans"),
                    Err(e) => tracing::warn!(error = %e, "could not schedule daily plans"),
                }
            }
        }
    }
}
