//! Thompson-sampling exploration: seeded, exact share, feasible blend.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use engine::explore::{ExplorationOptions, explore};
use engine::optimize::{
    Budget, BudgetMode, ChangeLimit, Constraints, CurveParams, Item, Objective, OptimizeOptions,
    Problem, ResponseCurve,
};

fn problem() -> Problem {
    let proven = |id: &str, beta: f64| Item {
        id: id.into(),
        curve: ResponseCurve::certain(CurveParams::hill(beta, 1_000.0, 0.8).unwrap()),
        current: Some(100_000),
        platform_min: None,
        secondary_curve: None,
    };
    // Two new campaigns with wide, different uncertainty.
    let uncertain = |id: &str, lo: f64, hi: f64| {
        let samples: Vec<CurveParams> = (0..20)
            .map(|k| CurveParams::hill(lo + (hi - lo) * k as f64 / 19.0, 500.0, 0.8).unwrap())
            .collect();
        Item {
            id: id.into(),
            curve: ResponseCurve {
                params: CurveParams::hill(0.5 * (lo + hi), 500.0, 0.8).unwrap(),
                samples,
            },
            current: Some(0),
            platform_min: None,
            secondary_curve: None,
        }
    };
    let mut constraints = Constraints::with_budget(Budget {
        amount: 250_000,
        mode: BudgetMode::Exactly,
    });
    constraints.change_limit = Some(ChangeLimit {
        max_increase: 0.5,
        max_decrease: 0.5,
        exempt: vec!["new_a".into(), "new_b".into()],
    });
    Problem {
        items: vec![
            proven("search", 5_000.0),
            proven("social", 3_000.0),
            uncertain("new_a", 200.0, 6_000.0),
            uncertain("new_b", 100.0, 1_500.0),
        ],
        objective: Objective::Outcome,
        constraints,
    }
}

#[test]
fn exploration_gives_the_share_to_uncertain_items_reproducibly() {
    let p = problem();
    let o = ExplorationOptions {
        seed: 7,
        ..ExplorationOptions::default()
    };
    let a = explore(&p, &OptimizeOptions::default(), &o).unwrap();
    let b = explore(&p, &OptimizeOptions::default(), &o).unwrap();
    assert_eq!(a, b, "same seed, same plan");
    assert_eq!(a.total_spend, 250_000);
    assert_eq!(a.exploration_budget, 30_000);
    let explored: i64 = a
        .items
        .iter()
        .filter(|i| i.uncertain)
        .map(|i| i.spend)
        .sum();
    assert_eq!(explored, 30_000);
    assert!(a.items.iter().filter(|i| i.uncertain).count() == 2);
    // The item with the better plausible curves gets more of the exploration money, but
    // Thompson sampling still funds the other in some draws.
    let get = |id: &str| a.items.iter().find(|i| i.id == id).unwrap();
    assert!(get("new_a").spend > get("new_b").spend);
    assert!(get("new_b").funded_in > 0.0);
    // Proven items stay within their ±50% limits.
    for id in ["search", "social"] {
        assert!((50_000..=150_000).contains(&get(id).spend));
    }
    // Exploration is not free, and says what it costs.
    assert!(a.exploration_cost >= -1e-9);
    let c = explore(
        &p,
        &OptimizeOptions::default(),
        &ExplorationOptions { seed: 8, ..o },
    )
    .unwrap();
    assert_eq!(c.total_spend, 250_000);
}

#[test]
fn an_unreachable_exploration_share_is_reported_as_a_conflict() {
    let mut p = problem();
    p.constraints.change_limit.as_mut().unwrap().exempt.clear();
    let err = explore(
        &p,
        &OptimizeOptions::default(),
        &ExplorationOptions::default(),
    )
    .unwrap_err();
    let engine::EngineError::Infeasible { conflicting } = err else {
        panic!("expected infeasible, got {err:?}");
    };
    assert!(
        conflicting.iter().any(|c| c.contains("exploration")),
        "{conflicting:?}"
    );
}
