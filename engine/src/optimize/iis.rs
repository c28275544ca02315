//! Infeasibility diagnosis: a minimal set of constraints that cannot hold together.
//!
//! A deletion filter over constraint units: drop a unit (or a chunk of units) whenever the rest
//! stays infeasible. The final pass tries every remaining unit alone, so each unit left is
//! necessary: removing any one makes the set feasible (an irreducible infeasible subset).

use std::collections::BTreeSet;

use super::compile::compile;
use super::on_off_rules;
use super::problem::{ConstraintRef, Indexed, Problem};
use super::solver::{Curves, LpOutcome, Pwl, solve_lp};
use super::sshape::{ItemPoints, solve_outer};
use crate::error::EngineError;

/// Whether the units in `set` can all hold at once. Errors count as "cannot tell: feasible",
/// which keeps the unit in the conflict set.
fn feasible(p: &Problem, ix: &Indexed, set: &BTreeSet<ConstraintRef>) -> bool {
    let Ok(comp) = compile(p, ix, &|u| set.contains(&u)) else {
        return false;
    };
    let curves = Curves::of(&p.items, comp.unit as f64 / 100.0, &p.objective);
    let current: Vec<Option<i64>> = vec![None; p.items.len()];
    let pwl = Pwl::new(&comp, &curves, &current, 0);
    if matches!(solve_lp(&comp, &pwl), Ok(LpOutcome::Infeasible)) {
        return false;
    }
    // On/off rules are integral: the LP relaxation cannot see their conflicts; a MIP can.
    let Some((activity, mip_comp)) = on_off_rules(p, ix, &comp, &|u| set.contains(&u)) else {
        return false;
    };
    if activity.is_empty() {
        return true;
    }
    let points: Vec<ItemPoints> = (0..mip_comp.lo.len())
        .map(|i| {
            let (lo, hi) = (mip_comp.lo[i] as f64, mip_comp.hi[i] as f64);
            ItemPoints::new(lo, hi, lo, None, 0)
        })
        .collect();
    !matches!(
        solve_outer(&mip_comp, &curves, &points, &activity, 1e-2),
        Ok(None)
    )
}

/// Finds a minimal conflicting set and words it.
pub(crate) fn diagnose(p: &Problem, ix: &Indexed) -> EngineError {
    let all: BTreeSet<ConstraintRef> = p.constraint_refs().into_iter().collect();
    if feasible(p, ix, &all) {
        return EngineError::NotConverged(
            "the solver reported infeasibility but the constraints can be met".to_owned(),
        );
    }
    let mut set: Vec<ConstraintRef> = all.into_iter().collect();
    let mut chunk = (set.len() / 2).max(1);
    loop {
        let mut start = 0;
        while start < set.len() {
            let end = (start + chunk).min(set.len());
            let trial: BTreeSet<ConstraintRef> =
                set[..start].iter().chain(&set[end..]).copied().collect();
            if !feasible(p, ix, &trial) {
                set.drain(start..end);
            } else {
                start = end;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = (chunk / 2).max(1);
    }
    EngineError::Infeasible {
        conflicting: set.iter().map(|&c| p.describe(c)).collect(),
    }
}
