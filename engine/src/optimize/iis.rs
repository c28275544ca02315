//! Infeasibility diagnosis: a minimal set of constraints that cannot hold together.
//!
//! A deletion filter over constraint units: drop a unit (or a chunk of units) whenever the rest
//! stays infeasible. The final pass tries every remaining unit alone, so each unit left is
//! necessary: removing any one makes the set feasible (an irreducible infeasible subset).

use std::collections::BTreeSet;

use super::compile::compile;
use super::problem::{ConstraintRef, Indexed, Problem};
use super::solver::{Curves, LpOutcome, Pwl, solve_lp};
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
    !matches!(solve_lp(&comp, &pwl), Ok(LpOutcome::Infeasible))
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
