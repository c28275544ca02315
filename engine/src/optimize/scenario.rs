//! Scenarios: the efficient frontier over budgets.

use serde::{Deserialize, Serialize};

use super::curve::{CurveParams, Saturation};
use super::problem::{Cents, ConstraintRef, GroupBound, ItemBound, Objective, Problem};
use super::{OptimizeOptions, Plan, optimize};
use crate::error::{EngineError, Result};

/// One budget of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    /// The total budget tried.
    pub budget: Cents,
    /// What happened: the plan's figures, or why there is none.
    pub result: FrontierResult,
}

/// The outcome at one budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FrontierResult {
    /// A plan exists.
    Planned {
        /// Total planned spend.
        spend: Cents,
        /// Expected outcome.
        expected_outcome: f64,
        /// Objective value.
        objective_value: f64,
        /// Outcome per unit of spend.
        average_return: f64,
        /// Objective gained per extra unit of budget at this point (marginal ROAS for revenue).
        marginal_return: f64,
        /// Optimality gap.
        gap: f64,
    },
    /// The constraints cannot hold at this budget.
    Infeasible {
        /// A minimal conflicting set, in words.
        conflicting: Vec<String>,
    },
}

/// Optimizes `problem` at each budget in `budgets` (other constraints unchanged).
///
/// # Errors
///
/// Invalid input or a solver failure at any budget; infeasibility at one budget is recorded
/// in that point instead.
pub fn budget_sweep(
    problem: &Problem,
    budgets: &[Cents],
    options: &OptimizeOptions,
) -> Result<Vec<FrontierPoint>> {
    let mut out = Vec::with_capacity(budgets.len());
    for &b in budgets {
        let mut p = problem.clone();
        p.constraints.budget.amount = b;
        let result = match optimize(&p, options) {
            Ok(plan) => planned(&plan),
            Err(EngineError::Infeasible { conflicting }) => {
                FrontierResult::Infeasible { conflicting }
            }
            Err(e) => return Err(e),
        };
        out.push(FrontierPoint { budget: b, result });
    }
    Ok(out)
}

fn planned(plan: &Plan) -> FrontierResult {
    let spend = plan.total_spend as f64 / 100.0;
    FrontierResult::Planned {
        spend: plan.total_spend,
        expected_outcome: plan.expected_outcome,
        objective_value: plan.objective_value,
        average_return: if spend > 0.0 {
            plan.expected_outcome / spend
        } else {
            0.0
        },
        marginal_return: plan.budget_shadow_price,
        gap: plan.gap,
    }
}

/// Budgets from `from` to `to` inclusive in steps of `step` (all in cents).
///
/// # Errors
///
/// [`EngineError::InvalidInput`] when the range is empty, the step is not positive, or it
/// would produce more than 10,000 points.
pub fn budget_range(from: Cents, to: Cents, step: Cents) -> Result<Vec<Cents>> {
    if step <= 0 {
        return Err(EngineError::invalid("budgets", "the step must be > 0"));
    }
    if from < 0 || to < from {
        return Err(EngineError::invalid(
            "budgets",
            "expected FROM ≤ TO, both ≥ 0",
        ));
    }
    let count = (to - from) / step + 1;
    if count > 10_000 {
        return Err(EngineError::invalid(
            "budgets",
            format!("{count} points is too many (at most 10,000)"),
        ));
    }
    Ok((0..count).map(|k| from + k * step).collect())
}

/// How to change one constraint in a what-if scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "factor", rename_all = "snake_case")]
pub enum Adjustment {
    /// Drop the constraint.
    Remove,
    /// Multiply its amount (money, share, multiple of current, or change-limit fractions).
    Scale(f64),
}

/// The same plan question with one constraint changed, compared with the base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstraintScenario {
    /// Which constraint.
    pub constraint: ConstraintRef,
    /// In words, before the change.
    pub description: String,
    /// The change.
    pub adjustment: Adjustment,
    /// Objective of the base plan.
    pub base_objective: f64,
    /// Objective after the change (`None` when the changed problem is infeasible).
    pub objective: Option<f64>,
    /// `objective − base_objective`: what the constraint costs (for a removal), or what the
    /// change gains.
    pub difference: Option<f64>,
    /// A minimal conflicting set when the changed problem is infeasible.
    pub conflicting: Vec<String>,
}

/// Applies an adjustment to a copy of the problem.
///
/// # Errors
///
/// [`EngineError::InvalidInput`] for the budget or target with [`Adjustment::Remove`] (the
/// plan would be unbounded), a non-positive or non-finite factor, or an unknown constraint.
pub fn adjusted(problem: &Problem, c: ConstraintRef, adj: Adjustment) -> Result<Problem> {
    let mut p = problem.clone();
    let k = match adj {
        Adjustment::Remove => None,
        Adjustment::Scale(f) if f.is_finite() && f > 0.0 => Some(f),
        Adjustment::Scale(f) => {
            return Err(EngineError::invalid(
                "factor",
                format!("must be > 0, got {f}"),
            ));
        }
    };
    let scale_money = |v: Cents, f: f64| (v as f64 * f).round() as Cents;
    let item_bound = |b: &mut Option<ItemBound>, f: Option<f64>| match f {
        None => *b = None,
        Some(f) => {
            if let Some(x) = b {
                *x = match *x {
                    ItemBound::Money(v) => ItemBound::Money(scale_money(v, f)),
                    ItemBound::RelativeToCurrent(r) => ItemBound::RelativeToCurrent(r * f),
                }
            }
        }
    };
    let group_bound = |b: &mut Option<GroupBound>, f: Option<f64>| match f {
        None => *b = None,
        Some(f) => {
            if let Some(x) = b {
                *x = match *x {
                    GroupBound::Money(v) => GroupBound::Money(scale_money(v, f)),
                    GroupBound::Share(s) => GroupBound::Share((s * f).min(1.0)),
                }
            }
        }
    };
    let missing = || EngineError::invalid("constraint", format!("{c:?} is not in the problem"));
    let cs = &mut p.constraints;
    match c {
        ConstraintRef::Budget => match k {
            Some(f) => cs.budget.amount = scale_money(cs.budget.amount, f),
            None => {
                return Err(EngineError::invalid(
                    "constraint",
                    "the budget cannot be removed; scale it or sweep it instead",
                ));
            }
        },
        ConstraintRef::ChangeLimit => match (k, cs.change_limit.as_mut()) {
            (None, _) => cs.change_limit = None,
            (Some(f), Some(l)) => {
                l.max_increase *= f;
                l.max_decrease = (l.max_decrease * f).min(1.0);
            }
            (Some(_), None) => return Err(missing()),
        },
        ConstraintRef::PlatformMin(i) => {
            let it = p.items.get_mut(i).ok_or_else(missing)?;
            it.platform_min = match k {
                None => None,
                Some(f) => it.platform_min.map(|v| scale_money(v, f)),
            };
        }
        ConstraintRef::ItemMin(r) => {
            item_bound(&mut cs.items.get_mut(r).ok_or_else(missing)?.min, k)
        }
        ConstraintRef::ItemMax(r) => {
            item_bound(&mut cs.items.get_mut(r).ok_or_else(missing)?.max, k)
        }
        ConstraintRef::Lock(r) => {
            let rule = cs.items.get_mut(r).ok_or_else(missing)?;
            if k.is_some() {
                return Err(EngineError::invalid(
                    "constraint",
                    "a lock can only be removed",
                ));
            }
            rule.locked = false;
        }
        ConstraintRef::GroupMin(g) => {
            group_bound(&mut cs.groups.get_mut(g).ok_or_else(missing)?.min, k)
        }
        ConstraintRef::GroupMax(g) => {
            group_bound(&mut cs.groups.get_mut(g).ok_or_else(missing)?.max, k)
        }
        ConstraintRef::MinIfActive(r) => {
            let rule = cs.items.get_mut(r).ok_or_else(missing)?;
            rule.min_if_active = match k {
                None => None,
                Some(f) => rule.min_if_active.map(|v| scale_money(v, f)),
            };
        }
        ConstraintRef::MaxActive => {
            cs.max_active = match k {
                None => None,
                Some(f) => cs
                    .max_active
                    .map(|v| ((v as f64) * f).round().max(0.0) as usize),
            };
        }
        ConstraintRef::Target => {
            let f = k.ok_or_else(|| {
                EngineError::invalid("constraint", "the target can be scaled, not removed")
            })?;
            p.objective = match p.objective {
                Objective::TargetRoas { target } => Objective::TargetRoas { target: target * f },
                Objective::TargetCpa { target } => Objective::TargetCpa { target: target * f },
                _ => return Err(missing()),
            };
        }
    }
    Ok(p)
}

/// Re-optimizes with each constraint changed, and reports what each change is worth.
/// With [`Adjustment::Remove`] this is the exact cost of each constraint ("the brand minimum
/// costs $Y"), not a first-order estimate.
///
/// # Errors
///
/// The base problem's errors (including infeasibility), or an invalid adjustment.
pub fn constraint_scenarios(
    problem: &Problem,
    changes: &[(ConstraintRef, Adjustment)],
    options: &OptimizeOptions,
) -> Result<Vec<ConstraintScenario>> {
    let base = optimize(problem, options)?;
    let mut out = Vec::with_capacity(changes.len());
    for &(c, adj) in changes {
        let p = adjusted(problem, c, adj)?;
        let (objective, conflicting) = match optimize(&p, options) {
            Ok(plan) => (Some(plan.objective_value), Vec::new()),
            Err(EngineError::Infeasible { conflicting }) => (None, conflicting),
            Err(e) => return Err(e),
        };
        out.push(ConstraintScenario {
            constraint: c,
            description: problem.describe(c),
            adjustment: adj,
            base_objective: base.objective_value,
            objective,
            difference: objective.map(|o| o - base.objective_value),
            conflicting,
        });
    }
    Ok(out)
}

/// The same items and constraints under one objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveComparison {
    /// The objective.
    pub objective: Objective,
    /// Total spend, cents.
    pub spend: Cents,
    /// Expected outcome.
    pub expected_outcome: f64,
    /// Outcome per unit of spend.
    pub average_return: f64,
    /// The objective's own value.
    pub objective_value: f64,
    /// Spend per item, cents, in the problem's order.
    pub allocation: Vec<Cents>,
}

/// Optimizes the same problem under each objective.
///
/// # Errors
///
/// Any objective's error.
pub fn compare_objectives(
    problem: &Problem,
    objectives: &[Objective],
    options: &OptimizeOptions,
) -> Result<Vec<ObjectiveComparison>> {
    objectives
        .iter()
        .map(|&objective| {
            let mut p = problem.clone();
            p.objective = objective;
            let plan = optimize(&p, options)?;
            let spend = plan.total_spend as f64 / 100.0;
            Ok(ObjectiveComparison {
                objective,
                spend: plan.total_spend,
                expected_outcome: plan.expected_outcome,
                average_return: if spend > 0.0 {
                    plan.expected_outcome / spend
                } else {
                    0.0
                },
                objective_value: plan.objective_value,
                allocation: plan.items.iter().map(|i| i.spend).collect(),
            })
        })
        .collect()
}

/// How the plan moves when one curve parameter moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterSensitivity {
    /// The item whose curve is perturbed.
    pub item: String,
    /// `beta`, `half_saturation`, `shape` or `lambda`.
    pub parameter: String,
    /// Relative perturbation applied (e.g. 0.1 for ±10%).
    pub step: f64,
    /// That item's planned spend with the parameter lowered / raised, cents.
    pub spend_down: Cents,
    /// See `spend_down`.
    pub spend_up: Cents,
    /// The base plan's spend of that item, cents.
    pub spend_base: Cents,
    /// Share of the budget that moves between items (½ Σ|Δspend| ÷ total), at −step and +step.
    pub reallocated_share: (f64, f64),
    /// Expected outcome of the re-optimized plan at −step and +step.
    pub outcome: (f64, f64),
}

/// Re-optimizes with each curve parameter of each item moved by ±`step` (relative).
///
/// # Errors
///
/// [`EngineError::InvalidInput`] for a step outside (0, 1); the optimizer's errors otherwise.
pub fn sensitivity(
    problem: &Problem,
    step: f64,
    options: &OptimizeOptions,
) -> Result<Vec<ParameterSensitivity>> {
    if !(step.is_finite() && step > 0.0 && step < 1.0) {
        return Err(EngineError::invalid("step", "must be in (0, 1)"));
    }
    let base = optimize(problem, options)?;
    let total = (base.total_spend.max(1)) as f64;
    let mut out = Vec::new();
    for (i, it) in problem.items.iter().enumerate() {
        let params = it.curve.params;
        let names: &[&str] = match params.saturation() {
            Saturation::Hill { .. } => &["beta", "half_saturation", "shape"],
            Saturation::Logistic { .. } => &["beta", "lambda"],
        };
        for &name in names {
            let mut res = Vec::with_capacity(2);
            for sign in [-1.0, 1.0] {
                let f = 1.0 + sign * step;
                let sat = match (params.saturation(), name) {
                    (
                        Saturation::Hill {
                            half_saturation,
                            shape,
                        },
                        "half_saturation",
                    ) => Saturation::Hill {
                        half_saturation: half_saturation * f,
                        shape,
                    },
                    (
                        Saturation::Hill {
                            half_saturation,
                            shape,
                        },
                        "shape",
                    ) => Saturation::Hill {
                        half_saturation,
                        shape: shape * f,
                    },
                    (Saturation::Logistic { lambda }, "lambda") => {
                        Saturation::Logistic { lambda: lambda * f }
                    }
                    (s, _) => s,
                };
                let beta = if name == "beta" {
                    params.beta() * f
                } else {
                    params.beta()
                };
                let perturbed =
                    CurveParams::new(beta, sat, params.adstock_multiplier(), params.carry_in())?;
                let mut p = problem.clone();
                p.items[i].curve.params = perturbed;
                let plan = optimize(&p, options)?;
                let moved: i64 = plan
                    .items
                    .iter()
                    .zip(&base.items)
                    .map(|(a, b)| (a.spend - b.spend).abs())
                    .sum();
                res.push((
                    plan.items[i].spend,
                    0.5 * moved as f64 / total,
                    plan.expected_outcome,
                ));
            }
            out.push(ParameterSensitivity {
                item: it.id.clone(),
                parameter: name.to_owned(),
                step,
                spend_down: res[0].0,
                spend_up: res[1].0,
                spend_base: base.items[i].spend,
                reallocated_share: (res[0].1, res[1].1),
                outcome: (res[0].2, res[1].2),
            });
        }
    }
    Ok(out)
}
