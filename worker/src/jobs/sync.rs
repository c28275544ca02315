//! `SyncConnection`: pulls a connection's ad accounts, campaigns and daily metrics from its
//! platform into the database.
//!
//! The span is fixed in the payload (days back from today in each account's time zone) and cut
//! into chunks; each chunk is written in one transaction together with the job's cursor. A
//! worker that dies mid-sync leaves the job to be redelivered, and the next run resumes after
//! the last chunk written. A chunk written twice changes nothing: metrics are upserted by
//! campaign and date.
//!
//! Platform calls go through [`connectors::retry::with_retries`] (backoff for transient
//! failures, the signalled wait for throttles); an expired access token is refreshed once and
//! stored (rotated refresh tokens included). A grant that is gone marks the connection
//! `needs_reauth`; anything else the platform refused marks it `error` with the platform's
//! message.

use std::collections::HashMap;
use std::sync::Arc;

use apalis::prelude::{AbortError, Attempt, BoxDynError, Data};
use chrono::{NaiveDate, Utc};
use connectors::retry::with_retries;
use connectors::{AdAccount, AdPlatform, ConnectorError, DateRange, Platform, Tokens};
use domain::AppError;
use domain::jobs::{SyncConnection, SyncMode};
use domain::services::ingest::{self, AccountRecord, CampaignRecord, MetricRecord, SyncCursor};
use domain::services::jobs;

use super::classify;
use crate::JobContext;

/// Refresh an access token this long before it expires.
const REFRESH_MARGIN_MINUTES: i64 = 5;

/// Why a sync stopped.
#[derive(Debug)]
enum SyncError {
    /// The connection was deleted while the job waited.
    Gone,
    Platform(ConnectorError),
    App(AppError),
}

impl From<ConnectorError> for SyncError {
    fn from(e: ConnectorError) -> Self {
        Self::Platform(e)
    }
}

impl From<AppError> for SyncError {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

/// What a finished sync reports.
#[derive(Debug, serde::Serialize)]
struct SyncSummary {
    #[serde(flatten)]
    cursor: SyncCursor,
    accounts: usize,
    campaigns: usize,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// Runs one sync job. A redelivered job that already finished is skipped.
#[tracing::instrument(skip_all, fields(job_id = %job.job_id, tenant_id = %job.tenant_id, connection_id = %job.connection_id))]
pub async fn sync_connection(
    job: SyncConnection,
    ctx: Data<JobContext>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    if !jobs::start(&ctx.db, job.job_id).await.map_err(classify)? {
        tracing::info!("job already finished; skipping the redelivery");
        return Ok(());
    }
    let last_attempt = attempt.current() >= crate::workers::RETRIES;
    match run(&job, &ctx).await {
        Ok(summary) => {
            let value =
                serde_json::to_value(&summary).map_err(|e| classify(AppError::internal(e)))?;
            ingest::finish_sync(&ctx.db, job.connection_id, job.job_id, value)
                .await
                .map_err(classify)?;
            metrics::counter!("mixpilot_jobs_finished_total", "kind" => "sync", "status" => "succeeded").increment(1);
            follow_up(&job, &ctx).await;
            Ok(())
        }
        Err(SyncError::Gone) => {
            jobs::succeed(
                &ctx.db,
                job.job_id,
                serde_json::json!({ "skipped": "the connection was deleted" }),
            )
            .await
            .map_err(classify)?;
            Ok(())
        }
        Err(SyncError::Platform(e)) => {
            tracing::warn!(error = %e, "sync failed at the platform");
            let (status, retry) = match &e {
                ConnectorError::Reauthorize { .. } => ("needs_reauth", false),
                ConnectorError::RateLimited { .. } | ConnectorError::Transient { .. } => {
                    ("error", !last_attempt)
                }
                _ => ("error", false),
            };
            ingest::set_status(&ctx.db, job.connection_id, status, Some(e.message()))
                .await
                .map_err(classify)?;
            if retry {
                // The job stays running; the queue tries again after its backoff, and the
                // next attempt resumes after the last chunk written.
                return Err(Box::new(e));
            }
            jobs::fail(&ctx.db, job.job_id, &e.to_string())
                .await
                .map_err(classify)?;
            metrics::counter!("mixpilot_jobs_finished_total", "kind" => "sync", "status" => "failed").increment(1);
            Err(Box::new(AbortError::new(e)))
        }
        Err(SyncError::App(e)) => {
            tracing::warn!(error = %e, "sync failed");
            if last_attempt
                || !matches!(
                    e.code,
                    domain::ErrorCode::Unavailable | domain::ErrorCode::Internal
                )
            {
                jobs::fail(&ctx.db, job.job_id, &e.message)
                    .await
                    .map_err(classify)?;
                ingest::set_status(&ctx.db, job.connection_id, "error", Some(&e.message))
                    .await
                    .map_err(classify)?;
            }
            Err(classify(e))
        }
    }
}

/// What follows a finished sync: a model fit after a backfill, a plan after new days. The sync
/// has succeeded either way; a follow-up that cannot be queued is logged (the scheduler catches
/// up).
async fn follow_up(job: &SyncConnection, ctx: &JobContext) {
    let Some(queue) = ctx.queue.as_deref() else {
        return;
    };
    let result = match job.mode {
        SyncMode::Backfill => {
            domain::services::models::after_backfill(&ctx.db, queue, job.tenant_id)
                .await
                .map(drop)
        }
        SyncMode::Window => domain::services::plans::after_new_data(&ctx.db, queue, job.tenant_id)
            .await
            .map(drop),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not queue the work that follows a sync");
    }
}

/// A connection's grant and client, refreshing the token when it is about to expire or the
/// platform says it has.
struct Session<'a> {
    ctx: &'a JobContext,
    connection: uuid::Uuid,
    client: Arc<dyn AdPlatform>,
    tokens: Tokens,
}

impl Session<'_> {
    async fn refresh(&mut self) -> Result<(), SyncError> {
        let client = self.client.clone();
        let current = self.tokens.clone();
        let fresh = with_retries(&self.ctx.platforms.retry, || {
            let client = client.clone();
            let current = current.clone();
            async move { client.refresh(&current).await }
        })
        .await?;
        let grant = serde_json::to_vec(&fresh).map_err(AppError::internal)?;
        ingest::store_grant(
            &self.ctx.db,
            &self.ctx.secrets,
            self.connection,
            &grant,
            fresh.expires_at,
        )
        .await?;
        self.tokens = fresh;
        Ok(())
    }

    /// Calls the platform with retries; on an expired token, refreshes once and calls again.
    async fn call<T, F, Fut>(&mut self, op: F) -> Result<T, SyncError>
    where
        F: Fn(Arc<dyn AdPlatform>, Tokens) -> Fut,
        Fut: std::future::Future<Output = Result<T, ConnectorError>>,
    {
        if self.tokens.refresh_token.is_some()
            && self.tokens.expires_within(
                Utc::now(),
                chrono::Duration::minutes(REFRESH_MARGIN_MINUTES),
            )
        {
            self.refresh().await?;
        }
        let policy = self.ctx.platforms.retry.clone();
        let client = self.client.clone();
        let tokens = self.tokens.clone();
        let first = with_retries(&policy, || op(client.clone(), tokens.clone())).await;
        match first {
            Err(ConnectorError::TokenExpired { .. }) => {
                self.refresh().await?;
                let tokens = self.tokens.clone();
                Ok(with_retries(&policy, || op(client.clone(), tokens.clone())).await?)
            }
            other => Ok(other?),
        }
    }
}

/// The day `at` falls on in an IANA time zone (UTC if the zone is unknown).
fn day_in(zone: &str, at: chrono::DateTime<Utc>) -> NaiveDate {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).date_naive(),
        Err(_) => at.date_naive(),
    }
}

async fn run(job: &SyncConnection, ctx: &JobContext) -> Result<SyncSummary, SyncError> {
    let Some(loaded) =
        ingest::load(&ctx.db, &ctx.secrets, job.tenant_id, job.connection_id).await?
    else {
        return Err(SyncError::Gone);
    };
    let platform = Platform::parse(&loaded.platform).ok_or_else(|| {
        SyncError::App(AppError::internal(anyhow::anyhow!(
            "unknown platform {}",
            loaded.platform
        )))
    })?;
    let tokens: Tokens = serde_json::from_slice(&loaded.grant).map_err(AppError::internal)?;
    let client = ctx
        .platforms
        .client(platform, &ctx.db, job.tenant_id, job.connection_id)?;
    if !ingest::mark_syncing(&ctx.db, job.connection_id, job.job_id).await? {
        // A second delivery of a job whose first copy finished while this one was starting.
        // The work below is idempotent; the status stays as the first copy left it.
        tracing::warn!(
            "a copy of this sync job finished meanwhile; running it again changes nothing"
        );
    }
    let mut session = Session {
        ctx,
        connection: job.connection_id,
        client,
        tokens,
    };

    let accounts: Vec<AdAccount> = session
        .call(|c, t| async move { c.list_accounts(&t).await })
        .await?;
    // Accounts, their campaigns, and the chunks to pull, in a fixed order.
    let mut plan: Vec<(AdAccount, HashMap<String, uuid::Uuid>, Vec<DateRange>)> = Vec::new();
    let mut campaigns_total = 0;
    let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
    for account in accounts {
        let account_id = ingest::upsert_account(
            &ctx.db,
            job.tenant_id,
            job.connection_id,
            &AccountRecord {
                external_id: account.external_id.clone(),
                name: account.name.clone(),
                currency: account.currency.clone(),
                time_zone: account.time_zone.clone(),
            },
        )
        .await?;
        let acc = account.clone();
        let campaigns = session
            .call(move |c, t| {
                let acc = acc.clone();
                async move { c.list_campaigns(&t, &acc).await }
            })
            .await?;
        campaigns_total += campaigns.len();
        let records: Vec<CampaignRecord> = campaigns
            .into_iter()
            .map(|c| CampaignRecord {
                external_id: c.external_id,
                name: c.name,
                status: c.status,
                channel: c.channel,
                budget_owner: c
                    .budget
                    .as_ref()
                    .map_or("none", |b| b.owner.as_str())
                    .to_owned(),
                budget_external_id: c.budget.map(|b| b.external_id),
                daily_budget_minor: c.daily_budget_minor,
            })
            .collect();
        let ids = ingest::upsert_campaigns(&ctx.db, job.tenant_id, account_id, &records).await?;
        // The span ends on the day the job was enqueued, so a run resumed after midnight cuts
        // the same chunks as the run it resumes.
        let today = day_in(&account.time_zone, job.enqueued_at);
        let from = today - chrono::Duration::days(i64::from(job.days.max(1)) - 1);
        let range = DateRange::new(from, today)?;
        first = Some(first.map_or(from, |f| f.min(from)));
        last = Some(last.map_or(today, |l| l.max(today)));
        let chunks = range.chunks(ctx.platforms.chunk_days);
        plan.push((account, ids, chunks));
    }

    let total: u32 = plan.iter().map(|(_, _, c)| c.len() as u32).sum();
    let mut cursor = ingest::cursor(&ctx.db, job.job_id).await?;
    if cursor.chunks_total != total {
        // A first run, or a plan that changed (an account appeared): start over; upserts make
        // the chunks already written harmless.
        cursor = SyncCursor {
            chunks_done: 0,
            chunks_total: total,
            rows: 0,
        };
    }
    let mut index = 0u32;
    for (account, ids, chunks) in &plan {
        for range in chunks {
            index += 1;
            if index <= cursor.chunks_done {
                continue;
            }
            if !ctx.platforms.pause.is_zero() {
                tokio::time::sleep(ctx.platforms.pause).await;
            }
            let acc = account.clone();
            let range = *range;
            let rows = session
                .call(move |c, t| {
                    let acc = acc.clone();
                    async move { c.daily_report(&t, &acc, range).await }
                })
                .await?;
            // A report row for a campaign the list did not have (removed since) is skipped.
            let records: Vec<MetricRecord> = rows
                .into_iter()
                .filter(|r| ids.contains_key(&r.campaign_id))
                .map(|r| MetricRecord {
                    campaign_external_id: r.campaign_id,
                    date: r.date,
                    spend_minor: r.spend_minor,
                    impressions: r.impressions,
                    clicks: r.clicks,
                    conversions: r.conversions,
                    revenue_minor: r.revenue_minor,
                })
                .collect();
            cursor.chunks_done = index;
            cursor.rows += records.len() as u64;
            ingest::write_chunk(
                &ctx.db,
                job.tenant_id,
                job.job_id,
                ids,
                &account.currency,
                &records,
                cursor,
            )
            .await?;
        }
    }
    Ok(SyncSummary {
        cursor,
        accounts: plan.len(),
        campaigns: campaigns_total,
        from: first,
        to: last,
    })
}
