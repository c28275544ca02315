//! The platform clients a process can use, and the sandbox, whose budgets live in the database.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connectors::retry::RetryPolicy;
use connectors::sandbox::{BudgetChange, SandboxLedger, SandboxPlatform};
use connectors::{AdPlatform, ConnectorError, Platform};
use domain::db::Db;
use domain::ids::TenantId;
use domain::services::ingest;

/// The configured platform clients. A platform without credentials in the configuration is
/// absent: connecting it answers that it is not configured.
#[derive(Clone)]
pub struct Platforms {
    clients: HashMap<Platform, Arc<dyn AdPlatform>>,
    /// How platform calls are retried.
    pub retry: RetryPolicy,
    /// A pause between report calls of one sync, to spread load on platforms with daily
    /// limits (LinkedIn) and per-minute windows (Microsoft).
    pub pause: Duration,
    /// Days per report call (platforms cap spans: TikTok 30 days with daily rows).
    pub chunk_days: i64,
    /// The sandbox's "today"; `None` is the real date.
    pub sandbox_today: Option<chrono::NaiveDate>,
}

impl std::fmt::Debug for Platforms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platforms")
            .field("configured", &self.configured())
            .field("pause", &self.pause)
            .finish_non_exhaustive()
    }
}

impl Default for Platforms {
    fn default() -> Self {
        Self {
            clients: HashMap::new(),
            retry: RetryPolicy::default(),
            pause: Duration::ZERO,
            chunk_days: 30,
            sandbox_today: None,
        }
    }
}

impl Platforms {
    /// Adds (or replaces) a platform's client.
    pub fn with(mut self, client: Arc<dyn AdPlatform>) -> Self {
        self.clients.insert(client.platform(), client);
        self
    }

    /// The platforms with a client, sandbox included.
    pub fn configured(&self) -> Vec<Platform> {
        let mut out: Vec<Platform> = self.clients.keys().copied().collect();
        out.push(Platform::Sandbox);
        out.sort_by_key(|p| p.as_str());
        out
    }

    /// The client of a platform (the sandbox with the connection's ledger).
    pub fn client(
        &self,
        platform: Platform,
        db: &Db,
        tenant: TenantId,
        connection: uuid::Uuid,
    ) -> Result<Arc<dyn AdPlatform>, ConnectorError> {
        if platform == Platform::Sandbox {
            let ledger = Arc::new(DbLedger {
                db: db.clone(),
                tenant,
                connection,
            });
            let mut sandbox = SandboxPlatform::new(ledger);
            if let Some(today) = self.sandbox_today {
                sandbox = sandbox.with_today(today);
            }
            return Ok(Arc::new(sandbox));
        }
        self.clients.get(&platform).cloned().ok_or_else(|| {
            ConnectorError::rejected(
                "not_configured",
                format!("{} is not configured on this server", platform.label()),
            )
        })
    }

    /// The client of a platform that needs no connection (authorization, revocation).
    pub fn get(&self, platform: Platform) -> Option<Arc<dyn AdPlatform>> {
        self.clients.get(&platform).cloned()
    }
}

/// The budgets written to one sandbox connection, in the database.
struct DbLedger {
    db: Db,
    tenant: TenantId,
    connection: uuid::Uuid,
}

fn ledger_error(e: domain::AppError) -> ConnectorError {
    ConnectorError::transient(format!("sandbox ledger: {}", e.message))
}

#[async_trait]
impl SandboxLedger for DbLedger {
    async fn changes(&self) -> Result<Vec<BudgetChange>, ConnectorError> {
        Ok(ingest::sandbox_budgets(&self.db, self.connection)
            .await
            .map_err(ledger_error)?
            .into_iter()
            .map(|(campaign_id, effective, amount_minor)| BudgetChange {
                campaign_id,
                effective,
                amount_minor,
            })
            .collect())
    }

    async fn record(&self, change: BudgetChange) -> Result<(), ConnectorError> {
        ingest::record_sandbox_budget(
            &self.db,
            self.tenant,
            self.connection,
            &change.campaign_id,
            change.effective,
            change.amount_minor,
        )
        .await
        .map_err(ledger_error)
    }
}

#[cfg(test)]
mod tests {
    use connectors::sandbox::SandboxGrant;

    #[test]
    fn the_connector_reads_the_sandbox_grant_domain_stores() {
        let anchor: chrono::NaiveDate = "2026-11-23".parse().unwrap();
        let json = domain::services::connections::sandbox_grant(42, anchor);
        let tokens: connectors::Tokens = serde_json::from_value(json).unwrap();
        assert_eq!(
            SandboxGrant::from_tokens(&tokens).unwrap(),
            SandboxGrant { seed: 42, anchor }
        );
    }
}
