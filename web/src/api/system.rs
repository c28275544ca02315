use domain::dto::system::Readiness;
use leptos::prelude::*;

use super::ApiError;

/// Whether the database and the queue are reachable.
#[server(prefix = "/rpc", endpoint = "get_readiness")]
pub async fn get_readiness() -> Result<Readiness, ApiError> {
    let services = super::services()?;
    Ok(domain::services::system::readiness(&services).await)
}
