//! Scaling rules: user-defined threshold rules, evaluated deterministically, reconciled with
//! the optimizer under the same guardrails.
//!
//! A rule reads "ROAS over 7 days > 4 → +15%" ([`Window::Total`]: the metric of the summed
//! last N days) or "ROAS < 1.5 for 3 days → −20%" ([`Window::EachDay`]: every one of the last N
//! days). Rules are tried in order and the first that holds fires for an item; otherwise the
//! item holds. An item without enough history, or whose metric is undefined (no spend, no
//! conversions), holds, and says so.
//!
//! Reconciliation: each item whose rule fired is pinned at its rule's target, clamped into its
//! guardrails (change limit, minimums, maximums, locks, platform minimums); the optimizer then
//! places the rest of the budget under every constraint. If the pins cannot all hold with the
//! budget and groups, they become one-sided ("at least current" for increases, "at most current"
//! for decreases), and the explanation says so.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::optimize::{
    Cents, ItemBound, ItemRule, OptimizeOptions, Plan, Problem, item_boxes, major_from_cents,
    optimize,
};

/// What a rule measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Revenue ÷ spend.
    Roas,
    /// Spend ÷ conversions.
    Cpa,
    /// Conversions per day (average).
    Conversions,
    /// Revenue per day (average).
    Revenue,
}

/// Over which days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "days", rename_all = "snake_case")]
pub enum Window {
    /// The metric of the last N days taken together.
    Total(u32),
    /// The metric of each of the last N days.
    EachDay(u32),
}

/// Above or below the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// Strictly above.
    Above,
    /// Strictly below.
    Below,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingRule {
    /// A name for explanations.
    pub name: String,
    /// The metric.
    pub metric: Metric,
    /// The window.
    pub window: Window,
    /// The comparison.
    pub comparison: Comparison,
    /// The threshold.
    pub threshold: f64,
    /// Relative budget change when the rule fires (0.15 = +15%, −0.2 = −20%).
    pub change: f64,
}

/// One day of an item's performance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DailyMetrics {
    /// Spend that day, cents.
    pub spend: Cents,
    /// Revenue that day.
    pub revenue: f64,
    /// Conversions that day.
    pub conversions: f64,
}

/// What the rules say about one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleDecision {
    /// The item.
    pub item: String,
    /// The rule that fired, if any.
    pub rule: Option<String>,
    /// The rule's relative change (0 when holding).
    pub change: f64,
    /// In words.
    pub explanation: String,
}

fn metric_of(m: Metric, days: &[DailyMetrics]) -> Option<f64> {
    let spend: f64 = days.iter().map(|d| d.spend as f64 / 100.0).sum();
    let revenue: f64 = days.iter().map(|d| d.revenue).sum();
    let conv: f64 = days.iter().map(|d| d.conversions).sum();
    let n = days.len() as f64;
    match m {
        Metric::Roas => (spend > 0.0).then(|| revenue / spend),
        Metric::Cpa => (conv > 0.0).then(|| spend / conv),
        Metric::Conversions => (n > 0.0).then(|| conv / n),
        Metric::Revenue => (n > 0.0).then(|| revenue / n),
    }
}

fn metric_name(m: Metric) -> &'static str {
    match m {
        Metric::Roas => "ROAS",
        Metric::Cpa => "CPA",
        Metric::Conversions => "conversions/day",
        Metric::Revenue => "revenue/day",
    }
}

/// Whether `rule` holds on `history` (oldest first), with the observed values.
fn holds(rule: &ScalingRule, history: &[DailyMetrics]) -> Option<Vec<f64>> {
    let days = match rule.window {
        Window::Total(d) | Window::EachDay(d) => d as usize,
    };
    if days == 0 || history.len() < days {
        return None;
    }
    let recent = &history[history.len() - days..];
    let cmp = |v: f64| match rule.comparison {
        Comparison::Above => v > rule.threshold,
        Comparison::Below => v < rule.threshold,
    };
    let values: Vec<f64> = match rule.window {
        Window::Total(_) => vec![metric_of(rule.metric, recent)?],
        Window::EachDay(_) => recent
            .iter()
            .map(|d| metric_of(rule.metric, std::slice::from_ref(d)))
            .collect::<Option<Vec<f64>>>()?,
    };
    values.iter().all(|&v| cmp(v)).then_some(values)
}

fn validate(rules: &[ScalingRule]) -> Result<()> {
    for (k, r) in rules.iter().enumerate() {
        if !(r.threshold.is_finite() && r.change.is_finite() && r.change > -1.0) {
            return Err(EngineError::invalid(
                format!("rules[{k}]"),
                "threshold must be finite and change a fraction above −1 (−0.2 = −20%)",
            ));
        }
        if matches!(r.window, Window::Total(0) | Window::EachDay(0)) {
            return Err(EngineError::invalid(
                format!("rules[{k}].window"),
                "needs at least one day",
            ));
        }
    }
    Ok(())
}

/// Evaluates the rules for each item (`history[i]` belongs to `problem.items[i]`, oldest first).
///
/// # Errors
///
/// [`EngineError::InvalidInput`] for malformed rules or a history of the wrong length.
pub fn evaluate_rules(
    problem: &Problem,
    rules: &[ScalingRule],
    history: &[Vec<DailyMetrics>],
) -> Result<Vec<RuleDecision>> {
    validate(rules)?;
    if history.len() != problem.items.len() {
        return Err(EngineError::invalid(
            "history",
            "needs one history per item",
        ));
    }
    Ok(problem
        .items
        .iter()
        .zip(history)
        .map(|(it, h)| {
            for r in rules {
                if let Some(values) = holds(r, h) {
                    let op = match r.comparison {
                        Comparison::Above => ">",
                        Comparison::Below => "<",
                    };
                    let observed = match r.window {
                        Window::Total(d) => format!(
                            "{} over {d} days = {:.2} {op} {}",
                            metric_name(r.metric),
                            values[0],
                            r.threshold
                        ),
                        Window::EachDay(d) => format!(
                            "{} {op} {} on each of the last {d} days ({})",
                            metric_name(r.metric),
                            r.threshold,
                            values
                                .iter()
                                .map(|v| format!("{v:.2}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    return RuleDecision {
                        item: it.id.clone(),
                        rule: Some(r.name.clone()),
                        change: r.change,
                        explanation: format!("{}: {observed} → {:+.0}%", r.name, r.change * 100.0),
                    };
                }
            }
            RuleDecision {
                item: it.id.clone(),
                rule: None,
                change: 0.0,
                explanation: "no rule fired: hold".to_owned(),
            }
        })
        .collect())
}

/// A rules-driven plan: the decisions, and the optimizer's plan with fired rules pinned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconciledPlan {
    /// Per item, in the problem's order, with the final amounts in the explanation.
    pub decisions: Vec<RuleDecision>,
    /// Whether the pins had to be loosened to one-sided bounds to fit the budget and groups.
    pub loosened: bool,
    /// The plan.
    pub plan: Plan,
}

/// Evaluates the rules and reconciles them with the optimizer under the same guardrails.
///
/// # Errors
///
/// Rule errors, [`EngineError::InvalidInput`] when a fired rule's item has no current spend,
/// and the optimizer's errors (a minimal conflict when even one-sided pins cannot hold).
pub fn reconcile(
    problem: &Problem,
    rules: &[ScalingRule],
    history: &[Vec<DailyMetrics>],
    options: &OptimizeOptions,
) -> Result<ReconciledPlan> {
    let mut decisions = evaluate_rules(problem, rules, history)?;
    // Each fired item is pinned at its target clamped into its own guardrails (its box).
    let boxes = item_boxes(problem)?;
    let mut pinned = problem.clone();
    let mut loose = problem.clone();
    for ((d, it), &(lo, hi)) in decisions.iter().zip(&problem.items).zip(&boxes) {
        if d.rule.is_none() {
            continue;
        }
        let cur = it.current.ok_or_else(|| {
            EngineError::invalid(
                "current",
                format!("{} has no current spend for its rule to change", it.id),
            )
        })?;
        let target = ((cur as f64 * (1.0 + d.change)).round() as Cents).clamp(lo, hi);
        pinned.constraints.items.push(ItemRule {
            item: it.id.clone(),
            min: Some(ItemBound::Money(target)),
            max: Some(ItemBound::Money(target)),
            locked: false,
            min_if_active: None,
        });
        let (min, max) = if d.change >= 0.0 {
            (Some(ItemBound::Money(cur)), None)
        } else {
            (None, Some(ItemBound::Money(cur)))
        };
        loose.constraints.items.push(ItemRule {
            item: it.id.clone(),
            min,
            max,
            locked: false,
            min_if_active: None,
        });
    }
    let (plan, loosened) = match optimize(&pinned, options) {
        Ok(plan) => (plan, false),
        Err(EngineError::Infeasible { .. }) => (optimize(&loose, options)?, true),
        Err(e) => return Err(e),
    };
    for (d, (it, planned)) in decisions
        .iter_mut()
        .zip(problem.items.iter().zip(&plan.items))
    {
        let cur = it
            .current
            .map_or("-".to_owned(), |c| format!("${:.2}", major_from_cents(c)));
        let now = format!("${:.2}", major_from_cents(planned.spend));
        if d.rule.is_some() {
            let target = it
                .current
                .map(|c| (c as f64 * (1.0 + d.change)).round() as Cents)
                .unwrap_or(0);
            let note = if planned.spend == target {
                String::new()
            } else if loosened {
                " (pins loosened to fit the budget and groups)".to_owned()
            } else {
                format!(
                    " (guardrails hold it short of ${:.2})",
                    major_from_cents(target)
                )
            };
            d.explanation = format!("{}: {cur} → {now}{note}", d.explanation);
        } else if Some(planned.spend) != it.current {
            d.explanation = format!("no rule fired; the optimizer moves it {cur} → {now}");
        }
    }
    Ok(ReconciledPlan {
        decisions,
        loosened,
        plan,
    })
}
