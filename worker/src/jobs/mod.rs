//! Job handlers. Each is a plain async function of its payload and a [`JobContext`], so a test
//! can call it directly. Invalid input aborts the job; an outage (database, queue, platform)
//! returns a retryable error, and the worker retries with backoff.

pub mod diagnostic;
pub mod fit;
pub mod optimize;
pub mod revoke;
pub mod sync;

use apalis::prelude::{AbortError, BoxDynError};
use domain::{AppError, ErrorCode};

/// Maps a service error to what the worker should do with the job: abort on anything the
/// input caused, retry on anything an outage caused.
pub(crate) fn classify(err: AppError) -> BoxDynError {
    match err.code {
        ErrorCode::Unavailable | ErrorCode::Internal | ErrorCode::RateLimited => Box::new(err),
        _ => Box::new(AbortError::new(err)),
    }
}
