//! Exploration by Thompson sampling.
//!
//! A share of the budget (12% by default) is reserved for uncertain or new items. Each draw
//! samples every uncertain item's curve from its parameter samples, optimizes the whole problem
//! (all constraints, plus "uncertain items get exactly the exploration share"), and the final
//! allocation is the average of the draws' plans, rounded to the cent. Averaging keeps every
//! linear constraint, so the blend is as feasible as each draw. Items that are often best under
//! plausible curves get more; items that are rarely best get their minimum. The draws come from
//! one seeded ChaCha stream: the same seed gives the same plan.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::optimize::{
    Cents, GroupBound, GroupRule, OptimizeOptions, Problem, optimize, round_allocation,
};

/// Knobs of exploration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplorationOptions {
    /// Share of the budget for uncertain or new items (default 0.12).
    pub share: f64,
    /// Thompson draws (default 32).
    pub draws: usize,
    /// Seed of the draws.
    pub seed: u64,
    /// Items to treat as uncertain. `None`: items without a current spend (or with zero), and
    /// items whose samples' outcome at the reference spend varies by more than `cv_threshold`.
    pub uncertain: Option<Vec<String>>,
    /// Coefficient of variation above which an item counts as uncertain (default 0.2).
    pub cv_threshold: f64,
}

impl Default for ExplorationOptions {
    fn default() -> Self {
        Self {
            share: 0.12,
            draws: 32,
            seed: 0,
            uncertain: None,
            cv_threshold: 0.2,
        }
    }
}

/// One item of an exploration plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExploredItem {
    /// Id.
    pub id: String,
    /// Final spend, cents.
    pub spend: Cents,
    /// Whether it took part in exploration.
    pub uncertain: bool,
    /// Share of draws in which it got more than its minimum in that draw's plan.
    pub funded_in: f64,
    /// Standard deviation of its spend across draws, cents.
    pub spend_spread: f64,
    /// Expected outcome at the final spend (point estimate).
    pub expected_outcome: f64,
}

/// The blended plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplorationPlan {
    /// Per item, in the problem's order.
    pub items: Vec<ExploredItem>,
    /// Total spend, cents.
    pub total_spend: Cents,
    /// The exploration budget, cents (exactly what the uncertain items get).
    pub exploration_budget: Cents,
    /// Expected outcome of the blend (point estimates).
    pub expected_outcome: f64,
    /// Expected outcome of the plain optimum without exploration.
    pub exploit_outcome: f64,
    /// What exploration costs in expected outcome today (`exploit − blend`, ≥ 0 up to noise).
    pub exploration_cost: f64,
    /// Draws used.
    pub draws: usize,
}

fn uncertain_items(problem: &Problem, o: &ExplorationOptions) -> Result<Vec<bool>> {
    if let Some(list) = &o.uncertain {
        let mut flags = vec![false; problem.items.len()];
        for id in list {
            let i = problem
                .items
                .iter()
                .position(|it| &it.id == id)
                .ok_or_else(|| EngineError::invalid("uncertain", format!("unknown item {id:?}")))?;
            flags[i] = true;
        }
        return Ok(flags);
    }
    let n = problem.items.len().max(1) as f64;
    let reference = problem.constraints.budget.amount as f64 / n / 100.0;
    Ok(problem
        .items
        .iter()
        .map(|it| {
            let at = it
                .current
                .filter(|&c| c > 0)
                .map_or(reference, |c| c as f64 / 100.0);
            if it.current.is_none_or(|c| c == 0) {
                return true;
            }
            let vals: Vec<f64> = it.curve.samples.iter().map(|p| p.value(at)).collect();
            if vals.len() < 2 {
                return false;
            }
            let mean = vals.iter().sum::<f64>() / vals.len() as f64;
            let var =
                vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (vals.len() - 1) as f64;
            mean > 0.0 && var.sqrt() / mean > o.cv_threshold
        })
        .collect())
}

/// Plans with exploration.
///
/// # Errors
///
/// [`EngineError::InvalidInput`] for a share outside [0, 1) or zero draws, and
/// [`EngineError::Infeasible`] (naming the exploration share) when the uncertain items cannot
/// take exactly that share under the constraints.
pub fn explore(
    problem: &Problem,
    options: &OptimizeOptions,
    o: &ExplorationOptions,
) -> Result<ExplorationPlan> {
    if !(o.share.is_finite() && (0.0..1.0).contains(&o.share)) {
        return Err(EngineError::invalid("share", "must be in [0, 1)"));
    }
    if o.draws == 0 {
        return Err(EngineError::invalid("draws", "must be at least 1"));
    }
    let flags = uncertain_items(problem, o)?;
    let exploit = optimize(problem, options)?;
    let budget = problem.constraints.budget.amount;
    let g = problem.constraints.granularity.max(1);
    let e = ((budget as f64 * o.share).round() as Cents) / g * g;
    let mut p = problem.clone();
    let members: Vec<String> = p
        .items
        .iter()
        .zip(&flags)
        .filter(|(_, f)| **f)
        .map(|(it, _)| it.id.clone())
        .collect();
    if !members.is_empty() {
        p.constraints.groups.push(GroupRule {
            name: format!("exploration ({:.0}% to uncertain items)", o.share * 100.0),
            items: members,
            min: Some(GroupBound::Money(e)),
            max: Some(GroupBound::Money(e)),
        });
    }
    let n = p.items.len();
    let mut rng = ChaCha8Rng::seed_from_u64(o.seed);
    let mut sum = vec![0.0f64; n];
    let mut sum_sq = vec![0.0f64; n];
    let mut funded = vec![0usize; n];
    let point: Vec<_> = p.items.iter().map(|it| it.curve.params).collect();
    for _ in 0..o.draws {
        let mut draw = p.clone();
        for (i, it) in draw.items.iter_mut().enumerate() {
            it.curve.params = point[i];
            if flags[i] && !it.curve.samples.is_empty() {
                let k = rng.random_range(0..it.curve.samples.len());
                it.curve.params = it.curve.samples[k];
            }
        }
        let plan = optimize(&draw, options)?;
        let floor = optimize_floor(&draw);
        for (i, it) in plan.items.iter().enumerate() {
            let v = it.spend as f64;
            sum[i] += v;
            sum_sq[i] += v * v;
            if it.spend > floor[i] {
                funded[i] += 1;
            }
        }
    }
    let d = o.draws as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / d).collect();
    let spend = round_allocation(&p, &mean)?;
    let items: Vec<ExploredItem> = p
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| ExploredItem {
            id: it.id.clone(),
            spend: spend[i],
            uncertain: flags[i],
            funded_in: funded[i] as f64 / d,
            spend_spread: (sum_sq[i] / d - mean[i] * mean[i]).max(0.0).sqrt(),
            expected_outcome: problem.items[i].curve.value(spend[i] as f64 / 100.0),
        })
        .collect();
    let expected_outcome: f64 = items.iter().map(|i| i.expected_outcome).sum();
    Ok(ExplorationPlan {
        total_spend: spend.iter().sum(),
        exploration_budget: if flags.iter().any(|f| *f) { e } else { 0 },
        expected_outcome,
        exploit_outcome: exploit.expected_outcome,
        exploration_cost: exploit.expected_outcome - expected_outcome,
        draws: o.draws,
        items,
    })
}

/// Each item's smallest allowed spend from its own rules (platform minimum, item minimum,
/// lock), used only to say whether a draw funded it.
fn optimize_floor(p: &Problem) -> Vec<Cents> {
    let mut floor: Vec<Cents> = p
        .items
        .iter()
        .map(|it| {
            if p.constraints.platform_minimums {
                it.platform_min.unwrap_or(0)
            } else {
                0
            }
        })
        .collect();
    if let Some(l) = &p.constraints.change_limit {
        for (i, it) in p.items.iter().enumerate() {
            if let Some(c) = it.current
                && !l.exempt.contains(&it.id)
            {
                floor[i] = floor[i].max((c as f64 * (1.0 - l.max_decrease)).ceil() as Cents);
            }
        }
    }
    floor
}
