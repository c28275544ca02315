//! The core: piecewise-linear LP on HiGHS, refined around the solution until the Lagrangian
//! upper bound certifies the optimality gap.
//!
//! Each item's curve is replaced by the chords between breakpoints (whole ticks inside the
//! item's box) in the *incremental* form `x_i = lo_i + Σ_k δ_ik`, `0 ≤ δ_ik ≤ len_ik`. For a
//! concave curve the chord slopes decrease, so the LP fills segments in order without binaries,
//! and the chord value is below the curve: the LP optimum is a feasible plan whose true value is
//! a lower bound. The rows (budget, groups, target) are the only constraints, so the LP has a
//! handful of rows whatever the number of items.
//!
//! The row duals `y` of that LP give the upper bound: for any `y` with the right signs,
//! `g(y) = Σ_r y_r·bound_r + Σ_i max_{lo_i ≤ x ≤ hi_i} [w_i f_i(x) − p_i x]` is at least the
//! true optimum (weak Lagrangian duality), and each one-dimensional maximization is solved
//! exactly on the true curve. Its maximizers become new breakpoints, which is column generation
//! on the curves: the bound and the plan meet, and the loop stops when
//! `(g − F(x)) / |g| ≤ tolerance`.

use highs::{ColProblem, HighsModelStatus, Sense};

use super::compile::{Compiled, Row};
use super::curve::CurveParams;
use crate::error::{EngineError, Result};

/// Evaluates the (per-tick) curves of the compiled problem.
pub(crate) struct Curves<'a> {
    pub params: Vec<&'a CurveParams>,
    /// Major currency units per tick.
    pub per_tick: f64,
    /// For the weighted objective: `primary·f + secondary·g` with each item's secondary curve.
    pub mix: Option<Mix<'a>>,
}

/// A weighted sum of each item's curve and its secondary curve.
pub(crate) struct Mix<'a> {
    pub primary: f64,
    pub secondary: f64,
    pub curves: Vec<Option<&'a CurveParams>>,
}

impl<'a> Curves<'a> {
    /// The point-estimate curves of a problem's items (with the weighted mix when asked).
    pub fn of(
        items: &'a [super::problem::Item],
        per_tick: f64,
        objective: &super::Objective,
    ) -> Self {
        let mix = match *objective {
            super::Objective::Weighted {
                primary, secondary, ..
            } => Some(Mix {
                primary,
                secondary,
                curves: items.iter().map(|i| i.secondary_curve.as_ref()).collect(),
            }),
            _ => None,
        };
        Self {
            params: items.iter().map(|i| &i.curve.params).collect(),
            per_tick,
            mix,
        }
    }

    /// Outcome (objective-weighted for the weighted objective) of item `i` at `t` ticks.
    pub fn f(&self, i: usize, t: f64) -> f64 {
        let x = t * self.per_tick;
        match &self.mix {
            None => self.params[i].value(x),
            Some(m) => {
                m.primary * self.params[i].value(x)
                    + m.curves[i].map_or(0.0, |g| m.secondary * g.value(x))
            }
        }
    }
    /// Marginal of [`Curves::f`] per tick at `t` ticks.
    pub fn df(&self, i: usize, t: f64) -> f64 {
        let x = t * self.per_tick;
        let d = match &self.mix {
            None => self.params[i].derivative(x),
            Some(m) => {
                m.primary * self.params[i].derivative(x)
                    + m.curves[i].map_or(0.0, |g| m.secondary * g.derivative(x))
            }
        };
        d * self.per_tick
    }
}

/// The objective of one item at `t` ticks.
pub(crate) fn item_objective(comp: &Compiled, curves: &Curves<'_>, i: usize, t: f64) -> f64 {
    comp.weight * curves.f(i, t) - comp.cost_per_tick * t
}

/// The true objective of a (possibly fractional) plan in ticks.
pub(crate) fn objective(comp: &Compiled, curves: &Curves<'_>, x: &[f64]) -> f64 {
    x.iter()
        .enumerate()
        .map(|(i, &t)| item_objective(comp, curves, i, t))
        .sum()
}

/// Per-item breakpoints (ticks, sorted, unique, first = lo, last = hi) and curve values there.
pub(crate) struct Pwl {
    pub bps: Vec<Vec<i64>>,
    pub vals: Vec<Vec<f64>>,
}

impl Pwl {
    /// Starts from the box ends, the current spend, and a few evenly spaced points.
    pub fn new(
        comp: &Compiled,
        curves: &Curves<'_>,
        current: &[Option<i64>],
        initial_points: usize,
    ) -> Self {
        let n = comp.lo.len();
        let mut bps = Vec::with_capacity(n);
        for (i, &cur) in current.iter().enumerate().take(n) {
            let (lo, hi) = (comp.lo[i], comp.hi[i]);
            let mut v = vec![lo, hi];
            if let Some(c) = cur
                && c > lo
                && c < hi
            {
                v.push(c);
            }
            let span = hi - lo;
            let k = initial_points as i64;
            if span > 1 && k > 0 {
                for j in 1..=k {
                    v.push(lo + ((span as i128 * j as i128) / (k as i128 + 1)) as i64);
                }
            }
            v.sort_unstable();
            v.dedup();
            bps.push(v);
        }
        let vals = bps
            .iter()
            .enumerate()
            .map(|(i, b)| b.iter().map(|&t| curves.f(i, t as f64)).collect())
            .collect();
        Self { bps, vals }
    }

    /// Inserts a breakpoint; returns whether it was new.
    pub fn insert(&mut self, curves: &Curves<'_>, i: usize, t: i64) -> bool {
        let b = &mut self.bps[i];
        let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
            return false;
        };
        if t <= first || t >= last {
            return false;
        }
        match b.binary_search(&t) {
            Ok(_) => false,
            Err(pos) => {
                b.insert(pos, t);
                self.vals[i].insert(pos, curves.f(i, t as f64));
                true
            }
        }
    }

    pub fn len(&self) -> usize {
        self.bps.iter().map(|b| b.len().saturating_sub(1)).sum()
    }
}

/// The LP solution: the plan in ticks (split into whole and fractional parts) and row prices.
pub(crate) struct LpSolution {
    /// The whole-tick part of each item: `lo` plus the fully used segments.
    pub base: Vec<i64>,
    /// The partly used part of each item, in ticks (0 for most items).
    pub partial: Vec<f64>,
    /// Marginal value of relaxing each row, in objective units per unit of row activity.
    pub duals: Vec<f64>,
}

impl LpSolution {
    pub fn x(&self) -> Vec<f64> {
        self.base
            .iter()
            .zip(&self.partial)
            .map(|(&b, &p)| b as f64 + p)
            .collect()
    }
}

/// What a solve of the piecewise-linear LP ended with.
pub(crate) enum LpOutcome {
    Solved(LpSolution),
    Infeasible,
}

/// Sign that turns HiGHS's row duals of a maximization into "objective gained per unit of
/// row bound relaxed upward". Pinned by `highs_dual_sign_is_as_assumed` below.
const DUAL_SIGN: f64 = 1.0;

fn highs_error(what: &str, e: impl std::fmt::Debug) -> EngineError {
    EngineError::NotConverged(format!("HiGHS failed to {what}: {e:?}"))
}

fn new_model(pb: ColProblem) -> Result<highs::Model> {
    let mut model = pb
        .try_optimise(Sense::Maximise)
        .map_err(|e| highs_error("load the problem", e))?;
    model
        .try_set_option("threads", 1)
        .map_err(|e| highs_error("set threads", e))?;
    // Presolve spends far more time than it saves on these few-row LPs.
    model
        .try_set_option("presolve", "off")
        .map_err(|e| highs_error("set presolve", e))?;
    Ok(model)
}

/// Solves the piecewise-linear LP for the current breakpoints.
pub(crate) fn solve_lp(comp: &Compiled, pwl: &Pwl) -> Result<LpOutcome> {
    solve_lp_fixing(comp, pwl, None)
}

/// Solves the LP with some items fixed at a breakpoint (`fixed[i] = Some(k)`: item `i` sits at
/// its `k`-th breakpoint and has no columns).
fn solve_lp_fixing(
    comp: &Compiled,
    pwl: &Pwl,
    fixed: Option<&[Option<usize>]>,
) -> Result<LpOutcome> {
    let n = comp.lo.len();
    let fixed_at = |i: usize| fixed.and_then(|f| f[i]);
    // Which rows each item appears in, with its money and outcome coefficients.
    let mut member: Vec<Vec<(usize, f64, f64)>> = vec![Vec::new(); n];
    for (r, row) in comp.rows.iter().enumerate() {
        for &(i, a) in &row.coefs {
            member[i].push((r, a, 0.0));
        }
        for &(i, b) in &row.outcome {
            match member[i].iter_mut().find(|m| m.0 == r) {
                Some(m) => m.2 = b,
                None => member[i].push((r, 0.0, b)),
            }
        }
    }
    // Scales: σ ticks per LP unit, ρ objective units per LP unit, s_r per row.
    let free: Vec<usize> = (0..n)
        .filter(|&i| comp.hi[i] > comp.lo[i] && fixed_at(i).is_none())
        .collect();
    let sigma = comp.mean_width(&free);
    let mut max_slope = 0.0f64;
    let mut row_scale = vec![0.0f64; comp.rows.len()];
    for &i in &free {
        let (b, v) = (&pwl.bps[i], &pwl.vals[i]);
        for k in 0..b.len().saturating_sub(1) {
            let len = (b[k + 1] - b[k]) as f64;
            let sf = (v[k + 1] - v[k]) / len;
            max_slope = max_slope.max((comp.weight * sf - comp.cost_per_tick).abs());
            for &(r, a, bb) in &member[i] {
                row_scale[r] = row_scale[r].max((a + bb * sf).abs());
            }
        }
    }
    let rho = if max_slope > 0.0 && max_slope.is_finite() {
        max_slope * sigma
    } else {
        1.0
    };
    for s in &mut row_scale {
        *s = if *s > 0.0 && s.is_finite() {
            *s * sigma
        } else {
            1.0
        };
    }
    // Row bounds, shifted by what the items' lower ends already contribute.
    let mut shift = vec![0.0f64; comp.rows.len()];
    let mut base = comp.lo.clone();
    for (i, m) in member.iter().enumerate() {
        let k = fixed_at(i).unwrap_or(0);
        base[i] = pwl.bps[i].get(k).copied().unwrap_or(comp.lo[i]);
        let v = pwl.vals[i].get(k).copied().unwrap_or(0.0);
        for &(r, a, b) in m {
            shift[r] += a * base[i] as f64 + b * v;
        }
    }
    let mut pb = ColProblem::default();
    let rows: Vec<highs::Row> = comp
        .rows
        .iter()
        .enumerate()
        .map(|(r, row): (usize, &Row)| {
            let lo = (row.lo - shift[r]) / row_scale[r];
            let hi = (row.hi - shift[r]) / row_scale[r];
            pb.add_row(lo..=hi)
        })
        .collect();
    let mut cols: Vec<(usize, f64)> = Vec::with_capacity(pwl.len());
    let mut entries: Vec<(highs::Row, f64)> = Vec::new();
    for &i in &free {
        let (b, v) = (&pwl.bps[i], &pwl.vals[i]);
        for k in 0..b.len().saturating_sub(1) {
            let len = (b[k + 1] - b[k]) as f64;
            let sf = (v[k + 1] - v[k]) / len;
            let cost = (comp.weight * sf - comp.cost_per_tick) * sigma / rho;
            entries.clear();
            for &(r, a, bb) in &member[i] {
                let e = (a + bb * sf) * sigma / row_scale[r];
                if e != 0.0 {
                    entries.push((rows[r], e));
                }
            }
            pb.add_column(cost, 0.0..=len / sigma, entries.iter().copied());
            cols.push((i, len));
        }
    }
    let mut partial = vec![0.0f64; n];
    if cols.is_empty() {
        // Nothing can move: feasible iff the fixed plan meets the rows.
        let feasible = comp.rows.iter().enumerate().all(|(r, row)| {
            let tol = 1e-9 * shift[r].abs().max(1.0);
            shift[r] >= row.lo - tol && shift[r] <= row.hi + tol
        });
        return Ok(if feasible {
            LpOutcome::Solved(LpSolution {
                base,
                partial,
                duals: vec![0.0; comp.rows.len()],
            })
        } else {
            LpOutcome::Infeasible
        });
    }
    let model = new_model(pb)?;
    let solved = model
        .try_solve()
        .map_err(|e| highs_error("solve the LP", e))?;
    match solved.status() {
        HighsModelStatus::Optimal => {}
        HighsModelStatus::Infeasible => return Ok(LpOutcome::Infeasible),
        other => {
            return Err(EngineError::NotConverged(format!(
                "the LP solver stopped with status {other:?}"
            )));
        }
    }
    let sol = solved.get_solution();
    for (&(i, len), &d) in cols.iter().zip(sol.columns()) {
        let frac = (d * sigma / len).clamp(0.0, 1.0);
        if frac >= 1.0 - 1e-9 {
            base[i] += len as i64;
        } else if frac > 1e-9 {
            partial[i] += frac * len;
        }
    }
    let duals = sol
        .dual_rows()
        .iter()
        .zip(&row_scale)
        .map(|(&d, &s)| DUAL_SIGN * d * rho / s)
        .collect();
    Ok(LpOutcome::Solved(LpSolution {
        base,
        partial,
        duals,
    }))
}

/// Above this many movable items, [`solve_lp_warm`] solves restricted LPs.
const RESTRICT_ABOVE: usize = 400;

/// Each item's price of spend and weight on its outcome under row prices `y`.
fn prices(comp: &Compiled, y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = comp.lo.len();
    let mut price = vec![comp.cost_per_tick; n];
    let mut weight = vec![comp.weight; n];
    for (row, &yr) in comp.rows.iter().zip(y) {
        if yr == 0.0 {
            continue;
        }
        for &(i, a) in &row.coefs {
            price[i] += yr * a;
        }
        for &(i, b) in &row.outcome {
            weight[i] -= yr * b;
        }
    }
    (price, weight)
}

/// Reduced slope of segment `k` of item `i` (objective per tick after paying the row prices).
fn reduced(pwl: &Pwl, i: usize, k: usize, price: f64, weight: f64) -> f64 {
    let (b, v) = (&pwl.bps[i], &pwl.vals[i]);
    let len = (b[k + 1] - b[k]) as f64;
    weight * (v[k + 1] - v[k]) / len - price
}

/// Under prices `y`: how many segments each item fills, and how far that choice is from
/// changing (relative slack; 0 = on the fence).
fn positions(comp: &Compiled, pwl: &Pwl, y: &[f64]) -> (Vec<usize>, Vec<f64>) {
    let (price, weight) = prices(comp, y);
    let n = comp.lo.len();
    let mut pos = vec![0usize; n];
    let mut slack = vec![f64::INFINITY; n];
    for i in 0..n {
        let segs = pwl.bps[i].len().saturating_sub(1);
        if segs == 0 {
            continue;
        }
        let r = |k: usize| reduced(pwl, i, k, price[i], weight[i]);
        let mut p = 0;
        while p < segs && r(p) > 0.0 {
            p += 1;
        }
        let scale = price[i].abs() + (weight[i] * r(0)).abs() + 1e-300;
        let below = if p > 0 { r(p - 1) } else { f64::INFINITY };
        let above = if p < segs { -r(p) } else { f64::INFINITY };
        pos[i] = p;
        slack[i] = below.min(above) / scale;
    }
    (pos, slack)
}

/// The most objective a misplaced fixed item could gain by moving along its own segments at
/// these prices (Σ of positive reduced slopes × length above, negative ones below).
fn misplaced_value(pwl: &Pwl, i: usize, p: usize, price: f64, weight: f64) -> f64 {
    let segs = pwl.bps[i].len().saturating_sub(1);
    let len = |k: usize| (pwl.bps[i][k + 1] - pwl.bps[i][k]) as f64;
    let up: f64 = (p..segs)
        .map(|k| (reduced(pwl, i, k, price, weight) * len(k)).max(0.0))
        .sum();
    let down: f64 = (0..p)
        .map(|k| (-reduced(pwl, i, k, price, weight) * len(k)).max(0.0))
        .sum();
    up + down
}

/// Whether item `i` fixed after `p` segments is optimal for its own columns under `y`.
fn consistent(pwl: &Pwl, i: usize, p: usize, price: f64, weight: f64) -> bool {
    let segs = pwl.bps[i].len().saturating_sub(1);
    let tol = 1e-7 * (price.abs() + weight.abs() * 1e-300).max(1e-12);
    (p == 0 || reduced(pwl, i, p - 1, price, weight) >= -tol)
        && (p == segs || reduced(pwl, i, p, price, weight) <= tol)
}

/// A starting guess of the row prices from an aggregated LP.
///
/// Items that appear in the same rows with the same coefficients form a class; for a given class
/// total, the best split among its members fills their segments by decreasing slope, so the class
/// behaves as one concave piecewise-linear item whose pieces are its members' segments merged by
/// slope. The LP over the classes, with each merged curve kept at about a hundred breakpoints, is
/// tiny whatever the number of items, and its duals are close to the full LP's.
fn class_duals(comp: &Compiled, pwl: &Pwl, free: &[usize]) -> Result<Option<Vec<f64>>> {
    use std::collections::HashMap;
    let n = comp.lo.len();
    let mut key: Vec<Vec<(usize, u64, u64)>> = vec![Vec::new(); n];
    for (r, row) in comp.rows.iter().enumerate() {
        for &(i, a) in &row.coefs {
            key[i].push((r, a.to_bits(), 0));
        }
        for &(i, b) in &row.outcome {
            key[i].push((r, 0, b.to_bits()));
        }
    }
    let mut is_free = vec![false; n];
    for &i in free {
        is_free[i] = true;
    }
    let mut class_of: HashMap<&[(usize, u64, u64)], usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for &i in free {
        let next = members.len();
        let c = *class_of.entry(key[i].as_slice()).or_insert(next);
        if c == next {
            members.push(Vec::new());
        }
        members[c].push(i);
    }
    const BREAKPOINTS: usize = 96;
    let mut sub_lo = Vec::with_capacity(members.len());
    let mut sub_hi = Vec::with_capacity(members.len());
    let mut bps = Vec::with_capacity(members.len());
    let mut vals = Vec::with_capacity(members.len());
    for m in &members {
        // (outcome slope, length, outcome gain) of every member segment, steepest first.
        let mut segs: Vec<(f64, i64, f64)> = Vec::new();
        let (mut lo, mut hi, mut f0) = (0i64, 0i64, 0.0f64);
        for &i in m {
            lo += comp.lo[i];
            hi += comp.hi[i];
            f0 += pwl.vals[i][0];
            let (b, v) = (&pwl.bps[i], &pwl.vals[i]);
            for k in 0..b.len().saturating_sub(1) {
                let len = b[k + 1] - b[k];
                let gain = v[k + 1] - v[k];
                segs.push((gain / len as f64, len, gain));
            }
        }
        segs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let step = segs.len().div_ceil(BREAKPOINTS).max(1);
        let (mut x, mut f) = (lo, f0);
        let mut cb = vec![x];
        let mut cv = vec![f];
        for (k, &(_, len, gain)) in segs.iter().enumerate() {
            x += len;
            f += gain;
            if (k + 1) % step == 0 || k + 1 == segs.len() {
                cb.push(x);
                cv.push(f);
            }
        }
        sub_lo.push(lo);
        sub_hi.push(hi);
        bps.push(cb);
        vals.push(cv);
    }
    let rows = comp
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let fixed: f64 = row
                .coefs
                .iter()
                .filter(|(i, _)| !is_free[*i])
                .map(|&(i, a)| a * comp.lo[i] as f64)
                .sum::<f64>()
                + row
                    .outcome
                    .iter()
                    .filter(|(i, _)| !is_free[*i])
                    .map(|&(i, b)| b * pwl.vals[i][0])
                    .sum::<f64>();
            let mut coefs = Vec::new();
            let mut outcome = Vec::new();
            for (c, m) in members.iter().enumerate() {
                for &(rr, a, b) in &key[m[0]] {
                    if rr == r {
                        if a != 0 {
                            coefs.push((c, f64::from_bits(a)));
                        }
                        if b != 0 {
                            outcome.push((c, f64::from_bits(b)));
                        }
                    }
                }
            }
            Row {
                source: row.source,
                coefs,
                outcome,
                lo: row.lo - fixed,
                hi: row.hi - fixed,
            }
        })
        .collect();
    let k = members.len();
    let sub = Compiled {
        unit: comp.unit,
        lo: sub_lo,
        hi: sub_hi,
        lo_src: vec![None; k],
        hi_src: vec![None; k],
        rows,
        weight: comp.weight,
        cost_per_tick: comp.cost_per_tick,
    };
    Ok(match solve_lp(&sub, &Pwl { bps, vals })? {
        LpOutcome::Solved(lp) => Some(lp.duals),
        LpOutcome::Infeasible => None,
    })
}

/// Solves the LP of [`solve_lp`], faster for many items: only the items near their decision
/// (smallest reduced-slope slack under the guessed prices) get columns; the others sit at the
/// breakpoint the prices choose. After each restricted solve every fixed item is priced with
/// the new duals; any that would move joins the LP. When none would, the restricted optimum
/// satisfies every column's optimality condition, so it is the optimum of the full LP.
pub(crate) fn solve_lp_warm(
    comp: &Compiled,
    pwl: &Pwl,
    guess: Option<&[f64]>,
    accept: f64,
) -> Result<LpOutcome> {
    let n = comp.lo.len();
    let free: Vec<usize> = (0..n).filter(|&i| comp.hi[i] > comp.lo[i]).collect();
    if free.len() <= RESTRICT_ABOVE {
        return solve_lp(comp, pwl);
    }
    let mut y = match guess {
        Some(g) if g.len() == comp.rows.len() => g.to_vec(),
        _ => match class_duals(comp, pwl, &free)? {
            Some(y) => y,
            None => return solve_lp(comp, pwl),
        },
    };
    let mut in_lp = vec![false; n];
    let mut members = 0usize;
    let mut k = (free.len() / 25).max(200);
    for _ in 0..12 {
        let (pos, slack) = positions(comp, pwl, &y);
        let mut outside: Vec<usize> = free.iter().copied().filter(|&i| !in_lp[i]).collect();
        let take = k.min(outside.len());
        if take < outside.len() {
            outside.select_nth_unstable_by(take, |a, b| slack[*a].total_cmp(&slack[*b]));
        }
        for &i in &outside[..take] {
            in_lp[i] = true;
            members += 1;
        }
        if members >= free.len() {
            return solve_lp(comp, pwl);
        }
        let fixed: Vec<Option<usize>> = (0..n)
            .map(|i| (!in_lp[i] && comp.hi[i] > comp.lo[i]).then_some(pos[i]))
            .collect();
        match solve_lp_fixing(comp, pwl, Some(&fixed))? {
            LpOutcome::Infeasible => {
                k = k.saturating_mul(4);
            }
            LpOutcome::Solved(sol) => {
                let (price, weight) = prices(comp, &sol.duals);
                let mut moved = 0;
                // What the fixed items could still add, priced with these duals: by LP duality
                // the full LP's optimum exceeds this restricted one by at most this much.
                let mut potential = 0.0;
                let mut scale = 0.0;
                for &i in &free {
                    let p = fixed[i].unwrap_or(0);
                    scale += (comp.weight * pwl.vals[i][p]).abs();
                    if let Some(p) = fixed[i]
                        && !consistent(pwl, i, p, price[i], weight[i])
                    {
                        potential += misplaced_value(pwl, i, p, price[i], weight[i]);
                        in_lp[i] = true;
                        members += 1;
                        moved += 1;
                    }
                }
                // The outer loop certifies the gap on the true curves anyway, so an LP within a
                // tenth of the tolerance of its optimum is as good as the optimum.
                if moved == 0 || potential <= accept * scale {
                    return Ok(LpOutcome::Solved(sol));
                }
                y = sol.duals;
                k = k.saturating_mul(2);
            }
        }
    }
    solve_lp(comp, pwl)
}

/// The exact maximum of `h(t) = w·f_i(t) − p·t` over `[lo, hi]`: an upper bound on it and the
/// best point found (within 1e-9 relative of the maximizer).
pub(crate) fn item_max(
    curves: &Curves<'_>,
    i: usize,
    w: f64,
    p: f64,
    lo: f64,
    hi: f64,
) -> (f64, f64) {
    maximize_concave(|t| curves.f(i, t), |t| curves.df(i, t), w, p, lo, hi)
}

/// The exact maximum of `h(t) = w·f(t) − p·t` over `[lo, hi]` for a concave `f` with derivative
/// `df`: an upper bound on it and the best point found.
pub(crate) fn maximize_concave(
    f: impl Fn(f64) -> f64,
    df: impl Fn(f64) -> f64,
    w: f64,
    p: f64,
    lo: f64,
    hi: f64,
) -> (f64, f64) {
    let h = |t: f64| w * f(t) - p * t;
    if hi <= lo {
        return (h(lo), lo);
    }
    if w <= 0.0 {
        // Convex or linear: an end is best.
        let (a, b) = (h(lo), h(hi));
        return if a >= b { (a, lo) } else { (b, hi) };
    }
    let dh = |t: f64| w * df(t) - p;
    let (mut a, mut b) = (lo, hi);
    let (mut ga, mut gb) = (dh(a), dh(b));
    if ga <= 0.0 {
        return (h(lo), lo);
    }
    if gb >= 0.0 {
        return (h(hi), hi);
    }
    // Illinois regula falsi on the decreasing h', with bisection when interpolation is unsafe.
    let mut side = 0i8;
    for _ in 0..200 {
        let width = b - a;
        if width <= 1e-9 * b.abs().max(1.0) {
            break;
        }
        let mut c = if ga.is_finite() {
            (a * gb - b * ga) / (gb - ga)
        } else {
            f64::NAN
        };
        if !(c.is_finite() && c > a + 1e-3 * width && c < b - 1e-3 * width) {
            c = 0.5 * (a + b);
        }
        let gc = dh(c);
        if gc > 0.0 {
            a = c;
            ga = gc;
            if side == 1 {
                gb *= 0.5;
            }
            side = 1;
        } else if gc < 0.0 {
            b = c;
            gb = gc;
            if side == -1 {
                ga *= 0.5;
            }
            side = -1;
        } else {
            return (h(c), c);
        }
    }
    // Both tangent lines at a and b lie above the concave h; either bounds its maximum.
    let (ha, hb) = (h(a), h(b));
    let (da, db) = (dh(a), dh(b));
    let width = b - a;
    // The maximizer lies in [a, b]; each tangent line bounds h there.
    let mut ub = f64::INFINITY;
    if da.is_finite() {
        ub = ub.min(ha + da.max(0.0) * width);
    }
    if db.is_finite() {
        ub = ub.min(hb + (-db).max(0.0) * width);
    }
    if !ub.is_finite() {
        ub = ha.max(hb);
    }
    let best = if ha >= hb { a } else { b };
    (ub, best)
}

/// The Lagrangian upper bound `g(y)` and each item's maximizer.
pub(crate) fn lagrangian_bound(
    comp: &Compiled,
    curves: &Curves<'_>,
    duals: &[f64],
) -> (f64, Vec<f64>) {
    let n = comp.lo.len();
    // Zero a price whose sign points at an infinite bound: the bound stays valid.
    let y: Vec<f64> = comp
        .rows
        .iter()
        .zip(duals)
        .map(|(row, &d)| {
            if (d > 0.0 && !row.hi.is_finite()) || (d < 0.0 && !row.lo.is_finite()) {
                0.0
            } else {
                d
            }
        })
        .collect();
    let mut price = vec![comp.cost_per_tick; n];
    let mut weight = vec![comp.weight; n];
    let mut constant = 0.0;
    for (row, &yr) in comp.rows.iter().zip(&y) {
        if yr == 0.0 {
            continue;
        }
        constant += if yr > 0.0 { yr * row.hi } else { yr * row.lo };
        for &(i, a) in &row.coefs {
            price[i] += yr * a;
        }
        for &(i, b) in &row.outcome {
            weight[i] -= yr * b;
        }
    }
    let mut total = constant;
    let mut argmax = Vec::with_capacity(n);
    for i in 0..n {
        let (ub, t) = item_max(
            curves,
            i,
            weight[i],
            price[i],
            comp.lo[i] as f64,
            comp.hi[i] as f64,
        );
        total += ub;
        argmax.push(t);
    }
    (total, argmax)
}

/// Relative gap between an upper bound and a value, safe near zero.
pub(crate) fn relative_gap(upper: f64, value: f64) -> f64 {
    let denom = upper.abs().max(value.abs()).max(1e-12);
    ((upper - value) / denom).max(0.0)
}

/// Solves `model` on one thread. `Ok(None)` when HiGHS proves it infeasible; any status other
/// than optimal or infeasible is an error naming `what` was being solved.
pub(crate) fn solve_or_infeasible(
    mut model: highs::Model,
    what: &str,
) -> Result<Option<highs::SolvedModel>> {
    model
        .try_set_option("threads", 1)
        .map_err(|e| EngineError::NotConverged(format!("HiGHS option threads: {e:?}")))?;
    let solved = model
        .try_solve()
        .map_err(|e| EngineError::NotConverged(format!("HiGHS failed on the {what}: {e:?}")))?;
    match solved.status() {
        highs::HighsModelStatus::Optimal => Ok(Some(solved)),
        highs::HighsModelStatus::Infeasible => Ok(None),
        other => Err(EngineError::NotConverged(format!(
            "the {what} stopped with status {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use highs::{ColProblem, HighsModelStatus, Sense};

    use super::DUAL_SIGN;

    #[test]
    fn highs_dual_sign_is_as_assumed() {
        // max 3x s.t. x ≤ 5 (row), 0 ≤ x ≤ 10: relaxing the row by 1 gains 3.
        let mut pb = ColProblem::default();
        let r = pb.add_row(..=5.0);
        pb.add_column(3.0, 0.0..=10.0, [(r, 1.0)]);
        let solved = pb
            .try_optimise(Sense::Maximise)
            .unwrap()
            .try_solve()
            .unwrap();
        assert_eq!(solved.status(), HighsModelStatus::Optimal);
        let d = solved.get_solution().dual_rows()[0];
        assert!((DUAL_SIGN * d - 3.0).abs() < 1e-9, "row dual {d}");
    }
}
