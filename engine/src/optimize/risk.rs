//! The risk-aware objective: the average outcome over the worst α share of the curves' samples
//! (the lower-tail CVaR), maximized exactly with a proven gap.
//!
//! With samples `s = 1..S` of every curve (items without samples use their point estimate in
//! every sample), `CVaR_α(x) = max_t { t − 1/(αS) Σ_s (t − F_s(x))₊ }` with
//! `F_s(x) = Σ_i f_i^s(x_i)`. It is concave in `x`, and with the chords of every sample curve on
//! shared breakpoints it is an LP: columns `δ_ik` (shared by all samples), `t` free, `u_s ≥ 0`,
//! rows `Σ_ik slope^s_ik δ_ik + u_s − t ≥ −F_s(lo)` plus the budget and groups; objective
//! `t − 1/(αS) Σ u_s`. Every sample's chords lie under its curve, so the LP plan's true CVaR is
//! at least the LP's value.
//!
//! The bound: `CVaR_α(x) = min_{q ∈ Q} Σ_s q_s F_s(x)` over the risk envelope
//! `Q = {0 ≤ q_s ≤ 1/(αS), Σ q_s = 1}`, so for any `q ∈ Q` and row prices `y`,
//! `max_x CVaR_α(x) ≤ Σ_r y_r·bound_r + Σ_i max_x [Σ_s q_s f_i^s(x) − p_i x]` — each term a
//! one-dimensional concave maximization on the true curves. The LP's duals (projected onto `Q`)
//! give `q` and `y`; the maximizers become breakpoints until the gap is within tolerance.

use highs::{ColProblem, Sense};

use super::compile::Compiled;
use super::curve::CurveParams;
use super::solver::{LpSolution, maximize_concave, relative_gap, solve_or_infeasible};
use crate::error::{EngineError, Result};

/// The samples, per item (`S` each; the point estimate repeated for items without samples).
pub(crate) struct Scenarios<'a> {
    pub per_item: Vec<Vec<&'a CurveParams>>,
    pub per_tick: f64,
    pub alpha: f64,
}

impl Scenarios<'_> {
    fn count(&self) -> usize {
        self.per_item.first().map_or(0, Vec::len)
    }
    fn f(&self, i: usize, s: usize, t: f64) -> f64 {
        self.per_item[i][s].value(t * self.per_tick)
    }
    fn df(&self, i: usize, s: usize, t: f64) -> f64 {
        self.per_item[i][s].derivative(t * self.per_tick) * self.per_tick
    }
}

/// CVaR_α of sample outcomes: the average of the worst α share (fractional at the boundary).
pub(crate) fn cvar(values: &[f64], alpha: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let s = v.len() as f64;
    let mut mass = alpha * s;
    let mut sum = 0.0;
    for x in v {
        if mass <= 0.0 {
            break;
        }
        let w = mass.min(1.0);
        sum += w * x;
        mass -= w;
    }
    sum / (alpha * s)
}

/// True CVaR of a plan in ticks (fractional allowed).
pub(crate) fn plan_cvar(sc: &Scenarios<'_>, x: &[f64]) -> f64 {
    let totals: Vec<f64> = (0..sc.count())
        .map(|s| x.iter().enumerate().map(|(i, &t)| sc.f(i, s, t)).sum())
        .collect();
    cvar(&totals, sc.alpha)
}

/// Projects onto `{0 ≤ q ≤ cap, Σ q = 1}` by shifting and clamping.
fn project(d: &[f64], cap: f64) -> Vec<f64> {
    let total = |tau: f64| d.iter().map(|&v| (v + tau).clamp(0.0, cap)).sum::<f64>();
    let (mut a, mut b) = (
        -2.0 - d.iter().fold(0.0f64, |m, v| m.max(v.abs())),
        2.0 + cap,
    );
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if total(m) < 1.0 {
            a = m;
        } else {
            b = m;
        }
    }
    d.iter().map(|&v| (v + b).clamp(0.0, cap)).collect()
}

/// What the risk-aware path returns: the LP plan, its row prices, the bound, and the rounds.
pub(crate) struct RiskSolution {
    pub lp: LpSolution,
    pub upper: f64,
    pub rounds: usize,
    pub segments: usize,
}

/// Maximizes CVaR_α under the compiled rows. `None` when infeasible.
pub(crate) fn solve(
    comp: &Compiled,
    sc: &Scenarios<'_>,
    current: &[Option<i64>],
    tolerance: f64,
    max_rounds: usize,
) -> Result<Option<RiskSolution>> {
    let n = comp.lo.len();
    let s_count = sc.count();
    if s_count == 0 {
        return Err(EngineError::invalid(
            "objective",
            "the risk-aware objective needs curve samples",
        ));
    }
    let mut bps: Vec<Vec<i64>> = (0..n)
        .map(|i| {
            let (lo, hi) = (comp.lo[i], comp.hi[i]);
            let mut v = vec![lo, hi, lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3];
            if let Some(c) = current[i].filter(|&c| c > lo && c < hi) {
                v.push(c);
            }
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    let mut best_upper = f64::INFINITY;
    let mut last = None;
    let mut rounds = 0;
    for round in 0..max_rounds.max(1) {
        rounds = round + 1;
        let Some(lp) = solve_lp(comp, sc, &bps)? else {
            return Ok(None);
        };
        let x = lp.0.x();
        let value = plan_cvar(sc, &x);
        let (upper, argmax) = bound(comp, sc, &lp.0.duals, &lp.1);
        best_upper = best_upper.min(upper);
        let mut added = false;
        if relative_gap(best_upper, value) > tolerance * 0.5 {
            for (i, z) in argmax.iter().enumerate() {
                for t in [
                    z.floor() as i64,
                    z.ceil() as i64,
                    x[i].floor() as i64,
                    x[i].ceil() as i64,
                ] {
                    let b = &mut bps[i];
                    if t > b[0]
                        && t < b[b.len() - 1]
                        && let Err(pos) = b.binary_search(&t)
                    {
                        b.insert(pos, t);
                        added = true;
                    }
                }
            }
        }
        last = Some(lp.0);
        if !added {
            break;
        }
    }
    let lp = last.ok_or_else(|| EngineError::NotConverged("no LP was solved".to_owned()))?;
    Ok(Some(RiskSolution {
        lp,
        upper: best_upper,
        rounds,
        segments: bps.iter().map(|b| b.len().saturating_sub(1)).sum(),
    }))
}

/// The CVaR LP for the breakpoints; returns the plan with row prices, and the sample weights.
fn solve_lp(
    comp: &Compiled,
    sc: &Scenarios<'_>,
    bps: &[Vec<i64>],
) -> Result<Option<(LpSolution, Vec<f64>)>> {
    let n = comp.lo.len();
    let s_count = sc.count();
    let free: Vec<usize> = (0..n).filter(|&i| comp.hi[i] > comp.lo[i]).collect();
    let sigma = comp.mean_width(&free);
    let f_lo: Vec<f64> = (0..s_count)
        .map(|s| (0..n).map(|i| sc.f(i, s, comp.lo[i] as f64)).sum())
        .collect();
    let rho = f_lo
        .iter()
        .map(|v| v.abs())
        .fold(0.0f64, f64::max)
        .max(
            (0..s_count)
                .map(|s| (0..n).map(|i| sc.f(i, s, comp.hi[i] as f64)).sum::<f64>())
                .fold(0.0, f64::max),
        )
        .max(1e-12);
    let mut member: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (r, row) in comp.rows.iter().enumerate() {
        for &(i, a) in &row.coefs {
            member[i].push((r, a));
        }
    }
    let mut shift = vec![0.0f64; comp.rows.len()];
    for (i, m) in member.iter().enumerate() {
        for &(r, a) in m {
            shift[r] += a * comp.lo[i] as f64;
        }
    }
    let mut pb = ColProblem::default();
    let rows: Vec<highs::Row> = comp
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| pb.add_row(((row.lo - shift[r]) / sigma)..=((row.hi - shift[r]) / sigma)))
        .collect();
    let sample_rows: Vec<highs::Row> = f_lo.iter().map(|&f| pb.add_row((-f / rho)..)).collect();
    let mut cols: Vec<(usize, f64)> = Vec::new();
    for &i in &free {
        let b = &bps[i];
        for k in 0..b.len().saturating_sub(1) {
            let len = (b[k + 1] - b[k]) as f64;
            let mut entries: Vec<(highs::Row, f64)> =
                member[i].iter().map(|&(r, a)| (rows[r], a)).collect();
            for (s, &row) in sample_rows.iter().enumerate() {
                let slope = (sc.f(i, s, b[k + 1] as f64) - sc.f(i, s, b[k] as f64)) / len;
                entries.push((row, slope * sigma / rho));
            }
            pb.add_column(0.0, 0.0..=len / sigma, entries);
            cols.push((i, len));
        }
    }
    pb.add_column(
        1.0,
        f64::NEG_INFINITY..=f64::INFINITY,
        sample_rows.iter().map(|&r| (r, -1.0)),
    );
    let cap = 1.0 / (sc.alpha * s_count as f64);
    for &r in &sample_rows {
        pb.add_column(-cap, 0.0.., [(r, 1.0)]);
    }
    let model = pb.try_optimise(Sense::Maximise).map_err(|e| {
        EngineError::NotConverged(format!("HiGHS could not load the CVaR LP: {e:?}"))
    })?;
    let Some(solved) = solve_or_infeasible(model, "CVaR LP")? else {
        return Ok(None);
    };
    let sol = solved.get_solution();
    let mut base = comp.lo.clone();
    let mut partial = vec![0.0f64; n];
    for (&(i, len), &d) in cols.iter().zip(sol.columns()) {
        let frac = (d * sigma / len).clamp(0.0, 1.0);
        if frac >= 1.0 - 1e-9 {
            base[i] += len as i64;
        } else if frac > 1e-9 {
            partial[i] += frac * len;
        }
    }
    let row_duals = sol.dual_rows();
    let duals: Vec<f64> = row_duals[..comp.rows.len()]
        .iter()
        .map(|&d| d * rho / sigma)
        .collect();
    let q: Vec<f64> = row_duals[comp.rows.len()..]
        .iter()
        .map(|d| d.abs())
        .collect();
    Ok(Some((
        LpSolution {
            base,
            partial,
            duals,
        },
        project(&q, cap),
    )))
}

/// The Lagrangian bound for sample weights `q` (in the risk envelope) and row prices `y`.
fn bound(comp: &Compiled, sc: &Scenarios<'_>, duals: &[f64], q: &[f64]) -> (f64, Vec<f64>) {
    let n = comp.lo.len();
    let mut price = vec![0.0f64; n];
    let mut constant = 0.0;
    for (row, &d) in comp.rows.iter().zip(duals) {
        let y = if (d > 0.0 && !row.hi.is_finite()) || (d < 0.0 && !row.lo.is_finite()) {
            0.0
        } else {
            d
        };
        if y == 0.0 {
            continue;
        }
        constant += if y > 0.0 { y * row.hi } else { y * row.lo };
        for &(i, a) in &row.coefs {
            price[i] += y * a;
        }
    }
    let mut total = constant;
    let mut argmax = Vec::with_capacity(n);
    for (i, &p) in price.iter().enumerate() {
        let f = |t: f64| {
            q.iter()
                .enumerate()
                .map(|(s, &w)| w * sc.f(i, s, t))
                .sum::<f64>()
        };
        let df = |t: f64| {
            q.iter()
                .enumerate()
                .map(|(s, &w)| w * sc.df(i, s, t))
                .sum::<f64>()
        };
        let (ub, t) = maximize_concave(f, df, 1.0, p, comp.lo[i] as f64, comp.hi[i] as f64);
        total += ub;
        argmax.push(t);
    }
    (total, argmax)
}

#[cfg(test)]
mod tests {
    use super::{cvar, project};

    #[test]
    fn cvar_averages_the_worst_share() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert!((cvar(&v, 0.4) - 1.5).abs() < 1e-12);
        assert!((cvar(&v, 1.0) - 3.0).abs() < 1e-12);
        assert!((cvar(&v, 0.3) - (1.0 + 0.5 * 2.0) / 1.5).abs() < 1e-12);
    }

    #[test]
    fn projection_lands_in_the_risk_envelope() {
        let q = project(&[0.9, 0.0, 0.3, -0.2], 0.5);
        assert!((q.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(q.iter().all(|&v| (0.0..=0.5 + 1e-12).contains(&v)));
    }
}
