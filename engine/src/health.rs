//! The Budget Health Index: how far today's allocation is from the best one.
//!
//! `score = 100 × expected outcome of the current allocation ÷ expected outcome of the optimal
//! allocation under the same budget (today's total) and the same constraints`. The actions are
//! the optimal plan's changes, paired into concrete moves ("move $X from A to B"), each priced
//! by evaluating that move alone on the curves.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::optimize::{
    BudgetMode, Cents, Objective, OptimizeOptions, Plan, Problem, major_from_cents, optimize,
};

/// Thresholds of the health bands, in score points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HealthBands {
    /// Green at or above this score (default 95).
    pub green: f64,
    /// Yellow at or above this score (default 85); red below.
    pub yellow: f64,
}

impl Default for HealthBands {
    fn default() -> Self {
        Self {
            green: 95.0,
            yellow: 85.0,
        }
    }
}

/// A health band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Close to optimal.
    Green,
    /// Worth a look.
    Yellow,
    /// Money is being left on the table.
    Red,
}

/// One recommended change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthAction {
    /// Where the money comes from (`None`: new money, when the budget is a cap).
    pub from: Option<String>,
    /// Where it goes (`None`: money saved).
    pub to: Option<String>,
    /// How much, in cents per period.
    pub amount: Cents,
    /// Expected objective gained by this move alone, from the current allocation.
    pub expected_gain: f64,
    /// In words.
    pub description: String,
}

/// The index, its band, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    /// 0–100.
    pub score: f64,
    /// The band of the score.
    pub band: Band,
    /// Objective of the current allocation.
    pub current_value: f64,
    /// Objective of the optimal allocation under the same budget and constraints.
    pub optimal_value: f64,
    /// Whether the current allocation meets the constraints.
    pub current_feasible: bool,
    /// The best moves, largest gain first.
    pub actions: Vec<HealthAction>,
    /// The optimal plan behind the score.
    pub plan: Plan,
}

fn money(c: Cents) -> String {
    format!("${:.2}", major_from_cents(c))
}

/// Computes the Budget Health Index of the items' current allocation.
///
/// The budget is set to today's total spend (spent exactly for the outcome objective).
///
/// # Errors
///
/// [`EngineError::InvalidInput`] when an item has no current spend or the bands are not
/// ordered; the optimizer's errors otherwise.
pub fn health_index(
    problem: &Problem,
    options: &OptimizeOptions,
    bands: HealthBands,
    max_actions: usize,
) -> Result<HealthReport> {
    if !(bands.green.is_finite() && bands.yellow.is_finite() && bands.green >= bands.yellow) {
        return Err(EngineError::invalid(
            "bands",
            "expected finite thresholds with green ≥ yellow",
        ));
    }
    let mut current = Vec::with_capacity(problem.items.len());
    for (i, it) in problem.items.iter().enumerate() {
        current.push(it.current.ok_or_else(|| {
            EngineError::invalid(
                format!("items[{i}].current"),
                format!(
                    "{} has no current spend; health needs every current spend",
                    it.id
                ),
            )
        })?);
    }
    let mut p = problem.clone();
    p.constraints.budget.amount = current.iter().sum();
    if !p.objective.budget_is_cap() {
        p.constraints.budget.mode = BudgetMode::Exactly;
        // Spending today's total exactly must be possible on the granularity grid.
        let g = p.constraints.granularity.max(1);
        p.constraints.budget.amount -= p.constraints.budget.amount % g;
    }
    let plan = optimize(&p, options)?;
    let (current_value, current_feasible) = match &plan.current {
        Some(c) => (c.objective_value, c.feasible),
        None => (0.0, false),
    };
    let optimal_value = plan.objective_value.max(current_value);
    let score = if optimal_value > 0.0 {
        (100.0 * current_value / optimal_value).clamp(0.0, 100.0)
    } else {
        100.0
    };
    let band = if score >= bands.green {
        Band::Green
    } else if score >= bands.yellow {
        Band::Yellow
    } else {
        Band::Red
    };
    let actions = actions(problem, &current, &plan, max_actions);
    Ok(HealthReport {
        score,
        band,
        current_value,
        optimal_value,
        current_feasible,
        actions,
        plan,
    })
}

/// Pairs the plan's decreases with its increases, largest first, and prices each move alone.
fn actions(problem: &Problem, current: &[Cents], plan: &Plan, max: usize) -> Vec<HealthAction> {
    let value = |i: usize, c: Cents| -> f64 {
        let it = &problem.items[i];
        let x = major_from_cents(c);
        let out = it.curve.value(x);
        match problem.objective {
            Objective::Profit { margin } => margin * out - x,
            Objective::Weighted {
                primary,
                secondary,
                spend,
            } => {
                primary * out + secondary * it.secondary_curve.map_or(0.0, |g| g.value(x))
                    - spend * x
            }
            _ => out,
        }
    };
    let mut down: Vec<(usize, Cents)> = Vec::new();
    let mut up: Vec<(usize, Cents)> = Vec::new();
    for (i, item) in plan.items.iter().enumerate() {
        let d = item.spend - current[i];
        if d < 0 {
            down.push((i, -d));
        } else if d > 0 {
            up.push((i, d));
        }
    }
    let order = |v: &mut Vec<(usize, Cents)>| v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    order(&mut down);
    order(&mut up);
    let mut out = Vec::new();
    let (mut a, mut b) = (0, 0);
    while a < down.len() || b < up.len() {
        let from = down.get(a).copied();
        let to = up.get(b).copied();
        let amount = match (from, to) {
            (Some((_, x)), Some((_, y))) => x.min(y),
            (Some((_, x)), None) => x,
            (None, Some((_, y))) => y,
            (None, None) => break,
        };
        let mut gain = 0.0;
        if let Some((i, _)) = from {
            gain += value(i, current[i] - amount) - value(i, current[i]);
        }
        if let Some((j, _)) = to {
            gain += value(j, current[j] + amount) - value(j, current[j]);
        }
        let name = |o: Option<(usize, Cents)>| o.map(|(i, _)| problem.items[i].id.clone());
        let description = match (&name(from), &name(to)) {
            (Some(f), Some(t)) => format!(
                "move {} from {f} to {t}: {:+.2} expected",
                money(amount),
                gain
            ),
            (Some(f), None) => format!("cut {f} by {}: {:+.2} expected", money(amount), gain),
            (None, Some(t)) => {
                format!("raise {t} by {}: {:+.2} expected", money(amount), gain)
            }
            (None, None) => String::new(),
        };
        out.push(HealthAction {
            from: name(from),
            to: name(to),
            amount,
            expected_gain: gain,
            description,
        });
        if let Some(f) = down.get_mut(a) {
            f.1 -= amount;
            if f.1 == 0 {
                a += 1;
            }
        }
        if let Some(t) = up.get_mut(b) {
            t.1 -= amount;
            if t.1 == 0 {
                b += 1;
            }
        }
    }
    out.sort_by(|x, y| y.expected_gain.total_cmp(&x.expected_gain));
    out.truncate(max);
    out
}
