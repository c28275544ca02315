//! Rate limits as services see them. The server implements [`RateLimiter`] on Redis in
//! production (shared by every replica) and in process for the embedded default.

use std::time::Duration;

use futures_core::future::BoxFuture;

/// At most `max` hits per `window` for one key of one limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// A short name, part of the key: `sign_in_account`, `sign_in_ip`.
    pub name: &'static str,
    pub max: u32,
    pub window: Duration,
}

/// The answer to one hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Limited { retry_after: Duration },
}

/// Something that counts hits per key.
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one hit on `key` under `limit`, and says whether it is allowed.
    fn hit<'a>(&'a self, limit: Limit, key: &'a str) -> BoxFuture<'a, anyhow::Result<Decision>>;
}
