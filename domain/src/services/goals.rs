//! A workspace's goal, versioned: every save is a new version (the newest is in force) and an
//! audit entry. A goal is parsed before it is saved: numbers in range, channels and campaigns
//! that exist, and constraints that can all hold together against today's spend. An infeasible
//! goal is refused with the engine's conflicting constraints in words, and nothing is saved.
//! Saving a goal makes a new plan when the workspace has an active model (and refits first
//! when the goal measures a different outcome than the model).

use std::collections::HashSet;

use engine::optimize::{CurveParams, Item, OptimizeOptions, ResponseCurve, optimize};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait as _,
};

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::goals::{
    Bound, GoalBudget, GoalConstraints, GoalRequest, GoalView, GroupLimit, Objective, ObjectiveKind,
};
use crate::entities::{campaigns, goals};
use crate::error::AppError;
use crate::ids::GoalId;
use crate::jobs::Trigger;
use crate::scope::TenantScope;
use crate::services::audit::{self, Change};
use crate::services::planning;
use crate::services::{DbContext as _, Services, models, now, plans, utc};

fn view(m: goals::Model) -> Result<GoalView, AppError> {
    let corrupt = |what: &str| AppError::internal(anyhow::anyhow!("goal {}: no {what}", m.id));
    let objective = match m.objective {
        ObjectiveKind::Revenue => Objective::Revenue,
        ObjectiveKind::Conversions => Objective::Conversions,
        ObjectiveKind::Profit => Objective::Profit {
            margin: m.margin.ok_or_else(|| corrupt("margin"))?,
        },
        ObjectiveKind::TargetRoas => Objective::TargetRoas {
            target: m.target_roas.ok_or_else(|| corrupt("target ROAS"))?,
        },
        ObjectiveKind::TargetCpa => Objective::TargetCpa {
            target_minor: m.target_cpa_minor.ok_or_else(|| corrupt("target CPA"))?,
        },
    };
    Ok(GoalView {
        id: GoalId::from_uuid(m.id),
        version: u32::try_from(m.version).unwrap_or(0),
        objective,
        budget: GoalBudget {
            amount_minor: m.budget_minor,
            currency: m.currency,
            period: m.budget_period,
            limit: m.budget_limit,
        },
        constraints: serde_json::from_value(m.constraints).map_err(AppError::internal)?,
        created_by: m.created_by,
        created_at: utc(m.created_at),
    })
}

impl GoalView {
    /// The goal as a request (what plans are made from).
    pub fn request(&self) -> GoalRequest {
        GoalRequest {
            objective: self.objective,
            budget: self.budget.clone(),
            constraints: self.constraints.clone(),
        }
    }
}

/// The goal in force, if one was ever saved.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn current(db: &Db, scope: &TenantScope) -> Result<Option<GoalView>, AppError> {
    scope.require(Permission::View)?;
    goals::Entity::find()
        .filter(goals::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(goals::Column::Version)
        .one(db.conn())
        .await
        .ctx("reading the goal")?
        .map(view)
        .transpose()
}

/// Every version of the goal, newest first.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn versions(db: &Db, scope: &TenantScope) -> Result<Vec<GoalView>, AppError> {
    scope.require(Permission::View)?;
    goals::Entity::find()
        .filter(goals::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(goals::Column::Version)
        .all(db.conn())
        .await
        .ctx("reading the goal's versions")?
        .into_iter()
        .map(view)
        .collect()
}

fn finite_in(field: &str, v: f64, lo: f64, hi: f64, what: &str) -> Result<(), AppError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(AppError::validation(field, format!("{what}; got {v}")))
    }
}

fn check_bound(field: &str, b: &Bound) -> Result<(), AppError> {
    match *b {
        Bound::Money { amount_minor, .. } if amount_minor < 0 => Err(AppError::validation(
            &format!("{field}.amount_minor"),
            "must be zero or more",
        )),
        Bound::RelativeToCurrent { factor } => finite_in(
            &format!("{field}.factor"),
            factor,
            0.0,
            100.0,
            "must be a multiple of today's spend between 0 and 100",
        ),
        _ => Ok(()),
    }
}

fn check_limit(field: &str, l: &GroupLimit) -> Result<(), AppError> {
    match *l {
        GroupLimit::Money { amount_minor, .. } if amount_minor < 0 => Err(AppError::validation(
            &format!("{field}.amount_minor"),
            "must be zero or more",
        )),
        GroupLimit::Share { share } => finite_in(
            &format!("{field}.share"),
            share,
            0.0,
            1.0,
            "must be a share between 0 and 1",
        ),
        _ => Ok(()),
    }
}

fn min_above_max(min: Option<(i64, f64)>, max: Option<(i64, f64)>) -> bool {
    matches!((min, max), (Some((a, pa)), Some((b, pb))) if a as f64 / pa > b as f64 / pb)
}

/// Checks everything that does not need the database.
fn check(req: &GoalRequest) -> Result<(), AppError> {
    match req.objective {
        Objective::Profit { margin } => finite_in(
            "objective.margin",
            margin,
            f64::MIN_POSITIVE,
            1.0,
            "must be a share of revenue above 0 and at most 1",
        )?,
        Objective::TargetRoas { target } => finite_in(
            "objective.target",
            target,
            f64::MIN_POSITIVE,
            1e6,
            "must be a revenue per unit of spend above 0",
        )?,
        Objective::TargetCpa { target_minor } if target_minor <= 0 => {
            return Err(AppError::validation(
                "objective.target_minor",
                "must be a cost per conversion above 0, in minor units",
            ));
        }
        _ => {}
    }
    let b = &req.budget;
    if b.amount_minor <= 0 {
        return Err(AppError::validation(
            "budget.amount_minor",
            "must be above 0, in minor units of the currency",
        ));
    }
    if iso_currency::Currency::from_code(&b.currency).is_none() {
        return Err(AppError::validation(
            "budget.currency",
            format!(
                "{:?} is not an ISO 4217 code such as USD or EUR",
                b.currency
            ),
        ));
    }
    let c: &GoalConstraints = &req.constraints;
    finite_in(
        "constraints.max_change_per_day",
        c.max_change_per_day,
        0.0,
        10.0,
        "must be a share of today's spend between 0 and 10 (0.15 = ±15%)",
    )?;
    finite_in(
        "constraints.exploration_share",
        c.exploration_share,
        0.0,
        0.5,
        "must be a share of the budget between 0 and 0.5 (0.12 = 12%)",
    )?;
    let mut seen = HashSet::new();
    for (i, r) in c.channels.iter().enumerate() {
        let field = format!("constraints.channels[{i}]");
        if !seen.insert(r.channel) {
            return Err(AppError::validation(
                &format!("{field}.channel"),
                format!(
                    "{} has a rule already; one rule per channel",
                    r.channel.as_str()
                ),
            ));
        }
        for (side, bound) in [("min", &r.min), ("max", &r.max)] {
            if let Some(bound) = bound {
                check_bound(&format!("{field}.{side}"), bound)?;
            }
        }
        let money = |b: &Option<Bound>| match b {
            Some(Bound::Money {
                amount_minor,
                period,
            }) => Some((*amount_minor, period.days())),
            _ => None,
        };
        if min_above_max(money(&r.min), money(&r.max)) {
            return Err(AppError::validation(
                &format!("{field}.min"),
                "is above the maximum",
            ));
        }
    }
    let mut seen = HashSet::new();
    for (i, r) in c.campaigns.iter().enumerate() {
        let field = format!("constraints.campaigns[{i}]");
        if !seen.insert(r.campaign_id) {
            return Err(AppError::validation(
                &format!("{field}.campaign_id"),
                "this campaign has a rule already; one rule per campaign",
            ));
        }
        for (side, bound) in [("min", &r.min), ("max", &r.max)] {
            if let Some(bound) = bound {
                check_bound(&format!("{field}.{side}"), bound)?;
            }
        }
    }
    for (g, group) in c.groups.iter().enumerate() {
        let field = format!("constraints.groups[{g}]");
        if group.name.trim().is_empty() {
            return Err(AppError::validation(
                &format!("{field}.name"),
                "a group needs a name, such as \"brand\"",
            ));
        }
        if group.channels.is_empty() {
            return Err(AppError::validation(
                &format!("{field}.channels"),
                "a group needs at least one channel",
            ));
        }
        if group.min.is_none() && group.max.is_none() {
            return Err(AppError::validation(
                &field,
                "a group needs a minimum, a maximum or both",
            ));
        }
        for (side, limit) in [("min", &group.min), ("max", &group.max)] {
            if let Some(limit) = limit {
                check_limit(&format!("{field}.{side}"), limit)?;
            }
        }
    }
    for (i, r) in c.scaling_rules.iter().enumerate() {
        let field = format!("constraints.scaling_rules[{i}]");
        if r.name.trim().is_empty() {
            return Err(AppError::validation(
                &format!("{field}.name"),
                "a rule needs a name",
            ));
        }
        if !(1..=90).contains(&r.days) {
            return Err(AppError::validation(
                &format!("{field}.days"),
                "must be between 1 and 90",
            ));
        }
        finite_in(
            &format!("{field}.threshold"),
            r.threshold,
            0.0,
            f64::MAX,
            "must be a finite number, zero or more",
        )?;
        finite_in(
            &format!("{field}.change"),
            r.change,
            -0.99,
            10.0,
            "must be a relative change between -0.99 and 10 (0.15 = +15%)",
        )?;
    }
    Ok(())
}

/// Saves a new version of the goal (owner, admin, strategist), after checking it against the
/// workspace's data; makes a plan with it when there is an active model.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn save(
    services: &Services,
    scope: &TenantScope,
    req: GoalRequest,
) -> Result<GoalView, AppError> {
    scope.require(Permission::Plan)?;
    check(&req)?;
    let db = &services.db;
    let tenant = scope.tenant_id().as_uuid();
    // Campaigns named must be this workspace's.
    for (i, r) in req.constraints.campaigns.iter().enumerate() {
        let found = campaigns::Entity::find_by_id(r.campaign_id.as_uuid())
            .filter(campaigns::Column::TenantId.eq(tenant))
            .one(db.conn())
            .await
            .ctx("reading a campaign")?;
        if found.is_none() {
            return Err(AppError::validation(
                &format!("constraints.campaigns[{i}].campaign_id"),
                "no such campaign in this workspace",
            ));
        }
    }
    let active = models::active(db, scope).await?;
    if let Some((currency, _)) = planning::main_currency(db, scope).await? {
        if currency != req.budget.currency {
            return Err(AppError::validation(
                "budget.currency",
                format!(
                    "the workspace's ad data is in {currency}; a goal in {} cannot be planned",
                    req.budget.currency
                ),
            ));
        }
        feasible(db, scope, &req, active.as_ref()).await?;
    }

    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    let previous = goals::Entity::find()
        .filter(goals::Column::TenantId.eq(tenant))
        .order_by_desc(goals::Column::Version)
        .one(&txn)
        .await
        .ctx("reading the goal")?;
    let version = previous.as_ref().map_or(1, |g| g.version + 1);
    let (margin, target_roas, target_cpa) = match req.objective {
        Objective::Profit { margin } => (Some(margin), None, None),
        Objective::TargetRoas { target } => (None, Some(target), None),
        Objective::TargetCpa { target_minor } => (None, None, Some(target_minor)),
        _ => (None, None, None),
    };
    let id = GoalId::new();
    let row = goals::ActiveModel {
        id: Set(id.as_uuid()),
        tenant_id: Set(tenant),
        version: Set(version),
        objective: Set(req.objective.kind()),
        margin: Set(margin),
        target_roas: Set(target_roas),
        target_cpa_minor: Set(target_cpa),
        budget_minor: Set(req.budget.amount_minor),
        currency: Set(req.budget.currency.clone()),
        budget_period: Set(req.budget.period),
        budget_limit: Set(req.budget.limit),
        constraints: Set(serde_json::to_value(&req.constraints).map_err(AppError::internal)?),
        created_by: Set(scope.actor().label()),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await
    .ctx("saving a goal")?;
    let before = previous.map(view).transpose()?.map(|g| g.request());
    let mut change = Change::new("goal.saved", "goal", id).after(req);
    if let Some(before) = before {
        change = change.before(before);
    }
    audit::record(&txn, scope, change).await?;
    txn.commit().await.ctx("committing a goal")?;
    let saved = view(row)?;

    if let Some(model) = active {
        if model.outcome != saved.objective.outcome() {
            models::start_fit(services, scope, Trigger::GoalChange).await?;
        } else {
            plans::start(services, scope, Trigger::GoalChange).await?;
        }
    }
    Ok(saved)
}

/// Refuses a goal whose constraints cannot all hold against today's spend. With an active
/// model the check runs on its curves; without one, on placeholder curves (feasibility does not
/// depend on the curves).
async fn feasible(
    db: &Db,
    scope: &TenantScope,
    req: &GoalRequest,
    active: Option<&models::ActiveModel>,
) -> Result<(), AppError> {
    let spend = planning::snapshot(db, scope, &req.budget.currency).await?;
    let items: Vec<(crate::dto::ad_data::Channel, Item)> = match active {
        Some(m) if m.currency == req.budget.currency => m.items()?,
        _ => {
            let params = CurveParams::logistic(1.0, 0.01)
                .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
            spend
                .channels
                .iter()
                .map(|c| {
                    (
                        c.channel,
                        Item {
                            id: c.channel.as_str().to_owned(),
                            curve: ResponseCurve::certain(params),
                            current: None,
                            platform_min: None,
                            secondary_curve: None,
                        },
                    )
                })
                .collect()
        }
    };
    if items.is_empty() {
        return Ok(());
    }
    for (i, r) in req.constraints.channels.iter().enumerate() {
        if !items.iter().any(|(c, _)| *c == r.channel) {
            return Err(AppError::validation(
                &format!("constraints.channels[{i}].channel"),
                format!(
                    "the workspace spends nothing on {} today; rules can name {}",
                    r.channel.as_str(),
                    items
                        .iter()
                        .map(|(c, _)| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let q = planning::question(items, req, &spend)?;
    let currency = spend.currency.clone();
    let outcome = planning::blocking(move || {
        let result = optimize(&q.problem, &OptimizeOptions::default());
        (result, q.problem)
    })
    .await?;
    match outcome {
        (Ok(_), _) => Ok(()),
        (Err(engine::EngineError::Infeasible { conflicting }), _) => {
            let words: Vec<String> = conflicting
                .iter()
                .map(|c| {
                    if currency == "USD" {
                        c.clone()
                    } else {
                        c.replace('$', &format!("{currency} "))
                    }
                })
                .collect();
            Err(AppError::validation(
                "constraints",
                format!(
                    "these constraints cannot all hold with today's spend: {}",
                    words.join("; ")
                ),
            )
            .with_details(serde_json::json!({ "conflicting": words })))
        }
        (Err(e), _) => Err(planning::engine_error("goal", e)),
    }
}
