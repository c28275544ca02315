//! What goals, models, plans and scenarios share: money between the database and the engine,
//! today's spend, the daily series a model is fitted on, and the optimizer's question built from
//! a model, a goal and today's spend.
//!
//! Invariants:
//! - Money in the database is minor units of its currency (the currency's own exponent). The
//!   engine's optimizer counts hundredths of a major unit ([`engine::optimize::Cents`]) and its
//!   curves take major units; [`Money`] converts both ways, exactly for two-decimal currencies
//!   and rounding half away from zero otherwise.
//! - One currency per model and per plan: rows in other currencies are left out.
//! - Engine calls are synchronous and can take seconds: they run through [`blocking`], on
//!   tokio's blocking pool, never on the async runtime's threads.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use engine::optimize::{
    Budget, BudgetMode, ChangeLimit, Constraints, GroupBound, GroupRule, Item, ItemBound, ItemRule,
    Problem,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::db::Db;
use crate::dto::ad_data::Channel;
use crate::dto::goals::{
    Bound, BudgetLimit, GoalConstraints, GoalRequest, GroupLimit, Objective, Period,
};
use crate::dto::plans::{CampaignSpend, ChannelSpend, ConstraintKey, SpendSnapshot};
use crate::entities::{ad_accounts, campaigns, connections, metrics_daily};
use crate::error::AppError;
use crate::ids::CampaignId;
use crate::scope::TenantScope;
use crate::services::DbContext as _;

/// Days of recent spend that stand for "today" when a campaign has no budget of its own.
const RECENT_DAYS: i64 = 7;

/// Money of one currency, between minor units and the engine's units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Money {
    pub exponent: u16,
}

impl Money {
    pub fn of(currency: &str) -> Self {
        Self {
            exponent: crate::services::kpis::currency_exponent(currency),
        }
    }

    fn scale(self) -> f64 {
        10f64.powi(i32::from(self.exponent))
    }

    /// Minor units to major units (for curves).
    pub fn major(self, minor: i64) -> f64 {
        minor as f64 / self.scale()
    }

    /// Minor units to the optimizer's hundredths of a major unit.
    pub fn to_cents(self, minor: i64) -> i64 {
        match self.exponent {
            2 => minor,
            e if e < 2 => minor * 10i64.pow(u32::from(2 - e)),
            e => (minor as f64 / 10f64.powi(i32::from(e) - 2)).round() as i64,
        }
    }

    /// The optimizer's hundredths of a major unit to minor units.
    pub fn minor_of_cents(self, cents: i64) -> i64 {
        match self.exponent {
            2 => cents,
            e if e < 2 => (cents as f64 / 10f64.powi(2 - i32::from(e))).round() as i64,
            e => cents * 10i64.pow(u32::from(e) - 2),
        }
    }

    /// The spend granularity in the optimizer's units: one minor unit (at least one cent).
    pub fn granularity(self) -> i64 {
        self.to_cents(1).max(1)
    }

    /// Minor units shown to people: `1,234.50 USD`.
    pub fn show(self, minor: i64, currency: &str) -> String {
        format!(
            "{:.*} {currency}",
            usize::from(self.exponent),
            self.major(minor)
        )
    }
}

/// Runs engine work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("engine work stopped: {e}")))
}

/// Maps an engine error: bad input names its field, infeasibility lists the conflicting
/// constraints in words (also as `details.conflicting`).
pub(crate) fn engine_error(field: &str, e: engine::EngineError) -> AppError {
    match e {
        engine::EngineError::InvalidInput { field: f, reason } => {
            AppError::validation(&format!("{field}: {f}"), reason)
        }
        engine::EngineError::Infeasible { conflicting } => AppError::validation(
            field,
            format!(
                "these constraints cannot all hold: {}",
                conflicting.join("; ")
            ),
        )
        .with_details(serde_json::json!({ "conflicting": conflicting })),
        engine::EngineError::NotConverged(m) => {
            AppError::internal(anyhow::anyhow!("the optimizer did not converge: {m}"))
        }
    }
}

/// The smallest daily budget a platform accepts, in major units (per campaign; Meta's is the
/// account's own, 1 in most currencies; TikTok's is 50 for a campaign budget).
fn platform_min_major(platform: &str) -> f64 {
    match platform {
        "sandbox" | "google_ads" | "meta" => 1.0,
        "tiktok" => 50.0,
        "linkedin" => 10.0,
        "microsoft_ads" => 0.05,
        _ => 0.0,
    }
}

/// One channel's day.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Day {
    pub spend_minor: i64,
    pub revenue_minor: i64,
    pub conversions: f64,
}

/// Each channel's days.
pub(crate) type ChannelSeries = BTreeMap<Channel, BTreeMap<NaiveDate, Day>>;

/// Daily totals per channel in one currency over `from..=to`.
pub(crate) async fn channel_series(
    db: &Db,
    scope: &TenantScope,
    currency: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ChannelSeries, AppError> {
    let rows = crate::services::kpis::channel_days(db, scope, from, to).await?;
    let mut out = ChannelSeries::new();
    for r in rows.into_iter().filter(|r| r.currency == currency) {
        let d = out.entry(r.channel).or_default().entry(r.date).or_default();
        d.spend_minor += r.spend_minor;
        d.revenue_minor += r.revenue_minor;
        d.conversions += r.conversions;
    }
    Ok(out)
}

/// The workspace's main currency (the one with the most spend) and its latest day with data.
pub(crate) async fn main_currency(
    db: &Db,
    scope: &TenantScope,
) -> Result<Option<(String, NaiveDate)>, AppError> {
    use sea_orm::sea_query::{Alias, Expr, Func};
    #[derive(Debug, sea_orm::FromQueryResult)]
    struct Row {
        currency: String,
        spend: i64,
        last: NaiveDate,
    }
    let rows = metrics_daily::Entity::find()
        .select_only()
        .column(metrics_daily::Column::Currency)
        .column_as(
            Expr::from(Func::cast_as(
                Func::sum(Expr::col(metrics_daily::Column::SpendMinor)),
                Alias::new("bigint"),
            )),
            "spend",
        )
        .column_as(
            Expr::from(Func::max(Expr::col(metrics_daily::Column::Date))),
            "last",
        )
        .filter(metrics_daily::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .group_by(metrics_daily::Column::Currency)
        .into_model::<Row>()
        .all(db.conn())
        .await
        .ctx("finding the main currency")?;
    Ok(rows
        .into_iter()
        .max_by_key(|r| (r.spend, r.currency.clone()))
        .map(|r| (r.currency, r.last)))
}

/// Today's spend per channel and campaign in `currency`: a campaign that owns a daily budget
/// counts its budget; any other campaign its mean spend over the last week of data.
pub(crate) async fn snapshot(
    db: &Db,
    scope: &TenantScope,
    currency: &str,
) -> Result<SpendSnapshot, AppError> {
    let tenant = scope.tenant_id().as_uuid();
    let money = Money::of(currency);
    let last: Option<NaiveDate> = metrics_daily::Entity::find()
        .select_only()
        .column_as(
            sea_orm::sea_query::Expr::from(sea_orm::sea_query::Func::max(
                sea_orm::sea_query::Expr::col(metrics_daily::Column::Date),
            )),
            "last",
        )
        .filter(metrics_daily::Column::TenantId.eq(tenant))
        .filter(metrics_daily::Column::Currency.eq(currency))
        .into_tuple::<Option<NaiveDate>>()
        .one(db.conn())
        .await
        .ctx("reading the latest day")?
        .flatten();
    let accounts: HashMap<uuid::Uuid, ad_accounts::Model> = ad_accounts::Entity::find()
        .filter(ad_accounts::Column::TenantId.eq(tenant))
        .all(db.conn())
        .await
        .ctx("reading ad accounts")?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let platforms: HashMap<uuid::Uuid, String> = connections::Entity::find()
        .filter(connections::Column::TenantId.eq(tenant))
        .all(db.conn())
        .await
        .ctx("reading connections")?
        .into_iter()
        .map(|c| (c.id, c.platform))
        .collect();
    let mut recent: HashMap<uuid::Uuid, i64> = HashMap::new();
    if let Some(last) = last {
        let from = last - chrono::Duration::days(RECENT_DAYS - 1);
        for m in metrics_daily::Entity::find()
            .filter(metrics_daily::Column::TenantId.eq(tenant))
            .filter(metrics_daily::Column::Currency.eq(currency))
            .filter(metrics_daily::Column::Date.between(from, last))
            .all(db.conn())
            .await
            .ctx("reading recent spend")?
        {
            *recent.entry(m.campaign_id).or_default() += m.spend_minor;
        }
    }
    let mut campaigns_out = Vec::new();
    for c in campaigns::Entity::find()
        .filter(campaigns::Column::TenantId.eq(tenant))
        .all(db.conn())
        .await
        .ctx("reading campaigns")?
    {
        let Some(account) = accounts.get(&c.ad_account_id) else {
            continue;
        };
        if account.currency != currency {
            continue;
        }
        let paused = c.status.as_deref().is_some_and(|s| {
            matches!(
                s.to_ascii_uppercase().as_str(),
                "PAUSED" | "REMOVED" | "DELETED" | "ARCHIVED"
            )
        });
        let recent_daily = recent.get(&c.id).copied().unwrap_or(0) / RECENT_DAYS;
        let owns_budget = c.budget_owner != "none" && c.daily_budget_minor.is_some() && !paused;
        let current = if owns_budget {
            c.daily_budget_minor.unwrap_or(0)
        } else {
            recent_daily
        };
        if current <= 0 && !owns_budget {
            continue;
        }
        let platform = platforms
            .get(&account.connection_id)
            .cloned()
            .unwrap_or_else(|| "csv".to_owned());
        let min_minor = (platform_min_major(&platform) * money.scale()).round() as i64;
        campaigns_out.push(CampaignSpend {
            campaign_id: CampaignId::from_uuid(c.id),
            name: c.name,
            channel: Channel::parse(&c.channel).unwrap_or(Channel::Other),
            platform,
            current_minor: current,
            owns_budget,
            platform_min_minor: min_minor,
        });
    }
    campaigns_out.sort_by(|a, b| (a.channel, &a.name).cmp(&(b.channel, &b.name)));
    let mut channels: BTreeMap<Channel, i64> = BTreeMap::new();
    for c in &campaigns_out {
        *channels.entry(c.channel).or_default() += c.current_minor;
    }
    Ok(SpendSnapshot {
        as_of: last,
        currency: currency.to_owned(),
        channels: channels
            .into_iter()
            .map(|(channel, spend_minor)| ChannelSpend {
                channel,
                spend_minor,
            })
            .collect(),
        campaigns: campaigns_out,
    })
}

/// The optimizer's question, with what was left out of it in words.
#[derive(Clone, Debug)]
pub(crate) struct Question {
    pub problem: Problem,
    /// The channel of each item, in the problem's order.
    pub channels: Vec<Channel>,
    pub notes: Vec<String>,
}

fn item_bound(field: &str, b: &Bound, money: Money) -> Result<ItemBound, AppError> {
    match *b {
        Bound::Money {
            amount_minor,
            period,
        } => {
            if amount_minor < 0 {
                return Err(AppError::validation(field, "must be zero or more"));
            }
            let daily = (amount_minor as f64 / period.days()).round() as i64;
            Ok(ItemBound::Money(money.to_cents(daily)))
        }
        Bound::RelativeToCurrent { factor } => {
            if !(factor.is_finite() && factor >= 0.0) {
                return Err(AppError::validation(
                    field,
                    "factor must be a multiple of today's spend, zero or more",
                ));
            }
            Ok(ItemBound::RelativeToCurrent(factor))
        }
    }
}

fn campaign_bound(b: &Bound, current_minor: i64) -> i64 {
    match *b {
        Bound::Money {
            amount_minor,
            period,
        } => (amount_minor as f64 / period.days()).round() as i64,
        Bound::RelativeToCurrent { factor } => (current_minor as f64 * factor).round() as i64,
    }
}

/// The daily budget of a goal, in minor units.
pub(crate) fn daily_budget_minor(goal: &GoalRequest) -> i64 {
    (goal.budget.amount_minor as f64 / goal.budget.period.days()).round() as i64
}

/// The engine's objective for a goal.
pub(crate) fn objective(o: &Objective, money: Money) -> engine::optimize::Objective {
    use engine::optimize::Objective as E;
    match *o {
        Objective::Revenue | Objective::Conversions => E::Outcome,
        Objective::Profit { margin } => E::Profit { margin },
        Objective::TargetRoas { target } => E::TargetRoas { target },
        Objective::TargetCpa { target_minor } => E::TargetCpa {
            target: money.major(target_minor),
        },
    }
}

/// Builds the optimizer's question: one item per channel (`items`, with their curves), today's
/// spend from `spend`, and the goal's budget and constraints. Campaign rules reach the channel
/// as bounds (a channel spends at least its campaigns' minimums and locked budgets); the split
/// into campaigns applies them one by one.
pub(crate) fn question(
    mut items: Vec<(Channel, Item)>,
    goal: &GoalRequest,
    spend: &SpendSnapshot,
) -> Result<Question, AppError> {
    let money = Money::of(&spend.currency);
    let c = &goal.constraints;
    let mut notes = Vec::new();
    let current: HashMap<Channel, i64> = spend
        .channels
        .iter()
        .map(|s| (s.channel, s.spend_minor))
        .collect();
    let mut exempt = Vec::new();
    for (channel, item) in &mut items {
        let cur = current.get(channel).copied().unwrap_or(0);
        item.current = Some(money.to_cents(cur));
        let min: i64 = spend
            .campaigns
            .iter()
            .filter(|k| k.channel == *channel && k.owns_budget)
            .map(|k| k.platform_min_minor)
            .sum();
        item.platform_min = (cur > 0 && min > 0).then(|| money.to_cents(min));
        if cur == 0 {
            // Nothing to limit the change of: a channel that spends nothing today may start.
            exempt.push(item.id.clone());
        }
    }
    let ids: HashMap<Channel, String> = items.iter().map(|(c, i)| (*c, i.id.clone())).collect();
    let budget = Budget {
        amount: money.to_cents(daily_budget_minor(goal)),
        mode: match goal.budget.limit {
            BudgetLimit::Exactly => BudgetMode::Exactly,
            BudgetLimit::AtMost => BudgetMode::AtMost,
        },
    };
    let mut constraints = Constraints::with_budget(budget);
    constraints.granularity = money.granularity();
    if budget.mode == BudgetMode::Exactly {
        constraints.budget.amount -= constraints.budget.amount % constraints.granularity;
    }
    constraints.change_limit = Some(ChangeLimit {
        max_increase: c.max_change_per_day,
        max_decrease: c.max_change_per_day.min(1.0),
        exempt,
    });
    for (i, rule) in c.channels.iter().enumerate() {
        let field = format!("constraints.channels[{i}]");
        let Some(id) = ids.get(&rule.channel) else {
            notes.push(format!(
                "the rule on {} is left out: the model has no {} channel",
                rule.channel.as_str(),
                rule.channel.as_str()
            ));
            continue;
        };
        constraints.items.push(ItemRule {
            item: id.clone(),
            min: rule
                .min
                .as_ref()
                .map(|b| item_bound(&format!("{field}.min"), b, money))
                .transpose()?,
            max: rule
                .max
                .as_ref()
                .map(|b| item_bound(&format!("{field}.max"), b, money))
                .transpose()?,
            locked: rule.locked,
            min_if_active: None,
        });
    }
    // Campaign minimums and locks, summed per channel.
    let mut floors: BTreeMap<Channel, i64> = BTreeMap::new();
    for rule in &c.campaigns {
        let Some(k) = spend
            .campaigns
            .iter()
            .find(|k| k.campaign_id == rule.campaign_id)
        else {
            notes.push(format!(
                "the rule on campaign {} is left out: it has no spend in {} today",
                rule.campaign_id, spend.currency
            ));
            continue;
        };
        let floor = if rule.locked {
            k.current_minor
        } else {
            rule.min
                .as_ref()
                .map_or(0, |b| campaign_bound(b, k.current_minor))
        };
        if floor > 0 {
            *floors.entry(k.channel).or_default() += floor;
        }
    }
    for (channel, floor) in floors {
        if let Some(id) = ids.get(&channel) {
            constraints.items.push(ItemRule {
                item: id.clone(),
                min: Some(ItemBound::Money(money.to_cents(floor))),
                max: None,
                locked: false,
                min_if_active: None,
            });
        }
    }
    for (g, group) in c.groups.iter().enumerate() {
        let members: Vec<String> = group
            .channels
            .iter()
            .filter_map(|ch| ids.get(ch).cloned())
            .collect();
        if members.is_empty() {
            notes.push(format!(
                "the group {} is left out: the model has none of its channels",
                group.name
            ));
            continue;
        }
        let limit = |side: &str, l: &GroupLimit| -> Result<GroupBound, AppError> {
            let field = format!("constraints.groups[{g}].{side}");
            match *l {
                GroupLimit::Money {
                    amount_minor,
                    period,
                } => {
                    if amount_minor < 0 {
                        return Err(AppError::validation(&field, "must be zero or more"));
                    }
                    let daily = (amount_minor as f64 / period.days()).round() as i64;
                    Ok(GroupBound::Money(money.to_cents(daily)))
                }
                GroupLimit::Share { share } => Ok(GroupBound::Share(share)),
            }
        };
        constraints.groups.push(GroupRule {
            name: group.name.clone(),
            items: members,
            min: group.min.as_ref().map(|l| limit("min", l)).transpose()?,
            max: group.max.as_ref().map(|l| limit("max", l)).transpose()?,
        });
    }
    let (channels, items): (Vec<Channel>, Vec<Item>) = items.into_iter().unzip();
    Ok(Question {
        problem: Problem {
            items,
            objective: objective(&goal.objective, money),
            constraints,
        },
        channels,
        notes,
    })
}

/// A goal for a workspace that has none: the objective the model measures, today's total
/// spent exactly, the default constraints.
pub(crate) fn default_goal(
    outcome: crate::dto::goals::Outcome,
    spend: &SpendSnapshot,
) -> GoalRequest {
    GoalRequest {
        objective: match outcome {
            crate::dto::goals::Outcome::Revenue => Objective::Revenue,
            crate::dto::goals::Outcome::Conversions => Objective::Conversions,
        },
        budget: crate::dto::goals::GoalBudget {
            amount_minor: spend.channels.iter().map(|c| c.spend_minor).sum(),
            currency: spend.currency.clone(),
            period: Period::Day,
            limit: BudgetLimit::Exactly,
        },
        constraints: GoalConstraints::default(),
    }
}

pub(crate) fn key_of(c: engine::optimize::ConstraintRef) -> ConstraintKey {
    use engine::optimize::ConstraintRef as R;
    match c {
        R::Budget => ConstraintKey::Budget,
        R::ChangeLimit => ConstraintKey::ChangeLimit,
        R::PlatformMin(i) => ConstraintKey::PlatformMin(i),
        R::ItemMin(i) => ConstraintKey::ItemMin(i),
        R::ItemMax(i) => ConstraintKey::ItemMax(i),
        R::Lock(i) => ConstraintKey::Lock(i),
        R::GroupMin(i) => ConstraintKey::GroupMin(i),
        R::GroupMax(i) => ConstraintKey::GroupMax(i),
        R::Target => ConstraintKey::Target,
        R::MinIfActive(i) => ConstraintKey::MinIfActive(i),
        R::MaxActive => ConstraintKey::MaxActive,
    }
}

pub(crate) fn ref_of(k: ConstraintKey) -> engine::optimize::ConstraintRef {
    use engine::optimize::ConstraintRef as R;
    match k {
        ConstraintKey::Budget => R::Budget,
        ConstraintKey::ChangeLimit => R::ChangeLimit,
        ConstraintKey::PlatformMin(i) => R::PlatformMin(i),
        ConstraintKey::ItemMin(i) => R::ItemMin(i),
        ConstraintKey::ItemMax(i) => R::ItemMax(i),
        ConstraintKey::Lock(i) => R::Lock(i),
        ConstraintKey::GroupMin(i) => R::GroupMin(i),
        ConstraintKey::GroupMax(i) => R::GroupMax(i),
        ConstraintKey::Target => R::Target,
        ConstraintKey::MinIfActive(i) => R::MinIfActive(i),
        ConstraintKey::MaxActive => R::MaxActive,
    }
}

/// Describes a constraint in the plan's currency (the engine's words use `$` and hundredths).
pub(crate) fn describe(
    problem: &Problem,
    c: engine::optimize::ConstraintRef,
    currency: &str,
) -> String {
    let text = problem.describe(c);
    if currency == "USD" {
        text
    } else {
        text.replace('$', &format!("{currency} "))
    }
}

#[cfg(test)]
mod tests {
    use super::Money;

    #[test]
    fn money_follows_the_currency_exponent_to_and_from_the_engine() {
        let usd = Money::of("USD");
        assert_eq!(usd.to_cents(12_345), 12_345);
        let jpy = Money::of("JPY");
        assert_eq!(jpy.exponent, 0);
        assert_eq!(jpy.to_cents(1_500), 150_000);
        assert_eq!(jpy.minor_of_cents(150_049), 1_500);
        assert_eq!(jpy.granularity(), 100);
        let kwd = Money::of("KWD");
        assert_eq!(kwd.exponent, 3);
        assert_eq!(kwd.to_cents(1_234), 123);
        assert_eq!(kwd.minor_of_cents(123), 1_230);
        assert!((kwd.major(1_234) - 1.234).abs() < 1e-12);
    }
}
