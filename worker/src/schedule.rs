//! The scheduled sync: every few minutes, each connection whose last sync is older than the
//! interval (hourly by default) gets a sync of its trailing window. Several processes may run
//! the scheduler; a connection with a sync queued or running is skipped, so they do not pile
//! up.

use std::time::Duration;

use domain::services::Services;
use domain::services::connections;

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
            }
        }
    }
}
