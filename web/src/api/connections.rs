use domain::dto::ad_data::{ConnectionView, CsvProblem, ImportReport};
use domain::dto::jobs::JobView;
use domain::ids::TenantId;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::client::Rpc;

/// The workspace's connections, with their sync progress.
#[server(prefix = "/rpc", endpoint = "list_connections", client = Rpc)]
pub async fn list_connections(workspace: TenantId) -> Result<Vec<ConnectionView>, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::connections::list(&services.db, &scope).await?)
}

/// Connects the sandbox platform and starts its backfill.
#[server(prefix = "/rpc", endpoint = "connect_sandbox", client = Rpc)]
pub async fn connect_sandbox(workspace: TenantId) -> Result<ConnectionView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::connections::connect_sandbox(&services, &scope).await?)
}

/// Re-pulls a connection's recent days now.
#[server(prefix = "/rpc", endpoint = "sync_connection", client = Rpc)]
pub async fn sync_connection(workspace: TenantId, id: uuid::Uuid) -> Result<JobView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::connections::sync_now(&services, &scope, id).await?)
}

/// Deletes a connection with its tokens and data, and revokes the grant.
#[server(prefix = "/rpc", endpoint = "disconnect", client = Rpc)]
pub async fn disconnect(workspace: TenantId, id: uuid::Uuid) -> Result<(), ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::connections::disconnect(&services, &scope, id).await?)
}

/// Spend and revenue per channel over the last `days` days, drawn on the server, and the KPIs
/// per channel for the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelChartView {
    /// An SVG of spend (solid) and revenue (dashed) per channel and day; empty without data.
    pub svg: String,
    /// The channels drawn, with their colors, for the legend.
    pub legend: Vec<(String, String)>,
    /// What the table says of the period.
    pub caption: String,
    /// Per channel and currency: channel, spend, revenue, ROAS, CPA, CTR, CPC, formatted.
    pub table: Vec<[String; 7]>,
}

/// The chart and table of the last `days` days that have data.
#[server(prefix = "/rpc", endpoint = "channel_chart", client = Rpc)]
pub async fn channel_chart(workspace: TenantId, days: u32) -> Result<ChannelChartView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    let to = chrono::Utc::now().date_naive();
    let from = to - chrono::Duration::days(i64::from(days.clamp(7, 366)) - 1);
    let series = domain::services::kpis::channel_days(&services.db, &scope, from, to).await?;
    let kpis = domain::services::kpis::report(
        &services.db,
        &scope,
        from,
        to,
        domain::dto::ad_data::KpiGrouping::Channel,
    )
    .await?;
    let (svg, legend) = crate::pages::connections::chart::draw(&series, from, to);
    let ratio = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.2}"));
    let table = kpis
        .rows
        .iter()
        .map(|row| {
            let exp = domain::services::kpis::currency_exponent(&row.currency);
            let money = |minor: i64| {
                format!(
                    "{:.*} {}",
                    usize::from(exp),
                    minor as f64 / 10f64.powi(i32::from(exp)),
                    row.currency
                )
            };
            let t = &row.current;
            [
                row.key.clone(),
                money(t.spend_minor),
                money(t.revenue_minor),
                ratio(t.roas),
                ratio(t.cpa),
                t.ctr
                    .map_or("—".to_owned(), |v| format!("{:.2}%", v * 100.0)),
                ratio(t.cpc),
            ]
        })
        .collect();
    Ok(ChannelChartView {
        svg,
        legend,
        caption: format!("{} to {}", kpis.from, kpis.to),
        table,
    })
}

/// The ad platforms this server can connect (it has their app credentials).
#[server(prefix = "/rpc", endpoint = "connectable_platforms", client = Rpc)]
pub async fn connectable_platforms(workspace: TenantId) -> Result<Vec<String>, ApiError> {
    let services = super::services()?;
    // Only people of the workspace learn what the server is set up for.
    super::scope(workspace).await?;
    Ok(services.connectable.to_vec())
}

/// What an upload did: imported, or refused with its problems listed by row and column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Imported(ImportReport),
    Refused {
        message: String,
        /// Every problem in the file; `problems` lists the first ones.
        total: u64,
        problems: Vec<CsvProblem>,
    },
}

/// Imports a CSV of daily metrics (the same import as `POST /imports/metrics`). A file with
/// problems is refused whole, and they come back as the outcome rather than as an error.
#[server(prefix = "/rpc", endpoint = "import_metrics", client = Rpc, input = Json)]
pub async fn import_metrics(workspace: TenantId, csv: String) -> Result<ImportOutcome, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    match domain::services::imports::import_csv(&services.db, &scope, csv.as_bytes()).await {
        Ok(report) => Ok(ImportOutcome::Imported(report)),
        Err(e) if e.code == domain::ErrorCode::Validation => {
            let details = e.body().details.unwrap_or_default();
            let problems: Vec<CsvProblem> = details
                .get("problems")
                .cloned()
                .and_then(|p| serde_json::from_value(p).ok())
                .unwrap_or_default();
            if problems.is_empty() {
                return Err(e.into());
            }
            Ok(ImportOutcome::Refused {
                message: e.message.clone(),
                total: details
                    .get("total")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(problems.len() as u64),
                problems,
            })
        }
        Err(e) => Err(e.into()),
    }
}
