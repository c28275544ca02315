//! Turns a [`Problem`] into integer boxes per item and linear rows, in *ticks*.
//!
//! A tick is one spend-granularity step (one cent by default). Item bounds are rounded inward
//! to whole ticks, so any plan inside the boxes meets every money bound to the cent. Only the
//! constraint units selected by `active` are compiled: the infeasibility diagnosis re-compiles
//! subsets.

use super::problem::{
    BudgetMode, Cents, ConstraintRef, GroupBound, Indexed, ItemBound, Objective, Problem,
};

/// Upper bound used for an item that nothing bounds (only possible when the budget is off).
pub(crate) const UNBOUNDED: i64 = i64::MAX / 4;

/// A linear row `lo ≤ Σ coefs·x + Σ outcome·f(x) ≤ hi`, `x` in ticks.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub source: ConstraintRef,
    pub coefs: Vec<(usize, f64)>,
    /// Coefficients on each item's outcome (only for target ROAS/CPA rows).
    pub outcome: Vec<(usize, f64)>,
    pub lo: f64,
    pub hi: f64,
}

impl Row {
    /// Whether every coefficient is 1 and the bounds are whole ticks (an exact integer row).
    pub fn is_integral(&self) -> bool {
        self.outcome.is_empty() && self.coefs.iter().all(|&(_, a)| a == 1.0)
    }
}

/// An item whose own bounds cannot hold together.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BoxConflict;

/// The compiled problem.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// Cents per tick.
    pub unit: Cents,
    pub lo: Vec<i64>,
    pub hi: Vec<i64>,
    pub lo_src: Vec<Option<ConstraintRef>>,
    pub hi_src: Vec<Option<ConstraintRef>>,
    pub rows: Vec<Row>,
    /// Weight on each item's outcome in the objective.
    pub weight: f64,
    /// Objective cost per tick of spend (1 dollar per dollar for profit, else 0).
    pub cost_per_tick: f64,
}

impl Compiled {
    /// The mean width `hi − lo` (in cents) of the `free` items, at least 1: the scale that keeps
    /// the LP's columns near unit size. 1 when nothing is free.
    pub(crate) fn mean_width(&self, free: &[usize]) -> f64 {
        if free.is_empty() {
            return 1.0;
        }
        let total: f64 = free.iter().map(|&i| (self.hi[i] - self.lo[i]) as f64).sum();
        (total / free.len() as f64).max(1.0)
    }
}

fn ceil_div_f(v: f64, unit: Cents) -> i64 {
    let t = v / unit as f64;
    (t - 1e-9 * t.abs().max(1.0)).ceil() as i64
}

fn floor_div_f(v: f64, unit: Cents) -> i64 {
    let t = v / unit as f64;
    (t + 1e-9 * t.abs().max(1.0)).floor() as i64
}

fn tighten_lo(lo: &mut i64, src: &mut Option<ConstraintRef>, v: i64, by: ConstraintRef) {
    if v > *lo {
        *lo = v;
        *src = Some(by);
    }
}

fn tighten_hi(hi: &mut i64, src: &mut Option<ConstraintRef>, v: i64, by: ConstraintRef) {
    if v < *hi {
        *hi = v;
        *src = Some(by);
    }
}

/// Compiles the units for which `active` holds.
pub(crate) fn compile(
    p: &Problem,
    ix: &Indexed,
    active: &dyn Fn(ConstraintRef) -> bool,
) -> Result<Compiled, BoxConflict> {
    let c = &p.constraints;
    let unit = c.granularity;
    let n = p.items.len();
    let mut lo = vec![0i64; n];
    let mut hi = vec![UNBOUNDED; n];
    let mut lo_src: Vec<Option<ConstraintRef>> = vec![None; n];
    let mut hi_src: Vec<Option<ConstraintRef>> = vec![None; n];

    let cap = p.objective.budget_is_cap() || c.budget.mode == BudgetMode::AtMost;
    let budget_ticks = c.budget.amount.div_euclid(unit);
    let budget_on = active(ConstraintRef::Budget);

    if c.platform_minimums {
        for (i, it) in p.items.iter().enumerate() {
            if let Some(m) = it.platform_min.filter(|&m| m > 0) {
                let r = ConstraintRef::PlatformMin(i);
                if active(r) {
                    tighten_lo(&mut lo[i], &mut lo_src[i], ceil_div_f(m as f64, unit), r);
                }
            }
        }
    }
    if let Some(l) = &c.change_limit
        && active(ConstraintRef::ChangeLimit)
    {
        for (i, it) in p.items.iter().enumerate() {
            if ix.exempt[i] {
                continue;
            }
            if let Some(cur) = it.current {
                let cur = cur as f64;
                let r = ConstraintRef::ChangeLimit;
                let down = ceil_div_f(cur * (1.0 - l.max_decrease).max(0.0), unit);
                let up = floor_div_f(cur * (1.0 + l.max_increase), unit);
                tighten_lo(&mut lo[i], &mut lo_src[i], down, r);
                tighten_hi(&mut hi[i], &mut hi_src[i], up, r);
            }
        }
    }
    for (r_ix, rule) in c.items.iter().enumerate() {
        let i = ix.rule_items[r_ix];
        let cur = p.items[i].current.unwrap_or(0) as f64;
        let money = |b: &ItemBound| match *b {
            ItemBound::Money(v) => v as f64,
            ItemBound::RelativeToCurrent(f) => f * cur,
        };
        if let Some(b) = &rule.min {
            let r = ConstraintRef::ItemMin(r_ix);
            if active(r) {
                tighten_lo(&mut lo[i], &mut lo_src[i], ceil_div_f(money(b), unit), r);
            }
        }
        if let Some(b) = &rule.max {
            let r = ConstraintRef::ItemMax(r_ix);
            if active(r) {
                tighten_hi(&mut hi[i], &mut hi_src[i], floor_div_f(money(b), unit), r);
            }
        }
        if rule.locked {
            let r = ConstraintRef::Lock(r_ix);
            if active(r) {
                tighten_lo(&mut lo[i], &mut lo_src[i], ceil_div_f(cur, unit), r);
                tighten_hi(&mut hi[i], &mut hi_src[i], floor_div_f(cur, unit), r);
            }
        }
    }
    for i in 0..n {
        if lo[i] > hi[i] {
            return Err(BoxConflict);
        }
    }
    // The budget implies an upper bound on every item given the others' minimums.
    if budget_on {
        let sum_lo: i64 = lo.iter().sum();
        for i in 0..n {
            let implied = budget_ticks - (sum_lo - lo[i]);
            if implied < hi[i] {
                hi[i] = implied.max(lo[i]);
                hi_src[i] = Some(ConstraintRef::Budget);
            }
        }
    }

    let mut rows = Vec::new();
    let all: Vec<(usize, f64)> = (0..n).map(|i| (i, 1.0)).collect();
    if budget_on {
        let lo_b = if cap {
            f64::NEG_INFINITY
        } else {
            budget_ticks as f64
        };
        rows.push(Row {
            source: ConstraintRef::Budget,
            coefs: all.clone(),
            outcome: Vec::new(),
            lo: lo_b,
            hi: budget_ticks as f64,
        });
    }
    for (g, gr) in c.groups.iter().enumerate() {
        let members = &ix.group_items[g];
        for (is_min, bound) in [(true, &gr.min), (false, &gr.max)] {
            let Some(b) = bound else { continue };
            let r = if is_min {
                ConstraintRef::GroupMin(g)
            } else {
                ConstraintRef::GroupMax(g)
            };
            if !active(r) {
                continue;
            }
            let row = match *b {
                GroupBound::Money(v) => {
                    let coefs = members.iter().map(|&i| (i, 1.0)).collect();
                    if is_min {
                        let t = ceil_div_f(v as f64, unit) as f64;
                        (coefs, t, f64::INFINITY)
                    } else {
                        let t = floor_div_f(v as f64, unit) as f64;
                        (coefs, f64::NEG_INFINITY, t)
                    }
                }
                GroupBound::Share(s) if !cap && budget_on => {
                    let coefs = members.iter().map(|&i| (i, 1.0)).collect();
                    let v = s * c.budget.amount as f64;
                    if is_min {
                        (coefs, ceil_div_f(v, unit) as f64, f64::INFINITY)
                    } else {
                        (coefs, f64::NEG_INFINITY, floor_div_f(v, unit) as f64)
                    }
                }
                GroupBound::Share(s) => {
                    // Σ_G x − s Σ x, compared with 0: a share of the actual total.
                    let mut coefs: Vec<(usize, f64)> = (0..n).map(|i| (i, -s)).collect();
                    for &i in members {
                        coefs[i].1 = 1.0 - s;
                    }
                    if is_min {
                        (coefs, 0.0, f64::INFINITY)
                    } else {
                        (coefs, f64::NEG_INFINITY, 0.0)
                    }
                }
            };
            rows.push(Row {
                source: r,
                coefs: row.0,
                outcome: Vec::new(),
                lo: row.1,
                hi: row.2,
            });
        }
    }
    let per_tick = unit as f64 / 100.0;
    let target_row = match p.objective {
        Objective::TargetRoas { target } => Some((1.0, -target * per_tick)),
        Objective::TargetCpa { target } => Some((target, -per_tick)),
        _ => None,
    };
    if let Some((b, a)) = target_row
        && active(ConstraintRef::Target)
    {
        rows.push(Row {
            source: ConstraintRef::Target,
            coefs: (0..n).map(|i| (i, a)).collect(),
            outcome: (0..n).map(|i| (i, b)).collect(),
            lo: 0.0,
            hi: f64::INFINITY,
        });
    }
    let (weight, cost_per_tick) = match p.objective {
        Objective::Profit { margin } => (margin, per_tick),
        // The outcome weights live in the curves' mix; the spend weight is a cost.
        Objective::Weighted { spend, .. } => (1.0, spend * per_tick),
        _ => (1.0, 0.0),
    };
    Ok(Compiled {
        unit,
        lo,
        hi,
        lo_src,
        hi_src,
        rows,
        weight,
        cost_per_tick,
    })
}
