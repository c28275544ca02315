//! The budget optimizer: the allocation that best meets a goal under the team's constraints.
//!
//! Entry point: [`optimize`]. The method (see `docs/optimizer.md`):
//!
//! 1. [`Problem`] is compiled to integer boxes per item (in ticks of the spend granularity,
//!    one cent by default) and a few linear rows (budget, groups, target).
//! 2. Each concave curve becomes a piecewise-linear function with breakpoints on whole ticks
//!    inside the item's box; HiGHS solves the LP (see [`solver`]).
//! 3. The row duals give an exact Lagrangian upper bound; its per-item maximizers are added as
//!    breakpoints until the relative gap is ≤ the tolerance (1e-6 by default).
//! 4. The LP plan is rounded to whole cents by a tiny MIP and checked exactly.
//! 5. Duals become explanations: the budget's shadow price, each binding constraint's price, and
//!    each item's marginal return.
//!
//! Infeasible constraints are diagnosed by a deletion filter, which returns a minimal set of
//! conflicting constraints in words ([`EngineError::Infeasible`]).
//!
//! For thousands of items the LP is solved on a restricted set of items, warm-started from an
//! LP over classes of items that share their rows, and completed by pricing (see
//! `solver::solve_lp_warm`). S-shaped curves and on/off rules (minimum if active, at most K
//! active) go first through an outer-approximation MIP with a proven bound (see `sshape`).

pub mod curve;
pub mod from_model;
pub mod problem;
pub mod scenario;

mod compile;
mod iis;
mod risk;
mod round;
mod solver;
mod sshape;

use serde::{Deserialize, Serialize};

pub use curve::{CurveParams, CurveParamsRequest, ResponseCurve, Saturation};
pub use from_model::items_from_model;
pub use problem::{
    Budget, BudgetMode, Cents, ChangeLimit, ConstraintRef, Constraints, GroupBound, GroupRule,
    Item, ItemBound, ItemRule, Objective, Problem, cents_from_major, major_from_cents,
};

use crate::error::{EngineError, Result};
use compile::{Compiled, compile};
use solver::{Curves, LpOutcome, Pwl, item_objective, lagrangian_bound, relative_gap};

/// Knobs of the method. The defaults are what the product uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OptimizeOptions {
    /// Target relative optimality gap.
    pub tolerance: f64,
    /// Most refinement rounds before giving up on the tolerance (the plan is still returned,
    /// with its measured gap).
    pub max_rounds: usize,
    /// Evenly spaced breakpoints per item to start from, besides the box ends and current spend.
    pub initial_breakpoints: usize,
    /// Coverage of the outcome intervals computed from curve samples.
    pub interval_level: f64,
}

impl Default for OptimizeOptions {
    fn default() -> Self {
        Self {
            tolerance: 1e-6,
            max_rounds: 60,
            initial_breakpoints: 2,
            interval_level: 0.9,
        }
    }
}

/// An interval from the curves' parameter samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower quantile.
    pub lower: f64,
    /// Upper quantile.
    pub upper: f64,
    /// Coverage, e.g. 0.9 for the 5%–95% quantiles.
    pub level: f64,
}

/// Which side of an item's box holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Held at its minimum.
    Lower,
    /// Held at its maximum.
    Upper,
}

/// The constraint holding one item at a bound, and what relaxing it is worth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemBinding {
    /// Which side.
    pub side: Side,
    /// The constraint that sets the bound (`None`: spend cannot go below zero).
    pub constraint: Option<ConstraintRef>,
    /// Objective gained per unit of money the bound is relaxed (≥ 0).
    pub value_per_unit: f64,
}

/// One item of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedItem {
    /// The item's id.
    pub id: String,
    /// Planned spend per period, in cents.
    pub spend: Cents,
    /// Current spend, if known.
    pub current: Option<Cents>,
    /// Expected outcome per period at the planned spend.
    pub expected_outcome: f64,
    /// Interval of the outcome when the curve carries samples.
    pub outcome_interval: Option<Interval>,
    /// Marginal outcome per unit of money at the planned spend.
    pub marginal_return: f64,
    /// The bound holding the item, when one does.
    pub binding: Option<ItemBinding>,
}

/// A constraint that is binding at the optimum, priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingConstraint {
    /// Which constraint.
    pub constraint: ConstraintRef,
    /// In words.
    pub description: String,
    /// Objective gained per unit of money the constraint is relaxed (for item-bound
    /// constraints: summed over the items it holds, each relaxed by one unit).
    pub value_per_unit: f64,
    /// How many items it holds at a bound (0 for rows: budget, groups, target).
    pub items_held: usize,
}

/// The current allocation, evaluated on the same curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentAllocation {
    /// Total current spend.
    pub spend: Cents,
    /// Its expected outcome.
    pub expected_outcome: f64,
    /// Its objective value.
    pub objective_value: f64,
    /// Whether it meets every constraint of the problem.
    pub feasible: bool,
}

/// The optimizer's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// One entry per item, in the problem's order.
    pub items: Vec<PlannedItem>,
    /// Total planned spend, in cents.
    pub total_spend: Cents,
    /// Expected outcome per period.
    pub expected_outcome: f64,
    /// Interval of the total outcome when curves carry samples.
    pub outcome_interval: Option<Interval>,
    /// The objective's value (the outcome, or profit).
    pub objective_value: f64,
    /// A proven upper bound on the best achievable objective.
    pub upper_bound: f64,
    /// `(upper_bound − objective_value) / |upper_bound|`.
    pub gap: f64,
    /// Refinement rounds used.
    pub rounds: usize,
    /// Linear pieces in the final LP.
    pub segments: usize,
    /// Objective gained per extra unit of money of budget (0 when the budget is not binding).
    pub budget_shadow_price: f64,
    /// Binding constraints, most valuable to relax first.
    pub binding: Vec<BindingConstraint>,
    /// The current allocation, when every item has a current spend.
    pub current: Option<CurrentAllocation>,
}

impl Plan {
    /// Spend of an item by id.
    pub fn spend_of(&self, id: &str) -> Option<Cents> {
        self.items.iter().find(|i| i.id == id).map(|i| i.spend)
    }
}

/// Finds the best allocation.
///
/// # Errors
///
/// [`EngineError::InvalidInput`] for bad numbers or ids, [`EngineError::Infeasible`] with a
/// minimal conflicting set when the constraints cannot hold together, and
/// [`EngineError::NotConverged`] if the solver fails.
pub fn optimize(problem: &Problem, options: &OptimizeOptions) -> Result<Plan> {
    if !(options.tolerance.is_finite() && options.tolerance > 0.0) {
        return Err(EngineError::invalid("tolerance", "must be > 0"));
    }
    let ix = problem.index()?;
    let comp = match compile(problem, &ix, &|_| true) {
        Ok(c) => c,
        Err(_) => return Err(iis::diagnose(problem, &ix)),
    };
    let unit = comp.unit;
    let curves = Curves::of(&problem.items, unit as f64 / 100.0, &problem.objective);
    let current_ticks: Vec<Option<i64>> = problem
        .items
        .iter()
        .map(|it| it.current.filter(|c| c % unit == 0).map(|c| c / unit))
        .collect();
    // Items whose curve is S-shaped somewhere on their box.
    let convex_until: Vec<Option<f64>> = problem
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let lo_money = comp.lo[i] as f64 * curves.per_tick;
            (comp.hi[i] > comp.lo[i] && !it.curve.params.is_concave_from(lo_money))
                .then(|| it.curve.params.convex_below() / curves.per_tick)
        })
        .collect();

    if let Objective::Weighted { .. } = problem.objective {
        for (i, it) in problem.items.iter().enumerate() {
            let lo_money = comp.lo[i] as f64 * curves.per_tick;
            let concave = it.curve.params.is_concave_from(lo_money)
                && it
                    .secondary_curve
                    .is_none_or(|g| g.is_concave_from(lo_money));
            if comp.hi[i] > comp.lo[i] && !concave {
                return Err(EngineError::invalid(
                    format!("items[{i}].curve"),
                    "the weighted objective needs curves that are concave on the item's range",
                ));
            }
        }
    }
    if let Objective::RiskAware { alpha } = problem.objective {
        return optimize_risk_aware(problem, &ix, &comp, &curves, &current_ticks, alpha, options);
    }
    // On/off rules (minimum if active, at most K active).
    let Some((activity, mip_comp)) = on_off_rules(problem, &ix, &comp, &|_| true) else {
        return Err(iis::diagnose(problem, &ix));
    };

    let mut work = mip_comp.clone();
    let mut outer_upper = None;
    let mut rounds = 0;
    if convex_until.iter().any(Option::is_some) || !activity.is_empty() {
        let (x, upper, r) = solve_s_shaped(
            problem,
            &ix,
            &mip_comp,
            &curves,
            MipInputs {
                convex_until: &convex_until,
                current_ticks: &current_ticks,
                activity: &activity,
            },
            options,
        )?;
        rounds += r;
        outer_upper = Some(upper);
        // Fix each S-shaped item's regime at the MIP's answer: past the inflection the curve is
        // concave and the LP machinery finishes the job (duals, cents); below it, the item
        // stays where the MIP put it.
        for (i, &xi) in x.iter().enumerate() {
            if mip_comp.lo[i] == 0 && mip_comp.hi[i] > 0 && !activity.is_empty() {
                if xi < 0.5 {
                    work.hi[i] = 0;
                    continue;
                }
                if activity.max_active.is_some() || activity.min_if_active[i].is_some() {
                    work.lo[i] = activity.min_if_active[i]
                        .unwrap_or(1)
                        .max(1)
                        .min(work.hi[i]);
                }
            }
        }
        for (i, w) in convex_until.iter().enumerate() {
            if let Some(w) = *w {
                let wt = (w.ceil() as i64).clamp(comp.lo[i], comp.hi[i]);
                if x[i] >= w - 1e-9 * w.abs().max(1.0) && wt < comp.hi[i] {
                    work.lo[i] = work.lo[i].max(wt);
                } else {
                    let t = (x[i].round() as i64).clamp(comp.lo[i], comp.hi[i]);
                    work.lo[i] = t;
                    work.hi[i] = t;
                }
            }
        }
    }

    let (lp, concave_upper, r, segments) =
        match refine_concave(&work, &curves, &current_ticks, options)? {
            Some(v) => v,
            None if outer_upper.is_some() => {
                return Err(EngineError::NotConverged(
                    "the S-shaped items' regimes from the MIP could not be completed".to_owned(),
                ));
            }
            None => return Err(iis::diagnose(problem, &ix)),
        };
    rounds += r;
    // The concave bound holds for the original problem only when no regime was fixed.
    let best_upper = outer_upper.unwrap_or(concave_upper);
    let mut ticks = round::round_plan(&work, &curves, &lp)?;

    // Never worse than a feasible current allocation.
    let current_plan: Option<Vec<i64>> = current_ticks.iter().copied().collect();
    let mut current_feasible = false;
    if let Some(cur) = &current_plan {
        current_feasible = round::satisfies(&comp, &curves, cur) && activity.allows(cur);
        let f_cur = ticks_objective(&comp, &curves, cur);
        if current_feasible && f_cur > ticks_objective(&comp, &curves, &ticks) {
            ticks = cur.clone();
        }
    }
    if !activity.allows(&ticks) {
        return Err(EngineError::NotConverged(
            "the plan broke a minimum-if-active or active-count rule".to_owned(),
        ));
    }
    let value = ticks_objective(&comp, &curves, &ticks);
    let upper = best_upper.max(value);
    Ok(explain(
        problem,
        &work,
        &curves,
        &ticks,
        &lp.duals,
        Solved {
            value,
            upper,
            rounds,
            segments,
            current_feasible,
            level: options.interval_level,
        },
    ))
}

/// The risk-aware objective (CVaR over samples), see [`risk`].
fn optimize_risk_aware(
    problem: &Problem,
    ix: &problem::Indexed,
    comp: &Compiled,
    curves: &Curves<'_>,
    current_ticks: &[Option<i64>],
    alpha: f64,
    options: &OptimizeOptions,
) -> Result<Plan> {
    let s_count = problem
        .items
        .iter()
        .map(|it| it.curve.samples.len())
        .max()
        .unwrap_or(0);
    let mut per_item = Vec::with_capacity(problem.items.len());
    for (i, it) in problem.items.iter().enumerate() {
        let lo_money = comp.lo[i] as f64 * curves.per_tick;
        if comp.hi[i] > comp.lo[i]
            && (!it.curve.params.is_concave_from(lo_money)
                || it
                    .curve
                    .samples
                    .iter()
                    .any(|p| !p.is_concave_from(lo_money)))
        {
            return Err(EngineError::invalid(
                format!("items[{i}].curve"),
                "the risk-aware objective needs curves that are concave on the item's range",
            ));
        }
        per_item.push(match it.curve.samples.len() {
            0 => vec![&it.curve.params; s_count],
            k if k == s_count => it.curve.samples.iter().collect(),
            k => {
                return Err(EngineError::invalid(
                    format!("items[{i}].samples"),
                    format!(
                        "every item needs the same number of samples ({s_count}) or none, got {k}"
                    ),
                ));
            }
        });
    }
    if problem.constraints.max_active.is_some()
        || problem
            .constraints
            .items
            .iter()
            .any(|r| r.min_if_active.is_some())
    {
        return Err(EngineError::invalid(
            "objective",
            "the risk-aware objective does not support on/off rules yet",
        ));
    }
    let sc = risk::Scenarios {
        per_item,
        per_tick: curves.per_tick,
        alpha,
    };
    let Some(sol) = risk::solve(
        comp,
        &sc,
        current_ticks,
        options.tolerance,
        options.max_rounds,
    )?
    else {
        return Err(iis::diagnose(problem, ix));
    };
    let mut ticks = round::round_plan(comp, curves, &sol.lp)?;
    let as_f = |t: &[i64]| t.iter().map(|&v| v as f64).collect::<Vec<f64>>();
    let current_plan: Option<Vec<i64>> = current_ticks.iter().copied().collect();
    let mut current_feasible = false;
    if let Some(cur) = &current_plan {
        current_feasible = round::satisfies(comp, curves, cur);
        if current_feasible
            && risk::plan_cvar(&sc, &as_f(cur)) > risk::plan_cvar(&sc, &as_f(&ticks))
        {
            ticks = cur.clone();
        }
    }
    let value = risk::plan_cvar(&sc, &as_f(&ticks));
    Ok(explain(
        problem,
        comp,
        curves,
        &ticks,
        &sol.lp.duals,
        Solved {
            value,
            upper: sol.upper.max(value),
            rounds: sol.rounds,
            segments: sol.segments,
            current_feasible,
            level: options.interval_level,
        },
    ))
}

/// The concave path: PWL LP refined until the Lagrangian gap is within tolerance, then
/// polished. `None` when infeasible. Returns the LP, the best upper bound, rounds and pieces.
fn refine_concave(
    comp: &Compiled,
    curves: &Curves<'_>,
    current_ticks: &[Option<i64>],
    options: &OptimizeOptions,
) -> Result<Option<(solver::LpSolution, f64, usize, usize)>> {
    let mut pwl = Pwl::new(comp, curves, current_ticks, options.initial_breakpoints);
    let mut best_upper = f64::INFINITY;
    let mut rounds = 0;
    let mut last: Option<solver::LpSolution> = None;
    for round in 0..options.max_rounds.max(1) {
        rounds = round + 1;
        let guess = last.as_ref().map(|l| l.duals.as_slice());
        let lp = match solver::solve_lp_warm(comp, &pwl, guess, options.tolerance * 0.1)? {
            LpOutcome::Solved(lp) => lp,
            LpOutcome::Infeasible => return Ok(None),
        };
        let x = lp.x();
        let value = solver::objective(comp, curves, &x);
        let (upper, argmax) = lagrangian_bound(comp, curves, &lp.duals);
        best_upper = best_upper.min(upper);
        let gap = relative_gap(best_upper, value);
        let mut added = false;
        if gap > options.tolerance * 0.5 {
            for (i, &z) in argmax.iter().enumerate() {
                added |= pwl.insert(curves, i, z.floor() as i64);
                added |= pwl.insert(curves, i, z.ceil() as i64);
            }
            for (i, &v) in x.iter().enumerate() {
                if lp.partial[i] > 0.0 {
                    added |= pwl.insert(curves, i, v.floor() as i64);
                    added |= pwl.insert(curves, i, v.ceil() as i64);
                }
            }
        }
        last = Some(lp);
        if !added {
            break;
        }
    }
    let Some(mut lp) = last else {
        return Err(EngineError::NotConverged("no LP was solved".to_owned()));
    };
    // Polish: one-tick segments around the plan, so the duals are the true marginal prices
    // (not the slope of a wide chord) and rounding starts from the exact local picture.
    let mut polished = false;
    for (i, v) in lp.x().into_iter().enumerate() {
        let (a, b) = (v.floor() as i64, v.ceil() as i64);
        for t in [a - 1, a, b, b + 1] {
            polished |= pwl.insert(curves, i, t);
        }
    }
    if polished {
        match solver::solve_lp_warm(comp, &pwl, Some(&lp.duals), options.tolerance * 0.1)? {
            LpOutcome::Solved(p) => {
                let (upper, _) = lagrangian_bound(comp, curves, &p.duals);
                best_upper = best_upper.min(upper);
                lp = p;
            }
            LpOutcome::Infeasible => return Ok(None),
        }
    }
    Ok(Some((lp, best_upper, rounds, pwl.len())))
}

/// The on/off rules among the `active` constraints, and the compiled problem with each item
/// that must spend anyway raised to its minimum-if-active. `None` when these rules alone
/// cannot hold (a minimum-if-active above an item's maximum, or more items that must spend than
/// the active-count limit allows).
pub(crate) fn on_off_rules(
    problem: &Problem,
    ix: &problem::Indexed,
    comp: &Compiled,
    active: &dyn Fn(ConstraintRef) -> bool,
) -> Option<(sshape::Activity, Compiled)> {
    let unit = comp.unit;
    let mut activity = sshape::Activity {
        min_if_active: vec![None; comp.lo.len()],
        max_active: problem
            .constraints
            .max_active
            .filter(|_| active(ConstraintRef::MaxActive)),
        always_active: 0,
    };
    let mut mip_comp = comp.clone();
    for (r, rule) in problem.constraints.items.iter().enumerate() {
        if let Some(m) = rule
            .min_if_active
            .filter(|_| active(ConstraintRef::MinIfActive(r)))
        {
            let i = ix.rule_items[r];
            let t = m.div_euclid(unit) + i64::from(m.rem_euclid(unit) != 0);
            activity.min_if_active[i] = Some(activity.min_if_active[i].unwrap_or(0).max(t));
            // An item that must spend anyway must spend its minimum-if-active.
            if comp.lo[i] > 0 && t > mip_comp.lo[i] {
                if t > comp.hi[i] {
                    return None;
                }
                mip_comp.lo[i] = t;
            }
        }
    }
    activity.always_active = mip_comp.lo.iter().filter(|&&l| l > 0).count();
    if activity
        .max_active
        .is_some_and(|k| activity.always_active > k)
    {
        return None;
    }
    Some((activity, mip_comp))
}

/// What the MIP path needs besides the compiled problem.
struct MipInputs<'a> {
    /// Per item, the spend (ticks) below which its curve is convex, if it is S-shaped.
    convex_until: &'a [Option<f64>],
    /// Per item, the current spend in ticks.
    current_ticks: &'a [Option<i64>],
    /// On/off rules.
    activity: &'a sshape::Activity,
}

/// The S-shaped path: the outer MIP refined at its plan until the gap is within tolerance.
/// Returns the plan (ticks, fractional), the best upper bound and the rounds.
fn solve_s_shaped(
    problem: &Problem,
    ix: &problem::Indexed,
    comp: &Compiled,
    curves: &Curves<'_>,
    mip: MipInputs<'_>,
    options: &OptimizeOptions,
) -> Result<(Vec<f64>, f64, usize)> {
    let MipInputs {
        convex_until,
        current_ticks,
        activity,
    } = mip;
    let n = comp.lo.len();
    let mut points: Vec<sshape::ItemPoints> = (0..n)
        .map(|i| {
            let (lo, hi) = (comp.lo[i] as f64, comp.hi[i] as f64);
            sshape::ItemPoints::new(
                lo,
                hi,
                convex_until[i].unwrap_or(lo),
                current_ticks[i].map(|c| c as f64),
                options.initial_breakpoints.max(2),
            )
        })
        .collect();
    let mut best: Option<(Vec<f64>, f64)> = None;
    let mut best_upper = f64::INFINITY;
    let mut rounds = 0;
    for round in 0..options.max_rounds.max(1) {
        rounds = round + 1;
        let Some(sol) =
            sshape::solve_outer(comp, curves, &points, activity, options.tolerance * 0.1)?
        else {
            return Err(iis::diagnose(problem, ix));
        };
        best_upper = best_upper.min(sol.upper);
        let value = solver::objective(comp, curves, &sol.x);
        if best.as_ref().is_none_or(|b| value > b.1) {
            best = Some((sol.x.clone(), value));
        }
        let incumbent = best.as_ref().map_or(value, |b| b.1);
        if relative_gap(best_upper, incumbent) <= options.tolerance * 0.5 {
            break;
        }
        let mut added = false;
        for (i, &v) in sol.x.iter().enumerate() {
            added |= points[i].insert(v);
            added |= points[i].refine_vertical_start(curves, i, v);
        }
        if !added {
            break;
        }
    }
    let (x, _) = best.ok_or_else(|| EngineError::NotConverged("no MIP was solved".to_owned()))?;
    Ok((x, best_upper, rounds))
}

/// Rounds a fractional allocation (cents per item) that meets the problem's linear
/// constraints (for example an average of optimal plans) to whole ticks meeting them exactly.
///
/// # Errors
///
/// [`EngineError::InvalidInput`] for a malformed problem or allocation, and
/// [`EngineError::NotConverged`] if no rounding within one tick of it exists.
pub fn round_allocation(problem: &Problem, cents: &[f64]) -> Result<Vec<Cents>> {
    let ix = problem.index()?;
    if cents.len() != problem.items.len() || cents.iter().any(|v| !v.is_finite()) {
        return Err(EngineError::invalid(
            "allocation",
            "needs one finite amount per item",
        ));
    }
    let comp = compile(problem, &ix, &|_| true).map_err(|_| iis::diagnose(problem, &ix))?;
    let curves = Curves::of(&problem.items, comp.unit as f64 / 100.0, &problem.objective);
    let unit = comp.unit as f64;
    let mut base = Vec::with_capacity(cents.len());
    let mut partial = Vec::with_capacity(cents.len());
    for (i, &c) in cents.iter().enumerate() {
        let t = (c / unit).clamp(comp.lo[i] as f64, comp.hi[i] as f64);
        let b = t.floor() as i64;
        base.push(b);
        partial.push(if t - b as f64 > 1e-9 {
            t - b as f64
        } else {
            0.0
        });
    }
    let lp = solver::LpSolution {
        base,
        partial,
        duals: vec![0.0; comp.rows.len()],
    };
    let ticks = round::round_plan(&comp, &curves, &lp)?;
    Ok(ticks.into_iter().map(|t| t * comp.unit).collect())
}

/// Each item's allowed spend range `[min, max]` in cents under all of the problem's own
/// bounds (change limit, item rules, locks, platform minimums, and the budget).
///
/// # Errors
///
/// [`EngineError::InvalidInput`] for a malformed problem, [`EngineError::Infeasible`] when an
/// item's own bounds conflict.
pub fn item_boxes(problem: &Problem) -> Result<Vec<(Cents, Cents)>> {
    let ix = problem.index()?;
    let comp = compile(problem, &ix, &|_| true).map_err(|_| iis::diagnose(problem, &ix))?;
    Ok(comp
        .lo
        .iter()
        .zip(&comp.hi)
        .map(|(&l, &h)| (l * comp.unit, h.saturating_mul(comp.unit)))
        .collect())
}

fn ticks_objective(comp: &Compiled, curves: &Curves<'_>, t: &[i64]) -> f64 {
    t.iter()
        .enumerate()
        .map(|(i, &v)| item_objective(comp, curves, i, v as f64))
        .sum()
}

struct Solved {
    value: f64,
    upper: f64,
    rounds: usize,
    segments: usize,
    current_feasible: bool,
    level: f64,
}

fn quantiles(mut v: Vec<f64>, level: f64) -> Option<Interval> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (v.len() - 1) as f64;
        let (a, b) = (pos.floor() as usize, pos.ceil() as usize);
        v[a] + (v[b] - v[a]) * (pos - a as f64)
    };
    let tail = (1.0 - level.clamp(0.0, 1.0)) / 2.0;
    Some(Interval {
        lower: q(tail),
        upper: q(1.0 - tail),
        level,
    })
}

fn explain(
    problem: &Problem,
    comp: &Compiled,
    curves: &Curves<'_>,
    ticks: &[i64],
    duals: &[f64],
    s: Solved,
) -> Plan {
    let unit = comp.unit;
    let per_tick = curves.per_tick;
    let n = ticks.len();
    // Per-item price of spend implied by the rows: Σ_r y_r a_ri (objective per tick).
    let mut price = vec![comp.cost_per_tick; n];
    let mut weight = vec![comp.weight; n];
    for (row, &y) in comp.rows.iter().zip(duals) {
        for &(i, a) in &row.coefs {
            price[i] += y * a;
        }
        for &(i, b) in &row.outcome {
            weight[i] -= y * b;
        }
    }
    let n_samples = problem
        .items
        .iter()
        .map(|it| it.curve.samples.len())
        .max()
        .unwrap_or(0);
    let mut total_samples = vec![0.0f64; n_samples];
    let mut items = Vec::with_capacity(n);
    let mut held: std::collections::BTreeMap<ConstraintRef, (f64, usize)> = Default::default();
    for (i, it) in problem.items.iter().enumerate() {
        let t = ticks[i] as f64;
        let spend = ticks[i] * unit;
        let money = spend as f64 / 100.0;
        let outcome = it.curve.value(money);
        let samples: Vec<f64> = (0..n_samples)
            .map(|s| it.curve.samples.get(s).map_or(outcome, |p| p.value(money)))
            .collect();
        for (acc, v) in total_samples.iter_mut().zip(&samples) {
            *acc += v;
        }
        let interval = if it.curve.samples.is_empty() {
            None
        } else {
            quantiles(samples, s.level)
        };
        // Reduced value of one more tick: positive wants more, negative wants less.
        let reduced = weight[i] * curves.df(i, t) - price[i];
        let tol = 1e-9
            * (weight[i] * curves.df(i, t))
                .abs()
                .max(price[i].abs())
                .max(1e-12);
        let binding = if ticks[i] >= comp.hi[i] && reduced > tol {
            Some((Side::Upper, comp.hi_src[i], reduced / per_tick))
        } else if ticks[i] <= comp.lo[i] && reduced < -tol {
            Some((Side::Lower, comp.lo_src[i], -reduced / per_tick))
        } else {
            None
        };
        let binding = binding.map(|(side, constraint, v)| {
            if let Some(c) = constraint
                && c != ConstraintRef::Budget
            {
                let e = held.entry(c).or_insert((0.0, 0));
                e.0 += v;
                e.1 += 1;
            }
            ItemBinding {
                side,
                constraint,
                value_per_unit: v,
            }
        });
        items.push(PlannedItem {
            id: it.id.clone(),
            spend,
            current: it.current,
            expected_outcome: outcome,
            outcome_interval: interval,
            marginal_return: it.curve.derivative(money),
            binding,
        });
    }
    let mut binding: Vec<BindingConstraint> = Vec::new();
    let mut budget_shadow_price = 0.0;
    for (row, &y) in comp.rows.iter().zip(duals) {
        let activity: f64 = row
            .coefs
            .iter()
            .map(|&(i, a)| a * ticks[i] as f64)
            .sum::<f64>()
            + row
                .outcome
                .iter()
                .map(|&(i, b)| b * curves.f(i, ticks[i] as f64))
                .sum::<f64>();
        let scale = activity.abs().max(1.0);
        let at_bound =
            (activity - row.hi).abs() <= 1e-6 * scale || (activity - row.lo).abs() <= 1e-6 * scale;
        let per_unit = (y / per_tick).abs();
        if row.source == ConstraintRef::Budget {
            budget_shadow_price = if at_bound { y / per_tick } else { 0.0 };
        }
        if at_bound && per_unit > 1e-12 {
            binding.push(BindingConstraint {
                constraint: row.source,
                description: problem.describe(row.source),
                value_per_unit: per_unit,
                items_held: 0,
            });
        }
    }
    for (c, (v, k)) in held {
        binding.push(BindingConstraint {
            constraint: c,
            description: problem.describe(c),
            value_per_unit: v,
            items_held: k,
        });
    }
    binding.sort_by(|a, b| b.value_per_unit.total_cmp(&a.value_per_unit));
    let total_spend = ticks.iter().sum::<i64>() * unit;
    let expected_outcome: f64 = items.iter().map(|i| i.expected_outcome).sum();
    let current = problem
        .items
        .iter()
        .map(|it| it.current)
        .collect::<Option<Vec<Cents>>>()
        .map(|cur| {
            let outcome: f64 = problem
                .items
                .iter()
                .zip(&cur)
                .map(|(it, &c)| it.curve.value(c as f64 / 100.0))
                .sum();
            let objective_value = match problem.objective {
                Objective::RiskAware { alpha } => {
                    let n_s = problem
                        .items
                        .iter()
                        .map(|it| it.curve.samples.len())
                        .max()
                        .unwrap_or(0);
                    let totals: Vec<f64> = (0..n_s)
                        .map(|s| {
                            problem
                                .items
                                .iter()
                                .zip(&cur)
                                .map(|(it, &c)| {
                                    it.curve
                                        .samples
                                        .get(s)
                                        .unwrap_or(&it.curve.params)
                                        .value(c as f64 / 100.0)
                                })
                                .sum()
                        })
                        .collect();
                    if totals.is_empty() {
                        outcome
                    } else {
                        risk::cvar(&totals, alpha)
                    }
                }
                Objective::Profit { margin } => {
                    margin * outcome - cur.iter().sum::<i64>() as f64 / 100.0
                }
                Objective::Weighted {
                    primary,
                    secondary,
                    spend,
                } => {
                    let second: f64 = problem
                        .items
                        .iter()
                        .zip(&cur)
                        .map(|(it, &c)| {
                            it.secondary_curve
                                .map_or(0.0, |g| g.value(c as f64 / 100.0))
                        })
                        .sum();
                    primary * outcome + secondary * second
                        - spend * cur.iter().sum::<i64>() as f64 / 100.0
                }
                _ => outcome,
            };
            CurrentAllocation {
                spend: cur.iter().sum(),
                expected_outcome: outcome,
                objective_value,
                feasible: s.current_feasible,
            }
        });
    Plan {
        items,
        total_spend,
        expected_outcome,
        outcome_interval: quantiles(total_samples, s.level),
        objective_value: s.value,
        upper_bound: s.upper,
        gap: relative_gap(s.upper, s.value),
        rounds: s.rounds,
        segments: s.segments,
        budget_shadow_price,
        binding,
        current,
    }
}
