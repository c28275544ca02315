//! What the optimizer is asked: items, a budget, an objective and named constraints.
//!
//! Money is always [`Cents`]: integer minor units of the plan's currency, per period. Every
//! constraint is turned into *units* ([`ConstraintRef`]) that a person can name ("the brand
//! minimum", "the ±15% change limit"); infeasibility is reported as a minimal set of them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::curve::{CurveParams, ResponseCurve};
use crate::error::{EngineError, Result};

/// Money in integer minor units (cents) per period.
pub type Cents = i64;

/// Converts money in major units (e.g. dollars, as found in JSON files) to cents, rounding to
/// the nearest cent. Rejects non-finite, negative or absurdly large amounts.
pub fn cents_from_major(field: &str, amount: f64) -> Result<Cents> {
    if !amount.is_finite() || amount < 0.0 {
        return Err(EngineError::invalid(
            field,
            format!("must be a finite amount ≥ 0, got {amount}"),
        ));
    }
    let c = (amount * 100.0).round();
    if c > 9.0e15 {
        return Err(EngineError::invalid(
            field,
            "is too large (at most 90 trillion in major units)",
        ));
    }
    Ok(c as Cents)
}

/// Cents to major units, for display and curve evaluation.
pub fn major_from_cents(c: Cents) -> f64 {
    c as f64 / 100.0
}

/// One thing the budget is split across: a channel or a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// A stable identifier, unique within the problem.
    pub id: String,
    /// Outcome per period as a function of spend per period.
    pub curve: ResponseCurve,
    /// Today's spend per period, if known.
    #[serde(default)]
    pub current: Option<Cents>,
    /// The ad platform's minimum budget, if any. Spend is at least this much.
    #[serde(default)]
    pub platform_min: Option<Cents>,
    /// A second outcome of the same spend (e.g. conversions next to revenue), used by the
    /// weighted objective.
    #[serde(default)]
    pub secondary_curve: Option<CurveParams>,
}

/// Whether the plan must spend the whole budget or may spend less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetMode {
    /// Total spend equals the budget, to the cent.
    #[default]
    Exactly,
    /// Total spend is at most the budget.
    AtMost,
}

/// The total budget per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// The amount.
    pub amount: Cents,
    /// `=` or `≤`.
    pub mode: BudgetMode,
}

/// What the plan maximizes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Objective {
    /// Maximize the total outcome (revenue or conversions, whatever the curves measure).
    Outcome,
    /// Maximize `margin × revenue − spend`; the budget is a cap.
    Profit {
        /// Gross margin on revenue, in (0, 1] typically.
        margin: f64,
    },
    /// Maximize the outcome subject to `revenue ≥ target × spend`; the budget is a cap.
    TargetRoas {
        /// The minimum revenue per unit of spend.
        target: f64,
    },
    /// Maximize conversions subject to `spend ≤ target × conversions`; the budget is a cap.
    TargetCpa {
        /// The maximum cost per conversion, in major units of money.
        target: f64,
    },
    /// Maximize the average outcome over the worst `alpha` share of the curves' samples (the
    /// lower-tail CVaR, e.g. 0.1 = the worst 10%).
    RiskAware {
        /// The tail share, in (0, 1].
        alpha: f64,
    },
    /// Maximize `primary × Σ outcome + secondary × Σ secondary outcome − spend × Σ spend`
    /// (e.g. revenue and conversions valued together); the budget is spent exactly unless the
    /// spend weight is positive, in which case it is a cap.
    Weighted {
        /// Weight on the items' curves.
        primary: f64,
        /// Weight on the items' secondary curves (items without one contribute nothing).
        secondary: f64,
        /// Cost weight on each unit of money spent (≥ 0).
        spend: f64,
    },
}

impl Objective {
    fn validate(&self) -> Result<()> {
        let (name, v) = match *self {
            Self::Outcome => return Ok(()),
            Self::Profit { margin } => ("objective.margin", margin),
            Self::TargetRoas { target } => ("objective.target_roas", target),
            Self::TargetCpa { target } => ("objective.target_cpa", target),
            Self::Weighted {
                primary,
                secondary,
                spend,
            } => {
                let ok = [primary, secondary, spend]
                    .iter()
                    .all(|w| w.is_finite() && *w >= 0.0)
                    && primary + secondary > 0.0;
                return if ok {
                    Ok(())
                } else {
                    Err(EngineError::invalid(
                        "objective.weights",
                        "weights must be finite and ≥ 0, with a positive outcome weight",
                    ))
                };
            }
            Self::RiskAware { alpha } => {
                return if alpha.is_finite() && alpha > 0.0 && alpha <= 1.0 {
                    Ok(())
                } else {
                    Err(EngineError::invalid(
                        "objective.alpha",
                        format!("must be in (0, 1], got {alpha}"),
                    ))
                };
            }
        };
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(EngineError::invalid(name, format!("must be > 0, got {v}")))
        }
    }

    /// Whether the budget acts as a cap (flexible spend) for this objective.
    pub fn budget_is_cap(&self) -> bool {
        match self {
            Self::Outcome | Self::RiskAware { .. } => false,
            Self::Weighted { spend, .. } => *spend > 0.0,
            _ => true,
        }
    }
}

/// A per-item bound: an amount of money, or a multiple of the item's current spend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemBound {
    /// An absolute amount per period.
    Money(Cents),
    /// A multiple of the current spend (0.8 = 80% of current).
    RelativeToCurrent(f64),
}

/// A group bound: an amount of money, or a share of total spend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBound {
    /// An absolute amount per period.
    Money(Cents),
    /// A share of the total spend, in [0, 1].
    Share(f64),
}

/// Limits on how much each item may change from its current spend in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeLimit {
    /// Largest increase as a fraction of current (0.15 = +15%).
    pub max_increase: f64,
    /// Largest decrease as a fraction of current (0.15 = −15%).
    pub max_decrease: f64,
    /// Items the limit does not apply to (for example new campaigns given an explicit range).
    #[serde(default)]
    pub exempt: Vec<String>,
}

impl Default for ChangeLimit {
    fn default() -> Self {
        Self {
            max_increase: 0.15,
            max_decrease: 0.15,
            exempt: Vec::new(),
        }
    }
}

/// Bounds for one item, or a lock.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ItemRule {
    /// The item's id.
    pub item: String,
    /// Spend at least this much.
    #[serde(default)]
    pub min: Option<ItemBound>,
    /// Spend at most this much.
    #[serde(default)]
    pub max: Option<ItemBound>,
    /// Keep the item at its current spend.
    #[serde(default)]
    pub locked: bool,
    /// If the item spends anything, it spends at least this much (else nothing).
    #[serde(default)]
    pub min_if_active: Option<Cents>,
}

/// A named set of items with a minimum and/or maximum total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRule {
    /// The group's name, used in explanations ("brand", "social").
    pub name: String,
    /// The ids of its members.
    pub items: Vec<String>,
    /// The group spends at least this much.
    #[serde(default)]
    pub min: Option<GroupBound>,
    /// The group spends at most this much.
    #[serde(default)]
    pub max: Option<GroupBound>,
}

/// Every constraint on a plan besides the objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constraints {
    /// The total budget.
    pub budget: Budget,
    /// The per-period change limit; `None` disables it. Ignored for items without a current spend.
    pub change_limit: Option<ChangeLimit>,
    /// Per-item bounds and locks.
    pub items: Vec<ItemRule>,
    /// Group minimums and maximums.
    pub groups: Vec<GroupRule>,
    /// Spend is a multiple of this many cents (1 = to the cent).
    pub granularity: Cents,
    /// Whether the items' platform minimums apply.
    pub platform_minimums: bool,
    /// At most this many items spend anything.
    #[serde(default)]
    pub max_active: Option<usize>,
}

impl Constraints {
    /// A budget with the house defaults: ±15% change limit, cent granularity, platform minimums.
    pub fn with_budget(budget: Budget) -> Self {
        Self {
            budget,
            change_limit: Some(ChangeLimit::default()),
            items: Vec::new(),
            groups: Vec::new(),
            granularity: 1,
            platform_minimums: true,
            max_active: None,
        }
    }
}

/// The whole question: which spend per item maximizes the objective under the constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// What to allocate across.
    pub items: Vec<Item>,
    /// The goal.
    pub objective: Objective,
    /// The constraints.
    pub constraints: Constraints,
}

/// One nameable constraint (or one side of one), the unit of infeasibility explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum ConstraintRef {
    /// The total budget.
    Budget,
    /// The change limit.
    ChangeLimit,
    /// The platform minimum of the item at this index.
    PlatformMin(usize),
    /// The minimum of the item rule at this index.
    ItemMin(usize),
    /// The maximum of the item rule at this index.
    ItemMax(usize),
    /// The lock of the item rule at this index.
    Lock(usize),
    /// The minimum of the group at this index.
    GroupMin(usize),
    /// The maximum of the group at this index.
    GroupMax(usize),
    /// The target ROAS or CPA of the objective.
    Target,
    /// The minimum-if-active of the item rule at this index.
    MinIfActive(usize),
    /// The limit on how many items are active.
    MaxActive,
}

impl Problem {
    /// Describes a constraint in words, for explanations and infeasibility reports.
    pub fn describe(&self, c: ConstraintRef) -> String {
        let c_ = &self.constraints;
        let money = |v: Cents| format!("${:.2}", major_from_cents(v));
        let item_bound = |b: &ItemBound| match *b {
            ItemBound::Money(v) => money(v),
            ItemBound::RelativeToCurrent(r) => format!("{:.0}% of current", r * 100.0),
        };
        let group_bound = |b: &GroupBound| match *b {
            GroupBound::Money(v) => money(v),
            GroupBound::Share(s) => format!("{:.1}% of total spend", s * 100.0),
        };
        match c {
            ConstraintRef::Budget => {
                let op = match c_.budget.mode {
                    BudgetMode::Exactly => "=",
                    BudgetMode::AtMost => "≤",
                };
                format!("total budget {op} {}", money(c_.budget.amount))
            }
            ConstraintRef::ChangeLimit => match &c_.change_limit {
                Some(l) => format!(
                    "change limit (−{:.0}% … +{:.0}% of current spend per period)",
                    l.max_decrease * 100.0,
                    l.max_increase * 100.0
                ),
                None => "change limit".to_owned(),
            },
            ConstraintRef::PlatformMin(i) => {
                let item = self.items.get(i);
                format!(
                    "platform minimum of {} ({})",
                    item.map_or("?", |it| it.id.as_str()),
                    money(item.and_then(|it| it.platform_min).unwrap_or(0))
                )
            }
            ConstraintRef::ItemMin(r) => match c_.items.get(r) {
                Some(rule) => format!(
                    "minimum for {} ({})",
                    rule.item,
                    rule.min.as_ref().map_or_else(String::new, item_bound)
                ),
                None => "item minimum".to_owned(),
            },
            ConstraintRef::ItemMax(r) => match c_.items.get(r) {
                Some(rule) => format!(
                    "maximum for {} ({})",
                    rule.item,
                    rule.max.as_ref().map_or_else(String::new, item_bound)
                ),
                None => "item maximum".to_owned(),
            },
            ConstraintRef::Lock(r) => match c_.items.get(r) {
                Some(rule) => format!("lock on {} (kept at current spend)", rule.item),
                None => "lock".to_owned(),
            },
            ConstraintRef::GroupMin(g) => match c_.groups.get(g) {
                Some(gr) => format!(
                    "group {} minimum ({})",
                    gr.name,
                    gr.min.as_ref().map_or_else(String::new, group_bound)
                ),
                None => "group minimum".to_owned(),
            },
            ConstraintRef::GroupMax(g) => match c_.groups.get(g) {
                Some(gr) => format!(
                    "group {} maximum ({})",
                    gr.name,
                    gr.max.as_ref().map_or_else(String::new, group_bound)
                ),
                None => "group maximum".to_owned(),
            },
            ConstraintRef::MinIfActive(r) => match c_.items.get(r) {
                Some(rule) => format!(
                    "minimum for {} if it spends at all ({})",
                    rule.item,
                    money(rule.min_if_active.unwrap_or(0))
                ),
                None => "minimum if active".to_owned(),
            },
            ConstraintRef::MaxActive => {
                format!("at most {} active items", c_.max_active.unwrap_or(0))
            }
            ConstraintRef::Target => match self.objective {
                Objective::TargetRoas { target } => format!("target ROAS ≥ {target}"),
                Objective::TargetCpa { target } => format!("target CPA ≤ ${target:.2}"),
                _ => "target".to_owned(),
            },
        }
    }

    /// Every constraint unit present in the problem.
    pub fn constraint_refs(&self) -> Vec<ConstraintRef> {
        let c = &self.constraints;
        let mut out = vec![ConstraintRef::Budget];
        if c.change_limit.is_some() {
            out.push(ConstraintRef::ChangeLimit);
        }
        if c.platform_minimums {
            for (i, it) in self.items.iter().enumerate() {
                if it.platform_min.is_some_and(|m| m > 0) {
                    out.push(ConstraintRef::PlatformMin(i));
                }
            }
        }
        for (r, rule) in c.items.iter().enumerate() {
            if rule.min.is_some() {
                out.push(ConstraintRef::ItemMin(r));
            }
            if rule.max.is_some() {
                out.push(ConstraintRef::ItemMax(r));
            }
            if rule.locked {
                out.push(ConstraintRef::Lock(r));
            }
            if rule.min_if_active.is_some() {
                out.push(ConstraintRef::MinIfActive(r));
            }
        }
        if c.max_active.is_some() {
            out.push(ConstraintRef::MaxActive);
        }
        for (g, gr) in c.groups.iter().enumerate() {
            if gr.min.is_some() {
                out.push(ConstraintRef::GroupMin(g));
            }
            if gr.max.is_some() {
                out.push(ConstraintRef::GroupMax(g));
            }
        }
        if matches!(
            self.objective,
            Objective::TargetRoas { .. } | Objective::TargetCpa { .. }
        ) {
            out.push(ConstraintRef::Target);
        }
        out
    }

    /// Checks ids and numbers, and resolves item ids to indices.
    pub(crate) fn index(&self) -> Result<Indexed> {
        if self.items.is_empty() {
            return Err(EngineError::invalid("items", "at least one item is needed"));
        }
        self.objective.validate()?;
        let c = &self.constraints;
        if c.budget.amount < 0 {
            return Err(EngineError::invalid("budget", "must be ≥ 0"));
        }
        if c.granularity < 1 {
            return Err(EngineError::invalid(
                "granularity",
                "must be at least one cent",
            ));
        }
        if c.budget.mode == BudgetMode::Exactly
            && !self.objective.budget_is_cap()
            && c.budget.amount % c.granularity != 0
        {
            return Err(EngineError::invalid(
                "budget",
                format!(
                    "must be a multiple of the spend granularity ({}) to be spent exactly",
                    c.granularity
                ),
            ));
        }
        let mut by_id = HashMap::with_capacity(self.items.len());
        for (i, it) in self.items.iter().enumerate() {
            if by_id.insert(it.id.as_str(), i).is_some() {
                return Err(EngineError::invalid(
                    format!("items[{i}].id"),
                    format!("duplicate item id {:?}", it.id),
                ));
            }
            if it.current.is_some_and(|v| v < 0) || it.platform_min.is_some_and(|v| v < 0) {
                return Err(EngineError::invalid(
                    format!("items[{i}]"),
                    "current spend and platform minimum must be ≥ 0",
                ));
            }
        }
        let lookup = |field: String, id: &str| -> Result<usize> {
            by_id
                .get(id)
                .copied()
                .ok_or_else(|| EngineError::invalid(field, format!("unknown item {id:?}")))
        };
        let mut rule_items = Vec::with_capacity(c.items.len());
        for (r, rule) in c.items.iter().enumerate() {
            let i = lookup(format!("constraints.items[{r}].item"), &rule.item)?;
            for (side, b) in [("min", &rule.min), ("max", &rule.max)] {
                match b {
                    Some(ItemBound::RelativeToCurrent(f)) => {
                        if !(f.is_finite() && *f >= 0.0) {
                            return Err(EngineError::invalid(
                                format!("constraints.items[{r}].{side}_relative"),
                                "must be a finite multiple ≥ 0",
                            ));
                        }
                        if self.items[i].current.is_none() {
                            return Err(EngineError::invalid(
                                format!("constraints.items[{r}].{side}_relative"),
                                format!("{} has no current spend to be relative to", rule.item),
                            ));
                        }
                    }
                    Some(ItemBound::Money(v)) if *v < 0 => {
                        return Err(EngineError::invalid(
                            format!("constraints.items[{r}].{side}"),
                            "must be ≥ 0",
                        ));
                    }
                    _ => {}
                }
            }
            if rule.min_if_active.is_some_and(|m| m < 0) {
                return Err(EngineError::invalid(
                    format!("constraints.items[{r}].min_if_active"),
                    "must be ≥ 0",
                ));
            }
            if rule.locked && self.items[i].current.is_none() {
                return Err(EngineError::invalid(
                    format!("constraints.items[{r}].locked"),
                    format!("{} has no current spend to lock", rule.item),
                ));
            }
            rule_items.push(i);
        }
        let mut group_items = Vec::with_capacity(c.groups.len());
        for (g, gr) in c.groups.iter().enumerate() {
            let mut members = Vec::with_capacity(gr.items.len());
            for (k, id) in gr.items.iter().enumerate() {
                members.push(lookup(format!("constraints.groups[{g}].items[{k}]"), id)?);
            }
            members.sort_unstable();
            members.dedup();
            for (side, b) in [("min", &gr.min), ("max", &gr.max)] {
                match b {
                    Some(GroupBound::Share(s)) if !(s.is_finite() && (0.0..=1.0).contains(s)) => {
                        return Err(EngineError::invalid(
                            format!("constraints.groups[{g}].{side}_share"),
                            "must be a share between 0 and 1",
                        ));
                    }
                    Some(GroupBound::Money(v)) if *v < 0 => {
                        return Err(EngineError::invalid(
                            format!("constraints.groups[{g}].{side}"),
                            "must be ≥ 0",
                        ));
                    }
                    _ => {}
                }
            }
            group_items.push(members);
        }
        let mut exempt = vec![false; self.items.len()];
        if let Some(l) = &c.change_limit {
            for (name, v) in [
                ("max_increase", l.max_increase),
                ("max_decrease", l.max_decrease),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(EngineError::invalid(
                        format!("constraints.change_limit.{name}"),
                        "must be a fraction ≥ 0 (0.15 = 15%)",
                    ));
                }
            }
            for (k, id) in l.exempt.iter().enumerate() {
                exempt[lookup(format!("constraints.change_limit.exempt[{k}]"), id)?] = true;
            }
        }
        Ok(Indexed {
            rule_items,
            group_items,
            exempt,
        })
    }
}

/// Item ids resolved to indices.
#[derive(Debug, Clone)]
pub(crate) struct Indexed {
    pub rule_items: Vec<usize>,
    pub group_items: Vec<Vec<usize>>,
    pub exempt: Vec<bool>,
}
