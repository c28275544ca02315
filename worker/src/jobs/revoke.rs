//! `RevokeGrant`: tells a platform to forget a grant whose connection was deleted.

use apalis::prelude::{AbortError, BoxDynError, Data};
use base64::Engine as _;
use connectors::retry::with_retries;
use connectors::{ConnectorError, Platform, Tokens};
use domain::jobs::RevokeGrant;

use crate::JobContext;

/// Revokes the grant. A platform that no longer knows it (already revoked, expired) counts as
/// done; a platform that is down is retried.
#[tracing::instrument(skip_all, fields(platform = %job.platform))]
pub async fn revoke_grant(job: RevokeGrant, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&job.sealed)
        .map_err(|e| Box::new(AbortError::new(e)) as BoxDynError)?;
    let grant = ctx
        .secrets
        .open(&sealed, RevokeGrant::AAD)
        .map_err(|e| Box::new(AbortError::new(e)) as BoxDynError)?;
    let tokens: Tokens =
        serde_json::from_slice(&grant).map_err(|e| Box::new(AbortError::new(e)) as BoxDynError)?;
    let Some(client) = Platform::parse(&job.platform).and_then(|p| ctx.platforms.get(p)) else {
        tracing::warn!("the platform is not configured; nothing to revoke with");
        return Ok(());
    };
    match with_retries(&ctx.platforms.retry, || client.revoke(&tokens)).await {
        Ok(()) | Err(ConnectorError::Reauthorize { .. }) => Ok(()),
        Err(e) if e.is_retryable() => Err(Box::new(e)),
        Err(e) => Err(Box::new(AbortError::new(e))),
    }
}
