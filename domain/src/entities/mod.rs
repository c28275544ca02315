//! sea-orm entities. Private to `domain`: other crates go through services.

pub(crate) mod ad_accounts;
pub(crate) mod api_keys;
pub(crate) mod audit_log;
pub(crate) mod campaigns;
pub(crate) mod connection_secrets;
pub(crate) mod connections;
pub(crate) mod goals;
pub(crate) mod health_scores;
pub(crate) mod import_rows;
pub(crate) mod invitations;
pub(crate) mod job_runs;
pub(crate) mod memberships;
pub(crate) mod metrics_daily;
pub(crate) mod model_versions;
pub(crate) mod oauth_states;
pub(crate) mod planning_settings;
pub(crate) mod plans;
pub(crate) mod refresh_tokens;
pub(crate) mod sandbox_budgets;
pub(crate) mod tenants;
pub(crate) mod users;
