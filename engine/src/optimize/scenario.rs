//! Scenarios: the efficient frontier over budgets.

use serde::{Deserialize, Serialize};

use super::problem::{Cents, Problem};
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
