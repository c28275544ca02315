//! The rate limiters behind [`domain::ratelimit::RateLimiter`]: Redis in production, so every
//! replica counts together, and governor in process for the embedded default.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::ratelimit::{Decision, Limit, RateLimiter};
use futures::future::BoxFuture;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// Windows in Redis that start at a key's first hit: `SET NX EX` creates the counter with the
/// window as its lifetime, `INCR` counts, and the counter's remaining lifetime says when to retry.
/// At most `max` hits per window, shared by every process.
pub struct RedisLimiter {
    conn: redis::aio::ConnectionManager,
    namespace: String,
}

impl RedisLimiter {
    pub async fn connect(url: &str, namespace: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let conn = tokio::time::timeout(timeout, client.get_connection_manager_with_config(config))
            .await
            .map_err(|_| anyhow::anyhow!("timed out connecting to Redis"))??;
        Ok(Self {
            conn,
            namespace: namespace.to_owned(),
        })
    }
}

impl RateLimiter for RedisLimiter {
    fn hit<'a>(&'a self, limit: Limit, key: &'a str) -> BoxFuture<'a, anyhow::Result<Decision>> {
        Box::pin(async move {
            let window = limit.window.as_secs().max(1);
            let redis_key = format!("{}:ratelimit:{}:{}", self.namespace, limit.name, key);
            let mut conn = self.conn.clone();
            let (count, ttl_ms): (u64, i64) = redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(&redis_key)
                .arg(0)
                .arg("NX")
                .arg("EX")
                .arg(window)
                .ignore()
                .incr(&redis_key, 1u64)
                .pttl(&redis_key)
                .query_async(&mut conn)
                .await?;
            if count <= u64::from(limit.max) {
                Ok(Decision::Allowed)
            } else {
                let ms = u64::try_from(ttl_ms).unwrap_or(window * 1000);
                Ok(Decision::Limited {
                    retry_after: Duration::from_millis(ms),
                })
            }
        })
    }
}

/// In process, with governor's GCRA: `max` hits back to back, then one more every
/// `window / max`.
#[derive(Default)]
pub struct LocalLimiter {
    limiters: Mutex<HashMap<LimitKey, Arc<DefaultKeyedRateLimiter<String>>>>,
}

/// One limiter per limit: its name, its maximum and its window.
type LimitKey = (&'static str, u32, Duration);

impl LocalLimiter {
    fn limiter(&self, limit: Limit) -> anyhow::Result<Arc<DefaultKeyedRateLimiter<String>>> {
        let mut map = self
            .limiters
            .lock()
            .map_err(|_| anyhow::anyhow!("rate limiter lock poisoned"))?;
        let entry = map
            .entry((limit.name, limit.max, limit.window))
            .or_insert_with(|| {
                let max = NonZeroU32::new(limit.max).unwrap_or(NonZeroU32::MIN);
                let period = limit.window / max.get();
                let quota = Quota::with_period(period.max(Duration::from_millis(1)))
                    .unwrap_or_else(|| Quota::per_second(max))
                    .allow_burst(max);
                Arc::new(governor::RateLimiter::keyed(quota))
            });
        Ok(entry.clone())
    }
}

impl RateLimiter for LocalLimiter {
    fn hit<'a>(&'a self, limit: Limit, key: &'a str) -> BoxFuture<'a, anyhow::Result<Decision>> {
        Box::pin(async move {
            let limiter = self.limiter(limit)?;
            Ok(match limiter.check_key(&key.to_owned()) {
                Ok(()) => Decision::Allowed,
                Err(not_until) => Decision::Limited {
                    retry_after: not_until.wait_time_from(DefaultClock::default().now()),
                },
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_local_limiter_allows_the_burst_then_refuses_with_a_wait() {
        let limiter = LocalLimiter::default();
        let limit = Limit {
            name: "t",
            max: 3,
            window: Duration::from_secs(60),
        };
        for _ in 0..3 {
            assert_eq!(limiter.hit(limit, "a").await.unwrap(), Decision::Allowed);
        }
        match limiter.hit(limit, "a").await.unwrap() {
            Decision::Limited { retry_after } => {
                assert!(
                    retry_after > Duration::from_secs(15) && retry_after <= Duration::from_secs(20),
                    "{retry_after:?}"
                )
            }
            Decision::Allowed => panic!("the fourth hit within the window must be limited"),
        }
        // Another key has its own budget.
        assert_eq!(limiter.hit(limit, "b").await.unwrap(), Decision::Allowed);
    }
}
