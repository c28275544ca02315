//! S-shaped curves (Hill shape > 1 below the inflection point): an exact MIP with an outer
//! model and a certified gap.
//!
//! Each item's curve is replaced by an *outer* piecewise-linear model `O ≥ f` on its box:
//!
//! * on the convex part `[lo, w]` (below the inflection `w`), the chords between breakpoints
//!   (a chord lies above a convex function);
//! * on the concave part `[w, hi]`, the envelope of the tangents at the breakpoints (a tangent
//!   lies above a concave function), whose kinks are the tangents' intersections.
//!
//! In the incremental form the concave segments have decreasing slopes and need no binaries;
//! the convex segments have increasing slopes, so binaries force them to fill in order
//! (`δ_k ≥ len_k z_k`, `δ_{k+1} ≤ len_{k+1} z_k`), and the last one gates the concave part.
//! HiGHS solves this MIP; its dual bound is an upper bound on the best *true* objective, since
//! `O ≥ f` everywhere and the constraints are exact. The MIP's plan is feasible, and its true
//! value is a lower bound. Breakpoints are added at the plan (where `O = f` then holds) until
//! the relative gap is within tolerance: an outer-approximation scheme, exact at convergence.

use highs::{ColProblem, Sense};

use super::compile::Compiled;
use super::solver::{Curves, solve_or_infeasible};
use crate::error::{EngineError, Result};

/// The outer model of one item: positions (ticks), model values, and the number of leading
/// convex segments.
struct Outer {
    pos: Vec<f64>,
    val: Vec<f64>,
    convex_segments: usize,
}

/// Breakpoints of one item: the convex part's chord points and the concave part's tangent
/// points (both include `w` when the item is S-shaped on its box).
pub(crate) struct ItemPoints {
    /// Start of the concave part (ticks); equals `lo` for a concave item.
    w: f64,
    points: Vec<f64>,
}

impl ItemPoints {
    pub fn new(lo: f64, hi: f64, w: f64, current: Option<f64>, initial: usize) -> Self {
        let w = w.clamp(lo, hi);
        let mut points = vec![lo, hi, w];
        if let Some(c) = current
            && c > lo
            && c < hi
        {
            points.push(c);
        }
        for k in 1..=initial {
            points.push(lo + (hi - lo) * k as f64 / (initial + 1) as f64);
            if w > lo {
                points.push(lo + (w - lo) * k as f64 / (initial + 1) as f64);
            }
        }
        let mut me = Self {
            w,
            points: Vec::new(),
        };
        for p in points {
            me.insert(p);
        }
        me
    }

    /// Inserts a point unless it is (nearly) there already; returns whether it was new.
    pub fn insert(&mut self, t: f64) -> bool {
        let tol = 1e-9 * t.abs().max(1.0);
        if self.points.iter().any(|&p| (p - t).abs() <= tol) {
            return false;
        }
        let pos = self.points.partition_point(|&p| p < t);
        self.points.insert(pos, t);
        true
    }

    /// At a start with a vertical tangent (Hill with S < 1 at zero spend) the model is above
    /// the curve even at the breakpoint; when the plan sits there, a point close to it shrinks
    /// that excess (by about 16^S per round).
    pub fn refine_vertical_start(&mut self, curves: &Curves<'_>, i: usize, t: f64) -> bool {
        let (Some(&a), Some(&b)) = (self.points.first(), self.points.get(1)) else {
            return false;
        };
        let at_start = (t - a).abs() <= 1e-9 * a.abs().max(1.0);
        if at_start && b > a && !curves.df(i, a).is_finite() && a >= self.w {
            self.insert(a + (b - a) / 16.0)
        } else {
            false
        }
    }

    fn outer(&self, curves: &Curves<'_>, i: usize) -> Outer {
        let f = |t: f64| curves.f(i, t);
        let df = |t: f64| curves.df(i, t);
        let mut pos = Vec::new();
        let mut val = Vec::new();
        let convex: Vec<f64> = self
            .points
            .iter()
            .copied()
            .filter(|&p| p <= self.w)
            .collect();
        for &p in &convex {
            pos.push(p);
            val.push(f(p));
        }
        let convex_segments = convex.len().saturating_sub(1);
        let concave: Vec<f64> = self
            .points
            .iter()
            .copied()
            .filter(|&p| p >= self.w)
            .collect();
        for k in 0..concave.len().saturating_sub(1) {
            let (a, b) = (concave[k], concave[k + 1]);
            let (fa, fb, da, db) = (f(a), f(b), df(a), df(b));
            // Intersection of the tangents at a and b (a vertical tangent at a: the kink is a).
            let q = if da.is_finite() && (da - db).abs() > 1e-15 * da.abs().max(1e-300) {
                ((fb - db * b) - (fa - da * a)) / (da - db)
            } else {
                a
            };
            let q = q.clamp(a, b);
            let vq = fb + db * (q - b);
            if k == 0 {
                // A vertical tangent at a (Hill with S < 1 at zero): the tangent at b bounds
                // the curve on [a, b], so the model starts at its value at a.
                let start = if da.is_finite() { fa } else { vq.max(fa) };
                if pos.is_empty() {
                    pos.push(a);
                    val.push(start);
                } else if let Some(v) = val.last_mut() {
                    *v = v.max(start);
                }
            }
            if q > a && q < b {
                pos.push(q);
                val.push(vq);
            }
            pos.push(b);
            val.push(fb);
        }
        if pos.is_empty() {
            pos.push(self.w);
            val.push(f(self.w));
        }
        Outer {
            pos,
            val,
            convex_segments,
        }
    }
}

/// On/off rules: an item either spends nothing or at least its minimum-if-active, and at most
/// `max_active` items spend anything. Each item they touch gets a binary `a_i` with
/// `Σ_k δ_ik ≤ (hi − lo) a_i`, `Σ_k δ_ik ≥ (m_i − lo) a_i`, and `Σ a_i ≤ K − (items that must
/// spend anyway)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Activity {
    /// Per item, the minimum if active, in ticks.
    pub min_if_active: Vec<Option<i64>>,
    /// At most this many items spend anything (counting items that must spend).
    pub max_active: Option<usize>,
    /// Items that spend something whatever the plan (a positive lower bound).
    pub always_active: usize,
}

impl Activity {
    pub fn is_empty(&self) -> bool {
        self.max_active.is_none() && self.min_if_active.iter().all(Option::is_none)
    }

    /// Whether a whole-tick plan meets the on/off rules.
    pub fn allows(&self, t: &[i64]) -> bool {
        let active = t.iter().filter(|&&v| v > 0).count();
        self.max_active.is_none_or(|k| active <= k)
            && t.iter()
                .zip(&self.min_if_active)
                .all(|(&v, m)| v == 0 || m.is_none_or(|m| v >= m))
    }

    /// Whether item `i` (movable, with lower bound 0) needs an on/off binary.
    fn binary(&self, i: usize, lo: i64) -> bool {
        lo == 0
            && (self.max_active.is_some() || self.min_if_active.get(i).is_some_and(Option::is_some))
    }
}

/// What one solve of the outer MIP gives.
pub(crate) struct OuterSolution {
    /// The plan (ticks, fractional).
    pub x: Vec<f64>,
    /// HiGHS's dual bound on the outer model: an upper bound on the true optimum.
    pub upper: f64,
}

/// Solves the outer MIP over the current points. `None` when infeasible.
pub(crate) fn solve_outer(
    comp: &Compiled,
    curves: &Curves<'_>,
    points: &[ItemPoints],
    activity: &Activity,
    mip_gap: f64,
) -> Result<Option<OuterSolution>> {
    let n = comp.lo.len();
    let models: Vec<Outer> = (0..n).map(|i| points[i].outer(curves, i)).collect();
    let mut member: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (r, row) in comp.rows.iter().enumerate() {
        if !row.outcome.is_empty() {
            return Err(EngineError::invalid(
                "objective",
                "target ROAS/CPA with S-shaped curves below their inflection is not supported",
            ));
        }
        for &(i, a) in &row.coefs {
            member[i].push((r, a));
        }
    }
    let free: Vec<usize> = (0..n).filter(|&i| comp.hi[i] > comp.lo[i]).collect();
    let sigma = comp.mean_width(&free);
    let mut max_slope = 0.0f64;
    for &i in &free {
        let m = &models[i];
        for k in 0..m.pos.len().saturating_sub(1) {
            let len = m.pos[k + 1] - m.pos[k];
            if len > 0.0 {
                let s = comp.weight * (m.val[k + 1] - m.val[k]) / len - comp.cost_per_tick;
                max_slope = max_slope.max(s.abs());
            }
        }
    }
    let rho = if max_slope > 0.0 && max_slope.is_finite() {
        max_slope * sigma
    } else {
        1.0
    };
    let mut shift = vec![0.0f64; comp.rows.len()];
    let mut base_obj = 0.0;
    for (i, m) in models.iter().enumerate() {
        let start = m.pos.first().copied().unwrap_or(comp.lo[i] as f64);
        for &(r, a) in &member[i] {
            shift[r] += a * start;
        }
        base_obj +=
            comp.weight * m.val.first().copied().unwrap_or(0.0) - comp.cost_per_tick * start;
    }
    // The δ columns, in order: (item, len, slope).
    let mut cols: Vec<(usize, f64, f64)> = Vec::new();
    // Binaries, one per convex segment k of an item: z_k = 1 iff segment k is full.
    // Fill rows δ_k − len_k z_k ≥ 0; gate rows δ_{k+1} − len_{k+1} z_k ≤ 0 for the next convex
    // segment, and δ_j − len_j z_last ≤ 0 for every concave segment j.
    let mut fills: Vec<(usize, usize)> = Vec::new(); // (column, binary)
    let mut gates: Vec<(usize, usize)> = Vec::new(); // (column, binary)
    let mut binaries = 0usize;
    for &i in &free {
        let m = &models[i];
        let first = cols.len();
        let mut convex_cols = 0;
        for k in 0..m.pos.len().saturating_sub(1) {
            let len = m.pos[k + 1] - m.pos[k];
            if len <= 0.0 {
                continue;
            }
            let slope = comp.weight * (m.val[k + 1] - m.val[k]) / len - comp.cost_per_tick;
            if k < m.convex_segments {
                convex_cols += 1;
            }
            cols.push((i, len, slope));
        }
        let total = cols.len() - first;
        if convex_cols == 0 || total < 2 {
            continue;
        }
        for k in 0..convex_cols {
            let z = binaries + k;
            fills.push((first + k, z));
            if k + 1 < convex_cols {
                gates.push((first + k + 1, z));
            }
        }
        let last = binaries + convex_cols - 1;
        for j in convex_cols..total {
            gates.push((first + j, last));
        }
        binaries += convex_cols;
    }
    let mut pb = ColProblem::default();
    let rows: Vec<highs::Row> = comp
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| pb.add_row(((row.lo - shift[r]) / sigma)..=((row.hi - shift[r]) / sigma)))
        .collect();
    let fill_rows: Vec<highs::Row> = fills.iter().map(|_| pb.add_row(0.0..)).collect();
    let gate_rows: Vec<highs::Row> = gates.iter().map(|_| pb.add_row(..=0.0)).collect();
    let mut extra: Vec<Vec<(highs::Row, f64)>> = vec![Vec::new(); cols.len()];
    let mut bin_entries: Vec<Vec<(highs::Row, f64)>> = vec![Vec::new(); binaries];
    // On/off binaries.
    let k_row = activity.max_active.map(|k| {
        let room = k.saturating_sub(activity.always_active) as f64;
        pb.add_row(..=room)
    });
    let mut onoff: Vec<Vec<(highs::Row, f64)>> = Vec::new();
    let mut col_range = vec![(0usize, 0usize); n];
    for (c, col) in cols.iter().enumerate() {
        let r = &mut col_range[col.0];
        if r.1 == 0 {
            *r = (c, c + 1);
        } else {
            r.1 = c + 1;
        }
    }
    for &i in &free {
        if !activity.binary(i, comp.lo[i]) {
            continue;
        }
        let range = (comp.hi[i] - comp.lo[i]) as f64 / sigma;
        let cap = pb.add_row(..=0.0);
        let mut entries = vec![(cap, -range)];
        let min_row = activity.min_if_active[i]
            .filter(|&m| m > comp.lo[i])
            .map(|m| {
                let r = pb.add_row(0.0..);
                entries.push((r, -((m - comp.lo[i]) as f64) / sigma));
                r
            });
        if let Some(k) = k_row {
            entries.push((k, 1.0));
        }
        for cell in &mut extra[col_range[i].0..col_range[i].1] {
            cell.push((cap, 1.0));
            if let Some(r) = min_row {
                cell.push((r, 1.0));
            }
        }
        onoff.push(entries);
    }
    for (k, &(c, z)) in fills.iter().enumerate() {
        extra[c].push((fill_rows[k], 1.0));
        bin_entries[z].push((fill_rows[k], -cols[c].1 / sigma));
    }
    for (k, &(c, z)) in gates.iter().enumerate() {
        extra[c].push((gate_rows[k], 1.0));
        bin_entries[z].push((gate_rows[k], -cols[c].1 / sigma));
    }
    for (c, &(i, len, slope)) in cols.iter().enumerate() {
        let mut entries: Vec<(highs::Row, f64)> =
            member[i].iter().map(|&(r, a)| (rows[r], a)).collect();
        entries.extend(extra[c].iter().copied());
        pb.add_column(slope * sigma / rho, 0.0..=len / sigma, entries);
    }
    for entries in bin_entries.into_iter().chain(onoff.iter().cloned()) {
        pb.add_integer_column(0.0, 0.0..=1.0, entries);
    }
    let binaries = binaries + onoff.len();
    let mut model = pb
        .try_optimise(Sense::Maximise)
        .map_err(|e| EngineError::NotConverged(format!("HiGHS could not load the MIP: {e:?}")))?;
    for (opt, v) in [("mip_rel_gap", mip_gap), ("time_limit", 60.0)] {
        model
            .try_set_option(opt, v)
            .map_err(|e| EngineError::NotConverged(format!("HiGHS option {opt}: {e:?}")))?;
    }
    let Some(solved) = solve_or_infeasible(model, "MIP")? else {
        return Ok(None);
    };
    // With binaries, HiGHS's dual bound; without, the LP optimum is itself the bound.
    let dual = if binaries == 0 {
        solved.objective_value()
    } else {
        solved
            .double_info_value(c"mip_dual_bound")
            .map_err(|e| EngineError::NotConverged(format!("HiGHS dual bound: {e:?}")))?
    };
    let sol = solved.get_solution();
    let mut x: Vec<f64> = (0..n)
        .map(|i| models[i].pos.first().copied().unwrap_or(comp.lo[i] as f64))
        .collect();
    for (&(i, len, _), &d) in cols.iter().zip(sol.columns()) {
        x[i] += (d * sigma).clamp(0.0, len);
    }
    Ok(Some(OuterSolution {
        x,
        upper: base_obj + dual * rho,
    }))
}
