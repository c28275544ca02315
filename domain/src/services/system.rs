//! Readiness: can this process reach the database and the queue?
//!
//! Anyone may ask (load balancers do, without credentials), so the answer names what failed and
//! nothing more; the dependency's own error, which can hold host names, user names or paths, goes
//! to the operators' log.

use std::time::Duration;

use crate::dto::system::{DependencyCheck, Readiness};
use crate::services::Services;

/// How long a readiness check waits for each dependency.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Checks the database and the queue, each with one round trip.
pub async fn readiness(services: &Services) -> Readiness {
    let database = match tokio_timeout(services.db.ping()).await {
        Some(Ok(())) => DependencyCheck {
            name: "database".into(),
            ok: true,
            detail: services.db.kind().as_str().into(),
        },
        Some(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            DependencyCheck {
                name: "database".into(),
                ok: false,
                detail: format!("{}: unreachable", services.db.kind().as_str()),
            }
        }
        None => DependencyCheck {
            name: "database".into(),
            ok: false,
            detail: format!("{}: timed out", services.db.kind().as_str()),
        },
    };
    let queue = match tokio_timeout(services.queue.ping()).await {
        Some(Ok(())) => DependencyCheck {
            name: "queue".into(),
            ok: true,
            detail: services.queue.kind().into(),
        },
        Some(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the queue does not answer");
            DependencyCheck {
                name: "queue".into(),
                ok: false,
                detail: format!("{}: unreachable", services.queue.kind()),
            }
        }
        None => DependencyCheck {
            name: "queue".into(),
            ok: false,
            detail: format!("{}: timed out", services.queue.kind()),
        },
    };
    Readiness {
        ready: database.ok && queue.ok,
        checks: vec![database, queue],
    }
}

async fn tokio_timeout<T>(f: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(CHECK_TIMEOUT, f).await.ok()
}
