//! The model registry: every fit of a workspace's response-curve model is a version, kept with
//! its data window, configuration and seed, accuracy per split, the gate's verdict, per-channel
//! figures, curves and decomposition.
//!
//! Invariants:
//! - At most one version is `active`, and only a version the gate accepted becomes active. A
//!   rejected version is kept with its reason; the active one stays active.
//! - Too little history is not a failure: the version is recorded as `insufficient_data` with
//!   how many more days a fit needs, and the job succeeds.
//! - A model has one currency (the workspace's main one) and measures the outcome its goal
//!   names (revenue unless the goal is about conversions).
//! - The fit runs on tokio's blocking pool (see [`planning::blocking`]).

use chrono::{NaiveDate, Utc};
use engine::model::{
    BootstrapConfig, Dataset, FittedModel, GateStatus, ModelConfig, Periodicity, Series,
};
use engine::optimize::Item;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait as _,
};
use serde::{Deserialize, Serialize};

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::ad_data::Channel;
use crate::dto::goals::Outcome;
use crate::dto::jobs::{JobKind, JobStatus, JobView};
use crate::dto::models::{
    ChannelChange, ChannelEstimate, CurveView, DecompositionView, EstimateView, ModelAccuracy,
    ModelComparison, ModelDetailView, ModelStatus, ModelVersionView, NamedSeries, PlanningSettings,
    SplitAccuracy,
};
use crate::entities::{job_runs, model_versions, planning_settings};
use crate::error::AppError;
use crate::ids::{JobId, ModelVersionId};
use crate::jobs::{FitModel, Job, Trigger};
use crate::queue::JobQueue;
use crate::scope::TenantScope;
use crate::services::planning::{self, Money};
use crate::services::{DbContext as _, Services, goals, jobs, now, utc};

/// Days of history a fit needs: a training window longer than the adstock window, with
/// validation and test days after it.
pub const MIN_DAYS: usize = 120;
/// The longest history a fit reads.
pub const MAX_DAYS: i64 = 730;
/// Bootstrap replicates behind every interval (fewer than the engine's default 100, so a
/// weekly refit of a few years of daily data stays within seconds).
pub const REPLICATES: usize = 30;

/// A fitted model as stored: the engine's model and the days and channels it covers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredModel {
    pub first_date: NaiveDate,
    pub channels: Vec<Channel>,
    pub fitted: FittedModel,
}

/// The active model of a workspace, ready to plan with.
#[derive(Clone, Debug)]
pub(crate) struct ActiveModel {
    pub id: ModelVersionId,
    pub version: u32,
    pub outcome: Outcome,
    pub currency: String,
    pub stored: StoredModel,
}

impl ActiveModel {
    /// One optimizer item per channel, with the model's curves (and bootstrap samples).
    pub fn items(&self) -> Result<Vec<(Channel, Item)>, AppError> {
        let items = engine::optimize::items_from_model(&self.stored.fitted)
            .map_err(|e| AppError::internal(anyhow::anyhow!("model {}: {e}", self.version)))?;
        Ok(self.stored.channels.iter().copied().zip(items).collect())
    }
}

fn estimate(e: &engine::model::Estimate) -> EstimateView {
    EstimateView {
        value: e.value,
        lower: e.lower,
        upper: e.upper,
    }
}

fn split(m: &engine::model::FitMetrics) -> SplitAccuracy {
    SplitAccuracy {
        days: u32::try_from(m.periods).unwrap_or(u32::MAX),
        r2: m.r2,
        mape: m.mape,
        wmape: m.wmape,
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("a stored {what} does not read: {e}"))
}

fn view(m: &model_versions::Model) -> Result<ModelVersionView, AppError> {
    Ok(ModelVersionView {
        id: ModelVersionId::from_uuid(m.id),
        version: u32::try_from(m.version).unwrap_or(0),
        status: m.status,
        outcome: m.outcome,
        currency: m.currency.clone(),
        data_from: m.data_from,
        data_to: m.data_to,
        days: u32::try_from(m.days).unwrap_or(0),
        needed_days: m.needed_days.and_then(|d| u32::try_from(d).ok()),
        seed: u64::try_from(m.seed).unwrap_or(0),
        trigger: m.trigger,
        gate_passed: m.gate_passed,
        reason: m.reason.clone(),
        accuracy: m
            .metrics
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| corrupt("accuracy", e))?,
        channels: m
            .summary
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| corrupt("summary", e))?
            .unwrap_or_default(),
        job_id: m.job_id.map(JobId::from_uuid),
        created_at: utc(m.created_at),
    })
}

fn stored(m: &model_versions::Model) -> Result<Option<StoredModel>, AppError> {
    m.model
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| corrupt("model", e))
}

/// The workspace's active model, if any (for services that plan with it).
pub(crate) async fn active(db: &Db, scope: &TenantScope) -> Result<Option<ActiveModel>, AppError> {
    let Some(row) = model_versions::Entity::find()
        .filter(model_versions::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(model_versions::Column::Status.eq(ModelStatus::Active))
        .order_by_desc(model_versions::Column::Version)
        .one(db.conn())
        .await
        .ctx("reading the active model")?
    else {
        return Ok(None);
    };
    let Some(stored) = stored(&row)? else {
        return Ok(None);
    };
    Ok(Some(ActiveModel {
        id: ModelVersionId::from_uuid(row.id),
        version: u32::try_from(row.version).unwrap_or(0),
        outcome: row.outcome,
        currency: row.currency,
        stored,
    }))
}

/// Every version, newest first.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list(db: &Db, scope: &TenantScope) -> Result<Vec<ModelVersionView>, AppError> {
    scope.require(Permission::View)?;
    model_versions::Entity::find()
        .filter(model_versions::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(model_versions::Column::Version)
        .all(db.conn())
        .await
        .ctx("reading model versions")?
        .iter()
        .map(view)
        .collect()
}

async fn row(
    db: &Db,
    scope: &TenantScope,
    version: u32,
) -> Result<model_versions::Model, AppError> {
    model_versions::Entity::find()
        .filter(model_versions::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(model_versions::Column::Version.eq(i32::try_from(version).unwrap_or(i32::MAX)))
        .one(db.conn())
        .await
        .ctx("reading a model version")?
        .ok_or_else(|| AppError::not_found("model version"))
}

/// One version with its curves (today's spend marked) and decomposition.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn get(db: &Db, scope: &TenantScope, version: u32) -> Result<ModelDetailView, AppError> {
    scope.require(Permission::View)?;
    let row = row(db, scope, version).await?;
    detail(&row)
}

/// The active version, with its curves and decomposition.
pub async fn get_active(db: &Db, scope: &TenantScope) -> Result<ModelDetailView, AppError> {
    scope.require(Permission::View)?;
    let row = model_versions::Entity::find()
        .filter(model_versions::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(model_versions::Column::Status.eq(ModelStatus::Active))
        .one(db.conn())
        .await
        .ctx("reading the active model")?
        .ok_or_else(|| AppError::not_found("active model"))?;
    detail(&row)
}

fn detail(row: &model_versions::Model) -> Result<ModelDetailView, AppError> {
    let model = view(row)?;
    let Some(stored) = stored(row)? else {
        return Ok(ModelDetailView {
            model,
            curves: Vec::new(),
            decomposition: None,
        });
    };
    let money = Money::of(&row.currency);
    let minor = |major: f64| (major * 10f64.powi(i32::from(money.exponent))).round() as i64;
    let fitted = &stored.fitted;
    let curves = fitted
        .response_curves
        .iter()
        .zip(&stored.channels)
        .zip(&fitted.channels)
        .map(|((c, channel), f)| CurveView {
            channel: *channel,
            spend_minor: c.spend.iter().map(|s| minor(*s)).collect(),
            outcome: c.outcome.iter().map(estimate).collect(),
            current_spend_minor: minor(f.current_spend_per_period),
        })
        .collect();
    let d = &fitted.decomposition;
    let date = |day: i64| stored.first_date + chrono::Duration::days(day - fitted.first_day);
    let series = |s: &Series| NamedSeries {
        name: s.name.clone(),
        values: s.values.clone(),
    };
    Ok(ModelDetailView {
        model,
        curves,
        decomposition: Some(DecompositionView {
            dates: d.days.iter().map(|day| date(*day)).collect(),
            actual: d.actual.clone(),
            fitted: d.fitted.clone(),
            baseline: d.baseline.iter().map(series).collect(),
            channels: d.channels.iter().map(series).collect(),
        }),
    })
}

/// What changed from version `from` to version `to`: each channel's ROAS, marginal ROAS and
/// response curve.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn compare(
    db: &Db,
    scope: &TenantScope,
    from: u32,
    to: u32,
) -> Result<ModelComparison, AppError> {
    scope.require(Permission::View)?;
    let a = row(db, scope, from).await?;
    let b = row(db, scope, to).await?;
    let (Some(ma), Some(mb)) = (stored(&a)?, stored(&b)?) else {
        return Err(AppError::validation(
            "from",
            "both versions must be fitted models (not insufficient data)",
        ));
    };
    let va = view(&a)?;
    let vb = view(&b)?;
    let ra = ma.fitted.channel_responses();
    let rb = mb.fitted.channel_responses();
    let mut channels = Vec::new();
    for (i, ch) in mb.channels.iter().enumerate() {
        let Some(j) = ma.channels.iter().position(|c| c == ch) else {
            continue;
        };
        let (ca, cb) = (&ra[j], &rb[i]);
        let top = ca
            .max_spend_per_period
            .min(cb.max_spend_per_period)
            .max(1e-9);
        let mut rel = Vec::new();
        for k in 1..=20 {
            let x = top * f64::from(k) / 20.0;
            let (ya, yb) = (ca.outcome_per_period(x), cb.outcome_per_period(x));
            if ya > 1e-12 {
                rel.push((yb - ya) / ya);
            }
        }
        let find = |v: &ModelVersionView| v.channels.iter().find(|c| c.channel == *ch).cloned();
        let (ea, eb) = (find(&va), find(&vb));
        channels.push(ChannelChange {
            channel: *ch,
            roas_before: ea.as_ref().map_or(0.0, |e| e.roas.value),
            roas_after: eb.as_ref().map_or(0.0, |e| e.roas.value),
            marginal_roas_before: ea.as_ref().map_or(0.0, |e| e.marginal_roas.value),
            marginal_roas_after: eb.as_ref().map_or(0.0, |e| e.marginal_roas.value),
            curve_change: if rel.is_empty() {
                0.0
            } else {
                rel.iter().sum::<f64>() / rel.len() as f64
            },
        });
    }
    Ok(ModelComparison {
        from,
        to,
        channels,
        added: mb
            .channels
            .iter()
            .filter(|c| !ma.channels.contains(c))
            .copied()
            .collect(),
        removed: ma
            .channels
            .iter()
            .filter(|c| !mb.channels.contains(c))
            .copied()
            .collect(),
    })
}

/// The workspace's planning settings (defaults until changed).
pub async fn settings(db: &Db, scope: &TenantScope) -> Result<PlanningSettings, AppError> {
    scope.require(Permission::View)?;
    settings_of(db, scope).await
}

pub(crate) async fn settings_of(
    db: &Db,
    scope: &TenantScope,
) -> Result<PlanningSettings, AppError> {
    Ok(
        planning_settings::Entity::find_by_id(scope.tenant_id().as_uuid())
            .one(db.conn())
            .await
            .ctx("reading planning settings")?
            .map_or_else(PlanningSettings::default, |s| PlanningSettings {
                green: s.green,
                yellow: s.yellow,
                retrain_days: u32::try_from(s.retrain_days).unwrap_or(7),
                max_test_mape: s.max_test_mape,
            }),
    )
}

/// Changes the planning settings (owner, admin, strategist).
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn update_settings(
    db: &Db,
    scope: &TenantScope,
    new: PlanningSettings,
) -> Result<PlanningSettings, AppError> {
    scope.require(Permission::Plan)?;
    let ok = |v: f64| v.is_finite() && (0.0..=100.0).contains(&v);
    if !ok(new.green) || !ok(new.yellow) {
        return Err(AppError::validation(
            "green",
            "band thresholds are scores between 0 and 100",
        ));
    }
    if new.yellow > new.green {
        return Err(AppError::validation(
            "yellow",
            format!("must not be above green ({})", new.green),
        ));
    }
    if !(1..=365).contains(&new.retrain_days) {
        return Err(AppError::validation(
            "retrain_days",
            "must be between 1 and 365 days",
        ));
    }
    if !(new.max_test_mape.is_finite() && new.max_test_mape > 0.0 && new.max_test_mape <= 10.0) {
        return Err(AppError::validation(
            "max_test_mape",
            "must be a share above 0 and at most 10 (0.15 = 15%)",
        ));
    }
    let before = settings_of(db, scope).await?;
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    planning_settings::Entity::delete_by_id(scope.tenant_id().as_uuid())
        .exec(&txn)
        .await
        .ctx("replacing planning settings")?;
    planning_settings::ActiveModel {
        tenant_id: Set(scope.tenant_id().as_uuid()),
        green: Set(new.green),
        yellow: Set(new.yellow),
        retrain_days: Set(i32::try_from(new.retrain_days).unwrap_or(7)),
        max_test_mape: Set(new.max_test_mape),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await
    .ctx("saving planning settings")?;
    crate::services::audit::record(
        &txn,
        scope,
        crate::services::audit::Change::new(
            "planning_settings.changed",
            "workspace",
            scope.tenant_id(),
        )
        .before(before)
        .after(&new),
    )
    .await?;
    txn.commit().await.ctx("committing planning settings")?;
    Ok(new)
}

/// A job of `kind` of the workspace that is queued or running.
pub(crate) async fn pending_job(
    db: &Db,
    scope: &TenantScope,
    kind: JobKind,
) -> Result<Option<JobView>, AppError> {
    let row = job_runs::Entity::find()
        .filter(job_runs::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(job_runs::Column::Kind.eq(kind.as_str()))
        .filter(
            job_runs::Column::Status
                .is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]),
        )
        .order_by_desc(job_runs::Column::CreatedAt)
        .one(db.conn())
        .await
        .ctx("reading pending jobs")?;
    match row {
        Some(r) => Ok(Some(jobs::get(db, scope, JobId::from_uuid(r.id)).await?)),
        None => Ok(None),
    }
}

/// Starts a fit (owner, admin, strategist; or the scheduler). A fit already queued or running
/// is returned instead of starting a second one.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn start_fit(
    services: &Services,
    scope: &TenantScope,
    trigger: Trigger,
) -> Result<JobView, AppError> {
    scope.require(Permission::RunJobs)?;
    enqueue_fit(&services.db, services.queue.as_ref(), scope, trigger).await
}

pub(crate) async fn enqueue_fit(
    db: &Db,
    queue: &dyn JobQueue,
    scope: &TenantScope,
    trigger: Trigger,
) -> Result<JobView, AppError> {
    if let Some(job) = pending_job(db, scope, JobKind::FitModel).await? {
        return Ok(job);
    }
    let job = jobs::create(db, scope, JobKind::FitModel).await?;
    let payload = Job::FitModel(FitModel {
        job_id: job.id,
        tenant_id: scope.tenant_id(),
        trigger,
        enqueued_at: Utc::now(),
    });
    if let Err(e) = queue.enqueue(payload).await {
        jobs::fail(db, job.id, "the queue refused the job").await?;
        return Err(AppError::unavailable("the job queue", e));
    }
    Ok(job)
}

/// After a backfill: a fit of the workspace's model (unless one is pending).
pub async fn after_backfill(
    db: &Db,
    queue: &dyn JobQueue,
    tenant: crate::ids::TenantId,
) -> Result<JobView, AppError> {
    let scope = TenantScope::trusted_for_job(tenant, "fit after backfill");
    enqueue_fit(db, queue, &scope, Trigger::Backfill).await
}

/// What a fit job reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FitSummary {
    pub version: u32,
    pub status: ModelStatus,
    pub reason: Option<String>,
}

/// The daily series a model is fitted on, with its window.
struct History {
    dataset: Dataset,
    channels: Vec<Channel>,
    first: NaiveDate,
    last: NaiveDate,
}

fn dataset(outcome: Outcome, money: Money, series: &planning::ChannelSeries) -> Option<History> {
    let mut first: Option<NaiveDate> = None;
    let mut last: Option<NaiveDate> = None;
    for days in series.values() {
        for (d, day) in days {
            if day.spend_minor > 0 || day.revenue_minor > 0 || day.conversions > 0.0 {
                first = Some(first.map_or(*d, |f| f.min(*d)));
                last = Some(last.map_or(*d, |l| l.max(*d)));
            }
        }
    }
    let (first, last) = (first?, last?);
    let n = usize::try_from((last - first).num_days() + 1).ok()?;
    let mut y = vec![0.0; n];
    let mut channels = Vec::new();
    let mut spend = Vec::new();
    for (channel, days) in series {
        let mut x = vec![0.0; n];
        for (d, day) in days {
            let Ok(t) = usize::try_from((*d - first).num_days()) else {
                continue;
            };
            if t >= n {
                continue;
            }
            x[t] += money.major(day.spend_minor);
            y[t] += match outcome {
                Outcome::Revenue => money.major(day.revenue_minor),
                Outcome::Conversions => day.conversions,
            };
        }
        if x.iter().any(|v| *v > 0.0) {
            channels.push(*channel);
            spend.push(Series::new(channel.as_str(), x));
        }
    }
    if channels.is_empty() {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some(History {
        dataset: Dataset {
            periodicity: Periodicity::Daily,
            first_day: (first - epoch).num_days(),
            outcome_name: match outcome {
                Outcome::Revenue => "revenue".to_owned(),
                Outcome::Conversions => "conversions".to_owned(),
            },
            outcome: y,
            channels: spend,
            controls: Vec::new(),
            events: Vec::new(),
        },
        channels,
        first,
        last,
    })
}

/// Runs a fit job: reads the daily series, fits on the blocking pool, stores the version, and
/// activates it if the gate accepts it (then queues a plan on `queue`, when given).
#[tracing::instrument(skip_all, fields(tenant_id = %job.tenant_id, job_id = %job.job_id))]
pub async fn run_fit(
    db: &Db,
    queue: Option<&dyn JobQueue>,
    job: &FitModel,
) -> Result<FitSummary, AppError> {
    let scope = TenantScope::trusted_for_job(job.tenant_id, "model fit");
    let settings = settings_of(db, &scope).await?;
    let goal = goals::current(db, &scope).await?;
    let outcome = goal
        .as_ref()
        .map_or(Outcome::Revenue, |g| g.objective.outcome());
    jobs::progress(db, job.job_id, 5).await?;
    let Some((currency, last)) = planning::main_currency(db, &scope).await? else {
        return record_insufficient(db, &scope, job, outcome, "USD", None, 0).await;
    };
    let money = Money::of(&currency);
    let from = last - chrono::Duration::days(MAX_DAYS - 1);
    let series = planning::channel_series(db, &scope, &currency, from, last).await?;
    let Some(data) = dataset(outcome, money, &series) else {
        return record_insufficient(db, &scope, job, outcome, &currency, None, 0).await;
    };
    if data.dataset.len() < MIN_DAYS {
        let window = Some((data.first, data.last));
        let days = data.dataset.len();
        return record_insufficient(db, &scope, job, outcome, &currency, window, days).await;
    }
    jobs::progress(db, job.job_id, 15).await?;
    let version = next_version(db, &scope).await?;
    let seed = (scope.tenant_id().as_uuid().as_u64_pair().0 ^ u64::from(version)) % 1_000_000_007;
    let config = ModelConfig {
        seed,
        max_test_mape: settings.max_test_mape,
        bootstrap: BootstrapConfig {
            replicates: REPLICATES,
            ..BootstrapConfig::default()
        },
        ..ModelConfig::default()
    };
    let dataset = data.dataset.clone();
    let fit_config = config.clone();
    let fitted = planning::blocking(move || engine::model::fit(&dataset, &fit_config, &[]))
        .await?
        .map_err(|e| planning::engine_error("model", e))?;
    jobs::progress(db, job.job_id, 85).await?;

    let (passed, reason) = match &fitted.gate.status {
        GateStatus::Accepted => (true, None),
        GateStatus::Rejected { reason } => (false, Some(reason.clone())),
    };
    let summary: Vec<ChannelEstimate> = fitted
        .summary
        .iter()
        .zip(&data.channels)
        .map(|(s, channel)| ChannelEstimate {
            channel: *channel,
            roas: estimate(&s.roas),
            marginal_roas: estimate(&s.marginal_roas),
            contribution_share: estimate(&s.contribution_share),
            current_spend_per_day_minor: (s.current_spend_per_period
                * 10f64.powi(i32::from(money.exponent)))
            .round() as i64,
        })
        .collect();
    let accuracy = ModelAccuracy {
        train: split(&fitted.metrics.train),
        validation: split(&fitted.metrics.validation),
        test: split(&fitted.metrics.test),
    };
    let stored = StoredModel {
        first_date: data.first,
        channels: data.channels.clone(),
        fitted,
    };
    let status = if passed {
        ModelStatus::Active
    } else {
        ModelStatus::Rejected
    };
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    if passed {
        model_versions::Entity::update_many()
            .col_expr(
                model_versions::Column::Status,
                Expr::value(ModelStatus::Retired),
            )
            .filter(model_versions::Column::TenantId.eq(scope.tenant_id().as_uuid()))
            .filter(model_versions::Column::Status.eq(ModelStatus::Active))
            .exec(&txn)
            .await
            .ctx("retiring the previous model")?;
    }
    model_versions::ActiveModel {
        id: Set(ModelVersionId::new().as_uuid()),
        tenant_id: Set(scope.tenant_id().as_uuid()),
        version: Set(i32::try_from(version).unwrap_or(i32::MAX)),
        status: Set(status),
        outcome: Set(outcome),
        currency: Set(currency.clone()),
        data_from: Set(Some(data.first)),
        data_to: Set(Some(data.last)),
        days: Set(i32::try_from(data.dataset.len()).unwrap_or(i32::MAX)),
        needed_days: Set(None),
        seed: Set(i64::try_from(seed).unwrap_or(0)),
        trigger: Set(job.trigger),
        gate_passed: Set(passed),
        reason: Set(reason.clone()),
        metrics: Set(Some(
            serde_json::to_value(accuracy).map_err(AppError::internal)?,
        )),
        summary: Set(Some(
            serde_json::to_value(&summary).map_err(AppError::internal)?,
        )),
        model: Set(Some(
            serde_json::to_value(&stored).map_err(AppError::internal)?,
        )),
        job_id: Set(Some(job.job_id.as_uuid())),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await
    .ctx("storing a model version")?;
    txn.commit().await.ctx("committing a model version")?;
    if passed && let Some(queue) = queue {
        crate::services::plans::enqueue(db, queue, &scope, Trigger::NewModel).await?;
    }
    Ok(FitSummary {
        version,
        status,
        reason,
    })
}

async fn next_version(db: &Db, scope: &TenantScope) -> Result<u32, AppError> {
    let last = model_versions::Entity::find()
        .filter(model_versions::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(model_versions::Column::Version)
        .one(db.conn())
        .await
        .ctx("reading model versions")?;
    Ok(last.map_or(1, |m| u32::try_from(m.version).unwrap_or(0) + 1))
}

async fn record_insufficient(
    db: &Db,
    scope: &TenantScope,
    job: &FitModel,
    outcome: Outcome,
    currency: &str,
    window: Option<(NaiveDate, NaiveDate)>,
    days: usize,
) -> Result<FitSummary, AppError> {
    let needed = MIN_DAYS.saturating_sub(days);
    let reason = format!(
        "{days} days of history; a model needs {MIN_DAYS}: {needed} more days of data (sync or import them)"
    );
    let version = next_version(db, scope).await?;
    model_versions::ActiveModel {
        id: Set(ModelVersionId::new().as_uuid()),
        tenant_id: Set(scope.tenant_id().as_uuid()),
        version: Set(i32::try_from(version).unwrap_or(i32::MAX)),
        status: Set(ModelStatus::InsufficientData),
        outcome: Set(outcome),
        currency: Set(currency.to_owned()),
        data_from: Set(window.map(|w| w.0)),
        data_to: Set(window.map(|w| w.1)),
        days: Set(i32::try_from(days).unwrap_or(i32::MAX)),
        needed_days: Set(Some(i32::try_from(needed).unwrap_or(i32::MAX))),
        seed: Set(0),
        trigger: Set(job.trigger),
        gate_passed: Set(false),
        reason: Set(Some(reason.clone())),
        metrics: Set(None),
        summary: Set(None),
        model: Set(None),
        job_id: Set(Some(job.job_id.as_uuid())),
        created_at: Set(now()),
    }
    .insert(db.conn())
    .await
    .ctx("recording a model version")?;
    Ok(FitSummary {
        version,
        status: ModelStatus::InsufficientData,
        reason: Some(reason),
    })
}

/// Workspaces whose model is due a refit: data, and no model version newer than their retrain
/// interval (and no fit queued or running). Returns how many fits were started.
pub async fn schedule_due(db: &Db, queue: &dyn JobQueue) -> Result<usize, AppError> {
    use crate::entities::metrics_daily;
    use sea_orm::QuerySelect as _;
    let tenants: Vec<uuid::Uuid> = metrics_daily::Entity::find()
        .select_only()
        .column(metrics_daily::Column::TenantId)
        .distinct()
        .into_tuple()
        .all(db.conn())
        .await
        .ctx("reading workspaces with data")?;
    let mut started = 0;
    for tenant in tenants {
        let scope = TenantScope::trusted_for_job(
            crate::ids::TenantId::from_uuid(tenant),
            "scheduled retrain",
        );
        let settings = settings_of(db, &scope).await?;
        let latest = model_versions::Entity::find()
            .filter(model_versions::Column::TenantId.eq(tenant))
            .order_by_desc(model_versions::Column::Version)
            .one(db.conn())
            .await
            .ctx("reading model versions")?;
        let due = latest.is_none_or(|m| {
            utc(m.created_at) + chrono::Duration::days(i64::from(settings.retrain_days))
                <= Utc::now()
        });
        if due && pending_job(db, &scope, JobKind::FitModel).await?.is_none() {
            enqueue_fit(db, queue, &scope, Trigger::Schedule).await?;
            started += 1;
        }
    }
    Ok(started)
}
