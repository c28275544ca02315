//! From the LP's fractional plan to whole ticks (cents), meeting every constraint exactly.
//!
//! Breakpoints are whole ticks, so at an LP vertex only the items with a basic segment
//! variable (at most one per row) sit between ticks. Those few are rounded together by a small
//! MIP on HiGHS whose rows are the original rows with the fixed items' exact integer totals
//! moved to the right-hand side. If that fails (possible with overlapping groups), every item
//! may move by one tick. The result is then checked with integer arithmetic.

use highs::{ColProblem, HighsModelStatus, Sense};

use super::compile::Compiled;
use super::solver::{Curves, LpSolution, item_objective};
use crate::error::{EngineError, Result};

/// Rounds the LP plan to whole ticks inside every bound and row.
pub(crate) fn round_plan(
    comp: &Compiled,
    curves: &Curves<'_>,
    lp: &LpSolution,
) -> Result<Vec<i64>> {
    let n = comp.lo.len();
    let x = lp.x();
    let mut windows = Vec::new();
    for (i, (&xi, &part)) in x.iter().zip(&lp.partial).enumerate() {
        if part > 0.0 {
            let eps = 1e-7 * xi.abs().max(1.0);
            let a = ((xi - eps).floor() as i64).max(comp.lo[i]);
            let b = ((xi + eps).ceil() as i64).min(comp.hi[i]);
            windows.push((i, a, b.max(a)));
        }
    }
    let base = lp.base.clone();
    if let Some(t) = round_with(comp, curves, &base, &windows)?
        && satisfies(comp, curves, &t)
    {
        return Ok(t);
    }
    // Wider: every item may move one tick around its rounded LP value.
    let rounded: Vec<i64> = x
        .iter()
        .enumerate()
        .map(|(i, &v)| (v.round() as i64).clamp(comp.lo[i], comp.hi[i]))
        .collect();
    let windows: Vec<(usize, i64, i64)> = (0..n)
        .filter(|&i| comp.hi[i] > comp.lo[i])
        .map(|i| {
            (
                i,
                (rounded[i] - 1).max(comp.lo[i]),
                (rounded[i] + 1).min(comp.hi[i]),
            )
        })
        .collect();
    match round_with(comp, curves, &rounded, &windows)? {
        Some(t) if satisfies(comp, curves, &t) => Ok(t),
        _ => Err(EngineError::NotConverged(
            "could not round the plan to whole cents within every constraint".to_owned(),
        )),
    }
}

/// Solves the rounding MIP: items in `windows` take a whole value in their window, the others
/// keep `fixed`. `None` when the MIP has no solution.
fn round_with(
    comp: &Compiled,
    curves: &Curves<'_>,
    fixed: &[i64],
    windows: &[(usize, i64, i64)],
) -> Result<Option<Vec<i64>>> {
    let mut t = fixed.to_vec();
    for &(i, a, _) in windows {
        t[i] = a;
    }
    if windows.iter().all(|&(_, a, b)| a == b) {
        return Ok(Some(t));
    }
    let mut in_window = vec![None; t.len()];
    for (j, &(i, _, _)) in windows.iter().enumerate() {
        in_window[i] = Some(j);
    }
    let mut pb = ColProblem::default();
    let mut row_handles = Vec::with_capacity(comp.rows.len());
    for row in &comp.rows {
        // Exact integer totals for unit rows; f64 otherwise.
        let fixed_part = if row.is_integral() {
            row.coefs.iter().map(|&(i, _)| t[i] as i128).sum::<i128>() as f64
        } else {
            row.coefs.iter().map(|&(i, a)| a * t[i] as f64).sum::<f64>()
                + row
                    .outcome
                    .iter()
                    .map(|&(i, b)| b * curves.f(i, t[i] as f64))
                    .sum::<f64>()
        };
        row_handles.push(pb.add_row((row.lo - fixed_part)..=(row.hi - fixed_part)));
    }
    let mut member: Vec<Vec<(usize, f64, f64)>> = vec![Vec::new(); windows.len()];
    for (r, row) in comp.rows.iter().enumerate() {
        for &(i, a) in &row.coefs {
            if let Some(j) = in_window[i] {
                member[j].push((r, a, 0.0));
            }
        }
        for &(i, b) in &row.outcome {
            if let Some(j) = in_window[i] {
                match member[j].iter_mut().find(|m| m.0 == r) {
                    Some(m) => m.2 = b,
                    None => member[j].push((r, 0.0, b)),
                }
            }
        }
    }
    for (j, &(i, a, b)) in windows.iter().enumerate() {
        let w = (b - a) as f64;
        let (slope_f, slope_obj) = if b > a {
            (
                (curves.f(i, b as f64) - curves.f(i, a as f64)) / w,
                (item_objective(comp, curves, i, b as f64)
                    - item_objective(comp, curves, i, a as f64))
                    / w,
            )
        } else {
            (0.0, 0.0)
        };
        let entries: Vec<(highs::Row, f64)> = member[j]
            .iter()
            .map(|&(r, ca, cb)| (row_handles[r], ca + cb * slope_f))
            .filter(|&(_, e)| e != 0.0)
            .collect();
        pb.add_integer_column(slope_obj, 0.0..=w, entries);
    }
    let mut model = pb.try_optimise(Sense::Maximise).map_err(|e| {
        EngineError::NotConverged(format!("HiGHS could not load the rounding: {e:?}"))
    })?;
    for (k, v) in [("threads", 1.0f64), ("time_limit", 30.0)] {
        let res = if k == "threads" {
            model.try_set_option(k, v as i32)
        } else {
            model.try_set_option(k, v)
        };
        res.map_err(|e| EngineError::NotConverged(format!("HiGHS option {k}: {e:?}")))?;
    }
    let solved = model
        .try_solve()
        .map_err(|e| EngineError::NotConverged(format!("HiGHS failed on the rounding: {e:?}")))?;
    if !matches!(
        solved.status(),
        HighsModelStatus::Optimal | HighsModelStatus::ReachedTimeLimit
    ) {
        return Ok(None);
    }
    let sol = solved.get_solution();
    for (&(i, a, b), &d) in windows.iter().zip(sol.columns()) {
        t[i] = (a + d.round() as i64).clamp(a, b);
    }
    Ok(Some(t))
}

/// Whether a whole-tick plan meets every bound and row: integer rows exactly, others to
/// floating-point precision.
pub(crate) fn satisfies(comp: &Compiled, curves: &Curves<'_>, t: &[i64]) -> bool {
    if t.len() != comp.lo.len() {
        return false;
    }
    for (i, &v) in t.iter().enumerate() {
        if v < comp.lo[i] || v > comp.hi[i] {
            return false;
        }
    }
    comp.rows.iter().all(|row| {
        if row.is_integral() {
            let s: i128 = row.coefs.iter().map(|&(i, _)| t[i] as i128).sum();
            let s = s as f64;
            s >= row.lo && s <= row.hi
        } else {
            let s: f64 = row.coefs.iter().map(|&(i, a)| a * t[i] as f64).sum::<f64>()
                + row
                    .outcome
                    .iter()
                    .map(|&(i, b)| b * curves.f(i, t[i] as f64))
                    .sum::<f64>();
            let scale: f64 = row
                .coefs
                .iter()
                .map(|&(i, a)| (a * t[i] as f64).abs())
                .sum::<f64>()
                .max(1.0);
            s >= row.lo - 1e-12 * scale && s <= row.hi + 1e-12 * scale
        }
    })
}
