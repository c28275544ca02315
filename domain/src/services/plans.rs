//! Plans, the Budget Health Index, scenarios and the agency portfolio.
//!
//! A plan is made by a job (after a new active model, a goal change, a day's new data, on
//! demand) from the active model, the goal in force (or, without one, today's total spent the
//! same way) and today's spend. It is stored with those inputs (model version, goal version,
//! spend snapshot), so the same inputs make the same plan. Each plan comes with a reading of
//! the Budget Health Index, kept as history.
//!
//! How a plan is made (see `docs/planning.md`): the scaling rules fire first and pin the
//! channels they move (within the guardrails); exploration then gives the uncertain channels
//! the goal's exploration share by Thompson sampling, and the rest goes where the curves say;
//! each channel's amount is split into its campaigns' daily budgets.
//!
//! Scenarios are answered at once (no job) on the blocking pool.

use chrono::{NaiveDate, Utc};
use engine::explore::{ExplorationOptions, explore};
use engine::health::{Band as EngineBand, HealthBands, health_index};
use engine::optimize::scenario::Adjustment;
use engine::optimize::{ItemBound, ItemRule, OptimizeOptions, Problem, major_from_cents, optimize};
use engine::rules::{Comparison, DailyMetrics, Metric, ScalingRule, Window, reconcile};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect as _,
    Set, TransactionTrait as _,
};
use serde::{Deserialize, Serialize};

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::ad_data::Channel;
use crate::dto::goals::{Bound, GoalRequest, Outcome, RuleComparison, RuleMetric};
use crate::dto::jobs::{JobKind, JobView};
use crate::dto::plans::{
    Band, BindingView, BudgetScenarioRequest, CampaignSpend, ConstraintScenarioRequest,
    ConstraintScenarioView, ConstraintView, FrontierPointView, FrontierView, HealthActionView,
    HealthView, ObjectiveScenarioView, ObjectivesScenarioRequest, PlanView, PlannedCampaign,
    PlannedChannel, PortfolioRow, SpendSnapshot,
};
use crate::entities::{connections, health_scores, model_versions, plans};
use crate::error::{AppError, ErrorCode};
use crate::ids::{GoalId, HealthScoreId, PlanId, TenantId};
use crate::jobs::{Job, RunOptimization, Trigger};
use crate::queue::JobQueue;
use crate::scope::TenantScope;
use crate::services::models::{self, ActiveModel};
use crate::services::planning::{self, Money, Question};
use crate::services::{DbContext as _, Services, goals, jobs, now, utc};

/// Recommended moves kept with each reading of the index.
const ACTIONS: usize = 5;

/// Starts a plan (owner, admin, strategist; or a job). A plan already queued or running is
/// returned instead of starting a second one.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn start(
    services: &Services,
    scope: &TenantScope,
    trigger: Trigger,
) -> Result<JobView, AppError> {
    scope.require(Permission::RunJobs)?;
    if models::active(&services.db, scope).await?.is_none() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "there is no active model yet: fit one first (POST .../models/fit)",
        ));
    }
    enqueue(&services.db, services.queue.as_ref(), scope, trigger).await
}

pub(crate) async fn enqueue(
    db: &Db,
    queue: &dyn JobQueue,
    scope: &TenantScope,
    trigger: Trigger,
) -> Result<JobView, AppError> {
    if let Some(job) = models::pending_job(db, scope, JobKind::RunOptimization).await? {
        return Ok(job);
    }
    let job = jobs::create(db, scope, JobKind::RunOptimization).await?;
    let payload = Job::RunOptimization(RunOptimization {
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

/// What a plan job reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanSummary {
    /// `None` when there was nothing to plan with (no active model).
    pub plan_id: Option<PlanId>,
    pub score: Option<f64>,
    pub note: Option<String>,
}

/// What reproduces a plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct PlanInputs {
    model_version: u32,
    goal: GoalRequest,
    goal_version: Option<u32>,
    spend: SpendSnapshot,
    seed: u64,
}

/// The plan question of a workspace now: its active model, goal and today's spend.
struct Context {
    model: ActiveModel,
    goal: GoalRequest,
    goal_id: Option<GoalId>,
    goal_version: Option<u32>,
    spend: SpendSnapshot,
    question: Question,
}

async fn context(db: &Db, scope: &TenantScope) -> Result<Option<Context>, AppError> {
    let Some(model) = models::active(db, scope).await? else {
        return Ok(None);
    };
    let spend = planning::snapshot(db, scope, &model.currency).await?;
    let saved = goals::current(db, scope).await?;
    let goal = match &saved {
        Some(g) => g.request(),
        None => planning::default_goal(model.outcome, &spend),
    };
    if goal.budget.currency != model.currency {
        return Err(AppError::validation(
            "goal.budget.currency",
            format!(
                "the goal is in {} but the active model is in {}",
                goal.budget.currency, model.currency
            ),
        ));
    }
    if goal.objective.outcome() != model.outcome {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "the goal is about {:?} but the active model measures {:?}; a refit follows a goal change",
                goal.objective.outcome(),
                model.outcome
            ),
        ));
    }
    let question = planning::question(model.items()?, &goal, &spend)?;
    Ok(Some(Context {
        model,
        goal,
        goal_id: saved.as_ref().map(|g| g.id),
        goal_version: saved.as_ref().map(|g| g.version),
        spend,
        question,
    }))
}

fn rule_of(r: &crate::dto::goals::ScalingRule) -> ScalingRule {
    ScalingRule {
        name: r.name.clone(),
        metric: match r.metric {
            RuleMetric::Roas => Metric::Roas,
            RuleMetric::Cpa => Metric::Cpa,
            RuleMetric::Conversions => Metric::Conversions,
            RuleMetric::Revenue => Metric::Revenue,
        },
        window: if r.each_day {
            Window::EachDay(r.days)
        } else {
            Window::Total(r.days)
        },
        comparison: match r.comparison {
            RuleComparison::Above => Comparison::Above,
            RuleComparison::Below => Comparison::Below,
        },
        threshold: r.threshold,
        change: r.change,
    }
}

/// What the engine decided, in its own units.
struct Decided {
    /// Planned spend per item, engine cents.
    allocation: Vec<i64>,
    exploit: engine::optimize::Plan,
    rules: Vec<String>,
    exploration_cents: i64,
    notes: Vec<String>,
    health: engine::health::HealthReport,
}

fn decide(
    q: &Question,
    rules: &[ScalingRule],
    history: &[Vec<DailyMetrics>],
    exploration_share: f64,
    seed: u64,
    bands: HealthBands,
) -> Result<Decided, engine::EngineError> {
    let options = OptimizeOptions::default();
    let mut problem = q.problem.clone();
    let mut notes = Vec::new();
    let mut said = Vec::new();
    if !rules.is_empty() {
        let r = reconcile(&problem, rules, history, &options)?;
        for (d, item) in r.decisions.iter().zip(&r.plan.items) {
            said.push(d.explanation.clone());
            if d.rule.is_some() {
                problem.constraints.items.push(ItemRule {
                    item: item.id.clone(),
                    min: Some(ItemBound::Money(item.spend)),
                    max: Some(ItemBound::Money(item.spend)),
                    locked: false,
                    min_if_active: None,
                });
            }
        }
        if r.loosened {
            notes.push(
                "the scaling rules' targets did not fit the budget and groups; they were loosened"
                    .to_owned(),
            );
        }
    }
    let exploit = optimize(&problem, &options)?;
    let mut allocation: Vec<i64> = exploit.items.iter().map(|i| i.spend).collect();
    let mut exploration_cents = 0;
    if exploration_share > 0.0 {
        let o = ExplorationOptions {
            share: exploration_share,
            seed,
            ..ExplorationOptions::default()
        };
        match explore(&problem, &options, &o) {
            Ok(p) => {
                allocation = p.items.iter().map(|i| i.spend).collect();
                exploration_cents = p.exploration_budget;
            }
            Err(engine::EngineError::Infeasible { conflicting }) => notes.push(format!(
                "no exploration this time: {}",
                conflicting.join("; ")
            )),
            Err(e) => return Err(e),
        }
    }
    let health = health_index(&q.problem, &options, bands, ACTIONS)?;
    Ok(Decided {
        allocation,
        exploit,
        rules: said,
        exploration_cents,
        notes,
        health,
    })
}

/// Splits a channel's daily amount into its campaigns' daily budgets.
///
/// Campaigns that do not own a budget keep spending what they spend (it is taken off the top),
/// unless no campaign of the channel owns one: then all share the amount as recommended spend;
/// locked campaigns keep today's budget. The rest is shared in proportion to today's budgets,
/// each campaign held within `[max(platform minimum, its minimum), its maximum]`: a campaign
/// that would fall outside is set to the bound and the others share what is left, until none
/// does. Amounts are whole minor units; the last units go to the largest remainders.
pub(crate) fn split(total: i64, campaigns: &[SplitInput]) -> Vec<i64> {
    if !campaigns.iter().any(|c| c.owns_budget) {
        // Nothing to write a budget to (imported data): the amount is shared the same way, as
        // each campaign's recommended spend.
        let owned: Vec<SplitInput> = campaigns
            .iter()
            .map(|c| SplitInput {
                owns_budget: true,
                ..*c
            })
            .collect();
        return split(total, &owned);
    }
    let mut out = vec![0i64; campaigns.len()];
    let mut left = total;
    let mut free: Vec<usize> = Vec::new();
    for (i, c) in campaigns.iter().enumerate() {
        if !c.owns_budget || c.locked {
            out[i] = c.current;
            left -= c.current;
        } else {
            free.push(i);
        }
    }
    let mut fixed = vec![false; campaigns.len()];
    let mut shares = vec![0f64; campaigns.len()];
    loop {
        let open: Vec<usize> = free.iter().copied().filter(|&i| !fixed[i]).collect();
        if open.is_empty() {
            break;
        }
        let pinned: i64 = free.iter().filter(|&&i| fixed[i]).map(|&i| out[i]).sum();
        let pool = (left - pinned).max(0) as f64;
        let weight: f64 = open
            .iter()
            .map(|&i| campaigns[i].current.max(1) as f64)
            .sum();
        for &i in &open {
            shares[i] = pool * campaigns[i].current.max(1) as f64 / weight;
        }
        // Lower bounds first, then upper bounds; one pass fixes every violator of one side.
        let low: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| shares[i] < campaigns[i].lower as f64)
            .collect();
        let high: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| campaigns[i].upper.is_some_and(|u| shares[i] > u as f64))
            .collect();
        if low.is_empty() && high.is_empty() {
            break;
        }
        let (set, bound): (Vec<usize>, fn(&SplitInput) -> i64) = if !low.is_empty() {
            (low, |c| c.lower)
        } else {
            (high, |c| c.upper.unwrap_or(i64::MAX))
        };
        for i in set {
            fixed[i] = true;
            out[i] = bound(&campaigns[i]);
        }
    }
    let open: Vec<usize> = free.iter().copied().filter(|&i| !fixed[i]).collect();
    let mut remainders = Vec::with_capacity(open.len());
    let mut given = 0;
    for &i in &open {
        out[i] = shares[i].floor() as i64;
        given += out[i];
        remainders.push((shares[i] - shares[i].floor(), i));
    }
    let pinned: i64 = free.iter().filter(|&&i| fixed[i]).map(|&i| out[i]).sum();
    let extra = usize::try_from((left - pinned - given).max(0)).unwrap_or(0);
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.iter().take(extra) {
        out[*i] += 1;
    }
    out
}

/// One campaign for [`split`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct SplitInput {
    pub current: i64,
    pub owns_budget: bool,
    pub locked: bool,
    /// The platform minimum or the campaign's own minimum, whichever is larger.
    pub lower: i64,
    pub upper: Option<i64>,
}

fn split_inputs(goal: &GoalRequest, campaigns: &[&CampaignSpend]) -> Vec<SplitInput> {
    campaigns
        .iter()
        .map(|k| {
            let rule = goal
                .constraints
                .campaigns
                .iter()
                .find(|r| r.campaign_id == k.campaign_id);
            let amount = |b: &Bound| match *b {
                Bound::Money {
                    amount_minor,
                    period,
                } => (amount_minor as f64 / period.days()).round() as i64,
                Bound::RelativeToCurrent { factor } => {
                    (k.current_minor as f64 * factor).round() as i64
                }
            };
            SplitInput {
                current: k.current_minor,
                owns_budget: k.owns_budget,
                locked: rule.is_some_and(|r| r.locked),
                lower: rule
                    .and_then(|r| r.min.as_ref())
                    .map_or(0, amount)
                    .max(k.platform_min_minor),
                upper: rule.and_then(|r| r.max.as_ref()).map(amount),
            }
        })
        .collect()
}

fn band(b: EngineBand) -> Band {
    match b {
        EngineBand::Green => Band::Green,
        EngineBand::Yellow => Band::Yellow,
        EngineBand::Red => Band::Red,
    }
}

fn outcome_words(outcome: Outcome, money: Money, currency: &str, v: f64) -> String {
    match outcome {
        Outcome::Revenue => {
            let minor = (v * 10f64.powi(i32::from(money.exponent))).round() as i64;
            let sign = if minor >= 0 { "+" } else { "" };
            format!("{sign}{}", money.show(minor, currency))
        }
        Outcome::Conversions => format!("{v:+.1} conversions"),
    }
}

fn actions(
    report: &engine::health::HealthReport,
    outcome: Outcome,
    money: Money,
    currency: &str,
) -> Vec<HealthActionView> {
    report
        .actions
        .iter()
        .map(|a| {
            let amount_minor = money.minor_of_cents(a.amount);
            let amount = money.show(amount_minor, currency);
            let gain = outcome_words(outcome, money, currency, a.expected_gain);
            let description = match (&a.from, &a.to) {
                (Some(f), Some(t)) => {
                    format!("move {amount} a day from {f} to {t}: {gain} expected")
                }
                (Some(f), None) => format!("cut {f} by {amount} a day: {gain} expected"),
                (None, Some(t)) => format!("raise {t} by {amount} a day: {gain} expected"),
                (None, None) => String::new(),
            };
            HealthActionView {
                from: a.from.as_deref().and_then(Channel::parse),
                to: a.to.as_deref().and_then(Channel::parse),
                amount_minor,
                expected_gain: a.expected_gain,
                description,
            }
        })
        .collect()
}

fn history_of(
    channels: &[Channel],
    series: &planning::ChannelSeries,
    money: Money,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Vec<DailyMetrics>> {
    channels
        .iter()
        .map(|c| {
            let days = series.get(c);
            from.iter_days()
                .take_while(|d| *d <= to)
                .map(|d| {
                    let day = days.and_then(|s| s.get(&d)).copied().unwrap_or_default();
                    DailyMetrics {
                        spend: money.to_cents(day.spend_minor),
                        revenue: money.major(day.revenue_minor),
                        conversions: day.conversions,
                    }
                })
                .collect()
        })
        .collect()
}

/// Runs a plan job: makes the plan and its reading of the index, and stores both.
#[tracing::instrument(skip_all, fields(tenant_id = %job.tenant_id, job_id = %job.job_id))]
pub async fn run(db: &Db, job: &RunOptimization) -> Result<PlanSummary, AppError> {
    let scope = TenantScope::trusted_for_job(job.tenant_id, "plan");
    let Some(ctx) = context(db, &scope).await? else {
        return Ok(PlanSummary {
            plan_id: None,
            score: None,
            note: Some("no active model yet".to_owned()),
        });
    };
    jobs::progress(db, job.job_id, 10).await?;
    let money = Money::of(&ctx.model.currency);
    let settings = models::settings_of(db, &scope).await?;
    let rules: Vec<ScalingRule> = ctx
        .goal
        .constraints
        .scaling_rules
        .iter()
        .map(rule_of)
        .collect();
    let history = match (
        rules
            .iter()
            .map(|r| r.window)
            .map(|w| match w {
                Window::Total(d) | Window::EachDay(d) => d,
            })
            .max(),
        ctx.spend.as_of,
    ) {
        (Some(days), Some(last)) => {
            let from = last - chrono::Duration::days(i64::from(days) - 1);
            let series =
                planning::channel_series(db, &scope, &ctx.model.currency, from, last).await?;
            history_of(&ctx.question.channels, &series, money, from, last)
        }
        _ => vec![Vec::new(); ctx.question.channels.len()],
    };
    let seed = u64::from(ctx.model.version) * 1_000 + u64::from(ctx.goal_version.unwrap_or(0));
    let share = ctx.goal.constraints.exploration_share;
    let bands = HealthBands {
        green: settings.green,
        yellow: settings.yellow,
    };
    let q = ctx.question.clone();
    let decided = planning::blocking(move || decide(&q, &rules, &history, share, seed, bands))
        .await?
        .map_err(|e| planning::engine_error("plan", e))?;
    jobs::progress(db, job.job_id, 80).await?;

    let currency = ctx.model.currency.clone();
    let problem = &ctx.question.problem;
    let mut channels = Vec::new();
    let mut campaigns = Vec::new();
    let (mut current_outcome, mut expected_outcome) = (0.0, 0.0);
    for (i, channel) in ctx.question.channels.iter().enumerate() {
        let item = &problem.items[i];
        let current_cents = item.current.unwrap_or(0);
        let planned_cents = decided.allocation[i];
        let current_minor = ctx
            .spend
            .channels
            .iter()
            .find(|c| c.channel == *channel)
            .map_or(0, |c| c.spend_minor);
        let planned_minor = money.minor_of_cents(planned_cents);
        let out = item.curve.value(major_from_cents(planned_cents));
        current_outcome += item.curve.value(major_from_cents(current_cents));
        expected_outcome += out;
        let held_by = decided.exploit.items[i]
            .binding
            .as_ref()
            .and_then(|b| b.constraint)
            .map(|c| planning::describe(problem, c, &currency));
        channels.push(PlannedChannel {
            channel: *channel,
            current_minor,
            planned_minor,
            change_minor: planned_minor - current_minor,
            expected_outcome: out,
            marginal_return: item.curve.derivative(major_from_cents(planned_cents)),
            held_by,
        });
        let members: Vec<&CampaignSpend> = ctx
            .spend
            .campaigns
            .iter()
            .filter(|k| k.channel == *channel)
            .collect();
        let amounts = split(planned_minor, &split_inputs(&ctx.goal, &members));
        for (k, amount) in members.iter().zip(amounts) {
            campaigns.push(PlannedCampaign {
                campaign_id: k.campaign_id,
                name: k.name.clone(),
                channel: k.channel,
                current_minor: k.current_minor,
                planned_minor: amount,
            });
        }
    }
    let mut notes = ctx.question.notes.clone();
    notes.extend(decided.notes.iter().cloned());
    let plan_id = PlanId::new();
    let created = now();
    let view = PlanView {
        id: plan_id,
        trigger: job.trigger,
        model_id: ctx.model.id,
        model_version: ctx.model.version,
        goal_id: ctx.goal_id,
        goal_version: ctx.goal_version,
        objective: ctx.goal.objective,
        currency: currency.clone(),
        current_spend_minor: ctx.spend.channels.iter().map(|c| c.spend_minor).sum(),
        planned_spend_minor: channels.iter().map(|c| c.planned_minor).sum(),
        current_outcome,
        expected_outcome,
        expected_gain: expected_outcome - current_outcome,
        channels,
        campaigns,
        binding: decided
            .exploit
            .binding
            .iter()
            .map(|b| BindingView {
                description: planning::describe(problem, b.constraint, &currency),
                value_per_unit: b.value_per_unit,
            })
            .collect(),
        exploration_minor: money.minor_of_cents(decided.exploration_cents),
        rules: decided.rules.clone(),
        notes,
        spend: ctx.spend.clone(),
        job_id: Some(job.job_id),
        created_at: utc(created),
    };
    let inputs = PlanInputs {
        model_version: ctx.model.version,
        goal: ctx.goal.clone(),
        goal_version: ctx.goal_version,
        spend: ctx.spend.clone(),
        seed,
    };
    let report = &decided.health;
    let health_id = HealthScoreId::new();
    let actions = actions(report, ctx.model.outcome, money, &currency);
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    plans::ActiveModel {
        id: Set(plan_id.as_uuid()),
        tenant_id: Set(scope.tenant_id().as_uuid()),
        model_version_id: Set(ctx.model.id.as_uuid()),
        goal_id: Set(ctx.goal_id.map(|g| g.as_uuid())),
        currency: Set(currency.clone()),
        trigger: Set(job.trigger),
        current_spend_minor: Set(view.current_spend_minor),
        planned_spend_minor: Set(view.planned_spend_minor),
        current_outcome: Set(view.current_outcome),
        expected_outcome: Set(view.expected_outcome),
        expected_gain: Set(view.expected_gain),
        inputs: Set(serde_json::to_value(&inputs).map_err(AppError::internal)?),
        body: Set(serde_json::to_value(&view).map_err(AppError::internal)?),
        job_id: Set(Some(job.job_id.as_uuid())),
        created_at: Set(created),
    }
    .insert(&txn)
    .await
    .ctx("storing a plan")?;
    health_scores::ActiveModel {
        id: Set(health_id.as_uuid()),
        tenant_id: Set(scope.tenant_id().as_uuid()),
        plan_id: Set(Some(plan_id.as_uuid())),
        score: Set(report.score),
        band: Set(band(report.band)),
        green: Set(settings.green),
        yellow: Set(settings.yellow),
        current_value: Set(report.current_value),
        optimal_value: Set(report.optimal_value),
        currency: Set(currency),
        actions: Set(serde_json::to_value(&actions).map_err(AppError::internal)?),
        created_at: Set(created),
    }
    .insert(&txn)
    .await
    .ctx("storing a health reading")?;
    txn.commit().await.ctx("committing a plan")?;
    Ok(PlanSummary {
        plan_id: Some(plan_id),
        score: Some(report.score),
        note: None,
    })
}

fn plan_view(m: plans::Model) -> Result<PlanView, AppError> {
    serde_json::from_value(m.body)
        .map_err(|e| AppError::internal(anyhow::anyhow!("a stored plan does not read: {e}")))
}

/// The newest plan.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn latest(db: &Db, scope: &TenantScope) -> Result<PlanView, AppError> {
    scope.require(Permission::View)?;
    plans::Entity::find()
        .filter(plans::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(plans::Column::CreatedAt)
        .one(db.conn())
        .await
        .ctx("reading the latest plan")?
        .ok_or_else(|| AppError::not_found("plan"))
        .and_then(plan_view)
}

/// The newest plans, newest first (at most 50).
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list(db: &Db, scope: &TenantScope) -> Result<Vec<PlanView>, AppError> {
    scope.require(Permission::View)?;
    plans::Entity::find()
        .filter(plans::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(plans::Column::CreatedAt)
        .limit(50)
        .all(db.conn())
        .await
        .ctx("reading plans")?
        .into_iter()
        .map(plan_view)
        .collect()
}

/// One plan.
pub async fn get(db: &Db, scope: &TenantScope, id: PlanId) -> Result<PlanView, AppError> {
    scope.require(Permission::View)?;
    plans::Entity::find_by_id(id.as_uuid())
        .filter(plans::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .one(db.conn())
        .await
        .ctx("reading a plan")?
        .ok_or_else(|| AppError::not_found("plan"))
        .and_then(plan_view)
}

fn health_view(m: health_scores::Model) -> Result<HealthView, AppError> {
    Ok(HealthView {
        id: HealthScoreId::from_uuid(m.id),
        plan_id: m.plan_id.map(PlanId::from_uuid),
        score: m.score,
        band: m.band,
        green: m.green,
        yellow: m.yellow,
        current_value: m.current_value,
        optimal_value: m.optimal_value,
        currency: m.currency,
        actions: serde_json::from_value(m.actions).map_err(AppError::internal)?,
        created_at: utc(m.created_at),
    })
}

/// The index's latest reading.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn health(db: &Db, scope: &TenantScope) -> Result<HealthView, AppError> {
    scope.require(Permission::View)?;
    health_scores::Entity::find()
        .filter(health_scores::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(health_scores::Column::CreatedAt)
        .one(db.conn())
        .await
        .ctx("reading the health index")?
        .ok_or_else(|| AppError::not_found("health reading"))
        .and_then(health_view)
}

/// The index over the last `days` days, oldest first.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn health_history(
    db: &Db,
    scope: &TenantScope,
    days: u32,
) -> Result<Vec<HealthView>, AppError> {
    scope.require(Permission::View)?;
    let since = now() - chrono::Duration::days(i64::from(days.clamp(1, 730)));
    health_scores::Entity::find()
        .filter(health_scores::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(health_scores::Column::CreatedAt.gte(since))
        .order_by_asc(health_scores::Column::CreatedAt)
        .all(db.conn())
        .await
        .ctx("reading the health history")?
        .into_iter()
        .map(health_view)
        .collect()
}

/// Scenarios are planning work: the `plan` permission (see `authz`).
async fn scenario_context(db: &Db, scope: &TenantScope) -> Result<Context, AppError> {
    scope.require(Permission::Plan)?;
    context(db, scope)
        .await?
        .ok_or_else(|| AppError::not_found("active model"))
}

/// The efficient frontier around the goal's budget.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn budget_scenario(
    db: &Db,
    scope: &TenantScope,
    req: BudgetScenarioRequest,
) -> Result<FrontierView, AppError> {
    if !(req.from_pct.is_finite() && (-100.0..=1000.0).contains(&req.from_pct)) {
        return Err(AppError::validation(
            "from_pct",
            "must be between -100 and 1000",
        ));
    }
    if !(req.to_pct.is_finite() && (req.from_pct..=1000.0).contains(&req.to_pct)) {
        return Err(AppError::validation(
            "to_pct",
            "must be at least from_pct and at most 1000",
        ));
    }
    if !(2..=41).contains(&req.steps) {
        return Err(AppError::validation("steps", "must be between 2 and 41"));
    }
    let ctx = scenario_context(db, scope).await?;
    let money = Money::of(&ctx.model.currency);
    let base_cents = ctx.question.problem.constraints.budget.amount;
    let g = ctx.question.problem.constraints.granularity.max(1);
    let pcts: Vec<f64> = (0..req.steps)
        .map(|k| {
            req.from_pct + (req.to_pct - req.from_pct) * f64::from(k) / f64::from(req.steps - 1)
        })
        .collect();
    let budgets: Vec<i64> = pcts
        .iter()
        .map(|p| ((base_cents as f64 * (1.0 + p / 100.0)).round() as i64).max(0) / g * g)
        .collect();
    let problem = ctx.question.problem.clone();
    let b = budgets.clone();
    let points = planning::blocking(move || {
        engine::optimize::scenario::budget_sweep(&problem, &b, &OptimizeOptions::default())
    })
    .await?
    .map_err(|e| planning::engine_error("scenario", e))?;
    use engine::optimize::scenario::FrontierResult;
    Ok(FrontierView {
        currency: ctx.model.currency.clone(),
        base_budget_minor: money.minor_of_cents(base_cents),
        points: points
            .into_iter()
            .zip(pcts)
            .map(|(p, pct)| match p.result {
                FrontierResult::Planned {
                    spend,
                    expected_outcome,
                    average_return,
                    marginal_return,
                    ..
                } => FrontierPointView {
                    budget_minor: money.minor_of_cents(p.budget),
                    change_pct: pct,
                    planned_spend_minor: Some(money.minor_of_cents(spend)),
                    expected_outcome: Some(expected_outcome),
                    average_return: Some(average_return),
                    marginal_return: Some(marginal_return),
                    conflicting: Vec::new(),
                },
                FrontierResult::Infeasible { conflicting } => FrontierPointView {
                    budget_minor: money.minor_of_cents(p.budget),
                    change_pct: pct,
                    planned_spend_minor: None,
                    expected_outcome: None,
                    average_return: None,
                    marginal_return: None,
                    conflicting,
                },
            })
            .collect(),
    })
}

/// The constraints of the plan question, named, for constraint scenarios.
pub async fn constraints(db: &Db, scope: &TenantScope) -> Result<Vec<ConstraintView>, AppError> {
    let ctx = scenario_context(db, scope).await?;
    let p = &ctx.question.problem;
    Ok(p.constraint_refs()
        .into_iter()
        .map(|c| ConstraintView {
            key: planning::key_of(c),
            description: planning::describe(p, c, &ctx.model.currency),
        })
        .collect())
}

/// What relaxing, tightening or dropping one constraint does.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn constraint_scenario(
    db: &Db,
    scope: &TenantScope,
    req: ConstraintScenarioRequest,
) -> Result<ConstraintScenarioView, AppError> {
    if let Some(f) = req.factor
        && !(f.is_finite() && (0.0..=100.0).contains(&f))
    {
        return Err(AppError::validation("factor", "must be between 0 and 100"));
    }
    let ctx = scenario_context(db, scope).await?;
    let problem: Problem = ctx.question.problem.clone();
    let c = planning::ref_of(req.key);
    if !problem.constraint_refs().contains(&c) {
        return Err(AppError::validation(
            "key",
            "no such constraint in the plan question; GET .../scenarios/constraints lists them",
        ));
    }
    let adj = req.factor.map_or(Adjustment::Remove, Adjustment::Scale);
    let currency = ctx.model.currency.clone();
    let description = planning::describe(&problem, c, &currency);
    let p = problem.clone();
    let result = planning::blocking(move || {
        engine::optimize::scenario::constraint_scenarios(
            &p,
            &[(c, adj)],
            &OptimizeOptions::default(),
        )
    })
    .await?
    .map_err(|e| planning::engine_error("scenario", e))?;
    let s = result
        .into_iter()
        .next()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a scenario came back empty")))?;
    Ok(ConstraintScenarioView {
        key: req.key,
        description,
        base_objective: s.base_objective,
        objective: s.objective,
        difference: s.difference,
        conflicting: s.conflicting,
    })
}

/// The same question under each objective.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn objectives_scenario(
    db: &Db,
    scope: &TenantScope,
    req: ObjectivesScenarioRequest,
) -> Result<Vec<ObjectiveScenarioView>, AppError> {
    if req.objectives.is_empty() || req.objectives.len() > 6 {
        return Err(AppError::validation("objectives", "name 1 to 6 objectives"));
    }
    let ctx = scenario_context(db, scope).await?;
    let money = Money::of(&ctx.model.currency);
    for (i, o) in req.objectives.iter().enumerate() {
        if o.outcome() != ctx.model.outcome {
            return Err(AppError::validation(
                &format!("objectives[{i}]"),
                format!(
                    "the active model measures {:?}; this objective needs {:?}",
                    ctx.model.outcome,
                    o.outcome()
                ),
            ));
        }
    }
    let objectives: Vec<engine::optimize::Objective> = req
        .objectives
        .iter()
        .map(|o| planning::objective(o, money))
        .collect();
    let problem = ctx.question.problem.clone();
    let result = planning::blocking(move || {
        engine::optimize::scenario::compare_objectives(
            &problem,
            &objectives,
            &OptimizeOptions::default(),
        )
    })
    .await?
    .map_err(|e| planning::engine_error("objectives", e))?;
    Ok(result
        .into_iter()
        .zip(&req.objectives)
        .map(|(r, o)| ObjectiveScenarioView {
            objective: *o,
            planned_spend_minor: money.minor_of_cents(r.spend),
            expected_outcome: r.expected_outcome,
            average_return: r.average_return,
            objective_value: r.objective_value,
            allocation: ctx
                .question
                .channels
                .iter()
                .zip(&r.allocation)
                .map(|(c, a)| crate::dto::plans::ChannelSpend {
                    channel: *c,
                    spend_minor: money.minor_of_cents(*a),
                })
                .collect(),
        })
        .collect())
}

/// Every client of the agency at a glance: index and band, model status, last sync and the
/// latest plan's expected gain.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn portfolio(db: &Db, scope: &TenantScope) -> Result<Vec<PortfolioRow>, AppError> {
    scope.require(Permission::View)?;
    // The agency's own clients only: list_clients reads children of the scope's workspace.
    let clients = crate::services::workspaces::list_clients(db, scope).await?;
    let mut rows = Vec::with_capacity(clients.len());
    for c in clients {
        let tenant = c.id.as_uuid();
        let health = health_scores::Entity::find()
            .filter(health_scores::Column::TenantId.eq(tenant))
            .order_by_desc(health_scores::Column::CreatedAt)
            .one(db.conn())
            .await
            .ctx("reading a client's index")?;
        let model = model_versions::Entity::find()
            .filter(model_versions::Column::TenantId.eq(tenant))
            .order_by_desc(model_versions::Column::Version)
            .one(db.conn())
            .await
            .ctx("reading a client's model")?;
        let plan = plans::Entity::find()
            .filter(plans::Column::TenantId.eq(tenant))
            .order_by_desc(plans::Column::CreatedAt)
            .one(db.conn())
            .await
            .ctx("reading a client's plan")?;
        let last_sync = connections::Entity::find()
            .filter(connections::Column::TenantId.eq(tenant))
            .all(db.conn())
            .await
            .ctx("reading a client's connections")?
            .into_iter()
            .filter_map(|c| c.last_sync_at)
            .max();
        rows.push(PortfolioRow {
            workspace_id: TenantId::from_uuid(tenant),
            name: c.name,
            score: health.as_ref().map(|h| h.score),
            band: health.as_ref().map(|h| h.band),
            model_status: model.map(|m| m.status),
            last_sync_at: last_sync.map(utc),
            expected_gain: plan.as_ref().map(|p| p.expected_gain),
            currency: plan.map(|p| p.currency),
        });
    }
    Ok(rows)
}

/// Workspaces with an active model and no plan since their latest day of data arrived (or in
/// the last day): a plan for each. Returns how many were started.
pub async fn schedule_due(db: &Db, queue: &dyn JobQueue) -> Result<usize, AppError> {
    let tenants: Vec<uuid::Uuid> = model_versions::Entity::find()
        .select_only()
        .column(model_versions::Column::TenantId)
        .filter(model_versions::Column::Status.eq(crate::dto::models::ModelStatus::Active))
        .into_tuple()
        .all(db.conn())
        .await
        .ctx("reading workspaces with a model")?;
    let mut started = 0;
    for tenant in tenants {
        let scope = TenantScope::trusted_for_job(TenantId::from_uuid(tenant), "daily plan");
        let last_plan = plans::Entity::find()
            .filter(plans::Column::TenantId.eq(tenant))
            .order_by_desc(plans::Column::CreatedAt)
            .one(db.conn())
            .await
            .ctx("reading the latest plan")?;
        let stale =
            last_plan.is_none_or(|p| utc(p.created_at) + chrono::Duration::days(1) <= Utc::now());
        if stale
            && models::pending_job(db, &scope, JobKind::RunOptimization)
                .await?
                .is_none()
        {
            enqueue(db, queue, &scope, Trigger::Schedule).await?;
            started += 1;
        }
    }
    Ok(started)
}

/// After a sync: a plan when the workspace has an active model and a day of data newer than
/// its latest plan saw (and no plan is pending). Used by the sync job.
pub async fn after_new_data(
    db: &Db,
    queue: &dyn JobQueue,
    tenant: TenantId,
) -> Result<bool, AppError> {
    let scope = TenantScope::trusted_for_job(tenant, "plan after new data");
    let Some(model) = models::active(db, &scope).await? else {
        return Ok(false);
    };
    let Some((currency, last)) = planning::main_currency(db, &scope).await? else {
        return Ok(false);
    };
    if currency != model.currency {
        return Ok(false);
    }
    let seen = plans::Entity::find()
        .filter(plans::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_desc(plans::Column::CreatedAt)
        .one(db.conn())
        .await
        .ctx("reading the latest plan")?
        .map(plan_view)
        .transpose()?
        .and_then(|p| p.spend.as_of);
    if seen.is_some_and(|d| d >= last) {
        return Ok(false);
    }
    enqueue(db, queue, &scope, Trigger::NewData).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::{SplitInput, split};

    fn c(current: i64, lower: i64, upper: Option<i64>) -> SplitInput {
        SplitInput {
            current,
            owns_budget: true,
            locked: false,
            lower,
            upper,
        }
    }

    #[test]
    fn a_channel_splits_in_proportion_to_todays_budgets_to_the_minor_unit() {
        let out = split(1_000, &[c(100, 0, None), c(300, 0, None)]);
        assert_eq!(out, vec![250, 750]);
        let out = split(1_001, &[c(100, 0, None), c(100, 0, None), c(100, 0, None)]);
        assert_eq!(out.iter().sum::<i64>(), 1_001);
    }

    #[test]
    fn platform_minimums_maximums_locks_and_unowned_budgets_hold() {
        let locked = SplitInput {
            locked: true,
            ..c(200, 0, None)
        };
        let unowned = SplitInput {
            owns_budget: false,
            ..c(50, 0, None)
        };
        let out = split(
            1_000,
            &[
                c(10, 100, None),
                c(500, 0, Some(400)),
                c(490, 0, None),
                locked,
                unowned,
            ],
        );
        assert_eq!(out[3], 200, "locked keeps today's budget");
        assert_eq!(out[4], 50, "a campaign without a budget keeps its spend");
        assert!(out[0] >= 100, "platform minimum: {out:?}");
        assert!(out[1] <= 400, "maximum: {out:?}");
        assert_eq!(out.iter().sum::<i64>(), 1_000, "{out:?}");
    }
}
