//! Retries of platform calls: exponential backoff with jitter for transient failures, and
//! exactly the signalled wait for throttling.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable as _};

use crate::ConnectorError;

/// How hard to try before giving the failure to the caller (the job, which is retried by the
/// queue in turn).
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Tries after the first.
    pub retries: usize,
    /// First backoff of a transient failure; it doubles up to `max_delay`.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The longest throttle this process waits out; a longer one (a daily quota) is returned
    /// to the caller, which reschedules the work instead of holding a worker.
    pub max_throttle_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 5,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_throttle_wait: Duration::from_secs(300),
        }
    }
}

/// Runs `op` until it succeeds, fails for good, or the policy is spent. A throttled call waits
/// the delay the platform signalled (or its documented default) before the next try.
pub async fn with_retries<T, F, Fut>(policy: &RetryPolicy, op: F) -> Result<T, ConnectorError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ConnectorError>>,
{
    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.min_delay)
        .with_max_delay(policy.max_delay)
        .with_max_times(policy.retries)
        .with_jitter();
    let max_wait = policy.max_throttle_wait;
    op.retry(backoff)
        .when(move |e: &ConnectorError| match e {
            ConnectorError::RateLimited { retry_after, .. } => *retry_after <= max_wait,
            ConnectorError::Transient { .. } => true,
            _ => false,
        })
        .adjust(|e: &ConnectorError, delay| match e {
            ConnectorError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => delay,
        })
        .notify(|e: &ConnectorError, delay: Duration| {
            tracing::warn!(error = %e, wait_ms = delay.as_millis() as u64, "platform call failed; retrying");
        })
        .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn quick() -> RetryPolicy {
        RetryPolicy {
            retries: 3,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_throttle_wait: Duration::from_secs(1),
        }
    }

    #[tokio::test]
    async fn a_throttled_call_waits_the_signalled_delay_then_succeeds() {
        let calls = AtomicUsize::new(0);
        let started = std::time::Instant::now();
        let out = with_retries(&quick(), || async {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(ConnectorError::rate_limited(
                    Duration::from_millis(300),
                    "slow down",
                ))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(out, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(started.elapsed() >= Duration::from_millis(300));
    }

    #[tokio::test]
    async fn a_rejected_call_is_not_retried_and_a_long_throttle_is_handed_back() {
        let calls = AtomicUsize::new(0);
        let out: Result<(), _> = with_retries(&quick(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ConnectorError::rejected("100", "Budget Is Too Low"))
        })
        .await;
        assert!(matches!(out, Err(ConnectorError::Rejected { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicUsize::new(0);
        let out: Result<(), _> = with_retries(&quick(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ConnectorError::rate_limited(
                Duration::from_secs(40_591),
                "daily quota",
            ))
        })
        .await;
        assert!(matches!(out, Err(ConnectorError::RateLimited { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn transient_failures_are_retried_until_the_policy_is_spent() {
        let calls = AtomicUsize::new(0);
        let out: Result<(), _> = with_retries(&quick(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ConnectorError::transient("503"))
        })
        .await;
        assert!(matches!(out, Err(ConnectorError::Transient { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }
}
